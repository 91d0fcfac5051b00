//! Alert rules, and the cases they made: listing, reading, moving a case along, notes and owners. Cases are
//! created by `insert_responses`, in the response's transaction.
//!
//! Status moves are compare-and-set (`WHERE status = from`), so of two people moving one case only one
//! wins; every move, note, owner change and action is a `case_events` row in the same transaction. An
//! agent's scope is one predicate (`push_agent_scope`) used by lists and by agents' writes alike.
//! `escalate_overdue` marks open cases past due with one `UPDATE … WHERE escalated_at IS NULL … RETURNING`,
//! writes an `escalated` event naming the rule's lead and queues the notifications, in one transaction: each
//! case is escalated exactly once whichever node runs it, and nothing is lost across restarts.
//! Windowed rules: `window_counts` counts per touchpoint a channel's scored responses in the window and the
//! negative ones (index `responses_channel_time`, migration 0018); `open_window_case` opens one case on the
//! newest negative answer, with its notifications, in one statement that declines when the rule made a
//! case at that touchpoint within the window; the unique `(response_id, rule_id)` index keeps two nodes
//! from opening two. Compensation decisions are compare-and-set on `status = 'pending'`.

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db};
use polku_domain::cases::{CaseStatus, Rule, RuleCondition};
use polku_domain::{CaseId, OrgId, ResponseId, RuleId, TeamId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A rule as listed.
#[derive(Clone, Debug)]
pub struct RuleRecord {
    pub id: RuleId,
    pub rule: Rule,
    pub active: bool,
    pub created_at: OffsetDateTime,
}

/// A case with what a list shows of it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRecord {
    pub id: Uuid,
    pub rule_id: Uuid,
    pub rule_name: String,
    pub response_id: Uuid,
    pub status: String,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The response's customer, if it named one.
    pub customer_ref: Option<String>,
    /// When the case was escalated for being past due (none: not escalated).
    pub escalated_at: Option<OffsetDateTime>,
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
}

/// One thing that happened to a case.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseEvent {
    /// `status`, `note` or `owner`.
    pub kind: String,
    pub body: String,
    pub author: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Which cases to list.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    /// Open cases only (new, in progress, waiting).
    pub open: bool,
    /// Only the cases this agent may see (see `push_agent_scope`).
    pub agent: Option<UserId>,
}

/// Something done for the customer on a case.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseAction {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    pub reason: String,
    /// `done`, `pending` (waits for an approval), `approved` or `rejected`.
    pub status: String,
    pub author_id: Option<Uuid>,
    pub author: Option<String>,
    pub approver: Option<String>,
    pub created_at: OffsetDateTime,
}

/// Writes a row of a case's history in the open transaction `$tx`.
macro_rules! case_history {
    ($tx:ident, $org:expr, $case:expr, $kind:expr, $body:expr, $by:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO case_events (id, case_id, org_id, kind, body, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(Uuid::now_v7())
        .bind($case)
        .bind($org.0)
        .bind($kind)
        .bind($body)
        .bind($by.map(|u: UserId| u.0))
        .bind($at)
        .execute(&mut *$tx)
        .await?
    };
}

pub(crate) use case_history;

const ACTION_COLUMNS: &str = "a.id, a.case_id, a.kind, a.amount_cents, a.currency, a.reason, a.status, a.author_id,
     u.name AS author, v.name AS approver, a.created_at
     FROM case_actions a LEFT JOIN users u ON u.id = a.author_id LEFT JOIN users v ON v.id = a.approver_id";

type RuleRow = (
    Uuid,
    String,
    String,
    i64,
    Option<Uuid>,
    bool,
    OffsetDateTime,
    Option<Uuid>,
    Option<Uuid>,
    Option<i64>,
    Option<String>,
);

const CASE_COLUMNS: &str =
    "c.id, c.rule_id, r.name AS rule_name, c.response_id, c.status, c.owner_id, u.name AS owner_name,
     c.due_at, c.created_at, c.updated_at, p.customer_ref, c.escalated_at, c.team_id, tm.name AS team_name
     FROM cases c JOIN alert_rules r ON r.id = c.rule_id JOIN responses p ON p.id = c.response_id
     LEFT JOIN users u ON u.id = c.owner_id LEFT JOIN teams tm ON tm.id = c.team_id";

/// The cases an agent may see and work (`$agent` bound twice by the caller): their own, their teams', and
/// those of no team that nobody has taken. Written without a table alias, for UPDATEs too.
fn push_agent_scope<DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<DB>, prefix: &str, agent: Uuid)
where
    for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    qb.push(" AND (").push(prefix).push("owner_id = ").push_bind(agent);
    qb.push(" OR ").push(prefix).push("team_id IN (SELECT team_id FROM team_members WHERE user_id = ").push_bind(agent);
    qb.push(" AND team_members.org_id = ").push(prefix).push("org_id");
    qb.push(") OR (").push(prefix).push("team_id IS NULL AND ").push(prefix).push("owner_id IS NULL))");
}

impl Store {
    pub async fn create_rule(&self, org: OrgId, rule: &Rule, audit: &Audit<'_>) -> Result<RuleId> {
        let id = RuleId::new();
        let condition = serde_json::to_string(&rule.condition).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let hours = rule
            .business_hours
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO alert_rules (id, org_id, name, condition, sla_hours, owner_id, active, created_at, lead_id, team_id, follow_up_days, business_hours)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id.0)
            .bind(org.0)
            .bind(rule.name.trim())
            .bind(&condition)
            .bind(i64::from(rule.sla_hours))
            .bind(rule.owner.map(|u| u.0))
            .bind(true)
            .bind(crate::now())
            .bind(rule.lead.map(|u| u.0))
            .bind(rule.team.map(|t| t.0))
            .bind(rule.follow_up_days.map(i64::from))
            .bind(hours)
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, audit)?;
            tx.commit().await
        })?;
        Ok(id)
    }

    /// Every rule of `org`, switched-off ones included, oldest first.
    pub async fn rules(&self, org: OrgId) -> Result<Vec<RuleRecord>> {
        let rows: Vec<RuleRow> = db!(self, p => sqlx::query_as(
            "SELECT id, name, condition, sla_hours, owner_id, active, created_at, lead_id, team_id, follow_up_days, business_hours FROM alert_rules
             WHERE org_id = $1 ORDER BY created_at, id",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(id, name, condition, sla, owner, active, created_at, lead, team, follow_up, hours)| {
                let condition: RuleCondition = serde_json::from_str(&condition)
                    .map_err(|e| StoreError::Corrupt(format!("rule condition: {e}")))?;
                let business_hours = hours
                    .as_deref()
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("rule business hours: {e}")))?;
                Ok(RuleRecord {
                    id: RuleId(id),
                    rule: Rule {
                        name,
                        condition,
                        sla_hours: sla as u32,
                        owner: owner.map(UserId),
                        lead: lead.map(UserId),
                        team: team.map(TeamId),
                        follow_up_days: follow_up.map(|d| d as u32),
                        business_hours,
                    },
                    active,
                    created_at,
                })
            })
            .collect()
    }

    /// Switches a rule off: it makes no more cases; its cases stay.
    pub async fn deactivate_rule(&self, org: OrgId, id: RuleId, audit: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let n = sqlx::query("UPDATE alert_rules SET active = $1 WHERE id = $2 AND org_id = $3")
                .bind(false)
                .bind(id.0)
                .bind(org.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(&mut *tx, org.0, audit)?;
            Ok::<_, StoreError>(tx.commit().await?)
        })?;
        Ok(())
    }

    /// Cases of `org` matching `f`: open ones by due time (most urgent first), then the rest newest first.
    pub async fn cases(&self, org: OrgId, f: &CaseFilter, limit: i64) -> Result<Vec<CaseRecord>> {
        Ok(db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new("SELECT ");
            qb.push(CASE_COLUMNS).push(" WHERE c.org_id = ").push_bind(org.0);
            if let Some(s) = f.status {
                qb.push(" AND c.status = ").push_bind(s.as_str());
            }
            if f.open {
                qb.push(" AND c.status IN ('new', 'in_progress', 'waiting_for_customer')");
            }
            if let Some(a) = f.agent {
                push_agent_scope(&mut qb, "c.", a.0);
            }
            qb.push(
                " ORDER BY CASE WHEN c.status IN ('new', 'in_progress', 'waiting_for_customer') THEN 0 ELSE 1 END,
                  CASE WHEN c.status IN ('new', 'in_progress', 'waiting_for_customer') THEN c.due_at END,
                  c.created_at DESC, c.id LIMIT ",
            )
            .push_bind(limit);
            qb.build_query_as().fetch_all(p).await
        })?)
    }

    /// One case of `org`; with `agent`, only if that agent may see it (else `NotFound`).
    pub async fn case(&self, org: OrgId, id: CaseId, agent: Option<UserId>) -> Result<CaseRecord> {
        Ok(db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new("SELECT ");
            qb.push(CASE_COLUMNS).push(" WHERE c.id = ").push_bind(id.0).push(" AND c.org_id = ").push_bind(org.0);
            if let Some(a) = agent {
                push_agent_scope(&mut qb, "c.", a.0);
            }
            qb.build_query_as().fetch_one(p).await
        })?)
    }

    /// Whether the person `reference` names (their customer id or e-mail address, or the reference on their
    /// answers) has a case in `org` that `agent` may see: how an agent reaches a customer's story.
    pub async fn customer_on_cases_of(&self, org: OrgId, agent: UserId, reference: &str) -> Result<bool> {
        let found: Option<i64> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new(
                "SELECT CAST(1 AS BIGINT) FROM cases c JOIN responses r ON r.id = c.response_id AND r.org_id = c.org_id WHERE c.org_id = ",
            );
            qb.push_bind(org.0).push(" AND (LOWER(r.customer_ref) = LOWER(").push_bind(reference.to_string());
            qb.push(") OR LOWER(r.customer_ref) IN (SELECT LOWER(email) FROM customers WHERE org_id = ").push_bind(org.0);
            qb.push(" AND external_id = ").push_bind(reference.to_string()).push("))");
            push_agent_scope(&mut qb, "c.", agent.0);
            qb.push(" LIMIT 1");
            qb.build_query_scalar().fetch_optional(p).await
        })?;
        Ok(found.is_some())
    }

    /// The history of a case of `org`, oldest first.
    pub async fn case_events(&self, org: OrgId, id: CaseId) -> Result<Vec<CaseEvent>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT e.kind, e.body, u.name AS author, e.created_at FROM case_events e LEFT JOIN users u ON u.id = e.author_id
             WHERE e.case_id = $1 AND e.org_id = $2 ORDER BY e.created_at, e.id",
        )
        .bind(id.0)
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// Moves a case from `from` to `to` (refused with a conflict if it is no longer at `from`, e.g. a
    /// colleague moved it meanwhile), with an optional note, in one transaction. With `agent`, only if the
    /// case is theirs or nobody's, and an unowned case becomes theirs in the same statement.
    #[allow(clippy::too_many_arguments)]
    pub async fn move_case(
        &self,
        org: OrgId,
        id: CaseId,
        from: CaseStatus,
        to: CaseStatus,
        by: Option<UserId>,
        note: Option<&str>,
        agent: Option<UserId>,
        follow_up: Option<&crate::followups::NewFollowUp>,
    ) -> Result<()> {
        let now = crate::now();
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let mut qb = sqlx::QueryBuilder::new("UPDATE cases SET status = ");
            qb.push_bind(to.as_str()).push(", updated_at = ").push_bind(now);
            if let Some(a) = agent {
                qb.push(", owner_id = COALESCE(owner_id, ").push_bind(a.0).push(")");
            }
            qb.push(" WHERE id = ").push_bind(id.0).push(" AND org_id = ").push_bind(org.0);
            qb.push(" AND status = ").push_bind(from.as_str());
            if let Some(a) = agent {
                push_agent_scope(&mut qb, "", a.0);
            }
            let n = qb.build().execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("the case was changed meanwhile".into()));
            }
            let body = format!("{} → {}", from.as_str(), to.as_str());
            for (kind, body) in std::iter::once(("status", body.as_str())).chain(note.map(|n| ("note", n))) {
                case_history!(tx, org, id.0, kind, body, by, now);
            }
            if let Some(f) = follow_up {
                crate::followups::insert_follow_up!(tx, org, id.0, f, now);
            }
            Ok::<_, StoreError>(tx.commit().await?)
        })?;
        Ok(())
    }

    /// Writes a note on a case of `org`.
    pub async fn case_note(&self, org: OrgId, id: CaseId, by: Option<UserId>, body: &str) -> Result<()> {
        self.case_event(org, id, by, "note", body, None).await
    }

    /// Gives a case of `org` to `owner` (`None`: nobody), recording who did it and `label` (the new owner's
    /// name) in its history. With `agent`, only if the case is that agent's or nobody's.
    pub async fn set_case_owner(
        &self,
        org: OrgId,
        id: CaseId,
        owner: Option<UserId>,
        label: &str,
        by: Option<UserId>,
        agent: Option<UserId>,
    ) -> Result<()> {
        self.case_event(org, id, by, "owner", label, Some((owner, agent))).await
    }

    async fn case_event(
        &self,
        org: OrgId,
        id: CaseId,
        by: Option<UserId>,
        kind: &str,
        body: &str,
        owner: Option<(Option<UserId>, Option<UserId>)>,
    ) -> Result<()> {
        let now = crate::now();
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let mut qb = sqlx::QueryBuilder::new("UPDATE cases SET updated_at = ");
            qb.push_bind(now);
            if let Some((o, _)) = owner {
                qb.push(", owner_id = ").push_bind(o.map(|u| u.0));
            }
            qb.push(" WHERE id = ").push_bind(id.0).push(" AND org_id = ").push_bind(org.0);
            // An agent takes a case that is nobody's or gives up their own; a teammate's case stays theirs.
            match owner {
                Some((Some(_), Some(a))) => {
                    qb.push(" AND (owner_id IS NULL OR owner_id = ").push_bind(a.0).push(")");
                }
                Some((None, Some(a))) => {
                    qb.push(" AND owner_id = ").push_bind(a.0);
                }
                _ => {}
            }
            let n = qb.build().execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(if owner.is_some_and(|(_, a)| a.is_some()) {
                    StoreError::Conflict("the case was taken by someone else meanwhile".into())
                } else {
                    StoreError::NotFound
                });
            }
            case_history!(tx, org, id.0, kind, body, by, now);
            Ok::<_, StoreError>(tx.commit().await?)
        })?;
        Ok(())
    }

    /// The cases a response made (for its page).
    pub async fn cases_of_response(&self, org: OrgId, response: ResponseId) -> Result<Vec<CaseRecord>> {
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} WHERE c.response_id = $1 AND c.org_id = $2 ORDER BY c.created_at"
        )))
        .bind(response.0)
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// Escalates every open case, of any organisation, whose due time is before `now` and that was not
    /// escalated yet: marks it and writes an `escalated` event naming the rule's lead. Exactly once per
    /// case however many nodes run this at the same time (the UPDATE only takes unescalated rows). Returns
    /// the cases escalated now.
    pub async fn escalate_overdue(&self, now: OffsetDateTime, only: Option<OrgId>) -> Result<Vec<(OrgId, CaseId)>> {
        let backend = self.backend();
        let rows: Vec<(Uuid, Uuid, Option<String>)> = db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let rows: Vec<(Uuid, Uuid, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE cases SET escalated_at = $1
                 WHERE escalated_at IS NULL AND {due} < {now} AND status IN ('new', 'in_progress', 'waiting_for_customer')
                   AND ($2 IS NULL OR org_id = $2)
                 RETURNING id, org_id,
                   (SELECT u.name FROM alert_rules r JOIN users u ON u.id = r.lead_id WHERE r.id = cases.rule_id)",
                due = crate::dialect::instant(backend, "due_at"),
                now = crate::dialect::instant(backend, "$1"),
            )))
            .bind(now)
            .bind(only.map(|o| o.0))
            .fetch_all(&mut *tx)
            .await?;
            for (id, org, lead) in &rows {
                case_history!(tx, OrgId(*org), *id, "escalated", lead.as_deref().unwrap_or("-"), None, now);
            }
            let ids: Vec<Uuid> = rows.iter().map(|(id, _, _)| *id).collect();
            crate::notifications::queue_notifications!(tx, polku_domain::notify::Event::Escalated, &ids, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(rows)
        })?;
        Ok(rows.into_iter().map(|(id, org, _)| (OrgId(org), CaseId(id))).collect())
    }

    /// What a follow-up of the case's response needs: its survey, language, customer reference (only if the
    /// customer agreed to be contacted) and scored answers `(question, kind, score)`.
    pub async fn case_response(
        &self,
        org: OrgId,
        case: CaseId,
    ) -> Result<(polku_domain::SurveyId, Option<String>, Option<String>, Vec<(Uuid, String, i64)>)> {
        let (response, survey, locale, customer): (Uuid, Uuid, Option<String>, Option<String>) =
            db!(self, p => sqlx::query_as(
            "SELECT p.id, p.survey_id, p.locale, CASE WHEN p.contact_ok = TRUE THEN p.customer_ref END
             FROM cases c JOIN responses p ON p.id = c.response_id
             WHERE c.id = $1 AND c.org_id = $2",
        )
        .bind(case.0)
        .bind(org.0)
        .fetch_optional(p)
        .await)?
            .ok_or(StoreError::NotFound)?;
        let scores: Vec<(Uuid, String, i64)> = db!(self, p => sqlx::query_as(
            "SELECT question_id, kind, score FROM answers WHERE response_id = $1 AND org_id = $2 AND score IS NOT NULL",
        )
        .bind(response)
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        Ok((polku_domain::SurveyId(survey), locale, customer, scores))
    }

    /// Records an action on a case of `org` (`status`: `done` or `pending`) with a history event.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_case_action(
        &self,
        org: OrgId,
        case: CaseId,
        kind: &str,
        amount: Option<(i64, &str)>,
        reason: &str,
        status: &str,
        by: Option<UserId>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let now = crate::now();
        db!(self, p => {
            // Reads, then writes what it read decided: the write lock up front on SQLite (see `dialect`).
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let owned: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM cases WHERE id = $1 AND org_id = $2")
                .bind(case.0)
                .bind(org.0)
                .fetch_optional(&mut *tx)
                .await?;
            if owned.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO case_actions (id, case_id, org_id, kind, amount_cents, currency, reason, status, author_id, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(case.0)
            .bind(org.0)
            .bind(kind)
            .bind(amount.map(|(a, _)| a))
            .bind(amount.map(|(_, c)| c))
            .bind(reason)
            .bind(status)
            .bind(by.map(|u| u.0))
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let what = match amount {
                Some((cents, currency)) => format!("{kind} {}.{:02} {currency} ({status})", cents / 100, cents % 100),
                None => kind.to_string(),
            };
            case_history!(tx, org, case.0, "action", &what, by, now);
            Ok::<_, StoreError>(tx.commit().await?)
        })?;
        Ok(id)
    }

    /// The actions on a case of `org`, oldest first.
    pub async fn case_actions(&self, org: OrgId, case: CaseId) -> Result<Vec<CaseAction>> {
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTION_COLUMNS} WHERE a.case_id = $1 AND a.org_id = $2 ORDER BY a.created_at, a.id"
        )))
        .bind(case.0)
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// Compensations of `org` waiting for an approval, oldest first.
    pub async fn pending_actions(&self, org: OrgId) -> Result<Vec<CaseAction>> {
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTION_COLUMNS} WHERE a.org_id = $1 AND a.status = 'pending' ORDER BY a.created_at, a.id"
        )))
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// One action of `org`.
    pub async fn case_action(&self, org: OrgId, id: Uuid) -> Result<CaseAction> {
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTION_COLUMNS} WHERE a.id = $1 AND a.org_id = $2"
        )))
        .bind(id)
        .bind(org.0)
        .fetch_one(p)
        .await)?)
    }

    /// Approves or rejects a pending action of `org`; a conflict if it was decided meanwhile.
    pub async fn decide_action(
        &self,
        org: OrgId,
        id: Uuid,
        approve: bool,
        by: Option<UserId>,
        audit: &Audit<'_>,
    ) -> Result<()> {
        let now = crate::now();
        let status = if approve { "approved" } else { "rejected" };
        let decided: Option<(Uuid,)> = db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let row: Option<(Uuid,)> = sqlx::query_as(
                "UPDATE case_actions SET status = $1, approver_id = $2, decided_at = $3
                 WHERE id = $4 AND org_id = $5 AND status = 'pending' RETURNING case_id",
            )
            .bind(status)
            .bind(by.map(|u| u.0))
            .bind(now)
            .bind(id)
            .bind(org.0)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((case,)) = row {
                case_history!(tx, org, case, "action", &format!("compensation {status}"), by, now);
                audit!(&mut *tx, org.0, audit)?;
            }
            tx.commit().await?;
            Ok::<_, StoreError>(row)
        })?;
        if decided.is_none() {
            self.case_action(org, id).await?;
            return Err(StoreError::Conflict("the action was decided already".into()));
        }
        Ok(())
    }

    /// A member's compensation limit in `org`, if an admin set one: (cents, currency).
    pub async fn compensation_limit(&self, org: OrgId, user: UserId) -> Result<Option<(i64, String)>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT amount_cents, currency FROM compensation_limits WHERE org_id = $1 AND user_id = $2",
        )
        .bind(org.0)
        .bind(user.0)
        .fetch_optional(p)
        .await)?)
    }

    /// Every limit set in `org`, by user.
    pub async fn compensation_limits(&self, org: OrgId) -> Result<Vec<(Uuid, i64, String)>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT user_id, amount_cents, currency FROM compensation_limits WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// Sets a member's compensation limit in `org`.
    pub async fn set_compensation_limit(
        &self,
        org: OrgId,
        user: UserId,
        cents: i64,
        currency: &str,
        audit: &Audit<'_>,
    ) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO compensation_limits (org_id, user_id, amount_cents, currency) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (org_id, user_id) DO UPDATE SET amount_cents = excluded.amount_cents, currency = excluded.currency",
            )
            .bind(org.0)
            .bind(user.0)
            .bind(cents)
            .bind(currency)
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, audit)?;
            Ok::<_, StoreError>(tx.commit().await?)
        })?;
        Ok(())
    }

    /// Creates a team in `org`; a name taken already is a conflict.
    pub async fn create_team(&self, org: OrgId, name: &str) -> Result<TeamId> {
        let id = TeamId::new();
        db!(self, p => sqlx::query("INSERT INTO teams (id, org_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.0)
            .bind(org.0)
            .bind(name)
            .bind(crate::now())
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(id)
    }

    /// The teams of `org` by name, each with its members (user id, name).
    pub async fn teams(&self, org: OrgId) -> Result<Vec<(TeamId, String, Vec<(Uuid, String)>)>> {
        let teams: Vec<(Uuid, String)> = db!(self, p => sqlx::query_as("SELECT id, name FROM teams WHERE org_id = $1 ORDER BY name")
            .bind(org.0)
            .fetch_all(p)
            .await)?;
        let members: Vec<(Uuid, Uuid, String)> = db!(self, p => sqlx::query_as(
            "SELECT m.team_id, u.id, u.name FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.name",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        Ok(teams
            .into_iter()
            .map(|(id, name)| {
                let m = members.iter().filter(|(t, _, _)| *t == id).map(|(_, u, n)| (*u, n.clone())).collect();
                (TeamId(id), name, m)
            })
            .collect())
    }

    /// Puts a member of `org` in a team of `org` (again: nothing changes), or takes them out.
    pub async fn set_team_member(&self, org: OrgId, team: TeamId, user: UserId, member: bool) -> Result<()> {
        let found: Option<(Uuid,)> = db!(self, p => sqlx::query_as("SELECT id FROM teams WHERE id = $1 AND org_id = $2")
            .bind(team.0)
            .bind(org.0)
            .fetch_optional(p)
            .await)?;
        found.ok_or(StoreError::NotFound)?;
        db!(self, p => {
            if member {
                sqlx::query(
                    "INSERT INTO team_members (team_id, user_id, org_id) VALUES ($1, $2, $3) ON CONFLICT (team_id, user_id) DO NOTHING",
                )
                .bind(team.0)
                .bind(user.0)
                .bind(org.0)
                .execute(p)
                .await
                .map(|_| ())
            } else {
                sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 AND org_id = $3")
                    .bind(team.0)
                    .bind(user.0)
                    .bind(org.0)
                    .execute(p)
                    .await
                    .map(|_| ())
            }
        })?;
        Ok(())
    }

    /// The teams of `org` a member is in.
    pub async fn user_teams(&self, org: OrgId, user: UserId) -> Result<Vec<TeamId>> {
        let rows: Vec<(Uuid,)> = db!(self, p => sqlx::query_as("SELECT team_id FROM team_members WHERE org_id = $1 AND user_id = $2")
            .bind(org.0)
            .bind(user.0)
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().map(|(t,)| TeamId(t)).collect())
    }
}

/// A scored answer that is a negative experience, as `polku_domain::cases::is_negative_score` says.
const NEGATIVE_ANSWER: &str =
    "((a.kind = 'nps' AND a.score <= 6) OR (a.kind = 'csat' AND a.score <= 2) OR (a.kind = 'ces' AND a.score <= 3))";

impl Store {
    /// The active windowed rules ([`RuleCondition::NegativeShare`]) of every organisation.
    pub async fn window_rules(&self) -> Result<Vec<(OrgId, RuleRecord)>> {
        let orgs: Vec<(Uuid,)> = db!(self, p => sqlx::query_as(
            "SELECT DISTINCT org_id FROM alert_rules WHERE active = TRUE AND condition LIKE '%negative_share%'",
        )
        .fetch_all(p)
        .await)?;
        let mut out = Vec::new();
        for (org,) in orgs {
            let org = OrgId(org);
            for r in self.rules(org).await? {
                if r.active && matches!(r.rule.condition, RuleCondition::NegativeShare { .. }) {
                    out.push((org, r));
                }
            }
        }
        Ok(out)
    }

    /// Per touchpoint, the responses of `org` on `channel` since `since` that have a scored answer, and how
    /// many of them have a negative one. (On SQLite the time is compared as text, exact to the second,
    /// which a window of minutes does not notice, and which lets the index serve the range.)
    pub async fn window_counts(
        &self,
        org: OrgId,
        channel: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<(String, i64, i64)>> {
        let sql = format!(
            "SELECT r.touchpoint, COUNT(DISTINCT r.id), COUNT(DISTINCT CASE WHEN {NEGATIVE_ANSWER} THEN r.id END)
             FROM responses r JOIN answers a ON a.response_id = r.id AND a.kind IN ('nps', 'csat', 'ces')
             WHERE r.org_id = $1 AND r.channel = $2 AND r.submitted_at >= $3
             GROUP BY r.touchpoint ORDER BY r.touchpoint"
        );
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(org.0)
            .bind(channel)
            .bind(since)
            .fetch_all(p)
            .await)?)
    }

    /// Opens the case of a breached windowed rule at `touchpoint` on `channel`, on its newest negative answer
    /// since `since`, unless the rule already made a case there since then; with its notifications, in one
    /// transaction, due at `due`. Several nodes may try at once: the answer and rule make one case at most.
    #[allow(clippy::too_many_arguments)]
    pub async fn open_window_case(
        &self,
        org: OrgId,
        rule_id: RuleId,
        rule: &Rule,
        channel: &str,
        touchpoint: &str,
        since: OffsetDateTime,
        now: OffsetDateTime,
        due: OffsetDateTime,
    ) -> Result<Option<CaseId>> {
        let id = CaseId::new();
        let newest = format!(
            "SELECT r.id FROM responses r JOIN answers a ON a.response_id = r.id
             WHERE r.org_id = $1 AND r.channel = $2 AND r.touchpoint = $3 AND r.submitted_at >= $4 AND {NEGATIVE_ANSWER}
             ORDER BY r.submitted_at DESC, r.id DESC LIMIT 1"
        );
        let response: Option<(Uuid,)> = db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(newest.clone()))
            .bind(org.0)
            .bind(channel)
            .bind(touchpoint)
            .bind(since)
            .fetch_optional(p)
            .await)?;
        let Some((response,)) = response else { return Ok(None) };
        // One statement decides and writes (a transaction on SQLite must not read before it writes): no
        // case if the rule made one at this touchpoint within the window, nor twice for one answer.
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let made: Option<(Uuid,)> = sqlx::query_as(
                "INSERT INTO cases (id, org_id, rule_id, response_id, status, owner_id, due_at, created_at, updated_at, team_id)
                 SELECT $1, $2, $3, $4, 'new', $5, $6, $7, $7, $8
                 WHERE NOT EXISTS (SELECT 1 FROM cases c JOIN responses p ON p.id = c.response_id
                                   WHERE c.rule_id = $3 AND c.org_id = $2 AND p.touchpoint = $9 AND c.created_at >= $10)
                 ON CONFLICT (response_id, rule_id) DO NOTHING RETURNING id",
            )
            .bind(id.0)
            .bind(org.0)
            .bind(rule_id.0)
            .bind(response)
            .bind(rule.owner.map(|u| u.0))
            .bind(due)
            .bind(now)
            .bind(rule.team.map(|t| t.0))
            .bind(touchpoint)
            .bind(since)
            .fetch_optional(&mut *tx)
            .await?;
            if made.is_none() {
                return Ok(None);
            }
            crate::notifications::queue_notifications!(tx, polku_domain::notify::Event::Opened, &[id.0], now);
            tx.commit().await?;
            Ok::<_, StoreError>(Some(id))
        })
    }
}
