//! Sentiment lexicons: the text format, its parser and the embedded defaults.
//!
//! A lexicon is a plain text file so that it can be reviewed, diffed and later edited in the UI. It has
//! sections; every line is `term<TAB>value`, `#` starts a comment:
//!
//! ```text
//! [words]              term<TAB>weight (−4…4)[<TAB>weight when negated]; a term may be a phrase of ≤ 4 words
//! [negators]           term<TAB>words after it that it reaches (1…5)[<TAB>words before it (0…5)]
//! [intensifiers]       term<TAB>multiplier (>1 strengthens, <1 dampens); may be a phrase ("a bit")
//! [contrast]           conjunction<TAB>weight of the clause after it (0…2); the clause before gets 2 − weight
//! [contrast-adverbs]   adverb<TAB>weight of its sentence (0…2); earlier sentences get 2 − weight
//! [stopwords]          term (no value): frequent words, used to recognise the language of short answers
//! ```
//!
//! Terms are written in their base form; the analyzer generates the inflected forms. The parser rejects a
//! file with any error whole and reports every error with its line number.

use super::{LineError, ParseError};
use crate::locale::Locale;
use std::collections::HashSet;

/// One sentiment-bearing term.
#[derive(Clone, Debug, PartialEq)]
pub struct WordEntry {
    /// Lower-case base form or phrase (words separated by one space).
    pub term: String,
    pub weight: f32,
    /// The weight when a negator precedes it, if plain flipping is wrong: "toimii" (works) is mildly positive
    /// but "ei toimi" (does not work) is strongly negative.
    pub negated: Option<f32>,
}

/// A parsed lexicon for one language (or the language-independent symbol lexicon).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lexicon {
    pub words: Vec<WordEntry>,
    /// Negation words and how many words after and before them they reach. "Before" is for Swedish
    /// main clauses, where the negation follows the verb ("målaren kom inte").
    pub negators: Vec<(String, u8, u8)>,
    /// Intensifiers (multiplier > 1) and dampeners (< 1).
    pub intensifiers: Vec<(String, f32)>,
    /// Contrast conjunctions ("but") and the weight of the clause after them.
    pub contrast: Vec<(String, f32)>,
    /// Contrast adverbs ("however") and the weight of the sentence holding them.
    pub contrast_adverbs: Vec<(String, f32)>,
    pub stopwords: Vec<String>,
}

/// Longest term accepted, in bytes, and most words in a phrase.
const MAX_TERM_BYTES: usize = 100;
const MAX_PHRASE_WORDS: usize = 4;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Words,
    Negators,
    Intensifiers,
    Contrast,
    ContrastAdverbs,
    Stopwords,
}

impl Section {
    fn parse(name: &str) -> Option<Section> {
        Some(match name {
            "words" => Section::Words,
            "negators" => Section::Negators,
            "intensifiers" => Section::Intensifiers,
            "contrast" => Section::Contrast,
            "contrast-adverbs" => Section::ContrastAdverbs,
            "stopwords" => Section::Stopwords,
            _ => return None,
        })
    }
}

/// Checks a term and returns it normalised: trimmed, lower-case, single spaces between words.
pub(crate) fn normalise_term(raw: &str, keep_case: bool) -> Result<String, String> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    if words.is_empty() {
        return Err("empty term".into());
    }
    if words.len() > MAX_PHRASE_WORDS {
        return Err(format!("a phrase may have at most {MAX_PHRASE_WORDS} words"));
    }
    let term = words.join(" ");
    if term.len() > MAX_TERM_BYTES {
        return Err(format!("term is longer than {MAX_TERM_BYTES} bytes"));
    }
    Ok(if keep_case { term } else { term.to_lowercase() })
}

fn number(raw: Option<&str>, what: &str, range: std::ops::RangeInclusive<f32>) -> Result<f32, String> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| format!("missing {what}"))?;
    let v: f32 = raw.parse().map_err(|_| format!("{what} \"{raw}\" is not a number"))?;
    if !v.is_finite() || !range.contains(&v) {
        return Err(format!("{what} {v} is outside {}…{}", range.start(), range.end()));
    }
    Ok(v)
}

impl Lexicon {
    /// Parses a lexicon file. Terms are lower-cased except in the symbol lexicon (`keep_case`), where `:D`
    /// and `:d` differ.
    pub fn parse(text: &str) -> Result<Lexicon, ParseError> {
        Self::parse_inner(text, false)
    }

    pub(crate) fn parse_inner(text: &str, keep_case: bool) -> Result<Lexicon, ParseError> {
        let mut lex = Lexicon::default();
        let mut errors = Vec::new();
        let mut section = None;
        let mut seen: HashSet<(u8, String)> = HashSet::new();
        for (i, raw_line) in text.lines().enumerate() {
            let line_no = i + 1;
            let mut err = |message: String| errors.push(LineError { line: line_no, message });
            // A '#' starts a comment only at the start of a line or after whitespace, so "#1" stays a term.
            let line = match raw_line.find(" #").or_else(|| raw_line.find("\t#")) {
                Some(pos) => &raw_line[..pos],
                None => raw_line,
            };
            if line.trim_start().starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let trimmed = line.trim();
            if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                match Section::parse(name.trim()) {
                    Some(s) => section = Some(s),
                    None => err(format!("unknown section [{name}]")),
                }
                continue;
            }
            let Some(sec) = section else {
                err("an entry before the first [section]".into());
                continue;
            };
            let mut cols = line.split('\t');
            let term = match normalise_term(cols.next().unwrap_or(""), keep_case) {
                Ok(t) => t,
                Err(e) => {
                    err(e);
                    continue;
                }
            };
            if seen.contains(&(sec as u8, term.clone())) {
                err(format!("\"{term}\" is listed twice in this section"));
                continue;
            }
            let value = cols.next();
            let extra = cols.next().map(str::trim).filter(|s| !s.is_empty());
            let no_extra = || if extra.is_some() { Err("unexpected third column".to_string()) } else { Ok(()) };
            let result: Result<(), String> = match sec {
                Section::Words => number(value, "weight", -4.0..=4.0).and_then(|weight| {
                    let negated = extra.map(|n| number(Some(n), "negated weight", -4.0..=4.0)).transpose()?;
                    lex.words.push(WordEntry { term: term.clone(), weight, negated });
                    Ok(())
                }),
                Section::Negators => number(value, "scope", 1.0..=5.0).and_then(|ahead| {
                    let behind = extra.map(|b| number(Some(b), "scope before", 0.0..=5.0)).transpose()?.unwrap_or(0.0);
                    if ahead.fract() != 0.0 || behind.fract() != 0.0 {
                        return Err("scope must be a whole number of words".into());
                    }
                    lex.negators.push((term.clone(), ahead as u8, behind as u8));
                    Ok(())
                }),
                Section::Intensifiers => number(value, "multiplier", 0.1..=3.0).and_then(|m| {
                    no_extra()?;
                    lex.intensifiers.push((term.clone(), m));
                    Ok(())
                }),
                Section::Contrast => number(value, "weight", 0.0..=2.0).and_then(|w| {
                    no_extra()?;
                    lex.contrast.push((term.clone(), w));
                    Ok(())
                }),
                Section::ContrastAdverbs => number(value, "weight", 0.0..=2.0).and_then(|w| {
                    no_extra()?;
                    lex.contrast_adverbs.push((term.clone(), w));
                    Ok(())
                }),
                Section::Stopwords => {
                    if value.is_some_and(|v| !v.trim().is_empty()) {
                        Err("a stopword takes no value".into())
                    } else {
                        lex.stopwords.push(term.clone());
                        Ok(())
                    }
                }
            };
            match result {
                Ok(()) => {
                    seen.insert((sec as u8, term));
                }
                Err(e) => err(e),
            }
        }
        if errors.is_empty() { Ok(lex) } else { Err(ParseError::new(errors)) }
    }

    /// The text of the lexicon shipped for `lang` (the starting point for an organisation's own).
    pub fn default_text(lang: Locale) -> &'static str {
        match lang {
            Locale::Fi => include_str!("lexicon/fi.txt"),
            Locale::Sv => include_str!("lexicon/sv.txt"),
            Locale::En => include_str!("lexicon/en.txt"),
        }
    }

    /// The lexicon shipped for `lang`.
    pub fn default_for(lang: Locale) -> Lexicon {
        let text = Self::default_text(lang);
        // The embedded files are checked by a unit test, so a parse error here is a build-time bug.
        Self::parse(text).unwrap_or_else(|e| panic!("embedded {lang} lexicon is invalid: {e}"))
    }

    /// The language-independent lexicon of emoji, emoticons and score notations ("10/10").
    pub fn default_symbols() -> Lexicon {
        Self::parse_inner(include_str!("lexicon/symbols.txt"), true)
            .unwrap_or_else(|e| panic!("embedded symbol lexicon is invalid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sections_and_values() {
        let lex = Lexicon::parse(
            "# comment\n[words]\nHyvä\t2\ntoimii\t0.5\t-2.5  # works\nei mitään valitettavaa\t2\n\n\
             [negators]\nei\t3\ninte\t3\t2\n[intensifiers]\na bit\t0.6\n[contrast]\nmutta\t1.5\n\
             [contrast-adverbs]\nkuitenkin\t1.5\n[stopwords]\nja\n",
        )
        .unwrap();
        assert_eq!(lex.words[0], WordEntry { term: "hyvä".into(), weight: 2.0, negated: None });
        assert_eq!(lex.words[1].negated, Some(-2.5));
        assert_eq!(lex.words[2].term, "ei mitään valitettavaa");
        assert_eq!(lex.negators, [("ei".to_string(), 3, 0), ("inte".to_string(), 3, 2)]);
        assert_eq!(lex.intensifiers, [("a bit".to_string(), 0.6)]);
        assert_eq!(lex.contrast[0].1, 1.5);
        assert_eq!(lex.contrast_adverbs[0].0, "kuitenkin");
        assert_eq!(lex.stopwords, ["ja"]);
    }

    #[test]
    fn rejects_a_bad_file_whole_with_line_numbers() {
        let err = Lexicon::parse(
            "hyvä\t2\n[words]\nhuono\t-9\nkiva\tx\nkiva\t1\nkiva\t1\n[feelings]\n[negators]\nei\t1.5\n\
             [stopwords]\nja\t1\n[words]\none two three four five\t1\n",
        )
        .unwrap_err();
        let lines: Vec<usize> = err.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 3, 4, 6, 7, 9, 11, 13], "{err}");
        assert!(err.to_string().starts_with("line 1: an entry before the first [section]"));
    }

    #[test]
    fn embedded_lexicons_parse_and_have_a_useful_size() {
        for lang in Locale::ALL {
            let lex = Lexicon::default_for(lang);
            let n = lex.words.len();
            assert!((150..=400).contains(&n), "{lang}: {n} words");
            assert!(!lex.negators.is_empty() && !lex.intensifiers.is_empty() && !lex.contrast.is_empty());
            assert!(lex.words.iter().any(|w| w.weight > 0.0) && lex.words.iter().any(|w| w.weight < 0.0));
        }
        assert!(Lexicon::default_symbols().words.len() >= 30);
    }
}
