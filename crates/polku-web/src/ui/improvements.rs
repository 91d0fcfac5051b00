//! `/improvements`: "you said, we did" — what the business changed because of feedback, linked to themes and
//! touchpoints; shipping one tells the customers whose feedback fed it (admins plan and ship).

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, IdPath, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_app::improvements::{self, Improvement, ImprovementInput};
use polku_domain::Locale;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new().route("/improvements", get(show).post(create)).route("/improvements/{id}/ship", post(ship))
}

#[derive(Template)]
#[template(path = "improvements.html")]
struct ImprovementsPage {
    c: Chrome,
    t: T,
    items: Vec<Improvement>,
    themes: Vec<(String, String)>,
    error: String,
    /// How many were told by the ship that led here.
    told: Option<usize>,
}

impl ImprovementsPage {
    fn text(&self, i: &Improvement) -> String {
        i.texts.get(&self.t.locale).or_else(|| i.texts.values().next()).cloned().unwrap_or_default()
    }
    fn theme(&self, k: &str) -> String {
        self.themes.iter().find(|(key, _)| key == k).map_or_else(|| k.to_string(), |(_, l)| l.clone())
    }
    fn when(&self, t: &time::OffsetDateTime) -> String {
        self.t.date(t)
    }
}

async fn render(web: &Web, s: &UiSession, error: Option<AppError>, told: Option<usize>) -> Result<Response, PageError> {
    let items = improvements::list(&web.app, &s.caller).await.map_err(fail(s))?;
    let analyzer = polku_app::text_models::analyzer_for(&web.app, s.caller.org).await.map_err(fail(s))?;
    let themes = analyzer.themes(s.t.locale).map(|(k, l)| (k.to_string(), l.to_string())).collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = page(&ImprovementsPage {
        c: Chrome::new(s, "improvements"),
        t: s.t,
        items,
        themes,
        error: error.map(|e| e.to_string()).unwrap_or_default(),
        told,
    });
    Ok((status, body).into_response())
}

async fn show(State(web): State<Web>, s: UiSession, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    let told = q.as_deref().and_then(|q| q.strip_prefix("told=")).and_then(|n| n.parse().ok());
    render(&web, &s, None, told).await
}

/// A new improvement: its text in any of the languages, the themes ticked and the touchpoints typed
/// (comma-separated).
#[derive(Deserialize)]
struct ImprovementForm {
    text_fi: Option<String>,
    text_sv: Option<String>,
    text_en: Option<String>,
    #[serde(default)]
    theme: Vec<String>,
    #[serde(default)]
    touchpoints: String,
}

async fn create(State(web): State<Web>, CsrfForm(s, form): CsrfForm<ImprovementForm>) -> Result<Response, PageError> {
    let texts = [(Locale::Fi, form.text_fi), (Locale::Sv, form.text_sv), (Locale::En, form.text_en)]
        .into_iter()
        .filter_map(|(l, t)| t.map(|t| (l, t)))
        .collect();
    let input = ImprovementInput {
        texts,
        themes: form.theme,
        touchpoints: form.touchpoints.split(',').map(str::to_string).collect(),
    };
    match improvements::create(&web.app, &s.caller, input).await {
        Ok(_) => Ok(Redirect::to("/improvements").into_response()),
        Err(e @ AppError::Invalid(_)) => render(&web, &s, Some(e), None).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn ship(
    State(web): State<Web>,
    IdPath(id): IdPath<uuid::Uuid>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    match improvements::ship(&web.app, &s.caller, id).await {
        // Redirected, so that reloading the page does not ship it again.
        Ok(told) => Ok(Redirect::to(&format!("/improvements?told={told}")).into_response()),
        Err(e @ AppError::Invalid(_)) => render(&web, &s, Some(e), None).await,
        Err(e) => Err(fail(&s)(e)),
    }
}
