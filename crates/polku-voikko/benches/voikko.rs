//! Throughput of the whole text pipeline with libvoikko for Finnish base forms, on the same answers as
//! `cargo bench -p polku-domain --bench text` (Snowball). "warm": the steady state, where feedback's words
//! are in the lemmatizer's cache; "cold": the cache emptied before every pass, so every Finnish word goes
//! through libvoikko. Needs libvoikko1 and voikko-fi. Run with `cargo bench -p polku-voikko`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polku_domain::Locale;
use polku_domain::text::{Analyzer, Lemmatizer, SAMPLE_ANSWERS};
use polku_voikko::VoikkoLemmatizer;
use std::hint::black_box;
use std::sync::Arc;

/// The lemmatizer shared with the analyzer, so that the benchmark can empty its cache.
struct Shared(Arc<VoikkoLemmatizer>);

impl Lemmatizer for Shared {
    fn base_forms(&self, word: &str, lang: Locale) -> Vec<String> {
        self.0.base_forms(word, lang)
    }
}

fn bench(c: &mut Criterion) {
    let voikko = match VoikkoLemmatizer::load("libvoikko.so.1", 1) {
        Ok(v) => Arc::new(v),
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    let analyzer = Analyzer::builder().lemmatizer(Box::new(Shared(Arc::clone(&voikko)))).build();
    let mut group = c.benchmark_group("text_voikko");
    group.throughput(Throughput::Elements(SAMPLE_ANSWERS.len() as u64));
    group.bench_function("analyze_mix_warm", |b| {
        b.iter(|| {
            for &(text, hint, rating) in SAMPLE_ANSWERS {
                black_box(analyzer.analyze(black_box(text), hint, rating));
            }
        })
    });
    group.bench_function("analyze_mix_cold", |b| {
        b.iter(|| {
            voikko.clear_cache();
            for &(text, hint, rating) in SAMPLE_ANSWERS {
                black_box(analyzer.analyze(black_box(text), hint, rating));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
