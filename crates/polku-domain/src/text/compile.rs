//! Compiling a language's lexicon and taxonomy into the lookup tables the analyzer uses per word.
//!
//! This runs once, at [`super::Analyzer`] construction, so that analysing an answer allocates no
//! dictionary. Every single-word term becomes an *entry* (its weight, its themes); the entry is reachable
//! from its written form and every generated inflected form ([`super::inflect`]), exactly, and from the
//! base form the active lemmatizer gives each of those forms. Exact forms win over base forms and written
//! forms over generated ones, which keeps Snowball's collisions (Finnish "ajallaan" and "ajan" share the
//! stem "aja") from mixing up two entries. Phrases are sequences of entries.

use super::inflect::variants;
use super::lemma::Lemmatizer;
use super::lexicon::Lexicon;
use super::taxonomy::Taxonomy;
use crate::locale::Locale;
use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;

pub(crate) type EntryId = u32;

/// What is known about one dictionary word.
#[derive(Clone, Debug, Default)]
pub(crate) struct Entry {
    /// The written base form.
    pub word: String,
    pub weight: Option<f32>,
    pub negated: Option<f32>,
    /// Indices into the taxonomy's themes.
    pub themes: Vec<u16>,
}

impl Entry {
    /// Whether the entry means something on its own; words known only as parts of phrases do not.
    pub(super) fn is_content(&self) -> bool {
        self.weight.is_some_and(|w| w != 0.0) || self.negated.is_some() || !self.themes.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Modifier {
    /// Negates sentiment words up to `ahead` words after it and `behind` words before it.
    Negator {
        ahead: u8,
        behind: u8,
    },
    Intensifier(f32),
    /// A contrast conjunction and the weight of the clause after it.
    Contrast(f32),
    /// A contrast adverb and the weight of the sentence holding it.
    ContrastAdverb(f32),
}

/// A modifier whose first word is the map key; `rest` are the following words of a multi-word modifier.
#[derive(Clone, Debug)]
pub(crate) struct ModRule {
    pub rest: Vec<String>,
    pub modifier: Modifier,
}

#[derive(Clone, Debug)]
pub(crate) struct Phrase {
    pub words: Vec<EntryId>,
    pub weight: Option<f32>,
    pub negated: Option<f32>,
    pub themes: Vec<u16>,
}

/// The compiled tables of one language.
pub(crate) struct LangModel {
    pub lang: Locale,
    /// Every known written or generated form → its entry; `None` for known words without an entry
    /// (stopwords, modifiers), which also serve the language vote.
    pub surfaces: HashMap<Box<str>, Option<EntryId>>,
    /// Base forms (from the lemmatizer) → entry.
    pub stems: HashMap<Box<str>, EntryId>,
    /// Written forms of content entries, for the first part of a compound ("toimitus" in "toimitusaika").
    pub prefixes: HashMap<Box<str>, EntryId>,
    pub entries: Vec<Entry>,
    pub modifiers: HashMap<Box<str>, Vec<ModRule>>,
    pub phrases: Vec<Phrase>,
    /// First entry of a phrase → phrases starting with it.
    pub phrase_index: HashMap<EntryId, Vec<u32>>,
    /// Theme keys and labels, in taxonomy order.
    pub themes: Vec<(String, String)>,
    /// Finnish and Swedish write compounds as one word, English does not.
    pub splits_compounds: bool,
}

/// The base form used as a lookup key: the lemmatizer's first, or the word itself when it gives none.
pub(crate) fn primary_base(lemmatizer: &dyn Lemmatizer, word: &str, lang: Locale) -> String {
    lemmatizer.base_forms(word, lang).into_iter().next().filter(|s| !s.is_empty()).unwrap_or_else(|| word.to_string())
}

struct Builder {
    entries: Vec<Entry>,
    by_word: HashMap<String, EntryId>,
}

impl Builder {
    fn entry(&mut self, word: &str) -> EntryId {
        if let Some(&id) = self.by_word.get(word) {
            return id;
        }
        let id = self.entries.len() as EntryId;
        self.entries.push(Entry { word: word.to_string(), ..Entry::default() });
        self.by_word.insert(word.to_string(), id);
        id
    }
}

pub(crate) fn compile(lang: Locale, lexicon: &Lexicon, taxonomy: &Taxonomy, lemmatizer: &dyn Lemmatizer) -> LangModel {
    let mut b = Builder { entries: Vec::new(), by_word: HashMap::new() };
    let mut phrases = Vec::new();

    // Entries in priority order: sentiment words, then theme terms, then words that only occur in phrases.
    for w in lexicon.words.iter().filter(|w| !w.term.contains(' ')) {
        let id = b.entry(&w.term) as usize;
        if b.entries[id].weight.is_none() {
            b.entries[id].weight = Some(w.weight);
            b.entries[id].negated = w.negated;
        }
    }
    for (t, theme) in taxonomy.themes.iter().enumerate() {
        for term in theme.terms.iter().filter(|t| !t.contains(' ')) {
            let id = b.entry(term) as usize;
            if !b.entries[id].themes.contains(&(t as u16)) {
                b.entries[id].themes.push(t as u16);
            }
        }
    }
    for w in lexicon.words.iter().filter(|w| w.term.contains(' ')) {
        let words = w.term.split(' ').map(|x| b.entry(x)).collect();
        phrases.push(Phrase { words, weight: Some(w.weight), negated: w.negated, themes: Vec::new() });
    }
    for (t, theme) in taxonomy.themes.iter().enumerate() {
        for term in theme.terms.iter().filter(|t| t.contains(' ')) {
            let words = term.split(' ').map(|x| b.entry(x)).collect();
            phrases.push(Phrase { words, weight: None, negated: None, themes: vec![t as u16] });
        }
    }

    let mut surfaces: HashMap<Box<str>, Option<EntryId>> = HashMap::new();
    let mut stems: HashMap<Box<str>, EntryId> = HashMap::new();
    // Written forms first, so that a generated form never displaces another entry's own form; and entries
    // written in their base form before inflected ones ("ajallaan" is "aika" to a dictionary lemmatizer,
    // which must not make every "aika" mean "on time").
    for (id, e) in b.entries.iter().enumerate() {
        surfaces.entry(e.word.as_str().into()).or_insert(Some(id as EntryId));
    }
    let bases: Vec<String> = b.entries.iter().map(|e| primary_base(lemmatizer, &e.word, lang)).collect();
    for written_as_base in [true, false] {
        for (id, (e, base)) in b.entries.iter().zip(&bases).enumerate() {
            if (*base == e.word) == written_as_base && base.chars().count() >= 3 {
                stems.entry(base.as_str().into()).or_insert(id as EntryId);
            }
        }
    }
    for (id, e) in b.entries.iter().enumerate() {
        for form in variants(&e.word, lang).into_iter().skip(1) {
            let base = primary_base(lemmatizer, &form, lang);
            // Very short stems ("kal" from "kallista") would catch unrelated words; only exact forms keep them.
            if base.chars().count() >= 3 {
                stems.entry(base.into()).or_insert(id as EntryId);
            }
            surfaces.entry(form.into()).or_insert(Some(id as EntryId));
        }
    }

    let mut prefixes = HashMap::new();
    for (id, e) in b.entries.iter().enumerate() {
        if e.is_content() && e.word.chars().count() >= 3 {
            prefixes.entry(e.word.as_str().into()).or_insert(id as EntryId);
        }
    }

    let mut modifiers: HashMap<Box<str>, Vec<ModRule>> = HashMap::new();
    let rules = (lexicon.negators.iter().map(|(t, a, b)| (t, Modifier::Negator { ahead: *a, behind: *b })))
        .chain(lexicon.intensifiers.iter().map(|(t, m)| (t, Modifier::Intensifier(*m))))
        .chain(lexicon.contrast.iter().map(|(t, w)| (t, Modifier::Contrast(*w))))
        .chain(lexicon.contrast_adverbs.iter().map(|(t, w)| (t, Modifier::ContrastAdverb(*w))));
    for (term, modifier) in rules {
        let mut words = term.split(' ');
        let first = words.next().unwrap_or_default();
        let rest: Vec<String> = words.map(str::to_string).collect();
        for w in term.split(' ') {
            surfaces.entry(w.into()).or_insert(None);
        }
        let list = modifiers.entry(first.into()).or_default();
        list.push(ModRule { rest, modifier });
        // Longest first, so that "a bit" is tried before "a".
        list.sort_by_key(|r| std::cmp::Reverse(r.rest.len()));
    }
    for w in &lexicon.stopwords {
        for part in w.split(' ') {
            surfaces.entry(part.into()).or_insert(None);
        }
    }

    let mut phrase_index: HashMap<EntryId, Vec<u32>> = HashMap::new();
    for (i, p) in phrases.iter().enumerate() {
        phrase_index.entry(p.words[0]).or_default().push(i as u32);
    }
    // Longest phrase first, so that the first match is the best one.
    for list in phrase_index.values_mut() {
        list.sort_by_key(|&i| std::cmp::Reverse(phrases[i as usize].words.len()));
    }

    let themes = taxonomy.themes.iter().map(|t| (t.key.clone(), t.label.clone())).collect();
    LangModel {
        lang,
        surfaces,
        stems,
        prefixes,
        entries: b.entries,
        modifiers,
        phrases,
        phrase_index,
        themes,
        splits_compounds: lang != Locale::En,
    }
}

/// Symbols (emoji, emoticons, "10/10") and their weights, keyed in normalised form.
pub(crate) struct SymbolTable {
    pub weights: HashMap<Box<str>, f32>,
    /// Emoticons for the tokenizer, longest first.
    pub emoticons: Vec<String>,
}

/// Drops variation selectors and skin tones, so that 👍🏽 and 👍 and ❤️ and ❤ are one symbol.
pub(crate) fn normalise_symbol(s: &str, out: &mut String) {
    out.extend(s.chars().filter(|&c| !matches!(c as u32, 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF)));
}

pub(crate) fn compile_symbols(lexicon: &Lexicon) -> SymbolTable {
    let mut weights = HashMap::new();
    let mut emoticons = Vec::new();
    for w in &lexicon.words {
        let mut key = String::new();
        normalise_symbol(&w.term, &mut key);
        if let MapEntry::Vacant(v) = weights.entry(key.clone().into_boxed_str()) {
            v.insert(w.weight);
        }
        // Emoticons are ASCII; emoji and score notations are recognised by the tokenizer on their own.
        let first = key.chars().next().unwrap_or(' ');
        if key.is_ascii() && !first.is_ascii_digit() {
            emoticons.push(key);
        }
    }
    emoticons.sort_by_key(|e| std::cmp::Reverse(e.len()));
    SymbolTable { weights, emoticons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::SnowballLemmatizer;

    #[test]
    fn entries_are_reachable_from_inflected_forms_and_stems() {
        let lex = Lexicon::parse("[words]\nkallis\t-2\nei toimi\t-3\n[negators]\nei\t3\n").unwrap();
        let tax = Taxonomy::parse("[delivery] Toimitus\ntoimitus\nsovittu aika\n").unwrap();
        let l = SnowballLemmatizer::new();
        let m = compile(Locale::Fi, &lex, &tax, &l);
        let kallis = m.surfaces["kallis"].unwrap();
        assert_eq!(m.surfaces["kalliita"], Some(kallis));
        let toimitus = m.surfaces["toimitus"].unwrap();
        assert_eq!(m.entries[toimitus as usize].themes, [0]);
        // "toimituksessa" is not generated, but its stem is the stem of the generated "toimitukset".
        assert_eq!(m.stems[primary_base(&l, "toimituksessa", Locale::Fi).as_str()], toimitus);
        assert_eq!(m.phrases.len(), 2);
        assert_eq!(m.surfaces["ei"], m.phrases[0].words.first().copied().map(Some).unwrap());
        assert!(m.modifiers.contains_key("ei"));
        assert!(m.prefixes.contains_key("toimitus") && !m.prefixes.contains_key("sovittu"));
    }
}
