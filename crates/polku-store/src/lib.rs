//! Polku's storage: the only crate that speaks SQL.
//!
//! One concrete [`Store`] serves both backends. The backend is picked once, from the database URL, and held
//! as `Pool`; the private `db!` macro runs one query body against whichever pool is active, so nearly all
//! SQL is written once in the dialect both SQLite and PostgreSQL accept (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT … DO UPDATE`). The few places where SQL text must differ live in `dialect`.
//!
//! Every query on customer data filters by organisation id: callers cannot ask for a row without one.

mod access;
mod analytics;
mod audit;
mod backup;
mod bench;
mod cases;
mod comments;
mod connections;
mod contact;
mod customers;
mod dialect;
mod followups;
mod improvements;
mod insights;
mod invitations;
mod journey;
mod migrate;
mod notifications;
mod orgs;
mod panel;
mod praise;
mod privacy;
mod responses;
mod rollups;
#[cfg(test)]
mod schema_parity;
mod sealed;
mod surveys;
mod text_models;
mod tokens;
mod triggers;
#[cfg(test)]
mod upgrade;
mod users;
mod zones;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use access::{AccessLink, NewAccount, OwnSession, TwoFactor};
pub use analytics::{CustomerRef, SupportCounts};
pub use audit::{Actor, Audit, AuditEntry, CLIENT as AUDIT_CLIENT};
pub use cases::{CaseAction, CaseEvent, CaseFilter, CaseRecord, RuleRecord};
pub use comments::{Comment, CommentCursor, CommentFilter, CommentNote, Reanalysed, TextResponse};
pub use connections::{ConnectionRecord, NewConnection};
pub use contact::Sending;
pub use customers::{Receipt, Written};
pub use followups::{FollowUpRecord, FollowUpStat, NewFollowUp};
pub use improvements::{Audience, FED_BY_DAYS, ImprovementRecord, Shipping};
pub use insights::{InsightScope, ThemeNpsRow};
pub use invitations::{
    DueReminder, InvitationBatch, InvitationRecord, Invitee, LoggedInvitation, LoggedSkip, NewInvitation, Planned,
    SegmentRow, Skip, Skipped,
};
pub use journey::{CustomersAtTouchpoints, TouchpointActivity};
pub use notifications::{CaseFacts, NotificationRecord, Outgoing};
pub use orgs::Organisation;
pub use panel::PanelMember;
pub use privacy::{CustomerExport, Erased};
pub use responses::{ExportedAnswer, ExportedResponse, InsertOutcome};
pub use rollups::{BucketTouchpointRow, GroupBy, Mismatch, RollupFilter, RollupRow};
pub use sealed::Sealer;
pub use surveys::{SurveyRecord, SurveyStatus, SurveySummary};
pub use text_models::TextModel;
pub use tokens::{TokenInfo, TokenRecord};
pub use triggers::{Candidate, NewTrigger, TriggerRecord};
pub use users::{Member, SessionInfo, UserLogin};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Errors the store reports. Constraint violations are told apart so that the web layer can answer 409/422.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique key already holds the value: `field` names the column it is about (never a constraint's
    /// name, which means nothing to a caller).
    #[error("{field}: already exists")]
    Duplicate { field: String },
    /// The row changed meanwhile, so the operation no longer applies (the message says how).
    #[error("{0}")]
    Conflict(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("migration {version} was changed after it was applied; never edit an applied migration")]
    MigrationChanged { version: i64 },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A database failure, with the place in the store where the statement failed (the `?` that returned
    /// it), so that a logged error names its operation.
    #[error("database error in {at}: {source}")]
    Sql { source: sqlx::Error, at: &'static std::panic::Location<'static> },
}

impl From<sqlx::Error> for StoreError {
    /// `#[track_caller]`: the `?` in the store method is the location recorded.
    #[track_caller]
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Duplicate { field: dialect::duplicate_field(db.as_ref()) }
            }
            _ => StoreError::Sql { source: e, at: std::panic::Location::caller() },
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
enum Pool {
    /// `ingest` is one connection kept for the response writer. SQLite drops a connection's page cache
    /// whenever another connection has written, so a write path that wandered across the pool would
    /// read its B-tree pages from the file on every batch; one dedicated connection keeps them cached
    /// and never waits for SQLite's write lock against itself.
    Sqlite {
        read: SqlitePool,
        ingest: SqlitePool,
    },
    Postgres(PgPool),
}

/// Which SQL backend a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one body against the active pool; the body is compiled once per backend.
macro_rules! db {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite { read: $pool, .. } => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use db;

/// Like [`db!`], for the response write path: on SQLite its own connection (see [`Pool`]).
macro_rules! db_ingest {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite { ingest: $pool, .. } => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use db_ingest;

/// The storage handle: cheap to clone, shared by the HTTP server, the writer and the CLI.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    /// Encrypts the secrets Polku stores for organisations (`sealed`); an ephemeral key until the binary
    /// sets the configured ones with [`Store::with_sealer`].
    sealer: std::sync::Arc<Sealer>,
}

impl Store {
    /// The same store, sealing secrets with `sealer`'s keys.
    pub fn with_sealer(self, sealer: Sealer) -> Store {
        Store { sealer: std::sync::Arc::new(sealer), ..self }
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`); anything else is refused.
    /// A SQLite file is created if missing and opened in WAL mode with full sync, so a commit that
    /// returned is on disk.
    pub async fn connect(url: &str) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-65536")
                .pragma("mmap_size", "1073741824")
                .pragma("temp_store", "memory");
            let read = SqlitePoolOptions::new()
                .max_connections(8)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(opts.clone())
                .await?;
            let ingest = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(opts)
                .await?;
            Pool::Sqlite { read, ingest }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Pool::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        Ok(Store { pool, sealer: std::sync::Arc::new(Sealer::ephemeral()) })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite pool, for tests that read the backend's own catalogue.
    #[cfg(test)]
    pub(crate) fn sqlite_pool(&self) -> &SqlitePool {
        match &self.pool {
            Pool::Sqlite { read, .. } => read,
            Pool::Postgres(_) => panic!("not a SQLite store"),
        }
    }

    /// The PostgreSQL pool, for tests that read the backend's own catalogue.
    #[cfg(test)]
    pub(crate) fn postgres_pool(&self) -> &PgPool {
        match &self.pool {
            Pool::Postgres(p) => p,
            Pool::Sqlite { .. } => panic!("not a PostgreSQL store"),
        }
    }

    /// Applies pending migrations; safe to call from several nodes at once.
    pub async fn migrate(&self) -> Result<usize> {
        migrate::run(self).await
    }

    /// Cheap liveness probe of the database, for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        db!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { read, ingest } => {
                ingest.close().await;
                read.close().await;
            }
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// Current time in UTC, truncated to microseconds so that both backends store and return the same value.
pub fn now() -> time::OffsetDateTime {
    let t = time::OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000).expect("valid nanosecond")
}
