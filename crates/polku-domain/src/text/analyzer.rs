//! The [`Analyzer`]: built once from lexicons, taxonomies and a lemmatizer, then analyses answers.
//!
//! Construction compiles everything into hash maps ([`super::compile`]); [`Analyzer::analyze`] only looks
//! words up, so it is fast (tens of thousands of answers per second per core) and `&self`, shareable across
//! threads. This file holds the public result types and the per-word lookup (exact form → base form →
//! compound parts → another language's exact form); sentence structure and scoring are in
//! [`super::score`].

use super::compile::{EntryId, LangModel, Modifier, SymbolTable, compile, compile_symbols, normalise_symbol};
use super::language::{detect, locale_index};
use super::lemma::{Lemmatizer, SnowballLemmatizer};
use super::lexicon::Lexicon;
use super::score::{WordInfo, score};
use super::sentiment::{Rating, Sentiment, combine};
use super::taxonomy::Taxonomy;
use super::token::{RawKind, RawToken, tokenize};
use super::{MAX_TEXT_BYTES, MAX_WORD_BYTES};

/// Base forms shorter than this are not looked up: Snowball's short stems ("här" from Swedish "härlig")
/// stand for too many words.
const MIN_BASE_CHARS: usize = 4;
use crate::locale::Locale;
use serde::{Deserialize, Serialize};

pub use super::language::LanguageSource;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    Word,
    Number,
    Emoticon,
    Emoji,
    Punctuation,
}

/// One token of the analysed text. `start..end` are byte offsets into the text given to
/// [`Analyzer::analyze`] (always at character boundaries), for highlighting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
    /// For words: the lemmatizer's base forms, then the parts of a compound the analyzer split.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub base_forms: Vec<String>,
    /// This token's contribution to the sentiment, after negation and intensifiers (0 for most tokens).
    #[serde(default)]
    pub valence: f32,
}

/// Where a theme was mentioned: byte offsets of the word or phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
}

/// A theme found in the answer, with the sentiment of the clauses that mention it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThemeHit {
    pub key: String,
    pub label: String,
    pub sentiment: Sentiment,
    pub mentions: Vec<Mention>,
}

/// Why an answer was not analysed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// No words, numbers or emoji: empty, whitespace or punctuation only.
    Empty,
    /// Mostly in a script other than Latin, or in no recognisable language and without a hint.
    UnsupportedLanguage,
}

/// The result of analysing one answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// `None` only when no language could be chosen (e.g. emoji only and no hint).
    pub language: Option<Locale>,
    pub language_source: Option<LanguageSource>,
    /// Set when the text was not analysed; `sentiment` is then neutral and `themes` empty.
    pub skipped: Option<SkipReason>,
    /// The text was longer than [`MAX_TEXT_BYTES`] and only its beginning was analysed.
    pub truncated: bool,
    pub tokens: Vec<Token>,
    /// What the text says, on its own.
    pub sentiment: Sentiment,
    /// Text and rating together, when a rating was given.
    pub combined: Option<Sentiment>,
    /// Themes in order of first mention.
    pub themes: Vec<ThemeHit>,
}

/// Builds an [`Analyzer`] with other lexicons, taxonomies or a different lemmatizer; anything not set uses
/// the embedded default.
#[derive(Default)]
pub struct AnalyzerBuilder {
    lemmatizer: Option<Box<dyn Lemmatizer>>,
    lexicons: [Option<Lexicon>; 3],
    taxonomies: [Option<Taxonomy>; 3],
    symbols: Option<Lexicon>,
}

impl AnalyzerBuilder {
    pub fn lemmatizer(mut self, lemmatizer: Box<dyn Lemmatizer>) -> Self {
        self.lemmatizer = Some(lemmatizer);
        self
    }

    pub fn lexicon(mut self, lang: Locale, lexicon: Lexicon) -> Self {
        self.lexicons[locale_index(lang)] = Some(lexicon);
        self
    }

    pub fn taxonomy(mut self, lang: Locale, taxonomy: Taxonomy) -> Self {
        self.taxonomies[locale_index(lang)] = Some(taxonomy);
        self
    }

    /// The emoji and emoticon lexicon (only its `[words]` are used).
    pub fn symbols(mut self, symbols: Lexicon) -> Self {
        self.symbols = Some(symbols);
        self
    }

    /// Compiles everything. Takes a few tens of milliseconds: build once and share.
    pub fn build(self) -> Analyzer {
        let lemmatizer = self.lemmatizer.unwrap_or_else(|| Box::new(SnowballLemmatizer::new()));
        let [lf, ls, le] = self.lexicons;
        let [tf, ts, te] = self.taxonomies;
        let langs = [(Locale::Fi, lf, tf), (Locale::Sv, ls, ts), (Locale::En, le, te)];
        let models = langs.map(|(lang, lex, tax)| {
            let lex = lex.unwrap_or_else(|| Lexicon::default_for(lang));
            let tax = tax.unwrap_or_else(|| Taxonomy::default_for(lang));
            compile(lang, &lex, &tax, lemmatizer.as_ref())
        });
        let symbols = compile_symbols(&self.symbols.unwrap_or_else(Lexicon::default_symbols));
        let detector =
            whatlang::Detector::with_allowlist(vec![whatlang::Lang::Fin, whatlang::Lang::Swe, whatlang::Lang::Eng]);
        Analyzer { lemmatizer, models, symbols, detector }
    }
}

/// Analyses open answers. Build once (see [`AnalyzerBuilder`]) and share: analysing takes `&self`.
pub struct Analyzer {
    lemmatizer: Box<dyn Lemmatizer>,
    models: [LangModel; 3],
    symbols: SymbolTable,
    detector: whatlang::Detector,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").field("entries", &self.models.each_ref().map(|m| m.entries.len())).finish()
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of looking one word up.
#[derive(Default)]
struct Lookup {
    weight: f32,
    negated: Option<f32>,
    intensity: f32,
}

impl Analyzer {
    /// The default analyzer: Snowball base forms, the embedded lexicons and the default CX taxonomy.
    pub fn new() -> Self {
        Self::builder().build()
    }

    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// The theme keys and labels used for `lang`, in taxonomy order.
    pub fn themes(&self, lang: Locale) -> impl Iterator<Item = (&str, &str)> {
        self.models[locale_index(lang)].themes.iter().map(|(k, l)| (k.as_str(), l.as_str()))
    }

    /// The lemma of one lower-cased word in `lang`, as the analysis would look it up.
    pub(crate) fn base_form(&self, word: &str, lang: Locale) -> Option<String> {
        self.lemmatizer.base_forms(word, lang).into_iter().find(|f| !f.is_empty())
    }

    /// Analyses one answer. `hint` is the language the survey was shown in, used when the text is too
    /// short or ambiguous to tell; `rating` is the answer's own score, for [`Analysis::combined`]. Never
    /// panics: empty or unsupported text comes back with [`Analysis::skipped`] set.
    pub fn analyze(&self, text: &str, hint: Option<Locale>, rating: Option<Rating>) -> Analysis {
        let (text, truncated) = truncate(text);
        let mut raw = Vec::with_capacity(text.len() / 5 + 4);
        tokenize(text, &self.symbols.emoticons, &mut raw);

        // Lower-cased words (and normalised symbols) in one buffer, to avoid an allocation per token.
        let mut lower = String::with_capacity(text.len() + 8);
        let mut spans = Vec::with_capacity(raw.len());
        let (mut latin, mut other_script, mut content) = (0usize, 0usize, false);
        for t in &raw {
            let start = lower.len();
            let s = &text[t.start..t.end];
            match t.kind {
                RawKind::Word if s.len() <= MAX_WORD_BYTES => {
                    for c in s.chars() {
                        if c.is_alphabetic() {
                            if (c as u32) < 0x0250 || (0x1E00..0x1F00).contains(&(c as u32)) {
                                latin += 1;
                            } else {
                                other_script += 1;
                            }
                        }
                        // Phones type ’ for ': "didn’t" must meet "didn't".
                        if c == '’' { lower.push('\'') } else { lower.extend(c.to_lowercase()) }
                    }
                }
                RawKind::Emoji | RawKind::Emoticon => normalise_symbol(s, &mut lower),
                RawKind::Number => lower.push_str(s),
                _ => {}
            }
            content |= matches!(t.kind, RawKind::Word | RawKind::Number | RawKind::Emoji | RawKind::Emoticon);
            spans.push((start, lower.len()));
        }
        let word = |i: usize| &lower[spans[i].0..spans[i].1];

        let skipped = |reason, language: Option<Locale>, source| Analysis {
            language,
            language_source: source,
            skipped: Some(reason),
            truncated,
            tokens: output_tokens(text, &raw, Vec::new(), &[]),
            sentiment: Sentiment::NEUTRAL,
            combined: rating.and_then(|r| combine(Sentiment::NEUTRAL, false, r)),
            themes: Vec::new(),
        };
        if !content {
            return skipped(SkipReason::Empty, hint, hint.map(|_| LanguageSource::Hint));
        }
        if other_script > latin {
            return skipped(SkipReason::UnsupportedLanguage, None, None);
        }
        let word_indices = raw.iter().enumerate().filter(|(_, t)| t.kind == RawKind::Word).map(|(i, _)| i);
        let detected = detect(&self.detector, &self.models, text, word_indices.map(word), hint);
        let Some((lang, source)) = detected else {
            if latin > 0 {
                return skipped(SkipReason::UnsupportedLanguage, None, None);
            }
            // Only emoji, emoticons or numbers and no hint: their sentiment needs no language.
            return self.finish(text, &raw, &lower, &spans, None, None, truncated, rating);
        };
        self.finish(text, &raw, &lower, &spans, Some(lang), Some(source), truncated, rating)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        text: &str,
        raw: &[RawToken],
        lower: &str,
        spans: &[(usize, usize)],
        lang: Option<Locale>,
        source: Option<LanguageSource>,
        truncated: bool,
        rating: Option<Rating>,
    ) -> Analysis {
        // Without a language (symbols only), any model serves: no word is looked up.
        let model = &self.models[locale_index(lang.unwrap_or_default())];
        let mut ids: Vec<EntryId> = Vec::with_capacity(raw.len());
        let mut infos: Vec<WordInfo> = Vec::with_capacity(raw.len());
        let mut base_forms: Vec<Vec<String>> = Vec::with_capacity(raw.len());
        let all_caps = text.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
        for (i, t) in raw.iter().enumerate() {
            let w = &lower[spans[i].0..spans[i].1];
            let mut info = WordInfo { ids: (ids.len(), ids.len()), intensity: 1.0, ..WordInfo::default() };
            let mut forms = Vec::new();
            match t.kind {
                RawKind::Word if !w.is_empty() && lang.is_some() => {
                    let found = self.lookup(model, w, &mut forms, &mut ids);
                    info.ids.1 = ids.len();
                    info.weight = found.weight;
                    info.negated = found.negated;
                    info.intensity = found.intensity;
                    let s = &text[t.start..t.end];
                    info.caps = !all_caps && s.chars().count() >= 2 && s.chars().all(char::is_uppercase);
                    info.modifier = model.modifiers.get(w).and_then(|rules| {
                        rules
                            .iter()
                            .find(|r| following_words_match(raw, lower, spans, i, &r.rest))
                            .map(|r| (r.modifier, r.rest.len()))
                    });
                }
                RawKind::Emoji | RawKind::Emoticon | RawKind::Number => {
                    // A ZWJ sequence ("🤦‍♂") not in the lexicon counts as its first emoji.
                    let first = w.chars().next().map_or(0, char::len_utf8);
                    let weight = self.symbols.weights.get(w).or_else(|| self.symbols.weights.get(&w[..first]));
                    info.weight = weight.copied().unwrap_or(0.0);
                    info.symbol = true;
                }
                _ => {}
            }
            infos.push(info);
            base_forms.push(forms);
        }
        let scored = score(model, raw, &mut infos, &ids);
        let sentiment = Sentiment::from_raw(scored.raw);
        let themes = scored
            .themes
            .into_iter()
            .map(|t| ThemeHit {
                key: model.themes[t.theme as usize].0.clone(),
                label: model.themes[t.theme as usize].1.clone(),
                sentiment: Sentiment::from_raw(t.raw),
                mentions: t.mentions,
            })
            .collect();
        Analysis {
            language: lang,
            language_source: source,
            skipped: None,
            truncated,
            tokens: output_tokens(text, raw, base_forms, &infos),
            sentiment,
            combined: rating.and_then(|r| combine(sentiment, scored.evidence, r)),
            themes,
        }
    }

    /// Looks one lower-cased word up: its exact form, then its base forms, then (Finnish, Swedish) as a
    /// compound of known parts, then as an exact form of another language (mixed-language answers).
    /// Pushes the matched entries to `ids` and the base forms (with compound parts) to `forms`.
    fn lookup(&self, model: &LangModel, w: &str, forms: &mut Vec<String>, ids: &mut Vec<EntryId>) -> Lookup {
        let mut found = Lookup { intensity: 1.0, ..Lookup::default() };
        if w.len() > MAX_WORD_BYTES {
            return found;
        }
        *forms = self.lemmatizer.base_forms(w, model.lang);
        forms.retain(|f| !f.is_empty());
        if forms.is_empty() {
            forms.push(w.to_string());
        }
        let exact = model.surfaces.get(w);
        let start = ids.len();
        match exact {
            Some(Some(id)) => ids.push(*id),
            // A known function word ("här", "the") is never looked up by base form: Swedish Snowball stems
            // "härlig" to "här".
            Some(None) => return found,
            None => {}
        }
        // An exact hit is the most specific: "tullut" is its own entry (neutral, negative when negated),
        // whatever else its base forms ("tulla") or a second reading would find. Very short base forms
        // are too ambiguous to look up.
        if ids.len() == start {
            for f in forms.iter().filter(|f| f.chars().count() >= MIN_BASE_CHARS) {
                if let Some(&id) = model.stems.get(f.as_str())
                    && !ids[start..].contains(&id)
                {
                    ids.push(id);
                }
            }
        }
        if ids.len() == start && model.splits_compounds {
            let stem = forms[0].clone();
            if let Some((parts, intensity)) = self.split_compound(model, w, &stem) {
                found.intensity = intensity;
                for (part, id) in parts {
                    ids.push(id);
                    if !forms.contains(&part) {
                        forms.push(part);
                    }
                }
            }
        }
        if ids.len() == start
            && let Some((_, last)) = w.rsplit_once('-')
            && let Some(Some(id)) = model.surfaces.get(last)
        {
            // "lightning-fast", "hinta-laatusuhde": the last part carries the meaning.
            ids.push(*id);
        }
        if ids.len() == start
            && let Some(negated) = self.negated_by_prefix(model, w)
        {
            // "epäasiallinen", "orimlig", "unhelpful": the opposite of a known word.
            found.weight = negated;
            return found;
        }
        let own = &ids[start..];
        if own.len() == 1 {
            let e = &model.entries[own[0] as usize];
            found.weight = e.weight.unwrap_or(0.0);
            found.negated = e.negated;
        } else {
            // Compound parts: "laskutusvirhe" is as negative as "virhe", "huippupalvelu" as positive as
            // "huippu"; the sum is capped at the lexicon's range.
            found.weight = own.iter().filter_map(|&id| model.entries[id as usize].weight).sum::<f32>().clamp(-4.0, 4.0);
        }
        if ids.len() == start && w.chars().count() >= 5 {
            // Mixed-language answers: an exact sentiment word of another language (never a base form, and
            // never a short word, which would be too loose across languages: Swedish "sent" is English too).
            for other in self.models.iter().filter(|m| m.lang != model.lang) {
                if let Some(Some(id)) = other.surfaces.get(w)
                    && let Some(weight) = other.entries[*id as usize].weight
                    && weight.abs() >= 1.0
                {
                    found.weight = weight;
                    break;
                }
            }
        }
        found
    }

    /// The negated weight of a word made of a negating prefix and a known sentiment word, if it is one.
    fn negated_by_prefix(&self, model: &LangModel, w: &str) -> Option<f32> {
        let prefix = match model.lang {
            Locale::Fi => "epä",
            Locale::Sv => "o",
            Locale::En => "un",
        };
        let rest = w.strip_prefix(prefix)?;
        if rest.chars().count() < 4 {
            return None;
        }
        let id = model.surfaces.get(rest).copied().flatten().or_else(|| {
            let base = super::compile::primary_base(self.lemmatizer.as_ref(), rest, model.lang);
            model.stems.get(base.as_str()).copied()
        })?;
        let e = &model.entries[id as usize];
        let w = e.weight.filter(|&w| w != 0.0)?;
        Some(e.negated.unwrap_or(w * super::score::NEGATION))
    }

    /// Splits a Finnish or Swedish compound into known parts. First the longest known head at the end of
    /// the stem ("laskutusvirhe" → "virhe"), with the rest as a known first part ("laskutus"), an
    /// intensifier ("jättenöjd") or, for a long head, anything ("pikatoimitus"); then the longest known first
    /// part with a known rest. Returns the parts and an intensity multiplier.
    fn split_compound(&self, model: &LangModel, w: &str, stem: &str) -> Option<(Vec<(String, EntryId)>, f32)> {
        const MIN_PART: usize = 3;
        for (i, _) in stem.char_indices().skip(MIN_PART) {
            let head = &stem[i..];
            let head_chars = head.chars().count();
            if head_chars < MIN_PART || !w.is_char_boundary(i) || w[..i] != stem[..i] {
                break;
            }
            let Some(&head_id) = model.stems.get(head).or_else(|| model.prefixes.get(head)) else { continue };
            if !model.entries[head_id as usize].is_content() {
                continue;
            }
            let first = &w[..i];
            let linked = if model.lang == Locale::Sv { first.strip_suffix('s') } else { None };
            let first_id = model.prefixes.get(first).or_else(|| linked.and_then(|l| model.prefixes.get(l)));
            if let Some(&id) = first_id {
                return Some((vec![(first.to_string(), id), (head.to_string(), head_id)], 1.0));
            }
            let intensifier = model.modifiers.get(first).and_then(|rules| {
                rules.iter().find_map(|r| match r.modifier {
                    Modifier::Intensifier(m) if r.rest.is_empty() => Some(m),
                    _ => None,
                })
            });
            // Short first parts are usually prefixes ("för" in "förväntat"), not words.
            let first_chars = first.chars().count();
            if let Some(m) = intensifier.filter(|_| first_chars >= 4) {
                return Some((vec![(head.to_string(), head_id)], m));
            }
            if head_chars >= 5 && first_chars >= 4 {
                return Some((vec![(head.to_string(), head_id)], 1.0));
            }
        }
        let bounds: Vec<usize> = w.char_indices().map(|(i, _)| i).collect();
        for &i in bounds.iter().rev() {
            let (first, rest) = w.split_at(i);
            if first.chars().count() < MIN_PART || rest.chars().count() < MIN_PART {
                continue;
            }
            let Some(&id) = model.prefixes.get(first) else { continue };
            let rest_base = super::compile::primary_base(self.lemmatizer.as_ref(), rest, model.lang);
            let rest_id =
                model.surfaces.get(rest).copied().flatten().or_else(|| model.stems.get(rest_base.as_str()).copied());
            if let Some(rid) = rest_id.filter(|&r| model.entries[r as usize].is_content()) {
                return Some((vec![(first.to_string(), id), (rest_base, rid)], 1.0));
            }
            if first.chars().count() >= 6 {
                return Some((vec![(first.to_string(), id)], 1.0));
            }
        }
        None
    }
}

/// Whether the word tokens right after token `i` are `rest` (for multi-word modifiers such as "a bit").
fn following_words_match(raw: &[RawToken], lower: &str, spans: &[(usize, usize)], i: usize, rest: &[String]) -> bool {
    rest.iter().enumerate().all(|(k, want)| {
        let j = i + 1 + k;
        j < raw.len() && raw[j].kind == RawKind::Word && &lower[spans[j].0..spans[j].1] == want
    })
}

/// Cuts `text` to [`MAX_TEXT_BYTES`] at a character boundary.
fn truncate(text: &str) -> (&str, bool) {
    if text.len() <= MAX_TEXT_BYTES {
        return (text, false);
    }
    let mut cut = MAX_TEXT_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    (&text[..cut], true)
}

/// The public tokens: everything but line breaks, with base forms and valences where known.
fn output_tokens(text: &str, raw: &[RawToken], mut base_forms: Vec<Vec<String>>, infos: &[WordInfo]) -> Vec<Token> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, t) in raw.iter().enumerate() {
        let kind = match t.kind {
            RawKind::Word => TokenKind::Word,
            RawKind::Number => TokenKind::Number,
            RawKind::Emoticon => TokenKind::Emoticon,
            RawKind::Emoji => TokenKind::Emoji,
            RawKind::SentenceEnd { .. } if text[t.start..t.end].trim().is_empty() => continue,
            _ => TokenKind::Punctuation,
        };
        let forms = base_forms.get_mut(i).map(std::mem::take).unwrap_or_default();
        let valence = infos.get(i).map_or(0.0, |x| x.valence);
        out.push(Token { start: t.start, end: t.end, kind, base_forms: forms, valence });
    }
    out
}
