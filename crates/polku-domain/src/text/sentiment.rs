//! Sentiment values: polarity, the −1…1 score, and how an answer's own rating (NPS, CSAT, CES) combines
//! with what its text says.
//!
//! Text sentiment and the rating are kept apart on purpose: "9 — but the invoice was wrong" is a promoter
//! whose text is negative, and that is exactly what a CX team wants to find. The combined value is offered
//! beside them for ranking and filtering.

use crate::survey::QuestionType;
use serde::{Deserialize, Serialize};

/// Positive, neutral or negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    Negative,
    Neutral,
    Positive,
}

impl Polarity {
    pub const ALL: [Polarity; 3] = [Polarity::Positive, Polarity::Neutral, Polarity::Negative];

    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Positive => "positive",
            Polarity::Neutral => "neutral",
            Polarity::Negative => "negative",
        }
    }

    pub fn parse(s: &str) -> Option<Polarity> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    /// Index in [`Polarity::ALL`], for confusion matrices.
    pub fn index(self) -> usize {
        match self {
            Polarity::Positive => 0,
            Polarity::Neutral => 1,
            Polarity::Negative => 2,
        }
    }
}

/// Scores closer to zero than this are neutral. On the normalised scale it equals a raw sum of about 0.8:
/// one mild word ("ok", weight 0.5) stays neutral, one clear word ("good", 2) does not.
pub(super) const NEUTRAL_BAND: f32 = 0.2;

/// How fast raw sums approach ±1 (VADER's normalisation constant): a raw 2 gives 0.46, 4 gives 0.72.
const ALPHA: f64 = 15.0;

/// A polarity with its score in −1…1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub polarity: Polarity,
    pub score: f32,
}

impl Sentiment {
    pub const NEUTRAL: Sentiment = Sentiment { polarity: Polarity::Neutral, score: 0.0 };

    /// A sentiment from a score already in −1…1 (clamped; NaN counts as 0).
    pub fn from_score(score: f32) -> Sentiment {
        let score = if score.is_nan() { 0.0 } else { score.clamp(-1.0, 1.0) };
        let polarity = if score >= NEUTRAL_BAND {
            Polarity::Positive
        } else if score <= -NEUTRAL_BAND {
            Polarity::Negative
        } else {
            Polarity::Neutral
        };
        Sentiment { polarity, score }
    }

    /// A sentiment from an unbounded sum of word weights, squashed smoothly into −1…1.
    pub(crate) fn from_raw(raw: f32) -> Sentiment {
        // In f64 so that squaring a huge sum cannot overflow to infinity.
        let raw = f64::from(raw);
        Self::from_score((raw / (raw * raw + ALPHA).sqrt()) as f32)
    }
}

/// The answer's own score, to combine with its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Rating {
    /// Net Promoter Score, 0–10.
    Nps(u8),
    /// Customer satisfaction, 1–5.
    Csat(u8),
    /// Customer effort, 1–7 (7 = very easy, as Polku asks it).
    Ces(u8),
}

impl Rating {
    /// The rating of a scored question's answer; `None` for other question types or values off the scale.
    pub fn from_answer(kind: QuestionType, value: i16) -> Option<Rating> {
        let (lo, hi) = kind.scale()?;
        if !(lo..=hi).contains(&value) {
            return None;
        }
        let v = u8::try_from(value).ok()?;
        match kind {
            QuestionType::Nps => Some(Rating::Nps(v)),
            QuestionType::Csat => Some(Rating::Csat(v)),
            QuestionType::Ces => Some(Rating::Ces(v)),
            _ => None,
        }
    }

    /// The rating on the sentiment scale, or `None` when off its scale. NPS is centred on 7 (the first
    /// passive score) so that detractors are negative and 9–10 clearly positive: 0–4 → −1, 6 → −0.33,
    /// 7 → 0, 9 → 0.67, 10 → 1. CSAT and CES are centred on their middle value.
    pub fn score(self) -> Option<f32> {
        let s = match self {
            Rating::Nps(v @ 0..=10) => (f32::from(v) - 7.0) / 3.0,
            Rating::Csat(v @ 1..=5) => (f32::from(v) - 3.0) / 2.0,
            Rating::Ces(v @ 1..=7) => (f32::from(v) - 4.0) / 3.0,
            _ => return None,
        };
        Some(s.clamp(-1.0, 1.0))
    }
}

/// Text and rating together: the plain mean when the text carries any sentiment, else the rating alone
/// (a neutral text says nothing against the customer's own score).
pub(crate) fn combine(text: Sentiment, text_has_evidence: bool, rating: Rating) -> Option<Sentiment> {
    let r = rating.score()?;
    Some(if text_has_evidence { Sentiment::from_score((text.score + r) / 2.0) } else { Sentiment::from_score(r) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_map_onto_the_sentiment_scale() {
        let cases = [
            (Rating::Nps(0), Some(-1.0)),
            (Rating::Nps(7), Some(0.0)),
            (Rating::Nps(10), Some(1.0)),
            (Rating::Nps(11), None),
            (Rating::Csat(1), Some(-1.0)),
            (Rating::Csat(4), Some(0.5)),
            (Rating::Csat(0), None),
            (Rating::Ces(7), Some(1.0)),
        ];
        for (rating, want) in cases {
            assert_eq!(rating.score(), want, "{rating:?}");
        }
        assert_eq!(Rating::from_answer(QuestionType::Nps, 9), Some(Rating::Nps(9)));
        assert_eq!(Rating::from_answer(QuestionType::Csat, 6), None);
        assert_eq!(Rating::from_answer(QuestionType::Text, 3), None);
    }

    #[test]
    fn combined_keeps_a_negative_text_visible() {
        let text = Sentiment::from_raw(-3.0);
        assert_eq!(text.polarity, Polarity::Negative);
        let c = combine(text, true, Rating::Nps(9)).unwrap();
        assert!(c.score > text.score && c.score < 0.67);
        assert_eq!(combine(Sentiment::NEUTRAL, false, Rating::Nps(2)).unwrap().polarity, Polarity::Negative);
    }

    #[test]
    fn scores_are_bounded_and_banded() {
        assert_eq!(Sentiment::from_raw(0.5).polarity, Polarity::Neutral);
        assert_eq!(Sentiment::from_raw(2.0).polarity, Polarity::Positive);
        assert!(Sentiment::from_raw(1e30).score <= 1.0);
        assert_eq!(Sentiment::from_score(f32::NAN), Sentiment::NEUTRAL);
    }
}
