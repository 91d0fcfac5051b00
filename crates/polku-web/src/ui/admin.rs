//! Administration pages: API tokens (created, shown once, revoked) and the audit log.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, IdPath, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::store::{AuditEntry, Member, TokenRecord};
use polku_app::{AppError, members, orgs};
use polku_domain::role::Role;
use polku_domain::{Locale, TeamId, UserId};
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/settings/tokens", get(tokens).post(create_token))
        .route("/settings/tokens/{id}/revoke", post(revoke))
        .route("/settings/audit", get(audit))
        .route("/settings/members", get(members).post(invite))
        .route("/settings/members/{id}/role", post(set_role))
        .route("/settings/members/{id}/remove", post(remove_member))
        .route("/settings/members/{id}/transfer", post(transfer))
        .route("/settings/two-factor", post(require_two_factor))
        .route("/settings/members/{id}/limit", post(set_limit))
        .route("/settings/teams", post(create_team))
        .route("/settings/teams/{id}/members", post(add_to_team))
        .route("/settings/teams/{id}/members/{user}/remove", post(remove_from_team))
        .route("/settings/teams/{id}/touchpoints", post(team_touchpoints))
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: Chrome,
    t: T,
    tokens: Vec<TokenRecord>,
    new_secret: String,
    roles: Vec<&'static str>,
    error: String,
}

impl TokensPage {
    fn date(&self, t: &time::OffsetDateTime) -> String {
        t.date().to_string()
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    t: T,
    entries: Vec<AuditEntry>,
}

impl AuditPage {
    fn when(&self, e: &AuditEntry) -> String {
        self.t.date_time_seconds(&e.at)
    }
}

const TOKEN_ROLES: [Role; 4] = [Role::Agent, Role::Viewer, Role::Analyst, Role::Admin];

async fn tokens_page(web: &Web, s: &UiSession, new_secret: String, error: String) -> Result<Response, PageError> {
    let tokens = orgs::tokens(&web.app, &s.caller).await.map_err(fail(s))?;
    Ok(page(&TokensPage {
        c: Chrome::new(s, "tokens"),
        t: s.t,
        tokens,
        new_secret,
        roles: TOKEN_ROLES.iter().map(|r| r.as_str()).collect(),
        error,
    }))
}

async fn tokens(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    tokens_page(&web, &s, String::new(), String::new()).await
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    role: Option<Role>,
}

async fn create_token(State(web): State<Web>, CsrfForm(s, form): CsrfForm<TokenForm>) -> Result<Response, PageError> {
    let result = match form.role {
        Some(role) => orgs::create_token_as(&web.app, &s.caller, &form.name, role).await,
        None => Err(AppError::invalid("role", "choose a role")),
    };
    match result {
        // The secret is shown in this one response and never again.
        Ok((_, secret)) => tokens_page(&web, &s, secret, String::new()).await,
        Err(AppError::Invalid(v)) => tokens_page(&web, &s, String::new(), v.to_string()).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn revoke(
    State(web): State<Web>,
    IdPath(id): IdPath<polku_domain::TokenId>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    orgs::revoke_token(&web.app, &s.caller, id).await.map_err(fail(&s))?;
    Ok(Redirect::to("/settings/tokens").into_response())
}

async fn audit(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    let entries = orgs::audit_log(&web.app, &s.caller).await.map_err(fail(&s))?;
    Ok(page(&AuditPage { c: Chrome::new(&s, "audit"), t: s.t, entries }))
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    c: Chrome,
    t: T,
    members: Vec<Member>,
    /// Roles the caller may invite with: (value, label).
    roles: Vec<(&'static str, String)>,
    error: String,
    added: String,
    me: uuid::Uuid,
    role: Role,
    require_two_factor: bool,
    /// Compensation limits by user: (cents, currency).
    limits: Vec<(uuid::Uuid, i64, String)>,
    teams: Vec<polku_app::cases::Team>,
    /// (team, touchpoint) pairs: what each team serves (its praise).
    touchpoints: Vec<(uuid::Uuid, String)>,
}

impl MembersPage {
    fn role_of(m: &Member) -> Option<Role> {
        Role::parse(&m.role)
    }
    fn role_label(&self, m: &Member) -> String {
        Self::role_of(m).map_or_else(|| m.role.clone(), |r| super::account::role_label(self.t, r))
    }
    /// The roles this member may be given by the caller (empty: the caller cannot change it).
    fn assignable(&self, m: &Member) -> Vec<(&'static str, String)> {
        let from = Self::role_of(m);
        if m.user_id == self.me {
            return Vec::new();
        }
        Role::ALL
            .iter()
            .filter(|r| polku_domain::access::may_assign(self.role, from, **r))
            .map(|r| (r.as_str(), super::account::role_label(self.t, *r)))
            .collect()
    }
    fn removable(&self, m: &Member) -> bool {
        Self::role_of(m).is_some_and(|r| polku_domain::access::may_remove(self.role, r, m.user_id == self.me))
    }
    fn transferable(&self, m: &Member) -> bool {
        self.role == Role::Owner && m.user_id != self.me
    }
    fn touchpoints_of(&self, team: &TeamId) -> String {
        self.touchpoints.iter().filter(|(t, _)| *t == team.0).map(|(_, tp)| tp.as_str()).collect::<Vec<_>>().join(", ")
    }
    fn limit(&self, m: &Member) -> String {
        self.limits
            .iter()
            .find(|(u, _, _)| *u == m.user_id)
            .map_or_else(String::new, |(_, c, _)| format!("{}.{:02}", c / 100, c % 100))
    }
    fn currency(&self, m: &Member) -> String {
        self.limits.iter().find(|(u, _, _)| *u == m.user_id).map_or_else(|| "EUR".into(), |(_, _, cur)| cur.clone())
    }
}

async fn members_page(web: &Web, s: &UiSession, error: String, added: String) -> Result<Response, PageError> {
    let members = orgs::members(&web.app, &s.caller).await.map_err(fail(s))?;
    let roles = Role::ALL
        .iter()
        .filter(|r| polku_domain::access::may_assign(s.caller.role, None, **r))
        .map(|r| (r.as_str(), super::account::role_label(s.t, *r)))
        .collect();
    let limits = web.app.store.compensation_limits(s.caller.org).await.map_err(|e| fail(s)(e.into()))?;
    let teams = polku_app::cases::teams(&web.app, &s.caller).await.map_err(fail(s))?;
    let touchpoints = polku_app::praise::team_touchpoints(&web.app, &s.caller).await.map_err(fail(s))?;
    Ok(page(&MembersPage {
        c: Chrome::new(s, "members"),
        t: s.t,
        members,
        roles,
        error,
        added,
        me: s.info.user.0,
        role: s.caller.role,
        require_two_factor: web.app.store.requires_two_factor(s.caller.org).await.map_err(|e| fail(s)(e.into()))?,
        limits,
        teams,
        touchpoints,
    }))
}

async fn members(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    members_page(&web, &s, String::new(), String::new()).await
}

#[derive(Deserialize)]
struct InviteForm {
    email: String,
    role: Role,
    locale: Locale,
}

async fn invite(State(web): State<Web>, CsrfForm(s, form): CsrfForm<InviteForm>) -> Result<Response, PageError> {
    match members::invite(&web.app, &s.caller, &form.email, form.role, form.locale).await {
        Ok(()) => members_page(&web, &s, String::new(), form.email.trim().to_lowercase()).await,
        Err(e @ AppError::Invalid(_)) => members_page(&web, &s, e.to_string(), String::new()).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

#[derive(Deserialize)]
struct RoleForm {
    role: Role,
}

async fn set_role(
    State(web): State<Web>,
    IdPath(user): IdPath<UserId>,
    CsrfForm(s, form): CsrfForm<RoleForm>,
) -> Result<Response, PageError> {
    let result = members::set_role(&web.app, &s.caller, user, form.role).await;
    member_result(&web, &s, result, "/settings/members").await
}

async fn remove_member(
    State(web): State<Web>,
    IdPath(user): IdPath<UserId>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    let own = s.info.user == user;
    let result = members::remove(&web.app, &s.caller, user).await;
    // Leaving ends this membership: the session has no organisation left to show here.
    member_result(&web, &s, result, if own { "/login" } else { "/settings/members" }).await
}

async fn transfer(
    State(web): State<Web>,
    IdPath(user): IdPath<UserId>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    let result = members::transfer_ownership(&web.app, &s.caller, user).await;
    member_result(&web, &s, result, "/settings/members").await
}

#[derive(Deserialize)]
struct RequireForm {
    #[serde(default)]
    required: Option<String>,
}

async fn require_two_factor(
    State(web): State<Web>,
    CsrfForm(s, form): CsrfForm<RequireForm>,
) -> Result<Response, PageError> {
    let result = polku_app::two_factor::require(&web.app, &s.caller, form.required.is_some()).await;
    member_result(&web, &s, result, "/settings/members#two-factor").await
}

async fn member_result(
    web: &Web,
    s: &UiSession,
    result: Result<(), AppError>,
    to: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(to).into_response()),
        Err(e @ AppError::Invalid(_)) => members_page(web, s, e.to_string(), String::new()).await,
        Err(e) => Err(fail(s)(e)),
    }
}

/// A compensation limit; the amount is text so that "49,90" and "49.90" are both read as meant.
#[derive(Deserialize)]
struct LimitForm {
    amount: String,
    currency: Option<String>,
}

async fn set_limit(
    State(web): State<Web>,
    IdPath(user): IdPath<UserId>,
    CsrfForm(s, form): CsrfForm<LimitForm>,
) -> Result<Response, PageError> {
    let result = match polku_domain::cases::parse_amount(&form.amount) {
        Some(cents) => {
            let currency = form.currency.as_deref().unwrap_or("EUR").trim().to_uppercase();
            polku_app::cases::set_limit(&web.app, &s.caller, user, cents, &currency).await
        }
        None => Err(AppError::invalid("amount", "must be an amount such as 50 or 49.90")),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/settings/members").into_response()),
        Err(e @ AppError::Invalid(_)) => members_page(&web, &s, e.to_string(), String::new()).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn members_result(web: &Web, s: &UiSession, result: Result<(), AppError>) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to("/settings/members#teams").into_response()),
        Err(e @ AppError::Invalid(_)) => members_page(web, s, e.to_string(), String::new()).await,
        Err(e) => Err(fail(s)(e)),
    }
}

#[derive(Deserialize)]
struct TeamForm {
    name: String,
}

async fn create_team(State(web): State<Web>, CsrfForm(s, form): CsrfForm<TeamForm>) -> Result<Response, PageError> {
    let result = polku_app::cases::create_team(&web.app, &s.caller, &form.name).await.map(|_| ());
    members_result(&web, &s, result).await
}

#[derive(Deserialize)]
struct TeamMemberForm {
    user: Option<UserId>,
}

async fn add_to_team(
    State(web): State<Web>,
    IdPath(team): IdPath<TeamId>,
    CsrfForm(s, form): CsrfForm<TeamMemberForm>,
) -> Result<Response, PageError> {
    let result = match form.user {
        Some(user) => polku_app::cases::set_team_member(&web.app, &s.caller, team, user, true).await,
        None => Err(AppError::invalid("user", "choose a member")),
    };
    members_result(&web, &s, result).await
}

async fn remove_from_team(
    State(web): State<Web>,
    IdPath((team, user)): IdPath<(TeamId, UserId)>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    let result = polku_app::cases::set_team_member(&web.app, &s.caller, team, user, false).await;
    members_result(&web, &s, result).await
}

/// The touchpoints a team serves, comma-separated.
#[derive(Deserialize)]
struct TouchpointsForm {
    touchpoints: String,
}

async fn team_touchpoints(
    State(web): State<Web>,
    IdPath(team): IdPath<TeamId>,
    CsrfForm(s, form): CsrfForm<TouchpointsForm>,
) -> Result<Response, PageError> {
    let list: Vec<String> = form.touchpoints.split(',').map(str::to_string).collect();
    let result = polku_app::praise::set_team_touchpoints(&web.app, &s.caller, team, &list).await;
    members_result(&web, &s, result).await
}
