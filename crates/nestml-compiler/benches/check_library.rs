//! Speed on the whole model library: `check_source` (lex, parse, semantic checks),
//! `syntax::parse` alone, and the ODE analysis of the checked models (`analyse_unit`: lowering,
//! kernels to ODEs, partition, propagators at dt = 0.1 ms, stiffness). Criterion reports the time for one pass over all models; divide
//! by the model count (printed at start-up) for the time per model.
//!
//! `cargo bench -p nestml-compiler --bench check_library -- --warm-up-time 1 --measurement-time 3`

#[path = "../tests/common.rs"]
mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use nestml_compiler::diagnostics::{FileId, SourceMap};

fn bench_library(c: &mut Criterion) {
    let models = common::library_texts();
    let bytes: usize = models.iter().map(|(_, t)| t.len()).sum();
    let lines: usize = models.iter().map(|(_, t)| t.lines().count()).sum();
    eprintln!("library: {} models, {} lines, {} bytes", models.len(), lines, bytes);

    let mut group = c.benchmark_group("library");
    // Throughput in elements = models, so criterion also reports models per second.
    group.throughput(Throughput::Elements(models.len() as u64));
    group.bench_function("check_source", |b| {
        b.iter(|| {
            let mut sources = SourceMap::default();
            for (name, text) in &models {
                black_box(nestml_compiler::check_source(&mut sources, name, text));
            }
        })
    });
    group.bench_function("parse", |b| {
        b.iter(|| {
            for (_, text) in &models {
                black_box(nestml_compiler::syntax::parse(text, FileId(0)));
            }
        })
    });
    let checked: Vec<_> = {
        let mut sources = SourceMap::default();
        models.iter().map(|(name, text)| nestml_compiler::check_source(&mut sources, name, text)).collect()
    };
    let options = nestml_compiler::analysis::AnalysisOptions::default();
    group.bench_function("analyse", |b| {
        b.iter(|| {
            for c in &checked {
                black_box(nestml_compiler::analyse_unit(c, &options));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_library);
criterion_main!(benches);
