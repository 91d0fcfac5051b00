//! `/api/v1/contact-rules`, `/api/v1/sms-gateway` and `/api/v1/surveys/{id}/sending`: when customers may
//! be asked, the gateway text messages go through, and how a survey invites.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use polku_app::contact::{self, GatewayInput, GatewayView, SendingView};
use polku_domain::contact::ContactRules;
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("invitations")
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(get_gateway, put_gateway))
        .routes(routes!(get_sending, put_sending))
}

/// Schema-only mirror of `polku_domain::contact::ContactRules` (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ContactRulesDoc {
    /// At most one invitation per customer in this many days, across surveys, channels and reminders
    /// (0–365; 0: no limit). Default 30.
    pub days_between: u16,
    /// No sending from `from` to `to` (`HH:MM`, the organisation's time zone; across midnight when `to` is
    /// earlier): an invitation due then goes out at the next allowed minute. Default 21:00–08:00; null: any hour.
    pub quiet_hours: Option<QuietHoursDoc>,
    /// ISO weekdays with no sending (1 = Monday … 7 = Sunday); at least one day must stay open.
    pub quiet_days: Vec<u8>,
    /// Invite only customers who said yes to being contacted (else only those who said no are left out).
    pub require_consent: bool,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct QuietHoursDoc {
    pub from: String,
    pub to: String,
}

/// The organisation's contact rules (the defaults until saved).
#[utoipa::path(get, path = "/api/v1/contact-rules", security(("token" = [])),
    responses((status = 200, body = ContactRulesDoc), (status = 403, body = ErrorBody)))]
pub(super) async fn get_rules(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<ContactRules>, ApiError> {
    Ok(Json(contact::rules(&web.app, &caller).await?))
}

/// Replaces the contact rules (admins): every field is required; a bad one is 422 naming it.
#[utoipa::path(put, path = "/api/v1/contact-rules", security(("token" = [])), request_body = ContactRulesDoc,
    responses((status = 200, body = ContactRulesDoc), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_rules(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(rules): JsonBody<ContactRules>,
) -> Result<Json<ContactRules>, ApiError> {
    Ok(Json(contact::save_rules(&web.app, &caller, rules).await?))
}

/// Schema-only mirror of the gateway as shown (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct GatewayDoc {
    /// The address, with `{to}`, `{text}` and `{sender}` percent-encoded where they appear.
    pub url: String,
    /// `GET` or `POST` (default).
    pub method: String,
    /// Header names, and whether each has a value (values hold credentials and are never shown).
    #[schema(value_type = Vec<Object>)]
    pub headers: Vec<serde_json::Value>,
    /// The body template: placeholders JSON-escaped when `Content-Type` says JSON, percent-encoded when it
    /// says `application/x-www-form-urlencoded`, as they are otherwise.
    pub body: String,
    /// The sender shown: up to 11 letters and digits, or a number.
    pub sender: String,
}

/// Schema-only mirror of `GatewayInput` (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct GatewayIn {
    pub url: String,
    #[schema(nullable = false)]
    pub method: Option<String>,
    /// `[{"name", "value"?}]`: a header without a value keeps its stored value while the URL stays the same.
    #[schema(value_type = Vec<Object>)]
    pub headers: Vec<serde_json::Value>,
    #[schema(nullable = false)]
    pub body: Option<String>,
    pub sender: String,
}

/// The organisation's SMS gateway (admins); null when none is set.
#[utoipa::path(get, path = "/api/v1/sms-gateway", security(("token" = [])),
    responses((status = 200, body = Option<GatewayDoc>), (status = 403, body = ErrorBody)))]
pub(super) async fn get_gateway(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Option<GatewayView>>, ApiError> {
    Ok(Json(contact::gateway(&web.app, &caller).await?))
}

/// Sets the SMS gateway as a request template (admins), or removes it with `null`. The URL or body must
/// contain `{to}` and `{text}`; the address must be public. Numbers are sent in E.164 (`+358401234567`); a
/// gateway's 5xx or timeout is retried with back-off, a 4xx fails the message with the gateway's reply.
#[utoipa::path(put, path = "/api/v1/sms-gateway", security(("token" = [])), request_body = Option<GatewayIn>,
    responses((status = 200, body = Option<GatewayDoc>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_gateway(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<Option<GatewayInput>>,
) -> Result<Json<Option<GatewayView>>, ApiError> {
    Ok(Json(contact::save_gateway(&web.app, &caller, input).await?))
}

/// Schema-only mirror of `SendingView` (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SendingDoc {
    /// Days a personal link works (1–365; default 30).
    pub link_ttl_days: u16,
    /// The share of customers who may be asked that are invited, 0.001–1 (default 1; 0.333: about every
    /// third). Those left out are skipped as `not_sampled`.
    pub sample_rate: f64,
    /// Days after an unanswered invitation's message that its one reminder goes (1–30); null or left out:
    /// no reminder (the default). A reminder counts as a contact for the contact rules.
    pub reminder_days: Option<u16>,
}

/// How the survey invites.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/sending", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 200, body = SendingDoc), (status = 404, body = ErrorBody)))]
pub(super) async fn get_sending(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SendingView>, ApiError> {
    Ok(Json(contact::sending(&web.app, &caller, parse_id(&id)?).await?))
}

/// Sets how the survey invites (analysts and up); applies to invitations made from now on.
#[utoipa::path(put, path = "/api/v1/surveys/{id}/sending", security(("token" = [])), params(("id" = String, Path)),
    request_body = SendingDoc,
    responses((status = 200, body = SendingDoc), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_sending(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SendingView>,
) -> Result<Json<SendingView>, ApiError> {
    Ok(Json(contact::save_sending(&web.app, &caller, parse_id(&id)?, input).await?))
}
