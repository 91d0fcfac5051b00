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
    ApiRoutes::new("invitations").routes(routes!(create)).routes(routes!(funnel))
}

/// Schema-only mirror of `SendInput` for the OpenAPI document (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct InvitationsIn {
    /// The customers' external ids (1–10,000).
    pub customers: Vec<String>,
    /// `email`; `sms` is refused until an SMS gateway can be set up.
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
    /// `unknown_customer`, `unsubscribed`, `no_consent`, `no_address` or `contacted_recently` (invited in
    /// the last 30 days by any survey).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct InvitationsOut {
    /// Invitations queued in the outbox (sent at `send_at`, retried with back-off).
    pub queued: usize,
    pub skipped: Vec<SkippedOut>,
}

/// Invites customers to answer the survey by e-mail through their personal links (analysts and up):
/// 202 with how many were queued and who was skipped and why. 409 if the survey is closed; 422 naming the
/// field for a bad request or when no SMTP server is set up.
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
    let channels = invitations::funnel(&web.app, &caller, parse_id(&id)?, from, to).await?;
    Ok(Json(serde_json::json!({ "channels": channels })))
}
