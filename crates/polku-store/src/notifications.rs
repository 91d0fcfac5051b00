//! Notifications about cases: an organisation's SMTP and webhook settings, and the outbox (migration 0014)
//! that the transactions opening or escalating cases write into and the sender job empties.
//!
//! The SMTP password and the webhook secret are stored as given (Polku must present them) and never
//! returned by the UI or the API. Rows about cases are queued by `queue_notifications!` in the transaction
//! that opens (`insert_responses`, `open_window_case`) or escalates (`escalate_overdue`) them, so they exist
//! exactly when their case or escalation does; customers' messages come from `start_due_follow_ups` and
//! `ship_improvement`, in their own transactions. The sender claims due rows with one `UPDATE … RETURNING`
//! that sets a lease (`locked_until`) and counts the attempt; on PostgreSQL its sub-select skips rows another
//! node is claiming (`dialect::skip_locked`), so nodes take disjoint rows without waiting. It then records
//! sent, pending again, or failed only while its claim still holds the row (`locked_until` = the claim's
//! lease), so a sender whose lease ran out cannot overwrite what the next one recorded. Timestamps are
//! compared through `dialect::instant`.

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, dialect};
use polku_domain::notify::{Event, Settings, Smtp, TlsMode, Webhook};
use polku_domain::{CaseId, Locale, OrgId};
use time::OffsetDateTime;
use uuid::Uuid;

/// Queues the notifications about the cases `$ids` (a slice of `Uuid`, all just opened or escalated) in the
/// open transaction `$tx`: an e-mail to each person who should hear — for a new case its owner, else the
/// members of its team, else the admins; for an escalation the rule's lead and the owner, else the admins —
/// when the organisation has an SMTP server, and one webhook call when it has a webhook (its recipient is
/// recorded as `webhook`: the URL may be a credential, and the current one is used when sending).
/// Recipients are members at this moment; the message is written when it is sent.
macro_rules! queue_notifications {
    ($tx:ident, $event:expr, $ids:expr, $now:expr) => {{
        let event: polku_domain::notify::Event = $event;
        let ids: &[uuid::Uuid] = $ids;
        for chunk in ids.chunks(500) {
            let who = match event {
                // A team with nobody in it leaves its cases to the admins, so that someone always hears.
                polku_domain::notify::Event::Opened => {
                    "(u.id = c.owner_id
                      OR (c.owner_id IS NULL AND c.team_id IS NOT NULL
                          AND u.id IN (SELECT tm.user_id FROM team_members tm WHERE tm.team_id = c.team_id))
                      OR (c.owner_id IS NULL AND m.role IN ('owner', 'admin')
                          AND NOT EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = c.team_id)))"
                }
                polku_domain::notify::Event::Escalated => {
                    "(u.id = r.lead_id OR u.id = c.owner_id
                      OR (r.lead_id IS NULL AND c.owner_id IS NULL AND m.role IN ('owner', 'admin')))"
                }
                polku_domain::notify::Event::FollowUp
                | polku_domain::notify::Event::Improvement
                | polku_domain::notify::Event::Invitation
                | polku_domain::notify::Event::Reminder => {
                    unreachable!("customers' messages are queued by start_due_follow_ups, ship_improvement and queue_invitations")
                }
            };
            let email = format!(
                " FROM cases c JOIN alert_rules r ON r.id = c.rule_id
                  JOIN notification_settings s ON s.org_id = c.org_id AND s.smtp_host IS NOT NULL
                  JOIN memberships m ON m.org_id = c.org_id JOIN users u ON u.id = m.user_id
                  WHERE {who} AND "
            );
            let webhook = " FROM cases c JOIN notification_settings s ON s.org_id = c.org_id AND s.webhook_url IS NOT NULL WHERE ";
            for (message, source) in
                [("'email', u.email, u.locale", email.as_str()), ("'webhook', 'webhook', s.locale", webhook)]
            {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO notifications (org_id, case_id, event, channel, recipient, locale, status, attempts, next_attempt_at, created_at)
                     SELECT c.org_id, c.id, ",
                );
                qb.push_bind(event.as_str()).push(", ").push(message).push(", 'pending', 0, ").push_bind($now);
                qb.push(", ").push_bind($now).push(source).push("c.id IN (");
                let mut list = qb.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                qb.push(")");
                qb.build().execute(&mut *$tx).await?;
            }
        }
    }};
}
pub(crate) use queue_notifications;

/// A notification claimed for sending.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub id: i64,
    pub org: OrgId,
    /// The case it is about (every event but `improvement`).
    pub case: Option<CaseId>,
    /// The improvement it tells of (`improvement`).
    pub improvement: Option<Uuid>,
    /// The invitation it carries (`invitation`).
    pub invitation: Option<Uuid>,
    pub event: Event,
    /// `email` or `webhook`.
    pub channel: String,
    /// The e-mail address, or `webhook`.
    pub recipient: String,
    pub locale: Locale,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// The end of this claim's lease, which also names the claim: only its holder records the outcome.
    pub lease: OffsetDateTime,
}

/// A notification as listed for admins.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRecord {
    pub id: i64,
    pub case_id: Option<Uuid>,
    pub improvement_id: Option<Uuid>,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    /// What the receiving server answered when it took the message.
    pub reply: Option<String>,
    pub invitation_id: Option<Uuid>,
}

/// What a message says about its case, as stored.
#[derive(Clone, Debug)]
pub struct CaseFacts {
    pub organisation: String,
    pub rule: String,
    pub customer: Option<String>,
    pub due_at: OffsetDateTime,
    pub lead: Option<String>,
    /// `(kind, score)` of every scored answer of the case's response.
    pub scores: Vec<(String, i16)>,
    /// The response's first open answer.
    pub comment: Option<String>,
}

type SettingsRow = (
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

type OutgoingRow = (i64, Uuid, Option<Uuid>, Option<Uuid>, Option<Uuid>, String, String, String, String, i64);

impl Store {
    /// The organisation's notification settings, secrets included (for the sender; never shown).
    pub async fn notification_settings(&self, org: OrgId) -> Result<Option<Settings>> {
        let row: Option<SettingsRow> = db!(self, p => sqlx::query_as(
            "SELECT smtp_host, smtp_port, smtp_tls, smtp_username, smtp_password, smtp_from, webhook_url, webhook_secret, locale
             FROM notification_settings WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_optional(p)
        .await)?;
        let Some((host, port, tls, username, password, from, url, secret, locale)) = row else { return Ok(None) };
        let corrupt = |what: &str| StoreError::Corrupt(format!("notification settings: {what}"));
        let smtp = match host {
            Some(host) => Some(Smtp {
                host,
                port: port.and_then(|p| u16::try_from(p).ok()).ok_or_else(|| corrupt("smtp_port"))?,
                tls: tls.as_deref().and_then(TlsMode::parse).ok_or_else(|| corrupt("smtp_tls"))?,
                username,
                password: password
                    .map(|p| self.sealer.open("smtp_password", &p))
                    .transpose()
                    .map_err(|e| corrupt(&e))?,
                from: from.ok_or_else(|| corrupt("smtp_from"))?,
            }),
            None => None,
        };
        let webhook = match url {
            Some(url) => {
                let secret = secret.ok_or_else(|| corrupt("webhook_secret"))?;
                Some(Webhook { url, secret: self.sealer.open("webhook_secret", &secret).map_err(|e| corrupt(&e))? })
            }
            None => None,
        };
        Ok(Some(Settings { smtp, webhook, locale: Locale::parse(&locale).ok_or_else(|| corrupt("locale"))? }))
    }

    /// Replaces the organisation's notification settings (validated by the caller).
    pub async fn save_notification_settings(&self, org: OrgId, s: &Settings, audit: &Audit<'_>) -> Result<()> {
        let smtp = s.smtp.as_ref();
        let hook = s.webhook.as_ref();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO notification_settings (org_id, smtp_host, smtp_port, smtp_tls, smtp_username, smtp_password, smtp_from,
                   webhook_url, webhook_secret, locale, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (org_id) DO UPDATE SET smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port,
                   smtp_tls = excluded.smtp_tls, smtp_username = excluded.smtp_username,
                   smtp_password = excluded.smtp_password, smtp_from = excluded.smtp_from,
                   webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret,
                   locale = excluded.locale, updated_at = excluded.updated_at",
            )
            .bind(org.0)
            .bind(smtp.map(|m| m.host.clone()))
            .bind(smtp.map(|m| i64::from(m.port)))
            .bind(smtp.map(|m| m.tls.as_str()))
            .bind(smtp.and_then(|m| m.username.clone()))
            .bind(smtp.and_then(|m| m.password.as_deref()).map(|p| self.sealer.seal("smtp_password", p)))
            .bind(smtp.map(|m| m.from.clone()))
            .bind(hook.map(|w| w.url.clone()))
            .bind(hook.map(|w| self.sealer.seal("webhook_secret", &w.secret)))
            .bind(s.locale.as_str())
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, audit)?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Claims up to `limit` notifications due at `now` (of every organisation) for `lease`: no other
    /// sender takes them until it ends, so a sender that dies only delays them. On PostgreSQL, rows
    /// another node is claiming are skipped rather than waited for.
    pub async fn claim_notifications(
        &self,
        now: OffsetDateTime,
        lease: time::Duration,
        limit: i64,
    ) -> Result<Vec<Outgoing>> {
        let lock = dialect::skip_locked(self.backend());
        let b = self.backend();
        let (next, locked, at) =
            (dialect::instant(b, "next_attempt_at"), dialect::instant(b, "locked_until"), dialect::instant(b, "$2"));
        let sql = format!(
            "UPDATE notifications SET locked_until = $1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM notifications
                          WHERE status = 'pending' AND {next} <= {at} AND (locked_until IS NULL OR {locked} <= {at})
                          ORDER BY next_attempt_at, id LIMIT $3{lock})
             RETURNING id, org_id, case_id, improvement_id, invitation_id, event, channel, recipient, locale, attempts"
        );
        let until = now + lease;
        let rows: Vec<OutgoingRow> = db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(until)
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        rows.into_iter()
            .map(|(id, org, case, improvement, invitation, event, channel, recipient, locale, attempts)| {
                Ok(Outgoing {
                    id,
                    org: OrgId(org),
                    case: case.map(CaseId),
                    improvement,
                    invitation,
                    event: Event::parse(&event)
                        .ok_or_else(|| StoreError::Corrupt(format!("notification {id}: event {event}")))?,
                    channel,
                    recipient,
                    locale: Locale::parse(&locale).unwrap_or_default(),
                    attempts: attempts as u32,
                    lease: until,
                })
            })
            .collect()
    }

    /// Marks a claimed notification delivered (if the claim still holds it: a sender whose lease ran out
    /// must not overwrite what the next one recorded).
    pub async fn notification_sent(&self, claim: &Outgoing, now: OffsetDateTime, reply: &str) -> Result<()> {
        let reply: String = reply.chars().take(300).collect();
        db!(self, p => sqlx::query(
            "UPDATE notifications SET status = 'sent', sent_at = $1, locked_until = NULL, last_error = NULL, reply = $4
             WHERE id = $2 AND status = 'pending' AND locked_until = $3",
        )
        .bind(now)
        .bind(claim.id)
        .bind(claim.lease)
        .bind(&reply)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Records a failed attempt (if the claim still holds it): tried again at `retry_at`, or marked failed
    /// when there is none.
    pub async fn notification_failed(
        &self,
        claim: &Outgoing,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        db!(self, p => sqlx::query(
            "UPDATE notifications SET status = $1, next_attempt_at = COALESCE($2, next_attempt_at), locked_until = NULL,
               last_error = $3 WHERE id = $4 AND status = 'pending' AND locked_until = $5",
        )
        .bind(if retry_at.is_some() { "pending" } else { "failed" })
        .bind(retry_at)
        .bind(error)
        .bind(claim.id)
        .bind(claim.lease)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Marks a claimed message not to be sent after all (if the claim still holds it), saying why.
    pub async fn notification_cancelled(&self, claim: &Outgoing, why: &str) -> Result<()> {
        db!(self, p => sqlx::query(
            "UPDATE notifications SET status = 'cancelled', locked_until = NULL, last_error = $1
             WHERE id = $2 AND status = 'pending' AND locked_until = $3",
        )
        .bind(why)
        .bind(claim.id)
        .bind(claim.lease)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Puts a failed notification of `org` back in the queue, due now, with its attempts counted afresh.
    pub async fn retry_notification(&self, org: OrgId, id: i64, audit: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let n = sqlx::query(
                "UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = $1, locked_until = NULL
                 WHERE id = $2 AND org_id = $3 AND status = 'failed'",
            )
            .bind(crate::now())
            .bind(id)
            .bind(org.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(&mut *tx, org.0, audit)?;
            Ok::<_, StoreError>(tx.commit().await?)
        })?;
        Ok(())
    }

    /// The organisation's notifications, newest first; only those of `status` when given.
    pub async fn notifications(
        &self,
        org: OrgId,
        status: Option<&str>,
        case: Option<CaseId>,
        limit: i64,
    ) -> Result<Vec<NotificationRecord>> {
        Ok(db!(self, p => sqlx::query_as(
"SELECT id, case_id, improvement_id, event, channel, recipient, status, attempts, next_attempt_at, last_error, created_at, sent_at,
                    reply, invitation_id
             FROM notifications WHERE org_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR case_id = $3)
             ORDER BY id DESC LIMIT $4",
        )
        .bind(org.0)
        .bind(status)
        .bind(case.map(|c| c.0))
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    /// What a message about the case says (see `polku_domain::notify::Notice`).
    pub async fn case_facts(&self, org: OrgId, case: CaseId) -> Result<CaseFacts> {
        type Row = (String, String, Option<String>, OffsetDateTime, Option<String>, Uuid);
        let (organisation, rule, customer, due_at, lead, response): Row = db!(self, p => sqlx::query_as(
            "SELECT o.name, r.name, p.customer_ref, c.due_at, u.name, c.response_id
             FROM cases c JOIN organisations o ON o.id = c.org_id JOIN alert_rules r ON r.id = c.rule_id
             JOIN responses p ON p.id = c.response_id LEFT JOIN users u ON u.id = r.lead_id
             WHERE c.id = $1 AND c.org_id = $2",
        )
        .bind(case.0)
        .bind(org.0)
        .fetch_optional(p)
        .await)?
        .ok_or(StoreError::NotFound)?;
        let answers: Vec<(String, Option<i64>, Option<String>)> = db!(self, p => sqlx::query_as(
            "SELECT kind, score, text FROM answers WHERE response_id = $1 AND org_id = $2 ORDER BY question_id",
        )
        .bind(response)
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        let scores = answers.iter().filter_map(|(k, s, _)| Some((k.clone(), (*s)? as i16))).collect();
        let comment = answers.into_iter().find_map(|(_, _, t)| t.filter(|t| !t.trim().is_empty()));
        Ok(CaseFacts { organisation, rule, customer, due_at, lead, scores, comment })
    }
}
