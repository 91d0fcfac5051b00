//! One customer's story (`polku_domain::timeline`): everything stored about them, in time order, each
//! moment marked, with the verdict; and finding a customer. Agents and up: it shows a person's details.
//!
//! The story is built from `Store::customer_export`, the same read as the GDPR export, so the two cannot
//! disagree about what is stored. The demo's `SIV-TARINA` is the classic story, and `tests/customer_data.rs`
//! checks its marks.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::role::Permission;
use polku_domain::text::Polarity;
use polku_domain::timeline::{self, Entry, Fact, Verdict};
use polku_store::CustomerRef;
use serde::Serialize;

/// A customer's page.
#[derive(Clone, Debug, Serialize)]
pub struct Story {
    pub external_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub orders: usize,
    /// Counting orders' total, in cents, per currency.
    pub revenue: Vec<(String, i64)>,
    pub entries: Vec<Entry>,
    pub verdict: Verdict,
}

/// The story of the customer with `external_id`.
pub async fn story(app: &App, caller: &Caller, external_id: &str) -> AppResult<Story> {
    if !caller.role.allows(Permission::PersonalData) {
        // An agent sees a customer only through a case they or their team work on.
        caller.require(Permission::Triage)?;
        let user = caller.actor.user().ok_or(AppError::Forbidden)?;
        if !app.store.customer_on_cases_of(caller.org, user, external_id.trim()).await? {
            return Err(AppError::Forbidden);
        }
    }
    let e = app.store.customer_export(caller.org, external_id.trim()).await?.ok_or(AppError::NotFound)?;
    let mut facts: Vec<(time::OffsetDateTime, Fact)> = Vec::new();
    let mut revenue: std::collections::BTreeMap<String, i64> = Default::default();
    for o in &e.orders {
        if polku_domain::customers::OrderStatus::parse(&o.status)
            .is_some_and(polku_domain::customers::OrderStatus::counts)
        {
            *revenue.entry(o.currency.clone()).or_default() += o.amount_cents;
        }
        let f = Fact::Order {
            id: o.external_id.clone(),
            cents: o.amount_cents,
            currency: o.currency.clone(),
            status: o.status.clone(),
        };
        facts.push((o.placed_at, f));
    }
    for d in &e.deliveries {
        let late = match (d.delivered_at, d.promised_at) {
            (Some(at), Some(p)) => Some(at > p),
            _ => None,
        };
        let at = d.delivered_at.or(d.shipped_at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        facts.push((at, Fact::Delivery { id: d.external_id.clone(), status: d.status.clone(), late }));
    }
    for r in &e.responses {
        let scored =
            |k: &str| r.answers.iter().find(|a| a.kind == k).and_then(|a| Some((k.to_string(), a.score? as i16)));
        let score = scored("nps").or_else(|| scored("csat")).or_else(|| scored("ces"));
        let text = r.answers.iter().find_map(|a| a.text.clone().filter(|t| !t.trim().is_empty()));
        facts.push((
            r.submitted_at,
            Fact::Answer { touchpoint: r.touchpoint.clone(), channel: r.channel.clone(), score, text },
        ));
    }
    for c in &e.support_contacts {
        let hours_open = c.closed_at.map(|cl| (cl - c.opened_at).whole_hours());
        facts.push((
            c.opened_at,
            Fact::Contact {
                id: c.external_id.clone(),
                channel: c.channel.clone(),
                reason: c.reason.clone(),
                touchpoint: c.touchpoint.clone(),
                hours_open,
            },
        ));
    }
    for ev in &e.events {
        let polarity = ev.polarity.as_deref().and_then(Polarity::parse);
        facts.push((
            ev.occurred_at,
            Fact::Event { touchpoint: ev.touchpoint.clone(), outcome: ev.outcome.clone(), polarity },
        ));
    }
    for rv in &e.reviews {
        facts.push((
            rv.published_at,
            Fact::Review { product: rv.product.clone(), rating: rv.rating, text: rv.text.clone() },
        ));
    }
    for rf in &e.referrals {
        facts.push((rf.redeemed_at, Fact::Referral { code: rf.code.clone(), referred: rf.role == "referred" }));
    }
    let entries = timeline::entries(facts);
    let verdict = timeline::verdict(&entries);
    // Someone known only by the reference on their answers has a story of answers alone.
    let c = e.customer;
    Ok(Story {
        external_id: c.as_ref().map_or_else(|| external_id.trim().to_string(), |c| c.external_id.clone()),
        name: c.as_ref().and_then(|c| c.name.clone()),
        email: c.as_ref().and_then(|c| c.email.clone()),
        phone: c.as_ref().and_then(|c| c.phone.clone()),
        language: c.and_then(|c| c.language),
        orders: e.orders.len(),
        revenue: revenue.into_iter().collect(),
        entries,
        verdict,
    })
}

/// Customers matching `q` (id or e-mail prefix, part of the name), at most 50.
pub async fn search(app: &App, caller: &Caller, q: &str) -> AppResult<Vec<CustomerRef>> {
    caller.require(Permission::PersonalData)?;
    if q.trim().is_empty() {
        return Ok(vec![]);
    }
    Ok(app.store.search_customers(caller.org, q, 50).await?)
}
