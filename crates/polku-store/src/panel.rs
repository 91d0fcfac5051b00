//! The customer panel and its studies (migration 0041; design: `polku_domain::panel`).

use crate::{Result, Store, db, dialect, now};
use polku_domain::{OrgId, SurveyId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A panel member as listed: who, since when and how, and their participation in studies.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PanelMember {
    pub customer: String,
    pub source: String,
    pub joined_at: OffsetDateTime,
    pub invited: i64,
    pub answered: i64,
}

impl Store {
    /// Adds the organisation's customers `external_ids` to the panel (again, if they had left), joined
    /// through `source`. Returns how many were added and the ids that name no customer.
    pub async fn join_panel(&self, org: OrgId, external_ids: &[String], source: &str) -> Result<(usize, Vec<String>)> {
        let found = self.invitees(org, external_ids).await?;
        let known: std::collections::HashSet<&str> = found.iter().map(|c| c.external_id.as_str()).collect();
        let unknown: Vec<String> = external_ids.iter().filter(|e| !known.contains(e.as_str())).cloned().collect();
        let now = now();
        let mut added = 0;
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            for c in &found {
                added += sqlx::query(
                    "INSERT INTO panel_members (org_id, customer_id, source, joined_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (org_id, customer_id) DO UPDATE SET source = excluded.source,
                       joined_at = excluded.joined_at, left_at = NULL
                     WHERE panel_members.left_at IS NOT NULL",
                )
                .bind(org.0)
                .bind(c.id)
                .bind(source)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected() as usize;
            }
            tx.commit().await?;
        });
        Ok((added, unknown))
    }

    /// Takes customer `external_id` out of the panel; `false` if they were not in it.
    pub async fn leave_panel(&self, org: OrgId, external_id: &str) -> Result<bool> {
        let n = db!(self, p => sqlx::query(
            "UPDATE panel_members SET left_at = $3 WHERE org_id = $1 AND left_at IS NULL
               AND customer_id = (SELECT id FROM customers WHERE org_id = $1 AND external_id = $2)",
        )
        .bind(org.0)
        .bind(external_id)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Takes the customer of study invitation `invitation` out of the panel (the one-click way out).
    pub async fn leave_panel_invited(&self, org: OrgId, invitation: Uuid) -> Result<bool> {
        let n = db!(self, p => sqlx::query(
            "UPDATE panel_members SET left_at = COALESCE(left_at, $3) WHERE org_id = $1
               AND customer_id = (SELECT customer_id FROM invitations WHERE org_id = $1 AND id = $2)",
        )
        .bind(org.0)
        .bind(invitation)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The panel's current members, newest first, with the studies each was invited to and answered.
    pub async fn panel(&self, org: OrgId, limit: i64) -> Result<(i64, Vec<PanelMember>)> {
        let count: i64 = db!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM panel_members WHERE org_id = $1 AND left_at IS NULL",
        )
        .bind(org.0)
        .fetch_one(p)
        .await)?;
        let members = db!(self, p => sqlx::query_as(
            "SELECT c.external_id AS customer, m.source, m.joined_at,
                    COUNT(i.id) AS invited, COALESCE(SUM(CASE WHEN i.answered_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS answered
             FROM panel_members m JOIN customers c ON c.id = m.customer_id AND c.org_id = m.org_id
             LEFT JOIN invitations i ON i.org_id = m.org_id AND i.customer_id = m.customer_id AND i.study_id IS NOT NULL
             WHERE m.org_id = $1 AND m.left_at IS NULL AND c.erased_at IS NULL
             GROUP BY c.external_id, m.source, m.joined_at ORDER BY m.joined_at DESC, c.external_id LIMIT $2",
        )
        .bind(org.0)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok((count, members))
    }

    /// Every current member's external id and attributes (JSON), for drawing a study's sample.
    pub async fn panel_attributes(&self, org: OrgId) -> Result<Vec<(String, Option<String>)>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT c.external_id, c.attributes FROM panel_members m
             JOIN customers c ON c.id = m.customer_id AND c.org_id = m.org_id
             WHERE m.org_id = $1 AND m.left_at IS NULL AND c.erased_at IS NULL ORDER BY c.external_id",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// Records a study of `survey`.
    pub async fn create_study(
        &self,
        org: OrgId,
        survey: SurveyId,
        sample: Option<usize>,
        stratify_by: Option<&str>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        db!(self, p => sqlx::query(
            "INSERT INTO panel_studies (id, org_id, survey_id, sample, stratify_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(org.0)
        .bind(survey.0)
        .bind(sample.map(|n| n as i64))
        .bind(stratify_by)
        .bind(now())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(id)
    }

    /// The study invitation `id` belongs to, if any.
    pub async fn invitation_study(&self, org: OrgId, id: Uuid) -> Result<Option<Uuid>> {
        let row: Option<Option<Uuid>> = db!(self, p => sqlx::query_scalar(
            "SELECT study_id FROM invitations WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0)
        .bind(id)
        .fetch_optional(p)
        .await)?;
        Ok(row.flatten())
    }
}
