//! `/api/v1/connections` (shops and helpdesks, admins) and `POST /hooks/{token}`, where their webhooks
//! arrive: public, rate-limited per sender address, at most 2 MiB, authenticated by each sender's signature.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, ClientIp, JsonBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use polku_app::connections::{self, ConnectionDraft, Received};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

/// Shopify orders with many lines stay well below this.
const MAX_HOOK_BODY: usize = 2 * 1024 * 1024;

pub(super) fn router() -> ApiRoutes {
    // Shops may send larger bodies than the API's default limit allows.
    let hooks = ApiRoutes::new("connections").routes(routes!(hook)).body_limit(MAX_HOOK_BODY);
    ApiRoutes::new("connections").routes(routes!(list, create)).routes(routes!(remove)).merge(hooks)
}

const RFC3339: &time::format_description::well_known::Rfc3339 = &time::format_description::well_known::Rfc3339;

#[derive(Serialize, ToSchema)]
pub(super) struct ConnectionOut {
    pub id: String,
    /// shopify, woocommerce, zendesk or freshdesk.
    #[schema(pattern = "^(shopify|woocommerce|zendesk|freshdesk)$")]
    pub kind: String,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    /// Where the sender posts its webhooks.
    pub endpoint_url: String,
    /// Where times without an offset are read (Freshdesk).
    pub time_zone: String,
    pub created_at: String,
    /// Deliveries accepted (duplicates included) and refused.
    pub received: i64,
    pub rejected: i64,
    pub last_received_at: Option<String>,
    /// Why the last refused delivery was refused.
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// Only in the reply that created it, and only if Polku made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn out(web: &Web, c: polku_app::store::ConnectionRecord, secret: Option<String>) -> ConnectionOut {
    let fmt = |t: time::OffsetDateTime| t.format(RFC3339).unwrap_or_default();
    ConnectionOut {
        id: c.id.to_string(),
        endpoint_url: connections::endpoint_url(&web.app, &c),
        kind: c.kind,
        name: c.name,
        time_zone: c.time_zone,
        created_at: fmt(c.created_at),
        received: c.received,
        rejected: c.rejected,
        last_received_at: c.last_received_at.map(fmt),
        last_error: c.last_error,
        last_error_at: c.last_error_at.map(fmt),
        secret,
    }
}

/// The organisation's connections (admins). Secrets are never returned.
#[utoipa::path(get, path = "/api/v1/connections", security(("token" = [])),
    responses((status = 200, body = Vec<ConnectionOut>), (status = 403, body = ErrorBody)))]
pub(super) async fn list(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ConnectionOut>>, ApiError> {
    let all = connections::list(&web.app, &caller).await?;
    Ok(Json(all.into_iter().map(|c| out(&web, c, None)).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ConnectionIn {
    /// shopify, woocommerce, zendesk or freshdesk.
    pub kind: String,
    pub name: String,
    /// The sender's signing secret (Shopify: the webhook signing key; Zendesk: the webhook's signing secret),
    /// or a shared secret of your choice; empty to have Polku make one (returned once).
    #[serde(default)]
    pub secret: Option<String>,
    /// Europe/Helsinki (default), Europe/Stockholm or UTC.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Creates a connection (admins) and returns its endpoint URL.
#[utoipa::path(post, path = "/api/v1/connections", security(("token" = [])), request_body = ConnectionIn,
    responses((status = 201, body = ConnectionOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<ConnectionIn>,
) -> Result<(StatusCode, Json<ConnectionOut>), ApiError> {
    let draft =
        ConnectionDraft { kind: input.kind, name: input.name, secret: input.secret, time_zone: input.time_zone };
    let (c, secret) = connections::create(&web.app, &caller, &draft).await?;
    Ok((StatusCode::CREATED, Json(out(&web, c, secret))))
}

/// Deletes a connection (admins): its endpoint URL stops working at once.
#[utoipa::path(delete, path = "/api/v1/connections/{id}", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn remove(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    connections::delete(&web.app, &caller, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub(super) struct HookReply {
    /// stored, duplicate, ignored or pong.
    pub status: &'static str,
    /// Rows written (stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
    /// Why nothing was kept (ignored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Receives a webhook from the connection whose endpoint URL this is. 200 when stored, already received,
/// or of a topic Polku does not read; 401 when the signature or secret does not match; 422 naming the
/// sender's fields when something Polku needs is missing or malformed; 404 for an unknown URL.
#[utoipa::path(post, path = "/hooks/{token}", params(("token" = String, Path)), request_body = Object,
    responses((status = 200, body = HookReply), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn hook(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<HookReply>, ApiError> {
    if !web.hook_limiter.allow(ip) {
        return Err(polku_app::AppError::TooManyRequests.into());
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let reply = match connections::receive(&web.app, &token, &header, &body).await? {
        Received::Stored(n) => HookReply { status: "stored", rows: Some(n), reason: None },
        Received::Duplicate => HookReply { status: "duplicate", rows: None, reason: None },
        Received::Ignored(why) => HookReply { status: "ignored", rows: None, reason: Some(why) },
        Received::Ping => HookReply { status: "pong", rows: None, reason: None },
    };
    Ok(Json(reply))
}
