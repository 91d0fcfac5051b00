//! An organisation's time zone and the rebuild a change of it needs.
//!
//! Day numbers are stored with every answer and every piece of customer activity (the rollups and the
//! journey read them), counted in the organisation's zone; `organisations.days_zone` says which zone they
//! are counted in. Where it differs from `time_zone` (`pending_day_rebuilds`: a zone just changed, or an
//! organisation from before migration 0030, whose days are UTC days), `rebuild_days` in one write transaction it recomputes the day of every row from its instant, and
//! recounts the organisation's rollup cells and comment rollups from the answers and comments, so
//! `verify_rollups` is exact before, after and (readers see one or the other) during it. On PostgreSQL the
//! two rollup tables are locked against writers for the transaction: ingestion for every organisation
//! waits that long, which is why it runs in the background and is rare.

use crate::audit::{Audit, audit};
use crate::{Result, Store, db, dialect};
use polku_domain::OrgId;
use polku_domain::rollup::{self, SCORE_VALUES};
use polku_domain::zone::Zone;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Tables with a `day` column and the instant it is the day of.
const DAY_TABLES: [(&str, &str); 6] = [
    ("responses", "submitted_at"),
    ("orders", "placed_at"),
    ("support_contacts", "opened_at"),
    ("referrals", "redeemed_at"),
    ("reviews", "published_at"),
    ("touchpoint_events", "occurred_at"),
];

/// (survey, question, kind, grain, dims, bucket, channel, touchpoint).
type Cell = (Uuid, Uuid, String, i64, i64, i64, String, String);
/// (survey, question, kind, day, channel, touchpoint, score, answers).
type Counted = (Uuid, Uuid, String, i64, String, String, i64, i64);

impl Store {
    pub async fn set_time_zone(&self, org: OrgId, zone: &Zone, by: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query("UPDATE organisations SET time_zone = $1 WHERE id = $2")
                .bind(zone.name())
                .bind(org.0)
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Organisations whose stored days are not counted in their zone yet.
    pub async fn pending_day_rebuilds(&self) -> Result<Vec<OrgId>> {
        let ids: Vec<Uuid> = db!(self, p => sqlx::query_scalar("SELECT id FROM organisations WHERE days_zone <> time_zone ORDER BY created_at")
            .fetch_all(p)
            .await)?;
        Ok(ids.into_iter().map(OrgId).collect())
    }

    /// Recomputes every stored day of `org` in its current zone (read in the transaction, so of two quick
    /// changes the last wins) and recounts its rollups; returns how many rows moved to another day.
    pub async fn rebuild_days(&self, org: OrgId) -> Result<u64> {
        let backend = self.backend();
        let moved = db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(backend)).await?;
            for table in ["rollup_cells", "comment_rollups"] {
                if let Some(lock) = dialect::lock_table(backend, table) {
                    sqlx::query(sqlx::AssertSqlSafe(lock)).execute(&mut *tx).await?;
                }
            }
            let name: String = sqlx::query_scalar("SELECT time_zone FROM organisations WHERE id = $1")
                .bind(org.0)
                .fetch_one(&mut *tx)
                .await?;
            let zone = Zone::parse(&name).ok_or_else(|| crate::StoreError::Corrupt(format!("time zone {name}")))?;
            let mut moved = 0u64;
            for (table, at) in DAY_TABLES {
                let rows: Vec<(Uuid, OffsetDateTime, i64)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT id, {at}, day FROM {table} WHERE org_id = $1")))
                        .bind(org.0)
                        .fetch_all(&mut *tx)
                        .await?;
                for (id, at, day) in rows {
                    let local = i64::from(zone.day_of(at));
                    if local != day {
                        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE {table} SET day = $1 WHERE id = $2")))
                            .bind(local)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                        moved += 1;
                    }
                }
            }
            // A delivery counts on the day it arrived, else the day it was sent (`Delivery::at`).
            let deliveries: Vec<(Uuid, Option<OffsetDateTime>, Option<OffsetDateTime>, i64)> =
                sqlx::query_as("SELECT id, delivered_at, shipped_at, day FROM deliveries WHERE org_id = $1")
                    .bind(org.0)
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, delivered, shipped, day) in deliveries {
                let local = i64::from(zone.day_of(delivered.or(shipped).unwrap_or(OffsetDateTime::UNIX_EPOCH)));
                if local != day {
                    sqlx::query("UPDATE deliveries SET day = $1 WHERE id = $2").bind(local).bind(id).execute(&mut *tx).await?;
                    moved += 1;
                }
            }

            // The scored answers, recounted into every cell of every grain.
            let raw: Vec<Counted> = sqlx::query_as(
                "SELECT a.survey_id, a.question_id, a.kind, r.day, r.channel, r.touchpoint, a.score, COUNT(*)
                 FROM answers a JOIN responses r ON r.id = a.response_id AND r.org_id = a.org_id
                 WHERE a.org_id = $1 AND a.score IS NOT NULL
                 GROUP BY a.survey_id, a.question_id, a.kind, r.day, r.channel, r.touchpoint, a.score",
            )
            .bind(org.0)
            .fetch_all(&mut *tx)
            .await?;
            let mut cells: HashMap<Cell, [i64; SCORE_VALUES]> = HashMap::new();
            for (survey, question, kind, day, channel, touchpoint, score, n) in &raw {
                let score = usize::try_from(*score)
                    .ok()
                    .filter(|s| *s < SCORE_VALUES)
                    .ok_or_else(|| crate::StoreError::Corrupt(format!("score {score}")))?;
                for c in rollup::cells(*day as i32, channel, touchpoint) {
                    let key = (*survey, *question, kind.clone(), c.grain.code(), c.dims.code(), i64::from(c.bucket),
                        c.channel.to_string(), c.touchpoint.to_string());
                    cells.entry(key).or_default()[score] += n;
                }
            }
            sqlx::query("DELETE FROM rollup_cells WHERE org_id = $1").bind(org.0).execute(&mut *tx).await?;
            let cells: Vec<_> = cells.into_iter().collect();
            for chunk in cells.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO rollup_cells (org_id, grain, dims, bucket, survey_id, question_id, channel, touchpoint, kind, \
                     s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10) ",
                );
                qb.push_values(chunk, |mut b, ((survey, question, kind, grain, dims, bucket, channel, touchpoint), counts)| {
                    b.push_bind(org.0).push_bind(*grain).push_bind(*dims).push_bind(*bucket).push_bind(*survey)
                        .push_bind(*question).push_bind(channel.clone()).push_bind(touchpoint.clone()).push_bind(kind.clone());
                    for n in counts {
                        b.push_bind(*n);
                    }
                });
                qb.build().execute(&mut *tx).await?;
            }

            // Comment rollups: the same two counts migration 0007 made, for this organisation.
            sqlx::query("DELETE FROM comment_rollups WHERE org_id = $1").bind(org.0).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO comment_rollups (org_id, day, survey_id, theme, polarity, score_kind, score, n)
                 SELECT c.org_id, r.day, c.survey_id, '', COALESCE(c.polarity, ''), COALESCE(c.score_kind, ''), COALESCE(c.score, -1), COUNT(*)
                 FROM comments c JOIN responses r ON r.id = c.response_id
                 WHERE c.org_id = $1
                 GROUP BY c.org_id, r.day, c.survey_id, COALESCE(c.polarity, ''), COALESCE(c.score_kind, ''), COALESCE(c.score, -1)",
            )
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO comment_rollups (org_id, day, survey_id, theme, polarity, score_kind, score, n)
                 SELECT c.org_id, r.day, c.survey_id, t.theme, t.polarity, COALESCE(c.score_kind, ''), COALESCE(c.score, -1), COUNT(*)
                 FROM comment_themes t JOIN comments c ON c.id = t.comment_id JOIN responses r ON r.id = c.response_id
                 WHERE c.org_id = $1
                 GROUP BY c.org_id, r.day, c.survey_id, t.theme, t.polarity, COALESCE(c.score_kind, ''), COALESCE(c.score, -1)",
            )
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
            // Customers' summaries (first orders, cohorts) are recomputed from their days.
            sqlx::query(
                "INSERT INTO customer_summary_dirty (org_id, customer_id) SELECT org_id, id FROM customers WHERE org_id = $1
                 ON CONFLICT DO NOTHING",
            )
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE organisations SET days_zone = $1 WHERE id = $2").bind(zone.name()).bind(org.0).execute(&mut *tx).await?;
            tx.commit().await?;
            moved
        });
        Ok(moved)
    }
}
