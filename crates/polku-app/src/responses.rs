//! Submitting responses: the single validated write path for the API and the public survey page.
//!
//! The flow of one answer: the web layer parses `POST /api/v1/surveys/{id}/responses` or the form at
//! `/s/{slug}` into a `ResponseDraft` (JSON errors name the field path, e.g. `answers[0].value`). `submit`
//! replays a known `Idempotency-Key`, refuses a closed survey and calls `polku_domain::response::validate`,
//! the same function for page and API. `prepare` then, on the request's own task, analyses every open
//! answer (the survey's language as hint, the headline score as rating) and checks the organisation's
//! active alert rules (`cases::rules_for`), so the response reaches the group-commit writer (`crate::writer`)
//! with its analysis and the cases it opens. The writer stores all of it in one transaction
//! (`Store::insert_responses`) and answers only after the commit. Pages that highlight theme and search
//! words re-run the analysis on the shown text, so offsets always match it.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::response::{self, NewResponse, ResponseDraft};
use polku_domain::role::Permission;
use polku_domain::{ResponseId, SurveyId};
use polku_store::{InsertOutcome, SurveyRecord, SurveyStatus};

pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// Where a response comes from, which decides the default channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Api,
    /// The public page at `/s/{slug}`.
    Page,
}

/// Validates `draft` against the survey's current version and stores it through the group-commit writer.
/// The returned outcome tells a first write from a replay of the same idempotency key.
pub async fn submit(
    app: &App,
    survey: &SurveyRecord,
    draft: &ResponseDraft,
    idempotency_key: Option<&str>,
    source: Source,
) -> AppResult<InsertOutcome> {
    if let Some(key) = idempotency_key
        && (key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || key.chars().any(char::is_control))
    {
        return Err(AppError::invalid(
            "Idempotency-Key",
            format!("must be 1–{MAX_IDEMPOTENCY_KEY} visible characters"),
        ));
    }
    if let Some(key) = idempotency_key
        && let Some(id) = app.store.idempotent_response(survey.org, key).await?
    {
        return Ok(InsertOutcome::Existing(id));
    }
    if survey.status == SurveyStatus::Closed {
        return Err(AppError::Conflict("this survey is closed and takes no more responses".into()));
    }
    let default_channel = match source {
        Source::Api => "api",
        Source::Page => "link",
    };
    let body = response::validate(&survey.definition, draft, default_channel, polku_store::now())?;
    // Prepared here, on the request's own task, so the single writer only stores the result.
    let analyzer = crate::text_models::analyzer_for(app, survey.org).await?;
    let rules = crate::cases::rules_for(app, survey.org).await?;
    let zone = app.zone(survey.org).await?;
    let new = prepare(&analyzer, &rules, polku_store::now(), survey, &zone, body, idempotency_key.map(str::to_string));
    Ok(app.writer.write(new).await?)
}

/// A validated response as stored, with its open answers analysed: every write path (requests, demo and
/// benchmark data) builds it here, so none skips the analysis.
pub fn prepare(
    analyzer: &polku_domain::text::Analyzer,
    rules: &[(polku_domain::RuleId, polku_domain::cases::Rule)],
    // When a case it makes starts its SLA: now for live answers (a back-dated import must not make cases
    // that are overdue at once), the answer's own time for the demo's history.
    cases_from: time::OffsetDateTime,
    survey: &SurveyRecord,
    zone: &polku_domain::zone::Zone,
    body: response::ValidResponse,
    idempotency_key: Option<String>,
) -> NewResponse {
    let analyses = polku_domain::text::analyse_answers(analyzer, &body.answers, body.locale);
    let cases = polku_domain::cases::cases_for(rules, &body.answers, &analyses, cases_from, zone);
    NewResponse {
        id: ResponseId::new(),
        org: survey.org,
        survey: survey.id,
        version: survey.version,
        idempotency_key,
        day: zone.day_of(body.submitted_at),
        body,
        analyses,
        cases,
    }
}

/// The API entry: checks the caller's right to submit and that the survey is theirs.
pub async fn submit_api(
    app: &App,
    caller: &Caller,
    survey: SurveyId,
    draft: &ResponseDraft,
    idempotency_key: Option<&str>,
) -> AppResult<InsertOutcome> {
    caller.require(Permission::SubmitResponses)?;
    let survey = crate::surveys::current(app, caller.org, survey).await?;
    submit(app, &survey, draft, idempotency_key, Source::Api).await
}

/// Most responses one page of the export may hold.
pub const MAX_PAGE: i64 = 1000;

/// A page of a survey's responses for export, and the cursor of the next page (`None` at the end).
pub struct ExportPage {
    pub responses: Vec<polku_store::ExportedResponse>,
    pub next: Option<String>,
    /// Question id → key, from the survey's current definition (answers to questions it no longer has
    /// are listed by id).
    pub keys: std::collections::HashMap<uuid::Uuid, String>,
}

/// The cursor after `r`: its time (Unix nanoseconds) and id, which is all a keyset page needs.
fn cursor(r: &polku_store::ExportedResponse) -> String {
    format!("{}.{}", r.submitted_at.unix_timestamp_nanos(), r.id.simple())
}

fn parse_cursor(s: &str) -> AppResult<(time::OffsetDateTime, uuid::Uuid)> {
    let bad = || AppError::invalid("after", "is not a cursor this API gave");
    let (nanos, id) = s.trim().split_once('.').ok_or_else(bad)?;
    let at = nanos
        .parse::<i128>()
        .ok()
        .and_then(|n| time::OffsetDateTime::from_unix_timestamp_nanos(n).ok())
        .ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

/// One page of a survey's responses (viewers and up) after the cursor `after`, at most `limit` (1–1000,
/// default 100). Customer references are personal data: only for roles with that right, else left out.
pub async fn export_page(
    app: &App,
    caller: &Caller,
    survey: SurveyId,
    after: Option<&str>,
    limit: Option<i64>,
) -> AppResult<ExportPage> {
    caller.require(Permission::View)?;
    let limit = limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::invalid("limit", format!("must be 1–{MAX_PAGE}")));
    }
    let after = after.filter(|a| !a.trim().is_empty()).map(parse_cursor).transpose()?;
    let record = app.store.survey(caller.org, survey).await?;
    let mut responses = app.store.responses_page(caller.org, survey, after, limit).await?;
    if !caller.role.allows(Permission::PersonalData) {
        responses.iter_mut().for_each(|r| r.customer_ref = None);
    }
    let next = (responses.len() as i64 == limit).then(|| responses.last().map(cursor)).flatten();
    let keys = record.definition.questions.iter().map(|q| (q.id.0, q.key.clone())).collect();
    Ok(ExportPage { responses, next, keys })
}
