//! The command-line contract that outside scripts rely on, run as a real process: `org create` and
//! `token create` print their result as the last line, `verify` exits 0 on a consistent database, and bad
//! input fails with a message naming the problem.

use std::process::{Command, Output};

fn polku(args: &[&str], db: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polku"))
        .args(args)
        .env("POLKU_DATABASE_URL", db)
        .env("POLKU_LOG", "warn")
        .output()
        .expect("run polku")
}

fn last_line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).lines().last().unwrap_or("").to_string()
}

fn databases() -> Vec<String> {
    let path = std::env::temp_dir().join(format!("polku-cli-{}.db", uuid_like()));
    let mut out = vec![format!("sqlite://{}", path.display())];
    // PostgreSQL: the shared test database is fine here; every command creates its own organisation.
    if let Ok(url) = std::env::var("POLKU_TEST_POSTGRES_URL") {
        out.push(url);
    }
    out
}

fn uuid_like() -> String {
    format!(
        "{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    )
}

#[test]
fn org_token_verify_and_migrate_contract() {
    for db in databases() {
        let m = polku(&["migrate"], &db);
        assert!(m.status.success(), "{db}: {}", String::from_utf8_lossy(&m.stderr));
        let org = polku(&["org", "create", "--name", "Testi Oy"], &db);
        assert!(org.status.success(), "{}", String::from_utf8_lossy(&org.stderr));
        let org_id = last_line(&org);
        assert_eq!(org_id.len(), 36, "{org_id}");
        let token = polku(&["token", "create", "--org", &org_id, "--role", "agent"], &db);
        assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
        assert!(last_line(&token).starts_with("pk_"));
        let verify = polku(&["verify"], &db);
        assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
        // Bad input names the problem and fails.
        let bad = polku(&["token", "create", "--org", "not-an-id", "--role", "agent"], &db);
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("--org"));
        let bad = polku(&["token", "create", "--org", &org_id, "--role", "wizard"], &db);
        assert!(String::from_utf8_lossy(&bad.stderr).contains("--role"));
        let bad = polku(&["org", "create", "--name", "  "], &db);
        assert!(String::from_utf8_lossy(&bad.stderr).contains("name"));
    }
    let bad = polku(&["migrate"], "mysql://localhost/polku");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unsupported database URL"));
}

#[test]
fn eval_text_scores_a_file_and_names_bad_lines() {
    let dir = std::env::temp_dir().join(format!("polku-eval-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "text,language,label,rating\n\
         \"Erinomainen työ, kiitos!\",fi,positive,3.5\n\
         Maalari oli myöhässä eikä ilmoittanut mitään.,fi,negative,-2.5\n\
         Lasku tuli sähköpostilla.,fi,neutral,0\n\
         \"Not good at all, very late.\",en,negative,-3\n",
    )
    .unwrap();
    let out = polku(&["eval-text", good.to_str().unwrap(), "--json"], "sqlite::memory:");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["languages"]["fi"]["n"], 3);
    assert_eq!(report["languages"]["en"]["n"], 1);
    for key in ["accuracy", "macro_f1", "rating_correlation"] {
        assert!(report["languages"]["fi"][key].is_f64(), "{key}: {report}");
    }

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "text,language,label\nHyvä,fi,positive\nHuono,fi,bad\n").unwrap();
    let out = polku(&["eval-text", bad.to_str().unwrap()], "sqlite::memory:");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3: column label"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
