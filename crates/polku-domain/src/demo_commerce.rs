//! The demo company's customer data, consistent with its survey answers (`demo::generate`): customer records,
//! orders, support contacts, parcel deliveries, referral redemptions and product reviews. Deterministic (its
//! own [`SplitMix64`] stream, so the answers are unchanged). The money pages show these effects because they
//! are planted here, each marked "Planted effect":
//! - detractors buy again less often than passives, and passives less than promoters;
//! - detractors contact customer service far more often per order, and have more orders refunded;
//! - promoters refer friends (referral codes redeemed by later customers); only promoters do;
//! - late parcels are more common for customers who ended up detractors, and review ratings follow NPS.

use crate::activity::{CustomerData, Delivery, DeliveryStatus, Referral, Review};
use crate::customers::{Contact, Customer, Order, OrderStatus};
use crate::demo::DemoData;
use crate::retention::NpsGroup;
use crate::rng::SplitMix64;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// Touchpoints of the web shop; the others are painting jobs.
const SHOP: [&str; 3] = ["checkout", "parcel-delivery", "store-visit"];
const REGIONS: [&str; 4] = ["Uusimaa", "Pirkanmaa", "Varsinais-Suomi", "Pohjanmaa"];
/// What a minute of customer service costs, in cents (45 € an hour).
const CENTS_PER_MINUTE: i64 = 75;

fn group_of(nps: Option<i64>) -> NpsGroup {
    match nps {
        Some(9..=10) => NpsGroup::Promoter,
        Some(7..=8) => NpsGroup::Passive,
        Some(_) => NpsGroup::Detractor,
        None => NpsGroup::Unknown,
    }
}

/// Planted effect: repeat purchases a year after the first, by NPS group, for painting jobs and shop orders.
fn repeat_per_year(group: NpsGroup, shop: bool) -> f64 {
    match (group, shop) {
        (NpsGroup::Promoter, false) => 0.9,
        (NpsGroup::Passive, false) => 0.45,
        (NpsGroup::Detractor, false) => 0.12,
        (NpsGroup::Unknown, false) => 0.35,
        (NpsGroup::Promoter, true) => 4.0,
        (NpsGroup::Passive, true) => 2.2,
        (NpsGroup::Detractor, true) => 0.7,
        (NpsGroup::Unknown, true) => 1.6,
    }
}

/// Planted effect: the chance that an order leads to a support contact, and that it is refunded.
fn contact_and_refund(group: NpsGroup) -> (f64, f64) {
    match group {
        NpsGroup::Promoter => (0.06, 0.01),
        NpsGroup::Passive => (0.15, 0.02),
        NpsGroup::Detractor => (0.50, 0.08),
        NpsGroup::Unknown => (0.12, 0.02),
    }
}

fn at_time(day: OffsetDateTime, rng: &mut SplitMix64) -> OffsetDateTime {
    let d = day.replace_time(time::Time::MIDNIGHT);
    d + Duration::minutes(7 * 60 + rng.below(11 * 60) as i64)
}

/// Customer data for `data`'s customers up to `end`.
pub fn commerce(seed: u64, data: &DemoData, end: OffsetDateTime) -> CustomerData {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_C0DE_0000_0001);
    let n = data.customers.len();
    let mut first_seen: Vec<Option<OffsetDateTime>> = vec![None; n];
    let mut nps: Vec<Option<i64>> = vec![None; n];
    let mut shop = vec![false; n];
    let mut painting = vec![false; n];
    for r in &data.responses {
        first_seen[r.customer] = first_seen[r.customer].or(Some(r.submitted_at));
        if let Some((_, v)) = r.answers.iter().find(|(k, _)| k == "nps") {
            nps[r.customer] = v.as_i64();
        }
        if SHOP.contains(&r.touchpoint) {
            shop[r.customer] = true;
        } else if r.touchpoint != "customer-service" {
            painting[r.customer] = true;
        }
    }
    let start = end - Duration::days(548);
    let mut out = CustomerData::default();
    let mut first_order: Vec<Option<(OffsetDateTime, String)>> = vec![None; n];
    for (i, c) in data.customers.iter().enumerate() {
        let group = group_of(nps[i]);
        let is_shop = shop[i] && !painting[i];
        out.customers.push(Customer {
            external_id: c.external_id.clone(),
            name: Some(c.name.clone()),
            email: Some(c.email.clone()),
            phone: None,
            language: Some(c.locale),
            consent_contact: Some(!i.is_multiple_of(3)),
            consent_marketing: Some(rng.chance(0.5)),
            attributes: Some(BTreeMap::from([
                ("segment".to_string(), if is_shop { "shop" } else { "painting" }.to_string()),
                ("region".to_string(), rng.pick(&REGIONS).to_string()),
            ])),
        });
        // The first purchase came before the first answer: a job is paid when done, a parcel before it
        // arrives. Customers who never answered bought once at a time spread over the period.
        let first = match first_seen[i] {
            Some(t) => t - Duration::days(2 + rng.below(12) as i64),
            None => start + Duration::days(rng.below(540) as i64),
        };
        let mut t = at_time(first, &mut rng);
        let per_year = repeat_per_year(group, is_shop);
        let (contact_p, refund_p) = contact_and_refund(group);
        let mut k = 0;
        while t <= end {
            k += 1;
            let id = format!("{}-{}", c.external_id, k);
            let cents = if is_shop {
                2_500 + rng.below(22_500) as i64
            } else {
                90_000 + (rng.next_f64().powi(2) * 560_000.0) as i64
            };
            let status = if rng.chance(refund_p) {
                OrderStatus::Refunded
            } else if is_shop {
                OrderStatus::Fulfilled
            } else {
                OrderStatus::Paid
            };
            if k == 1 {
                first_order[i] = Some((t, id.clone()));
            }
            out.orders.push(Order {
                external_id: id.clone(),
                customer: c.external_id.clone(),
                placed_at: t,
                amount_cents: cents,
                currency: "EUR".into(),
                items: if is_shop { 1 + rng.below(4) as u32 } else { 1 },
                status,
                version: None,
            });
            if is_shop {
                let promised = (t + Duration::days(3)).replace_time(time::Time::from_hms(16, 0, 0).expect("valid"));
                // Planted effect: late parcels are twice as common for those who ended up detractors.
                let late_p = if group == NpsGroup::Detractor { 0.30 } else { 0.12 };
                let delivered = if rng.chance(late_p) {
                    promised + Duration::hours(20 + rng.below(60) as i64)
                } else {
                    promised - Duration::hours(2 + rng.below(40) as i64)
                };
                if delivered <= end {
                    out.deliveries.push(Delivery {
                        external_id: format!("D-{id}"),
                        customer: c.external_id.clone(),
                        order: Some(id.clone()),
                        status: DeliveryStatus::Delivered,
                        shipped_at: Some(t + Duration::hours(20)),
                        promised_at: Some(promised),
                        delivered_at: Some(delivered.max(t + Duration::hours(21))),
                        carrier: Some(if rng.chance(0.7) { "Posti" } else { "Matkahuolto" }.into()),
                        touchpoint: "parcel-delivery".into(),
                    });
                }
                // Review ratings follow the customer's NPS.
                if rng.chance(0.15) {
                    let rating = match group {
                        NpsGroup::Promoter => 4 + u8::from(rng.chance(0.8)),
                        NpsGroup::Passive => 3 + u8::from(rng.chance(0.6)),
                        NpsGroup::Detractor => 1 + u8::from(rng.chance(0.6)),
                        NpsGroup::Unknown => 3 + rng.below(3) as u8,
                    };
                    let published = t + Duration::days(5 + rng.below(10) as i64);
                    if published <= end {
                        out.reviews.push(Review {
                            external_id: format!("R-{id}"),
                            customer: c.external_id.clone(),
                            product: Some(
                                rng.pick(&["Sisämaali 9 l", "Telasetti", "Maalarinteippi", "Tapetti"]).to_string(),
                            ),
                            rating,
                            photos: rng.chance(0.3),
                            text: None,
                            published_at: published,
                        });
                    }
                }
            }
            if rng.chance(contact_p) {
                let opened = at_time(t + Duration::days(1 + rng.below(10) as i64), &mut rng);
                if opened <= end {
                    let (channel, minutes) = match rng.below(20) {
                        0..=7 => ("phone", 8 + rng.below(15) as u32),
                        8..=16 => ("email", 5 + rng.below(10) as u32),
                        _ => ("chat", 4 + rng.below(8) as u32),
                    };
                    let (touchpoint, reason) = if is_shop {
                        *rng.pick(&[
                            ("parcel-delivery", "delivery"),
                            ("checkout", "payment"),
                            ("customer-service", "return"),
                        ])
                    } else {
                        *rng.pick(&[
                            ("invoice", "invoice"),
                            ("clean-up", "clean-up"),
                            ("arrival", "schedule"),
                            ("work-quality", "touch-up"),
                        ])
                    };
                    out.contacts.push(Contact {
                        external_id: format!("T-{id}"),
                        customer: c.external_id.clone(),
                        channel: channel.into(),
                        reason: Some(reason.into()),
                        touchpoint: Some(touchpoint.into()),
                        opened_at: opened,
                        closed_at: Some(opened + Duration::minutes(i64::from(minutes) + rng.below(2 * 24 * 60) as i64)),
                        handling_minutes: Some(minutes),
                        cost: Some((i64::from(minutes) * CENTS_PER_MINUTE, "EUR".into())),
                        version: None,
                    });
                }
            }
            // Exponential waiting time to the next purchase.
            let years = -(1.0 - rng.next_f64()).ln() / per_year;
            t = at_time(t + Duration::days((years * 365.0).max(14.0) as i64), &mut rng);
        }
    }
    // Planted effect: promoters bring friends — a third of them had a code redeemed by a later customer.
    let mut referred = vec![false; n];
    for i in 0..n {
        if group_of(nps[i]) != NpsGroup::Promoter || !rng.chance(0.33) {
            continue;
        }
        let Some((since, _)) = &first_order[i] else { continue };
        let friend = (i + 1..n.min(i + 40))
            .find(|j| !referred[*j] && first_order[*j].as_ref().is_some_and(|(t, _)| t > since) && rng.chance(0.5));
        if let Some(j) = friend {
            referred[j] = true;
            let (t, order) = first_order[j].clone().expect("checked");
            out.referrals.push(Referral {
                external_id: format!("REF-{}", data.customers[j].external_id),
                code: format!("KAVERI-{}", &data.customers[i].external_id[4..]),
                referrer: Some(data.customers[i].external_id.clone()),
                customer: data.customers[j].external_id.clone(),
                order: Some(order),
                redeemed_at: t,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn planted_effects_are_there_and_the_data_is_valid() {
        let end = datetime!(2026-11-23 12:00 UTC);
        let data = crate::demo::generate(7, end, 4_000);
        let c = commerce(7, &data, end);
        assert_eq!(c, commerce(7, &data, end), "deterministic");
        assert_eq!(c.customers.len(), data.customers.len());
        let idx: std::collections::HashMap<&str, usize> =
            data.customers.iter().enumerate().map(|(i, c)| (c.external_id.as_str(), i)).collect();
        let mut nps = vec![None; data.customers.len()];
        for r in &data.responses {
            if let Some((_, v)) = r.answers.iter().find(|(k, _)| k == "nps") {
                nps[r.customer] = v.as_i64();
            }
        }
        let per_group = |count: &dyn Fn(usize) -> usize, g: NpsGroup| {
            let members: Vec<usize> = (0..nps.len()).filter(|i| group_of(nps[*i]) == g).collect();
            members.iter().map(|i| count(*i)).sum::<usize>() as f64 / members.len().max(1) as f64
        };
        let orders = |i: usize| c.orders.iter().filter(|o| idx[o.customer.as_str()] == i).count();
        let contacts = |i: usize| c.contacts.iter().filter(|o| idx[o.customer.as_str()] == i).count();
        let (p, d) = (per_group(&orders, NpsGroup::Promoter), per_group(&orders, NpsGroup::Detractor));
        assert!(p > d * 1.3, "promoters buy more: {p:.2} vs {d:.2} orders each");
        let contacts_per_order = |g| per_group(&contacts, g) / per_group(&orders, g);
        assert!(contacts_per_order(NpsGroup::Detractor) > 3.0 * contacts_per_order(NpsGroup::Promoter));
        assert!(!c.referrals.is_empty());
        for r in &c.referrals {
            let referrer = idx[r.referrer.as_deref().unwrap()];
            assert_eq!(group_of(nps[referrer]), NpsGroup::Promoter, "only promoters refer");
        }
        assert!(c.orders.iter().all(|o| o.placed_at <= end) && c.contacts.iter().all(|o| o.opened_at <= end));
        // Everything passes the same checks an integration's rows do.
        let mut errs = Vec::new();
        for o in &c.orders {
            let draft = crate::customers::OrderDraft {
                external_id: o.external_id.clone(),
                customer: o.customer.clone(),
                placed_at: o.placed_at.format(&time::format_description::well_known::Rfc3339).unwrap(),
                amount: serde_json::json!(o.amount_cents as f64 / 100.0),
                currency: o.currency.clone(),
                items: Some(o.items),
                status: Some(o.status.as_str().into()),
            };
            crate::customers::validate_order(&mut errs, "", &draft);
        }
        assert!(errs.is_empty(), "{errs:?}");
    }
}
