//! "You said, we did" (migration 0017): improvements linked to themes and touchpoints, and the customers
//! told when one ships.
//!
//! An improvement is a text per language and JSON lists of theme keys and touchpoints. Its **audience** is
//! computed, never stored: the negative comments (the combined verdict, else the text's) in the
//! `FED_BY_DAYS` up to its shipping (or up to now) at one of its touchpoints or negative about one of its
//! themes, and of their customers those whose customer reference is an e-mail address and whose newest
//! such answer allowed contact (a later refusal withdraws an earlier yes), each once, in that answer's
//! language. Until customer records carry addresses for this, the address is the customer reference itself.
//! Shipping is a compare-and-set on `status = 'planned'` that, in the same transaction, queues one outbox
//! row per customer (event `improvement`, `improvement_id` instead of `case_id`), records how many were
//! told and writes the audit row; with customers to tell and no SMTP server it changes nothing and says so
//! (the app answers 422 on field `smtp`). The audience is counted per page view, one query per improvement.

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, dialect};
use polku_domain::{OrgId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// How far back feedback counts as having fed an improvement.
pub const FED_BY_DAYS: i64 = 365;

/// An improvement as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImprovementRecord {
    pub id: Uuid,
    /// JSON map locale → text.
    pub texts: String,
    /// JSON lists.
    pub themes: String,
    pub touchpoints: String,
    /// `planned` or `shipped`.
    pub status: String,
    pub created_at: OffsetDateTime,
    pub shipped_at: Option<OffsetDateTime>,
    /// Customers whose message was queued when it shipped.
    pub told: i64,
}

/// The feedback behind an improvement: negative comments on its themes or touchpoints in the year up to
/// `at`, and of those the customers who may be told, newest first, each once with the language they
/// answered in: those with an e-mail address whose newest such answer allowed contact (a later answer
/// without consent withdraws an earlier one).
#[derive(Clone, Debug, Default)]
pub struct Audience {
    pub comments: usize,
    pub customers: Vec<(String, String)>,
}

type AudienceRow = (Option<String>, Option<String>, bool);

/// The audience query's SQL for lists of `themes` and `touchpoints` (neither empty together: the caller
/// checks), binding `$1` org, `$2` since, then the names.
macro_rules! audience_rows {
    ($conn:expr, $backend:expr, $org:expr, $since:expr, $until:expr, $themes:expr, $touchpoints:expr) => {{
        let themes: &[String] = $themes;
        let touchpoints: &[String] = $touchpoints;
        let mut qb = sqlx::QueryBuilder::new(
            "SELECT c.customer_ref, r.locale, c.contact_ok FROM comments c JOIN responses r ON r.id = c.response_id
             WHERE c.org_id = ",
        );
        qb.push_bind($org.0);
        qb.push(" AND COALESCE(c.combined_polarity, c.polarity) = 'negative' AND ");
        // `dialect::instant` around a bound value.
        let (open, close) = dialect::instant_around($backend);
        qb.push(dialect::instant($backend, "c.submitted_at")).push(" >= ").push(open);
        qb.push_bind($since).push(close);
        qb.push(" AND ").push(dialect::instant($backend, "c.submitted_at")).push(" <= ").push(open);
        qb.push_bind($until).push(close);
        qb.push(" AND (1 = 0");
        if !touchpoints.is_empty() {
            qb.push(" OR c.touchpoint IN (");
            let mut list = qb.separated(", ");
            for t in touchpoints {
                list.push_bind(t.clone());
            }
            qb.push(")");
        }
        if !themes.is_empty() {
            qb.push(" OR c.id IN (SELECT comment_id FROM comment_themes WHERE org_id = ").push_bind($org.0);
            qb.push(" AND polarity = 'negative' AND theme IN (");
            let mut list = qb.separated(", ");
            for t in themes {
                list.push_bind(t.clone());
            }
            qb.push("))");
        }
        qb.push(") ORDER BY c.submitted_at DESC, c.id DESC");
        let rows: Vec<AudienceRow> = qb.build_query_as().fetch_all($conn).await?;
        rows
    }};
}

fn audience(rows: Vec<AudienceRow>) -> Audience {
    let mut seen = std::collections::HashSet::new();
    let mut customers = Vec::new();
    for (customer, locale, contact) in &rows {
        // The newest answer of a customer decides; older ones are only seen.
        if let Some(c) = customer
            && seen.insert(c.to_ascii_lowercase())
            && *contact
            && polku_domain::notify::valid_mailbox(c)
            && !c.contains('<')
        {
            customers.push((c.clone(), locale.clone().unwrap_or_else(|| "fi".into())));
        }
    }
    Audience { comments: rows.len(), customers }
}

fn lists(r: &ImprovementRecord) -> Result<(Vec<String>, Vec<String>)> {
    let parse = |s: &str| {
        serde_json::from_str::<Vec<String>>(s).map_err(|e| StoreError::Corrupt(format!("improvement {}: {e}", r.id)))
    };
    Ok((parse(&r.themes)?, parse(&r.touchpoints)?))
}

/// What shipping did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shipping {
    /// Shipped; this many customers' messages queued.
    Told(usize),
    /// Not shipped: this many customers wait to be told and there is no SMTP server.
    NoSmtp(usize),
}

const COLUMNS: &str = "id, texts, themes, touchpoints, status, created_at, shipped_at, told FROM improvements";

impl Store {
    pub async fn create_improvement(
        &self,
        org: OrgId,
        texts: &str,
        themes: &[String],
        touchpoints: &[String],
        by: Option<UserId>,
        audit: &Audit<'_>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let json = |l: &[String]| serde_json::to_string(l).map_err(|e| StoreError::Corrupt(e.to_string()));
        let (themes, touchpoints) = (json(themes)?, json(touchpoints)?);
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO improvements (id, org_id, texts, themes, touchpoints, status, created_by, created_at, told)
                 VALUES ($1, $2, $3, $4, $5, 'planned', $6, $7, 0)",
            )
            .bind(id)
            .bind(org.0)
            .bind(texts)
            .bind(&themes)
            .bind(&touchpoints)
            .bind(by.map(|u| u.0))
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, audit)?;
            tx.commit().await
        })?;
        Ok(id)
    }

    /// The improvements of `org`, newest first.
    pub async fn improvements(&self, org: OrgId) -> Result<Vec<ImprovementRecord>> {
        let sql = format!("SELECT {COLUMNS} WHERE org_id = $1 ORDER BY created_at DESC, id DESC");
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(org.0).fetch_all(p).await)?)
    }

    pub async fn improvement(&self, org: OrgId, id: Uuid) -> Result<ImprovementRecord> {
        let sql = format!("SELECT {COLUMNS} WHERE id = $1 AND org_id = $2");
        db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).bind(org.0).fetch_optional(p).await)?
            .ok_or(StoreError::NotFound)
    }

    /// Who gave the feedback behind an improvement of `org`, as of `at`.
    pub async fn improvement_audience(&self, org: OrgId, id: Uuid, at: OffsetDateTime) -> Result<Audience> {
        let r = self.improvement(org, id).await?;
        let (themes, touchpoints) = lists(&r)?;
        let since = at - time::Duration::days(FED_BY_DAYS);
        let backend = self.backend();
        let rows =
            db!(self, p => Ok::<_, sqlx::Error>(audience_rows!(p, backend, org, since, at, &themes, &touchpoints)))?;
        Ok(audience(rows))
    }

    /// Marks an improvement of `org` shipped at `now` (once: `Conflict` if it was) and, in the same
    /// transaction, queues "you said, we did" to every customer of its audience. Nothing changes when there
    /// are customers to tell and the organisation has no SMTP server, so that nobody is silently left out.
    pub async fn ship_improvement(
        &self,
        org: OrgId,
        id: Uuid,
        now: OffsetDateTime,
        audit: &Audit<'_>,
    ) -> Result<Shipping> {
        let r = self.improvement(org, id).await?;
        let (themes, touchpoints) = lists(&r)?;
        let since = now - time::Duration::days(FED_BY_DAYS);
        let backend = self.backend();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let n = sqlx::query(
                "UPDATE improvements SET status = 'shipped', shipped_at = $1 WHERE id = $2 AND org_id = $3 AND status = 'planned'",
            )
            .bind(now)
            .bind(id)
            .bind(org.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("the improvement was shipped already".into()));
            }
            let smtp: Option<(Uuid,)> =
                sqlx::query_as("SELECT org_id FROM notification_settings WHERE org_id = $1 AND smtp_host IS NOT NULL")
                    .bind(org.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            let rows = audience_rows!(&mut *tx, backend, org, since, now, &themes, &touchpoints);
            let customers = audience(rows).customers;
            if smtp.is_none() && !customers.is_empty() {
                // Dropping the transaction undoes the status change.
                return Ok(Shipping::NoSmtp(customers.len()));
            }
            let told = {
                for (email, locale) in &customers {
                    sqlx::query(
                        "INSERT INTO notifications (org_id, improvement_id, event, channel, recipient, locale, status, attempts, next_attempt_at, created_at)
                         VALUES ($1, $2, 'improvement', 'email', $3, $4, 'pending', 0, $5, $5)",
                    )
                    .bind(org.0)
                    .bind(id)
                    .bind(email)
                    .bind(locale)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                customers.len()
            };
            sqlx::query("UPDATE improvements SET told = $1 WHERE id = $2").bind(told as i64).bind(id).execute(&mut *tx).await?;
            audit!(&mut *tx, org.0, audit)?;
            tx.commit().await?;
            Ok::<_, StoreError>(Shipping::Told(told))
        })
    }
}
