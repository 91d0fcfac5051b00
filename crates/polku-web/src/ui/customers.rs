//! `/customers`: find a customer; `/customers/{id}`: their story — every moment in time order, marked
//! positive, neutral or negative, with the overall verdict and its reason. Agents and up.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::UiSession;
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use polku_app::store::CustomerRef;
use polku_app::timeline::Story;
use polku_domain::text::Polarity;

pub fn router() -> Router<Web> {
    Router::new().route("/customers", get(search)).route("/customers/{id}", get(show))
}

#[derive(Template)]
#[template(path = "customers.html")]
struct SearchPage {
    c: Chrome,
    t: T,
    q: String,
    hits: Vec<CustomerRef>,
}

async fn search(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let q = pairs.into_iter().find(|(k, _)| k == "q").map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let hits = polku_app::timeline::search(&web.app, &s.caller, &q).await.map_err(fail(&s))?;
    Ok(page(&SearchPage { c: Chrome::new(&s, "customers"), t: s.t, q, hits }))
}

#[derive(Template)]
#[template(path = "customer.html")]
struct StoryPage {
    c: Chrome,
    t: T,
    s: Story,
}

impl StoryPage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        t.format(time::macros::format_description!("[day].[month].[year] [hour]:[minute]")).unwrap_or_default()
    }
    fn mark(&self, p: &Polarity) -> (&'static str, &'static str) {
        match p {
            Polarity::Positive => ("+", "pos"),
            Polarity::Neutral => ("·", "neu"),
            Polarity::Negative => ("−", "neg"),
        }
    }
    fn polarity(&self, p: &Polarity) -> String {
        self.t.get(&format!("journey-{}", p.as_str()))
    }
    fn money(&self, cents: &i64) -> String {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

async fn show(State(web): State<Web>, s: UiSession, Path(id): Path<String>) -> Result<Response, PageError> {
    let story = polku_app::timeline::story(&web.app, &s.caller, &id).await.map_err(fail(&s))?;
    Ok(page(&StoryPage { c: Chrome::new(&s, "customers"), t: s.t, s: story }))
}
