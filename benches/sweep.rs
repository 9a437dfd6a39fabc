//! What-if sweeps: 10,000 points of the 6-state canary lifecycle (a 100 ×
//! 100 grid over the canary pass rate and the rollback rate), each with its
//! stationary, absorption and hitting metrics, on all threads.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use verchain::scenario::Scenario;
use verchain::sweep;

const SCENARIO: &str = "
states: [candidate, canary, production, canary_aborted, prod_rollback, archived]
parameters:
  canary_pass: {value: 0.6, range: [0.3, 0.7]}
  rollback_rate: {value: 0.02, range: [0, 0.1]}
transitions:
  candidate: {candidate: 0.2, canary: 0.7, archived: 0.1}
  canary: {canary: 0.3, production: canary_pass, canary_aborted: rest}
  production: {production: 0.9, prod_rollback: rollback_rate, archived: rest}
  canary_aborted: {candidate: 0.5, archived: 0.5}
  prod_rollback: {candidate: 0.3, archived: 0.7}
  archived: absorbing
horizon: 30
sweeps:
  parameters:
    canary_pass: {from: 0.3, to: 0.7, count: 100}
    rollback_rate: {from: 0, to: 0.1, count: 100}
  metrics:
    - stationary
    - absorption[archived] from candidate
    - hitting[production].probability from candidate
    - hitting[production].expected_if_reached from candidate
    - hitting[prod_rollback].probability
";

fn sweep_points(c: &mut Criterion) {
    let scenario = Scenario::parse(SCENARIO, "bench").unwrap();
    let points = scenario.whatif.sweep.as_ref().unwrap().len();
    assert_eq!(points, 10_000);
    let mut group = c.benchmark_group("sweep");
    group.throughput(Throughput::Elements(points as u64));
    group.sample_size(10);
    group.bench_function("canary/6-states/10000-points", |b| {
        b.iter(|| sweep::run(black_box(&scenario), 0..points, &|| {}))
    });
    group.finish();
}

criterion_group!(benches, sweep_points);
criterion_main!(benches);
