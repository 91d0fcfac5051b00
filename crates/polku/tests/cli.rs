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
