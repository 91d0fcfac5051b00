//! `/api/v1/journey`: the journey map (stages, touchpoints with their figures, pain points) as JSON or CSV
//! (`/api/v1/journey.csv`), and its layout (`/api/v1/journey/layout`: stages and touchpoint placements).

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use polku_domain::journey::{Placement, Stage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("journey").routes(routes!(map)).routes(routes!(map_csv)).routes(routes!(layout, set_layout))
}

/// A period (both ends or neither), the language of names, and whether to compare without the few.
#[derive(Clone, Copy, Debug, Default)]
pub struct JourneyQuery {
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
    pub lang: Option<polku_domain::Locale>,
    pub compare: bool,
}

/// `from`, `to` (YYYY-MM-DD, both or neither), `lang` (fi, sv, en: names of stages) and `compare` (true:
/// also the figures without the few customers who carry the most negative load).
pub fn query(raw: Option<&str>) -> Result<JourneyQuery, polku_app::AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| polku_app::AppError::invalid("query", "is not a valid query string"))?;
    let (mut from, mut to, mut lang, mut compare) = (None, None, None, false);
    let date = |k: &str, v: &str| {
        polku_domain::calendar::parse_day(v)
            .ok_or_else(|| polku_app::AppError::invalid(k, "must be a date such as 2026-11-23 (1900–2999)"))
    };
    for (k, v) in pairs {
        match k.as_str() {
            "from" if !v.is_empty() => from = Some(date("from", &v)?),
            "to" if !v.is_empty() => to = Some(date("to", &v)?),
            "from" | "to" => {}
            "lang" => {
                lang = Some(
                    polku_domain::Locale::parse(&v)
                        .ok_or_else(|| polku_app::AppError::invalid("lang", "must be fi, sv or en"))?,
                );
            }
            "compare" => {
                compare = match v.as_str() {
                    "true" | "1" | "yes" | "on" => true,
                    "false" | "0" | "no" | "" => false,
                    _ => return Err(polku_app::AppError::invalid("compare", "must be true or false")),
                }
            }
            other => return Err(polku_app::AppError::invalid(other, "is not a parameter of this endpoint")),
        }
    }
    if from.is_some() != to.is_some() {
        return Err(polku_app::AppError::invalid(if from.is_some() { "to" } else { "from" }, "give both from and to"));
    }
    Ok(JourneyQuery { from, to, lang, compare })
}

/// The journey map for a period (default: the last 90 days with answers): every stage with its touchpoints'
/// answers, positive / neutral / negative shares, NPS and CSAT with intervals, support contacts, events and
/// trend, open answers by tone; touchpoints not placed yet; pain points with the numbers behind their rank.
/// `compare=true` adds `few` and `without_few`: the same figures without the few customers' answers,
/// contacts, events and open answers.
#[utoipa::path(get, path = "/api/v1/journey", security(("token" = [])),
    params(("from" = Option<String>, Query), ("to" = Option<String>, Query), ("lang" = Option<String>, Query),
        ("compare" = Option<bool>, Query)),
    responses((status = 200, body = Object), (status = 422, body = ErrorBody)))]
pub(super) async fn map(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = query(raw.as_deref())?;
    let m =
        polku_app::journey::map(&web.app, &caller, q.from, q.to, q.lang.unwrap_or(polku_domain::Locale::En), q.compare)
            .await?;
    Ok(Json(m).into_response())
}

/// The journey map's touchpoints as CSV, one row each (stage, touchpoint, figures).
#[utoipa::path(get, path = "/api/v1/journey.csv", security(("token" = [])),
    params(("from" = Option<String>, Query), ("to" = Option<String>, Query), ("lang" = Option<String>, Query),
        ("compare" = Option<bool>, Query)),
    responses((status = 200, content_type = "text/csv")))]
pub(super) async fn map_csv(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let q = query(raw.as_deref())?;
    let m =
        polku_app::journey::map(&web.app, &caller, q.from, q.to, q.lang.unwrap_or(polku_domain::Locale::En), q.compare)
            .await?;
    let body = crate::money_csv::journey(&m).map_err(|e| ApiError::from(polku_app::AppError::Internal(e)))?;
    Ok(super::csv_response(body, "polku-journey.csv"))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Layout {
    /// In order: `[{"key": "need", "names": {"fi": "…", "sv": "…", "en": "…"}}]`.
    #[schema(value_type = Vec<Object>)]
    pub stages: Vec<Stage>,
    /// `[{"touchpoint": "arrival", "stage": "delivery", "names": {"fi": "Saapuminen"}}]`, in order.
    #[schema(value_type = Vec<Object>)]
    pub touchpoints: Vec<Placement>,
    /// Touchpoints seen in answers, contacts and events (read only: accepted and ignored on `PUT`, so what
    /// `GET` gives can be sent back).
    #[serde(default)]
    pub known: Vec<String>,
}

/// The journey's stages and where the touchpoints sit.
#[utoipa::path(get, path = "/api/v1/journey/layout", security(("token" = [])), responses((status = 200, body = Layout)))]
pub(super) async fn layout(State(web): State<Web>, ApiCaller(caller): ApiCaller) -> Result<Json<Layout>, ApiError> {
    let (stages, touchpoints, known) = polku_app::journey::layout(&web.app, &caller).await?;
    Ok(Json(Layout { stages, touchpoints, known }))
}

/// Replaces the journey's stages and placements (admins): rename, reorder, add stages; place touchpoints.
#[utoipa::path(put, path = "/api/v1/journey/layout", security(("token" = [])), request_body = Layout,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_layout(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(l): JsonBody<Layout>,
) -> Result<StatusCode, ApiError> {
    polku_app::journey::set_layout(&web.app, &caller, &l.stages, &l.touchpoints).await?;
    Ok(StatusCode::NO_CONTENT)
}
