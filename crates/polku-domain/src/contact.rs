//! Contact rules: when a customer may be asked, the same for every survey and channel (issue 15).
//!
//! An organisation keeps one set: at most one invitation per customer per `days_between` days (reminders
//! and every channel included), no messages in the quiet hours or on quiet weekdays of its time zone (an
//! invitation due then waits for the next allowed minute: `ContactRules::next_allowed`), and, when
//! `require_consent` is set, none to a customer who has not said yes to being contacted (without it, only
//! a customer who said no is left out). A survey may also ask only a share of those it could
//! (`sampled`): decided by a hash, so the same invitation is decided the same way on every node.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// The longest `days_between` may be.
pub const MAX_DAYS_BETWEEN: u16 = 365;

/// Local hours in which nothing is sent: from `from` up to `to` (`HH:MM`); across midnight when `to`
/// is earlier than `from` (21:00–08:00).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    pub from: String,
    pub to: String,
}

/// An organisation's contact rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRules {
    /// At most one invitation per customer in this many days (0: no limit).
    pub days_between: u16,
    /// No sending in these local hours; `None`: any hour.
    pub quiet_hours: Option<QuietHours>,
    /// No sending on these ISO weekdays (1 = Monday … 7 = Sunday).
    pub quiet_days: Vec<u8>,
    /// Only customers who said yes to being contacted are invited.
    pub require_consent: bool,
}

impl Default for ContactRules {
    /// A month between invitations and nothing at night: what a customer would expect of a careful shop.
    fn default() -> Self {
        ContactRules {
            days_between: 30,
            quiet_hours: Some(QuietHours { from: "21:00".into(), to: "08:00".into() }),
            quiet_days: Vec::new(),
            require_consent: false,
        }
    }
}

impl ContactRules {
    /// Checks the rules as given; each problem names its field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.days_between > MAX_DAYS_BETWEEN {
            return Err(("days_between", format!("must be 0–{MAX_DAYS_BETWEEN}")));
        }
        if let Some(q) = &self.quiet_hours {
            let from = crate::cases::minutes(&q.from).filter(|m| *m < 24 * 60);
            let from = from.ok_or(("quiet_hours.from", "must be a time HH:MM".to_string()))?;
            let to = crate::cases::minutes(&q.to).filter(|m| *m < 24 * 60);
            let to = to.ok_or(("quiet_hours.to", "must be a time HH:MM".to_string()))?;
            if from == to {
                return Err(("quiet_hours.to", "must differ from quiet_hours.from".into()));
            }
        }
        let mut seen = [false; 8];
        if self.quiet_days.iter().any(|d| !(1..=7).contains(d) || std::mem::replace(&mut seen[*d as usize], true)) {
            return Err(("quiet_days", "must list weekdays once each, 1 (Monday) to 7 (Sunday)".into()));
        }
        if self.quiet_days.len() == 7 {
            return Err(("quiet_days", "must leave at least one day for sending".into()));
        }
        Ok(())
    }

    /// The allowed local minutes of a day that is not quiet: `[start, end)` ranges.
    fn open_ranges(&self) -> Vec<(u16, u16)> {
        let day = 24 * 60;
        let Some((from, to)) = self
            .quiet_hours
            .as_ref()
            .and_then(|q| Some((crate::cases::minutes(&q.from)?, crate::cases::minutes(&q.to)?)))
            .filter(|(f, t)| f != t)
        else {
            return vec![(0, day)];
        };
        if from < to { vec![(0, from), (to, day)] } else { vec![(to, from)] }
    }

    /// The first instant at or after `t` at which a message may go out in `zone`.
    pub fn next_allowed(&self, t: OffsetDateTime, zone: &crate::zone::Zone) -> OffsetDateTime {
        let at = |date: time::Date, m: u16| {
            let local = if m >= 24 * 60 {
                date.next_day().unwrap_or(date).midnight()
            } else {
                date.with_hms(u8::try_from(m / 60).unwrap_or(0), u8::try_from(m % 60).unwrap_or(0), 0)
                    .unwrap_or(date.midnight())
            };
            zone.to_utc(local).unwrap_or_else(|| local.assume_utc())
        };
        let ranges = self.open_ranges();
        let mut date = zone.local(t).date();
        // A week and a day always reach an allowed minute: `validate` leaves one day open.
        for _ in 0..9 {
            if !self.quiet_days.contains(&date.weekday().number_from_monday()) {
                for &(start, end) in &ranges {
                    if start < end && at(date, end) > t {
                        return at(date, start).max(t);
                    }
                }
            }
            let Some(next) = date.next_day() else { break };
            date = next;
        }
        t
    }
}

/// Whether an invitation keyed by `key` falls in a sample of `permille` / 1000 (1000: everyone).
pub fn sampled(permille: u16, key: &[u8]) -> bool {
    if permille >= 1000 {
        return true;
    }
    let digest = Sha256::digest(key);
    let n = u16::from_be_bytes([digest[0], digest[1]]) % 1000;
    n < permille
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::Zone;
    use time::macros::datetime;

    fn rules(from: &str, to: &str, days: &[u8]) -> ContactRules {
        ContactRules {
            quiet_hours: Some(QuietHours { from: from.into(), to: to.into() }),
            quiet_days: days.to_vec(),
            ..ContactRules::default()
        }
    }

    #[test]
    fn a_night_invitation_waits_for_the_morning_in_the_organisations_zone() {
        let hki = Zone::default();
        let r = rules("21:00", "08:00", &[]);
        // 23:30 Helsinki (winter, UTC+2) on a Tuesday → 08:00 the next morning.
        assert_eq!(r.next_allowed(datetime!(2026-01-13 21:30 UTC), &hki), datetime!(2026-01-14 06:00 UTC));
        // 07:59 → 08:00 the same day; 08:00 and 20:59 are allowed as they are.
        assert_eq!(r.next_allowed(datetime!(2026-01-14 05:59 UTC), &hki), datetime!(2026-01-14 06:00 UTC));
        assert_eq!(r.next_allowed(datetime!(2026-01-14 06:00 UTC), &hki), datetime!(2026-01-14 06:00 UTC));
        assert_eq!(r.next_allowed(datetime!(2026-01-14 18:59 UTC), &hki), datetime!(2026-01-14 18:59 UTC));
        // 21:00 Helsinki is quiet.
        assert_eq!(r.next_allowed(datetime!(2026-01-14 19:00 UTC), &hki), datetime!(2026-01-15 06:00 UTC));
        // Summer time (UTC+3).
        assert_eq!(r.next_allowed(datetime!(2026-06-10 02:00 UTC), &hki), datetime!(2026-06-10 05:00 UTC));
    }

    #[test]
    fn quiet_days_and_a_lunch_break_move_the_send_to_the_next_open_minute() {
        let hki = Zone::default();
        // Saturday and Sunday quiet: Friday 22:00 → Monday 08:00.
        let weekend = rules("21:00", "08:00", &[6, 7]);
        assert_eq!(weekend.next_allowed(datetime!(2026-01-16 20:00 UTC), &hki), datetime!(2026-01-19 06:00 UTC));
        // Quiet hours inside a day (12:00–13:00).
        let lunch = rules("12:00", "13:00", &[]);
        assert_eq!(lunch.next_allowed(datetime!(2026-01-14 10:30 UTC), &hki), datetime!(2026-01-14 11:00 UTC));
        assert_eq!(lunch.next_allowed(datetime!(2026-01-14 22:30 UTC), &hki), datetime!(2026-01-14 22:30 UTC));
        let any = ContactRules { quiet_hours: None, ..ContactRules::default() };
        assert_eq!(any.next_allowed(datetime!(2026-01-14 01:00 UTC), &hki), datetime!(2026-01-14 01:00 UTC));
    }

    #[test]
    fn bad_rules_name_their_field() {
        assert_eq!(rules("25:00", "08:00", &[]).validate().unwrap_err().0, "quiet_hours.from");
        assert_eq!(rules("21:00", "8", &[]).validate().unwrap_err().0, "quiet_hours.to");
        assert_eq!(rules("21:00", "21:00", &[]).validate().unwrap_err().0, "quiet_hours.to");
        assert_eq!(rules("21:00", "08:00", &[8]).validate().unwrap_err().0, "quiet_days");
        assert_eq!(rules("21:00", "08:00", &[1, 1]).validate().unwrap_err().0, "quiet_days");
        assert_eq!(rules("21:00", "08:00", &[1, 2, 3, 4, 5, 6, 7]).validate().unwrap_err().0, "quiet_days");
        let long = ContactRules { days_between: 366, ..ContactRules::default() };
        assert_eq!(long.validate().unwrap_err().0, "days_between");
        assert!(ContactRules::default().validate().is_ok());
    }

    #[test]
    fn a_sample_takes_about_its_share_and_decides_each_key_the_same_way() {
        let picked = (0u32..10_000).filter(|i| sampled(333, &i.to_be_bytes())).count();
        assert!((3_000..3_700).contains(&picked), "{picked}");
        assert!((0u32..100).all(|i| sampled(333, &i.to_be_bytes()) == sampled(333, &i.to_be_bytes())));
        assert!((0u32..100).all(|i| sampled(1000, &i.to_be_bytes())));
    }
}
