//! The files a run writes for people and tools: `report.md`, the exports,
//! and a whole run's folder with every chart (PNG and SVG), for the seed
//! article's chain and a dense chain of 100 states.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use verchain::report::{Summary, export, markdown, write_run};
use verchain::{analysis, scenario::Scenario};

/// The summary of a scenario, without simulation.
fn summary(text: &str) -> Summary {
    let scenario = Scenario::parse(text, "bench").unwrap();
    let exact = analysis::analyze(&scenario.chain, &scenario.initial, scenario.horizon, &[]);
    Summary::new(&scenario, &exact, None)
}

/// A dense chain of `n` states as scenario text, from a fixed stream.
fn dense(n: usize) -> String {
    let mut x: u64 = 42;
    let rows: Vec<String> = (0..n)
        .map(|_| {
            let cells: Vec<String> = (0..n)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    format!("{}", 1 + (x >> 60))
                })
                .collect();
            let total: u64 = cells.iter().map(|c| c.parse::<u64>().unwrap()).sum();
            let cells: Vec<String> = cells.iter().map(|c| format!("{c}/{total}")).collect();
            format!("  - [{}]", cells.join(", "))
        })
        .collect();
    let states: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    format!(
        "states: [{}]\nmatrix:\n{}\nhorizon: 20\n",
        states.join(", "),
        rows.join("\n")
    )
}

fn documents(c: &mut Criterion) {
    let seed = std::fs::read_to_string("scenarios/seed-article.yaml").unwrap();
    let mut group = c.benchmark_group("report");
    for (name, text) in [("seed", seed), ("dense-100", dense(100))] {
        let summary = summary(&text);
        let model = export::Model::of_summary(&summary);
        group.bench_function(BenchmarkId::new("markdown", name), |b| {
            b.iter(|| markdown::render(black_box(&summary)))
        });
        group.bench_function(BenchmarkId::new("prism", name), |b| {
            b.iter(|| export::prism(black_box(&model)))
        });
        group.bench_function(BenchmarkId::new("mermaid", name), |b| {
            b.iter(|| export::mermaid(black_box(&model)))
        });
        let folder = tempfile::tempdir().unwrap();
        group.sample_size(10);
        group.bench_function(BenchmarkId::new("write_run", name), |b| {
            b.iter(|| write_run(folder.path(), black_box(&summary)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, documents);
criterion_main!(benches);
