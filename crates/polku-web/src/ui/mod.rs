//! The server-rendered web UI (askama templates, no JavaScript) and the public survey pages.

mod admin;
mod auth;
mod cases;
pub mod chart;
mod customers;
mod dashboard;
mod data;
mod improvements;
mod inbox;
mod insights;
mod journey;
mod money;
mod notifications;
mod praise;
mod public;
mod surveys;
mod text_models;

use crate::Web;
use crate::error::PageError;
use crate::extract::UiSession;
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use polku_app::AppError;
use polku_domain::role::Permission;

pub fn router() -> Router<Web> {
    Router::new()
        .route("/static/style.css", get(stylesheet))
        .merge(auth::router())
        .merge(dashboard::router())
        .merge(inbox::router())
        .merge(cases::router())
        .merge(insights::router())
        .merge(surveys::router())
        .merge(admin::router())
        .merge(text_models::router())
        .merge(notifications::router())
        .merge(data::router())
        .merge(money::router())
        .merge(journey::router())
        .merge(customers::router())
        .merge(praise::router())
        .merge(improvements::router())
        .merge(public::router())
}

const STYLE: &str = include_str!("../../static/style.css");

/// The stylesheet is revalidated on every use (cheap: a 304) so that an upgrade never leaves stale styles.
async fn stylesheet(headers: axum::http::HeaderMap) -> Response {
    static ETAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let etag = ETAG.get_or_init(|| {
        let h = STYLE.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        format!("\"{h:016x}\"")
    });
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (axum::http::StatusCode::NOT_MODIFIED, [(header::ETAG, etag.clone())]).into_response();
    }
    let h = [
        (header::CONTENT_TYPE, "text/css; charset=utf-8".to_string()),
        (header::CACHE_CONTROL, "no-cache".to_string()),
        (header::ETAG, etag.clone()),
    ];
    (h, STYLE).into_response()
}

/// Renders a template; a template that fails to render is a bug, reported as a 500 page.
pub fn render(t: &impl Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template failed to render");
        "<!doctype html><title>Error</title><p>Internal error</p>".to_string()
    })
}

pub fn page(t: &impl Template) -> Response {
    Html(render(t)).into_response()
}

/// What the shared layout of signed-in pages needs.
#[derive(Clone)]
pub struct Chrome {
    pub t: T,
    pub user: String,
    pub org: String,
    pub csrf: String,
    pub active: &'static str,
    pub admin: bool,
    /// May work feedback and cases (agents and above).
    pub triage: bool,
    pub path: String,
}

impl Chrome {
    pub fn new(s: &UiSession, active: &'static str) -> Self {
        Chrome {
            t: s.t,
            user: s.info.name.clone(),
            org: s.info.org_name.clone(),
            csrf: s.info.csrf_token.clone(),
            active,
            admin: s.caller.role.allows(Permission::Administer),
            triage: s.caller.role.allows(Permission::Triage),
            path: s.path.clone(),
        }
    }
}

/// Converts a use-case error into an error page in the member's language.
pub fn fail(s: &UiSession) -> impl FnOnce(AppError) -> PageError + '_ {
    move |error| PageError { error, t: s.t }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: T,
    pub title: String,
    pub detail: String,
    pub status: u16,
}

/// The tone and theme tags of a comment (`comment_tags.html`), shared by the dashboard and the inbox.
pub trait CommentTags {
    fn tr(&self) -> &T;
    /// Theme key → label, in the page's language.
    fn theme_labels(&self) -> &[(String, String)];

    /// "positive" / "neutral" / "negative" in the page's language; anything else is shown as stored.
    fn tone(&self, polarity: &str) -> String {
        match polarity {
            "positive" | "neutral" | "negative" => self.tr().get(&format!("tone-{polarity}")),
            other => other.to_string(),
        }
    }
    /// A stored polarity as a CSS class suffix (only the three known values reach the page).
    fn tone_class(&self, polarity: &str) -> &'static str {
        match polarity {
            "positive" => "positive",
            "negative" => "negative",
            _ => "neutral",
        }
    }
    fn theme_label<'a>(&'a self, key: &'a str) -> &'a str {
        self.theme_labels().iter().find(|(k, _)| k == key).map_or(key, |(_, l)| l.as_str())
    }
}

/// Formats an optional score with one decimal, or a dash.
pub fn fmt1(v: &Option<f64>) -> String {
    v.map(|x| format!("{:.1}", if x.abs() < 0.05 { 0.0 } else { x })).unwrap_or_else(|| "–".into())
}

/// Formats a confidence interval, or nothing.
pub fn fmt_ci(ci: &Option<[f64; 2]>) -> String {
    ci.map(|[a, b]| format!("{:.1} – {:.1}", a, b)).unwrap_or_default()
}
