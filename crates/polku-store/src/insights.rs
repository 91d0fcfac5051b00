//! Counts behind the insights page (key drivers, emerging topics): grouped in SQL, interpreted by
//! `polku_domain::insights`.

use crate::{Result, Store, db};
use polku_domain::{OrgId, SurveyId};
use time::OffsetDateTime;

/// Which comments an insight covers: an organisation's, maybe one survey's, submitted in `from..to`.
#[derive(Clone, Copy, Debug)]
pub struct InsightScope {
    pub org: OrgId,
    pub survey: Option<SurveyId>,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
}

/// Comments in scope per theme, its tone there, and the response's NPS score.
pub type ThemeNpsRow = (String, String, i64, i64);

impl Store {
    /// How many comments in `s` have each NPS score (comments whose response has an NPS answer).
    pub async fn comment_nps(&self, s: &InsightScope) -> Result<Vec<(i64, i64)>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT score, COUNT(*) FROM comments
             WHERE org_id = $1 AND submitted_at >= $2 AND submitted_at < $3 AND score_kind = 'nps'
               AND ($4 IS NULL OR survey_id = $4)
             GROUP BY score",
        )
        .bind(s.org.0)
        .bind(s.from)
        .bind(s.to)
        .bind(s.survey.map(|x| x.0))
        .fetch_all(p)
        .await)?)
    }

    /// For each theme: how many comments in `s` mention it, by the tone of the mention and the response's
    /// NPS score.
    pub async fn theme_nps(&self, s: &InsightScope) -> Result<Vec<ThemeNpsRow>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT t.theme, t.polarity, c.score, COUNT(*)
             FROM comment_themes t JOIN comments c ON c.id = t.comment_id
             WHERE t.org_id = $1 AND t.submitted_at >= $2 AND t.submitted_at < $3 AND c.score_kind = 'nps'
               AND ($4 IS NULL OR c.survey_id = $4)
             GROUP BY t.theme, t.polarity, c.score",
        )
        .bind(s.org.0)
        .bind(s.from)
        .bind(s.to)
        .bind(s.survey.map(|x| x.0))
        .fetch_all(p)
        .await)?)
    }

    /// Comments in `s`, and for each theme how many of them mention it.
    pub async fn theme_mentions(&self, s: &InsightScope) -> Result<(i64, Vec<(String, i64)>)> {
        let (total,): (i64,) = db!(self, p => sqlx::query_as(
            "SELECT COUNT(*) FROM comments
             WHERE org_id = $1 AND submitted_at >= $2 AND submitted_at < $3 AND ($4 IS NULL OR survey_id = $4)",
        )
        .bind(s.org.0)
        .bind(s.from)
        .bind(s.to)
        .bind(s.survey.map(|x| x.0))
        .fetch_one(p)
        .await)?;
        let themes = db!(self, p => sqlx::query_as(
            "SELECT t.theme, COUNT(*) FROM comment_themes t JOIN comments c ON c.id = t.comment_id
             WHERE t.org_id = $1 AND t.submitted_at >= $2 AND t.submitted_at < $3 AND ($4 IS NULL OR c.survey_id = $4)
             GROUP BY t.theme",
        )
        .bind(s.org.0)
        .bind(s.from)
        .bind(s.to)
        .bind(s.survey.map(|x| x.0))
        .fetch_all(p)
        .await)?;
        Ok((total, themes))
    }

    /// The stored lemmas of up to `limit` comments in `s`, newest first (comments analysed before lemmas
    /// were stored are left out).
    pub async fn comment_lemmas(&self, s: &InsightScope, limit: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = db!(self, p => sqlx::query_as(
            "SELECT lemmas FROM comments
             WHERE org_id = $1 AND submitted_at >= $2 AND submitted_at < $3 AND ($4 IS NULL OR survey_id = $4)
               AND lemmas IS NOT NULL
             ORDER BY submitted_at DESC, id DESC LIMIT $5",
        )
        .bind(s.org.0)
        .bind(s.from)
        .bind(s.to)
        .bind(s.survey.map(|x| x.0))
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok(rows.into_iter().map(|(l,)| l).collect())
    }
}
