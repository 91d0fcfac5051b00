//! Personal invitations and the keys that sign their links (design: `polku_domain::invite`).

use crate::{Result, Store, StoreError, db, dialect, now};
use polku_domain::{OrgId, SurveyId};
use time::OffsetDateTime;
use uuid::Uuid;

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
        self.rotate_link_key(org).await
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
        use base64::Engine;
        let mut bytes = vec![0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Corrupt(format!("random source: {e}")))?;
        let sealed = self.sealer.seal("link_key", &base64::engine::general_purpose::STANDARD.encode(&bytes));
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
    ContactedRecently,
}

/// A customer as an invitation needs them: id, e-mail, consent to contact, unsubscribed, language.
type Invitee = (Uuid, Option<String>, Option<bool>, Option<OffsetDateTime>, Option<String>);

/// A batch of e-mail invitations to queue.
pub struct InvitationBatch<'a> {
    pub survey: SurveyId,
    /// Customers' external ids, in the order given.
    pub customers: &'a [String],
    pub touchpoint: &'a str,
    pub expires_at: OffsetDateTime,
    /// When the messages go out.
    pub send_at: OffsetDateTime,
    /// Nobody invited after this (by any survey or channel) is invited again.
    pub quiet_since: OffsetDateTime,
    /// The language of a customer who has none.
    pub default_locale: &'a str,
}

impl Store {
    /// Queues one e-mail invitation per customer who may be asked, in one transaction: the invitation and
    /// its message in the outbox (sent at `send_at`, retried with back-off like other messages). Returns how
    /// many were queued and, in order, who was skipped and why.
    pub async fn queue_email_invitations(
        &self,
        org: OrgId,
        batch: &InvitationBatch<'_>,
    ) -> Result<(usize, Vec<(String, Skip)>)> {
        let now = now();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let mut queued = 0;
            let mut skipped = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for external in batch.customers {
                if !seen.insert(external.as_str()) {
                    continue;
                }
                let row: Option<Invitee> = sqlx::query_as(
                    "SELECT id, email, consent_contact, unsubscribed_at, language FROM customers
                     WHERE org_id = $1 AND external_id = $2 AND erased_at IS NULL",
                )
                .bind(org.0)
                .bind(external)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((customer, email, consent, unsubscribed, language)) = row else {
                    skipped.push((external.clone(), Skip::UnknownCustomer));
                    continue;
                };
                let recent: Option<Uuid> = sqlx::query_scalar(
                    "SELECT id FROM invitations WHERE org_id = $1 AND customer_id = $2 AND created_at > $3 LIMIT 1",
                )
                .bind(org.0)
                .bind(customer)
                .bind(batch.quiet_since)
                .fetch_optional(&mut *tx)
                .await?;
                let skip = if unsubscribed.is_some() {
                    Some(Skip::Unsubscribed)
                } else if consent == Some(false) {
                    Some(Skip::NoConsent)
                } else if email.as_deref().is_none_or(str::is_empty) {
                    Some(Skip::NoAddress)
                } else if recent.is_some() {
                    Some(Skip::ContactedRecently)
                } else {
                    None
                };
                if let Some(skip) = skip {
                    skipped.push((external.clone(), skip));
                    continue;
                }
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO invitations (id, org_id, survey_id, customer_id, channel, touchpoint, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, 'email', $5, $6, $7)",
                )
                .bind(id)
                .bind(org.0)
                .bind(batch.survey.0)
                .bind(customer)
                .bind(batch.touchpoint)
                .bind(now)
                .bind(batch.expires_at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO notifications (org_id, invitation_id, event, channel, recipient, locale, status, attempts, next_attempt_at, created_at)
                     VALUES ($1, $2, 'invitation', 'email', $3, $4, 'pending', 0, $5, $6)",
                )
                .bind(org.0)
                .bind(id)
                .bind(email)
                .bind(language.as_deref().unwrap_or(batch.default_locale))
                .bind(batch.send_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                queued += 1;
            }
            tx.commit().await?;
            Ok((queued, skipped))
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
    /// The funnel of `survey` for invitations made and answers given in `[from, to)`, per channel: (channel,
    /// invited, sent, failed, opened, answered through an invitation, all answers), channels in name order.
    pub async fn funnel(
        &self,
        org: OrgId,
        survey: SurveyId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<(String, [i64; 6])>> {
        let invited: Vec<(String, i64, i64, i64, i64, i64)> = db!(self, p => sqlx::query_as(
            "SELECT i.channel, COUNT(*),
                    COALESCE(SUM(CASE WHEN n.status = 'sent' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN n.status = 'failed' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN i.opened_at IS NOT NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN i.answered_at IS NOT NULL THEN 1 ELSE 0 END), 0)
             FROM invitations i LEFT JOIN notifications n ON n.invitation_id = i.id AND n.org_id = i.org_id
             WHERE i.org_id = $1 AND i.survey_id = $2 AND i.created_at >= $3 AND i.created_at < $4
             GROUP BY i.channel",
        )
        .bind(org.0)
        .bind(survey.0)
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?;
        let answered: Vec<(String, i64)> = db!(self, p => sqlx::query_as(
            "SELECT channel, COUNT(*) FROM responses
             WHERE org_id = $1 AND survey_id = $2 AND submitted_at >= $3 AND submitted_at < $4 GROUP BY channel",
        )
        .bind(org.0)
        .bind(survey.0)
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
