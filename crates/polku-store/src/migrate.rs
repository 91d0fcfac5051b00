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
    db!(store, p => sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS polku_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL)"
    ).execute(p).await.map(|_| ()))?;
    let mut applied = 0;
    for m in MIGRATIONS {
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
