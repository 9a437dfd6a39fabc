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
            b.iter(|| {
                simulate::simulate(
                    black_box(&matrix),
                    &s0,
                    horizon,
                    walkers,
                    2024,
                    &[],
                    &|_| {},
                )
            })
        });
        // The same run recording the hitting time of the last state.
        let target = [vec![n - 1]];
        let id = BenchmarkId::new(format!("n={n},1 target"), format!("{walkers}x{horizon}"));
        group.bench_function(id, |b| {
            b.iter(|| {
                simulate::simulate(
                    black_box(&matrix),
                    &s0,
                    horizon,
                    walkers,
                    2024,
                    &target,
                    &|_| {},
                )
            })
        });
    }
    group.finish();
}

/// Counts mode: 10^9 walkers at n = 4, the conditional-binomial workload.
fn counts(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate_counts");
    let matrix = common::random_chain(4, 42);
    let s0 = common::first_state(4);
    let (walkers, horizon) = (1_000_000_000u64, 100usize);
    group.throughput(Throughput::Elements(walkers * horizon as u64));
    group.bench_function(
        BenchmarkId::new("n=4", format!("{walkers}x{horizon}")),
        |b| {
            b.iter(|| {
                simulate::simulate_counts(black_box(&matrix), &s0, horizon, walkers, 2024, &[])
            })
        },
    );
    group.finish();
}

criterion_group!(benches, walkers, counts);
criterion_main!(benches);
