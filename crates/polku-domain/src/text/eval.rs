//! Measuring sentiment quality against hand-labelled answers: accuracy, macro-F1 and the confusion matrix.
//!
//! Pure functions over (gold, predicted) pairs so that the same code scores the bundled evaluation set
//! (`data/text-eval/comments.csv`, see the test below), a customer's own labelled sample, or a new
//! lemmatizer. Macro-F1 (the unweighted mean of the three classes' F1) is the headline figure because
//! customer comments are mostly positive: a model that calls everything positive has a fine accuracy and a
//! poor macro-F1.

use super::sentiment::Polarity;
use crate::locale::Locale;
use serde::Serialize;
use std::collections::BTreeMap;

/// Precision, recall and F1 of one class.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ClassScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// How many gold labels have this class.
    pub support: u32,
}

/// The scores of one set of predictions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub n: u32,
    pub accuracy: f64,
    /// Mean F1 over the classes that occur among the gold or the predicted labels.
    pub macro_f1: f64,
    /// Per class, in [`Polarity::ALL`] order (positive, neutral, negative).
    pub classes: [ClassScores; 3],
    /// `confusion[gold][predicted]`, indexed in [`Polarity::ALL`] order.
    pub confusion: [[u32; 3]; 3],
}

/// Scores (gold, predicted) pairs. An empty input gives zeros. Precision of a class never predicted and
/// recall of a class never gold are 0; a class absent from both sides is left out of the macro mean rather
/// than counted as 0 or 1, so that a sample without neutral answers is not punished or flattered.
pub fn evaluate(pairs: &[(Polarity, Polarity)]) -> Evaluation {
    let mut confusion = [[0u32; 3]; 3];
    for &(gold, predicted) in pairs {
        confusion[gold.index()][predicted.index()] += 1;
    }
    let n = pairs.len() as u32;
    let correct: u32 = (0..3).map(|i| confusion[i][i]).sum();
    let ratio = |a: u32, b: u32| if b == 0 { 0.0 } else { f64::from(a) / f64::from(b) };
    let classes = std::array::from_fn(|c| {
        let tp = confusion[c][c];
        let gold: u32 = confusion[c].iter().sum();
        let predicted: u32 = (0..3).map(|g| confusion[g][c]).sum();
        let (precision, recall) = (ratio(tp, predicted), ratio(tp, gold));
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        ClassScores { precision, recall, f1, support: gold }
    });
    let present: Vec<f64> = (0..3)
        .filter(|&c| confusion[c].iter().sum::<u32>() + (0..3).map(|g| confusion[g][c]).sum::<u32>() > 0)
        .map(|c| classes[c].f1)
        .collect();
    let macro_f1 = if present.is_empty() { 0.0 } else { present.iter().sum::<f64>() / present.len() as f64 };
    Evaluation { n, accuracy: ratio(correct, n), macro_f1, classes, confusion }
}

/// Scores (language, gold, predicted) triples per language.
pub fn evaluate_by_language(items: &[(Locale, Polarity, Polarity)]) -> BTreeMap<Locale, Evaluation> {
    let mut by_lang: BTreeMap<Locale, Vec<(Polarity, Polarity)>> = BTreeMap::new();
    for &(lang, gold, predicted) in items {
        by_lang.entry(lang).or_default().push((gold, predicted));
    }
    by_lang.into_iter().map(|(lang, pairs)| (lang, evaluate(&pairs))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Polarity::*;

    #[test]
    fn hand_computed_example() {
        // Gold: 4 positive, 3 neutral, 3 negative.
        // positive → predicted positive ×3, neutral ×1
        // neutral  → predicted positive ×1, neutral ×1, negative ×1
        // negative → predicted negative ×2, neutral ×1
        let mut pairs = vec![(Positive, Positive); 3];
        pairs.push((Positive, Neutral));
        pairs.extend([(Neutral, Positive), (Neutral, Neutral), (Neutral, Negative)]);
        pairs.extend([(Negative, Negative), (Negative, Negative), (Negative, Neutral)]);
        let e = evaluate(&pairs);
        assert_eq!(e.n, 10);
        assert_eq!(e.confusion, [[3, 1, 0], [1, 1, 1], [0, 1, 2]]);
        assert!((e.accuracy - 0.6).abs() < 1e-12);
        // Positive: P = 3/4, R = 3/4, F1 = 0.75. Neutral: P = 1/3, R = 1/3, F1 = 1/3.
        // Negative: P = 2/3, R = 2/3, F1 = 2/3. Macro = (0.75 + 1/3 + 2/3) / 3 = 0.5833…
        assert!((e.classes[0].f1 - 0.75).abs() < 1e-12);
        assert!((e.classes[1].f1 - 1.0 / 3.0).abs() < 1e-12);
        assert!((e.classes[2].precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((e.macro_f1 - 1.75 / 3.0).abs() < 1e-12);
        assert_eq!(e.classes[1].support, 3);
    }

    #[test]
    fn edge_cases() {
        let empty = evaluate(&[]);
        assert_eq!((empty.n, empty.accuracy, empty.macro_f1), (0, 0.0, 0.0));
        // No neutral anywhere: macro over positive and negative only.
        let e = evaluate(&[(Positive, Positive), (Negative, Positive)]);
        // Positive: P = 1/2, R = 1, F1 = 2/3; negative: F1 = 0.
        assert!((e.macro_f1 - 1.0 / 3.0).abs() < 1e-12);
        let by = evaluate_by_language(&[(Locale::Sv, Positive, Positive), (Locale::Fi, Negative, Neutral)]);
        assert_eq!(by[&Locale::Sv].accuracy, 1.0);
        assert_eq!(by[&Locale::Fi].accuracy, 0.0);
    }
}
