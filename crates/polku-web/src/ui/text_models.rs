//! Settings → text analysis: an organisation's own theme taxonomies and sentiment lexicons per language,
//! edited as text (the shipped ones are the starting point), checked whole on saving (every error with its
//! line number, nothing stored on error), and a button that re-analyses the stored comments with them.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_app::text_models::{self, ModelText, Reanalysis};
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/settings/text", get(show))
        .route("/settings/text/reanalyse", post(reanalyse))
        .route("/settings/text/{kind}/{lang}", post(save))
        .route("/settings/text/{kind}/{lang}/reset", post(reset))
}

#[derive(Template)]
#[template(path = "text_models.html")]
struct TextModelsPage {
    c: Chrome,
    t: T,
    models: Vec<ModelText>,
    run: Option<Reanalysis>,
    /// The model a failed save was for ("kind/lang"), its errors and the text as sent.
    failed: String,
    errors: Vec<String>,
}

impl TextModelsPage {
    fn id(&self, m: &ModelText) -> String {
        format!("{}/{}", m.kind.as_str(), m.lang.as_str())
    }
    fn title(&self, m: &ModelText) -> String {
        let kind = self.t.get(&format!("text-{}", m.kind.as_str()));
        format!("{kind} · {}", m.lang.as_str())
    }
    fn when(&self, t: &time::OffsetDateTime) -> String {
        self.t.date_time(t)
    }
}

async fn render(
    web: &Web,
    s: &UiSession,
    failed: Option<(String, String, Vec<String>)>,
) -> Result<Response, PageError> {
    s.caller.require(polku_domain::role::Permission::Administer).map_err(fail(s))?;
    let mut models = text_models::models(&web.app, &s.caller).await.map_err(fail(s))?;
    let run = text_models::reanalysis(&web.app, &s.caller).map_err(fail(s))?;
    let (failed, errors) = match failed {
        Some((id, text, errors)) => {
            // Show what was sent, not the stored text, so nothing typed is lost.
            if let Some(m) = models.iter_mut().find(|m| format!("{}/{}", m.kind.as_str(), m.lang.as_str()) == id) {
                m.text = text;
            }
            (id, errors)
        }
        None => (String::new(), Vec::new()),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&TextModelsPage { c: Chrome::new(s, "text"), t: s.t, models, run, failed, errors });
    Ok((status, body).into_response())
}

async fn show(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    render(&web, &s, None).await
}

/// A whole taxonomy or lexicon, as text.
#[derive(Deserialize)]
struct ModelForm {
    text: String,
}

async fn save(
    State(web): State<Web>,
    Path((kind, lang)): Path<(String, String)>,
    CsrfForm(s, form): CsrfForm<ModelForm>,
) -> Result<Response, PageError> {
    let text = form.text.replace("\r\n", "\n");
    match text_models::save(&web.app, &s.caller, &kind, &lang, &text).await {
        Ok(()) => Ok(Redirect::to(&format!("/settings/text#{kind}-{lang}")).into_response()),
        Err(AppError::Invalid(v)) if v.0.iter().all(|e| e.field == "text") => {
            let errors = v.0.into_iter().map(|e| e.message).collect();
            render(&web, &s, Some((format!("{kind}/{lang}"), text, errors))).await
        }
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn reset(
    State(web): State<Web>,
    Path((kind, lang)): Path<(String, String)>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    text_models::reset(&web.app, &s.caller, &kind, &lang).await.map_err(fail(&s))?;
    Ok(Redirect::to(&format!("/settings/text#{kind}-{lang}")).into_response())
}

async fn reanalyse(State(web): State<Web>, CsrfForm(s, ()): CsrfForm) -> Result<Response, PageError> {
    text_models::start_reanalysis(&web.app, &s.caller).await.map_err(fail(&s))?;
    Ok(Redirect::to("/settings/text").into_response())
}
