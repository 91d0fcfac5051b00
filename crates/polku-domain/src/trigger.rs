//! Triggers: a survey asks at the right moment, e.g. three days after an order is fulfilled (issue 15).
//!
//! A trigger names an event and a delay. The trigger job (`polku_app::triggers`) looks, every minute, for
//! rows whose event happened at least the delay ago — however they arrived: batch API, CSV or webhook —
//! and makes one invitation per row and trigger, recorded in `trigger_firings` in the same transaction, so
//! a row never fires twice (nor on two nodes). Only events after the trigger was made count, and none
//! more than `LATE_DAYS` past their due time (a history imported today is not surveyed). An order must
//! still be fulfilled when its invitation is made, and its message is cancelled if the order is
//! cancelled or refunded before it goes out. When an order became fulfilled is when Polku first saw it
//! so (`orders.fulfilled_at`); an order placed more than `MAX_ORDER_AGE_DAYS` before that is an import.

use serde::{Deserialize, Serialize};

/// Events a trigger can follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// An order's status became `fulfilled`.
    OrderFulfilled,
    /// A delivery was delivered (`delivered_at`).
    DeliveryDelivered,
    /// A support contact was closed (`closed_at`).
    ContactClosed,
    /// A touchpoint event with the trigger's touchpoint occurred.
    TouchpointEvent,
}

impl Event {
    pub const ALL: [Event; 4] =
        [Event::OrderFulfilled, Event::DeliveryDelivered, Event::ContactClosed, Event::TouchpointEvent];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::OrderFulfilled => "order_fulfilled",
            Event::DeliveryDelivered => "delivery_delivered",
            Event::ContactClosed => "contact_closed",
            Event::TouchpointEvent => "touchpoint_event",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The touchpoint set on the answers the trigger's invitations produce, unless the trigger names one.
    pub fn default_touchpoint(self) -> &'static str {
        match self {
            Event::OrderFulfilled => "purchase",
            Event::DeliveryDelivered => "delivery",
            Event::ContactClosed => "customer-service",
            Event::TouchpointEvent => "",
        }
    }
}

/// The longest delay a trigger may have (90 days).
pub const MAX_DELAY_HOURS: u32 = 24 * 90;
/// How long after its due time an event may still fire.
pub const LATE_DAYS: i64 = 7;
/// An order fulfilled this long after it was placed is taken for an import, not surveyed.
pub const MAX_ORDER_AGE_DAYS: u32 = 90;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_by_name() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
        }
        assert_eq!(Event::parse("order_placed"), None);
        assert_eq!(Event::DeliveryDelivered.default_touchpoint(), "delivery");
    }
}
