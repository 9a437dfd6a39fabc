//! Fitting 10^6 transitions from CSV text, parsing included, in events per
//! second: a plain sequence (`step,state`, the input R markovchain's
//! `markovchainFit` takes) and a registry export (`version_id,timestamp,
//! to_state` with RFC 3339 timestamps, 1000 versions). The text is built
//! once, outside the timing.

use std::fmt::Write;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use verchain::fit::read::ReadOptions;
use verchain::fit::{self, Request};

#[allow(dead_code)] // each benchmark uses part of the shared inputs
mod common;

const EVENTS: usize = 1_000_000;
const STATES: usize = 10;

/// A walk of `len` steps on a seeded random chain of `STATES` states.
fn walk(len: usize) -> Vec<usize> {
    let matrix = common::random_chain(STATES, 42);
    let mut x: u64 = 7;
    let mut state = 0;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            let mut acc = 0.0;
            let current = state;
            state = (0..STATES)
                .find(|&j| {
                    acc += matrix[(current, j)];
                    u < acc
                })
                .unwrap_or(STATES - 1);
            current
        })
        .collect()
}

fn sequence_csv() -> String {
    let mut text = String::from("step,state\n");
    for (t, s) in walk(EVENTS + 1).iter().enumerate() {
        let _ = writeln!(text, "{t},s{s}");
    }
    text
}

fn events_csv() -> String {
    let versions = 1000;
    let per_version = EVENTS / versions;
    let states = walk(EVENTS);
    let mut text = String::from("version_id,timestamp,to_state\n");
    for v in 0..versions {
        for k in 0..per_version {
            // One event an hour from 2025-01-01, each version on its own day.
            let minutes = v * 7 + k * 60;
            let (day, hour, minute) = (1 + minutes / 1440 % 28, minutes / 60 % 24, minutes % 60);
            let month = 1 + minutes / (1440 * 28) % 12;
            let _ = writeln!(
                text,
                "model-{v},2025-{month:02}-{day:02}T{hour:02}:{minute:02}:00Z,s{}",
                states[v * per_version + k]
            );
        }
    }
    text
}

fn fit_csv(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    for (name, text) in [("sequence", sequence_csv()), ("events", events_csv())] {
        // As the command line does, from the file's size.
        let request = Request {
            read: ReadOptions {
                expected_bytes: Some(text.len() as u64),
                ..ReadOptions::default()
            },
            ..Request::default()
        };
        group.bench_function(BenchmarkId::new(name, EVENTS), |b| {
            b.iter(|| fit::fit(black_box(text.as_bytes()), &request).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, fit_csv);
criterion_main!(benches);
