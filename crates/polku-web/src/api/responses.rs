//! `POST /api/v1/surveys/{id}/responses`: the API side of the one validated write path.

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
    ApiRoutes::new("responses").routes(routes!(submit))
}

#[derive(Serialize, ToSchema)]
pub(super) struct ResponseCreated {
    pub id: String,
}

/// Stores one response. With an `Idempotency-Key` header a retry returns the first result (same status
/// and id, plus `Idempotency-Replayed: true`) and stores nothing twice. 201 means committed to disk.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/responses", request_body = ResponseInput, security(("token" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
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
    pub consent: Option<ConsentInput>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ConsentInput {
    /// The comment may be shown to the staff (the praise wall).
    pub share_internally: Option<bool>,
    /// The customer may be contacted about their feedback ("you said, we did").
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
