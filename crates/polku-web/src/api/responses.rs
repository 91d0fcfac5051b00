//! `POST /api/v1/surveys/{id}/responses`: the API side of the one validated write path.

use super::parse_id;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use polku_app::store::InsertOutcome;
use polku_domain::response::ResponseDraft;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<Web> {
    Router::new().route("/api/v1/surveys/{id}/responses", post(submit))
}

#[derive(Serialize, ToSchema)]
pub struct ResponseCreated {
    pub id: String,
}

/// Stores one response. With an `Idempotency-Key` header a retry returns the first result (same status
/// and id, plus `Idempotency-Replayed: true`) and stores nothing twice. 201 means committed to disk.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/responses", request_body = super::docs::ResponseInput, security(("token" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = ResponseCreated), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "survey closed"),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
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
