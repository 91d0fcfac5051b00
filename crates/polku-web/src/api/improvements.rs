//! `/api/v1/improvements`: "you said, we did" — improvements linked to themes and touchpoints, and shipping
//! one, which tells the customers whose feedback fed it.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use polku_app::improvements::{self, Improvement, ImprovementInput};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("improvements").routes(routes!(list, create)).routes(routes!(ship))
}

const RFC3339: &time::format_description::well_known::Rfc3339 = &time::format_description::well_known::Rfc3339;

#[derive(Serialize, ToSchema)]
pub(super) struct ImprovementOut {
    pub id: String,
    /// What was done, per language.
    pub texts: BTreeMap<String, String>,
    pub themes: Vec<String>,
    pub touchpoints: Vec<String>,
    /// `planned` or `shipped`.
    pub status: String,
    pub created_at: String,
    pub shipped_at: Option<String>,
    /// Negative comments on its themes or touchpoints in the year before it shipped (or before now).
    pub feedback: usize,
    /// Of their customers, those who may be told (consented, with an e-mail address).
    pub customers: usize,
    /// Customers told when it shipped.
    pub told: i64,
}

impl From<Improvement> for ImprovementOut {
    fn from(i: Improvement) -> Self {
        ImprovementOut {
            id: i.record.id.to_string(),
            texts: i.texts.into_iter().map(|(l, t)| (l.as_str().to_string(), t)).collect(),
            themes: i.themes,
            touchpoints: i.touchpoints,
            status: i.record.status,
            created_at: i.record.created_at.format(RFC3339).unwrap_or_default(),
            shipped_at: i.record.shipped_at.and_then(|t| t.format(RFC3339).ok()),
            feedback: i.audience.comments,
            customers: i.audience.customers.len(),
            told: i.record.told,
        }
    }
}

/// The organisation's improvements, newest first.
#[utoipa::path(get, path = "/api/v1/improvements", security(("token" = [])), responses((status = 200, body = Vec<ImprovementOut>)))]
pub(super) async fn list(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ImprovementOut>>, ApiError> {
    Ok(Json(improvements::list(&web.app, &caller).await?.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub(super) struct ImprovementCreated {
    pub id: String,
}

/// Plans an improvement (admins): `{"texts": {"fi": "…", "sv": "…"}, "themes": ["invoicing"], "touchpoints":
/// ["invoice"]}` — at least one text and one theme or touchpoint.
#[utoipa::path(post, path = "/api/v1/improvements", security(("token" = [])), request_body = ImprovementIn,
    responses((status = 201, body = ImprovementCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<ImprovementInput>,
) -> Result<(StatusCode, Json<ImprovementCreated>), ApiError> {
    let id = improvements::create(&web.app, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(ImprovementCreated { id: id.to_string() })))
}

#[derive(Serialize, ToSchema)]
pub(super) struct ShippedOut {
    /// Customers told (their messages are queued in the outbox; none without an SMTP server).
    pub told: usize,
}

/// Marks an improvement shipped and tells the customers whose negative feedback on its themes or
/// touchpoints in the year before fed it, if they consented to be contacted (admins); 409 if it shipped
/// already.
#[utoipa::path(post, path = "/api/v1/improvements/{id}/ship", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 200, body = ShippedOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn ship(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ShippedOut>, ApiError> {
    let id: uuid::Uuid = parse_id(&id)?;
    Ok(Json(ShippedOut { told: improvements::ship(&web.app, &caller, id).await? }))
}

/// Schema-only mirror of `ImprovementInput` for the OpenAPI document (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct ImprovementIn {
    /// What changed, per language (at least one).
    pub texts: TextsIn,
    /// Theme keys of the taxonomy whose feedback fed it.
    #[schema(nullable = false)]
    pub themes: Option<Vec<String>>,
    /// Touchpoints whose feedback fed it.
    #[schema(nullable = false, value_type = Option<Vec<String>>)]
    pub touchpoints: Option<Vec<String>>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct TextsIn {
    #[schema(nullable = false, min_length = 1)]
    pub fi: Option<String>,
    #[schema(nullable = false, min_length = 1)]
    pub sv: Option<String>,
    #[schema(nullable = false, min_length = 1)]
    pub en: Option<String>,
}
