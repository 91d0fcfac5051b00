//! Survey triggers and the rows they fire for (migration 0038; design: `polku_domain::trigger`).

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, dialect, now};
use polku_domain::trigger::Event;
use polku_domain::{OrgId, SurveyId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A trigger as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TriggerRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub survey_id: Uuid,
    pub event: String,
    pub event_touchpoint: String,
    pub delay_hours: i64,
    pub touchpoint: String,
    pub created_at: OffsetDateTime,
}

/// A new trigger (validated by the caller).
pub struct NewTrigger<'a> {
    pub survey: SurveyId,
    pub event: Event,
    pub event_touchpoint: &'a str,
    pub delay_hours: u32,
    pub touchpoint: &'a str,
}

/// A row a trigger may fire for: the row, its customer, when its event happened, and its order (with the
/// order's status and placing time) where it has one.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Candidate {
    pub subject: Uuid,
    pub customer_id: Uuid,
    pub happened_at: OffsetDateTime,
    pub order_id: Option<Uuid>,
    pub order_status: Option<String>,
    pub placed_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, org_id, survey_id, event, event_touchpoint, delay_hours, touchpoint, created_at";

impl Store {
    /// The survey's triggers, oldest first.
    pub async fn triggers(&self, org: OrgId, survey: SurveyId) -> Result<Vec<TriggerRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM survey_triggers WHERE org_id = $1 AND survey_id = $2 ORDER BY created_at, id"
        );
        Ok(
            db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(org.0).bind(survey.0).fetch_all(p).await)?,
        )
    }

    /// Every trigger of every organisation (for the trigger job).
    pub async fn all_triggers(&self) -> Result<Vec<TriggerRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM survey_triggers ORDER BY org_id, created_at");
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await)?)
    }

    pub async fn create_trigger(&self, org: OrgId, new: &NewTrigger<'_>, audit: &Audit<'_>) -> Result<Uuid> {
        let id = Uuid::now_v7();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO survey_triggers (id, org_id, survey_id, event, event_touchpoint, delay_hours, touchpoint, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(org.0)
            .bind(new.survey.0)
            .bind(new.event.as_str())
            .bind(new.event_touchpoint)
            .bind(i64::from(new.delay_hours))
            .bind(new.touchpoint)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, audit)?;
            tx.commit().await
        })?;
        Ok(id)
    }

    /// Deletes the survey's trigger `id`; `NotFound` if it has none such.
    pub async fn delete_trigger(&self, org: OrgId, survey: SurveyId, id: Uuid, audit: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let n = sqlx::query("DELETE FROM survey_triggers WHERE org_id = $1 AND survey_id = $2 AND id = $3")
                .bind(org.0)
                .bind(survey.0)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM trigger_firings WHERE org_id = $1 AND trigger_id = $2")
                .bind(org.0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, org.0, audit)?;
            Ok::<_, StoreError>(tx.commit().await?)
        })?;
        Ok(())
    }

    /// Up to `limit` rows `trigger` has not fired for whose event happened after the trigger was made,
    /// at least its delay before `now`, and no more than `late` after that.
    pub async fn trigger_candidates(
        &self,
        trigger: &TriggerRecord,
        now: OffsetDateTime,
        late: time::Duration,
        limit: i64,
    ) -> Result<Vec<Candidate>> {
        let event = Event::parse(&trigger.event)
            .ok_or_else(|| StoreError::Corrupt(format!("trigger {}: event {}", trigger.id, trigger.event)))?;
        let (from, at, order) = match event {
            Event::OrderFulfilled => {
                ("orders r", "r.fulfilled_at", "r.id AS order_id, r.status AS order_status, r.placed_at")
            }
            Event::DeliveryDelivered => (
                "deliveries r LEFT JOIN orders o ON o.org_id = r.org_id AND o.external_id = r.order_ref",
                "r.delivered_at",
                "o.id AS order_id, o.status AS order_status, o.placed_at",
            ),
            Event::ContactClosed => {
                ("support_contacts r", "r.closed_at", "NULL AS order_id, NULL AS order_status, NULL AS placed_at")
            }
            Event::TouchpointEvent => {
                ("touchpoint_events r", "r.occurred_at", "NULL AS order_id, NULL AS order_status, NULL AS placed_at")
            }
        };
        let b = self.backend();
        let i = |e: &str| dialect::instant(b, e);
        // An order placed long before it was seen fulfilled is an import, not a purchase to ask about.
        let recent_order =
            dialect::at_most_days_before(b, "r.placed_at", "r.fulfilled_at", polku_domain::trigger::MAX_ORDER_AGE_DAYS);
        let extra = match event {
            Event::OrderFulfilled => format!(" AND r.status = 'fulfilled' AND {recent_order}"),
            Event::TouchpointEvent => " AND r.touchpoint = $7".to_string(),
            _ => String::new(),
        };
        let sql = format!(
            "SELECT r.id AS subject, r.customer_id, {at} AS happened_at, {order} FROM {from}
             WHERE r.org_id = $1 AND {at} IS NOT NULL AND {happened} >= {created} AND {happened} <= {due} AND {happened} >= {oldest}{extra}
               AND NOT EXISTS (SELECT 1 FROM trigger_firings f WHERE f.trigger_id = $5 AND f.subject = r.id)
             ORDER BY {at} LIMIT $6",
            happened = i(at),
            created = i("$2"),
            due = i("$3"),
            oldest = i("$4"),
        );
        let due = now - time::Duration::hours(trigger.delay_hours);
        let rows: Vec<Candidate> = db!(self, p => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(trigger.org_id)
                .bind(trigger.created_at)
                .bind(due)
                .bind(due - late)
                .bind(trigger.id)
                .bind(limit);
            // Only the touchpoint event's query has the seventh parameter.
            let q = if event == Event::TouchpointEvent { q.bind(trigger.event_touchpoint.clone()) } else { q };
            q.fetch_all(p).await
        })?;
        Ok(rows)
    }

    /// Whether the order invitation `id` asks about has been cancelled or refunded.
    pub async fn invitation_order_cancelled(&self, org: OrgId, id: Uuid) -> Result<bool> {
        let row: Option<String> = db!(self, p => sqlx::query_scalar(
            "SELECT o.status FROM invitations i JOIN orders o ON o.id = i.order_id AND o.org_id = i.org_id
             WHERE i.org_id = $1 AND i.id = $2",
        )
        .bind(org.0)
        .bind(id)
        .fetch_optional(p)
        .await)?;
        Ok(matches!(row.as_deref(), Some("cancelled" | "refunded")))
    }
}
