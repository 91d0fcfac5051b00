//! Organisations (tenants).

use crate::audit::{Audit, audit};
use crate::{Result, Store, db, now};
use polku_domain::OrgId;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub created_at: OffsetDateTime,
    /// IANA name of its time zone.
    pub time_zone: String,
}

impl Store {
    pub async fn create_org(&self, name: &str, by: &Audit<'_>) -> Result<OrgId> {
        let id = OrgId::new();
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            // Empty: its days are counted in its zone from the start, with no rebuild to wait for.
            sqlx::query("INSERT INTO organisations (id, name, created_at, time_zone, days_zone) VALUES ($1, $2, $3, $4, $4)")
                .bind(id.0)
                .bind(name)
                .bind(now())
                .bind(polku_domain::zone::DEFAULT)
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, id.0, by)?;
            tx.commit().await?;
        });
        Ok(id)
    }

    pub async fn org(&self, id: OrgId) -> Result<Organisation> {
        Ok(db!(self, p => sqlx::query_as("SELECT id, name, created_at, time_zone FROM organisations WHERE id = $1")
            .bind(id.0)
            .fetch_one(p)
            .await)?)
    }

    /// All organisations, for operator commands such as `polku verify`.
    pub async fn orgs(&self) -> Result<Vec<Organisation>> {
        Ok(
            db!(self, p => sqlx::query_as("SELECT id, name, created_at, time_zone FROM organisations ORDER BY created_at")
            .fetch_all(p)
            .await)?,
        )
    }

    pub async fn org_by_name(&self, name: &str) -> Result<Option<Organisation>> {
        Ok(
            db!(self, p => sqlx::query_as("SELECT id, name, created_at, time_zone FROM organisations WHERE name = $1 ORDER BY created_at LIMIT 1")
            .bind(name)
            .fetch_optional(p)
            .await)?,
        )
    }
}
