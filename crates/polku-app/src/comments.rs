//! Open answers: the feedback inbox (filters, pages, export) and re-running the text analysis over what is
//! stored, when the lexicons or taxonomies changed.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::calendar;
use polku_domain::role::Permission;
use polku_domain::text::Analyzer;
use polku_domain::zone::Zone;
use polku_domain::{Locale, OrgId, SurveyId, UserId};
use polku_store::{Actor, Comment, CommentCursor, CommentFilter, CommentNote, Reanalysed};

/// Responses read and rewritten per transaction.
const PAGE: i64 = 500;

/// Analyses every open answer of `org` again and replaces what was stored, a page at a time (each page in
/// one transaction, so an interrupted run leaves every answer with either its old or its new analysis).
/// Calls `progress` with the running count of responses; returns the total.
pub async fn reanalyse(app: &App, org: OrgId, progress: &(dyn Fn(u64) + Sync)) -> AppResult<u64> {
    let analyzer = crate::text_models::analyzer_for(app, org).await?;
    let mut after = None;
    let mut done = 0u64;
    loop {
        let page = app.store.responses_with_text(org, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let batch: Vec<Reanalysed<'_>> = page
            .iter()
            .map(|r| Reanalysed {
                response: r,
                analyses: polku_domain::text::analyse_answers(&analyzer, &r.answers, r.locale),
            })
            .collect();
        app.store.replace_analyses(&batch).await?;
        done += page.len() as u64;
        progress(done);
    }
    Ok(done)
}

/// The inbox's filters as given (query string or API), before checking.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct InboxParams {
    pub survey: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub polarity: Option<String>,
    pub theme: Option<String>,
    pub channel: Option<String>,
    pub touchpoint: Option<String>,
    pub language: Option<String>,
    /// The business's id for the customer.
    pub customer: Option<String>,
    /// Headline score at least / at most (0–10).
    pub score_min: Option<String>,
    pub score_max: Option<String>,
    /// Full-text search: words (any inflection), `word*` for a prefix.
    pub q: Option<String>,
    pub tag: Option<String>,
    /// Only comments nobody has marked read (`1`, `true` or `on`).
    pub unread: Option<String>,
    /// Continue after this comment (the `next` of the previous page).
    pub after: Option<String>,
}

/// One page of the inbox and where the next one starts.
pub struct InboxPage {
    pub comments: Vec<Comment>,
    pub next: Option<String>,
}

/// Comments per inbox page.
pub const INBOX_PAGE: i64 = 50;

/// Longest search, in characters.
const MAX_QUERY_CHARS: usize = 200;

/// Most comments one "mark read" may name.
pub const MAX_MARK: usize = 500;

/// Checks the parameters (each error names its field) and turns them into a store filter for `org`; dates
/// are days of the organisation's `zone`.
pub fn inbox_filter(analyzer: &Analyzer, org: OrgId, zone: &Zone, p: &InboxParams) -> AppResult<CommentFilter> {
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let date = |field: &str, v: &Option<String>| -> AppResult<Option<time::Date>> {
        given(v)
            .map(|d| {
                calendar::parse_day(&d)
                    .ok_or_else(|| AppError::invalid(field, "must be a date YYYY-MM-DD in 1900–2999"))
            })
            .transpose()
    };
    let name = |field: &str, v: &Option<String>, max: usize| -> AppResult<Option<String>> {
        match given(v) {
            Some(n) if !polku_domain::response::is_valid_name(&n, max) => {
                Err(AppError::invalid(field, "is not a channel or touchpoint name"))
            }
            other => Ok(other),
        }
    };
    let polarity = given(&p.polarity);
    if let Some(v) = &polarity
        && polku_domain::text::Polarity::parse(v).is_none()
    {
        return Err(AppError::invalid("polarity", "must be positive, neutral or negative"));
    }
    let language = given(&p.language);
    if let Some(v) = &language
        && Locale::parse(v).is_none()
    {
        return Err(AppError::invalid("language", "must be fi, sv or en"));
    }
    let theme = given(&p.theme);
    if let Some(v) = &theme
        && !Locale::ALL.iter().any(|l| analyzer.themes(*l).any(|(k, _)| k == v.as_str()))
    {
        return Err(AppError::invalid("theme", "is not a theme of the taxonomy"));
    }
    let survey = match given(&p.survey) {
        Some(s) => Some(s.parse::<SurveyId>().map_err(|_| AppError::invalid("survey", "is not a survey id"))?),
        None => None,
    };
    let score = |field: &str, v: &Option<String>| -> AppResult<Option<i64>> {
        given(v)
            .map(|s| match s.parse::<i64>() {
                Ok(n) if (0..=10).contains(&n) => Ok(n),
                _ => Err(AppError::invalid(field, "must be a whole number from 0 to 10")),
            })
            .transpose()
    };
    let (score_min, score_max) = (score("score_min", &p.score_min)?, score("score_max", &p.score_max)?);
    if let (Some(lo), Some(hi)) = (score_min, score_max)
        && lo > hi
    {
        return Err(AppError::invalid("score_min", "must not be above `score_max`"));
    }
    let search = match given(&p.q) {
        Some(q) if q.chars().count() > MAX_QUERY_CHARS => {
            return Err(AppError::invalid("q", "must be at most 200 characters"));
        }
        Some(q) => Some(analyzer.search_query(&q).ok_or_else(|| AppError::invalid("q", "has no words to search for"))?),
        None => None,
    };
    let tag = given(&p.tag)
        .map(|t| polku_domain::inbox::parse_tag(&t).map_err(|e| AppError::invalid("tag", e)))
        .transpose()?;
    let unread = match given(&p.unread).as_deref() {
        None | Some("0" | "false" | "off") => false,
        Some("1" | "true" | "on") => true,
        Some(_) => return Err(AppError::invalid("unread", "must be true or false")),
    };
    let customer = given(&p.customer);
    if customer.as_ref().is_some_and(|c| c.chars().count() > polku_domain::response::MAX_CUSTOMER) {
        return Err(AppError::invalid("customer", "is longer than a customer id can be"));
    }
    let (from, to) = (date("from", &p.from)?, date("to", &p.to)?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(AppError::invalid("from", "must not be after `to`"));
    }
    Ok(CommentFilter {
        org,
        survey,
        from: from.map(|d| zone.start_of_day(calendar::day_of_date(d))),
        to: to.map(|d| zone.start_of_day(calendar::day_of_date(d) + 1)),
        polarity,
        theme,
        channel: name("channel", &p.channel, polku_domain::response::MAX_CHANNEL)?,
        touchpoint: name("touchpoint", &p.touchpoint, polku_domain::response::MAX_TOUCHPOINT)?,
        language,
        customer,
        score_min,
        score_max,
        tag,
        unread,
        search,
        after: given(&p.after).map(|c| parse_cursor(&c)).transpose()?,
    })
}

/// One page of comments, newest first.
pub async fn inbox(app: &App, caller: &Caller, p: &InboxParams) -> AppResult<InboxPage> {
    caller.require(Permission::View)?;
    let analyzer = crate::text_models::analyzer_for(app, caller.org).await?;
    let filter = inbox_filter(&analyzer, caller.org, &*app.zone(caller.org).await?, p)?;
    if let Some(s) = filter.survey {
        app.store.survey(caller.org, s).await?;
    }
    let comments = app.store.comments(&filter, INBOX_PAGE + 1).await?;
    page(comments, INBOX_PAGE as usize)
}

/// The comments matching the inbox filters, for the CSV export, read batch by batch (newest first) so an
/// export of any size is streamed in bounded memory.
pub struct Export {
    filter: CommentFilter,
}

/// Starts an export (viewers and up): the filters are checked here, so a bad one is a 4xx before any
/// byte is sent.
pub async fn export(app: &App, caller: &Caller, p: &InboxParams) -> AppResult<Export> {
    caller.require(Permission::View)?;
    let analyzer = crate::text_models::analyzer_for(app, caller.org).await?;
    let filter = inbox_filter(&analyzer, caller.org, &*app.zone(caller.org).await?, p)?;
    Ok(Export { filter })
}

impl Export {
    /// The next batch of at most `n`; empty when every comment has been read.
    pub async fn next(&mut self, app: &App, n: i64) -> AppResult<Vec<Comment>> {
        let batch = app.store.comments(&self.filter, n).await?;
        if let Some(last) = batch.last() {
            self.filter.after = Some(last.cursor());
        }
        Ok(batch)
    }
}

fn page(mut comments: Vec<Comment>, size: usize) -> AppResult<InboxPage> {
    let next = (comments.len() > size).then(|| {
        comments.truncate(size);
        comments.last().map(|c| cursor_text(&c.cursor()))
    });
    Ok(InboxPage { comments, next: next.flatten() })
}

/// `seconds.nanoseconds.id`: opaque to clients, stable across nodes.
fn cursor_text(c: &CommentCursor) -> String {
    format!("{}.{}.{}", c.submitted_at.unix_timestamp(), c.submitted_at.nanosecond(), c.id)
}

fn parse_cursor(s: &str) -> AppResult<CommentCursor> {
    let bad = || AppError::invalid("after", "is not a position from a previous page");
    let parts: Vec<&str> = s.split('.').collect();
    let [secs, nanos, id] = parts[..] else { return Err(bad()) };
    let at = time::OffsetDateTime::from_unix_timestamp(secs.parse().map_err(|_| bad())?)
        .map_err(|_| bad())?
        .replace_nanosecond(nanos.parse().map_err(|_| bad())?)
        .map_err(|_| bad())?;
    Ok(CommentCursor { submitted_at: at, id: id.parse().map_err(|_| bad())? })
}

/// One comment with the team's notes on it.
pub struct CommentDetail {
    pub comment: Comment,
    pub notes: Vec<CommentNote>,
}

pub(crate) fn author(caller: &Caller) -> Option<UserId> {
    match &caller.actor {
        Actor::User { id, .. } => Some(*id),
        _ => None,
    }
}

/// One comment of the caller's organisation, with its notes.
pub async fn comment(app: &App, caller: &Caller, id: i64) -> AppResult<CommentDetail> {
    caller.require(Permission::View)?;
    let comment = app.store.comment(caller.org, id).await?;
    let notes = app.store.comment_notes(caller.org, id).await?;
    Ok(CommentDetail { comment, notes })
}

/// Marks comments read or unread again for the whole team; returns how many changed.
pub async fn mark_read(app: &App, caller: &Caller, ids: &[i64], read: bool) -> AppResult<u64> {
    caller.require(Permission::Triage)?;
    if ids.len() > MAX_MARK {
        return Err(AppError::invalid("ids", format!("at most {MAX_MARK} at a time")));
    }
    Ok(app.store.mark_read(caller.org, ids, author(caller), read).await?)
}

/// Tags a comment; returns the tag as stored (normalised).
pub async fn add_tag(app: &App, caller: &Caller, id: i64, tag: &str) -> AppResult<String> {
    caller.require(Permission::Triage)?;
    let tag = polku_domain::inbox::parse_tag(tag).map_err(|e| AppError::invalid("tag", e))?;
    app.store.add_tag(caller.org, id, &tag, author(caller)).await?;
    Ok(tag)
}

pub async fn remove_tag(app: &App, caller: &Caller, id: i64, tag: &str) -> AppResult<()> {
    caller.require(Permission::Triage)?;
    let tag = polku_domain::inbox::parse_tag(tag).map_err(|e| AppError::invalid("tag", e))?;
    Ok(app.store.remove_tag(caller.org, id, &tag).await?)
}

/// The organisation's tags with how many comments carry each.
pub async fn tags(app: &App, caller: &Caller) -> AppResult<Vec<(String, i64)>> {
    caller.require(Permission::View)?;
    Ok(app.store.comment_tags(caller.org).await?)
}

/// Writes a note on a comment.
pub async fn add_note(app: &App, caller: &Caller, id: i64, body: &str) -> AppResult<uuid::Uuid> {
    caller.require(Permission::Triage)?;
    let body = polku_domain::inbox::parse_note(body).map_err(|e| AppError::invalid("body", e))?;
    Ok(app.store.add_note(caller.org, id, author(caller), &body).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = CommentCursor { submitted_at: time::macros::datetime!(2026-11-23 10:11:12.123456 UTC), id: 42 };
        assert_eq!(parse_cursor(&cursor_text(&c)).unwrap(), c);
        for bad in ["", "1.2", "x.0.1", "1.0.zz", "1.2.3.4", "1.2000000000.7"] {
            assert!(parse_cursor(bad).is_err(), "{bad}");
        }
    }
}
