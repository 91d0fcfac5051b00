//! Settings → notifications: the organisation's SMTP server and webhook (secrets are write-only), a test
//! delivery, and the outbox with what failed and a retry. Admins only.

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
use polku_app::notify::{self, SettingsInput, SettingsView, SmtpInput, WebhookInput};
use polku_app::store::NotificationRecord;
use polku_domain::Locale;
use polku_domain::notify::TlsMode;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/settings/notifications", get(show).post(save))
        .route("/settings/notifications/test", post(test))
        .route("/settings/notifications/{id}/retry", post(retry))
}

/// The form's values: the stored settings, or what was sent when saving failed (secrets never shown).
#[derive(Default)]
struct Form {
    host: String,
    port: String,
    tls: String,
    username: String,
    password_set: bool,
    from: String,
    url: String,
    secret_set: bool,
    locale: String,
}

impl From<SettingsView> for Form {
    fn from(v: SettingsView) -> Self {
        let mut f = Form { tls: "starttls".into(), locale: v.locale.as_str().into(), ..Form::default() };
        if let Some(s) = v.smtp {
            f.host = s.host;
            f.port = s.port.to_string();
            f.tls = s.tls.as_str().into();
            f.username = s.username.unwrap_or_default();
            f.password_set = s.password_set;
            f.from = s.from;
        }
        if let Some(w) = v.webhook {
            f.url = w.url;
            f.secret_set = w.secret_set;
        }
        f
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    c: Chrome,
    t: T,
    form: Form,
    errors: Vec<(String, String)>,
    /// The outcome of a test delivery, per channel: (channel, ok, detail).
    tested: Vec<(&'static str, bool, String)>,
    me: String,
    outbox: Vec<NotificationRecord>,
    saved: bool,
}

impl NotificationsPage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        self.t.date_time(t)
    }
    fn channel(&self, c: &str) -> String {
        super::channel_label(&self.t, c)
    }
    fn status(&self, s: &str) -> String {
        self.t.get(&format!("notify-status-{s}"))
    }
}

struct Extra {
    errors: Vec<(String, String)>,
    tested: Vec<(&'static str, bool, String)>,
    form: Option<Form>,
    saved: bool,
}

async fn render(web: &Web, s: &UiSession, extra: Extra) -> Result<Response, PageError> {
    let stored = notify::settings(&web.app, &s.caller).await.map_err(fail(s))?;
    let outbox = notify::list(&web.app, &s.caller, None).await.map_err(fail(s))?.into_iter().take(50).collect();
    let me = match &s.caller.actor {
        polku_app::Actor::User { email, .. } => email.clone(),
        _ => String::new(),
    };
    let status = if extra.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&NotificationsPage {
        c: Chrome::new(s, "notifications"),
        t: s.t,
        form: extra.form.unwrap_or_else(|| stored.into()),
        errors: extra.errors,
        tested: extra.tested,
        me,
        outbox,
        saved: extra.saved,
    });
    Ok((status, body).into_response())
}

async fn show(State(web): State<Web>, s: UiSession, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    let saved = q.as_deref() == Some("saved=1");
    render(&web, &s, Extra { errors: vec![], tested: vec![], form: None, saved }).await
}

/// The settings as posted. Every field is text, trimmed, so that what was typed can be shown again with
/// its error (the port too); empty secrets keep the stored ones.
#[derive(Default, Deserialize)]
#[serde(default)]
struct SettingsForm {
    host: String,
    port: String,
    tls: String,
    username: String,
    password: String,
    from: String,
    url: String,
    secret: String,
    locale: String,
}

async fn save(State(web): State<Web>, CsrfForm(s, form): CsrfForm<SettingsForm>) -> Result<Response, PageError> {
    let field = |v: &str| v.trim().to_string();
    let sent = Form {
        host: field(&form.host),
        port: field(&form.port),
        tls: field(&form.tls),
        username: field(&form.username),
        password_set: false,
        from: field(&form.from),
        url: field(&form.url),
        secret_set: false,
        locale: field(&form.locale),
    };
    let invalid = |f: &str, m: &str| vec![(f.to_string(), m.to_string())];
    let input = (|| {
        let smtp = if sent.host.is_empty() {
            None
        } else {
            let port = match sent.port.as_str() {
                "" => None,
                p => Some(p.parse::<u16>().map_err(|_| invalid("smtp.port", "must be 1–65535"))?),
            };
            let tls = TlsMode::parse(&sent.tls).ok_or_else(|| invalid("smtp.tls", "must be none, starttls or tls"))?;
            let password = field(&form.password);
            Some(SmtpInput {
                host: sent.host.clone(),
                port,
                tls,
                username: Some(sent.username.clone()),
                password: (!password.is_empty()).then_some(password),
                from: sent.from.clone(),
            })
        };
        let webhook = (!sent.url.is_empty()).then(|| WebhookInput {
            url: sent.url.clone(),
            secret: Some(field(&form.secret)).filter(|s| !s.is_empty()),
        });
        Ok::<_, Vec<(String, String)>>(SettingsInput { smtp, webhook, locale: Locale::parse(&sent.locale) })
    })();
    let result = match input {
        Ok(input) => notify::save_settings(&web.app, &s.caller, input).await.map_err(|e| match e {
            AppError::Invalid(v) => Ok(v.0.into_iter().map(|e| (e.field, e.message)).collect()),
            other => Err(other),
        }),
        Err(errors) => Err(Ok(errors)),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/settings/notifications?saved=1").into_response()),
        Err(Ok(errors)) => render(&web, &s, Extra { errors, tested: vec![], form: Some(sent), saved: false }).await,
        Err(Err(e)) => Err(fail(&s)(e)),
    }
}

/// A test delivery, by e-mail to `to` (empty: to the member).
#[derive(Deserialize)]
struct TestForm {
    to: Option<String>,
}

async fn test(State(web): State<Web>, CsrfForm(s, form): CsrfForm<TestForm>) -> Result<Response, PageError> {
    let to = form.to.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let (tested, errors) = match notify::send_test(&web.app, &s.caller, to).await {
        Ok(r) => {
            let mut out = Vec::new();
            for (channel, outcome) in [("email", r.email), ("webhook", r.webhook)] {
                match outcome {
                    Some(Ok(d)) => out.push((channel, true, d)),
                    Some(Err(d)) => out.push((channel, false, d)),
                    None => {}
                }
            }
            (out, vec![])
        }
        Err(AppError::Invalid(v)) => (vec![], v.0.into_iter().map(|e| (e.field, e.message)).collect()),
        Err(e) => return Err(fail(&s)(e)),
    };
    render(&web, &s, Extra { errors, tested, form: None, saved: false }).await
}

async fn retry(
    State(web): State<Web>,
    IdPath(id): IdPath<i64>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    notify::retry(&web.app, &s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to("/settings/notifications#outbox").into_response())
}
