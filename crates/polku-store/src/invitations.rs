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
