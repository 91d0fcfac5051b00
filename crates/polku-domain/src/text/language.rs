//! Recognising whether an answer is Finnish, Swedish or English.
//!
//! whatlang's trigram detector (restricted to the three languages) is reliable for a sentence or more but
//! guesses on two words ("Bra service" came out Finnish in testing). Survey answers are often that short, so
//! its verdict is combined with a vote of known words (each language's lexicon forms, theme terms and
//! stopwords), and the caller's hint (the language the survey was shown in) decides when both are unsure.

use super::compile::LangModel;
use crate::locale::Locale;
use serde::{Deserialize, Serialize};

/// How the language of an analysis was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LanguageSource {
    /// Recognised from the text with confidence.
    Detected,
    /// The text was too short or too ambiguous, and the caller's hint was used.
    Hint,
    /// Unsure and no hint: the most likely language.
    Guess,
}

/// How many words are looked at: the language of a long answer is clear long before its end.
const VOTE_WORDS: usize = 200;
/// How many bytes whatlang reads, for the same reason (cut at a character boundary).
const DETECT_BYTES: usize = 2048;

fn to_locale(lang: whatlang::Lang) -> Option<Locale> {
    match lang {
        whatlang::Lang::Fin => Some(Locale::Fi),
        whatlang::Lang::Swe => Some(Locale::Sv),
        whatlang::Lang::Eng => Some(Locale::En),
        _ => None,
    }
}

pub(crate) fn locale_index(l: Locale) -> usize {
    match l {
        Locale::Fi => 0,
        Locale::Sv => 1,
        Locale::En => 2,
    }
}

/// Chooses the language of `text` whose lower-cased words are `words`.
pub(crate) fn detect<'a>(
    detector: &whatlang::Detector,
    models: &[LangModel; 3],
    text: &str,
    words: impl Iterator<Item = &'a str>,
    hint: Option<Locale>,
) -> Option<(Locale, LanguageSource)> {
    let mut votes = [0u32; 3];
    let mut n = 0;
    for w in words.take(VOTE_WORDS) {
        n += 1;
        for (v, m) in votes.iter_mut().zip(models) {
            if m.surfaces.contains_key(w) {
                *v += 1;
            }
        }
    }
    let mut order = [0usize, 1, 2];
    order.sort_by_key(|&i| std::cmp::Reverse(votes[i]));
    let best = order[0];
    let margin = votes[best] - votes[order[1]];
    // A clear vote settles it without the (costlier) trigram detector.
    if margin >= 3 && votes[best] * 2 > n {
        return Some((models[best].lang, LanguageSource::Detected));
    }
    let mut cut = text.len().min(DETECT_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let trigram = detector.detect(&text[..cut]).and_then(|info| Some((to_locale(info.lang())?, info.confidence())));
    if let Some((l, confidence)) = trigram {
        let li = locale_index(l);
        // Trust the trigrams on a few words or more, unless the vocabulary clearly says otherwise.
        if confidence >= 0.5 && n >= 4 && votes[li] + 1 >= votes[best] {
            return Some((l, LanguageSource::Detected));
        }
        if votes[best] > 0 && margin >= 1 && li == best {
            return Some((l, LanguageSource::Detected));
        }
    }
    if margin >= 2 {
        return Some((models[best].lang, LanguageSource::Detected));
    }
    if let Some(h) = hint {
        return Some((h, LanguageSource::Hint));
    }
    if margin >= 1 {
        return Some((models[best].lang, LanguageSource::Guess));
    }
    trigram.map(|(l, _)| (l, LanguageSource::Guess))
}
