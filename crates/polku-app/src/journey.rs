//! The journey map: stages left to right with their touchpoints, each with its volume, how it feels
//! (positive / neutral / negative from scores), NPS and CSAT with intervals, support contacts and events
//! started there, and a trend against the period before; and the pain points. Reads the rollups (answers),
//! support contacts and events of one period; the journey's layout is the organisation's own.

use crate::auth::Caller;
use crate::dashboard::KindCounts;
use crate::{App, AppError, AppResult};
use polku_domain::journey::{self, Feel, PainPoint, Placement, Stage, TouchpointInput, Trend};
use polku_domain::metrics::{self, Csat, Nps};
use polku_domain::role::Permission;
use polku_domain::{Locale, calendar};
use polku_store::{Audit, GroupBy, RollupFilter};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// The stages (the organisation's, else the defaults), the placements, and every touchpoint known from
/// answers, contacts and events.
pub async fn layout(app: &App, caller: &Caller) -> AppResult<(Vec<Stage>, Vec<Placement>, Vec<String>)> {
    caller.require(Permission::View)?;
    let (stages, placed) = app.store.journey(caller.org).await?;
    let f = RollupFilter { org: caller.org, survey: None, from_day: -100_000, to_day: 1_000_000 };
    let mut known: std::collections::BTreeSet<String> =
        app.store.rollup(f, GroupBy::Touchpoint).await?.into_iter().map(|r| r.group).collect();
    known.extend(app.store.known_touchpoints(caller.org).await?);
    known.extend(placed.iter().map(|p| p.touchpoint.clone()));
    Ok((stages.unwrap_or_else(journey::default_stages), placed, known.into_iter().filter(|t| !t.is_empty()).collect()))
}

/// Replaces the journey's stages and placements (admins).
pub async fn set_layout(app: &App, caller: &Caller, stages: &[Stage], placed: &[Placement]) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    journey::validate(stages, placed)?;
    let audit = Audit {
        actor: &caller.actor,
        action: "journey.update",
        target: caller.org.to_string(),
        detail: serde_json::json!({"stages": stages.len(), "touchpoints": placed.len()}),
    };
    Ok(app.store.set_journey(caller.org, stages, placed, &audit).await?)
}

/// One touchpoint on the map.
#[derive(Clone, Debug, Serialize)]
pub struct TouchpointView {
    pub key: String,
    pub name: String,
    /// Scored answers at the touchpoint in the period.
    pub answers: u64,
    pub feel: Feel,
    pub positive_share: f64,
    pub neutral_share: f64,
    pub negative_share: f64,
    pub nps: Nps,
    pub csat: Csat,
    pub contacts: i64,
    pub events: i64,
    pub negative_events: i64,
    /// Against the period of the same length before.
    pub trend: Trend,
}

#[derive(Clone, Debug, Serialize)]
pub struct StageView {
    pub key: String,
    pub name: String,
    pub touchpoints: Vec<TouchpointView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JourneyMap {
    pub from: String,
    pub to: String,
    pub stages: Vec<StageView>,
    /// Touchpoints with answers, contacts or events not placed on any stage yet.
    pub unplaced: Vec<TouchpointView>,
    pub pain_points: Vec<PainPoint>,
    /// Passives' retention minus detractors' (from the money figures), used for the pain points.
    pub retention_gap: f64,
}

fn counts(rows: &[polku_store::RollupRow]) -> BTreeMap<String, KindCounts> {
    let mut out: BTreeMap<String, KindCounts> = BTreeMap::new();
    for r in rows {
        out.entry(r.group.clone()).or_default().add(&r.kind, r.score, r.n);
    }
    out
}

/// The map for days `from..=to` (default: the last 90 days with data).
pub async fn map(
    app: &App,
    caller: &Caller,
    from: Option<Date>,
    to: Option<Date>,
    locale: Locale,
) -> AppResult<JourneyMap> {
    let (stages, placed, known) = layout(app, caller).await?;
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        _ => crate::dashboard::default_period(app, caller)
            .await?
            .unwrap_or_else(|| (polku_store::now().date() - time::Duration::days(89), polku_store::now().date())),
    };
    let (from_day, to_day) = (calendar::day_of_date(from), calendar::day_of_date(to));
    if from_day > to_day {
        return Err(AppError::invalid("from", "must not be after `to`"));
    }
    let len = to_day - from_day + 1;
    let now_rows =
        app.store.rollup(RollupFilter { org: caller.org, survey: None, from_day, to_day }, GroupBy::Touchpoint).await?;
    let before_rows = app
        .store
        .rollup(
            RollupFilter { org: caller.org, survey: None, from_day: from_day - len, to_day: from_day - 1 },
            GroupBy::Touchpoint,
        )
        .await?;
    let (now, before) = (counts(&now_rows), counts(&before_rows));
    let activity = app.store.touchpoint_activity(caller.org, from_day, to_day).await?;
    let empty = KindCounts::default();
    let view = |key: &str, names: &BTreeMap<String, String>| {
        let c = now.get(key).unwrap_or(&empty);
        let feel = Feel::of(&c.nps, &c.csat, &c.ces);
        let b = before.get(key).unwrap_or(&empty);
        let a = activity.get(key).cloned().unwrap_or_default();
        let share = |x: u64| if feel.n() == 0 { 0.0 } else { x as f64 / feel.n() as f64 };
        TouchpointView {
            key: key.to_string(),
            name: journey::name(key, names, locale),
            answers: feel.n(),
            positive_share: share(feel.positive),
            neutral_share: share(feel.neutral),
            negative_share: share(feel.negative),
            feel,
            nps: metrics::nps(&c.nps),
            csat: metrics::csat(&c.csat),
            contacts: a.contacts,
            events: a.events,
            negative_events: a.negative_events,
            trend: journey::trend(Feel::of(&b.nps, &b.csat, &b.ces), feel),
        }
    };
    let mut stage_views: Vec<StageView> = stages
        .iter()
        .map(|s| StageView { key: s.key.clone(), name: journey::name(&s.key, &s.names, locale), touchpoints: vec![] })
        .collect();
    for p in &placed {
        if let Some(s) = stage_views.iter_mut().find(|s| s.key == p.stage) {
            s.touchpoints.push(view(&p.touchpoint, &p.names));
        }
    }
    let unplaced: Vec<TouchpointView> = known
        .iter()
        .filter(|k| !placed.iter().any(|p| &p.touchpoint == *k))
        .map(|k| view(k, &BTreeMap::new()))
        .filter(|v| v.answers > 0 || v.contacts > 0 || v.events > 0)
        .collect();
    let inputs: Vec<TouchpointInput> = now
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, c)| TouchpointInput {
            key: k.clone(),
            feel: Feel::of(&c.nps, &c.csat, &c.ces),
            nps_n: c.nps.n(),
            detractors: c.nps.count_in(0, 6),
        })
        .collect();
    let total_nps: u64 = now.values().map(|c| c.nps.n()).sum();
    let retention_gap = {
        let h = crate::money::histories(app, caller).await?;
        let s = crate::money::settings(app, caller).await?;
        let all: Vec<&polku_domain::retention::History> = h.histories.iter().collect();
        let e = polku_domain::retention::by_experience(&all, s.lost_after_months as i32, calendar::month_index(to));
        let (passive, detractor) = (&e.groups[1], &e.groups[2]);
        if passive.customers > 0 && detractor.customers > 0 {
            (passive.retention - detractor.retention).max(0.0)
        } else {
            0.0
        }
    };
    Ok(JourneyMap {
        from: from.to_string(),
        to: to.to_string(),
        stages: stage_views,
        unplaced,
        pain_points: journey::pain_points(&inputs, total_nps, retention_gap),
        retention_gap,
    })
}
