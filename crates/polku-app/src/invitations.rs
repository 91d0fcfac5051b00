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
