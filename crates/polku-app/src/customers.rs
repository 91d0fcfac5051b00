//! Customer data in: customers, orders, support contacts, deliveries, referrals, reviews and touchpoint events
//! from integrations (the batch API, single events, webhooks) and files (`polku import`), checked whole before
//! anything is written, and written whole in one transaction.
//!
//! Writing needs `Permission::ImportCustomerData` (analysts and up). A response's `customer_ref` is a
//! customer's `external_id` or their e-mail address; export, erasure, the timeline and the analyses look
//! under both.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::OrgId;
use polku_domain::activity::{self, CustomerData};
use polku_domain::customers;
use polku_domain::role::Permission;

/// A batch as an integration sends it: rows of one kind, not yet checked.
pub enum Batch {
    Customers(Vec<customers::CustomerDraft>),
    Orders(Vec<customers::OrderDraft>),
    Contacts(Vec<customers::ContactDraft>),
    Deliveries(Vec<activity::DeliveryDraft>),
    Referrals(Vec<activity::ReferralDraft>),
    Reviews(Vec<activity::ReviewDraft>),
    Events(Vec<activity::EventDraft>),
}

/// An external id for an event sent without one.
pub fn new_event_id() -> String {
    format!("polku-{}", uuid::Uuid::now_v7())
}

impl Batch {
    /// Checks every row; each problem names its row and field (`rows[3].email`).
    pub fn validate(&self) -> AppResult<CustomerData> {
        use activity::validate_batch as all;
        let mut d = CustomerData::default();
        match self {
            Batch::Customers(r) => d.customers = all(r, customers::validate_customer)?,
            Batch::Orders(r) => d.orders = all(r, customers::validate_order)?,
            Batch::Contacts(r) => d.contacts = all(r, customers::validate_contact)?,
            Batch::Deliveries(r) => d.deliveries = all(r, activity::validate_delivery)?,
            Batch::Referrals(r) => d.referrals = all(r, activity::validate_referral)?,
            Batch::Reviews(r) => d.reviews = all(r, activity::validate_review)?,
            Batch::Events(r) => d.events = all(r, |e, p, r| activity::validate_event(e, p, r, new_event_id))?,
        }
        Ok(d)
    }
}

/// Upserts a batch from an integration (analysts and up; not kiosk agent tokens).
pub async fn import(app: &App, caller: &Caller, batch: &Batch) -> AppResult<usize> {
    caller.require(Permission::ImportCustomerData)?;
    let data = batch.validate()?;
    write(app, caller.org, &data, |_| {}).await
}

/// Records one touchpoint event (`POST /api/v1/events`); problems name the event's own fields.
pub async fn record_event(app: &App, caller: &Caller, draft: &activity::EventDraft) -> AppResult<usize> {
    caller.require(Permission::ImportCustomerData)?;
    let mut errs = Vec::new();
    let event = activity::validate_event(&mut errs, "", draft, new_event_id);
    if !errs.is_empty() {
        return Err(polku_domain::survey::ValidationErrors(errs).into());
    }
    write(app, caller.org, &CustomerData { events: vec![event], ..Default::default() }, |_| {}).await
}

/// Writes checked data (the CLI checks a whole file first), reporting progress in rows.
pub async fn write(app: &App, org: OrgId, data: &CustomerData, progress: impl FnMut(usize)) -> AppResult<usize> {
    if data.is_empty() {
        return Err(AppError::invalid("rows", "nothing to import"));
    }
    let zone = app.zone(org).await?;
    match app.store.write_customer_data(org, data, &zone, None, progress).await? {
        polku_store::Written::Rows(n) => Ok(n),
        polku_store::Written::Duplicate => {
            Err(AppError::Internal(anyhow::anyhow!("a write without a receipt was a duplicate")))
        }
    }
}
