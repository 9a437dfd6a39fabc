//! Exact analysis: stationary distributions by GTH, far steps by repeated
//! squaring, and the step-by-step trajectory.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use verchain::analysis::{Structure, absorbing, stationary, transient};

mod common;

fn stationary_gth(c: &mut Criterion) {
    let mut group = c.benchmark_group("stationary");
    for n in [4, 100, 1000] {
        let matrix = common::random_chain(n, 42);
        let structure = Structure::of(&matrix);
        group.sample_size(if n >= 1000 { 10 } else { 50 });
        group.bench_with_input(BenchmarkId::new("gth", n), &matrix, |b, m| {
            b.iter(|| stationary::stationary_distributions(black_box(m), &structure))
        });
    }
    group.finish();
}

fn far_step(c: &mut Criterion) {
    let matrix = common::random_chain(4, 42);
    let s0 = common::first_state(4);
    c.bench_function("distribution_at/n=4/t=1e6", |b| {
        b.iter(|| transient::distribution_at(black_box(&matrix), &s0, black_box(1_000_000)))
    });
}

fn trajectory(c: &mut Criterion) {
    let mut group = c.benchmark_group("trajectory");
    for (n, horizon) in [(4, 100), (1000, 100)] {
        let matrix = common::random_chain(n, 42);
        let s0 = common::first_state(n);
        group.throughput(Throughput::Elements(horizon as u64));
        group.sample_size(20);
        group.bench_function(BenchmarkId::new(format!("n={n}"), horizon), |b| {
            b.iter(|| transient::trajectory(black_box(&matrix), &s0, horizon))
        });
    }
    group.finish();
}

/// Absorbing analysis of a 1000-state chain whose last 10 states are
/// absorbing: absorption probabilities and expected steps (B and t), and
/// with the fundamental matrix N as well.
fn absorbing(c: &mut Criterion) {
    let (n, absorbing_states) = (1000, 10);
    let mut matrix = common::random_chain(n, 42);
    for i in n - absorbing_states..n {
        matrix.row_mut(i).fill(0.0);
        matrix[(i, i)] = 1.0;
    }
    let structure = Structure::of(&matrix);
    let mut group = c.benchmark_group("absorbing");
    group.sample_size(10);
    group.bench_function("n=1000/B+t", |b| {
        b.iter(|| absorbing::analyze(black_box(&matrix), &structure, false))
    });
    group.bench_function("n=1000/N+B+t", |b| {
        b.iter(|| absorbing::analyze(black_box(&matrix), &structure, true))
    });
    group.finish();
}

criterion_group!(benches, stationary_gth, far_step, trajectory, absorbing);
criterion_main!(benches);
