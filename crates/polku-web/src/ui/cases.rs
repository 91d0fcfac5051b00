//! Cases (the bad experiences someone owns until they are handled) and, for admins, the alert rules that
//! make them.

use super::{Chrome, TouchpointLabels, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, IdPath, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_app::cases::{self, CaseDetail, RuleInput};
use polku_app::store::{CaseFilter, CaseRecord, Member, RuleRecord};
use polku_domain::cases::BusinessHours;
use polku_domain::cases::{CaseStatus, RuleCondition};
use polku_domain::role::Permission;
use polku_domain::survey::QuestionType;
use polku_domain::{CaseId, RuleId, TeamId, UserId};
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/cases", get(list))
        .route("/cases/follow-ups", get(follow_ups))
        .route("/cases/{id}", get(detail))
        .route("/cases/{id}/status", post(move_case))
        .route("/cases/{id}/notes", post(note))
        .route("/cases/{id}/owner", post(assign))
        .route("/cases/{id}/actions", post(act))
        .route("/cases/{id}/actions/{action}/approve", post(approve))
        .route("/cases/{id}/actions/{action}/reject", post(reject))
        .route("/settings/rules", get(rules).post(create_rule))
        .route("/settings/rules/{id}/off", post(rule_off))
}

fn when(tr: &T, at: &time::OffsetDateTime) -> String {
    tr.date_time(at)
}

fn status_label(t: &T, s: &str) -> String {
    t.get(&format!("case-status-{}", s.replace('_', "-")))
}

fn overdue(c: &CaseRecord) -> bool {
    CaseStatus::parse(&c.status).is_some_and(CaseStatus::is_open) && c.due_at < polku_app::store::now()
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    c: Chrome,
    t: T,
    cases: Vec<CaseRecord>,
    all: bool,
}

impl CasesPage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        when(&self.t, t)
    }
    fn status(&self, s: &str) -> String {
        status_label(&self.t, s)
    }
    fn overdue(&self, c: &CaseRecord) -> bool {
        overdue(c)
    }
}

async fn list(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let all = raw.as_deref().is_some_and(|q| q.split('&').any(|kv| kv == "all=1"));
    let filter = CaseFilter { open: !all, ..CaseFilter::default() };
    let cases = cases::cases(&web.app, &s.caller, filter).await.map_err(fail(&s))?;
    Ok(page(&CasesPage { c: Chrome::new(&s, "cases"), t: s.t, cases, all }))
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    t: T,
    d: CaseDetail,
    moves: Vec<&'static str>,
    me: Option<UserId>,
    error: String,
    app: std::sync::Arc<polku_app::App>,
    /// The case's rule asks for a follow-up when it is resolved.
    follow_up_rule: bool,
    tp: TouchpointLabels,
}

impl CasePage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        when(&self.t, t)
    }
    fn status(&self, s: &str) -> String {
        status_label(&self.t, s)
    }
    fn overdue(&self) -> bool {
        overdue(&self.d.case)
    }
    fn action_kind(&self, k: &str) -> String {
        self.t.get(&format!("action-{k}"))
    }
    fn action_status(&self, s: &str) -> String {
        self.t.get(&format!("action-status-{s}"))
    }
    fn action(&self, a: &polku_app::store::CaseAction) -> String {
        match (a.amount_cents, a.currency.as_deref()) {
            (Some(c), Some(cur)) => format!("{} {}.{:02} {cur}", self.action_kind(&a.kind), c / 100, c % 100),
            _ => self.action_kind(&a.kind),
        }
    }
    /// Whether the signed-in member recorded this action (they cannot decide on it).
    fn own(&self, a: &polku_app::store::CaseAction) -> bool {
        self.me.is_some_and(|m| a.author_id == Some(m.0))
    }
    fn mine(&self) -> bool {
        self.me.is_some_and(|m| self.d.case.owner_id == Some(m.0))
    }
    fn event(&self, kind: &str, body: &str) -> String {
        match kind {
            "status" => body
                .split_once(" → ")
                .map_or_else(|| body.to_string(), |(a, b)| format!("{} → {}", self.status(a), self.status(b))),
            "escalated" => {
                let lead = if body == "-" { String::new() } else { format!(": {body}") };
                format!("{}{lead}", self.t.get("case-escalated"))
            }
            "owner" => format!(
                "{}: {}",
                self.t.get("case-owner"),
                if body == "-" { self.t.get("case-nobody") } else { body.to_string() }
            ),
            "follow_up" => format!("{}: {body}", self.t.get("follow-up-answered")),
            _ => body.to_string(),
        }
    }
    fn follow_up_link(&self) -> String {
        self.d.follow_up.as_ref().map(|f| polku_app::followups::link(&self.app, &f.token)).unwrap_or_default()
    }
    /// Resolving this case makes a follow-up (its rule asks for one), which may be given an address.
    fn resolving_asks(&self) -> bool {
        self.follow_up_rule && self.d.follow_up.is_none() && self.moves.contains(&"resolved")
    }
}

async fn case_page(web: &Web, s: &UiSession, id: CaseId, error: Option<AppError>) -> Result<Response, PageError> {
    let d = cases::case(&web.app, &s.caller, id).await.map_err(fail(s))?;
    let follow_up_rule = web
        .app
        .store
        .rules(s.caller.org)
        .await
        .map_err(|e| fail(s)(e.into()))?
        .iter()
        .any(|r| r.id.0 == d.case.rule_id && r.rule.follow_up_days.is_some());
    let from = CaseStatus::parse(&d.case.status);
    let moves = CaseStatus::ALL
        .into_iter()
        .filter(|to| from.is_some_and(|f| f.can_move_to(*to)))
        .map(CaseStatus::as_str)
        .collect();
    let me = match &s.caller.actor {
        polku_app::Actor::User { id, .. } => Some(*id),
        _ => None,
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = page(&CasePage {
        c: Chrome::new(s, "cases"),
        t: s.t,
        d,
        moves,
        me,
        error: error.map(|e| e.to_string()).unwrap_or_default(),
        app: web.app.clone(),
        follow_up_rule,
        tp: TouchpointLabels::load(web, s).await?,
    });
    Ok((status, body).into_response())
}

async fn detail(State(web): State<Web>, s: UiSession, IdPath(id): IdPath<CaseId>) -> Result<Response, PageError> {
    case_page(&web, &s, id, None).await
}

async fn after(web: &Web, s: &UiSession, id: CaseId, result: Result<(), AppError>) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => case_page(web, s, id, Some(e)).await,
        Err(e) => Err(fail(s)(e)),
    }
}

/// A move to another status; the address is only asked for when resolving makes a follow-up.
#[derive(Deserialize)]
struct MoveForm {
    status: String,
    note: Option<String>,
    follow_up_email: Option<String>,
}

async fn move_case(
    State(web): State<Web>,
    IdPath(id): IdPath<CaseId>,
    CsrfForm(s, form): CsrfForm<MoveForm>,
) -> Result<Response, PageError> {
    let (note, email) = (form.note.as_deref(), form.follow_up_email.as_deref());
    let result = cases::move_case(&web.app, &s.caller, id, &form.status, note, email).await;
    after(&web, &s, id, result).await
}

#[derive(Deserialize)]
struct NoteForm {
    body: String,
}

async fn note(
    State(web): State<Web>,
    IdPath(id): IdPath<CaseId>,
    CsrfForm(s, form): CsrfForm<NoteForm>,
) -> Result<Response, PageError> {
    let result = cases::note(&web.app, &s.caller, id, &form.body).await;
    after(&web, &s, id, result).await
}

/// Take a case (the member's own id) or release it (empty).
#[derive(Deserialize)]
struct OwnerForm {
    owner: Option<UserId>,
}

async fn assign(
    State(web): State<Web>,
    IdPath(id): IdPath<CaseId>,
    CsrfForm(s, form): CsrfForm<OwnerForm>,
) -> Result<Response, PageError> {
    let result = cases::assign(&web.app, &s.caller, id, form.owner).await;
    after(&web, &s, id, result).await
}

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage {
    c: Chrome,
    t: T,
    rules: Vec<RuleRecord>,
    members: Vec<Member>,
    themes: Vec<(String, String)>,
    teams: Vec<cases::Team>,
    error: String,
}

impl RulesPage {
    fn condition(&self, c: &RuleCondition) -> String {
        match c {
            RuleCondition::ScoreAtMost { kind, max } => format!("{} ≤ {max}", kind.as_str().to_uppercase()),
            RuleCondition::NegativeTheme { theme } => {
                let label = self.themes.iter().find(|(k, _)| k == theme).map_or(theme.as_str(), |(_, l)| l.as_str());
                self.t.arg("rule-negative-theme-of", "theme", label)
            }
            RuleCondition::NegativeText => self.t.get("rule-negative-text"),
            RuleCondition::NegativeShare { channel, percent, window_minutes, min_answers } => format!(
                "{channel}: {} > {percent} % / {window_minutes} min (n ≥ {min_answers})",
                self.t.get("rule-negative-share-short")
            ),
        }
    }
    /// "8 h" or, counting business hours, "8 h (Mon Tue … 08:00–16:00)".
    fn sla(&self, r: &polku_domain::cases::Rule) -> String {
        match &r.business_hours {
            None => format!("{} h", r.sla_hours),
            Some(b) => {
                let days: Vec<String> = b.days.iter().map(|d| self.t.get(&format!("weekday-{d}"))).collect();
                format!("{} h ({} {}–{})", r.sla_hours, days.join(" "), b.opens, b.closes)
            }
        }
    }
    fn team(&self, t: &Option<TeamId>) -> String {
        t.and_then(|t| self.teams.iter().find(|(id, _, _)| *id == t)).map_or_else(|| "–".into(), |(_, n, _)| n.clone())
    }
    fn owner(&self, o: &Option<UserId>) -> String {
        o.and_then(|o| self.members.iter().find(|m| m.user_id == o.0)).map_or_else(|| "–".into(), |m| m.name.clone())
    }
}

async fn rules_page(web: &Web, s: &UiSession, error: Option<AppError>) -> Result<Response, PageError> {
    s.caller.require(Permission::Administer).map_err(fail(s))?;
    let rules = cases::rules(&web.app, &s.caller).await.map_err(fail(s))?;
    // Only members who work cases can own a rule's cases.
    let members = polku_app::orgs::members(&web.app, &s.caller)
        .await
        .map_err(fail(s))?
        .into_iter()
        .filter(|m| polku_domain::role::Role::parse(&m.role).is_some_and(|r| r.allows(Permission::Triage)))
        .collect();
    let analyzer = polku_app::text_models::analyzer_for(&web.app, s.caller.org).await.map_err(fail(s))?;
    let themes = analyzer.themes(s.t.locale).map(|(k, l)| (k.to_string(), l.to_string())).collect();
    let teams = cases::teams(&web.app, &s.caller).await.map_err(fail(s))?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = page(&RulesPage {
        c: Chrome::new(s, "rules"),
        t: s.t,
        rules,
        members,
        themes,
        teams,
        error: error.map(|e| e.to_string()).unwrap_or_default(),
    });
    Ok((status, body).into_response())
}

async fn rules(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    rules_page(&web, &s, None).await
}

/// A new alert rule. Only the fields of the chosen condition are read; the numbers are optional here so
/// that an empty one is named by the rule's own message.
#[derive(Deserialize)]
struct RuleForm {
    name: String,
    condition: Option<String>,
    kind: Option<String>,
    max: Option<i64>,
    theme: Option<String>,
    channel: Option<String>,
    percent: Option<i64>,
    window_minutes: Option<i64>,
    min_answers: Option<i64>,
    sla_hours: Option<i64>,
    owner: Option<UserId>,
    lead: Option<UserId>,
    team: Option<TeamId>,
    follow_up_days: Option<u32>,
    /// "on" when the SLA counts business hours only; then the open weekdays `day1`…`day7` and the times.
    business_hours: Option<String>,
    day1: Option<String>,
    day2: Option<String>,
    day3: Option<String>,
    day4: Option<String>,
    day5: Option<String>,
    day6: Option<String>,
    day7: Option<String>,
    opens: Option<String>,
    closes: Option<String>,
}

impl RuleForm {
    fn input(self) -> Result<RuleInput, AppError> {
        let number = |field: &str, v: Option<i64>| v.ok_or_else(|| AppError::invalid(field, "must be a whole number"));
        let condition = match self.condition.as_deref().unwrap_or("") {
            "score" => {
                let kind = QuestionType::parse(self.kind.as_deref().unwrap_or(""))
                    .ok_or_else(|| AppError::invalid("condition.kind", "must be nps, csat or ces"))?;
                let max = i16::try_from(number("max", self.max)?)
                    .map_err(|_| AppError::invalid("condition.max", "is out of range"))?;
                RuleCondition::ScoreAtMost { kind, max }
            }
            "theme" => RuleCondition::NegativeTheme { theme: self.theme.unwrap_or_default() },
            "text" => RuleCondition::NegativeText,
            "share" => RuleCondition::NegativeShare {
                channel: self.channel.unwrap_or_default().trim().to_string(),
                percent: u8::try_from(number("percent", self.percent)?)
                    .map_err(|_| AppError::invalid("condition.percent", "must be 1–100"))?,
                window_minutes: u32::try_from(number("window_minutes", self.window_minutes)?)
                    .map_err(|_| AppError::invalid("condition.window_minutes", "is out of range"))?,
                min_answers: u32::try_from(number("min_answers", self.min_answers)?)
                    .map_err(|_| AppError::invalid("condition.min_answers", "is out of range"))?,
            },
            _ => return Err(AppError::invalid("condition", "choose a condition")),
        };
        let sla_hours = u32::try_from(number("sla_hours", self.sla_hours)?)
            .map_err(|_| AppError::invalid("sla_hours", "is out of range"))?;
        let days = [&self.day1, &self.day2, &self.day3, &self.day4, &self.day5, &self.day6, &self.day7];
        let business_hours = self.business_hours.is_some().then(|| BusinessHours {
            days: (1..=7u8).zip(days).filter(|(_, on)| on.is_some()).map(|(d, _)| d).collect(),
            opens: self.opens.clone().unwrap_or_default(),
            closes: self.closes.clone().unwrap_or_default(),
        });
        Ok(RuleInput {
            name: self.name,
            condition,
            sla_hours,
            owner: self.owner,
            lead: self.lead,
            team: self.team,
            follow_up_days: self.follow_up_days,
            business_hours,
        })
    }
}

async fn create_rule(State(web): State<Web>, CsrfForm(s, form): CsrfForm<RuleForm>) -> Result<Response, PageError> {
    let result = match form.input() {
        Ok(input) => cases::create_rule(&web.app, &s.caller, input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/settings/rules").into_response()),
        Err(e @ AppError::Invalid(_)) => rules_page(&web, &s, Some(e)).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn rule_off(
    State(web): State<Web>,
    IdPath(id): IdPath<RuleId>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    cases::deactivate_rule(&web.app, &s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to("/settings/rules").into_response())
}

/// What was done for the customer; the amount is text so that "19,90" and "19.90" are both read as meant.
#[derive(Deserialize)]
struct ActionForm {
    kind: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    reason: Option<String>,
}

async fn act(
    State(web): State<Web>,
    IdPath(id): IdPath<CaseId>,
    CsrfForm(s, form): CsrfForm<ActionForm>,
) -> Result<Response, PageError> {
    use polku_domain::cases::Action;
    let action = match form.kind.as_deref().unwrap_or("") {
        "called" => Ok(Action::Called),
        "emailed" => Ok(Action::Emailed),
        "apologised" => Ok(Action::Apologised),
        "compensated" => match polku_domain::cases::parse_amount(form.amount.as_deref().unwrap_or("")) {
            Some(amount_cents) => Ok(Action::Compensated {
                amount_cents,
                currency: form.currency.as_deref().unwrap_or("").trim().to_uppercase(),
            }),
            None => Err(AppError::invalid("amount", "must be an amount such as 20 or 19.90")),
        },
        _ => Err(AppError::invalid("kind", "choose what was done")),
    };
    let reason = form.reason.as_deref().unwrap_or("");
    let result = match action {
        Ok(a) => cases::act(&web.app, &s.caller, id, a, reason).await.map(|_| ()),
        Err(e) => Err(e),
    };
    after(&web, &s, id, result).await
}

async fn decide(
    web: &Web,
    s: &UiSession,
    id: CaseId,
    action: uuid::Uuid,
    approve: bool,
) -> Result<Response, PageError> {
    let result = cases::decide(&web.app, &s.caller, action, approve).await;
    after(web, s, id, result).await
}

async fn approve(
    State(web): State<Web>,
    IdPath((id, action)): IdPath<(CaseId, uuid::Uuid)>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    decide(&web, &s, id, action, true).await
}

async fn reject(
    State(web): State<Web>,
    IdPath((id, action)): IdPath<(CaseId, uuid::Uuid)>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    decide(&web, &s, id, action, false).await
}

#[derive(Template)]
#[template(path = "follow_ups.html")]
struct FollowUpsPage {
    c: Chrome,
    t: T,
    s: polku_app::followups::Stats,
    group: &'static str,
}

impl FollowUpsPage {
    fn pct(&self, v: Option<f64>) -> String {
        v.map(|v| format!("{} %", self.t.num(v, 0))).unwrap_or_else(|| "–".into())
    }
    fn rate(&self, v: Option<(f64, (f64, f64))>) -> String {
        self.pct(v.map(|(r, _)| r))
    }
    fn ci(&self, v: Option<(f64, (f64, f64))>) -> String {
        v.map(|(_, (lo, hi))| format!("{}–{} %", self.t.num(lo, 0), self.t.num(hi, 0))).unwrap_or_default()
    }
    fn key(&self, k: &str) -> String {
        if k.is_empty() && self.group == "team" { self.t.get("follow-up-no-team") } else { k.to_string() }
    }
}

/// Recovery and detractor-conversion rates of follow-ups, per team, rule or month.
async fn follow_ups(State(web): State<Web>, s: UiSession, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.as_deref().unwrap_or("")).unwrap_or_default();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let today = web.app.today(s.caller.org).await.map_err(fail(&s))?;
    let stats = polku_app::followups::stats(&web.app, &s.caller, get("from"), get("to"), get("group"), today)
        .await
        .map_err(fail(&s))?;
    let group = match stats.group {
        polku_domain::followup::Group::Team => "team",
        polku_domain::followup::Group::Rule => "rule",
        polku_domain::followup::Group::Month => "month",
    };
    Ok(page(&FollowUpsPage { c: Chrome::new(&s, "follow-ups"), t: s.t, s: stats, group }))
}
