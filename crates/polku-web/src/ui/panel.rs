//! The customer panel page: members and their participation, adding members (a pasted list or CSV
//! column), taking one out, and sending a study to the panel or a stratified sample of it.

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
use polku_app::panel::{self, StudyInput};
use polku_app::store::{PanelMember, SurveySummary};
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/panel", get(show))
        .route("/panel/members", post(join))
        .route("/panel/members/{customer}/remove", post(remove))
        .route("/panel/studies", post(study))
}

#[derive(Template)]
#[template(path = "panel.html")]
struct PanelPage {
    c: Chrome,
    t: T,
    count: i64,
    members: Vec<PanelMember>,
    surveys: Vec<SurveySummary>,
    errors: Vec<(String, String)>,
    /// What the last action did, in the page's language.
    done: String,
}

impl PanelPage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        self.t.date(t)
    }
}

async fn render(web: &Web, s: &UiSession, errors: Vec<(String, String)>, done: String) -> Result<Response, PageError> {
    let (count, members) = panel::list(&web.app, &s.caller).await.map_err(fail(s))?;
    let surveys = polku_app::surveys::list(&web.app, &s.caller).await.map_err(fail(s))?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&PanelPage { c: Chrome::new(s, "panel"), t: s.t, count, members, surveys, errors, done });
    Ok((status, body).into_response())
}

async fn show(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    render(&web, &s, vec![], String::new()).await
}

fn errors_of(e: AppError) -> Result<Vec<(String, String)>, AppError> {
    match e {
        AppError::Invalid(v) => Ok(v.0.into_iter().map(|e| (e.field, e.message)).collect()),
        AppError::Conflict(m) => Ok(vec![("survey".into(), m)]),
        other => Err(other),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct JoinForm {
    customers: String,
}

async fn join(State(web): State<Web>, CsrfForm(s, form): CsrfForm<JoinForm>) -> Result<Response, PageError> {
    let ids = super::sending::ids_of(&form.customers);
    match panel::join(&web.app, &s.caller, &ids, "csv").await.map_err(errors_of) {
        Ok((added, unknown)) => {
            let mut done = s.t.count("panel-added", added);
            if !unknown.is_empty() {
                done.push_str(&format!(" {}: {}", s.t.get("panel-unknown"), unknown.join(", ")));
            }
            render(&web, &s, vec![], done).await
        }
        Err(Ok(errors)) => render(&web, &s, errors, String::new()).await,
        Err(Err(e)) => Err(fail(&s)(e)),
    }
}

async fn remove(
    State(web): State<Web>,
    Path(customer): Path<String>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    panel::leave(&web.app, &s.caller, &customer).await.map_err(fail(&s))?;
    Ok(Redirect::to("/panel").into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct StudyForm {
    survey: String,
    channel: String,
    sample: String,
    stratify_by: String,
}

async fn study(State(web): State<Web>, CsrfForm(s, form): CsrfForm<StudyForm>) -> Result<Response, PageError> {
    let sample = match form.sample.trim() {
        "" => Ok(None),
        n => {
            n.parse::<usize>().map(Some).map_err(|_| vec![("sample".to_string(), "must be a whole number".to_string())])
        }
    };
    let result = match sample {
        Err(errors) => Err(Ok(errors)),
        Ok(sample) => {
            let input = StudyInput {
                survey: form.survey.clone(),
                channel: form.channel.clone(),
                sample,
                stratify_by: Some(form.stratify_by.trim().to_string()).filter(|a| !a.is_empty()),
                send_at: None,
                touchpoint: None,
            };
            panel::study(&web.app, &s.caller, &input).await.map_err(errors_of)
        }
    };
    match result {
        Ok(done) => {
            let text = s.t.counts("panel-study-sent", &[("members", done.members), ("queued", done.queued)]);
            render(&web, &s, vec![], text).await
        }
        Err(Ok(errors)) => render(&web, &s, errors, String::new()).await,
        Err(Err(e)) => Err(fail(&s)(e)),
    }
}
