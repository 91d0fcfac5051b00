//! Days, weeks and months as plain integers, so that rollups can be bucketed identically on every backend.
//!
//! A day is the number of days since 1970-01-01 (UTC). Weeks start on Monday (ISO 8601); 1970-01-01 was a
//! Thursday, so the Monday-based week of day `d` is `(d + 3) div 7`. A month index is `year * 12 + month - 1`.
//! Storing these numbers in rollup rows lets SQL group with integer arithmetic that SQLite and PostgreSQL
//! evaluate the same way, instead of backend-specific date functions.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

const EPOCH_JULIAN: i32 = 2_440_588; // Julian day number of 1970-01-01.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    #[default]
    Week,
    Month,
}

impl Granularity {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// The bucket a day falls in: a day number, a week number or a month index.
    pub fn bucket_of_day(self, day: i32) -> i32 {
        match self {
            Self::Day => day,
            Self::Week => (day + 3).div_euclid(7),
            Self::Month => month_index(date_of_day(day)),
        }
    }

    /// The first day of a bucket.
    pub fn bucket_start(self, bucket: i32) -> Date {
        match self {
            Self::Day => date_of_day(bucket),
            Self::Week => date_of_day(bucket * 7 - 3),
            Self::Month => {
                let year = bucket.div_euclid(12);
                let month = Month::try_from((bucket.rem_euclid(12) + 1) as u8).expect("1..=12");
                Date::from_calendar_date(year, month, 1).expect("valid first of month")
            }
        }
    }
}

/// A day as a client gives it (`YYYY-MM-DD`), in the years 1900–2999 only: periods are compared with the
/// one before them and stored times are encoded as text, so a day in year 13 once made a previous period
/// of negative years that the database driver could not encode (a panic, found by the API fuzzing).
pub fn parse_day(s: &str) -> Option<Date> {
    let d = Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    (1900..=2999).contains(&d.year()).then_some(d)
}

/// An RFC 3339 time from a client, in UTC and in the years 1900–2999 only (see `parse_day`): converting
/// `9999-12-31T23:59:59-01:00` to UTC overflows the date type, and a time in year 0 with a positive offset
/// is year −1 in UTC, which the database driver cannot encode.
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    in_range(OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()?)
}

/// `t` in UTC if that is in the years 1900–2999.
pub fn in_range(t: OffsetDateTime) -> Option<OffsetDateTime> {
    t.checked_to_offset(time::UtcOffset::UTC).filter(|t| (1900..=2999).contains(&t.year()))
}

pub fn day_of_date(date: Date) -> i32 {
    date.to_julian_day() - EPOCH_JULIAN
}

pub fn day_of(t: OffsetDateTime) -> i32 {
    day_of_date(t.to_offset(time::UtcOffset::UTC).date())
}

pub fn date_of_day(day: i32) -> Date {
    Date::from_julian_day(day + EPOCH_JULIAN).expect("day within supported range")
}

pub fn month_index(date: Date) -> i32 {
    date.year() * 12 + i32::from(u8::from(date.month())) - 1
}

/// The same time `months` calendar months earlier; the 31st of a shorter month becomes its last day.
pub fn months_before(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let index = month_index(t.date()) - months as i32;
    let (year, month) = (index.div_euclid(12), Month::try_from((index.rem_euclid(12) + 1) as u8).expect("1..=12"));
    let day = t.day().min(time::util::days_in_month(month, year));
    let date = Date::from_calendar_date(year, month, day).expect("clamped to the month");
    t.replace_date(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_times_are_read_in_utc_within_1900_to_2999_and_never_panic() {
        assert_eq!(parse_time(" 2026-11-23T10:00:00+02:00 "), Some(time::macros::datetime!(2026-11-23 08:00 UTC)));
        // The first overflows the date type in UTC; the second is year -1 in UTC.
        for refused in [
            "9999-12-31T23:59:59-01:00",
            "0000-01-01T00:00:00+01:00",
            "1899-12-31T23:59:59Z",
            "3000-01-01T00:00:00Z",
            "x",
        ] {
            assert_eq!(parse_time(refused), None, "{refused}");
        }
        assert_eq!(parse_time("2999-12-31T23:59:59+00:00").map(OffsetDateTime::year), Some(2999));
    }
    use time::macros::{date, datetime};

    #[test]
    fn days_weeks_months() {
        assert_eq!(day_of_date(date!(1970 - 01 - 01)), 0);
        assert_eq!(day_of(datetime!(2026-11-23 23:59 UTC)), day_of_date(date!(2026 - 11 - 23)));
        // 23:30 in Helsinki (UTC+2) on the 23rd is 21:30 UTC the same day.
        assert_eq!(day_of(datetime!(2026-11-23 23:30 +2)), day_of_date(date!(2026 - 11 - 23)));
        let d = day_of_date(date!(2026 - 11 - 25)); // a Wednesday
        let w = Granularity::Week.bucket_of_day(d);
        assert_eq!(Granularity::Week.bucket_start(w), date!(2026 - 11 - 23)); // its Monday
        assert_eq!(Granularity::Week.bucket_of_day(day_of_date(date!(2026 - 11 - 29))), w); // Sunday
        assert_eq!(Granularity::Week.bucket_of_day(day_of_date(date!(2026 - 11 - 30))), w + 1);
        let m = Granularity::Month.bucket_of_day(d);
        assert_eq!(Granularity::Month.bucket_start(m), date!(2026 - 11 - 01));
        assert_eq!(Granularity::Month.bucket_start(m + 2), date!(2027 - 01 - 01));
        assert_eq!(Granularity::Day.bucket_start(d), date!(2026 - 11 - 25));
        assert_eq!(Granularity::parse("fortnight"), None);
        assert_eq!(months_before(datetime!(2026-11-23 10:00 UTC), 24), datetime!(2024-11-23 10:00 UTC));
        assert_eq!(months_before(datetime!(2026-03-31 10:00 UTC), 1), datetime!(2026-02-28 10:00 UTC));
        assert_eq!(months_before(datetime!(2026-01-15 10:00 UTC), 13), datetime!(2024-12-15 10:00 UTC));
    }

    #[test]
    fn client_days_are_read_in_the_storable_years_only() {
        assert_eq!(parse_day(" 2026-11-23 "), Some(time::macros::date!(2026 - 11 - 23)));
        for bad in ["0013-12-16", "1899-12-31", "3000-01-01", "2026-02-30", "23.11.2026", ""] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }
}
