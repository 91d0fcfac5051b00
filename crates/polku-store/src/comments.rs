//! Open answers and their stored text analysis: the feedback inbox (filtered, newest first, a page at a
//! time), reading responses back for `polku reanalyse` and replacing what was stored about them.
//!
//! Every open answer has one row in `comments` (migration 0005), written in its response's transaction
//! (`insert_responses`): the response's context (survey, time, channel, touchpoint, customer), the headline
//! score (NPS, else CSAT, else CES: `polku_domain::response::headline_score`), the customer's consent, the
//! analysis' verdict and base forms (`lemmas`, NULL until analysed) and the team's read mark. Its integer
//! `id` is the inbox's key: the API, cursors (`seconds.nanos.id`, made in `polku_app::comments`), tags and notes
//! use it. Beside it: `comment_themes` (one row per theme, with its own tone), `comment_tags`,
//! `comment_notes`, and the full-text terms (where they live per backend is `dialect::SearchTerms`).
//!
//! `Store::comments` reads a page in two steps. First the page's ids, from the index that fits the most
//! selective filter: a full-text match, a tag (`comment_tags_inbox`), a theme (`comment_themes_inbox`), else
//! `comments_inbox` = `(org, submitted_at, id, polarity, language, channel, touchpoint, score, read_at)`,
//! where every single-valued filter is tested on index entries alone, newest first, until a page is found.
//! A search first counts its matches up to `FEW_MATCHES`: fewer are read by id and sorted, more are only
//! tested along the inbox index. Then the page's rows by primary key, with text, themes, tags and note
//! counts. A re-analysis (`replace_analyses`) updates the analysis columns in place, replaces themes and
//! search terms and moves the `comment_rollups` counts from the old analysis to the new in the same
//! transaction, so tags, notes and read marks survive it.
//!
//! Invariant: every mutation names the organisation, and reads by id take only ids that an
//! organisation-checked query returned.

use crate::dialect::{self, SearchTerms};
use crate::responses::{CHUNK, CommentCell, CommentRow, add_comment_cells, comment_cells, insert_comment_extras};
use crate::{Result, Store, StoreError, db, db_ingest};
use polku_domain::response::{Answer, AnswerValue};
use polku_domain::survey::QuestionType;
use polku_domain::text::{CommentAnalysis, SearchQuery};
use polku_domain::{Locale, OrgId, QuestionId, ResponseId, SurveyId, UserId};
use std::collections::HashMap;
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
    /// The organisation's calendar day it counts on.
    pub day: i32,
    pub locale: Option<Locale>,
    pub answers: Vec<Answer>,
}

/// A fresh analysis of one response's open answers, for [`Store::replace_analyses`].
pub struct Reanalysed<'a> {
    pub response: &'a TextResponse,
    pub analyses: Vec<(QuestionId, CommentAnalysis)>,
}

/// An open answer with its response's context, its analysis and the team's triage, as the inbox lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Comment {
    /// The inbox's key for this answer.
    pub id: i64,
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
    /// The response's headline score (NPS, else CSAT, else CES) and which of them it is.
    pub score: Option<i64>,
    pub score_kind: Option<String>,
    /// The language the analysis recognised.
    pub language: Option<String>,
    /// The text analysis' verdict on the comment alone: positive, neutral or negative (none before analysis).
    pub polarity: Option<String>,
    pub sentiment: Option<f64>,
    /// When someone of the team marked it read (none: unread).
    pub read_at: Option<OffsetDateTime>,
    /// How many notes the team has written on it.
    pub notes: i64,
    /// Themes mentioned, each with its own polarity, in theme-key order.
    #[sqlx(skip)]
    pub themes: Vec<(String, String)>,
    /// The team's tags, in order.
    #[sqlx(skip)]
    pub tags: Vec<String>,
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
    /// The comment's tone; with `theme` set, the tone of what is said about that theme.
    pub polarity: Option<String>,
    pub theme: Option<String>,
    pub channel: Option<String>,
    pub touchpoint: Option<String>,
    pub language: Option<String>,
    pub customer: Option<String>,
    /// Headline score at least / at most.
    pub score_min: Option<i64>,
    pub score_max: Option<i64>,
    pub tag: Option<String>,
    pub unread: bool,
    pub search: Option<SearchQuery>,
    pub after: Option<CommentCursor>,
}

/// The position of a comment in the newest-first order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommentCursor {
    pub submitted_at: OffsetDateTime,
    pub id: i64,
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
            customer: None,
            score_min: None,
            score_max: None,
            tag: None,
            unread: false,
            search: None,
            after: None,
        }
    }
}

impl Comment {
    pub fn cursor(&self) -> CommentCursor {
        CommentCursor { submitted_at: self.submitted_at, id: self.id }
    }
}

/// A note the team wrote on a comment.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CommentNote {
    pub id: Uuid,
    pub author_id: Option<Uuid>,
    /// The author's name; none for a note written with an API token.
    pub author: Option<String>,
    pub body: String,
    pub created_at: OffsetDateTime,
}

/// Full-text matches SQLite reads by id and sorts rather than testing them along the inbox index.
const FEW_MATCHES: usize = 2000;

/// A comment as it was before a re-analysis: id, response, question, polarity, score kind, score, survey, day,
/// organisation.
type OldComment = (i64, Uuid, Uuid, Option<String>, Option<String>, Option<i64>, Uuid, i64, Uuid);

type AnswerRow = (Uuid, Uuid, OffsetDateTime, i64, Option<String>, Uuid, String, Option<i64>, Option<String>);

impl Store {
    /// Up to `limit` comments matching `f`, newest first, each with its analysis, themes and tags.
    ///
    /// The page's ids come first, from whichever index fits the most selective filter (full-text search,
    /// a tag, a theme, else the inbox index holding every single-valued filter); then the page's rows by
    /// primary key. Two steps, so that no planner joins four tables for comments it then throws away.
    pub async fn comments(&self, f: &CommentFilter, limit: i64) -> Result<Vec<Comment>> {
        let backend = self.backend();
        // Neither planner knows how many comments a search matches (PostgreSQL assumes 1 %, whatever the
        // word), so the matches are counted first, up to a bound: a rare word's few matches are read by id
        // and sorted; a common word's are only tested while the inbox index is read newest first, which
        // soon finds a page of them. Either way a page costs milliseconds; on PostgreSQL, walking the index
        // for a word no comment has took 3 s at a million comments, and on SQLite sorting every match of
        // a common word took 300 ms.
        let few: Option<Vec<i64>> = match &f.search {
            Some(q) => {
                let rows: Vec<(i64,)> = db!(self, p => {
                    let sql = dialect::search_ids(backend, FEW_MATCHES + 1);
                    sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(dialect::search_query(backend, q))
                        .bind(f.org.0)
                        .persistent(dialect::cache_search_statements(backend))
                        .fetch_all(p)
                        .await
                })?;
                (rows.len() <= FEW_MATCHES).then(|| rows.into_iter().map(|(id,)| id).collect())
            }
            None => None,
        };
        if few.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
        let ids: Vec<(i64,)> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new("SELECT c.id FROM ");
            // The driver's own date and id columns order the page, so its index is read in order. On
            // SQLite, CROSS JOIN fixes the driver as the outer loop; PostgreSQL plans from statistics.
            let (at, id) = if let Some(q) = f.search.as_ref() {
                if let Some(matches) = &few {
                    qb.push("(VALUES ");
                    let mut list = qb.separated(", ");
                    for m in matches {
                        list.push("(").push_bind_unseparated(*m).push_unseparated(")");
                    }
                    qb.push(") AS m CROSS JOIN comments c WHERE c.id = m.column1");
                } else {
                    let (open, close) = dialect::search_filter_around(backend);
                    qb.push("comments c WHERE ").push(open).push_bind(dialect::search_query(backend, q)).push(close);
                }
                ("c.submitted_at", "c.id")
            } else if let Some(tag) = f.tag.as_deref() {
                qb.push("comment_tags g CROSS JOIN comments c WHERE c.id = g.comment_id AND g.org_id = ")
                    .push_bind(f.org.0)
                    .push(" AND g.tag = ")
                    .push_bind(tag);
                ("g.submitted_at", "g.comment_id")
            } else if let Some(theme) = f.theme.as_deref() {
                qb.push("comment_themes t CROSS JOIN comments c WHERE c.id = t.comment_id AND t.org_id = ")
                    .push_bind(f.org.0)
                    .push(" AND t.theme = ")
                    .push_bind(theme);
                ("t.submitted_at", "t.comment_id")
            } else {
                qb.push("comments c WHERE 1 = 1");
                ("c.submitted_at", "c.id")
            };
            qb.push(" AND c.org_id = ").push_bind(f.org.0);
            if let Some(theme) = f.theme.as_deref() {
                let driving = f.search.is_none() && f.tag.is_none();
                if driving {
                    if let Some(v) = &f.polarity {
                        qb.push(" AND t.polarity = ").push_bind(v.as_str());
                    }
                } else {
                    qb.push(" AND EXISTS (SELECT 1 FROM comment_themes t2 WHERE t2.comment_id = c.id AND t2.theme = ")
                        .push_bind(theme);
                    if let Some(v) = &f.polarity {
                        qb.push(" AND t2.polarity = ").push_bind(v.as_str());
                    }
                    qb.push(")");
                }
            } else if let Some(v) = &f.polarity {
                qb.push(" AND c.polarity = ").push_bind(v.as_str());
            }
            if let (Some(tag), Some(_)) = (f.tag.as_deref(), f.search.as_ref()) {
                qb.push(" AND EXISTS (SELECT 1 FROM comment_tags g2 WHERE g2.comment_id = c.id AND g2.tag = ")
                    .push_bind(tag)
                    .push(")");
            }
            if let Some(s) = f.survey {
                qb.push(" AND c.survey_id = ").push_bind(s.0);
            }
            if let Some(t) = f.from {
                qb.push(" AND ").push(at).push(" >= ").push_bind(t);
            }
            if let Some(t) = f.to {
                qb.push(" AND ").push(at).push(" < ").push_bind(t);
            }
            for (column, value) in [
                ("c.language", &f.language),
                ("c.channel", &f.channel),
                ("c.touchpoint", &f.touchpoint),
                ("c.customer_ref", &f.customer),
            ] {
                if let Some(v) = value {
                    qb.push(" AND ").push(column).push(" = ").push_bind(v.as_str());
                }
            }
            if let Some(v) = f.score_min {
                qb.push(" AND c.score >= ").push_bind(v);
            }
            if let Some(v) = f.score_max {
                qb.push(" AND c.score <= ").push_bind(v);
            }
            if f.unread {
                qb.push(" AND c.read_at IS NULL");
            }
            if let Some(c) = f.after {
                qb.push(" AND (").push(at).push(" < ").push_bind(c.submitted_at);
                qb.push(" OR (").push(at).push(" = ").push_bind(c.submitted_at);
                qb.push(" AND ").push(id).push(" < ").push_bind(c.id).push("))");
            }
            qb.push(" ORDER BY ").push(at).push(" DESC, ").push(id).push(" DESC LIMIT ").push_bind(limit);
            // Kept prepared where values do not change the plan (a rare channel is read through its own
            // index only when PostgreSQL plans with the value). A list of matches makes a statement of its
            // own length, not worth keeping prepared.
            qb.build_query_as().persistent(dialect::cache_search_statements(backend) && few.is_none()).fetch_all(p).await
        })?;
        let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
        let mut comments = self.comments_by_id(&ids).await?;
        let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        comments.sort_by_key(|c| position.get(&c.id).copied());
        Ok(comments)
    }

    /// The open answers of one response of `org`, with their analysis.
    pub async fn comments_of_response(&self, org: OrgId, response: ResponseId) -> Result<Vec<Comment>> {
        let ids: Vec<(i64,)> = db!(self, p => sqlx::query_as(
            "SELECT id FROM comments WHERE response_id = $1 AND org_id = $2 ORDER BY id",
        )
        .bind(response.0)
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
        let mut comments = self.comments_by_id(&ids).await?;
        comments.sort_by_key(|c| c.id);
        Ok(comments)
    }

    /// One comment of `org`, with its themes and tags.
    pub async fn comment(&self, org: OrgId, id: i64) -> Result<Comment> {
        self.comment_exists(org, id).await?;
        self.comments_by_id(&[id]).await?.pop().ok_or(StoreError::NotFound)
    }

    /// Comments by id, in no particular order. The ids must come from an organisation-checked query: this
    /// reads by primary key only (with the organisation beside an id list, SQLite walks the organisation's
    /// index instead).
    pub(crate) async fn comments_by_id(&self, ids: &[i64]) -> Result<Vec<Comment>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut comments: Vec<Comment> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT c.id, c.response_id, c.question_id, c.survey_id, a.text, c.submitted_at, c.channel, c.touchpoint,
                        r.locale, c.customer_ref, c.score, c.score_kind, c.language, c.polarity, c.sentiment, c.read_at,
                        (SELECT COUNT(*) FROM comment_notes n WHERE n.comment_id = c.id) AS notes
                 FROM comments c
                 JOIN answers a ON a.response_id = c.response_id AND a.question_id = c.question_id
                 JOIN responses r ON r.id = c.response_id
                 WHERE c.id IN (",
            );
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(p).await
        })?;
        let index: HashMap<i64, usize> = comments.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let by_id = |_: &mut Vec<Comment>, id: i64| index.get(&id).copied();
        for (id, theme, polarity) in self
            .comment_rows::<(i64, String, String)>(
                "SELECT comment_id, theme, polarity FROM comment_themes WHERE comment_id IN (",
                ids,
                ") ORDER BY comment_id, theme",
            )
            .await?
        {
            if let Some(i) = by_id(&mut comments, id) {
                comments[i].themes.push((theme, polarity));
            }
        }
        for (id, tag) in self
            .comment_rows::<(i64, String)>(
                "SELECT comment_id, tag FROM comment_tags WHERE comment_id IN (",
                ids,
                ") ORDER BY comment_id, tag",
            )
            .await?
        {
            if let Some(i) = by_id(&mut comments, id) {
                comments[i].tags.push(tag);
            }
        }
        Ok(comments)
    }

    async fn comment_rows<T>(&self, head: &'static str, ids: &[i64], tail: &'static str) -> Result<Vec<T>>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        Ok(db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new(head);
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            qb.push(tail);
            qb.build_query_as().fetch_all(p).await
        })?)
    }

    /// Marks comments of `org` read (by `by`) or unread again; ids of other organisations are ignored.
    /// Returns how many changed.
    pub async fn mark_read(&self, org: OrgId, ids: &[i64], by: Option<UserId>, read: bool) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let at = read.then(crate::now);
        let by = by.filter(|_| read).map(|u| u.0);
        Ok(db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new("UPDATE comments SET read_at = ");
            qb.push_bind(at).push(", read_by = ").push_bind(by).push(" WHERE id IN (");
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            qb.push(") AND org_id = ").push_bind(org.0);
            qb.push(if read { " AND read_at IS NULL" } else { " AND read_at IS NOT NULL" });
            qb.build().execute(p).await.map(|r| r.rows_affected())
        })?)
    }

    /// Tags a comment of `org`; tagging twice is one tag. `NotFound` if the comment is not the organisation's.
    pub async fn add_tag(&self, org: OrgId, id: i64, tag: &str, by: Option<UserId>) -> Result<()> {
        let done = db!(self, p => sqlx::query(
            "INSERT INTO comment_tags (comment_id, tag, org_id, submitted_at, created_by, created_at)
             SELECT id, $1, org_id, submitted_at, $2, $3 FROM comments WHERE id = $4 AND org_id = $5
             ON CONFLICT (comment_id, tag) DO NOTHING",
        )
        .bind(tag)
        .bind(by.map(|u| u.0))
        .bind(crate::now())
        .bind(id)
        .bind(org.0)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if done == 0 {
            // Either the tag was there already, or the comment is not this organisation's.
            self.comment_exists(org, id).await?;
        }
        Ok(())
    }

    /// Removes a tag from a comment of `org` (nothing if it had none).
    pub async fn remove_tag(&self, org: OrgId, id: i64, tag: &str) -> Result<()> {
        self.comment_exists(org, id).await?;
        db!(self, p => sqlx::query("DELETE FROM comment_tags WHERE comment_id = $1 AND tag = $2 AND org_id = $3")
            .bind(id)
            .bind(tag)
            .bind(org.0)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The tags `org` has used, with how many comments carry each, by name.
    pub async fn comment_tags(&self, org: OrgId) -> Result<Vec<(String, i64)>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT tag, COUNT(*) FROM comment_tags WHERE org_id = $1 GROUP BY tag ORDER BY tag",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// Adds a note to a comment of `org`.
    pub async fn add_note(&self, org: OrgId, id: i64, author: Option<UserId>, body: &str) -> Result<Uuid> {
        self.comment_exists(org, id).await?;
        let note = Uuid::now_v7();
        db!(self, p => sqlx::query(
            "INSERT INTO comment_notes (id, comment_id, org_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(note)
        .bind(id)
        .bind(org.0)
        .bind(author.map(|u| u.0))
        .bind(body)
        .bind(crate::now())
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(note)
    }

    /// The notes on a comment of `org`, oldest first.
    pub async fn comment_notes(&self, org: OrgId, id: i64) -> Result<Vec<CommentNote>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT n.id, n.author_id, u.name AS author, n.body, n.created_at
             FROM comment_notes n LEFT JOIN users u ON u.id = n.author_id
             WHERE n.comment_id = $1 AND n.org_id = $2 ORDER BY n.created_at, n.id",
        )
        .bind(id)
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    async fn comment_exists(&self, org: OrgId, id: i64) -> Result<()> {
        let found: Option<(i64,)> = db!(self, p => sqlx::query_as("SELECT id FROM comments WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org.0)
            .fetch_optional(p)
            .await)?;
        found.map(|_| ()).ok_or(StoreError::NotFound)
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
                "SELECT r.id, r.survey_id, r.submitted_at, r.day, r.locale, a.question_id, a.kind, a.score, a.text
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
        for (id, survey, submitted_at, day, locale, question, kind, score, text) in rows {
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
                    day: i32::try_from(day).map_err(|_| StoreError::Corrupt(format!("day {day}")))?,
                    locale: locale.as_deref().and_then(Locale::parse),
                    answers: vec![answer],
                }),
            }
        }
        Ok(out)
    }

    /// Replaces what is stored about these responses' open answers (analysis, themes, search terms), all in
    /// one transaction; the team's tags, notes and read marks stay. The responses must all belong to one
    /// organisation (as one page of [`Store::responses_with_text`] does).
    pub async fn replace_analyses(&self, batch: &[Reanalysed<'_>]) -> Result<()> {
        let Some(first) = batch.first() else { return Ok(()) };
        let org = first.response.org;
        if batch.iter().any(|b| b.response.org != org) {
            return Err(StoreError::Corrupt("a re-analysis batch spans organisations".into()));
        }
        let rows: Vec<CommentRow<'_>> = batch
            .iter()
            .flat_map(|b| {
                b.analyses.iter().filter_map(move |(question, analysis)| {
                    let text =
                        b.response.answers.iter().find(|a| a.question == *question).and_then(|a| match &a.value {
                            AnswerValue::Text(t) => Some(t.as_str()),
                            _ => None,
                        })?;
                    Some(CommentRow {
                        response: b.response.id,
                        question: *question,
                        org,
                        survey: b.response.survey,
                        submitted_at: b.response.submitted_at,
                        day: b.response.day,
                        // Context columns are not rewritten.
                        channel: "",
                        touchpoint: "",
                        customer: None,
                        score: None,
                        text,
                        consent: Default::default(),
                        analysis: Some(analysis),
                    })
                })
            })
            .collect();
        let backend = self.backend();
        let cache = dialect::cache_batch_statements(backend);
        let response_ids: Vec<Uuid> = batch.iter().map(|b| b.response.id.0).collect();
        let new_by_key: HashMap<(Uuid, Uuid), &CommentRow<'_>> =
            rows.iter().map(|r| ((r.response.0, r.question.0), r)).collect();
        db_ingest!(self, p => {
            // The old state is read and then rewritten in one transaction, so nothing may commit in between.
            let mut tx = p.begin_with(dialect::begin_write(backend)).await?;
            // What the comments counted in `comment_rollups` before: taken out, the new analysis put in.
            let mut old: Vec<OldComment> = Vec::new();
            for chunk in response_ids.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT c.id, c.response_id, c.question_id, c.polarity, c.score_kind, c.score, c.survey_id, r.day, c.org_id
                     FROM comments c JOIN responses r ON r.id = c.response_id WHERE c.response_id IN (",
                );
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(")").push(dialect::row_lock(backend, "c"));
                old.extend(qb.build_query_as::<OldComment>().fetch_all(&mut *tx).await?);
            }
            // Checked here rather than in the query: an organisation beside the id list makes SQLite read
            // the organisation's index instead of the ids.
            if old.iter().any(|o| o.8 != org.0) {
                return Err(StoreError::Corrupt("a re-analysis batch names another organisation's comments".into()));
            }
            let mut old_themes: HashMap<i64, Vec<(String, String)>> = HashMap::new();
            let old_ids: Vec<i64> = old.iter().map(|o| o.0).collect();
            for chunk in old_ids.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new("SELECT comment_id, theme, polarity FROM comment_themes WHERE comment_id IN (");
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(")");
                for (id, theme, polarity) in qb.build_query_as::<(i64, String, String)>().fetch_all(&mut *tx).await? {
                    old_themes.entry(id).or_default().push((theme, polarity));
                }
            }
            let mut deltas: HashMap<CommentCell, i64> = HashMap::new();
            for (id, response, question, polarity, kind, score, survey, day, _) in &old {
                let themes = || old_themes.get(id).into_iter().flatten().map(|(t, p)| (t.as_str(), p.as_str()));
                let score = (kind.as_deref(), *score);
                for cell in comment_cells(org, *day, SurveyId(*survey), polarity.as_deref(), themes(), score) {
                    *deltas.entry(cell).or_default() -= 1;
                }
                let new = match new_by_key.get(&(*response, *question)).and_then(|r| r.analysis) {
                    Some(a) => {
                        let themes = a.themes.iter().map(|t| (t.key.as_str(), t.sentiment.polarity.as_str()));
                        comment_cells(org, *day, SurveyId(*survey), Some(a.sentiment.polarity.as_str()), themes, score)
                    }
                    // Not re-analysed: counted as before.
                    None => comment_cells(org, *day, SurveyId(*survey), polarity.as_deref(), themes(), score),
                };
                for cell in new {
                    *deltas.entry(cell).or_default() += 1;
                }
            }
            add_comment_cells!(tx, deltas, cache);

            let mut with_ids: Vec<(i64, &CommentRow<'_>)> = Vec::with_capacity(rows.len());
            for r in &rows {
                let a = r.analysis.expect("set above");
                let mut qb = sqlx::QueryBuilder::new("UPDATE comments SET language = ");
                qb.push_bind(a.language.map(Locale::as_str))
                    .push(", polarity = ")
                    .push_bind(a.sentiment.polarity.as_str())
                    .push(", sentiment = ")
                    .push_bind(f64::from(a.sentiment.score))
                    .push(", combined_polarity = ")
                    .push_bind(a.combined.map(|c| c.polarity.as_str()))
                    .push(", combined_score = ")
                    .push_bind(a.combined.map(|c| f64::from(c.score)))
                    .push(", skipped = ")
                    .push_bind(a.skipped.map(crate::responses::skip_reason))
                    .push(", lemmas = ")
                    .push_bind(a.lemmas.as_str());
                if dialect::search_terms(backend) == SearchTerms::Column {
                    let (open, close) = dialect::SEARCH_VALUE;
                    qb.push(", ").push(dialect::SEARCH_COLUMN).push(" = ").push(open).push_bind(r.terms()).push(close);
                }
                qb.push(" WHERE response_id = ")
                    .push_bind(r.response.0)
                    .push(" AND question_id = ")
                    .push_bind(r.question.0)
                    .push(" AND org_id = ")
                    .push_bind(org.0)
                    .push(" RETURNING id");
                let id: Option<(i64,)> = qb.build_query_as().persistent(cache).fetch_optional(&mut *tx).await?;
                if let Some((id,)) = id {
                    with_ids.push((id, r));
                }
            }
            for chunk in with_ids.chunks(CHUNK) {
                let mut tables = vec![("comment_themes", "comment_id")];
                if dialect::search_terms(backend) == SearchTerms::Table {
                    tables.push((dialect::SEARCH_TABLE, "rowid"));
                }
                for (table, key) in tables {
                    let mut qb = sqlx::QueryBuilder::new("DELETE FROM ");
                    qb.push(table).push(" WHERE ").push(key).push(" IN (");
                    let mut list = qb.separated(", ");
                    for (id, _) in chunk {
                        list.push_bind(*id);
                    }
                    qb.push(")");
                    qb.build().persistent(cache).execute(&mut *tx).await?;
                }
                insert_comment_extras!(tx, chunk, cache, backend);
            }
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
                    NewResponse { id: ResponseId::new(), org, survey, version, idempotency_key: None, day: polku_domain::calendar::day_of(body.submitted_at), body, analyses, cases: Vec::new() }
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

            // Pages follow the newest-first order without gaps or repeats.
            let page1 = store.comments(&CommentFilter::new(org), 1).await.unwrap();
            let page2 = store
                .comments(&CommentFilter { after: Some(page1[0].cursor()), ..CommentFilter::new(org) }, 5)
                .await
                .unwrap();
            assert_eq!(page2.len(), 1, "{backend}");
            assert!(page1[0].submitted_at >= page2[0].submitted_at && page1[0].id != page2[0].id, "{backend}");
            // The team's marks, which a re-analysis must keep.
            let late_id = by_text("Maalari").id;
            store.add_tag(org, late_id, "soita", None).await.unwrap();
            assert_eq!(store.mark_read(org, &[late_id], None, true).await.unwrap(), 1);
            assert!(matches!(store.add_tag(other, late_id, "x", None).await, Err(crate::StoreError::NotFound)));
            // Unanalysed, the answer is found by its words only, not yet by base forms.
            let search = |q: &str| CommentFilter { search: analyzer.search_query(q), ..CommentFilter::new(org) };
            assert_eq!(store.comments(&search("myöhässä"), 10).await.unwrap().len(), 1, "{backend}");

            let all: Vec<_> = first.iter().chain(&rest).collect();
            let batch: Vec<Reanalysed<'_>> = all
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
            assert_eq!(late.tags, ["soita"], "{backend}");
            // The comment rollups followed the new analysis (taken out and put back, not doubled).
            assert!(store.verify_comment_rollups(org).await.unwrap().is_empty(), "{backend}");
            assert!(late.read_at.is_some(), "{backend}");
            // Re-analysed, its base forms are searchable too, and the old terms are gone, not doubled.
            let stemmed = analyzer.search_query("maalarin").unwrap();
            assert_eq!(
                store
                    .comments(&CommentFilter { search: Some(stemmed), ..CommentFilter::new(org) }, 10)
                    .await
                    .unwrap()
                    .len(),
                1,
                "{backend}"
            );
            assert_eq!(store.comments(&search("myöhässä"), 10).await.unwrap().len(), 1, "{backend}");
            assert!(
                store
                    .comments(
                        &CommentFilter { search: analyzer.search_query("maalari"), ..CommentFilter::new(other) },
                        10
                    )
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }

    /// A common word (more matches than are sorted by id on SQLite) and a rare one page in the same
    /// newest-first order as the unfiltered inbox.
    #[tokio::test]
    async fn search_pages_follow_the_inbox_order() {
        let analyzer = Analyzer::new();
        for (backend, store) in crate::testing::fresh_stores().await {
            let crate::testing::Story { org, survey, version, definition: def, .. } = crate::testing::story(
                &store,
                serde_json::json!([{"key": "why", "type": "text", "text": {"fi": "Miksi?"}}]),
            )
            .await;
            let start = time::macros::datetime!(2026-01-01 00:00 UTC);
            let n = super::FEW_MATCHES + 100;
            let batch: Vec<NewResponse> = (0..n)
                .map(|i| {
                    let text = if i % 500 == 7 { format!("Harvinainen sana {i}") } else { format!("Yleinen sana {i}") };
                    let draft: ResponseDraft = serde_json::from_value(serde_json::json!({
                        "answers": [{"question": "why", "value": text}], "locale": "fi",
                        // Out of insertion order, so that ids and times disagree.
                        "submitted_at": (start + time::Duration::minutes(((i * 7919) % n) as i64)).format(&time::format_description::well_known::Rfc3339).unwrap()
                    }))
                    .unwrap();
                    let body = validate(&def, &draft, "api", start + time::Duration::days(30)).unwrap();
                    NewResponse { id: ResponseId::new(), org, survey, version, idempotency_key: None, day: polku_domain::calendar::day_of(body.submitted_at), body, analyses: Vec::new(), cases: Vec::new() }
                })
                .collect();
            store.insert_responses(&batch).await.unwrap();
            let all = store.comments(&CommentFilter::new(org), 60).await.unwrap();
            let common = CommentFilter { search: analyzer.search_query("yleinen"), ..CommentFilter::new(org) };
            let page = store.comments(&common, 60).await.unwrap();
            let expected: Vec<i64> = all.iter().filter(|c| c.text.starts_with("Yleinen")).map(|c| c.id).collect();
            assert_eq!(page.iter().map(|c| c.id).take(expected.len()).collect::<Vec<_>>(), expected, "{backend}");
            let next = CommentFilter { after: Some(page[59].cursor()), ..common };
            let more = store.comments(&next, 60).await.unwrap();
            assert!(
                more.iter()
                    .all(|c| c.cursor().submitted_at <= page[59].submitted_at && !page.iter().any(|p| p.id == c.id))
            );
            // Scripts whose words hold combining vowel signs are one term to the index as to the query (the
            // index has no positions, so a word split in two would be a refused phrase, not a search).
            let hindi: NewResponse = {
                let draft: ResponseDraft = serde_json::from_value(serde_json::json!({
                    "answers": [{"question": "why", "value": "हिंदी में टिप्पणी ⓐⓑ"}], "locale": "fi"
                }))
                .unwrap();
                let body = validate(&def, &draft, "api", start + time::Duration::days(30)).unwrap();
                let analyses = analyse_answers(&analyzer, &body.answers, body.locale);
                NewResponse {
                    id: ResponseId::new(),
                    org,
                    survey,
                    version,
                    idempotency_key: None,
                    day: polku_domain::calendar::day_of(body.submitted_at),
                    body,
                    analyses,
                    cases: Vec::new(),
                }
            };
            store.insert_responses(&[hindi]).await.unwrap();
            for q in ["हिंदी", "टिप्पणी", "ⓐⓑ"] {
                let f = CommentFilter { search: analyzer.search_query(q), ..CommentFilter::new(org) };
                assert_eq!(store.comments(&f, 5).await.unwrap().len(), 1, "{backend}: {q}");
            }
            let rare = CommentFilter { search: analyzer.search_query("harvinainen"), ..CommentFilter::new(org) };
            let rare = store.comments(&rare, 60).await.unwrap();
            assert_eq!(rare.len(), n.div_ceil(500), "{backend}");
            assert!(rare.windows(2).all(|w| w[0].submitted_at >= w[1].submitted_at), "{backend}: newest first");
        }
    }
}
