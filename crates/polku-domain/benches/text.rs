//! Throughput of the text pipeline: one analyzer, a fixed mix of realistic answers in three languages.
//!
//! The requirement is at least 20,000 answers per second per core for the whole pipeline (tokens, language,
//! base forms, sentiment, themes). Criterion reports the time per batch; with `Throughput::Elements` it
//! also prints answers per second. Run with `cargo bench -p polku-domain --bench text`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polku_domain::text::{Analyzer, SAMPLE_ANSWERS as MIX};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let analyzer = Analyzer::new();
    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Elements(MIX.len() as u64));
    group.bench_function("analyze_mix", |b| {
        b.iter(|| {
            for &(text, hint, rating) in MIX {
                black_box(analyzer.analyze(black_box(text), hint, rating));
            }
        });
    });
    group.finish();
    c.bench_function("analyzer_build", |b| b.iter(|| black_box(Analyzer::new())));
}

criterion_group!(benches, bench);
criterion_main!(benches);
