//! Finding comments by their words, whatever the inflection.
//!
//! Each comment is indexed under its words and the base forms the analysis found ([`Analysis::search_terms`]);
//! a query word is looked up under itself and its base form in each language ([`Analyzer::search_query`]),
//! so "toimituksen", "leveransen" or "invoices" find the comments that say "toimitus", "leverans" or
//! "invoice" when the lemmatizer maps both to one base form. The same terms feed SQLite's FTS5 and
//! PostgreSQL's full-text search (with the `simple` configuration: the language work is done here, by the
//! same lemmatizer as the analysis, rather than by PostgreSQL's Snowball configurations), so both backends
//! find the same comments.
//!
//! Terms are maximal runs of letters and digits, lower-cased: both FTS5's `unicode61` tokenizer and
//! PostgreSQL's parser take such a run as one word, so nothing needs quoting on the way into a query.

use super::{Analysis, Analyzer, TokenKind};
use crate::Locale;

/// Most words one search may have; the rest are ignored.
pub const MAX_SEARCH_WORDS: usize = 8;

/// Shortest stem a prefix search (`toimi*`) accepts: one or two letters would match most comments.
pub const MIN_PREFIX_CHARS: usize = 3;

/// One word of a search. A comment matches it when it has any of `forms` as a term, or, for a prefix word,
/// a term starting with `forms[0]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchWord {
    pub forms: Vec<String>,
    pub prefix: bool,
}

/// A search: a comment matches when it matches every word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    pub words: Vec<SearchWord>,
}

/// The terms of a text that has no analysis yet (its words only), in the form the index takes.
pub fn text_terms(text: &str) -> String {
    let mut terms = Vec::new();
    push_terms(text, &mut terms);
    terms.sort_unstable();
    terms.dedup();
    terms.join(" ")
}

/// Pushes the lower-cased runs of letters and digits of `s` to `out`.
fn push_terms(s: &str, out: &mut Vec<String>) {
    for run in s.split(|c: char| !c.is_alphanumeric()).filter(|r| !r.is_empty()) {
        out.push(run.to_lowercase());
    }
}

impl Analysis {
    /// The terms `text` (the text this analysis was made of) is found by: its words lower-cased and every
    /// base form the analysis found for them, compound parts included, each once, separated by spaces.
    pub fn search_terms(&self, text: &str) -> String {
        let mut terms = Vec::with_capacity(text.len() / 4);
        push_terms(text, &mut terms);
        for t in self.tokens.iter().filter(|t| t.kind == TokenKind::Word) {
            for f in &t.base_forms {
                push_terms(f, &mut terms);
            }
        }
        terms.sort_unstable();
        terms.dedup();
        terms.join(" ")
    }

    /// The lemma of every word (the lemmatizer's first base form, else the word), lower-case, in text order,
    /// separated by spaces: what emerging words are counted from.
    pub fn lemmas(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for t in self.tokens.iter().filter(|t| t.kind == TokenKind::Word && t.end <= text.len()) {
            let mut words = Vec::new();
            match t.base_forms.first() {
                Some(b) => push_terms(b, &mut words),
                None => push_terms(&text[t.start..t.end], &mut words),
            }
            for w in words {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&w);
            }
        }
        out
    }
}

impl Analyzer {
    /// Parses what a user typed into a search: words separated by spaces, a trailing `*` making a word a
    /// prefix. `None` when nothing searchable is left (empty, only punctuation).
    pub fn search_query(&self, q: &str) -> Option<SearchQuery> {
        let mut words = Vec::new();
        let mut pieces = Vec::new();
        for piece in q.split_whitespace() {
            pieces.clear();
            push_terms(piece, &mut pieces);
            let starred = piece.ends_with('*');
            let last = pieces.len().saturating_sub(1);
            for (i, w) in pieces.iter().enumerate() {
                if i == last && starred && w.chars().count() >= MIN_PREFIX_CHARS {
                    words.push(SearchWord { forms: vec![w.clone()], prefix: true });
                    continue;
                }
                let mut forms = vec![w.clone()];
                for lang in Locale::ALL {
                    if let Some(base) = self.base_form(w, lang) {
                        push_terms(&base, &mut forms);
                    }
                }
                let first = forms.remove(0);
                forms.sort_unstable();
                forms.dedup();
                forms.retain(|f| *f != first);
                forms.insert(0, first);
                words.push(SearchWord { forms, prefix: false });
            }
        }
        words.truncate(MAX_SEARCH_WORDS);
        (!words.is_empty()).then_some(SearchQuery { words })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_hold_words_and_base_forms_once() {
        let analyzer = Analyzer::new();
        let text = "Toimitus myöhästyi, toimitus! Laskutusvirhe — e-mail 24h";
        let a = analyzer.analyze(text, Some(Locale::Fi), None);
        let terms = a.search_terms(text);
        let list: Vec<&str> = terms.split(' ').collect();
        for w in ["toimitus", "myöhästyi", "laskutusvirhe", "e", "mail", "24h"] {
            assert!(list.contains(&w), "{w} in {terms}");
        }
        // Compound parts are terms too (as base forms), so a search for "virhe" finds "laskutusvirhe".
        let q = analyzer.search_query("virhe").unwrap();
        assert!(q.words[0].forms.iter().any(|f| f != "virhe" && list.contains(&f.as_str())), "{q:?} in {terms}");
        let mut sorted = list.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), list.len(), "each term once: {terms}");
    }

    #[test]
    fn a_query_word_is_looked_up_under_its_base_forms_in_every_language() {
        let analyzer = Analyzer::new();
        let q = analyzer.search_query("  Invoices  toimi* a* !!! ").unwrap();
        assert_eq!(q.words.len(), 3);
        assert_eq!(q.words[0].forms[0], "invoices");
        assert!(q.words[0].forms.contains(&"invoic".to_string()), "{:?}", q.words[0]);
        assert_eq!(q.words[1], SearchWord { forms: vec!["toimi".into()], prefix: true });
        // Too short for a prefix: searched as a word.
        assert!(!q.words[2].prefix);
        assert_eq!(analyzer.search_query(" ?! "), None);
        assert_eq!(analyzer.search_query(&"sana ".repeat(20)).unwrap().words.len(), MAX_SEARCH_WORDS);
    }

    #[test]
    fn the_same_base_form_joins_a_query_and_a_comment() {
        let analyzer = Analyzer::new();
        let text = "Leveransen var sen.";
        let terms = analyzer.analyze(text, Some(Locale::Sv), None).search_terms(text);
        let q = analyzer.search_query("leverans").unwrap();
        assert!(q.words[0].forms.iter().any(|f| terms.split(' ').any(|t| t == f)), "{:?} vs {terms}", q.words);
    }
}
