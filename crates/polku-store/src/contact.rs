//! Contact rules, how each survey invites, and the SMS gateway (migration 0037). The gateway's headers
//! hold its credentials and are stored sealed, as JSON, like the SMTP password.

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, dialect, now};
use polku_domain::contact::{ContactRules, QuietHours};
use polku_domain::sms::{Gateway, Header, Method};
use polku_domain::{OrgId, SurveyId};

/// How a survey invites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sending {
    /// How long its personal links work.
    pub link_ttl_days: u16,
    /// The share of customers it asks, in thousandths (1000: all).
    pub sample_permille: u16,
    /// Days after an unanswered invitation's message that its one reminder goes; `None`: no reminder.
    pub reminder_days: Option<u16>,
}

impl Default for Sending {
    fn default() -> Self {
        Sending { link_ttl_days: polku_domain::invite::DEFAULT_TTL_DAYS, sample_permille: 1000, reminder_days: None }
    }
}

type RulesRow = (i64, Option<String>, Option<String>, String, bool);
type GatewayRow = (String, String, String, String, String);

impl Store {
    /// The organisation's contact rules (the defaults until it saves its own).
    pub async fn contact_rules(&self, org: OrgId) -> Result<ContactRules> {
        let row: Option<RulesRow> = db!(self, p => sqlx::query_as(
            "SELECT days_between, quiet_from, quiet_to, quiet_days, require_consent FROM contact_rules WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_optional(p)
        .await)?;
        let Some((days, from, to, quiet_days, require_consent)) = row else { return Ok(ContactRules::default()) };
        Ok(ContactRules {
            days_between: u16::try_from(days).map_err(|_| StoreError::Corrupt("contact_rules.days_between".into()))?,
            quiet_hours: from.zip(to).map(|(from, to)| QuietHours { from, to }),
            quiet_days: quiet_days.split(',').filter_map(|d| d.trim().parse().ok()).collect(),
            require_consent,
        })
    }

    /// Replaces the organisation's contact rules (validated by the caller).
    pub async fn save_contact_rules(&self, org: OrgId, rules: &ContactRules, audit: &Audit<'_>) -> Result<()> {
        let days: Vec<String> = rules.quiet_days.iter().map(u8::to_string).collect();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO contact_rules (org_id, days_between, quiet_from, quiet_to, quiet_days, require_consent, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (org_id) DO UPDATE SET days_between = excluded.days_between, quiet_from = excluded.quiet_from,
                   quiet_to = excluded.quiet_to, quiet_days = excluded.quiet_days,
                   require_consent = excluded.require_consent, updated_at = excluded.updated_at",
            )
            .bind(org.0)
            .bind(i64::from(rules.days_between))
            .bind(rules.quiet_hours.as_ref().map(|q| q.from.clone()))
            .bind(rules.quiet_hours.as_ref().map(|q| q.to.clone()))
            .bind(days.join(","))
            .bind(rules.require_consent)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, audit)?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// How the survey invites (the defaults until set).
    pub async fn survey_sending(&self, org: OrgId, survey: SurveyId) -> Result<Sending> {
        let row: Option<(i64, i64, Option<i64>)> = db!(self, p => sqlx::query_as(
            "SELECT link_ttl_days, sample_permille, reminder_days FROM survey_sending WHERE org_id = $1 AND survey_id = $2",
        )
        .bind(org.0)
        .bind(survey.0)
        .fetch_optional(p)
        .await)?;
        let corrupt = |f: &str| StoreError::Corrupt(format!("survey_sending.{f}"));
        Ok(match row {
            None => Sending::default(),
            Some((ttl, permille, reminder)) => Sending {
                link_ttl_days: u16::try_from(ttl).map_err(|_| corrupt("link_ttl_days"))?,
                sample_permille: u16::try_from(permille).map_err(|_| corrupt("sample_permille"))?,
                reminder_days: reminder.map(u16::try_from).transpose().map_err(|_| corrupt("reminder_days"))?,
            },
        })
    }

    /// Replaces how the survey invites (validated by the caller).
    pub async fn save_survey_sending(
        &self,
        org: OrgId,
        survey: SurveyId,
        sending: &Sending,
        audit: &Audit<'_>,
    ) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO survey_sending (survey_id, org_id, link_ttl_days, sample_permille, reminder_days, updated_at)
                 VALUES ($1, $2, $3, $4, $6, $5)
                 ON CONFLICT (survey_id) DO UPDATE SET link_ttl_days = excluded.link_ttl_days,
                   sample_permille = excluded.sample_permille, reminder_days = excluded.reminder_days,
                   updated_at = excluded.updated_at",
            )
            .bind(survey.0)
            .bind(org.0)
            .bind(i64::from(sending.link_ttl_days))
            .bind(i64::from(sending.sample_permille))
            .bind(now())
            .bind(sending.reminder_days.map(i64::from))
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, audit)?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The organisation's SMS gateway, credentials included (for the sender; never shown).
    pub async fn sms_gateway(&self, org: OrgId) -> Result<Option<Gateway>> {
        let row: Option<GatewayRow> = db!(self, p => sqlx::query_as(
            "SELECT url, method, headers, body, sender FROM sms_gateways WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_optional(p)
        .await)?;
        let Some((url, method, headers, body, sender)) = row else { return Ok(None) };
        let corrupt = |f: &str| StoreError::Corrupt(format!("sms_gateways.{f}"));
        let headers = self.sealer.open("sms_headers", &headers).map_err(|_| corrupt("headers"))?;
        let headers: Vec<Header> = serde_json::from_str(&headers).map_err(|_| corrupt("headers"))?;
        let method = match method.as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            _ => return Err(corrupt("method")),
        };
        Ok(Some(Gateway { url, method, headers, body, sender }))
    }

    /// Replaces the organisation's SMS gateway, or removes it (`None`); validated by the caller.
    pub async fn save_sms_gateway(&self, org: OrgId, gateway: Option<&Gateway>, audit: &Audit<'_>) -> Result<()> {
        let sealed = gateway
            .map(|g| serde_json::to_string(&g.headers).map(|h| self.sealer.seal("sms_headers", &h)))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            match (gateway, &sealed) {
                (Some(g), Some(headers)) => {
                    sqlx::query(
                        "INSERT INTO sms_gateways (org_id, url, method, headers, body, sender, updated_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)
                         ON CONFLICT (org_id) DO UPDATE SET url = excluded.url, method = excluded.method,
                           headers = excluded.headers, body = excluded.body, sender = excluded.sender,
                           updated_at = excluded.updated_at",
                    )
                    .bind(org.0)
                    .bind(&g.url)
                    .bind(match g.method { Method::Get => "GET", Method::Post => "POST" })
                    .bind(headers)
                    .bind(&g.body)
                    .bind(&g.sender)
                    .bind(now())
                    .execute(&mut *tx)
                    .await?;
                }
                _ => {
                    sqlx::query("DELETE FROM sms_gateways WHERE org_id = $1").bind(org.0).execute(&mut *tx).await?;
                }
            }
            audit!(&mut *tx, org.0, audit)?;
            tx.commit().await
        })?;
        Ok(())
    }
}
