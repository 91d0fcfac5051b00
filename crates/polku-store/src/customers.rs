//! Customer data (migrations 0019–0021): customers, orders, support contacts, deliveries, referrals, reviews and
//! touchpoint events, upserted by the organisation's external ids. A whole batch (an API request, a webhook,
//! a whole CSV file) is written in one transaction, so it lands whole or not at all.
//!
//! `Store::write_customer_data` is the one write path (the batch API, `POST /api/v1/events`, `polku import`
//! and the webhooks share it): customers first, then each kind through `upsert_linked!` in chunks of `CHUNK`
//! rows. The rows' customers are resolved first (`resolve_customers!`: ids met earlier in the batch are
//! remembered, new ones inserted as stubs `RETURNING` their ids, only those that existed before looked up);
//! a batch naming an id twice keeps the last; rows are sorted by id, so concurrent batches lock in one
//! order. Touched customers are marked in `customer_summary_dirty` in the same transaction.
//!
//! Webhook deliveries: a `webhook_receipts` row (connection, delivery id) is inserted first with
//! `ON CONFLICT DO NOTHING`, so a known delivery writes nothing and answers "duplicate". Senders do not order
//! their deliveries, so orders and support contacts keep the sender's last-change time (`source_version`,
//! migration 0027) and the upsert leaves a row alone when a delivery is older (`ON CONFLICT … DO UPDATE …
//! WHERE`); on a tie (times in whole seconds or minutes) the status further along wins: paid over placed,
//! closed over open. Rows without a version (batches, files, Freshdesk) always replace.

use crate::{Result, Store, StoreError, db};
use polku_domain::OrgId;
use polku_domain::activity::{CustomerData, Delivery, Event, Referral, Review};
use polku_domain::customers::{Contact, Customer, Order};
use std::collections::HashMap;
use uuid::Uuid;

/// Rows per statement: at most 15 parameters each stays under both backends' limits.
const CHUNK: usize = 1000;

/// The last row of each external id, sorted by id: a batch that names one twice means its last, and
/// concurrent batches lock rows in one order (no deadlocks on PostgreSQL).
fn last_per_id<T>(rows: &[T], id: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut at: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    let mut out: Vec<&T> = Vec::with_capacity(rows.len());
    for r in rows {
        match at.get(id(r)) {
            Some(&i) => out[i] = r,
            None => {
                at.insert(id(r), out.len());
                out.push(r);
            }
        }
    }
    out.sort_by(|a, b| id(a).cmp(id(b)));
    out
}

/// Upserts customers in the open transaction `$tx`; a field a row leaves out keeps what is stored.
macro_rules! upsert_customers {
    ($tx:ident, $org:expr, $rows:expr, $now:expr) => {{
        let rows: Vec<&Customer> = last_per_id($rows, |c: &Customer| c.external_id.as_str());
        for chunk in rows.chunks(CHUNK) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO customers (id, org_id, external_id, name, email, phone, language, consent_contact,
                   consent_marketing, attributes, created_at, updated_at) ",
            );
            qb.push_values(chunk, |mut b, c| {
                b.push_bind(Uuid::now_v7())
                    .push_bind($org.0)
                    .push_bind(c.external_id.clone())
                    .push_bind(c.name.clone())
                    .push_bind(c.email.clone())
                    .push_bind(c.phone.clone())
                    .push_bind(c.language.map(|l| l.as_str()))
                    .push_bind(c.consent_contact)
                    .push_bind(c.consent_marketing)
                    .push_bind(c.attributes.as_ref().map(|a| serde_json::to_string(a).unwrap_or_default()))
                    .push_bind($now)
                    .push_bind($now);
            });
            qb.push(
                " ON CONFLICT (org_id, external_id) DO UPDATE SET
                   name = COALESCE(excluded.name, customers.name),
                   email = COALESCE(excluded.email, customers.email),
                   phone = COALESCE(excluded.phone, customers.phone),
                   language = COALESCE(excluded.language, customers.language),
                   consent_contact = COALESCE(excluded.consent_contact, customers.consent_contact),
                   consent_marketing = COALESCE(excluded.consent_marketing, customers.consent_marketing),
                   attributes = COALESCE(excluded.attributes, customers.attributes),
                   updated_at = excluded.updated_at",
            );
            qb.build().execute(&mut *$tx).await?;
        }
        rows.len()
    }};
}

/// Fills `$ids` (external id → id) with the customers `$names` name, in the open transaction `$tx`: ids
/// already in `$ids` are known; the others are inserted as stubs with only their external id (RETURNING
/// the new ones' ids), and only those that existed before are looked up. (Looking every chunk's customers
/// up instead meets a table that grew in this very transaction, whose statistics still say it is small:
/// PostgreSQL then scans it, for seconds a chunk.)
macro_rules! resolve_customers {
    ($tx:ident, $org:expr, $names:expr, $ids:ident, $now:expr) => {{
        let mut names: Vec<&str> = $names.filter(|c| !$ids.contains_key(*c)).collect();
        names.sort_unstable();
        names.dedup();
        if !names.is_empty() {
            let mut qb =
                sqlx::QueryBuilder::new("INSERT INTO customers (id, org_id, external_id, created_at, updated_at) ");
            qb.push_values(&names, |mut b, name| {
                b.push_bind(Uuid::now_v7())
                    .push_bind($org.0)
                    .push_bind(name.to_string())
                    .push_bind($now)
                    .push_bind($now);
            });
            qb.push(" ON CONFLICT (org_id, external_id) DO NOTHING RETURNING external_id, id");
            $ids.extend(qb.build_query_as::<(String, Uuid)>().fetch_all(&mut *$tx).await?);
            let known: Vec<&str> = names.iter().copied().filter(|n| !$ids.contains_key(*n)).collect();
            if !known.is_empty() {
                let mut qb = sqlx::QueryBuilder::new("SELECT external_id, id FROM customers WHERE org_id = ");
                qb.push_bind($org.0).push(" AND external_id IN (");
                let mut list = qb.separated(", ");
                for name in &known {
                    list.push_bind(name.to_string());
                }
                qb.push(")");
                $ids.extend(qb.build_query_as::<(String, Uuid)>().fetch_all(&mut *$tx).await?);
            }
        }
    }};
}

/// Upserts linked rows (`$rows`: one per external id, sorted) in the open transaction `$tx`, chunk by chunk:
/// first the customers each row names (`$names`, stubs for new ones, into `$ids`), then one multi-row
/// `$insert` (its columns ending in `created_at, updated_at`, which the macro binds) `ON CONFLICT (org_id,
/// external_id) DO UPDATE SET $update`, only where `$guard` holds when one is given. `$progress` gets the
/// rows written so far.
macro_rules! upsert_linked {
    ($tx:ident, $org:expr, $rows:expr, $ids:ident, $now:expr, $progress:expr,
     names: |$nr:ident| $names:expr, insert: $insert:expr, bind: |$b:ident, $r:ident| $bind:expr, update: $update:expr
     $(, guard: $guard:expr)?) => {{
        for chunk in $rows.chunks(CHUNK) {
            resolve_customers!($tx, $org, chunk.iter().flat_map(|$nr| $names), $ids, $now);
            if let Some(m) = chunk.iter().flat_map(|$nr| $names).find(|n| !$ids.contains_key(*n)) {
                return Err(StoreError::Corrupt(format!("customer {m:?} was not found after it was written")));
            }
            let mut qb = sqlx::QueryBuilder::new($insert);
            qb.push_values(chunk, |mut $b, $r| {
                $bind;
                $b.push_bind($now).push_bind($now);
            });
            qb.push(" ON CONFLICT (org_id, external_id) DO UPDATE SET ");
            qb.push($update);
            qb.push(", updated_at = excluded.updated_at");
            $(qb.push(" WHERE ").push($guard);)?
            qb.build().execute(&mut *$tx).await?;
            $progress(chunk.len());
        }
    }};
}

/// The id of a customer [`resolve_customers!`] put in `ids`.
fn cid(ids: &HashMap<String, Uuid>, name: &str) -> Uuid {
    ids.get(name).copied().unwrap_or_default()
}

/// A webhook delivery to remember, so that the same delivery sent again is stored once.
#[derive(Clone, Debug)]
pub struct Receipt {
    pub connection: Uuid,
    pub delivery_id: String,
}

/// What [`Store::write_customer_data`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// Distinct rows written (a row naming an external id again replaces the earlier one).
    Rows(usize),
    /// The receipt was known: nothing was written.
    Duplicate,
}

impl Store {
    /// Writes customer data of `org` in one transaction: customers, then the rows that name them (creating
    /// customers not stored yet, with only their id). With a `receipt`, a delivery already received writes
    /// nothing, and a new one is remembered (and counted on its connection) in the same transaction.
    /// `progress` gets the rows written so far.
    pub async fn write_customer_data(
        &self,
        org: OrgId,
        data: &CustomerData,
        zone: &polku_domain::zone::Zone,
        receipt: Option<&Receipt>,
        mut progress: impl FnMut(usize),
    ) -> Result<Written> {
        let now = crate::now();
        // Activity counts on the organisation's calendar day.
        let day = |t: time::OffsetDateTime| i64::from(zone.day_of(t));
        let orders = last_per_id(&data.orders, |o: &Order| o.external_id.as_str());
        let contacts = last_per_id(&data.contacts, |c: &Contact| c.external_id.as_str());
        let deliveries = last_per_id(&data.deliveries, |d: &Delivery| d.external_id.as_str());
        let referrals = last_per_id(&data.referrals, |r: &Referral| r.external_id.as_str());
        let reviews = last_per_id(&data.reviews, |r: &Review| r.external_id.as_str());
        let events = last_per_id(&data.events, |e: &Event| e.external_id.as_str());
        let mut done = 0;
        let mut step = |n: usize| {
            done += n;
            progress(done);
        };
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            if let Some(r) = receipt {
                let new = sqlx::query(
                    "INSERT INTO webhook_receipts (connection_id, delivery_id, received_at) VALUES ($1, $2, $3)
                     ON CONFLICT (connection_id, delivery_id) DO NOTHING",
                )
                .bind(r.connection).bind(&r.delivery_id).bind(now)
                .execute(&mut *tx).await?.rows_affected();
                sqlx::query(
                    "UPDATE connections SET received = received + 1, last_received_at = $2 WHERE id = $1",
                )
                .bind(r.connection).bind(now).execute(&mut *tx).await?;
                if new == 0 {
                    tx.commit().await?;
                    return Ok(Written::Duplicate);
                }
            }
            let mut customers = 0;
            if !data.customers.is_empty() {
                customers = upsert_customers!(tx, org, &data.customers, now);
                step(data.customers.len());
            }
            let mut ids: HashMap<String, Uuid> = HashMap::new();
            upsert_linked!(tx, org, orders, ids, now, step,
                names: |o| [o.customer.as_str()],
                insert: "INSERT INTO orders (id, org_id, external_id, customer_id, placed_at, day, amount_cents, currency,
                   items, status, source_version, fulfilled_at, created_at, updated_at) ",
                bind: |b, o| b.push_bind(Uuid::now_v7()).push_bind(org.0).push_bind(o.external_id.clone())
                    .push_bind(cid(&ids, &o.customer)).push_bind(o.placed_at).push_bind(day(o.placed_at))
                    .push_bind(o.amount_cents).push_bind(o.currency.clone()).push_bind(i64::from(o.items))
                    .push_bind(o.status.as_str()).push_bind(o.version.map(time::OffsetDateTime::unix_timestamp))
                    // When Polku first sees it fulfilled: what "days after fulfilment" triggers count from.
                    .push_bind((o.status == polku_domain::customers::OrderStatus::Fulfilled).then_some(now)),
                update: "customer_id = excluded.customer_id, placed_at = excluded.placed_at, day = excluded.day,
                   amount_cents = excluded.amount_cents, currency = excluded.currency, items = excluded.items,
                   status = excluded.status, source_version = COALESCE(excluded.source_version, orders.source_version),
                   fulfilled_at = COALESCE(orders.fulfilled_at, excluded.fulfilled_at)",
                // A webhook older than what is stored (a retry overtaken by a later change) is left out; on a
                // tie (Shopify's times are whole seconds: creation and payment often share one) the status
                // further along wins.
                guard: "excluded.source_version IS NULL OR orders.source_version IS NULL
                   OR excluded.source_version > orders.source_version
                   OR (excluded.source_version = orders.source_version
                       AND CASE excluded.status WHEN 'placed' THEN 0 WHEN 'paid' THEN 1 WHEN 'fulfilled' THEN 2 ELSE 3 END
                        >= CASE orders.status WHEN 'placed' THEN 0 WHEN 'paid' THEN 1 WHEN 'fulfilled' THEN 2 ELSE 3 END)");
            upsert_linked!(tx, org, contacts, ids, now, step,
                names: |c| [c.customer.as_str()],
                insert: "INSERT INTO support_contacts (id, org_id, external_id, customer_id, channel, reason, touchpoint,
                   opened_at, day, closed_at, handling_minutes, cost_cents, currency, source_version, created_at, updated_at) ",
                bind: |b, c| b.push_bind(Uuid::now_v7()).push_bind(org.0).push_bind(c.external_id.clone())
                    .push_bind(cid(&ids, &c.customer)).push_bind(c.channel.clone()).push_bind(c.reason.clone())
                    .push_bind(c.touchpoint.clone()).push_bind(c.opened_at).push_bind(day(c.opened_at))
                    .push_bind(c.closed_at).push_bind(c.handling_minutes.map(i64::from))
                    .push_bind(c.cost.as_ref().map(|(cents, _)| *cents))
                    .push_bind(c.cost.as_ref().map(|(_, cur)| cur.clone()))
                    .push_bind(c.version.map(time::OffsetDateTime::unix_timestamp)),
                update: "customer_id = excluded.customer_id, channel = excluded.channel, reason = excluded.reason,
                   touchpoint = excluded.touchpoint, opened_at = excluded.opened_at, day = excluded.day,
                   closed_at = excluded.closed_at, handling_minutes = excluded.handling_minutes,
                   cost_cents = excluded.cost_cents, currency = excluded.currency,
                   source_version = COALESCE(excluded.source_version, support_contacts.source_version)",
                // As for orders: an older ticket delivery does not reopen a solved one; nor does one from the
                // same second (Zendesk's trigger times stop at the minute): on a tie, closed wins.
                guard: "excluded.source_version IS NULL OR support_contacts.source_version IS NULL
                   OR excluded.source_version > support_contacts.source_version
                   OR (excluded.source_version = support_contacts.source_version
                       AND (excluded.closed_at IS NOT NULL OR support_contacts.closed_at IS NULL))");
            upsert_linked!(tx, org, deliveries, ids, now, step,
                names: |d| [d.customer.as_str()],
                insert: "INSERT INTO deliveries (id, org_id, external_id, customer_id, order_ref, status, shipped_at,
                   promised_at, delivered_at, day, carrier, touchpoint, created_at, updated_at) ",
                bind: |b, d| b.push_bind(Uuid::now_v7()).push_bind(org.0).push_bind(d.external_id.clone())
                    .push_bind(cid(&ids, &d.customer)).push_bind(d.order.clone()).push_bind(d.status.as_str())
                    .push_bind(d.shipped_at).push_bind(d.promised_at).push_bind(d.delivered_at)
                    .push_bind(day(d.at())).push_bind(d.carrier.clone()).push_bind(d.touchpoint.clone()),
                update: "customer_id = excluded.customer_id, order_ref = excluded.order_ref, status = excluded.status,
                   shipped_at = excluded.shipped_at, promised_at = excluded.promised_at,
                   delivered_at = excluded.delivered_at, day = excluded.day, carrier = excluded.carrier,
                   touchpoint = excluded.touchpoint");
            upsert_linked!(tx, org, referrals, ids, now, step,
                names: |r| [Some(r.customer.as_str()), r.referrer.as_deref()].into_iter().flatten(),
                insert: "INSERT INTO referrals (id, org_id, external_id, code, referrer_id, customer_id, order_ref,
                   redeemed_at, day, created_at, updated_at) ",
                bind: |b, r| b.push_bind(Uuid::now_v7()).push_bind(org.0).push_bind(r.external_id.clone())
                    .push_bind(r.code.clone()).push_bind(r.referrer.as_deref().map(|n| cid(&ids, n)))
                    .push_bind(cid(&ids, &r.customer)).push_bind(r.order.clone()).push_bind(r.redeemed_at)
                    .push_bind(day(r.redeemed_at)),
                update: "code = excluded.code, referrer_id = excluded.referrer_id, customer_id = excluded.customer_id,
                   order_ref = excluded.order_ref, redeemed_at = excluded.redeemed_at, day = excluded.day");
            upsert_linked!(tx, org, reviews, ids, now, step,
                names: |r| [r.customer.as_str()],
                insert: "INSERT INTO reviews (id, org_id, external_id, customer_id, product, rating, photos, text,
                   published_at, day, created_at, updated_at) ",
                bind: |b, r| b.push_bind(Uuid::now_v7()).push_bind(org.0).push_bind(r.external_id.clone())
                    .push_bind(cid(&ids, &r.customer)).push_bind(r.product.clone()).push_bind(i64::from(r.rating))
                    .push_bind(r.photos).push_bind(r.text.clone()).push_bind(r.published_at)
                    .push_bind(day(r.published_at)),
                update: "customer_id = excluded.customer_id, product = excluded.product, rating = excluded.rating,
                   photos = excluded.photos, text = excluded.text, published_at = excluded.published_at,
                   day = excluded.day");
            upsert_linked!(tx, org, events, ids, now, step,
                names: |e| [e.customer.as_str()],
                insert: "INSERT INTO touchpoint_events (id, org_id, external_id, customer_id, touchpoint, occurred_at,
                   day, outcome, polarity, attributes, created_at, updated_at) ",
                bind: |b, e| b.push_bind(Uuid::now_v7()).push_bind(org.0).push_bind(e.external_id.clone())
                    .push_bind(cid(&ids, &e.customer)).push_bind(e.touchpoint.clone()).push_bind(e.occurred_at)
                    .push_bind(day(e.occurred_at)).push_bind(e.outcome.clone())
                    .push_bind(e.polarity.map(polku_domain::text::Polarity::as_str)).push_bind(e.attributes.clone()),
                update: "customer_id = excluded.customer_id, touchpoint = excluded.touchpoint,
                   occurred_at = excluded.occurred_at, day = excluded.day, outcome = excluded.outcome,
                   polarity = excluded.polarity, attributes = excluded.attributes");
            // Their summaries are recomputed before the next analysis (migration 0025).
            for chunk in data.customers.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO customer_summary_dirty (org_id, customer_id) SELECT org_id, id FROM customers WHERE org_id = ",
                );
                qb.push_bind(org.0).push(" AND external_id IN (");
                let mut list = qb.separated(", ");
                for c in chunk {
                    list.push_bind(c.external_id.clone());
                }
                qb.push(") ON CONFLICT (org_id, customer_id) DO NOTHING");
                qb.build().execute(&mut *tx).await?;
            }
            let touched: Vec<Uuid> = ids.values().copied().collect();
            for chunk in touched.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO customer_summary_dirty (org_id, customer_id) ");
                qb.push_values(chunk, |mut b, id| {
                    b.push_bind(org.0).push_bind(*id);
                });
                qb.push(" ON CONFLICT (org_id, customer_id) DO NOTHING");
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(Written::Rows(
                customers + orders.len() + contacts.len() + deliveries.len() + referrals.len() + reviews.len()
                    + events.len(),
            ))
        })
    }

    /// How many rows of each kind `org` has: customers, orders, support contacts, deliveries, referrals,
    /// reviews, touchpoint events (for import summaries and tests).
    pub async fn customer_data_counts(&self, org: OrgId) -> Result<[i64; 7]> {
        let row: (i64, i64, i64, i64, i64, i64, i64) = db!(self, p => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM customers WHERE org_id = $1), (SELECT COUNT(*) FROM orders WHERE org_id = $1),
               (SELECT COUNT(*) FROM support_contacts WHERE org_id = $1), (SELECT COUNT(*) FROM deliveries WHERE org_id = $1),
               (SELECT COUNT(*) FROM referrals WHERE org_id = $1), (SELECT COUNT(*) FROM reviews WHERE org_id = $1),
               (SELECT COUNT(*) FROM touchpoint_events WHERE org_id = $1)",
        ).bind(org.0).fetch_one(p).await)?;
        Ok([row.0, row.1, row.2, row.3, row.4, row.5, row.6])
    }
}
