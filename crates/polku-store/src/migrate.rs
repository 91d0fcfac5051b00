//! A small migration runner over SQL files embedded in the binary.
//!
//! sqlx's own migrator needs its macros crate (or files at run time); this is forty lines, keeps the
//! binary self-contained, and records a checksum so that an edited, already applied migration fails loudly.

use crate::{Backend, Pool, Result, Store, StoreError, db, dialect};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "rollup_grains",
        sqlite: include_str!("../migrations/sqlite/0002_rollup_grains.sql"),
        postgres: include_str!("../migrations/postgres/0002_rollup_grains.sql"),
    },
    Migration {
        version: 3,
        name: "comment_analysis",
        sqlite: include_str!("../migrations/sqlite/0003_comment_analysis.sql"),
        postgres: include_str!("../migrations/postgres/0003_comment_analysis.sql"),
    },
    Migration {
        version: 4,
        name: "comment_pages",
        sqlite: include_str!("../migrations/sqlite/0004_comment_pages.sql"),
        postgres: include_str!("../migrations/postgres/0004_comment_pages.sql"),
    },
    Migration {
        version: 5,
        name: "inbox",
        sqlite: include_str!("../migrations/sqlite/0005_inbox.sql"),
        postgres: include_str!("../migrations/postgres/0005_inbox.sql"),
    },
    Migration {
        version: 6,
        name: "comment_lemmas",
        sqlite: include_str!("../migrations/sqlite/0006_comment_lemmas.sql"),
        postgres: include_str!("../migrations/postgres/0006_comment_lemmas.sql"),
    },
    Migration {
        version: 7,
        name: "comment_rollups",
        sqlite: include_str!("../migrations/sqlite/0007_comment_rollups.sql"),
        postgres: include_str!("../migrations/postgres/0007_comment_rollups.sql"),
    },
    Migration {
        version: 8,
        name: "text_models",
        sqlite: include_str!("../migrations/sqlite/0008_text_models.sql"),
        postgres: include_str!("../migrations/postgres/0008_text_models.sql"),
    },
    Migration {
        version: 9,
        name: "cases",
        sqlite: include_str!("../migrations/sqlite/0009_cases.sql"),
        postgres: include_str!("../migrations/postgres/0009_cases.sql"),
    },
    Migration {
        version: 10,
        name: "case_escalation",
        sqlite: include_str!("../migrations/sqlite/0010_case_escalation.sql"),
        postgres: include_str!("../migrations/postgres/0010_case_escalation.sql"),
    },
    Migration {
        version: 11,
        name: "case_actions",
        sqlite: include_str!("../migrations/sqlite/0011_case_actions.sql"),
        postgres: include_str!("../migrations/postgres/0011_case_actions.sql"),
    },
    Migration {
        version: 12,
        name: "teams",
        sqlite: include_str!("../migrations/sqlite/0012_teams.sql"),
        postgres: include_str!("../migrations/postgres/0012_teams.sql"),
    },
    Migration {
        version: 13,
        name: "escalation_index",
        sqlite: include_str!("../migrations/sqlite/0013_escalation_index.sql"),
        postgres: include_str!("../migrations/postgres/0013_escalation_index.sql"),
    },
    Migration {
        version: 14,
        name: "notifications",
        sqlite: include_str!("../migrations/sqlite/0014_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0014_notifications.sql"),
    },
    Migration {
        version: 15,
        name: "follow_ups",
        sqlite: include_str!("../migrations/sqlite/0015_follow_ups.sql"),
        postgres: include_str!("../migrations/postgres/0015_follow_ups.sql"),
    },
    Migration {
        version: 16,
        name: "consent_praise",
        sqlite: include_str!("../migrations/sqlite/0016_consent_praise.sql"),
        postgres: include_str!("../migrations/postgres/0016_consent_praise.sql"),
    },
    Migration {
        version: 17,
        name: "improvements",
        sqlite: include_str!("../migrations/sqlite/0017_improvements.sql"),
        postgres: include_str!("../migrations/postgres/0017_improvements.sql"),
    },
    Migration {
        version: 18,
        name: "window_rules",
        sqlite: include_str!("../migrations/sqlite/0018_window_rules.sql"),
        postgres: include_str!("../migrations/postgres/0018_window_rules.sql"),
    },
    Migration {
        version: 19,
        name: "customers_orders",
        sqlite: include_str!("../migrations/sqlite/0019_customers_orders.sql"),
        postgres: include_str!("../migrations/postgres/0019_customers_orders.sql"),
    },
    Migration {
        version: 20,
        name: "support_contacts",
        sqlite: include_str!("../migrations/sqlite/0020_support_contacts.sql"),
        postgres: include_str!("../migrations/postgres/0020_support_contacts.sql"),
    },
    Migration {
        version: 21,
        name: "journey_activity",
        sqlite: include_str!("../migrations/sqlite/0021_journey_activity.sql"),
        postgres: include_str!("../migrations/postgres/0021_journey_activity.sql"),
    },
    Migration {
        version: 22,
        name: "connections",
        sqlite: include_str!("../migrations/sqlite/0022_connections.sql"),
        postgres: include_str!("../migrations/postgres/0022_connections.sql"),
    },
    Migration {
        version: 23,
        name: "analysis_settings",
        sqlite: include_str!("../migrations/sqlite/0023_analysis_settings.sql"),
        postgres: include_str!("../migrations/postgres/0023_analysis_settings.sql"),
    },
    Migration {
        version: 24,
        name: "journey",
        sqlite: include_str!("../migrations/sqlite/0024_journey.sql"),
        postgres: include_str!("../migrations/postgres/0024_journey.sql"),
    },
    Migration {
        version: 25,
        name: "customer_summaries",
        sqlite: include_str!("../migrations/sqlite/0025_customer_summaries.sql"),
        postgres: include_str!("../migrations/postgres/0025_customer_summaries.sql"),
    },
    Migration {
        version: 26,
        name: "touchpoint_experience",
        sqlite: include_str!("../migrations/sqlite/0026_touchpoint_experience.sql"),
        postgres: include_str!("../migrations/postgres/0026_touchpoint_experience.sql"),
    },
    Migration {
        version: 27,
        name: "order_versions",
        sqlite: include_str!("../migrations/sqlite/0027_order_versions.sql"),
        postgres: include_str!("../migrations/postgres/0027_order_versions.sql"),
    },
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
    run_to(store, i64::MAX).await
}

/// Applies pending migrations up to and including `last` (tests start from an older schema this way).
pub(crate) async fn run_to(store: &Store, last: i64) -> Result<usize> {
    db!(store, p => sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS polku_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL)"
    ).execute(p).await.map(|_| ()))?;
    let mut applied = 0;
    for m in MIGRATIONS.iter().filter(|m| m.version <= last) {
        let sql = match store.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        let sum = checksum(sql);
        let done = db!(store, p => {
            let mut tx = match &store.pool {
                Pool::Sqlite { .. } => p.begin_with("BEGIN IMMEDIATE").await?,
                Pool::Postgres(_) => p.begin().await?,
            };
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
            tracing::info!(version = m.version, name = m.name, "applied migration");
            applied += 1;
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
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
}
