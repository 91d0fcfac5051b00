//! Connections to shops and helpdesks (migration 0022): each with its kind, secret, time zone and the token in
//! its endpoint URL; counts of what it received and the last problem, for the settings page. Receipts are
//! written by [`Store::write_customer_data`] with the data they brought.

use crate::{Result, Store, StoreError, db};
use polku_domain::OrgId;
use time::OffsetDateTime;
use uuid::Uuid;

/// A stored connection.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConnectionRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub kind: String,
    pub name: String,
    pub secret: String,
    pub time_zone: String,
    pub path_token: String,
    pub created_at: OffsetDateTime,
    pub received: i64,
    pub rejected: i64,
    pub last_received_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub last_error_at: Option<OffsetDateTime>,
}

/// A connection to create.
#[derive(Clone, Debug)]
pub struct NewConnection {
    pub kind: &'static str,
    pub name: String,
    pub secret: String,
    pub time_zone: String,
    pub path_token: String,
}

const COLUMNS: &str = "id, org_id, kind, name, secret, time_zone, path_token, created_at, received, rejected,
    last_received_at, last_error, last_error_at";

impl Store {
    /// The record with its secret decrypted.
    fn opened(&self, mut r: ConnectionRecord) -> Result<ConnectionRecord> {
        r.secret = self.sealer.open("connection_secret", &r.secret).map_err(StoreError::Corrupt)?;
        Ok(r)
    }

    /// Creates a connection; a name the organisation already uses is a conflict.
    pub async fn create_connection(&self, org: OrgId, c: &NewConnection) -> Result<ConnectionRecord> {
        let sql = format!(
            "INSERT INTO connections (id, org_id, kind, name, secret, time_zone, path_token, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
        );
        let made: ConnectionRecord = db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(Uuid::now_v7()).bind(org.0).bind(c.kind).bind(&c.name).bind(self.sealer.seal("connection_secret", &c.secret))
            .bind(&c.time_zone).bind(&c.path_token).bind(crate::now())
            .fetch_one(p).await)?;
        self.opened(made)
    }

    /// The organisation's connections by name.
    pub async fn connections(&self, org: OrgId) -> Result<Vec<ConnectionRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM connections WHERE org_id = $1 ORDER BY name");
        let rows: Vec<ConnectionRecord> =
            db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).fetch_all(p).await)?;
        rows.into_iter().map(|r| self.opened(r)).collect()
    }

    /// The connection an endpoint URL names (any organisation: the token is the credential's first half).
    pub async fn connection_by_token(&self, token: &str) -> Result<ConnectionRecord> {
        let sql = format!("SELECT {COLUMNS} FROM connections WHERE path_token = $1");
        let row: Option<ConnectionRecord> =
            db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(token).fetch_optional(p).await)?;
        self.opened(row.ok_or(StoreError::NotFound)?)
    }

    /// Deletes a connection of `org` and its receipts.
    pub async fn delete_connection(&self, org: OrgId, id: Uuid) -> Result<()> {
        db!(self, p => {
            // Reads, then writes what it read decided: the write lock up front on SQLite (see `dialect`).
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let found = sqlx::query("SELECT 1 FROM connections WHERE id = $1 AND org_id = $2")
                .bind(id).bind(org.0).fetch_optional(&mut *tx).await?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM webhook_receipts WHERE connection_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM connections WHERE id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Counts a refused delivery and keeps its reason for the settings page.
    pub async fn connection_rejected(&self, id: Uuid, reason: &str) -> Result<()> {
        let reason: String = reason.chars().take(500).collect();
        db!(self, p => sqlx::query(
            "UPDATE connections SET rejected = rejected + 1, last_error = $2, last_error_at = $3 WHERE id = $1",
        ).bind(id).bind(reason).bind(crate::now()).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Forgets receipts older than `before` (duplicates come within minutes or hours, not weeks).
    pub async fn prune_receipts(&self, before: OffsetDateTime) -> Result<u64> {
        Ok(db!(self, p => sqlx::query("DELETE FROM webhook_receipts WHERE received_at < $1")
            .bind(before).execute(p).await.map(|r| r.rows_affected()))?)
    }
}
