//! `GET /api/v1/surveys/{id}/metrics`: NPS, CSAT, CES with intervals and a series.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiCaller;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use polku_app::dashboard::{self, Metrics, MetricsQuery};
use polku_domain::calendar::Granularity;
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("metrics").routes(routes!(metrics))
}

#[derive(Deserialize, Default)]
struct Params {
    from: Option<String>,
    to: Option<String>,
    granularity: Option<String>,
}

pub(super) fn parse_date(field: &str, v: Option<&str>) -> Result<Option<Date>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => polku_domain::calendar::parse_day(s).map(Some).ok_or_else(|| {
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, "must be a date such as 2026-11-23 (1900–2999)")
        }),
    }
}

/// Parses `from`, `to` (inclusive dates) and `granularity` (`day`, `week` – the default – or `month`).
pub fn parse_query(raw: Option<&str>) -> Result<MetricsQuery, ApiError> {
    let p: Params = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "query", e.to_string()))?;
    let granularity = match p.granularity.as_deref().filter(|g| !g.is_empty()) {
        None => Granularity::Week,
        Some(g) => Granularity::parse(g).ok_or_else(|| {
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "granularity", "must be day, week or month")
        })?,
    };
    Ok(MetricsQuery {
        survey: None,
        from: parse_date("from", p.from.as_deref())?,
        to: parse_date("to", p.to.as_deref())?,
        granularity,
    })
}

/// Without `from` / `to` the whole history counts. Buckets without answers appear with null scores.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/metrics", security(("token" = [])),
    params(("id" = String, Path, description = "survey id"), ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"), ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD"),
        ("granularity" = Option<String>, Query, description = "day, week or month")),
    responses((status = 200, body = MetricsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn metrics(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Metrics>, ApiError> {
    let mut q = parse_query(raw.as_deref())?;
    q.survey = Some(parse_id(&id)?);
    Ok(Json(dashboard::metrics(&web.app, &caller, &q).await?))
}

// Schema-only mirrors of the app's metrics (`polku_app::dashboard::Metrics`), so that the OpenAPI document can
// describe it without the domain and app crates depending on utoipa. They are never built.

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct MetricsOut {
    pub from: Option<String>,
    pub to: Option<String>,
    pub granularity: String,
    pub nps: NpsOut,
    pub csat: CsatOut,
    pub ces: CesOut,
    pub series: Vec<SeriesPointOut>,
}

/// NPS on −100…100 with the normal-approximation 95 % interval; `score` and `ci95` are null when n = 0.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct NpsOut {
    pub score: Option<f64>,
    pub n: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub ci95: Option<[f64; 2]>,
}

/// Share of 4–5 answers in percent with the Wilson 95 % interval.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct CsatOut {
    pub score: Option<f64>,
    pub n: u64,
    pub satisfied: u64,
    pub ci95: Option<[f64; 2]>,
}

/// Mean effort on 1–7 with a normal 95 % interval (null below n = 2).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct CesOut {
    pub score: Option<f64>,
    pub n: u64,
    pub ci95: Option<[f64; 2]>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct SeriesPointOut {
    /// First day of the bucket.
    pub start: String,
    pub nps: NpsOut,
    pub csat: CsatOut,
    pub ces: CesOut,
}
