//! The organisation's settings page: its time zone (the calendar its days, weeks and months follow), and
//! for owners, deleting the organisation.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use polku_app::{AppError, orgs};
use polku_domain::role::Permission;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/settings/organisation", get(show).post(save))
        .route("/settings/organisation/delete", axum::routing::post(delete))
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPage {
    c: Chrome,
    t: T,
    name: String,
    time_zone: String,
    zones: Vec<String>,
    message: String,
    ok: bool,
    owner: bool,
}

async fn render(web: &Web, s: &UiSession, message: String, ok: bool) -> Result<Response, PageError> {
    s.caller.require(Permission::Administer).map_err(fail(s))?;
    let o = orgs::settings(&web.app, &s.caller).await.map_err(fail(s))?;
    let status = if ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&OrganisationPage {
        c: Chrome::new(s, "organisation"),
        t: s.t,
        name: o.name,
        time_zone: o.time_zone,
        zones: polku_domain::zone::Zone::names(),
        message,
        ok,
        owner: s.caller.role == polku_domain::role::Role::Owner,
    });
    Ok((status, body).into_response())
}

async fn show(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    render(&web, &s, String::new(), true).await
}

#[derive(Deserialize)]
struct ZoneForm {
    time_zone: String,
}

async fn save(State(web): State<Web>, CsrfForm(s, form): CsrfForm<ZoneForm>) -> Result<Response, PageError> {
    match orgs::set_time_zone(&web.app, &s.caller, &form.time_zone).await {
        Ok(()) => render(&web, &s, s.t.get("org-time-zone-saved"), true).await,
        Err(e @ AppError::Invalid(_)) => render(&web, &s, e.to_string(), false).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

/// Fields default to empty so that a member without the right gets 403, not a complaint about the form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct DeleteForm {
    name: String,
    password: String,
}

async fn delete(State(web): State<Web>, CsrfForm(s, form): CsrfForm<DeleteForm>) -> Result<Response, PageError> {
    match orgs::delete(&web.app, &s.caller, &s.info, &form.name, &form.password).await {
        // The session went with the organisation: the cookie is cleared and sign-in starts anew.
        Ok(()) => Ok(super::auth::signed_out(&web, "/login?deleted=1")),
        Err(e @ AppError::Invalid(_)) => render(&web, &s, e.to_string(), false).await,
        Err(e) => Err(fail(&s)(e)),
    }
}
