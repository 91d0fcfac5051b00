//! `/api/v1/alert-rules` and `/api/v1/cases`: the rules that turn bad answers into cases, and the cases.

use super::parse_id;
use super::routes::ApiRoutes;
use crate::Web;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiCaller, JsonBody};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use polku_app::AppError;
use polku_app::cases::{self, RuleInput};
use polku_app::store::{CaseFilter, CaseRecord};
use polku_domain::UserId;
use polku_domain::cases::CaseStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::routes;

pub(super) fn router() -> ApiRoutes {
    ApiRoutes::new("cases")
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(deactivate_rule))
        .routes(routes!(list_cases))
        .routes(routes!(get_case))
        .routes(routes!(follow_up_stats))
        .routes(routes!(move_case))
        .routes(routes!(note))
        .routes(routes!(assign))
        .routes(routes!(act))
        .routes(routes!(pending))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(set_limit))
        .routes(routes!(list_teams, create_team))
        .routes(routes!(add_to_team, remove_from_team))
        .routes(routes!(set_touchpoints))
}

const RFC3339: &time::format_description::well_known::Rfc3339 = &time::format_description::well_known::Rfc3339;

#[derive(Serialize, ToSchema)]
pub(super) struct RuleOut {
    pub id: String,
    pub name: String,
    /// `{"type": "score_at_most", "kind": "nps", "max": 6}`, `{"type": "negative_theme", "theme": "delivery"}`
    /// or `{"type": "negative_text"}`.
    #[schema(value_type = Object)]
    pub condition: polku_domain::cases::RuleCondition,
    pub sla_hours: u32,
    pub owner: Option<String>,
    /// Who hears of its cases still open past due.
    pub lead: Option<String>,
    /// The team whose agents see and work its cases.
    pub team: Option<String>,
    /// Days after resolving that the customer is asked the same question again; null: no follow-up.
    pub follow_up_days: Option<u32>,
    /// The hours the time limit counts, in the organisation's time zone; null: every hour.
    pub business_hours: Option<BusinessHoursOut>,
    pub active: bool,
}

/// Open weekdays (1 = Monday … 7 = Sunday) and the opening and closing time (`HH:MM`, the same day).
#[derive(Serialize, ToSchema)]
pub(super) struct BusinessHoursOut {
    pub days: Vec<u8>,
    pub opens: String,
    pub closes: String,
}

/// The organisation's alert rules, switched-off ones included.
#[utoipa::path(get, path = "/api/v1/alert-rules", security(("token" = [])), responses((status = 200, body = Vec<RuleOut>)))]
pub(super) async fn list_rules(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<RuleOut>>, ApiError> {
    let rules = cases::rules(&web.app, &caller).await?;
    Ok(Json(
        rules
            .into_iter()
            .map(|r| RuleOut {
                id: r.id.to_string(),
                name: r.rule.name,
                condition: r.rule.condition,
                sla_hours: r.rule.sla_hours,
                owner: r.rule.owner.map(|o| o.to_string()),
                lead: r.rule.lead.map(|o| o.to_string()),
                team: r.rule.team.map(|o| o.to_string()),
                follow_up_days: r.rule.follow_up_days,
                business_hours: r.rule.business_hours.map(|b| BusinessHoursOut {
                    days: b.days,
                    opens: b.opens,
                    closes: b.closes,
                }),
                active: r.active,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub(super) struct Created {
    pub id: String,
}

/// Adds a rule (admins): `{"name", "condition", "sla_hours", "owner"?, "lead"?, "team"?, "follow_up_days"?,
/// "business_hours"?: {"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "16:00"}}`. Every answer stored
/// from now on that matches it becomes a case, due `sla_hours` later — counting only open hours when
/// business hours are given.
#[utoipa::path(post, path = "/api/v1/alert-rules", security(("token" = [])), request_body = RuleIn,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_rule(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<RuleInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = cases::create_rule(&web.app, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })))
}

/// Switches a rule off (admins); its cases stay.
#[utoipa::path(delete, path = "/api/v1/alert-rules/{id}", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn deactivate_rule(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    cases::deactivate_rule(&web.app, &caller, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseOut {
    pub id: String,
    pub rule_id: String,
    pub rule: String,
    pub response_id: String,
    /// new, in_progress, waiting_for_customer, resolved or closed.
    pub status: String,
    pub owner: Option<String>,
    pub owner_name: Option<String>,
    /// RFC 3339.
    pub due_at: String,
    pub overdue: bool,
    pub created_at: String,
    pub customer: Option<String>,
    /// When it was escalated for being past due and still open; null if not.
    pub escalated_at: Option<String>,
    pub team: Option<String>,
    pub team_name: Option<String>,
}

impl From<CaseRecord> for CaseOut {
    fn from(c: CaseRecord) -> Self {
        let open = CaseStatus::parse(&c.status).is_some_and(CaseStatus::is_open);
        CaseOut {
            id: c.id.to_string(),
            rule_id: c.rule_id.to_string(),
            rule: c.rule_name,
            response_id: c.response_id.to_string(),
            overdue: open && c.due_at < polku_app::store::now(),
            status: c.status,
            owner: c.owner_id.map(|o| o.to_string()),
            owner_name: c.owner_name,
            due_at: c.due_at.format(RFC3339).unwrap_or_default(),
            created_at: c.created_at.format(RFC3339).unwrap_or_default(),
            customer: c.customer_ref,
            escalated_at: c.escalated_at.and_then(|t| t.format(RFC3339).ok()),
            team: c.team_id.map(|t| t.to_string()),
            team_name: c.team_name,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CaseParams {
    status: Option<String>,
    open: Option<String>,
}

/// Cases, open ones first by due time: all of them for analysts and admins, an agent's own and unowned ones
/// for agents. Filters: `status`, `open=true`.
#[utoipa::path(get, path = "/api/v1/cases", security(("token" = [])),
    params(("status" = Option<String>, Query), ("open" = Option<bool>, Query)),
    responses((status = 200, body = Vec<CaseOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_cases(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<CaseOut>>, ApiError> {
    let p: CaseParams = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("query", e.to_string()))?;
    let status = p
        .status
        .filter(|s| !s.is_empty())
        .map(|s| CaseStatus::parse(&s).ok_or_else(|| AppError::invalid("status", "is not a case status")))
        .transpose()?;
    let open = match p.open.as_deref() {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(AppError::invalid("open", "must be true or false").into()),
    };
    let list = cases::cases(&web.app, &caller, CaseFilter { status, open, ..CaseFilter::default() }).await?;
    Ok(Json(list.into_iter().map(CaseOut::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseEventOut {
    pub kind: String,
    pub body: String,
    pub author: Option<String>,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct CaseDetailOut {
    pub case: CaseOut,
    pub events: Vec<CaseEventOut>,
    /// The response's open answers.
    pub comments: Vec<super::comments::CommentOut>,
    /// What was done for the customer.
    pub actions: Vec<ActionOut>,
    /// The same customer's other open answers, newest first (at most 20).
    pub customer_comments: Vec<super::comments::CommentOut>,
    /// The re-survey made when the case was resolved (if its rule asks for one).
    pub follow_up: Option<FollowUpOut>,
}

/// A resolved case's follow-up: the customer is asked the same question again after the rule's days.
#[derive(Serialize, ToSchema)]
pub(super) struct FollowUpOut {
    /// `scheduled` (before its day), `due` (its day has come and it was not e-mailed — no address, no SMTP
    /// server yet, or the case was reopened: hand the link over), `sent` (e-mailed) or `answered`.
    pub status: String,
    pub due_at: String,
    /// Where the invitation is e-mailed; null: hand the link over instead.
    pub email: Option<String>,
    /// The customer's page.
    pub link: String,
    /// `nps`, `csat` or `ces`, the first score and the new one.
    pub kind: String,
    pub original_score: Option<i64>,
    pub score: Option<i64>,
    pub comment: Option<String>,
    pub answered_at: Option<String>,
}

pub(super) fn follow_up_out(app: &polku_app::App, f: polku_app::store::FollowUpRecord) -> FollowUpOut {
    let status = match (f.answered_at, f.sent_at) {
        (Some(_), _) => "answered",
        (None, Some(_)) => "sent",
        (None, None) if f.due_at <= polku_app::store::now() => "due",
        (None, None) => "scheduled",
    };
    FollowUpOut {
        status: status.into(),
        due_at: f.due_at.format(RFC3339).unwrap_or_default(),
        link: polku_app::followups::link(app, &f.token),
        email: f.email,
        kind: f.kind,
        original_score: f.original_score,
        score: f.score,
        comment: f.comment,
        answered_at: f.answered_at.and_then(|t| t.format(RFC3339).ok()),
    }
}

#[derive(Serialize, ToSchema)]
pub(super) struct ActionOut {
    pub id: String,
    pub case_id: String,
    /// called, emailed, apologised or compensated.
    pub kind: String,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    pub reason: String,
    /// done, pending (waits for an admin's approval), approved or rejected.
    pub status: String,
    pub author: Option<String>,
    pub approver: Option<String>,
    pub at: String,
}

impl From<polku_app::store::CaseAction> for ActionOut {
    fn from(a: polku_app::store::CaseAction) -> Self {
        ActionOut {
            id: a.id.to_string(),
            case_id: a.case_id.to_string(),
            kind: a.kind,
            amount_cents: a.amount_cents,
            currency: a.currency,
            reason: a.reason,
            status: a.status,
            author: a.author,
            approver: a.approver,
            at: a.created_at.format(RFC3339).unwrap_or_default(),
        }
    }
}

/// One case with its history and the answers behind it.
#[utoipa::path(get, path = "/api/v1/cases/{id}", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CaseDetailOut), (status = 404, body = ErrorBody)))]
pub(super) async fn get_case(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CaseDetailOut>, ApiError> {
    let d = cases::case(&web.app, &caller, parse_id(&id)?).await?;
    Ok(Json(CaseDetailOut {
        case: d.case.into(),
        events: d
            .events
            .into_iter()
            .map(|e| CaseEventOut {
                kind: e.kind,
                body: e.body,
                author: e.author,
                at: e.created_at.format(RFC3339).unwrap_or_default(),
            })
            .collect(),
        comments: d.comments.into_iter().map(Into::into).collect(),
        actions: d.actions.into_iter().map(Into::into).collect(),
        customer_comments: d.customer_comments.into_iter().map(Into::into).collect(),
        follow_up: d.follow_up.map(|f| follow_up_out(&web.app, f)),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MoveInput {
    pub status: String,
    #[serde(default)]
    pub note: Option<String>,
    /// When resolving: where the rule's follow-up goes (default: the customer reference, if it is an
    /// e-mail address; without one the follow-up's link is shown on the case to hand over).
    #[serde(default)]
    pub follow_up_email: Option<String>,
}

/// Moves a case on; 422 for a move its status does not allow, 409 if it changed meanwhile.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", security(("token" = [])), params(("id" = String, Path)), request_body = MoveInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn move_case(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<MoveInput>,
) -> Result<StatusCode, ApiError> {
    cases::move_case(
        &web.app,
        &caller,
        parse_id(&id)?,
        &input.status,
        input.note.as_deref(),
        input.follow_up_email.as_deref(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Writes a note on a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", security(("token" = [])), params(("id" = String, Path)), request_body = super::comments::NoteInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn note(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<super::comments::NoteInput>,
) -> Result<StatusCode, ApiError> {
    cases::note(&web.app, &caller, parse_id(&id)?, &input.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct OwnerInput {
    /// A member's user id, or null for nobody.
    #[schema(value_type = Option<String>)]
    pub owner: Option<UserId>,
}

/// Gives a case to a member (or to nobody).
#[utoipa::path(put, path = "/api/v1/cases/{id}/owner", security(("token" = [])), params(("id" = String, Path)), request_body = OwnerInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn assign(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<OwnerInput>,
) -> Result<StatusCode, ApiError> {
    cases::assign(&web.app, &caller, parse_id(&id)?, input.owner).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A frontline action: `called`, `emailed`, `apologised`, or `compensated` with an amount and currency.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ActionInput {
    #[schema(pattern = "^(called|emailed|apologised|compensated)$")]
    pub kind: String,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub amount_cents: Option<i64>,
    #[serde(default)]
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
}

impl ActionInput {
    fn action(&self) -> Result<polku_domain::cases::Action, AppError> {
        use polku_domain::cases::Action;
        Ok(match self.kind.as_str() {
            "called" => Action::Called,
            "emailed" => Action::Emailed,
            "apologised" => Action::Apologised,
            "compensated" => Action::Compensated {
                amount_cents: self
                    .amount_cents
                    .ok_or_else(|| AppError::invalid("amount_cents", "is needed for a compensation"))?,
                currency: self
                    .currency
                    .clone()
                    .ok_or_else(|| AppError::invalid("currency", "is needed for a compensation"))?,
            },
            _ => return Err(AppError::invalid("kind", "must be called, emailed, apologised or compensated")),
        })
    }
}

#[derive(Serialize, ToSchema)]
pub(super) struct ActedOut {
    pub id: String,
    /// True when the compensation is above the member's limit and waits for an admin's approval.
    pub pending: bool,
}

/// Records what was done for the customer: `{"kind": "called" | "emailed" | "apologised"}` or
/// `{"kind": "compensated", "amount_cents": 2000, "currency": "EUR", "reason": "…"}`. Within the member's
/// compensation limit it just happens; above it, it waits for one approval.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", security(("token" = [])), params(("id" = String, Path)), request_body = ActionInput,
    responses((status = 201, body = ActedOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn act(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ActionInput>,
) -> Result<(StatusCode, Json<ActedOut>), ApiError> {
    let acted = cases::act(&web.app, &caller, parse_id(&id)?, input.action()?, &input.reason).await?;
    Ok((StatusCode::CREATED, Json(ActedOut { id: acted.id.to_string(), pending: acted.pending })))
}

/// Compensations waiting for an approval (admins).
#[utoipa::path(get, path = "/api/v1/case-actions/pending", security(("token" = [])),
    responses((status = 200, body = Vec<ActionOut>), (status = 403, body = ErrorBody)))]
pub(super) async fn pending(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ActionOut>>, ApiError> {
    Ok(Json(cases::pending(&web.app, &caller).await?.into_iter().map(Into::into).collect()))
}

/// Approves a pending compensation (admins, not their own).
#[utoipa::path(post, path = "/api/v1/case-actions/{id}/approve", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn approve(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    cases::decide(&web.app, &caller, parse_id(&id)?, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rejects a pending compensation (admins, not their own).
#[utoipa::path(post, path = "/api/v1/case-actions/{id}/reject", security(("token" = [])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn reject(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    cases::decide(&web.app, &caller, parse_id(&id)?, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LimitInput {
    #[schema(minimum = 0)]
    pub amount_cents: i64,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
}

/// Sets how much a member may compensate without asking (admins).
#[utoipa::path(put, path = "/api/v1/members/{id}/compensation-limit", security(("token" = [])), params(("id" = String, Path, description = "user id")),
    request_body = LimitInput, responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_limit(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<LimitInput>,
) -> Result<StatusCode, ApiError> {
    cases::set_limit(&web.app, &caller, parse_id(&id)?, input.amount_cents, &input.currency).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub(super) struct TeamOut {
    pub id: String,
    pub name: String,
    /// User ids of its members.
    pub members: Vec<String>,
    /// The touchpoints it serves (its praise).
    pub touchpoints: Vec<String>,
}

/// The organisation's teams with their members.
#[utoipa::path(get, path = "/api/v1/teams", security(("token" = [])), responses((status = 200, body = Vec<TeamOut>)))]
pub(super) async fn list_teams(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<TeamOut>>, ApiError> {
    let teams = cases::teams(&web.app, &caller).await?;
    let touchpoints = polku_app::praise::team_touchpoints(&web.app, &caller).await?;
    Ok(Json(
        teams
            .into_iter()
            .map(|(id, name, m)| TeamOut {
                id: id.to_string(),
                name,
                members: m.into_iter().map(|(u, _)| u.to_string()).collect(),
                touchpoints: touchpoints.iter().filter(|(t, _)| *t == id.0).map(|(_, tp)| tp.clone()).collect(),
            })
            .collect(),
    ))
}

/// Sets the touchpoints a team serves (admins): a JSON list such as `["arrival", "work-quality"]`.
#[utoipa::path(put, path = "/api/v1/teams/{id}/touchpoints", security(("token" = [])), params(("id" = String, Path)),
    request_body = Vec<String>,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn set_touchpoints(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    JsonBody(list): JsonBody<Vec<String>>,
) -> Result<StatusCode, ApiError> {
    polku_app::praise::set_team_touchpoints(&web.app, &caller, parse_id(&id)?, &list).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TeamInput {
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\x00-\\x1f]*[^\\s\\x00-\\x1f][^\\x00-\\x1f]*$")]
    pub name: String,
}

/// Creates a team (admins).
#[utoipa::path(post, path = "/api/v1/teams", security(("token" = [])), request_body = TeamInput,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create_team(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    JsonBody(input): JsonBody<TeamInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = cases::create_team(&web.app, &caller, &input.name).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })))
}

/// Puts a member who works cases in a team (admins).
#[utoipa::path(put, path = "/api/v1/teams/{id}/members/{user}", security(("token" = [])), params(("id" = String, Path), ("user" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn add_to_team(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    cases::set_team_member(&web.app, &caller, parse_id(&id)?, parse_id(&user)?, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a member out of a team (admins).
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user}", security(("token" = [])), params(("id" = String, Path), ("user" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn remove_from_team(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    cases::set_team_member(&web.app, &caller, parse_id(&id)?, parse_id(&user)?, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct FollowUpQuery {
    from: Option<String>,
    to: Option<String>,
    group: Option<String>,
}

/// Follow-ups of one group and how they turned out.
#[derive(Serialize, ToSchema)]
pub(super) struct RatesOut {
    /// Team name (`""`: no team), rule name or month `YYYY-MM`; `null` for the total.
    pub key: Option<String>,
    pub follow_ups: u64,
    pub answered: u64,
    /// Answered with NPS ≥ 7 (CSAT ≥ 4, CES ≥ 5).
    pub recovered: u64,
    /// Answering customers who were NPS detractors (0–6), and how many now gave 9–10.
    pub detractors: u64,
    pub converted: u64,
    /// Percentages; null when there is nothing to divide by. Intervals: Wilson 95 %.
    pub response_rate: Option<f64>,
    pub recovery_rate: Option<f64>,
    pub recovery_ci95: Option<[f64; 2]>,
    pub conversion_rate: Option<f64>,
    pub conversion_ci95: Option<[f64; 2]>,
}

fn rates_out(key: Option<String>, r: &polku_domain::followup::Rates) -> RatesOut {
    RatesOut {
        key,
        follow_ups: r.follow_ups,
        answered: r.answered,
        recovered: r.recovered,
        detractors: r.detractors,
        converted: r.converted,
        response_rate: r.response_rate(),
        recovery_rate: r.recovery_rate().map(|(v, _)| v),
        recovery_ci95: r.recovery_rate().map(|(_, (lo, hi))| [lo, hi]),
        conversion_rate: r.conversion_rate().map(|(v, _)| v),
        conversion_ci95: r.conversion_rate().map(|(_, (lo, hi))| [lo, hi]),
    }
}

#[derive(Serialize, ToSchema)]
pub(super) struct FollowUpStatsOut {
    /// Inclusive days the follow-ups were made (cases resolved).
    pub from: String,
    pub to: String,
    pub all: RatesOut,
    pub groups: Vec<RatesOut>,
}

/// Recovery rate (re-score ≥ 7) and detractor-conversion rate (a detractor's re-score 9–10) of follow-ups
/// made in a period (default: the last 90 days), per team, rule or month.
#[utoipa::path(get, path = "/api/v1/follow-ups/stats", security(("token" = [])),
    params(("group" = Option<String>, Query, description = "team (default), rule or month"),
        ("from" = Option<String>, Query, description = "first day, YYYY-MM-DD"), ("to" = Option<String>, Query, description = "last day, YYYY-MM-DD")),
    responses((status = 200, body = FollowUpStatsOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn follow_up_stats(
    State(web): State<Web>,
    ApiCaller(caller): ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<FollowUpStatsOut>, ApiError> {
    let q: FollowUpQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::invalid("query", e.to_string()))?;
    let today = web.app.today(caller.org).await?;
    let s =
        polku_app::followups::stats(&web.app, &caller, q.from.as_deref(), q.to.as_deref(), q.group.as_deref(), today)
            .await?;
    Ok(Json(FollowUpStatsOut {
        from: s.from.to_string(),
        to: s.to.to_string(),
        all: rates_out(None, &s.all),
        groups: s.groups.iter().map(|(k, r)| rates_out(Some(k.clone()), r)).collect(),
    }))
}

// Schema-only mirrors of `cases::RuleInput` for the OpenAPI document (never built).

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct RuleIn {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub condition: ConditionIn,
    /// Hours from the answer to the case's due time (counted in business hours when they are given).
    #[schema(minimum = 1, maximum = 720)]
    pub sla_hours: u32,
    /// A member who works cases.
    #[schema(nullable = false, value_type = Option<String>, format = Uuid)]
    pub owner: Option<String>,
    /// Who hears of its cases still open past due.
    #[schema(nullable = false, value_type = Option<String>, format = Uuid)]
    pub lead: Option<String>,
    #[schema(nullable = false, value_type = Option<String>, format = Uuid)]
    pub team: Option<String>,
    #[schema(nullable = false, minimum = 0, maximum = 90)]
    pub follow_up_days: Option<u32>,
    #[schema(nullable = false)]
    pub business_hours: Option<BusinessHoursIn>,
}

/// What makes an answer a case.
#[derive(ToSchema, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(dead_code)]
pub(super) enum ConditionIn {
    /// A score at most `max` on a scale question of `kind` (`nps` 0–10, `csat` 1–5, `ces` 1–7).
    ScoreAtMost {
        #[schema(pattern = "^(nps|csat|ces)$")]
        kind: String,
        #[schema(minimum = 0, maximum = 10)]
        max: i16,
    },
    /// Negative text about `theme` (a theme key of the taxonomy).
    NegativeTheme { theme: String },
    /// Any negative text.
    NegativeText,
    /// More than `percent` % negative answers on `channel` at one touchpoint in the last `window_minutes`.
    NegativeShare {
        #[schema(pattern = "^[a-z0-9_.-]{1,40}$")]
        channel: String,
        #[schema(minimum = 1, maximum = 100)]
        percent: u8,
        #[schema(minimum = 5, maximum = 1440)]
        window_minutes: u32,
        #[schema(minimum = 1, maximum = 10000)]
        min_answers: u32,
    },
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub(super) struct BusinessHoursIn {
    /// ISO weekdays, 1 (Monday) to 7 (Sunday), each once.
    #[schema(min_items = 1, max_items = 7, value_type = Vec<u8>)]
    pub days: Vec<u8>,
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub opens: String,
    #[schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
    pub closes: String,
}
