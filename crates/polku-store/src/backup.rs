//! Backups of the embedded database and the counts that show a restore is whole.
//!
//! SQLite: `backup_to` writes a consistent copy while the server keeps serving (`VACUUM INTO`, one read
//! transaction). A restore is a file copy done by the binary with the server stopped, after `counts` has
//! opened the copy and found a Polku database in it. PostgreSQL is backed up and restored with `pg_dump`
//! and `pg_restore` (README).

use crate::{Result, Store, StoreError, db, dialect};

/// Row counts of the tables a business would miss first, for comparing a backup with its source.
pub(crate) const COUNTED: [&str; 8] =
    ["organisations", "users", "surveys", "responses", "answers", "customers", "orders", "cases"];

impl Store {
    /// Writes a consistent copy of the database to the new file `path` (SQLite only).
    pub async fn backup_to(&self, path: &str) -> Result<()> {
        let Some(sql) = dialect::online_copy(self.backend()) else {
            return Err(StoreError::Conflict("PostgreSQL is backed up with pg_dump (see README)".into()));
        };
        db!(self, p => sqlx::query(sql).bind(path).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The row count of each of `tables`.
    pub(crate) async fn counts_of(&self, tables: &[&str]) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::with_capacity(tables.len());
        for table in tables {
            let n: i64 = db!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).fetch_one(p).await)?;
            out.push((table.to_string(), n));
        }
        Ok(out)
    }

    /// The migrations applied and the row count of each of the main tables; `Corrupt` if this is no Polku
    /// database.
    pub async fn counts(&self) -> Result<(i64, Vec<(&'static str, i64)>)> {
        let applied: Option<i64> =
            db!(self, p => sqlx::query_scalar("SELECT MAX(version) FROM polku_migrations").fetch_one(p).await)
                .map_err(|_| StoreError::Corrupt("not a Polku database (no migrations table)".into()))?;
        let counts = self.counts_of(&COUNTED).await?;
        Ok((applied.unwrap_or(0), COUNTED.iter().copied().zip(counts.into_iter().map(|(_, n)| n)).collect()))
    }
}
