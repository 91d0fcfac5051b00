//! Customer data in: customers and their orders as integrations (batch API, CSV import) send them, checked
//! field by field before anything is stored. Pure: parsing money, times and statuses, and the rules of a
//! valid row; the store upserts by the organisation's own external ids.

use crate::survey::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// An id a sender may write as a JSON string or integer (Shopify's exceed 2^53: taken as integers, never
/// through f64); a fractional or too large number is refused.
pub(crate) fn id_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!("expected a string or a whole number, not {other}"))),
    }
}

/// Most rows one batch request may carry.
pub const MAX_BATCH: usize = 10_000;
/// Longest external id, name, e-mail, phone, attribute key or value, in characters.
pub const MAX_ID: usize = 200;
pub const MAX_TEXT: usize = 500;
/// Most free attributes on one customer.
pub const MAX_ATTRIBUTES: usize = 50;

/// A customer as an integration sends it. Only `external_id` is required; a field left out keeps what is
/// stored.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerDraft {
    /// The business's own id of the customer (the same as responses' `customer`).
    #[serde(deserialize_with = "id_string")]
    pub external_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// `fi`, `sv` or `en`.
    #[serde(default)]
    pub language: Option<String>,
    /// May be contacted about their feedback.
    #[serde(default)]
    pub consent_contact: Option<bool>,
    /// May receive marketing.
    #[serde(default)]
    pub consent_marketing: Option<bool>,
    /// Free attributes, e.g. `{"segment": "b2b", "region": "Uusimaa"}`.
    #[serde(default)]
    pub attributes: Option<BTreeMap<String, String>>,
}

/// A checked customer row.
#[derive(Clone, Debug, PartialEq)]
pub struct Customer {
    pub external_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<crate::Locale>,
    pub consent_contact: Option<bool>,
    pub consent_marketing: Option<bool>,
    pub attributes: Option<BTreeMap<String, String>>,
}

/// What became of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Paid,
    Fulfilled,
    Refunded,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] =
        [OrderStatus::Placed, OrderStatus::Paid, OrderStatus::Fulfilled, OrderStatus::Refunded, OrderStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Paid => "paid",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Case-insensitive; also the British/American spelling pair `canceled`.
    pub fn parse(s: &str) -> Option<OrderStatus> {
        let s = s.trim().to_ascii_lowercase();
        let s = if s == "canceled" { "cancelled".to_string() } else { s };
        OrderStatus::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether the order counts as revenue and as a purchase (not refunded or cancelled).
    pub fn counts(self) -> bool {
        !matches!(self, OrderStatus::Refunded | OrderStatus::Cancelled)
    }
}

/// An order as an integration sends it. Amounts may be a JSON number or a string (WooCommerce sends
/// strings), with `.` or `,` as the decimal mark.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrderDraft {
    #[serde(deserialize_with = "id_string")]
    pub external_id: String,
    /// The customer's external id; an unknown one is created with nothing but that id.
    #[serde(deserialize_with = "id_string")]
    pub customer: String,
    /// RFC 3339.
    pub placed_at: String,
    pub amount: serde_json::Value,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    #[serde(default)]
    pub items: Option<u32>,
    /// placed (default), paid, fulfilled, refunded or cancelled.
    #[serde(default)]
    pub status: Option<String>,
}

/// A checked order row.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub external_id: String,
    pub customer: String,
    pub placed_at: OffsetDateTime,
    pub amount_cents: i64,
    pub currency: String,
    pub items: u32,
    pub status: OrderStatus,
    /// The sender's last change to the order, when it says (webhooks): a delivery older than the one stored
    /// does not overwrite it (senders retry, so `orders/paid` may arrive before `orders/create`). `None`
    /// (batches, files) always replaces.
    pub version: Option<OffsetDateTime>,
}

/// A support contact (ticket, call, chat) as a helpdesk or file sends it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    #[serde(deserialize_with = "id_string")]
    pub external_id: String,
    #[serde(deserialize_with = "id_string")]
    pub customer: String,
    /// How the customer got in touch: a short name such as `email`, `phone`, `chat`.
    pub channel: String,
    /// Why, in a few words (`invoice`, `late delivery`).
    #[serde(default)]
    pub reason: Option<String>,
    /// The journey touchpoint it started from, if known (`invoice`, `arrival`).
    #[serde(default)]
    pub touchpoint: Option<String>,
    /// RFC 3339.
    pub opened_at: String,
    #[serde(default)]
    pub closed_at: Option<String>,
    #[serde(default)]
    pub handling_minutes: Option<u32>,
    /// What handling it cost, with `currency`.
    #[serde(default)]
    pub cost: Option<serde_json::Value>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// A checked support contact.
#[derive(Clone, Debug, PartialEq)]
pub struct Contact {
    pub external_id: String,
    pub customer: String,
    pub channel: String,
    pub reason: Option<String>,
    pub touchpoint: Option<String>,
    pub opened_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub handling_minutes: Option<u32>,
    /// Cents and currency.
    pub cost: Option<(i64, String)>,
    /// The sender's last change to the ticket, as [`Order::version`].
    pub version: Option<OffsetDateTime>,
}

/// What a time field must be (see `calendar::parse_time`).
pub(crate) const TIME_FORMAT: &str = "must be an RFC 3339 time such as 2026-11-23T09:30:00Z, in the years 1900-2999";

pub(crate) fn time_field(errs: &mut Vec<FieldError>, field: String, v: &str) -> Option<OffsetDateTime> {
    let t = crate::calendar::parse_time(v);
    if t.is_none() {
        errs.push(FieldError { field, message: TIME_FORMAT.into() });
    }
    t
}

pub(crate) fn currency(errs: &mut Vec<FieldError>, field: String, v: &str) -> String {
    let c = v.trim().to_ascii_uppercase();
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        errs.push(FieldError { field, message: "must be a three-letter ISO 4217 code such as EUR".into() });
    }
    c
}

/// Checks support contacts; each problem names its row and field.
pub fn validate_contacts(rows: &[ContactDraft]) -> Result<Vec<Contact>, ValidationErrors> {
    crate::activity::validate_batch(rows, validate_contact)
}

/// One support contact; problems go to `errs` with `prefix` before their field names.
pub fn validate_contact(errs: &mut Vec<FieldError>, prefix: &str, r: &ContactDraft) -> Contact {
    let f = |name: &str| format!("{prefix}{name}");
    let channel = r.channel.trim().to_ascii_lowercase();
    if !crate::response::is_valid_name(&channel, crate::response::MAX_CHANNEL) {
        errs.push(FieldError {
            field: f("channel"),
            message: "must be a short name such as email, phone or chat".into(),
        });
    }
    let touchpoint = r.touchpoint.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    if let Some(t) = &touchpoint
        && !crate::response::is_valid_name(t, crate::response::MAX_TOUCHPOINT)
    {
        errs.push(FieldError {
            field: f("touchpoint"),
            message: "must be a touchpoint name (a–z, 0–9, - and _)".into(),
        });
    }
    let opened_at = time_field(errs, f("opened_at"), &r.opened_at).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let closed_at =
        r.closed_at.as_deref().filter(|c| !c.trim().is_empty()).and_then(|c| time_field(errs, f("closed_at"), c));
    if closed_at.is_some_and(|c| c < opened_at) {
        errs.push(FieldError { field: f("closed_at"), message: "must not be before opened_at".into() });
    }
    let cost = match (&r.cost, r.currency.as_deref().map(str::trim).filter(|c| !c.is_empty())) {
        (None, _) | (Some(serde_json::Value::Null), _) => None,
        (Some(v), Some(c)) => match parse_cents(v) {
            Some(cents) => Some((cents, currency(errs, f("currency"), c))),
            None => {
                errs.push(FieldError { field: f("cost"), message: "must be an amount such as 12.50".into() });
                None
            }
        },
        (Some(_), None) => {
            errs.push(FieldError { field: f("currency"), message: "is required with a cost".into() });
            None
        }
    };
    Contact {
        external_id: external_id(errs, f("external_id"), &r.external_id),
        customer: external_id(errs, f("customer"), &r.customer),
        channel,
        reason: text(errs, f("reason"), r.reason.as_deref(), MAX_ID),
        touchpoint,
        opened_at,
        closed_at,
        handling_minutes: r.handling_minutes,
        cost,
        version: None,
    }
}

pub(crate) fn text(errs: &mut Vec<FieldError>, field: String, v: Option<&str>, max: usize) -> Option<String> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max || v.chars().any(char::is_control) {
        errs.push(FieldError {
            field,
            message: format!("must be at most {max} characters without control characters"),
        });
        return None;
    }
    Some(v.to_string())
}

pub(crate) fn external_id(errs: &mut Vec<FieldError>, field: String, v: &str) -> String {
    let v = v.trim();
    if v.is_empty() {
        errs.push(FieldError { field, message: "is required".into() });
    } else if v.chars().count() > MAX_ID || v.chars().any(char::is_control) {
        errs.push(FieldError {
            field,
            message: format!("must be at most {MAX_ID} characters without control characters"),
        });
    }
    v.to_string()
}

/// Money as cents: `49.9`, `"49.90"`, `"1 234,50"`, `12`. At most two decimals; not negative; below 10^13.
pub fn parse_cents(v: &serde_json::Value) -> Option<i64> {
    let s = match v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().replace([' ', '\u{a0}', '\u{202f}'], "").replace(',', "."),
        _ => return None,
    };
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    // "129.000" is exact: zeros past the cents say nothing.
    if !frac.is_ascii() {
        return None;
    }
    let frac = if frac.len() > 2 && frac[2..].bytes().all(|b| b == b'0') { &frac[..2] } else { frac };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 13 {
        return None;
    }
    let cents = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

/// Checks customers; each problem names its row and field (`rows[3].email`).
pub fn validate_customers(rows: &[CustomerDraft]) -> Result<Vec<Customer>, ValidationErrors> {
    crate::activity::validate_batch(rows, validate_customer)
}

/// One customer; problems go to `errs` with `prefix` before their field names.
pub fn validate_customer(errs: &mut Vec<FieldError>, prefix: &str, r: &CustomerDraft) -> Customer {
    let f = |name: &str| format!("{prefix}{name}");
    let email = text(errs, f("email"), r.email.as_deref(), MAX_ID);
    if let Some(e) = &email
        && !crate::notify::valid_mailbox(e)
    {
        errs.push(FieldError { field: f("email"), message: "must be an e-mail address".into() });
    }
    let language = match r.language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => match crate::Locale::parse(l) {
            Some(l) => Some(l),
            None => {
                errs.push(FieldError { field: f("language"), message: "must be fi, sv or en".into() });
                None
            }
        },
    };
    if let Some(a) = &r.attributes {
        if a.len() > MAX_ATTRIBUTES {
            errs.push(FieldError { field: f("attributes"), message: format!("at most {MAX_ATTRIBUTES}") });
        }
        for (k, v) in a {
            if k.trim().is_empty() || k.chars().count() > MAX_ID || v.chars().count() > MAX_TEXT {
                errs.push(FieldError {
                    field: f(&format!("attributes.{k}")),
                    message: format!("keys 1–{MAX_ID} characters, values at most {MAX_TEXT}"),
                });
            }
        }
    }
    Customer {
        external_id: external_id(errs, f("external_id"), &r.external_id),
        name: text(errs, f("name"), r.name.as_deref(), MAX_TEXT),
        email,
        phone: text(errs, f("phone"), r.phone.as_deref(), 50),
        language,
        consent_contact: r.consent_contact,
        consent_marketing: r.consent_marketing,
        attributes: r.attributes.clone(),
    }
}

/// Checks orders; each problem names its row and field.
pub fn validate_orders(rows: &[OrderDraft]) -> Result<Vec<Order>, ValidationErrors> {
    crate::activity::validate_batch(rows, validate_order)
}

/// One order; problems go to `errs` with `prefix` before their field names.
pub fn validate_order(errs: &mut Vec<FieldError>, prefix: &str, r: &OrderDraft) -> Order {
    let f = |name: &str| format!("{prefix}{name}");
    let placed_at = crate::calendar::parse_time(&r.placed_at).unwrap_or_else(|| {
        errs.push(FieldError { field: f("placed_at"), message: TIME_FORMAT.into() });
        OffsetDateTime::UNIX_EPOCH
    });
    let amount_cents = parse_cents(&r.amount).unwrap_or_else(|| {
        errs.push(FieldError {
            field: f("amount"),
            message: "must be an amount such as 49.90 (at most two decimals)".into(),
        });
        0
    });
    let currency = r.currency.trim().to_ascii_uppercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        errs.push(FieldError {
            field: f("currency"),
            message: "must be a three-letter ISO 4217 code such as EUR".into(),
        });
    }
    let status = match r.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => OrderStatus::Placed,
        Some(s) => OrderStatus::parse(s).unwrap_or_else(|| {
            errs.push(FieldError {
                field: f("status"),
                message: "must be placed, paid, fulfilled, refunded or cancelled".into(),
            });
            OrderStatus::Placed
        }),
    };
    Order {
        external_id: external_id(errs, f("external_id"), &r.external_id),
        customer: external_id(errs, f("customer"), &r.customer),
        placed_at,
        amount_cents,
        currency,
        items: r.items.unwrap_or(1),
        status,
        version: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn money_in_the_shapes_senders_use() {
        for (v, cents) in [
            (json!(49.9), Some(4990)),
            (json!("49.90"), Some(4990)),
            (json!("1 234,50"), Some(123_450)),
            (json!(12), Some(1200)),
            (json!("0.05"), Some(5)),
            (json!("-5"), None),
            (json!("1.234"), None),
            (json!("129.000"), Some(12_900)),
            (json!("1\u{202f}234,50"), Some(123_450)),
            (json!("abc"), None),
            (json!(""), None),
            (json!(null), None),
            (json!("12345678901234"), None),
            // Found by the property tests: a non-ASCII character in the decimals panicked (a byte slice).
            (json!("1.ﾐ'<"), None),
            (json!("1.5€"), None),
        ] {
            assert_eq!(parse_cents(&v), cents, "{v}");
        }
    }

    #[test]
    fn contacts_are_checked_field_by_field() {
        let good = ContactDraft {
            external_id: "Z-1".into(),
            customer: "C-1".into(),
            channel: "Phone".into(),
            reason: Some("invoice".into()),
            touchpoint: Some("invoice".into()),
            opened_at: "2026-11-02T10:00:00Z".into(),
            closed_at: Some("2026-11-02T10:20:00Z".into()),
            handling_minutes: Some(20),
            cost: Some(json!("12,50")),
            currency: Some("eur".into()),
        };
        let ok = validate_contacts(std::slice::from_ref(&good)).unwrap();
        assert_eq!((ok[0].channel.as_str(), ok[0].cost.clone()), ("phone", Some((1250, "EUR".to_string()))));
        let bad = ContactDraft {
            closed_at: Some("2026-11-01T10:00:00Z".into()),
            currency: None,
            touchpoint: Some("Lasku!".into()),
            ..good
        };
        let e = validate_contacts(&[bad]).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rows[0].touchpoint", "rows[0].closed_at", "rows[0].currency"]);
    }

    #[test]
    fn ids_may_be_whole_numbers_beyond_f64() {
        let o: OrderDraft = serde_json::from_value(json!({"external_id": 5_800_000_000_000_000_001u64, "customer": 42,
            "placed_at": "2026-11-02T10:00:00Z", "amount": "1", "currency": "EUR"}))
        .unwrap();
        assert_eq!((o.external_id.as_str(), o.customer.as_str()), ("5800000000000000001", "42"));
        let bad = serde_json::from_value::<OrderDraft>(json!({"external_id": 1.5, "customer": "C",
            "placed_at": "2026-11-02T10:00:00Z", "amount": "1", "currency": "EUR"}));
        assert!(bad.is_err());
    }

    #[test]
    fn statuses_in_either_spelling() {
        assert_eq!(OrderStatus::parse("Canceled"), Some(OrderStatus::Cancelled));
        assert_eq!(OrderStatus::parse("REFUNDED"), Some(OrderStatus::Refunded));
        assert_eq!(OrderStatus::parse("lost"), None);
        assert!(!OrderStatus::Refunded.counts() && OrderStatus::Paid.counts());
    }

    #[test]
    fn bad_rows_name_their_row_and_field() {
        let good = OrderDraft {
            external_id: "1001".into(),
            customer: "C-1".into(),
            placed_at: "2026-11-02T10:00:00+02:00".into(),
            amount: json!("129.00"),
            currency: "eur".into(),
            items: Some(2),
            status: Some("paid".into()),
        };
        let ok = validate_orders(std::slice::from_ref(&good)).unwrap();
        assert_eq!(ok[0].currency, "EUR");
        assert_eq!(ok[0].amount_cents, 12_900);
        assert_eq!(ok[0].placed_at.hour(), 8, "kept in UTC");
        let bad =
            OrderDraft { placed_at: "yesterday".into(), currency: "euro".into(), customer: " ".into(), ..good.clone() };
        let e = validate_orders(&[good, bad]).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rows[1].placed_at", "rows[1].currency", "rows[1].customer"]);
        let c = CustomerDraft {
            external_id: "C-1".into(),
            email: Some("not-mail".into()),
            language: Some("de".into()),
            ..Default::default()
        };
        let e = validate_customers(&[c]).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rows[0].email", "rows[0].language"]);
    }
}
