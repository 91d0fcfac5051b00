//! Surveys: question types, the definition a survey version holds, and validation of drafts.
//!
//! A draft (what the API or the admin form sends) is parsed into a [`SurveyDefinition`] here, once, with every
//! problem reported against the field that caused it. Question ids are kept stable across versions for a
//! question whose key and type do not change, so that trends continue when a survey is reworded.

use crate::ids::QuestionId;
use crate::locale::{Locale, LocalizedText};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Longest name, key or option text accepted.
pub const MAX_NAME: usize = 200;
pub const MAX_KEY: usize = 64;
pub const MAX_TEXT: usize = 1_000;
pub const MAX_QUESTIONS: usize = 50;
pub const MAX_OPTIONS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    /// Net Promoter Score, 0–10.
    Nps,
    /// Customer satisfaction, 1–5.
    Csat,
    /// Customer effort, 1–7.
    Ces,
    Single,
    Multi,
    Text,
}

impl QuestionType {
    pub const ALL: [QuestionType; 6] = [
        QuestionType::Nps,
        QuestionType::Csat,
        QuestionType::Ces,
        QuestionType::Single,
        QuestionType::Multi,
        QuestionType::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::Nps => "nps",
            QuestionType::Csat => "csat",
            QuestionType::Ces => "ces",
            QuestionType::Single => "single",
            QuestionType::Multi => "multi",
            QuestionType::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The inclusive score range of a scored question.
    pub fn scale(self) -> Option<(i16, i16)> {
        match self {
            QuestionType::Nps => Some((0, 10)),
            QuestionType::Csat => Some((1, 5)),
            QuestionType::Ces => Some((1, 7)),
            _ => None,
        }
    }

    pub fn has_options(self) -> bool {
        matches!(self, QuestionType::Single | QuestionType::Multi)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub key: String,
    pub text: LocalizedText,
}

/// A prompt shown when the referenced score falls in `min..=max`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub min: i16,
    pub max: i16,
    pub text: LocalizedText,
}

/// Makes an open question a "why?" follow-up of an earlier scored question, worded by score band.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    /// Key of the scored question this follows.
    pub after: String,
    pub bands: Vec<Band>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub key: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub required: bool,
    pub text: LocalizedText,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUp>,
}

impl Question {
    /// The follow-up prompt for a given score, if this question is a banded follow-up and one matches.
    pub fn band_for(&self, score: i16) -> Option<&Band> {
        self.follow_up.as_ref()?.bands.iter().find(|b| (b.min..=b.max).contains(&score))
    }
}

/// What one survey version asks. Stored as JSON in the version row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyDefinition {
    pub name: String,
    pub locales: Vec<Locale>,
    pub questions: Vec<Question>,
}

impl SurveyDefinition {
    pub fn question(&self, id: QuestionId) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn question_by_key(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }
}

// ---- drafts: raw input -------------------------------------------------------------------------------

/// A survey as a client sends it. Loosely typed on purpose: every check happens in [`SurveyDraft::validate`]
/// so that errors can name the field.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SurveyDraft {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub locales: Vec<String>,
    #[serde(default)]
    pub questions: Vec<QuestionDraft>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct QuestionDraft {
    #[serde(default)]
    pub key: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub text: BTreeMap<String, String>,
    #[serde(default)]
    pub options: Vec<OptionDraft>,
    #[serde(default)]
    pub follow_up: Option<FollowUpDraft>,
}

/// An option is either a plain string (key and label at once) or `{key, text: {fi, sv, en}}`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum OptionDraft {
    Plain(String),
    Full {
        key: String,
        #[serde(default)]
        text: BTreeMap<String, String>,
    },
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct FollowUpDraft {
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub bands: Vec<BandDraft>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct BandDraft {
    pub min: i16,
    pub max: i16,
    #[serde(default)]
    pub text: BTreeMap<String, String>,
}

/// One problem with one input field; `field` is a path such as `questions[2].text.sv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// All problems found in one input, so a form can show them at once.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError { field: field.into(), message: message.into() }])
    }
}

#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }
}

/// A key must be short and URL-safe because it is used in form field names and exports.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY
        && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl SurveyDraft {
    /// Checks everything and builds a definition. `previous` is the survey's current definition when a
    /// survey is being changed: questions with the same key and type keep their ids.
    pub fn validate(&self, previous: Option<&SurveyDefinition>) -> Result<SurveyDefinition, ValidationErrors> {
        let mut errs = Errors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errs.add("name", "must not be empty");
        } else if name.chars().count() > MAX_NAME {
            errs.add("name", format!("must be at most {MAX_NAME} characters"));
        }

        let mut locales = Vec::new();
        for (i, l) in self.locales.iter().enumerate() {
            match Locale::parse(l) {
                Some(loc) if l.len() == 2 && !locales.contains(&loc) => locales.push(loc),
                Some(_) if l.len() == 2 => errs.add(format!("locales[{i}]"), "is listed twice"),
                _ => errs.add(format!("locales[{i}]"), "must be one of fi, sv, en"),
            }
        }
        if self.locales.is_empty() {
            errs.add("locales", "must list at least one of fi, sv, en");
        }

        if self.questions.is_empty() {
            errs.add("questions", "must contain at least one question");
        } else if self.questions.len() > MAX_QUESTIONS {
            errs.add("questions", format!("must contain at most {MAX_QUESTIONS} questions"));
        }

        let mut seen_keys = HashSet::new();
        let mut questions: Vec<Question> = Vec::with_capacity(self.questions.len());
        for (i, qd) in self.questions.iter().enumerate() {
            let path = format!("questions[{i}]");
            let key = qd.key.trim().to_string();
            if !is_valid_key(&key) {
                errs.add(format!("{path}.key"), "must be 1–64 characters of a–z, 0–9, _ or -");
            } else if !seen_keys.insert(key.clone()) {
                errs.add(format!("{path}.key"), format!("\"{key}\" is used by another question"));
            }
            let Some(kind) = QuestionType::parse(&qd.kind) else {
                errs.add(format!("{path}.type"), "must be one of nps, csat, ces, single, multi, text");
                continue;
            };
            let text = localized(&qd.text, &locales, &format!("{path}.text"), &mut errs);

            let mut options = Vec::new();
            if kind.has_options() {
                if qd.options.len() < 2 {
                    errs.add(format!("{path}.options"), "a choice question needs at least two options");
                } else if qd.options.len() > MAX_OPTIONS {
                    errs.add(format!("{path}.options"), format!("at most {MAX_OPTIONS} options"));
                }
                let mut seen = HashSet::new();
                for (j, od) in qd.options.iter().enumerate() {
                    let opath = format!("{path}.options[{j}]");
                    let (okey, otext) = match od {
                        OptionDraft::Plain(label) => {
                            let label = label.trim();
                            let text = locales.iter().map(|l| (*l, label.to_string())).collect();
                            (slugify(label), text)
                        }
                        OptionDraft::Full { key, text } => {
                            (key.trim().to_string(), localized(text, &locales, &format!("{opath}.text"), &mut errs))
                        }
                    };
                    if !is_valid_key(&okey) {
                        errs.add(format!("{opath}.key"), "must be 1–64 characters of a–z, 0–9, _ or -");
                    } else if !seen.insert(okey.clone()) {
                        errs.add(format!("{opath}.key"), format!("\"{okey}\" is used by another option"));
                    }
                    options.push(ChoiceOption { key: okey, text: otext });
                }
            } else if !qd.options.is_empty() {
                errs.add(format!("{path}.options"), format!("a {} question has no options", kind.as_str()));
            }

            let follow_up = qd.follow_up.as_ref().map(|fd| {
                let fpath = format!("{path}.follow_up");
                if kind != QuestionType::Text {
                    errs.add(&fpath, "only an open text question can be a follow-up");
                }
                match questions.iter().find(|q| q.key == fd.after.trim()) {
                    Some(target) => match target.kind.scale() {
                        Some((lo, hi)) => {
                            for (b, band) in fd.bands.iter().enumerate() {
                                if band.min > band.max || band.min < lo || band.max > hi {
                                    errs.add(
                                        format!("{fpath}.bands[{b}]"),
                                        format!("must be a range within {lo}–{hi} with min ≤ max"),
                                    );
                                }
                            }
                            let mut sorted: Vec<_> = fd.bands.iter().map(|b| (b.min, b.max)).collect();
                            sorted.sort();
                            if sorted.windows(2).any(|w| w[1].0 <= w[0].1) {
                                errs.add(format!("{fpath}.bands"), "score bands must not overlap");
                            }
                        }
                        None => errs.add(format!("{fpath}.after"), "must name an earlier scored question"),
                    },
                    None => errs.add(format!("{fpath}.after"), "must name an earlier question's key"),
                }
                if fd.bands.is_empty() {
                    errs.add(format!("{fpath}.bands"), "must contain at least one band");
                }
                FollowUp {
                    after: fd.after.trim().to_string(),
                    bands: fd
                        .bands
                        .iter()
                        .enumerate()
                        .map(|(b, bd)| Band {
                            min: bd.min,
                            max: bd.max,
                            text: localized(&bd.text, &locales, &format!("{fpath}.bands[{b}].text"), &mut errs),
                        })
                        .collect(),
                }
            });

            let id = previous
                .and_then(|p| p.question_by_key(&key))
                .filter(|q| q.kind == kind)
                .map(|q| q.id)
                .unwrap_or_default();
            questions.push(Question { id, key, kind, required: qd.required, text, options, follow_up });
        }

        if errs.0.is_empty() {
            Ok(SurveyDefinition { name: name.to_string(), locales, questions })
        } else {
            Err(ValidationErrors(errs.0))
        }
    }
}

/// Reads a `{fi, sv, en}` text map: every survey locale needs a non-empty text, and no other key is allowed.
fn localized(raw: &BTreeMap<String, String>, locales: &[Locale], path: &str, errs: &mut Errors) -> LocalizedText {
    let mut out = LocalizedText::new();
    for (k, v) in raw {
        match Locale::parse(k).filter(|_| k.len() == 2) {
            Some(l) if locales.contains(&l) => {
                let v = v.trim();
                if v.chars().count() > MAX_TEXT {
                    errs.add(format!("{path}.{k}"), format!("must be at most {MAX_TEXT} characters"));
                }
                if !v.is_empty() {
                    out.insert(l, v.to_string());
                }
            }
            _ => errs.add(format!("{path}.{k}"), "is not one of the survey's locales"),
        }
    }
    for l in locales {
        if !out.contains_key(l) {
            errs.add(format!("{path}.{l}"), "must not be empty");
        }
    }
    out
}

/// Turns a label into a key: lower-case ASCII letters and digits, other runs become `-`.
pub fn slugify(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'ä' | 'å' | 'á' | 'à' => 'a',
            'ö' | 'ó' | 'ø' => 'o',
            'é' | 'è' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    trimmed.chars().take(MAX_KEY).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft(v: serde_json::Value) -> SurveyDraft {
        serde_json::from_value(v).unwrap()
    }

    fn good() -> serde_json::Value {
        json!({
            "name": "Asiakaskysely",
            "locales": ["fi", "en"],
            "questions": [
                {"key": "nps", "type": "nps", "required": true, "text": {"fi": "Suosittelisitko?", "en": "Recommend?"}},
                {"key": "why", "type": "text", "text": {"fi": "Miksi?", "en": "Why?"},
                 "follow_up": {"after": "nps", "bands": [
                    {"min": 0, "max": 6, "text": {"fi": "Mikä meni pieleen?", "en": "What went wrong?"}},
                    {"min": 9, "max": 10, "text": {"fi": "Mikä onnistui?", "en": "What went well?"}}]}},
                {"key": "heard", "type": "single", "text": {"fi": "Mistä kuulit?", "en": "Where did you hear?"},
                 "options": ["Google", {"key": "friend", "text": {"fi": "Ystävältä", "en": "A friend"}}]}
            ]
        })
    }

    #[test]
    fn valid_draft_builds_definition() {
        let def = draft(good()).validate(None).unwrap();
        assert_eq!(def.locales, vec![Locale::Fi, Locale::En]);
        assert_eq!(def.questions.len(), 3);
        assert_eq!(def.questions[2].options[0].key, "google");
        assert_eq!(def.questions[1].band_for(3).unwrap().text[&Locale::En], "What went wrong?");
        assert!(def.questions[1].band_for(8).is_none());
    }

    #[test]
    fn ids_survive_a_new_version_when_key_and_type_stay() {
        let v1 = draft(good()).validate(None).unwrap();
        let mut changed = good();
        changed["questions"][2]["type"] = json!("multi");
        let v2 = draft(changed).validate(Some(&v1)).unwrap();
        assert_eq!(v1.questions[0].id, v2.questions[0].id);
        assert_ne!(v1.questions[2].id, v2.questions[2].id);
    }

    #[test]
    fn every_problem_names_its_field() {
        let cases: Vec<(serde_json::Value, &str)> = vec![
            (
                json!({"name": " ", "locales": ["fi"], "questions": [{"key": "a", "type": "text", "text": {"fi": "x"}}]}),
                "name",
            ),
            (json!({"name": "n", "locales": ["de"], "questions": []}), "locales[0]"),
            (json!({"name": "n", "locales": [], "questions": []}), "locales"),
            (json!({"name": "n", "locales": ["fi"], "questions": []}), "questions"),
            (json!({"name": "n", "locales": ["fi", "fi"], "questions": []}), "locales[1]"),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [{"key": "A b", "type": "text", "text": {"fi": "x"}}]}),
                "questions[0].key",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [{"key": "a", "type": "stars", "text": {"fi": "x"}}]}),
                "questions[0].type",
            ),
            (
                json!({"name": "n", "locales": ["fi", "sv"], "questions": [{"key": "a", "type": "nps", "text": {"fi": "x"}}]}),
                "questions[0].text.sv",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [{"key": "a", "type": "nps", "text": {"fi": "x", "en": "y"}}]}),
                "questions[0].text.en",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [
                {"key": "a", "type": "nps", "text": {"fi": "x"}}, {"key": "a", "type": "ces", "text": {"fi": "x"}}]}),
                "questions[1].key",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [{"key": "a", "type": "single", "text": {"fi": "x"}, "options": ["yksi"]}]}),
                "questions[0].options",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [{"key": "a", "type": "single", "text": {"fi": "x"}, "options": ["Yksi", "yksi"]}]}),
                "questions[0].options[1].key",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [{"key": "a", "type": "nps", "text": {"fi": "x"}, "options": ["a", "b"]}]}),
                "questions[0].options",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [
                {"key": "w", "type": "text", "text": {"fi": "x"}, "follow_up": {"after": "nps", "bands": [{"min": 0, "max": 6, "text": {"fi": "m"}}]}},
                {"key": "nps", "type": "nps", "text": {"fi": "x"}}]}),
                "questions[0].follow_up.after",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [
                {"key": "nps", "type": "nps", "text": {"fi": "x"}},
                {"key": "w", "type": "text", "text": {"fi": "x"}, "follow_up": {"after": "nps", "bands": [{"min": 0, "max": 11, "text": {"fi": "m"}}]}}]}),
                "questions[1].follow_up.bands[0]",
            ),
            (
                json!({"name": "n", "locales": ["fi"], "questions": [
                {"key": "nps", "type": "nps", "text": {"fi": "x"}},
                {"key": "w", "type": "text", "text": {"fi": "x"}, "follow_up": {"after": "nps", "bands": [
                    {"min": 0, "max": 6, "text": {"fi": "m"}}, {"min": 6, "max": 8, "text": {"fi": "m"}}]}}]}),
                "questions[1].follow_up.bands",
            ),
        ];
        for (input, field) in cases {
            let errs = draft(input.clone()).validate(None).unwrap_err();
            assert!(errs.0.iter().any(|e| e.field == field), "expected an error on {field} for {input}, got {errs:?}");
        }
    }

    #[test]
    fn slugify_handles_nordic_letters() {
        assert_eq!(slugify("Ystävältä tai tutulta!"), "ystavalta-tai-tutulta");
        assert_eq!(slugify("  Söker på nätet "), "soker-pa-natet");
        assert_eq!(slugify("!!!"), "");
    }
}
