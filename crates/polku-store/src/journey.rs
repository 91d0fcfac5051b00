//! An organisation's journey (migration 0024): stages in order and touchpoint placements, replaced whole;
//! and what happened at each touchpoint besides answers (support contacts started there, events).
//!
//! The layout (`journey_stages`, `journey_touchpoints`) is replaced whole by `set_journey`; without one the
//! organisation sees the default stages of `polku_domain::journey`.

use crate::{Result, Store, StoreError, audit::Audit, db};
use polku_domain::OrgId;
use polku_domain::journey::{Placement, Stage};
use std::collections::BTreeMap;

fn names(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// What some customers did at each touchpoint in a period, so that they can be taken out of the journey
/// map (whose counts come from rollups that do not know customers).
#[derive(Clone, Debug, Default)]
pub struct CustomersAtTouchpoints {
    /// Scored answers in the period and in the period of the same length before it (for the trend).
    pub answers: Vec<crate::RollupRow>,
    pub answers_before: Vec<crate::RollupRow>,
    pub activity: BTreeMap<String, TouchpointActivity>,
    /// Analysed open answers by tone: (positive, neutral, negative).
    pub tones: BTreeMap<String, [u64; 3]>,
}

/// Adds (touchpoint, polarity, count) rows to (positive, neutral, negative) counts per touchpoint.
fn add_tones(out: &mut BTreeMap<String, [u64; 3]>, rows: Vec<(String, String, i64)>) {
    for (t, polarity, n) in rows {
        if let Some(i) = ["positive", "neutral", "negative"].iter().position(|p| *p == polarity) {
            out.entry(t).or_default()[i] += n as u64;
        }
    }
}

/// Values bound per statement when a list of customers is spelled out (well under both backends' limits).
const LIST_CHUNK: usize = 5_000;

/// Contacts, events and negative events at one touchpoint in a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TouchpointActivity {
    pub contacts: i64,
    pub events: i64,
    pub negative_events: i64,
}

impl Store {
    /// The stages (`None` when the organisation never set them: the defaults apply) and placements.
    pub async fn journey(&self, org: OrgId) -> Result<(Option<Vec<Stage>>, Vec<Placement>)> {
        let stages: Vec<(String, String)> = db!(self, p => sqlx::query_as(
            "SELECT key, names FROM journey_stages WHERE org_id = $1 ORDER BY position",
        ).bind(org.0).fetch_all(p).await)?;
        let placed: Vec<(String, String, String)> = db!(self, p => sqlx::query_as(
            "SELECT touchpoint, stage, names FROM journey_touchpoints WHERE org_id = $1 ORDER BY position",
        ).bind(org.0).fetch_all(p).await)?;
        let stages =
            (!stages.is_empty()).then(|| stages.into_iter().map(|(key, n)| Stage { key, names: names(&n) }).collect());
        let placed = placed
            .into_iter()
            .map(|(touchpoint, stage, n)| Placement { touchpoint, stage, names: names(&n) })
            .collect();
        Ok((stages, placed))
    }

    /// Replaces the journey in one transaction, audited.
    pub async fn set_journey(
        &self,
        org: OrgId,
        stages: &[Stage],
        placed: &[Placement],
        audit: &Audit<'_>,
    ) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query("DELETE FROM journey_stages WHERE org_id = $1").bind(org.0).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM journey_touchpoints WHERE org_id = $1").bind(org.0).execute(&mut *tx).await?;
            for (i, s) in stages.iter().enumerate() {
                sqlx::query("INSERT INTO journey_stages (org_id, key, position, names) VALUES ($1, $2, $3, $4)")
                    .bind(org.0).bind(&s.key).bind(i as i64).bind(serde_json::to_string(&s.names).unwrap_or_default())
                    .execute(&mut *tx).await?;
            }
            for (i, t) in placed.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO journey_touchpoints (org_id, touchpoint, stage, position, names) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(org.0).bind(&t.touchpoint).bind(&t.stage).bind(i as i64)
                .bind(serde_json::to_string(&t.names).unwrap_or_default())
                .execute(&mut *tx).await?;
            }
            crate::audit::audit!(&mut *tx, org.0, audit)?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Every touchpoint support contacts or events name, ever: distinct values read by walking the
    /// touchpoint indexes (one probe per value, not one row per contact).
    pub async fn known_touchpoints(&self, org: OrgId) -> Result<std::collections::BTreeSet<String>> {
        let mut out = std::collections::BTreeSet::new();
        for table in ["support_contacts", "touchpoint_events"] {
            // The table names are fixed here; the organisation is bound.
            let sql = format!(
                "WITH RECURSIVE t(tp) AS (
                   SELECT MIN(touchpoint) FROM {table} WHERE org_id = $1
                   UNION ALL
                   SELECT (SELECT MIN(touchpoint) FROM {table} WHERE org_id = $1 AND touchpoint > t.tp) FROM t
                   WHERE t.tp IS NOT NULL)
                 SELECT tp FROM t WHERE tp IS NOT NULL"
            );
            let rows: Vec<(String,)> =
                db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(org.0).fetch_all(p).await)?;
            out.extend(rows.into_iter().map(|(t,)| t).filter(|t| !t.is_empty()));
        }
        Ok(out)
    }

    /// Analysed open answers per touchpoint submitted in `from..to`, by the text's own tone:
    /// (positive, neutral, negative). Read from the inbox index alone.
    pub async fn text_tone_by_touchpoint(
        &self,
        org: OrgId,
        from: time::OffsetDateTime,
        to: time::OffsetDateTime,
    ) -> Result<BTreeMap<String, [u64; 3]>> {
        let rows: Vec<(String, String, i64)> = db!(self, p => sqlx::query_as(
            "SELECT touchpoint, polarity, COUNT(*) FROM comments
             WHERE org_id = $1 AND submitted_at >= $2 AND submitted_at < $3 AND polarity IS NOT NULL
             GROUP BY touchpoint, polarity",
        ).bind(org.0).bind(from).bind(to).fetch_all(p).await)?;
        let mut out: BTreeMap<String, [u64; 3]> = BTreeMap::new();
        add_tones(&mut out, rows);
        Ok(out)
    }

    /// What the customers `ids` did per touchpoint on days `from..=to` (answers also in the `to - from + 1` days
    /// before), their open answers by tone submitted in `[from_at, to_at)`. Answers are theirs by external
    /// id or e-mail, as everywhere.
    pub async fn customers_at_touchpoints(
        &self,
        org: OrgId,
        ids: &[uuid::Uuid],
        (from, to): (i32, i32),
        (from_at, to_at): (time::OffsetDateTime, time::OffsetDateTime),
    ) -> Result<CustomersAtTouchpoints> {
        let mut out = CustomersAtTouchpoints::default();
        let before = from - (to - from + 1);
        // Times only narrow the customer indexes (a day wider on each side: stored times with fractions sort
        // differently as text); the `day` columns decide, as they do for the rollups.
        let wide = (from_at - time::Duration::days(i64::from(to - from + 2)), to_at + time::Duration::days(1));
        // Each reference once: an external id may equal another customer's e-mail (guests).
        let mut refs: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        for chunk in ids.chunks(LIST_CHUNK) {
            let rows: Vec<(String, Option<String>)> = db!(self, p => {
                let mut qb = sqlx::QueryBuilder::new("SELECT external_id, email FROM customers WHERE org_id = ");
                qb.push_bind(org.0).push(" AND id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(")");
                qb.build_query_as().persistent(false).fetch_all(p).await
            })?;
            refs.extend(rows.into_iter().flat_map(|(e, m)| std::iter::once(e).chain(m)));
        }
        let refs: Vec<String> = refs.into_iter().collect();
        // Four independent reads: run side by side (separate pooled connections on both backends).
        let (rows, tones, contacts, events) = tokio::try_join!(
            self.answers_of_refs(org, &refs, (before, from, to), wide),
            self.tones_of_refs(org, &refs, (from_at, to_at)),
            self.activity_of_customers(org, ids, "support_contacts", (from, to), wide),
            self.activity_of_customers(org, ids, "touchpoint_events", (from, to), wide),
        )?;
        let mut answers: BTreeMap<(bool, String, String, i64), i64> = BTreeMap::new();
        for (now, t, kind, score, n) in rows {
            *answers.entry((now, t, kind, score)).or_default() += n;
        }
        add_tones(&mut out.tones, tones);
        for (t, n, _) in contacts {
            if let Some(t) = t {
                out.activity.entry(t).or_default().contacts += n;
            }
        }
        for (t, n, neg) in events {
            if let Some(t) = t {
                let e = out.activity.entry(t).or_default();
                e.events += n;
                e.negative_events += neg;
            }
        }
        for ((now, group, kind, score), n) in answers {
            let row = crate::RollupRow { kind, group, score, n };
            if now { out.answers.push(row) } else { out.answers_before.push(row) }
        }
        Ok(out)
    }

    /// Scored answers of `refs` on days `before..=to` per (on or after day `from`, touchpoint, kind, score).
    /// `at` (a wider time range) lets the customer index narrow to the period instead of reading every
    /// answer the customers ever gave.
    async fn answers_of_refs(
        &self,
        org: OrgId,
        refs: &[String],
        (before, from, to): (i32, i32, i32),
        at: (time::OffsetDateTime, time::OffsetDateTime),
    ) -> Result<Vec<(bool, String, String, i64, i64)>> {
        let mut out = Vec::new();
        for refs in refs.chunks(LIST_CHUNK) {
            let rows: Vec<(bool, String, String, i64, i64)> = db!(self, p => {
                let mut qb = sqlx::QueryBuilder::new("SELECT r.day >= ");
                qb.push_bind(i64::from(from)).push(
                    ", r.touchpoint, a.kind, a.score, COUNT(*) FROM responses r JOIN answers a ON a.response_id = r.id
                     WHERE a.score IS NOT NULL AND a.kind IN ('nps', 'csat', 'ces') AND r.org_id = ",
                );
                qb.push_bind(org.0).push(" AND r.submitted_at >= ").push_bind(at.0);
                qb.push(" AND r.submitted_at < ").push_bind(at.1);
                qb.push(" AND r.day >= ").push_bind(i64::from(before)).push(" AND r.day <= ").push_bind(i64::from(to));
                qb.push(" AND r.customer_ref IN (");
                let mut sep = qb.separated(", ");
                for r in refs {
                    sep.push_bind(r.clone());
                }
                qb.push(") GROUP BY 1, 2, 3, 4");
                qb.build_query_as().persistent(false).fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Analysed open answers of `refs` per (touchpoint, polarity) submitted in `[at.0, at.1)`.
    async fn tones_of_refs(
        &self,
        org: OrgId,
        refs: &[String],
        at: (time::OffsetDateTime, time::OffsetDateTime),
    ) -> Result<Vec<(String, String, i64)>> {
        let mut out = Vec::new();
        for refs in refs.chunks(LIST_CHUNK) {
            let rows: Vec<(String, String, i64)> = db!(self, p => {
                let mut qb = sqlx::QueryBuilder::new("SELECT touchpoint, polarity, COUNT(*) FROM comments WHERE org_id = ");
                qb.push_bind(org.0).push(" AND submitted_at >= ").push_bind(at.0);
                qb.push(" AND submitted_at < ").push_bind(at.1).push(" AND polarity IS NOT NULL AND customer_ref IN (");
                let mut sep = qb.separated(", ");
                for r in refs {
                    sep.push_bind(r.clone());
                }
                qb.push(") GROUP BY touchpoint, polarity");
                qb.build_query_as().persistent(false).fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Support contacts or events of `ids` per touchpoint on days `from..=to`: (touchpoint, count, negative
    /// ones). Contacts are also bounded by the (wider) opening time `at`, the order of their customer index.
    async fn activity_of_customers(
        &self,
        org: OrgId,
        ids: &[uuid::Uuid],
        table: &'static str,
        (from, to): (i32, i32),
        at: (time::OffsetDateTime, time::OffsetDateTime),
    ) -> Result<Vec<(Option<String>, i64, i64)>> {
        let contacts = table == "support_contacts";
        let negative = if contacts { "0" } else { "CASE WHEN polarity = 'negative' THEN 1 ELSE 0 END" };
        let mut out = Vec::new();
        for chunk in ids.chunks(LIST_CHUNK) {
            let rows: Vec<(Option<String>, i64, i64)> = db!(self, p => {
                // Table and expression are fixed here; values are bound.
                let mut qb = sqlx::QueryBuilder::new(format!(
                    "SELECT touchpoint, COUNT(*), CAST(SUM({negative}) AS BIGINT) FROM {table} WHERE org_id = "
                ));
                qb.push_bind(org.0);
                if contacts {
                    qb.push(" AND opened_at >= ").push_bind(at.0).push(" AND opened_at < ").push_bind(at.1);
                }
                qb.push(" AND day >= ").push_bind(i64::from(from)).push(" AND day <= ").push_bind(i64::from(to));
                qb.push(" AND customer_id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") GROUP BY touchpoint");
                qb.build_query_as().persistent(false).fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Support contacts and touchpoint events per touchpoint on days `from..=to`.
    pub async fn touchpoint_activity(
        &self,
        org: OrgId,
        from: i32,
        to: i32,
    ) -> Result<BTreeMap<String, TouchpointActivity>> {
        let contacts: Vec<(Option<String>, i64)> = db!(self, p => sqlx::query_as(
            "SELECT touchpoint, COUNT(*) FROM support_contacts WHERE org_id = $1 AND day BETWEEN $2 AND $3 GROUP BY touchpoint",
        ).bind(org.0).bind(i64::from(from)).bind(i64::from(to)).fetch_all(p).await)?;
        let events: Vec<(String, i64, i64)> = db!(self, p => sqlx::query_as(
            "SELECT touchpoint, COUNT(*), CAST(SUM(CASE WHEN polarity = 'negative' THEN 1 ELSE 0 END) AS BIGINT)
             FROM touchpoint_events WHERE org_id = $1 AND day BETWEEN $2 AND $3 GROUP BY touchpoint",
        ).bind(org.0).bind(i64::from(from)).bind(i64::from(to)).fetch_all(p).await)?;
        let mut out: BTreeMap<String, TouchpointActivity> = BTreeMap::new();
        for (t, n) in contacts {
            if let Some(t) = t {
                out.entry(t).or_default().contacts += n;
            }
        }
        for (t, n, neg) in events {
            let e = out.entry(t).or_default();
            e.events += n;
            e.negative_events += neg;
        }
        Ok(out)
    }
}
