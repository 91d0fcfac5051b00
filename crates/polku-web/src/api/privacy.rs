//! One customer: their story (`/timeline`, agents and up), finding them (`GET /api/v1/customers?q=`), and
//! privacy (GDPR), for admins: `GET /api/v1/customers/{external_id}/export`, `DELETE
//! /api/v1/customers/{external_id}` and the retention period at `/api/v1/privacy-settings`.

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("privacy")
        .routes(routes!(export))
        .routes(routes!(erase))
        .routes(routes!(settings, set_settings))
        .routes(routes!(timeline))
        .routes(routes!(search))
}

/// Everything stored about one customer (admins): the customer, orders, support contacts, deliveries,
/// referrals, reviews, events, survey answers (under their id or e-mail address) and follow-ups.
#[utoipa::path(get, path = "/api/v1/customers/{external_id}/export", security(("token" = [])),
    params(("external_id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn export(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(external_id): Path<String>,
) -> Result<Json<polku_app::store::CustomerExport>, ApiError> {
    Ok(Json(polku_app::privacy::export(&web.app, &caller, &external_id).await?))
}

#[derive(Serialize, ToSchema)]
pub(super) struct ErasedOut {
    /// Answers no longer tied to the customer (their scores still count in the figures).
    pub responses: u64,
    /// Open answers whose text was removed.
    pub texts: u64,
}

/// Erases one customer (admins): name, contact details, consents, attributes and external id; the tie to
/// their answers and those answers' texts; review texts, event attributes, follow-up addresses. Orders,
/// contacts and scores stay, anonymous, so every figure still adds up. Cannot be undone.
#[utoipa::path(delete, path = "/api/v1/customers/{external_id}", security(("token" = [])),
    params(("external_id" = String, Path)),
    responses((status = 200, body = ErasedOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn erase(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(external_id): Path<String>,
) -> Result<Json<ErasedOut>, ApiError> {
    let e = polku_app::privacy::erase(&web.app, &caller, &external_id).await?;
    Ok(Json(ErasedOut { responses: e.responses, texts: e.texts }))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PrivacySettings {
    /// Personal data older than this many months (1–240) is erased hourly; null keeps it.
    #[schema(minimum = 1, maximum = 240)]
    pub retention_months: Option<i64>,
}

/// The retention period (admins).
#[utoipa::path(get, path = "/api/v1/privacy-settings", security(("token" = [])),
    responses((status = 200, body = PrivacySettings), (status = 403, body = ErrorBody)))]
pub(super) async fn settings(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<PrivacySettings>, ApiError> {
    Ok(Json(PrivacySettings { retention_months: polku_app::privacy::retention(&web.app, &caller).await? }))
}

/// Sets the retention period (admins).
#[utoipa::path(put, path = "/api/v1/privacy-settings", security(("token" = [])), request_body = PrivacySettings,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_settings(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<PrivacySettings>,
) -> Result<StatusCode, ApiError> {
    polku_app::privacy::set_retention(&web.app, &caller, input.retention_months).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One customer's story (agents and up): every order, delivery, answer, contact, event, review and referral
/// in time order, each marked positive, neutral or negative, and the overall verdict with its basis.
#[utoipa::path(get, path = "/api/v1/customers/{external_id}/timeline", security(("token" = [])),
    params(("external_id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn timeline(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(external_id): Path<String>,
) -> Result<Json<polku_app::timeline::Story>, ApiError> {
    Ok(Json(polku_app::timeline::story(&web.app, &caller, &external_id).await?))
}

#[derive(Serialize, ToSchema)]
pub(super) struct CustomerHit {
    pub external_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Finds customers (analysts and up: personal data): `?q=` matches the start of the id or e-mail, or part of the name.
#[utoipa::path(get, path = "/api/v1/customers", security(("token" = [])), params(("q" = Option<String>, Query, description = "the start of an external id or e-mail address, or part of a name; none lists nobody")),
    responses((status = 200, body = Vec<CustomerHit>), (status = 403, body = ErrorBody)))]
pub(super) async fn search(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Json<Vec<CustomerHit>>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let q = pairs.into_iter().find(|(k, _)| k == "q").map(|(_, v)| v).unwrap_or_default();
    let hits = polku_app::timeline::search(&web.app, &caller, &q).await?;
    Ok(Json(
        hits.into_iter().map(|c| CustomerHit { external_id: c.external_id, name: c.name, email: c.email }).collect(),
    ))
}
