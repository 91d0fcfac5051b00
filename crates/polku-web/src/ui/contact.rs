//! Settings → reaching customers: the contact rules every survey and channel keeps, and the SMS gateway
//! (its header values are write-only, like the SMTP password). Admins only.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_app::contact::{self, GatewayInput, HeaderInput};
use polku_domain::contact::{ContactRules, QuietHours};
use polku_domain::sms::Method;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/settings/contact", get(show).post(save_rules))
        .route("/settings/contact/sms", post(save_gateway))
}

/// The SMS form's values; header values are never shown, only whether one is stored.
#[derive(Default)]
struct GatewayForm {
    url: String,
    method: String,
    body: String,
    sender: String,
    /// (name, value set) for up to three header rows.
    headers: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "contact_settings.html")]
struct ContactPage {
    c: Chrome,
    t: T,
    rules: ContactRules,
    gateway: GatewayForm,
    errors: Vec<(String, String)>,
    saved: bool,
}

impl ContactPage {
    fn quiet(&self, which: &str) -> String {
        self.rules
            .quiet_hours
            .as_ref()
            .map(|q| if which == "from" { q.from.clone() } else { q.to.clone() })
            .unwrap_or_default()
    }
    fn quiet_day(&self, d: &u8) -> bool {
        self.rules.quiet_days.contains(d)
    }
    fn weekday(&self, d: &u8) -> String {
        self.t.get(&format!("weekday-{d}"))
    }
}

const HEADER_ROWS: usize = 3;

async fn render(
    web: &Web,
    s: &UiSession,
    errors: Vec<(String, String)>,
    rules: Option<ContactRules>,
    gateway: Option<GatewayForm>,
    saved: bool,
) -> Result<Response, PageError> {
    let stored_rules = contact::rules(&web.app, &s.caller).await.map_err(fail(s))?;
    let stored = contact::gateway(&web.app, &s.caller).await.map_err(fail(s))?;
    let mut gateway = gateway.unwrap_or_else(|| match stored {
        Some(g) => GatewayForm {
            url: g.url,
            method: if g.method == Method::Get { "GET".into() } else { "POST".into() },
            body: g.body,
            sender: g.sender,
            headers: g.headers.into_iter().map(|h| (h.name, h.value_set)).collect(),
        },
        None => GatewayForm { method: "POST".into(), ..GatewayForm::default() },
    });
    gateway.headers.resize(HEADER_ROWS.max(gateway.headers.len()), (String::new(), false));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&ContactPage {
        c: Chrome::new(s, "contact"),
        t: s.t,
        rules: rules.unwrap_or(stored_rules),
        gateway,
        errors,
        saved,
    });
    Ok((status, body).into_response())
}

async fn show(State(web): State<Web>, s: UiSession, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    s.caller.require(polku_domain::role::Permission::Administer).map_err(fail(&s))?;
    render(&web, &s, vec![], None, None, q.as_deref() == Some("saved=1")).await
}

fn errors_of(e: AppError) -> Result<Vec<(String, String)>, AppError> {
    match e {
        AppError::Invalid(v) => Ok(v.0.into_iter().map(|e| (e.field, e.message)).collect()),
        other => Err(other),
    }
}

/// The rules as posted; weekdays arrive as repeated `quiet_days` checkboxes.
#[derive(Default, Deserialize)]
#[serde(default)]
struct RulesForm {
    days_between: String,
    quiet_from: String,
    quiet_to: String,
    quiet_days: Vec<u8>,
    require_consent: bool,
}

async fn save_rules(State(web): State<Web>, CsrfForm(s, form): CsrfForm<RulesForm>) -> Result<Response, PageError> {
    let mut errors = Vec::new();
    let days_between = form.days_between.trim().parse::<u16>().unwrap_or_else(|_| {
        errors.push(("days_between".to_string(), "must be 0–365".to_string()));
        0
    });
    let (from, to) = (form.quiet_from.trim().to_string(), form.quiet_to.trim().to_string());
    let rules = ContactRules {
        days_between,
        quiet_hours: (!from.is_empty() || !to.is_empty()).then_some(QuietHours { from, to }),
        quiet_days: form.quiet_days,
        require_consent: form.require_consent,
    };
    if !errors.is_empty() {
        return render(&web, &s, errors, Some(rules), None, false).await;
    }
    match contact::save_rules(&web.app, &s.caller, rules.clone()).await.map_err(errors_of) {
        Ok(_) => Ok(Redirect::to("/settings/contact?saved=1").into_response()),
        Err(Ok(errors)) => render(&web, &s, errors, Some(rules), None, false).await,
        Err(Err(e)) => Err(fail(&s)(e)),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SmsForm {
    url: String,
    method: String,
    body: String,
    sender: String,
    header_name_0: String,
    header_value_0: String,
    header_name_1: String,
    header_value_1: String,
    header_name_2: String,
    header_value_2: String,
}

async fn save_gateway(State(web): State<Web>, CsrfForm(s, form): CsrfForm<SmsForm>) -> Result<Response, PageError> {
    let rows = [
        (&form.header_name_0, &form.header_value_0),
        (&form.header_name_1, &form.header_value_1),
        (&form.header_name_2, &form.header_value_2),
    ];
    let headers: Vec<HeaderInput> = rows
        .iter()
        .filter(|(n, _)| !n.trim().is_empty())
        .map(|(n, v)| HeaderInput { name: n.trim().to_string(), value: Some(v.to_string()).filter(|v| !v.is_empty()) })
        .collect();
    let input = (!form.url.trim().is_empty()).then(|| GatewayInput {
        url: form.url.trim().to_string(),
        method: if form.method == "GET" { Method::Get } else { Method::Post },
        headers,
        body: form.body.clone(),
        sender: form.sender.trim().to_string(),
    });
    match contact::save_gateway(&web.app, &s.caller, input).await.map_err(errors_of) {
        Ok(_) => Ok(Redirect::to("/settings/contact?saved=1").into_response()),
        Err(Ok(errors)) => {
            let sent = GatewayForm {
                url: form.url.trim().to_string(),
                method: form.method.clone(),
                body: form.body.clone(),
                sender: form.sender.trim().to_string(),
                headers: rows.iter().map(|(n, _)| (n.trim().to_string(), false)).collect(),
            };
            render(&web, &s, errors, None, Some(sent), false).await
        }
        Err(Err(e)) => Err(fail(&s)(e)),
    }
}
