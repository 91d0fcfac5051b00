//! The insights page: key drivers (themes and touchpoints most associated with detractors, ranked by the
//! NPS a fix would be worth) and emerging themes and words, each with the numbers and the test behind it.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::UiSession;
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use polku_app::AppError;
use polku_app::insights::{self, Insights};
use polku_app::store::SurveySummary;
use polku_domain::insights::Driver;

pub(super) fn router() -> Router<Web> {
    Router::new().route("/insights", get(show))
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct Params {
    survey: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "insights.html")]
struct InsightsPage {
    c: Chrome,
    t: T,
    surveys: Vec<SurveySummary>,
    survey: String,
    i: Insights,
    themes: Vec<(String, String)>,
}

impl InsightsPage {
    fn theme_label<'a>(&'a self, key: &'a str) -> &'a str {
        self.themes.iter().find(|(k, _)| k == key).map_or(key, |(_, l)| l.as_str())
    }
    fn pct(&self, v: &f64) -> String {
        format!("{} %", self.t.num(v * 100.0, 1))
    }
    fn nps(&self, v: &Option<f64>) -> String {
        v.map_or_else(|| "–".to_string(), |x| self.t.num(x, 0))
    }
    fn gain(&self, v: &f64) -> String {
        // The sign of what is shown: a gain that rounds to zero has none.
        let text = self.t.num(*v, 1);
        if *v > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("+{text}") } else { text }
    }
    /// A bar's width in percent of the largest gain in `list`.
    fn bar(&self, d: &Driver, list: &[Driver]) -> String {
        let max = list.iter().map(|x| x.gain).fold(0.0_f64, f64::max);
        let w = if max > 0.0 { (d.gain.max(0.0) / max * 100.0).round() } else { 0.0 };
        format!("{w:.0}")
    }
    fn baseline(&self) -> String {
        self.t.arg("insights-baseline", "range", format!("{} – {}", self.i.baseline_from, self.i.baseline_to))
    }
    fn z(&self, v: &f64) -> String {
        self.t.num(*v, 2)
    }
    fn p(&self, v: &f64) -> String {
        if *v < 0.0001 { format!("< {}", self.t.num(0.0001, 4)) } else { self.t.num(*v, 4) }
    }
    fn theme_href(&self, key: &str) -> String {
        format!("/inbox?theme={}&from={}&to={}", crate::extract::urlencode(key), self.i.from, self.i.to)
    }
    fn negative_theme_href(&self, key: &str) -> String {
        format!("{}&polarity=negative", self.theme_href(key))
    }
    fn word_href(&self, word: &str) -> String {
        format!("/inbox?q={}&from={}&to={}", crate::extract::urlencode(word), self.i.from, self.i.to)
    }
    fn touchpoint_href(&self, key: &str) -> String {
        format!("/inbox?touchpoint={}&from={}&to={}", crate::extract::urlencode(key), self.i.from, self.i.to)
    }
}

async fn show(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p: Params = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("query", e.to_string()))
        .map_err(fail(&s))?;
    let today = web.app.today(s.caller.org).await.map_err(fail(&s))?;
    let q = insights::query(p.survey.as_deref(), p.from.as_deref(), p.to.as_deref(), today).map_err(fail(&s))?;
    let i = insights::insights(&web.app, &s.caller, &q).await.map_err(fail(&s))?;
    let surveys = polku_app::surveys::list(&web.app, &s.caller).await.map_err(fail(&s))?;
    let analyzer = polku_app::text_models::analyzer_for(&web.app, s.caller.org).await.map_err(fail(&s))?;
    let themes = analyzer.themes(s.t.locale).map(|(k, l)| (k.to_string(), l.to_string())).collect();
    Ok(page(&InsightsPage {
        c: Chrome::new(&s, "insights"),
        t: s.t,
        surveys,
        survey: q.survey.map(|s| s.to_string()).unwrap_or_default(),
        i,
        themes,
    }))
}
