//! The insights page: what drives detractors (themes and touchpoints) and what is new (emerging themes and
//! words), for a period. The counts come from the store; the maths is `polku_domain::insights`.
//!
//! The unit of a theme driver is a comment whose response has an NPS answer (from `comment_rollups`); the
//! unit of a touchpoint driver is an NPS answer (from the score rollups). Emerging topics compare the period
//! with the `BASELINE_PERIODS` periods before it. Emerging words are counted from the stored base forms
//! (`comments.lemmas`, migration 0006) of the newest `WORD_SAMPLE` comments of each window, never by
//! analysing text at page view.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::calendar;
use polku_domain::insights::{Driver, DriverCounts, Emerging, MentionCounts, drivers, emerging};
use polku_domain::metrics::ScoreCounts;
use polku_domain::role::Permission;
use polku_domain::{OrgId, SurveyId};
use polku_store::{GroupBy, InsightScope, RollupFilter};
use std::collections::{BTreeMap, HashMap, HashSet};
use time::Date;

/// Longest period, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;
/// Periods before the chosen one that make the baseline for emerging topics.
pub const BASELINE_PERIODS: i64 = 3;
/// Most comments per window whose words are counted (the newest); a sample beyond that.
pub const WORD_SAMPLE: i64 = 20_000;
/// Emerging words shown at most.
const MAX_WORDS: usize = 20;

/// What the insights are about: a period (inclusive days) and maybe one survey.
#[derive(Clone, Copy, Debug)]
pub struct InsightQuery {
    pub survey: Option<SurveyId>,
    pub from: Date,
    pub to: Date,
}

/// Everything the insights page shows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Insights {
    pub from: Date,
    pub to: Date,
    /// The baseline for emerging topics: the `BASELINE_PERIODS` periods before, inclusive days.
    pub baseline_from: Date,
    pub baseline_to: Date,
    /// Comments with an NPS answer in the period: the unit of the theme drivers.
    pub theme_answers: u64,
    pub themes: Vec<Driver>,
    /// Responses with an NPS answer in the period: the unit of the touchpoint drivers.
    pub touchpoint_answers: u64,
    pub touchpoints: Vec<Driver>,
    pub comments_now: u64,
    pub comments_before: u64,
    pub emerging_themes: Vec<Emerging>,
    /// Comments whose words were counted, in the period and the baseline (at most `WORD_SAMPLE` each).
    pub words_counted: (u64, u64),
    pub emerging_words: Vec<Emerging>,
}

fn scope(org: OrgId, q: &InsightQuery, from: Date, to: Date) -> InsightScope {
    InsightScope { org, survey: q.survey, from_day: calendar::day_of_date(from), to_day: calendar::day_of_date(to) }
}

/// Checks a period given as text (either end may be missing: the last 30 days up to `today`).
pub fn query(survey: Option<&str>, from: Option<&str>, to: Option<&str>, today: Date) -> AppResult<InsightQuery> {
    let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let date = |field: &str, v: Option<&str>| -> AppResult<Option<Date>> {
        given(v)
            .map(|d| {
                calendar::parse_day(&d)
                    .ok_or_else(|| AppError::invalid(field, "must be a date YYYY-MM-DD in 1900–2999"))
            })
            .transpose()
    };
    let to = date("to", to)?.unwrap_or(today);
    let from = date("from", from)?.unwrap_or(to - time::Duration::days(29));
    if from > to {
        return Err(AppError::invalid("from", "must not be after `to`"));
    }
    if (to - from).whole_days() + 1 > MAX_PERIOD_DAYS {
        return Err(AppError::invalid("from", format!("the period may be at most {MAX_PERIOD_DAYS} days")));
    }
    let survey = given(survey)
        .map(|s| s.parse::<SurveyId>().map_err(|_| AppError::invalid("survey", "is not a survey id")))
        .transpose()?;
    Ok(InsightQuery { survey, from, to })
}

/// Key drivers and emerging topics for `q`.
pub async fn insights(app: &App, caller: &Caller, q: &InsightQuery) -> AppResult<Insights> {
    caller.require(Permission::View)?;
    if let Some(s) = q.survey {
        app.store.survey(caller.org, s).await?;
    }
    let now = scope(caller.org, q, q.from, q.to);
    let days = (q.to - q.from).whole_days() + 1;
    let baseline_to = q.from - time::Duration::days(1);
    let baseline_from = q.from - time::Duration::days(days * BASELINE_PERIODS);
    let before = scope(caller.org, q, baseline_from, baseline_to);

    // Themes: comments with an NPS answer, by theme, tone and score.
    let mut theme_total = ScoreCounts::nps();
    for (score, n) in app.store.comment_nps(&now).await? {
        theme_total.add(score as i16, n as u64);
    }
    let mut by_theme: BTreeMap<String, DriverCounts> = BTreeMap::new();
    for (theme, polarity, score, n) in app.store.theme_nps(&now).await? {
        let d = by_theme.entry(theme.clone()).or_insert_with(|| DriverCounts {
            key: theme,
            mentioned: ScoreCounts::nps(),
            negative: ScoreCounts::nps(),
        });
        d.mentioned.add(score as i16, n as u64);
        if polarity == "negative" {
            d.negative.add(score as i16, n as u64);
        }
    }
    let themes = drivers(&theme_total, &by_theme.into_values().collect::<Vec<_>>());

    // Touchpoints: every response with an NPS answer, from the rollups; the negative group is detractors.
    let filter = RollupFilter {
        org: caller.org,
        survey: q.survey,
        from_day: calendar::day_of_date(q.from),
        to_day: calendar::day_of_date(q.to),
    };
    let mut tp_total = ScoreCounts::nps();
    let mut by_tp: BTreeMap<String, ScoreCounts> = BTreeMap::new();
    for r in app.store.rollup(filter, GroupBy::Touchpoint).await?.into_iter().filter(|r| r.kind == "nps") {
        tp_total.add(r.score as i16, r.n as u64);
        if !r.group.is_empty() {
            by_tp.entry(r.group).or_insert_with(ScoreCounts::nps).add(r.score as i16, r.n as u64);
        }
    }
    let tp_candidates: Vec<DriverCounts> = by_tp
        .into_iter()
        .map(|(key, mentioned)| {
            let mut negative = ScoreCounts::nps();
            for (score, n) in mentioned.iter().filter(|(s, _)| *s <= 6) {
                negative.add(score, n);
            }
            DriverCounts { key, mentioned, negative }
        })
        .collect();
    let touchpoints = drivers(&tp_total, &tp_candidates);

    // Emerging themes.
    let (n_now, themes_now) = app.store.theme_mentions(&now).await?;
    let (n_before, themes_before) = app.store.theme_mentions(&before).await?;
    let before_by: HashMap<String, i64> = themes_before.into_iter().collect();
    let mentions: Vec<MentionCounts> = themes_now
        .into_iter()
        .map(|(key, n)| MentionCounts { before: before_by.get(&key).copied().unwrap_or(0) as u64, key, now: n as u64 })
        .collect();
    let emerging_themes = emerging(n_now as u64, n_before as u64, &mentions);

    // Emerging words, from the stored lemmas of the newest comments of each window.
    let words_now = app.store.comment_lemmas(&now, WORD_SAMPLE).await?;
    let words_before = app.store.comment_lemmas(&before, WORD_SAMPLE).await?;
    let (count_now, count_before) = (word_counts(&words_now), word_counts(&words_before));
    let candidates: Vec<MentionCounts> = count_now
        .into_iter()
        .map(|(key, now)| MentionCounts {
            before: count_before.get(key).copied().unwrap_or(0),
            key: key.to_string(),
            now,
        })
        .collect();
    let mut emerging_words = emerging(words_now.len() as u64, words_before.len() as u64, &candidates);
    emerging_words.truncate(MAX_WORDS);

    Ok(Insights {
        from: q.from,
        to: q.to,
        baseline_from,
        baseline_to,
        theme_answers: theme_total.n(),
        themes,
        touchpoint_answers: tp_total.n(),
        touchpoints,
        comments_now: n_now as u64,
        comments_before: n_before as u64,
        emerging_themes,
        words_counted: (words_now.len() as u64, words_before.len() as u64),
        emerging_words,
    })
}

/// In how many comments each word occurs (once per comment). Words shorter than three letters and numbers
/// are left out: they are not topics.
fn word_counts(comments: &[String]) -> HashMap<&str, u64> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for c in comments {
        seen.clear();
        for w in c.split(' ') {
            if w.chars().count() >= 3 && !w.chars().all(|ch| ch.is_ascii_digit()) && seen.insert(w) {
                *counts.entry(w).or_default() += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_default_to_the_last_30_days_and_bad_ones_name_their_field() {
        let today = time::macros::date!(2026 - 11 - 23);
        let q = query(None, None, None, today).unwrap();
        assert_eq!((q.from, q.to), (time::macros::date!(2026 - 10 - 25), today));
        for (from, to, field) in [
            (Some("2026-11-24"), Some("2026-11-01"), "from"),
            (Some("x"), None, "from"),
            (None, Some("1.1.2026"), "to"),
        ] {
            let e = query(None, from, to, today).unwrap_err();
            assert_eq!(e.field_errors()[0].field, field);
        }
        assert_eq!(
            query(None, Some("2024-01-01"), Some("2026-01-01"), today).unwrap_err().field_errors()[0].field,
            "from"
        );
        assert_eq!(query(Some("nope"), None, None, today).unwrap_err().field_errors()[0].field, "survey");
    }

    #[test]
    fn words_count_once_per_comment_without_numbers_or_short_words() {
        let comments = vec!["lasku lasku myöhä ja 12345".to_string(), "lasku hinta".to_string()];
        let c = word_counts(&comments);
        assert_eq!((c["lasku"], c["myöhä"], c["hinta"]), (2, 1, 1));
        assert!(!c.contains_key("ja") && !c.contains_key("12345"));
    }
}
