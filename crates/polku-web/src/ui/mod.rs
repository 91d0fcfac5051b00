//! The server-rendered web UI (askama templates, no JavaScript) and the public survey pages.

mod account;
mod admin;
mod auth;
mod cases;
pub mod chart;
mod contact;
mod customers;
mod dashboard;
mod data;
mod improvements;
pub(crate) mod inbox;
mod insights;
mod journey;
mod money;
mod notifications;
mod organisation;
mod panel;
mod praise;
mod public;
mod sending;
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
        .merge(account::router())
        .merge(dashboard::router())
        .merge(inbox::router())
        .merge(cases::router())
        .merge(insights::router())
        .merge(surveys::router())
        .merge(admin::router())
        .merge(text_models::router())
        .merge(notifications::router())
        .merge(contact::router())
        .merge(sending::router())
        .merge(panel::router())
        .merge(organisation::router())
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
    /// May see customers' personal data (analysts and above).
    pub personal: bool,
    pub path: String,
    /// The navigation this member sees, in their language.
    pub nav: Vec<NavGroup>,
}

impl Chrome {
    pub fn new(s: &UiSession, active: &'static str) -> Self {
        let admin = s.caller.role.allows(Permission::Administer);
        let triage = s.caller.role.allows(Permission::Triage);
        let personal = s.caller.role.allows(Permission::PersonalData);
        Chrome {
            t: s.t,
            user: s.info.name.clone(),
            org: s.info.org_name.clone(),
            csrf: s.info.csrf_token.clone(),
            active,
            admin,
            triage,
            personal,
            path: s.path.clone(),
            nav: navigation(&s.t, active, |need| match need {
                Need::Member => true,
                Need::Triage => triage,
                Need::PersonalData => personal,
                Need::Admin => admin,
            }),
        }
    }
}

/// Who sees a navigation link (the page itself checks permissions again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Member,
    Triage,
    /// Customers' personal data (analysts and up).
    PersonalData,
    Admin,
}

/// A link of [`NAVIGATION`]: address, Fluent key, the page's `active` name, who sees it.
pub type NavEntry = (&'static str, &'static str, &'static str, Need);

/// The navigation, grouped by what people do: listen, understand, act, lead (the strategy and OKR pages,
/// when they exist) and settings. The one place a new page registers its link: the group's Fluent key, then
/// each link's address, Fluent key, the `active` name its page passes to [`Chrome::new`], and who sees it.
pub const NAVIGATION: &[(&str, &[NavEntry])] = &[
    (
        "nav-listen",
        &[("/surveys", "nav-surveys", "surveys", Need::Member), ("/panel", "nav-panel", "panel", Need::PersonalData)],
    ),
    (
        "nav-understand",
        &[
            ("/", "nav-dashboard", "dashboard", Need::Member),
            ("/inbox", "nav-inbox", "inbox", Need::Member),
            ("/insights", "nav-insights", "insights", Need::Member),
            ("/journey", "nav-journey", "journey", Need::Member),
            ("/customers", "nav-customers", "customers", Need::PersonalData),
            ("/money", "nav-money", "money", Need::Member),
        ],
    ),
    (
        "nav-act",
        &[
            ("/cases", "nav-cases", "cases", Need::Triage),
            ("/cases/follow-ups", "nav-follow-ups", "follow-ups", Need::Triage),
            ("/improvements", "nav-improvements", "improvements", Need::Member),
            ("/praise", "nav-praise", "praise", Need::Member),
        ],
    ),
    (
        "nav-settings",
        &[
            ("/settings/organisation", "nav-organisation", "organisation", Need::Admin),
            ("/settings/members", "nav-members", "members", Need::Admin),
            ("/settings/tokens", "nav-tokens", "tokens", Need::Admin),
            ("/settings/rules", "nav-rules", "rules", Need::Admin),
            ("/settings/text", "nav-text", "text", Need::Admin),
            ("/settings/notifications", "nav-notifications", "notifications", Need::Admin),
            ("/settings/contact", "nav-contact", "contact", Need::Admin),
            ("/settings/connections", "nav-connections", "connections", Need::Admin),
            ("/settings/privacy", "nav-privacy", "privacy", Need::Admin),
            ("/settings/audit", "nav-audit", "audit", Need::Admin),
        ],
    ),
];

/// A group of the navigation as the layout shows it: a menu, or a plain link when it has only one.
#[derive(Clone, Debug)]
pub struct NavGroup {
    pub label: String,
    pub links: Vec<NavLink>,
    /// Holds the page being shown.
    pub current: bool,
}

#[derive(Clone, Debug)]
pub struct NavLink {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// The groups and links of [`NAVIGATION`] that `sees` allows, labelled in `t`'s language; empty groups are
/// left out.
pub fn navigation(t: &T, active: &str, sees: impl Fn(Need) -> bool) -> Vec<NavGroup> {
    NAVIGATION
        .iter()
        .filter_map(|(group, links)| {
            let links: Vec<NavLink> = links
                .iter()
                .filter(|(.., need)| sees(*need))
                .map(|(href, key, name, _)| NavLink { href, label: t.get(key), current: *name == active })
                .collect();
            let current = links.iter().any(|l| l.current);
            (!links.is_empty()).then(|| NavGroup { label: t.get(group), links, current })
        })
        .collect()
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

/// The tone and theme tags of a comment (`comment_tags.html`) and its context by name, shared by the
/// dashboard and the inbox.
pub trait CommentTags {
    fn tr(&self) -> &T;
    /// Theme key → label, in the page's language.
    fn theme_labels(&self) -> &[(String, String)];
    fn touchpoints(&self) -> &TouchpointLabels;

    fn touchpoint_label(&self, key: &str) -> String {
        self.touchpoints().label(key)
    }
    fn channel_label(&self, key: &str) -> String {
        channel_label(self.tr(), key)
    }

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

/// Touchpoints by their names in the reader's language: the journey layout's, else the key made readable.
pub struct TouchpointLabels {
    names: polku_app::journey::TouchpointNames,
    locale: polku_domain::Locale,
}

impl TouchpointLabels {
    pub async fn load(web: &Web, s: &UiSession) -> Result<Self, PageError> {
        let names = polku_app::journey::touchpoint_names(&web.app, &s.caller).await.map_err(fail(s))?;
        Ok(TouchpointLabels { names, locale: s.t.locale })
    }

    pub fn label(&self, key: &str) -> String {
        static NONE: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
        polku_domain::journey::label(key, self.names.get(key).unwrap_or(&NONE), self.locale)
    }
}

/// A channel by its name in the reader's language: a Fluent `channel-…` name, else the key made readable.
pub fn channel_label(t: &T, key: &str) -> String {
    t.try_get(&format!("channel-{key}")).unwrap_or_else(|| polku_domain::journey::humanise(key))
}

/// Formats an optional score with one decimal, or a dash.
pub fn fmt1(t: &T, v: &Option<f64>) -> String {
    v.map(|x| t.num(x, 1)).unwrap_or_else(|| "–".into())
}

/// Formats a confidence interval, or nothing.
pub fn fmt_ci(t: &T, ci: &Option<[f64; 2]>) -> String {
    ci.map(|[a, b]| format!("{} – {}", t.num(a, 1), t.num(b, 1))).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{NAVIGATION, Need, navigation};
    use crate::i18n::T;
    use polku_domain::Locale;

    /// Each role sees the groups it may use; the page shown is marked in its group; no group is empty.
    #[test]
    fn navigation_follows_the_role_and_marks_the_page() {
        let t = T::new(Locale::Fi);
        let viewer = navigation(&t, "follow-ups", |n| n == Need::Member);
        assert_eq!(viewer.len(), 3, "listen, understand, act; settings are for admins");
        assert!(viewer.iter().all(|g| !g.current), "a viewer does not see follow-ups");
        let admin = navigation(&t, "follow-ups", |_| true);
        assert_eq!(admin.len(), NAVIGATION.len());
        let act = admin.iter().find(|g| g.current).expect("a current group");
        assert_eq!(act.label, "Toimi");
        assert_eq!(act.links.iter().filter(|l| l.current).map(|l| l.href).collect::<Vec<_>>(), ["/cases/follow-ups"]);
        let names: Vec<&str> = NAVIGATION.iter().flat_map(|(_, l)| l.iter().map(|(_, _, n, _)| *n)).collect();
        let unique: std::collections::HashSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "each page's name once");
    }
}
