//! The overview dashboard: NPS, CSAT and CES with intervals, trends, distribution, breakdowns, comments.

use super::chart::{self, Bar, TrendPoint};
use super::{Chrome, CommentTags, TouchpointLabels, fail, fmt_ci, fmt1, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::UiSession;
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use polku_app::AppError;
use polku_app::dashboard::{self, Breakdown, Summary};
use polku_app::store::{Comment, SurveySummary};
use polku_domain::metrics::ScoreCounts;

pub(super) fn router() -> Router<Web> {
    Router::new().route("/", get(overview))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Chrome,
    t: T,
    surveys: Vec<SurveySummary>,
    survey: String,
    from: String,
    to: String,
    granularity: &'static str,
    total: Summary,
    nps_chart: String,
    csat_chart: String,
    ces_chart: String,
    distribution: String,
    by_channel: Vec<Breakdown>,
    /// The response funnel per channel for the same period and survey.
    funnel: Vec<polku_domain::invite::Funnel>,
    by_touchpoint: Vec<Breakdown>,
    comments: Vec<Comment>,
    /// Theme key → label in the page's language.
    theme_labels: Vec<(String, String)>,
    tp: TouchpointLabels,
    empty: bool,
}

impl DashboardPage {
    fn invited(&self, channel: &str) -> String {
        self.funnel.iter().find(|f| f.channel == channel).map_or_else(|| "–".into(), |f| f.invited.to_string())
    }
    fn response_rate(&self, channel: &str) -> String {
        self.funnel
            .iter()
            .find(|f| f.channel == channel)
            .and_then(|f| f.response_rate)
            .map_or_else(|| "–".into(), |r| format!("{} %", self.t.num(r * 100.0, 0)))
    }
    fn f1(&self, v: &Option<f64>) -> String {
        fmt1(&self.t, v)
    }
    fn ci(&self, v: &Option<[f64; 2]>) -> String {
        fmt_ci(&self.t, v)
    }
    fn score_class(&self, score: &Option<i64>) -> &'static str {
        match score {
            Some(s) if *s >= 9 => "promoter",
            Some(s) if *s >= 7 => "passive",
            Some(_) => "detractor",
            None => "neutral",
        }
    }
    fn when(&self, c: &Comment) -> String {
        self.t.date(&c.submitted_at)
    }
    fn score_text(&self, score: &Option<i64>) -> String {
        score.map(|s| s.to_string()).unwrap_or_default()
    }
}

impl CommentTags for DashboardPage {
    fn tr(&self) -> &T {
        &self.t
    }
    fn theme_labels(&self) -> &[(String, String)] {
        &self.theme_labels
    }
    fn touchpoints(&self) -> &TouchpointLabels {
        &self.tp
    }
}

/// One metric of one bucket: value, interval, n.
type Point = (Option<f64>, Option<[f64; 2]>, u64);

fn distribution(t: &T, counts: &ScoreCounts) -> String {
    let bars: Vec<Bar> = counts
        .iter()
        .map(|(score, count)| Bar {
            label: score.to_string(),
            count,
            class: match score {
                9.. => "promoter",
                7..=8 => "passive",
                _ => "detractor",
            },
        })
        .collect();
    chart::distribution_svg(t, &t.get("dash-distribution"), &bars)
}

async fn overview(State(web): State<Web>, s: UiSession, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    let mut query =
        crate::api::parse_metrics_query(q.as_deref()).map_err(|e| fail(&s)(AppError::invalid("query", e.message)))?;
    let survey_param = serde_urlencoded::from_str::<Vec<(String, String)>>(q.as_deref().unwrap_or(""))
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "survey")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty());
    if let Some(id) = &survey_param {
        query.survey = Some(id.parse().map_err(|_| fail(&s)(AppError::NotFound))?);
    }
    if query.from.is_none()
        && query.to.is_none()
        && let Some((from, to)) = dashboard::default_period(&web.app, &s.caller).await.map_err(fail(&s))?
    {
        query.from = Some(from);
        query.to = Some(to);
    }
    let surveys = polku_app::surveys::list(&web.app, &s.caller).await.map_err(fail(&s))?;
    let o = dashboard::overview(&web.app, &s.caller, &query).await.map_err(fail(&s))?;
    let funnel = polku_app::invitations::funnel(&web.app, &s.caller, query.survey, query.from, query.to)
        .await
        .map_err(fail(&s))?;
    let analyzer = polku_app::text_models::analyzer_for(&web.app, s.caller.org).await.map_err(fail(&s))?;
    let t = s.t;
    let trend = |pick: &dyn Fn(&Summary) -> Point| -> Vec<TrendPoint> {
        o.metrics
            .series
            .iter()
            .map(|p| {
                let (value, ci, n) = pick(&p.summary);
                TrendPoint { label: t.day(&p.start), value, ci, n }
            })
            .collect()
    };
    let nps_chart =
        chart::trend_svg(&t, &t.get("metric-nps"), &trend(&|s| (s.nps.score, s.nps.ci95, s.nps.n)), -100.0, 100.0);
    let csat_chart =
        chart::trend_svg(&t, &t.get("metric-csat"), &trend(&|s| (s.csat.score, s.csat.ci95, s.csat.n)), 0.0, 100.0);
    let ces_chart =
        chart::trend_svg(&t, &t.get("metric-ces"), &trend(&|s| (s.ces.score, s.ces.ci95, s.ces.n)), 1.0, 7.0);
    let total = o.metrics.total.clone();
    let empty = total.nps.n + total.csat.n + total.ces.n == 0;
    Ok(page(&DashboardPage {
        c: Chrome::new(&s, "dashboard"),
        t,
        surveys,
        survey: survey_param.unwrap_or_default(),
        from: query.from.map(|d| d.to_string()).unwrap_or_default(),
        to: query.to.map(|d| d.to_string()).unwrap_or_default(),
        granularity: query.granularity.as_str(),
        distribution: distribution(&t, &o.metrics.counts.nps),
        total,
        nps_chart,
        csat_chart,
        ces_chart,
        by_channel: o.by_channel,
        funnel,
        by_touchpoint: o.by_touchpoint,
        comments: o.comments,
        theme_labels: analyzer.themes(t.locale).map(|(k, l)| (k.to_string(), l.to_string())).collect(),
        tp: TouchpointLabels::load(&web, &s).await?,
        empty,
    }))
}
