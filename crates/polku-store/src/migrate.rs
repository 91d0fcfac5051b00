//! A small migration runner over SQL files embedded in the binary.
//!
//! sqlx's own migrator needs its macros crate (or files at run time); this runner is small, keeps the
//! binary self-contained, and records a checksum so that an edited, already applied migration fails loudly.
//! Each migration is declared once, by version and name, in `MIGRATIONS`; the macro includes the file of
//! that name from both `migrations/sqlite/` and `migrations/postgres/`, so no version exists for one backend
//! only. Every migration runs in its own transaction under the backend's migration lock
//! (`dialect::migration_lock`), so several nodes may start at once; a run logs one summary line.

use crate::{Result, Store, StoreError, db, dialect};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Declares each migration once, by version and name; the SQL comes from `migrations/sqlite/` and
/// `migrations/postgres/` under the same file name, so no version can exist for one backend only (a missing
/// file fails the build; a file nobody declared fails `declared_migrations_are_the_files`).
macro_rules! migrations {
    ($($version:literal $name:ident,)*) => {
        &[$(Migration {
            version: version_of($version),
            name: stringify!($name),
            sqlite: include_str!(concat!("../migrations/sqlite/", $version, "_", stringify!($name), ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $version, "_", stringify!($name), ".sql")),
        }),*]
    };
}

/// `"0012"` → 12, at compile time.
const fn version_of(digits: &str) -> i64 {
    let bytes = digits.as_bytes();
    let mut i = 0;
    let mut v = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "a migration version is digits");
        v = v * 10 + (bytes[i] - b'0') as i64;
        i += 1;
    }
    v
}

/// The newest schema version this build knows.
#[cfg(test)]
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

const MIGRATIONS: &[Migration] = migrations![
    "0001" foundation,
    "0002" rollup_grains,
    "0003" comment_analysis,
    "0004" comment_pages,
    "0005" inbox,
    "0006" comment_lemmas,
    "0007" comment_rollups,
    "0008" text_models,
    "0009" cases,
    "0010" case_escalation,
    "0011" case_actions,
    "0012" teams,
    "0013" escalation_index,
    "0014" notifications,
    "0015" follow_ups,
    "0016" consent_praise,
    "0017" improvements,
    "0018" window_rules,
    "0019" customers_orders,
    "0020" support_contacts,
    "0021" journey_activity,
    "0022" connections,
    "0023" analysis_settings,
    "0024" journey,
    "0025" customer_summaries,
    "0026" touchpoint_experience,
    "0027" order_versions,
    "0028" people,
    "0029" two_factor,
    "0030" time_zone,
    "0031" audit_client,
    "0032" business_hours,
    "0033" second_factor_attempts,
    "0034" deleted_orgs,
    "0035" invitations,
    "0036" invitation_mail,
    "0037" contact_rules,
    "0038" triggers,
    "0039" reminders,
    "0040" unverified_reference,
    "0041" panel,
];

/// FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
fn checksum(sql: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sql.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub(crate) async fn run(store: &Store) -> Result<usize> {
    let version = MIGRATIONS.last().map_or(0, |m| m.version);
    // A database a newer Polku has migrated may hold what this build does not know how to keep: refuse it
    // rather than write into it (after a restore of a newer backup, or a downgrade).
    let newest: Option<i64> =
        db!(store, p => sqlx::query_scalar("SELECT MAX(version) FROM polku_migrations").fetch_one(p).await)
            .unwrap_or(None);
    if let Some(newer) = newest.filter(|n| *n > version) {
        return Err(StoreError::Conflict(format!(
            "the database is at schema {newer}, newer than this build of Polku knows ({version}); run the newer Polku"
        )));
    }
    let applied = run_to(store, i64::MAX).await?;
    // One line at start-up, whatever was applied; each migration is logged at debug level.
    tracing::info!(applied, version, "database schema is current");
    Ok(applied)
}

/// Applies pending migrations up to and including `last` (tests start from an older schema this way).
pub(crate) async fn run_to(store: &Store, last: i64) -> Result<usize> {
    db!(store, p => sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS polku_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL)"
    ).execute(p).await.map(|_| ()))?;
    let mut applied = 0;
    for m in MIGRATIONS.iter().filter(|m| m.version <= last) {
        let sql = dialect::migration_text(store.backend(), m.sqlite, m.postgres);
        let sum = checksum(sql);
        let done = db!(store, p => {
            let mut tx = p.begin_with(dialect::begin_write(store.backend())).await?;
            if let Some(lock) = dialect::migration_lock(store.backend()) {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let existing: Option<(String,)> =
                sqlx::query_as("SELECT checksum FROM polku_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&mut *tx)
                    .await?;
            match existing {
                Some((s,)) if s == sum => false,
                Some(_) => return Err(StoreError::MigrationChanged { version: m.version }),
                None => {
                    sqlx::raw_sql(sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO polku_migrations (version, name, checksum) VALUES ($1, $2, $3)")
                        .bind(m.version)
                        .bind(m.name)
                        .bind(&sum)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    true
                }
            }
        });
        if done {
            tracing::debug!(version = m.version, name = m.name, "applied migration");
            applied += 1;
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    /// Every file in either migration directory is declared, and versions run 1, 2, 3 … without a gap.
    #[test]
    fn declared_migrations_are_the_files() {
        let declared: Vec<String> =
            super::MIGRATIONS.iter().map(|m| format!("{:04}_{}.sql", m.version, m.name)).collect();
        for dir in ["sqlite", "postgres"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
            let mut files: Vec<String> = std::fs::read_dir(path)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            assert_eq!(files, declared, "migrations/{dir}");
        }
        for (i, m) in super::MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
        }
    }

    use super::{run, run_to};
    use crate::{CommentFilter, db};
    use uuid::Uuid;

    /// Migration 5 rebuilds the comment tables: comments stored before it keep their context, headline
    /// score, analysis and themes, and become searchable.
    #[tokio::test]
    async fn the_inbox_migration_carries_comments_over() {
        for (backend, store) in crate::testing::empty_stores().await {
            run_to(&store, 4).await.unwrap();
            let st = crate::testing::story(
                &store,
                serde_json::json!([
                    {"key": "nps", "type": "nps", "required": true, "text": {"fi": "?"}},
                    {"key": "why", "type": "text", "text": {"fi": "Miksi?"}}
                ]),
            )
            .await;
            let (nps, why) = (st.definition.questions[0].id.0, st.definition.questions[1].id.0);
            let (response, at) = (Uuid::now_v7(), crate::now());
            let text = "Toimitus myöhästyi viikolla.";
            db!(store, p => async {
                sqlx::query(
                    "INSERT INTO responses (id, org_id, survey_id, version_id, submitted_at, day, channel, touchpoint, locale, customer_ref, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, 'email', 'delivery', 'fi', 'c-9', $5)",
                )
                .bind(response).bind(st.org.0).bind(st.survey.0).bind(st.version.0).bind(at)
                .bind(i64::from(polku_domain::calendar::day_of(at)))
                .execute(p).await?;
                for (question, kind, score, text) in [(nps, "nps", Some(3i64), None), (why, "text", None, Some(text))] {
                    sqlx::query(
                        "INSERT INTO answers (response_id, question_id, org_id, survey_id, kind, score, text, submitted_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(response).bind(question).bind(st.org.0).bind(st.survey.0).bind(kind).bind(score).bind(text).bind(at)
                    .execute(p).await?;
                }
                sqlx::query(
                    "INSERT INTO comment_analysis (response_id, question_id, org_id, survey_id, submitted_at, language, polarity, score)
                     VALUES ($1, $2, $3, $4, $5, 'fi', 'negative', -0.5)",
                )
                .bind(response).bind(why).bind(st.org.0).bind(st.survey.0).bind(at)
                .execute(p).await?;
                sqlx::query(
                    "INSERT INTO comment_themes (response_id, question_id, theme, org_id, submitted_at, polarity, score)
                     VALUES ($1, $2, 'delivery', $3, $4, 'negative', -0.5)",
                )
                .bind(response).bind(why).bind(st.org.0).bind(at)
                .execute(p).await?;
                Ok::<(), sqlx::Error>(())
            }.await)
            .unwrap();

            assert_eq!(run(&store).await.unwrap(), super::MIGRATIONS.len() - 4, "{backend}");
            let comments = store.comments(&CommentFilter::new(st.org), 10).await.unwrap();
            assert_eq!(comments.len(), 1, "{backend}");
            let c = &comments[0];
            assert_eq!((c.text.as_str(), c.channel.as_str(), c.touchpoint.as_str()), (text, "email", "delivery"));
            assert_eq!(
                (c.score, c.score_kind.as_deref(), c.customer_ref.as_deref()),
                (Some(3), Some("nps"), Some("c-9"))
            );
            assert_eq!((c.polarity.as_deref(), c.language.as_deref()), (Some("negative"), Some("fi")), "{backend}");
            assert_eq!(c.themes, [("delivery".to_string(), "negative".to_string())], "{backend}");
            let analyzer = polku_domain::text::Analyzer::new();
            let found = CommentFilter { search: analyzer.search_query("myöhästyi"), ..CommentFilter::new(st.org) };
            assert_eq!(store.comments(&found, 10).await.unwrap().len(), 1, "{backend}: searchable by its words");
            let theme = CommentFilter { theme: Some("delivery".into()), ..CommentFilter::new(st.org) };
            assert_eq!(store.comments(&theme, 10).await.unwrap().len(), 1, "{backend}");
            assert!(store.verify_comment_rollups(st.org).await.unwrap().is_empty(), "{backend}: backfilled");
            let day = polku_domain::calendar::day_of(at);
            let scope = crate::InsightScope { org: st.org, survey: None, from_day: day, to_day: day };
            assert_eq!(store.theme_nps(&scope).await.unwrap(), [("delivery".into(), "negative".into(), 3, 1)]);
        }
    }

    /// Migration 30: an organisation from before it keeps its UTC days until the rebuild, which moves an
    /// evening answer to the Helsinki day and recounts the rollups exactly.
    #[tokio::test]
    async fn organisations_from_before_time_zones_are_rebuilt_in_helsinki() {
        for (backend, store) in crate::testing::empty_stores().await {
            run_to(&store, 29).await.unwrap();
            let st = crate::testing::story(
                &store,
                serde_json::json!([{"key": "nps", "type": "nps", "required": true, "text": {"fi": "?"}}]),
            )
            .await;
            let at = time::macros::datetime!(2026-01-15 22:30 UTC);
            let draft: polku_domain::response::ResponseDraft =
                serde_json::from_value(serde_json::json!({"answers": [{"question": "nps", "value": 4}]})).unwrap();
            let body = polku_domain::response::validate(&st.definition, &draft, "api", at).unwrap();
            let body = polku_domain::response::ValidResponse { submitted_at: at, ..body };
            let r = polku_domain::response::NewResponse {
                id: polku_domain::ResponseId::new(),
                org: st.org,
                survey: st.survey,
                version: st.version,
                idempotency_key: None,
                day: polku_domain::calendar::day_of(at),
                body,
                analyses: Vec::new(),
                cases: Vec::new(),
            };
            store.insert_responses(&[r]).await.unwrap();
            run(&store).await.unwrap();
            assert!(store.pending_day_rebuilds().await.unwrap().contains(&st.org), "{backend}");
            assert!(store.verify_rollups(st.org).await.unwrap().is_empty(), "{backend}: exact before");
            assert_eq!(store.rebuild_days(st.org).await.unwrap(), 1, "{backend}: the evening answer moved");
            assert!(store.verify_rollups(st.org).await.unwrap().is_empty(), "{backend}: exact after");
            let day: i64 = db!(store, p => sqlx::query_scalar("SELECT day FROM responses WHERE org_id = $1").bind(st.org.0).fetch_one(p).await).unwrap();
            assert_eq!(
                day,
                i64::from(polku_domain::calendar::day_of_date(time::macros::date!(2026 - 01 - 16))),
                "{backend}"
            );
            assert!(!store.pending_day_rebuilds().await.unwrap().contains(&st.org), "{backend}");
        }
    }

    /// A database a newer build migrated is refused, and nothing is written into it.
    #[tokio::test]
    async fn a_newer_schema_is_refused() {
        for (backend, store) in crate::testing::empty_stores().await {
            run(&store).await.unwrap();
            db!(store, p => sqlx::query("INSERT INTO polku_migrations (version, name, checksum) VALUES (9999, 'future', 'x')")
                .execute(p).await.map(|_| ())).unwrap();
            let e = run(&store).await.unwrap_err();
            assert!(e.to_string().contains("schema 9999"), "{backend}: {e}");
        }
    }
}
