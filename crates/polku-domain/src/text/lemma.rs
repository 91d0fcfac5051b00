//! Base forms: the [`Lemmatizer`] seam and the Snowball stemmer behind it.
//!
//! The analyzer never compares raw word forms with its dictionaries only: Finnish has some fifteen cases and
//! Swedish suffixes its articles, so "toimituksen", "leveransen" and "invoices" must meet "toimitus",
//! "leverans" and "invoice". A [`Lemmatizer`] turns a word into its base forms; the analyzer keys every
//! lexicon and theme entry by the base forms the same lemmatizer gives, so swapping Snowball for a real
//! lemmatizer (libvoikko for Finnish, from another crate) needs no change to the dictionaries.

use crate::locale::Locale;
use rust_stemmers::{Algorithm, Stemmer};

/// Turns one word into its base forms. Implementations must be cheap and thread-safe: the analyzer calls
/// this for every word of every answer, from any thread.
pub trait Lemmatizer: Send + Sync {
    /// The base forms of `word` (already lower-case) in `lang`: the lemma first, then, for a compound the
    /// lemmatizer recognises, its parts ("toimitusaika" → `["toimitusaika", "toimitus", "aika"]`). An empty
    /// vector means "unknown"; the analyzer then falls back to the word itself.
    fn base_forms(&self, word: &str, lang: Locale) -> Vec<String>;
}

/// A shared lemmatizer: one libvoikko, say, behind every organisation's analyzer.
impl<T: Lemmatizer + ?Sized> Lemmatizer for std::sync::Arc<T> {
    fn base_forms(&self, word: &str, lang: Locale) -> Vec<String> {
        self.as_ref().base_forms(word, lang)
    }
}

/// Snowball stemmers for Finnish, Swedish and English (the `rust-stemmers` crate). Stems are not words
/// ("toimituksen" → "toimituks") and Snowball knows no compounds, so it returns exactly one base form; the
/// analyzer makes up for both (see [`crate::text::Analyzer`]).
pub struct SnowballLemmatizer {
    fi: Stemmer,
    sv: Stemmer,
    en: Stemmer,
}

impl SnowballLemmatizer {
    pub fn new() -> Self {
        Self {
            fi: Stemmer::create(Algorithm::Finnish),
            sv: Stemmer::create(Algorithm::Swedish),
            en: Stemmer::create(Algorithm::English),
        }
    }

    fn stemmer(&self, lang: Locale) -> &Stemmer {
        match lang {
            Locale::Fi => &self.fi,
            Locale::Sv => &self.sv,
            Locale::En => &self.en,
        }
    }
}

impl Default for SnowballLemmatizer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SnowballLemmatizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnowballLemmatizer")
    }
}

impl Lemmatizer for SnowballLemmatizer {
    fn base_forms(&self, word: &str, lang: Locale) -> Vec<String> {
        // English Snowball expects straight apostrophes; "don’t" is common from phones.
        let stem = if lang == Locale::En && word.contains('’') {
            self.stemmer(lang).stem(&word.replace('’', "'")).into_owned()
        } else {
            self.stemmer(lang).stem(word).into_owned()
        };
        vec![stem]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowball_gives_one_stem_per_word() {
        let l = SnowballLemmatizer::new();
        assert_eq!(l.base_forms("toimituksen", Locale::Fi), ["toimituks"]);
        assert_eq!(l.base_forms("leveransen", Locale::Sv), ["leverans"]);
        assert_eq!(l.base_forms("invoices", Locale::En), ["invoic"]);
        assert_eq!(l.base_forms("", Locale::En), [""]);
    }
}
