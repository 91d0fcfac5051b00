//! The JSON API under `/api/v1`, authenticated by API tokens, described by an OpenAPI 3 document that is
//! generated from these handlers and served at `/api/v1/openapi.json`. Each module registers its routes
//! together with their OpenAPI entries (`routes::ApiRoutes`); this one merges them and splits the result
//! once into the axum router and the document.

mod cases;
mod comments;
mod connections;
mod contact;
mod customers;
mod docs;
mod improvements;
mod insights;
mod invitations;
mod journey;
mod members;
mod metrics;
mod money;
mod notifications;
mod organisation;
mod panel;
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
        .merge(invitations::router())
        .merge(contact::router())
        .merge(panel::router())
        .split();
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    document_errors(&mut doc);
    document_parameters(&mut doc);
    (router, doc)
}

/// The values each query or path parameter takes, by name (and path where one name means two things):
/// one table, so a parameter means the same on every route and the document says exactly what the
/// handlers accept (the API fuzzer sends what the document allows and expects it taken).
fn document_parameters(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let words =
        |values: &[&str]| ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.to_vec())).build();
    let int =
        |lo: i64, hi: i64| ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(lo)).maximum(Some(hi)).build();
    let pattern = |p: &str| ObjectBuilder::new().schema_type(Type::String).pattern(Some(p)).build();
    let format = |f: KnownFormat| {
        ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(f))).build()
    };
    let langs = ["fi", "sv", "en"];
    let schema = |path: &str, name: &str| -> Option<utoipa::openapi::Schema> {
        Some(utoipa::openapi::Schema::Object(match (path, name) {
            (_, "from" | "to") => format(KnownFormat::Date),
            (_, "lang" | "language") => words(&langs),
            (_, "months") => int(1, 60),
            ("/api/v1/cases", "status") => words(&["new", "in_progress", "waiting_for_customer", "resolved", "closed"]),
            ("/api/v1/notifications", "status") => words(&["pending", "sent", "failed"]),
            (_, "group") => words(&["team", "rule", "month"]),
            (_, "granularity") => words(&["day", "week", "month"]),
            (_, "polarity") => words(&["positive", "neutral", "negative"]),
            (_, "score_min" | "score_max") => int(0, 10),
            (_, "survey" | "team") => format(KnownFormat::Uuid),
            (_, "channel") => pattern("^[a-z0-9_.-]{1,40}$"),
            (_, "touchpoint") => pattern("^[a-z0-9_.-]{1,80}$"),
            (_, "kind") if path.starts_with("/api/v1/text-models/") => words(&["taxonomy", "lexicon"]),
            ("/api/v1/surveys/{id}/responses", "limit") => int(1, 1000),
            ("/api/v1/surveys/{id}/responses", "format") => words(&["json", "ndjson", "csv"]),
            ("/api/v1/surveys/{id}/responses", "after") => pattern("^-?[0-9]{1,30}\\.[0-9a-f]{32}$"),
            ("/api/v1/comments", "after") => pattern("^[0-9]{1,12}\\.[0-9]{1,9}\\.[0-9]{1,18}$"),
            (_, "tag") => pattern("^[a-z0-9äöå_-]([a-z0-9äöå _-]{0,38}[a-z0-9äöå_-])?$"),
            _ => return None,
        }))
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in operations.into_iter().flatten() {
            // A batch holds 1 to MAX_BATCH rows.
            if path.ends_with(":batch")
                && let Some(utoipa::openapi::RefOr::T(body)) = op.request_body.as_mut()
            {
                for c in body.content.values_mut() {
                    if let utoipa::openapi::RefOr::T(c) = c
                        && let Some(utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Array(a))) = c.schema.as_mut()
                    {
                        a.min_items = Some(1);
                        a.max_items = Some(polku_domain::customers::MAX_BATCH);
                    }
                }
            }
            for p in op.parameters.iter_mut().flatten() {
                if let utoipa::openapi::RefOr::T(p) = p
                    && let Some(s) = schema(path, &p.name)
                {
                    p.schema = Some(s.into());
                }
            }
        }
    }
}

/// Adds the error answers every operation can give to each one that does not list them, with the error
/// body: 401 and 403 where a token is needed, 404 and 422 where the path names something, 400, 413, 415
/// and 422 where there is a body, 422 where there are query parameters. Each comes from a shared extractor (token,
/// path id, JSON body, query), so writing them on every route by hand would only let one be forgotten; an
/// API fuzzer checks every status against this list.
fn document_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in operations.into_iter().flatten() {
            let mut add = |status: &str, description: &str| {
                op.responses.responses.entry(status.to_string()).or_insert_with(|| error(description).into());
            };
            let mut wanted = Vec::new();
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                wanted.push(("401", "No token, or an unknown or revoked one"));
                wanted.push(("403", "The token's role does not allow this"));
            }
            if path.contains('{') {
                wanted.push(("404", "Not found in the token's organisation"));
                wanted.push(("422", "A path parameter is invalid; `fields` names it"));
            }
            if op.request_body.is_some() {
                wanted.push(("400", "The body is not well-formed"));
                wanted.push(("413", "The body is too large"));
                wanted.push(("415", "The body's Content-Type is not the one documented"));
                wanted.push(("422", "A field is invalid; `fields` names it"));
            }
            let has_query = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p, utoipa::openapi::RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)))
            });
            if has_query {
                wanted.push(("422", "A query parameter is invalid; `fields` names it"));
            }
            for (status, description) in wanted {
                add(status, description);
            }
        }
    }
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
