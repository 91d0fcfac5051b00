//! What else happens on a customer's journey besides orders and support contacts: deliveries, referral code
//! redemptions, product reviews and generic touchpoint events, as integrations send them, checked field by
//! field (`rows[3].rating`) before anything is stored. Each is upserted by the organisation's own external id;
//! the timeline and the analyses read them.

use crate::customers::{MAX_BATCH, MAX_ID, external_id, id_string, text, time_field};
use crate::response::{MAX_TOUCHPOINT, is_valid_name};
use crate::survey::{FieldError, ValidationErrors};
use crate::text::Polarity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Longest review text, in characters.
pub const MAX_REVIEW: usize = 5000;
/// Most attributes on one event, and the most JSON they may take.
pub const MAX_EVENT_ATTRIBUTES: usize = 50;
pub const MAX_EVENT_ATTRIBUTES_JSON: usize = 4096;

fn opt_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Id(#[serde(deserialize_with = "id_string")] String);
    Ok(Option::<Id>::deserialize(d)?.map(|i| i.0))
}

/// Checks a batch with `one` for each row, naming problems `rows[i].field`.
pub fn validate_batch<D, T>(
    rows: &[D],
    one: impl Fn(&mut Vec<FieldError>, &str, &D) -> T,
) -> Result<Vec<T>, ValidationErrors> {
    if rows.len() > MAX_BATCH {
        return Err(ValidationErrors(vec![FieldError {
            field: "rows".into(),
            message: format!("at most {MAX_BATCH} a request"),
        }]));
    }
    let mut errs = Vec::new();
    let out = rows.iter().enumerate().map(|(i, r)| one(&mut errs, &format!("rows[{i}]."), r)).collect();
    if errs.is_empty() { Ok(out) } else { Err(ValidationErrors(errs)) }
}

fn touchpoint(errs: &mut Vec<FieldError>, field: String, v: Option<&str>) -> Option<String> {
    let t = v.map(str::trim).filter(|t| !t.is_empty())?.to_ascii_lowercase();
    if !is_valid_name(&t, MAX_TOUCHPOINT) {
        errs.push(FieldError { field, message: "must be a touchpoint name (a–z, 0–9, -, _ and .)".into() });
    }
    Some(t)
}

fn opt_time(errs: &mut Vec<FieldError>, field: String, v: Option<&str>) -> Option<OffsetDateTime> {
    v.map(str::trim).filter(|v| !v.is_empty()).and_then(|v| time_field(errs, field, v))
}

/// Where a delivery got to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Shipped,
    Delivered,
    Failed,
    Returned,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] =
        [DeliveryStatus::Shipped, DeliveryStatus::Delivered, DeliveryStatus::Failed, DeliveryStatus::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Shipped => "shipped",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A delivery (parcel, installation visit) as a shop or carrier sends it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryDraft {
    #[serde(deserialize_with = "id_string")]
    pub external_id: String,
    #[serde(deserialize_with = "id_string")]
    pub customer: String,
    /// The order's external id, if the delivery belongs to one.
    #[serde(default, deserialize_with = "opt_id")]
    pub order: Option<String>,
    /// shipped, delivered, failed or returned; delivered when `delivered_at` is given, else shipped.
    #[serde(default)]
    pub status: Option<String>,
    /// RFC 3339 times; at least one of `shipped_at` and `delivered_at`.
    #[serde(default)]
    pub shipped_at: Option<String>,
    /// When it was promised to arrive: a later `delivered_at` makes it late.
    #[serde(default)]
    pub promised_at: Option<String>,
    #[serde(default)]
    pub delivered_at: Option<String>,
    #[serde(default)]
    pub carrier: Option<String>,
    /// The journey touchpoint, `delivery` unless given.
    #[serde(default)]
    pub touchpoint: Option<String>,
}

/// A checked delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub external_id: String,
    pub customer: String,
    pub order: Option<String>,
    pub status: DeliveryStatus,
    pub shipped_at: Option<OffsetDateTime>,
    pub promised_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
    pub carrier: Option<String>,
    pub touchpoint: String,
}

impl Delivery {
    /// The time it is filed under: delivered, else shipped.
    pub fn at(&self) -> OffsetDateTime {
        self.delivered_at.or(self.shipped_at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Late when it arrived after the promised time.
    pub fn late(&self) -> bool {
        matches!((self.delivered_at, self.promised_at), (Some(d), Some(p)) if d > p)
    }
}

/// One delivery; problems go to `errs` with `prefix` before their field names.
pub fn validate_delivery(errs: &mut Vec<FieldError>, prefix: &str, r: &DeliveryDraft) -> Delivery {
    let f = |name: &str| format!("{prefix}{name}");
    let shipped_at = opt_time(errs, f("shipped_at"), r.shipped_at.as_deref());
    let promised_at = opt_time(errs, f("promised_at"), r.promised_at.as_deref());
    let delivered_at = opt_time(errs, f("delivered_at"), r.delivered_at.as_deref());
    let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    if !given(&r.shipped_at) && !given(&r.delivered_at) {
        errs.push(FieldError { field: f("shipped_at"), message: "shipped_at or delivered_at is required".into() });
    }
    if let (Some(s), Some(d)) = (shipped_at, delivered_at)
        && d < s
    {
        errs.push(FieldError { field: f("delivered_at"), message: "must not be before shipped_at".into() });
    }
    let status = match r.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None if delivered_at.is_some() => DeliveryStatus::Delivered,
        None => DeliveryStatus::Shipped,
        Some(s) => DeliveryStatus::parse(s).unwrap_or_else(|| {
            errs.push(FieldError {
                field: f("status"),
                message: "must be shipped, delivered, failed or returned".into(),
            });
            DeliveryStatus::Shipped
        }),
    };
    Delivery {
        external_id: external_id(errs, f("external_id"), &r.external_id),
        customer: external_id(errs, f("customer"), &r.customer),
        order: r.order.as_deref().map(str::trim).filter(|o| !o.is_empty()).map(|o| external_id(errs, f("order"), o)),
        status,
        shipped_at,
        promised_at,
        delivered_at,
        carrier: text(errs, f("carrier"), r.carrier.as_deref(), MAX_ID),
        touchpoint: touchpoint(errs, f("touchpoint"), r.touchpoint.as_deref()).unwrap_or_else(|| "delivery".into()),
    }
}

/// A referral code redeemed: who referred whom (promoters bring friends).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralDraft {
    #[serde(deserialize_with = "id_string")]
    pub external_id: String,
    pub code: String,
    /// The referring customer's external id, if known.
    #[serde(default, deserialize_with = "opt_id")]
    pub referrer: Option<String>,
    /// The new customer who redeemed the code.
    #[serde(deserialize_with = "id_string")]
    pub customer: String,
    #[serde(default, deserialize_with = "opt_id")]
    pub order: Option<String>,
    /// RFC 3339.
    pub redeemed_at: String,
}

/// A checked referral redemption.
#[derive(Clone, Debug, PartialEq)]
pub struct Referral {
    pub external_id: String,
    pub code: String,
    pub referrer: Option<String>,
    pub customer: String,
    pub order: Option<String>,
    pub redeemed_at: OffsetDateTime,
}

/// One referral redemption.
pub fn validate_referral(errs: &mut Vec<FieldError>, prefix: &str, r: &ReferralDraft) -> Referral {
    let f = |name: &str| format!("{prefix}{name}");
    let customer = external_id(errs, f("customer"), &r.customer);
    let referrer =
        r.referrer.as_deref().map(str::trim).filter(|o| !o.is_empty()).map(|o| external_id(errs, f("referrer"), o));
    if referrer.as_deref() == Some(customer.as_str()) {
        errs.push(FieldError { field: f("referrer"), message: "a customer cannot refer themselves".into() });
    }
    Referral {
        external_id: external_id(errs, f("external_id"), &r.external_id),
        code: external_id(errs, f("code"), &r.code),
        referrer,
        customer,
        order: r.order.as_deref().map(str::trim).filter(|o| !o.is_empty()).map(|o| external_id(errs, f("order"), o)),
        redeemed_at: time_field(errs, f("redeemed_at"), &r.redeemed_at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    }
}

/// A product review.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewDraft {
    #[serde(deserialize_with = "id_string")]
    pub external_id: String,
    #[serde(deserialize_with = "id_string")]
    pub customer: String,
    /// The product's name or id.
    #[serde(default, deserialize_with = "opt_id")]
    pub product: Option<String>,
    /// 1–5 stars.
    pub rating: i64,
    /// Whether the review has photos.
    #[serde(default)]
    pub photos: bool,
    #[serde(default)]
    pub text: Option<String>,
    /// RFC 3339.
    pub published_at: String,
}

/// A checked review.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub external_id: String,
    pub customer: String,
    pub product: Option<String>,
    pub rating: u8,
    pub photos: bool,
    pub text: Option<String>,
    pub published_at: OffsetDateTime,
}

impl Review {
    /// 4–5 stars positive, 3 neutral, 1–2 negative.
    pub fn polarity(&self) -> Polarity {
        match self.rating {
            4.. => Polarity::Positive,
            3 => Polarity::Neutral,
            _ => Polarity::Negative,
        }
    }
}

/// One review.
pub fn validate_review(errs: &mut Vec<FieldError>, prefix: &str, r: &ReviewDraft) -> Review {
    let f = |name: &str| format!("{prefix}{name}");
    if !(1..=5).contains(&r.rating) {
        errs.push(FieldError { field: f("rating"), message: "must be 1 to 5 stars".into() });
    }
    let body = r.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if body.is_some_and(|t| t.chars().count() > MAX_REVIEW) {
        errs.push(FieldError { field: f("text"), message: format!("must be at most {MAX_REVIEW} characters") });
    }
    Review {
        external_id: external_id(errs, f("external_id"), &r.external_id),
        customer: external_id(errs, f("customer"), &r.customer),
        product: text(errs, f("product"), r.product.as_deref(), MAX_ID),
        rating: r.rating.clamp(1, 5) as u8,
        photos: r.photos,
        text: body.map(str::to_string),
        published_at: time_field(errs, f("published_at"), &r.published_at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
    }
}

/// Anything else that happened at a touchpoint: "quote sent", "technician arrived", "invoice e-mailed".
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventDraft {
    /// The sender's id of the event; sending it again replaces it. Without one, every call is a new event.
    #[serde(default, deserialize_with = "opt_id")]
    pub external_id: Option<String>,
    #[serde(deserialize_with = "id_string")]
    pub customer: String,
    pub touchpoint: String,
    /// RFC 3339.
    pub occurred_at: String,
    /// What happened, as a short name: `on_time`, `late`, `sent`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// How it went for the customer: positive, neutral or negative.
    #[serde(default)]
    pub polarity: Option<String>,
    /// Free attributes (strings, numbers, booleans).
    #[serde(default)]
    pub attributes: Option<BTreeMap<String, serde_json::Value>>,
}

/// A checked touchpoint event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub external_id: String,
    pub customer: String,
    pub touchpoint: String,
    pub occurred_at: OffsetDateTime,
    pub outcome: Option<String>,
    pub polarity: Option<Polarity>,
    /// JSON text of the attributes.
    pub attributes: Option<String>,
}

/// One event; an event without an id gets `new_id`.
pub fn validate_event(
    errs: &mut Vec<FieldError>,
    prefix: &str,
    r: &EventDraft,
    new_id: impl FnOnce() -> String,
) -> Event {
    let f = |name: &str| format!("{prefix}{name}");
    let touchpoint_name = touchpoint(errs, f("touchpoint"), Some(&r.touchpoint)).unwrap_or_else(|| {
        errs.push(FieldError { field: f("touchpoint"), message: "is required".into() });
        String::new()
    });
    let outcome = r.outcome.as_deref().map(str::trim).filter(|o| !o.is_empty()).map(str::to_ascii_lowercase);
    if let Some(o) = &outcome
        && !is_valid_name(o, 40)
    {
        errs.push(FieldError {
            field: f("outcome"), message: "must be a short name (a–z, 0–9, -, _ and .)".into()
        });
    }
    let polarity = match r.polarity.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match Polarity::parse(&p.to_ascii_lowercase()) {
            Some(p) => Some(p),
            None => {
                errs.push(FieldError { field: f("polarity"), message: "must be positive, neutral or negative".into() });
                None
            }
        },
    };
    let attributes = match &r.attributes {
        None => None,
        Some(a) => {
            if a.len() > MAX_EVENT_ATTRIBUTES || a.values().any(|v| v.is_object() || v.is_array()) {
                errs.push(FieldError {
                    field: f("attributes"),
                    message: format!("at most {MAX_EVENT_ATTRIBUTES} keys with strings, numbers or booleans"),
                });
            }
            let json = serde_json::to_string(a).unwrap_or_default();
            if json.len() > MAX_EVENT_ATTRIBUTES_JSON {
                errs.push(FieldError {
                    field: f("attributes"),
                    message: format!("must be at most {MAX_EVENT_ATTRIBUTES_JSON} bytes as JSON"),
                });
            }
            (!a.is_empty()).then_some(json)
        }
    };
    let id = match r.external_id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        Some(i) => external_id(errs, f("external_id"), i),
        None => new_id(),
    };
    Event {
        external_id: id,
        customer: external_id(errs, f("customer"), &r.customer),
        touchpoint: touchpoint_name,
        occurred_at: time_field(errs, f("occurred_at"), &r.occurred_at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        outcome,
        polarity,
        attributes,
    }
}

/// Checked customer data of any kind, written together in one transaction (a batch request has one kind; a
/// webhook may carry a customer, an order and a referral at once).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerData {
    pub customers: Vec<crate::customers::Customer>,
    pub orders: Vec<crate::customers::Order>,
    pub contacts: Vec<crate::customers::Contact>,
    pub deliveries: Vec<Delivery>,
    pub referrals: Vec<Referral>,
    pub reviews: Vec<Review>,
    pub events: Vec<Event>,
}

impl CustomerData {
    /// Rows of every kind.
    pub fn len(&self) -> usize {
        self.customers.len()
            + self.orders.len()
            + self.contacts.len()
            + self.deliveries.len()
            + self.referrals.len()
            + self.reviews.len()
            + self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check<D, T>(one: impl Fn(&mut Vec<FieldError>, &str, &D) -> T, d: &D) -> Result<T, Vec<String>> {
        let mut errs = Vec::new();
        let out = one(&mut errs, "", d);
        if errs.is_empty() { Ok(out) } else { Err(errs.into_iter().map(|e| e.field).collect()) }
    }

    #[test]
    fn deliveries_know_late_and_their_status() {
        let d: DeliveryDraft = serde_json::from_value(json!({
            "external_id": 5_000_000_000_000_000_123u64, "customer": "c1", "order": "o1",
            "shipped_at": "2026-03-01T08:00:00Z", "promised_at": "2026-03-02T12:00:00Z",
            "delivered_at": "2026-03-02T15:30:00+02:00"
        }))
        .unwrap();
        let v = check(validate_delivery, &d).unwrap();
        assert_eq!(v.external_id, "5000000000000000123");
        assert_eq!(v.status, DeliveryStatus::Delivered);
        assert_eq!(v.touchpoint, "delivery");
        // 15:30 at +02:00 is 13:30 UTC, after the promised noon.
        assert!(v.late());
        assert_eq!(v.at(), v.delivered_at.unwrap());

        let bad = DeliveryDraft {
            external_id: "d".into(),
            customer: "".into(),
            status: Some("lost".into()),
            shipped_at: Some("2026-03-02T08:00:00Z".into()),
            delivered_at: Some("2026-03-01T08:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(check(validate_delivery, &bad).unwrap_err(), ["delivered_at", "status", "customer"]);
        let timeless = DeliveryDraft { external_id: "d".into(), customer: "c".into(), ..Default::default() };
        assert_eq!(check(validate_delivery, &timeless).unwrap_err(), ["shipped_at"]);
    }

    #[test]
    fn referrals_reviews_and_events_are_checked() {
        let self_referral = ReferralDraft {
            external_id: "r1".into(),
            code: "ANNA10".into(),
            referrer: Some("c1".into()),
            customer: "c1".into(),
            order: None,
            redeemed_at: "yesterday".into(),
        };
        assert_eq!(check(validate_referral, &self_referral).unwrap_err(), ["referrer", "redeemed_at"]);

        let review = ReviewDraft {
            external_id: "v1".into(),
            customer: "c1".into(),
            rating: 6,
            published_at: "2026-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        assert_eq!(check(validate_review, &review).unwrap_err(), ["rating"]);
        let three = Review { rating: 3, ..check(validate_review, &ReviewDraft { rating: 3, ..review }).unwrap() };
        assert_eq!(three.polarity(), Polarity::Neutral);

        let event: EventDraft = serde_json::from_value(json!({
            "customer": "c1", "touchpoint": "Arrival", "occurred_at": "2026-05-04T07:00:00Z",
            "outcome": "LATE", "polarity": "Negative", "attributes": {"minutes_late": 60, "worker": "Pekka"}
        }))
        .unwrap();
        let e = check(|errs, p, d| validate_event(errs, p, d, || "generated".into()), &event).unwrap();
        assert_eq!((e.external_id.as_str(), e.touchpoint.as_str()), ("generated", "arrival"));
        assert_eq!((e.outcome.as_deref(), e.polarity), (Some("late"), Some(Polarity::Negative)));
        assert_eq!(e.attributes.as_deref(), Some(r#"{"minutes_late":60,"worker":"Pekka"}"#));

        let nested = EventDraft {
            attributes: Some([("a".to_string(), json!({"b": 1}))].into()),
            polarity: Some("meh".into()),
            touchpoint: " ".into(),
            ..event
        };
        assert_eq!(
            check(|errs, p, d| validate_event(errs, p, d, String::new), &nested).unwrap_err(),
            ["touchpoint", "polarity", "attributes"]
        );
    }

    #[test]
    fn a_batch_names_rows() {
        let rows = vec![
            ReviewDraft {
                external_id: "v1".into(),
                customer: "c".into(),
                rating: 5,
                published_at: "2026-01-01T00:00:00Z".into(),
                ..Default::default()
            },
            ReviewDraft { external_id: "v2".into(), customer: "c".into(), rating: 0, ..Default::default() },
        ];
        let err = validate_batch(&rows, validate_review).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rows[1].rating", "rows[1].published_at"]);
    }
}
