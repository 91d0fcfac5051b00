//! Organisations (tenants), and deleting one whole.

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, dialect, now};
use polku_domain::OrgId;
use time::OffsetDateTime;
use uuid::Uuid;

/// Every table whose rows belong to one organisation (an `org_id` column), children before the parents
/// their foreign keys point to: the order [`Store::delete_org`] empties them in. A test fails when a
/// table with `org_id` is missing here.
pub(crate) const ORG_TABLES: &[&str] = &[
    "invitations",
    "panel_studies",
    "panel_members",
    "invitation_skips",
    "trigger_firings",
    "survey_triggers",
    "link_keys",
    "contact_rules",
    "survey_sending",
    "sms_gateways",
    "follow_ups",
    "case_actions",
    "case_events",
    "notifications",
    "cases",
    "answers",
    "idempotency_keys",
    "comment_notes",
    "comment_tags",
    "comment_themes",
    "comments",
    "comment_rollups",
    "rollup_cells",
    "customer_ref_dirty",
    "customer_summary_dirty",
    "customer_summaries",
    "responses",
    "survey_versions",
    "surveys",
    "orders",
    "deliveries",
    "referrals",
    "reviews",
    "support_contacts",
    "touchpoint_events",
    "customers",
    "team_members",
    "team_touchpoints",
    "teams",
    "alert_rules",
    "compensation_limits",
    "connections",
    "access_links",
    "api_tokens",
    "sessions",
    "memberships",
    "notification_settings",
    "improvements",
    "journey_touchpoints",
    "journey_stages",
    "text_model_revisions",
    "text_models",
    "audit_log",
];

/// Deletes every row of organisation `$org` (a `Uuid`) in `ORG_TABLES`, with the webhook receipts of its
/// connections and the full-text rows of its comments, inside the caller's transaction.
macro_rules! delete_rows {
    ($tx:expr, $backend:expr, $org:expr) => {{
        sqlx::query(
            "DELETE FROM webhook_receipts WHERE connection_id IN (SELECT id FROM connections WHERE org_id = $1)",
        )
        .bind($org)
        .execute(&mut *$tx)
        .await?;
        if dialect::search_terms($backend) == dialect::SearchTerms::Table {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {} WHERE rowid IN (SELECT id FROM comments WHERE org_id = $1)",
                dialect::SEARCH_TABLE
            )))
            .bind($org)
            .execute(&mut *$tx)
            .await?;
        }
        let mut n = 0;
        for table in ORG_TABLES {
            n += sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE org_id = $1")))
                .bind($org)
                .execute(&mut *$tx)
                .await?
                .rows_affected();
        }
        n
    }};
}

/// How long after a deletion `Store::sweep_deleted_orgs` looks for rows written late.
const SWEEP_FOR: time::Duration = time::Duration::days(1);

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
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
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

    /// Deletes the organisation `org` and everything it holds, in one transaction: every row of every
    /// table in `ORG_TABLES` (children before parents), the webhook receipts of its connections, the
    /// full-text rows of its comments, and then the accounts that belonged to it and to no other
    /// organisation (with their recovery codes and the access links made for their address). `by` is
    /// recorded in the audit log without an organisation, as the organisation's own log goes with it.
    /// `NotFound` when there is no such organisation. Returns how many accounts went.
    pub async fn delete_org(&self, org: OrgId, by: &Audit<'_>) -> Result<u64> {
        let backend = self.backend();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(backend)).await?;
            // On PostgreSQL the row lock holds off every insert that names the organisation through a foreign
            // key (answers, customers, tokens…) until this commits, and then fails it; SQLite's write lock
            // holds everything off already. Rows of tables without one that a job writes after this commits
            // are swept by `sweep_deleted_orgs`.
            let exists: Option<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM organisations o WHERE id = $1{}",
                dialect::row_lock(backend, "o")
            )))
            .bind(org.0)
            .fetch_optional(&mut *tx)
            .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let members: Vec<Uuid> =
                sqlx::query_scalar("SELECT user_id FROM memberships WHERE org_id = $1").bind(org.0).fetch_all(&mut *tx).await?;
            delete_rows!(tx, backend, org.0);
            sqlx::query("INSERT INTO deleted_orgs (id, deleted_at) VALUES ($1, $2)")
                .bind(org.0)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM organisations WHERE id = $1").bind(org.0).execute(&mut *tx).await?;
            let mut gone = 0;
            for user in members {
                let elsewhere: Option<Uuid> = sqlx::query_scalar("SELECT org_id FROM memberships WHERE user_id = $1 LIMIT 1")
                    .bind(user)
                    .fetch_optional(&mut *tx)
                    .await?;
                if elsewhere.is_none() {
                    // Their reset links and half-done sign-ins (kept after use, with the address) go too.
                    sqlx::query("DELETE FROM access_links WHERE email = (SELECT email FROM users WHERE id = $1)")
                        .bind(user)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
                    gone += sqlx::query("DELETE FROM users WHERE id = $1").bind(user).execute(&mut *tx).await?.rows_affected();
                }
            }
            audit!(&mut *tx, Option::<Uuid>::None, by)?;
            tx.commit().await?;
            Ok(gone)
        })
    }

    /// Deletes rows that jobs in flight wrote for organisations deleted in the last day, after their
    /// deletion (a job reads, and writes in a later statement, so it may write for an organisation that went
    /// in between), and forgets deletions older than that. Run hourly by every node; returns the rows swept.
    pub async fn sweep_deleted_orgs(&self, now: OffsetDateTime) -> Result<u64> {
        let backend = self.backend();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(backend)).await?;
            sqlx::query("DELETE FROM deleted_orgs WHERE deleted_at < $1").bind(now - SWEEP_FOR).execute(&mut *tx).await?;
            let recent: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM deleted_orgs").fetch_all(&mut *tx).await?;
            let mut swept = 0;
            for org in recent {
                swept += delete_rows!(tx, backend, org);
            }
            tx.commit().await?;
            Ok(swept)
        })
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

#[cfg(test)]
mod tests {
    /// Every table with an `org_id` column is emptied by `delete_org` (SQLite's catalogue; the schema
    /// parity test keeps PostgreSQL's the same).
    #[tokio::test]
    async fn every_table_of_an_organisation_is_listed() {
        let path = std::env::temp_dir().join(format!("polku_test_{}.db", uuid::Uuid::new_v4().simple()));
        let store = crate::Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        crate::migrate::run(&store).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'org_id') ORDER BY m.name",
        )
        .fetch_all(store.sqlite_pool())
        .await
        .unwrap();
        let missing: Vec<&String> = tables.iter().filter(|t| !super::ORG_TABLES.contains(&t.as_str())).collect();
        assert!(missing.is_empty(), "add to ORG_TABLES (children first): {missing:?}");
        assert!(tables.len() >= 40, "{tables:?}");
        store.close().await;
        std::fs::remove_file(path).ok();
    }
}
