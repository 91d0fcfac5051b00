//! The audit log: who changed what, when. Written in the same transaction as the change it describes,
//! so a change can never land without its audit row (or the other way round).

use crate::{Result, Store, db};
use polku_domain::{OrgId, TokenId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who did something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User {
        id: UserId,
        email: String,
    },
    Token(TokenId),
    /// The command line or a background job.
    System(&'static str),
}

impl Actor {
    /// The user behind the action, if a person did it.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Actor::User { email, .. } => format!("user:{email}"),
            Actor::Token(id) => format!("token:{id}"),
            Actor::System(what) => format!("system:{what}"),
        }
    }
}

/// A change to record: `action` is a stable dotted name such as `survey.create`.
#[derive(Clone, Debug)]
pub struct Audit<'a> {
    pub actor: &'a Actor,
    pub action: &'static str,
    pub target: String,
    pub detail: serde_json::Value,
}

/// One stored audit row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub at: OffsetDateTime,
    /// The address of the client the change was made for (none for the command line and jobs).
    pub client: Option<String>,
}

tokio::task_local! {
    /// The client address of the request being served (set by the web layer around each request), which
    /// every audit row written on its behalf records.
    pub static CLIENT: String;
}

/// The current request's client address, if the change is made for one.
pub(crate) fn current_client() -> Option<String> {
    CLIENT.try_with(Clone::clone).ok()
}

/// Inserts the audit row for `$audit` about organisation `$org` using executor `$tx`, with the current
/// request's client address (without one, the statement names no `client` column, so it also runs on a
/// schema from before migration 31, as the migration tests need).
macro_rules! audit {
    ($tx:expr, $org:expr, $audit:expr) => {{
        let a: &$crate::audit::Audit<'_> = $audit;
        let client = $crate::audit::current_client();
        let sql = if client.is_some() {
            "INSERT INTO audit_log (id, org_id, actor, action, target, detail, at, client) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        } else {
            "INSERT INTO audit_log (id, org_id, actor, action, target, detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        };
        let q = sqlx::query(sql)
            .bind(uuid::Uuid::now_v7())
            .bind($org)
            .bind(a.actor.label())
            .bind(a.action)
            .bind(&a.target)
            .bind(a.detail.to_string())
            .bind($crate::now());
        match client {
            Some(c) => q.bind(c),
            None => q,
        }
        .execute($tx)
        .await
        .map(|r| r.rows_affected())
    }};
}
pub(crate) use audit;

impl Store {
    /// Records an event that changes nothing else (e.g. a sign-in).
    pub async fn record_audit(&self, org: Option<OrgId>, entry: &Audit<'_>) -> Result<()> {
        let org: Option<Uuid> = org.map(|o| o.0);
        db!(self, p => audit!(p, org, entry))?;
        Ok(())
    }

    /// The newest entries first.
    pub async fn audit_log(&self, org: OrgId, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT actor, action, target, detail, at, client FROM audit_log WHERE org_id = $1 ORDER BY at DESC LIMIT $2",
        )
        .bind(org.0)
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }
}
