//! `/api/v1/analytics`: retention and revenue by experience as JSON, each table also as CSV
//! (`/api/v1/analytics/{part}.csv`), the analysis settings, the few customers with most negative load, and
//! the loyal customers (`/api/v1/customers/loyal`, `.csv`).

use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use polku_app::money::{self, Settings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("money")
        .routes(routes!(all))
        .routes(routes!(settings, set_settings))
        .routes(routes!(few))
        .routes(routes!(part))
        .routes(routes!(loyal))
        .routes(routes!(loyal_csv))
}

/// `months` (1–60, default 12) and `compare` (also without the few).
pub fn query(raw: Option<&str>) -> Result<(Option<i32>, bool), polku_app::AppError> {
    let mut months = None;
    let mut compare = false;
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map_err(|_| polku_app::AppError::invalid("query", "is not a valid query string"))?
    {
        match k.as_str() {
            "months" => {
                months = Some(v.parse().map_err(|_| polku_app::AppError::invalid("months", "must be a whole number"))?);
            }
            "compare" => compare = matches!(v.as_str(), "true" | "1" | "yes"),
            other => return Err(polku_app::AppError::invalid(other, "is not a parameter of this endpoint")),
        }
    }
    Ok((months, compare))
}

/// Every figure: leaky bucket, cohorts, repeat purchase, CLV, by NPS group and by touchpoint experience,
/// support efficiency by month, journey stage and touchpoint, the few.
/// `?months=24&compare=true` adds the same figures without the few customers who carry most negative load.
#[utoipa::path(get, path = "/api/v1/analytics", security(("token" = [])),
    params(("months" = Option<i32>, Query), ("compare" = Option<bool>, Query)),
    responses((status = 200, body = Object), (status = 422, body = ErrorBody)))]
pub(super) async fn all(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let (months, compare) = query(raw.as_deref())?;
    let m = money::analyse(&web.app, &caller, months, compare, polku_app::store::now()).await?;
    Ok(Json(m).into_response())
}

/// One table as CSV: `leaky-bucket.csv`, `cohorts.csv`, `by-experience.csv`, `by-touchpoint.csv`, `clv.csv`,
/// `support-by-month.csv`, `support-by-stage.csv`, `support-by-touchpoint.csv`; the same query parameters.
#[utoipa::path(get, path = "/api/v1/analytics/{part}", security(("token" = [])),
    params(("part" = String, Path), ("months" = Option<i32>, Query), ("compare" = Option<bool>, Query)),
    responses((status = 200, content_type = "text/csv"), (status = 404, body = ErrorBody)))]
pub(super) async fn part(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(part): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let name = part.strip_suffix(".csv").filter(|p| crate::money_csv::PARTS.contains(p));
    let Some(name) = name else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not found"));
    };
    let (months, compare) = query(raw.as_deref())?;
    let m = money::analyse(&web.app, &caller, months, compare, polku_app::store::now()).await?;
    let body = crate::money_csv::table(&m, name)
        .expect("a known part")
        .map_err(|e| ApiError::from(polku_app::AppError::Internal(e)))?;
    Ok(csv_response(body, &format!("polku-{name}.csv")))
}

pub fn csv_response(body: Vec<u8>, file: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        body,
    )
        .into_response()
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SettingsBody {
    /// Months without a purchase after which a customer counts as lost (1–36, default 12).
    #[schema(minimum = 1, maximum = 36)]
    pub lost_after_months: i64,
    /// The top percentage of customers by negative load counted as "the few" (1–50, default 5).
    #[schema(minimum = 1, maximum = 50)]
    pub few_percent: i64,
}

/// The analysis settings.
#[utoipa::path(get, path = "/api/v1/analytics/settings", security(("token" = [])), responses((status = 200, body = SettingsBody)))]
pub(super) async fn settings(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<SettingsBody>, ApiError> {
    let s = money::settings(&web.app, &caller).await?;
    Ok(Json(SettingsBody { lost_after_months: s.lost_after_months, few_percent: s.few_percent }))
}

/// Changes the analysis settings (admins).
#[utoipa::path(put, path = "/api/v1/analytics/settings", security(("token" = [])), request_body = SettingsBody,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_settings(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(b): JsonBody<SettingsBody>,
) -> Result<StatusCode, ApiError> {
    money::set_settings(
        &web.app,
        &caller,
        Settings { lost_after_months: b.lost_after_months, few_percent: b.few_percent },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub(super) struct FewCustomer {
    pub external_id: String,
    pub complaints: u32,
    pub contacts: u32,
    pub load: u32,
}

#[derive(Serialize, ToSchema)]
pub(super) struct FewOut {
    #[schema(value_type = Object)]
    pub summary: polku_domain::retention::FewLoad,
    pub customers: Vec<FewCustomer>,
}

/// The few customers who carry most of the negative load (complaints and support contacts), most first
/// (analysts and up: it names customers).
#[utoipa::path(get, path = "/api/v1/analytics/few", security(("token" = [])),
    responses((status = 200, body = FewOut), (status = 403, body = ErrorBody)))]
pub(super) async fn few(State(web): State<Web>, ApiCaller(caller): ApiCaller) -> Result<Json<FewOut>, ApiError> {
    let (summary, rows) = money::few_customers(&web.app, &caller).await?;
    let customers = rows
        .into_iter()
        .map(|(external_id, complaints, contacts, load)| FewCustomer { external_id, complaints, contacts, load })
        .collect();
    Ok(Json(FewOut { summary, customers }))
}

/// Loyal customers (repeat buyers who are promoters), most revenue first.
#[utoipa::path(get, path = "/api/v1/customers/loyal", security(("token" = [])), responses((status = 200, body = Vec<Object>)))]
pub(super) async fn loyal(State(web): State<Web>, ApiCaller(caller): ApiCaller) -> Result<Response, ApiError> {
    Ok(Json(money::loyal(&web.app, &caller).await?).into_response())
}

/// Loyal customers as CSV, for a thank-you campaign.
#[utoipa::path(get, path = "/api/v1/customers/loyal.csv", security(("token" = [])), responses((status = 200, content_type = "text/csv")))]
pub(super) async fn loyal_csv(State(web): State<Web>, ApiCaller(caller): ApiCaller) -> Result<Response, ApiError> {
    let rows = money::loyal(&web.app, &caller).await?;
    let body = crate::money_csv::loyal(&rows).map_err(|e| ApiError::from(polku_app::AppError::Internal(e)))?;
    Ok(csv_response(body, "polku-loyal-customers.csv"))
}
