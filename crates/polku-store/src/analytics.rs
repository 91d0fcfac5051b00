//! What the retention and money analyses read (`polku_domain::retention`): every customer of an organisation
//! and the facts tied to them — counting orders, support contacts, scored answers under their id or e-mail
//! address, negative events and reviews — plus support load per day and per touchpoint. SQL only selects
//! and groups; the figures are computed in Rust.

use crate::{Result, Store, db};
use polku_domain::OrgId;
use polku_domain::retention::Facts;
use std::collections::HashMap;
use uuid::Uuid;

/// A customer as the analyses list them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomerRef {
    pub id: Uuid,
    pub external_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Support contacts per day or per touchpoint: (key, contacts, cost in cents).
pub type SupportCounts = Vec<(String, i64, i64)>;

impl Store {
    /// Customers of `org` whose id or e-mail starts with `q`, or whose name contains it (case-insensitive),
    /// by id; at most `limit`.
    pub async fn search_customers(&self, org: OrgId, q: &str, limit: i64) -> Result<Vec<CustomerRef>> {
        let q = q.trim().to_lowercase().replace(['%', '_', '\\'], "");
        Ok(db!(self, p => sqlx::query_as(
            "SELECT id, external_id, name, email FROM customers
             WHERE org_id = $1 AND erased_at IS NULL
               AND (LOWER(external_id) LIKE $2 || '%' OR LOWER(email) LIKE $2 || '%' OR LOWER(name) LIKE '%' || $2 || '%')
             ORDER BY external_id LIMIT $3",
        ).bind(org.0).bind(q).bind(limit).fetch_all(p).await)?)
    }

    /// `org`'s analysis settings: months without a purchase before a customer is lost, and the percentage of
    /// customers with negative load counted as "the few".
    pub async fn analysis_settings(&self, org: OrgId) -> Result<(i64, i64)> {
        Ok(db!(self, p => sqlx::query_as("SELECT lost_after_months, few_percent FROM organisations WHERE id = $1")
            .bind(org.0).fetch_one(p).await)?)
    }

    /// Sets `org`'s analysis settings, audited.
    pub async fn set_analysis_settings(
        &self,
        org: OrgId,
        lost_after_months: i64,
        few_percent: i64,
        audit: &crate::Audit<'_>,
    ) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("UPDATE organisations SET lost_after_months = $2, few_percent = $3 WHERE id = $1")
                .bind(org.0).bind(lost_after_months).bind(few_percent).execute(&mut *tx).await?;
            crate::audit::audit!(&mut *tx, org.0, audit)?;
            tx.commit().await?;
            Ok::<_, crate::StoreError>(())
        })
    }

    /// The customers of `org` (index = position) and the facts of each.
    pub async fn customer_facts(&self, org: OrgId) -> Result<(Vec<CustomerRef>, Facts)> {
        db!(self, p => {
            let mut tx = p.begin().await?;
            let customers: Vec<CustomerRef> = sqlx::query_as(
                "SELECT id, external_id, name, email FROM customers WHERE org_id = $1 AND erased_at IS NULL
                 ORDER BY external_id",
            ).bind(org.0).fetch_all(&mut *tx).await?;
            let index: HashMap<Uuid, usize> = customers.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
            let mut refs: HashMap<&str, usize> = HashMap::with_capacity(customers.len() * 2);
            for (i, c) in customers.iter().enumerate() {
                if let Some(e) = &c.email {
                    refs.insert(e.as_str(), i);
                }
            }
            // An external id wins over another customer's e-mail address.
            for (i, c) in customers.iter().enumerate() {
                refs.insert(c.external_id.as_str(), i);
            }
            let mut facts = Facts { customers: customers.len(), ..Facts::default() };
            let orders: Vec<(Uuid, i64, i64, String, String)> = sqlx::query_as(
                "SELECT customer_id, day, amount_cents, currency, status FROM orders WHERE org_id = $1",
            ).bind(org.0).fetch_all(&mut *tx).await?;
            facts.orders = orders
                .into_iter()
                .filter_map(|(c, day, cents, cur, status)| {
                    let counts = polku_domain::customers::OrderStatus::parse(&status).is_some_and(|s| s.counts());
                    Some((*index.get(&c)?, day as i32, cents, cur, counts))
                })
                .collect();
            let contacts: Vec<(Uuid, i64, i64)> = sqlx::query_as(
                "SELECT customer_id, COUNT(*), CAST(COALESCE(SUM(cost_cents), 0) AS BIGINT) FROM support_contacts
                 WHERE org_id = $1 GROUP BY customer_id",
            ).bind(org.0).fetch_all(&mut *tx).await?;
            facts.contacts =
                contacts.into_iter().filter_map(|(c, n, cost)| Some((*index.get(&c)?, n as u32, cost))).collect();
            let answers: Vec<(String, i64, String, i64)> = sqlx::query_as(
                "SELECT r.customer_ref, r.day, a.kind, a.score FROM responses r
                 JOIN answers a ON a.response_id = r.id
                 WHERE r.org_id = $1 AND r.customer_ref IS NOT NULL AND a.score IS NOT NULL
                   AND a.kind IN ('nps', 'csat', 'ces')",
            ).bind(org.0).fetch_all(&mut *tx).await?;
            facts.answers = answers
                .into_iter()
                .filter_map(|(r, day, kind, score)| Some((*refs.get(r.as_str())?, day as i32, kind, score as i16)))
                .collect();
            let negatives: Vec<(Uuid, i64)> = sqlx::query_as(
                "SELECT customer_id, COUNT(*) FROM (
                   SELECT customer_id FROM touchpoint_events WHERE org_id = $1 AND polarity = 'negative'
                   UNION ALL
                   SELECT customer_id FROM reviews WHERE org_id = $1 AND rating <= 2) n
                 GROUP BY customer_id",
            ).bind(org.0).fetch_all(&mut *tx).await?;
            facts.negatives = negatives.into_iter().filter_map(|(c, n)| Some((*index.get(&c)?, n as u32))).collect();
            tx.commit().await?;
            Ok((customers, facts))
        })
    }

    /// Support contacts of `org` per day (the key a day number) and per touchpoint (`""` when unknown).
    pub async fn support_counts(&self, org: OrgId) -> Result<(SupportCounts, SupportCounts)> {
        let days: Vec<(i64, i64, i64)> = db!(self, p => sqlx::query_as(
            "SELECT day, COUNT(*), CAST(COALESCE(SUM(cost_cents), 0) AS BIGINT) FROM support_contacts WHERE org_id = $1
             GROUP BY day ORDER BY day",
        ).bind(org.0).fetch_all(p).await)?;
        let places: Vec<(Option<String>, i64, i64)> = db!(self, p => sqlx::query_as(
            "SELECT touchpoint, COUNT(*), CAST(COALESCE(SUM(cost_cents), 0) AS BIGINT) FROM support_contacts
             WHERE org_id = $1 GROUP BY touchpoint ORDER BY touchpoint",
        ).bind(org.0).fetch_all(p).await)?;
        Ok((
            days.into_iter().map(|(d, n, c)| (d.to_string(), n, c)).collect(),
            places.into_iter().map(|(t, n, c)| (t.unwrap_or_default(), n, c)).collect(),
        ))
    }
}
