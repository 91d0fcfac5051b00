//! Notifications about cases: an organisation's SMTP server and webhook (set by admins), and the sender
//! job that delivers what the outbox holds (`polku_store::notifications`): e-mail with lettre, webhooks as
//! signed JSON POSTs. Delivery is at least once; every node runs the job, and a notification is claimed by
//! one sender at a time.
//!
//! The sender (`run`, a task in every `serve`) claims up to `BATCH` due rows for a 5-minute `LEASE`,
//! renders each message from the case as it is now (`polku_domain::notify::Notice`: the e-mail in the
//! recipient's language, the webhook in the organisation's), sends them concurrently (lettre over rustls;
//! reqwest without redirects; one deadline per delivery, `crate::outbound`), then marks each sent, pending again at
//! `polku_domain::notify::retry_delay` (30 s doubling to 1 h), or failed after `MAX_ATTEMPTS` until an admin
//! retries it. A node that dies after sending and before marking leaves only a lease to expire; the message
//! id (`X-Polku-Delivery`, the e-mail's `Message-ID` built from the case or improvement, event and row)
//! stays the same on a repeat. Webhook calls carry `x-polku-signature`, an HMAC-SHA256 over
//! `"{timestamp}.{body}"` (`signature`), and always use the current address and secret. Targets on this
//! machine or private addresses are refused unless `allow_internal_targets`: every address a name resolves
//! to is checked, and the connection goes to a checked one (`crate::outbound`).

use crate::auth::Caller;
use crate::outbound;
use crate::{App, AppError, AppResult};
use hmac::{KeyInit, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use polku_domain::notify::{Event, Notice, Settings, Smtp, TlsMode, Webhook, retry_delay};
use polku_domain::role::Permission;
use polku_domain::{CaseId, Locale, OrgId};
use polku_store::{Audit, NotificationRecord, Outgoing};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Notifications one sender claims at a time, and how long it holds them.
const BATCH: i64 = 20;
const LEASE: time::Duration = time::Duration::minutes(5);
/// The settings as shown: everything but the SMTP password and the webhook secret, which are only said
/// to be set.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SettingsView {
    pub smtp: Option<SmtpView>,
    pub webhook: Option<WebhookView>,
    pub locale: Locale,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SmtpView {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password_set: bool,
    pub from: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct WebhookView {
    pub url: String,
    pub secret_set: bool,
}

/// Settings as given through the UI or the API. A password or secret left out keeps the stored one.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    #[serde(default)]
    pub smtp: Option<SmtpInput>,
    #[serde(default)]
    pub webhook: Option<WebhookInput>,
    #[serde(default)]
    pub locale: Option<Locale>,
}

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpInput {
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    pub tls: TlsMode,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    pub from: String,
}

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    #[serde(default)]
    pub secret: Option<String>,
}

fn view(s: Option<Settings>) -> SettingsView {
    let s = s.unwrap_or(Settings { smtp: None, webhook: None, locale: Locale::default() });
    SettingsView {
        smtp: s.smtp.map(|m| SmtpView {
            host: m.host,
            port: m.port,
            tls: m.tls,
            username: m.username,
            password_set: m.password.is_some(),
            from: m.from,
        }),
        webhook: s.webhook.map(|w| WebhookView { url: w.url, secret_set: !w.secret.is_empty() }),
        locale: s.locale,
    }
}

fn blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The organisation's settings (admins only: they name its servers).
pub async fn settings(app: &App, caller: &Caller) -> AppResult<SettingsView> {
    caller.require(Permission::Administer)?;
    Ok(view(app.store.notification_settings(caller.org).await?))
}

/// Replaces the organisation's settings; a password or secret not given keeps the stored one (while the
/// user name or URL stays the same, so a secret is never sent somewhere it was not meant for).
pub async fn save_settings(app: &App, caller: &Caller, input: SettingsInput) -> AppResult<SettingsView> {
    caller.require(Permission::Administer)?;
    let old = app.store.notification_settings(caller.org).await?;
    let old_smtp = old.as_ref().and_then(|o| o.smtp.clone());
    let old_hook = old.as_ref().and_then(|o| o.webhook.clone());
    let smtp = input.smtp.map(|m| {
        let host = m.host.trim().to_string();
        let username = blank(m.username);
        let port = m.port.unwrap_or(match m.tls {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        });
        // A stored password goes only where it went before, the same way.
        let password = match (m.password.filter(|p| !p.is_empty()), &old_smtp) {
            (Some(p), _) => Some(p),
            (None, Some(o))
                if username.is_some()
                    && o.username == username
                    && o.host == host
                    && o.port == port
                    && o.tls == m.tls =>
            {
                o.password.clone()
            }
            (None, _) => None,
        };
        Smtp { host, port, tls: m.tls, username, password, from: m.from.trim().to_string() }
    });
    let webhook = match input.webhook {
        Some(w) => {
            let url = w.url.trim().to_string();
            let secret = match (w.secret.filter(|s| !s.is_empty()), &old_hook) {
                (Some(s), _) => s,
                (None, Some(o)) if o.url == url => o.secret.clone(),
                (None, _) => return Err(AppError::invalid("webhook.secret", "is required for a new webhook address")),
            };
            Some(Webhook { url, secret })
        }
        None => None,
    };
    let locale = input.locale.or(old.as_ref().map(|o| o.locale)).unwrap_or_default();
    let settings = Settings { smtp, webhook, locale };
    settings.validate().map_err(|(field, message)| AppError::invalid(field, message))?;
    // What the libraries that send will refuse is refused now, not at every delivery for hours.
    if let Some(s) = &settings.smtp {
        s.from.parse::<lettre::message::Mailbox>().map_err(|e| AppError::invalid("smtp.from", e.to_string()))?;
        saved_target_ok(app, &s.host, s.port).await.map_err(|m| AppError::invalid("smtp.host", m))?;
    }
    if let Some(w) = &settings.webhook {
        let url = outbound::check_url(&w.url, app.config.allow_internal_targets)
            .map_err(|m| AppError::invalid("webhook.url", m))?;
        if let Some(host) = url.host_str() {
            let port = url.port_or_known_default().unwrap_or(443);
            saved_target_ok(app, host, port).await.map_err(|m| AppError::invalid("webhook.url", m))?;
        }
    }
    let audit = Audit {
        actor: &caller.actor,
        action: "notifications.settings",
        target: String::new(),
        detail: serde_json::json!({
            "smtp": settings.smtp.as_ref().map(|m| format!("{}:{} ({})", m.host, m.port, m.tls.as_str())),
            // The host only: a Slack hook's path is its credential.
            "webhook": settings.webhook.as_ref().map(|w| polku_domain::notify::url_host(&w.url).to_string()),
        }),
    };
    app.store.save_notification_settings(caller.org, &settings, &audit).await?;
    Ok(view(Some(settings)))
}

/// Refuses a target that is internal as written or resolves to an internal address now. A name that does
/// not resolve yet is accepted (DNS may be set up after Polku): each delivery resolves and checks again.
pub(crate) async fn saved_target_ok(app: &App, host: &str, port: u16) -> Result<(), String> {
    match outbound::resolve(host, port, app.config.allow_internal_targets).await {
        Err(e) if e.contains("cannot be resolved") || e.contains("has no address") => Ok(()),
        other => other.map(|_| ()),
    }
}

/// The organisation's notifications, newest first (admins; `status`: pending, sent or failed).
pub async fn list(app: &App, caller: &Caller, status: Option<&str>) -> AppResult<Vec<NotificationRecord>> {
    caller.require(Permission::Administer)?;
    if let Some(s) = status
        && !["pending", "sent", "failed"].contains(&s)
    {
        return Err(AppError::invalid("status", "must be pending, sent or failed"));
    }
    Ok(app.store.notifications(caller.org, status, None, 200).await?)
}

/// Queues a failed notification again (admins), e.g. after the webhook receiver was fixed.
pub async fn retry(app: &App, caller: &Caller, id: i64) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let audit = Audit {
        actor: &caller.actor,
        action: "notifications.retry",
        target: id.to_string(),
        detail: serde_json::Value::Null,
    };
    Ok(app.store.retry_notification(caller.org, id, &audit).await?)
}

/// What a test delivery did, per channel: `None` when the channel is not set up, else the outcome.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TestOutcome {
    pub email: Option<Result<String, String>>,
    pub webhook: Option<Result<String, String>>,
}

/// Sends a test e-mail to `to` and a test webhook call now, with the stored settings, and says how each
/// went (admins): the way to find out that a password is wrong before a customer's case depends on it.
pub async fn send_test(app: &App, caller: &Caller, to: Option<&str>) -> AppResult<TestOutcome> {
    caller.require(Permission::Administer)?;
    let settings = app
        .store
        .notification_settings(caller.org)
        .await?
        .ok_or_else(|| AppError::invalid("smtp", "no notification settings saved yet"))?;
    let notice = Notice {
        event: Event::Opened,
        organisation: app.store.org(caller.org).await?.name,
        rule: "Polku test".into(),
        customer: None,
        score: None,
        comment: Some("This is a test message from Polku's notification settings.".into()),
        due_at: polku_store::now(),
        url: format!("{}/settings/notifications", app.config.public_url),
        lead: None,
    };
    let email = match (&settings.smtp, to) {
        (Some(smtp), Some(to)) => {
            if !polku_domain::notify::valid_mailbox(to) || to.parse::<lettre::message::Mailbox>().is_err() {
                return Err(AppError::invalid("to", "must be an e-mail address"));
            }
            let id = format!("test-{}", uuid::Uuid::new_v4().simple());
            Some(
                send_email(app, smtp, to, settings.locale, &notice, &id)
                    .await
                    .map(|reply| format!("sent to {to}: {reply}"))
                    .map_err(|e| e.message),
            )
        }
        (Some(_), None) => Some(Err("no address to send the test to".into())),
        (None, _) => None,
    };
    let webhook = match &settings.webhook {
        Some(hook) => Some(
            post_webhook(app, hook, &notice.webhook_body(settings.locale, "test", 0), "test", 0)
                .await
                .map(|status| format!("HTTP {status}")),
        ),
        None => None,
    };
    Ok(TestOutcome { email, webhook })
}

/// One round of the sender job: claims the notifications due at `now`, delivers them concurrently and
/// waits for all. Returns how many were claimed.
pub async fn deliver_due(app: &Arc<App>, now: OffsetDateTime) -> AppResult<usize> {
    let mut running = tokio::task::JoinSet::new();
    let n = claim_and_start(app, now, &mut running).await?;
    while running.join_next().await.is_some() {}
    Ok(n)
}

/// Claims what is due and starts each delivery as its own task in `running`, without waiting: a slow
/// server delays only its own messages, each bounded by the whole-exchange deadline.
async fn claim_and_start(
    app: &Arc<App>,
    now: OffsetDateTime,
    running: &mut tokio::task::JoinSet<()>,
) -> AppResult<usize> {
    let claimed = app.store.claim_notifications(now, LEASE, BATCH).await?;
    let n = claimed.len();
    for out in claimed {
        let app = Arc::clone(app);
        running.spawn(async move {
            let id = out.id;
            // The deadline again around everything, store reads included, well inside the lease.
            let limit = app.config.outbound_timeout * 2;
            let result = outbound::within(limit, "delivery", deliver(&app, &out)).await;
            let stored = match &result {
                Ok(reply) => app.store.notification_sent(&out, polku_store::now(), reply).await,
                Err(e) => {
                    // A refusal for good (an SMTP 5xx, a gateway's 4xx) is not tried again.
                    let retry_at =
                        if e.permanent { None } else { retry_delay(out.attempts).map(|d| polku_store::now() + d) };
                    tracing::warn!(notification = id, case = ?out.case, channel = %out.channel, attempt = out.attempts,
                        error = %e, retry = retry_at.is_some(), "notification not delivered");
                    if e.cancelled {
                        app.store.notification_cancelled(&out, &e.message).await
                    } else {
                        app.store.notification_failed(&out, &e.message, retry_at).await
                    }
                }
            };
            if let Err(e) = stored {
                // The lease runs out and another round delivers it again: at least once.
                tracing::warn!(notification = id, error = %e, "recording a delivery failed");
            }
        });
    }
    Ok(n)
}

/// Runs the sender job until the task is dropped: a round every few seconds, at once after a full batch,
/// with at most `4 × BATCH` deliveries in flight on this node.
pub async fn run(app: Arc<App>) {
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        if running.len() < (4 * BATCH) as usize {
            match claim_and_start(&app, polku_store::now(), &mut running).await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "delivering notifications failed"),
            }
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

/// Why a delivery failed, and whether trying again could help.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    /// The receiver refused for good: no retry.
    pub permanent: bool,
    /// Not to be sent after all (an invitation whose order was cancelled).
    pub cancelled: bool,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure { message, permanent: false, cancelled: false }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure { message: message.to_string(), permanent: false, cancelled: false }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Delivers one claimed notification; `Ok` carries the receiver's reply.
async fn deliver(app: &App, out: &Outgoing) -> Result<String, Failure> {
    let settings = app.store.notification_settings(out.org).await.map_err(|e| e.to_string())?;
    // Invitations and their reminders, by e-mail or text message.
    if matches!(out.event, Event::Invitation | Event::Reminder) {
        let id = out.invitation.ok_or_else(|| format!("notification {} names no invitation", out.id))?;
        if app.store.invitation_order_cancelled(out.org, id).await.map_err(|e| e.to_string())? {
            return Err(Failure {
                message: "the order was cancelled or refunded".into(),
                permanent: true,
                cancelled: true,
            });
        }
        let mut m = crate::invitations::message(app, out.org, id, out.locale).await.map_err(|e| e.to_string())?;
        if out.event == Event::Reminder {
            m.subject = polku_domain::invite::reminder_subject(out.locale, &m.subject);
            m.sms = polku_domain::invite::reminder_subject(out.locale, &m.sms);
        }
        if out.channel == "sms" {
            let gateway = app.store.sms_gateway(out.org).await.map_err(|e| e.to_string())?;
            let gateway = gateway.ok_or("no SMS gateway is set up")?;
            return send_sms(app, &gateway, &out.recipient, &m.sms).await;
        }
        let smtp = settings.and_then(|s| s.smtp).ok_or("no SMTP server is set up")?;
        // RFC 8058: mail clients offer a one-click unsubscribe that POSTs to the link.
        let headers = [
            ("List-Unsubscribe", format!("<{}>", m.unsubscribe)),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_string()),
        ];
        let mail = Mail { subject: m.subject, body: m.body, html: Some(m.html) };
        return send_message(app, &smtp, &out.recipient, mail, &message_key(out), &headers).await;
    }
    // Messages to customers: a follow-up's invitation, or what changed thanks to their feedback.
    if matches!(out.event, Event::FollowUp | Event::Improvement) {
        let smtp = settings.and_then(|s| s.smtp).ok_or("no SMTP server is set up")?;
        let (subject, body) = match (out.event, out.case, out.improvement) {
            (Event::FollowUp, Some(case), _) => crate::followups::for_notification(app, out.org, case)
                .await
                .map_err(|e| e.to_string())?
                .email(out.locale),
            (Event::Improvement, _, Some(id)) => crate::improvements::message(app, out.org, id, out.locale)
                .await
                .map_err(|e| e.to_string())?
                .email(out.locale),
            _ => return Err(format!("notification {} names nothing to tell of", out.id).into()),
        };
        return send_message(app, &smtp, &out.recipient, Mail { subject, body, html: None }, &message_key(out), &[])
            .await;
    }
    let case = out.case.ok_or_else(|| format!("notification {} names no case", out.id))?;
    let notice = notice(app, out.org, case, out.event).await.map_err(|e| e.to_string())?;
    match out.channel.as_str() {
        "email" => {
            let smtp = settings.and_then(|s| s.smtp).ok_or("no SMTP server is set up")?;
            send_email(app, &smtp, &out.recipient, out.locale, &notice, &message_key(out)).await
        }
        "webhook" => {
            // The current address and secret: a corrected URL applies to what is still waiting.
            let hook = settings.and_then(|s| s.webhook).ok_or("no webhook is set up")?;
            let body = notice.webhook_body(out.locale, &case.to_string(), out.id);
            post_webhook(app, &hook, &body, out.event.as_str(), out.id)
                .await
                .map(|s| format!("HTTP {s}"))
                .map_err(Failure::from)
        }
        other => Err(format!("unknown channel {other}").into()),
    }
}

async fn notice(app: &App, org: OrgId, case: CaseId, event: Event) -> AppResult<Notice> {
    let f = app.store.case_facts(org, case).await?;
    let score = ["nps", "csat", "ces"].into_iter().find_map(|k| f.scores.iter().find(|(kind, _)| kind == k).cloned());
    Ok(Notice {
        event,
        organisation: f.organisation,
        rule: f.rule,
        customer: f.customer,
        score,
        comment: f.comment,
        due_at: f.due_at,
        url: format!("{}/cases/{case}", app.config.public_url),
        lead: f.lead,
    })
}

/// Names one message for ever: the case and event make it unique across databases, the row id across
/// recipients; a repeated delivery keeps it, so mail clients show the message once.
fn message_key(out: &Outgoing) -> String {
    let about = out.case.map(|c| c.0).or(out.improvement).or(out.invitation).unwrap_or_default();
    format!("{}-{}-{}", about.simple(), out.event.as_str(), out.id)
}

async fn send_email(
    app: &App,
    smtp: &Smtp,
    to: &str,
    locale: Locale,
    notice: &Notice,
    key: &str,
) -> Result<String, Failure> {
    let (subject, body) = notice.email(locale);
    send_message(app, smtp, to, Mail { subject, body, html: None }, key, &[]).await
}

/// A message's subject, text, and HTML alternative if it has one.
pub(crate) struct Mail {
    pub subject: String,
    pub body: String,
    pub html: Option<String>,
}

/// Sends one message (text, and HTML when given) over the organisation's SMTP server: to a checked address of its host
/// (the name kept for TLS), within one deadline for the whole exchange; with `headers` besides the usual
/// (`List-Unsubscribe` and the like; ASCII values). `Ok` carries the server's reply to the message.
pub(crate) async fn send_message(
    app: &App,
    smtp: &Smtp,
    to: &str,
    mail: Mail,
    key: &str,
    headers: &[(&'static str, String)],
) -> Result<String, Failure> {
    let Mail { subject, body, html } = mail;
    let from: lettre::message::Mailbox = smtp.from.parse().map_err(|e| format!("sender address: {e}"))?;
    let to: lettre::message::Mailbox = to.parse().map_err(|e| format!("recipient address: {e}"))?;
    let domain = from.email.domain().to_string();
    let mut builder = Message::builder();
    for (name, value) in headers {
        builder = builder.raw_header(lettre::message::header::HeaderValue::new(
            lettre::message::header::HeaderName::new_from_ascii_str(name),
            value.clone(),
        ));
    }
    let builder = builder
        .from(from)
        .to(to)
        .subject(subject)
        // The same id on a repeated delivery lets mail clients show it once.
        .message_id(Some(format!("<polku-{key}@{domain}>")));
    let message = match html {
        // Text and HTML as alternatives: clients that show no HTML show the text.
        Some(html) => builder.multipart(lettre::message::MultiPart::alternative_plain_html(body, html)),
        None => builder.header(ContentType::TEXT_PLAIN).body(body),
    }
    .map_err(|e| format!("building the message: {e}"))?;
    let tls = |host: &str| TlsParameters::new(host.to_string()).map_err(|e| format!("TLS: {e}"));
    let tls = match smtp.tls {
        TlsMode::None => Tls::None,
        TlsMode::Starttls => Tls::Required(tls(&smtp.host)?),
        TlsMode::Tls => Tls::Wrapper(tls(&smtp.host)?),
    };
    let what = format!("SMTP {}:{}", smtp.host, smtp.port);
    let timeout = app.config.outbound_timeout;
    outbound::within(timeout, &what, async {
        let addr = outbound::resolve(&smtp.host, smtp.port, app.config.allow_internal_targets)
            .await
            .map_err(|e| format!("{what}: {e}"))?[0];
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let (Some(u), Some(p)) = (&smtp.username, &smtp.password) {
            transport = transport.credentials(Credentials::new(u.clone(), p.clone()));
        }
        match transport.build().send(message).await {
            Ok(reply) => {
                let lines: Vec<&str> = reply.message().collect();
                Ok(format!("{} {}", reply.code(), lines.join(" ")).chars().take(300).collect())
            }
            Err(e) => Err(Failure { message: format!("{what}: {e}"), permanent: e.is_permanent(), cancelled: false }),
        }
    })
    .await
}

/// Sends one text message through the organisation's gateway: to a checked address, within the
/// deadline, without redirects. `Ok` carries the gateway's reply; a 4xx is a refusal for good.
async fn send_sms(app: &App, gateway: &polku_domain::sms::Gateway, to: &str, text: &str) -> Result<String, Failure> {
    let request = gateway.render(to, text);
    let url = outbound::check_url(&request.url, app.config.allow_internal_targets)
        .map_err(|e| format!("SMS gateway {}: {e}", polku_domain::notify::url_host(&request.url)))?;
    let host = polku_domain::notify::url_host(&request.url).to_string();
    let client =
        app.http.client(app.config.allow_internal_targets, app.config.outbound_timeout).map_err(|e| e.to_string())?;
    let mut builder = match request.method {
        polku_domain::sms::Method::Get => client.get(url),
        polku_domain::sms::Method::Post => client.post(url).body(request.body),
    };
    for h in &request.headers {
        builder = builder.header(h.name.as_str(), h.value.as_str());
    }
    let response =
        builder.send().await.map_err(|e| format!("SMS gateway {host}: {}", error_chain(&e.without_url())))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let reply: String = format!("HTTP {} {}", status.as_u16(), body.trim()).chars().take(300).collect();
    if status.is_success() {
        Ok(reply)
    } else {
        Err(Failure {
            message: format!("SMS gateway {host} answered {reply}"),
            permanent: status.is_client_error(),
            cancelled: false,
        })
    }
}

/// `v1=` and the hex HMAC-SHA256 of `"{timestamp}.{body}"` under the webhook's secret: a receiver
/// recomputes it, compares in constant time, and refuses old timestamps (replays).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(3 + 64);
    out.push_str("v1=");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

async fn post_webhook(
    app: &App,
    hook: &Webhook,
    body: &serde_json::Value,
    event: &str,
    delivery: i64,
) -> Result<u16, String> {
    let url = outbound::check_url(&hook.url, app.config.allow_internal_targets)
        .map_err(|e| format!("webhook {}: {e}", polku_domain::notify::url_host(&hook.url)))?;
    let body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let timestamp = OffsetDateTime::now_utc().unix_timestamp();
    let response = app
        .http
        .client(app.config.allow_internal_targets, app.config.outbound_timeout)
        .map_err(|e| e.to_string())?
        .post(url)
        .header("content-type", "application/json")
        .header("x-polku-event", event)
        .header("x-polku-delivery", delivery.to_string())
        .header("x-polku-timestamp", timestamp.to_string())
        .header("x-polku-signature", signature(&hook.secret, timestamp, &body))
        .body(body)
        .send()
        .await
        // Without the URL: a Slack hook's path is its credential, and errors go to logs and pages.
        .map_err(|e| {
            format!("webhook {}: {}", polku_domain::notify::url_host(&hook.url), error_chain(&e.without_url()))
        })?;
    let status = response.status();
    if status.is_success() { Ok(status.as_u16()) } else { Err(format!("webhook answered HTTP {status}")) }
}

/// reqwest's top-level errors say little ("error sending request"); the causes say why.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently:
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'secret-of-sixteen'
        assert_eq!(
            signature("secret-of-sixteen", 1_700_000_000, br#"{"a":1}"#),
            "v1=021c30d810963293d31f137660d219c4456edc51ce58968c7707b00f827b9216"
        );
    }
}
