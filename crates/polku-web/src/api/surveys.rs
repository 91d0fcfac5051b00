//! `/api/v1/surveys`: create, list, read, change (versioned), open and close.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use polku_app::store::{SurveyRecord, SurveyStatus};
use polku_app::surveys;
use polku_domain::survey::{Question, SurveyDraft};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("surveys")
        .routes(routes!(create, list))
        .routes(routes!(get_one, update))
        .routes(routes!(close))
        .routes(routes!(open))
}

#[derive(Serialize, ToSchema)]
pub(super) struct QuestionRef {
    pub id: String,
    pub key: String,
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SurveyCreated {
    pub id: String,
    pub slug: String,
    pub version: i64,
    /// Whether saving started a new version (the previous one has answers).
    pub new_version: bool,
    pub questions: Vec<QuestionRef>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SurveyOut {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub version: i64,
    pub version_id: String,
    pub locales: Vec<String>,
    /// The full current definition, with question ids.
    #[schema(value_type = Vec<Object>)]
    pub questions: Vec<Question>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SurveyListItem {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub version: i64,
}

fn created(r: &SurveyRecord, new_version: bool) -> SurveyCreated {
    SurveyCreated {
        id: r.id.to_string(),
        slug: r.slug.clone(),
        version: r.version_number,
        new_version,
        questions: r
            .definition
            .questions
            .iter()
            .map(|q| QuestionRef { id: q.id.to_string(), key: q.key.clone(), kind: q.kind.as_str().into() })
            .collect(),
    }
}

#[utoipa::path(post, path = "/api/v1/surveys", request_body = SurveyInput, security(("token" = [])),
    responses((status = 201, body = SurveyCreated), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn create(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(draft): JsonBody<SurveyDraft>,
) -> Result<(StatusCode, Json<SurveyCreated>), ApiError> {
    let r = surveys::create(&web.app, &caller, &draft).await?;
    Ok((StatusCode::CREATED, Json(created(&r, false))))
}

#[utoipa::path(get, path = "/api/v1/surveys", security(("token" = [])), responses((status = 200, body = Vec<SurveyListItem>)))]
pub(super) async fn list(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<SurveyListItem>>, ApiError> {
    let list = surveys::list(&web.app, &caller).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| SurveyListItem {
                id: s.id.to_string(),
                slug: s.slug,
                name: s.name,
                status: s.status.as_str().into(),
                version: s.version_number,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}", security(("token" = [])), params(("id" = String, Path, description = "survey id")),
    responses((status = 200, body = SurveyOut), (status = 404, body = ErrorBody)))]
pub(super) async fn get_one(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SurveyOut>, ApiError> {
    let r = surveys::get(&web.app, &caller, parse_id(&id)?).await?;
    Ok(Json(SurveyOut {
        id: r.id.to_string(),
        slug: r.slug,
        name: r.definition.name,
        status: r.status.as_str().into(),
        version: r.version_number,
        version_id: r.version.to_string(),
        locales: r.definition.locales.iter().map(|l| l.as_str().to_string()).collect(),
        questions: r.definition.questions,
    }))
}

#[utoipa::path(put, path = "/api/v1/surveys/{id}", request_body = SurveyInput, security(("token" = [])), params(("id" = String, Path, description = "survey id")),
    responses((status = 200, body = SurveyCreated), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(draft): JsonBody<SurveyDraft>,
) -> Result<Json<SurveyCreated>, ApiError> {
    let (r, new_version) = surveys::update(&web.app, &caller, parse_id(&id)?, &draft).await?;
    Ok(Json(created(&r, new_version)))
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/close", security(("token" = [])), params(("id" = String, Path, description = "survey id")), responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn close(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    surveys::set_status(&web.app, &caller, parse_id(&id)?, SurveyStatus::Closed).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/surveys/{id}/open", security(("token" = [])), params(("id" = String, Path, description = "survey id")), responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn open(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    surveys::set_status(&web.app, &caller, parse_id(&id)?, SurveyStatus::Open).await?;
    Ok(StatusCode::NO_CONTENT)
}

// Schema-only mirrors of the domain's survey definition (`SurveyDraft`), so that the OpenAPI document can
// describe it without the domain and app crates depending on utoipa. They are never built.

/// A survey definition. Texts are maps from locale (`fi`, `sv`, `en`) to text; every listed locale needs one.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SurveyInput {
    pub name: String,
    /// Languages of the survey, e.g. `["fi", "sv", "en"]`.
    pub locales: Vec<String>,
    pub questions: Vec<QuestionInput>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct QuestionInput {
    /// Stable short name: a–z, 0–9, `_`, `-`.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    pub key: String,
    /// One of `nps` (0–10), `csat` (1–5), `ces` (1–7), `single`, `multi`, `text`.
    #[schema(rename = "type", pattern = "^(nps|csat|ces|single|multi|text)$")]
    pub kind: String,
    #[schema(nullable = false)]
    pub required: Option<bool>,
    pub text: BTreeMap<String, String>,
    /// For `single` / `multi`: strings, or `{"key", "text": {locale: text}}` objects.
    #[schema(nullable = false)]
    pub options: Option<Vec<serde_json::Value>>,
    pub follow_up: Option<FollowUpInput>,
}

/// Makes a `text` question a "why?" follow-up of an earlier scored question, worded by score band.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct FollowUpInput {
    pub after: String,
    pub bands: Vec<BandInput>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct BandInput {
    pub min: i16,
    pub max: i16,
    pub text: BTreeMap<String, String>,
}
