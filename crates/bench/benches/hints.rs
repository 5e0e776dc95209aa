//! Triage hints on a long (2 KB) Vietnamese report: `cargo bench -p hotline-bench --bench hints`.
//! The per-call percentiles are `hotline-bench hints` (docs/benchmarks.md).

use criterion::{Criterion, criterion_group, criterion_main};
use hotline_bench::texts::long_reports;
use hotline_domain::Gazetteer;
use std::hint::black_box;

fn hints(c: &mut Criterion) {
    let Ok(places) = Gazetteer::embedded() else {
        return;
    };
    let texts = long_reports(2048);
    let mut next = texts.iter().cycle();
    c.bench_function("hints of a 2 KB report", |b| {
        b.iter(|| {
            let text = next.next().map_or("", String::as_str);
            black_box(hotline_domain::hints::hints(black_box(text), &places))
        })
    });
    c.bench_function("danger signals of a 2 KB report", |b| {
        b.iter(|| {
            let text = next.next().map_or("", String::as_str);
            black_box(hotline_domain::danger::signals(black_box(text)))
        })
    });
    c.bench_function("place in a 2 KB report", |b| {
        b.iter(|| {
            let text = next.next().map_or("", String::as_str);
            black_box(places.place_in_text(black_box(text)))
        })
    });
}

criterion_group!(benches, hints);
criterion_main!(benches);
