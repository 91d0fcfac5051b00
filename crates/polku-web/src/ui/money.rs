//! `/money`: retention and revenue by experience — the leaky bucket, the cohort matrix, repeat purchase and
//! lifetime value, figures by NPS group, support efficiency — with a switch that shows every figure with
//! and without the few customers who carry most of the negative load, side by side; the loyal customers;
//! each table downloadable as CSV (`/money/{part}.csv`, `/money/loyal.csv`).

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
use polku_app::AppError;
use polku_app::money::{self, Figures, Loyal, Money};
use polku_domain::retention::SupportRow;

pub(super) fn router() -> Router<Web> {
    Router::new().route("/money", get(show)).route("/money/loyal", get(loyal)).route("/money/{part}", get(download))
}

/// Rows labelled by their own key.
fn keyed(rows: &[SupportRow]) -> Vec<(String, &SupportRow)> {
    rows.iter().map(|r| (r.key.clone(), r)).collect()
}

#[derive(Template)]
#[template(path = "money.html")]
struct MoneyPage {
    c: Chrome,
    t: T,
    m: Money,
    tp: TouchpointLabels,
    months: i32,
    compare: bool,
}

impl MoneyPage {
    /// The figure sets shown: all, and without the few when comparing.
    fn sets(&self) -> Vec<(String, &Figures)> {
        let mut out = vec![(self.t.get("money-all"), &self.m.all)];
        if let Some(w) = &self.m.without_few {
            out.push((self.t.get("money-without-few"), w));
        }
        out
    }
    fn money(&self, cents: &i64) -> String {
        eur(*cents as f64, &self.m.currency)
    }
    /// Support load by month, by journey stage and by touchpoint: (column title, rows with their labels).
    fn support_tables(&self) -> Vec<(String, Vec<(String, &SupportRow)>)> {
        let stages = self
            .m
            .support_by_stage
            .iter()
            .map(|s| {
                let name = s.names.get(self.t.locale.as_str()).cloned().unwrap_or_else(|| self.t.get("money-no-stage"));
                (name, &s.support)
            })
            .collect();
        vec![
            (self.t.get("money-month"), keyed(&self.m.support_by_month)),
            (self.t.get("money-stage"), stages),
            (
                self.t.get("money-touchpoint"),
                self.m.support_by_touchpoint.iter().map(|r| (self.tp.label(&r.key), r)).collect(),
            ),
        ]
    }
    /// Column headings from Fluent keys; a key may start with `+ ` or `− `, shown before its text.
    fn cols<const N: usize>(&self, keys: &[&str; N]) -> Vec<String> {
        keys.iter()
            .map(|k| match k.split_once(' ') {
                Some((sign, key)) => format!("{sign} {}", self.t.get(key)),
                None => self.t.get(k),
            })
            .collect()
    }
    /// [`Self::cols`] after a first heading given as text.
    fn cols_after<const N: usize>(&self, first: &str, keys: &[&str; N]) -> Vec<String> {
        std::iter::once(first.to_string()).chain(self.cols(keys)).collect()
    }
    fn caption(&self, label: &str, customers: &usize) -> String {
        format!("{label} ({customers})")
    }
    fn moneyf(&self, cents: &f64) -> String {
        eur(*cents, &self.m.currency)
    }
    fn pct(&self, share: &f64) -> String {
        format!("{} %", self.t.num(share * 100.0, 0))
    }
    fn num(&self, v: &f64) -> String {
        self.t.num(*v, 1)
    }
    fn days(&self, v: &Option<f64>) -> String {
        v.map(|d| self.t.num(d, 0)).unwrap_or_else(|| "–".into())
    }
    /// A cohort cell's background: deeper for a larger share.
    fn shade(&self, share: &f64) -> String {
        // At most 0.65, where the page's dark text still has 5.3:1 contrast (WCAG AA wants 4.5:1).
        format!("background: rgba(11, 94, 215, {:.2})", (share * 0.65).clamp(0.0, 0.65))
    }
    fn group(&self, g: &str) -> String {
        self.t.get(&format!("money-group-{g}"))
    }
    fn query(&self, compare: bool) -> String {
        format!("?months={}{}", self.months, if compare { "&compare=true" } else { "" })
    }
}

/// Whole units with a thin space between thousands, and the currency: `12 345 EUR`.
fn eur(cents: f64, currency: &str) -> String {
    let units = (cents / 100.0).round() as i64;
    let digits = units.abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(ch);
    }
    format!("{}{grouped} {currency}", if units < 0 { "−" } else { "" })
}

fn params(s: &UiSession, raw: Option<&str>) -> Result<(Option<i32>, bool), PageError> {
    crate::api::parse_money_query(raw).map_err(fail(s))
}

async fn show(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let (months, compare) = params(&s, raw.as_deref())?;
    let m = money::analyse(&web.app, &s.caller, months, compare, polku_app::store::now()).await.map_err(fail(&s))?;
    let tp = TouchpointLabels::load(&web, &s).await?;
    Ok(page(&MoneyPage { c: Chrome::new(&s, "money"), t: s.t, m, tp, months: months.unwrap_or(12), compare }))
}

async fn download(
    State(web): State<Web>,
    s: UiSession,
    Path(part): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    if part == "loyal.csv" {
        let rows = money::loyal(&web.app, &s.caller).await.map_err(fail(&s))?;
        let body = crate::money_csv::loyal(&rows).map_err(|e| fail(&s)(AppError::Internal(e)))?;
        return Ok(crate::api::csv_response(body, "polku-loyal-customers.csv"));
    }
    let name = part.strip_suffix(".csv").filter(|p| crate::money_csv::PARTS.contains(p));
    let Some(name) = name else { return Err(fail(&s)(AppError::NotFound)) };
    let (months, compare) = params(&s, raw.as_deref())?;
    let m = money::analyse(&web.app, &s.caller, months, compare, polku_app::store::now()).await.map_err(fail(&s))?;
    let body = crate::money_csv::table(&m, name).expect("a known part").map_err(|e| fail(&s)(AppError::Internal(e)))?;
    Ok(crate::api::csv_response(body, &format!("polku-{name}.csv")))
}

#[derive(Template)]
#[template(path = "loyal.html")]
struct LoyalPage {
    c: Chrome,
    t: T,
    rows: Vec<Loyal>,
}

impl LoyalPage {
    fn money(&self, cents: &i64) -> String {
        eur(*cents as f64, "")
    }
}

async fn loyal(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    let rows = money::loyal(&web.app, &s.caller).await.map_err(fail(&s))?;
    Ok(page(&LoyalPage { c: Chrome::new(&s, "money"), t: s.t, rows }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_is_grouped_by_thousands() {
        assert_eq!(super::eur(123_456_789.0, "EUR"), "1\u{202f}234\u{202f}568 EUR");
        assert_eq!(super::eur(-50_000.0, "SEK"), "−500 SEK");
        assert_eq!(super::eur(0.0, "EUR"), "0 EUR");
    }
}
