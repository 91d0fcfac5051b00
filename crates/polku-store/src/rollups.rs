//! Reading the rollups that metrics are computed from, and checking them against the raw answers.
//!
//! SQL only filters and sums counts per score value here; the statistics are computed by
//! `polku_domain::metrics` from those counts.

use crate::{Result, Store, db};
use polku_domain::calendar::Granularity;
use polku_domain::{OrgId, QuestionId, SurveyId};
use std::collections::HashMap;
use uuid::Uuid;

/// Which rollup rows to sum: one organisation, an inclusive day range, optionally one survey.
#[derive(Clone, Copy, Debug)]
pub struct RollupFilter {
    pub org: OrgId,
    pub survey: Option<SurveyId>,
    pub from_day: i32,
    pub to_day: i32,
}

/// A breakdown dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Bucket(Granularity),
    Channel,
    Touchpoint,
}

/// Summed count of one score value of one kind in one group. `group` is the bucket number for
/// [`GroupBy::Bucket`], else the channel or touchpoint name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollupRow {
    pub kind: String,
    pub group: String,
    pub score: i64,
    pub n: i64,
}

/// A rollup cell that does not match a recount of the raw answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub survey: SurveyId,
    pub question: QuestionId,
    pub day: i64,
    pub channel: String,
    pub touchpoint: String,
    pub score: i64,
    pub rollup: i64,
    pub raw: i64,
}

type CellKey = (Uuid, Uuid, i64, String, String, i64);

impl Store {
    pub async fn rollup(&self, f: RollupFilter, by: GroupBy) -> Result<Vec<RollupRow>> {
        // The grouping expressions are fixed strings chosen here, never user input, so formatting them
        // into the statement is safe. Integer day arithmetic is identical on both backends.
        let group = match by {
            GroupBy::Bucket(Granularity::Day) => "CAST(day AS TEXT)",
            GroupBy::Bucket(Granularity::Week) => "CAST((day + 3) / 7 AS TEXT)",
            GroupBy::Bucket(Granularity::Month) => "CAST(month AS TEXT)",
            GroupBy::Channel => "channel",
            GroupBy::Touchpoint => "touchpoint",
        };
        let survey = if f.survey.is_some() { "AND survey_id = $4" } else { "" };
        let sql = format!(
            "SELECT kind, {group} AS grp, score, CAST(SUM(n) AS BIGINT) AS n FROM rollups
             WHERE org_id = $1 AND day >= $2 AND day <= $3 {survey}
             GROUP BY kind, {group}, score"
        );
        let rows: Vec<(String, String, i64, i64)> = db!(self, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(f.org.0)
                .bind(i64::from(f.from_day))
                .bind(i64::from(f.to_day));
            if let Some(s) = f.survey {
                q = q.bind(s.0);
            }
            q.fetch_all(p).await
        })?;
        Ok(rows.into_iter().map(|(kind, group, score, n)| RollupRow { kind, group, score, n }).collect())
    }

    /// The first and last day that have any rollup, for picking a default period.
    pub async fn rollup_span(&self, org: OrgId) -> Result<Option<(i32, i32)>> {
        let row: (Option<i64>, Option<i64>) = db!(self, p => sqlx::query_as(
            "SELECT MIN(day), MAX(day) FROM rollups WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_one(p)
        .await)?;
        Ok(match row {
            (Some(a), Some(b)) => Some((a as i32, b as i32)),
            _ => None,
        })
    }

    /// Recounts every scored answer of an organisation and lists each cell where the rollups disagree.
    pub async fn verify_rollups(&self, org: OrgId) -> Result<Vec<Mismatch>> {
        let raw: Vec<(Uuid, Uuid, i64, String, String, i64, i64)> = db!(self, p => sqlx::query_as(
            "SELECT a.survey_id, a.question_id, r.day, r.channel, r.touchpoint, a.score, COUNT(*) AS n
             FROM answers a JOIN responses r ON r.id = a.response_id AND r.org_id = a.org_id
             WHERE a.org_id = $1 AND a.score IS NOT NULL
             GROUP BY a.survey_id, a.question_id, r.day, r.channel, r.touchpoint, a.score",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        let stored: Vec<(Uuid, Uuid, i64, String, String, i64, i64)> = db!(self, p => sqlx::query_as(
            "SELECT survey_id, question_id, day, channel, touchpoint, score, n FROM rollups WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        let mut counts: HashMap<CellKey, (i64, i64)> = HashMap::new();
        for (s, q, d, c, t, sc, n) in raw {
            counts.entry((s, q, d, c, t, sc)).or_default().1 += n;
        }
        for (s, q, d, c, t, sc, n) in stored {
            counts.entry((s, q, d, c, t, sc)).or_default().0 += n;
        }
        let mut out: Vec<Mismatch> = counts
            .into_iter()
            .filter(|(_, (rollup, raw))| rollup != raw)
            .map(|((s, q, day, channel, touchpoint, score), (rollup, raw))| Mismatch {
                survey: SurveyId(s),
                question: QuestionId(q),
                day,
                channel,
                touchpoint,
                score,
                rollup,
                raw,
            })
            .collect();
        out.sort_by(|a, b| (a.day, &a.channel, a.score).cmp(&(b.day, &b.channel, b.score)));
        Ok(out)
    }
}
