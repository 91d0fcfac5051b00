//! Throughput of the text pipeline: one analyzer, a fixed mix of realistic answers in three languages.
//!
//! The requirement is at least 20,000 answers per second per core for the whole pipeline (tokens, language,
//! base forms, sentiment, themes). Criterion reports the time per batch; with `Throughput::Elements` it
//! also prints answers per second. Run with `cargo bench -p polku-domain --bench text`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polku_domain::Locale;
use polku_domain::text::{Analyzer, Rating};
use std::hint::black_box;

/// Answers of typical length and difficulty: short and long, negation, contrast, compounds, emoji, a hint
/// or none, with and without a score. Written for the benchmark; not taken from the evaluation set.
const MIX: &[(&str, Option<Locale>, Option<Rating>)] = &[
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

fn bench(c: &mut Criterion) {
    let analyzer = Analyzer::new();
    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Elements(MIX.len() as u64));
    group.bench_function("analyze_mix", |b| {
        b.iter(|| {
            for &(text, hint, rating) in MIX {
                black_box(analyzer.analyze(black_box(text), hint, rating));
            }
        })
    });
    group.finish();
    c.bench_function("analyzer_build", |b| b.iter(|| black_box(Analyzer::new())));
}

criterion_group!(benches, bench);
criterion_main!(benches);
