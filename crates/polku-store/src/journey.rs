//! An organisation's journey (migration 0024): stages in order and touchpoint placements, replaced whole;
//! and what happened at each touchpoint besides answers (support contacts started there, events).

use crate::{Result, Store, StoreError, audit::Audit, db};
use polku_domain::OrgId;
use polku_domain::journey::{Placement, Stage};
use std::collections::BTreeMap;

fn names(json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(json).unwrap_or_default()
}

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
            let mut tx = p.begin().await?;
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
