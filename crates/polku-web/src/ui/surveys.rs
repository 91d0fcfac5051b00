//! Survey pages: list, create and edit (fi / sv / en texts side by side), details, open / close.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, FormPairs, IdPath, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::store::{SurveyRecord, SurveyStatus, SurveySummary};
use polku_app::{AppError, surveys};
use polku_domain::locale::text_in;
use polku_domain::survey::{
    BandDraft, FieldError, FollowUpDraft, OptionDraft, QuestionDraft, SurveyDefinition, SurveyDraft,
};
use polku_domain::{Locale, SurveyId};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Empty question rows offered below the filled ones (no JavaScript to add rows).
const SPARE_ROWS: usize = 3;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/surveys", get(list).post(create))
        .route("/surveys/new", get(new_form))
        .route("/surveys/{id}", get(detail))
        .route("/surveys/{id}/edit", get(edit_form).post(update))
        .route("/surveys/{id}/status", post(set_status))
        .route("/surveys/{id}/responses.csv", get(download_csv))
        .route("/surveys/{id}/responses.ndjson", get(download_ndjson))
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct ListPage {
    c: Chrome,
    t: T,
    surveys: Vec<SurveySummary>,
}

#[derive(Clone, Default)]
struct Row {
    i: usize,
    key: String,
    kind: String,
    required: bool,
    text: [String; 3],
    options: String,
    after: String,
    bands: String,
}

#[derive(Template)]
#[template(path = "survey_form.html")]
struct FormPage {
    c: Chrome,
    t: T,
    action: String,
    name: String,
    locales: Vec<&'static str>,
    rows: Vec<Row>,
    errors: Vec<FieldError>,
    editing: bool,
}

impl FormPage {
    fn has_locale(&self, l: &str) -> bool {
        self.locales.contains(&l)
    }
}

#[derive(Template)]
#[template(path = "survey.html")]
struct DetailPage {
    c: Chrome,
    t: T,
    s: SurveyRecord,
    link: String,
    can_edit: bool,
}

impl DetailPage {
    fn qtext(&self, q: &polku_domain::survey::Question) -> String {
        text_in(&q.text, self.t.locale).to_string()
    }
    fn locales(&self) -> String {
        self.s.definition.locales.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")
    }
}

const LOCALES: [Locale; 3] = [Locale::Fi, Locale::Sv, Locale::En];

fn pipe(parts: &[&str]) -> String {
    let mut s = parts.join(" | ");
    while s.ends_with(" | ") {
        s.truncate(s.len() - 3);
    }
    s
}

fn rows_of(def: &SurveyDefinition) -> Vec<Row> {
    def.questions
        .iter()
        .enumerate()
        .map(|(i, q)| Row {
            i,
            key: q.key.clone(),
            kind: q.kind.as_str().into(),
            required: q.required,
            text: LOCALES.map(|l| q.text.get(&l).cloned().unwrap_or_default()),
            options: q
                .options
                .iter()
                .map(|o| {
                    let texts = LOCALES.map(|l| o.text.get(&l).cloned().unwrap_or_default());
                    pipe(&[&o.key, &texts[0], &texts[1], &texts[2]])
                })
                .collect::<Vec<_>>()
                .join("\n"),
            after: q.follow_up.as_ref().map(|f| f.after.clone()).unwrap_or_default(),
            bands: q
                .follow_up
                .iter()
                .flat_map(|f| &f.bands)
                .map(|b| {
                    let texts = LOCALES.map(|l| b.text.get(&l).cloned().unwrap_or_default());
                    pipe(&[&format!("{}-{}", b.min, b.max), &texts[0], &texts[1], &texts[2]])
                })
                .collect::<Vec<_>>()
                .join("\n"),
        })
        .collect()
}

fn with_spares(mut rows: Vec<Row>) -> Vec<Row> {
    let start = rows.len();
    rows.extend((start..start + SPARE_ROWS).map(|i| Row { i, kind: "nps".into(), ..Row::default() }));
    rows
}

/// The survey form's fixed fields; the question rows are read from the pairs.
#[derive(Default, serde::Deserialize)]
#[serde(default)]
struct SurveyHead {
    name: String,
    /// The checked languages.
    locale: Vec<String>,
}

/// Reads the form into rows (to show again on error) and a draft (to validate). The question rows are
/// numbered fields (`q0_key`, `q1_key` …), as many as were filled, so they are read as pairs.
fn parse_form(form: &FormPairs) -> (String, Vec<&'static str>, Vec<Row>, SurveyDraft, Vec<FieldError>) {
    // Every field is text with a default, so any body reads.
    let SurveyHead { name, locale } = crate::extract::from_pairs(form.0.clone()).unwrap_or_default();
    let locales: Vec<&'static str> =
        LOCALES.iter().map(|l| l.as_str()).filter(|l| locale.iter().any(|c| c == l)).collect();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut questions = Vec::new();
    for i in 0..50 {
        let field = |f: &str| form.get(&format!("q{i}_{f}")).unwrap_or("").trim().to_string();
        if form.get(&format!("q{i}_key")).is_none() {
            break;
        }
        let row = Row {
            i,
            key: field("key"),
            kind: field("type"),
            required: form.get(&format!("q{i}_required")).is_some(),
            text: LOCALES.map(|l| field(&format!("text_{l}"))),
            options: field("options"),
            after: field("after"),
            bands: field("bands"),
        };
        if row.key.is_empty() && row.text.iter().all(String::is_empty) {
            continue;
        }
        let path = format!("questions[{}]", questions.len());
        let texts = |parts: &[&str]| -> BTreeMap<String, String> {
            LOCALES
                .iter()
                .zip(parts)
                .filter(|(_, t)| !t.is_empty())
                .map(|(l, t)| (l.as_str().to_string(), t.to_string()))
                .collect()
        };
        let options = row
            .options
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let parts: Vec<&str> = line.split('|').map(str::trim).collect();
                if parts.len() == 1 {
                    OptionDraft::Plain(parts[0].to_string())
                } else {
                    OptionDraft::Full { key: parts[0].to_string(), text: texts(&parts[1..]) }
                }
            })
            .collect();
        let follow_up = (!row.after.is_empty()).then(|| FollowUpDraft {
            after: row.after.clone(),
            bands: row
                .bands
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .enumerate()
                .filter_map(|(b, line)| {
                    let parts: Vec<&str> = line.split('|').map(str::trim).collect();
                    let range = parts[0]
                        .split_once('-')
                        .and_then(|(a, z)| Some((a.trim().parse().ok()?, z.trim().parse().ok()?)));
                    match range {
                        Some((min, max)) => Some(BandDraft { min, max, text: texts(&parts[1..]) }),
                        None => {
                            errors.push(FieldError {
                                field: format!("{path}.follow_up.bands[{b}]"),
                                message: "must start with a score range such as 0-6".into(),
                            });
                            None
                        }
                    }
                })
                .collect(),
        });
        questions.push(QuestionDraft {
            key: row.key.clone(),
            kind: row.kind.clone(),
            required: row.required,
            text: texts(&row.text.iter().map(String::as_str).collect::<Vec<_>>()),
            options,
            follow_up,
        });
        rows.push(Row { i: rows.len(), ..row });
    }
    let draft =
        SurveyDraft { name: name.clone(), locales: locales.iter().map(ToString::to_string).collect(), questions };
    (name, locales, rows, draft, errors)
}

async fn list(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    let surveys = surveys::list(&web.app, &s.caller).await.map_err(fail(&s))?;
    Ok(page(&ListPage { c: Chrome::new(&s, "surveys"), t: s.t, surveys }))
}

async fn new_form(s: UiSession) -> Result<Response, PageError> {
    s.caller.require(polku_domain::role::Permission::ManageSurveys).map_err(fail(&s))?;
    Ok(page(&FormPage {
        c: Chrome::new(&s, "surveys"),
        t: s.t,
        action: "/surveys".into(),
        name: String::new(),
        locales: vec!["fi", "sv", "en"],
        rows: with_spares(Vec::new()),
        errors: Vec::new(),
        editing: false,
    }))
}

async fn save(web: &Web, s: &UiSession, id: Option<SurveyId>, form: FormPairs) -> Result<Response, PageError> {
    let (name, locales, rows, draft, mut errors) = parse_form(&form);
    let result = if errors.is_empty() {
        match id {
            None => surveys::create(&web.app, &s.caller, &draft).await.map(|r| r.id),
            Some(id) => surveys::update(&web.app, &s.caller, id, &draft).await.map(|(r, _)| r.id),
        }
    } else {
        Err(AppError::Invalid(polku_domain::survey::ValidationErrors(Vec::new())))
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/surveys/{id}")).into_response()),
        Err(AppError::Invalid(v)) => {
            errors.extend(v.0);
            let form_page = FormPage {
                c: Chrome::new(s, "surveys"),
                t: s.t,
                action: id.map(|i| format!("/surveys/{i}/edit")).unwrap_or_else(|| "/surveys".into()),
                name,
                locales,
                rows: with_spares(rows),
                errors,
                editing: id.is_some(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&form_page)).into_response())
        }
        Err(e) => Err(fail(s)(e)),
    }
}

async fn create(State(web): State<Web>, CsrfForm(s, form): CsrfForm<FormPairs>) -> Result<Response, PageError> {
    save(&web, &s, None, form).await
}

async fn detail(State(web): State<Web>, s: UiSession, IdPath(id): IdPath<SurveyId>) -> Result<Response, PageError> {
    let r = surveys::get(&web.app, &s.caller, id).await.map_err(fail(&s))?;
    let can_edit = s.caller.role.allows(polku_domain::role::Permission::ManageSurveys);
    Ok(page(&DetailPage { c: Chrome::new(&s, "surveys"), t: s.t, link: format!("/s/{}", r.slug), s: r, can_edit }))
}

/// Every answer of the survey as a file: the API's export, for the signed-in member.
async fn download(web: &Web, s: &UiSession, id: SurveyId, format: &str) -> Response {
    let q = crate::api::responses::ExportQuery { after: None, limit: None, format: Some(format.into()) };
    match crate::api::responses::export_response(web, s.caller.clone(), id, q).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn download_csv(State(web): State<Web>, s: UiSession, IdPath(id): IdPath<SurveyId>) -> Response {
    download(&web, &s, id, "csv").await
}

async fn download_ndjson(State(web): State<Web>, s: UiSession, IdPath(id): IdPath<SurveyId>) -> Response {
    download(&web, &s, id, "ndjson").await
}

async fn edit_form(State(web): State<Web>, s: UiSession, IdPath(id): IdPath<SurveyId>) -> Result<Response, PageError> {
    s.caller.require(polku_domain::role::Permission::ManageSurveys).map_err(fail(&s))?;
    let r = surveys::get(&web.app, &s.caller, id).await.map_err(fail(&s))?;
    Ok(page(&FormPage {
        c: Chrome::new(&s, "surveys"),
        t: s.t,
        action: format!("/surveys/{}/edit", r.id),
        name: r.definition.name.clone(),
        locales: r.definition.locales.iter().map(|l| l.as_str()).collect(),
        rows: with_spares(rows_of(&r.definition)),
        errors: Vec::new(),
        editing: true,
    }))
}

async fn update(
    State(web): State<Web>,
    IdPath(id): IdPath<SurveyId>,
    CsrfForm(s, form): CsrfForm<FormPairs>,
) -> Result<Response, PageError> {
    save(&web, &s, Some(id), form).await
}

/// Opening or closing a survey (a draft is never gone back to).
#[derive(Deserialize)]
struct StatusForm {
    status: Move,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Move {
    Open,
    Closed,
}

async fn set_status(
    State(web): State<Web>,
    IdPath(id): IdPath<SurveyId>,
    CsrfForm(s, form): CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    let status = match form.status {
        Move::Open => SurveyStatus::Open,
        Move::Closed => SurveyStatus::Closed,
    };
    surveys::set_status(&web.app, &s.caller, id, status).await.map_err(fail(&s))?;
    Ok(Redirect::to(&format!("/surveys/{id}")).into_response())
}
