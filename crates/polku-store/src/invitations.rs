//! Personal invitations and the keys that sign their links (design: `polku_domain::invite`).

use crate::{Result, Store, StoreError, db, dialect, now};
use polku_domain::{OrgId, SurveyId};
use time::OffsetDateTime;
use uuid::Uuid;

/// 32 random bytes for a link key, and their base64 as stored (sealed).
fn new_link_key() -> Result<(Vec<u8>, String)> {
    use base64::Engine;
    let mut bytes = vec![0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Corrupt(format!("random source: {e}")))?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    Ok((bytes, encoded))
}

/// An invitation as stored, with what the survey page needs of its customer.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InvitationRecord {
    pub id: Uuid,
    pub survey_id: Uuid,
    pub customer_id: Uuid,
    /// The customer's external id: what the answer is stored with.
    pub customer: String,
    pub language: Option<String>,
    pub consent_contact: Option<bool>,
    pub channel: String,
    pub touchpoint: String,
    pub expires_at: OffsetDateTime,
    pub opened_at: Option<OffsetDateTime>,
    pub answered_at: Option<OffsetDateTime>,
}

/// A new invitation.
pub struct NewInvitation<'a> {
    pub survey: SurveyId,
    pub customer: Uuid,
    pub channel: &'a str,
    pub touchpoint: &'a str,
    pub expires_at: OffsetDateTime,
}

impl Store {
    /// The organisation's newest link key (number and secret), made on first use.
    pub async fn signing_link_key(&self, org: OrgId) -> Result<(u32, Vec<u8>)> {
        if let Some(k) = self.newest_link_key(org).await? {
            return Ok(k);
        }
        // Messages are built concurrently: the first key is made once, whoever gets there first.
        let sealed = self.sealer.seal("link_key", &new_link_key()?.1);
        db!(self, p => sqlx::query(
            "INSERT INTO link_keys (org_id, number, secret, created_at) VALUES ($1, 1, $2, $3)
             ON CONFLICT (org_id, number) DO NOTHING",
        )
        .bind(org.0)
        .bind(&sealed)
        .bind(now())
        .execute(p)
        .await
        .map(|_| ()))?;
        self.newest_link_key(org).await?.ok_or(StoreError::NotFound)
    }

    async fn newest_link_key(&self, org: OrgId) -> Result<Option<(u32, Vec<u8>)>> {
        let row: Option<(i64, String)> = db!(self, p => sqlx::query_as(
            "SELECT number, secret FROM link_keys WHERE org_id = $1 ORDER BY number DESC LIMIT 1",
        )
        .bind(org.0)
        .fetch_optional(p)
        .await)?;
        row.map(|(n, s)| self.link_key_bytes(n, &s)).transpose()
    }

    fn link_key_bytes(&self, number: i64, sealed: &str) -> Result<(u32, Vec<u8>)> {
        use base64::Engine;
        let plain = self.sealer.open("link_key", sealed).map_err(StoreError::Corrupt)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(plain)
            .map_err(|_| StoreError::Corrupt("link_key: not base64".into()))?;
        Ok((u32::try_from(number).map_err(|_| StoreError::Corrupt("link_key: number".into()))?, bytes))
    }

    /// Makes a new link key, which signs from now on; older ones still verify. Returns it.
    pub async fn rotate_link_key(&self, org: OrgId) -> Result<(u32, Vec<u8>)> {
        let (bytes, encoded) = new_link_key()?;
        let sealed = self.sealer.seal("link_key", &encoded);
        let number: i64 = db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM link_keys WHERE org_id = $1")
                .bind(org.0)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO link_keys (org_id, number, secret, created_at) VALUES ($1, $2, $3, $4)")
                .bind(org.0)
                .bind(next)
                .bind(&sealed)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            next
        });
        Ok((u32::try_from(number).map_err(|_| StoreError::Corrupt("link_key: number".into()))?, bytes))
    }

    /// The organisation's link key numbered `number`, if it has one.
    pub async fn link_key(&self, org: OrgId, number: u32) -> Result<Option<Vec<u8>>> {
        let row: Option<String> = db!(self, p => sqlx::query_scalar(
            "SELECT secret FROM link_keys WHERE org_id = $1 AND number = $2",
        )
        .bind(org.0)
        .bind(i64::from(number))
        .fetch_optional(p)
        .await)?;
        row.map(|s| self.link_key_bytes(i64::from(number), &s).map(|k| k.1)).transpose()
    }

    /// The store's id of the organisation's customer `external_id` (not erased).
    pub async fn customer_id(&self, org: OrgId, external_id: &str) -> Result<Option<Uuid>> {
        Ok(db!(self, p => sqlx::query_scalar(
            "SELECT id FROM customers WHERE org_id = $1 AND external_id = $2 AND erased_at IS NULL",
        )
        .bind(org.0)
        .bind(external_id)
        .fetch_optional(p)
        .await)?)
    }

    /// Records an invitation; `NotFound` if the customer is not the organisation's.
    pub async fn create_invitation(&self, org: OrgId, new: &NewInvitation<'_>) -> Result<Uuid> {
        let id = Uuid::now_v7();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let known: Option<Uuid> = sqlx::query_scalar("SELECT id FROM customers WHERE org_id = $1 AND id = $2 AND erased_at IS NULL")
                .bind(org.0)
                .bind(new.customer)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO invitations (id, org_id, survey_id, customer_id, channel, touchpoint, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(org.0)
            .bind(new.survey.0)
            .bind(new.customer)
            .bind(new.channel)
            .bind(new.touchpoint)
            .bind(now())
            .bind(new.expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// The invitation `id` of `org`, with its customer's reference, language and consent.
    pub async fn invitation(&self, org: OrgId, id: Uuid) -> Result<Option<InvitationRecord>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT i.id, i.survey_id, i.customer_id, c.external_id AS customer, c.language, c.consent_contact,
                    i.channel, i.touchpoint, i.expires_at, i.opened_at, i.answered_at
             FROM invitations i JOIN customers c ON c.id = i.customer_id AND c.org_id = i.org_id
             WHERE i.org_id = $1 AND i.id = $2 AND c.erased_at IS NULL",
        )
        .bind(org.0)
        .bind(id)
        .fetch_optional(p)
        .await)?)
    }

    /// Records that the invitation's page was loaded (the first time only).
    pub async fn invitation_opened(&self, org: OrgId, id: Uuid) -> Result<()> {
        db!(self, p => sqlx::query("UPDATE invitations SET opened_at = $3 WHERE org_id = $1 AND id = $2 AND opened_at IS NULL")
            .bind(org.0)
            .bind(id)
            .bind(now())
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Records the answer given through the invitation; `false` if one was recorded already.
    pub async fn invitation_answered(&self, org: OrgId, id: Uuid, response: Uuid) -> Result<bool> {
        let now = now();
        let done = db!(self, p => sqlx::query(
            "UPDATE invitations SET answered_at = $3, response_id = $4, opened_at = COALESCE(opened_at, $3)
             WHERE org_id = $1 AND id = $2 AND answered_at IS NULL",
        )
        .bind(org.0)
        .bind(id)
        .bind(now)
        .bind(response)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}

/// Why a customer was not invited; the API's `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    UnknownCustomer,
    Unsubscribed,
    NoConsent,
    NoAddress,
    InvalidAddress,
    ContactedRecently,
    NotSampled,
    OrderCancelled,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::UnknownCustomer => "unknown_customer",
            Skip::Unsubscribed => "unsubscribed",
            Skip::NoConsent => "no_consent",
            Skip::NoAddress => "no_address",
            Skip::InvalidAddress => "invalid_address",
            Skip::ContactedRecently => "contacted_recently",
            Skip::NotSampled => "not_sampled",
            Skip::OrderCancelled => "order_cancelled",
        }
    }
}

/// A customer as an invitation needs them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Invitee {
    pub id: Uuid,
    pub external_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub consent_contact: Option<bool>,
    pub unsubscribed_at: Option<OffsetDateTime>,
    pub language: Option<String>,
}

/// One invitation to make: who, through which channel to which address, in which language.
#[derive(Clone, Debug)]
pub struct Planned {
    pub customer: Uuid,
    pub customer_ref: String,
    /// `email` or `sms`.
    pub channel: &'static str,
    /// The e-mail address or the E.164 number.
    pub recipient: String,
    pub locale: String,
    /// The row a trigger fires for (see `InvitationBatch::trigger`).
    pub subject: Option<Uuid>,
    /// The order it asks about: its message is cancelled if the order is cancelled or refunded first.
    pub order: Option<Uuid>,
}

/// An invitation not made, recorded with its reason.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub customer: Option<Uuid>,
    pub customer_ref: String,
    pub channel: String,
    pub reason: Skip,
    /// The row a trigger fires for.
    pub subject: Option<Uuid>,
}

/// A batch of invitations to one survey, decided by the caller but for the contact limit, which is
/// checked here, in the transaction that writes them.
pub struct InvitationBatch<'a> {
    pub survey: SurveyId,
    pub touchpoint: &'a str,
    pub expires_at: OffsetDateTime,
    /// When the messages go out.
    pub send_at: OffsetDateTime,
    /// Nobody invited after this (by any survey or channel) is invited again; `None`: no limit.
    pub quiet_since: Option<OffsetDateTime>,
    pub planned: Vec<Planned>,
    /// Decided before: recorded with the batch.
    pub skipped: Vec<Skipped>,
    /// The trigger firing: each row (`subject`) is recorded as fired, and an item whose row another
    /// transaction recorded first (another node) is dropped, so a row fires once.
    pub trigger: Option<Uuid>,
    /// The panel study the invitations belong to.
    pub study: Option<Uuid>,
}

/// Rows per statement when reading or writing a batch.
const CHUNK: usize = 400;

/// How customers are named to `invitees_by`.
#[derive(Clone, Copy)]
enum Keys<'a> {
    External(&'a [String]),
    Ids(&'a [Uuid]),
}

impl Store {
    /// The organisation's customers of `external_ids` (not erased), in no particular order.
    pub async fn invitees(&self, org: OrgId, external_ids: &[String]) -> Result<Vec<Invitee>> {
        self.invitees_by(org, Keys::External(external_ids)).await
    }

    /// The organisation's customers with the store's ids `ids` (not erased), in no particular order.
    pub async fn invitees_by_id(&self, org: OrgId, ids: &[Uuid]) -> Result<Vec<Invitee>> {
        self.invitees_by(org, Keys::Ids(ids)).await
    }

    async fn invitees_by(&self, org: OrgId, keys: Keys<'_>) -> Result<Vec<Invitee>> {
        let (column, n) = match keys {
            Keys::External(k) => ("external_id", k.len()),
            Keys::Ids(k) => ("id", k.len()),
        };
        let mut out = Vec::with_capacity(n);
        for start in (0..n).step_by(CHUNK) {
            let range = start..(start + CHUNK).min(n);
            let rows: Vec<Invitee> = db!(self, p => {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT id, external_id, email, phone, consent_contact, unsubscribed_at, language FROM customers
                     WHERE erased_at IS NULL AND org_id = ",
                );
                qb.push_bind(org.0).push(" AND ").push(column).push(" IN (");
                let mut list = qb.separated(", ");
                match keys {
                    Keys::External(k) => k[range.clone()].iter().for_each(|e| { list.push_bind(e.as_str()); }),
                    Keys::Ids(k) => k[range.clone()].iter().for_each(|id| { list.push_bind(*id); }),
                }
                qb.push(")");
                qb.build_query_as().fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Writes a batch in one transaction: one invitation and its message in the outbox (sent at `send_at`,
    /// retried with back-off like other messages) per planned customer not invited since `quiet_since`,
    /// and every skip with its reason. Returns how many were queued and who was skipped and why, the
    /// contact limit's skips after the caller's.
    pub async fn queue_invitations(
        &self,
        org: OrgId,
        batch: &InvitationBatch<'_>,
    ) -> Result<(usize, Vec<(String, Skip)>)> {
        let now = now();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let mut skipped = batch.skipped.clone();
            let mut planned = batch.planned.clone();
            if let Some(trigger) = batch.trigger {
                let mut first = std::collections::HashSet::new();
                for subject in planned.iter().filter_map(|p| p.subject).chain(skipped.iter().filter_map(|s| s.subject)) {
                    let n = sqlx::query(
                        "INSERT INTO trigger_firings (trigger_id, subject, org_id, created_at) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (trigger_id, subject) DO NOTHING",
                    )
                    .bind(trigger)
                    .bind(subject)
                    .bind(org.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n == 1 {
                        first.insert(subject);
                    }
                }
                planned.retain(|p| p.subject.is_none_or(|s| first.contains(&s)));
                skipped.retain(|p| p.subject.is_none_or(|s| first.contains(&s)));
            }
            let mut queued = 0;
            // A customer planned twice in one batch (two orders of one round) is asked once.
            let mut asked = std::collections::HashSet::new();
            for chunk in planned.chunks(CHUNK) {
                let mut recent = std::collections::HashSet::new();
                if let Some(since) = batch.quiet_since {
                    let mut qb = sqlx::QueryBuilder::new("SELECT DISTINCT customer_id FROM invitations WHERE org_id = ");
                    // A reminder is a contact too.
                    qb.push_bind(org.0).push(" AND (created_at > ").push_bind(since).push(" OR reminded_at > ").push_bind(since);
                    qb.push(") AND customer_id IN (");
                    let mut list = qb.separated(", ");
                    for p in chunk {
                        list.push_bind(p.customer);
                    }
                    qb.push(")");
                    let rows: Vec<Uuid> = qb.build_query_scalar().fetch_all(&mut *tx).await?;
                    recent.extend(rows);
                }
                let mut rows = Vec::with_capacity(chunk.len());
                for p in chunk {
                    let twice = batch.quiet_since.is_some() && !asked.insert(p.customer);
                    if twice || recent.contains(&p.customer) {
                        skipped.push(Skipped {
                            customer: Some(p.customer),
                            customer_ref: p.customer_ref.clone(),
                            channel: p.channel.to_string(),
                            reason: Skip::ContactedRecently,
                            subject: p.subject,
                        });
                    } else {
                        rows.push((Uuid::now_v7(), p));
                    }
                }
                if rows.is_empty() {
                    continue;
                }
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO invitations (id, org_id, survey_id, customer_id, channel, touchpoint, created_at, expires_at, order_id, study_id) ",
                );
                qb.push_values(&rows, |mut b, (id, p)| {
                    b.push_bind(*id).push_bind(org.0).push_bind(batch.survey.0).push_bind(p.customer)
                        .push_bind(p.channel).push_bind(batch.touchpoint).push_bind(now).push_bind(batch.expires_at)
                        .push_bind(p.order).push_bind(batch.study);
                });
                qb.build().execute(&mut *tx).await?;
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO notifications (org_id, invitation_id, event, channel, recipient, locale, status, attempts, next_attempt_at, created_at) ",
                );
                qb.push_values(&rows, |mut b, (id, p)| {
                    b.push_bind(org.0).push_bind(*id).push_bind("invitation").push_bind(p.channel)
                        .push_bind(p.recipient.as_str()).push_bind(p.locale.as_str()).push_bind("pending").push_bind(0i64)
                        .push_bind(batch.send_at).push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
                queued += rows.len();
            }
            for chunk in skipped.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO invitation_skips (id, org_id, survey_id, customer_id, customer_ref, channel, reason, created_at) ",
                );
                qb.push_values(chunk, |mut b, s| {
                    b.push_bind(Uuid::now_v7()).push_bind(org.0).push_bind(batch.survey.0).push_bind(s.customer)
                        .push_bind(s.customer_ref.as_str()).push_bind(s.channel.as_str()).push_bind(s.reason.as_str())
                        .push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok((queued, skipped.into_iter().map(|s| (s.customer_ref, s.reason)).collect()))
        })
    }

    /// What an invitation's message needs: its survey's slug, its customer's language and its expiry.
    pub async fn invitation_for_message(&self, org: OrgId, id: Uuid) -> Result<Option<(Uuid, OffsetDateTime)>> {
        Ok(db!(self, p => sqlx::query_as("SELECT survey_id, expires_at FROM invitations WHERE org_id = $1 AND id = $2")
            .bind(org.0)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Unsubscribes the customer of invitation `id` for good; `false` if there is no such invitation.
    pub async fn unsubscribe_invited(&self, org: OrgId, id: Uuid) -> Result<bool> {
        let n = db!(self, p => sqlx::query(
            "UPDATE customers SET unsubscribed_at = COALESCE(unsubscribed_at, $3)
             WHERE org_id = $1 AND id = (SELECT customer_id FROM invitations WHERE org_id = $1 AND id = $2)",
        )
        .bind(org.0)
        .bind(id)
        .bind(now())
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}

impl Store {
    /// The funnel of `survey` (all surveys with `None`) for invitations made and answers given in
    /// `[from, to)`, per channel: (channel, invited, sent, failed, opened, answered through an invitation,
    /// all answers), channels in name order.
    pub async fn funnel(
        &self,
        org: OrgId,
        survey: Option<SurveyId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<(String, [i64; 6])>> {
        let invited: Vec<(String, i64, i64, i64, i64, i64)> = db!(self, p => sqlx::query_as(
            "SELECT i.channel, COUNT(*),
                    COALESCE(SUM(CASE WHEN n.status = 'sent' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN n.status = 'failed' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN i.opened_at IS NOT NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN i.answered_at IS NOT NULL THEN 1 ELSE 0 END), 0)
             FROM invitations i
             LEFT JOIN notifications n ON n.invitation_id = i.id AND n.org_id = i.org_id AND n.event = 'invitation'
             WHERE i.org_id = $1 AND ($2 IS NULL OR i.survey_id = $2) AND i.created_at >= $3 AND i.created_at < $4
             GROUP BY i.channel",
        )
        .bind(org.0)
        .bind(survey.map(|s| s.0))
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?;
        let answered: Vec<(String, i64)> = db!(self, p => sqlx::query_as(
            "SELECT channel, COUNT(*) FROM responses
             WHERE org_id = $1 AND ($2 IS NULL OR survey_id = $2) AND submitted_at >= $3 AND submitted_at < $4
             GROUP BY channel",
        )
        .bind(org.0)
        .bind(survey.map(|s| s.0))
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?;
        let mut out: std::collections::BTreeMap<String, [i64; 6]> = std::collections::BTreeMap::new();
        for (channel, n, sent, failed, opened, done) in invited {
            let row = out.entry(channel).or_default();
            row[..5].copy_from_slice(&[n, sent, failed, opened, done]);
        }
        for (channel, n) in answered {
            out.entry(channel).or_default()[5] = n;
        }
        Ok(out.into_iter().collect())
    }
}

/// One invitation in a survey's send log.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LoggedInvitation {
    pub id: Uuid,
    pub customer: String,
    pub channel: String,
    pub touchpoint: String,
    pub created_at: OffsetDateTime,
    pub opened_at: Option<OffsetDateTime>,
    pub answered_at: Option<OffsetDateTime>,
    /// The message's outbox state: `pending`, `sent`, `failed` or `cancelled`.
    pub message_status: Option<String>,
    pub attempts: Option<i64>,
    pub sent_at: Option<OffsetDateTime>,
    pub reply: Option<String>,
    pub last_error: Option<String>,
}

/// One recorded skip in a survey's send log.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LoggedSkip {
    pub customer: String,
    pub channel: String,
    pub reason: String,
    pub created_at: OffsetDateTime,
}

impl Store {
    /// The survey's newest invitations with their messages' state, and its newest skips.
    pub async fn invitation_log(
        &self,
        org: OrgId,
        survey: SurveyId,
        limit: i64,
    ) -> Result<(Vec<LoggedInvitation>, Vec<LoggedSkip>)> {
        let invitations = db!(self, p => sqlx::query_as(
            "SELECT i.id, c.external_id AS customer, i.channel, i.touchpoint, i.created_at, i.opened_at, i.answered_at,
                    n.status AS message_status, n.attempts, n.sent_at, n.reply, n.last_error
             FROM invitations i JOIN customers c ON c.id = i.customer_id AND c.org_id = i.org_id
             LEFT JOIN notifications n ON n.invitation_id = i.id AND n.org_id = i.org_id AND n.event = 'invitation'
             WHERE i.org_id = $1 AND i.survey_id = $2 ORDER BY i.created_at DESC, i.id DESC LIMIT $3",
        )
        .bind(org.0)
        .bind(survey.0)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        let skips = db!(self, p => sqlx::query_as(
            "SELECT customer_ref AS customer, channel, reason, created_at FROM invitation_skips
             WHERE org_id = $1 AND survey_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(org.0)
        .bind(survey.0)
        .bind(limit)
        .fetch_all(p)
        .await)?;
        Ok((invitations, skips))
    }
}

/// An invitation whose one reminder is due.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DueReminder {
    pub org_id: Uuid,
    pub invitation_id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub locale: String,
}

impl Store {
    /// Up to `limit` invitations (of every organisation) whose survey sends reminders, whose message went
    /// out at least that many days before `now`, not answered, not reminded, still open, to a customer still
    /// subscribed.
    pub async fn due_reminders(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<DueReminder>> {
        let b = self.backend();
        let sql = format!(
            "SELECT i.org_id, i.id AS invitation_id, n.channel, n.recipient, n.locale FROM invitations i
             JOIN survey_sending s ON s.survey_id = i.survey_id AND s.org_id = i.org_id AND s.reminder_days IS NOT NULL
             JOIN notifications n ON n.invitation_id = i.id AND n.org_id = i.org_id AND n.event = 'invitation'
               AND n.status = 'sent'
             JOIN customers c ON c.id = i.customer_id AND c.org_id = i.org_id
             WHERE i.answered_at IS NULL AND i.reminded_at IS NULL AND c.unsubscribed_at IS NULL AND c.erased_at IS NULL
               AND {due} <= {now} AND {expires} > {now}
             ORDER BY n.sent_at LIMIT $2",
            due = dialect::days_after(b, "n.sent_at", "s.reminder_days"),
            now = dialect::instant(b, "$1"),
            expires = dialect::instant(b, "i.expires_at"),
        );
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(now).bind(limit).fetch_all(p).await)?)
    }

    /// Queues the reminder of `due` at `send_at`, once: `false` if it was reminded meanwhile (another node).
    pub async fn queue_reminder(&self, due: &DueReminder, send_at: OffsetDateTime) -> Result<bool> {
        let now = now();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let claimed = sqlx::query("UPDATE invitations SET reminded_at = $3 WHERE org_id = $1 AND id = $2 AND reminded_at IS NULL")
                .bind(due.org_id)
                .bind(due.invitation_id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if claimed == 1 {
                sqlx::query(
                    "INSERT INTO notifications (org_id, invitation_id, event, channel, recipient, locale, status, attempts, next_attempt_at, created_at)
                     VALUES ($1, $2, 'reminder', $3, $4, $5, 'pending', 0, $6, $7)",
                )
                .bind(due.org_id)
                .bind(due.invitation_id)
                .bind(&due.channel)
                .bind(&due.recipient)
                .bind(&due.locale)
                .bind(send_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(claimed == 1)
        })
    }
}

/// A customer as a segment is matched: id, external id, language, attributes (JSON) and last order.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SegmentRow {
    pub id: Uuid,
    pub external_id: String,
    pub language: Option<String>,
    pub attributes: Option<String>,
    pub last_order: Option<OffsetDateTime>,
}

impl Store {
    /// Every customer of the organisation (not erased) with what a segment looks at; the last order is the
    /// latest placed that was not cancelled or refunded.
    pub async fn segment_rows(&self, org: OrgId) -> Result<Vec<SegmentRow>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT c.id, c.external_id, c.language, c.attributes, o.last_order FROM customers c
             LEFT JOIN (SELECT customer_id, MAX(placed_at) AS last_order FROM orders
                        WHERE org_id = $1 AND status NOT IN ('cancelled', 'refunded') GROUP BY customer_id) o
               ON o.customer_id = c.id
             WHERE c.org_id = $1 AND c.erased_at IS NULL ORDER BY c.external_id",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }
}

impl Store {
    /// The external id of the organisation's customer (not erased) whose external id or e-mail address
    /// is `reference`: as written, or with spaces read as `+` (a merge tool that does not encode an
    /// address like `a+b@x.fi` in a link turns its `+` into a space).
    pub async fn customer_by_reference(&self, org: OrgId, reference: &str) -> Result<Option<String>> {
        let plus = reference.replace(' ', "+");
        for r in [reference, plus.as_str()] {
            let found: Option<String> = db!(self, p => sqlx::query_scalar(
                "SELECT external_id FROM customers WHERE org_id = $1 AND erased_at IS NULL
                   AND (external_id = $2 OR LOWER(email) = LOWER($2))
                 ORDER BY external_id = $2 DESC LIMIT 1",
            )
            .bind(org.0)
            .bind(r)
            .fetch_optional(p)
            .await)?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }
}
