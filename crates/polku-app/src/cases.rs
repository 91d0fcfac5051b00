//! Alert rules and cases: admins set the rules; every response is checked against them as it is stored
//! (`responses::prepare`), and a match becomes a case with an owner and a due time. Agents work their own
//! cases and the ones nobody has taken; analysts and admins see and work all of them; viewers none.
//!
//! Who sees what: agents see and work their own cases, their teams' cases (a rule may give its cases to a
//! team) and unowned cases of no team, and moving an unowned case takes it; an agent's reads and writes
//! carry that scope down to one SQL predicate in the store, so a case an agent may not see is, to them, a
//! case that does not exist. Only admins change rules, teams and compensation limits. Active rules are
//! cached per node for `cache::RULES_TTL` and dropped here when a rule changes.
//!
//! Background work, run each minute by every node's `serve`: `escalate` marks open cases past due (each
//! once, whichever node gets there first: the state is the row) and `check_windows` evaluates the
//! windowed rules. A compensation that needs approval waits as `pending` until an admin other than its
//! author approves or rejects it; a token has no person, so it cannot decide; decisions are audited.

use crate::auth::Caller;
use crate::comments::author;
use crate::{App, AppError, AppResult};
use polku_domain::cases::Action;
use polku_domain::cases::{CaseStatus, Rule, RuleCondition};
use polku_domain::role::{Permission, Role};
use polku_domain::{CaseId, OrgId, RuleId, UserId};
use polku_store::{Audit, CaseAction, CaseEvent, CaseFilter, CaseRecord, Comment, RuleRecord};
use std::sync::Arc;

/// Cases per list page.
pub const CASE_PAGE: i64 = 200;

/// The active rules of `org`, as ingestion checks them (cached for [`crate::cache::RULES_TTL`]).
pub async fn rules_for(app: &App, org: OrgId) -> AppResult<Arc<Vec<(RuleId, Rule)>>> {
    if let Some(r) = app.rules.get(&org) {
        return Ok(r);
    }
    let rules: Vec<(RuleId, Rule)> =
        app.store.rules(org).await?.into_iter().filter(|r| r.active).map(|r| (r.id, r.rule)).collect();
    let rules = Arc::new(rules);
    app.rules.put(org, Arc::clone(&rules));
    Ok(rules)
}

/// A rule as given through the UI or the API.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub name: String,
    pub condition: RuleCondition,
    pub sla_hours: u32,
    #[serde(default)]
    pub owner: Option<UserId>,
    /// Who hears of a case still open past its due time.
    #[serde(default)]
    pub lead: Option<UserId>,
    /// The team whose agents see and work its cases.
    #[serde(default)]
    pub team: Option<polku_domain::TeamId>,
    /// Days after resolving that the customer is asked again (none: no follow-up).
    #[serde(default)]
    pub follow_up_days: Option<u32>,
    /// The hours the SLA counts, in the organisation's time zone (none: every hour).
    #[serde(default)]
    pub business_hours: Option<polku_domain::cases::BusinessHours>,
}

pub async fn create_rule(app: &App, caller: &Caller, input: RuleInput) -> AppResult<RuleId> {
    caller.require(Permission::Administer)?;
    let analyzer = crate::text_models::analyzer_for(app, caller.org).await?;
    let rule = Rule {
        name: input.name.trim().to_string(),
        condition: input.condition,
        sla_hours: input.sla_hours,
        owner: input.owner,
        lead: input.lead,
        team: input.team,
        follow_up_days: input.follow_up_days,
        business_hours: input.business_hours,
    };
    rule.validate(|t| polku_domain::Locale::ALL.iter().any(|l| analyzer.themes(*l).any(|(k, _)| k == t)))
        .map_err(|(field, message)| AppError::invalid(field, message))?;
    for (field, who) in [("owner", rule.owner), ("lead", rule.lead)] {
        if let Some(who) = who {
            worker_name(app, caller.org, who)
                .await
                .map_err(|_| AppError::invalid(field, "is not a member of this organisation who works cases"))?;
        }
    }
    if let Some(team) = rule.team
        && !app.store.teams(caller.org).await?.iter().any(|(t, _, _)| *t == team)
    {
        return Err(AppError::invalid("team", "is not a team of this organisation"));
    }
    let audit = Audit {
        actor: &caller.actor,
        action: "rule.create",
        target: rule.name.clone(),
        detail: serde_json::Value::Null,
    };
    let id = app.store.create_rule(caller.org, &rule, &audit).await?;
    app.rules.remove(&caller.org);
    Ok(id)
}

pub async fn rules(app: &App, caller: &Caller) -> AppResult<Vec<RuleRecord>> {
    caller.require(Permission::Triage)?;
    Ok(app.store.rules(caller.org).await?)
}

/// Switches a rule off: no new cases; the old ones stay.
pub async fn deactivate_rule(app: &App, caller: &Caller, id: RuleId) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let audit = Audit {
        actor: &caller.actor,
        action: "rule.deactivate",
        target: format!("rule:{id}"),
        detail: serde_json::Value::Null,
    };
    app.store.deactivate_rule(caller.org, id, &audit).await?;
    app.rules.remove(&caller.org);
    Ok(())
}

/// Agents are limited to their own cases, their teams' and unowned ones of no team; everyone else with the
/// triage right sees all.
fn scope(caller: &Caller, mut f: CaseFilter) -> AppResult<CaseFilter> {
    caller.require(Permission::Triage)?;
    if caller.role == Role::Agent {
        f.agent = Some(author(caller).ok_or(AppError::Forbidden)?);
    }
    Ok(f)
}

pub async fn cases(app: &App, caller: &Caller, f: CaseFilter) -> AppResult<Vec<CaseRecord>> {
    let f = scope(caller, f)?;
    Ok(app.store.cases(caller.org, &f, CASE_PAGE).await?)
}

/// One case with its history and the response's open answers.
pub struct CaseDetail {
    pub case: CaseRecord,
    pub events: Vec<CaseEvent>,
    pub comments: Vec<Comment>,
    pub actions: Vec<CaseAction>,
    /// The same customer's other open answers, newest first (their context).
    pub customer_comments: Vec<Comment>,
    /// The re-survey made when it was resolved.
    pub follow_up: Option<polku_store::FollowUpRecord>,
}

async fn visible(app: &App, caller: &Caller, id: CaseId) -> AppResult<CaseRecord> {
    let f = scope(caller, CaseFilter::default())?;
    // A case an agent may not see is, to them, a case that does not exist.
    Ok(app.store.case(caller.org, id, f.agent).await?)
}

pub async fn case(app: &App, caller: &Caller, id: CaseId) -> AppResult<CaseDetail> {
    let case = visible(app, caller, id).await?;
    let events = app.store.case_events(caller.org, id).await?;
    let comments = app.store.comments_of_response(caller.org, polku_domain::ResponseId(case.response_id)).await?;
    let actions = app.store.case_actions(caller.org, id).await?;
    let customer_comments = match &case.customer_ref {
        Some(who) => {
            let filter = polku_store::CommentFilter {
                customer: Some(who.clone()),
                ..polku_store::CommentFilter::new(caller.org)
            };
            let mut all = app.store.comments(&filter, 21).await?;
            all.retain(|c| c.response_id != case.response_id);
            all.truncate(20);
            all
        }
        None => Vec::new(),
    };
    let follow_up = app.store.follow_up_for_case(caller.org, id).await?;
    Ok(CaseDetail { case, events, comments, actions, customer_comments, follow_up })
}

/// Moves a case on (e.g. to `in_progress`), with an optional note. An agent who moves an unowned case takes
/// it. Resolving it makes its follow-up when the rule asks for one: e-mailed to
/// `follow_up_email` if given, else to the customer reference when that is an address.
pub async fn move_case(
    app: &App,
    caller: &Caller,
    id: CaseId,
    to: &str,
    note: Option<&str>,
    follow_up_email: Option<&str>,
) -> AppResult<()> {
    let case = visible(app, caller, id).await?;
    let to = CaseStatus::parse(to)
        .ok_or_else(|| AppError::invalid("status", "must be in_progress, waiting_for_customer, resolved or closed"))?;
    let from = CaseStatus::parse(&case.status)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("case status {}", case.status)))?;
    if !from.can_move_to(to) {
        return Err(AppError::invalid("status", format!("a {} case cannot become {}", from.as_str(), to.as_str())));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let note =
        note.map(|n| polku_domain::inbox::parse_note(n).map_err(|e| AppError::invalid("note", e))).transpose()?;
    let agent = author(caller).filter(|_| caller.role == Role::Agent);
    let follow_up = match to {
        CaseStatus::Resolved => {
            crate::followups::prepare(app, caller.org, id, RuleId(case.rule_id), follow_up_email).await?
        }
        _ => None,
    };
    Ok(app
        .store
        .move_case(caller.org, id, from, to, author(caller), note.as_deref(), agent, follow_up.as_ref())
        .await?)
}

pub async fn note(app: &App, caller: &Caller, id: CaseId, body: &str) -> AppResult<()> {
    visible(app, caller, id).await?;
    let body = polku_domain::inbox::parse_note(body).map_err(|e| AppError::invalid("body", e))?;
    Ok(app.store.case_note(caller.org, id, author(caller), &body).await?)
}

/// Gives a case to a member, or to nobody. Agents may only take a case themselves or give up their own.
pub async fn assign(app: &App, caller: &Caller, id: CaseId, owner: Option<UserId>) -> AppResult<()> {
    visible(app, caller, id).await?;
    if caller.role == Role::Agent && owner.is_some_and(|o| Some(o) != author(caller)) {
        return Err(AppError::Forbidden);
    }
    let label = match owner {
        Some(o) => worker_name(app, caller.org, o).await?,
        None => "-".to_string(),
    };
    let agent = author(caller).filter(|_| caller.role == Role::Agent);
    Ok(app.store.set_case_owner(caller.org, id, owner, &label, author(caller), agent).await?)
}

/// The name of a member who may work cases (so that a case given to them is one they can see).
async fn worker_name(app: &App, org: OrgId, user: UserId) -> AppResult<String> {
    app.store
        .members(org)
        .await?
        .into_iter()
        .find(|m| m.user_id == user.0 && Role::parse(&m.role).is_some_and(|r| r.allows(Permission::Triage)))
        .map(|m| m.name)
        .ok_or_else(|| AppError::invalid("owner", "is not a member of this organisation who works cases"))
}

/// Escalates every case past its due time that is still open (all organisations): the background job of
/// every node runs this each minute; each case is escalated once, whichever node gets there first.
pub async fn escalate(app: &App) -> AppResult<usize> {
    let done = app.store.escalate_overdue(polku_store::now(), None).await?;
    for (org, case) in &done {
        tracing::info!(%org, %case, "case escalated: past due and still open");
    }
    Ok(done.len())
}

/// Checks every windowed rule ("a kiosk's negative share above 30 % in an hour") against the answers of
/// its window as of `now`, and opens a case for each touchpoint that breaches it and has none from this
/// rule within the window (all organisations): the minute job of every node runs this.
pub async fn check_windows(app: &App, now: time::OffsetDateTime) -> AppResult<usize> {
    let mut opened = 0;
    for (org, r) in app.store.window_rules().await? {
        let RuleCondition::NegativeShare { channel, percent, window_minutes, min_answers } = &r.rule.condition else {
            continue;
        };
        let since = now - time::Duration::minutes(i64::from(*window_minutes));
        for (touchpoint, answers, negative) in app.store.window_counts(org, channel, since).await? {
            if !polku_domain::cases::share_breached(*percent, *min_answers, negative as u64, answers as u64) {
                continue;
            }
            let due = r.rule.due(now, &*app.zone(org).await?);
            let opened_case =
                app.store.open_window_case(org, r.id, &r.rule, channel, &touchpoint, since, now, due).await?;
            if let Some(case) = opened_case {
                tracing::info!(%org, %case, channel, touchpoint, negative, answers, "case opened: negative share over the window");
                opened += 1;
            }
        }
    }
    Ok(opened)
}

/// What became of an action: done at once, or waiting for an admin's approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acted {
    pub id: uuid::Uuid,
    pub pending: bool,
}

/// Records what a member did for the customer. Calls, e-mails, apologies and compensations within the
/// member's own limit just happen; a larger compensation waits for one approval.
pub async fn act(app: &App, caller: &Caller, id: CaseId, action: Action, reason: &str) -> AppResult<Acted> {
    visible(app, caller, id).await?;
    let reason = reason.trim();
    action.validate(reason).map_err(|(field, message)| AppError::invalid(field, message))?;
    let limit = match author(caller) {
        Some(me) => app.store.compensation_limit(caller.org, me).await?,
        None => None,
    };
    let pending = action.needs_approval(limit.as_ref().map(|(a, c)| (*a, c.as_str())));
    let amount = match &action {
        Action::Compensated { amount_cents, currency } => Some((*amount_cents, currency.as_str())),
        _ => None,
    };
    let status = if pending { "pending" } else { "done" };
    let action_id =
        app.store.add_case_action(caller.org, id, action.kind(), amount, reason, status, author(caller)).await?;
    Ok(Acted { id: action_id, pending })
}

/// Compensations waiting for an approval (admins).
pub async fn pending(app: &App, caller: &Caller) -> AppResult<Vec<CaseAction>> {
    caller.require(Permission::Administer)?;
    Ok(app.store.pending_actions(caller.org).await?)
}

/// Approves or rejects a compensation above its author's limit. Admins, and not their own.
pub async fn decide(app: &App, caller: &Caller, action: uuid::Uuid, approve: bool) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    // Only a signed-in admin decides, so that "another person" can be checked (a token has no person).
    let me = author(caller).ok_or(AppError::Forbidden)?;
    let a = app.store.case_action(caller.org, action).await?;
    if a.author_id == Some(me.0) {
        return Err(AppError::Forbidden);
    }
    let audit = Audit {
        actor: &caller.actor,
        action: if approve { "compensation.approve" } else { "compensation.reject" },
        target: format!("action:{action}"),
        detail: serde_json::json!({"amount_cents": a.amount_cents, "currency": a.currency}),
    };
    Ok(app.store.decide_action(caller.org, action, approve, Some(me), &audit).await?)
}

/// Sets how much a member may compensate without asking (admins).
pub async fn set_limit(app: &App, caller: &Caller, user: UserId, amount_cents: i64, currency: &str) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    // Another admin sets one's limit: raising one's own would skip the second approval it exists for.
    if caller.actor.user() == Some(user) {
        return Err(AppError::invalid("user", "your own limit is set by another admin"));
    }
    if !(0..=polku_domain::cases::MAX_COMPENSATION_CENTS).contains(&amount_cents) {
        return Err(AppError::invalid("amount", "must be 0–100000"));
    }
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(AppError::invalid("currency", "must be a three-letter code such as EUR"));
    }
    worker_name(app, caller.org, user).await?;
    let audit = Audit {
        actor: &caller.actor,
        action: "member.compensation_limit",
        target: format!("user:{user}"),
        detail: serde_json::json!({"amount_cents": amount_cents, "currency": currency}),
    };
    Ok(app.store.set_compensation_limit(caller.org, user, amount_cents, currency, &audit).await?)
}

/// A team with its members (user id, name).
pub type Team = (polku_domain::TeamId, String, Vec<(uuid::Uuid, String)>);

pub async fn teams(app: &App, caller: &Caller) -> AppResult<Vec<Team>> {
    caller.require(Permission::Triage)?;
    Ok(app.store.teams(caller.org).await?)
}

/// Creates a team (admins); names are 1–100 characters and unique in the organisation.
pub async fn create_team(app: &App, caller: &Caller, name: &str) -> AppResult<polku_domain::TeamId> {
    caller.require(Permission::Administer)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "must be 1–100 characters"));
    }
    match app.store.create_team(caller.org, name).await {
        Err(polku_store::StoreError::Duplicate { .. }) => Err(AppError::invalid("name", "is taken by another team")),
        other => Ok(other?),
    }
}

/// Puts a member who works cases in a team, or takes them out (admins).
pub async fn set_team_member(
    app: &App,
    caller: &Caller,
    team: polku_domain::TeamId,
    user: UserId,
    member: bool,
) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    if !app.store.teams(caller.org).await?.iter().any(|(t, _, _)| *t == team) {
        return Err(AppError::NotFound);
    }
    if member {
        worker_name(app, caller.org, user)
            .await
            .map_err(|_| AppError::invalid("user", "is not a member of this organisation who works cases"))?;
    }
    Ok(app.store.set_team_member(caller.org, team, user, member).await?)
}
