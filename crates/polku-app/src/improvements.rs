//! "You said, we did": an improvement — a short text of what changed, in the business's languages, linked to
//! themes and touchpoints — is planned, then marked shipped; the customers whose negative feedback on those
//! themes or touchpoints fed it (in the year before), and who consented to be contacted, get a short
//! message in their language through the outbox.

use crate::auth::Caller;
use crate::comments::author;
use crate::{App, AppError, AppResult};
use polku_domain::Locale;
use polku_domain::role::Permission;
use polku_store::{Audience, Audit, ImprovementRecord};
use std::collections::BTreeMap;

/// Longest text of an improvement, per language, in characters.
pub const MAX_TEXT: usize = 1000;
/// Most themes or touchpoints one improvement names.
pub const MAX_LINKS: usize = 20;

/// An improvement as given through the UI or the API.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImprovementInput {
    /// What was done, per language (`fi`, `sv`, `en`); at least one.
    pub texts: BTreeMap<Locale, String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub touchpoints: Vec<String>,
}

/// An improvement with who gave the feedback behind it (as of now for a planned one).
pub struct Improvement {
    pub record: ImprovementRecord,
    pub texts: BTreeMap<Locale, String>,
    pub themes: Vec<String>,
    pub touchpoints: Vec<String>,
    pub audience: Audience,
}

pub async fn create(app: &App, caller: &Caller, input: ImprovementInput) -> AppResult<uuid::Uuid> {
    caller.require(Permission::Administer)?;
    let texts: BTreeMap<Locale, String> =
        input.texts.into_iter().map(|(l, t)| (l, t.trim().to_string())).filter(|(_, t)| !t.is_empty()).collect();
    if texts.is_empty() {
        return Err(AppError::invalid("texts", "write what was done in at least one language"));
    }
    for (l, t) in &texts {
        let field = format!("texts.{}", l.as_str());
        if t.chars().count() > MAX_TEXT {
            return Err(AppError::invalid(field, format!("must be at most {MAX_TEXT} characters")));
        }
        if t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(AppError::invalid(field, "must not contain control characters"));
        }
    }
    let clean = |l: Vec<String>| {
        let mut l: Vec<String> = l.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        l.sort();
        l.dedup();
        l
    };
    let (themes, touchpoints) = (clean(input.themes), clean(input.touchpoints));
    if themes.is_empty() && touchpoints.is_empty() {
        return Err(AppError::invalid(
            "themes",
            "link at least one theme or touchpoint: their feedback is what fed it",
        ));
    }
    if themes.len() > MAX_LINKS {
        return Err(AppError::invalid("themes", format!("at most {MAX_LINKS}")));
    }
    if touchpoints.len() > MAX_LINKS {
        return Err(AppError::invalid("touchpoints", format!("at most {MAX_LINKS}")));
    }
    let analyzer = crate::text_models::analyzer_for(app, caller.org).await?;
    if let Some(t) =
        themes.iter().find(|t| !Locale::ALL.iter().any(|l| analyzer.themes(*l).any(|(k, _)| k == t.as_str())))
    {
        return Err(AppError::invalid("themes", format!("{t:?} is not a theme of the taxonomy")));
    }
    if let Some(t) =
        touchpoints.iter().find(|t| !polku_domain::response::is_valid_name(t, polku_domain::response::MAX_TOUCHPOINT))
    {
        return Err(AppError::invalid("touchpoints", format!("{t:?} is not a touchpoint name")));
    }
    let json = serde_json::to_string(&texts).map_err(|e| AppError::Internal(e.into()))?;
    let audit = Audit {
        actor: &caller.actor,
        action: "improvement.create",
        target: String::new(),
        detail: serde_json::json!({"themes": themes, "touchpoints": touchpoints}),
    };
    Ok(app.store.create_improvement(caller.org, &json, &themes, &touchpoints, author(caller), &audit).await?)
}

fn parse(record: ImprovementRecord, audience: Audience) -> AppResult<Improvement> {
    let bad = |e: serde_json::Error| {
        AppError::Internal(anyhow::Error::new(e).context(format!("reading improvement {}", record.id)))
    };
    Ok(Improvement {
        texts: serde_json::from_str(&record.texts).map_err(bad)?,
        themes: serde_json::from_str(&record.themes).map_err(bad)?,
        touchpoints: serde_json::from_str(&record.touchpoints).map_err(bad)?,
        record,
        audience,
    })
}

/// The organisation's improvements, newest first, each with its audience (a planned one as of now, a
/// shipped one as of its shipping).
pub async fn list(app: &App, caller: &Caller) -> AppResult<Vec<Improvement>> {
    caller.require(Permission::View)?;
    let mut out = Vec::new();
    for r in app.store.improvements(caller.org).await? {
        let at = r.shipped_at.unwrap_or_else(polku_store::now);
        let audience = app.store.improvement_audience(caller.org, r.id, at).await?;
        out.push(parse(r, audience)?);
    }
    Ok(out)
}

/// Marks an improvement shipped and tells its customers (admins). Returns how many were told; 409 if it
/// shipped already.
pub async fn ship(app: &App, caller: &Caller, id: uuid::Uuid) -> AppResult<usize> {
    caller.require(Permission::Administer)?;
    let audit = Audit {
        actor: &caller.actor,
        action: "improvement.ship",
        target: id.to_string(),
        detail: serde_json::Value::Null,
    };
    match app.store.ship_improvement(caller.org, id, polku_store::now(), &audit).await {
        Ok(polku_store::Shipping::Told(n)) => Ok(n),
        Ok(polku_store::Shipping::NoSmtp(n)) => Err(AppError::invalid(
            "smtp",
            format!("{n} customers are waiting to hear of it: set up e-mail first (Settings → Notifications)"),
        )),
        Err(polku_store::StoreError::Conflict(m)) => Err(AppError::Conflict(m)),
        Err(e) => Err(e.into()),
    }
}

/// The message of an improvement for a customer who answered in `locale` (for the sender).
pub(crate) async fn message(
    app: &App,
    org: polku_domain::OrgId,
    id: uuid::Uuid,
    locale: Locale,
) -> AppResult<polku_domain::notify::Shipped> {
    let r = app.store.improvement(org, id).await?;
    let texts: BTreeMap<Locale, String> = serde_json::from_str(&r.texts)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context(format!("reading improvement {id}"))))?;
    let text = texts
        .get(&locale)
        .or_else(|| texts.get(&Locale::default()))
        .or_else(|| texts.values().next())
        .cloned()
        .unwrap_or_default();
    Ok(polku_domain::notify::Shipped { organisation: app.store.org(org).await?.name, text })
}
