//! The retention and money analyses as CSV tables, shared by the API (`/api/v1/analytics/{part}.csv`) and the
//! pages' download links. Money is in cents of the figures' currency; shares are 0–1. With a comparison, each
//! row says which figures it belongs to: `all` or `without_few`.

use polku_app::money::{Figures, Loyal, Money};

/// The parts that have a table.
pub const PARTS: [&str; 8] = [
    "leaky-bucket",
    "cohorts",
    "by-experience",
    "by-touchpoint",
    "support-by-month",
    "support-by-stage",
    "support-by-touchpoint",
    "clv",
];

const GROUP_COLUMNS: [&str; 9] = [
    "group",
    "customers",
    "retention",
    "repeat_rate",
    "revenue_per_customer_cents",
    "orders",
    "contacts",
    "contacts_per_100_orders",
    "support_cost_per_order_cents",
];

fn group_fields(g: &polku_domain::retention::GroupFigures) -> [String; 9] {
    [
        g.group.clone(),
        g.customers.to_string(),
        format!("{:.4}", g.retention),
        format!("{:.4}", g.repeat_rate),
        format!("{:.0}", g.revenue_per_customer),
        g.orders.to_string(),
        g.contacts.to_string(),
        format!("{:.2}", g.contacts_per_100_orders),
        format!("{:.0}", g.support_cost_per_order),
    ]
}

fn sets(m: &Money) -> Vec<(&'static str, &Figures)> {
    let mut out = vec![("all", &m.all)];
    if let Some(w) = &m.without_few {
        out.push(("without_few", w));
    }
    out
}

/// One part as CSV, or `None` for an unknown part.
pub fn table(m: &Money, part: &str) -> Option<anyhow::Result<Vec<u8>>> {
    let mut w = crate::csv_out::CsvOut::default();
    let result = (|| -> anyhow::Result<()> {
        match part {
            "leaky-bucket" => {
                w.record([
                    "figures",
                    "month",
                    "active_start",
                    "gained",
                    "retained",
                    "returning",
                    "lost",
                    "active_end",
                    "revenue_gained_cents",
                    "revenue_retained_cents",
                    "revenue_returning_cents",
                    "revenue_lost_cents",
                    "needed_to_stand_still",
                ])?;
                for (set, f) in sets(m) {
                    for b in &f.leaky_bucket {
                        w.record([
                            set.to_string(),
                            b.month.clone(),
                            b.active_start.to_string(),
                            b.gained.to_string(),
                            b.retained.to_string(),
                            b.returning.to_string(),
                            b.lost.to_string(),
                            b.active_end.to_string(),
                            b.revenue_gained.to_string(),
                            b.revenue_retained.to_string(),
                            b.revenue_returning.to_string(),
                            b.revenue_lost.to_string(),
                            b.needed_to_stand_still.to_string(),
                        ])?;
                    }
                }
            }
            "cohorts" => {
                w.record(["figures", "cohort", "customers", "months_after", "buying", "share"])?;
                for (set, f) in sets(m) {
                    for c in &f.cohorts {
                        for (k, (b, s)) in c.buying.iter().zip(&c.shares).enumerate() {
                            w.record([
                                set.to_string(),
                                c.month.clone(),
                                c.customers.to_string(),
                                k.to_string(),
                                b.to_string(),
                                format!("{s:.4}"),
                            ])?;
                        }
                    }
                }
            }
            "by-experience" => {
                w.record(["figures"].iter().chain(&GROUP_COLUMNS))?;
                for (set, f) in sets(m) {
                    for g in &f.by_experience.groups {
                        w.record([set.to_string()].into_iter().chain(group_fields(g)))?;
                    }
                }
            }
            "by-touchpoint" => {
                // Two rows per touchpoint: its let-down customers (`negative_there`) and `everyone_else`.
                w.record(["figures", "touchpoint"].iter().chain(&GROUP_COLUMNS))?;
                for (set, f) in sets(m) {
                    for x in &f.by_touchpoint {
                        for g in [&x.negative, &x.rest] {
                            w.record([set.to_string(), x.touchpoint.clone()].into_iter().chain(group_fields(g)))?;
                        }
                    }
                }
            }
            "clv" => {
                w.record([
                    "figures",
                    "average_order_cents",
                    "orders_per_customer_year",
                    "yearly_churn",
                    "lifetime_years",
                    "clv_cents",
                    "repeat_rate",
                    "days_to_second_median",
                    "revenue_at_risk_cents",
                    "expected_loss_cents",
                ])?;
                for (set, f) in sets(m) {
                    w.record([
                        set.to_string(),
                        format!("{:.0}", f.clv.average_order_cents),
                        format!("{:.3}", f.clv.orders_per_customer_year),
                        format!("{:.4}", f.clv.yearly_churn),
                        format!("{:.2}", f.clv.lifetime_years),
                        format!("{:.0}", f.clv.clv_cents),
                        format!("{:.4}", f.repeat.repeat_rate),
                        f.repeat.days_to_second_median.map(|d| format!("{d:.1}")).unwrap_or_default(),
                        f.by_experience.revenue_at_risk.to_string(),
                        format!("{:.0}", f.by_experience.expected_loss),
                    ])?;
                }
            }
            "support-by-month" | "support-by-stage" | "support-by-touchpoint" => {
                w.record([
                    "key",
                    "orders",
                    "contacts",
                    "cost_cents",
                    "contacts_per_100_orders",
                    "cost_per_order_cents",
                ])?;
                let stages: Vec<&polku_domain::retention::SupportRow> =
                    m.support_by_stage.iter().map(|s| &s.support).collect();
                let rows: Vec<&polku_domain::retention::SupportRow> = match part {
                    "support-by-month" => m.support_by_month.iter().collect(),
                    "support-by-stage" => stages,
                    _ => m.support_by_touchpoint.iter().collect(),
                };
                for r in rows {
                    w.record([
                        r.key.clone(),
                        r.orders.to_string(),
                        r.contacts.to_string(),
                        r.cost_cents.to_string(),
                        format!("{:.2}", r.contacts_per_100_orders),
                        format!("{:.0}", r.cost_per_order),
                    ])?;
                }
            }
            _ => anyhow::bail!("unknown part"),
        }
        Ok(())
    })();
    if !PARTS.contains(&part) {
        return None;
    }
    Some(result.and_then(|()| w.finish()))
}

/// Loyal customers as CSV.
pub fn loyal(rows: &[Loyal]) -> anyhow::Result<Vec<u8>> {
    let mut w = crate::csv_out::CsvOut::default();
    w.record(["external_id", "name", "email", "orders", "revenue_cents", "nps"])?;
    for r in rows {
        w.record([
            r.external_id.clone(),
            r.name.clone().unwrap_or_default(),
            r.email.clone().unwrap_or_default(),
            r.orders.to_string(),
            r.revenue_cents.to_string(),
            r.nps.map(|n| n.to_string()).unwrap_or_default(),
        ])?;
    }
    w.finish()
}

/// The journey map's touchpoints as CSV; with a comparison, each row says which figures it belongs to.
pub fn journey(m: &polku_app::journey::JourneyMap) -> anyhow::Result<Vec<u8>> {
    let mut w = crate::csv_out::CsvOut::default();
    w.record([
        "figures",
        "stage",
        "touchpoint",
        "name",
        "answers",
        "positive",
        "neutral",
        "negative",
        "negative_share",
        "nps",
        "nps_low",
        "nps_high",
        "csat",
        "contacts",
        "events",
        "negative_events",
        "trend",
        "text_positive",
        "text_neutral",
        "text_negative",
    ])?;
    let sets = std::iter::once(("all", &m.all)).chain(m.without_few.iter().map(|f| ("without_few", f)));
    let rows = sets.flat_map(|(set, f)| {
        let placed = f.stages.iter().flat_map(move |s| s.touchpoints.iter().map(move |t| (set, s.key.as_str(), t)));
        placed.chain(f.unplaced.iter().map(move |t| (set, "", t)))
    });
    for (set, stage, t) in rows {
        let opt = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_default();
        w.record([
            set.to_string(),
            stage.to_string(),
            t.key.clone(),
            t.name.clone(),
            t.answers.to_string(),
            t.feel.positive.to_string(),
            t.feel.neutral.to_string(),
            t.feel.negative.to_string(),
            format!("{:.4}", t.negative_share),
            opt(t.nps.score),
            opt(t.nps.ci95.map(|c| c[0])),
            opt(t.nps.ci95.map(|c| c[1])),
            opt(t.csat.score),
            t.contacts.to_string(),
            t.events.to_string(),
            t.negative_events.to_string(),
            serde_json::to_value(t.trend)?.as_str().unwrap_or("").to_string(),
            t.text.positive.to_string(),
            t.text.neutral.to_string(),
            t.text.negative.to_string(),
        ])?;
    }
    w.finish()
}
