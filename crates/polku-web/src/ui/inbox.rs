//! The feedback inbox: every open answer, newest first, with its score, context, tone and themes (theme
//! and search words highlighted), filters for all of them and full-text search, pages, a CSV export, and
//! the team's triage: read marks, tags and notes.

use super::{Chrome, CommentTags, TouchpointLabels, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{CsrfForm, IdPath, UiSession};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_app::comments::{self, InboxParams};
use polku_app::store::{Comment, CommentNote, SurveySummary};
use polku_domain::Locale;
use polku_domain::role::Permission;
use polku_domain::text::{Analysis, Analyzer, SearchQuery};
use serde::Deserialize;

/// Comments read per batch of the streamed export.
const EXPORT_BATCH: i64 = 1000;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/inbox", get(inbox))
        .route("/inbox.csv", get(export))
        .route("/inbox/read", post(mark_page_read))
        .route("/inbox/{id}", get(detail))
        .route("/inbox/{id}/read", post(mark_read))
        .route("/inbox/{id}/tags", post(add_tag))
        .route("/inbox/{id}/tags/remove", post(remove_tag))
        .route("/inbox/{id}/notes", post(add_note))
}

/// A comment as the page shows it: its text as HTML with the theme words marked.
struct Item {
    c: Comment,
    html: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    c: Chrome,
    t: T,
    surveys: Vec<SurveySummary>,
    p: InboxParams,
    themes: Vec<(String, String)>,
    items: Vec<Item>,
    next: Option<String>,
    /// The current filters as a query string (without `after`), for the next-page and export links.
    query: String,
    /// This page's own address, to come back to after marking comments read.
    back: String,
    tags: Vec<(String, i64)>,
    can_triage: bool,
    /// Which lemmatizer made the Finnish base forms (libvoikko, or the Snowball fallback).
    lemmatizer: String,
    tp: TouchpointLabels,
}

impl InboxPage {
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    fn when(&self, c: &Comment) -> String {
        self.t.date(&c.submitted_at)
    }
    fn score_text(&self, score: &Option<i64>) -> String {
        score.map(|s| s.to_string()).unwrap_or_default()
    }
    fn checked(&self, v: &Option<String>) -> bool {
        matches!(v.as_deref(), Some("1" | "true" | "on"))
    }
    fn tag_href(&self, tag: &str) -> String {
        format!("/inbox?tag={}", crate::extract::urlencode(tag))
    }
    fn notes_text(&self, n: &i64) -> String {
        self.t.count("inbox-notes-count", *n)
    }
}

impl CommentTags for InboxPage {
    fn touchpoints(&self) -> &TouchpointLabels {
        &self.tp
    }
    fn tr(&self) -> &T {
        &self.t
    }
    fn theme_labels(&self) -> &[(String, String)] {
        &self.themes
    }
}

pub(crate) fn params(raw: Option<&str>) -> Result<InboxParams, AppError> {
    serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| AppError::invalid("query", e.to_string()))
}

async fn inbox(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p = params(raw.as_deref()).map_err(fail(&s))?;
    let result = comments::inbox(&web.app, &s.caller, &p).await.map_err(fail(&s))?;
    let surveys = polku_app::surveys::list(&web.app, &s.caller).await.map_err(fail(&s))?;
    let tags = comments::tags(&web.app, &s.caller).await.map_err(fail(&s))?;
    let analyzer = polku_app::text_models::analyzer_for(&web.app, s.caller.org).await.map_err(fail(&s))?;
    let analyzer = analyzer.as_ref();
    let search = p.q.as_deref().and_then(|q| analyzer.search_query(q));
    let search_label = s.t.get("inbox-search");
    let items = result
        .comments
        .into_iter()
        .map(|c| Item { html: marked_text(analyzer, &c, search.as_ref(), &search_label), c })
        .collect();
    let query = serde_urlencoded::to_string(filters(&p)).unwrap_or_default();
    let back = match raw.as_deref() {
        Some(q) if !q.is_empty() => safe_back(&format!("/inbox?{q}")),
        _ => "/inbox".to_string(),
    };
    Ok(page(&InboxPage {
        c: Chrome::new(&s, "inbox"),
        t: s.t,
        surveys,
        themes: analyzer.themes(s.t.locale).map(|(k, l)| (k.to_string(), l.to_string())).collect(),
        p,
        items,
        next: result.next,
        query,
        back,
        tags,
        can_triage: s.caller.role.allows(Permission::Triage),
        lemmatizer: match web.app.lemmatizer_info() {
            polku_app::LemmatizerInfo::Voikko { version } => s.t.arg("inbox-lemmatizer-voikko", "version", version),
            polku_app::LemmatizerInfo::Snowball { .. } => s.t.get("inbox-lemmatizer-snowball"),
        },
        tp: TouchpointLabels::load(&web, &s).await?,
    }))
}

/// A comment's text as HTML with its theme words marked, and the words a search found.
fn marked_text(analyzer: &Analyzer, c: &Comment, search: Option<&SearchQuery>, search_label: &str) -> String {
    let hint = c.language.as_deref().or(c.locale.as_deref()).and_then(Locale::parse);
    let a = analyzer.analyze(&c.text, hint, None);
    let mut marks: Vec<(usize, usize, &str)> =
        search.map(|q| search_marks(&a, &c.text, q, search_label)).unwrap_or_default();
    marks.extend(a.themes.iter().flat_map(|t| t.mentions.iter().map(move |m| (m.start, m.end, t.label.as_str()))));
    highlight(&c.text, &marks)
}

/// The words of `text` a search matched: by their own form or a base form, as the index does.
fn search_marks<'a>(a: &Analysis, text: &str, q: &SearchQuery, label: &'a str) -> Vec<(usize, usize, &'a str)> {
    let hits = |form: &str| {
        q.words.iter().any(|w| if w.prefix { form.starts_with(&w.forms[0]) } else { w.forms.iter().any(|f| f == form) })
    };
    a.tokens
        .iter()
        .filter(|t| t.end <= text.len())
        .filter(|t| {
            let word = text[t.start..t.end].to_lowercase();
            hits(&word) || t.base_forms.iter().any(|f| hits(f))
        })
        .map(|t| (t.start, t.end, label))
        .collect()
}

/// `back` if it is an inbox address on this site, else the inbox: never a redirect elsewhere, and never a
/// header value that could not be sent.
fn safe_back(back: &str) -> String {
    let ok = (back == "/inbox" || back.starts_with("/inbox?") || back.starts_with("/inbox/"))
        && back.len() <= 2048
        && back.bytes().all(|b| b.is_ascii_graphic());
    if ok { back.to_string() } else { "/inbox".to_string() }
}

/// The filters that were set, as (name, value) pairs.
fn filters(p: &InboxParams) -> Vec<(&'static str, &str)> {
    [
        ("survey", &p.survey),
        ("from", &p.from),
        ("to", &p.to),
        ("polarity", &p.polarity),
        ("theme", &p.theme),
        ("channel", &p.channel),
        ("touchpoint", &p.touchpoint),
        ("language", &p.language),
        ("customer", &p.customer),
        ("score_min", &p.score_min),
        ("score_max", &p.score_max),
        ("q", &p.q),
        ("tag", &p.tag),
        ("unread", &p.unread),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect()
}

/// Streamed batch by batch: the first batch is read before the answer starts, so a bad filter is a 4xx;
/// a failure later ends the stream with an error (the download is cut, not silently short).
async fn export(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p = params(raw.as_deref()).map_err(fail(&s))?;
    let mut export = comments::export(&web.app, &s.caller, &p).await.map_err(fail(&s))?;
    let first = export.next(&web.app, EXPORT_BATCH).await.map_err(fail(&s))?;
    let zone = web.app.zone(s.caller.org).await.map_err(fail(&s))?;
    let app = web.app.clone();
    let state = (Some(first), true, export, app, zone);
    let stream = futures_util::stream::unfold(state, |(rows, header, mut export, app, zone)| async move {
        let rows = rows?;
        let chunk = to_csv(&rows, &zone, header).map_err(std::io::Error::other);
        let next = if rows.len() < EXPORT_BATCH as usize {
            None
        } else {
            match export.next(&app, EXPORT_BATCH).await {
                Ok(next) => Some(next),
                Err(e) => {
                    tracing::warn!(error = %e, "an inbox export stopped");
                    return Some((Err(std::io::Error::other(e.to_string())), (None, false, export, app, zone)));
                }
            }
        };
        Some((chunk, (next, false, export, app, zone)))
    });
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"polku-comments.csv\""),
    ];
    Ok((headers, axum::body::Body::from_stream(stream)).into_response())
}

/// The export's columns.
const COLUMNS: [&str; 18] = [
    "id",
    "submitted_at",
    "survey_id",
    "response_id",
    "channel",
    "touchpoint",
    "customer",
    "survey_language",
    "language",
    "score",
    "score_kind",
    "tone",
    "sentiment",
    "themes",
    "tags",
    "read_at",
    "notes",
    "text",
];

/// Times are written in the organisation's zone, with its offset (RFC 3339), so a spreadsheet shows the
/// day the dashboards count them on.
fn to_csv(rows: &[Comment], zone: &polku_domain::zone::Zone, header: bool) -> anyhow::Result<Vec<u8>> {
    let mut w = crate::csv_out::CsvOut::default();
    if header {
        w.record(COLUMNS)?;
    }
    for c in rows {
        let themes: Vec<String> = c.themes.iter().map(|(k, p)| format!("{k}:{p}")).collect();
        let rfc3339 = &time::format_description::well_known::Rfc3339;
        w.record([
            c.id.to_string(),
            zone.local(c.submitted_at).format(rfc3339)?,
            c.survey_id.to_string(),
            c.response_id.to_string(),
            c.channel.clone(),
            c.touchpoint.clone(),
            c.customer_ref.clone().unwrap_or_default(),
            c.locale.clone().unwrap_or_default(),
            c.language.clone().unwrap_or_default(),
            c.score.map(|s| s.to_string()).unwrap_or_default(),
            c.score_kind.clone().unwrap_or_default(),
            c.polarity.clone().unwrap_or_default(),
            c.sentiment.map(|s| format!("{s:.3}")).unwrap_or_default(),
            themes.join(";"),
            c.tags.join(";"),
            c.read_at.map(|t| zone.local(t).format(rfc3339)).transpose()?.unwrap_or_default(),
            c.notes.to_string(),
            c.text.clone(),
        ])?;
    }
    w.finish()
}

#[derive(Template)]
#[template(path = "inbox_comment.html")]
struct DetailPage {
    c: Chrome,
    t: T,
    cm: Comment,
    html: String,
    notes: Vec<CommentNote>,
    themes: Vec<(String, String)>,
    tags: Vec<(String, i64)>,
    can_triage: bool,
    error: String,
    /// What was typed into the form that failed, to show again.
    tag_input: String,
    note_input: String,
    tp: TouchpointLabels,
}

impl DetailPage {
    fn when(&self, t: &time::OffsetDateTime) -> String {
        self.t.date_time(t)
    }
    fn customer_href(&self, who: &str) -> String {
        format!("/inbox?customer={}", crate::extract::urlencode(who))
    }
    fn tag_href(&self, tag: &str) -> String {
        format!("/inbox?tag={}", crate::extract::urlencode(tag))
    }
    fn remove_label(&self, tag: &str) -> String {
        self.t.arg("inbox-remove-tag", "tag", tag)
    }
    fn author(&self, n: &CommentNote) -> String {
        n.author.clone().unwrap_or_else(|| self.t.get("inbox-note-by-token"))
    }
}

impl CommentTags for DetailPage {
    fn touchpoints(&self) -> &TouchpointLabels {
        &self.tp
    }
    fn tr(&self) -> &T {
        &self.t
    }
    fn theme_labels(&self) -> &[(String, String)] {
        &self.themes
    }
}

async fn detail_page(
    web: &Web,
    s: &UiSession,
    id: i64,
    error: Option<AppError>,
    tag_input: String,
    note_input: String,
) -> Result<Response, PageError> {
    let d = comments::comment(&web.app, &s.caller, id).await.map_err(fail(s))?;
    let tags = comments::tags(&web.app, &s.caller).await.map_err(fail(s))?;
    let analyzer = polku_app::text_models::analyzer_for(&web.app, s.caller.org).await.map_err(fail(s))?;
    let analyzer = analyzer.as_ref();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let body = page(&DetailPage {
        c: Chrome::new(s, "inbox"),
        t: s.t,
        html: marked_text(analyzer, &d.comment, None, ""),
        cm: d.comment,
        notes: d.notes,
        themes: analyzer.themes(s.t.locale).map(|(k, l)| (k.to_string(), l.to_string())).collect(),
        tags,
        can_triage: s.caller.role.allows(Permission::Triage),
        error: error.map(|e| e.to_string()).unwrap_or_default(),
        tag_input,
        note_input,
        tp: TouchpointLabels::load(web, s).await?,
    });
    Ok((status, body).into_response())
}

async fn detail(State(web): State<Web>, s: UiSession, IdPath(id): IdPath<i64>) -> Result<Response, PageError> {
    detail_page(&web, &s, id, None, String::new(), String::new()).await
}

/// Read (the default) or unread again (`read=0`), then back to the page it was on.
#[derive(Deserialize)]
struct ReadForm {
    read: Option<bool>,
    back: Option<String>,
}

async fn mark_read(
    State(web): State<Web>,
    IdPath(id): IdPath<i64>,
    CsrfForm(s, form): CsrfForm<ReadForm>,
) -> Result<Response, PageError> {
    comments::mark_read(&web.app, &s.caller, &[id], form.read.unwrap_or(true)).await.map_err(fail(&s))?;
    let back = form.back.unwrap_or_else(|| format!("/inbox/{id}"));
    Ok(Redirect::to(&safe_back(&back)).into_response())
}

/// Every unread comment on the page, by id.
#[derive(Deserialize)]
struct PageReadForm {
    #[serde(default)]
    id: Vec<i64>,
    back: Option<String>,
}

async fn mark_page_read(
    State(web): State<Web>,
    CsrfForm(s, form): CsrfForm<PageReadForm>,
) -> Result<Response, PageError> {
    comments::mark_read(&web.app, &s.caller, &form.id, true).await.map_err(fail(&s))?;
    Ok(Redirect::to(&safe_back(form.back.as_deref().unwrap_or("/inbox"))).into_response())
}

/// What a tag or note form did: back to the comment, or the comment again with the error and what was typed.
async fn edited(
    web: &Web,
    s: &UiSession,
    id: i64,
    result: Result<(), AppError>,
    typed: (&str, &str),
    anchor: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/inbox/{id}{anchor}")).into_response()),
        Err(e @ AppError::Invalid(_)) => detail_page(web, s, id, Some(e), typed.0.into(), typed.1.into()).await,
        Err(e) => Err(fail(s)(e)),
    }
}

#[derive(Deserialize)]
struct TagForm {
    tag: String,
}

async fn add_tag(
    State(web): State<Web>,
    IdPath(id): IdPath<i64>,
    CsrfForm(s, form): CsrfForm<TagForm>,
) -> Result<Response, PageError> {
    let result = comments::add_tag(&web.app, &s.caller, id, &form.tag).await.map(|_| ());
    edited(&web, &s, id, result, (&form.tag, ""), "").await
}

async fn remove_tag(
    State(web): State<Web>,
    IdPath(id): IdPath<i64>,
    CsrfForm(s, form): CsrfForm<TagForm>,
) -> Result<Response, PageError> {
    let result = comments::remove_tag(&web.app, &s.caller, id, &form.tag).await;
    edited(&web, &s, id, result, ("", ""), "").await
}

#[derive(Deserialize)]
struct NoteForm {
    body: String,
}

async fn add_note(
    State(web): State<Web>,
    IdPath(id): IdPath<i64>,
    CsrfForm(s, form): CsrfForm<NoteForm>,
) -> Result<Response, PageError> {
    let result = comments::add_note(&web.app, &s.caller, id, &form.body).await.map(|_| ());
    edited(&web, &s, id, result, ("", &form.body), "#notes").await
}

/// The text as HTML with `<mark>` around each marked byte range (titled with its label); everything else
/// escaped. Overlapping or out-of-range marks are skipped rather than trusted.
fn highlight(text: &str, marks: &[(usize, usize, &str)]) -> String {
    let mut marks: Vec<_> = marks
        .iter()
        .filter(|(s, e, _)| s < e && *e <= text.len() && text.is_char_boundary(*s) && text.is_char_boundary(*e))
        .collect();
    marks.sort_by_key(|(s, e, _)| (*s, *e));
    let mut out = String::with_capacity(text.len() + 32 * marks.len());
    let mut at = 0;
    for (s, e, label) in marks {
        if *s < at {
            continue;
        }
        escape(&text[at..*s], &mut out);
        out.push_str("<mark title=\"");
        escape(label, &mut out);
        out.push_str("\">");
        escape(&text[*s..*e], &mut out);
        out.push_str("</mark>");
        at = *e;
    }
    escape(&text[at..], &mut out);
    out
}

fn escape(s: &str, out: &mut String) {
    out.push_str(&polku_domain::invite::escape_html(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlighting_marks_ranges_and_escapes_everything_else() {
        let text = "<b>Lasku</b> & toimitus \"myöhässä\"";
        let lasku = text.find("Lasku").unwrap();
        let toim = text.find("toimitus").unwrap();
        let html =
            highlight(text, &[(toim, toim + 8, "Toimitus <x>"), (lasku, lasku + 5, "Laskutus"), (0, 999, "bad")]);
        assert_eq!(
            html,
            "&lt;b&gt;<mark title=\"Laskutus\">Lasku</mark>&lt;/b&gt; &amp; <mark title=\"Toimitus &lt;x&gt;\">toimitus</mark> &quot;myöhässä&quot;"
        );
        // Overlaps are dropped, not nested; a range inside a multi-byte character is refused.
        let o = "ääkkönen";
        assert_eq!(highlight(o, &[(0, 4, "a"), (2, 6, "b"), (1, 3, "c")]), "<mark title=\"a\">ää</mark>kkönen");
    }
}
