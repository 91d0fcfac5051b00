//! The feedback inbox: every open answer, newest first, with its score, context, tone and themes (theme
//! words highlighted), filters for all of them, pages and a CSV export.

use super::{Chrome, CommentTags, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::UiSession;
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use polku_app::AppError;
use polku_app::comments::{self, InboxParams};
use polku_app::store::{Comment, SurveySummary};
use polku_domain::Locale;

/// Most rows one CSV export holds.
const EXPORT_MAX: usize = 100_000;

pub fn router() -> Router<Web> {
    Router::new().route("/inbox", get(inbox)).route("/inbox.csv", get(export))
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
}

impl InboxPage {
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    fn when(&self, c: &Comment) -> String {
        c.submitted_at.date().to_string()
    }
    fn score_text(&self, score: &Option<i64>) -> String {
        score.map(|s| s.to_string()).unwrap_or_default()
    }
}

impl super::CommentTags for InboxPage {
    fn tr(&self) -> &T {
        &self.t
    }
    fn theme_labels(&self) -> &[(String, String)] {
        &self.themes
    }
}

fn params(raw: Option<&str>) -> Result<InboxParams, AppError> {
    serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| AppError::invalid("query", e.to_string()))
}

async fn inbox(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p = params(raw.as_deref()).map_err(fail(&s))?;
    let result = comments::inbox(&web.app, &s.caller, &p).await.map_err(fail(&s))?;
    let surveys = polku_app::surveys::list(&web.app, &s.caller).await.map_err(fail(&s))?;
    let analyzer = web.app.analyzer();
    let items = result
        .comments
        .into_iter()
        .map(|c| {
            let hint = c.language.as_deref().or(c.locale.as_deref()).and_then(Locale::parse);
            let a = analyzer.analyze(&c.text, hint, None);
            let marks: Vec<(usize, usize, &str)> = a
                .themes
                .iter()
                .flat_map(|t| t.mentions.iter().map(move |m| (m.start, m.end, t.label.as_str())))
                .collect();
            Item { html: highlight(&c.text, &marks), c }
        })
        .collect();
    let query = serde_urlencoded::to_string(filters(&p)).unwrap_or_default();
    Ok(page(&InboxPage {
        c: Chrome::new(&s, "inbox"),
        t: s.t,
        surveys,
        themes: analyzer.themes(s.t.locale).map(|(k, l)| (k.to_string(), l.to_string())).collect(),
        p,
        items,
        next: result.next,
        query,
    }))
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
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect()
}

async fn export(State(web): State<Web>, s: UiSession, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let p = params(raw.as_deref()).map_err(fail(&s))?;
    let rows = comments::export(&web.app, &s.caller, &p, EXPORT_MAX).await.map_err(fail(&s))?;
    let body = to_csv(&rows).map_err(|e| fail(&s)(AppError::Internal(e)))?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"polku-comments.csv\""),
    ];
    Ok((headers, body).into_response())
}

fn to_csv(rows: &[Comment]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "submitted_at",
        "survey_id",
        "response_id",
        "channel",
        "touchpoint",
        "customer",
        "survey_language",
        "language",
        "score",
        "tone",
        "sentiment",
        "themes",
        "text",
    ])?;
    for c in rows {
        let themes: Vec<String> = c.themes.iter().map(|(k, p)| format!("{k}:{p}")).collect();
        w.write_record([
            c.submitted_at.format(&time::format_description::well_known::Rfc3339)?,
            c.survey_id.to_string(),
            c.response_id.to_string(),
            cell(&c.channel),
            cell(&c.touchpoint),
            cell(c.customer_ref.as_deref().unwrap_or("")),
            c.locale.clone().unwrap_or_default(),
            c.language.clone().unwrap_or_default(),
            c.score.map(|s| s.to_string()).unwrap_or_default(),
            c.polarity.clone().unwrap_or_default(),
            c.sentiment.map(|s| format!("{s:.3}")).unwrap_or_default(),
            themes.join(";"),
            cell(&c.text),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// A cell as written by a customer, made safe to open in a spreadsheet: one starting with `=`, `+`, `-`,
/// `@` or a control character would be read as a formula, so it gets a leading apostrophe (OWASP's advice
/// on CSV injection).
fn cell(v: &str) -> String {
    match v.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{v}"),
        _ => v.to_string(),
    }
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
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
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

    #[test]
    fn spreadsheet_formulas_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("Hyvä"), "Hyvä");
    }
}
