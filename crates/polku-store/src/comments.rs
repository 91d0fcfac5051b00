//! Open answers and their stored text analysis: the feedback inbox (filtered, newest first, a page at a
//! time), reading responses back for `polku reanalyse` and replacing what was stored about them.

use crate::responses::{AnalysisRow, CHUNK, insert_analyses};
use crate::{Result, Store, StoreError, db, db_ingest};
use polku_domain::response::{Answer, AnswerValue};
use polku_domain::survey::QuestionType;
use polku_domain::text::CommentAnalysis;
use polku_domain::{Locale, OrgId, QuestionId, ResponseId, SurveyId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A response with at least one open answer, with every answer the analysis may use (scores for the
/// rating, texts to analyse).
#[derive(Clone, Debug)]
pub struct TextResponse {
    pub id: ResponseId,
    pub org: OrgId,
    pub survey: SurveyId,
    pub submitted_at: OffsetDateTime,
    pub locale: Option<Locale>,
    pub answers: Vec<Answer>,
}

/// A fresh analysis of one response's open answers, for [`Store::replace_analyses`].
pub struct Reanalysed<'a> {
    pub response: &'a TextResponse,
    pub analyses: Vec<(QuestionId, CommentAnalysis)>,
}

/// An open answer with its response's context and its analysis, as the inbox lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Comment {
    pub response_id: Uuid,
    pub question_id: Uuid,
    pub survey_id: Uuid,
    pub text: String,
    pub submitted_at: OffsetDateTime,
    pub channel: String,
    pub touchpoint: String,
    /// The language the survey was shown in.
    pub locale: Option<String>,
    pub customer_ref: Option<String>,
    /// The response's lowest score, if it has one.
    pub score: Option<i64>,
    /// The language the analysis recognised.
    pub language: Option<String>,
    /// The text analysis' verdict on the comment alone: positive, neutral or negative (none before analysis).
    pub polarity: Option<String>,
    pub sentiment: Option<f64>,
    /// Themes mentioned, each with its own polarity, in theme-key order.
    #[sqlx(skip)]
    pub themes: Vec<(String, String)>,
}

/// Which comments to list. Every condition is optional except the organisation; `after` continues a listing
/// after the last comment of the previous page (comments are ordered newest first).
#[derive(Clone, Debug)]
pub struct CommentFilter {
    pub org: OrgId,
    pub survey: Option<SurveyId>,
    /// Submitted at or after.
    pub from: Option<OffsetDateTime>,
    /// Submitted before.
    pub to: Option<OffsetDateTime>,
    pub polarity: Option<String>,
    pub theme: Option<String>,
    pub channel: Option<String>,
    pub touchpoint: Option<String>,
    pub language: Option<String>,
    pub after: Option<CommentCursor>,
}

/// The position of a comment in the newest-first order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommentCursor {
    pub submitted_at: OffsetDateTime,
    pub response: Uuid,
    pub question: Uuid,
}

impl CommentFilter {
    /// Every comment of `org`.
    pub fn new(org: OrgId) -> Self {
        CommentFilter {
            org,
            survey: None,
            from: None,
            to: None,
            polarity: None,
            theme: None,
            channel: None,
            touchpoint: None,
            language: None,
            after: None,
        }
    }
}

impl Comment {
    pub fn cursor(&self) -> CommentCursor {
        CommentCursor { submitted_at: self.submitted_at, response: self.response_id, question: self.question_id }
    }
}

type AnswerRow = (Uuid, Uuid, OffsetDateTime, Option<String>, Uuid, String, Option<i64>, Option<String>);

impl Store {
    /// Up to `limit` comments matching `f`, newest first, each with its analysis and themes.
    pub async fn comments(&self, f: &CommentFilter, limit: i64) -> Result<Vec<Comment>> {
        let mut comments: Vec<Comment> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT a.response_id, a.question_id, a.survey_id, a.text, a.submitted_at, r.channel, r.touchpoint,
                        r.locale, r.customer_ref,
                        (SELECT MIN(s.score) FROM answers s WHERE s.response_id = a.response_id AND s.score IS NOT NULL) AS score,
                        c.language, c.polarity, c.score AS sentiment
                 FROM answers a JOIN responses r ON r.id = a.response_id AND r.org_id = a.org_id
                 LEFT JOIN comment_analysis c ON c.response_id = a.response_id AND c.question_id = a.question_id
                 WHERE a.text IS NOT NULL AND a.org_id = ",
            );
            qb.push_bind(f.org.0);
            if let Some(s) = f.survey {
                qb.push(" AND a.survey_id = ").push_bind(s.0);
            }
            if let Some(t) = f.from {
                qb.push(" AND a.submitted_at >= ").push_bind(t);
            }
            if let Some(t) = f.to {
                qb.push(" AND a.submitted_at < ").push_bind(t);
            }
            if let Some(v) = &f.polarity {
                qb.push(" AND c.polarity = ").push_bind(v.as_str());
            }
            if let Some(v) = &f.language {
                qb.push(" AND c.language = ").push_bind(v.as_str());
            }
            if let Some(v) = &f.channel {
                qb.push(" AND r.channel = ").push_bind(v.as_str());
            }
            if let Some(v) = &f.touchpoint {
                qb.push(" AND r.touchpoint = ").push_bind(v.as_str());
            }
            if let Some(v) = &f.theme {
                qb.push(
                    " AND EXISTS (SELECT 1 FROM comment_themes t WHERE t.response_id = a.response_id \
                     AND t.question_id = a.question_id AND t.theme = ",
                )
                .push_bind(v.as_str())
                .push(")");
            }
            if let Some(c) = f.after {
                qb.push(" AND (a.submitted_at < ").push_bind(c.submitted_at);
                qb.push(" OR (a.submitted_at = ").push_bind(c.submitted_at);
                qb.push(" AND (a.response_id < ").push_bind(c.response);
                qb.push(" OR (a.response_id = ").push_bind(c.response);
                qb.push(" AND a.question_id < ").push_bind(c.question).push("))))");
            }
            qb.push(" ORDER BY a.submitted_at DESC, a.response_id DESC, a.question_id DESC LIMIT ").push_bind(limit);
            qb.build_query_as().fetch_all(p).await
        })?;
        if comments.is_empty() {
            return Ok(comments);
        }
        // By primary key only: the ids come from the organisation-filtered query above, and adding the
        // organisation here made SQLite scan every theme row of the organisation (1.2 s at a million).
        let themes: Vec<(Uuid, Uuid, String, String)> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT response_id, question_id, theme, polarity FROM comment_themes WHERE response_id IN (",
            );
            let mut list = qb.separated(", ");
            for c in &comments {
                list.push_bind(c.response_id);
            }
            qb.push(") ORDER BY theme");
            qb.build_query_as().fetch_all(p).await
        })?;
        for (response, question, theme, polarity) in themes {
            if let Some(c) = comments.iter_mut().find(|c| c.response_id == response && c.question_id == question) {
                c.themes.push((theme, polarity));
            }
        }
        Ok(comments)
    }

    /// Up to `limit` responses of `org` that have an open answer, in id order after `after`: pages for a
    /// pass over every comment that never holds more than one page in memory.
    pub async fn responses_with_text(
        &self,
        org: OrgId,
        after: Option<ResponseId>,
        limit: i64,
    ) -> Result<Vec<TextResponse>> {
        let after = after.map_or(Uuid::nil(), |r| r.0);
        let ids: Vec<(Uuid,)> = db!(self, p => sqlx::query_as(
            "SELECT DISTINCT response_id FROM answers
             WHERE org_id = $1 AND text IS NOT NULL AND response_id > $2
             ORDER BY response_id LIMIT $3",
        )
        .bind(org.0)
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<AnswerRow> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new(
                // Driven by the answers' primary key (response_id IN …) and joined by id alone: with a join
                // on the organisation too, SQLite walked all of the organisation's responses instead (39 s
                // a page at 10 million). The answers' organisation is checked, and a response shares it.
                "SELECT r.id, r.survey_id, r.submitted_at, r.locale, a.question_id, a.kind, a.score, a.text
                 FROM answers a JOIN responses r ON r.id = a.response_id
                 WHERE a.org_id = ",
            );
            qb.push_bind(org.0).push(" AND a.response_id IN (");
            let mut list = qb.separated(", ");
            for (id,) in &ids {
                list.push_bind(*id);
            }
            qb.push(") ORDER BY a.response_id");
            qb.build_query_as().fetch_all(p).await
        })?;
        let mut out: Vec<TextResponse> = Vec::with_capacity(ids.len());
        for (id, survey, submitted_at, locale, question, kind, score, text) in rows {
            let kind = QuestionType::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("answer kind {kind}")))?;
            let value = match (score, text) {
                (Some(s), _) => {
                    AnswerValue::Score(i16::try_from(s).map_err(|_| StoreError::Corrupt(format!("score {s}")))?)
                }
                (None, Some(t)) => AnswerValue::Text(t),
                // Choices play no part in the analysis.
                (None, None) => AnswerValue::Choices(Vec::new()),
            };
            let answer = Answer { question: QuestionId(question), kind, value };
            match out.last_mut() {
                Some(r) if r.id.0 == id => r.answers.push(answer),
                _ => out.push(TextResponse {
                    id: ResponseId(id),
                    org,
                    survey: SurveyId(survey),
                    submitted_at,
                    locale: locale.as_deref().and_then(Locale::parse),
                    answers: vec![answer],
                }),
            }
        }
        Ok(out)
    }

    /// Replaces what is stored about these responses' open answers, all in one transaction. The responses
    /// must all belong to one organisation (as one page of [`Store::responses_with_text`] does).
    pub async fn replace_analyses(&self, batch: &[Reanalysed<'_>]) -> Result<()> {
        let Some(first) = batch.first() else { return Ok(()) };
        let org = first.response.org;
        if batch.iter().any(|b| b.response.org != org) {
            return Err(StoreError::Corrupt("a re-analysis batch spans organisations".into()));
        }
        let rows: Vec<AnalysisRow> = batch
            .iter()
            .flat_map(|b| {
                b.analyses.iter().map(move |(question, analysis)| AnalysisRow {
                    response: b.response.id,
                    question: *question,
                    org,
                    survey: b.response.survey,
                    submitted_at: b.response.submitted_at,
                    analysis,
                })
            })
            .collect();
        let cache = crate::responses::cache_batch_statements(self);
        db_ingest!(self, p => {
            let mut tx = p.begin().await?;
            for chunk in batch.chunks(CHUNK) {
                for table in ["comment_themes", "comment_analysis"] {
                    let mut qb = sqlx::QueryBuilder::new("DELETE FROM ");
                    qb.push(table).push(" WHERE org_id = ").push_bind(org.0).push(" AND response_id IN (");
                    let mut list = qb.separated(", ");
                    for b in chunk {
                        list.push_bind(b.response.id.0);
                    }
                    qb.push(")");
                    qb.build().persistent(cache).execute(&mut *tx).await?;
                }
            }
            insert_analyses!(tx, &rows, cache);
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{CommentFilter, Reanalysed};
    use polku_domain::response::{NewResponse, ResponseDraft, validate};
    use polku_domain::text::{Analyzer, analyse_answers};
    use polku_domain::{Locale, ResponseId};

    /// Analyses are stored with their answers, read back with the latest comments, and replaced page by
    /// page by a re-analysis, on every backend and never across organisations.
    #[tokio::test]
    async fn analyses_are_stored_read_and_replaced() {
        let analyzer = Analyzer::new();
        for (backend, store) in crate::testing::fresh_stores().await {
            let crate::testing::Story { org, other, survey, version, definition: def } = crate::testing::story(
                &store,
                serde_json::json!([
                    {"key": "nps", "type": "nps", "required": true, "text": {"fi": "?"}},
                    {"key": "why", "type": "text", "text": {"fi": "Miksi?"}}
                ]),
            )
            .await;
            let now = crate::now();
            let texts =
                [(3, "Maalari oli tunnin myöhässä eikä ilmoittanut mitään."), (10, "Loistava lopputulos, kiitos!")];
            let batch: Vec<NewResponse> = texts
                .iter()
                .enumerate()
                .map(|(i, (score, text))| {
                    let draft: ResponseDraft = serde_json::from_value(serde_json::json!({
                        "answers": [{"question": "nps", "value": score}, {"question": "why", "value": text}], "locale": "fi"
                    }))
                    .unwrap();
                    let body = validate(&def, &draft, "api", now).unwrap();
                    // The first is stored without an analysis, as rows written before analysis existed.
                    let analyses = if i == 0 { Vec::new() } else { analyse_answers(&analyzer, &body.answers, body.locale) };
                    NewResponse { id: ResponseId::new(), org, survey, version, idempotency_key: None, body, analyses }
                })
                .collect();
            store.insert_responses(&batch).await.unwrap();
            let day = time::Duration::days(1);
            let comments = store
                .comments(&CommentFilter { from: Some(now - day), to: Some(now + day), ..CommentFilter::new(org) }, 10)
                .await
                .unwrap();
            let by_text = |t: &str| comments.iter().find(|c| c.text.starts_with(t)).unwrap().clone();
            assert_eq!(by_text("Maalari").polarity, None, "{backend}");
            assert_eq!(by_text("Loistava").polarity.as_deref(), Some("positive"), "{backend}");
            assert!(by_text("Loistava").themes.iter().any(|(k, p)| k == "quality" && p == "positive"), "{backend}");

            // Re-analysis reads pages in id order with every answer the analysis needs.
            let first = store.responses_with_text(org, None, 1).await.unwrap();
            assert_eq!(first.len(), 1, "{backend}");
            assert_eq!(first[0].answers.len(), 2, "{backend}");
            assert_eq!(first[0].locale, Some(Locale::Fi));
            let rest = store.responses_with_text(org, Some(first[0].id), 10).await.unwrap();
            assert_eq!(rest.len(), 1, "{backend}");
            assert!(store.responses_with_text(org, Some(rest[0].id), 10).await.unwrap().is_empty());
            assert!(store.responses_with_text(other, None, 10).await.unwrap().is_empty(), "{backend}: leaked");

            let all: Vec<_> = first.iter().chain(&rest).collect();
            let batch: Vec<Reanalysed> = all
                .iter()
                .map(|r| Reanalysed { response: r, analyses: analyse_answers(&analyzer, &r.answers, r.locale) })
                .collect();
            // Replacing twice leaves one analysis per answer.
            store.replace_analyses(&batch).await.unwrap();
            store.replace_analyses(&batch).await.unwrap();
            let comments = store
                .comments(&CommentFilter { from: Some(now - day), to: Some(now + day), ..CommentFilter::new(org) }, 10)
                .await
                .unwrap();
            let late = comments.iter().find(|c| c.text.starts_with("Maalari")).unwrap();
            assert_eq!(late.polarity.as_deref(), Some("negative"), "{backend}");
            assert!(
                late.themes.iter().any(|(k, p)| k == "delivery" && p == "negative"),
                "{backend}: {:?}",
                late.themes
            );
            assert!(
                comments
                    .iter()
                    .all(|c| c.themes.len() == c.themes.iter().collect::<std::collections::HashSet<_>>().len())
            );
        }
    }
}
