//! One customer's story: everything that happened to them — orders, deliveries, survey answers with their
//! words, support contacts, touchpoint events, reviews, referrals — in time order, each marked positive,
//! neutral or negative, and an overall verdict with its reason. Pure.
//!
//! How a moment is marked:
//! - an answer by its headline score (NPS 9–10 / 7–8 / 0–6, CSAT 4–5 / 3 / 1–2, CES 5–7 / 4 / 1–3);
//! - an order is neutral, or negative when refunded or cancelled;
//! - a delivery is positive on time, negative when late, failed or returned, neutral without a promise;
//! - a support contact is negative when it was never closed (nobody answered) or took over two days, else
//!   neutral: a contact that had to happen is not a good moment, but a quick one is not a bad one;
//! - an event by its own polarity (neutral without one); a review 4–5 stars positive, 3 neutral, 1–2
//!   negative; a referral positive (they brought a friend) or neutral (they came through one).
//!
//! The verdict follows the customer's latest NPS answer when there is one (promoter, passive, detractor →
//! positive, neutral, negative): it is what they said of the whole. Without one, the balance of positive and
//! negative moments decides, a tie being neutral.

use crate::text::Polarity;
use serde::Serialize;
use time::OffsetDateTime;

/// What happened, as the store has it.
#[derive(Clone, Debug, PartialEq)]
pub enum Fact {
    Order {
        id: String,
        cents: i64,
        currency: String,
        status: String,
    },
    Delivery {
        id: String,
        status: String,
        late: Option<bool>,
    },
    /// `score`: the headline (kind, score) if the answer had one; `text`: the customer's words.
    Answer {
        touchpoint: String,
        channel: String,
        score: Option<(String, i16)>,
        text: Option<String>,
    },
    Contact {
        id: String,
        channel: String,
        reason: Option<String>,
        touchpoint: Option<String>,
        hours_open: Option<i64>,
    },
    Event {
        touchpoint: String,
        outcome: Option<String>,
        polarity: Option<Polarity>,
    },
    Review {
        product: Option<String>,
        rating: i64,
        text: Option<String>,
    },
    /// `referred`: this customer's code brought someone; else they came through a code.
    Referral {
        code: String,
        referred: bool,
    },
}

/// A moment on the timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// order, delivery, answer, contact, event, review, referral.
    pub kind: &'static str,
    pub polarity: Polarity,
    pub touchpoint: Option<String>,
    /// The facts in a few words, language-neutral: `NPS 7`, `3200.00 EUR paid`, `email open`.
    pub summary: String,
    /// The customer's own words, if any.
    pub text: Option<String>,
    /// The facts themselves, for a page that words them in its reader's language.
    #[serde(skip)]
    pub fact: Fact,
}

/// The overall verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub polarity: Polarity,
    /// `nps` (the latest NPS answer decided), `balance` (the moments did), or `none` (nothing to go on).
    pub basis: &'static str,
    pub nps: Option<i16>,
    pub positive: usize,
    pub neutral: usize,
    pub negative: usize,
}

/// A contact open longer than this is a bad moment.
pub const SLOW_CONTACT_HOURS: i64 = 48;

fn score_polarity(kind: &str, score: i16) -> Polarity {
    let (neg, neu) = match kind {
        "nps" => (6, 8),
        "csat" => (2, 3),
        _ => (3, 4),
    };
    if score <= neg {
        Polarity::Negative
    } else if score <= neu {
        Polarity::Neutral
    } else {
        Polarity::Positive
    }
}

/// Marks each fact and sorts them by time (ties keep their order).
pub fn entries(facts: Vec<(OffsetDateTime, Fact)>) -> Vec<Entry> {
    let mut out: Vec<Entry> = facts
        .into_iter()
        .map(|(at, f)| {
            let fact = f.clone();
            let (kind, polarity, touchpoint, summary, text) = match f {
                Fact::Order { id, cents, currency, status } => {
                    let p = if matches!(status.as_str(), "refunded" | "cancelled") {
                        Polarity::Negative
                    } else {
                        Polarity::Neutral
                    };
                    ("order", p, None, format!("{id}: {}.{:02} {currency} {status}", cents / 100, cents % 100), None)
                }
                Fact::Delivery { id, status, late } => {
                    let p = match (status.as_str(), late) {
                        ("failed" | "returned", _) | (_, Some(true)) => Polarity::Negative,
                        (_, Some(false)) => Polarity::Positive,
                        _ => Polarity::Neutral,
                    };
                    let how = match late {
                        Some(true) => " late",
                        Some(false) => " on time",
                        None => "",
                    };
                    ("delivery", p, None, format!("{id}: {status}{how}"), None)
                }
                Fact::Answer { touchpoint, channel, score, text } => {
                    let p = score.as_ref().map_or(Polarity::Neutral, |(k, s)| score_polarity(k, *s));
                    let summary = match &score {
                        Some((k, s)) => format!("{} {s} ({channel})", k.to_uppercase()),
                        None => format!("({channel})"),
                    };
                    ("answer", p, Some(touchpoint), summary, text)
                }
                Fact::Contact { id, channel, reason, touchpoint, hours_open } => {
                    let (p, state) = match hours_open {
                        None => (Polarity::Negative, "open".to_string()),
                        Some(h) if h > SLOW_CONTACT_HOURS => (Polarity::Negative, format!("closed after {h} h")),
                        Some(h) => (Polarity::Neutral, format!("closed after {h} h")),
                    };
                    let reason = reason.map(|r| format!(" {r}")).unwrap_or_default();
                    ("contact", p, touchpoint, format!("{id}: {channel}{reason}, {state}"), None)
                }
                Fact::Event { touchpoint, outcome, polarity } => (
                    "event",
                    polarity.unwrap_or(Polarity::Neutral),
                    Some(touchpoint),
                    outcome.unwrap_or_default(),
                    None,
                ),
                Fact::Review { product, rating, text } => {
                    let p = match rating {
                        4.. => Polarity::Positive,
                        3 => Polarity::Neutral,
                        _ => Polarity::Negative,
                    };
                    ("review", p, None, format!("{} ★{rating}", product.unwrap_or_default()).trim().to_string(), text)
                }
                Fact::Referral { code, referred } => {
                    let p = if referred { Polarity::Positive } else { Polarity::Neutral };
                    ("referral", p, None, format!("{code}{}", if referred { " → friend" } else { "" }), None)
                }
            };
            Entry { at, kind, polarity, touchpoint, summary, text, fact }
        })
        .collect();
    out.sort_by_key(|e| e.at);
    out
}

/// The verdict over a customer's timeline.
pub fn verdict(entries: &[Entry]) -> Verdict {
    let count = |p: Polarity| entries.iter().filter(|e| e.polarity == p).count();
    let (positive, neutral, negative) =
        (count(Polarity::Positive), count(Polarity::Neutral), count(Polarity::Negative));
    let nps = entries.iter().rev().find_map(|e| {
        let rest = e.summary.strip_prefix("NPS ")?;
        rest.split_whitespace().next()?.parse::<i16>().ok()
    });
    let (polarity, basis) = match nps {
        Some(s) => (score_polarity("nps", s), "nps"),
        None if entries.is_empty() => (Polarity::Neutral, "none"),
        None if positive > negative => (Polarity::Positive, "balance"),
        None if negative > positive => (Polarity::Negative, "balance"),
        None => (Polarity::Neutral, "balance"),
    };
    Verdict { polarity, basis, nps, positive, neutral, negative }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// The classic story: quote fast and clear (+), painter an hour late without a word (−), result exactly as
    /// hoped (+), mess left and no answer to an e-mail (− −), invoice by e-mail though paper was asked (−),
    /// the contractor calls, apologises and discounts (+) — and "maybe I would recommend": NPS 7, neutral.
    #[test]
    fn the_classic_story_is_neutral_overall() {
        let ev = |tp: &str, outcome: &str, p: Polarity| Fact::Event {
            touchpoint: tp.into(),
            outcome: Some(outcome.into()),
            polarity: Some(p),
        };
        let facts = vec![
            (datetime!(2026-05-04 09:00 UTC), ev("quote", "sent_same_day", Positive)),
            (datetime!(2026-05-20 08:00 UTC), ev("arrival", "late_60_min_no_notice", Negative)),
            (
                datetime!(2026-05-22 16:00 UTC),
                Fact::Answer {
                    touchpoint: "work-quality".into(),
                    channel: "email".into(),
                    score: Some(("csat".into(), 5)),
                    text: Some("Lopputulos juuri sellainen kuin toivoin.".into()),
                },
            ),
            (datetime!(2026-05-23 10:00 UTC), ev("clean-up", "mess_left", Negative)),
            (
                datetime!(2026-05-23 11:00 UTC),
                Fact::Contact {
                    id: "T-1".into(),
                    channel: "email".into(),
                    reason: Some("clean-up".into()),
                    touchpoint: Some("clean-up".into()),
                    hours_open: None,
                },
            ),
            (datetime!(2026-05-30 10:00 UTC), ev("invoice", "email_though_paper_asked", Negative)),
            (datetime!(2026-06-02 14:00 UTC), ev("customer-service", "apology_call_discount", Positive)),
            (
                datetime!(2026-06-05 18:00 UTC),
                Fact::Answer {
                    touchpoint: "invoice".into(),
                    channel: "email".into(),
                    score: Some(("nps".into(), 7)),
                    text: Some("Ehkä suosittelisin.".into()),
                },
            ),
            (
                datetime!(2026-05-21 12:00 UTC),
                Fact::Order { id: "J-1".into(), cents: 320_000, currency: "EUR".into(), status: "paid".into() },
            ),
        ];
        let e = entries(facts);
        assert_eq!(e[0].kind, "event");
        assert_eq!(e[2].summary, "J-1: 3200.00 EUR paid", "sorted by time: the order sits between arrival and result");
        let marks: Vec<Polarity> = e.iter().map(|x| x.polarity).collect();
        use Polarity::*;
        assert_eq!(marks, [Positive, Negative, Neutral, Positive, Negative, Negative, Negative, Positive, Neutral]);
        let v = verdict(&e);
        assert_eq!((v.polarity, v.basis, v.nps), (Neutral, "nps", Some(7)));
        assert_eq!((v.positive, v.neutral, v.negative), (3, 2, 4));
    }

    #[test]
    fn moments_without_an_nps_answer() {
        let d = Fact::Delivery { id: "D".into(), status: "delivered".into(), late: Some(false) };
        let c = Fact::Contact {
            id: "T".into(),
            channel: "phone".into(),
            reason: None,
            touchpoint: None,
            hours_open: Some(72),
        };
        let r = Fact::Review { product: None, rating: 5, text: None };
        let e = entries(vec![
            (datetime!(2026-01-01 0:00 UTC), d),
            (datetime!(2026-01-02 0:00 UTC), c),
            (datetime!(2026-01-03 0:00 UTC), r),
        ]);
        assert_eq!(
            e.iter().map(|x| x.polarity).collect::<Vec<_>>(),
            [Polarity::Positive, Polarity::Negative, Polarity::Positive]
        );
        let v = verdict(&e);
        assert_eq!((v.polarity, v.basis), (Polarity::Positive, "balance"));
        assert_eq!(verdict(&[]).basis, "none");
        let refunded = entries(vec![(
            datetime!(2026-01-01 0:00 UTC),
            Fact::Order { id: "O".into(), cents: 5, currency: "EUR".into(), status: "refunded".into() },
        )]);
        assert_eq!((refunded[0].polarity, refunded[0].summary.as_str()), (Polarity::Negative, "O: 0.05 EUR refunded"));
        assert_eq!(verdict(&refunded).polarity, Polarity::Negative);
    }
}
