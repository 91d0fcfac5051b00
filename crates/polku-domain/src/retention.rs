//! Retention and revenue by experience: the leaky bucket, cohort retention, repeat purchase, time to second
//! purchase, a customer lifetime value estimate, figures split by NPS group, support efficiency, the few
//! customers who carry most of the negative load, and the loyal segment. Pure: the store hands over one
//! [`History`] per customer; every figure here is computed from those, and each is unit-tested on a small
//! fixture worked out by hand.
//!
//! Definitions (also on the pages):
//! - A customer is **active** in month `m` if they made a purchase (an order that is not refunded or
//!   cancelled) in the `window` months up to and including `m`: `m - window < p <= m`.
//! - In month `m`: **gained** made their first purchase; **returning** bought after having been inactive in
//!   `m - 1`; **lost** were active in `m - 1` and are not in `m`; **retained** = active in `m - 1` and in `m`.
//!   So active(m) = active(m - 1) - lost + gained + returning.
//! - **Needed to stand still**: new customers the month needed so that the active count does not fall,
//!   `max(0, lost - returning)`.
//! - Revenue: of gained, returning and retained customers, what they bought in `m`; of lost customers, what
//!   they bought in the `window` months up to their last purchase (what leaves with them).

use crate::calendar;
use serde::Serialize;

/// One customer's purchases and experience, as the analyses need them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Purchases per month (`calendar::month_index`), sorted by month, each with its orders and cents.
    pub months: Vec<MonthPurchases>,
    /// Day (`calendar::day_of`) of the first and second counting order.
    pub first_day: Option<i32>,
    pub second_day: Option<i32>,
    /// Counting orders and their revenue in the whole history.
    pub orders: u32,
    pub revenue: i64,
    /// Support contacts and what they cost (cents).
    pub contacts: u32,
    pub contact_cost: i64,
    /// The latest NPS answer, 0–10.
    pub nps: Option<u8>,
    /// Complaints: negative answers (NPS 0–6, CSAT 1–2, CES 1–3), negative events and 1–2 star reviews.
    pub complaints: u32,
    /// The touchpoints where this customer had a negative answer or event, sorted, each once.
    pub negative_at: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthPurchases {
    pub month: i32,
    pub orders: u32,
    pub cents: i64,
}

impl History {
    /// Whether active in `month` with this window.
    pub fn active(&self, month: i32, window: i32) -> bool {
        self.last_before_or_at(month).is_some_and(|p| p > month - window)
    }

    /// The latest purchase month at or before `month` (months are sorted).
    fn last_before_or_at(&self, month: i32) -> Option<i32> {
        let i = self.months.partition_point(|p| p.month <= month);
        i.checked_sub(1).map(|i| self.months[i].month)
    }

    fn cents_in(&self, from: i32, to: i32) -> i64 {
        self.months.iter().filter(|p| p.month >= from && p.month <= to).map(|p| p.cents).sum()
    }

    /// Negative load: complaints plus support contacts.
    pub fn load(&self) -> u32 {
        self.complaints + self.contacts
    }

    pub fn group(&self) -> NpsGroup {
        match self.nps {
            Some(9..=10) => NpsGroup::Promoter,
            Some(7..=8) => NpsGroup::Passive,
            Some(_) => NpsGroup::Detractor,
            None => NpsGroup::Unknown,
        }
    }
}

/// One month of the leaky bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BucketMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub active_start: u32,
    pub gained: u32,
    pub retained: u32,
    pub returning: u32,
    pub lost: u32,
    pub active_end: u32,
    pub revenue_gained: i64,
    pub revenue_retained: i64,
    pub revenue_returning: i64,
    pub revenue_lost: i64,
    pub needed_to_stand_still: u32,
}

pub fn month_label(month: i32) -> String {
    format!("{:04}-{:02}", month.div_euclid(12), month.rem_euclid(12) + 1)
}

/// The leaky bucket for months `from..=to`. One pass over each customer's purchases: a customer whose
/// last purchase is too old to make them active in `from - 1` adds nothing and is skipped at once.
pub fn leaky_bucket(customers: &[&History], window: i32, from: i32, to: i32) -> Vec<BucketMonth> {
    let window = window.max(1);
    let mut out: Vec<BucketMonth> =
        (from..=to).map(|m| BucketMonth { month: month_label(m), ..Default::default() }).collect();
    for c in customers {
        let (Some(first), Some(last)) = (c.months.first(), c.months.last()) else { continue };
        if last.month <= from - 1 - window || first.month > to {
            continue;
        }
        // Walks the months in order, keeping the latest purchase before `m` and the purchase in `m`.
        let mut next = c.months.partition_point(|p| p.month < from);
        let mut prev = next.checked_sub(1).map(|i| c.months[i].month);
        for (b, m) in out.iter_mut().zip(from..) {
            let bought = c.months.get(next).filter(|p| p.month == m);
            let before = prev.is_some_and(|p| p > m - 1 - window);
            let now = bought.is_some() || prev.is_some_and(|p| p > m - window);
            if before {
                b.active_start += 1;
                if now {
                    b.retained += 1;
                    b.revenue_retained += bought.map_or(0, |p| p.cents);
                } else {
                    b.lost += 1;
                    let last = prev.unwrap_or(m - 1);
                    b.revenue_lost += c.cents_in(last - window + 1, last);
                }
            } else if let Some(p) = bought {
                if first.month == m {
                    b.gained += 1;
                    b.revenue_gained += p.cents;
                } else {
                    b.returning += 1;
                    b.revenue_returning += p.cents;
                }
            }
            if bought.is_some() {
                prev = Some(m);
                next += 1;
            }
        }
    }
    for b in &mut out {
        b.active_end = b.retained + b.gained + b.returning;
        b.needed_to_stand_still = b.lost.saturating_sub(b.returning);
    }
    out
}

/// Customers who made their first purchase in one month, and the share of them buying in each later month.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cohort {
    pub month: String,
    pub customers: u32,
    /// `buying[k]`: how many of them bought in the k-th month after the first (k = 0 is the first month: all).
    pub buying: Vec<u32>,
    /// The same as shares of `customers`, 0–1.
    pub shares: Vec<f64>,
}

/// The cohort matrix for first-purchase months `from..=to`, each row as far as `to`.
pub fn cohorts(customers: &[&History], from: i32, to: i32) -> Vec<Cohort> {
    let mut rows: Vec<(u32, Vec<u32>)> = (from..=to).map(|m| (0, vec![0; (to - m + 1) as usize])).collect();
    for c in customers {
        let Some(first) = c.months.first().map(|p| p.month) else { continue };
        if first < from || first > to {
            continue;
        }
        let row = &mut rows[(first - from) as usize];
        row.0 += 1;
        // Months are distinct and sorted: each adds one buyer to its column.
        for p in c.months.iter().take_while(|p| p.month <= to) {
            row.1[(p.month - first) as usize] += 1;
        }
    }
    rows.into_iter()
        .zip(from..)
        .map(|((n, buying), m)| {
            let shares = buying.iter().map(|b| if n == 0 { 0.0 } else { f64::from(*b) / f64::from(n) }).collect();
            Cohort { month: month_label(m), customers: n, buying, shares }
        })
        .collect()
}

/// Repeat purchase and the time to a second purchase.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Repeat {
    pub customers: u32,
    /// Customers with at least two counting orders.
    pub repeat_customers: u32,
    pub repeat_rate: f64,
    /// Days from the first to the second order: median and quartiles (of customers who have a second).
    pub days_to_second_median: Option<f64>,
    pub days_to_second_q1: Option<f64>,
    pub days_to_second_q3: Option<f64>,
}

fn quantile(sorted: &[i32], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    // Linear interpolation between closest ranks (the common "type 7").
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(f64::from(sorted[lo]) + (f64::from(sorted[hi]) - f64::from(sorted[lo])) * (pos - pos.floor()))
}

pub fn repeat(customers: &[&History]) -> Repeat {
    let buyers: Vec<&History> = customers.iter().copied().filter(|c| c.orders > 0).collect();
    let mut gaps: Vec<i32> = buyers.iter().filter_map(|c| Some(c.second_day? - c.first_day?)).collect();
    gaps.sort_unstable();
    let repeaters = buyers.iter().filter(|c| c.orders >= 2).count() as u32;
    Repeat {
        customers: buyers.len() as u32,
        repeat_customers: repeaters,
        repeat_rate: if buyers.is_empty() { 0.0 } else { f64::from(repeaters) / buyers.len() as f64 },
        days_to_second_median: quantile(&gaps, 0.5),
        days_to_second_q1: quantile(&gaps, 0.25),
        days_to_second_q3: quantile(&gaps, 0.75),
    }
}

/// A simple customer lifetime value: average order value × orders per active customer a year × expected
/// lifetime in years, the lifetime being 1 / yearly churn (capped at 10 years). Revenue, not margin.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Clv {
    /// Over the 12 months up to the month of reckoning.
    pub average_order_cents: f64,
    pub orders_per_customer_year: f64,
    /// Of those active 12 months before, the share no longer active now.
    pub yearly_churn: f64,
    pub lifetime_years: f64,
    pub clv_cents: f64,
}

pub const MAX_LIFETIME_YEARS: f64 = 10.0;

pub fn clv(customers: &[&History], window: i32, month: i32) -> Clv {
    fn year(c: &History, month: i32) -> impl Iterator<Item = &MonthPurchases> {
        c.months.iter().filter(move |p| p.month > month - 12 && p.month <= month)
    }
    let orders: u32 = customers.iter().flat_map(|c| year(c, month)).map(|p| p.orders).sum();
    let cents: i64 = customers.iter().flat_map(|c| year(c, month)).map(|p| p.cents).sum();
    let buyers = customers.iter().filter(|c| year(c, month).next().is_some()).count();
    let base: Vec<&History> = customers.iter().copied().filter(|c| c.active(month - 12, window)).collect();
    let churned = base.iter().filter(|c| !c.active(month, window)).count();
    let yearly_churn = if base.is_empty() { 0.0 } else { churned as f64 / base.len() as f64 };
    let lifetime_years =
        if yearly_churn > 0.0 { (1.0 / yearly_churn).min(MAX_LIFETIME_YEARS) } else { MAX_LIFETIME_YEARS };
    let average_order_cents = if orders == 0 { 0.0 } else { cents as f64 / f64::from(orders) };
    let orders_per_customer_year = if buyers == 0 { 0.0 } else { f64::from(orders) / buyers as f64 };
    Clv {
        average_order_cents,
        orders_per_customer_year,
        yearly_churn,
        lifetime_years,
        clv_cents: average_order_cents * orders_per_customer_year * lifetime_years,
    }
}

/// An NPS group; `Unknown` for customers who never answered the NPS question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsGroup {
    Promoter,
    Passive,
    Detractor,
    Unknown,
}

impl NpsGroup {
    pub const ALL: [NpsGroup; 4] = [NpsGroup::Promoter, NpsGroup::Passive, NpsGroup::Detractor, NpsGroup::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            NpsGroup::Promoter => "promoter",
            NpsGroup::Passive => "passive",
            NpsGroup::Detractor => "detractor",
            NpsGroup::Unknown => "unknown",
        }
    }
}

/// The money figures of one group of customers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupFigures {
    pub group: String,
    pub customers: u32,
    /// Share active in the month of reckoning.
    pub retention: f64,
    /// Share with two or more orders.
    pub repeat_rate: f64,
    /// Revenue in the 12 months up to the month of reckoning, per customer (cents).
    pub revenue_per_customer: f64,
    pub orders: u32,
    pub contacts: u32,
    pub contacts_per_100_orders: f64,
    pub support_cost_per_order: f64,
}

/// The sums behind [`GroupFigures`], so that groups can be added up customer by customer.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    customers: u32,
    active: u32,
    repeat: u32,
    revenue: i64,
    orders: u32,
    contacts: u32,
    cost: i64,
}

impl Tally {
    fn of(c: &History, window: i32, month: i32) -> Tally {
        Tally {
            customers: 1,
            active: u32::from(c.active(month, window)),
            repeat: u32::from(c.orders >= 2),
            revenue: c.cents_in(month - 11, month),
            orders: c.orders,
            contacts: c.contacts,
            cost: c.contact_cost,
        }
    }

    fn add(&mut self, o: &Tally) {
        self.customers += o.customers;
        self.active += o.active;
        self.repeat += o.repeat;
        self.revenue += o.revenue;
        self.orders += o.orders;
        self.contacts += o.contacts;
        self.cost += o.cost;
    }

    fn minus(mut self, o: &Tally) -> Tally {
        self.customers -= o.customers;
        self.active -= o.active;
        self.repeat -= o.repeat;
        self.revenue -= o.revenue;
        self.orders -= o.orders;
        self.contacts -= o.contacts;
        self.cost -= o.cost;
        self
    }

    fn figures(&self, group: &str) -> GroupFigures {
        let n = self.customers;
        let share = |k: u32| if n == 0 { 0.0 } else { f64::from(k) / f64::from(n) };
        let per_order = |v: f64| if self.orders == 0 { 0.0 } else { v / f64::from(self.orders) };
        GroupFigures {
            group: group.to_string(),
            customers: n,
            retention: share(self.active),
            repeat_rate: share(self.repeat),
            revenue_per_customer: if n == 0 { 0.0 } else { self.revenue as f64 / f64::from(n) },
            orders: self.orders,
            contacts: self.contacts,
            contacts_per_100_orders: per_order(100.0 * f64::from(self.contacts)),
            support_cost_per_order: per_order(self.cost as f64),
        }
    }
}

fn figures(group: &str, members: &[&History], window: i32, month: i32) -> GroupFigures {
    let mut t = Tally::default();
    for c in members {
        t.add(&Tally::of(c, window, month));
    }
    t.figures(group)
}

/// Figures per NPS group, and the revenue at risk from detractors.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ByExperience {
    pub groups: Vec<GroupFigures>,
    /// What active detractors bought in the last 12 months: what leaves if they do.
    pub revenue_at_risk: i64,
    /// That, times how much worse detractors are retained than promoters: the expected loss.
    pub expected_loss: f64,
}

pub fn by_experience(customers: &[&History], window: i32, month: i32) -> ByExperience {
    let groups: Vec<GroupFigures> = NpsGroup::ALL
        .iter()
        .map(|g| {
            let members: Vec<&History> = customers.iter().copied().filter(|c| c.group() == *g).collect();
            figures(g.as_str(), &members, window, month)
        })
        .collect();
    let revenue_at_risk: i64 = customers
        .iter()
        .filter(|c| c.group() == NpsGroup::Detractor && c.active(month, window))
        .map(|c| c.cents_in(month - 11, month))
        .sum();
    let gap = (groups[0].retention - groups[2].retention).max(0.0);
    ByExperience { groups, revenue_at_risk, expected_loss: revenue_at_risk as f64 * gap }
}

/// The customers who had a negative experience at one touchpoint, against everyone else.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TouchpointExperience {
    pub touchpoint: String,
    /// Group `negative_there`.
    pub negative: GroupFigures,
    /// Group `everyone_else`.
    pub rest: GroupFigures,
}

/// Figures for every touchpoint where someone had a negative experience, most affected customers first
/// (ties by key): those customers against everyone else. One pass: each customer's sums are added to the
/// total and to the touchpoints they were let down at; everyone else is the total minus those.
pub fn by_touchpoint(customers: &[&History], window: i32, month: i32) -> Vec<TouchpointExperience> {
    let mut total = Tally::default();
    let mut hit: std::collections::HashMap<&str, Tally> = std::collections::HashMap::new();
    for c in customers {
        let t = Tally::of(c, window, month);
        total.add(&t);
        for k in &c.negative_at {
            hit.entry(k.as_str()).or_default().add(&t);
        }
    }
    let mut out: Vec<TouchpointExperience> = hit
        .into_iter()
        .map(|(k, t)| TouchpointExperience {
            touchpoint: k.to_string(),
            negative: t.figures("negative_there"),
            rest: total.minus(&t).figures("everyone_else"),
        })
        .collect();
    out.sort_by(|a, b| b.negative.customers.cmp(&a.negative.customers).then(a.touchpoint.cmp(&b.touchpoint)));
    out
}

/// Support load in one period or at one place.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SupportRow {
    /// `YYYY-MM`, or a touchpoint or stage.
    pub key: String,
    pub orders: u32,
    pub contacts: u32,
    pub cost_cents: i64,
    pub contacts_per_100_orders: f64,
    pub cost_per_order: f64,
}

impl SupportRow {
    pub fn new(key: String, orders: u32, contacts: u32, cost_cents: i64) -> Self {
        SupportRow {
            key,
            orders,
            contacts,
            cost_cents,
            contacts_per_100_orders: if orders == 0 { 0.0 } else { 100.0 * f64::from(contacts) / f64::from(orders) },
            cost_per_order: if orders == 0 { 0.0 } else { cost_cents as f64 / f64::from(orders) },
        }
    }
}

/// The few customers who carry the most negative load.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FewLoad {
    /// The share asked for, 0–1 (default 5 %).
    pub share: f64,
    /// Customers with any load, and how many of them are "the few".
    pub customers_with_load: u32,
    pub few: u32,
    pub total_load: u32,
    pub few_load: u32,
    /// `few_load / total_load`.
    pub few_share_of_load: f64,
}

/// Indexes of the top `share` of customers by load (at least one if anyone has load), ties broken by index;
/// and the summary.
pub fn the_few(customers: &[History], share: f64) -> (Vec<usize>, FewLoad) {
    let share = share.clamp(0.0, 1.0);
    let mut loaded: Vec<(usize, u32)> =
        customers.iter().enumerate().map(|(i, c)| (i, c.load())).filter(|(_, l)| *l > 0).collect();
    loaded.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let n = loaded.len();
    let few = if n == 0 { 0 } else { ((n as f64 * share).ceil() as usize).clamp(1, n) };
    let total: u32 = loaded.iter().map(|(_, l)| l).sum();
    let few_load: u32 = loaded[..few].iter().map(|(_, l)| l).sum();
    let mut ids: Vec<usize> = loaded[..few].iter().map(|(i, _)| *i).collect();
    ids.sort_unstable();
    let summary = FewLoad {
        share,
        customers_with_load: n as u32,
        few: few as u32,
        total_load: total,
        few_load,
        few_share_of_load: if total == 0 { 0.0 } else { f64::from(few_load) / f64::from(total) },
    };
    (ids, summary)
}

/// Loyal: repeat buyers (two or more orders) who are promoters.
pub fn is_loyal(c: &History) -> bool {
    c.orders >= 2 && c.group() == NpsGroup::Promoter
}

/// The month index of a day.
pub fn month_of_day(day: i32) -> i32 {
    calendar::month_index(calendar::date_of_day(day))
}

/// The raw facts the store reads, one row each, with customers as indexes into the organisation's list.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub customers: usize,
    /// (customer, day, cents, currency, counts): counts is false for refunded and cancelled orders.
    pub orders: Vec<(usize, i32, i64, String, bool)>,
    /// (customer, contacts, cost in cents).
    pub contacts: Vec<(usize, u32, i64)>,
    /// (customer, day, kind, score, touchpoint) of scored answers: kind `nps`, `csat` or `ces`; touchpoint
    /// `""` when the answer had none.
    pub answers: Vec<(usize, i32, String, i16, String)>,
    /// One per negative event (with its touchpoint) and 1–2 star review (`None`).
    pub negatives: Vec<(usize, Option<String>)>,
}

/// What [`build`] left out: orders in other currencies than the organisation's main one.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Built {
    /// The currency most orders are in; figures are in it.
    pub currency: String,
    pub other_currency_orders: u32,
}

/// Whether a scored answer is a complaint: NPS 0–6, CSAT 1–2, CES 1–3.
pub fn is_complaint(kind: &str, score: i16) -> bool {
    match kind {
        "nps" => score <= 6,
        "csat" => score <= 2,
        "ces" => score <= 3,
        _ => false,
    }
}

/// One customer's purchases in one currency.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Purchases {
    pub currency: String,
    pub months: Vec<MonthPurchases>,
    pub first_day: Option<i32>,
    pub second_day: Option<i32>,
    pub orders: u32,
    pub revenue: i64,
}

/// Everything the analyses need of one customer, in every currency they bought in: what the store keeps per
/// customer (`customer_summaries`, encoded with [`Summary::encode`]) so that an analysis reads one short row
/// per customer instead of every order and answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub purchases: Vec<Purchases>,
    pub contacts: u32,
    pub contact_cost: i64,
    pub nps: Option<u8>,
    pub complaints: u32,
    /// As [`History::negative_at`].
    pub negative_at: Vec<String>,
}

/// Touchpoint keys are free text: the characters the encoding uses as separators are percent-escaped.
fn escape_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for ch in key.chars() {
        match ch {
            '%' => out.push_str("%25"),
            ' ' => out.push_str("%20"),
            ',' => out.push_str("%2C"),
            '|' => out.push_str("%7C"),
            _ => out.push(ch),
        }
    }
    out
}

fn unescape_key(key: &str) -> Option<String> {
    if !key.contains('%') {
        return Some(key.to_string());
    }
    let mut out = String::with_capacity(key.len());
    let mut rest = key;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3)?;
        out.push(match code {
            "25" => '%',
            "20" => ' ',
            "2C" => ',',
            "7C" => '|',
            _ => return None,
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Some(out)
}

impl Summary {
    /// `contacts cost nps complaints negative_at` then `|currency first second orders revenue
    /// month:orders:cents,…` per currency; `-` for a missing value, negative touchpoints comma-separated and
    /// escaped. Short, and parsed without allocation per field. Summaries written before the touchpoints were
    /// kept (four head fields) still decode, with none.
    pub fn encode(&self) -> String {
        let opt = |v: Option<i32>| v.map_or("-".to_string(), |d| d.to_string());
        let mut out = format!(
            "{} {} {} {} {}",
            self.contacts,
            self.contact_cost,
            self.nps.map_or("-".to_string(), |n| n.to_string()),
            self.complaints,
            self.negative_at.iter().map(|k| escape_key(k)).collect::<Vec<_>>().join(",")
        );
        for p in &self.purchases {
            out.push_str(&format!(
                "|{} {} {} {} {} ",
                p.currency,
                opt(p.first_day),
                opt(p.second_day),
                p.orders,
                p.revenue
            ));
            let months: Vec<String> =
                p.months.iter().map(|m| format!("{}:{}:{}", m.month, m.orders, m.cents)).collect();
            out.push_str(&months.join(","));
        }
        out
    }

    /// The inverse of [`Summary::encode`]; `None` for text it did not write.
    pub fn decode(text: &str) -> Option<Summary> {
        let mut parts = text.split('|');
        let mut head = parts.next()?.split(' ');
        let mut s = Summary {
            contacts: head.next()?.parse().ok()?,
            contact_cost: head.next()?.parse().ok()?,
            nps: match head.next()? {
                "-" => None,
                n => Some(n.parse().ok()?),
            },
            complaints: head.next()?.parse().ok()?,
            negative_at: match head.next() {
                None => Vec::new(),
                Some(list) => list.split(',').filter(|k| !k.is_empty()).map(unescape_key).collect::<Option<_>>()?,
            },
            purchases: Vec::new(),
        };
        if head.next().is_some() {
            return None;
        }
        let day = |v: &str| -> Option<Option<i32>> { if v == "-" { Some(None) } else { v.parse().ok().map(Some) } };
        for part in parts {
            let mut f = part.splitn(6, ' ');
            let mut p = Purchases {
                currency: f.next()?.to_string(),
                first_day: day(f.next()?)?,
                second_day: day(f.next()?)?,
                orders: f.next()?.parse().ok()?,
                revenue: f.next()?.parse().ok()?,
                months: Vec::new(),
            };
            for m in f.next().unwrap_or("").split(',').filter(|m| !m.is_empty()) {
                let mut x = m.split(':');
                p.months.push(MonthPurchases {
                    month: x.next()?.parse().ok()?,
                    orders: x.next()?.parse().ok()?,
                    cents: x.next()?.parse().ok()?,
                });
            }
            s.purchases.push(p);
        }
        Some(s)
    }
}

/// One [`Summary`] per customer from the raw facts: counting orders per currency and month, contacts,
/// complaints, and the latest NPS answer by day (ties: the later row).
pub fn summarise(facts: &Facts) -> Vec<Summary> {
    let mut out = vec![Summary::default(); facts.customers];
    let mut days: Vec<Vec<(String, i32)>> = vec![Vec::new(); facts.customers];
    for (c, day, cents, cur, counts) in &facts.orders {
        if !counts || *c >= out.len() {
            continue;
        }
        let s = &mut out[*c];
        let p = match s.purchases.iter_mut().position(|p| p.currency == *cur) {
            Some(i) => &mut s.purchases[i],
            None => {
                s.purchases.push(Purchases { currency: cur.clone(), ..Default::default() });
                s.purchases.last_mut().expect("just pushed")
            }
        };
        p.orders += 1;
        p.revenue += cents;
        days[*c].push((cur.clone(), *day));
        let m = month_of_day(*day);
        match p.months.iter_mut().find(|x| x.month == m) {
            Some(x) => {
                x.orders += 1;
                x.cents += cents;
            }
            None => p.months.push(MonthPurchases { month: m, orders: 1, cents: *cents }),
        }
    }
    for (s, d) in out.iter_mut().zip(days.iter_mut()) {
        d.sort_unstable();
        for p in &mut s.purchases {
            p.months.sort_by_key(|m| m.month);
            let mine: Vec<i32> = d.iter().filter(|(c, _)| *c == p.currency).map(|(_, day)| *day).collect();
            p.first_day = mine.first().copied();
            p.second_day = mine.get(1).copied();
        }
        s.purchases.sort_by(|a, b| a.currency.cmp(&b.currency));
    }
    for (c, n, cost) in &facts.contacts {
        if let Some(s) = out.get_mut(*c) {
            s.contacts += n;
            s.contact_cost += cost;
        }
    }
    let mut nps_day: Vec<Option<i32>> = vec![None; facts.customers];
    for (c, day, kind, score, touchpoint) in &facts.answers {
        let Some(s) = out.get_mut(*c) else { continue };
        if is_complaint(kind, *score) {
            s.complaints += 1;
            if !touchpoint.is_empty() {
                s.negative_at.push(touchpoint.clone());
            }
        }
        if kind == "nps" && nps_day[*c].is_none_or(|d| *day >= d) {
            nps_day[*c] = Some(*day);
            s.nps = Some((*score).clamp(0, 10) as u8);
        }
    }
    for (c, touchpoint) in &facts.negatives {
        if let Some(s) = out.get_mut(*c) {
            s.complaints += 1;
            if let Some(t) = touchpoint.as_ref().filter(|t| !t.is_empty()) {
                s.negative_at.push(t.clone());
            }
        }
    }
    for s in &mut out {
        s.negative_at.sort_unstable();
        s.negative_at.dedup();
    }
    out
}

/// The currency most orders are in (ties: the first by code; `EUR` when nobody bought), and how many orders
/// are in others.
pub fn main_currency(summaries: &[Summary]) -> Built {
    let mut by_currency: std::collections::BTreeMap<&str, u32> = std::collections::BTreeMap::new();
    for p in summaries.iter().flat_map(|s| &s.purchases) {
        *by_currency.entry(p.currency.as_str()).or_default() += p.orders;
    }
    let currency = by_currency
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map_or_else(|| "EUR".to_string(), |(c, _)| c.to_string());
    let other_currency_orders = by_currency.iter().filter(|(c, _)| **c != currency).map(|(_, n)| n).sum();
    Built { currency, other_currency_orders }
}

/// One customer's [`History`] in `currency`; purchases in other currencies are left out.
pub fn history(s: &Summary, currency: &str) -> History {
    let p = s.purchases.iter().find(|p| p.currency == currency);
    History {
        months: p.map(|p| p.months.clone()).unwrap_or_default(),
        first_day: p.and_then(|p| p.first_day),
        second_day: p.and_then(|p| p.second_day),
        orders: p.map_or(0, |p| p.orders),
        revenue: p.map_or(0, |p| p.revenue),
        contacts: s.contacts,
        contact_cost: s.contact_cost,
        nps: s.nps,
        complaints: s.complaints,
        negative_at: s.negative_at.clone(),
    }
}

/// One [`History`] per summary in the [`main_currency`]; orders in other currencies are left out and counted.
pub fn histories(summaries: &[Summary]) -> (Vec<History>, Built) {
    let built = main_currency(summaries);
    (summaries.iter().map(|s| history(s, &built.currency)).collect(), built)
}

/// One [`History`] per customer from the raw facts ([`summarise`], then [`histories`]).
pub fn build(facts: &Facts) -> (Vec<History>, Built) {
    histories(&summarise(facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Months as small integers: 100 = some month, 101 the next …
    fn h(purchases: &[(i32, i64)], nps: Option<u8>, contacts: u32, cost: i64, complaints: u32) -> History {
        let mut months: Vec<MonthPurchases> = Vec::new();
        for (m, c) in purchases {
            match months.iter_mut().find(|p| p.month == *m) {
                Some(p) => {
                    p.orders += 1;
                    p.cents += c;
                }
                None => months.push(MonthPurchases { month: *m, orders: 1, cents: *c }),
            }
        }
        months.sort_by_key(|p| p.month);
        let orders = purchases.len() as u32;
        // Days: the 1st of each month as month * 30 (only differences matter).
        let mut days: Vec<i32> = purchases.iter().map(|(m, _)| m * 30).collect();
        days.sort_unstable();
        History {
            first_day: days.first().copied(),
            second_day: days.get(1).copied(),
            orders,
            revenue: purchases.iter().map(|p| p.1).sum(),
            months,
            contacts,
            contact_cost: cost,
            nps,
            complaints,
            negative_at: Vec::new(),
        }
    }

    /// The fixture, with a window of 2 months:
    /// - A buys in 100, 101, 104 (100 € each): gained 100; retained 101, 102; lost 103 (last 101, 101+2);
    ///   returning 104; then active 104, 105; lost 106.
    /// - B buys in 101 (50 €) only: gained 101; retained 102; lost 103.
    /// - C buys in 102 and 103 (20 €, 30 €): gained 102; retained 103, 104; lost 105.
    fn refs(v: &[History]) -> Vec<&History> {
        v.iter().collect()
    }

    fn fixture() -> Vec<History> {
        vec![
            h(&[(100, 10_000), (101, 10_000), (104, 10_000)], Some(10), 0, 0, 0),
            h(&[(101, 5_000)], Some(3), 2, 1_500, 1),
            h(&[(102, 2_000), (103, 3_000)], Some(8), 1, 500, 0),
        ]
    }

    #[test]
    fn leaky_bucket_by_hand() {
        let b = leaky_bucket(&refs(&fixture()), 2, 100, 106);
        let row = |m: usize| {
            let r = &b[m];
            (r.active_start, r.gained, r.retained, r.returning, r.lost, r.active_end)
        };
        // 100: A new.                      start 0, gained 1, end 1
        assert_eq!(row(0), (0, 1, 0, 0, 0, 1));
        // 101: A retained (buys), B new.   start 1, end 2
        assert_eq!(row(1), (1, 1, 1, 0, 0, 2));
        // 102: A (last 101) and B still active; C new.
        assert_eq!(row(2), (2, 1, 2, 0, 0, 3));
        // 103: A and B lost (last 101, window 2); C retained (buys).
        assert_eq!(row(3), (3, 0, 1, 0, 2, 1));
        // 104: A returns; C retained (last 103).
        assert_eq!(row(4), (1, 0, 1, 1, 0, 2));
        // 105: C lost (last 103); A retained.
        assert_eq!(row(5), (2, 0, 1, 0, 1, 1));
        // 106: A lost.
        assert_eq!(row(6), (1, 0, 0, 0, 1, 0));
        // Revenue: 101 — A retained bought 100 €, B gained 50 €.
        assert_eq!((b[1].revenue_retained, b[1].revenue_gained), (10_000, 5_000));
        // 103: C retained 30 €; lost A took 100+100 € (101 and 100, its window up to its last purchase), B 50 €.
        assert_eq!((b[3].revenue_retained, b[3].revenue_lost), (3_000, 25_000));
        assert_eq!((b[3].needed_to_stand_still, b[4].revenue_returning), (2, 10_000));
        // 105: C took 20 + 30 €.
        assert_eq!(b[5].revenue_lost, 5_000);
        assert_eq!(b[4].needed_to_stand_still, 0, "a returning customer covers the month");
        assert_eq!(b[0].month, month_label(100));
        assert_eq!(month_label(2026 * 12 + 10), "2026-11");
    }

    #[test]
    fn cohorts_and_repeat_by_hand() {
        let c = cohorts(&refs(&fixture()), 100, 102);
        // 100: A — buys in 100, 101, (not 102).
        assert_eq!((c[0].customers, c[0].buying.clone()), (1, vec![1, 1, 0]));
        // 101: B — 101 only.
        assert_eq!(c[1].buying, vec![1, 0]);
        assert_eq!(c[2].buying, vec![1], "C, as far as 102");
        assert_eq!(c[0].shares, vec![1.0, 1.0, 0.0]);
        let r = repeat(&refs(&fixture()));
        // A and C bought twice or more: 2 of 3. Second purchase after 30 days (A) and 30 days (C).
        assert_eq!((r.customers, r.repeat_customers), (3, 2));
        assert!((r.repeat_rate - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!((r.days_to_second_median, r.days_to_second_q1), (Some(30.0), Some(30.0)));
        assert_eq!(quantile(&[10, 20, 30, 40], 0.5), Some(25.0));
        assert_eq!(quantile(&[10, 20, 30, 40], 0.25), Some(17.5));
    }

    #[test]
    fn clv_by_hand() {
        // Month of reckoning 104, window 2. Last 12 months (93..=104): all five orders of 100+100+100+50+20+30
        // = 400 € in 6 orders from 3 buyers: average order 66.67 €, 2 orders per customer a year.
        // Active in 92: nobody, so no churn base: lifetime is the cap of 10 years.
        let v = clv(&refs(&fixture()), 2, 104);
        assert!((v.average_order_cents - 40_000.0 / 6.0).abs() < 1e-9);
        assert!((v.orders_per_customer_year - 2.0).abs() < 1e-12);
        assert_eq!((v.yearly_churn, v.lifetime_years), (0.0, 10.0));
        // Reckoned in 115: base = active in 103 (C, whose last was 103; A and B were lost in 103) = C; C is not
        // active in 115: churn 1/1, lifetime 1 year. The last 12 months 104..=115 hold A's 104 order alone.
        let v = clv(&refs(&fixture()), 2, 115);
        assert_eq!((v.yearly_churn, v.lifetime_years), (1.0, 1.0));
        assert!((v.clv_cents - 10_000.0).abs() < 1e-9);
    }

    #[test]
    fn by_experience_by_hand() {
        // In 104 with window 2: A (promoter) active, B (detractor) not, C (passive) active.
        let e = by_experience(&refs(&fixture()), 2, 104);
        let g = |name: &str| e.groups.iter().find(|x| x.group == name).unwrap().clone();
        assert_eq!((g("promoter").customers, g("promoter").retention, g("promoter").repeat_rate), (1, 1.0, 1.0));
        assert_eq!((g("detractor").retention, g("detractor").repeat_rate), (0.0, 0.0));
        // Revenue per customer in the 12 months to 104: A 300 €, B 50 €, C 50 €.
        assert_eq!(
            (
                g("promoter").revenue_per_customer,
                g("detractor").revenue_per_customer,
                g("passive").revenue_per_customer
            ),
            (30_000.0, 5_000.0, 5_000.0)
        );
        // B: 2 contacts on 1 order = 200 per 100 orders; cost 15 € per order.
        assert_eq!((g("detractor").contacts_per_100_orders, g("detractor").support_cost_per_order), (200.0, 1_500.0));
        assert_eq!(g("unknown").customers, 0);
        // The only detractor is inactive in 104: nothing at risk then; in 102 B is active with 50 €, and
        // promoters are retained 100 %, detractors 100 % (B still active): no gap, no expected loss.
        assert_eq!(e.revenue_at_risk, 0);
        let e = by_experience(&refs(&fixture()), 2, 102);
        assert_eq!((e.revenue_at_risk, e.expected_loss), (5_000, 0.0));
        // B was let down at the arrival, C at the arrival and by the invoice. In 104 (window 2) B is gone,
        // C (last bought 103) and A are active.
        let mut v = fixture();
        v[1].negative_at = vec!["arrival".into()];
        v[2].negative_at = vec!["arrival".into(), "invoice".into()];
        let t = by_touchpoint(&refs(&v), 2, 104);
        let row = |i: usize| {
            (
                t[i].touchpoint.as_str(),
                t[i].negative.customers,
                t[i].negative.retention,
                t[i].rest.customers,
                t[i].rest.retention,
            )
        };
        assert_eq!(row(0), ("arrival", 2, 0.5, 1, 1.0));
        assert_eq!(row(1), ("invoice", 1, 1.0, 2, 0.5));
        // Revenue per customer in the 12 months up to 104: arrival's B 50 € and C 50 € → 50 €; A 300 €.
        assert_eq!((t[0].negative.revenue_per_customer, t[0].rest.revenue_per_customer), (5_000.0, 30_000.0));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn summaries_survive_their_encoding() {
        let s = Summary {
            purchases: vec![
                Purchases {
                    currency: "EUR".into(),
                    months: vec![
                        MonthPurchases { month: 24_314, orders: 2, cents: 12_990 },
                        MonthPurchases { month: 24_316, orders: 1, cents: 5 },
                    ],
                    first_day: Some(20_400),
                    second_day: Some(20_410),
                    orders: 3,
                    revenue: 12_995,
                },
                Purchases {
                    currency: "SEK".into(),
                    months: vec![MonthPurchases { month: 24_300, orders: 1, cents: 100 }],
                    first_day: Some(1),
                    second_day: None,
                    orders: 1,
                    revenue: 100,
                },
            ],
            contacts: 2,
            contact_cost: 1_500,
            nps: Some(0),
            complaints: 4,
            negative_at: vec!["a b,c|d%e".into(), "arrival".into()],
        };
        assert_eq!(
            s.encode(),
            "2 1500 0 4 a%20b%2Cc%7Cd%25e,arrival|EUR 20400 20410 3 12995 24314:2:12990,24316:1:5|SEK 1 - 1 100 24300:1:100"
        );
        assert_eq!(Summary::decode(&s.encode()), Some(s.clone()));
        let empty = Summary::default();
        assert_eq!(Summary::decode(&empty.encode()), Some(empty));
        // Written before negative touchpoints were kept: decodes with none.
        let old =
            Summary::decode("2 1500 0 4|EUR 20400 20410 3 12995 24314:2:12990,24316:1:5|SEK 1 - 1 100 24300:1:100");
        assert_eq!(old, Some(Summary { negative_at: vec![], ..s }));
        assert_eq!(Summary::decode("2 x 0 4"), None);
        assert_eq!(Summary::decode("2 1 0 4 bad%ZZ"), None);
        assert_eq!(Summary::decode("2 1 0 4 a extra"), None);
    }

    #[test]
    fn facts_become_histories() {
        let d = |y: i32, m: u8, day: u8| {
            calendar::day_of_date(time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap())
        };
        let facts = Facts {
            customers: 2,
            orders: vec![
                (0, d(2026, 3, 5), 1_000, "EUR".into(), true),
                (0, d(2026, 3, 20), 2_000, "EUR".into(), true),
                (0, d(2026, 5, 1), 500, "EUR".into(), false),
                (0, d(2026, 6, 1), 9_999, "SEK".into(), true),
                (1, d(2026, 4, 2), 700, "EUR".into(), true),
            ],
            contacts: vec![(1, 2, 3_000)],
            answers: vec![
                (0, d(2026, 3, 6), "nps".into(), 4, "quote".into()),
                (0, d(2026, 4, 1), "nps".into(), 9, "work".into()),
                (0, d(2026, 4, 1), "csat".into(), 2, "quote".into()),
                (1, d(2026, 4, 3), "ces".into(), 5, "".into()),
            ],
            negatives: vec![(1, Some("delivery".into())), (1, None)],
        };
        let (h, built) = build(&facts);
        assert_eq!((built.currency.as_str(), built.other_currency_orders), ("EUR", 1));
        // Two March orders in one month; the refunded May order does not count.
        assert_eq!(h[0].months, vec![MonthPurchases { month: 2026 * 12 + 2, orders: 2, cents: 3_000 }]);
        assert_eq!(
            (h[0].orders, h[0].revenue, h[0].first_day, h[0].second_day),
            (2, 3_000, Some(d(2026, 3, 5)), Some(d(2026, 3, 20)))
        );
        // The latest NPS is the 9 of April; the 4 and the CSAT 2 are complaints.
        assert_eq!((h[0].nps, h[0].complaints, h[0].group()), (Some(9), 2, NpsGroup::Promoter));
        // Both complaints were at the quote; the 9 at the work is not negative.
        assert_eq!(h[0].negative_at, ["quote"]);
        // A negative delivery event and a 1–2 star review (no touchpoint).
        assert_eq!((h[1].contacts, h[1].contact_cost, h[1].complaints, h[1].nps), (2, 3_000, 2, None));
        assert_eq!(h[1].negative_at, ["delivery"]);
    }

    #[test]
    fn the_few_and_the_loyal_by_hand() {
        // Loads: A 0, B 1 + 2 = 3, C 1. With 5 % of the two with load: ceil(0.1) = 1 → B, carrying 3 of 4.
        let (few, s) = the_few(&fixture(), 0.05);
        assert_eq!(few, vec![1]);
        assert_eq!((s.customers_with_load, s.few, s.total_load, s.few_load), (2, 1, 4, 3));
        assert!((s.few_share_of_load - 0.75).abs() < 1e-12);
        let (few, s) = the_few(&fixture(), 1.0);
        assert_eq!((few, s.few_load), (vec![1, 2], 4));
        assert_eq!(the_few(&[], 0.05).1.few, 0);
        let loyal: Vec<bool> = fixture().iter().map(is_loyal).collect();
        assert_eq!(loyal, [true, false, false], "A: three orders and a 10; C bought twice but is passive");
        let s = SupportRow::new("2026-11".into(), 40, 6, 9_000);
        assert_eq!((s.contacts_per_100_orders, s.cost_per_order), (15.0, 225.0));
    }

    /// The definitions, month by month and customer by customer, as plainly as they read in the module
    /// comment: the fast versions must agree with them.
    fn plain_bucket(customers: &[History], window: i32, from: i32, to: i32) -> Vec<BucketMonth> {
        (from..=to)
            .map(|m| {
                let mut b = BucketMonth { month: month_label(m), ..Default::default() };
                for c in customers {
                    let active = |m: i32| c.months.iter().any(|p| p.month <= m && p.month > m - window);
                    let bought = c.months.iter().find(|p| p.month == m);
                    if active(m - 1) {
                        b.active_start += 1;
                        if active(m) {
                            b.retained += 1;
                            b.revenue_retained += bought.map_or(0, |p| p.cents);
                        } else {
                            b.lost += 1;
                            let last = c.months.iter().rev().map(|p| p.month).find(|x| *x < m).unwrap();
                            b.revenue_lost += c.cents_in(last - window + 1, last);
                        }
                    } else if let Some(p) = bought {
                        if c.months[0].month == m {
                            b.gained += 1;
                            b.revenue_gained += p.cents;
                        } else {
                            b.returning += 1;
                            b.revenue_returning += p.cents;
                        }
                    }
                }
                b.active_end = b.retained + b.gained + b.returning;
                b.needed_to_stand_still = b.lost.saturating_sub(b.returning);
                b
            })
            .collect()
    }

    fn plain_cohorts(customers: &[History], from: i32, to: i32) -> Vec<(u32, Vec<u32>)> {
        (from..=to)
            .map(|m| {
                let members: Vec<&History> =
                    customers.iter().filter(|c| c.months.first().is_some_and(|p| p.month == m)).collect();
                let buying = (0..=(to - m))
                    .map(|k| members.iter().filter(|c| c.months.iter().any(|p| p.month == m + k)).count() as u32)
                    .collect();
                (members.len() as u32, buying)
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn fast_figures_agree_with_the_definitions(
            purchases in proptest::collection::vec(proptest::collection::btree_map(90..120i32, 1..5_000i64, 0..8), 0..30),
            window in 1..6i32,
            from in 85..115i32,
            len in 1..12i32,
        ) {
            let customers: Vec<History> =
                purchases.iter().map(|p| h(&p.iter().map(|(m, c)| (*m, *c)).collect::<Vec<_>>(), None, 0, 0, 0)).collect();
            let to = from + len - 1;
            proptest::prop_assert_eq!(leaky_bucket(&refs(&customers), window, from, to), plain_bucket(&customers, window, from, to));
            let fast: Vec<(u32, Vec<u32>)> =
                cohorts(&refs(&customers), from, to).into_iter().map(|c| (c.customers, c.buying)).collect();
            proptest::prop_assert_eq!(fast, plain_cohorts(&customers, from, to));
        }
    }
}
