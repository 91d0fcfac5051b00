//! The command-line contract that outside scripts rely on, run as a real process: `org create` and
//! `token create` print their result as the last line, `verify` exits 0 on a consistent database, and bad
//! input fails with a message naming the problem.

use std::process::{Command, Output};

/// The key every test run shares, so that runs against the shared PostgreSQL database read each other's
/// secrets (and no key file is written into the source tree).
const KEY: &str = "cG9sa3UgdGVzdCBrZXksIHRoaXJ0eS10d28gYnl0ZXM=";

fn polku(args: &[&str], db: &str) -> Output {
    polku_with(args, db, KEY)
}

fn polku_with(args: &[&str], db: &str, keys: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polku"))
        .args(args)
        .env("POLKU_DATABASE_URL", db)
        .env("POLKU_SECRET_KEYS", keys)
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

/// `polku import`: columns mapped by name or `--map`, every bad line reported as `line N: column X: reason`
/// with nothing written, `--dry-run` writes nothing, and a good file lands whole.
#[test]
fn import_checks_the_whole_file_then_writes_it_whole() {
    for db in databases() {
        let org = last_line(&polku(&["org", "create", "--name", "Tuonti Oy"], &db));
        let dir = std::env::temp_dir().join(format!("polku-import-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p.display().to_string()
        };
        let customers = file(
            "customers.csv",
            "Asiakasnumero,name,email,language,consent_contact,attr.segment\nC-1,Maija,maija@example.fi,fi,kyllä,b2c\nC-2,Sven,,sv,no,\n",
        );
        let r = polku(&["import", "customers", &customers, "--org", &org], &db);
        assert!(!r.status.success());
        assert!(
            String::from_utf8_lossy(&r.stderr).contains("--map external_id=COLUMN"),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        let mapped = ["import", "customers", &customers, "--org", &org, "--map", "external_id=Asiakasnumero"];
        let r = polku(&mapped, &db);
        assert!(r.status.success(), "{db}: {}", String::from_utf8_lossy(&r.stderr));
        assert!(last_line(&r).starts_with("2 row(s) imported"), "{}", last_line(&r));

        let bad = file(
            "orders.csv",
            "external_id,customer,placed_at,amount,currency,items,status\n\
             O-1,C-1,2026-11-02T10:00:00Z,\"129,00\",EUR,2,paid\n\
             O-2,C-2,eilen,12.345,EUR,x,paid\n\
             O-3,,2026-11-02T10:00:00Z,5,EURO,1,lost\n",
        );
        let r = polku(&["import", "orders", &bad, "--org", &org], &db);
        assert!(!r.status.success());
        let err = String::from_utf8_lossy(&r.stderr);
        for line in [
            "line 3: column items: must be a whole number",
            "line 3: column placed_at:",
            "line 3: column amount:",
            "line 4: column customer: is required",
            "line 4: column currency:",
            "line 4: column status:",
            "nothing was imported",
        ] {
            assert!(err.contains(line), "{db}: {line:?} missing in {err}");
        }
        // A Windows file with a blank line: the line numbers are still the editor's.
        let crlf = file(
            "crlf.csv",
            "external_id,customer,placed_at,amount,currency\r\nO-1,C-1,2026-11-02T10:00:00Z,1,EUR\r\n\r\nO-2,C-1,eilen,1,EUR\r\n",
        );
        let r = polku(&["import", "orders", &crlf, "--org", &org], &db);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("line 4: column placed_at:"), "{db}: {err}");
        let r = polku(&["import", "orders", &crlf, "--org", &org, "--map", "currency=Valuutta"], &db);
        assert!(String::from_utf8_lossy(&r.stderr).contains("no such column"), "a mapped column the file lacks");
        let good = file(
            "good.csv",
            "external_id,customer,placed_at,amount,currency\nO-1,C-1,2026-11-02T10:00:00Z,\"129,00\",EUR\nO-2,C-9,2026-11-03T10:00:00Z,10,EUR\n",
        );
        let r = polku(&["import", "orders", &good, "--org", &org, "--dry-run"], &db);
        assert!(r.status.success() && last_line(&r).contains("nothing written"), "{}", last_line(&r));
        let r = polku(&["import", "orders", &good, "--org", &org], &db);
        assert!(r.status.success(), "{db}: {}", String::from_utf8_lossy(&r.stderr));
        assert!(last_line(&r).starts_with("2 row(s) imported: 2 orders"), "{}", last_line(&r));
        let contacts = file(
            "contacts.csv",
            "Tiketti,customer,channel,opened_at,closed_at,handling_minutes,cost,currency\n\
             Z-1,C-1,phone,2026-11-04T09:00:00Z,2026-11-04T09:20:00Z,20,\"12,50\",EUR\n\
             Z-2,C-2,email,2026-11-05T09:00:00Z,2026-11-04T09:00:00Z,many,5,\n",
        );
        let r = polku(&["import", "contacts", &contacts, "--org", &org, "--map", "external_id=Tiketti"], &db);
        let err = String::from_utf8_lossy(&r.stderr);
        for line in ["line 3: column handling_minutes:", "line 3: column closed_at:", "line 3: column currency:"] {
            assert!(err.contains(line), "{db}: {line:?} missing in {err}");
        }
        let fixed = contacts.replace("contacts.csv", "contacts-fixed.csv");
        let text = std::fs::read_to_string(&contacts)
            .unwrap()
            .replace("2026-11-04T09:00:00Z,many,5,", "2026-11-05T09:30:00Z,30,5,EUR");
        std::fs::write(&fixed, text).unwrap();
        let r = polku(&["import", "contacts", &fixed, "--org", &org, "--map", "external_id=Tiketti"], &db);
        assert!(r.status.success(), "{db}: {}", String::from_utf8_lossy(&r.stderr));
        assert!(last_line(&r).starts_with("2 row(s) imported: 2 contacts"), "{}", last_line(&r));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn connections_and_one_customers_data_on_the_command_line() {
    for db in databases() {
        let org = last_line(&polku(&["org", "create", "--name", "Yksityisyys Oy"], &db));
        let r = polku(&["connection", "add", "--org", &org, "--kind", "shopify", "--name", "Kauppa"], &db);
        assert!(r.status.success(), "{db}: {}", String::from_utf8_lossy(&r.stderr));
        let out = String::from_utf8_lossy(&r.stdout);
        assert!(out.contains("/hooks/") && out.contains("secret (shown once)"), "{out}");
        let r = polku(&["connection", "add", "--org", &org, "--kind", "magento", "--name", "Kauppa"], &db);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(!r.status.success() && err.contains("kind:"), "{err}");
        let r = polku(&["connection", "add", "--org", &org, "--kind", "zendesk", "--name", "Kauppa"], &db);
        assert!(String::from_utf8_lossy(&r.stderr).contains("name: another connection"), "names are unique");
        let list = polku(&["connection", "list", "--org", &org], &db);
        let line = last_line(&list);
        assert!(line.contains("shopify\tKauppa") && line.contains("received 0"), "{line}");
        let id = line.split('\t').next().unwrap();
        assert!(polku(&["connection", "remove", "--org", &org, id], &db).status.success());
        assert_eq!(String::from_utf8_lossy(&polku(&["connection", "list", "--org", &org], &db).stdout), "");

        let dir = std::env::temp_dir().join(format!("polku-privacy-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("customers.csv");
        std::fs::write(&csv, "external_id,name,email\nC-1,Maija,maija@example.fi\n").unwrap();
        assert!(polku(&["import", "customers", csv.to_str().unwrap(), "--org", &org], &db).status.success());
        let r = polku(&["customer", "export", "--org", &org, "C-1"], &db);
        assert!(r.status.success(), "{db}: {}", String::from_utf8_lossy(&r.stderr));
        let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(json["customer"]["email"], "maija@example.fi");
        let r = polku(&["customer", "erase", "--org", &org, "C-1"], &db);
        assert!(!r.status.success() && String::from_utf8_lossy(&r.stderr).contains("--yes"));
        let r = polku(&["customer", "erase", "--org", &org, "C-1", "--yes"], &db);
        assert!(r.status.success() && last_line(&r).starts_with("erased"), "{}", String::from_utf8_lossy(&r.stderr));
        let r = polku(&["customer", "export", "--org", &org, "C-1"], &db);
        assert!(String::from_utf8_lossy(&r.stderr).contains("no customer \"C-1\""));
        let r = polku(&["customer", "retention", "--org", &org, "soon"], &db);
        assert!(String::from_utf8_lossy(&r.stderr).contains("\"soon\""));
        let r = polku(&["customer", "retention", "--org", &org, "0"], &db);
        assert!(String::from_utf8_lossy(&r.stderr).contains("retention_months"));
        assert!(polku(&["customer", "retention", "--org", &org, "24"], &db).status.success());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn reports_on_the_command_line() {
    for db in databases() {
        let org = last_line(&polku(&["org", "create", "--name", "Raportti Oy"], &db));
        let dir = std::env::temp_dir().join(format!("polku-report-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("orders.csv");
        let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
        std::fs::write(
            &csv,
            format!(
                "external_id,customer,placed_at,amount,currency\nO-1,C-1,{now},12.50,EUR\nO-2,C-1,{now},7.50,EUR\n"
            ),
        )
        .unwrap();
        assert!(polku(&["import", "orders", csv.to_str().unwrap(), "--org", &org], &db).status.success());
        let r = polku(&["report", "money", "--org", &org, "--table", "leaky-bucket", "--months", "1"], &db);
        assert!(r.status.success(), "{db}: {}", String::from_utf8_lossy(&r.stderr));
        let out = String::from_utf8_lossy(&r.stdout);
        // One month: C-1 gained with both orders, 20 €.
        assert!(out.starts_with("figures,month,active_start,gained"), "{out}");
        assert!(out.lines().nth(1).unwrap().starts_with(&format!("all,{},0,1,0,0,0,1,2000,", &now[..7])), "{out}");
        let r = polku(&["report", "money", "--org", &org, "--table", "nonsense"], &db);
        assert!(!r.status.success() && String::from_utf8_lossy(&r.stderr).contains("--table"));
        let r = polku(&["report", "money", "--org", &org, "--json", "--months", "99"], &db);
        assert!(
            String::from_utf8_lossy(&r.stderr).contains("--months: must be 1–60"),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        let r = polku(&["report", "journey", "--org", &org, "--from", "2026-10-02", "--to", "2026-10-01"], &db);
        assert!(String::from_utf8_lossy(&r.stderr).contains("--from:"), "{}", String::from_utf8_lossy(&r.stderr));
        let r = polku(&["report", "money", "--org", &org, "--json", "--compare"], &db);
        let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(json["all"]["customers"], 1, "{db}");
        let r = polku(&["report", "journey", "--org", &org, "--from", "2026-10-01"], &db);
        assert!(String::from_utf8_lossy(&r.stderr).contains("--to"));
        let r = polku(&["report", "journey", "--org", &org, "--lang", "fi", "--compare"], &db);
        assert!(String::from_utf8_lossy(&r.stdout).starts_with("figures,stage,touchpoint"), "{db}");
        let file = dir.join("loyal.json");
        let r = polku(&["report", "loyal", "--org", &org, "--json", "--out", file.to_str().unwrap()], &db);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), "[]", "C-1 bought twice but never said a 9 or 10");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_bad_trusted_proxy_is_named_and_the_server_does_not_start() {
    let dir = std::env::temp_dir().join(format!("polku-proxy-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("polku.toml");
    std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/8\", \"proxy.lan\"]\n").unwrap();
    let db = format!("sqlite://{}", dir.join("p.db").display());
    let o = polku(&["serve", "--config", file.to_str().unwrap(), "--listen", "127.0.0.1:0"], &db);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("trusted_proxies[1]: \"proxy.lan\" is not an IP address or CIDR range"), "{err}");
}

/// Stored secrets are encrypted under the configured key: a new key comes from `secrets new-key`, a bad one
/// is named, and `secrets rotate` re-encrypts under the first key while the old one still decrypts.
#[test]
fn secret_keys_are_made_checked_and_rotated() {
    let key = polku(&["secrets", "new-key"], "sqlite://unused.db");
    assert!(key.status.success());
    let new = last_line(&key);
    assert_eq!(new.len(), 44, "{new}");
    // SQLite only: rotation rewrites every organisation's secrets, and the PostgreSQL database here is shared
    // (the store's own test runs `reseal_secrets` on both backends).
    for db in databases().into_iter().take(1) {
        let bad = polku_with(&["migrate"], &db, "not-a-key");
        assert!(!bad.status.success());
        assert!(
            String::from_utf8_lossy(&bad.stderr).contains("secret_keys[0]"),
            "{}",
            String::from_utf8_lossy(&bad.stderr)
        );
        let org = last_line(&polku(&["org", "create", "--name", "Salaisuus Oy"], &db));
        let made = polku(
            &[
                "connection",
                "add",
                "--org",
                &org,
                "--kind",
                "shopify",
                "--name",
                "Kauppa",
                "--secret",
                "a-shopify-secret-of-length",
            ],
            &db,
        );
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        // A new key first, the old one after it: everything is re-encrypted, and still read.
        let both = format!("{new},{KEY}");
        let rotated = polku_with(&["secrets", "rotate"], &db, &both);
        assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));
        assert!(!last_line(&rotated).starts_with('0'), "{}", last_line(&rotated));
        let again = polku_with(&["secrets", "rotate"], &db, &both);
        assert!(last_line(&again).starts_with('0'), "nothing left to re-encrypt: {}", last_line(&again));
        // Without the new key the secret cannot be read, and the command says which key it needs.
        let lost = polku(&["secrets", "rotate"], &db);
        assert!(!lost.status.success());
        assert!(
            String::from_utf8_lossy(&lost.stderr).contains("not in secret_keys"),
            "{}",
            String::from_utf8_lossy(&lost.stderr)
        );
        let back = polku_with(&["secrets", "rotate"], &db, &format!("{KEY},{new}"));
        assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    }
}

/// `polku backup` copies a live SQLite database; `polku restore` puts it in place of another after checking
/// it, and the restored database has the same rows and passes `verify`.
#[test]
fn a_backup_restores_into_a_fresh_server_whole() {
    let dir = std::env::temp_dir().join(format!("polku-backup-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = format!("sqlite://{}", dir.join("live.db").display());
    let made = polku(&["demo", "--no-serve", "--responses", "300"], &source);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let file = dir.join("backup.db");
    let file = file.to_str().unwrap();
    let backup = polku(&["backup", file], &source);
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    // The schema version and the row counts both commands print.
    let counts = |o: &Output| -> Vec<String> {
        let tables =
            ["schema", "organisations", "users", "surveys", "responses", "answers", "customers", "orders", "cases"];
        let out = String::from_utf8_lossy(&o.stdout);
        out.lines().filter(|l| tables.iter().any(|t| l.split(' ').next() == Some(*t))).map(str::to_string).collect()
    };
    let written = counts(&backup);
    assert!(written.iter().any(|l| l.starts_with("responses ") && l != "responses 0"), "{written:?}");
    // Never over an existing file.
    assert!(!polku(&["backup", file], &source).status.success());
    // Into a fresh path: restored, same counts, and verify passes there.
    let fresh = format!("sqlite://{}", dir.join("fresh.db").display());
    let restored = polku(&["restore", file], &fresh);
    assert!(restored.status.success(), "{}", String::from_utf8_lossy(&restored.stderr));
    assert_eq!(counts(&restored), written);
    let verify = polku(&["verify"], &fresh);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    // A database with data is replaced only with --force; a file that is not a Polku database never.
    let again = polku(&["restore", file], &fresh);
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("--force"));
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let bad = polku(&["restore", "--force", junk.to_str().unwrap()], &fresh);
    assert!(!bad.status.success(), "{}", String::from_utf8_lossy(&bad.stdout));
    assert!(polku(&["verify"], &fresh).status.success(), "a failed restore changed nothing");
    let forced = polku(&["restore", "--force", file], &fresh);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    // The replaced database is kept aside, whole, not deleted with its WAL.
    let aside = format!("{fresh}.replaced");
    let kept = std::fs::metadata(dir.join("fresh.db.replaced")).map(|m| m.len()).unwrap_or(0);
    assert!(kept > 4096, "the replaced database is kept: {kept} bytes");
    assert!(polku(&["verify"], &aside).status.success(), "{}", String::from_utf8_lossy(&forced.stdout));
    // A second restore never overwrites the database the first one kept aside.
    let twice = polku(&["restore", "--force", file], &fresh);
    assert!(!twice.status.success() && String::from_utf8_lossy(&twice.stderr).contains("earlier restore"));
    assert_eq!(std::fs::metadata(dir.join("fresh.db.replaced")).map(|m| m.len()).unwrap_or(0), kept);
    assert!(!dir.join("fresh.db.restoring").exists(), "nothing staged is left behind");
    assert!(polku(&["verify"], &fresh).status.success());
    std::fs::remove_dir_all(&dir).ok();
}
