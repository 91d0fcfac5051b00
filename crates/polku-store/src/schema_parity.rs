//! Schema parity (test only): after every migration, SQLite and PostgreSQL have the same tables, the same
//! columns with the same nullability, and the same indexes over the same columns.
//!
//! The two migration directories are written by hand, so they can drift (a column added on one backend, an
//! index forgotten on the other) without any query failing until a feature meets it. This test reads each
//! backend's catalogue (`sqlite_master` and `pragma_table_info` / `pragma_index_info`; `information_schema`
//! and `pg_index`) and compares the two. Column types are not compared: they differ by design (UUID vs BLOB,
//! TIMESTAMPTZ vs TEXT). The real differences are listed in [`ONLY_SQLITE`] and [`ONLY_POSTGRES`], each with
//! its reason. It needs `POLKU_TEST_POSTGRES_URL` (the test script sets it) and says so when it is missing.

use std::collections::BTreeMap;

use crate::Store;

/// Tables, columns and indexes only SQLite has, and why.
const ONLY_SQLITE: &[(&str, &str)] = &[
    // The full-text index: an FTS5 table (rowid = comment id) and the shadow tables FTS5 keeps for it.
    // PostgreSQL keeps the same terms in `comments.search`.
    ("table comment_search", "FTS5 full-text index"),
    ("table comment_search_config", "FTS5 shadow table"),
    ("table comment_search_data", "FTS5 shadow table"),
    ("table comment_search_idx", "FTS5 shadow table"),
    ("table comment_search_docsize", "FTS5 shadow table"),
];

/// Tables, columns and indexes only PostgreSQL has, and why.
const ONLY_POSTGRES: &[(&str, &str)] = &[
    // The full-text terms as a tsvector in the comment's row, with its GIN index; SQLite's are in FTS5.
    ("column comments.search", "tsvector full-text terms"),
    ("index comments_search on comments (search)", "GIN index of the tsvector"),
];

/// One backend's schema as comparable lines: `table T`, `column T.C null|not null`, `index I on T (C, …)`.
type Schema = BTreeMap<String, String>;

async fn schema(store: &Store) -> Schema {
    let mut out = Schema::new();
    match store.backend() {
        crate::Backend::Sqlite => {
            let p = store.sqlite_pool();
            let tables: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    .fetch_all(p)
                    .await
                    .unwrap();
            for (t,) in tables {
                out.insert(format!("table {t}"), String::new());
                let cols: Vec<(String, i64, i64)> =
                    sqlx::query_as("SELECT name, \"notnull\", pk FROM pragma_table_info($1)")
                        .bind(&t)
                        .fetch_all(p)
                        .await
                        .unwrap();
                for (c, notnull, pk) in cols {
                    // A primary key column is NOT NULL on PostgreSQL whether or not it says so.
                    let null = if notnull == 1 || pk > 0 { "not null" } else { "null" };
                    out.insert(format!("column {t}.{c}"), null.into());
                }
            }
            let indexes: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            )
            .fetch_all(p)
            .await
            .unwrap();
            for (i, t, sql) in indexes {
                let cols: Vec<(Option<String>,)> =
                    sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                        .bind(&i)
                        .fetch_all(p)
                        .await
                        .unwrap();
                let cols: Vec<String> =
                    cols.into_iter().map(|(c,)| c.unwrap_or_else(|| "(expression)".into())).collect();
                let unique = if sql.to_uppercase().starts_with("CREATE UNIQUE") { "unique" } else { "" };
                out.insert(format!("index {i} on {t} ({})", cols.join(", ")), unique.into());
            }
        }
        crate::Backend::Postgres => {
            let p = store.postgres_pool();
            let cols: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT CAST(c.table_name AS TEXT), CAST(c.column_name AS TEXT), CAST(c.is_nullable AS TEXT)
                 FROM information_schema.columns c JOIN information_schema.tables t
                   ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                 WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            for (t, c, nullable) in cols {
                out.insert(format!("table {t}"), String::new());
                out.insert(format!("column {t}.{c}"), if nullable == "YES" { "null" } else { "not null" }.into());
            }
            // Indexes made by CREATE INDEX, not those behind primary keys and UNIQUE constraints (SQLite's
            // equivalents are its unnamed autoindexes, left out above too).
            let rows: Vec<(String, String, Option<String>, bool)> = sqlx::query_as(
                "SELECT CAST(i.relname AS TEXT), CAST(t.relname AS TEXT), CAST(a.attname AS TEXT), x.indisunique
                 FROM pg_index x
                 JOIN pg_class i ON i.oid = x.indexrelid
                 JOIN pg_class t ON t.oid = x.indrelid
                 JOIN pg_namespace n ON n.oid = t.relnamespace
                 CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                 LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                 WHERE n.nspname = 'public' AND NOT x.indisprimary
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                 ORDER BY 1, k.ord",
            )
            .fetch_all(p)
            .await
            .unwrap();
            let mut indexes: BTreeMap<(String, String), (Vec<String>, bool)> = BTreeMap::new();
            for (i, t, c, unique) in rows {
                let e = indexes.entry((i, t)).or_insert_with(|| (Vec::new(), unique));
                e.0.push(c.unwrap_or_else(|| "(expression)".into()));
            }
            for ((i, t), (cols, unique)) in indexes {
                out.insert(
                    format!("index {i} on {t} ({})", cols.join(", ")),
                    if unique { "unique" } else { "" }.into(),
                );
            }
        }
    }
    out
}

/// The table a schema line belongs to.
fn table_of(line: &str) -> &str {
    match line.split_once(' ') {
        Some(("table", t)) => t,
        Some(("column", c)) => c.split('.').next().unwrap_or(c),
        Some(("index", i)) => i.split(" on ").nth(1).and_then(|t| t.split(' ').next()).unwrap_or(i),
        _ => line,
    }
}

/// The lines of `a` that `b` lacks or has differently, less the allowed ones (an allowed table covers its
/// columns and indexes).
fn missing(a: &Schema, b: &Schema, allowed: &[(&str, &str)]) -> Vec<String> {
    let allows = |k: &str| {
        allowed.iter().any(|(line, _)| k == *line || (line.starts_with("table ") && table_of(k) == table_of(line)))
    };
    a.iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .filter(|(k, _)| !allows(k))
        .map(|(k, v)| format!("{k} {v}").trim_end().to_string())
        .collect()
}

#[tokio::test]
async fn both_backends_have_the_same_schema() {
    let stores = crate::testing::fresh_stores().await;
    let [(_, sqlite), (_, postgres)] = stores.as_slice() else {
        eprintln!("schema parity not checked: POLKU_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)");
        return;
    };
    let (lite, pg) = (schema(sqlite).await, schema(postgres).await);
    assert!(lite.len() > 100 && pg.len() > 100, "catalogues read: {} and {} lines", lite.len(), pg.len());
    // Every allowed difference must still be real, so the list cannot silently outlive its reason.
    for (line, why) in ONLY_SQLITE {
        assert!(lite.contains_key(*line), "{line} ({why}) is gone from SQLite");
    }
    for (line, why) in ONLY_POSTGRES {
        assert!(pg.contains_key(*line), "{line} ({why}) is gone from PostgreSQL");
    }
    let only_lite = missing(&lite, &pg, ONLY_SQLITE);
    let only_pg = missing(&pg, &lite, ONLY_POSTGRES);
    assert!(
        only_lite.is_empty() && only_pg.is_empty(),
        "schemas differ.\nSQLite has, PostgreSQL not (or not so):\n  {}\nPostgreSQL has, SQLite not (or not so):\n  {}",
        only_lite.join("\n  "),
        only_pg.join("\n  ")
    );
}
