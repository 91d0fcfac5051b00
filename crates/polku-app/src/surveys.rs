//! Survey use cases: create, change (versioned), open/close, read.

use crate::auth::{Caller, random_secret};
use crate::{App, AppResult};
use polku_domain::SurveyId;
use polku_domain::role::Permission;
use polku_domain::survey::SurveyDraft;
use polku_store::{Audit, SurveyRecord, SurveyStatus, SurveySummary};

/// Public survey links use a random slug: guessing one must not reveal a business's surveys.
fn new_slug() -> String {
    // 10 hex characters of a 256-bit secret = 40 bits: unguessable at any rate limit we allow.
    random_secret("")[..10].to_string()
}

pub async fn create(app: &App, caller: &Caller, draft: &SurveyDraft) -> AppResult<SurveyRecord> {
    caller.require(Permission::ManageSurveys)?;
    let def = draft.validate(None)?;
    let audit = Audit {
        actor: &caller.actor,
        action: "survey.create",
        target: format!("survey:{}", def.name),
        detail: serde_json::json!({"questions": def.questions.len(), "locales": def.locales}),
    };
    let (id, _) = app.store.create_survey(caller.org, &new_slug(), &def, &audit).await?;
    Ok(app.store.survey(caller.org, id).await?)
}

/// Saves a changed survey. Returns the record and whether a new version was started (because the
/// previous one has answers that must keep their wording).
pub async fn update(app: &App, caller: &Caller, id: SurveyId, draft: &SurveyDraft) -> AppResult<(SurveyRecord, bool)> {
    caller.require(Permission::ManageSurveys)?;
    let current = app.store.survey(caller.org, id).await?;
    let def = draft.validate(Some(&current.definition))?;
    let audit = Audit {
        actor: &caller.actor,
        action: "survey.update",
        target: format!("survey:{id}"),
        detail: serde_json::json!({"name": def.name, "questions": def.questions.len()}),
    };
    let (_, new_version) = app.store.save_survey(caller.org, id, &def, &audit).await?;
    app.surveys.remove(&(caller.org, id));
    Ok((app.store.survey(caller.org, id).await?, new_version))
}

pub async fn set_status(app: &App, caller: &Caller, id: SurveyId, status: SurveyStatus) -> AppResult<()> {
    caller.require(Permission::ManageSurveys)?;
    let audit = Audit {
        actor: &caller.actor,
        action: if status == SurveyStatus::Open { "survey.open" } else { "survey.close" },
        target: format!("survey:{id}"),
        detail: serde_json::Value::Null,
    };
    app.store.set_survey_status(caller.org, id, status, &audit).await?;
    app.surveys.remove(&(caller.org, id));
    Ok(())
}

pub async fn get(app: &App, caller: &Caller, id: SurveyId) -> AppResult<SurveyRecord> {
    caller.require(Permission::View)?;
    Ok(app.store.survey(caller.org, id).await?)
}

pub async fn list(app: &App, caller: &Caller) -> AppResult<Vec<SurveySummary>> {
    caller.require(Permission::View)?;
    Ok(app.store.surveys(caller.org).await?)
}

/// The survey as the ingestion path sees it, from the short-lived cache when possible.
pub async fn current(app: &App, org: polku_domain::OrgId, id: SurveyId) -> AppResult<std::sync::Arc<SurveyRecord>> {
    if let Some(s) = app.surveys.get(&(org, id)) {
        return Ok(s);
    }
    let s = std::sync::Arc::new(app.store.survey(org, id).await?);
    app.surveys.put((org, id), s.clone());
    Ok(s)
}
