//! Test support (feature `testing`): a fresh, migrated database per test on every backend configured.
//!
//! SQLite always, as a new file in the temp directory. PostgreSQL when `POLKU_TEST_POSTGRES_URL` points at
//! a server where the user may create databases: each call makes a new database there, so tests never
//! share state and can run in parallel.

use crate::Store;

/// One store per backend under test, each on a brand-new database, labelled for assertion messages.
pub async fn fresh_stores() -> Vec<(&'static str, Store)> {
    let stores = empty_stores().await;
    for (_, store) in &stores {
        store.migrate().await.expect("migrate the test database");
    }
    stores
}

/// Like [`fresh_stores`], without any migration applied.
pub async fn empty_stores() -> Vec<(&'static str, Store)> {
    let mut out = Vec::new();
    let name = format!("polku_test_{}", uuid::Uuid::new_v4().simple());
    let path = std::env::temp_dir().join(format!("{name}.db"));
    let sqlite = Store::connect(&format!("sqlite://{}", path.display())).await.expect("open a SQLite test database");
    out.push(("sqlite", sqlite));
    if let Ok(admin_url) = std::env::var("POLKU_TEST_POSTGRES_URL") {
        out.push(("postgres", empty_postgres(&admin_url, &name).await));
    }
    out
}

async fn empty_postgres(admin_url: &str, name: &str) -> Store {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(admin_url).await.expect("connect to POLKU_TEST_POSTGRES_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a PostgreSQL test database");
    admin.close().await.ok();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).expect("URL with a database path");
    Store::connect(&format!("{base}/{name}")).await.expect("connect to the test database")
}

/// The start of a storage story: two organisations and, in the first, a survey with `questions`.
pub struct Story {
    pub org: polku_domain::OrgId,
    pub other: polku_domain::OrgId,
    pub survey: polku_domain::SurveyId,
    pub version: polku_domain::VersionId,
    pub definition: polku_domain::survey::SurveyDefinition,
}

impl Story {
    /// A response to the story's survey as the writer takes it (UTC days), without analysis or cases.
    pub fn response(&self, body: polku_domain::response::ValidResponse) -> polku_domain::response::NewResponse {
        polku_domain::response::NewResponse {
            id: polku_domain::ResponseId::new(),
            org: self.org,
            survey: self.survey,
            version: self.version,
            idempotency_key: None,
            day: polku_domain::calendar::day_of(body.submitted_at),
            body,
            analyses: Vec::new(),
            cases: Vec::new(),
        }
    }
}

/// Creates a [`Story`] in `store`; `questions` is the JSON list of the survey draft.
pub async fn story(store: &Store, questions: serde_json::Value) -> Story {
    // Written directly, with the columns of the first schema: the migration tests make stories in old ones.
    let (org, other) = (polku_domain::OrgId::new(), polku_domain::OrgId::new());
    for (id, name) in [(org, "A"), (other, "B")] {
        crate::db!(store, p => sqlx::query("INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(name)
            .bind(crate::now())
            .execute(p)
            .await
            .map(|_| ()))
        .expect("org");
    }
    let actor = crate::Actor::System("test");
    let audit = crate::Audit { actor: &actor, action: "test", target: String::new(), detail: serde_json::Value::Null };
    let draft: polku_domain::survey::SurveyDraft =
        serde_json::from_value(serde_json::json!({"name": "s", "locales": ["fi"], "questions": questions}))
            .expect("survey draft");
    let definition = draft.validate(None).expect("valid survey");
    let slug = format!("story-{}", uuid::Uuid::new_v4().simple());
    let (survey, version) = store.create_survey(org, &slug, &definition, &audit).await.expect("survey");
    Story { org, other, survey, version, definition }
}

/// Every text column of `org` that may hold what a person wrote or who they are, joined with newlines: what
/// erasure tests search for a name in.
pub async fn personal_texts(store: &Store, org: polku_domain::OrgId) -> String {
    let queries = [
        "SELECT COALESCE(text, '') FROM answers WHERE org_id = $1",
        "SELECT COALESCE(customer_ref, '') FROM responses WHERE org_id = $1",
        "SELECT COALESCE(customer_ref, '') FROM comments WHERE org_id = $1",
        "SELECT body FROM comment_notes WHERE org_id = $1",
        "SELECT body FROM case_events WHERE org_id = $1",
        "SELECT reason FROM case_actions WHERE org_id = $1",
        "SELECT key FROM idempotency_keys WHERE org_id = $1",
        "SELECT recipient || ' ' || COALESCE(last_error, '') FROM notifications WHERE org_id = $1",
        "SELECT COALESCE(email, '') || ' ' || COALESCE(comment, '') FROM follow_ups WHERE org_id = $1",
        "SELECT target || ' ' || detail FROM audit_log WHERE org_id = $1",
        "SELECT external_id || ' ' || COALESCE(name, '') || ' ' || COALESCE(email, '') FROM customers WHERE org_id = $1",
    ];
    let mut out = Vec::new();
    for q in queries {
        let rows: Vec<String> =
            crate::db!(store, p => sqlx::query_scalar(q).bind(org.0).fetch_all(p).await).expect("personal texts");
        out.extend(rows);
    }
    out.join("\n")
}

/// The tables holding rows of `org`, with their counts (none, once it is deleted): every table with an
/// `org_id` column in the database's own catalogue, not only those `ORG_TABLES` lists.
pub async fn org_rows(store: &Store, org: polku_domain::OrgId) -> Vec<(String, i64)> {
    let tables: Vec<String> = crate::db!(store, p => sqlx::query_scalar(match store.backend() {
        crate::Backend::Sqlite => "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'org_id') ORDER BY m.name",
        crate::Backend::Postgres => "SELECT table_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'org_id' ORDER BY table_name",
    })
    .fetch_all(p)
    .await)
    .expect("list tables");
    assert!(tables.len() >= 40, "{tables:?}");
    let mut out = Vec::new();
    for table in tables {
        let q = format!("SELECT COUNT(*) FROM {table} WHERE org_id = $1");
        let n: i64 = crate::db!(store, p => sqlx::query_scalar(sqlx::AssertSqlSafe(q)).bind(org.0).fetch_one(p).await)
            .expect("count rows");
        if n > 0 {
            out.push((table, n));
        }
    }
    out
}

/// What a job in flight during `org`'s deletion may leave behind: a row in a table without a foreign key to
/// the organisation, written after it went.
pub async fn write_late(store: &Store, org: polku_domain::OrgId, customer_ref: &str) {
    crate::db!(store, p => sqlx::query("INSERT INTO customer_ref_dirty (org_id, customer_ref) VALUES ($1, $2)")
        .bind(org.0)
        .bind(customer_ref)
        .execute(p)
        .await
        .map(|_| ()))
    .expect("write late");
}
