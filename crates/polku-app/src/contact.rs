//! The settings of reaching customers: the organisation's contact rules (`polku_domain::contact`), its
//! SMS gateway (`polku_domain::sms`), and how each survey invites (link lifetime, sample).

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::SurveyId;
use polku_domain::contact::ContactRules;
use polku_domain::role::Permission;
use polku_domain::sms::{Gateway, Header, Method};
use polku_store::{Audit, Sending};

/// The organisation's contact rules (whoever may invite reads them).
pub async fn rules(app: &App, caller: &Caller) -> AppResult<ContactRules> {
    caller.require(Permission::ManageSurveys)?;
    Ok(app.store.contact_rules(caller.org).await?)
}

/// Replaces the organisation's contact rules (admins: they bind every survey and channel).
pub async fn save_rules(app: &App, caller: &Caller, rules: ContactRules) -> AppResult<ContactRules> {
    caller.require(Permission::Administer)?;
    rules.validate().map_err(|(field, message)| AppError::invalid(field, message))?;
    let audit = Audit {
        actor: &caller.actor,
        action: "contact_rules.save",
        target: String::new(),
        detail: serde_json::to_value(&rules).unwrap_or_default(),
    };
    app.store.save_contact_rules(caller.org, &rules, &audit).await?;
    Ok(rules)
}

/// How a survey invites, as shown and given.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendingView {
    /// Days a personal link works (1–365).
    pub link_ttl_days: u16,
    /// The share of customers asked, 0.001–1 (1: everyone; 0.333: about every third).
    pub sample_rate: f64,
    /// Days after an unanswered invitation's message that one reminder goes (1–30); `None`: no reminder.
    #[serde(default)]
    pub reminder_days: Option<u16>,
}

pub async fn sending(app: &App, caller: &Caller, survey: SurveyId) -> AppResult<SendingView> {
    caller.require(Permission::ManageSurveys)?;
    let record = crate::surveys::current(app, caller.org, survey).await?;
    let s = app.store.survey_sending(caller.org, record.id).await?;
    Ok(view(s))
}

pub async fn save_sending(app: &App, caller: &Caller, survey: SurveyId, input: SendingView) -> AppResult<SendingView> {
    caller.require(Permission::ManageSurveys)?;
    let record = crate::surveys::current(app, caller.org, survey).await?;
    if !(1..=polku_domain::invite::MAX_TTL_DAYS).contains(&input.link_ttl_days) {
        return Err(AppError::invalid("link_ttl_days", format!("must be 1–{}", polku_domain::invite::MAX_TTL_DAYS)));
    }
    if !input.sample_rate.is_finite() || input.sample_rate < 0.001 || input.sample_rate > 1.0 {
        return Err(AppError::invalid("sample_rate", "must be a share from 0.001 to 1 (1: everyone)"));
    }
    if input.reminder_days.is_some_and(|d| !(1..=30).contains(&d)) {
        return Err(AppError::invalid("reminder_days", "must be 1–30, or null for no reminder"));
    }
    let sending = Sending {
        link_ttl_days: input.link_ttl_days,
        sample_permille: (input.sample_rate * 1000.0).round() as u16,
        reminder_days: input.reminder_days,
    };
    let audit = Audit {
        actor: &caller.actor,
        action: "survey.sending",
        target: record.id.0.to_string(),
        detail: serde_json::json!({"link_ttl_days": sending.link_ttl_days, "sample_permille": sending.sample_permille,
            "reminder_days": sending.reminder_days}),
    };
    app.store.save_survey_sending(caller.org, record.id, &sending, &audit).await?;
    Ok(view(sending))
}

fn view(s: Sending) -> SendingView {
    SendingView {
        link_ttl_days: s.link_ttl_days,
        sample_rate: f64::from(s.sample_permille) / 1000.0,
        reminder_days: s.reminder_days,
    }
}

/// The SMS gateway as shown: header values, which hold credentials, are only said to be set.
#[derive(Clone, Debug, serde::Serialize)]
pub struct GatewayView {
    pub url: String,
    pub method: Method,
    pub headers: Vec<HeaderView>,
    pub body: String,
    pub sender: String,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct HeaderView {
    pub name: String,
    pub value_set: bool,
}

/// A gateway as given. A header without a value keeps the stored value of that header while the URL
/// stays the same, so a credential is never sent somewhere it was not meant for.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayInput {
    pub url: String,
    #[serde(default)]
    pub method: Method,
    #[serde(default)]
    pub headers: Vec<HeaderInput>,
    #[serde(default)]
    pub body: String,
    pub sender: String,
}

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderInput {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
}

fn gateway_view(g: Gateway) -> GatewayView {
    GatewayView {
        url: g.url,
        method: g.method,
        headers: g.headers.into_iter().map(|h| HeaderView { name: h.name, value_set: !h.value.is_empty() }).collect(),
        body: g.body,
        sender: g.sender,
    }
}

/// The organisation's SMS gateway, if set (admins).
pub async fn gateway(app: &App, caller: &Caller) -> AppResult<Option<GatewayView>> {
    caller.require(Permission::Administer)?;
    Ok(app.store.sms_gateway(caller.org).await?.map(gateway_view))
}

/// Sets the organisation's SMS gateway, or removes it with `None` (admins). The address must be public
/// unless internal targets are allowed, as for webhooks.
pub async fn save_gateway(app: &App, caller: &Caller, input: Option<GatewayInput>) -> AppResult<Option<GatewayView>> {
    caller.require(Permission::Administer)?;
    let gateway = match input {
        None => None,
        Some(input) => {
            let old = app.store.sms_gateway(caller.org).await?;
            let url = input.url.trim().to_string();
            let mut headers = Vec::with_capacity(input.headers.len());
            for (i, h) in input.headers.into_iter().enumerate() {
                let name = h.name.trim().to_string();
                let value = match h.value {
                    Some(v) => v,
                    None => old
                        .as_ref()
                        .filter(|o| o.url == url)
                        .and_then(|o| o.headers.iter().find(|k| k.name.eq_ignore_ascii_case(&name)))
                        .map(|k| k.value.clone())
                        .ok_or_else(|| {
                            AppError::invalid(format!("headers[{i}].value"), "is required for a new header or address")
                        })?,
                };
                headers.push(Header { name, value });
            }
            let g =
                Gateway { url, method: input.method, headers, body: input.body, sender: input.sender.trim().into() };
            g.validate().map_err(|(field, message)| AppError::invalid(field, message))?;
            // The template with sample values must make a valid address (placeholders in the host, say, do not).
            let sample = g.render("+358401234567", "test");
            let parsed = crate::outbound::check_url(&sample.url, app.config.allow_internal_targets)
                .map_err(|m| AppError::invalid("url", m))?;
            if let Some(host) = parsed.host_str() {
                crate::notify::saved_target_ok(app, host, parsed.port_or_known_default().unwrap_or(443))
                    .await
                    .map_err(|m| AppError::invalid("url", m))?;
            }
            Some(g)
        }
    };
    let audit = Audit {
        actor: &caller.actor,
        action: "sms_gateway.save",
        target: String::new(),
        // The host only: paths and headers may hold credentials.
        detail: serde_json::json!({"host": gateway.as_ref().map(|g| polku_domain::notify::url_host(&g.url).to_string())}),
    };
    app.store.save_sms_gateway(caller.org, gateway.as_ref(), &audit).await?;
    Ok(gateway.map(gateway_view))
}
