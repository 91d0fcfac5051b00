//! Customer data in: customers and orders from integrations (the batch API) and files (`polku import`),
//! checked whole before anything is written, and written whole in one transaction.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::OrgId;
use polku_domain::customers::{self, Contact, ContactDraft, Customer, CustomerDraft, Order, OrderDraft};
use polku_domain::role::Permission;

/// Upserts a batch of customers (integrations with an analyst token and up).
pub async fn import_customers(app: &App, caller: &Caller, rows: &[CustomerDraft]) -> AppResult<usize> {
    caller.require(Permission::ImportCustomerData)?;
    let rows = customers::validate_customers(rows)?;
    write_customers(app, caller.org, &rows).await
}

/// Upserts a batch of orders (analysts and up).
pub async fn import_orders(app: &App, caller: &Caller, rows: &[OrderDraft]) -> AppResult<usize> {
    caller.require(Permission::ImportCustomerData)?;
    let rows = customers::validate_orders(rows)?;
    write_orders(app, caller.org, &rows, |_| {}).await
}

/// Writes checked customers (the CLI checks a whole file first).
pub async fn write_customers(app: &App, org: OrgId, rows: &[Customer]) -> AppResult<usize> {
    if rows.is_empty() {
        return Err(AppError::invalid("rows", "nothing to import"));
    }
    Ok(app.store.upsert_customers(org, rows).await?)
}

/// Writes checked orders, reporting progress in rows.
pub async fn write_orders(app: &App, org: OrgId, rows: &[Order], progress: impl FnMut(usize)) -> AppResult<usize> {
    if rows.is_empty() {
        return Err(AppError::invalid("rows", "nothing to import"));
    }
    Ok(app.store.upsert_orders(org, rows, progress).await?)
}

/// Upserts a batch of support contacts (analysts and up).
pub async fn import_contacts(app: &App, caller: &Caller, rows: &[ContactDraft]) -> AppResult<usize> {
    caller.require(Permission::ImportCustomerData)?;
    let rows = customers::validate_contacts(rows)?;
    write_contacts(app, caller.org, &rows, |_| {}).await
}

/// Writes checked support contacts, reporting progress in rows.
pub async fn write_contacts(app: &App, org: OrgId, rows: &[Contact], progress: impl FnMut(usize)) -> AppResult<usize> {
    if rows.is_empty() {
        return Err(AppError::invalid("rows", "nothing to import"));
    }
    Ok(app.store.upsert_contacts(org, rows, progress).await?)
}
