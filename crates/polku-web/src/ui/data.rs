//! Settings → connections (shops and helpdesks: endpoint URLs, secrets shown once, what arrived and what was
//! refused) and Settings → privacy (one customer's export and erasure, the retention period). Admins only.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, IdPath, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_app::connections::{self, ConnectionDraft};
use polku_domain::webhooks::ConnectionKind;
use polku_domain::zone::Zone;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/settings/connections", get(show).post(create))
        .route("/settings/connections/{id}/delete", post(remove))
        .route("/settings/privacy", get(privacy).post(save_retention))
        .route("/settings/privacy/export", post(export))
        .route("/settings/privacy/erase", post(erase))
}

/// A connection as the page shows it.
struct Row {
    id: String,
    kind: &'static str,
    name: String,
    url: String,
    received: i64,
    rejected: i64,
    last_received: Option<String>,
    last_error: Option<String>,
}

/// What was just made: shown once.
struct Made {
    kind: String,
    name: String,
    url: String,
    secret: Option<String>,
}

#[derive(Template)]
#[template(path = "connections.html")]
struct ConnectionsPage {
    c: Chrome,
    t: T,
    rows: Vec<Row>,
    made: Option<Made>,
    errors: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    zones: Vec<String>,
    /// The add form's values after an error.
    kind: String,
    name: String,
    zone: String,
}

async fn render(
    web: &Web,
    s: &UiSession,
    made: Option<Made>,
    errors: Vec<(String, String)>,
    sent: (String, String, String),
) -> Result<Response, PageError> {
    let when = |at: time::OffsetDateTime| s.t.date_time(&at);
    let rows = connections::list(&web.app, &s.caller)
        .await
        .map_err(fail(s))?
        .into_iter()
        .map(|c| Row {
            id: c.id.to_string(),
            url: connections::endpoint_url(&web.app, &c),
            kind: ConnectionKind::parse(&c.kind).map_or("?", ConnectionKind::label),
            name: c.name,
            received: c.received,
            rejected: c.rejected,
            last_received: c.last_received_at.map(when),
            last_error: c.last_error.map(|e| format!("{} ({})", e, c.last_error_at.map(when).unwrap_or_default())),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&ConnectionsPage {
        c: Chrome::new(s, "connections"),
        t: s.t,
        rows,
        made,
        errors,
        kinds: ConnectionKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        zones: Zone::names(),
        kind: sent.0,
        name: sent.1,
        zone: sent.2,
    });
    Ok((status, body).into_response())
}

async fn show(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    render(&web, &s, None, vec![], ("shopify".into(), String::new(), polku_domain::zone::DEFAULT.into())).await
}

/// A new connection; an empty secret means "make one".
#[derive(Deserialize)]
struct ConnectionForm {
    kind: String,
    name: String,
    secret: Option<String>,
    #[serde(default)]
    time_zone: String,
}

async fn create(State(web): State<Web>, CsrfForm(s, form): CsrfForm<ConnectionForm>) -> Result<Response, PageError> {
    let time_zone = form.time_zone.trim().to_string();
    let draft = ConnectionDraft {
        kind: form.kind.trim().to_string(),
        name: form.name.trim().to_string(),
        secret: form.secret.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        time_zone: Some(time_zone.clone()),
    };
    match connections::create(&web.app, &s.caller, &draft).await {
        Ok((c, secret)) => {
            let made = Made {
                kind: c.kind.clone(),
                name: c.name.clone(),
                url: connections::endpoint_url(&web.app, &c),
                secret,
            };
            render(&web, &s, Some(made), vec![], ("shopify".into(), String::new(), c.time_zone)).await
        }
        Err(AppError::Invalid(v)) => {
            let errors = v.0.into_iter().map(|e| (e.field, e.message)).collect();
            render(&web, &s, None, errors, (draft.kind, draft.name, time_zone)).await
        }
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn remove(
    State(web): State<Web>,
    IdPath(id): IdPath<uuid::Uuid>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    connections::delete(&web.app, &s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to("/settings/connections").into_response())
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    c: Chrome,
    t: T,
    retention: String,
    errors: Vec<(String, String)>,
    /// A flash: what was just done.
    done: Option<String>,
    /// The customer field's value after an error.
    customer: String,
}

async fn privacy_page(
    web: &Web,
    s: &UiSession,
    errors: Vec<(String, String)>,
    done: Option<String>,
    customer: String,
    retention: Option<String>,
) -> Result<Response, PageError> {
    let stored = polku_app::privacy::retention(&web.app, &s.caller).await.map_err(fail(s))?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&PrivacyPage {
        c: Chrome::new(s, "privacy"),
        t: s.t,
        retention: retention.unwrap_or_else(|| stored.map(|m| m.to_string()).unwrap_or_default()),
        errors,
        done,
        customer,
    });
    Ok((status, body).into_response())
}

async fn privacy(State(web): State<Web>, s: UiSession, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    let done = (q.as_deref() == Some("saved=1")).then(|| s.t.get("privacy-saved"));
    privacy_page(&web, &s, vec![], done, String::new(), None).await
}

fn invalid(e: AppError) -> Result<Vec<(String, String)>, AppError> {
    match e {
        AppError::Invalid(v) => Ok(v.0.into_iter().map(|e| (e.field, e.message)).collect()),
        other => Err(other),
    }
}

/// The retention period in months (empty: kept until erased). Text, so that what was typed can be shown
/// again with the error.
#[derive(Deserialize)]
struct RetentionForm {
    #[serde(default)]
    retention_months: String,
}

async fn save_retention(
    State(web): State<Web>,
    CsrfForm(s, form): CsrfForm<RetentionForm>,
) -> Result<Response, PageError> {
    let raw = form.retention_months.trim().to_string();
    let months = match raw.as_str() {
        "" => Ok(None),
        m => m
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid("retention_months", "must be a whole number of months")),
    };
    match months {
        Ok(m) => match polku_app::privacy::set_retention(&web.app, &s.caller, m).await {
            Ok(()) => Ok(Redirect::to("/settings/privacy?saved=1").into_response()),
            Err(e) => {
                let errors = invalid(e).map_err(fail(&s))?;
                privacy_page(&web, &s, errors, None, String::new(), Some(raw)).await
            }
        },
        Err(e) => privacy_page(&web, &s, invalid(e).map_err(fail(&s))?, None, String::new(), Some(raw)).await,
    }
}

/// One customer's export or erasure; erasing asks for the id twice (`confirm`).
#[derive(Deserialize)]
struct CustomerForm {
    customer: String,
    confirm: Option<String>,
}

async fn export(State(web): State<Web>, CsrfForm(s, form): CsrfForm<CustomerForm>) -> Result<Response, PageError> {
    let customer = form.customer.trim().to_string();
    match polku_app::privacy::export(&web.app, &s.caller, &customer).await {
        Ok(data) => {
            let json = serde_json::to_string_pretty(&data).unwrap_or_default();
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"customer-export.json\"".to_string()),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                json,
            )
                .into_response())
        }
        Err(AppError::NotFound) => {
            let errors = vec![("customer".to_string(), s.t.get("privacy-no-customer"))];
            privacy_page(&web, &s, errors, None, customer, None).await
        }
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn erase(State(web): State<Web>, CsrfForm(s, form): CsrfForm<CustomerForm>) -> Result<Response, PageError> {
    let customer = form.customer.trim().to_string();
    if form.confirm.as_deref() != Some(customer.as_str()) || customer.is_empty() {
        let errors = vec![("confirm".to_string(), s.t.get("privacy-confirm-mismatch"))];
        return privacy_page(&web, &s, errors, None, customer, None).await;
    }
    match polku_app::privacy::erase(&web.app, &s.caller, &customer).await {
        Ok(e) => {
            let done = format!("{} ({} / {})", s.t.get("privacy-erased"), e.responses, e.texts);
            privacy_page(&web, &s, vec![], Some(done), String::new(), None).await
        }
        Err(AppError::NotFound) => {
            let errors = vec![("customer".to_string(), s.t.get("privacy-no-customer"))];
            privacy_page(&web, &s, errors, None, customer, None).await
        }
        Err(e) => Err(fail(&s)(e)),
    }
}
