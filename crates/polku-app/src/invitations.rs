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
/// Nobody is invited twice within this many days, across surveys and channels.
pub const QUIET_DAYS: i64 = 30;

/// A request to invite customers.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    /// The customers' external ids.
    pub customers: Vec<String>,
    /// `email` (SMS needs a gateway, which is not there yet).
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

/// Queues an invitation to `survey` for each customer who may be asked (see `Store::queue_email_invitations`
/// for who may not); the messages go out through the organisation's SMTP server from the outbox.
pub async fn send(
    app: &App,
    caller: &crate::auth::Caller,
    survey: polku_domain::SurveyId,
    input: &SendInput,
) -> AppResult<Sent> {
    use polku_domain::role::Permission;
    caller.require(Permission::ManageSurveys)?;
    caller.require(Permission::PersonalData)?;
    let record = crate::surveys::current(app, caller.org, survey).await?;
    if input.customers.is_empty() || input.customers.len() > MAX_BATCH {
        return Err(AppError::invalid("customers", format!("must list 1–{MAX_BATCH} customers' external ids")));
    }
    if let Some(i) = input.customers.iter().position(|c| c.trim().is_empty() || c.len() > 200) {
        return Err(AppError::invalid(format!("customers[{i}]"), "must be a customer's external id"));
    }
    match input.channel.as_str() {
        "email" => {}
        "sms" => {
            return Err(AppError::invalid(
                "channel",
                "SMS invitations need an SMS gateway, which is not available yet",
            ));
        }
        _ => return Err(AppError::invalid("channel", "must be email or sms")),
    }
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
    if app.store.notification_settings(caller.org).await?.and_then(|s| s.smtp).is_none() {
        return Err(AppError::invalid("channel", "no SMTP server is set up (Settings → Notifications)"));
    }
    let batch = polku_store::InvitationBatch {
        survey,
        customers: &input.customers,
        touchpoint,
        expires_at: send_at + time::Duration::days(i64::from(invite::DEFAULT_TTL_DAYS)),
        send_at,
        quiet_since: now - time::Duration::days(QUIET_DAYS),
        default_locale: record.definition.locales.first().copied().unwrap_or_default().as_str(),
    };
    let (queued, skipped) = app.store.queue_email_invitations(caller.org, &batch).await?;
    Ok(Sent { queued, skipped: skipped.into_iter().map(|(customer, reason)| Skipped { customer, reason }).collect() })
}

/// An invitation's e-mail, built when it is sent (the link signed with the newest key).
pub struct Message {
    pub subject: String,
    pub body: String,
    pub unsubscribe: String,
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
    let question = record
        .definition
        .questions
        .first()
        .map(|q| polku_domain::locale::text_in(&q.text, locale).to_string())
        .unwrap_or_default();
    let organisation = app.store.org(org).await?.name;
    let (subject, body) = invite::email(locale, &organisation, &question, &link, &unsubscribe);
    Ok(Message { subject, body, unsubscribe })
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

/// The response funnel of a survey per channel for the days `from`..=`to` in the organisation's time zone
/// (the last 30 days by default).
pub async fn funnel(
    app: &App,
    caller: &crate::auth::Caller,
    survey: polku_domain::SurveyId,
    from: Option<time::Date>,
    to: Option<time::Date>,
) -> AppResult<Vec<invite::Funnel>> {
    let record = crate::surveys::current(app, caller.org, survey).await?;
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
    let rows = app.store.funnel(caller.org, record.id, zone.start_of_day(first), zone.start_of_day(last + 1)).await?;
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
