//! Personal survey links: an invitation for one customer, its signed link `/s/{slug}?i=TOKEN` (see
//! `polku_domain::invite`), and the answer given through it, stored with that customer and channel exactly
//! as an API answer with `customer` is (so it reaches the customer's story, the journey, the money pages,
//! cases and follow-ups). The answer is written with the idempotency key `invitation:{id}`, so a second
//! answer through the same link, even a parallel one, stores nothing.

use crate::{App, AppError, AppResult};
use polku_domain::invite::{self, Claims, LinkError};
use polku_domain::response::ResponseDraft;
use polku_store::{InsertOutcome, InvitationRecord, NewInvitation, SurveyRecord};
use uuid::Uuid;

/// Makes an invitation of `customer` (the store's id) to `survey` through `channel`, and returns its absolute
/// personal link, valid for `ttl_days`.
pub async fn personal_link(
    app: &App,
    survey: &SurveyRecord,
    customer: Uuid,
    channel: &str,
    touchpoint: &str,
    ttl_days: u16,
) -> AppResult<String> {
    if !polku_domain::response::is_valid_name(channel, polku_domain::response::MAX_CHANNEL) {
        return Err(AppError::invalid("channel", "must be a channel name such as email"));
    }
    if !touchpoint.is_empty()
        && !polku_domain::response::is_valid_name(touchpoint, polku_domain::response::MAX_TOUCHPOINT)
    {
        return Err(AppError::invalid("touchpoint", "must be a touchpoint name such as delivery"));
    }
    if !(1..=invite::MAX_TTL_DAYS).contains(&ttl_days) {
        return Err(AppError::invalid("ttl_days", format!("must be 1–{}", invite::MAX_TTL_DAYS)));
    }
    let expires_at = polku_store::now() + time::Duration::days(i64::from(ttl_days));
    let new = NewInvitation { survey: survey.id, customer, channel, touchpoint, expires_at };
    let id = app.store.create_invitation(survey.org, &new).await.map_err(|e| match e {
        polku_store::StoreError::NotFound => AppError::invalid("customer", "is not a customer of this organisation"),
        e => e.into(),
    })?;
    let (number, key) = app.store.signing_link_key(survey.org).await?;
    let token = invite::sign(&key, &Claims { key: number, invitation: id, expires: expires_at });
    Ok(format!("{}/s/{}?i={token}", app.config.public_url.trim_end_matches('/'), survey.slug))
}

/// The invitation a link's token names, if the token is genuine, unexpired and for this survey.
pub async fn open(app: &App, survey: &SurveyRecord, token: &str) -> AppResult<Result<InvitationRecord, LinkError>> {
    let key = match invite::key_of(token) {
        Some(n) => app.store.link_key(survey.org, n).await?,
        None => None,
    };
    let claims = match invite::verify(token, key.as_deref(), polku_store::now()) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    Ok(match app.store.invitation(survey.org, claims.invitation).await? {
        Some(i) if i.survey_id == survey.id.0 => Ok(i),
        _ => Err(LinkError::Invalid),
    })
}

/// Records that the link's page was loaded.
pub async fn opened(app: &App, survey: &SurveyRecord, invitation: &InvitationRecord) -> AppResult<()> {
    Ok(app.store.invitation_opened(survey.org, invitation.id).await?)
}

/// Stores the answer given through `invitation`: with its customer, channel and touchpoint. `Ok(false)`
/// when the link was answered before (nothing is stored or changed).
pub async fn answer(
    app: &App,
    survey: &SurveyRecord,
    invitation: &InvitationRecord,
    mut draft: ResponseDraft,
) -> AppResult<bool> {
    if invitation.answered_at.is_some() {
        return Ok(false);
    }
    draft.customer = Some(invitation.customer.clone());
    draft.channel = Some(invitation.channel.clone());
    draft.touchpoint = (!invitation.touchpoint.is_empty()).then(|| invitation.touchpoint.clone());
    let key = format!("invitation:{}", invitation.id);
    match crate::responses::submit(app, survey, &draft, Some(&key), crate::responses::Source::Page).await? {
        InsertOutcome::Inserted(id) => {
            app.store.invitation_answered(survey.org, invitation.id, id.0).await?;
            Ok(true)
        }
        InsertOutcome::Existing(_) => Ok(false),
    }
}

/// Most customers one request may invite.
pub const MAX_BATCH: usize = 10_000;

/// A request to invite customers.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    /// The customers' external ids (or a `segment`).
    #[serde(default)]
    pub customers: Vec<String>,
    /// Who to invite instead of a list: every customer who matches (see `polku_domain::segment`).
    #[serde(default)]
    pub segment: Option<polku_domain::segment::Segment>,
    /// `email` or `sms`.
    pub channel: String,
    /// When to send (RFC 3339); now when left out.
    #[serde(default)]
    pub send_at: Option<String>,
    /// Set on the answers the invitations produce.
    #[serde(default)]
    pub touchpoint: Option<String>,
}

/// Who was not invited, and why.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Skipped {
    pub customer: String,
    pub reason: polku_store::Skip,
}

/// What a request queued.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Sent {
    pub queued: usize,
    pub skipped: Vec<Skipped>,
}

/// A channel invitations go through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// Whether customer `c` may be invited through `channel` under `rules`: `Ok(Ok(recipient))`, `Ok(Err(why
/// not))`, or `Err` saying their address or number is not valid.
pub fn decide(
    c: &polku_store::Invitee,
    channel: Channel,
    rules: &polku_domain::contact::ContactRules,
    sample: &dyn Fn(&polku_store::Invitee) -> bool,
) -> Result<Result<String, polku_store::Skip>, String> {
    use polku_store::Skip;
    let consented =
        if rules.require_consent { c.consent_contact == Some(true) } else { c.consent_contact != Some(false) };
    let address = match channel {
        Channel::Email => c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(|e| {
            (polku_domain::notify::valid_mailbox(e) && e.parse::<lettre::message::Mailbox>().is_ok())
                .then(|| e.to_string())
                .ok_or_else(|| format!("e-mail address {e:?} is not valid"))
        }),
        Channel::Sms => c
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| polku_domain::sms::e164(p).ok_or_else(|| format!("phone number {p:?} is not valid"))),
    };
    Ok(if c.unsubscribed_at.is_some() {
        Err(Skip::Unsubscribed)
    } else if !consented {
        Err(Skip::NoConsent)
    } else if let Some(address) = address {
        let recipient = address?;
        if sample(c) { Ok(recipient) } else { Err(Skip::NotSampled) }
    } else {
        Err(Skip::NoAddress)
    })
}

/// Who of `wanted` (external ids, in order; repeats ignored) may be invited through `channel` under
/// `rules`, and who not and why; `Err((index, message))` for a customer whose address is not valid
/// (nothing is queued then). `sample` decides whether a customer falls in the survey's sample.
pub fn plan(
    wanted: &[String],
    found: &[polku_store::Invitee],
    channel: Channel,
    rules: &polku_domain::contact::ContactRules,
    default_locale: &str,
    sample: &dyn Fn(&polku_store::Invitee) -> bool,
) -> Result<(Vec<polku_store::Planned>, Vec<polku_store::Skipped>), (usize, String)> {
    use polku_store::Skip;
    let by_ref: std::collections::HashMap<&str, &polku_store::Invitee> =
        found.iter().map(|c| (c.external_id.as_str(), c)).collect();
    let mut seen = std::collections::HashSet::new();
    let (mut planned, mut skipped) = (Vec::new(), Vec::new());
    for (i, external) in wanted.iter().enumerate() {
        if !seen.insert(external.as_str()) {
            continue;
        }
        let skip = |customer: Option<Uuid>, reason| polku_store::Skipped {
            customer,
            customer_ref: external.clone(),
            channel: channel.as_str().to_string(),
            reason,
            subject: None,
        };
        let Some(c) = by_ref.get(external.as_str()) else {
            skipped.push(skip(None, Skip::UnknownCustomer));
            continue;
        };
        match decide(c, channel, rules, sample).map_err(|m| (i, format!("customer {external}'s {m}")))? {
            Err(reason) => skipped.push(skip(Some(c.id), reason)),
            Ok(recipient) => planned.push(polku_store::Planned {
                customer: c.id,
                customer_ref: external.clone(),
                channel: channel.as_str(),
                recipient,
                locale: c.language.clone().unwrap_or_else(|| default_locale.to_string()),
                subject: None,
                order: None,
            }),
        }
    }
    Ok((planned, skipped))
}

/// Queues an invitation to `survey` for each customer who may be asked under the organisation's contact
/// rules and the survey's sample (see `plan`); the messages go out from the outbox through the
/// organisation's SMTP server or SMS gateway, at `send_at` or the first minute after it outside the quiet
/// hours. Every skip is recorded with its reason.
pub async fn send(
    app: &App,
    caller: &crate::auth::Caller,
    survey: polku_domain::SurveyId,
    input: &SendInput,
) -> AppResult<Sent> {
    send_as(app, caller, survey, input, None).await
}

/// [`send`], the invitations belonging to panel study `study` when given.
pub(crate) async fn send_as(
    app: &App,
    caller: &crate::auth::Caller,
    survey: polku_domain::SurveyId,
    input: &SendInput,
    study: Option<Uuid>,
) -> AppResult<Sent> {
    use polku_domain::role::Permission;
    caller.require(Permission::ManageSurveys)?;
    caller.require(Permission::PersonalData)?;
    let record = crate::surveys::current(app, caller.org, survey).await?;
    let segment = match &input.segment {
        Some(_) if !input.customers.is_empty() => {
            return Err(AppError::invalid("segment", "give either customers or a segment, not both"));
        }
        Some(s) => Some(s.check().map_err(|(field, message)| AppError::invalid(field, message))?),
        None => None,
    };
    if segment.is_none() && (input.customers.is_empty() || input.customers.len() > MAX_BATCH) {
        return Err(AppError::invalid("customers", format!("must list 1–{MAX_BATCH} customers' external ids")));
    }
    if let Some(i) = input.customers.iter().position(|c| c.trim().is_empty() || c.len() > 200) {
        return Err(AppError::invalid(format!("customers[{i}]"), "must be a customer's external id"));
    }
    let channel = match input.channel.as_str() {
        "email" => Channel::Email,
        "sms" => Channel::Sms,
        _ => return Err(AppError::invalid("channel", "must be email or sms")),
    };
    let touchpoint = input.touchpoint.as_deref().unwrap_or("").trim();
    if !touchpoint.is_empty()
        && !polku_domain::response::is_valid_name(touchpoint, polku_domain::response::MAX_TOUCHPOINT)
    {
        return Err(AppError::invalid("touchpoint", "must be a touchpoint name such as delivery"));
    }
    let now = polku_store::now();
    let send_at = match input.send_at.as_deref() {
        None => now,
        Some(s) => polku_domain::calendar::parse_time(s)
            .ok_or_else(|| AppError::invalid("send_at", "must be an RFC 3339 time such as 2026-12-07T09:00:00+02:00"))?
            .max(now),
    };
    if record.status == polku_store::SurveyStatus::Closed {
        return Err(AppError::Conflict("this survey is closed: open it before inviting anyone".into()));
    }
    match channel {
        Channel::Email if app.store.notification_settings(caller.org).await?.and_then(|s| s.smtp).is_none() => {
            return Err(AppError::invalid("channel", "no SMTP server is set up (Settings → Notifications)"));
        }
        Channel::Sms if app.store.sms_gateway(caller.org).await?.is_none() => {
            return Err(AppError::invalid("channel", "no SMS gateway is set up (Settings → SMS gateway)"));
        }
        _ => {}
    }
    let rules = app.store.contact_rules(caller.org).await?;
    let sending = app.store.survey_sending(caller.org, survey).await?;
    let send_at = rules.next_allowed(send_at, &*app.zone(caller.org).await?);
    let wanted = match &segment {
        Some(filter) => segment_members(app, caller, filter).await?,
        None => input.customers.clone(),
    };
    let found = app.store.invitees(caller.org, &wanted).await?;
    let default_locale = record.definition.locales.first().copied().unwrap_or_default();
    // One draw per customer and request: a customer left out today may be in the next send's sample.
    let sample = |c: &polku_store::Invitee| {
        let key = [survey.0.as_bytes().as_slice(), c.id.as_bytes(), &now.unix_timestamp_nanos().to_be_bytes()].concat();
        polku_domain::contact::sampled(sending.sample_permille, &key)
    };
    let (planned, skipped) = plan(&wanted, &found, channel, &rules, default_locale.as_str(), &sample)
        .map_err(|(i, message)| AppError::invalid(format!("customers[{i}]"), message))?;
    let batch = polku_store::InvitationBatch {
        survey,
        touchpoint,
        expires_at: send_at + time::Duration::days(i64::from(sending.link_ttl_days)),
        send_at,
        quiet_since: (rules.days_between > 0).then(|| now - time::Duration::days(i64::from(rules.days_between))),
        planned,
        skipped,
        trigger: None,
        study,
    };
    let (queued, skipped) = app.store.queue_invitations(caller.org, &batch).await?;
    Ok(Sent { queued, skipped: skipped.into_iter().map(|(customer, reason)| Skipped { customer, reason }).collect() })
}

/// Most customers one segment may reach in one request.
pub const MAX_SEGMENT: usize = 50_000;

/// The external ids of the organisation's customers in the segment, in id order.
async fn segment_members(
    app: &App,
    caller: &crate::auth::Caller,
    filter: &polku_domain::segment::Filter,
) -> AppResult<Vec<String>> {
    let rows = app.store.segment_rows(caller.org).await?;
    let zone = app.zone(caller.org).await?;
    let histories = if filter.needs_history() { Some(crate::histories::current(app, caller.org).await?) } else { None };
    let by_id: std::collections::HashMap<Uuid, &polku_domain::retention::History> =
        histories.as_ref().map(|h| h.ids.iter().copied().zip(h.histories.iter()).collect()).unwrap_or_default();
    let none = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for r in &rows {
        let attributes: Option<std::collections::BTreeMap<String, String>> =
            r.attributes.as_deref().and_then(|a| serde_json::from_str(a).ok());
        let member = polku_domain::segment::Member {
            language: r.language.as_deref(),
            attributes: attributes.as_ref().unwrap_or(&none),
            last_order: r.last_order.map(|t| zone.local(t).date()),
            history: by_id.get(&r.id).copied(),
        };
        if filter.matches(&member) {
            out.push(r.external_id.clone());
        }
    }
    if out.len() > MAX_SEGMENT {
        return Err(AppError::invalid(
            "segment",
            format!("matches {} customers, more than {MAX_SEGMENT}: narrow it", out.len()),
        ));
    }
    Ok(out)
}

/// An invitation's messages, built when it is sent (the link signed with the newest key): the e-mail's
/// subject and text, its unsubscribe link, and the text message.
pub struct Message {
    pub subject: String,
    pub body: String,
    /// The HTML alternative, with the first question's score row when it is NPS or CSAT.
    pub html: String,
    pub unsubscribe: String,
    pub sms: String,
}

pub async fn message(
    app: &App,
    org: polku_domain::OrgId,
    id: Uuid,
    locale: polku_domain::Locale,
) -> AppResult<Message> {
    let (survey, expires) = app.store.invitation_for_message(org, id).await?.ok_or(AppError::NotFound)?;
    let record = crate::surveys::current(app, org, polku_domain::SurveyId(survey)).await?;
    let (number, key) = app.store.signing_link_key(org).await?;
    let base = app.config.public_url.trim_end_matches('/');
    let answer = invite::sign(&key, &Claims { key: number, invitation: id, expires });
    let forever = time::macros::datetime!(2999-12-31 0:00 UTC);
    let out =
        invite::sign_for(invite::Purpose::Unsubscribe, &key, &Claims { key: number, invitation: id, expires: forever });
    let link = format!("{base}/s/{}?i={answer}", record.slug);
    let unsubscribe = format!("{base}/s/{}/unsubscribe?i={out}", record.slug);
    let first = record.definition.questions.first();
    let question = first.map(|q| polku_domain::locale::text_in(&q.text, locale).to_string()).unwrap_or_default();
    let row = first.map(|q| invite::ScoreRow { key: &q.key, kind: q.kind });
    let organisation = app.store.org(org).await?.name;
    let (subject, mut body) = invite::email(locale, &organisation, &question, &link, &unsubscribe);
    let mut html = invite::email_html(locale, &organisation, &question, row, &link, &unsubscribe);
    // A panel study's message also has the one-click way out of the panel.
    if app.store.invitation_study(org, id).await?.is_some() {
        let leave = invite::sign_for(
            invite::Purpose::LeavePanel,
            &key,
            &Claims { key: number, invitation: id, expires: forever },
        );
        let leave = format!("{base}/s/{}/leave-panel?i={leave}", record.slug);
        let text = invite::leave_panel_text(locale);
        body.push_str(&format!("{text}\n{leave}\n"));
        html = html.replace(
            "</body>",
            &format!(
                "<p style=\"font-size:12px;color:#555\"><a href=\"{}\" style=\"color:#555\">{}</a></p></body>",
                invite::escape_html(&leave),
                invite::escape_html(text)
            ),
        );
    }
    let sms = polku_domain::sms::text(locale, &organisation, &link);
    Ok(Message { subject, body, html, unsubscribe, sms })
}

/// Unsubscribes the customer an unsubscribe token names, for good; `false` if the token is not genuine.
pub async fn unsubscribe(app: &App, survey: &SurveyRecord, token: &str) -> AppResult<bool> {
    let key = match invite::key_of(token) {
        Some(n) => app.store.link_key(survey.org, n).await?,
        None => None,
    };
    match invite::verify_for(invite::Purpose::Unsubscribe, token, key.as_deref(), polku_store::now()) {
        Ok(c) => Ok(app.store.unsubscribe_invited(survey.org, c.invitation).await?),
        Err(_) => Ok(false),
    }
}

/// The response funnel of a survey (of every survey with `None`) per channel for the days `from`..=`to` in
/// the organisation's time zone (the last 30 days by default).
pub async fn funnel(
    app: &App,
    caller: &crate::auth::Caller,
    survey: Option<polku_domain::SurveyId>,
    from: Option<time::Date>,
    to: Option<time::Date>,
) -> AppResult<Vec<invite::Funnel>> {
    caller.require(polku_domain::role::Permission::View)?;
    let survey = match survey {
        Some(id) => Some(crate::surveys::current(app, caller.org, id).await?.id),
        None => None,
    };
    let zone = app.zone(caller.org).await?;
    let today = zone.day_of(polku_store::now());
    let last = to.map_or(today, polku_domain::calendar::day_of_date);
    let first = from.map_or(last - 29, polku_domain::calendar::day_of_date);
    if first > last {
        return Err(AppError::invalid("from", "must not be after to"));
    }
    if last - first > 366 * 3 {
        return Err(AppError::invalid("from", "the period may be at most three years"));
    }
    let rows = app.store.funnel(caller.org, survey, zone.start_of_day(first), zone.start_of_day(last + 1)).await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|(channel, [invited, sent, failed, opened, answered, completed])| {
            invite::Funnel {
                channel,
                invited: n(invited),
                sent: n(sent),
                failed: n(failed),
                opened: n(opened),
                started: n(opened),
                completed: n(completed),
                ..invite::Funnel::default()
            }
            .with_rate(n(answered))
        })
        .collect())
}

/// One invitation as the send log shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogEntry {
    pub id: Uuid,
    pub customer: String,
    pub channel: String,
    pub touchpoint: String,
    /// Where it has got to: `queued`, `sent`, `failed`, `cancelled`, `opened` or `answered`.
    pub status: &'static str,
    pub attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub opened_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<time::OffsetDateTime>,
    /// The receiving server's answer to the message, and the last error when it failed.
    pub reply: Option<String>,
    pub error: Option<String>,
}

/// A recorded skip as the send log shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogSkip {
    pub customer: String,
    pub channel: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// The survey's send log: its newest 500 invitations and skips (whoever may invite).
pub async fn log(
    app: &App,
    caller: &crate::auth::Caller,
    survey: polku_domain::SurveyId,
) -> AppResult<(Vec<LogEntry>, Vec<LogSkip>)> {
    caller.require(polku_domain::role::Permission::ManageSurveys)?;
    caller.require(polku_domain::role::Permission::PersonalData)?;
    let record = crate::surveys::current(app, caller.org, survey).await?;
    let (made, skipped) = app.store.invitation_log(caller.org, record.id, 500).await?;
    let made = made
        .into_iter()
        .map(|i| LogEntry {
            status: if i.answered_at.is_some() {
                "answered"
            } else if i.opened_at.is_some() {
                "opened"
            } else {
                match i.message_status.as_deref() {
                    Some("sent") => "sent",
                    Some("failed") => "failed",
                    Some("cancelled") => "cancelled",
                    _ => "queued",
                }
            },
            id: i.id,
            customer: i.customer,
            channel: i.channel,
            touchpoint: i.touchpoint,
            attempts: i.attempts.unwrap_or(0),
            created_at: i.created_at,
            sent_at: i.sent_at,
            opened_at: i.opened_at,
            answered_at: i.answered_at,
            reply: i.reply,
            error: i.last_error,
        })
        .collect();
    let skipped = skipped
        .into_iter()
        .map(|s| LogSkip { customer: s.customer, channel: s.channel, reason: s.reason, created_at: s.created_at })
        .collect();
    Ok((made, skipped))
}

/// Queues the reminders due at `now` (surveys with `reminder_days`, invitations not answered), each once
/// even with several nodes, sent outside the organisation's quiet hours. Returns how many were queued.
pub async fn remind_due(app: &App, now: time::OffsetDateTime) -> AppResult<usize> {
    let mut queued = 0;
    loop {
        let due = app.store.due_reminders(now, 500).await?;
        let n = due.len();
        for d in &due {
            let org = polku_domain::OrgId(d.org_id);
            let rules = app.store.contact_rules(org).await?;
            let send_at = rules.next_allowed(now, &*app.zone(org).await?);
            queued += usize::from(app.store.queue_reminder(d, send_at).await?);
        }
        if n < 500 {
            return Ok(queued);
        }
    }
}
