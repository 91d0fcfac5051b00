//! `/api/v1/panel`: the customer panel, its members and its studies.

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use polku_app::panel::{self, StudyInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("invitations")
        .routes(routes!(list))
        .routes(routes!(join))
        .routes(routes!(leave))
        .routes(routes!(study))
}

#[derive(Serialize, ToSchema)]
pub(super) struct PanelMemberOut {
    pub customer: String,
    /// How they joined: `api`, `csv` or `survey`.
    pub source: String,
    pub joined_at: String,
    /// Studies they were invited to, and answered.
    pub invited: i64,
    pub answered: i64,
}

#[derive(Serialize, ToSchema)]
pub(super) struct PanelOut {
    /// Current members.
    pub count: i64,
    /// The newest 500, with their participation.
    pub members: Vec<PanelMemberOut>,
}

/// The panel (analysts and up: it names people).
#[utoipa::path(get, path = "/api/v1/panel", security(("token" = [])),
    responses((status = 200, body = PanelOut), (status = 403, body = ErrorBody)))]
pub(super) async fn list(State(web): State<Web>, ApiCaller(caller): ApiCaller) -> Result<Json<PanelOut>, ApiError> {
    let (count, members) = panel::list(&web.app, &caller).await?;
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let members = members
        .into_iter()
        .map(|m| PanelMemberOut {
            customer: m.customer,
            source: m.source,
            joined_at: m.joined_at.format(rfc3339).unwrap_or_default(),
            invited: m.invited,
            answered: m.answered,
        })
        .collect();
    Ok(Json(PanelOut { count, members }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PanelJoinIn {
    /// Customers' external ids (1–10,000) who agreed to join.
    pub customers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct PanelJoinOut {
    /// Customers who joined (or joined again); members already in are not counted.
    pub added: usize,
    /// Ids that name no customer.
    pub unknown: Vec<String>,
}

/// Adds customers who agreed to join the panel (analysts and up).
#[utoipa::path(post, path = "/api/v1/panel/members", security(("token" = [])), request_body = PanelJoinIn,
    responses((status = 200, body = PanelJoinOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn join(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<PanelJoinIn>,
) -> Result<Json<PanelJoinOut>, ApiError> {
    let (added, unknown) = panel::join(&web.app, &caller, &input.customers, "api").await?;
    Ok(Json(PanelJoinOut { added, unknown }))
}

/// Takes a customer out of the panel; 404 if they are not in it.
#[utoipa::path(delete, path = "/api/v1/panel/members/{customer}", security(("token" = [])),
    params(("customer" = String, Path, description = "the customer's external id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn leave(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(customer): Path<String>,
) -> Result<StatusCode, ApiError> {
    panel::leave(&web.app, &caller, &customer).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Schema-only mirror of `StudyInput` (never built).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct PanelStudyIn {
    /// The survey's id.
    pub survey: String,
    /// `email` or `sms`.
    pub channel: String,
    /// How many members to ask (1–50,000); the whole panel when left out.
    #[schema(nullable = false)]
    pub sample: Option<usize>,
    /// An attribute whose groups keep their share of the panel in the sample (e.g. `region`).
    #[schema(nullable = false)]
    pub stratify_by: Option<String>,
    #[schema(nullable = false)]
    pub send_at: Option<String>,
    #[schema(nullable = false)]
    pub touchpoint: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct PanelStudyOut {
    pub study: String,
    /// Members drawn.
    pub members: usize,
    /// Invitations queued, and who was skipped and why (the contact rules apply to studies too).
    pub queued: usize,
    #[schema(value_type = Vec<Object>)]
    pub skipped: Vec<serde_json::Value>,
}

/// Sends a study to the panel, or to a random sample of `sample` members stratified by `stratify_by`
/// (analysts and up): 202. Each message also carries a one-click link to leave the panel.
#[utoipa::path(post, path = "/api/v1/panel/studies", security(("token" = [])), request_body = PanelStudyIn,
    responses((status = 202, body = PanelStudyOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub(super) async fn study(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<StudyInput>,
) -> Result<(StatusCode, Json<PanelStudyOut>), ApiError> {
    let s = panel::study(&web.app, &caller, &input).await?;
    let skipped =
        s.skipped.into_iter().map(|k| serde_json::json!({"customer": k.customer, "reason": k.reason})).collect();
    Ok((
        StatusCode::ACCEPTED,
        Json(PanelStudyOut { study: s.study.to_string(), members: s.members, queued: s.queued, skipped }),
    ))
}
