//! Responses: validating submitted answers against the survey version they answer, and the rollup cells a
//! response adds to.
//!
//! The API and the public survey page both build a [`ResponseDraft`] and go through [`validate`], so a page
//! answer and an API answer obey exactly the same rules.

use crate::ids::{OrgId, QuestionId, ResponseId, SurveyId, VersionId};
use crate::locale::Locale;
use crate::rollup;
use crate::survey::{FieldError, QuestionType, SurveyDefinition, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use time::OffsetDateTime;

/// Longest open answer kept; longer text is refused rather than silently cut.
pub const MAX_ANSWER_TEXT: usize = 5_000;
pub const MAX_CHANNEL: usize = 40;
pub const MAX_TOUCHPOINT: usize = 80;
pub const MAX_CUSTOMER: usize = 100;
/// How far in the future a client clock may be before `submitted_at` is refused.
pub const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ResponseDraft {
    #[serde(default)]
    pub answers: Vec<AnswerDraft>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub touchpoint: Option<String>,
    /// RFC 3339; defaults to the time of receipt. Lets integrations load history.
    #[serde(default)]
    pub submitted_at: Option<String>,
    /// The language the customer answered in.
    #[serde(default)]
    pub locale: Option<String>,
    /// The business's own id for the customer, if it knows who answered.
    #[serde(default)]
    pub customer: Option<String>,
    /// What the customer allowed (nothing unless they ticked it).
    #[serde(default)]
    pub consent: Consent,
    /// `customer` came from a reference anyone holding the link could change (a score link pasted into
    /// a marketing tool), not from a signed link or an authenticated caller. Never read from JSON.
    #[serde(skip)]
    pub customer_unverified: bool,
}

/// What a customer allowed with their answer; both off unless they opted in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Consent {
    /// Their comment may be shown to the staff (the praise wall).
    pub share_internally: bool,
    /// They may be contacted about their feedback ("you said, we did").
    pub contact: bool,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct AnswerDraft {
    /// A question id (or, for convenience, its key).
    pub question: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Score(i16),
    Choices(Vec<String>),
    Text(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub question: QuestionId,
    pub kind: QuestionType,
    pub value: AnswerValue,
}

impl Answer {
    pub fn score(&self) -> Option<i16> {
        match self.value {
            AnswerValue::Score(s) => Some(s),
            _ => None,
        }
    }
}

/// The score a response is summed up by where one number is shown (the inbox, the text analysis' rating):
/// its NPS answer, else its CSAT, else its CES.
pub fn headline_score(answers: &[Answer]) -> Option<(QuestionType, i16)> {
    [QuestionType::Nps, QuestionType::Csat, QuestionType::Ces]
        .into_iter()
        .find_map(|kind| answers.iter().find(|a| a.kind == kind).and_then(|a| Some((kind, a.score()?))))
}

/// A response that passed validation, not yet bound to an organisation or id.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidResponse {
    pub answers: Vec<Answer>,
    pub channel: String,
    pub touchpoint: String,
    pub submitted_at: OffsetDateTime,
    pub locale: Option<Locale>,
    pub customer: Option<String>,
    pub consent: Consent,
    /// See `ResponseDraft::customer_unverified`.
    pub customer_unverified: bool,
}

/// Everything the writer stores for one response.
#[derive(Clone, Debug, PartialEq)]
pub struct NewResponse {
    pub id: ResponseId,
    pub org: OrgId,
    pub survey: SurveyId,
    pub version: VersionId,
    pub idempotency_key: Option<String>,
    /// The organisation's calendar day (`crate::zone::Zone::day_of`) of `body.submitted_at`.
    pub day: i32,
    pub body: ValidResponse,
    /// The text analysis of each open answer ([`crate::text::analyse_answers`]), stored with it.
    pub analyses: Vec<(QuestionId, crate::text::CommentAnalysis)>,
    /// Cases the alert rules made of it ([`crate::cases::cases_for`]), created in its transaction.
    pub cases: Vec<crate::cases::NewCase>,
}

/// Where a scored answer is counted: its question in one of the cells of [`crate::rollup::cells`]. A
/// rollup row holds, per such cell, how many answers gave each score value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RollupCell<'a> {
    pub question: QuestionId,
    pub kind: QuestionType,
    pub cell: rollup::CellKey<'a>,
}

impl NewResponse {
    /// Each cell this response's scored answers count in, with the score to count there.
    pub fn rollup_cells(&self) -> impl Iterator<Item = (RollupCell<'_>, i16)> + '_ {
        let day = self.day;
        self.body.answers.iter().filter_map(|a| Some((a, a.score()?))).flat_map(move |(a, score)| {
            rollup::cells(day, &self.body.channel, &self.body.touchpoint)
                .map(move |cell| (RollupCell { question: a.question, kind: a.kind, cell }, score))
        })
    }
}

/// Whether `v` is acceptable as a channel (`max` = [`MAX_CHANNEL`]) or touchpoint ([`MAX_TOUCHPOINT`]) name.
pub fn is_valid_name(v: &str, max: usize) -> bool {
    !v.is_empty()
        && v.len() <= max
        && v.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.'))
}

/// A channel or touchpoint name: short, lower-case, URL-safe, so it groups cleanly.
fn token(raw: Option<&str>, default: &str, max: usize, field: &str, errs: &mut Vec<FieldError>) -> String {
    let Some(v) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return default.to_string();
    };
    if !is_valid_name(v, max) {
        errs.push(FieldError {
            field: field.into(),
            message: format!("must be at most {max} characters of a–z, 0–9, '_', '-' or '.'"),
        });
    }
    v.to_string()
}

/// Checks a draft against the survey version it answers.
pub fn validate(
    def: &SurveyDefinition,
    draft: &ResponseDraft,
    default_channel: &str,
    now: OffsetDateTime,
) -> Result<ValidResponse, ValidationErrors> {
    let mut errs = Vec::new();
    let mut err = |field: String, message: String| errs.push(FieldError { field, message });
    let mut answers = Vec::with_capacity(draft.answers.len());
    let mut answered = HashSet::new();

    for (i, a) in draft.answers.iter().enumerate() {
        let path = format!("answers[{i}]");
        let q = a
            .question
            .parse::<QuestionId>()
            .ok()
            .and_then(|id| def.question(id))
            .or_else(|| def.question_by_key(&a.question));
        let Some(q) = q else {
            err(format!("{path}.question"), format!("\"{}\" is not a question of this survey", a.question));
            continue;
        };
        if !answered.insert(q.id) {
            err(format!("{path}.question"), format!("question \"{}\" is answered twice", q.key));
            continue;
        }
        let vpath = format!("{path}.value");
        let value = match (q.kind, &a.value) {
            (_, serde_json::Value::Null) => None,
            (kind, v) if kind.scale().is_some() => {
                let (lo, hi) = kind.scale().expect("scored");
                let n = match v {
                    serde_json::Value::Number(n) => n.as_i64(),
                    serde_json::Value::String(s) if s.trim().is_empty() => {
                        answered.remove(&q.id);
                        continue;
                    }
                    serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                };
                match n {
                    Some(n) if (i64::from(lo)..=i64::from(hi)).contains(&n) => Some(AnswerValue::Score(n as i16)),
                    Some(n) => {
                        err(vpath, format!("{n} is outside the {} scale {lo}–{hi}", kind.as_str()));
                        None
                    }
                    None => {
                        err(vpath, format!("must be a whole number from {lo} to {hi}"));
                        None
                    }
                }
            }
            (QuestionType::Single | QuestionType::Multi, v) => {
                let picked: Option<Vec<&str>> = match v {
                    serde_json::Value::String(s) => Some(vec![s.as_str()]),
                    serde_json::Value::Array(items) => items.iter().map(|x| x.as_str()).collect(),
                    _ => None,
                };
                match picked {
                    None => {
                        err(vpath, "must be an option key or a list of option keys".into());
                        None
                    }
                    Some(keys) if q.kind == QuestionType::Single && keys.len() > 1 => {
                        err(vpath, "this question takes one option".into());
                        None
                    }
                    Some(keys) if keys.is_empty() => None,
                    Some(keys) => {
                        let mut out: Vec<String> = Vec::with_capacity(keys.len());
                        for k in keys {
                            if !q.options.iter().any(|o| o.key == k) {
                                err(vpath.clone(), format!("\"{k}\" is not an option of question \"{}\"", q.key));
                            } else if !out.iter().any(|o| o == k) {
                                out.push(k.to_string());
                            }
                        }
                        Some(AnswerValue::Choices(out))
                    }
                }
            }
            (_, serde_json::Value::String(s)) => {
                let s = s.trim();
                if s.chars().count() > MAX_ANSWER_TEXT {
                    err(vpath, format!("must be at most {MAX_ANSWER_TEXT} characters"));
                    None
                } else if s.is_empty() {
                    None
                } else {
                    Some(AnswerValue::Text(s.to_string()))
                }
            }
            (_, _) => {
                err(vpath, "must be text".into());
                None
            }
        };
        match value {
            Some(value) => answers.push(Answer { question: q.id, kind: q.kind, value }),
            None => {
                answered.remove(&q.id);
            }
        }
    }

    for q in def.questions.iter().filter(|q| q.required) {
        if !answered.contains(&q.id) && !errs.iter().any(|e| e.field.starts_with("answers[")) {
            errs.push(FieldError { field: format!("answers.{}", q.key), message: "this question is required".into() });
        }
    }
    if draft.answers.is_empty() && def.questions.iter().all(|q| !q.required) {
        errs.push(FieldError { field: "answers".into(), message: "must contain at least one answer".into() });
    } else if answers.is_empty() && errs.is_empty() {
        errs.push(FieldError { field: "answers".into(), message: "every answer is empty".into() });
    }

    let channel = token(draft.channel.as_deref(), default_channel, MAX_CHANNEL, "channel", &mut errs);
    let touchpoint = token(draft.touchpoint.as_deref(), "", MAX_TOUCHPOINT, "touchpoint", &mut errs);
    let submitted_at = match draft.submitted_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => now,
        Some(s) => match OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
            Ok(t) if t > now + CLOCK_SKEW => {
                errs.push(FieldError { field: "submitted_at".into(), message: "is in the future".into() });
                now
            }
            Ok(t) if t.year() < 2000 => {
                errs.push(FieldError { field: "submitted_at".into(), message: "is before the year 2000".into() });
                now
            }
            Ok(t) => t.to_offset(time::UtcOffset::UTC),
            Err(_) => {
                errs.push(FieldError {
                    field: "submitted_at".into(),
                    message: "must be an RFC 3339 time such as 2026-11-23T09:30:00Z".into(),
                });
                now
            }
        },
    };
    let locale = match draft.locale.as_deref().filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => match Locale::parse(l) {
            Some(loc) => Some(loc),
            None => {
                errs.push(FieldError { field: "locale".into(), message: "must be one of fi, sv, en".into() });
                None
            }
        },
    };

    let customer = draft.customer.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if customer.is_some_and(|c| c.chars().count() > MAX_CUSTOMER || c.chars().any(char::is_control)) {
        errs.push(FieldError {
            field: "customer".into(),
            message: format!("must be at most {MAX_CUSTOMER} characters without control characters"),
        });
    }
    let customer = customer.map(str::to_string);

    if errs.is_empty() {
        let customer_unverified = draft.customer_unverified && customer.is_some();
        Ok(ValidResponse {
            answers,
            channel,
            touchpoint,
            submitted_at,
            locale,
            customer,
            consent: draft.consent,
            customer_unverified,
        })
    } else {
        Err(ValidationErrors(errs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar;
    use crate::survey::SurveyDraft;
    use serde_json::json;
    use time::macros::datetime;

    fn survey() -> SurveyDefinition {
        serde_json::from_value::<SurveyDraft>(json!({
            "name": "s", "locales": ["fi"],
            "questions": [
                {"key": "nps", "type": "nps", "required": true, "text": {"fi": "?"}},
                {"key": "csat", "type": "csat", "text": {"fi": "?"}},
                {"key": "pick", "type": "single", "text": {"fi": "?"}, "options": ["a", "b"]},
                {"key": "many", "type": "multi", "text": {"fi": "?"}, "options": ["a", "b", "c"]},
                {"key": "why", "type": "text", "text": {"fi": "?"}}
            ]
        }))
        .unwrap()
        .validate(None)
        .unwrap()
    }

    const NOW: OffsetDateTime = datetime!(2026-11-23 10:00 UTC);

    fn run_on(s: &SurveyDefinition, v: serde_json::Value) -> Result<ValidResponse, ValidationErrors> {
        validate(s, &serde_json::from_value(v).unwrap(), "api", NOW)
    }

    fn run(v: serde_json::Value) -> Result<ValidResponse, ValidationErrors> {
        run_on(&survey(), v)
    }

    #[test]
    fn accepts_every_type_by_id_or_key() {
        let s = survey();
        let r = run_on(
            &s,
            json!({"answers": [
            {"question": s.questions[0].id.to_string(), "value": 9},
            {"question": "csat", "value": "4"},
            {"question": "pick", "value": "b"},
            {"question": "many", "value": ["a", "c", "a"]},
            {"question": "why", "value": "  <b>Hyvä</b> työ  "}
        ], "channel": "email", "touchpoint": "invoice", "submitted_at": "2026-01-02T03:04:05+02:00", "locale": "sv"}),
        )
        .unwrap();
        assert_eq!(r.answers.len(), 5);
        assert_eq!(r.answers[1].value, AnswerValue::Score(4));
        assert_eq!(r.answers[3].value, AnswerValue::Choices(vec!["a".into(), "c".into()]));
        assert_eq!(r.answers[4].value, AnswerValue::Text("<b>Hyvä</b> työ".into()));
        assert_eq!(r.submitted_at, datetime!(2026-01-02 01:04:05 UTC));
        assert_eq!((r.channel.as_str(), r.touchpoint.as_str(), r.locale), ("email", "invoice", Some(Locale::Sv)));
        let d = run(json!({"answers": [{"question": "nps", "value": 0}]})).unwrap();
        assert_eq!((d.channel.as_str(), d.submitted_at), ("api", NOW));
    }

    #[test]
    fn refuses_bad_answers_naming_the_field() {
        let cases = [
            (json!({"answers": [{"question": "nps", "value": 11}]}), "answers[0].value"),
            (json!({"answers": [{"question": "nps", "value": -1}]}), "answers[0].value"),
            (json!({"answers": [{"question": "nps", "value": 7.5}]}), "answers[0].value"),
            (json!({"answers": [{"question": "nps", "value": "ten"}]}), "answers[0].value"),
            (json!({"answers": [{"question": "nope", "value": 1}]}), "answers[0].question"),
            (
                json!({"answers": [{"question": "0190b6a0-0000-7000-8000-000000000000", "value": 1}]}),
                "answers[0].question",
            ),
            (
                json!({"answers": [{"question": "nps", "value": 1}, {"question": "nps", "value": 2}]}),
                "answers[1].question",
            ),
            (
                json!({"answers": [{"question": "nps", "value": 5}, {"question": "pick", "value": "z"}]}),
                "answers[1].value",
            ),
            (
                json!({"answers": [{"question": "nps", "value": 5}, {"question": "pick", "value": ["a", "b"]}]}),
                "answers[1].value",
            ),
            (
                json!({"answers": [{"question": "nps", "value": 5}, {"question": "why", "value": 5}]}),
                "answers[1].value",
            ),
            (
                json!({"answers": [{"question": "nps", "value": 5}, {"question": "why", "value": "x".repeat(5001)}]}),
                "answers[1].value",
            ),
            (json!({"answers": [{"question": "csat", "value": 3}]}), "answers.nps"),
            (json!({"answers": []}), "answers.nps"),
            (json!({"answers": [{"question": "nps", "value": 5}], "channel": "E mail"}), "channel"),
            (json!({"answers": [{"question": "nps", "value": 5}], "submitted_at": "yesterday"}), "submitted_at"),
            (
                json!({"answers": [{"question": "nps", "value": 5}], "submitted_at": "2027-01-01T00:00:00Z"}),
                "submitted_at",
            ),
            (json!({"answers": [{"question": "nps", "value": 5}], "locale": "de"}), "locale"),
        ];
        for (input, field) in cases {
            let errs = run(input.clone()).unwrap_err();
            assert!(errs.0.iter().any(|e| e.field == field), "{input}: {errs:?}");
        }
    }

    #[test]
    fn rollup_cells_cover_scored_answers_only() {
        let s = survey();
        let body = run_on(
            &s,
            json!({"answers": [
            {"question": "nps", "value": 10}, {"question": "csat", "value": 2}, {"question": "why", "value": "ok"}
        ], "channel": "kiosk", "submitted_at": "2026-11-22T23:59:59Z"}),
        )
        .unwrap();
        let r = NewResponse {
            id: ResponseId::new(),
            org: OrgId::new(),
            survey: SurveyId::new(),
            version: VersionId::new(),
            idempotency_key: None,
            day: calendar::day_of(body.submitted_at),
            body,
            analyses: Vec::new(),
            cases: Vec::new(),
        };
        // Two scored answers, each in the ten cells of `rollup::cells`; the text answer in none.
        let cells: Vec<_> = r.rollup_cells().collect();
        assert_eq!(cells.len(), 20);
        assert!(cells[..10].iter().all(|(c, score)| c.question == s.questions[0].id && *score == 10));
        assert!(cells[10..].iter().all(|(c, score)| c.question == s.questions[1].id && *score == 2));
        let day = calendar::day_of_date(time::macros::date!(2026 - 11 - 22));
        let by_channel = cells
            .iter()
            .map(|(c, _)| c)
            .find(|c| c.cell.grain == rollup::Grain::Day && c.cell.dims == rollup::Dims::Channel);
        assert_eq!(by_channel.map(|c| (c.cell.bucket, c.cell.channel)), Some((day, "kiosk")));
    }
}
