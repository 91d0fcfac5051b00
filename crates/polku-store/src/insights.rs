//! Counts behind the insights page (key drivers, emerging topics), from `comment_rollups` (one row per day,
//! survey, theme, tone and score), interpreted by `polku_domain::insights`.
//!
//! `comment_rollups` (migration 0007) holds, per (org, day, survey, theme, tone, score kind, score), one cell
//! for each comment (theme `''`, its own tone) and one per theme it mentions (the tone about that theme).
//! They are written in the comments' transaction (summed per batch in memory), moved from the old analysis
//! to the new by a re-analysis in its page's transaction, and recounted from the comments by
//! `verify_comment_rollups` (`polku verify`).

use crate::responses::{CommentCell, comment_cells};
use crate::{Result, Store, db};
use polku_domain::{OrgId, SurveyId, calendar};
use std::collections::HashMap;
use uuid::Uuid;

/// Which comments an insight covers: an organisation's, maybe one survey's, submitted on days
/// `from_day..=to_day` (days since 1970-01-01, UTC).
#[derive(Clone, Copy, Debug)]
pub struct InsightScope {
    pub org: OrgId,
    pub survey: Option<SurveyId>,
    pub from_day: i32,
    pub to_day: i32,
}

/// Comments in scope per theme, its tone there, and the response's NPS score.
pub type ThemeNpsRow = (String, String, i64, i64);

impl Store {
    /// How many comments in `s` have each NPS score (comments whose response has an NPS answer).
    pub async fn comment_nps(&self, s: &InsightScope) -> Result<Vec<(i64, i64)>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT score, CAST(SUM(n) AS BIGINT) FROM comment_rollups
             WHERE org_id = $1 AND day >= $2 AND day <= $3 AND theme = '' AND score_kind = 'nps'
               AND ($4 IS NULL OR survey_id = $4)
             GROUP BY score",
        )
        .bind(s.org.0)
        .bind(i64::from(s.from_day))
        .bind(i64::from(s.to_day))
        .bind(s.survey.map(|x| x.0))
        .fetch_all(p)
        .await)?)
    }

    /// For each theme: how many comments in `s` mention it, by the tone of the mention and the response's
    /// NPS score.
    pub async fn theme_nps(&self, s: &InsightScope) -> Result<Vec<ThemeNpsRow>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT theme, polarity, score, CAST(SUM(n) AS BIGINT) FROM comment_rollups
             WHERE org_id = $1 AND day >= $2 AND day <= $3 AND theme <> '' AND score_kind = 'nps'
               AND ($4 IS NULL OR survey_id = $4)
             GROUP BY theme, polarity, score",
        )
        .bind(s.org.0)
        .bind(i64::from(s.from_day))
        .bind(i64::from(s.to_day))
        .bind(s.survey.map(|x| x.0))
        .fetch_all(p)
        .await)?)
    }

    /// Comments in `s`, and for each theme how many of them mention it.
    pub async fn theme_mentions(&self, s: &InsightScope) -> Result<(i64, Vec<(String, i64)>)> {
        let rows: Vec<(String, i64)> = db!(self, p => sqlx::query_as(
            "SELECT theme, CAST(SUM(n) AS BIGINT) FROM comment_rollups
             WHERE org_id = $1 AND day >= $2 AND day <= $3 AND ($4 IS NULL OR survey_id = $4)
             GROUP BY theme",
        )
        .bind(s.org.0)
        .bind(i64::from(s.from_day))
        .bind(i64::from(s.to_day))
        .bind(s.survey.map(|x| x.0))
        .fetch_all(p)
        .await)?;
        let total = rows.iter().find(|(t, _)| t.is_empty()).map_or(0, |(_, n)| *n);
        Ok((total, rows.into_iter().filter(|(t, n)| !t.is_empty() && *n > 0).collect()))
    }

    /// Recounts `comment_rollups` of `org` from the comments and their themes; returns every cell that
    /// differs as (cell, stored, recounted). Empty means the rollups are right.
    pub async fn verify_comment_rollups(&self, org: OrgId) -> Result<Vec<(CommentCell, i64, i64)>> {
        type Raw = (i64, Option<String>, Option<String>, Option<i64>, Uuid, i64);
        let comments: Vec<Raw> = db!(self, p => sqlx::query_as(
            "SELECT c.id, c.polarity, c.score_kind, c.score, c.survey_id, r.day
             FROM comments c JOIN responses r ON r.id = c.response_id WHERE c.org_id = $1",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        let themes: Vec<(i64, String, String)> = db!(self, p => sqlx::query_as(
            "SELECT comment_id, theme, polarity FROM comment_themes WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        let mut by_comment: HashMap<i64, Vec<(String, String)>> = HashMap::new();
        for (id, theme, polarity) in themes {
            by_comment.entry(id).or_default().push((theme, polarity));
        }
        let mut recount: HashMap<CommentCell, i64> = HashMap::new();
        for (id, polarity, kind, score, survey, day) in &comments {
            let themes = by_comment.get(id).into_iter().flatten().map(|(t, p)| (t.as_str(), p.as_str()));
            for cell in
                comment_cells(org, *day, SurveyId(*survey), polarity.as_deref(), themes, (kind.as_deref(), *score))
            {
                *recount.entry(cell).or_default() += 1;
            }
        }
        type Stored = (i64, Uuid, String, String, String, i64, i64);
        let stored: Vec<Stored> = db!(self, p => sqlx::query_as(
            "SELECT day, survey_id, theme, polarity, score_kind, score, n FROM comment_rollups WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        let mut out = Vec::new();
        for (day, survey, theme, polarity, kind, score, n) in stored {
            let cell = (org.0, day, survey, theme, polarity, kind, score);
            let raw = recount.remove(&cell).unwrap_or(0);
            if raw != n {
                out.push((cell, n, raw));
            }
        }
        out.extend(recount.into_iter().map(|(cell, raw)| (cell, 0, raw)));
        Ok(out)
    }

    /// The stored lemmas of up to `limit` comments in `s`, newest first (comments analysed before lemmas
    /// were stored are left out).
    pub async fn comment_lemmas(&self, s: &InsightScope, limit: i64) -> Result<Vec<String>> {
        let from = calendar::date_of_day(s.from_day).midnight().assume_utc();
        let to = calendar::date_of_day(s.to_day + 1).midnight().assume_utc();
        let rows: Vec<(String,)> = db!(self, p => sqlx::query_as(
            "SELECT lemmas FROM comments
             WHERE org_id = $1 AND submitted_at >= $2 AND submitted_at < $3 AND ($4 IS NULL OR survey_id = $4)
               AND lemmas IS NOT NULL
             ORDER BY submitted_at DESC, id DESC LIMIT $5",
        )
        .bind(s.org.0)
        .bind(from)
        .bind(to)
        .bind(s.survey.map(|x| x.0))
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|(l,)| l).collect())
    }
}
