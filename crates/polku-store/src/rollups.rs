//! Reading the rollups that metrics are computed from, and checking them against the raw answers.
//!
//! SQL only filters and sums counts per score value here; the statistics are computed by
//! `polku_domain::metrics` from those counts.
//!
//! The layout and the query plan are `polku_domain::rollup`'s. SQL selects rows by primary-key range and
//! Rust adds the histograms. Rollups change only in the transaction that inserts the answers they count
//! (`insert_responses`); `verify_rollups` (`polku verify`) recounts every cell of every grain from the raw
//! answers.

use crate::{Result, Store, db};
use polku_domain::calendar::Granularity;
use polku_domain::rollup::{self, Dims, Grain, SCORE_VALUES, Span, series_bucket};
use polku_domain::{OrgId, QuestionId, SurveyId};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
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

/// Summed count of one score value of one kind in one (bucket, touchpoint) cell. `bucket` is a day number,
/// a week number or a month index, as `polku_domain::calendar::Granularity::bucket_of_day` gives.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BucketTouchpointRow {
    pub kind: String,
    pub bucket: i64,
    pub touchpoint: String,
    pub score: i64,
    pub n: i64,
}

/// A rollup cell that does not match a recount of the raw answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub survey: SurveyId,
    pub question: QuestionId,
    pub grain: Grain,
    pub bucket: i64,
    /// Empty when the cell counts all channels (and likewise the touchpoint).
    pub channel: String,
    pub touchpoint: String,
    pub score: i64,
    pub rollup: i64,
    pub raw: i64,
}

/// A stored cell as read: grain, kind, bucket, the dimension kept apart (channel, touchpoint or '') and
/// the counts of scores 0..=10.
type CellRow = (i64, String, i64, String, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

/// One stored cell: its histogram of scores.
struct Cell {
    kind: String,
    grain: Grain,
    bucket: i64,
    /// The channel or touchpoint, whichever the query's dims keep apart; empty for totals.
    group: String,
    counts: [i64; SCORE_VALUES],
}

impl Cell {
    fn from_row(r: CellRow) -> Result<Cell> {
        let (grain, kind, bucket, group, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10) = r;
        let counts = [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10];
        Ok(Cell { kind, grain: grain_of(grain)?, bucket, group, counts })
    }
}

/// Adds histograms per key and lists the sums as one row per (key, score) with answers.
fn flatten<K: Ord + Clone>(sums: BTreeMap<K, [i64; SCORE_VALUES]>) -> impl Iterator<Item = (K, i64, i64)> {
    sums.into_iter().flat_map(|(key, counts)| {
        counts.into_iter().enumerate().filter(|(_, n)| *n != 0).map(move |(score, n)| (key.clone(), score as i64, n))
    })
}

/// survey, question, grain, dims, bucket, channel, touchpoint.
type CellKey = (Uuid, Uuid, i64, i64, i64, String, String);

impl RollupFilter {
    /// The condition on `column` that [`Store::fetch_filtered`] binds as `$4`, or nothing without a survey.
    pub(crate) fn survey_clause(&self, column: &str) -> String {
        if self.survey.is_some() { format!("AND {column} = $4") } else { String::new() }
    }
}

impl Store {
    /// Runs a SELECT built from fixed strings whose placeholders are `$1` organisation, `$2` first day,
    /// `$3` last day and, when the filter names a survey, `$4` (see [`RollupFilter::survey_clause`]).
    pub(crate) async fn fetch_filtered<T>(&self, sql: String, f: RollupFilter) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        Ok(db!(self, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(f.org.0).bind(i64::from(f.from_day)).bind(i64::from(f.to_day));
            if let Some(s) = f.survey {
                q = q.bind(s.0);
            }
            q.fetch_all(p).await
        })?)
    }

    /// The stored cells of kind `dims` in `spans` (see `polku_domain::rollup::cover`): one contiguous
    /// range of the primary key per span, all in one statement.
    async fn cells(&self, f: RollupFilter, spans: &[Span], dims: Dims) -> Result<Vec<Cell>> {
        if spans.is_empty() {
            return Ok(Vec::new());
        }
        let group = match dims {
            Dims::Channel => "channel",
            Dims::Touchpoint => "touchpoint",
            Dims::Total | Dims::ChannelTouchpoint => "''",
        };
        let rows: Vec<CellRow> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new("");
            for (i, span) in spans.iter().enumerate() {
                if i > 0 {
                    qb.push(" UNION ALL ");
                }
                // Grain, dims and the column name are numbers and names chosen here; values are bound.
                qb.push(format!(
                    "SELECT CAST({grain} AS BIGINT), kind, bucket, {group}, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10 FROM rollup_cells \
                     WHERE grain = {grain} AND dims = {dims} AND org_id = ",
                    grain = span.grain.code(),
                    dims = dims.code(),
                ));
                qb.push_bind(f.org.0);
                qb.push(" AND bucket >= ").push_bind(i64::from(span.from));
                qb.push(" AND bucket <= ").push_bind(i64::from(span.to));
                if let Some(s) = f.survey {
                    qb.push(" AND survey_id = ").push_bind(s.0);
                }
            }
            qb.build_query_as().fetch_all(p).await
        })?;
        rows.into_iter().map(Cell::from_row).collect()
    }

    /// Score counts per group over the filter's day range. Buckets are those of the requested
    /// granularity, whichever grains the cells were read from.
    pub async fn rollup(&self, f: RollupFilter, by: GroupBy) -> Result<Vec<RollupRow>> {
        let (spans, dims) = match by {
            GroupBy::Bucket(g) => (rollup::cover_series(f.from_day, f.to_day, g), Dims::Total),
            GroupBy::Channel => (rollup::cover(f.from_day, f.to_day), Dims::Channel),
            GroupBy::Touchpoint => (rollup::cover(f.from_day, f.to_day), Dims::Touchpoint),
        };
        let mut sums: BTreeMap<(String, String), [i64; SCORE_VALUES]> = BTreeMap::new();
        for cell in self.cells(f, &spans, dims).await? {
            let group = match by {
                GroupBy::Bucket(g) => series_bucket(cell.grain, cell.bucket as i32, g).to_string(),
                GroupBy::Channel | GroupBy::Touchpoint => cell.group,
            };
            add(sums.entry((cell.kind, group)).or_default(), &cell.counts);
        }
        Ok(flatten(sums).map(|((kind, group), score, n)| RollupRow { kind, group, score, n }).collect())
    }

    /// Score counts per (bucket, touchpoint) over the filter's day range: one line per touchpoint.
    pub async fn rollup_by_bucket_and_touchpoint(
        &self,
        f: RollupFilter,
        g: Granularity,
    ) -> Result<Vec<BucketTouchpointRow>> {
        let spans = rollup::cover_series(f.from_day, f.to_day, g);
        let mut sums: BTreeMap<(String, i64, String), [i64; SCORE_VALUES]> = BTreeMap::new();
        for cell in self.cells(f, &spans, Dims::Touchpoint).await? {
            let bucket = i64::from(series_bucket(cell.grain, cell.bucket as i32, g));
            add(sums.entry((cell.kind, bucket, cell.group)).or_default(), &cell.counts);
        }
        Ok(flatten(sums)
            .map(|((kind, bucket, touchpoint), score, n)| BucketTouchpointRow { kind, bucket, touchpoint, score, n })
            .collect())
    }

    /// The first and last day that have any rollup, for picking a default period.
    pub async fn rollup_span(&self, org: OrgId) -> Result<Option<(i32, i32)>> {
        let row: (Option<i64>, Option<i64>) = db!(self, p => sqlx::query_as(
            "SELECT MIN(bucket), MAX(bucket) FROM rollup_cells WHERE org_id = $1 AND grain = 0 AND dims = 0",
        )
        .bind(org.0)
        .fetch_one(p)
        .await)?;
        Ok(match row {
            (Some(a), Some(b)) => Some((a as i32, b as i32)),
            _ => None,
        })
    }

    /// Recounts every scored answer of an organisation into every cell of every grain and lists each cell
    /// where the rollups disagree.
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
        // Eighteen columns are more than sqlx decodes into a tuple, so the row is read by position.
        let stored: Vec<(CellKey, [i64; SCORE_VALUES])> = db!(self, p => {
            let rows = sqlx::query(
                "SELECT survey_id, question_id, grain, dims, bucket, channel, touchpoint, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10
                 FROM rollup_cells WHERE org_id = $1",
            )
            .bind(org.0)
            .fetch_all(p)
            .await?;
            rows.iter()
                .map(|r| {
                    let mut counts = [0i64; SCORE_VALUES];
                    for (i, c) in counts.iter_mut().enumerate() {
                        *c = r.try_get(7 + i)?;
                    }
                    let key = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?, r.try_get(6)?);
                    Ok::<_, sqlx::Error>((key, counts))
                })
                .collect::<std::result::Result<Vec<_>, _>>()
        })?;
        // Per cell: (stored histogram, recounted histogram).
        let mut counts: HashMap<CellKey, ([i64; SCORE_VALUES], [i64; SCORE_VALUES])> = HashMap::new();
        for (s, q, day, channel, touchpoint, score, n) in &raw {
            let score = usize::try_from(*score)
                .ok()
                .filter(|s| *s < SCORE_VALUES)
                .ok_or_else(|| crate::StoreError::Corrupt(format!("score {score}")))?;
            for c in rollup::cells(*day as i32, channel, touchpoint) {
                let key = (
                    *s,
                    *q,
                    c.grain.code(),
                    c.dims.code(),
                    i64::from(c.bucket),
                    c.channel.to_string(),
                    c.touchpoint.to_string(),
                );
                counts.entry(key).or_default().1[score] += n;
            }
        }
        for (key, histogram) in stored {
            counts.entry(key).or_default().0 = histogram;
        }
        let mut out = Vec::new();
        for ((s, q, grain, _, bucket, channel, touchpoint), (stored, recount)) in counts {
            for score in 0..SCORE_VALUES {
                if stored[score] != recount[score] {
                    out.push(Mismatch {
                        survey: SurveyId(s),
                        question: QuestionId(q),
                        grain: grain_of(grain)?,
                        bucket,
                        channel: channel.clone(),
                        touchpoint: touchpoint.clone(),
                        score: score as i64,
                        rollup: stored[score],
                        raw: recount[score],
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            (a.grain, a.bucket, &a.channel, &a.touchpoint, a.score).cmp(&(
                b.grain,
                b.bucket,
                &b.channel,
                &b.touchpoint,
                b.score,
            ))
        });
        Ok(out)
    }
}

fn add(sum: &mut [i64; SCORE_VALUES], counts: &[i64; SCORE_VALUES]) {
    sum.iter_mut().zip(counts).for_each(|(s, n)| *s += n);
}

fn grain_of(code: i64) -> Result<Grain> {
    Grain::from_code(code).ok_or_else(|| crate::StoreError::Corrupt(format!("rollup grain {code}")))
}

#[cfg(test)]
mod tests {
    use crate::db;
    use polku_domain::response::{NewResponse, ResponseDraft, validate};
    use polku_domain::{ResponseId, calendar::Granularity};

    /// The storage story on every backend: write responses in a batch, read rollups, and prove that
    /// `verify_rollups` notices a rollup that no longer matches the raw answers.
    #[tokio::test]
    async fn rollups_follow_answers_and_verify_catches_drift() {
        for (backend, store) in crate::testing::fresh_stores().await {
            let crate::testing::Story { org, other, survey, version, definition: def } = crate::testing::story(
                &store,
                serde_json::json!([{"key": "nps", "type": "nps", "required": true, "text": {"fi": "?"}}]),
            )
            .await;
            let now = crate::now();
            let batch: Vec<NewResponse> = [10, 9, 3, 10]
                .iter()
                .enumerate()
                .map(|(i, score)| {
                    let draft: ResponseDraft = serde_json::from_value(serde_json::json!({
                        "answers": [{"question": "nps", "value": score}], "channel": if i < 2 { "email" } else { "sms" }
                    }))
                    .unwrap();
                    NewResponse {
                        id: ResponseId::new(),
                        org,
                        survey,
                        version,
                        idempotency_key: None,
                        day: polku_domain::calendar::day_of(now),
                        body: validate(&def, &draft, "api", now).unwrap(),
                        analyses: Vec::new(),
                        cases: Vec::new(),
                    }
                })
                .collect();
            store.insert_responses(&batch).await.unwrap();
            let day = polku_domain::calendar::day_of(now);
            let f = super::RollupFilter { org, survey: Some(survey), from_day: day, to_day: day };
            let by_channel = store.rollup(f, super::GroupBy::Channel).await.unwrap();
            let email: i64 = by_channel.iter().filter(|r| r.group == "email").map(|r| r.n).sum();
            assert_eq!(email, 2, "{backend}");
            let weeks = store.rollup(f, super::GroupBy::Bucket(Granularity::Week)).await.unwrap();
            assert_eq!(weeks.iter().map(|r| r.n).sum::<i64>(), 4, "{backend}");
            let f_other = super::RollupFilter { org: other, ..f };
            assert!(
                store.rollup(f_other, super::GroupBy::Channel).await.unwrap().is_empty(),
                "{backend}: leaked across orgs"
            );
            assert!(store.verify_rollups(org).await.unwrap().is_empty(), "{backend}");

            // One cell of the many that count a 3 drifts: the weekly per-channel count for sms.
            db!(store, p => sqlx::query("UPDATE rollup_cells SET s3 = s3 + 1 WHERE org_id = $1 AND grain = 1 AND dims = 1 AND channel = 'sms'")
                .bind(org.0)
                .execute(p)
                .await
                .map(|_| ()))
            .unwrap();
            let drift = store.verify_rollups(org).await.unwrap();
            assert_eq!(drift.len(), 1, "{backend}");
            assert_eq!(
                (drift[0].grain, drift[0].channel.as_str(), drift[0].score, drift[0].rollup, drift[0].raw),
                (polku_domain::rollup::Grain::Week, "sms", 3, 2, 1),
                "{backend}"
            );
            assert!(store.verify_rollups(other).await.unwrap().is_empty());
        }
    }
}
