//! Shop and helpdesk webhooks, read as their senders send them (facts from the senders' published formats and
//! code, listed below): Shopify `orders/create` and `orders/paid`, WooCommerce
//! `order.created` / `order.updated`, Zendesk ticket events (event subscriptions, or a trigger with Polku's
//! template), and Freshdesk "Trigger webhook" automations. Pure: a payload becomes checked [`CustomerData`]
//! or a clear reason; signatures are checked by the app layer before a payload gets here.
//!
//! Senders' quirks handled here: Shopify ids exceed 2^53 (read as integers, never f64) and its money is
//! strings; WooCommerce money is strings and its `date_created_gmt` has no offset; Zendesk ids are strings
//! and its statuses upper-case in event payloads (display names in triggers); Freshdesk values are mostly
//! strings, ids sometimes numbers, and its times have no offset (read in the connection's time zone).
//!
//! More of them: a Shopify guest order has no customer (it is filed under its e-mail address);
//! WooCommerce's `customer_id` 0 is a guest; Zendesk has no "solved" event (a `status_changed` to SOLVED)
//! and its trigger placeholders are strings to the minute; Freshdesk's trigger payload has no change time.
//! Local times are read in the connection's IANA zone (`crate::zone::Zone`, the tz database's rules).
//! Unknown fields are ignored, another topic or event type is `Parsed::Ignored`, and a missing or malformed
//! required field is an error naming the sender's field. Sources: shopify.dev "verify deliveries" and its
//! webhook headers; WooCommerce's `includes/class-wc-webhook.php` and REST order schema;
//! developer.zendesk.com "verifying" and ticket event types; Freshdesk's "using webhooks in automation
//! rules". The tests use payloads in each sender's published format.

use crate::activity::CustomerData;
use crate::customers::{self, ContactDraft, CustomerDraft, OrderDraft};
use crate::survey::FieldError;
use crate::zone::Zone;
use serde_json::Value;
use time::OffsetDateTime;

/// Who sends to a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionKind {
    Shopify,
    WooCommerce,
    Zendesk,
    Freshdesk,
}

impl ConnectionKind {
    pub const ALL: [ConnectionKind; 4] =
        [ConnectionKind::Shopify, ConnectionKind::WooCommerce, ConnectionKind::Zendesk, ConnectionKind::Freshdesk];

    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::Shopify => "shopify",
            ConnectionKind::WooCommerce => "woocommerce",
            ConnectionKind::Zendesk => "zendesk",
            ConnectionKind::Freshdesk => "freshdesk",
        }
    }

    pub fn parse(s: &str) -> Option<ConnectionKind> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ConnectionKind::Shopify => "Shopify",
            ConnectionKind::WooCommerce => "WooCommerce",
            ConnectionKind::Zendesk => "Zendesk",
            ConnectionKind::Freshdesk => "Freshdesk",
        }
    }
}

/// What a delivery means.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    /// Rows to write.
    Data(CustomerData),
    /// Valid, but nothing Polku keeps (another topic or event type); answered 200 so the sender stops.
    Ignored(String),
}

/// Why a payload was refused: the problems, each naming its field as the sender calls it.
#[derive(Clone, Debug, PartialEq)]
pub struct Refused(pub Vec<FieldError>);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        f.write_str(&parts.join("; "))
    }
}

fn refuse(field: &str, message: &str) -> Refused {
    Refused(vec![FieldError { field: field.into(), message: message.into() }])
}

/// A string, or a whole number written as one (ids); never through f64.
fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// Every problem of `rows` checked by `customers`' rules, renamed to the sender's field.
fn checked<D, T>(
    errs: &mut Vec<FieldError>,
    draft: &D,
    one: impl Fn(&mut Vec<FieldError>, &str, &D) -> T,
    rename: &[(&str, &str)],
) -> T {
    let mut mine = Vec::new();
    let out = one(&mut mine, "", draft);
    for mut e in mine {
        if let Some((_, theirs)) = rename.iter().find(|(ours, _)| *ours == e.field) {
            e.field = (*theirs).to_string();
        }
        errs.push(e);
    }
    out
}

/// The language of a locale such as `fi`, `sv-SE` or `en-GB`, if Polku speaks it.
fn language(locale: Option<&str>) -> Option<String> {
    let l = locale?.split(['-', '_']).next()?.to_ascii_lowercase();
    crate::Locale::parse(&l).map(|_| l)
}

fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first, last].into_iter().flatten().collect::<Vec<_>>().join(" ");
    (!name.trim().is_empty()).then_some(name)
}

fn items(order: &Value) -> Option<u32> {
    let lines = order.get("line_items")?.as_array()?;
    Some(lines.iter().filter_map(|l| l.get("quantity").and_then(Value::as_u64)).sum::<u64>().min(u64::from(u32::MAX))
        as u32)
}

/// A Shopify order (`orders/create`, `orders/paid`, `orders/updated`, `orders/fulfilled`, `orders/cancelled`;
/// each carries the whole order; other topics are ignored).
pub fn shopify(topic: &str, body: &Value) -> Result<Parsed, Refused> {
    if !matches!(topic, "orders/create" | "orders/paid" | "orders/updated" | "orders/fulfilled" | "orders/cancelled") {
        return Ok(Parsed::Ignored(format!("topic {topic:?} is not one Polku reads")));
    }
    let id = id_of(body.get("id")).ok_or_else(|| refuse("id", "is required (the order's id)"))?;
    let customer_obj = body.get("customer").filter(|c| c.is_object());
    let email = customer_obj.and_then(|c| str_of(c, "email")).or_else(|| str_of(body, "email"));
    let customer_id = customer_obj
        .and_then(|c| id_of(c.get("id")))
        .or_else(|| email.map(str::to_string))
        .unwrap_or_else(|| format!("shopify-guest-{id}"));
    let financial = str_of(body, "financial_status").unwrap_or("pending");
    let status = if body.get("cancelled_at").is_some_and(|c| !c.is_null()) || financial == "voided" {
        "cancelled"
    } else if financial == "refunded" {
        "refunded"
    } else if str_of(body, "fulfillment_status") == Some("fulfilled") {
        "fulfilled"
    } else if matches!(financial, "paid" | "partially_paid" | "partially_refunded") || topic == "orders/paid" {
        "paid"
    } else {
        "placed"
    };
    let mut errs = Vec::new();
    let version = str_of(body, "updated_at").and_then(|t| parse_time(t, None));
    let placed_at = str_of(body, "processed_at").or_else(|| str_of(body, "created_at")).unwrap_or("");
    if placed_at.is_empty() {
        errs.push(FieldError { field: "created_at".into(), message: "is required".into() });
    }
    let amount = body.get("current_total_price").filter(|v| !v.is_null()).or_else(|| body.get("total_price"));
    let Some(amount) = amount.cloned() else {
        errs.push(FieldError { field: "total_price".into(), message: "is required".into() });
        return Err(Refused(errs));
    };
    let mut order = checked(
        &mut errs,
        &OrderDraft {
            external_id: id,
            customer: customer_id.clone(),
            placed_at: placed_at.to_string(),
            amount,
            currency: str_of(body, "currency").unwrap_or("").to_string(),
            items: items(body),
            status: Some(status.into()),
        },
        customers::validate_order,
        &[("placed_at", "created_at"), ("amount", "total_price"), ("customer", "customer.id")],
    );
    order.version = version;
    let c = customer_obj.unwrap_or(&Value::Null);
    let marketing = body
        .get("buyer_accepts_marketing")
        .and_then(Value::as_bool)
        .or_else(|| c.get("email_marketing_consent").and_then(|m| str_of(m, "state")).map(|s| s == "subscribed"));
    let customer = checked(
        &mut errs,
        &CustomerDraft {
            external_id: customer_id,
            name: full_name(str_of(c, "first_name"), str_of(c, "last_name")),
            email: email.map(str::to_string),
            phone: str_of(c, "phone").or_else(|| str_of(body, "phone")).map(str::to_string),
            language: language(str_of(body, "customer_locale")),
            consent_marketing: marketing,
            ..Default::default()
        },
        customers::validate_customer,
        &[("email", "customer.email"), ("phone", "customer.phone"), ("name", "customer.first_name")],
    );
    if !errs.is_empty() {
        return Err(Refused(errs));
    }
    Ok(Parsed::Data(CustomerData { customers: vec![customer], orders: vec![order], ..Default::default() }))
}

/// A WooCommerce order (`order.created`, `order.updated`; other topics are ignored).
/// WooCommerce's `…_gmt` times are UTC without an offset ("2017-03-22T19:28:02").
fn utc(t: &str) -> String {
    if !t.ends_with('Z') && !t.contains('+') { format!("{t}Z") } else { t.to_string() }
}

pub fn woocommerce(topic: &str, body: &Value) -> Result<Parsed, Refused> {
    if !matches!(topic, "order.created" | "order.updated") {
        return Ok(Parsed::Ignored(format!("topic {topic:?} is not one Polku reads")));
    }
    let id = id_of(body.get("id")).ok_or_else(|| refuse("id", "is required (the order's id)"))?;
    let billing = body.get("billing").filter(|b| b.is_object()).unwrap_or(&Value::Null);
    let email = str_of(billing, "email");
    let customer_id = match id_of(body.get("customer_id")) {
        Some(c) if c != "0" => c,
        _ => email.map(str::to_string).unwrap_or_else(|| format!("woocommerce-guest-{id}")),
    };
    let status = match str_of(body, "status").unwrap_or("pending") {
        "processing" => "paid",
        "completed" => "fulfilled",
        "refunded" => "refunded",
        "cancelled" | "failed" | "trash" => "cancelled",
        _ => "placed",
    };
    let placed_at = match str_of(body, "date_created_gmt") {
        Some(t) => utc(t),
        None => return Err(refuse("date_created_gmt", "is required")),
    };
    let Some(amount) = body.get("total").cloned() else {
        return Err(refuse("total", "is required"));
    };
    // Also UTC without an offset.
    let version = str_of(body, "date_modified_gmt").and_then(|t| parse_time(&utc(t), None));
    let mut errs = Vec::new();
    let mut order = checked(
        &mut errs,
        &OrderDraft {
            external_id: id,
            customer: customer_id.clone(),
            placed_at,
            amount,
            currency: str_of(body, "currency").unwrap_or("").to_string(),
            items: items(body),
            status: Some(status.into()),
        },
        customers::validate_order,
        &[("placed_at", "date_created_gmt"), ("amount", "total"), ("customer", "customer_id")],
    );
    order.version = version;
    let customer = checked(
        &mut errs,
        &CustomerDraft {
            external_id: customer_id,
            name: full_name(str_of(billing, "first_name"), str_of(billing, "last_name")),
            email: email.map(str::to_string),
            phone: str_of(billing, "phone").map(str::to_string),
            ..Default::default()
        },
        customers::validate_customer,
        &[("email", "billing.email"), ("phone", "billing.phone"), ("name", "billing.first_name")],
    );
    if !errs.is_empty() {
        return Err(Refused(errs));
    }
    Ok(Parsed::Data(CustomerData { customers: vec![customer], orders: vec![order], ..Default::default() }))
}

/// A helpdesk channel as a Polku channel name: `web_service` → `web_service`, `Phone Call` → `phone_call`.
fn channel(raw: Option<&str>) -> String {
    let c: String = raw
        .unwrap_or("helpdesk")
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() || ch == '-' || ch == '.' { ch } else { '_' })
        .take(crate::response::MAX_CHANNEL)
        .collect();
    if c.is_empty() { "helpdesk".into() } else { c }
}

/// Whether a helpdesk status (any case, API enum or display name) means the ticket is done.
fn is_done(status: &str) -> bool {
    matches!(status.trim().to_ascii_lowercase().as_str(), "solved" | "closed" | "resolved")
}

/// A Zendesk ticket: an event-subscription payload (`zen:event-type:ticket.*`, ids as strings, statuses
/// upper-case) or a trigger's body made from Polku's template (`ticket_id`, `status`, `requester_email`,
/// `created_at`, …, every value a string). A solved or closed ticket gets its closing time.
pub fn zendesk(body: &Value, now: OffsetDateTime) -> Result<Parsed, Refused> {
    let mut errs = Vec::new();
    let (ticket, customer, status, opened, updated, via, tags) = if let Some(kind) = str_of(body, "type") {
        if !kind.starts_with("zen:event-type:ticket.") {
            return Ok(Parsed::Ignored(format!("event type {kind:?} is not a ticket event")));
        }
        let d = body.get("detail").filter(|d| d.is_object()).ok_or_else(|| refuse("detail", "is required"))?;
        let requester = id_of(d.get("requester_id")).map(|r| format!("zendesk-user-{r}"));
        let tags: Vec<String> =
            d.get("tags").and_then(Value::as_array).into_iter().flatten().filter_map(|t| id_of(Some(t))).collect();
        (
            id_of(d.get("id")).ok_or_else(|| refuse("detail.id", "is required"))?,
            requester.ok_or_else(|| refuse("detail.requester_id", "is required"))?,
            str_of(d, "status").unwrap_or("").to_string(),
            str_of(d, "created_at").map(str::to_string),
            str_of(d, "updated_at").or_else(|| str_of(body, "time")).map(str::to_string),
            d.get("via").and_then(|v| str_of(v, "channel")).map(str::to_string),
            tags,
        )
    } else {
        let ticket = id_of(body.get("ticket_id")).ok_or_else(|| refuse("ticket_id", "is required"))?;
        let customer = str_of(body, "requester_email")
            .map(str::to_string)
            .or_else(|| id_of(body.get("requester_id")).map(|r| format!("zendesk-user-{r}")))
            .ok_or_else(|| refuse("requester_email", "requester_email or requester_id is required"))?;
        let tags = str_of(body, "tags").map(|t| t.split_whitespace().map(str::to_string).collect()).unwrap_or_default();
        (
            ticket,
            customer,
            str_of(body, "status").unwrap_or("").to_string(),
            str_of(body, "created_at").map(str::to_string),
            str_of(body, "updated_at").map(str::to_string),
            str_of(body, "via").map(str::to_string),
            tags,
        )
    };
    // Triggers' `*_with_timestamp` placeholders stop at minutes ("2013-12-12T05:35Z").
    let time = |errs: &mut Vec<FieldError>, field: &str, v: Option<String>| -> Option<OffsetDateTime> {
        let v = v?;
        parse_time(&v, None).or_else(|| {
            errs.push(FieldError { field: field.into(), message: "must be an ISO 8601 time".into() });
            None
        })
    };
    let opened_at = time(&mut errs, "created_at", opened).unwrap_or(now);
    let version = updated.as_deref().and_then(|u| parse_time(u, None));
    let closed_at = if is_done(&status) { Some(time(&mut errs, "updated_at", updated).unwrap_or(now)) } else { None };
    let parsed = contact(errs, "zendesk", ticket, customer, via, tags.first().cloned(), opened_at, closed_at)?;
    Ok(match parsed {
        Parsed::Data(mut d) => {
            d.contacts.iter_mut().for_each(|c| c.version = version);
            Parsed::Data(d)
        }
        other => other,
    })
}

/// A Freshdesk ticket from a "Trigger webhook" action, with or without the `freshdesk_webhook` wrapper:
/// `ticket_id`, `ticket_status` (display name), `requester_email`, `ticket_created_on` (no offset: read in
/// `zone`), `ticket_source`, `ticket_tags`. A resolved or closed ticket is closed now unless it says when.
pub fn freshdesk(body: &Value, zone: &Zone, now: OffsetDateTime) -> Result<Parsed, Refused> {
    let b = body.get("freshdesk_webhook").filter(|w| w.is_object()).unwrap_or(body);
    let ticket = id_of(b.get("ticket_id")).ok_or_else(|| refuse("ticket_id", "is required"))?;
    let customer = str_of(b, "requester_email")
        .map(str::to_string)
        .or_else(|| id_of(b.get("requester_id")).map(|r| format!("freshdesk-user-{r}")))
        .ok_or_else(|| refuse("requester_email", "requester_email or requester_id is required"))?;
    let mut errs = Vec::new();
    let mut time = |field: &str| -> Option<OffsetDateTime> {
        let v = str_of(b, field)?;
        parse_time(v, Some(zone)).or_else(|| {
            errs.push(FieldError {
                field: field.into(),
                message: "must be a time such as 2026-03-11 12:44:19 or 2026-03-11T10:44:19Z".into(),
            });
            None
        })
    };
    let opened_at = time("ticket_created_on").unwrap_or(now);
    let resolved_at = time("ticket_resolved_on");
    let status = str_of(b, "ticket_status").unwrap_or("");
    let closed_at = is_done(status).then(|| resolved_at.unwrap_or(now));
    let tag =
        str_of(b, "ticket_tags").and_then(|t| t.split(',').map(str::trim).find(|t| !t.is_empty())).map(str::to_string);
    contact(
        errs,
        "freshdesk",
        ticket,
        customer,
        str_of(b, "ticket_source").map(str::to_string),
        tag,
        opened_at,
        closed_at,
    )
}

#[allow(clippy::too_many_arguments)]
fn contact(
    mut errs: Vec<FieldError>,
    sender: &str,
    ticket: String,
    customer: String,
    via: Option<String>,
    reason: Option<String>,
    opened_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
) -> Result<Parsed, Refused> {
    let rfc = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let c = checked(
        &mut errs,
        &ContactDraft {
            external_id: format!("{sender}-{ticket}"),
            customer,
            channel: channel(via.as_deref()),
            reason,
            opened_at: rfc(opened_at),
            // A ticket solved "before" it opened (clock skew between the two times) closes when it opened.
            closed_at: closed_at.map(|c| rfc(c.max(opened_at))),
            ..Default::default()
        },
        customers::validate_contact,
        &[("customer", "requester_email"), ("reason", "tags")],
    );
    if !errs.is_empty() {
        return Err(Refused(errs));
    }
    Ok(Parsed::Data(CustomerData { contacts: vec![c], ..Default::default() }))
}

/// RFC 3339, ISO 8601 to the minute (`2013-12-12T05:35Z`), or — with a `zone` — a wall-clock time without
/// an offset (`2026-03-11 12:44:19`, `2026-03-11T12:44`).
pub fn parse_time(v: &str, zone: Option<&Zone>) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let v = v.trim();
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return crate::calendar::in_range(t);
    }
    // To the minute, with Z or an offset: add the seconds.
    if v.len() >= 17 && v.as_bytes().get(16).is_some_and(|b| matches!(b, b'Z' | b'+' | b'-')) {
        let with_seconds = format!("{}:00{}", &v[..16], &v[16..]);
        if let Ok(t) = OffsetDateTime::parse(&with_seconds, &Rfc3339) {
            return crate::calendar::in_range(t);
        }
    }
    let zone = zone?;
    let normal = v.replacen(' ', "T", 1);
    for format in [
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    ] {
        if let Ok(t) = time::PrimitiveDateTime::parse(&normal, format) {
            return zone.to_utc(t).and_then(crate::calendar::in_range);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn data(p: Result<Parsed, Refused>) -> CustomerData {
        match p {
            Ok(Parsed::Data(d)) => d,
            other => panic!("expected data, got {other:?}"),
        }
    }

    fn fields(p: Result<Parsed, Refused>) -> Vec<String> {
        p.expect_err("refused").0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn times_senders_write() {
        assert_eq!(parse_time("2013-12-12T05:35Z", None), Some(datetime!(2013-12-12 05:35 UTC)));
        assert_eq!(parse_time("2025-01-23T23:10:15-05:00", None), Some(datetime!(2025-01-24 04:10:15 UTC)));
        assert_eq!(parse_time("2026-03-11 12:44:19", None), None, "no offset and no zone");
        assert_eq!(parse_time("2026-03-11 12:44:19", Some(&Zone::default())), Some(datetime!(2026-03-11 10:44:19 UTC)));
        assert_eq!(parse_time("{{ticket.created_on}}", Some(&Zone::default())), None);
        for out_of_range in ["9999-12-31T23:59:59-01:00", "0000-01-01T00:00+01:00", "0000-01-01 00:30"] {
            assert_eq!(parse_time(out_of_range, Some(&Zone::default())), None, "{out_of_range}");
        }
    }

    /// Shopify's own test order id, 820982911946154508, is above 2^53: an f64 would make it ...500.
    #[test]
    fn shopify_orders_keep_big_ids_and_string_money() {
        let body = json!({
            "id": 820982911946154508u64, "name": "#1001", "created_at": "2025-01-23T23:10:15-05:00",
            "processed_at": "2025-01-23T23:10:14-05:00", "currency": "USD", "total_price": "178.20",
            "current_total_price": "178.20", "financial_status": "paid", "fulfillment_status": null,
            "cancelled_at": null, "email": "jane@example.com", "customer_locale": "en", "buyer_accepts_marketing": false,
            "line_items": [{"quantity": 2, "price": "99.00"}, {"quantity": 1, "price": "0.00"}],
            "customer": {"id": 7351848452396u64, "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe",
                         "phone": "+15555550123"},
            "some_future_field": {"ignored": true}
        });
        let d = data(shopify("orders/paid", &body));
        let o = &d.orders[0];
        assert_eq!((o.external_id.as_str(), o.customer.as_str()), ("820982911946154508", "7351848452396"));
        assert_eq!((o.amount_cents, o.currency.as_str(), o.items), (17_820, "USD", 3));
        assert_eq!(o.status, customers::OrderStatus::Paid);
        assert_eq!(o.placed_at, datetime!(2025-01-24 04:10:14 UTC));
        assert_eq!(o.version, None, "no updated_at: every delivery replaces");
        let c = &d.customers[0];
        assert_eq!((c.name.as_deref(), c.language), (Some("Jane Doe"), Some(crate::Locale::En)));
        assert_eq!(c.consent_marketing, Some(false));

        // A guest order without a customer (protected data redacted) still lands; refunds and cancels.
        let guest = json!({"id": 5, "created_at": "2026-11-01T10:00:00+02:00", "currency": "EUR", "total_price": "10.00",
                           "financial_status": "refunded", "customer": null, "email": ""});
        assert_eq!(data(shopify("orders/create", &guest)).orders[0].customer, "shopify-guest-5");
        assert_eq!(data(shopify("orders/create", &guest)).orders[0].status, customers::OrderStatus::Refunded);
        let mut cancelled = guest.clone();
        cancelled["cancelled_at"] = json!("2026-11-02T10:00:00+02:00");
        assert_eq!(data(shopify("orders/create", &cancelled)).orders[0].status, customers::OrderStatus::Cancelled);
        assert_eq!(
            shopify("products/update", &guest),
            Ok(Parsed::Ignored("topic \"products/update\" is not one Polku reads".into()))
        );
        assert_eq!(
            fields(shopify("orders/create", &json!({"id": 5, "currency": "EUR"}))),
            ["created_at", "total_price"]
        );
        assert_eq!(
            fields(shopify(
                "orders/create",
                &json!({"id": 5, "created_at": "eilen", "total_price": "1,2,3", "currency": "E"})
            )),
            ["created_at", "total_price", "currency"]
        );
    }

    #[test]
    fn woocommerce_orders_have_string_money_and_dates_without_offset() {
        let body = json!({
            "id": 727, "number": "727", "status": "processing", "currency": "EUR",
            "date_created": "2026-03-22T16:28:02", "date_created_gmt": "2026-03-22T14:28:02",
            "date_modified_gmt": "2026-03-22T14:30:00", "total": "29.35", "customer_id": 0,
            "billing": {"first_name": "Matti", "last_name": "Virtanen", "email": "matti@example.fi", "phone": "040 123 4567"},
            "line_items": [{"quantity": 2, "price": 3}, {"quantity": 1, "price": 20}],
            "coupon_lines": [{"code": "summer10"}]
        });
        let d = data(woocommerce("order.created", &body));
        let o = &d.orders[0];
        assert_eq!(
            (o.external_id.as_str(), o.customer.as_str()),
            ("727", "matti@example.fi"),
            "a guest is their e-mail"
        );
        assert_eq!((o.amount_cents, o.items, o.placed_at), (2935, 3, datetime!(2026-03-22 14:28:02 UTC)));
        assert_eq!(o.version, Some(datetime!(2026-03-22 14:30:00 UTC)), "the last change orders deliveries");
        assert_eq!(o.status, customers::OrderStatus::Paid);
        assert_eq!(d.customers[0].name.as_deref(), Some("Matti Virtanen"));
        let mut member = body.clone();
        member["customer_id"] = json!(42);
        member["status"] = json!("completed");
        let d = data(woocommerce("order.updated", &member));
        assert_eq!((d.orders[0].customer.as_str(), d.orders[0].status), ("42", customers::OrderStatus::Fulfilled));
        assert!(matches!(woocommerce("order.deleted", &body), Ok(Parsed::Ignored(_))));
        let mut bad = body.clone();
        bad["total"] = json!("29.355");
        bad["billing"]["email"] = json!("not-an-address");
        assert_eq!(fields(woocommerce("order.created", &bad)), ["total", "billing.email"]);
        bad.as_object_mut().unwrap().remove("date_created_gmt");
        assert_eq!(fields(woocommerce("order.created", &bad)), ["date_created_gmt"]);
    }

    #[test]
    fn zendesk_events_and_trigger_bodies_become_contacts() {
        let now = datetime!(2026-11-23 12:00 UTC);
        let created = json!({
            "account_id": 22129848, "type": "zen:event-type:ticket.created", "zendesk_event_version": "2022-11-06",
            "id": "cbe4028c-7239-495d-b020-f22348516046", "time": "2025-01-08T10:12:07.672717030Z",
            "subject": "zen:ticket:5158", "event": {},
            "detail": {"id": "5158", "status": "OPEN", "priority": "HIGH", "requester_id": "8447388090494",
                       "tags": ["invoice", "login"], "created_at": "2025-01-08T10:12:07Z",
                       "updated_at": "2025-01-08T10:12:07Z", "via": {"channel": "web_service"}}
        });
        let c = &data(zendesk(&created, now)).contacts[0];
        assert_eq!((c.external_id.as_str(), c.customer.as_str()), ("zendesk-5158", "zendesk-user-8447388090494"));
        assert_eq!((c.channel.as_str(), c.reason.as_deref(), c.closed_at), ("web_service", Some("invoice"), None));
        let mut solved = created.clone();
        solved["type"] = json!("zen:event-type:ticket.status_changed");
        solved["detail"]["status"] = json!("SOLVED");
        solved["detail"]["updated_at"] = json!("2025-01-09T08:00:00Z");
        solved["event"] = json!({"current": "SOLVED", "previous": "OPEN"});
        let c = &data(zendesk(&solved, now)).contacts[0];
        assert_eq!(
            (c.opened_at, c.closed_at),
            (datetime!(2025-01-08 10:12:07 UTC), Some(datetime!(2025-01-09 08:00 UTC)))
        );
        assert_eq!(c.version, Some(datetime!(2025-01-09 08:00 UTC)), "the ticket's last change orders deliveries");
        assert!(matches!(zendesk(&json!({"type": "zen:event-type:user.created"}), now), Ok(Parsed::Ignored(_))));

        // A trigger with Polku's template: strings everywhere, display-name status, minutes only.
        let trigger = json!({"ticket_id": "77", "status": "Solved", "requester_email": "maija@example.fi",
                             "created_at": "2026-11-20T09:05Z", "updated_at": "2026-11-21T14:30Z", "via": "Phone call",
                             "tags": "invoice paper"});
        let c = &data(zendesk(&trigger, now)).contacts[0];
        assert_eq!((c.customer.as_str(), c.channel.as_str()), ("maija@example.fi", "phone_call"));
        assert_eq!(c.closed_at, Some(datetime!(2026-11-21 14:30 UTC)));
        assert_eq!(fields(zendesk(&json!({"status": "Open"}), now)), ["ticket_id"]);
        assert_eq!(
            fields(zendesk(&json!({"ticket_id": "1", "requester_email": "x@y.fi", "created_at": "huomenna"}), now)),
            ["created_at"]
        );
    }

    #[test]
    fn freshdesk_tickets_with_and_without_the_wrapper() {
        let now = datetime!(2026-11-23 12:00 UTC);
        let body = json!({"freshdesk_webhook": {
            "triggered_event": "{ticket_action:created}", "ticket_id": 11, "ticket_status": "Pending",
            "requester_name": "Requester Bob", "requester_email": "requester-bob@example.com",
            "ticket_created_on": "2026-03-11 12:44:19", "ticket_source": "Email", "ticket_tags": "delivery, late"}});
        let c = &data(freshdesk(&body, &Zone::default(), now)).contacts[0];
        assert_eq!((c.external_id.as_str(), c.channel.as_str()), ("freshdesk-11", "email"));
        assert_eq!(
            (c.opened_at, c.closed_at, c.reason.as_deref()),
            (datetime!(2026-03-11 10:44:19 UTC), None, Some("delivery"))
        );
        let flat = json!({"ticket_id": "12", "ticket_status": "Resolved", "requester_email": "a@b.fi"});
        let c = &data(freshdesk(&flat, &Zone::utc(), now)).contacts[0];
        assert_eq!((c.opened_at, c.closed_at), (now, Some(now)), "no times: received now");
        assert_eq!(
            fields(freshdesk(&json!({"freshdesk_webhook": {"ticket_status": "Open"}}), &Zone::utc(), now)),
            ["ticket_id"]
        );
        assert_eq!(
            fields(freshdesk(
                &json!({"ticket_id": 1, "requester_email": "a@b.fi", "ticket_created_on": "{{ticket.created_on}}"}),
                &Zone::utc(),
                now
            )),
            ["ticket_created_on"]
        );
    }
}
