//! The only place where SQL text or the way a statement is run depends on the backend.
//!
//! Everything else in the store writes SQL that SQLite and PostgreSQL both accept and asks this module for
//! the rest; a test below fails when another file of the crate checks the backend or names a
//! backend-specific construct. Each item says why the two differ. The cases:
//!
//! | case | PostgreSQL | SQLite |
//! |---|---|---|
//! | a write transaction that reads first | `BEGIN` and row locks (`FOR UPDATE OF …`) | `BEGIN IMMEDIATE`: the single write lock up front |
//! | claims shared by nodes | `FOR UPDATE SKIP LOCKED` | nothing: one writer at a time |
//! | concurrent migrators | `pg_advisory_xact_lock` | `BEGIN IMMEDIATE` |
//! | comparing instants | `timestamptz` values | `julianday(…)` of the RFC 3339 text |
//! | full-text terms | the `comments.search` tsvector (`simple` configuration) | the FTS5 table `comment_search` (rowid = comment id) |
//! | full-text queries | `to_tsquery` syntax, unnamed statements | FTS5 query syntax, prepared statements |
//! | multi-row statements kept prepared | no | yes (one ingest connection) |
//! | migration files | `migrations/postgres` | `migrations/sqlite` |

use crate::Backend;
use polku_domain::text::SearchQuery;

/// Opens a write transaction that reads before it writes. SQLite: `BEGIN IMMEDIATE` takes the single write
/// lock up front, because a deferred transaction that read first cannot upgrade once another connection
/// has written (it fails with "database is locked" instead of waiting). PostgreSQL: a plain `BEGIN`; the
/// rows read are locked with [`row_lock`].
pub(crate) fn begin_write(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// Locks the rows of `alias` that a `SELECT` read, until the transaction ends: `FOR UPDATE OF alias` on
/// PostgreSQL; nothing on SQLite, where [`begin_write`] already holds the whole database.
pub(crate) fn row_lock(b: Backend, alias: &str) -> String {
    match b {
        Backend::Postgres => format!(" FOR UPDATE OF {alias}"),
        Backend::Sqlite => String::new(),
    }
}

/// Holds writers of `table` off until the transaction ends, while it is rebuilt: PostgreSQL's `LOCK TABLE …
/// IN EXCLUSIVE MODE` (readers go on); nothing on SQLite, where [`begin_write`] already holds the database.
pub(crate) fn lock_table(b: Backend, table: &str) -> Option<String> {
    match b {
        Backend::Postgres => Some(format!("LOCK TABLE {table} IN EXCLUSIVE MODE")),
        Backend::Sqlite => None,
    }
}

/// The statement that writes a consistent copy of the whole database to a new file while others keep
/// reading and writing: SQLite's `VACUUM INTO`; `None` on PostgreSQL, whose tool for it is `pg_dump`.
pub(crate) fn online_copy(b: Backend) -> Option<&'static str> {
    match b {
        Backend::Sqlite => Some("VACUUM INTO $1"),
        Backend::Postgres => None,
    }
}

/// Serialises concurrent migrators. PostgreSQL: a transaction-scoped advisory lock, so several nodes
/// starting together apply each migration once. SQLite: [`begin_write`] already takes the single write
/// lock, so nothing more is needed.
pub(crate) fn migration_lock(b: Backend) -> Option<&'static str> {
    match b {
        Backend::Postgres => Some("SELECT pg_advisory_xact_lock(7401554204)"),
        Backend::Sqlite => None,
    }
}

/// One migration's text for the backend: each version exists once per backend directory (see
/// `migrate.rs`), because DDL differs (types, identity columns, FTS5 vs tsvector, `WITHOUT ROWID`).
pub(crate) fn migration_text(b: Backend, sqlite: &'static str, postgres: &'static str) -> &'static str {
    match b {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    }
}

/// A timestamp column or parameter in a comparison. SQLite stores them as RFC 3339 text whose fraction
/// drops trailing zeros, so text order is wrong within one second (`…:05Z` sorts after `…:05.3Z`):
/// compare them as Julian day numbers there. PostgreSQL compares `timestamptz` values.
pub(crate) fn instant(b: Backend, expr: &str) -> String {
    match b {
        Backend::Sqlite => format!("julianday({expr})"),
        Backend::Postgres => expr.to_string(),
    }
}

/// `expr` is no more than `days` days before `reference` (both timestamp columns).
pub(crate) fn at_most_days_before(b: Backend, expr: &str, reference: &str, days: u32) -> String {
    match b {
        Backend::Sqlite => format!("julianday({expr}) >= julianday({reference}) - {days}"),
        Backend::Postgres => format!("{expr} >= {reference} - interval '{days} days'"),
    }
}

/// The instant `days` (an integer expression) days after the timestamp column `ts`, comparable with
/// [`instant`].
pub(crate) fn days_after(b: Backend, ts: &str, days: &str) -> String {
    match b {
        Backend::Sqlite => format!("(julianday({ts}) + {days})"),
        Backend::Postgres => format!("({ts} + {days} * interval '1 day')"),
    }
}

/// [`instant`] as the text before and after a value bound by a query builder.
pub(crate) fn instant_around(b: Backend) -> (&'static str, &'static str) {
    match b {
        Backend::Sqlite => ("julianday(", ")"),
        Backend::Postgres => ("", ""),
    }
}

/// Rows a claim must not wait for: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent nodes take different
/// rows; nothing on SQLite, whose writing transaction holds the single write lock from its first write.
pub(crate) fn skip_locked(b: Backend) -> &'static str {
    match b {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    }
}

/// Whether multi-row statements, whose text differs with every batch size, are kept prepared. On SQLite
/// the one ingest connection reuses them often enough to save parsing. On PostgreSQL each of the pool's
/// connections would cache its own (client and server side, thousands of parameters each): a 500-connection
/// ingestion run grew the process by 200 MB that way, for statements rarely reused.
pub(crate) fn cache_batch_statements(b: Backend) -> bool {
    b == Backend::Sqlite
}

/// Whether a full-text search statement is kept prepared. PostgreSQL plans an unnamed statement with its
/// parameters' values, so a rare word is read through its own index; a cached generic plan walked the inbox
/// index testing every comment (3 s for a word no comment has, at a million). SQLite's planner ignores
/// values, so preparing once is free.
pub(crate) fn cache_search_statements(b: Backend) -> bool {
    b == Backend::Sqlite
}

/// Where a comment's full-text terms are kept (both index the same terms, made by
/// `polku_domain::text::search`; the language work is Polku's own, so both backends find the same comments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SearchTerms {
    /// PostgreSQL: the `comments.search` tsvector column (configuration `simple`) with a GIN index, written
    /// in the comment's own row: [`SEARCH_COLUMN`] and [`SEARCH_VALUE`].
    Column,
    /// SQLite: the contentless FTS5 table [`SEARCH_TABLE`] (rowid = comment id), written beside the comment
    /// and deleted by rowid.
    Table,
}

/// The FTS5 table of [`SearchTerms::Table`].
pub(crate) const SEARCH_TABLE: &str = "comment_search";
/// The column of [`SearchTerms::Column`].
pub(crate) const SEARCH_COLUMN: &str = "search";
/// The value written to [`SEARCH_COLUMN`], around the bound terms.
pub(crate) const SEARCH_VALUE: (&str, &str) = ("to_tsvector('simple', ", ")");

pub(crate) fn search_terms(b: Backend) -> SearchTerms {
    match b {
        Backend::Sqlite => SearchTerms::Table,
        Backend::Postgres => SearchTerms::Column,
    }
}

/// The column a unique violation is about: the last key column other than `org_id` (every unique key of
/// customer data starts with the organisation). PostgreSQL names the key in its detail (`Key (org_id,
/// email)=(…) already exists.`), SQLite in its message (`UNIQUE constraint failed: users.org_id,
/// users.email`); the constraint's own name is never shown.
pub(crate) fn duplicate_field(db: &dyn sqlx::error::DatabaseError) -> String {
    let columns = match db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        Some(pg) => pg
            .detail()
            .and_then(|d| d.strip_prefix("Key ("))
            .and_then(|d| d.split_once(")="))
            .map(|(cols, _)| cols.split(',').map(|c| c.trim().to_string()).collect::<Vec<_>>())
            .unwrap_or_default(),
        None => db
            .message()
            .strip_prefix("UNIQUE constraint failed: ")
            .map(|cols| cols.split(',').map(|c| c.trim().rsplit('.').next().unwrap_or("").to_string()).collect())
            .unwrap_or_default(),
    };
    columns.into_iter().rfind(|c| c != "org_id" && !c.is_empty()).unwrap_or_else(|| "id".to_string())
}

/// A search in the backend's query language, for the terms `polku_domain::text::search` indexed.
pub(crate) fn search_query(b: Backend, q: &SearchQuery) -> String {
    match b {
        Backend::Sqlite => fts5_query(q),
        Backend::Postgres => tsquery(q),
    }
}

/// Up to `limit` ids of `$2`'s comments matching the search `$1` (the text of [`search_query`]).
pub(crate) fn search_ids(b: Backend, limit: usize) -> String {
    match b {
        // CROSS JOIN fixes the FTS5 table as the outer loop.
        Backend::Sqlite => format!(
            "SELECT s.rowid FROM comment_search s CROSS JOIN comments c
             WHERE comment_search MATCH $1 AND c.id = s.rowid AND c.org_id = $2 LIMIT {limit}"
        ),
        Backend::Postgres => {
            format!("SELECT id FROM comments WHERE search @@ to_tsquery('simple', $1) AND org_id = $2 LIMIT {limit}")
        }
    }
}

/// The text before and after a bound [`search_query`] that starts a query over `comments c` keeping those
/// matching it: `"comments c WHERE " + open + query + close`.
pub(crate) fn search_filter_around(b: Backend) -> (&'static str, &'static str) {
    match b {
        // `+c.id` keeps SQLite from using the primary key to drive the query: the caller's index decides.
        Backend::Sqlite => ("+c.id IN (SELECT rowid FROM comment_search WHERE comment_search MATCH ", ")"),
        Backend::Postgres => ("c.search @@ to_tsquery('simple', ", ")"),
    }
}

/// A search as FTS5's query language: each word a quoted term (a prefix with `*`), alternatives in
/// parentheses. Terms are runs of letters and digits (see polku-domain::text::search), so quoting is safe.
fn fts5_query(q: &SearchQuery) -> String {
    let words: Vec<String> = q
        .words
        .iter()
        .map(|w| {
            if w.prefix {
                format!("\"{}\"*", w.forms[0])
            } else {
                let alts: Vec<String> = w.forms.iter().map(|f| format!("\"{f}\"")).collect();
                format!("({})", alts.join(" OR "))
            }
        })
        .collect();
    words.join(" AND ")
}

/// A search as PostgreSQL's `to_tsquery` syntax, for the same terms.
fn tsquery(q: &SearchQuery) -> String {
    let words: Vec<String> = q
        .words
        .iter()
        .map(|w| if w.prefix { format!("{}:*", w.forms[0]) } else { format!("({})", w.forms.join(" | ")) })
        .collect();
    words.join(" & ")
}

#[cfg(test)]
mod tests {
    /// What gives a backend check away outside this module. `lib.rs` defines `Pool` and `Backend` and
    /// `testing.rs` makes databases per backend; the schema parity test reads each backend's catalogue.
    const TELLS: &[&str] = &[
        "Backend::",
        "Pool::",
        "== Backend",
        "let sqlite",
        "let postgres",
        "BEGIN IMMEDIATE",
        "begin_with(\"",
        "FOR UPDATE",
        "SKIP LOCKED",
        "julianday",
        "to_tsquery",
        "to_tsvector",
        "comment_search",
        "pg_advisory",
        " MATCH ",
        "@@",
    ];
    const EXEMPT: &[&str] = &["dialect.rs", "lib.rs", "testing.rs", "schema_parity.rs"];

    #[test]
    fn only_the_dialect_checks_the_backend() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        let mut files = vec![dir];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".rs") || EXEMPT.contains(&name.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                // Comments may explain what the dialect does; a `//` inside a URL (`postgres://`) is not one.
                let comment = line.match_indices("//").find(|(i, _)| !line[..*i].ends_with(':')).map(|(i, _)| i);
                let code = &line[..comment.unwrap_or(line.len())];
                for tell in TELLS {
                    if code.contains(tell) {
                        found.push(format!("{name}:{}: {tell:?} in {line:?}", n + 1));
                    }
                }
            }
        }
        assert!(found.is_empty(), "backend checks outside dialect.rs:\n{}", found.join("\n"));
    }

    /// A unique violation names its column on both backends, never the constraint.
    #[tokio::test]
    async fn a_duplicate_names_its_column() {
        for (backend, store) in crate::testing::fresh_stores().await {
            let questions = serde_json::json!([{"key": "nps", "type": "nps", "text": {"fi": "Suosittelisitko?"}}]);
            let st = crate::testing::story(&store, questions).await;
            store.create_team(st.org, "Huolto").await.unwrap();
            let again = store.create_team(st.org, "Huolto").await;
            assert!(
                matches!(&again, Err(crate::StoreError::Duplicate { field }) if field == "name"),
                "{backend}: {again:?}"
            );
            assert_eq!(again.unwrap_err().to_string(), "name: already exists", "{backend}");
        }
    }

    #[test]
    fn both_query_languages_say_the_same() {
        use super::{fts5_query, tsquery};
        use polku_domain::text::{SearchQuery, SearchWord};
        let word =
            |forms: &[&str], prefix| SearchWord { forms: forms.iter().map(ToString::to_string).collect(), prefix };
        let q = SearchQuery { words: vec![word(&["toimitus", "toimittaa"], false), word(&["lasku"], true)] };
        let (fts, ts) = (fts5_query(&q), tsquery(&q));
        assert_eq!(fts, r#"("toimitus" OR "toimittaa") AND "lasku"*"#);
        assert_eq!(ts, "(toimitus | toimittaa) & lasku:*");
    }
}
