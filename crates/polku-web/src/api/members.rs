//! `/api/v1/members`: the organisation's members, invitations by e-mail, role changes and removal (admins;
//! admins and owners are changed by owners only). The rules and flows are `polku_app::members`.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use polku_app::{members, orgs};
use polku_domain::Locale;
use polku_domain::role::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("members").routes(routes!(list)).routes(routes!(invite)).routes(routes!(update, remove))
}

#[derive(Serialize, ToSchema)]
pub(super) struct MemberOut {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// owner, admin, analyst, agent or viewer.
    pub role: String,
}

/// The organisation's members.
#[utoipa::path(get, path = "/api/v1/members", security(("token" = [])),
    responses((status = 200, body = [MemberOut]), (status = 403, body = ErrorBody)))]
pub(super) async fn list(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<MemberOut>>, ApiError> {
    let members = orgs::members(&web.app, &caller).await?;
    Ok(Json(
        members
            .into_iter()
            .map(|m| MemberOut { user_id: m.user_id.to_string(), email: m.email, name: m.name, role: m.role })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct InviteIn {
    pub email: String,
    /// admin and owner only by an owner.
    #[schema(value_type = String, pattern = "^(owner|admin|analyst|agent|viewer)$")]
    pub role: Role,
    /// The invitation's language for a new person (`fi`, `sv`, `en`; default `fi`); someone with an account
    /// gets it in their own.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^(fi|sv|en)$")]
    pub locale: Option<Locale>,
}

/// Invites an address by e-mail (the organisation's SMTP server): a single-use link valid for 72 hours. The
/// answer is the same whether or not the address has an account; someone who has one accepts with it.
#[utoipa::path(post, path = "/api/v1/members/invitations", security(("token" = [])), request_body = InviteIn,
    responses((status = 202), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn invite(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<InviteIn>,
) -> Result<StatusCode, ApiError> {
    members::invite(&web.app, &caller, &input.email, input.role, input.locale.unwrap_or_default()).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateIn {
    #[schema(value_type = String, pattern = "^(owner|admin|analyst|agent|viewer)$")]
    pub role: Role,
}

/// Changes a member's role; the tokens they created above the new role are revoked at once.
#[utoipa::path(patch, path = "/api/v1/members/{user_id}", security(("token" = [])), request_body = UpdateIn,
    params(("user_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn update(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(user_id): Path<String>,
    JsonBody(input): JsonBody<UpdateIn>,
) -> Result<StatusCode, ApiError> {
    members::set_role(&web.app, &caller, parse_id(&user_id)?, input.role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a member: their sessions here and the tokens they created stop at once. The last owner stays.
#[utoipa::path(delete, path = "/api/v1/members/{user_id}", security(("token" = [])),
    params(("user_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn remove(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    members::remove(&web.app, &caller, parse_id(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
