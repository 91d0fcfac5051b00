//! `/journey`: the journey map — stages left to right, touchpoints under them with how they feel, NPS with
//! its interval, support contacts, events and trend, each a click through to its answers — and the pain
//! points with the numbers behind their rank. `/settings/journey` (admins): rename, reorder and add stages,
//! and place touchpoints on them.

use super::{Chrome, TouchpointLabels, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, FormPairs, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use polku_app::AppError;
use polku_app::journey::{JourneyFigures, JourneyMap, TouchpointView};
use polku_domain::journey::{Placement, Stage, Trend};
use std::collections::BTreeMap;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/journey", get(show))
        .route("/journey.csv", get(csv))
        .route("/settings/journey", get(settings).post(save))
}

#[derive(Template)]
#[template(path = "journey.html")]
struct JourneyPage {
    c: Chrome,
    t: T,
    m: JourneyMap,
    tp: TouchpointLabels,
}

impl JourneyPage {
    fn pct(&self, v: &f64) -> String {
        self.t.num(v * 100.0, 0)
    }
    fn nps(&self, tp: &TouchpointView) -> String {
        match (tp.nps.score, tp.nps.ci95) {
            (Some(s), Some([lo, hi])) => format!("{} ({}…{})", self.t.num(s, 0), self.t.num(lo, 0), self.t.num(hi, 0)),
            (Some(s), None) => self.t.num(s, 0),
            _ => "–".into(),
        }
    }
    fn arrow(&self, tr: &Trend) -> (&'static str, String) {
        match tr {
            Trend::Better => ("↑", self.t.get("journey-better")),
            Trend::Worse => ("↓", self.t.get("journey-worse")),
            Trend::Steady => ("→", self.t.get("journey-steady")),
            Trend::Unknown => ("·", self.t.get("journey-unknown")),
        }
    }
    fn trend_class(&self, tr: &Trend) -> &'static str {
        match tr {
            Trend::Better => "trend-up",
            Trend::Worse => "trend-down",
            _ => "muted",
        }
    }
    fn num(&self, v: &f64) -> String {
        self.t.num(*v, 1)
    }
    fn range(&self) -> String {
        format!("from={}&to={}", self.m.from, self.m.to)
    }
    /// The figure sets shown: everyone, and without the few when comparing.
    fn sets(&self) -> Vec<(String, &JourneyFigures)> {
        let mut out = vec![(self.t.get("money-all"), &self.m.all)];
        if let Some(w) = &self.m.without_few {
            out.push((self.t.get("money-without-few"), w));
        }
        out
    }
}

async fn show(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let q = crate::api::parse_journey_query(raw.as_deref()).map_err(fail(&s))?;
    let m =
        polku_app::journey::map(&web.app, &s.caller, q.from, q.to, s.t.locale, q.compare).await.map_err(fail(&s))?;
    let tp = TouchpointLabels::load(&web, &s).await?;
    Ok(page(&JourneyPage { c: Chrome::new(&s, "journey"), t: s.t, m, tp }))
}

async fn csv(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let q = crate::api::parse_journey_query(raw.as_deref()).map_err(fail(&s))?;
    let m =
        polku_app::journey::map(&web.app, &s.caller, q.from, q.to, s.t.locale, q.compare).await.map_err(fail(&s))?;
    let body = crate::money_csv::journey(&m).map_err(|e| fail(&s)(AppError::Internal(e)))?;
    Ok(crate::api::csv_response(body, "polku-journey.csv"))
}

/// One row of the stage editor.
struct StageRow {
    key: String,
    position: usize,
    fi: String,
    sv: String,
    en: String,
}

/// One row of the touchpoint editor.
struct TouchpointRow {
    key: String,
    stage: String,
    fi: String,
    sv: String,
    en: String,
}

#[derive(Template)]
#[template(path = "journey_settings.html")]
struct SettingsPage {
    c: Chrome,
    t: T,
    stages: Vec<StageRow>,
    touchpoints: Vec<TouchpointRow>,
    errors: Vec<(String, String)>,
}

fn names_of(m: &BTreeMap<String, String>, l: &str) -> String {
    m.get(l).cloned().unwrap_or_default()
}

async fn render(web: &Web, s: &UiSession, errors: Vec<(String, String)>) -> Result<Response, PageError> {
    let (stages, placed, known) = polku_app::journey::layout(&web.app, &s.caller).await.map_err(fail(s))?;
    let mut stage_rows: Vec<StageRow> = stages
        .iter()
        .enumerate()
        .map(|(i, st)| StageRow {
            key: st.key.clone(),
            position: i + 1,
            fi: names_of(&st.names, "fi"),
            sv: names_of(&st.names, "sv"),
            en: names_of(&st.names, "en"),
        })
        .collect();
    // Two empty rows to add stages.
    for k in 0..2 {
        stage_rows.push(StageRow {
            key: String::new(),
            position: stages.len() + 1 + k,
            fi: String::new(),
            sv: String::new(),
            en: String::new(),
        });
    }
    let touchpoints = known
        .iter()
        .map(|k| {
            let p = placed.iter().find(|p| &p.touchpoint == k);
            let n = p.map(|p| p.names.clone()).unwrap_or_default();
            TouchpointRow {
                key: k.clone(),
                stage: p.map(|p| p.stage.clone()).unwrap_or_default(),
                fi: names_of(&n, "fi"),
                sv: names_of(&n, "sv"),
                en: names_of(&n, "en"),
            }
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&SettingsPage { c: Chrome::new(s, "journey"), t: s.t, stages: stage_rows, touchpoints, errors });
    Ok((status, body).into_response())
}

async fn settings(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    s.caller.require(polku_domain::role::Permission::Administer).map_err(fail(&s))?;
    render(&web, &s, vec![]).await
}

fn names(form: &FormPairs, prefix: &str, i: usize) -> BTreeMap<String, String> {
    ["fi", "sv", "en"]
        .into_iter()
        .filter_map(|l| {
            let v = form.get(&format!("{prefix}_{l}_{i}")).unwrap_or("").trim();
            (!v.is_empty()).then(|| (l.to_string(), v.to_string()))
        })
        .collect()
}

/// The editor's rows are numbered fields (`stage_key_0`, `tp_stage_3` …), as many as there are stages and
/// touchpoints, so the form is read as pairs row by row.
async fn save(State(web): State<Web>, CsrfForm(s, form): CsrfForm<FormPairs>) -> Result<Response, PageError> {
    let mut stages: Vec<(f64, usize, Stage)> = Vec::new();
    let mut i = 0;
    while let Some(key) = form.get(&format!("stage_key_{i}")) {
        let key = key.trim().to_ascii_lowercase();
        if !key.is_empty() {
            let pos: f64 =
                form.get(&format!("stage_pos_{i}")).and_then(|p| p.trim().parse().ok()).unwrap_or(i as f64 + 1.0);
            stages.push((pos, i, Stage { key, names: names(&form, "stage", i) }));
        }
        i += 1;
    }
    stages.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut placed = Vec::new();
    let mut i = 0;
    while let Some(tp) = form.get(&format!("tp_{i}")) {
        let stage = form.get(&format!("tp_stage_{i}")).unwrap_or("").trim();
        if !stage.is_empty() {
            placed.push(Placement {
                touchpoint: tp.to_string(),
                stage: stage.to_string(),
                names: names(&form, "tp", i),
            });
        }
        i += 1;
    }
    let stages: Vec<Stage> = stages.into_iter().map(|(_, _, s)| s).collect();
    match polku_app::journey::set_layout(&web.app, &s.caller, &stages, &placed).await {
        Ok(()) => Ok(Redirect::to("/journey").into_response()),
        Err(AppError::Invalid(v)) => render(&web, &s, v.0.into_iter().map(|e| (e.field, e.message)).collect()).await,
        Err(e) => Err(fail(&s)(e)),
    }
}
