//! Monte Carlo throughput, in walker-steps per second.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use verchain::simulate;

mod common;

fn walkers(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    for (n, walkers, horizon) in [(4, 1_000_000u64, 100usize), (100, 100_000, 1000)] {
        let matrix = common::random_chain(n, 42);
        let s0 = common::first_state(n);
        group.throughput(Throughput::Elements(walkers * horizon as u64));
        let id = BenchmarkId::new(format!("n={n}"), format!("{walkers}x{horizon}"));
        group.bench_function(id, |b| {
            b.iter(|| simulate::simulate(black_box(&matrix), &s0, horizon, walkers, 2024, &|_| {}))
        });
    }
    group.finish();
}

criterion_group!(benches, walkers);
criterion_main!(benches);
