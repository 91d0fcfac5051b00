//! The overview dashboard and the metrics API: rollup counts in, NPS / CSAT / CES with intervals out.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::SurveyId;
use polku_domain::calendar::{self, Granularity};
use polku_domain::metrics::{self, Ces, Csat, Nps, ScoreCounts};
use polku_domain::role::Permission;
use polku_store::{Comment, CommentFilter, GroupBy, RollupFilter, RollupRow};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// Bounds used when a query gives no period: far enough to include all history.
const ALL_FROM: i32 = -100_000;
const ALL_TO: i32 = 1_000_000;
/// Longest series returned, so a day granularity over decades cannot produce a huge answer.
const MAX_POINTS: i64 = 1_500;

#[derive(Clone, Copy, Debug, Default)]
pub struct MetricsQuery {
    pub survey: Option<SurveyId>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub granularity: Granularity,
}

/// Counts per score for the three scored kinds.
#[derive(Clone, Debug, PartialEq)]
pub struct KindCounts {
    pub nps: ScoreCounts,
    pub csat: ScoreCounts,
    pub ces: ScoreCounts,
}

impl Default for KindCounts {
    fn default() -> Self {
        Self { nps: ScoreCounts::nps(), csat: ScoreCounts::csat(), ces: ScoreCounts::ces() }
    }
}

impl KindCounts {
    pub fn add(&mut self, kind: &str, score: i64, n: i64) {
        let target = match kind {
            "nps" => &mut self.nps,
            "csat" => &mut self.csat,
            "ces" => &mut self.ces,
            _ => return,
        };
        target.add(score as i16, n.max(0) as u64);
    }

    fn merge(&mut self, o: &KindCounts) {
        self.nps.merge(&o.nps);
        self.csat.merge(&o.csat);
        self.ces.merge(&o.ces);
    }

    pub fn summary(&self) -> Summary {
        Summary { nps: metrics::nps(&self.nps), csat: metrics::csat(&self.csat), ces: metrics::ces(&self.ces) }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub nps: Nps,
    pub csat: Csat,
    pub ces: Ces,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesPoint {
    /// First day of the bucket.
    pub start: String,
    #[serde(flatten)]
    pub summary: Summary,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    pub from: Option<String>,
    pub to: Option<String>,
    pub granularity: Granularity,
    #[serde(flatten)]
    pub total: Summary,
    pub series: Vec<SeriesPoint>,
    #[serde(skip)]
    pub counts: KindCounts,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Breakdown {
    pub name: String,
    pub summary: Summary,
}

pub struct Overview {
    pub metrics: Metrics,
    pub by_channel: Vec<Breakdown>,
    pub by_touchpoint: Vec<Breakdown>,
    pub comments: Vec<Comment>,
}

fn group(rows: &[RollupRow]) -> BTreeMap<&str, KindCounts> {
    let mut out: BTreeMap<&str, KindCounts> = BTreeMap::new();
    for r in rows {
        out.entry(r.group.as_str()).or_default().add(&r.kind, r.score, r.n);
    }
    out
}

fn filter(caller: &Caller, q: &MetricsQuery) -> AppResult<RollupFilter> {
    let from_day = q.from.map(calendar::day_of_date).unwrap_or(ALL_FROM);
    let to_day = q.to.map(calendar::day_of_date).unwrap_or(ALL_TO);
    if from_day > to_day {
        return Err(AppError::invalid("from", "must not be after `to`"));
    }
    Ok(RollupFilter { org: caller.org, survey: q.survey, from_day, to_day })
}

/// NPS, CSAT and CES over a period, with a series by day, week or month. Buckets without answers are
/// included (as empty summaries) between the first and last bucket, so charts show gaps honestly.
pub async fn metrics(app: &App, caller: &Caller, q: &MetricsQuery) -> AppResult<Metrics> {
    caller.require(Permission::View)?;
    if let Some(s) = q.survey {
        app.store.survey(caller.org, s).await?;
    }
    let f = filter(caller, q)?;
    let rows = app.store.rollup(f, GroupBy::Bucket(q.granularity)).await?;
    let by_bucket: BTreeMap<i32, KindCounts> = group(&rows)
        .into_iter()
        .map(|(g, c)| g.parse::<i32>().map(|b| (b, c)).map_err(|e| AppError::Internal(e.into())))
        .collect::<AppResult<_>>()?;
    let mut total = KindCounts::default();
    by_bucket.values().for_each(|c| total.merge(c));

    let first =
        q.from.map(|d| q.granularity.bucket_of_day(calendar::day_of_date(d))).or(by_bucket.keys().next().copied());
    let last = q.to.map(|d| q.granularity.bucket_of_day(calendar::day_of_date(d))).or(by_bucket.keys().last().copied());
    let mut series = Vec::new();
    if let (Some(first), Some(last)) = (first, last) {
        if i64::from(last) - i64::from(first) >= MAX_POINTS {
            return Err(AppError::invalid(
                "granularity",
                format!("the period has more than {MAX_POINTS} points; choose a coarser granularity"),
            ));
        }
        let empty = KindCounts::default();
        for b in first..=last {
            series.push(SeriesPoint {
                start: q.granularity.bucket_start(b).to_string(),
                summary: by_bucket.get(&b).unwrap_or(&empty).summary(),
            });
        }
    }
    Ok(Metrics {
        from: q.from.map(|d| d.to_string()),
        to: q.to.map(|d| d.to_string()),
        granularity: q.granularity,
        total: total.summary(),
        series,
        counts: total,
    })
}

async fn breakdown(app: &App, f: RollupFilter, by: GroupBy) -> AppResult<Vec<Breakdown>> {
    let rows = app.store.rollup(f, by).await?;
    let mut out: Vec<Breakdown> =
        group(&rows).into_iter().map(|(name, c)| Breakdown { name: name.to_string(), summary: c.summary() }).collect();
    // Busiest first: the rows a reader cares about most.
    out.sort_by_key(|b| std::cmp::Reverse(b.summary.nps.n + b.summary.csat.n + b.summary.ces.n));
    Ok(out)
}

/// Everything the overview page shows.
pub async fn overview(app: &App, caller: &Caller, q: &MetricsQuery) -> AppResult<Overview> {
    let metrics = metrics(app, caller, q).await?;
    let f = filter(caller, q)?;
    let by_channel = breakdown(app, f, GroupBy::Channel).await?;
    let by_touchpoint = breakdown(app, f, GroupBy::Touchpoint).await?;
    let zone = app.zone(caller.org).await?;
    let from = q.from.map_or(time::OffsetDateTime::UNIX_EPOCH, |d| zone.start_of_day(calendar::day_of_date(d)));
    let to = q.to.map_or_else(
        || polku_store::now() + time::Duration::days(1),
        |d| zone.start_of_day(calendar::day_of_date(d) + 1),
    );
    let filter = CommentFilter { survey: q.survey, from: Some(from), to: Some(to), ..CommentFilter::new(caller.org) };
    let comments = app.store.comments(&filter, 10).await?;
    Ok(Overview { metrics, by_channel, by_touchpoint, comments })
}

/// The period the dashboard shows when none is chosen: the last 90 days of data.
pub async fn default_period(app: &App, caller: &Caller) -> AppResult<Option<(Date, Date)>> {
    Ok(app
        .store
        .rollup_span(caller.org)
        .await?
        .map(|(first, last)| (calendar::date_of_day(first.max(last - 89)), calendar::date_of_day(last))))
}
