//! A survey's *Send* tab: invite customers now or at a time (with the message previewed in each of the
//! survey's languages), the triggers that invite after an order, delivery, contact or event, how long links
//! work and what share is asked, the response funnel, and the send log with every skip and its reason.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, IdPath, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_app::contact::{self, SendingView};
use polku_app::invitations::{self, LogEntry, LogSkip, SendInput};
use polku_app::store::SurveyRecord;
use polku_app::triggers::{self, TriggerInput, TriggerView};
use polku_domain::SurveyId;
use polku_domain::invite::Funnel;
use polku_domain::locale::text_in;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/surveys/{id}/send", get(show).post(send))
        .route("/surveys/{id}/send/settings", post(save_settings))
        .route("/surveys/{id}/triggers", post(add_trigger))
        .route("/surveys/{id}/triggers/{trigger}/delete", post(delete_trigger))
}

/// The message in one language, as the customer will see it (the link is a sample).
struct Preview {
    lang: &'static str,
    subject: String,
    body: String,
    sms: String,
}

/// What the invite form holds: as sent when it failed, else empty.
#[derive(Default, Deserialize)]
#[serde(default)]
struct SendForm {
    /// `list` (the ids below), or a segment: `all`, `loyal`, `promoter`, `passive`, `detractor`.
    audience: String,
    /// A segment's language, if any.
    language: String,
    customers: String,
    channel: String,
    send_at: String,
    touchpoint: String,
}

#[derive(Template)]
#[template(path = "survey_send.html")]
struct SendPage {
    c: Chrome,
    t: T,
    s: SurveyRecord,
    funnel: Vec<Funnel>,
    previews: Vec<Preview>,
    form: SendForm,
    errors: Vec<(String, String)>,
    /// After a send: how many were queued and who was skipped, with the reason in the page's language.
    result: Option<(usize, Vec<(String, String)>)>,
    triggers: Vec<TriggerView>,
    sending: SendingView,
    log: Vec<LogEntry>,
    skipped: Vec<LogSkip>,
    /// The score row for a marketing tool, as asked for (`?tool=klaviyo&tool_touchpoint=…`).
    tool: String,
    tool_touchpoint: String,
    tool_html: String,
    /// Whether the first question is NPS or CSAT (the score row's condition).
    scored_first: bool,
}

impl SendPage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        self.t.date_time(t)
    }
    fn channel(&self, c: &str) -> String {
        super::channel_label(&self.t, c)
    }
    fn reason(&self, r: &str) -> String {
        self.t.try_get(&format!("skip-{r}")).unwrap_or_else(|| r.to_string())
    }
    fn event(&self, e: &str) -> String {
        self.t.try_get(&format!("trigger-event-{e}")).unwrap_or_else(|| e.to_string())
    }
    fn status(&self, s: &str) -> String {
        self.t.try_get(&format!("invite-status-{s}")).unwrap_or_else(|| s.to_string())
    }
    fn rate(&self, f: &Funnel) -> String {
        f.response_rate.map(|r| format!("{} %", self.t.num(r * 100.0, 0))).unwrap_or_else(|| "–".into())
    }
    fn tool_name(&self, k: &str) -> &'static str {
        polku_domain::invite::MailTool::parse(k).map_or("", polku_domain::invite::MailTool::name)
    }
    fn percent(&self, share: &f64) -> String {
        self.t.num(share * 100.0, 1)
    }
}

struct Extra {
    form: SendForm,
    errors: Vec<(String, String)>,
    result: Option<(usize, Vec<(String, String)>)>,
    tool: ToolQuery,
}

/// Which marketing tool's score row to show, and the touchpoint its links carry.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ToolQuery {
    tool: String,
    tool_touchpoint: String,
}

async fn render(web: &Web, s: &UiSession, id: SurveyId, extra: Extra) -> Result<Response, PageError> {
    let app = &web.app;
    let (log, skipped) = invitations::log(app, &s.caller, id).await.map_err(fail(s))?;
    let record = polku_app::surveys::get(app, &s.caller, id).await.map_err(fail(s))?;
    let funnel = invitations::funnel(app, &s.caller, Some(id), None, None).await.map_err(fail(s))?;
    let triggers = triggers::list(app, &s.caller, id).await.map_err(fail(s))?;
    let sending = contact::sending(app, &s.caller, id).await.map_err(fail(s))?;
    let organisation = app.store.org(s.caller.org).await.map_err(|e| fail(s)(e.into()))?.name;
    let base = app.config.public_url.trim_end_matches('/');
    let link = format!("{base}/s/{}?i=…", record.slug);
    let out = format!("{base}/s/{}/unsubscribe?i=…", record.slug);
    let previews = record
        .definition
        .locales
        .iter()
        .map(|&l| {
            let question =
                record.definition.questions.first().map(|q| text_in(&q.text, l).to_string()).unwrap_or_default();
            let (subject, body) = polku_domain::invite::email(l, &organisation, &question, &link, &out);
            Preview { lang: l.as_str(), subject, body, sms: polku_domain::sms::text(l, &organisation, &link) }
        })
        .collect();
    let first = record.definition.questions.first();
    let row =
        first.map(|q| polku_domain::invite::ScoreRow { key: &q.key, kind: q.kind }).filter(|r| r.scale().is_some());
    let tool_touchpoint = extra.tool.tool_touchpoint.trim().to_string();
    let tool_touchpoint =
        if polku_domain::response::is_valid_name(&tool_touchpoint, polku_domain::response::MAX_TOUCHPOINT) {
            tool_touchpoint
        } else {
            String::new()
        };
    let locale = record.definition.locales.first().copied().unwrap_or_default();
    let tool_html = match (polku_domain::invite::MailTool::parse(&extra.tool.tool), row) {
        (Some(tool), Some(row)) => tool.score_row(&format!("{base}/s/{}", record.slug), &tool_touchpoint, row, locale),
        _ => String::new(),
    };
    let scored_first = row.is_some();
    let status = if extra.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&SendPage {
        tool: extra.tool.tool,
        tool_touchpoint,
        tool_html,
        scored_first,
        c: Chrome::new(s, "surveys"),
        t: s.t,
        s: record,
        funnel,
        previews,
        form: extra.form,
        errors: extra.errors,
        result: extra.result,
        triggers,
        sending,
        log: log.into_iter().take(100).collect(),
        skipped: skipped.into_iter().take(100).collect(),
    });
    Ok((status, body).into_response())
}

async fn show(
    State(web): State<Web>,
    s: UiSession,
    IdPath(id): IdPath<SurveyId>,
    Query(tool): Query<ToolQuery>,
) -> Result<Response, PageError> {
    render(&web, &s, id, Extra { form: SendForm::default(), errors: vec![], result: None, tool }).await
}

/// A field's errors as the page lists them, or the error itself when it is not about the input.
fn invalid(e: AppError) -> Result<Vec<(String, String)>, AppError> {
    match e {
        AppError::Invalid(v) => Ok(v.0.into_iter().map(|e| (e.field, e.message)).collect()),
        AppError::Conflict(m) => Ok(vec![("survey".into(), m)]),
        other => Err(other),
    }
}

/// Customers' ids as pasted: one per line, or separated by commas, semicolons or tabs (a CSV column);
/// a header `external_id` is dropped.
pub(super) fn ids_of(text: &str) -> Vec<String> {
    text.split(['\n', ',', ';', '\t'])
        .map(|s| s.trim().trim_matches('"').trim())
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("external_id"))
        .map(str::to_string)
        .collect()
}

async fn send(
    State(web): State<Web>,
    IdPath(id): IdPath<SurveyId>,
    CsrfForm(s, form): CsrfForm<SendForm>,
) -> Result<Response, PageError> {
    // A local time typed in the form is the organisation's clock.
    let send_at = match form.send_at.trim() {
        "" => Ok(None),
        local => {
            let zone = web.app.zone(s.caller.org).await.map_err(fail(&s))?;
            let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
            time::PrimitiveDateTime::parse(local, &format)
                .ok()
                .and_then(|t| zone.to_utc(t))
                .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
                .map(Some)
                .ok_or_else(|| vec![("send_at".to_string(), "must be a date and time".to_string())])
        }
    };
    let outcome = match send_at {
        Err(errors) => Err(Ok(errors)),
        Ok(send_at) => {
            let segment = match form.audience.as_str() {
                "" | "list" => None,
                audience => Some(polku_domain::segment::Segment {
                    language: Some(form.language.clone()).filter(|l| !l.is_empty()),
                    nps_group: ["promoter", "passive", "detractor"].contains(&audience).then(|| audience.to_string()),
                    loyal: audience == "loyal",
                    ..Default::default()
                }),
            };
            let input = SendInput {
                customers: if segment.is_some() { Vec::new() } else { ids_of(&form.customers) },
                segment,
                channel: form.channel.trim().to_string(),
                send_at,
                touchpoint: Some(form.touchpoint.trim().to_string()).filter(|t| !t.is_empty()),
            };
            invitations::send(&web.app, &s.caller, id, &input).await.map_err(invalid)
        }
    };
    match outcome {
        Ok(sent) => {
            let t = s.t;
            let skipped = sent
                .skipped
                .into_iter()
                .map(|k| {
                    let r = k.reason.as_str();
                    (k.customer, t.try_get(&format!("skip-{r}")).unwrap_or_else(|| r.to_string()))
                })
                .collect();
            let result = Some((sent.queued, skipped));
            render(
                &web,
                &s,
                id,
                Extra { form: SendForm::default(), errors: vec![], result, tool: ToolQuery::default() },
            )
            .await
        }
        Err(Ok(errors)) => render(&web, &s, id, Extra { form, errors, result: None, tool: ToolQuery::default() }).await,
        Err(Err(e)) => Err(fail(&s)(e)),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SettingsForm {
    link_ttl_days: String,
    sample_percent: String,
    reminder_days: String,
}

async fn save_settings(
    State(web): State<Web>,
    IdPath(id): IdPath<SurveyId>,
    CsrfForm(s, form): CsrfForm<SettingsForm>,
) -> Result<Response, PageError> {
    let ttl = form.link_ttl_days.trim().parse::<u16>().ok();
    let share = form.sample_percent.trim().replace(',', ".").parse::<f64>().ok().map(|p| p / 100.0);
    let result = match (ttl, share) {
        (None, _) => Err(Ok(vec![("link_ttl_days".to_string(), "must be 1–365".to_string())])),
        (_, None) => Err(Ok(vec![("sample_percent".to_string(), "must be a percentage 0.1–100".to_string())])),
        (Some(link_ttl_days), Some(sample_rate)) => {
            let reminder_days = match form.reminder_days.trim() {
                "" | "0" => None,
                d => Some(d.parse::<u16>().unwrap_or(u16::MAX)),
            };
            contact::save_sending(&web.app, &s.caller, id, SendingView { link_ttl_days, sample_rate, reminder_days })
                .await
                .map_err(invalid)
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/surveys/{id}/send#settings")).into_response()),
        Err(Ok(errors)) => {
            render(&web, &s, id, Extra { form: SendForm::default(), errors, result: None, tool: ToolQuery::default() })
                .await
        }
        Err(Err(e)) => Err(fail(&s)(e)),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct TriggerForm {
    event: String,
    delay_days: String,
    delay_hours: String,
    touchpoint: String,
}

async fn add_trigger(
    State(web): State<Web>,
    IdPath(id): IdPath<SurveyId>,
    CsrfForm(s, form): CsrfForm<TriggerForm>,
) -> Result<Response, PageError> {
    let number = |v: &str| match v.trim() {
        "" => Some(0),
        v => v.parse::<u32>().ok(),
    };
    let result = match (number(&form.delay_days), number(&form.delay_hours)) {
        (Some(d), Some(h)) => {
            let input = TriggerInput {
                event: form.event.clone(),
                delay_hours: d.saturating_mul(24).saturating_add(h),
                touchpoint: Some(form.touchpoint.trim().to_string()).filter(|t| !t.is_empty()),
            };
            triggers::create(&web.app, &s.caller, id, &input).await.map(|_| ()).map_err(invalid)
        }
        _ => Err(Ok(vec![("delay_hours".to_string(), "must be whole days and hours".to_string())])),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/surveys/{id}/send#triggers")).into_response()),
        Err(Ok(errors)) => {
            render(&web, &s, id, Extra { form: SendForm::default(), errors, result: None, tool: ToolQuery::default() })
                .await
        }
        Err(Err(e)) => Err(fail(&s)(e)),
    }
}

async fn delete_trigger(
    State(web): State<Web>,
    Path((id, trigger)): Path<(String, String)>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    let id: SurveyId = id.parse().map_err(|_| fail(&s)(AppError::NotFound))?;
    let trigger = trigger.parse().map_err(|_| fail(&s)(AppError::NotFound))?;
    triggers::delete(&web.app, &s.caller, id, trigger).await.map_err(fail(&s))?;
    Ok(Redirect::to(&format!("/surveys/{id}/send#triggers")).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn pasted_ids_split_on_lines_and_csv_separators() {
        assert_eq!(super::ids_of("external_id\nC-1\r\nC-2, C-3;\"C-4\"\t\n\n"), ["C-1", "C-2", "C-3", "C-4"]);
    }
}
