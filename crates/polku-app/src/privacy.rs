//! Privacy (GDPR) for admins: export everything about one customer, erase one customer, and a retention
//! period after which personal data is erased by the hourly job (`apply_retention`, every node; each
//! erasure is idempotent).
//!
//! Export, erasure and the retention period are for admins (`Permission::Administer`). The retention period
//! is `organisations.retention_months`; each hourly run erases up to `ERASE_PER_RUN` inactive customers per
//! organisation (a customer erased meanwhile by another node is skipped) and unties older answers from
//! people (the cut-off is `polku_domain::calendar::months_before`). Open-answer texts not tied to an erased
//! customer are kept (they feed the text analytics); a text that names someone stays until that customer
//! is erased.

use crate::auth::Caller;
use crate::{Actor, App, AppError, AppResult};
use polku_domain::role::Permission;
use polku_store::{Audit, CustomerExport, Erased};

/// Longest retention period one may set, in months.
pub const MAX_RETENTION_MONTHS: i64 = 240;
/// Customers erased per organisation per run, so one run stays short.
const ERASE_PER_RUN: i64 = 500;

/// Everything stored about one customer (admins). Audited: personal data left the system.
pub async fn export(app: &App, caller: &Caller, external_id: &str) -> AppResult<CustomerExport> {
    caller.require(Permission::Administer)?;
    named(external_id)?;
    let found = app.store.customer_export(caller.org, external_id.trim()).await?.ok_or(AppError::NotFound)?;
    let audit = Audit {
        actor: &caller.actor,
        action: "customer.export",
        target: "customer".into(),
        detail: serde_json::json!({"responses": found.responses.len(), "orders": found.orders.len()}),
    };
    app.store.record_audit(Some(caller.org), &audit).await?;
    Ok(found)
}

/// An empty reference names nobody (and must not match answers without one).
fn named(reference: &str) -> AppResult<()> {
    if reference.trim().is_empty() {
        return Err(AppError::invalid("customer", "must name a customer (an external id or e-mail address)"));
    }
    Ok(())
}

/// Erases one customer (admins); see `Store::erase_customer` for what goes and what stays.
pub async fn erase(app: &App, caller: &Caller, external_id: &str) -> AppResult<Erased> {
    caller.require(Permission::Administer)?;
    erase_as(app, caller.org, &caller.actor, external_id).await
}

async fn erase_as(app: &App, org: polku_domain::OrgId, actor: &Actor, external_id: &str) -> AppResult<Erased> {
    named(external_id)?;
    // The external id is personal data too: the audit names no one.
    let audit = Audit { actor, action: "customer.erase", target: "customer".into(), detail: serde_json::json!({}) };
    Ok(app.store.erase_customer(org, external_id.trim(), &audit).await?)
}

/// Erases a customer from the command line.
pub async fn erase_cli(app: &App, org: polku_domain::OrgId, external_id: &str) -> AppResult<Erased> {
    erase_as(app, org, &Actor::System("cli"), external_id).await
}

/// The retention period in months, if set.
pub async fn retention(app: &App, caller: &Caller) -> AppResult<Option<i64>> {
    caller.require(Permission::Administer)?;
    Ok(app.store.retention(caller.org).await?)
}

/// Sets (or clears) the retention period (admins).
pub async fn set_retention(app: &App, caller: &Caller, months: Option<i64>) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    if months.is_some_and(|m| !(1..=MAX_RETENTION_MONTHS).contains(&m)) {
        return Err(AppError::invalid(
            "retention_months",
            format!("must be 1–{MAX_RETENTION_MONTHS} months, or empty to keep personal data"),
        ));
    }
    let audit = Audit {
        actor: &caller.actor,
        action: "privacy.retention",
        target: caller.org.to_string(),
        detail: serde_json::json!({"retention_months": months}),
    };
    Ok(app.store.set_retention(caller.org, months, &audit).await?)
}

/// What one retention run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionRun {
    pub customers_erased: usize,
    pub answers_untied: u64,
}

/// For every organisation with a retention period: customers with nothing newer than the period are erased,
/// and older answers, follow-up addresses and message recipients are untied from people.
pub async fn apply_retention(app: &App, now: time::OffsetDateTime) -> AppResult<RetentionRun> {
    let mut run = RetentionRun::default();
    for (org, months) in app.store.retention_settings().await? {
        let before = polku_domain::calendar::months_before(now, months.clamp(1, MAX_RETENTION_MONTHS) as u32);
        for id in app.store.inactive_customers(org, before, ERASE_PER_RUN).await? {
            match erase_as(app, org, &Actor::System("retention"), &id).await {
                Ok(_) => run.customers_erased += 1,
                // Erased meanwhile by another node.
                Err(AppError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        run.answers_untied += app.store.forget_old_links(org, before).await?;
    }
    Ok(run)
}
