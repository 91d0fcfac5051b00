//! The shape of the rollups: which counters one scored answer adds to, and which of them a query over a
//! day range reads.
//!
//! A dashboard over a year by week and touchpoint must not sum a year of daily cells (hundreds of thousands
//! of rows at 10 million responses), so every answer is counted at three grains (day, week, month) and, at
//! each grain, in marginal cells: all channels and touchpoints together, per channel, per touchpoint, and
//! (at day grain only, for filtered drill-downs) per channel × touchpoint. A query over days `from..=to`
//! then reads whole months, whole weeks in the ragged ends, and single days only at the very edges
//! ([`cover`]): a few hundred rows whatever the period. Each row holds the counts per score value (a
//! histogram), so the statistics computed from them are exact; no grain is an approximation of another.
//!
//! Each scored answer is counted in ten cells ([`cells`]). A row is keyed `(org, grain, dims, bucket, survey,
//! question, channel, touchpoint)`; the dimension a cell does not split by is `''`, which no valid name can
//! be; the row holds `s0 … s10`, the answers with each score (every scale fits). For a series
//! ([`cover_series`]) no cell may straddle two points, so a month series never uses a week that crosses a
//! month boundary. Property tests check that a plan covers every day exactly once.

use crate::calendar::{self, Granularity};

/// Score values a rollup row counts separately: 0..=10 holds every scale there is (NPS 0–10, CSAT 1–5,
/// CES 1–7). A row stores one count per value, so a histogram is one row, not eleven.
pub const SCORE_VALUES: usize = 11;

/// The time grain of a rollup cell; its `bucket` is a day number, a week number or a month index
/// (see [`calendar`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grain {
    Day = 0,
    Week = 1,
    Month = 2,
}

impl Grain {
    pub const ALL: [Grain; 3] = [Grain::Day, Grain::Week, Grain::Month];

    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn from_code(code: i64) -> Option<Grain> {
        Grain::ALL.into_iter().find(|g| g.code() == code)
    }

    pub fn granularity(self) -> Granularity {
        match self {
            Grain::Day => Granularity::Day,
            Grain::Week => Granularity::Week,
            Grain::Month => Granularity::Month,
        }
    }

    /// The first day of one of this grain's buckets.
    pub fn first_day(self, bucket: i32) -> i32 {
        calendar::day_of_date(self.granularity().bucket_start(bucket))
    }

    /// The last day of one of this grain's buckets.
    pub fn last_day(self, bucket: i32) -> i32 {
        self.first_day(bucket + 1) - 1
    }
}

/// Which of channel and touchpoint a cell keeps apart; the other is stored as the empty string, which no
/// valid channel or touchpoint name can be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dims {
    Total = 0,
    Channel = 1,
    Touchpoint = 2,
    ChannelTouchpoint = 3,
}

impl Dims {
    pub fn code(self) -> i64 {
        self as i64
    }

    /// The cells of this grain that exist: the full channel × touchpoint split only per day.
    fn kept_at(grain: Grain) -> &'static [Dims] {
        match grain {
            Grain::Day => &[Dims::Total, Dims::Channel, Dims::Touchpoint, Dims::ChannelTouchpoint],
            Grain::Week | Grain::Month => &[Dims::Total, Dims::Channel, Dims::Touchpoint],
        }
    }
}

/// Where one scored answer is counted, apart from its survey, question and score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellKey<'a> {
    pub grain: Grain,
    pub dims: Dims,
    pub bucket: i32,
    pub channel: &'a str,
    pub touchpoint: &'a str,
}

/// Every cell an answer given on `day` through `channel` at `touchpoint` adds 1 to (ten of them).
pub fn cells<'a>(day: i32, channel: &'a str, touchpoint: &'a str) -> impl Iterator<Item = CellKey<'a>> {
    Grain::ALL.into_iter().flat_map(move |grain| {
        let bucket = grain.granularity().bucket_of_day(day);
        Dims::kept_at(grain).iter().map(move |&dims| CellKey {
            grain,
            dims,
            bucket,
            channel: if matches!(dims, Dims::Channel | Dims::ChannelTouchpoint) { channel } else { "" },
            touchpoint: if matches!(dims, Dims::Touchpoint | Dims::ChannelTouchpoint) { touchpoint } else { "" },
        })
    })
}

/// An inclusive range of buckets of one grain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub grain: Grain,
    pub from: i32,
    pub to: i32,
}

/// The spans that cover days `from..=to` exactly once with the fewest cells: whole months, then whole weeks
/// in what is left at either end, then days. For totals and breakdowns without a time axis.
pub fn cover(from: i32, to: i32) -> Vec<Span> {
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    match whole_buckets(Grain::Month, from, to) {
        Some((first, last)) => {
            cover_weeks(from, Grain::Month.first_day(first) - 1, &mut out);
            out.push(Span { grain: Grain::Month, from: first, to: last });
            cover_weeks(Grain::Month.last_day(last) + 1, to, &mut out);
        }
        None => cover_weeks(from, to, &mut out),
    }
    out
}

/// The spans for a series by `g` over days `from..=to`: like [`cover`], but no cell in them lies across
/// two buckets of `g`, so each cell read belongs to one point of the series ([`series_bucket`]).
pub fn cover_series(from: i32, to: i32, g: Granularity) -> Vec<Span> {
    let mut out = Vec::new();
    if from > to {
        return out;
    }
    match g {
        Granularity::Day => out.push(Span { grain: Grain::Day, from, to }),
        Granularity::Week => cover_weeks(from, to, &mut out),
        Granularity::Month => match whole_buckets(Grain::Month, from, to) {
            Some((first, last)) => {
                cover_weeks(from, Grain::Month.first_day(first) - 1, &mut out);
                out.push(Span { grain: Grain::Month, from: first, to: last });
                cover_weeks(Grain::Month.last_day(last) + 1, to, &mut out);
            }
            None => {
                // No whole month inside: at most the ends of two months, each covered on its own so that
                // no week straddles the month boundary.
                let split = Grain::Month.last_day(Granularity::Month.bucket_of_day(from));
                cover_weeks(from, split.min(to), &mut out);
                cover_weeks(split + 1, to, &mut out);
            }
        },
    }
    out
}

/// The point of a series by `g` that a cell of `grain` and `bucket` belongs to (its first day's).
pub fn series_bucket(grain: Grain, bucket: i32, g: Granularity) -> i32 {
    g.bucket_of_day(grain.first_day(bucket))
}

/// The first and last bucket of `grain` that lie wholly inside days `from..=to`, if any.
fn whole_buckets(grain: Grain, from: i32, to: i32) -> Option<(i32, i32)> {
    let g = grain.granularity();
    let mut first = g.bucket_of_day(from);
    if grain.first_day(first) < from {
        first += 1;
    }
    let mut last = g.bucket_of_day(to);
    if grain.last_day(last) > to {
        last -= 1;
    }
    (first <= last).then_some((first, last))
}

fn cover_weeks(from: i32, to: i32, out: &mut Vec<Span>) {
    if from > to {
        return;
    }
    match whole_buckets(Grain::Week, from, to) {
        Some((first, last)) => {
            let (a, b) = (Grain::Week.first_day(first), Grain::Week.last_day(last));
            if from < a {
                out.push(Span { grain: Grain::Day, from, to: a - 1 });
            }
            out.push(Span { grain: Grain::Week, from: first, to: last });
            if b < to {
                out.push(Span { grain: Grain::Day, from: b + 1, to });
            }
        }
        None => out.push(Span { grain: Grain::Day, from, to }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn day(d: time::Date) -> i32 {
        calendar::day_of_date(d)
    }

    /// The days a span stands for.
    fn days(s: &Span) -> std::ops::RangeInclusive<i32> {
        s.grain.first_day(s.from)..=s.grain.last_day(s.to)
    }

    #[test]
    fn an_answer_counts_in_ten_cells() {
        let d = day(date!(2026 - 11 - 25));
        let all: Vec<_> = cells(d, "email", "delivery").collect();
        assert_eq!(all.len(), 10);
        let week = Granularity::Week.bucket_of_day(d);
        assert!(all.contains(&CellKey {
            grain: Grain::Week,
            dims: Dims::Touchpoint,
            bucket: week,
            channel: "",
            touchpoint: "delivery"
        }));
        assert!(all.contains(&CellKey {
            grain: Grain::Day,
            dims: Dims::ChannelTouchpoint,
            bucket: d,
            channel: "email",
            touchpoint: "delivery"
        }));
        assert!(!all.iter().any(|c| c.grain != Grain::Day && c.dims == Dims::ChannelTouchpoint));
    }

    #[test]
    fn a_year_is_months_weeks_and_a_few_days() {
        // 2025-11-24 (a Monday) ..= 2026-11-23 (a Monday); 2026-11-01 is a Sunday.
        let m = |d| Granularity::Month.bucket_of_day(day(d));
        let w = |d| Granularity::Week.bucket_of_day(day(d));
        let d = |d| day(d);
        assert_eq!(
            cover(day(date!(2025 - 11 - 24)), day(date!(2026 - 11 - 23))),
            vec![
                Span { grain: Grain::Week, from: w(date!(2025 - 11 - 24)), to: w(date!(2025 - 11 - 24)) },
                Span { grain: Grain::Month, from: m(date!(2025 - 12 - 01)), to: m(date!(2026 - 10 - 01)) },
                Span { grain: Grain::Day, from: d(date!(2026 - 11 - 01)), to: d(date!(2026 - 11 - 01)) },
                Span { grain: Grain::Week, from: w(date!(2026 - 11 - 02)), to: w(date!(2026 - 11 - 16)) },
                Span { grain: Grain::Day, from: d(date!(2026 - 11 - 23)), to: d(date!(2026 - 11 - 23)) },
            ]
        );
        // By month, 2026-01-28 ..= 2026-02-10 has no whole month and its one whole week (Feb 2–8) is
        // inside February; Jan 26–Feb 1 straddles the boundary, so its January days stay days.
        assert_eq!(
            cover_series(d(date!(2026 - 01 - 28)), d(date!(2026 - 02 - 10)), Granularity::Month),
            vec![
                Span { grain: Grain::Day, from: d(date!(2026 - 01 - 28)), to: d(date!(2026 - 01 - 31)) },
                Span { grain: Grain::Day, from: d(date!(2026 - 02 - 01)), to: d(date!(2026 - 02 - 01)) },
                Span { grain: Grain::Week, from: w(date!(2026 - 02 - 02)), to: w(date!(2026 - 02 - 02)) },
                Span { grain: Grain::Day, from: d(date!(2026 - 02 - 09)), to: d(date!(2026 - 02 - 10)) },
            ]
        );
    }

    #[test]
    fn every_scale_fits_a_row() {
        for t in crate::survey::QuestionType::ALL {
            if let Some((lo, hi)) = t.scale() {
                assert!(lo >= 0 && (hi as usize) < SCORE_VALUES, "{t:?}");
            }
        }
    }

    #[test]
    fn empty_and_single_day_ranges() {
        assert!(cover(10, 9).is_empty());
        assert!(cover_series(10, 9, Granularity::Month).is_empty());
        assert_eq!(cover(5, 5), vec![Span { grain: Grain::Day, from: 5, to: 5 }]);
    }

    proptest! {
        /// Whatever the range (including the dashboard's "all history" bounds), the spans cover every day
        /// exactly once, and no cell of a series' spans straddles two of its points.
        #[test]
        fn spans_partition_the_range(from in -100_000i32..1_000_000, len in 0i32..1_500, g in 0usize..3) {
            let to = from + len;
            let g = [Granularity::Day, Granularity::Week, Granularity::Month][g];
            for spans in [cover(from, to), cover_series(from, to, g)] {
                let mut covered: Vec<i32> = spans.iter().flat_map(days).collect();
                covered.sort_unstable();
                prop_assert_eq!(covered, (from..=to).collect::<Vec<_>>());
            }
            for s in cover_series(from, to, g) {
                for b in s.from..=s.to {
                    let (first, last) = (s.grain.first_day(b), s.grain.last_day(b));
                    prop_assert_eq!(g.bucket_of_day(first), g.bucket_of_day(last));
                    prop_assert_eq!(series_bucket(s.grain, b, g), g.bucket_of_day(first));
                }
            }
        }
    }
}
