//! Property tests for every parser of outside data in the domain: survey definitions, answers, customer
//! data rows (as the batch API and the CSV import give them), each webhook format, times, alert rules and
//! business hours. (Text analysis has its own in `text/tests.rs`; query strings and CSV lines are tested
//! where they are read, in polku-web and the CLI.)
//!
//! The inputs are structure-aware: JSON built from each parser's own field names and values mixed with
//! arbitrary ones, so most cases reach deep into the parser instead of failing at the first key. Each
//! property: the parser never panics, a refusal names a field, and what it accepts holds the invariants
//! the rest of Polku relies on. `PROPTEST_CASES` sets the number of cases (proptest's default, 256, in the
//! test suite; the longer run in BENCHMARKS.md uses 20,000). A failure is saved by proptest under
//! `proptest-regressions/` and replayed first on every later run: commit that file with the fix.

use crate::activity::{self, DeliveryDraft, EventDraft, ReferralDraft, ReviewDraft};
use crate::cases::{BusinessHours, Rule};
use crate::customers::{self, ContactDraft, CustomerDraft, OrderDraft};
use crate::response::{self, ResponseDraft};
use crate::survey::{SurveyDefinition, SurveyDraft};
use crate::webhooks;
use crate::zone::Zone;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-12-05 10:00 UTC);

/// A JSON leaf: one of `words`, an arbitrary string, a number or a constant.
fn leaf(words: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::sample::select(words).prop_map(|w| Value::String(w.into())),
        1 => "\\PC{0,24}".prop_map(Value::String),
        2 => (-3i64..13).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_filter("JSON has no NaN", |f| f.is_finite()).prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ]
}

/// Any JSON, object keys mostly from `words`.
fn json(words: &'static [&'static str]) -> impl Strategy<Value = Value> {
    leaf(words).prop_recursive(3, 48, 6, move |inner| {
        let key = prop_oneof![4 => prop::sample::select(words).prop_map(String::from), 1 => "\\PC{0,8}"];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Almost always `good`, now and then anything (a wrong type, a wrong shape).
fn mutated(good: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![60 => good, 1 => json(WORDS)].boxed()
}

/// `base` with none (two cases in five) or up to three of its nodes replaced by anything or removed: a
/// well-formed document and its near misses.
fn near(base: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let edit = (any::<prop::sample::Index>(), prop::option::weighted(0.7, json(WORDS)));
    let edits = prop_oneof![2 => Just(Vec::new()), 3 => prop::collection::vec(edit, 1..4)];
    (base, edits)
        .prop_map(|(mut v, edits)| {
            for (at, with) in edits {
                let n = nodes(&v);
                edit_nth(&mut v, at.index(n), with);
            }
            v
        })
        .boxed()
}

fn nodes(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(nodes).sum(),
        Value::Object(o) => o.values().map(nodes).sum(),
        _ => 0,
    }
}

/// Replaces node `n` (pre-order) with `with`, or removes it from its parent when `with` is `None`.
fn edit_nth(v: &mut Value, mut n: usize, with: Option<Value>) {
    fn walk(v: &mut Value, n: &mut usize, with: &mut Option<Option<Value>>) -> bool {
        let children: Vec<String> = match v {
            Value::Object(o) => o.keys().cloned().collect(),
            Value::Array(a) => (0..a.len()).map(|i| i.to_string()).collect(),
            _ => Vec::new(),
        };
        for key in children {
            *n -= 1;
            if *n == 0 {
                let replacement = with.take().flatten();
                match (v, replacement) {
                    (Value::Object(o), Some(r)) => {
                        o.insert(key, r);
                    }
                    (Value::Object(o), None) => {
                        o.remove(&key);
                    }
                    (Value::Array(a), Some(r)) => a[key.parse::<usize>().unwrap()] = r,
                    (Value::Array(a), None) => {
                        a.remove(key.parse::<usize>().unwrap());
                    }
                    _ => {}
                }
                return true;
            }
            let child = match v {
                Value::Object(o) => o.get_mut(&key),
                Value::Array(a) => a.get_mut(key.parse::<usize>().unwrap()),
                _ => None,
            };
            if let Some(c) = child
                && walk(c, n, with)
            {
                return true;
            }
        }
        false
    }
    if n == 0 {
        *v = with.unwrap_or(Value::Null);
        return;
    }
    let mut with = Some(with);
    walk(v, &mut n, &mut with);
}

/// One of `words` as a JSON string, or now and then any string.
fn text(words: &'static [&'static str]) -> BoxedStrategy<Value> {
    mutated(
        prop_oneof![6 => prop::sample::select(words).prop_map(|w| Value::String(w.into())), 1 => "\\PC{0,30}".prop_map(Value::String)],
    )
}

fn int(range: std::ops::Range<i64>) -> BoxedStrategy<Value> {
    mutated(range.prop_map(Value::from))
}

fn flag() -> BoxedStrategy<Value> {
    mutated(any::<bool>().prop_map(Value::Bool))
}

fn list(item: BoxedStrategy<Value>, len: std::ops::Range<usize>) -> BoxedStrategy<Value> {
    mutated(prop::collection::vec(item, len).prop_map(Value::Array))
}

/// An object of `fields`, each almost always present; now and then an unknown field too.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let parts: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .into_iter()
        .map(|(k, v)| prop::option::weighted(0.97, v.prop_map(move |v| (k.to_string(), v))).boxed())
        .collect();
    let extra = prop::option::weighted(0.03, ("\\PC{0,8}", leaf(WORDS)));
    mutated((parts, extra).prop_map(|(ps, extra)| Value::Object(ps.into_iter().flatten().chain(extra).collect())))
}

/// Values the parsers below look for, mixed into every generated document.
const WORDS: &[&str] = &["", "a", "fi", "sv", "en", "nps", "kiosk", "EUR", "12.50", "2026-11-23T10:00:00Z", "C-1"];
const DATES: &[&str] = &[
    "2026-11-23T10:00:00Z",
    "2026-11-23T10:00:00+02:00",
    "2026-11-23T10:00:00",
    "2026-11-23",
    "2026-02-30T10:00:00Z",
    "yesterday",
    "",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-01:00",
    "0000-01-01T00:00:00+01:00",
    "1899-12-31T23:59:59Z",
];
const IDS: &[&str] = &["C-1", "C-2", " C-3 ", "", "maija@example.fi", "Maija@Example.FI", "x\u{0}y", "=cmd"];
const AMOUNTS: &[&str] = &["12.50", "12,50", "-1", "0", "1e309", "abc", "", "99999999999999999999"];

fn amount() -> BoxedStrategy<Value> {
    prop_oneof![
        text(AMOUNTS),
        int(-100..100_000),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from).boxed()
    ]
    .boxed()
}

/// Mostly `valid`, one time in `1 + odds` one of `other`.
fn usually(valid: &'static str, odds: u32, other: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![odds => Just(Value::String(valid.into())), 1 => text(other)].boxed()
}

fn survey_draft() -> BoxedStrategy<Value> {
    let texts = || {
        object(vec![
            ("fi", usually("Suosittelisitko meitä?", 20, &[""])),
            ("sv", usually("Skulle du?", 20, &[""])),
            ("en", usually("Would you?", 20, &[""])),
        ])
    };
    let band =
        move |lo: i64, hi: i64| object(vec![("min", int(lo..lo + 2)), ("max", int(hi - 1..hi)), ("text", texts())]);
    // A question of each type with the parts that type takes, and now and then a part it does not.
    let question = move |i: usize| {
        let key = usually(["nps", "heard", "why", "csat", "ease", "pick"][i], 20, &["", "Bad Key", "nps"]);
        prop_oneof![
            object(vec![
                ("key", key.clone()),
                ("type", usually("nps", 20, &["rating"])),
                ("text", texts()),
                ("required", flag())
            ]),
            object(vec![("key", key.clone()), ("type", text(&["csat", "ces"])), ("text", texts())]),
            object(vec![
                ("key", key.clone()),
                ("type", text(&["single", "multi"])),
                ("text", texts()),
                ("options", list(text(&["Google", "Friend", "Ad", "Google", ""]), 1..4)),
            ]),
            object(vec![("key", key.clone()), ("type", Just(Value::String("text".into())).boxed()), ("text", texts())]),
            object(vec![
                ("key", key),
                ("type", Just(Value::String("text".into())).boxed()),
                ("text", texts()),
                (
                    "follow_up",
                    object(vec![
                        ("after", usually("nps", 6, &["why", "zzz"])),
                        (
                            "bands",
                            prop_oneof![
                                list(band(0, 7), 1..2),
                                mutated((band(0, 7), band(9, 11)).prop_map(|(a, b)| Value::Array(vec![a, b])))
                            ]
                            .boxed()
                        )
                    ])
                ),
            ]),
        ]
        .boxed()
    };
    let questions = (1..6usize).prop_flat_map(move |n| (0..n).map(question).collect::<Vec<_>>()).prop_map(Value::Array);
    object(vec![
        ("name", usually("Asiakaskysely", 20, &["", "x"])),
        ("locales", prop_oneof![4 => Just(Value::from(vec!["fi", "sv", "en"])), 1 => mutated(prop::sample::subsequence(vec!["fi", "sv", "en"], 0..=3).prop_map(Value::from))].boxed()),
        ("questions", mutated(questions)),
    ])
}

/// Answers to `answered_survey`: each question's kind of value, now and then another.
fn response_draft() -> BoxedStrategy<Value> {
    let answer = |key: &'static str, value: BoxedStrategy<Value>| {
        object(vec![
            ("question", usually(key, 30, &["other", ""])),
            ("value", prop_oneof![10 => value, 1 => json(WORDS)].boxed()),
        ])
    };
    let answers = (
        answer("nps", int(0..11)),
        answer("csat", int(1..6)),
        answer("pick", text(&["a", "b", "c"])),
        answer("many", list(text(&["a", "b", "c", "d"]), 0..3)),
        answer("why", text(&["Hyvä palvelu!", "", "Toimitus kesti ikuisuuden"])),
        prop::sample::subsequence(vec![0usize, 1, 2, 3, 4], 0..=5),
    )
        .prop_map(|(a, b, c, d, e, pick)| {
            let all = [a, b, c, d, e];
            Value::Array(pick.into_iter().map(|i| all[i].clone()).collect())
        });
    object(vec![
        ("answers", mutated(answers)),
        ("channel", usually("kiosk", 10, &["Bad Name!", "email", ""])),
        ("touchpoint", usually("delivery", 10, &["Quote Request!", ""])),
        ("submitted_at", usually("2026-11-23T10:00:00Z", 4, DATES)),
        ("locale", usually("fi", 10, &["sv", "en", "xx"])),
        ("customer", text(IDS)),
        ("consent", object(vec![("contact", flag()), ("share_internally", flag())])),
    ])
}

/// One row of `kind` as the batch API takes it.
fn row(kind: &'static str) -> BoxedStrategy<Value> {
    let id = || text(IDS);
    let date = || text(DATES);
    let fields: Vec<(&'static str, BoxedStrategy<Value>)> = match kind {
        "customer" => vec![
            ("external_id", id()),
            ("name", text(&["Maija Meikäläinen", "", "=HYPERLINK(1)"])),
            ("email", text(&["maija@example.fi", "not an address", "Maija <m@example.fi>", ""])),
            ("phone", text(&["+358 40 123 4567", "abc", ""])),
            ("language", text(&["fi", "sv", "en", "xx"])),
            ("consent_contact", flag()),
            ("consent_marketing", flag()),
            ("attributes", object(vec![("segment", text(&["B2B", ""])), ("region", text(&["Uusimaa"]))])),
        ],
        "order" => vec![
            ("external_id", id()),
            ("customer", id()),
            ("placed_at", date()),
            ("amount", amount()),
            ("currency", text(&["EUR", "eur", "EURO", "SEK", ""])),
            ("items", int(-1..5)),
            ("status", text(&["placed", "paid", "fulfilled", "refunded", "cancelled", "lost"])),
        ],
        "contact" => vec![
            ("external_id", id()),
            ("customer", id()),
            ("channel", text(&["phone", "email", "Chat!", ""])),
            ("reason", text(&["delivery", ""])),
            ("touchpoint", text(&["delivery", "Bad Touchpoint"])),
            ("opened_at", date()),
            ("closed_at", date()),
            ("handling_minutes", int(-1..600)),
            ("cost", amount()),
            ("currency", text(&["EUR", ""])),
        ],
        "delivery" => vec![
            ("external_id", id()),
            ("customer", id()),
            ("order_ref", id()),
            ("status", text(&["shipped", "delivered", "failed", "lost"])),
            ("shipped_at", date()),
            ("promised_at", date()),
            ("delivered_at", date()),
            ("carrier", text(&["Posti", ""])),
            ("touchpoint", text(&["delivery", "Bad!"])),
        ],
        "referral" => vec![
            ("external_id", id()),
            ("code", text(&["KAVERI10", ""])),
            ("customer", id()),
            ("referrer", id()),
            ("order_ref", id()),
            ("redeemed_at", date()),
        ],
        "review" => vec![
            ("external_id", id()),
            ("customer", id()),
            ("product", text(&["Pensseli", ""])),
            ("rating", int(-1..7)),
            ("photos", int(-1..4)),
            ("text", text(&["Hyvä!", ""])),
            ("published_at", date()),
        ],
        _ => vec![
            ("external_id", id()),
            ("customer", id()),
            ("touchpoint", text(&["quote", "Quote Request!", ""])),
            ("occurred_at", date()),
            ("outcome", text(&["won", ""])),
            ("polarity", text(&["positive", "negative", "neutral", "great"])),
            ("attributes", object(vec![("source", text(&["web"]))])),
        ],
    };
    object(fields)
}

fn shopify_order() -> BoxedStrategy<Value> {
    let consent = object(vec![("state", text(&["subscribed", "not_subscribed", ""]))]);
    let customer = object(vec![
        ("id", prop_oneof![int(1..1_000_000), text(IDS)].boxed()),
        ("email", text(&["maija@example.fi", "bad", ""])),
        ("first_name", text(&["Maija", ""])),
        ("last_name", text(&["Meikäläinen"])),
        ("phone", text(&["+358401234567", "x"])),
        ("email_marketing_consent", consent),
    ]);
    object(vec![
        ("id", prop_oneof![int(1..1_000_000), text(&["1001", ""])].boxed()),
        ("email", text(&["maija@example.fi", ""])),
        ("customer", customer),
        ("created_at", text(DATES)),
        ("processed_at", text(DATES)),
        ("updated_at", text(DATES)),
        ("total_price", amount()),
        ("current_total_price", amount()),
        ("currency", text(&["EUR", "eur", ""])),
        ("financial_status", text(&["paid", "refunded", "voided", "pending"])),
        ("fulfillment_status", text(&["fulfilled", ""])),
        ("cancelled_at", text(DATES)),
        ("buyer_accepts_marketing", flag()),
        ("customer_locale", text(&["fi-FI", "sv", "xx"])),
        ("line_items", list(object(vec![("quantity", int(-1..5))]), 0..3)),
    ])
}

fn woocommerce_order() -> BoxedStrategy<Value> {
    let billing = object(vec![
        ("email", text(&["maija@example.fi", "bad", ""])),
        ("first_name", text(&["Maija"])),
        ("last_name", text(&["M"])),
        ("phone", text(&["+358401234567"])),
    ]);
    object(vec![
        ("id", prop_oneof![int(1..1_000_000), text(&["77", ""])].boxed()),
        ("customer_id", prop_oneof![int(0..100), text(&["0", "12"])].boxed()),
        ("billing", billing),
        ("status", text(&["processing", "completed", "refunded", "cancelled", "pending"])),
        ("date_created_gmt", text(DATES)),
        ("date_modified_gmt", text(DATES)),
        ("total", amount()),
        ("currency", text(&["EUR", ""])),
        ("line_items", list(object(vec![("quantity", int(-1..5))]), 0..3)),
    ])
}

fn helpdesk_ticket() -> BoxedStrategy<Value> {
    let detail = object(vec![
        ("id", prop_oneof![int(1..100_000), text(&["5", ""])].boxed()),
        ("requester_id", int(1..1000)),
        ("tags", list(text(&["polku-customer-C-1", "vip", ""]), 0..3)),
        ("via", object(vec![("channel", text(&["email", "web", "Chat!"]))])),
        ("created_at", text(DATES)),
        ("updated_at", text(DATES)),
        ("status", text(&["new", "open", "solved", "closed"])),
    ]);
    let zendesk_event = object(vec![
        (
            "type",
            text(&[
                "zen:event-type:ticket.created",
                "zen:event-type:ticket.status_changed",
                "zen:event-type:user.created",
            ]),
        ),
        ("time", text(DATES)),
        ("detail", detail),
    ]);
    let flat = object(vec![
        ("ticket_id", prop_oneof![int(1..100_000), text(&["5", ""])].boxed()),
        ("requester_id", int(1..1000)),
        ("requester_email", text(&["maija@example.fi", "bad", ""])),
        ("status", text(&["new", "open", "solved", "Resolved", "Closed"])),
        ("ticket_status", text(&["Open", "Resolved", "Closed"])),
        ("ticket_source", text(&["Email", "Phone", "Portal"])),
        ("ticket_tags", text(&["polku-customer-C-1,vip", ""])),
        ("tags", text(&["vip", ""])),
        ("via", text(&["email", ""])),
        ("created_at", text(DATES)),
        ("updated_at", text(DATES)),
        ("ticket_created_on", text(DATES)),
    ]);
    let freshdesk = object(vec![("freshdesk_webhook", flat.clone())]);
    prop_oneof![zendesk_event, flat, freshdesk].boxed()
}

fn rule() -> BoxedStrategy<Value> {
    let condition = object(vec![
        ("type", text(&["score_at_most", "negative_text", "negative_theme", "negative_share", "sometimes"])),
        ("kind", text(&["nps", "csat", "ces", "text"])),
        ("max", int(-1..12)),
        ("theme", text(&["delivery", "weather"])),
        ("channel", text(&["kiosk", "Bad!"])),
        ("percent", int(0..120)),
        ("window_minutes", int(0..2000)),
        ("min_answers", int(0..20)),
    ]);
    let hours = object(vec![
        ("days", list(int(0..9), 0..8)),
        ("opens", text(&["08:00", "8:00", "00:00", "16:00", "24:00", "7:5", "x"])),
        ("closes", text(&["16:00", "24:00", "08:00", "23:59", "25:00"])),
    ]);
    object(vec![
        ("name", text(&["Arvostelija", "", "x"])),
        ("condition", condition),
        ("sla_hours", int(0..800)),
        ("follow_up_days", int(-1..100)),
        ("business_hours", hours),
    ])
}

/// Values that deserialise into `T` (the rest are refused by serde, which is not the parser under test).
fn typed<T: DeserializeOwned>(v: Value) -> Option<T> {
    serde_json::from_value(v).ok()
}

fn named(errors: &[crate::survey::FieldError]) -> bool {
    !errors.is_empty() && errors.iter().all(|e| !e.field.is_empty() && !e.message.is_empty())
}

fn answered_survey() -> SurveyDefinition {
    serde_json::from_value::<SurveyDraft>(serde_json::json!({
        "name": "s", "locales": ["fi", "sv"],
        "questions": [
            {"key": "nps", "type": "nps", "required": true, "text": {"fi": "?", "sv": "?"}},
            {"key": "csat", "type": "csat", "text": {"fi": "?", "sv": "?"}},
            {"key": "pick", "type": "single", "text": {"fi": "?", "sv": "?"}, "options": ["a", "b"]},
            {"key": "many", "type": "multi", "text": {"fi": "?", "sv": "?"}, "options": ["a", "b", "c"]},
            {"key": "why", "type": "text", "text": {"fi": "?", "sv": "?"}}
        ]
    }))
    .unwrap()
    .validate(None)
    .unwrap()
}

proptest! {
    /// A survey definition is valid or refused by field; a valid one validates again to itself.
    #[test]
    fn survey_definitions(v in near(survey_draft())) {
        if let Some(draft) = typed::<SurveyDraft>(v) {
            match draft.validate(None) {
                Ok(def) => {
                    prop_assert!(!def.questions.is_empty() && !def.locales.is_empty());
                    let again: SurveyDraft = serde_json::from_value(serde_json::to_value(&def).unwrap()).unwrap();
                    prop_assert_eq!(again.validate(Some(&def)).map_err(|e| e.0), Ok(def));
                }
                Err(e) => prop_assert!(named(&e.0), "{:?}", e.0),
            }
        }
    }

    /// Answers are stored only for questions of the survey, once each, with scores on their scale and
    /// choices among the options; anything else is refused by field.
    #[test]
    fn answers(v in near(response_draft())) {
        let survey = answered_survey();
        if let Some(draft) = typed::<ResponseDraft>(v) {
            match response::validate(&survey, &draft, "api", NOW) {
                Ok(valid) => {
                    let mut seen = std::collections::HashSet::new();
                    for a in &valid.answers {
                        let q = survey.question(a.question);
                        prop_assert!(q.is_some() && seen.insert(a.question));
                        if let (Some((lo, hi)), response::AnswerValue::Score(s)) = (a.kind.scale(), &a.value) {
                            prop_assert!((lo..=hi).contains(s));
                        }
                    }
                    prop_assert!(valid.answers.iter().any(|a| a.kind == crate::survey::QuestionType::Nps), "nps is required");
                }
                Err(e) => prop_assert!(named(&e.0), "{:?}", e.0),
            }
        }
    }

    /// Rows of customers, orders, contacts, deliveries, referrals, reviews and events (the batch API; the
    /// CSV import builds the same drafts): accepted or refused by `rows[i].field`, never a panic.
    #[test]
    fn customer_data_rows(rows in prop::sample::select(&["customer", "order", "contact", "delivery", "referral", "review", "event"][..])
        .prop_flat_map(|kind| prop::collection::vec(near(row(kind)), 0..4))) {
        fn check<D: DeserializeOwned, T>(
            rows: &[Value],
            one: impl Fn(&mut Vec<crate::survey::FieldError>, &str, &D) -> T,
        ) -> Result<(), TestCaseError> {
            let drafts: Vec<D> = rows.iter().filter_map(|r| typed(r.clone())).collect();
            if let Err(e) = activity::validate_batch(&drafts, one) {
                prop_assert!(named(&e.0) && e.0.iter().all(|f| f.field.starts_with("rows")), "{:?}", e.0);
            }
            Ok(())
        }
        check::<CustomerDraft, _>(&rows, customers::validate_customer)?;
        check::<OrderDraft, _>(&rows, customers::validate_order)?;
        check::<ContactDraft, _>(&rows, customers::validate_contact)?;
        check::<DeliveryDraft, _>(&rows, activity::validate_delivery)?;
        check::<ReferralDraft, _>(&rows, activity::validate_referral)?;
        check::<ReviewDraft, _>(&rows, activity::validate_review)?;
        check::<EventDraft, _>(&rows, |errs, prefix, r| activity::validate_event(errs, prefix, r, || "E-1".into()))?;
    }

    /// Each webhook format takes any body without panicking: rows that hold their customer's id, a reason
    /// to ignore it, or a refusal by field.
    #[test]
    fn webhook_bodies(body in near(prop_oneof![shopify_order(), woocommerce_order(), helpdesk_ticket()].boxed()), topic in prop::sample::select(&["orders/create", "orders/paid", "order.created", "customers/create", "x"][..])) {
        let zone = Zone::default();
        for parsed in [
            webhooks::shopify(topic, &body),
            webhooks::woocommerce(topic, &body),
            webhooks::zendesk(&body, NOW),
            webhooks::freshdesk(&body, &zone, NOW),
        ] {
            match parsed {
                Ok(webhooks::Parsed::Data(d)) => {
                    prop_assert!(!d.is_empty());
                    prop_assert!(d.orders.iter().all(|o| !o.customer.is_empty()) && d.contacts.iter().all(|c| !c.customer.is_empty()));
                    prop_assert!(d.customers.iter().all(|c| !c.external_id.is_empty()));
                }
                Ok(webhooks::Parsed::Ignored(why)) => prop_assert!(!why.is_empty()),
                Err(e) => prop_assert!(named(&e.0), "{:?}", e.0),
            }
        }
    }

    /// Times in any text: parsed or not, never a panic; a parsed time is printable as RFC 3339.
    #[test]
    fn times(s in prop_oneof!["\\PC{0,40}", "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?)?"]) {
        for zone in [None, Some(&Zone::default())] {
            if let Some(t) = webhooks::parse_time(&s, zone) {
                prop_assert!(t.format(&time::format_description::well_known::Rfc3339).is_ok());
            }
        }
    }

    /// An alert rule from the API: valid, or refused by field; with valid business hours its cases are
    /// due no earlier than the plain clock would make them, and inside opening hours.
    #[test]
    fn alert_rules(v in near(rule()), from in 1_700_000_000i64..1_900_000_000) {
        if let Some(rule) = typed::<Rule>(v) {
            match rule.validate(|t| t == "delivery") {
                Ok(()) => {
                    let from = time::OffsetDateTime::from_unix_timestamp(from).unwrap();
                    let zone = Zone::default();
                    let due = rule.due(from, &zone);
                    prop_assert!(due >= from + time::Duration::hours(i64::from(rule.sla_hours)));
                    if let Some(b) = &rule.business_hours {
                        let local = zone.local(due);
                        prop_assert!(b.days.contains(&local.weekday().number_from_monday()) || local.time() == time::Time::MIDNIGHT);
                    }
                }
                Err((field, message)) => prop_assert!(!field.is_empty() && !message.is_empty()),
            }
        }
    }

    /// Business hours from any strings: validated by field, and `due` never panics, even for hours that
    /// would not validate.
    #[test]
    fn business_hours(days in prop::collection::vec(0u8..10, 0..9), opens in "\\PC{0,6}|[0-2][0-9]:[0-5][0-9]",
        closes in "\\PC{0,6}|[0-2][0-9]:[0-5][0-9]", hours in 0u32..800) {
        let b = BusinessHours { days, opens, closes };
        if let Err((field, _)) = b.validate() {
            prop_assert!(field.starts_with("business_hours."));
        }
        let _ = b.due(NOW, hours, &Zone::default());
    }
}
