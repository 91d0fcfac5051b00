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
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(f.org.0)
                .bind(i64::from(f.from_day))
                .bind(i64::from(f.to_day));
            if let Some(s) = f.survey {
                q = q.bind(s.0);
            }
            q.fetch_all(p).await
        })?)
    }

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
        let survey = f.survey_clause("survey_id");
        let sql = format!(
            "SELECT kind, {group} AS grp, score, CAST(SUM(n) AS BIGINT) AS n FROM rollups
             WHERE org_id = $1 AND day >= $2 AND day <= $3 {survey}
             GROUP BY kind, {group}, score"
        );
        let rows: Vec<(String, String, i64, i64)> = self.fetch_filtered(sql, f).await?;
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

#[cfg(test)]
mod tests {
    use crate::{Actor, Audit, db};
    use polku_domain::response::{NewResponse, ResponseDraft, validate};
    use polku_domain::survey::SurveyDraft;
    use polku_domain::{ResponseId, calendar::Granularity};

    /// The storage story on every backend: write responses in a batch, read rollups, and prove that
    /// `verify_rollups` notices a rollup that no longer matches the raw answers.
    #[tokio::test]
    async fn rollups_follow_answers_and_verify_catches_drift() {
        for (backend, store) in crate::testing::fresh_stores().await {
            let actor = Actor::System("test");
            let audit = Audit { actor: &actor, action: "test", target: String::new(), detail: serde_json::Value::Null };
            let org = store.create_org("A", &audit).await.unwrap();
            let other = store.create_org("B", &audit).await.unwrap();
            let def: SurveyDraft =
                serde_json::from_value(serde_json::json!({"name": "s", "locales": ["fi"], "questions": [
                {"key": "nps", "type": "nps", "required": true, "text": {"fi": "?"}}]}))
                .unwrap();
            let def = def.validate(None).unwrap();
            let (survey, version) = store.create_survey(org, "slug-a", &def, &audit).await.unwrap();
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
                        body: validate(&def, &draft, "api", now).unwrap(),
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

            db!(store, p => sqlx::query("UPDATE rollups SET n = n + 1 WHERE org_id = $1 AND score = 3")
                .bind(org.0)
                .execute(p)
                .await
                .map(|_| ()))
            .unwrap();
            let drift = store.verify_rollups(org).await.unwrap();
            assert_eq!(drift.len(), 1, "{backend}");
            assert_eq!((drift[0].score, drift[0].rollup, drift[0].raw), (3, 2, 1), "{backend}");
            assert!(store.verify_rollups(other).await.unwrap().is_empty());
        }
    }
}
