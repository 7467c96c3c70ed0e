//! The hot stages on the sample reports of `data/seeds` and `data/web` (`cargo bench`).
//!
//! One iteration runs a stage over every sample once; throughput is in input bytes, so the
//! figures compare with the end-to-end MB/s of `bench/run.sh`. Each stage gets the output of
//! the stages before it, computed outside the timed loop.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fazhi::config::Config;
use fazhi::input::decode;
use fazhi::normalize::NormalizedText;
use fazhi::pipeline::Engine;
use fazhi::text::TextIndex;

/// `(name, bytes)` of every sample report, in name order.
fn samples() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut out = Vec::new();
    for dir in ["seeds", "web"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("data/ holds the sample reports")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for p in files {
            let bytes = std::fs::read(&p).expect("sample is readable");
            out.push((
                format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()),
                bytes,
            ));
        }
    }
    out
}

fn stages(c: &mut Criterion) {
    let engine = Engine::new(Config::builtin().expect("the built-in config compiles"));
    let cfg = &engine.config;
    let samples = samples();
    let total: u64 = samples.iter().map(|(_, b)| b.len() as u64).sum();
    let texts: Vec<String> = samples
        .iter()
        .map(|(_, b)| decode::decode(b, None, false).expect("samples decode").text)
        .collect();
    let normalized: Vec<NormalizedText> =
        texts.iter().map(|t| cfg.normalizer.normalize(t)).collect();
    let indexed: Vec<TextIndex> = normalized
        .iter()
        .map(|n| TextIndex::new(n.body.clone()))
        .collect();

    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(total));
    g.sample_size(30);

    g.bench_function("decode", |b| {
        b.iter(|| {
            for (_, bytes) in &samples {
                black_box(decode::decode(black_box(bytes), None, false).ok());
            }
        })
    });
    g.bench_function("normalize", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(cfg.normalizer.normalize(black_box(t)));
            }
        })
    });
    g.bench_function("text_index", |b| {
        b.iter(|| {
            for n in &normalized {
                black_box(TextIndex::new(n.body.clone()));
            }
        })
    });
    g.bench_function("structure", |b| {
        b.iter(|| {
            for t in &indexed {
                black_box(cfg.structure.layout(&t.chars));
            }
        })
    });
    g.bench_function("extract", |b| {
        b.iter(|| {
            for t in &indexed {
                black_box(cfg.lexicon.extract(t, &[]));
            }
        })
    });
    let layouts: Vec<_> = indexed
        .iter()
        .map(|t| cfg.structure.layout(&t.chars))
        .collect();
    let mentions: Vec<_> = indexed
        .iter()
        .map(|t| cfg.lexicon.extract(t, &[]).mentions)
        .collect();
    g.bench_function("classify", |b| {
        b.iter(|| {
            for ((t, l), m) in indexed.iter().zip(&layouts).zip(&mentions) {
                black_box(cfg.catalogue.classify(t, l, &cfg.structure, m));
            }
        })
    });
    g.bench_function("metadata", |b| {
        b.iter(|| {
            for n in &normalized {
                black_box(cfg.metadata.read(n));
            }
        })
    });
    let titles: Vec<Option<String>> = normalized
        .iter()
        .map(|n| cfg.metadata.read(n).title)
        .collect();
    g.bench_function("places", |b| {
        b.iter(|| {
            for (t, title) in indexed.iter().zip(&titles) {
                black_box(engine.gazetteer.locate(title.as_deref(), t.as_str()));
            }
        })
    });
    g.bench_function("analyze_text", |b| {
        b.iter(|| {
            for ((name, _), t) in samples.iter().zip(&texts) {
                black_box(engine.analyze_text(t, name));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
