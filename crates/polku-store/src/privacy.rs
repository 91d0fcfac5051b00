//! Privacy (GDPR): everything stored about one customer, and erasing it. A customer is found by their
//! external id; their answers by that id or their e-mail address as `customer_ref`. Erasure keeps the rows
//! that carry money and counts (orders, contacts, deliveries, answers' scores and the rollups), tied to a
//! customer row with nothing personal left, so every figure still adds up.
//!
//! **Export** reads, in one transaction, the customer and every row tied to them: orders, support contacts,
//! deliveries, referrals as redeemer or referrer, reviews, events, responses with their answers under their
//! id or e-mail address, and follow-ups of cases on those responses. **Erasure** is one transaction:
//! answers' texts become empty and their comments lose the customer, their lemmas and their search terms
//! (`dialect::SearchTerms`); follow-ups lose address and comment; pending messages to the address are
//! deleted and sent ones' recipients replaced (invitations' by customer, so phone numbers too), skipped
//! invitations lose the reference; responses lose `customer_ref`; review texts and event
//! attributes go; the customer row keeps its id (so orders and contacts still count) with every personal
//! column NULL, `external_id` replaced by `erased-{uuid}` and `erased_at` set; the customer is marked for a
//! summary refresh; the audit row names no one. Rollups, comment polarity and themes stay, so aggregates
//! are unchanged. **Retention** reads: `inactive_customers` (no change, order, support contact or answer
//! since the cut-off) and `forget_old_links` (older answers and comments untied from customers, older
//! follow-up addresses and customer-message recipients forgotten).

use crate::dialect::{self, SearchTerms};
use crate::{Result, Store, StoreError, audit::Audit, db};
use polku_domain::OrgId;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportCustomer {
    pub external_id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub consent_contact: Option<bool>,
    pub consent_marketing: Option<bool>,
    /// When they unsubscribed from survey invitations, for good.
    #[serde(with = "time::serde::rfc3339::option")]
    pub unsubscribed_at: Option<OffsetDateTime>,
    /// JSON text of the free attributes.
    pub attributes: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportOrder {
    pub external_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub placed_at: OffsetDateTime,
    pub amount_cents: i64,
    pub currency: String,
    pub items: i64,
    pub status: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportContact {
    pub external_id: String,
    pub channel: String,
    pub reason: Option<String>,
    pub touchpoint: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub handling_minutes: Option<i64>,
    pub cost_cents: Option<i64>,
    pub currency: Option<String>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportDelivery {
    pub external_id: String,
    pub order_ref: Option<String>,
    pub status: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub shipped_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub promised_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
    pub carrier: Option<String>,
    pub touchpoint: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportReferral {
    pub external_id: String,
    pub code: String,
    /// `redeemed` (this customer used the code) or `referred` (this customer's code was used).
    pub role: String,
    pub order_ref: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub redeemed_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportReview {
    pub external_id: String,
    pub product: Option<String>,
    pub rating: i64,
    pub photos: bool,
    pub text: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportEvent {
    pub external_id: String,
    pub touchpoint: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub outcome: Option<String>,
    pub polarity: Option<String>,
    /// JSON text of the attributes.
    pub attributes: Option<String>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportAnswer {
    #[serde(skip)]
    pub response_id: Uuid,
    pub question_id: Uuid,
    pub kind: String,
    pub score: Option<i64>,
    /// JSON text of the chosen options.
    pub choices: Option<String>,
    pub text: Option<String>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportResponse {
    pub id: Uuid,
    pub survey_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub channel: String,
    pub touchpoint: String,
    pub locale: Option<String>,
    /// What the customer allowed with this answer.
    pub share_ok: bool,
    pub contact_ok: bool,
    /// Tied to the customer by a reference anyone holding the link could change (a score link pasted
    /// into a marketing tool), not by a personal link or the API.
    pub customer_unverified: bool,
    #[sqlx(skip)]
    pub answers: Vec<ExportAnswer>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportFollowUp {
    pub email: Option<String>,
    pub original_score: Option<i64>,
    pub score: Option<i64>,
    pub comment: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ExportInvitation {
    pub survey_id: Uuid,
    pub channel: String,
    pub touchpoint: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub opened_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
}

/// Everything stored about one customer.
#[derive(Clone, Debug, Serialize)]
pub struct CustomerExport {
    /// `None` for a person known only by the reference on their answers.
    pub customer: Option<ExportCustomer>,
    pub orders: Vec<ExportOrder>,
    pub support_contacts: Vec<ExportContact>,
    pub deliveries: Vec<ExportDelivery>,
    pub referrals: Vec<ExportReferral>,
    pub reviews: Vec<ExportReview>,
    pub events: Vec<ExportEvent>,
    /// Survey answers given under the customer's id or e-mail address.
    pub responses: Vec<ExportResponse>,
    /// Follow-up questions sent after their feedback was handled.
    pub follow_ups: Vec<ExportFollowUp>,
    /// Survey invitations sent to them.
    pub invitations: Vec<ExportInvitation>,
}

/// What an erasure removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// Answers no longer tied to the customer (their scores still count).
    pub responses: u64,
    /// Open answers whose text was removed.
    pub texts: u64,
}

/// The references a person's answers may carry: the one asked for, and the customer's id and e-mail
/// address when there is a customer row.
fn refs(asked: &str, customer: Option<&(Uuid, String, Option<String>)>) -> Vec<String> {
    let asked = asked.trim().to_string();
    let mut out = vec![asked];
    if let Some((_, id, email)) = customer {
        out.push(id.clone());
        out.extend(email.clone());
    }
    out.dedup();
    out
}

/// Every stored reference or address of the organisation, for the case-variant scan of `with_variants`.
const STORED_REFS: &str = "SELECT customer_ref FROM responses WHERE org_id = $1 AND customer_ref IS NOT NULL
     UNION SELECT recipient FROM notifications WHERE org_id = $1
     UNION SELECT email FROM follow_ups WHERE org_id = $1 AND email IS NOT NULL";

/// `refs` and the stored strings equal to one of them only under Unicode case folding. References are
/// compared with the database's `LOWER` on both sides, as the rest of the store matches answers to
/// customers, but SQLite's `LOWER` folds ASCII alone (PostgreSQL's follows the locale), so `ÄITI@x.fi` and
/// `äiti@x.fi` differ to it: a person's data must not be missed for that. Scanned only when a reference has
/// a non-ASCII character, where the two foldings can differ.
fn with_variants(mut refs: Vec<String>, stored: Vec<String>) -> Vec<String> {
    let folded: Vec<String> = refs.iter().map(|r| r.to_lowercase()).collect();
    for s in stored {
        if folded.contains(&s.to_lowercase()) && !refs.contains(&s) {
            refs.push(s);
        }
    }
    refs
}

/// `LOWER($2), LOWER($3), …` for `n` references bound after the organisation.
fn ref_list(n: usize) -> String {
    (2..n + 2).map(|i| format!("LOWER(${i})")).collect::<Vec<_>>().join(", ")
}

/// The customer a reference names: by external id, or by e-mail address without case.
const FIND_CUSTOMER: &str = "SELECT id, external_id, email FROM customers
     WHERE org_id = $1 AND erased_at IS NULL AND (external_id = $2 OR LOWER(email) = LOWER($2))
     ORDER BY external_id = $2 DESC LIMIT 1";

/// The customer `reference` names (see `FIND_CUSTOMER`), read inside the caller's transaction. An address
/// with a non-ASCII character that the database's `LOWER` did not match is looked for again with Unicode
/// case folding in Rust (see `with_variants`), so `äiti@x.fi` finds the customer stored as `Äiti@x.fi`.
macro_rules! find_customer {
    ($tx:expr, $org:expr, $reference:expr) => {{
        let reference = $reference.trim();
        let found: Option<(Uuid, String, Option<String>)> =
            sqlx::query_as(FIND_CUSTOMER).bind($org.0).bind(reference).fetch_optional(&mut *$tx).await?;
        if found.is_some() || reference.is_ascii() {
            found
        } else {
            let folded = reference.to_lowercase();
            let candidates: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
                "SELECT id, external_id, email FROM customers
                 WHERE org_id = $1 AND erased_at IS NULL AND email IS NOT NULL ORDER BY created_at, id",
            )
            .bind($org.0)
            .fetch_all(&mut *$tx)
            .await?;
            candidates.into_iter().find(|c| c.2.as_deref().is_some_and(|e| e.to_lowercase() == folded))
        }
    }};
}

/// The references to match for `reference` (see `with_variants`), read inside the caller's transaction;
/// with the SQL list of their placeholders.
macro_rules! references {
    ($tx:expr, $org:expr, $reference:expr, $found:expr) => {{
        let base = refs($reference, $found);
        let all = if base.iter().all(|r| r.is_ascii()) {
            base
        } else {
            let stored: Vec<String> = sqlx::query_scalar(STORED_REFS).bind($org.0).fetch_all(&mut *$tx).await?;
            with_variants(base, stored)
        };
        let list = ref_list(all.len());
        (all, list)
    }};
}

/// Binds the organisation and then every reference.
macro_rules! bound {
    ($q:expr, $org:expr, $refs:expr) => {{
        let mut q = $q.bind($org.0);
        for r in $refs.iter() {
            q = q.bind(r);
        }
        q
    }};
}

impl Store {
    /// Everything stored about the person `reference` names in `org` (a customer's external id or e-mail
    /// address, or only a reference their answers carry), or `None` when nothing is.
    pub async fn customer_export(&self, org: OrgId, reference: &str) -> Result<Option<CustomerExport>> {
        db!(self, p => {
            let mut tx = p.begin().await?;
            let found = find_customer!(tx, org, reference);
            let (refs, list) = references!(tx, org, reference, found.as_ref());
            let by_ref = format!("LOWER(customer_ref) IN ({list})");
            let id = found.as_ref().map_or(Uuid::nil(), |c| c.0);
            let customer: Option<ExportCustomer> = match &found {
                Some((id, _, _)) => Some(sqlx::query_as(
                    "SELECT external_id, name, email, phone, language, consent_contact, consent_marketing, unsubscribed_at, attributes,
                       created_at, updated_at FROM customers WHERE id = $1",
                ).bind(id).fetch_one(&mut *tx).await?),
                None => None,
            };
            let orders = sqlx::query_as(
                "SELECT external_id, placed_at, amount_cents, currency, items, status FROM orders
                 WHERE org_id = $1 AND customer_id = $2 ORDER BY placed_at",
            ).bind(org.0).bind(id).fetch_all(&mut *tx).await?;
            let support_contacts = sqlx::query_as(
                "SELECT external_id, channel, reason, touchpoint, opened_at, closed_at, handling_minutes, cost_cents,
                   currency FROM support_contacts WHERE org_id = $1 AND customer_id = $2 ORDER BY opened_at",
            ).bind(org.0).bind(id).fetch_all(&mut *tx).await?;
            let deliveries = sqlx::query_as(
                "SELECT external_id, order_ref, status, shipped_at, promised_at, delivered_at, carrier, touchpoint
                 FROM deliveries WHERE org_id = $1 AND customer_id = $2 ORDER BY day",
            ).bind(org.0).bind(id).fetch_all(&mut *tx).await?;
            let referrals = sqlx::query_as(
                "SELECT external_id, code, CASE WHEN customer_id = $2 THEN 'redeemed' ELSE 'referred' END AS role,
                   order_ref, redeemed_at FROM referrals
                 WHERE org_id = $1 AND (customer_id = $2 OR referrer_id = $2) ORDER BY redeemed_at",
            ).bind(org.0).bind(id).fetch_all(&mut *tx).await?;
            let reviews = sqlx::query_as(
                "SELECT external_id, product, rating, photos, text, published_at FROM reviews
                 WHERE org_id = $1 AND customer_id = $2 ORDER BY published_at",
            ).bind(org.0).bind(id).fetch_all(&mut *tx).await?;
            let events = sqlx::query_as(
                "SELECT external_id, touchpoint, occurred_at, outcome, polarity, attributes FROM touchpoint_events
                 WHERE org_id = $1 AND customer_id = $2 ORDER BY occurred_at",
            ).bind(org.0).bind(id).fetch_all(&mut *tx).await?;
            let mut responses: Vec<ExportResponse> = bound!(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, survey_id, submitted_at, channel, touchpoint, locale, share_ok, contact_ok, customer_unverified
                 FROM responses WHERE org_id = $1 AND {by_ref} ORDER BY submitted_at"
            ))), org, refs).fetch_all(&mut *tx).await?;
            if customer.is_none() && responses.is_empty() {
                return Ok(None);
            }
            let answers: Vec<ExportAnswer> = bound!(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT a.response_id, a.question_id, a.kind, a.score, a.choices, a.text FROM answers a
                 JOIN responses r ON r.id = a.response_id
                 WHERE r.org_id = $1 AND LOWER(r.customer_ref) IN ({list})",
            ))), org, refs).fetch_all(&mut *tx).await?;
            for a in answers {
                if let Some(r) = responses.iter_mut().find(|r| r.id == a.response_id) {
                    r.answers.push(a);
                }
            }
            let follow_ups = bound!(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT f.email, f.original_score, f.score, f.comment, f.created_at, f.sent_at, f.answered_at
                 FROM follow_ups f JOIN cases c ON c.id = f.case_id JOIN responses r ON r.id = c.response_id
                 WHERE f.org_id = $1 AND LOWER(r.customer_ref) IN ({list}) ORDER BY f.created_at",
            ))), org, refs).fetch_all(&mut *tx).await?;
            let invitations = sqlx::query_as(
                "SELECT survey_id, channel, touchpoint, created_at, opened_at, answered_at FROM invitations
                 WHERE org_id = $1 AND customer_id = $2 ORDER BY created_at",
            ).bind(org.0).bind(id).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            Ok(Some(CustomerExport {
                customer, orders, support_contacts, deliveries, referrals, reviews, events, responses, follow_ups,
                invitations,
            }))
        })
    }

    /// Erases the person `reference` names in `org` (a customer's external id or e-mail address, or only a
    /// reference their answers carry; answers are matched without case), in one transaction: the customer's
    /// name, contact details, consents and attributes and external id (replaced by a random one), the tie
    /// between them and their answers and the texts of those answers (with their search terms), staff notes
    /// on those comments and cases and the reasons of compensations on them, the answers' idempotency keys,
    /// review texts and event attributes, follow-up addresses and answers, and messages to their address with
    /// their errors. `NotFound` when nothing names them. Audited as `audit`.
    pub async fn erase_customer(&self, org: OrgId, reference: &str, audit: &Audit<'_>) -> Result<Erased> {
        let terms = dialect::search_terms(self.backend());
        let now = crate::now();
        db!(self, p => {
            // Reads, then writes what it read decided: the write lock up front on SQLite (see `dialect`).
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let found = find_customer!(tx, org, reference);
            let (refs, list) = references!(tx, org, reference, found.as_ref());
            let by_ref = format!("LOWER(customer_ref) IN ({list})");
            let their: Vec<(Uuid,)> = bound!(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM responses WHERE org_id = $1 AND {by_ref}"
            ))), org, refs).fetch_all(&mut *tx).await?;
            if found.is_none() && their.is_empty() {
                return Err(StoreError::NotFound);
            }
            let texts = bound!(sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE answers SET text = '' WHERE org_id = $1 AND text IS NOT NULL AND response_id IN
                   (SELECT id FROM responses WHERE org_id = $1 AND {by_ref})"
            ))), org, refs).execute(&mut *tx).await?.rows_affected();
            let blank = match terms {
                SearchTerms::Column => format!(", {} = NULL", dialect::SEARCH_COLUMN),
                SearchTerms::Table => String::new(),
            };
            let comments: Vec<(i64,)> = bound!(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE comments SET customer_ref = NULL, lemmas = ''{blank}
                 WHERE org_id = $1 AND {by_ref} RETURNING id"
            ))), org, refs).fetch_all(&mut *tx).await?;
            for chunk in comments.chunks(500) {
                let tables: &[&str] = if terms == SearchTerms::Table { &[dialect::SEARCH_TABLE, "comment_notes"] } else { &["comment_notes"] };
                for table in tables {
                    let key = if *table == "comment_notes" { "comment_id" } else { "rowid" };
                    let mut qb = sqlx::QueryBuilder::new("DELETE FROM ");
                    qb.push(*table).push(" WHERE ").push(key).push(" IN (");
                    let mut list = qb.separated(", ");
                    for (c,) in chunk {
                        list.push_bind(*c);
                    }
                    qb.push(")");
                    qb.build().execute(&mut *tx).await?;
                }
            }
            // Staff's words about them on their cases, and compensation reasons, which often name them.
            let cases_of_theirs = format!(
                "SELECT c.id FROM cases c JOIN responses r ON r.id = c.response_id WHERE r.org_id = $1 AND LOWER(r.customer_ref) IN ({list})");
            for sql in [
                format!("UPDATE case_events SET body = '' WHERE org_id = $1 AND case_id IN ({cases_of_theirs})"),
                format!("UPDATE case_actions SET reason = '' WHERE org_id = $1 AND case_id IN ({cases_of_theirs})"),
                format!("UPDATE follow_ups SET email = NULL, comment = NULL WHERE org_id = $1
                   AND (LOWER(email) IN ({list}) OR case_id IN ({cases_of_theirs}))"),
                format!("DELETE FROM idempotency_keys WHERE org_id = $1 AND response_id IN
                   (SELECT id FROM responses WHERE org_id = $1 AND {by_ref})"),
                format!("DELETE FROM notifications WHERE org_id = $1 AND status = 'pending' AND LOWER(recipient) IN ({list})"),
                format!("UPDATE notifications SET recipient = 'erased', last_error = NULL WHERE org_id = $1 AND LOWER(recipient) IN ({list})"),
                format!("DELETE FROM customer_ref_dirty WHERE org_id = $1 AND LOWER(customer_ref) IN ({list})"),
                format!("UPDATE invitation_skips SET customer_ref = 'erased' WHERE org_id = $1 AND LOWER(customer_ref) IN ({list})"),
            ] {
                bound!(sqlx::query(sqlx::AssertSqlSafe(sql)), org, refs).execute(&mut *tx).await?;
            }
            let responses = bound!(sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE responses SET customer_ref = NULL WHERE org_id = $1 AND {by_ref}"
            ))), org, refs).execute(&mut *tx).await?.rows_affected();
            if let Some((id, _, _)) = found {
                sqlx::query("UPDATE reviews SET text = NULL WHERE org_id = $1 AND customer_id = $2")
                    .bind(org.0).bind(id).execute(&mut *tx).await?;
                sqlx::query("UPDATE touchpoint_events SET attributes = NULL WHERE org_id = $1 AND customer_id = $2")
                    .bind(org.0).bind(id).execute(&mut *tx).await?;
                // Invitations' messages: addressed to a phone number as well as to an e-mail address.
                let theirs = "invitation_id IN (SELECT id FROM invitations WHERE org_id = $1 AND customer_id = $2)";
                for sql in [
                    format!("DELETE FROM notifications WHERE org_id = $1 AND status = 'pending' AND {theirs}"),
                    format!("UPDATE notifications SET recipient = 'erased', reply = NULL, last_error = NULL WHERE org_id = $1 AND {theirs}"),
                    "UPDATE invitation_skips SET customer_ref = 'erased' WHERE org_id = $1 AND customer_id = $2".to_string(),
                ] {
                    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.0).bind(id).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "UPDATE customers SET external_id = $3, name = NULL, email = NULL, phone = NULL, language = NULL,
                       consent_contact = NULL, consent_marketing = NULL, attributes = NULL, erased_at = $4, updated_at = $4
                     WHERE org_id = $1 AND id = $2",
                ).bind(org.0).bind(id).bind(format!("erased-{}", Uuid::now_v7())).bind(now).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO customer_summary_dirty (org_id, customer_id) VALUES ($1, $2) ON CONFLICT (org_id, customer_id) DO NOTHING",
                ).bind(org.0).bind(id).execute(&mut *tx).await?;
            }
            crate::audit::audit!(&mut *tx, org.0, audit)?;
            tx.commit().await?;
            Ok(Erased { responses, texts })
        })
    }

    /// The organisations with a retention period, and the period in months.
    pub async fn retention_settings(&self) -> Result<Vec<(OrgId, i64)>> {
        let rows: Vec<(Uuid, i64)> = db!(self, p => sqlx::query_as(
            "SELECT id, retention_months FROM organisations WHERE retention_months IS NOT NULL",
        ).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|(o, m)| (OrgId(o), m)).collect())
    }

    /// Sets (or with `None` clears) how many months `org` keeps personal data.
    pub async fn set_retention(&self, org: OrgId, months: Option<i64>, audit: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query("UPDATE organisations SET retention_months = $2 WHERE id = $1")
                .bind(org.0).bind(months).execute(&mut *tx).await?;
            crate::audit::audit!(&mut *tx, org.0, audit)?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// `org`'s retention period in months, if set.
    pub async fn retention(&self, org: OrgId) -> Result<Option<i64>> {
        let row: Option<(Option<i64>,)> = db!(self, p => sqlx::query_as(
            "SELECT retention_months FROM organisations WHERE id = $1",
        ).bind(org.0).fetch_optional(p).await)?;
        Ok(row.and_then(|r| r.0))
    }

    /// Up to `limit` customers of `org`, not erased, with nothing newer than `before`: no change to their row,
    /// no order, support contact or answer since.
    pub async fn inactive_customers(&self, org: OrgId, before: OffsetDateTime, limit: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = db!(self, p => sqlx::query_as(
            "SELECT c.external_id FROM customers c
             WHERE c.org_id = $1 AND c.erased_at IS NULL AND c.updated_at < $2
               AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.org_id = $1 AND o.customer_id = c.id AND o.placed_at >= $2)
               AND NOT EXISTS (SELECT 1 FROM support_contacts s WHERE s.org_id = $1 AND s.customer_id = c.id
                                 AND s.opened_at >= $2)
               AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.org_id = $1 AND r.customer_ref IN (c.external_id, c.email)
                                 AND r.submitted_at >= $2)
             ORDER BY c.updated_at LIMIT $3",
        ).bind(org.0).bind(before).bind(limit).fetch_all(p).await)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Unties answers older than `before` from their customers, and forgets follow-up addresses and customer
    /// message recipients older than that. Returns the answers untied.
    pub async fn forget_old_links(&self, org: OrgId, before: OffsetDateTime) -> Result<u64> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO customer_ref_dirty (org_id, customer_ref) SELECT DISTINCT org_id, customer_ref FROM responses
                 WHERE org_id = $1 AND customer_ref IS NOT NULL AND submitted_at < $2
                 ON CONFLICT (org_id, customer_ref) DO NOTHING",
            ).bind(org.0).bind(before).execute(&mut *tx).await?;
            let n = sqlx::query(
                "UPDATE responses SET customer_ref = NULL WHERE org_id = $1 AND customer_ref IS NOT NULL AND submitted_at < $2",
            ).bind(org.0).bind(before).execute(&mut *tx).await?.rows_affected();
            sqlx::query(
                "UPDATE comments SET customer_ref = NULL WHERE org_id = $1 AND customer_ref IS NOT NULL AND submitted_at < $2",
            ).bind(org.0).bind(before).execute(&mut *tx).await?;
            sqlx::query("UPDATE follow_ups SET email = NULL WHERE org_id = $1 AND email IS NOT NULL AND created_at < $2")
                .bind(org.0).bind(before).execute(&mut *tx).await?;
            sqlx::query(
                "UPDATE notifications SET recipient = 'erased' WHERE org_id = $1 AND event IN ('follow_up', 'improvement', 'invitation')
                   AND status <> 'pending' AND recipient <> 'erased' AND created_at < $2",
            ).bind(org.0).bind(before).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(n)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_variants_beyond_ascii_are_added_once() {
        let stored = vec!["ÖRJAN@x.se".to_string(), "örjan@x.se".to_string(), "other@x.se".to_string()];
        let all = with_variants(vec!["Örjan@x.se".into()], stored);
        assert_eq!(all, ["Örjan@x.se", "ÖRJAN@x.se", "örjan@x.se"]);
        assert_eq!(ref_list(2), "LOWER($2), LOWER($3)");
    }
}
