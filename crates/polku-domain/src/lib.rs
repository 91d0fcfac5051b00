//! Polku's domain: the plain-Rust heart of the product.
//!
//! Everything here is pure: no I/O, no async, no database or HTTP types. Surveys and their validation,
//! answer validation, the metric maths (NPS, CSAT, CES with confidence intervals) and calendar bucketing
//! live here so that they can be unit-tested exhaustively and shared by the store, the web layer and the CLI.

pub mod access;
pub mod activity;
pub mod calendar;
pub mod cases;
pub mod contact;
pub mod customers;
pub mod demo;
pub mod demo_commerce;
pub mod followup;
#[cfg(test)]
mod fuzz;
pub mod ids;
pub mod inbox;
pub mod insights;
pub mod invite;
pub mod journey;
pub mod locale;
pub mod metrics;
pub mod notify;
pub mod panel;
pub mod response;
pub mod retention;
pub mod rng;
pub mod role;
pub mod rollup;
pub mod segment;
pub mod sms;
pub mod survey;
pub mod text;
pub mod timeline;
pub mod trigger;
pub mod webhooks;
pub mod zone;

pub use ids::*;
pub use locale::Locale;
