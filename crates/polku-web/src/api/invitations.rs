//! `/api/v1/surveys/{id}/invitations`: invite customers to answer through their personal links.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, ApiQuery, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use polku_app::invitations::{self, SendInput};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("invitations").routes(routes!(create, log)).routes(routes!(funnel)).routes(routes!(
        list_triggers,
        create_trigger,
        delete_trigger
    ))
}

/// Schema-only mirror of `SendInput` for the OpenAPI document (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct InvitationsIn {
    /// The customers' external ids (1–10,000), or leave out and give a `segment`.
    #[schema(nullable = false)]
    pub customers: Option<Vec<String>>,
    /// Every customer who matches, instead of a list (at most 50,000): `{"language"?: "fi"|"sv"|"en",
    /// "attributes"?: {"tier": "gold"}, "last_order_after"?: "YYYY-MM-DD", "last_order_before"?,
    /// "nps_group"?: "promoter"|"passive"|"detractor"|"none", "loyal"?: true}`; every condition must
    /// hold, `{}` is everyone. Bad conditions are 422 naming `segment.<field>`.
    #[schema(value_type = Option<Object>, nullable = false)]
    pub segment: Option<serde_json::Value>,
    /// `email` or `sms` (through the SMS gateway, to the customer's number in E.164).
    pub channel: String,
    /// When to send (RFC 3339); now when left out, and never before now.
    #[schema(nullable = false)]
    pub send_at: Option<String>,
    /// Set on the answers the invitations produce.
    #[schema(nullable = false)]
    pub touchpoint: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SkippedOut {
    pub customer: String,
    /// `unknown_customer`, `unsubscribed`, `no_consent` (none given where the contact rules require it,
    /// or refused), `no_address`, `contacted_recently` (invited within the contact rules' `days_between` by
    /// any survey or channel) or `not_sampled` (outside the survey's `sample_rate`).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct InvitationsOut {
    /// Invitations queued in the outbox (sent at `send_at`, retried with back-off).
    pub queued: usize,
    pub skipped: Vec<SkippedOut>,
}

/// Invites customers to answer the survey by e-mail or text message through their personal links (analysts
/// and up): 202 with how many were queued and who was skipped and why (each skip is also recorded). The
/// messages go out at `send_at`, moved past the contact rules' quiet hours and days. 409 if the survey is
/// closed; 422 naming the field for a bad request, a customer whose address or number is not valid
/// (`customers[i]`; nothing is queued), or when no SMTP server or SMS gateway is set up.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/invitations", security(("token" = [])), params(("id" = String, Path)),
    request_body = InvitationsIn,
    responses((status = 202, body = InvitationsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SendInput>,
) -> Result<(StatusCode, Json<InvitationsOut>), ApiError> {
    let sent = invitations::send(&web.app, &caller, parse_id(&id)?, &input).await?;
    let skipped = sent
        .skipped
        .into_iter()
        .map(|s| SkippedOut {
            customer: s.customer,
            reason: serde_json::to_value(s.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        })
        .collect();
    Ok((StatusCode::ACCEPTED, Json(InvitationsOut { queued: sent.queued, skipped })))
}

/// The send log: `{"invitations": [{"id", "customer", "channel", "touchpoint", "status", "attempts",
/// "created_at", "sent_at", "opened_at", "answered_at", "reply", "error"}], "skipped": [{"customer",
/// "channel", "reason", "created_at"}]}`, newest first, 500 of each at most. `status` is where an
/// invitation has got to: `queued`, `sent` (with the SMTP server's or gateway's `reply`), `failed` (with
/// the `error`; permanent refusals are not retried), `cancelled`, `opened` or `answered`.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/invitations", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn log(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (invitations, skipped) = invitations::log(&web.app, &caller, parse_id(&id)?).await?;
    Ok(Json(serde_json::json!({ "invitations": invitations, "skipped": skipped })))
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct FunnelParams {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct FunnelOut {
    pub channels: Vec<FunnelChannel>,
}

/// Schema-only mirror of `polku_domain::invite::Funnel` (never built).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub(super) struct FunnelChannel {
    pub channel: String,
    /// Invitations made in the period.
    pub invited: u64,
    /// Their messages sent, and failed for good.
    pub sent: u64,
    pub failed: u64,
    /// Personal links opened (the page loaded; no tracking pixel), and started (the same).
    pub opened: u64,
    pub started: u64,
    /// Answers given through the channel in the period, with or without an invitation.
    pub completed: u64,
    /// Invitations answered of those invited; null without invitations.
    pub response_rate: Option<f64>,
    /// Its Wilson 95 % interval.
    pub response_rate_ci95: Option<[f64; 2]>,
}

/// The response funnel per channel for the days `from`..`to` (inclusive, the organisation's time zone;
/// the last 30 days by default).
#[utoipa::path(get, path = "/api/v1/surveys/{id}/funnel", security(("token" = [])),
    params(("id" = String, Path), ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"),
           ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD")),
    responses((status = 200, body = FunnelOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn funnel(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<FunnelParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let from = super::metrics::parse_date("from", p.from.as_deref())?;
    let to = super::metrics::parse_date("to", p.to.as_deref())?;
    let channels = invitations::funnel(&web.app, &caller, Some(parse_id(&id)?), from, to).await?;
    Ok(Json(serde_json::json!({ "channels": channels })))
}

/// Schema-only mirror of `TriggerInput` (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct TriggerIn {
    /// `order_fulfilled` (the order's status became fulfilled), `delivery_delivered`, `contact_closed` or
    /// `touchpoint_event`.
    pub event: String,
    /// Hours after the event (0–2160): 72 for "3 days after".
    pub delay_hours: u32,
    /// For `touchpoint_event`, the touchpoint whose events it follows (required, and named by an event or
    /// support contact already); else the touchpoint set on the answers (default `purchase`, `delivery` or
    /// `customer-service`).
    #[schema(nullable = false)]
    pub touchpoint: Option<String>,
}

/// Schema-only mirror of `TriggerView` (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct TriggerOut {
    pub id: String,
    pub event: String,
    pub delay_hours: i64,
    pub touchpoint: String,
    pub created_at: String,
}

/// The survey's triggers.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/triggers", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Vec<TriggerOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn list_triggers(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<polku_app::triggers::TriggerView>>, ApiError> {
    Ok(Json(polku_app::triggers::list(&web.app, &caller, parse_id(&id)?).await?))
}

/// Adds a trigger (analysts and up): for each matching row that arrives from now on — by batch API, CSV or
/// webhook — one invitation is made `delay_hours` after its event, by the customer's preferred channel
/// (e-mail, else SMS), under the contact rules; never twice for the same row; an order cancelled or
/// refunded before its message goes out cancels the message. Bad input is 422 naming the field.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/triggers", security(("token" = [])), params(("id" = String, Path)),
    request_body = TriggerIn,
    responses((status = 201, body = TriggerOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub(super) async fn create_trigger(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<polku_app::triggers::TriggerInput>,
) -> Result<(StatusCode, Json<polku_app::triggers::TriggerView>), ApiError> {
    let made = polku_app::triggers::create(&web.app, &caller, parse_id(&id)?, &input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeleteTrigger {
    trigger: Option<String>,
}

/// Removes the trigger `?trigger=ID`; the invitations it made stay.
#[utoipa::path(delete, path = "/api/v1/surveys/{id}/triggers", security(("token" = [])),
    params(("id" = String, Path), ("trigger" = String, Query, description = "the trigger's id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub(super) async fn delete_trigger(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DeleteTrigger>,
) -> Result<StatusCode, ApiError> {
    let survey = parse_id(&id)?;
    let trigger = q
        .trigger
        .ok_or_else(|| polku_app::AppError::invalid("trigger", "is required: the id of the trigger to remove"))?;
    let trigger = trigger.parse().map_err(|_| polku_app::AppError::invalid("trigger", "must be a trigger's id"))?;
    polku_app::triggers::delete(&web.app, &caller, survey, trigger).await?;
    Ok(StatusCode::NO_CONTENT)
}
