//! An organisation's time zone: which calendar day, week and month an instant belongs to, and what a local
//! clock reading (a helpdesk's "2026-03-11 12:44") means as an instant.
//!
//! Backed by jiff's copy of the IANA tz database, compiled in (`tzdb-bundle-always`), so daylight-saving
//! rules are the maintained ones and need no system files. Days are still plain day numbers
//! (`crate::calendar`), now counted in the organisation's zone: an answer at 23:30 in Helsinki belongs to
//! that Helsinki day although it is 21:30 or 20:30 UTC.

use crate::calendar;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Polku is Finnish first: a new organisation's zone.
pub const DEFAULT: &str = "Europe/Helsinki";

/// A named IANA time zone.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl Default for Zone {
    fn default() -> Self {
        Zone::parse(DEFAULT).expect("the bundled database has Europe/Helsinki")
    }
}

impl Zone {
    /// A zone by its IANA name (`Europe/Helsinki`, `UTC`); `None` if the database does not know it.
    pub fn parse(name: &str) -> Option<Zone> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return None;
        }
        let tz = jiff::tz::db().get(name).ok()?;
        let name = tz.iana_name().unwrap_or(name).to_string();
        Some(Zone { name, tz })
    }

    pub fn utc() -> Zone {
        Zone::parse("UTC").expect("the bundled database has UTC")
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every zone name the database knows, sorted (for a picker).
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.to_string()).collect();
        names.sort();
        names
    }

    /// The zone's offset from UTC at instant `t`.
    pub fn offset_at(&self, t: OffsetDateTime) -> UtcOffset {
        let seconds = jiff::Timestamp::from_second(t.unix_timestamp()).map_or(0, |ts| self.tz.to_offset(ts).seconds());
        UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC)
    }

    /// `t` as the zone's clocks show it.
    pub fn local(&self, t: OffsetDateTime) -> OffsetDateTime {
        t.to_offset(self.offset_at(t))
    }

    /// The day number (`calendar::day_of_date`) of the zone's calendar day that `t` falls on.
    pub fn day_of(&self, t: OffsetDateTime) -> i32 {
        calendar::day_of_date(self.local(t).date())
    }

    /// The zone's date today.
    pub fn today(&self, now: OffsetDateTime) -> time::Date {
        self.local(now).date()
    }

    /// The instant a local clock reading means here. In the hour skipped in spring the reading is taken as
    /// if the clocks had not moved yet; in the hour repeated in autumn, the first of the two.
    pub fn to_utc(&self, local: PrimitiveDateTime) -> Option<OffsetDateTime> {
        let dt = jiff::civil::DateTime::new(
            i16::try_from(local.year()).ok()?,
            i8::try_from(u8::from(local.month())).ok()?,
            i8::try_from(local.day()).ok()?,
            i8::try_from(local.hour()).ok()?,
            i8::try_from(local.minute()).ok()?,
            i8::try_from(local.second()).ok()?,
            0,
        )
        .ok()?;
        let ts = self.tz.to_timestamp(dt).ok()?;
        OffsetDateTime::from_unix_timestamp(ts.as_second()).ok()
    }

    /// The first instant of day number `day` here (midnight, or whenever the day begins).
    pub fn start_of_day(&self, day: i32) -> OffsetDateTime {
        let date = calendar::date_of_day(day);
        self.to_utc(date.midnight()).unwrap_or_else(|| date.midnight().assume_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn an_evening_answer_in_helsinki_is_that_days_answer() {
        let hki = Zone::default();
        assert_eq!(hki.name(), "Europe/Helsinki");
        // Winter, UTC+2: 22:30 UTC is already the next day in Helsinki.
        assert_eq!(hki.day_of(datetime!(2026-01-15 22:30 UTC)), calendar::day_of_date(date!(2026 - 01 - 16)));
        assert_eq!(hki.day_of(datetime!(2026-01-15 21:59 UTC)), calendar::day_of_date(date!(2026 - 01 - 15)));
        // Summer, UTC+3: 21:00 UTC is midnight.
        assert_eq!(hki.day_of(datetime!(2026-07-01 21:00 UTC)), calendar::day_of_date(date!(2026 - 07 - 02)));
        assert_eq!(hki.day_of(datetime!(2026-07-01 20:59 UTC)), calendar::day_of_date(date!(2026 - 07 - 01)));
        assert_eq!(Zone::utc().day_of(datetime!(2026-07-01 23:59 UTC)), calendar::day_of_date(date!(2026 - 07 - 01)));
    }

    #[test]
    fn local_readings_follow_the_eu_summer_time_rules() {
        let at = |s: &str| {
            PrimitiveDateTime::parse(s, time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"))
                .unwrap()
        };
        let hki = Zone::default();
        let sto = Zone::parse("Europe/Stockholm").unwrap();
        assert_eq!(hki.to_utc(at("2026-01-15 12:00")), Some(datetime!(2026-01-15 10:00 UTC)));
        assert_eq!(sto.to_utc(at("2026-01-15 12:00")), Some(datetime!(2026-01-15 11:00 UTC)));
        // Summer time began on Sunday 29 March 2026 at 01:00 UTC (03:00 → 04:00 in Helsinki).
        assert_eq!(hki.to_utc(at("2026-03-29 02:59")), Some(datetime!(2026-03-29 00:59 UTC)));
        assert_eq!(hki.to_utc(at("2026-03-29 04:00")), Some(datetime!(2026-03-29 01:00 UTC)));
        assert_eq!(hki.to_utc(at("2026-07-01 12:00")), Some(datetime!(2026-07-01 09:00 UTC)));
        // It ended on 25 October 2026 at 01:00 UTC; 03:30 happened twice, the first is taken.
        assert_eq!(hki.to_utc(at("2026-10-25 03:30")), Some(datetime!(2026-10-25 00:30 UTC)));
        assert_eq!(hki.to_utc(at("2026-10-25 04:30")), Some(datetime!(2026-10-25 02:30 UTC)));
        assert_eq!(hki.start_of_day(calendar::day_of_date(date!(2026 - 07 - 01))), datetime!(2026-06-30 21:00 UTC));
    }

    #[test]
    fn names_are_the_databases() {
        assert!(Zone::parse("Mars/Olympus").is_none() && Zone::parse("").is_none());
        assert_eq!(Zone::parse("America/New_York").unwrap().name(), "America/New_York");
        let names = Zone::names();
        assert!(names.len() > 300 && names.iter().any(|n| n == "Europe/Stockholm"), "{}", names.len());
    }
}
