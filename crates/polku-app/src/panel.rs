//! The customer panel (design: `polku_domain::panel`): members join and leave, studies go to the whole
//! panel or a stratified sample through the invitations' send path (contact rules and all).

use crate::auth::Caller;
use crate::invitations::{SendInput, Sent, Skipped};
use crate::{App, AppError, AppResult};
use polku_domain::SurveyId;
use polku_domain::role::Permission;
use polku_store::PanelMember;
use uuid::Uuid;

/// Most customers one request may add.
pub const MAX_JOIN: usize = 10_000;

/// The panel's size and its newest 500 members with their participation (analysts and up: it names people).
pub async fn list(app: &App, caller: &Caller) -> AppResult<(i64, Vec<PanelMember>)> {
    caller.require(Permission::PersonalData)?;
    Ok(app.store.panel(caller.org, 500).await?)
}

/// Adds customers who agreed to join (`source`: `api`, `csv` or `survey`). Returns how many joined and the
/// ids that name no customer.
pub async fn join(app: &App, caller: &Caller, customers: &[String], source: &str) -> AppResult<(usize, Vec<String>)> {
    caller.require(Permission::ManageSurveys)?;
    caller.require(Permission::PersonalData)?;
    if customers.is_empty() || customers.len() > MAX_JOIN {
        return Err(AppError::invalid("customers", format!("must list 1–{MAX_JOIN} customers' external ids")));
    }
    if let Some(i) = customers.iter().position(|c| c.trim().is_empty() || c.len() > 200) {
        return Err(AppError::invalid(format!("customers[{i}]"), "must be a customer's external id"));
    }
    Ok(app.store.join_panel(caller.org, customers, source).await?)
}

/// Takes a customer out of the panel.
pub async fn leave(app: &App, caller: &Caller, customer: &str) -> AppResult<()> {
    caller.require(Permission::ManageSurveys)?;
    caller.require(Permission::PersonalData)?;
    if app.store.leave_panel(caller.org, customer).await? { Ok(()) } else { Err(AppError::NotFound) }
}

/// A study for the panel.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyInput {
    pub survey: String,
    pub channel: String,
    /// How many members to ask; the whole panel when left out.
    #[serde(default)]
    pub sample: Option<usize>,
    /// The attribute whose groups keep their share of the panel in the sample.
    #[serde(default)]
    pub stratify_by: Option<String>,
    #[serde(default)]
    pub send_at: Option<String>,
    #[serde(default)]
    pub touchpoint: Option<String>,
}

/// What a study did: its id, the members drawn, and the invitations queued and skipped.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Study {
    pub study: Uuid,
    pub members: usize,
    pub queued: usize,
    pub skipped: Vec<Skipped>,
}

/// Sends a study of `input.survey` to the panel or a stratified sample of it.
pub async fn study(app: &App, caller: &Caller, input: &StudyInput) -> AppResult<Study> {
    caller.require(Permission::ManageSurveys)?;
    caller.require(Permission::PersonalData)?;
    let survey: SurveyId =
        input.survey.trim().parse().map_err(|_| AppError::invalid("survey", "must be a survey's id"))?;
    let record = crate::surveys::current(app, caller.org, survey).await.map_err(|e| match e {
        AppError::NotFound => AppError::invalid("survey", "is not a survey of this organisation"),
        e => e,
    })?;
    if input.sample.is_some_and(|n| n == 0 || n > polku_domain::panel::MAX_SAMPLE) {
        return Err(AppError::invalid("sample", format!("must be 1–{}", polku_domain::panel::MAX_SAMPLE)));
    }
    let stratify = input.stratify_by.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if stratify.is_some_and(|s| s.len() > 100) {
        return Err(AppError::invalid("stratify_by", "must be an attribute's name"));
    }
    let members: Vec<(String, String)> = app
        .store
        .panel_attributes(caller.org)
        .await?
        .into_iter()
        .map(|(id, attributes)| {
            let stratum = stratify
                .and_then(|key| {
                    let a: std::collections::BTreeMap<String, String> =
                        serde_json::from_str(attributes.as_deref()?).ok()?;
                    a.get(key).cloned()
                })
                .unwrap_or_default();
            (id, stratum)
        })
        .collect();
    if members.is_empty() {
        return Err(AppError::invalid("survey", "the panel has no members yet"));
    }
    let study = app.store.create_study(caller.org, record.id, input.sample, stratify).await?;
    let seed = u64::from_be_bytes(study.as_bytes()[8..16].try_into().unwrap_or_default());
    let chosen = polku_domain::panel::stratified_sample(&members, input.sample.unwrap_or(usize::MAX), seed);
    let send = SendInput {
        customers: chosen.clone(),
        segment: None,
        channel: input.channel.clone(),
        send_at: input.send_at.clone(),
        touchpoint: input.touchpoint.clone(),
    };
    let Sent { queued, skipped } = crate::invitations::send_as(app, caller, record.id, &send, Some(study)).await?;
    Ok(Study { study, members: chosen.len(), queued, skipped })
}

/// Takes the customer a study message's leave link names out of the panel; `false` if the link is not
/// genuine.
pub async fn leave_by_link(app: &App, survey: &polku_store::SurveyRecord, token: &str) -> AppResult<bool> {
    use polku_domain::invite;
    let key = match invite::key_of(token) {
        Some(n) => app.store.link_key(survey.org, n).await?,
        None => None,
    };
    match invite::verify_for(invite::Purpose::LeavePanel, token, key.as_deref(), polku_store::now()) {
        Ok(c) => Ok(app.store.leave_panel_invited(survey.org, c.invitation).await?),
        Err(_) => Ok(false),
    }
}
