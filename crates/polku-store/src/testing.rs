//! Test support (feature `testing`): a fresh, migrated database per test on every backend configured.
//!
//! SQLite always, as a new file in the temp directory. PostgreSQL when `POLKU_TEST_POSTGRES_URL` points at
//! a server where the user may create databases: each call makes a new database there, so tests never
//! share state and can run in parallel.

use crate::Store;

/// One store per backend under test, each on a brand-new database, labelled for assertion messages.
pub async fn fresh_stores() -> Vec<(&'static str, Store)> {
    let mut out = Vec::new();
    let name = format!("polku_test_{}", uuid::Uuid::new_v4().simple());
    let path = std::env::temp_dir().join(format!("{name}.db"));
    let sqlite = Store::connect(&format!("sqlite://{}", path.display())).await.expect("open a SQLite test database");
    sqlite.migrate().await.expect("migrate SQLite");
    out.push(("sqlite", sqlite));
    if let Ok(admin_url) = std::env::var("POLKU_TEST_POSTGRES_URL") {
        out.push(("postgres", fresh_postgres(&admin_url, &name).await));
    }
    out
}

async fn fresh_postgres(admin_url: &str, name: &str) -> Store {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(admin_url).await.expect("connect to POLKU_TEST_POSTGRES_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a PostgreSQL test database");
    admin.close().await.ok();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).expect("URL with a database path");
    let store = Store::connect(&format!("{base}/{name}")).await.expect("connect to the test database");
    store.migrate().await.expect("migrate PostgreSQL");
    store
}
