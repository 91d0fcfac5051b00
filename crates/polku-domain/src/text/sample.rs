//! A fixed mix of answers for the speed benchmarks (`cargo bench -p polku-domain --bench text` and
//! `cargo bench -p polku-voikko`), so that both lemmatizers are timed on the same text.

use super::Rating;
use crate::Locale;

/// Answers of typical length and difficulty: short and long, negation, contrast, compounds, emoji, a hint
/// or none, with and without a score. Written for the benchmark; not taken from the evaluation set.
pub const SAMPLE_ANSWERS: &[(&str, Option<Locale>, Option<Rating>)] = &[
    ("Maalarit tulivat sovitusti ja jälki on todella siistiä, kiitos!", Some(Locale::Fi), Some(Rating::Nps(10))),
    ("Toimitusaika venyi kahdella viikolla eikä kukaan ilmoittanut mitään.", None, Some(Rating::Nps(3))),
    (
        "Hyvä lopputulos, mutta laskussa oli virhe ja asiakaspalveluun oli vaikea saada yhteyttä.",
        Some(Locale::Fi),
        None,
    ),
    ("Ok", Some(Locale::Fi), Some(Rating::Csat(3))),
    ("Kaikki meni hyvin 👍", None, None),
    ("Målarna var trevliga men det blev färgfläckar på golvet och ingen städade efter sig.", Some(Locale::Sv), None),
    ("Snabb leverans och bra pris, jättenöjd!", None, Some(Rating::Csat(5))),
    ("Fakturan kom innan jobbet var gjort och rotavdraget saknades.", Some(Locale::Sv), Some(Rating::Nps(4))),
    ("The painter was late twice and the invoice was wrong, but the finish is excellent.", None, Some(Rating::Nps(7))),
    ("Checkout kept failing and customer service never replied to my email :(", Some(Locale::En), None),
    ("Great job, very tidy and friendly crew. Would definitely recommend!", Some(Locale::En), Some(Rating::Nps(10))),
    ("Not the cheapest, though worth it.", None, None),
    (
        "Tilasin verkkokaupasta kaksi purkkia maalia ja telan; paketti tuli perille seuraavana päivänä ja kaikki oli \
      hyvin pakattu. Sävy vastasi täysin sävykarttaa. Ainoa miinus oli se, että tilausvahvistus meni roskapostiin.",
        Some(Locale::Fi),
        Some(Rating::Ces(6)),
    ),
    (
        "Vi väntade tre veckor på offerten, och när den kom var priset nästan dubbelt mot vad vi fått höra i telefon.",
        Some(Locale::Sv),
        None,
    ),
    (
        "Honestly one of the better tradespeople we've had: on time every day, careful with the furniture, and they \
      explained every step. Only small niggle is that the final invoice took a month to arrive.",
        Some(Locale::En),
        Some(Rating::Nps(9)),
    ),
    ("", Some(Locale::Fi), None),
];
