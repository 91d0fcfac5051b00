//! `POST /api/v1/surveys/{id}/responses`: the API side of the one validated write path; and
//! `GET` on the same path, every response out again: a page of JSON with keyset paging (`after`, `limit`),
//! or all of them streamed as NDJSON or CSV (`format`), read page by page so memory stays flat. Times are
//! written with the organisation's offset, customer references only for roles with personal data.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use polku_app::store::InsertOutcome;
use polku_domain::response::ResponseDraft;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    // (The survey page's download links use `export_response` too.)
    ApiRoutes::new("responses").routes(routes!(submit, export))
}

#[derive(Serialize, ToSchema)]
pub(super) struct ResponseCreated {
    pub id: String,
}

/// Stores one response. With an `Idempotency-Key` header a retry returns the first result (same status
/// and id, plus `Idempotency-Replayed: true`) and stores nothing twice. 201 means committed to disk.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/responses", request_body = ResponseInput, security(("token" = [])),
    params(("id" = String, Path, description = "survey id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = ResponseCreated), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "survey closed"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn submit(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(draft): JsonBody<ResponseDraft>,
) -> Result<Response, ApiError> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "Idempotency-Key", "must be visible ASCII characters")
        })?),
    };
    let outcome = polku_app::responses::submit_api(&web.app, &caller, parse_id(&id)?, &draft, key).await?;
    let mut res = (StatusCode::CREATED, Json(ResponseCreated { id: outcome.id().to_string() })).into_response();
    if matches!(outcome, InsertOutcome::Existing(_)) {
        res.headers_mut().insert("idempotency-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}

// Schema-only mirrors of the domain's response input (`ResponseDraft`), so that the OpenAPI document can
// describe it without the domain and app crates depending on utoipa. They are never built.

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ResponseInput {
    pub answers: Vec<AnswerInput>,
    /// e.g. `email`, `sms`, `kiosk`; default `api`.
    pub channel: Option<String>,
    /// The journey touchpoint, e.g. `delivery`.
    pub touchpoint: Option<String>,
    /// RFC 3339; default: time of receipt.
    pub submitted_at: Option<String>,
    /// `fi`, `sv` or `en`.
    pub locale: Option<String>,
    /// Your own id of the customer who answered.
    pub customer: Option<String>,
    /// What the customer allowed; both false unless given.
    #[schema(nullable = false)]
    pub consent: Option<ConsentInput>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ConsentInput {
    /// The comment may be shown to the staff (the praise wall).
    #[schema(nullable = false)]
    pub share_internally: Option<bool>,
    /// The customer may be contacted about their feedback ("you said, we did").
    #[schema(nullable = false)]
    pub contact: Option<bool>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct AnswerInput {
    /// Question id (or key).
    pub question: String,
    /// A whole number for scores, an option key or a list of them for choices, a string for text.
    pub value: serde_json::Value,
}

/// `after`, `limit`, `format`: text, so that a bad value is named by its field.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// The cursor `next` of the previous page.
    pub(crate) after: Option<String>,
    /// Responses per page, 1–1000 (default 100; JSON only).
    pub(crate) limit: Option<String>,
    /// `json` (a page, default), `ndjson` or `csv` (every response, streamed).
    pub(crate) format: Option<String>,
}

/// Responses per page when streaming.
const STREAM_PAGE: i64 = 500;

fn answer_value(kind: &str, score: Option<i64>, choices: Option<&str>, text: Option<&str>) -> serde_json::Value {
    match (score, choices, text) {
        (Some(s), _, _) => serde_json::json!(s),
        (None, Some(c), _) => serde_json::from_str(c).unwrap_or_else(|_| serde_json::json!(c)),
        (None, None, Some(t)) => serde_json::json!(t),
        _ => {
            let _ = kind;
            serde_json::Value::Null
        }
    }
}

fn response_json(
    r: &polku_app::store::ExportedResponse,
    keys: &std::collections::HashMap<uuid::Uuid, String>,
    zone: &polku_domain::zone::Zone,
) -> serde_json::Value {
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let answers: Vec<serde_json::Value> = r
        .answers
        .iter()
        .map(|(q, kind, score, choices, text)| {
            serde_json::json!({
                "question": keys.get(q).cloned().unwrap_or_else(|| q.to_string()),
                "question_id": q.to_string(),
                "type": kind,
                "value": answer_value(kind, *score, choices.as_deref(), text.as_deref()),
            })
        })
        .collect();
    serde_json::json!({
        "id": r.id.to_string(),
        "submitted_at": zone.local(r.submitted_at).format(rfc3339).unwrap_or_default(),
        "channel": r.channel,
        "touchpoint": r.touchpoint,
        "language": r.locale,
        "customer": r.customer_ref,
        "answers": answers,
    })
}

/// The CSV lines of a page: the columns are the current questions' keys (`header` writes their names first).
fn csv_lines(
    page: &[polku_app::store::ExportedResponse],
    columns: &[(uuid::Uuid, String)],
    zone: &polku_domain::zone::Zone,
    header: bool,
) -> anyhow::Result<Vec<u8>> {
    let mut w = crate::csv_out::CsvOut::default();
    if header {
        let mut names = vec!["response_id", "submitted_at", "channel", "touchpoint", "language", "customer"]
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        names.extend(columns.iter().map(|(_, k)| k.clone()));
        w.record(names)?;
    }
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    for r in page {
        let mut row = vec![
            r.id.to_string(),
            zone.local(r.submitted_at).format(rfc3339)?,
            r.channel.clone(),
            r.touchpoint.clone(),
            r.locale.clone().unwrap_or_default(),
            r.customer_ref.clone().unwrap_or_default(),
        ];
        for (q, _) in columns {
            let cell = r.answers.iter().find(|a| a.0 == *q).map(|(_, kind, score, choices, text)| {
                match answer_value(kind, *score, choices.as_deref(), text.as_deref()) {
                    serde_json::Value::Array(v) => v
                        .iter()
                        .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(";"),
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                }
            });
            row.push(cell.unwrap_or_default());
        }
        w.record(row)?;
    }
    w.finish()
}

/// A survey's responses: a page of JSON (`{"responses": [...], "next": cursor | null}`, keyset paging in
/// submission order), or with `format=ndjson` / `format=csv` every response, streamed.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/responses", security(("token" = [])),
    params(("id" = String, Path), ExportQuery),
    responses((status = 200, description = "A JSON page, or with `format` every response as NDJSON or CSV",
        content((Object = "application/json"), (String = "application/x-ndjson"), (String = "text/csv"))),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn export(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    export_response(&web, caller, parse_id(&id)?, q).await
}

/// The export's answer for `caller` (the API's and the survey page's download links).
pub(crate) async fn export_response(
    web: &Web,
    caller: polku_app::auth::Caller,
    survey: polku_domain::SurveyId,
    q: ExportQuery,
) -> Result<Response, ApiError> {
    use polku_app::AppError;
    let limit = q
        .limit
        .as_deref()
        .map(|l| l.trim().parse::<i64>().map_err(|_| AppError::invalid("limit", "must be a whole number")))
        .transpose()?;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "ndjson" | "csv") {
        return Err(AppError::invalid("format", "must be json, ndjson or csv").into());
    }
    let zone = web.app.zone(caller.org).await?;
    let page_size = if format == "json" { limit } else { Some(STREAM_PAGE) };
    let first = polku_app::responses::export_page(&web.app, &caller, survey, q.after.as_deref(), page_size).await?;
    if format == "json" {
        let responses: Vec<serde_json::Value> =
            first.responses.iter().map(|r| response_json(r, &first.keys, &zone)).collect();
        return Ok(Json(serde_json::json!({"responses": responses, "next": first.next})).into_response());
    }
    // Streamed: the first page is already read (so a bad cursor or another organisation's survey is a 4xx,
    // not a broken stream); the rest follow page by page.
    let csv = format == "csv";
    let columns: Vec<(uuid::Uuid, String)> = {
        let record = polku_app::surveys::get(&web.app, &caller, survey).await?;
        record.definition.questions.iter().map(|q| (q.id.0, q.key.clone())).collect()
    };
    let render = move |page: &polku_app::responses::ExportPage, header: bool| -> Result<Vec<u8>, std::io::Error> {
        if csv {
            csv_lines(&page.responses, &columns, &zone, header).map_err(std::io::Error::other)
        } else {
            let mut out = Vec::new();
            for r in &page.responses {
                serde_json::to_writer(&mut out, &response_json(r, &page.keys, &zone)).map_err(std::io::Error::other)?;
                out.push(b'\n');
            }
            Ok(out)
        }
    };
    let app = web.app.clone();
    let state = (Some(first), true, app, caller, survey, render);
    let stream = futures_util::stream::unfold(state, |(page, header, app, caller, survey, render)| async move {
        let page = page?;
        let chunk = render(&page, header);
        let next = match &page.next {
            Some(cursor) => {
                match polku_app::responses::export_page(&app, &caller, survey, Some(cursor), Some(STREAM_PAGE)).await {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::warn!(error = %e, "an export stream stopped");
                        return Some((
                            Err(std::io::Error::other(e.to_string())),
                            (None, false, app, caller, survey, render),
                        ));
                    }
                }
            }
            None => None,
        };
        Some((chunk, (next, false, app, caller, survey, render)))
    });
    let (content_type, file) =
        if csv { ("text/csv; charset=utf-8", "responses.csv") } else { ("application/x-ndjson", "responses.ndjson") };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}
