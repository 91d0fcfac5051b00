//! `/api/v1/text-models`: an organisation's own theme taxonomies and sentiment lexicons (plain text in the
//! format of polku-domain::text), and a re-analysis of the stored comments with them.

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiCaller;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use polku_app::text_models;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("text_models").routes(routes!(list)).routes(routes!(reanalyse)).routes(routes!(save, reset))
}

#[derive(Serialize, ToSchema)]
pub(super) struct TextModelOut {
    /// `taxonomy` or `lexicon`.
    pub kind: String,
    /// `fi`, `sv` or `en`.
    pub lang: String,
    /// Whether the organisation has its own (else the shipped one).
    pub own: bool,
    pub text: String,
}

/// Every taxonomy and lexicon the organisation's analysis uses: its own where it has one.
#[utoipa::path(get, path = "/api/v1/text-models", security(("token" = [])), responses((status = 200, body = Vec<TextModelOut>)))]
pub(super) async fn list(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<TextModelOut>>, ApiError> {
    let models = text_models::models(&web.app, &caller).await?;
    Ok(Json(
        models
            .into_iter()
            .map(|m| TextModelOut {
                kind: m.kind.as_str().into(),
                lang: m.lang.as_str().into(),
                own: m.own,
                text: m.text,
            })
            .collect(),
    ))
}

/// Replaces a taxonomy or lexicon with the request body (plain text, at most 256 KiB). A file with errors
/// is rejected whole: 422 with one `text` error per problem, `line N: …`. Admins only.
#[utoipa::path(put, path = "/api/v1/text-models/{kind}/{lang}", security(("token" = [])),
    params(("kind" = String, Path, description = "taxonomy or lexicon"), ("lang" = String, Path, description = "fi, sv or en")),
    request_body(content = String, content_type = "text/plain"),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn save(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path((kind, lang)): Path<(String, String)>,
    body: String,
) -> Result<StatusCode, ApiError> {
    text_models::save(&web.app, &caller, &kind, &lang, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Goes back to the shipped taxonomy or lexicon. Admins only.
#[utoipa::path(delete, path = "/api/v1/text-models/{kind}/{lang}", security(("token" = [])),
    params(("kind" = String, Path), ("lang" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn reset(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path((kind, lang)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    text_models::reset(&web.app, &caller, &kind, &lang).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts re-analysing every stored comment with the current taxonomies and lexicons, in the background;
/// 409 while one runs. Admins only.
#[utoipa::path(post, path = "/api/v1/text-models/reanalyse", security(("token" = [])),
    responses((status = 202), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn reanalyse(State(web): State<Web>, ApiCaller(caller): ApiCaller) -> Result<StatusCode, ApiError> {
    text_models::start_reanalysis(&web.app, &caller).await?;
    Ok(StatusCode::ACCEPTED)
}
