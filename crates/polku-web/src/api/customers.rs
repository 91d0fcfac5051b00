//! `/api/v1/{customers,orders,contacts,deliveries,referrals,reviews,events}:batch` and `/api/v1/events`:
//! customer data from integrations, as a JSON array or NDJSON (one object a line), up to 10,000 rows a
//! request, upserted by external id; a request with any bad row stores nothing and names every bad row and
//! field.

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use polku_app::customers::Batch;
use polku_domain::customers::MAX_BATCH;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;
use utoipa_axum::routes;

/// 10,000 rows of a few hundred bytes each.
const MAX_BATCH_BODY: usize = 16 * 1024 * 1024;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("customers")
        .routes(routes!(customers))
        .routes(routes!(orders))
        .routes(routes!(contacts))
        .routes(routes!(deliveries))
        .routes(routes!(referrals))
        .routes(routes!(reviews))
        .routes(routes!(events))
        .routes(routes!(event))
        .body_limit(MAX_BATCH_BODY)
}

#[derive(Serialize, ToSchema)]
pub(super) struct Upserted {
    /// Distinct rows written (a row naming an external id again replaces the earlier one).
    pub upserted: usize,
}

/// The rows of a JSON array or an NDJSON body, each parsed on its own so that every bad row is named.
fn rows<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<Vec<T>, ApiError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let values: Vec<(String, serde_json::Value)> = if ct.starts_with("application/x-ndjson") {
        let text =
            std::str::from_utf8(body).map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "the body is not UTF-8"))?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l)
                    .map(|v| (format!("line {}", i + 1), v))
                    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("line {}: malformed JSON: {e}", i + 1)))
            })
            .collect::<Result<_, _>>()?
    } else if ct.starts_with("application/json") {
        let list: Vec<serde_json::Value> = serde_json::from_slice(body)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("expected a JSON array of rows: {e}")))?;
        list.into_iter().enumerate().map(|(i, v)| (format!("rows[{i}]"), v)).collect()
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json or application/x-ndjson",
        ));
    };
    if values.len() > MAX_BATCH {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rows",
            format!("at most {MAX_BATCH} a request"),
        ));
    }
    let mut out = Vec::with_capacity(values.len());
    let mut errors = Vec::new();
    for (at, v) in values {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(r) => out.push(r),
            Err(e) => {
                // A missing or unknown field is reported on the row itself.
                let path = e.path().to_string();
                let field = if path == "." || path == "?" { at } else { format!("{at}.{path}") };
                errors.push(polku_domain::survey::FieldError { field, message: e.into_inner().to_string() });
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(polku_app::AppError::Invalid(polku_domain::survey::ValidationErrors(errors)).into())
    }
}

async fn upsert(web: &Web, caller: &polku_app::auth::Caller, batch: Batch) -> Result<Json<Upserted>, ApiError> {
    let n = polku_app::customers::import(&web.app, caller, &batch).await?;
    Ok(Json(Upserted { upserted: n }))
}

/// The body of a batch, read only once the caller may write customer data: a token without the right is
/// refused before up to 16 MiB are read and parsed.
async fn permitted_body(caller: &polku_app::auth::Caller, body: axum::body::Body) -> Result<Bytes, ApiError> {
    caller.require(polku_domain::role::Permission::ImportCustomerData)?;
    axum::body::to_bytes(body, MAX_BATCH_BODY).await.map_err(|e| {
        let e = e.into_inner();
        if crate::serve::stalled(e.as_ref()) {
            ApiError::new(StatusCode::REQUEST_TIMEOUT, "body: stalled; send it without pauses")
        } else if e.is::<http_body_util::LengthLimitError>() {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("body: larger than {} MiB", MAX_BATCH_BODY >> 20))
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, format!("body: could not be read ({e})"))
        }
    })
}

/// One batch endpoint per kind of row: the same handler, documented for its own rows.
macro_rules! batch_endpoint {
    ($name:ident, $path:literal, $variant:ident, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, security(("token" = [])),
            request_body(content = Vec<Object>, content_type = "application/json", description = $doc),
            responses((status = 200, body = Upserted), (status = 400, body = ErrorBody), (status = 408, body = ErrorBody),
                (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub(super) async fn $name(
            State(web): State<Web>,
            ApiCaller(caller): ApiCaller,
            headers: HeaderMap,
            body: axum::body::Body,
        ) -> Result<Json<Upserted>, ApiError> {
            let body = permitted_body(&caller, body).await?;
            upsert(&web, &caller, Batch::$variant(rows(&headers, &body)?)).await
        }
    };
}

batch_endpoint!(
    customers,
    "/api/v1/customers:batch",
    Customers,
    "Upserts customers: `[{\"external_id\", \"name\"?, \"email\"?, \"phone\"?, \"language\"? (fi|sv|en), \"consent_contact\"?, \"consent_marketing\"?, \"attributes\"?: {\"segment\": \"b2b\"}}]`. A field left out keeps what is stored."
);
batch_endpoint!(
    orders,
    "/api/v1/orders:batch",
    Orders,
    "Upserts orders: `[{\"external_id\", \"customer\", \"placed_at\" (RFC 3339), \"amount\" (number or string), \"currency\", \"items\"?, \"status\"?: placed|paid|fulfilled|refunded|cancelled}]`. A customer not stored yet is created with only its id."
);
batch_endpoint!(
    contacts,
    "/api/v1/contacts:batch",
    Contacts,
    "Upserts support contacts: `[{\"external_id\", \"customer\", \"channel\" (email, phone, chat…), \"opened_at\" (RFC 3339), \"closed_at\"?, \"reason\"?, \"touchpoint\"?, \"handling_minutes\"?, \"cost\"?, \"currency\"? (with a cost)}]`."
);
batch_endpoint!(
    deliveries,
    "/api/v1/deliveries:batch",
    Deliveries,
    "Upserts deliveries: `[{\"external_id\", \"customer\", \"order\"?, \"status\"?: shipped|delivered|failed|returned, \"shipped_at\"?, \"promised_at\"?, \"delivered_at\"? (RFC 3339; shipped_at or delivered_at required), \"carrier\"?, \"touchpoint\"? (default delivery)}]`. Delivered after the promised time counts as late."
);
batch_endpoint!(
    referrals,
    "/api/v1/referrals:batch",
    Referrals,
    "Upserts referral code redemptions: `[{\"external_id\", \"code\", \"customer\" (who redeemed), \"referrer\"? (who referred), \"order\"?, \"redeemed_at\" (RFC 3339)}]`."
);
batch_endpoint!(
    reviews,
    "/api/v1/reviews:batch",
    Reviews,
    "Upserts product reviews: `[{\"external_id\", \"customer\", \"product\"?, \"rating\" (1–5), \"photos\"? (bool), \"text\"?, \"published_at\" (RFC 3339)}]`."
);
batch_endpoint!(
    events,
    "/api/v1/events:batch",
    Events,
    "Upserts touchpoint events: `[{\"external_id\"? (without one every event is new), \"customer\", \"touchpoint\", \"occurred_at\" (RFC 3339), \"outcome\"? (a short name such as late), \"polarity\"?: positive|neutral|negative, \"attributes\"?: {…}}]`."
);

/// Records one touchpoint event: `{"external_id"?, "customer", "touchpoint", "occurred_at", "outcome"?,
/// "polarity"?, "attributes"?}` — the row of `/api/v1/events:batch`, alone.
#[utoipa::path(post, path = "/api/v1/events", security(("token" = [])), request_body = EventIn,
    responses((status = 201, body = Upserted), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn event(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(draft): JsonBody<polku_domain::activity::EventDraft>,
) -> Result<(StatusCode, Json<Upserted>), ApiError> {
    let n = polku_app::customers::record_event(&web.app, &caller, &draft).await?;
    Ok((StatusCode::CREATED, Json(Upserted { upserted: n })))
}

/// Schema-only mirror of the domain's `EventDraft` for the OpenAPI document (never built).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct EventIn {
    /// Without one, every event is new.
    #[schema(nullable = false)]
    pub external_id: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub customer: String,
    #[schema(pattern = "^[a-z0-9_.-]{1,80}$")]
    pub touchpoint: String,
    /// RFC 3339.
    #[schema(format = DateTime)]
    pub occurred_at: String,
    /// A short name such as `late`.
    #[schema(nullable = false, pattern = "^[a-z0-9_.-]{1,40}$")]
    pub outcome: Option<String>,
    #[schema(nullable = false, pattern = "^(positive|neutral|negative)$")]
    pub polarity: Option<String>,
    #[schema(nullable = false, value_type = Option<Object>)]
    pub attributes: Option<serde_json::Value>,
}
