//! Writing responses in batches, with their answers and rollups, in one transaction.
//!
//! The group-commit writer in the app crate hands over everything that arrived while the previous batch
//! was committing; this module turns it into a few multi-row statements. Rollup deltas are summed per cell
//! first, so each cell is upserted once per batch (PostgreSQL refuses to touch a row twice in one upsert).
//!
//! One batch's transaction writes, for each response not already stored under its idempotency key: the
//! response and its answers (multi-row inserts), a `comments` row per open answer with its themes and
//! full-text terms, its counts in `comment_rollups`, a `customer_ref_dirty` mark for its customer reference,
//! the cases its alert rules opened with their notifications (`queue_notifications!`), and its rollup
//! cells. So rollups, comments and cases exist exactly when their answer does. It runs on `db_ingest!`: on
//! SQLite a connection of its own (see `Pool`).

use crate::{Result, Store, db, db_ingest, now};
use polku_domain::response::{AnswerValue, NewResponse, headline_score};
use polku_domain::rollup::SCORE_VALUES;
use polku_domain::survey::QuestionType;
use polku_domain::text::{CommentAnalysis, SkipReason};
use polku_domain::{OrgId, ResponseId, SurveyId};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// One open answer as written to `comments` (with its themes and search terms), at ingestion.
pub(crate) struct CommentRow<'a> {
    pub response: ResponseId,
    pub question: polku_domain::QuestionId,
    pub org: OrgId,
    pub survey: SurveyId,
    pub submitted_at: OffsetDateTime,
    /// The organisation's calendar day of the answer (its response's `day`).
    pub day: i32,
    pub channel: &'a str,
    pub touchpoint: &'a str,
    pub customer: Option<&'a str>,
    pub score: Option<(QuestionType, i16)>,
    pub text: &'a str,
    pub consent: polku_domain::response::Consent,
    /// `None` for an answer stored without analysis; `polku reanalyse` adds it.
    pub analysis: Option<&'a CommentAnalysis>,
}

/// One count of `comment_rollups`: (org, day, survey, theme, polarity, score kind, score). Theme "" is the
/// comment itself; polarity "" not analysed; score kind "" and score −1 no headline score.
pub(crate) type CommentCell = (Uuid, i64, Uuid, String, String, String, i64);

/// The cells one comment counts in: its own, and one per theme it mentions.
pub(crate) fn comment_cells<'a>(
    org: OrgId,
    day: i64,
    survey: SurveyId,
    polarity: Option<&str>,
    themes: impl Iterator<Item = (&'a str, &'a str)>,
    score: (Option<&str>, Option<i64>),
) -> Vec<CommentCell> {
    let (kind, score) = (score.0.unwrap_or("").to_string(), score.1.unwrap_or(-1));
    let mut out = vec![(org.0, day, survey.0, String::new(), polarity.unwrap_or("").to_string(), kind.clone(), score)];
    out.extend(themes.map(|(t, p)| (org.0, day, survey.0, t.to_string(), p.to_string(), kind.clone(), score)));
    out
}

impl CommentRow<'_> {
    /// What full-text search indexes: the analysis' terms, or the words of the text before there is one
    /// (normalised the same way, so both backends tokenise them alike).
    pub(crate) fn terms(&self) -> std::borrow::Cow<'_, str> {
        match self.analysis {
            Some(a) => std::borrow::Cow::Borrowed(a.terms.as_str()),
            None => std::borrow::Cow::Owned(polku_domain::text::text_terms(self.text)),
        }
    }

    fn cells(&self) -> Vec<CommentCell> {
        let a = self.analysis;
        comment_cells(
            self.org,
            i64::from(self.day),
            self.survey,
            a.map(|a| a.sentiment.polarity.as_str()),
            a.into_iter().flat_map(|a| a.themes.iter().map(|t| (t.key.as_str(), t.sentiment.polarity.as_str()))),
            (self.score.map(|(k, _)| k.as_str()), self.score.map(|(_, s)| i64::from(s))),
        )
    }
}

/// Adds `$deltas` (cell → change, may be negative) to `comment_rollups` in the open transaction `$tx`.
macro_rules! add_comment_cells {
    ($tx:ident, $deltas:expr, $cache:expr) => {{
        // In key order: concurrent writers (nodes, a re-analysis beside ingestion) then lock cells in the same
        // order and cannot deadlock each other on PostgreSQL.
        let mut deltas: Vec<(&crate::responses::CommentCell, &i64)> =
            $deltas.iter().filter(|(_, n)| **n != 0).collect();
        deltas.sort_unstable();
        for chunk in deltas.chunks(CHUNK) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO comment_rollups (org_id, day, survey_id, theme, polarity, score_kind, score, n) ",
            );
            qb.push_values(chunk, |mut b, ((org, day, survey, theme, polarity, kind, score), n)| {
                b.push_bind(*org)
                    .push_bind(*day)
                    .push_bind(*survey)
                    .push_bind(theme.as_str())
                    .push_bind(polarity.as_str())
                    .push_bind(kind.as_str())
                    .push_bind(*score)
                    .push_bind(**n);
            });
            qb.push(
                " ON CONFLICT (org_id, day, survey_id, theme, polarity, score_kind, score) \
                 DO UPDATE SET n = comment_rollups.n + excluded.n",
            );
            qb.build().persistent($cache).execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use add_comment_cells;

/// Inserts [`CommentRow`]s in the open transaction `$tx`, with their themes and (SQLite) full-text rows.
/// A macro because the transaction's type differs per backend; it expands inside `db!`.
macro_rules! insert_comments {
    ($tx:ident, $rows:expr, $cache:expr, $backend:expr) => {{
        let rows: &[CommentRow<'_>] = $rows;
        let cache: bool = $cache;
        let backend: crate::Backend = $backend;
        let in_row = crate::dialect::search_terms(backend) == crate::dialect::SearchTerms::Column;
        for chunk in rows.chunks(CHUNK) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO comments (response_id, question_id, org_id, survey_id, submitted_at, channel, touchpoint, \
                 customer_ref, score, score_kind, language, polarity, sentiment, combined_polarity, combined_score, skipped, \
                 lemmas, share_ok, contact_ok",
            );
            if in_row {
                qb.push(", ").push(crate::dialect::SEARCH_COLUMN);
            }
            qb.push(") ");
            qb.push_values(chunk, |mut b, r| {
                let a = r.analysis;
                b.push_bind(r.response.0)
                    .push_bind(r.question.0)
                    .push_bind(r.org.0)
                    .push_bind(r.survey.0)
                    .push_bind(r.submitted_at)
                    .push_bind(r.channel)
                    .push_bind(r.touchpoint)
                    .push_bind(r.customer)
                    .push_bind(r.score.map(|(_, s)| i64::from(s)))
                    .push_bind(r.score.map(|(k, _)| k.as_str()))
                    .push_bind(a.and_then(|a| a.language).map(|l| l.as_str()))
                    .push_bind(a.map(|a| a.sentiment.polarity.as_str()))
                    .push_bind(a.map(|a| f64::from(a.sentiment.score)))
                    .push_bind(a.and_then(|a| a.combined).map(|c| c.polarity.as_str()))
                    .push_bind(a.and_then(|a| a.combined).map(|c| f64::from(c.score)))
                    .push_bind(a.and_then(|a| a.skipped).map(crate::responses::skip_reason))
                    .push_bind(a.map(|a| a.lemmas.as_str()))
                    .push_bind(r.consent.share_internally)
                    .push_bind(r.consent.contact);
                if in_row {
                    let (open, close) = crate::dialect::SEARCH_VALUE;
                    b.push(open).push_bind_unseparated(r.terms()).push_unseparated(close);
                }
            });
            qb.push(" RETURNING id, response_id, question_id");
            let ids: Vec<(i64, uuid::Uuid, uuid::Uuid)> =
                qb.build_query_as().persistent(cache).fetch_all(&mut *$tx).await?;
            let ids: std::collections::HashMap<(uuid::Uuid, uuid::Uuid), i64> =
                ids.into_iter().map(|(id, r, q)| ((r, q), id)).collect();
            let with_ids: Vec<(i64, &CommentRow<'_>)> = chunk
                .iter()
                .map(|r| {
                    ids.get(&(r.response.0, r.question.0))
                        .map(|id| (*id, r))
                        .ok_or_else(|| crate::StoreError::Corrupt("an inserted comment came back without its id".into()))
                })
                .collect::<crate::Result<_>>()?;
            crate::responses::insert_comment_extras!($tx, &with_ids, cache, backend);
        }
        let mut deltas: HashMap<CommentCell, i64> = HashMap::new();
        for r in rows {
            for cell in r.cells() {
                *deltas.entry(cell).or_default() += 1;
            }
        }
        add_comment_cells!($tx, deltas, cache);
    }};
}

/// Inserts the themes and (SQLite) full-text rows of comments whose ids are known: `$rows` is a slice of
/// `(comment id, &CommentRow)`.
macro_rules! insert_comment_extras {
    ($tx:ident, $rows:expr, $cache:expr, $backend:expr) => {{
        let rows: &[(i64, &CommentRow<'_>)] = $rows;
        let themes: Vec<_> = rows
            .iter()
            .flat_map(|(id, r)| r.analysis.into_iter().flat_map(move |a| a.themes.iter().map(move |t| (*id, *r, t))))
            .collect();
        for chunk in themes.chunks(CHUNK) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO comment_themes (comment_id, theme, org_id, submitted_at, polarity, score) ",
            );
            qb.push_values(chunk, |mut b, (id, r, t)| {
                b.push_bind(*id)
                    .push_bind(t.key.as_str())
                    .push_bind(r.org.0)
                    .push_bind(r.submitted_at)
                    .push_bind(t.sentiment.polarity.as_str())
                    .push_bind(f64::from(t.sentiment.score));
            });
            qb.build().persistent($cache).execute(&mut *$tx).await?;
        }
        if crate::dialect::search_terms($backend) == crate::dialect::SearchTerms::Table && !rows.is_empty() {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO ");
            qb.push(crate::dialect::SEARCH_TABLE).push(" (rowid, terms) ");
            qb.push_values(rows, |mut b, (id, r)| {
                b.push_bind(*id).push_bind(r.terms());
            });
            qb.build().persistent($cache).execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use insert_comment_extras;

pub(crate) fn skip_reason(s: SkipReason) -> &'static str {
    match s {
        SkipReason::Empty => "empty",
        SkipReason::UnsupportedLanguage => "unsupported_language",
    }
}

/// Rows per multi-row INSERT: at 20 values a row, well inside SQLite's 32,766 and PostgreSQL's 65,535
/// bind parameters.
pub(crate) const CHUNK: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted(ResponseId),
    /// The idempotency key was seen before: this is the response stored then.
    Existing(ResponseId),
}

impl InsertOutcome {
    pub fn id(self) -> ResponseId {
        match self {
            InsertOutcome::Inserted(id) | InsertOutcome::Existing(id) => id,
        }
    }
}

fn choices_json(v: &AnswerValue) -> Option<String> {
    match v {
        AnswerValue::Choices(c) => Some(serde_json::to_string(c).expect("strings serialise")),
        _ => None,
    }
}

impl Store {
    /// Stores a batch atomically: all of it or none of it. Outcomes are in the batch's order.
    pub async fn insert_responses(&self, batch: &[NewResponse]) -> Result<Vec<InsertOutcome>> {
        let created = now();
        let backend = self.backend();
        let cache = crate::dialect::cache_batch_statements(backend);
        let outcomes = db_ingest!(self, p => {
            let mut tx = p.begin().await?;
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut fresh: Vec<&NewResponse> = Vec::with_capacity(batch.len());
            let mut keys: HashMap<(OrgId, &str), ResponseId> = HashMap::new();
            for r in batch {
                if let Some(key) = r.idempotency_key.as_deref() {
                    if let Some(id) = keys.get(&(r.org, key)) {
                        outcomes.push(InsertOutcome::Existing(*id));
                        continue;
                    }
                    let claimed = sqlx::query(
                        "INSERT INTO idempotency_keys (org_id, key, survey_id, response_id, created_at) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (org_id, key) DO NOTHING",
                    )
                    .bind(r.org.0)
                    .bind(key)
                    .bind(r.survey.0)
                    .bind(r.id.0)
                    .bind(created)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if claimed == 0 {
                        let (id,): (Uuid,) = sqlx::query_as("SELECT response_id FROM idempotency_keys WHERE org_id = $1 AND key = $2")
                            .bind(r.org.0)
                            .bind(key)
                            .fetch_one(&mut *tx)
                            .await?;
                        outcomes.push(InsertOutcome::Existing(ResponseId(id)));
                        keys.insert((r.org, key), ResponseId(id));
                        continue;
                    }
                    keys.insert((r.org, key), r.id);
                }
                outcomes.push(InsertOutcome::Inserted(r.id));
                fresh.push(r);
            }

            for chunk in fresh.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO responses (id, org_id, survey_id, version_id, submitted_at, day, channel, touchpoint, locale, customer_ref, created_at, share_ok, contact_ok) ",
                );
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(r.id.0)
                        .push_bind(r.org.0)
                        .push_bind(r.survey.0)
                        .push_bind(r.version.0)
                        .push_bind(r.body.submitted_at)
                        .push_bind(i64::from(r.day))
                        .push_bind(r.body.channel.clone())
                        .push_bind(r.body.touchpoint.clone())
                        .push_bind(r.body.locale.map(polku_domain::Locale::as_str))
                        .push_bind(r.body.customer.clone())
                        .push_bind(created)
                        .push_bind(r.body.consent.share_internally)
                        .push_bind(r.body.consent.contact);
                });
                qb.build().persistent(cache).execute(&mut *tx).await?;
            }
            // Rare (a score link from a shop's own mail tool): marked apart, so the common insert is as before.
            for r in fresh.iter().filter(|r| r.body.customer_unverified) {
                sqlx::query("UPDATE responses SET customer_unverified = TRUE WHERE id = $1")
                    .bind(r.id.0)
                    .execute(&mut *tx)
                    .await?;
            }

            // Answers tied to a customer change their summary (migration 0025): remembered by reference.
            let mut refs: Vec<(Uuid, &str)> =
                fresh.iter().filter_map(|r| Some((r.org.0, r.body.customer.as_deref()?))).collect();
            refs.sort_unstable();
            refs.dedup();
            for chunk in refs.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO customer_ref_dirty (org_id, customer_ref) ");
                qb.push_values(chunk, |mut b, (o, r)| {
                    b.push_bind(*o).push_bind(r.to_string());
                });
                qb.push(" ON CONFLICT (org_id, customer_ref) DO NOTHING");
                qb.build().persistent(cache).execute(&mut *tx).await?;
            }

            let answers: Vec<_> = fresh.iter().flat_map(|r| r.body.answers.iter().map(move |a| (*r, a))).collect();
            for chunk in answers.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO answers (response_id, question_id, org_id, survey_id, kind, score, choices, text, submitted_at) ",
                );
                qb.push_values(chunk, |mut b, (r, a)| {
                    b.push_bind(r.id.0)
                        .push_bind(a.question.0)
                        .push_bind(r.org.0)
                        .push_bind(r.survey.0)
                        .push_bind(a.kind.as_str())
                        .push_bind(a.score().map(i64::from))
                        .push_bind(choices_json(&a.value))
                        .push_bind(match &a.value {
                            AnswerValue::Text(t) => Some(t.clone()),
                            _ => None,
                        })
                        .push_bind(r.body.submitted_at);
                });
                qb.build().persistent(cache).execute(&mut *tx).await?;
            }

            let comments: Vec<CommentRow<'_>> = fresh
                .iter()
                .flat_map(|r| {
                    let score = headline_score(&r.body.answers);
                    r.body.answers.iter().filter_map(move |a| match &a.value {
                        AnswerValue::Text(text) => Some(CommentRow {
                            response: r.id,
                            question: a.question,
                            org: r.org,
                            survey: r.survey,
                            submitted_at: r.body.submitted_at,
                            day: r.day,
                            channel: &r.body.channel,
                            touchpoint: &r.body.touchpoint,
                            customer: r.body.customer.as_deref(),
                            score,
                            text,
                            consent: r.body.consent,
                            analysis: r.analyses.iter().find(|(q, _)| *q == a.question).map(|(_, x)| x),
                        }),
                        _ => None,
                    })
                })
                .collect();
            insert_comments!(tx, &comments, cache, backend);

            let cases: Vec<_> = fresh.iter().flat_map(|r| r.cases.iter().map(move |c| (*r, c))).collect();
            for chunk in cases.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO cases (id, org_id, rule_id, response_id, status, owner_id, due_at, created_at, updated_at, team_id) ",
                );
                qb.push_values(chunk, |mut b, (r, c)| {
                    b.push_bind(c.id.0)
                        .push_bind(r.org.0)
                        .push_bind(c.rule.0)
                        .push_bind(r.id.0)
                        .push_bind("new")
                        .push_bind(c.owner.map(|u| u.0))
                        .push_bind(c.due_at)
                        .push_bind(created)
                        .push_bind(created)
                        .push_bind(c.team.map(|t| t.0));
                });
                qb.build().persistent(cache).execute(&mut *tx).await?;
            }
            if !cases.is_empty() {
                let ids: Vec<Uuid> = cases.iter().map(|(_, c)| c.id.0).collect();
                crate::notifications::queue_notifications!(tx, polku_domain::notify::Event::Opened, &ids, created);
            }

            // Counts are summed per cell in memory first: a batch of answers from the same day shares most of
            // its week, month and total cells, so each becomes one upsert.
            let mut cells: HashMap<(OrgId, SurveyId, polku_domain::response::RollupCell<'_>), [i64; SCORE_VALUES]> =
                HashMap::new();
            for r in &fresh {
                for (cell, score) in r.rollup_cells() {
                    cells.entry((r.org, r.survey, cell)).or_default()[score as usize] += 1;
                }
            }
            let cells: Vec<_> = cells.into_iter().collect();
            for chunk in cells.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO rollup_cells (org_id, grain, dims, bucket, survey_id, question_id, channel, touchpoint, kind, \
                     s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10) ",
                );
                qb.push_values(chunk, |mut b, ((org, survey, c), counts)| {
                    b.push_bind(org.0)
                        .push_bind(c.cell.grain.code())
                        .push_bind(c.cell.dims.code())
                        .push_bind(i64::from(c.cell.bucket))
                        .push_bind(survey.0)
                        .push_bind(c.question.0)
                        .push_bind(c.cell.channel)
                        .push_bind(c.cell.touchpoint)
                        .push_bind(c.kind.as_str());
                    for n in counts {
                        b.push_bind(*n);
                    }
                });
                qb.push(
                    " ON CONFLICT (org_id, grain, dims, bucket, survey_id, question_id, channel, touchpoint) DO UPDATE SET \
                     s0 = rollup_cells.s0 + excluded.s0, s1 = rollup_cells.s1 + excluded.s1, s2 = rollup_cells.s2 + excluded.s2, s3 = rollup_cells.s3 + excluded.s3, s4 = rollup_cells.s4 + excluded.s4, s5 = rollup_cells.s5 + excluded.s5, s6 = rollup_cells.s6 + excluded.s6, s7 = rollup_cells.s7 + excluded.s7, s8 = rollup_cells.s8 + excluded.s8, s9 = rollup_cells.s9 + excluded.s9, s10 = rollup_cells.s10 + excluded.s10",
                );
                qb.build().persistent(cache).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            outcomes
        });
        Ok(outcomes)
    }

    /// The id stored under an idempotency key, if any.
    pub async fn idempotent_response(&self, org: OrgId, key: &str) -> Result<Option<ResponseId>> {
        let row: Option<(Uuid,)> = db!(self, p => sqlx::query_as("SELECT response_id FROM idempotency_keys WHERE org_id = $1 AND key = $2")
            .bind(org.0)
            .bind(key)
            .fetch_optional(p)
            .await)?;
        Ok(row.map(|(id,)| ResponseId(id)))
    }

    /// How many responses an organisation has (optionally for one survey).
    pub async fn response_count(&self, org: OrgId, survey: Option<SurveyId>) -> Result<i64> {
        let (n,): (i64,) = db!(self, p => sqlx::query_as(
            "SELECT COUNT(*) FROM responses WHERE org_id = $1 AND ($2 IS NULL OR survey_id = $2)",
        )
        .bind(org.0)
        .bind(survey.map(|s| s.0))
        .fetch_one(p)
        .await)?;
        Ok(n)
    }
}

/// One stored response with its answers, as exported.
#[derive(Clone, Debug)]
pub struct ExportedResponse {
    pub id: Uuid,
    pub submitted_at: OffsetDateTime,
    pub channel: String,
    pub touchpoint: String,
    pub locale: Option<String>,
    pub customer_ref: Option<String>,
    /// (question id, kind, score, choices as JSON text, text).
    pub answers: Vec<ExportedAnswer>,
}

/// (question id, kind, score, choices as JSON text, text).
pub type ExportedAnswer = (Uuid, String, Option<i64>, Option<String>, Option<String>);

type ExportedRow = (Uuid, OffsetDateTime, String, String, Option<String>, Option<String>);
/// (response id, question id, kind, score, choices, text).
type AnswerOfResponse = (Uuid, Uuid, String, Option<i64>, Option<String>, Option<String>);

impl Store {
    /// A page of a survey's responses in (submitted_at, id) order after the key `after`, with their answers:
    /// keyset paging, so a page costs the same at the end as at the start and no row is repeated. A row
    /// written while an export pages through is in it when its answer time is after the cursor (as new
    /// answers are); one back-dated behind the cursor (a historical import) is not, and an export taken
    /// after the import has it. Paging by storage order instead would need a fourth index on the hottest
    /// table for this rare case.
    pub async fn responses_page(
        &self,
        org: OrgId,
        survey: SurveyId,
        after: Option<(OffsetDateTime, Uuid)>,
        limit: i64,
    ) -> Result<Vec<ExportedResponse>> {
        let (at, id) = after.unwrap_or((OffsetDateTime::UNIX_EPOCH - time::Duration::days(1), Uuid::nil()));
        let rows: Vec<ExportedRow> = db!(self, p => sqlx::query_as(
            "SELECT id, submitted_at, channel, touchpoint, locale, customer_ref FROM responses
             WHERE org_id = $1 AND survey_id = $2 AND (submitted_at > $3 OR (submitted_at = $3 AND id > $4))
             ORDER BY submitted_at, id LIMIT $5",
        )
        .bind(org.0)
        .bind(survey.0)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let answers: Vec<AnswerOfResponse> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT response_id, question_id, kind, score, choices, text FROM answers WHERE org_id = ",
            );
            qb.push_bind(org.0).push(" AND response_id IN (");
            let mut list = qb.separated(", ");
            for r in &rows {
                list.push_bind(r.0);
            }
            qb.push(") ORDER BY response_id, question_id");
            qb.build_query_as().fetch_all(p).await
        })?;
        let mut by_response: HashMap<Uuid, Vec<ExportedAnswer>> = HashMap::new();
        for (r, q, kind, score, choices, text) in answers {
            by_response.entry(r).or_default().push((q, kind, score, choices, text));
        }
        Ok(rows
            .into_iter()
            .map(|(id, submitted_at, channel, touchpoint, locale, customer_ref)| ExportedResponse {
                answers: by_response.remove(&id).unwrap_or_default(),
                id,
                submitted_at,
                channel,
                touchpoint,
                locale,
                customer_ref,
            })
            .collect())
    }
}
