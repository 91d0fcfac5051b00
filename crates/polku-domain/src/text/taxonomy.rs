//! Theme taxonomies: which words and phrases signal which customer-experience theme, as editable text.
//!
//! The format is meant for a text area in the admin UI: a header line `[key] Label` starts a theme, and
//! every following line is one term (a base form or a phrase of up to four words) until the next header.
//! `#` starts a comment. Keys are stable identifiers shared by all languages (so that reports aggregate
//! Finnish, Swedish and English answers); labels are what people read. The parser checks everything and
//! rejects a file with any error whole, listing every error with its line number.
//!
//! ```text
//! [delivery] Toimitus ja aikataulu
//! toimitus
//! myöhässä
//! sovittu aika
//! ```

use super::lexicon::normalise_term;
use super::{LineError, ParseError};
use crate::locale::Locale;
use crate::survey::{MAX_NAME, is_valid_key};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The theme keys of the default taxonomy, the same in every language.
pub const DEFAULT_THEME_KEYS: [&str; 10] = [
    "delivery",
    "price",
    "staff",
    "quality",
    "communication",
    "invoicing",
    "cleanliness",
    "webshop",
    "returns",
    "waiting",
];

/// Most themes and terms accepted, to keep one taxonomy's lookup tables small.
pub(super) const MAX_THEMES: usize = 100;
pub(super) const MAX_TERMS_PER_THEME: usize = 500;

/// One theme: its key, its label and the terms that signal it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    pub key: String,
    pub label: String,
    /// Lower-case base forms and phrases.
    pub terms: Vec<String>,
}

/// The themes of one language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taxonomy {
    pub themes: Vec<Theme>,
}

impl Taxonomy {
    /// Parses the text format described in the module documentation.
    pub fn parse(text: &str) -> Result<Taxonomy, ParseError> {
        let mut themes: Vec<Theme> = Vec::new();
        let mut errors = Vec::new();
        let mut keys = HashSet::new();
        let mut terms_seen: HashSet<String> = HashSet::new();
        // The line of each theme's header, to report a theme without terms.
        let mut header_lines = Vec::new();
        let mut in_bad_header = false;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let mut err = |message: String| errors.push(LineError { line: line_no, message });
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                in_bad_header = false;
                let Some((key, label)) = rest.split_once(']') else {
                    err("a theme header is \"[key] Label\"".into());
                    in_bad_header = true;
                    continue;
                };
                let (key, label) = (key.trim(), label.trim());
                if !is_valid_key(key) {
                    err(format!("theme key \"{key}\" must be 1–64 characters of a–z, 0–9, _ or -"));
                    in_bad_header = true;
                } else if !keys.insert(key.to_string()) {
                    err(format!("theme \"{key}\" is defined twice"));
                    in_bad_header = true;
                }
                if label.is_empty() {
                    err(format!("theme \"{key}\" needs a label after the key"));
                } else if label.chars().count() > MAX_NAME {
                    err(format!("label must be at most {MAX_NAME} characters"));
                }
                if themes.len() == MAX_THEMES {
                    err(format!("at most {MAX_THEMES} themes"));
                }
                themes.push(Theme { key: key.to_string(), label: label.to_string(), terms: Vec::new() });
                header_lines.push((line_no, in_bad_header));
                terms_seen.clear();
                continue;
            }
            let Some(theme) = themes.last_mut() else {
                err("a term before the first [key] Label header".into());
                continue;
            };
            if in_bad_header {
                // The header's error is reported once; its terms are not checked against a broken theme.
                continue;
            }
            match normalise_term(line, false) {
                Ok(term) if term.chars().any(|c| !(c.is_alphanumeric() || " '’-&".contains(c))) => {
                    err(format!("term \"{term}\" may only contain letters, digits, spaces, ' - and &"));
                }
                Ok(term) if !terms_seen.insert(term.clone()) => {
                    err(format!("\"{term}\" is listed twice in theme \"{}\"", theme.key));
                }
                Ok(_) if theme.terms.len() == MAX_TERMS_PER_THEME => {
                    err(format!("at most {MAX_TERMS_PER_THEME} terms per theme"));
                }
                Ok(term) => theme.terms.push(term),
                Err(e) => err(e),
            }
        }
        for (theme, &(line, bad)) in themes.iter().zip(&header_lines) {
            if theme.terms.is_empty() && !bad {
                errors.push(LineError { line, message: format!("theme \"{}\" has no terms", theme.key) });
            }
        }
        if themes.is_empty() && errors.is_empty() {
            errors.push(LineError { line: 1, message: "no themes defined".into() });
        }
        errors.sort_by_key(|e| e.line);
        if errors.is_empty() { Ok(Taxonomy { themes }) } else { Err(ParseError::new(errors)) }
    }

    /// Writes the taxonomy back in the text format; `parse(to_text())` gives the same taxonomy.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, theme) in self.themes.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&format!("[{}] {}\n", theme.key, theme.label));
            for term in &theme.terms {
                out.push_str(term);
                out.push('\n');
            }
        }
        out
    }

    /// The text of the taxonomy shipped for `lang` (the starting point for an organisation's own).
    pub fn default_text(lang: Locale) -> &'static str {
        match lang {
            Locale::Fi => include_str!("taxonomy/fi.txt"),
            Locale::Sv => include_str!("taxonomy/sv.txt"),
            Locale::En => include_str!("taxonomy/en.txt"),
        }
    }

    /// The taxonomy shipped for `lang`.
    pub fn default_for(lang: Locale) -> Taxonomy {
        let text = Self::default_text(lang);
        // Checked by a unit test, so a parse error here is a build-time bug.
        Self::parse(text).unwrap_or_else(|e| panic!("embedded {lang} taxonomy is invalid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let t =
            Taxonomy::parse("# CX\n[delivery] Toimitus\ntoimitus\nSovittu  aika\n\n[price] Hinta\nhinta\n").unwrap();
        assert_eq!(t.themes.len(), 2);
        assert_eq!(t.themes[0].terms, ["toimitus", "sovittu aika"]);
        assert_eq!(Taxonomy::parse(&t.to_text()).unwrap(), t);
    }

    #[test]
    fn rejects_a_bad_file_whole_with_line_numbers() {
        let text = "orpo\n[Bad Key] X\nterm\n[delivery]\ntoimitus\ntoimitus\n[empty] Tyhjä\n[delivery] Again\nx\n\
                    [price] Hinta\n<script>\nyksi kaksi kolme neljä viisi\n";
        let err = Taxonomy::parse(text).unwrap_err();
        let lines: Vec<usize> = err.errors.iter().map(|e| e.line).collect();
        // "price" has only bad terms, so it is also reported as empty.
        assert_eq!(lines, [1, 2, 4, 6, 7, 8, 10, 11, 12], "{err}");
        assert_eq!(Taxonomy::parse("").unwrap_err().errors[0].message, "no themes defined");
    }

    #[test]
    fn default_taxonomies_share_keys_across_languages() {
        for lang in Locale::ALL {
            let t = Taxonomy::default_for(lang);
            let keys: Vec<&str> = t.themes.iter().map(|t| t.key.as_str()).collect();
            assert_eq!(keys, DEFAULT_THEME_KEYS, "{lang}");
            assert!(t.themes.iter().all(|t| t.terms.len() >= 8), "{lang}: every theme needs enough terms");
        }
    }
}
