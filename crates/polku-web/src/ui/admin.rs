//! Administration pages: API tokens (created, shown once, revoked) and the audit log.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{FormPairs, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::store::{AuditEntry, TokenRecord};
use polku_app::{AppError, orgs};
use polku_domain::role::Role;

pub fn router() -> Router<Web> {
    Router::new()
        .route("/settings/tokens", get(tokens).post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke))
        .route("/settings/audit", get(audit))
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: Chrome,
    t: T,
    tokens: Vec<TokenRecord>,
    new_secret: String,
    roles: Vec<&'static str>,
    error: String,
}

impl TokensPage {
    fn date(&self, t: &time::OffsetDateTime) -> String {
        t.date().to_string()
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    t: T,
    entries: Vec<AuditEntry>,
}

impl AuditPage {
    fn when(&self, e: &AuditEntry) -> String {
        let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
        e.at.format(f).unwrap_or_default()
    }
}

const TOKEN_ROLES: [Role; 4] = [Role::Agent, Role::Viewer, Role::Analyst, Role::Admin];

async fn tokens_page(web: &Web, s: &UiSession, new_secret: String, error: String) -> Result<Response, PageError> {
    let tokens = orgs::tokens(&web.app, &s.caller).await.map_err(fail(s))?;
    Ok(page(&TokensPage {
        c: Chrome::new(s, "tokens"),
        t: s.t,
        tokens,
        new_secret,
        roles: TOKEN_ROLES.iter().map(|r| r.as_str()).collect(),
        error,
    }))
}

async fn tokens(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    tokens_page(&web, &s, String::new(), String::new()).await
}

async fn create_token(State(web): State<Web>, s: UiSession, form: FormPairs) -> Result<Response, PageError> {
    s.check_csrf(form.get("_csrf")).map_err(fail(&s))?;
    let role = form.get("role").and_then(Role::parse);
    let result = match role {
        Some(role) => orgs::create_token_as(&web.app, &s.caller, form.get("name").unwrap_or(""), role).await,
        None => Err(AppError::invalid("role", "choose a role")),
    };
    match result {
        // The secret is shown in this one response and never again.
        Ok((_, secret)) => tokens_page(&web, &s, secret, String::new()).await,
        Err(AppError::Invalid(v)) => tokens_page(&web, &s, String::new(), v.to_string()).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn revoke(
    State(web): State<Web>,
    s: UiSession,
    Path(id): Path<String>,
    form: FormPairs,
) -> Result<Response, PageError> {
    s.check_csrf(form.get("_csrf")).map_err(fail(&s))?;
    let id = id.parse().map_err(|_| fail(&s)(AppError::NotFound))?;
    orgs::revoke_token(&web.app, &s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to("/settings/tokens").into_response())
}

async fn audit(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    let entries = orgs::audit_log(&web.app, &s.caller).await.map_err(fail(&s))?;
    Ok(page(&AuditPage { c: Chrome::new(&s, "audit"), t: s.t, entries }))
}
