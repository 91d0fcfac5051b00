//! Survey triggers (design: `polku_domain::trigger`): their API, and the job that fires them. Every node
//! runs the job; `trigger_firings` makes each row fire once (`Store::queue_invitations`).

use crate::auth::Caller;
use crate::invitations::{Channel, decide};
use crate::{App, AppError, AppResult};
use polku_domain::role::Permission;
use polku_domain::trigger::{Event, LATE_DAYS, MAX_DELAY_HOURS};
use polku_domain::{OrgId, SurveyId};
use polku_store::{Audit, NewTrigger, Planned, Skip, Skipped, TriggerRecord};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// Rows one trigger fires for in one round.
const ROUND: i64 = 500;

/// A trigger as given.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerInput {
    /// `order_fulfilled`, `delivery_delivered`, `contact_closed` or `touchpoint_event`.
    pub event: String,
    /// Hours after the event (0–2160).
    pub delay_hours: u32,
    /// For `touchpoint_event`, the touchpoint it follows (required); else the touchpoint set on the answers
    /// (by default `purchase`, `delivery` or `customer-service`).
    #[serde(default)]
    pub touchpoint: Option<String>,
}

/// A trigger as shown.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TriggerView {
    pub id: Uuid,
    pub event: String,
    pub delay_hours: i64,
    pub touchpoint: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

fn view(t: TriggerRecord) -> TriggerView {
    TriggerView {
        id: t.id,
        event: t.event,
        delay_hours: t.delay_hours,
        touchpoint: t.touchpoint,
        created_at: t.created_at,
    }
}

/// The survey's triggers (whoever may invite).
pub async fn list(app: &App, caller: &Caller, survey: SurveyId) -> AppResult<Vec<TriggerView>> {
    caller.require(Permission::ManageSurveys)?;
    let record = crate::surveys::current(app, caller.org, survey).await?;
    Ok(app.store.triggers(caller.org, record.id).await?.into_iter().map(view).collect())
}

/// Adds a trigger to the survey; it fires for events from now on.
pub async fn create(app: &App, caller: &Caller, survey: SurveyId, input: &TriggerInput) -> AppResult<TriggerView> {
    caller.require(Permission::ManageSurveys)?;
    caller.require(Permission::PersonalData)?;
    let record = crate::surveys::current(app, caller.org, survey).await?;
    let event = Event::parse(input.event.trim()).ok_or_else(|| {
        AppError::invalid("event", "must be order_fulfilled, delivery_delivered, contact_closed or touchpoint_event")
    })?;
    if input.delay_hours > MAX_DELAY_HOURS {
        return Err(AppError::invalid("delay_hours", format!("must be 0–{MAX_DELAY_HOURS} (90 days)")));
    }
    let touchpoint = input.touchpoint.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(t) = touchpoint
        && !polku_domain::response::is_valid_name(t, polku_domain::response::MAX_TOUCHPOINT)
    {
        return Err(AppError::invalid("touchpoint", "must be a touchpoint name such as delivery"));
    }
    let event_touchpoint = match (event, touchpoint) {
        (Event::TouchpointEvent, None) => {
            return Err(AppError::invalid("touchpoint", "is required: the touchpoint whose events send the survey"));
        }
        (Event::TouchpointEvent, Some(t)) => {
            if !app.store.known_touchpoints(caller.org).await?.contains(t) {
                return Err(AppError::invalid(
                    "touchpoint",
                    format!("no event or support contact names the touchpoint {t:?} yet"),
                ));
            }
            t
        }
        _ => "",
    };
    let answers_at = touchpoint.unwrap_or(event.default_touchpoint());
    let new = NewTrigger {
        survey: record.id,
        event,
        event_touchpoint,
        delay_hours: input.delay_hours,
        touchpoint: answers_at,
    };
    let audit = Audit {
        actor: &caller.actor,
        action: "survey.trigger.create",
        target: record.id.0.to_string(),
        detail: serde_json::json!({"event": event.as_str(), "delay_hours": input.delay_hours, "touchpoint": answers_at}),
    };
    let id = app.store.create_trigger(caller.org, &new, &audit).await?;
    let made = app.store.triggers(caller.org, record.id).await?.into_iter().find(|t| t.id == id);
    made.map(view).ok_or(AppError::NotFound)
}

/// Removes the survey's trigger `id`; invitations it made stay.
pub async fn delete(app: &App, caller: &Caller, survey: SurveyId, id: Uuid) -> AppResult<()> {
    caller.require(Permission::ManageSurveys)?;
    let record = crate::surveys::current(app, caller.org, survey).await?;
    let audit = Audit {
        actor: &caller.actor,
        action: "survey.trigger.delete",
        target: id.to_string(),
        detail: serde_json::json!({"survey": record.id.0.to_string()}),
    };
    Ok(app.store.delete_trigger(caller.org, record.id, id, &audit).await?)
}

/// One round of the trigger job at `now`: fires every trigger of every organisation for the rows due.
/// Returns how many invitations were made. One trigger's failure does not stop the others.
pub async fn run_due(app: &App, now: OffsetDateTime) -> AppResult<usize> {
    let mut made = 0;
    for trigger in app.store.all_triggers().await? {
        match fire(app, &trigger, now).await {
            Ok(n) => made += n,
            Err(e) => tracing::warn!(trigger = %trigger.id, error = %e, "a survey trigger failed"),
        }
    }
    Ok(made)
}

/// Runs the trigger job until the task is dropped: a round a minute, reminders included.
pub async fn run(app: Arc<App>) {
    loop {
        if let Err(e) = run_due(&app, polku_store::now()).await {
            tracing::warn!(error = %e, "survey triggers failed");
        }
        if let Err(e) = crate::invitations::remind_due(&app, polku_store::now()).await {
            tracing::warn!(error = %e, "survey reminders failed");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

async fn fire(app: &App, trigger: &TriggerRecord, now: OffsetDateTime) -> AppResult<usize> {
    let org = OrgId(trigger.org_id);
    let record = match crate::surveys::current(app, org, SurveyId(trigger.survey_id)).await {
        Ok(r) => r,
        Err(AppError::NotFound) => return Ok(0),
        Err(e) => return Err(e),
    };
    if record.status == polku_store::SurveyStatus::Closed {
        return Ok(0);
    }
    let candidates = app.store.trigger_candidates(trigger, now, time::Duration::days(LATE_DAYS), ROUND).await?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let smtp = app.store.notification_settings(org).await?.and_then(|s| s.smtp).is_some();
    let gateway = app.store.sms_gateway(org).await?.is_some();
    let rules = app.store.contact_rules(org).await?;
    let sending = app.store.survey_sending(org, record.id).await?;
    let send_at = rules.next_allowed(now, &*app.zone(org).await?);
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.customer_id).collect();
    let found: std::collections::HashMap<Uuid, polku_store::Invitee> =
        app.store.invitees_by_id(org, &ids).await?.into_iter().map(|c| (c.id, c)).collect();
    let default_locale = record.definition.locales.first().copied().unwrap_or_default();
    let (mut planned, mut skipped) = (Vec::new(), Vec::new());
    for c in &candidates {
        // Each row its own draw: the same customer's next order may fall in the sample.
        let sample = |_: &polku_store::Invitee| {
            let key = [trigger.id.as_bytes().as_slice(), c.subject.as_bytes()].concat();
            polku_domain::contact::sampled(sending.sample_permille, &key)
        };
        let Some(customer) = found.get(&c.customer_id) else {
            // Erased since: record the row as fired, with nobody to name.
            skipped.push(Skipped {
                customer: None,
                customer_ref: "erased".into(),
                channel: String::new(),
                reason: Skip::UnknownCustomer,
                subject: Some(c.subject),
            });
            continue;
        };
        let has = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        // The customer's preferred channel: e-mail, else a text message.
        let channel = if smtp && has(&customer.email) {
            Channel::Email
        } else if gateway && has(&customer.phone) {
            Channel::Sms
        } else {
            Channel::Email
        };
        let mut skip = |reason| {
            skipped.push(Skipped {
                customer: Some(customer.id),
                customer_ref: customer.external_id.clone(),
                channel: channel.as_str().to_string(),
                reason,
                subject: Some(c.subject),
            });
        };
        if matches!(c.order_status.as_deref(), Some("cancelled" | "refunded")) {
            skip(Skip::OrderCancelled);
            continue;
        }
        if channel == Channel::Email && !smtp {
            skip(Skip::NoAddress);
            continue;
        }
        match decide(customer, channel, &rules, &sample) {
            Ok(Ok(recipient)) => planned.push(Planned {
                customer: customer.id,
                customer_ref: customer.external_id.clone(),
                channel: channel.as_str(),
                recipient,
                locale: customer.language.clone().unwrap_or_else(|| default_locale.as_str().to_string()),
                subject: Some(c.subject),
                order: c.order_id,
            }),
            Ok(Err(reason)) => skip(reason),
            Err(_) => skip(Skip::InvalidAddress),
        }
    }
    let batch = polku_store::InvitationBatch {
        survey: record.id,
        touchpoint: &trigger.touchpoint,
        expires_at: send_at + time::Duration::days(i64::from(sending.link_ttl_days)),
        send_at,
        quiet_since: (rules.days_between > 0).then(|| now - time::Duration::days(i64::from(rules.days_between))),
        planned,
        skipped,
        trigger: Some(trigger.id),
        study: None,
    };
    let (queued, _) = app.store.queue_invitations(org, &batch).await?;
    Ok(queued)
}
