//! Retention and revenue by experience for the API, the pages and CSV: takes every customer's history
//! (`crate::histories`, kept current from the customer summaries) and computes every figure —
//! optionally without "the few" customers who carry most of the negative load, so that the two can be shown
//! side by side.
//!
//! `analyse` computes every figure for the last N months, and with `compare` again without the few (the top
//! `few_percent` of customers by load, complaints plus contacts): figures by touchpoint experience
//! (`retention::by_touchpoint`) and support per journey stage (`journey::support_by_stage`: contacts go to
//! the stage their touchpoint is placed on, the rest to `-`). "Active" uses the organisation's
//! `lost_after_months` (migration 0023); both settings are audited when changed.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::calendar;
use polku_domain::retention::{self, BucketMonth, ByExperience, Clv, Cohort, FewLoad, History, Repeat, SupportRow};
use polku_domain::role::Permission;
use polku_store::{Audit, CustomerRef};
use serde::Serialize;

/// Most months a leaky bucket or cohort matrix may span.
pub const MAX_MONTHS: i32 = 60;

/// The organisation's analysis settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Months without a purchase after which a customer counts as lost.
    pub lost_after_months: i64,
    /// The top percentage of customers by negative load counted as "the few".
    pub few_percent: i64,
}

pub async fn settings(app: &App, caller: &Caller) -> AppResult<Settings> {
    caller.require(Permission::View)?;
    let (lost_after_months, few_percent) = app.store.analysis_settings(caller.org).await?;
    Ok(Settings { lost_after_months, few_percent })
}

/// Changes the settings (admins).
pub async fn set_settings(app: &App, caller: &Caller, s: Settings) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let mut errs = Vec::new();
    if !(1..=36).contains(&s.lost_after_months) {
        errs.push(("lost_after_months", "must be 1–36 months"));
    }
    if !(1..=50).contains(&s.few_percent) {
        errs.push(("few_percent", "must be 1–50 percent"));
    }
    if !errs.is_empty() {
        return Err(polku_domain::survey::ValidationErrors(
            errs.into_iter()
                .map(|(f, m)| polku_domain::survey::FieldError { field: f.into(), message: m.into() })
                .collect(),
        )
        .into());
    }
    let audit = Audit {
        actor: &caller.actor,
        action: "analysis.settings",
        target: caller.org.to_string(),
        detail: serde_json::json!({"lost_after_months": s.lost_after_months, "few_percent": s.few_percent}),
    };
    Ok(app.store.set_analysis_settings(caller.org, s.lost_after_months, s.few_percent, &audit).await?)
}

/// Every figure, for all customers or without the few.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// Customers counted (all, or all but the few).
    pub customers: usize,
    pub leaky_bucket: Vec<BucketMonth>,
    pub cohorts: Vec<Cohort>,
    pub repeat: Repeat,
    pub clv: Clv,
    pub by_experience: ByExperience,
    /// Per touchpoint where someone had a negative answer or event: those customers against everyone else.
    pub by_touchpoint: Vec<retention::TouchpointExperience>,
}

/// The analyses of one organisation up to one month.
#[derive(Clone, Debug, Serialize)]
pub struct Money {
    /// The month of reckoning, `YYYY-MM` (the current month).
    pub month: String,
    pub first_month: String,
    pub lost_after_months: i64,
    /// The figures' currency (the most common one), and orders in others left out.
    pub currency: String,
    pub other_currency_orders: u32,
    pub few: FewLoad,
    pub all: Figures,
    /// The same without the few (present when asked for).
    pub without_few: Option<Figures>,
    pub support_by_month: Vec<SupportRow>,
    pub support_by_touchpoint: Vec<SupportRow>,
    /// The same per journey stage (the touchpoints placed under each), in the journey's order.
    pub support_by_stage: Vec<polku_domain::journey::StageSupport>,
}

/// Every customer's history, current (see [`crate::histories`]).
pub async fn histories(app: &App, caller: &Caller) -> AppResult<std::sync::Arc<crate::histories::Histories>> {
    caller.require(Permission::View)?;
    crate::histories::current(app, caller.org).await
}

/// The organisation's customers by id, without the erased ones (for lists that name people).
async fn named(app: &App, caller: &Caller) -> AppResult<std::collections::HashMap<uuid::Uuid, CustomerRef>> {
    Ok(app.store.customer_list(caller.org).await?.into_iter().filter(|c| !c.erased).map(|c| (c.id, c)).collect())
}

fn figures(customers: &[&History], window: i32, from: i32, to: i32) -> Figures {
    Figures {
        customers: customers.len(),
        leaky_bucket: retention::leaky_bucket(customers, window, from, to),
        cohorts: retention::cohorts(customers, from, to),
        repeat: retention::repeat(customers),
        clv: retention::clv(customers, window, to),
        by_experience: retention::by_experience(customers, window, to),
        by_touchpoint: retention::by_touchpoint(customers, window, to),
    }
}

/// Every analysis over the last `months` months up to `now`'s month; with `compare`, also without the few.
pub async fn analyse(
    app: &App,
    caller: &Caller,
    months: Option<i32>,
    compare: bool,
    now: time::OffsetDateTime,
) -> AppResult<Money> {
    let s = settings(app, caller).await?;
    let months = months.unwrap_or(12);
    if !(1..=MAX_MONTHS).contains(&months) {
        return Err(AppError::invalid("months", format!("must be 1–{MAX_MONTHS}")));
    }
    let h = histories(app, caller).await?;
    let (all, built) = (&h.histories, &h.built);
    let to = calendar::month_index(app.zone(caller.org).await?.today(now));
    let from = to - months + 1;
    let window = s.lost_after_months as i32;
    let (few_ids, few) = retention::the_few(all, s.few_percent as f64 / 100.0);
    let without_few = compare.then(|| {
        let rest: Vec<&History> =
            all.iter().enumerate().filter(|(i, _)| few_ids.binary_search(i).is_err()).map(|(_, h)| h).collect();
        figures(&rest, window, from, to)
    });
    let (days, places) = app.store.support_counts(caller.org).await?;
    let mut by_month: std::collections::BTreeMap<i32, (u32, u32, i64)> = (from..=to).map(|m| (m, (0, 0, 0))).collect();
    for h in all {
        for p in &h.months {
            if let Some(e) = by_month.get_mut(&p.month) {
                e.0 += p.orders;
            }
        }
    }
    for (day, n, cost) in &days {
        let m = retention::month_of_day(day.parse().unwrap_or(0));
        if let Some(e) = by_month.get_mut(&m) {
            e.1 += *n as u32;
            e.2 += cost;
        }
    }
    let total_orders: u32 = all.iter().map(|h| h.orders).sum();
    let (stages, placed) = app.store.journey(caller.org).await?;
    let stages = stages.unwrap_or_else(polku_domain::journey::default_stages);
    Ok(Money {
        month: retention::month_label(to),
        first_month: retention::month_label(from),
        lost_after_months: s.lost_after_months,
        currency: built.currency.clone(),
        other_currency_orders: built.other_currency_orders,
        few,
        all: figures(&all.iter().collect::<Vec<_>>(), window, from, to),
        without_few,
        support_by_month: by_month
            .into_iter()
            .map(|(m, (o, n, c))| SupportRow::new(retention::month_label(m), o, n, c))
            .collect(),
        support_by_stage: polku_domain::journey::support_by_stage(&stages, &placed, &places, total_orders),
        support_by_touchpoint: places
            .into_iter()
            .map(|(t, n, c)| SupportRow::new(if t.is_empty() { "-".into() } else { t }, total_orders, n as u32, c))
            .collect(),
    })
}

/// A loyal customer, for thanking.
#[derive(Clone, Debug, Serialize)]
pub struct Loyal {
    pub external_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub orders: u32,
    /// Revenue over the whole history, in cents of the main currency.
    pub revenue_cents: i64,
    pub nps: Option<u8>,
}

/// Loyal customers: repeat buyers who are promoters, most revenue first.
pub async fn loyal(app: &App, caller: &Caller) -> AppResult<Vec<Loyal>> {
    // Names, addresses and revenue: the same rule as the few.
    caller.require(Permission::PersonalData)?;
    let h = histories(app, caller).await?;
    let mut names = named(app, caller).await?;
    let mut out: Vec<Loyal> = h
        .ids
        .iter()
        .zip(&h.histories)
        .filter(|(_, h)| retention::is_loyal(h))
        .filter_map(|(id, h)| {
            let c = names.remove(id)?;
            Some(Loyal {
                external_id: c.external_id,
                name: c.name,
                email: c.email,
                orders: h.orders,
                revenue_cents: h.revenue,
                nps: h.nps,
            })
        })
        .collect();
    out.sort_by(|a, b| b.revenue_cents.cmp(&a.revenue_cents).then(a.external_id.cmp(&b.external_id)));
    Ok(out)
}

/// The few customers themselves (analysts and up: it names people), most load first.
pub async fn few_customers(app: &App, caller: &Caller) -> AppResult<(FewLoad, Vec<(String, u32, u32, u32)>)> {
    caller.require(Permission::PersonalData)?;
    let s = settings(app, caller).await?;
    let h = histories(app, caller).await?;
    let (ids, histories) = (&h.ids, &h.histories);
    let names = named(app, caller).await?;
    let (few_ids, few) = retention::the_few(histories, s.few_percent as f64 / 100.0);
    let mut rows: Vec<(String, u32, u32, u32)> = few_ids
        .into_iter()
        .filter_map(|i| {
            let c = names.get(&ids[i])?;
            Some((c.external_id.clone(), histories[i].complaints, histories[i].contacts, histories[i].load()))
        })
        .collect();
    rows.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    Ok((few, rows))
}
