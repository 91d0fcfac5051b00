//! `GET /api/v1/insights`: key drivers and emerging topics as JSON, the same figures as the insights page.

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiCaller;
use axum::Json;
use axum::extract::{RawQuery, State};
use polku_app::AppError;
use polku_app::insights;
use polku_domain::insights::{Driver, Emerging};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("insights").routes(routes!(get_insights))
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Params {
    survey: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct InsightsOut {
    /// The period, inclusive days (YYYY-MM-DD).
    pub from: String,
    pub to: String,
    /// The baseline for emerging topics: the three periods before.
    pub baseline_from: String,
    pub baseline_to: String,
    /// Comments with an NPS answer in the period (the unit of the theme drivers).
    pub theme_answers: u64,
    /// Ranked by `gain`: `{key, n, share, nps_with, nps_without, negative, nps_negative, gain}`. Gain: NPS
    /// points if half of the negative mentions had answered like everyone else.
    #[schema(value_type = Vec<Object>)]
    pub themes: Vec<Driver>,
    /// NPS answers in the period (the unit of the touchpoint drivers).
    pub touchpoint_answers: u64,
    /// As `themes`; the negative group is a touchpoint's detractors.
    #[schema(value_type = Vec<Object>)]
    pub touchpoints: Vec<Driver>,
    pub comments_now: u64,
    pub comments_before: u64,
    /// `{key, now, before, share_now, share_before, z, p}`: one-sided two-proportion z-test, z ≥ 2.58,
    /// at least 5 mentions.
    #[schema(value_type = Vec<Object>)]
    pub emerging_themes: Vec<Emerging>,
    /// Comments whose words were counted in the period and the baseline (the newest 20,000 of each).
    pub words_counted: [u64; 2],
    #[schema(value_type = Vec<Object>)]
    pub emerging_words: Vec<Emerging>,
}

/// Key drivers of detractors (themes, touchpoints) and emerging themes and words for a period (default:
/// the last 30 days; at most 366).
#[utoipa::path(get, path = "/api/v1/insights", security(("token" = [])),
    params(("survey" = Option<String>, Query, description = "survey id"), ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD")),
    responses((status = 200, body = InsightsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn get_insights(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<InsightsOut>, ApiError> {
    let p: Params = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("query", e.to_string()))?;
    let today = web.app.today(caller.org).await?;
    let q = insights::query(p.survey.as_deref(), p.from.as_deref(), p.to.as_deref(), today)?;
    let i = insights::insights(&web.app, &caller, &q).await?;
    Ok(Json(InsightsOut {
        from: i.from.to_string(),
        to: i.to.to_string(),
        baseline_from: i.baseline_from.to_string(),
        baseline_to: i.baseline_to.to_string(),
        theme_answers: i.theme_answers,
        themes: i.themes,
        touchpoint_answers: i.touchpoint_answers,
        touchpoints: i.touchpoints,
        comments_now: i.comments_now,
        comments_before: i.comments_before,
        emerging_themes: i.emerging_themes,
        words_counted: [i.words_counted.0, i.words_counted.1],
        emerging_words: i.emerging_words,
    }))
}
