//! `GET /api/v1/comments`: the feedback inbox as JSON, with the same filters and pages as the UI.

use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiCaller;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use polku_app::AppError;
use polku_app::comments::{self, InboxParams};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<Web> {
    Router::new().route("/api/v1/comments", get(list))
}

/// One open answer with its context and text analysis.
#[derive(Serialize, ToSchema)]
pub struct CommentOut {
    pub response_id: String,
    pub question_id: String,
    pub survey_id: String,
    pub text: String,
    /// RFC 3339.
    pub submitted_at: String,
    pub channel: String,
    pub touchpoint: String,
    /// The language the survey was shown in.
    pub survey_language: Option<String>,
    pub customer: Option<String>,
    /// The response's lowest score, if it has one.
    pub score: Option<i64>,
    /// The language the analysis recognised.
    pub language: Option<String>,
    /// positive, neutral or negative; null until analysed.
    pub tone: Option<String>,
    /// The text's own sentiment, −1…1.
    pub sentiment: Option<f64>,
    pub themes: Vec<ThemeOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ThemeOut {
    pub key: String,
    pub tone: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommentsOut {
    pub comments: Vec<CommentOut>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

/// Newest first, 50 per page. Filters: `survey`, `from` / `to` (YYYY-MM-DD, inclusive), `tone`
/// (`polarity`), `theme`, `channel`, `touchpoint`, `language`; `after` continues from a previous page.
#[utoipa::path(get, path = "/api/v1/comments", security(("token" = [])),
    params(("survey" = Option<String>, Query, description = "survey id"), ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD"), ("polarity" = Option<String>, Query, description = "positive, neutral or negative"),
        ("theme" = Option<String>, Query, description = "theme key, e.g. delivery"), ("channel" = Option<String>, Query), ("touchpoint" = Option<String>, Query),
        ("language" = Option<String>, Query, description = "fi, sv or en"), ("after" = Option<String>, Query, description = "`next` of the previous page")),
    responses((status = 200, body = CommentsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<CommentsOut>, ApiError> {
    let p: InboxParams = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("query", e.to_string()))?;
    let page = comments::inbox(&web.app, &caller, &p).await?;
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let comments = page
        .comments
        .into_iter()
        .map(|c| CommentOut {
            response_id: c.response_id.to_string(),
            question_id: c.question_id.to_string(),
            survey_id: c.survey_id.to_string(),
            submitted_at: c.submitted_at.format(rfc3339).unwrap_or_default(),
            text: c.text,
            channel: c.channel,
            touchpoint: c.touchpoint,
            survey_language: c.locale,
            customer: c.customer_ref,
            score: c.score,
            language: c.language,
            tone: c.polarity,
            sentiment: c.sentiment,
            themes: c.themes.into_iter().map(|(key, tone)| ThemeOut { key, tone }).collect(),
        })
        .collect();
    Ok(Json(CommentsOut { comments, next: page.next }))
}
