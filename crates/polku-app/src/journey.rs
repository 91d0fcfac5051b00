//! The journey map: stages left to right with their touchpoints, each with its volume, how it feels
//! (positive / neutral / negative from scores), NPS and CSAT with intervals, support contacts and events
//! started there, and a trend against the period before; and the pain points. Reads the rollups (answers),
//! support contacts and events of one period; the journey's layout is the organisation's own.
//!
//! `map` reads the rollups by touchpoint for the period and the one before (no raw answers), support
//! contacts and events per touchpoint (`touchpoint_activity`, on the day indexes of migration 0026), open
//! answers by their text's tone (`text_tone_by_touchpoint`) and the retention gap from the customers'
//! histories (`crate::money`); the touchpoints ever named by contacts and events come from
//! `known_touchpoints`, which walks their indexes one probe per value. Rollups do not know customers, so
//! "without the few" (`compare`) subtracts what the few did in the period (`customers_at_touchpoints`: their
//! answers, open answers, contacts and events; each customer reference once; the `day` columns decide, as
//! for the rollups) from the counts before the same figures are computed again.

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

/// Each placed touchpoint's names by language, for pages that show touchpoints by name
/// (`polku_domain::journey::label`).
pub async fn touchpoint_names(app: &App, caller: &Caller) -> AppResult<TouchpointNames> {
    caller.require(Permission::View)?;
    let (_, placed) = app.store.journey(caller.org).await?;
    Ok(placed.into_iter().map(|p| (p.touchpoint, p.names)).collect())
}

/// Touchpoint key → language → name.
pub type TouchpointNames = BTreeMap<String, BTreeMap<String, String>>;

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
    /// Analysed open answers at the touchpoint by their text's tone (the text sentiment), and its shares.
    pub text: Feel,
    pub text_positive_share: f64,
    pub text_neutral_share: f64,
    pub text_negative_share: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct StageView {
    pub key: String,
    pub name: String,
    pub touchpoints: Vec<TouchpointView>,
}

/// The map's figures for one set of customers.
#[derive(Clone, Debug, Serialize)]
pub struct JourneyFigures {
    pub stages: Vec<StageView>,
    /// Touchpoints with answers, contacts or events not placed on any stage yet.
    pub unplaced: Vec<TouchpointView>,
    pub pain_points: Vec<PainPoint>,
    /// Passives' retention minus detractors' (from the money figures), used for the pain points.
    pub retention_gap: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct JourneyMap {
    pub from: String,
    pub to: String,
    /// Everyone's figures.
    #[serde(flatten)]
    pub all: JourneyFigures,
    /// The few customers with the most negative load (when comparing), and the figures without them: their
    /// answers, contacts, events and open answers taken out of every touchpoint.
    pub few: Option<polku_domain::retention::FewLoad>,
    pub without_few: Option<JourneyFigures>,
}

/// What the map is computed from, per touchpoint.
#[derive(Clone, Default)]
struct Inputs {
    now: Vec<polku_store::RollupRow>,
    before: Vec<polku_store::RollupRow>,
    activity: BTreeMap<String, polku_store::TouchpointActivity>,
    tones: BTreeMap<String, [u64; 3]>,
}

impl Inputs {
    /// These inputs less `o`'s (a subset of them).
    fn minus(&self, o: &Inputs) -> Inputs {
        let rows = |a: &[polku_store::RollupRow], b: &[polku_store::RollupRow]| {
            let mut m: BTreeMap<(String, String, i64), i64> = BTreeMap::new();
            for r in a {
                *m.entry((r.group.clone(), r.kind.clone(), r.score)).or_default() += r.n;
            }
            for r in b {
                *m.entry((r.group.clone(), r.kind.clone(), r.score)).or_default() -= r.n;
            }
            m.into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|((group, kind, score), n)| polku_store::RollupRow { kind, group, score, n })
                .collect::<Vec<_>>()
        };
        let mut activity = self.activity.clone();
        for (k, a) in &o.activity {
            if let Some(e) = activity.get_mut(k) {
                e.contacts = (e.contacts - a.contacts).max(0);
                e.events = (e.events - a.events).max(0);
                e.negative_events = (e.negative_events - a.negative_events).max(0);
            }
        }
        let mut tones = self.tones.clone();
        for (k, t) in &o.tones {
            if let Some(e) = tones.get_mut(k) {
                for (x, y) in e.iter_mut().zip(t) {
                    *x = x.saturating_sub(*y);
                }
            }
        }
        Inputs { now: rows(&self.now, &o.now), before: rows(&self.before, &o.before), activity, tones }
    }
}

struct Layout<'a> {
    stages: &'a [Stage],
    placed: &'a [Placement],
    known: &'a [String],
    locale: Locale,
}

fn figures(l: &Layout<'_>, inputs: &Inputs, retention_gap: f64) -> JourneyFigures {
    let (now, before) = (counts(&inputs.now), counts(&inputs.before));
    let empty = KindCounts::default();
    let view = |key: &str, names: &BTreeMap<String, String>| {
        let c = now.get(key).unwrap_or(&empty);
        let feel = Feel::of(&c.nps, &c.csat, &c.ces);
        let b = before.get(key).unwrap_or(&empty);
        let a = inputs.activity.get(key).cloned().unwrap_or_default();
        let share = |x: u64| if feel.n() == 0 { 0.0 } else { x as f64 / feel.n() as f64 };
        let [tp, tn, tneg] = inputs.tones.get(key).copied().unwrap_or_default();
        let text = Feel { positive: tp, neutral: tn, negative: tneg };
        let text_share = |x: u64| if text.n() == 0 { 0.0 } else { x as f64 / text.n() as f64 };
        TouchpointView {
            key: key.to_string(),
            name: journey::name(key, names, l.locale),
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
            text_positive_share: text_share(text.positive),
            text_neutral_share: text_share(text.neutral),
            text_negative_share: text_share(text.negative),
            text,
        }
    };
    let mut stages: Vec<StageView> = l
        .stages
        .iter()
        .map(|s| StageView { key: s.key.clone(), name: journey::name(&s.key, &s.names, l.locale), touchpoints: vec![] })
        .collect();
    for p in l.placed {
        if let Some(s) = stages.iter_mut().find(|s| s.key == p.stage) {
            s.touchpoints.push(view(&p.touchpoint, &p.names));
        }
    }
    let mut known: std::collections::BTreeSet<&str> = l.known.iter().map(String::as_str).collect();
    known.extend(inputs.tones.keys().map(String::as_str).filter(|k| !k.is_empty()));
    let unplaced: Vec<TouchpointView> = known
        .into_iter()
        .filter(|k| !l.placed.iter().any(|p| p.touchpoint == *k))
        .map(|k| view(k, &BTreeMap::new()))
        .filter(|v| v.answers > 0 || v.contacts > 0 || v.events > 0 || v.text.n() > 0)
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
    JourneyFigures {
        stages,
        unplaced,
        pain_points: journey::pain_points(&inputs, total_nps, retention_gap),
        retention_gap,
    }
}

/// Passives' retention minus detractors' at `month`, never below zero.
fn retention_gap(customers: &[&polku_domain::retention::History], window: i32, month: i32) -> f64 {
    let e = polku_domain::retention::by_experience(customers, window, month);
    let (passive, detractor) = (&e.groups[1], &e.groups[2]);
    if passive.customers > 0 && detractor.customers > 0 {
        (passive.retention - detractor.retention).max(0.0)
    } else {
        0.0
    }
}

fn counts(rows: &[polku_store::RollupRow]) -> BTreeMap<String, KindCounts> {
    let mut out: BTreeMap<String, KindCounts> = BTreeMap::new();
    for r in rows {
        out.entry(r.group.clone()).or_default().add(&r.kind, r.score, r.n);
    }
    out
}

/// The map for days `from..=to` (default: the last 90 days with data); with `compare`, also without the few
/// customers who carry the most negative load.
pub async fn map(
    app: &App,
    caller: &Caller,
    from: Option<Date>,
    to: Option<Date>,
    locale: Locale,
    compare: bool,
) -> AppResult<JourneyMap> {
    let (stages, placed, known) = layout(app, caller).await?;
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (f, t),
        _ => match crate::dashboard::default_period(app, caller).await? {
            Some(period) => period,
            None => {
                let today = app.today(caller.org).await?;
                (today - time::Duration::days(89), today)
            }
        },
    };
    let (from_day, to_day) = (calendar::day_of_date(from), calendar::day_of_date(to));
    if from_day > to_day {
        return Err(AppError::invalid("from", "must not be after `to`"));
    }
    let len = to_day - from_day + 1;
    let filter = |from_day, to_day| RollupFilter { org: caller.org, survey: None, from_day, to_day };
    let zone = app.zone(caller.org).await?;
    let (from_at, to_at) = (zone.start_of_day(from_day), zone.start_of_day(to_day + 1));
    let inputs = Inputs {
        now: app.store.rollup(filter(from_day, to_day), GroupBy::Touchpoint).await?,
        before: app.store.rollup(filter(from_day - len, from_day - 1), GroupBy::Touchpoint).await?,
        activity: app.store.touchpoint_activity(caller.org, from_day, to_day).await?,
        tones: app.store.text_tone_by_touchpoint(caller.org, from_at, to_at).await?,
    };
    let h = crate::money::histories(app, caller).await?;
    let s = crate::money::settings(app, caller).await?;
    let (window, month) = (s.lost_after_months as i32, calendar::month_index(to));
    let everyone: Vec<&polku_domain::retention::History> = h.histories.iter().collect();
    let l = Layout { stages: &stages, placed: &placed, known: &known, locale };
    let all = figures(&l, &inputs, retention_gap(&everyone, window, month));
    let (few, without_few) = if compare {
        let (few_ids, few) = polku_domain::retention::the_few(&h.histories, s.few_percent as f64 / 100.0);
        let ids: Vec<uuid::Uuid> = few_ids.iter().map(|i| h.ids[*i]).collect();
        let theirs = app.store.customers_at_touchpoints(caller.org, &ids, (from_day, to_day), (from_at, to_at)).await?;
        let theirs = Inputs {
            now: theirs.answers,
            before: theirs.answers_before,
            activity: theirs.activity,
            tones: theirs.tones,
        };
        let rest: Vec<&polku_domain::retention::History> =
            h.histories.iter().enumerate().filter(|(i, _)| few_ids.binary_search(i).is_err()).map(|(_, c)| c).collect();
        (Some(few), Some(figures(&l, &inputs.minus(&theirs), retention_gap(&rest, window, month))))
    } else {
        (None, None)
    };
    Ok(JourneyMap { from: from.to_string(), to: to.to_string(), all, few, without_few })
}
