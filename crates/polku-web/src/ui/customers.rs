//! `/customers`: find a customer; `/customers/{id}`: their story — every moment in time order, marked
//! positive, neutral or negative, with the overall verdict and its reason. Agents and up.

use super::{Chrome, TouchpointLabels, fail, page};
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
use polku_domain::journey::humanise;
use polku_domain::text::Polarity;
use polku_domain::timeline::{Entry, Fact};

pub(super) fn router() -> Router<Web> {
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
    tp: TouchpointLabels,
}

impl StoryPage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        self.t.date_time(t)
    }
    fn mark(&self, p: &Polarity) -> (&'static str, &'static str) {
        match p {
            Polarity::Positive => ("+", "pos"),
            Polarity::Neutral => ("·", "neu"),
            Polarity::Negative => ("−", "neg"),
        }
    }
    /// What happened, in the reader's language.
    fn summary(&self, e: &Entry) -> String {
        let t = &self.t;
        let status = |kind: &str, s: &str| t.try_get(&format!("{kind}-status-{s}")).unwrap_or_else(|| humanise(s));
        match &e.fact {
            Fact::Order { id, cents, currency, status: s } => {
                format!("{id}: {} · {}", t.money(*cents, currency), status("order", s))
            }
            Fact::Delivery { id, status: s, late } => {
                let how = match late {
                    Some(true) => format!(" · {}", t.get("story-late")),
                    Some(false) => format!(" · {}", t.get("story-on-time")),
                    None => String::new(),
                };
                format!("{id}: {}{how}", status("delivery", s))
            }
            Fact::Answer { channel, score, .. } => {
                let score = score.as_ref().map(|(k, s)| format!("{} {s} · ", k.to_uppercase())).unwrap_or_default();
                format!("{score}{}", self.channel(channel))
            }
            Fact::Contact { id, channel, reason, hours_open, touchpoint } => {
                // A reason that only repeats the touchpoint shown before the summary is left out.
                let reason = reason
                    .as_deref()
                    .filter(|r| Some(*r) != touchpoint.as_deref())
                    .map(|r| format!(" · {}", self.tp.label(r)))
                    .unwrap_or_default();
                let state = match hours_open {
                    None => t.get("story-contact-open"),
                    Some(h) => t.count("story-contact-closed", *h),
                };
                format!("{id}: {}{reason} · {state}", self.channel(channel))
            }
            Fact::Event { outcome, .. } => outcome
                .as_deref()
                .map(|o| t.try_get(&format!("outcome-{o}")).unwrap_or_else(|| humanise(o)))
                .unwrap_or_default(),
            Fact::Review { product, rating, .. } => {
                format!("{} ★{rating}", product.as_deref().unwrap_or_default()).trim().to_string()
            }
            Fact::Referral { code, referred } => {
                let how = if *referred { t.get("story-referral-brought") } else { t.get("story-referral-came") };
                format!("{code} · {how}")
            }
        }
    }
    fn channel(&self, c: &str) -> String {
        super::channel_label(&self.t, c)
    }
    fn kind(&self, k: &str) -> String {
        self.t.get(&format!("customer-kind-{k}"))
    }
    fn moments(&self) -> String {
        let v = &self.s.verdict;
        self.t.counts("customer-moments", &[("positive", v.positive), ("neutral", v.neutral), ("negative", v.negative)])
    }
    fn orders(&self) -> String {
        self.t.count("customer-orders", self.s.orders)
    }
    fn polarity(&self, p: &Polarity) -> String {
        self.t.get(&format!("journey-{}", p.as_str()))
    }
    fn money(&self, cents: &i64, currency: &str) -> String {
        self.t.money(*cents, currency)
    }
}

async fn show(State(web): State<Web>, s: UiSession, Path(id): Path<String>) -> Result<Response, PageError> {
    let story = polku_app::timeline::story(&web.app, &s.caller, &id).await.map_err(fail(&s))?;
    let tp = TouchpointLabels::load(&web, &s).await?;
    Ok(page(&StoryPage { c: Chrome::new(&s, "customers"), t: s.t, s: story, tp }))
}
