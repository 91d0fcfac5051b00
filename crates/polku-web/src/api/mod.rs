//! The JSON API under `/api/v1`, authenticated by API tokens, described by an OpenAPI 3 document that is
//! generated from these handlers and served at `/api/v1/openapi.json`. Each module registers its routes
//! together with their OpenAPI entries (`routes::ApiRoutes`); this one merges them and splits the result
//! once into the axum router and the document.

mod cases;
mod comments;
mod connections;
mod customers;
mod docs;
mod improvements;
mod insights;
mod journey;
mod members;
mod metrics;
mod money;
mod notifications;
mod organisation;
mod privacy;
pub(crate) mod responses;
mod routes;
mod surveys;
mod text_models;

use crate::Web;
use crate::error::ApiError;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use utoipa::OpenApi;

use docs::ApiDoc;
pub use journey::query as parse_journey_query;
pub use metrics::parse_query as parse_metrics_query;
pub use money::{csv_response, query as parse_money_query};

/// Every API route, each registered with its OpenAPI entry, and the document they make.
fn documented() -> (Router<Web>, utoipa::openapi::OpenApi) {
    let (router, paths) = surveys::router()
        .merge(responses::router())
        .merge(metrics::router())
        .merge(comments::router())
        .merge(cases::router())
        .merge(insights::router())
        .merge(text_models::router())
        .merge(members::router())
        .merge(notifications::router())
        .merge(organisation::router())
        .merge(improvements::router())
        .merge(customers::router())
        .merge(connections::router())
        .merge(privacy::router())
        .merge(money::router())
        .merge(journey::router())
        .split();
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    (router, doc)
}

/// The OpenAPI document served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

pub fn router() -> Router<Web> {
    let (router, doc) = documented();
    let doc = serde_json::to_string(&doc).expect("the OpenAPI document serialises");
    // The one route deliberately left out of the document: the document itself.
    router.route(
        "/api/v1/openapi.json",
        get(move || std::future::ready(([(header::CONTENT_TYPE, "application/json")], doc.clone()))),
    )
}

/// Ids that do not parse cannot exist: answer 404 like any unknown id.
fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not found"))
}
