//! What the retention and money analyses read (`polku_domain::retention`): every customer of an organisation
//! and the facts tied to them — counting orders, support contacts, scored answers under their id or e-mail
//! address, negative events and reviews — plus support load per day and per touchpoint. SQL only selects
//! and groups; the figures are computed in Rust.
//!
//! Histories are not read from the raw facts per page view. `customer_summaries` (migration 0025) keeps one
//! short row per customer: a `retention::Summary` per currency, encoded as text (touchpoint keys are free
//! text, so the separators are percent-escaped; summaries without the negative touchpoints still decode).
//! Writes that touch a customer (data batches, webhooks, imports, erasure, retention) mark it in
//! `customer_summary_dirty`; answers mark their customer reference in `customer_ref_dirty`, matched to
//! customers a few thousand at a time by external id and by e-mail. `refresh_summaries` claims dirty rows
//! by deleting them, `SUMMARY_CHUNK` customers a transaction (`dialect::skip_locked`: nodes share the work,
//! and a crash loses nothing), recomputes them from orders, contacts, scored answers, negative events and
//! 1–2 star reviews (`retention::summarise`) and writes them under the organisation's next `summary_seq`,
//! taken just before the commit; the row lock orders concurrent refreshes, and organisations are locked in
//! sorted order. It runs before every analysis and each minute on every node.
//!
//! Invariant: a summary is a pure function of its customer's facts, so a lost cache or a re-marked customer
//! only costs time.

use crate::{Result, Store, StoreError, db};
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
    /// Erased: kept for the figures, never listed.
    pub erased: bool,
}

/// Customers whose summaries one transaction recomputes.
pub(crate) const SUMMARY_CHUNK: usize = 500;
/// Answers' customer references claimed per transaction (each is bound twice: by id and by e-mail).
const REF_CHUNK: usize = 2_000;

/// Support contacts per day or per touchpoint: (key, contacts, cost in cents).
pub type SupportCounts = Vec<(String, i64, i64)>;

impl Store {
    /// Customers of `org` whose id or e-mail starts with `q`, or whose name contains it (case-insensitive),
    /// by id; at most `limit`.
    pub async fn search_customers(&self, org: OrgId, q: &str, limit: i64) -> Result<Vec<CustomerRef>> {
        let q = q.trim().to_lowercase().replace(['%', '_', '\\'], "");
        Ok(db!(self, p => sqlx::query_as(
            "SELECT id, external_id, name, email, erased_at IS NOT NULL AS erased FROM customers
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
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query("UPDATE organisations SET lost_after_months = $2, few_percent = $3 WHERE id = $1")
                .bind(org.0).bind(lost_after_months).bind(few_percent).execute(&mut *tx).await?;
            crate::audit::audit!(&mut *tx, org.0, audit)?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// The customers of `org`, erased ones too (their orders still count), by external id.
    pub async fn customer_list(&self, org: OrgId) -> Result<Vec<CustomerRef>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT id, external_id, name, email, erased_at IS NOT NULL AS erased FROM customers WHERE org_id = $1
             ORDER BY external_id",
        ).bind(org.0).fetch_all(p).await)?)
    }

    /// The customer summaries of `org` written after change number `seq` (0: all): (customer, encoded
    /// `retention::Summary`, its change number). Run [`Store::refresh_summaries`] first for current figures.
    pub async fn summaries_since(&self, org: OrgId, seq: i64) -> Result<Vec<(Uuid, String, i64)>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT customer_id, data, seq FROM customer_summaries WHERE org_id = $1 AND seq > $2",
        ).bind(org.0).bind(seq).fetch_all(p).await)?)
    }

    /// How many customers wait for their summary to be recomputed (of `org`, or of all).
    pub async fn dirty_summaries(&self, org: Option<OrgId>) -> Result<i64> {
        let (n,): (i64,) = db!(self, p => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM customer_summary_dirty WHERE $1 IS NULL OR org_id = $1)
                  + (SELECT COUNT(*) FROM customer_ref_dirty WHERE $1 IS NULL OR org_id = $1)",
        ).bind(org.map(|o| o.0)).fetch_one(p).await)?;
        Ok(n)
    }

    /// Recomputes the summaries of dirty customers (of `org`, or of every organisation), at most `limit`,
    /// in transactions of `SUMMARY_CHUNK` customers; returns how many. Answers' references are first
    /// turned into customers (by external id or e-mail). Each chunk is claimed by deleting its dirty rows in
    /// its own transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL), so nodes share the work and a crash
    /// loses nothing.
    pub async fn refresh_summaries(&self, org: Option<OrgId>, limit: usize) -> Result<usize> {
        let skip_locked = crate::dialect::skip_locked(self.backend());
        let org_id = org.map(|o| o.0);
        db!(self, p => {
            // References from answers → dirty customers, a few thousand at a time: claimed, then matched to
            // customers by external id and by e-mail in two statements per organisation.
            loop {
                let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
                let refs: Vec<(Uuid, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM customer_ref_dirty WHERE (org_id, customer_ref) IN
                       (SELECT org_id, customer_ref FROM customer_ref_dirty WHERE $1 IS NULL OR org_id = $1
                        LIMIT {REF_CHUNK}{skip_locked})
                     RETURNING org_id, customer_ref"
                ))).bind(org_id).fetch_all(&mut *tx).await?;
                if refs.is_empty() {
                    break;
                }
                let mut by_org: std::collections::BTreeMap<Uuid, Vec<String>> = std::collections::BTreeMap::new();
                for (o, r) in refs {
                    by_org.entry(o).or_default().push(r);
                }
                for (o, list) in &by_org {
                    for column in ["external_id", "email"] {
                        let mut qb = sqlx::QueryBuilder::new(
                            "INSERT INTO customer_summary_dirty (org_id, customer_id) SELECT org_id, id FROM customers WHERE org_id = ",
                        );
                        qb.push_bind(*o).push(format!(" AND {column} IN ("));
                        let mut sep = qb.separated(", ");
                        for r in list {
                            sep.push_bind(r.clone());
                        }
                        qb.push(") ON CONFLICT (org_id, customer_id) DO NOTHING");
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
            }
            let mut done = 0;
            while done < limit {
                let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
                let claimed: Vec<(Uuid, Uuid)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM customer_summary_dirty WHERE (org_id, customer_id) IN
                       (SELECT org_id, customer_id FROM customer_summary_dirty WHERE $1 IS NULL OR org_id = $1
                        LIMIT {}{skip_locked})
                     RETURNING org_id, customer_id",
                    SUMMARY_CHUNK.min(limit - done)
                ))).bind(org_id).fetch_all(&mut *tx).await?;
                if claimed.is_empty() {
                    break;
                }
                // Sorted: organisations' rows are locked in one order, so two nodes cannot deadlock.
                let mut by_org: std::collections::BTreeMap<Uuid, Vec<Uuid>> = std::collections::BTreeMap::new();
                for (o, c) in &claimed {
                    by_org.entry(*o).or_default().push(*c);
                }
                let mut written: Vec<(Uuid, Vec<(Uuid, String)>)> = Vec::new();
                for (o, ids) in by_org {
                    let mut qb = sqlx::QueryBuilder::new(
                        "SELECT id, external_id, name, email, erased_at IS NOT NULL AS erased FROM customers WHERE org_id = ",
                    );
                    qb.push_bind(o).push(" AND id IN (");
                    let mut list = qb.separated(", ");
                    for id in &ids {
                        list.push_bind(*id);
                    }
                    qb.push(")");
                    let customers: Vec<CustomerRef> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    let index: HashMap<Uuid, usize> = customers.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
                    let mut refs: HashMap<String, usize> = HashMap::new();
                    for (i, c) in customers.iter().enumerate() {
                        if let Some(e) = &c.email {
                            refs.insert(e.clone(), i);
                        }
                    }
                    for (i, c) in customers.iter().enumerate() {
                        refs.insert(c.external_id.clone(), i);
                    }
                    let mut facts = Facts { customers: customers.len(), ..Facts::default() };
                    let in_ids = |qb: &mut sqlx::QueryBuilder<_>| {
                        qb.push(" AND customer_id IN (");
                        let mut list = qb.separated(", ");
                        for c in &customers {
                            list.push_bind(c.id);
                        }
                        qb.push(")");
                    };
                    let mut qb = sqlx::QueryBuilder::new("SELECT customer_id, day, amount_cents, currency, status FROM orders WHERE org_id = ");
                    qb.push_bind(o);
                    in_ids(&mut qb);
                    let orders: Vec<(Uuid, i64, i64, String, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    facts.orders = orders
                        .into_iter()
                        .filter_map(|(c, day, cents, cur, status)| {
                            let counts = polku_domain::customers::OrderStatus::parse(&status).is_some_and(polku_domain::customers::OrderStatus::counts);
                            Some((*index.get(&c)?, day as i32, cents, cur, counts))
                        })
                        .collect();
                    let mut qb = sqlx::QueryBuilder::new(
                        "SELECT customer_id, COUNT(*), CAST(COALESCE(SUM(cost_cents), 0) AS BIGINT) FROM support_contacts WHERE org_id = ",
                    );
                    qb.push_bind(o);
                    in_ids(&mut qb);
                    qb.push(" GROUP BY customer_id");
                    let contacts: Vec<(Uuid, i64, i64)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    facts.contacts = contacts.into_iter().filter_map(|(c, n, cost)| Some((*index.get(&c)?, n as u32, cost))).collect();
                    let mut qb = sqlx::QueryBuilder::new(
                        "SELECT r.customer_ref, r.day, a.kind, a.score, r.touchpoint FROM responses r JOIN answers a ON a.response_id = r.id
                         WHERE r.org_id = ",
                    );
                    qb.push_bind(o).push(" AND a.score IS NOT NULL AND a.kind IN ('nps', 'csat', 'ces') AND r.customer_ref IN (");
                    let mut list = qb.separated(", ");
                    for r in refs.keys() {
                        list.push_bind(r.clone());
                    }
                    qb.push(")");
                    let answers: Vec<(String, i64, String, i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    facts.answers = answers
                        .into_iter()
                        .filter_map(|(r, day, kind, score, t)| Some((*refs.get(&r)?, day as i32, kind, score as i16, t)))
                        .collect();
                    let mut qb = sqlx::QueryBuilder::new("SELECT customer_id, touchpoint FROM touchpoint_events WHERE polarity = 'negative' AND org_id = ");
                    qb.push_bind(o);
                    in_ids(&mut qb);
                    qb.push(" UNION ALL SELECT customer_id, CAST(NULL AS TEXT) FROM reviews WHERE rating <= 2 AND org_id = ");
                    qb.push_bind(o);
                    in_ids(&mut qb);
                    let negatives: Vec<(Uuid, Option<String>)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    facts.negatives = negatives.into_iter().filter_map(|(c, t)| Some((*index.get(&c)?, t))).collect();
                    if customers.is_empty() {
                        continue;
                    }
                    let summaries = polku_domain::retention::summarise(&facts);
                    written.push((o, customers.iter().zip(&summaries).map(|(c, s)| (c.id, s.encode())).collect()));
                }
                // Change numbers are taken last, so organisations' rows stay locked only until the commit.
                for (o, rows) in written {
                    let (seq,): (i64,) = sqlx::query_as(
                        "UPDATE organisations SET summary_seq = summary_seq + 1 WHERE id = $1 RETURNING summary_seq",
                    ).bind(o).fetch_one(&mut *tx).await?;
                    let mut qb = sqlx::QueryBuilder::new("INSERT INTO customer_summaries (customer_id, org_id, data, seq) ");
                    qb.push_values(rows, |mut b, (c, data)| {
                        b.push_bind(c).push_bind(o).push_bind(data).push_bind(seq);
                    });
                    qb.push(" ON CONFLICT (customer_id) DO UPDATE SET data = excluded.data, seq = excluded.seq");
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                done += claimed.len();
            }
            Ok::<_, StoreError>(done)
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
