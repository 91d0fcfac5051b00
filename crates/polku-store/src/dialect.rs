//! The only place where SQL text depends on the backend. Each item says why the two differ.

use crate::Backend;

/// Serialises concurrent migrators. PostgreSQL: a transaction-scoped advisory lock, so several nodes
/// starting together apply each migration once. SQLite: `BEGIN IMMEDIATE` already takes the single write
/// lock, so nothing more is needed.
pub fn migration_lock(b: Backend) -> Option<&'static str> {
    match b {
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(7401554204)"),
        Backend::Sqlite => None,
    }
}

/// A timestamp column or parameter in a comparison. SQLite stores them as RFC 3339 text whose fraction
/// drops trailing zeros, so text order is wrong within one second (`…:05Z` sorts after `…:05.3Z`):
/// compare them as Julian day numbers there. PostgreSQL compares `timestamptz` values.
pub fn instant(b: Backend, expr: &str) -> String {
    match b {
        Backend::Sqlite => format!("julianday({expr})"),
        Backend::Postgres => expr.to_string(),
    }
}

/// [`instant`] as the text before and after a value bound by a query builder.
pub fn instant_around(b: Backend) -> (&'static str, &'static str) {
    match b {
        Backend::Sqlite => ("julianday(", ")"),
        Backend::Postgres => ("", ""),
    }
}

/// Rows a claim must not wait for: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent nodes take different
/// rows; nothing on SQLite, whose writing transaction holds the single write lock from its first write.
pub fn skip_locked(b: Backend) -> &'static str {
    match b {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    }
}
