//! `/api/v1/organisation`: the caller's organisation, and its time zone (admins change it; the stored days
//! and rollups are then recounted in the background, see `polku_store::zones`).

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::State;
use polku_app::orgs;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("organisation").routes(routes!(get_organisation, put_organisation))
}

#[derive(Serialize, ToSchema)]
pub(super) struct OrganisationOut {
    pub name: String,
    /// IANA time zone name: the calendar of days, weeks and months in rollups, dashboards and exports.
    pub time_zone: String,
}

/// The caller's organisation.
#[utoipa::path(get, path = "/api/v1/organisation", security(("token" = [])),
    responses((status = 200, body = OrganisationOut), (status = 401, body = ErrorBody)))]
pub(super) async fn get_organisation(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<OrganisationOut>, ApiError> {
    let o = orgs::settings(&web.app, &caller).await?;
    Ok(Json(OrganisationOut { name: o.name, time_zone: o.time_zone }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct OrganisationIn {
    /// An IANA time zone name, e.g. `Europe/Helsinki`.
    #[schema(pattern = "^(UTC|[A-Z][A-Za-z_]+(/[A-Z][A-Za-z_+-]+){1,2})$", example = "Europe/Helsinki")]
    pub time_zone: String,
}

/// Changes the time zone (admins). Stored days and rollups are recounted in the background within a minute.
#[utoipa::path(put, path = "/api/v1/organisation", security(("token" = [])), request_body = OrganisationIn,
    responses((status = 200, body = OrganisationOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_organisation(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<OrganisationIn>,
) -> Result<Json<OrganisationOut>, ApiError> {
    orgs::set_time_zone(&web.app, &caller, &input.time_zone).await?;
    let o = orgs::settings(&web.app, &caller).await?;
    Ok(Json(OrganisationOut { name: o.name, time_zone: o.time_zone }))
}
