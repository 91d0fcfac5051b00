//! Text analytics for open survey answers in Finnish, Swedish and English: language, tokens with byte offsets,
//! base forms, sentiment (for the whole answer and per theme) and themes from an editable taxonomy.
//!
//! Everything is pure and deterministic so that the store, the web layer and the CLI can share one
//! [`Analyzer`], built once (lexicons and taxonomies are compiled into hash maps at construction) and then
//! used from any thread. Base forms come from a pluggable [`Lemmatizer`]: [`SnowballLemmatizer`] here, a
//! dictionary-based one (libvoikko for Finnish) can be plugged in from another crate. The lexicons and theme
//! terms are keyed by whatever base forms the active lemmatizer produces, so a crude stemmer and a real
//! lemmatizer both find them.
//!
//! The pipeline for one answer, in [`Analyzer::analyze`]: tokenize → recognise the language → look every word
//! up (exact form, then base form, then as a compound of known parts) → split into sentences and clauses →
//! score each clause (negation, intensifiers, contrast, emoji, exclamation marks) → attach each clause's
//! score to the themes mentioned in it.

mod analyzer;
mod compile;
pub mod eval;
mod inflect;
mod language;
mod lemma;
mod lexicon;
mod sample;
mod score;
mod search;
mod sentiment;
mod taxonomy;
#[cfg(test)]
mod tests;
mod token;

pub use analyzer::{
    Analysis, Analyzer, AnalyzerBuilder, LanguageSource, Mention, SkipReason, ThemeHit, Token, TokenKind,
};
pub use lemma::{Lemmatizer, SnowballLemmatizer};
pub use lexicon::Lexicon;
pub use lexicon::WordEntry;
pub use sample::SAMPLE_ANSWERS;
pub use search::{MAX_SEARCH_WORDS, MIN_PREFIX_CHARS, SearchQuery, SearchWord, text_terms};
pub use sentiment::{Polarity, Rating, Sentiment};
pub use taxonomy::{DEFAULT_THEME_KEYS, Taxonomy, Theme};

/// Longest text analysed, in bytes. Longer answers are analysed up to here (at a character boundary) and
/// flagged as truncated: it bounds the time one pasted document can take, and nobody writes more in a comment.
pub const MAX_TEXT_BYTES: usize = 32 * 1024;

/// Words longer than this (in bytes) are kept as tokens but not looked up: no real word is this long, and
/// compound splitting is quadratic in the word's length.
pub const MAX_WORD_BYTES: usize = 64;

/// One problem in a lexicon or taxonomy file, with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// Everything wrong with a lexicon or taxonomy file. A file with any error is rejected whole, so that a
/// half-applied edit never changes the analysis silently.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{}", .errors.iter().map(|e| format!("line {}: {}", e.line, e.message)).collect::<Vec<_>>().join("; "))]
pub struct ParseError {
    pub errors: Vec<LineError>,
}

impl ParseError {
    fn new(errors: Vec<LineError>) -> Self {
        Self { errors }
    }
}

/// What an organisation may replace with its own text: the sentiment lexicon or the theme taxonomy of a
/// language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Lexicon,
    Taxonomy,
}

impl ModelKind {
    pub const ALL: [ModelKind; 2] = [ModelKind::Taxonomy, ModelKind::Lexicon];

    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Lexicon => "lexicon",
            ModelKind::Taxonomy => "taxonomy",
        }
    }

    pub fn parse(s: &str) -> Option<ModelKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The shipped text for `lang`.
    pub fn default_text(self, lang: crate::Locale) -> &'static str {
        match self {
            ModelKind::Lexicon => Lexicon::default_text(lang),
            ModelKind::Taxonomy => Taxonomy::default_text(lang),
        }
    }

    /// Checks a whole file: every error with its line number, or nothing.
    pub fn check(self, text: &str) -> Result<(), ParseError> {
        match self {
            ModelKind::Lexicon => Lexicon::parse(text).map(|_| ()),
            ModelKind::Taxonomy => Taxonomy::parse(text).map(|_| ()),
        }
    }
}

/// The sentiment of one theme in one answer.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThemeSentiment {
    pub key: String,
    pub sentiment: Sentiment,
}

/// What is stored about one open answer at ingestion: the analysis without its tokens (those are recomputed
/// when a page highlights words, which is cheap and always matches the text shown).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CommentAnalysis {
    pub language: Option<crate::Locale>,
    pub sentiment: Sentiment,
    pub combined: Option<Sentiment>,
    pub themes: Vec<ThemeSentiment>,
    pub skipped: Option<SkipReason>,
    /// What full-text search finds the answer by ([`Analysis::search_terms`]).
    #[serde(default)]
    pub terms: String,
    /// The lemma of every word ([`Analysis::lemmas`]), for emerging words.
    #[serde(default)]
    pub lemmas: String,
}

impl CommentAnalysis {
    /// What is kept of `a`, the analysis of `text`.
    pub fn new(a: &Analysis, text: &str) -> Self {
        CommentAnalysis {
            language: a.language,
            sentiment: a.sentiment,
            combined: a.combined,
            themes: a.themes.iter().map(|t| ThemeSentiment { key: t.key.clone(), sentiment: t.sentiment }).collect(),
            skipped: a.skipped,
            terms: a.search_terms(text),
            lemmas: a.lemmas(text),
        }
    }
}

/// Analyses every open answer of a response. The language the survey was shown in is the hint, and the
/// response's own score (NPS first, then CSAT, then CES) is the rating combined with the text.
pub fn analyse_answers(
    analyzer: &Analyzer,
    answers: &[crate::response::Answer],
    shown_in: Option<crate::Locale>,
) -> Vec<(crate::QuestionId, CommentAnalysis)> {
    use crate::response::AnswerValue;
    let rating = crate::response::headline_score(answers).and_then(|(kind, score)| Rating::from_answer(kind, score));
    answers
        .iter()
        .filter_map(|a| match &a.value {
            AnswerValue::Text(t) => Some((a.question, CommentAnalysis::new(&analyzer.analyze(t, shown_in, rating), t))),
            _ => None,
        })
        .collect()
}
