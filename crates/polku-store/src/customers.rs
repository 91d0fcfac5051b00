//! Customers and orders (migration 0019), upserted by the organisation's external ids: a whole batch (an
//! API request, or a whole CSV file) in one transaction, so it lands whole or not at all.

use crate::{Result, Store, StoreError, db};
use polku_domain::OrgId;
use polku_domain::customers::{Contact, Customer, Order};
use std::collections::HashMap;
use uuid::Uuid;

/// Rows per statement: 12 parameters each stays under both backends' limits.
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

impl Store {
    /// Upserts customers of `org` in one transaction; returns how many distinct customers it named.
    pub async fn upsert_customers(&self, org: OrgId, rows: &[Customer]) -> Result<usize> {
        let now = crate::now();
        db!(self, p => {
            let mut tx = p.begin().await?;
            let n = upsert_customers!(tx, org, rows, now);
            tx.commit().await?;
            Ok::<_, StoreError>(n)
        })
    }

    /// Upserts orders of `org` in one transaction (creating customers they name that are not stored yet,
    /// with only their id), calling `progress` with the rows written so far after each chunk. Returns how
    /// many distinct orders it named.
    pub async fn upsert_orders(&self, org: OrgId, rows: &[Order], mut progress: impl FnMut(usize)) -> Result<usize> {
        let now = crate::now();
        let rows: Vec<&Order> = last_per_id(rows, |o: &Order| o.external_id.as_str());
        db!(self, p => {
            let mut tx = p.begin().await?;
            let mut done = 0;
            let mut ids: HashMap<String, Uuid> = HashMap::new();
            for chunk in rows.chunks(CHUNK) {
                resolve_customers!(tx, org, chunk.iter().map(|o| o.customer.as_str()), ids, now);

                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO orders (id, org_id, external_id, customer_id, placed_at, day, amount_cents, currency, items,
                       status, created_at, updated_at) ",
                );
                let mut missing = None;
                qb.push_values(chunk, |mut b, o| {
                    let customer = ids.get(&o.customer).copied();
                    if customer.is_none() {
                        missing = Some(o.customer.clone());
                    }
                    b.push_bind(Uuid::now_v7())
                        .push_bind(org.0)
                        .push_bind(o.external_id.clone())
                        .push_bind(customer.unwrap_or_default())
                        .push_bind(o.placed_at)
                        .push_bind(i64::from(polku_domain::calendar::day_of(o.placed_at)))
                        .push_bind(o.amount_cents)
                        .push_bind(o.currency.clone())
                        .push_bind(i64::from(o.items))
                        .push_bind(o.status.as_str())
                        .push_bind(now)
                        .push_bind(now);
                });
                if let Some(m) = missing {
                    return Err(StoreError::Corrupt(format!("customer {m:?} was not found after it was written")));
                }
                qb.push(
                    " ON CONFLICT (org_id, external_id) DO UPDATE SET customer_id = excluded.customer_id,
                       placed_at = excluded.placed_at, day = excluded.day, amount_cents = excluded.amount_cents,
                       currency = excluded.currency, items = excluded.items, status = excluded.status,
                       updated_at = excluded.updated_at",
                );
                qb.build().execute(&mut *tx).await?;
                done += chunk.len();
                progress(done);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(rows.len())
        })
    }

    /// Upserts support contacts of `org` in one transaction, like [`Store::upsert_orders`].
    pub async fn upsert_contacts(
        &self,
        org: OrgId,
        rows: &[Contact],
        mut progress: impl FnMut(usize),
    ) -> Result<usize> {
        let now = crate::now();
        let rows: Vec<&Contact> = last_per_id(rows, |c: &Contact| c.external_id.as_str());
        db!(self, p => {
            let mut tx = p.begin().await?;
            let mut done = 0;
            let mut ids: HashMap<String, Uuid> = HashMap::new();
            for chunk in rows.chunks(CHUNK) {
                resolve_customers!(tx, org, chunk.iter().map(|c| c.customer.as_str()), ids, now);
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO support_contacts (id, org_id, external_id, customer_id, channel, reason, touchpoint, opened_at,
                       day, closed_at, handling_minutes, cost_cents, currency, created_at, updated_at) ",
                );
                let mut missing = None;
                qb.push_values(chunk, |mut b, c| {
                    let customer = ids.get(&c.customer).copied();
                    if customer.is_none() {
                        missing = Some(c.customer.clone());
                    }
                    b.push_bind(Uuid::now_v7())
                        .push_bind(org.0)
                        .push_bind(c.external_id.clone())
                        .push_bind(customer.unwrap_or_default())
                        .push_bind(c.channel.clone())
                        .push_bind(c.reason.clone())
                        .push_bind(c.touchpoint.clone())
                        .push_bind(c.opened_at)
                        .push_bind(i64::from(polku_domain::calendar::day_of(c.opened_at)))
                        .push_bind(c.closed_at)
                        .push_bind(c.handling_minutes.map(i64::from))
                        .push_bind(c.cost.as_ref().map(|(cents, _)| *cents))
                        .push_bind(c.cost.as_ref().map(|(_, cur)| cur.clone()))
                        .push_bind(now)
                        .push_bind(now);
                });
                if let Some(m) = missing {
                    return Err(StoreError::Corrupt(format!("customer {m:?} was not found after it was written")));
                }
                qb.push(
                    " ON CONFLICT (org_id, external_id) DO UPDATE SET customer_id = excluded.customer_id,
                       channel = excluded.channel, reason = excluded.reason, touchpoint = excluded.touchpoint,
                       opened_at = excluded.opened_at, day = excluded.day, closed_at = excluded.closed_at,
                       handling_minutes = excluded.handling_minutes, cost_cents = excluded.cost_cents,
                       currency = excluded.currency, updated_at = excluded.updated_at",
                );
                qb.build().execute(&mut *tx).await?;
                done += chunk.len();
                progress(done);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(rows.len())
        })
    }

    /// How many support contacts `org` has.
    pub async fn contact_count(&self, org: OrgId) -> Result<i64> {
        let n: (i64,) = db!(self, p => sqlx::query_as("SELECT COUNT(*) FROM support_contacts WHERE org_id = $1")
            .bind(org.0).fetch_one(p).await)?;
        Ok(n.0)
    }

    /// How many customers and orders `org` has (for the import summary and tests).
    pub async fn customer_counts(&self, org: OrgId) -> Result<(i64, i64)> {
        let customers: (i64,) = db!(self, p => sqlx::query_as("SELECT COUNT(*) FROM customers WHERE org_id = $1")
            .bind(org.0).fetch_one(p).await)?;
        let orders: (i64,) = db!(self, p => sqlx::query_as("SELECT COUNT(*) FROM orders WHERE org_id = $1")
            .bind(org.0).fetch_one(p).await)?;
        Ok((customers.0, orders.0))
    }
}
