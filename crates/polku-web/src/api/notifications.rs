//! `/api/v1/notification-settings` and `/api/v1/notifications`: where news of cases goes (an SMTP server, a
//! webhook), a test delivery, and the outbox with its failures. Admins only.

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use polku_app::notify::{self, SettingsInput, SettingsView};
use polku_app::store::NotificationRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("notifications")
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(test))
        .routes(routes!(list))
        .routes(routes!(retry))
}

const RFC3339: &time::format_description::well_known::Rfc3339 = &time::format_description::well_known::Rfc3339;

/// The settings without secrets: `{"smtp": {"host", "port", "tls", "username", "password_set", "from"} | null,
/// "webhook": {"url", "secret_set"} | null, "locale"}`.
#[derive(Serialize, ToSchema)]
pub(super) struct SettingsOut {
    #[schema(value_type = Option<Object>)]
    pub smtp: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub webhook: Option<serde_json::Value>,
    /// Language of webhook messages (`fi`, `sv`, `en`); e-mails use each recipient's own.
    pub locale: String,
}

impl From<SettingsView> for SettingsOut {
    fn from(v: SettingsView) -> Self {
        SettingsOut {
            smtp: v.smtp.map(|s| serde_json::to_value(s).unwrap_or_default()),
            webhook: v.webhook.map(|w| serde_json::to_value(w).unwrap_or_default()),
            locale: v.locale.as_str().into(),
        }
    }
}

/// The organisation's notification settings; the SMTP password and the webhook secret are never returned.
#[utoipa::path(get, path = "/api/v1/notification-settings", security(("token" = [])),
    responses((status = 200, body = SettingsOut), (status = 403, body = ErrorBody)))]
pub(super) async fn get_settings(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<SettingsOut>, ApiError> {
    Ok(Json(notify::settings(&web.app, &caller).await?.into()))
}

/// Replaces the settings: `{"smtp": {"host", "port"?, "tls": "none"|"starttls"|"tls", "username"?, "password"?,
/// "from"} | null, "webhook": {"url", "secret"?} | null, "locale"?}`. A password or secret left out keeps the
/// stored one while the user name and host (or the URL) stay the same. The port defaults to 25, 587 or 465
/// by TLS mode. Webhook calls are signed: `X-Polku-Signature: v1=<hex HMAC-SHA256 of "{X-Polku-Timestamp}.{body}">`.
#[utoipa::path(put, path = "/api/v1/notification-settings", security(("token" = [])), request_body = SettingsIn,
    responses((status = 200, body = SettingsOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_settings(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<SettingsInput>,
) -> Result<Json<SettingsOut>, ApiError> {
    Ok(Json(notify::save_settings(&web.app, &caller, input).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TestInput {
    /// Where the test e-mail goes.
    pub to: Option<String>,
}

/// What a test did per channel: null when the channel is not set up, else `{"ok": bool, "detail": text}`.
#[derive(Serialize, ToSchema)]
pub(super) struct TestOut {
    #[schema(value_type = Option<Object>)]
    pub email: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub webhook: Option<serde_json::Value>,
}

fn outcome(r: Option<Result<String, String>>) -> Option<serde_json::Value> {
    r.map(|r| match r {
        Ok(d) => serde_json::json!({"ok": true, "detail": d}),
        Err(d) => serde_json::json!({"ok": false, "detail": d}),
    })
}

/// Sends a test e-mail to `to` and a test webhook call now, and says how each went.
#[utoipa::path(post, path = "/api/v1/notification-settings/test", security(("token" = [])), request_body = TestInput,
    responses((status = 200, body = TestOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn test(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<TestInput>,
) -> Result<Json<TestOut>, ApiError> {
    let r = notify::send_test(&web.app, &caller, input.to.as_deref()).await?;
    Ok(Json(TestOut { email: outcome(r.email), webhook: outcome(r.webhook) }))
}

#[derive(Serialize, ToSchema)]
pub(super) struct NotificationOut {
    pub id: i64,
    /// The case it is about (null for `improvement`).
    pub case_id: Option<String>,
    /// The improvement it tells a customer of (`improvement` only).
    pub improvement_id: Option<String>,
    /// The survey invitation it carries (`invitation` only).
    pub invitation_id: Option<String>,
    /// `opened`, `escalated`, `follow_up`, `improvement` or `invitation` (the last three to a customer).
    pub event: String,
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    pub recipient: String,
    /// `pending`, `sent` or `failed` (gave up after the last retry; may be retried).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    /// What the receiving server answered when it took the message (the SMTP reply, the gateway's status).
    pub reply: Option<String>,
}

impl From<NotificationRecord> for NotificationOut {
    fn from(n: NotificationRecord) -> Self {
        NotificationOut {
            id: n.id,
            case_id: n.case_id.map(|c| c.to_string()),
            improvement_id: n.improvement_id.map(|c| c.to_string()),
            invitation_id: n.invitation_id.map(|c| c.to_string()),
            event: n.event,
            channel: n.channel,
            recipient: n.recipient,
            status: n.status,
            attempts: n.attempts,
            next_attempt_at: n.next_attempt_at.format(RFC3339).unwrap_or_default(),
            last_error: n.last_error,
            created_at: n.created_at.format(RFC3339).unwrap_or_default(),
            sent_at: n.sent_at.and_then(|t| t.format(RFC3339).ok()),
            reply: n.reply,
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    status: Option<String>,
}

/// The newest 200 notifications, or those of one `status`.
#[utoipa::path(get, path = "/api/v1/notifications", security(("token" = [])),
    params(("status" = Option<String>, Query, description = "pending, sent or failed")),
    responses((status = 200, body = Vec<NotificationOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<ListQuery>,
) -> Result<Json<Vec<NotificationOut>>, ApiError> {
    let rows = notify::list(&web.app, &caller, q.status.as_deref()).await?;
    Ok(Json(rows.into_iter().map(NotificationOut::from).collect()))
}

/// Queues a failed notification again, due now.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn retry(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse().map_err(|_| polku_app::AppError::NotFound)?;
    notify::retry(&web.app, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// Schema-only mirrors of `notify::SettingsInput` for the OpenAPI document (never built).

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SettingsIn {
    /// null: no e-mail.
    pub smtp: Option<SmtpIn>,
    /// null: no webhook.
    pub webhook: Option<WebhookIn>,
    /// Language of webhook messages.
    #[schema(nullable = false, pattern = "^(fi|sv|en)$")]
    pub locale: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SmtpIn {
    #[schema(min_length = 1, max_length = 253)]
    pub host: String,
    /// Default 25, 587 or 465 by `tls`.
    #[schema(nullable = false, minimum = 1)]
    pub port: Option<u16>,
    #[schema(pattern = "^(none|starttls|tls)$")]
    pub tls: String,
    #[schema(nullable = false)]
    pub username: Option<String>,
    /// Left out: the stored one is kept while the host and user name stay the same.
    #[schema(nullable = false)]
    pub password: Option<String>,
    /// The sender, `a@b.fi` or `Name <a@b.fi>`.
    pub from: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct WebhookIn {
    /// https, or http to an address the operator allows.
    #[schema(pattern = "^https?://")]
    pub url: String,
    #[schema(nullable = false)]
    pub secret: Option<String>,
}
