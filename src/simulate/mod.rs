//! Monte Carlo: independent versions walking the chain, counted step by step.
//!
//! `walkers` versions start from `S_0` and take `H` steps each; the result is
//! the number of versions in each state at each step (memory `O(n·H)`, never
//! `O(walkers·H)`). Each step draws from the row's [`AliasTable`] with one
//! random word.
//!
//! # Reproducibility
//!
//! Walkers are cut into blocks of [`BLOCK`]. Block `b` draws from its own
//! ChaCha8 stream: the generator seeded with `seed`, stream number `b`. The
//! blocks run in parallel with rayon, but each block's numbers depend only on
//! `seed` and `b`, and counts are integers whose sum does not depend on the
//! order of addition, so a run gives identical results on any number of
//! threads. ChaCha8 is portable and its output is fixed by specification,
//! unlike `StdRng`.

pub mod agreement;
pub mod alias;
pub mod counts;

use nalgebra::{DMatrix, DVector};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

pub use agreement::{Agreement, agreement};
pub use alias::{AliasTable, RowTables};
pub use counts::simulate_counts;

/// How to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Counts from [`AUTO_COUNTS_FROM`] walkers on, walker by walker below.
    #[default]
    Auto,
    /// Every walker followed step by step ([`simulate`]).
    Walkers,
    /// The counts drawn directly, exactly distributed ([`simulate_counts`]).
    Counts,
}

impl Mode {
    /// The mode `Auto` stands for with `walkers` walkers.
    pub fn resolve(self, walkers: u64) -> Mode {
        match self {
            Mode::Auto if walkers >= AUTO_COUNTS_FROM => Mode::Counts,
            Mode::Auto => Mode::Walkers,
            mode => mode,
        }
    }

    /// The mode's name as scenarios and the command line write it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Walkers => "walkers",
            Mode::Counts => "counts",
        }
    }
}

/// From this many walkers on, `auto` draws counts: following each walker
/// would take about a second or more, while counts take milliseconds.
pub const AUTO_COUNTS_FROM: u64 = 10_000_000;

/// Runs the simulation in `mode` (`Auto` resolved by the number of walkers).
pub fn run(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    horizon: usize,
    walkers: u64,
    seed: u64,
    mode: Mode,
    progress: &(dyn Fn(u64) + Sync),
) -> Simulation {
    match mode.resolve(walkers) {
        Mode::Counts => {
            let simulation = simulate_counts(matrix, initial, horizon, walkers, seed);
            progress(walkers);
            simulation
        }
        _ => simulate(matrix, initial, horizon, walkers, seed, progress),
    }
}

/// Walkers per block, and per random stream.
pub const BLOCK: u64 = 8192;

/// What one run of the simulation asked for and counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    pub walkers: u64,
    pub seed: u64,
    /// How the counts were drawn: walker by walker, or as counts.
    pub mode: Mode,
    /// `counts[t][i]`: walkers in state `i` after `t` steps.
    pub counts: Vec<Vec<u64>>,
}

impl Simulation {
    /// The fraction of walkers in each state at step `t`.
    pub fn occupancy(&self, t: usize) -> Vec<f64> {
        let n = self.walkers as f64;
        self.counts[t].iter().map(|&c| c as f64 / n).collect()
    }
}

/// Simulates `walkers` versions for `horizon` steps.
///
/// `progress` is called with the number of walkers finished, after each
/// block (from any thread), so a caller can show a progress bar.
///
/// # Panics
///
/// When `walkers` is 0 (there is nothing to simulate).
pub fn simulate(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    horizon: usize,
    walkers: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Simulation {
    assert!(walkers > 0, "simulate needs at least one walker");
    let n = matrix.nrows();
    let row_major: Vec<Vec<f64>> = matrix
        .row_iter()
        .map(|r| r.iter().copied().collect())
        .collect();
    let rows = RowTables::new(row_major.iter().map(Vec::as_slice));
    let start = AliasTable::new(initial.as_slice());
    let blocks = walkers.div_ceil(BLOCK);

    let flat = (0..blocks)
        .into_par_iter()
        .fold(
            || vec![0u64; (horizon + 1) * n],
            |mut counts, block| {
                let size = BLOCK.min(walkers - block * BLOCK) as usize;
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(block);
                walk_block(&rows, &start, horizon, size, &mut rng, &mut counts);
                progress(size as u64);
                counts
            },
        )
        .reduce(
            || vec![0u64; (horizon + 1) * n],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );

    Simulation {
        walkers,
        seed,
        mode: Mode::Walkers,
        counts: flat.chunks_exact(n).map(<[u64]>::to_vec).collect(),
    }
}

/// Walkers moved together between two draws of random words: small enough
/// that their words and states stay in the first-level cache.
const CHUNK: usize = 512;

/// Walks `size` walkers through all steps, step by step, adding to `counts`
/// (row-major, `(horizon + 1) × n`).
///
/// Each step goes through the walkers in chunks: draw one word per walker in
/// bulk, move each walker, count where they are. The words of a block are
/// drawn in walker order within each step, whatever the chunking.
fn walk_block<R: Rng>(
    rows: &RowTables,
    start: &AliasTable,
    horizon: usize,
    size: usize,
    rng: &mut R,
    counts: &mut [u64],
) {
    let n = rows.len();
    let mut states: Vec<u32> = (0..size).map(|_| start.sample(rng) as u32).collect();
    let mut words = [0u64; CHUNK];
    let mut tally = Tally::new(n);
    tally.add(&states);
    tally.drain_into(&mut counts[..n]);
    for t in 1..=horizon {
        for chunk in states.chunks_mut(CHUNK) {
            let words = &mut words[..chunk.len()];
            rng.fill(words);
            for (state, &word) in chunk.iter_mut().zip(words.iter()) {
                *state = rows.next_state(*state, word);
            }
            tally.add(chunk);
        }
        tally.drain_into(&mut counts[t * n..(t + 1) * n]);
    }
}

/// Walkers per state, kept in four interleaved lanes so that consecutive
/// walkers in the same state do not wait on each other's increment.
struct Tally {
    lanes: Vec<[u32; 4]>,
}

impl Tally {
    fn new(n: usize) -> Self {
        Self {
            lanes: vec![[0; 4]; n],
        }
    }

    fn add(&mut self, states: &[u32]) {
        let mut quads = states.chunks_exact(4);
        for quad in &mut quads {
            for (lane, &state) in quad.iter().enumerate() {
                self.lanes[state as usize][lane] += 1;
            }
        }
        for &state in quads.remainder() {
            self.lanes[state as usize][0] += 1;
        }
    }

    /// Adds the tallies to `counts` and resets them.
    fn drain_into(&mut self, counts: &mut [u64]) {
        for (total, lanes) in counts.iter_mut().zip(self.lanes.iter_mut()) {
            *total += lanes.iter().map(|&c| u64::from(c)).sum::<u64>();
            *lanes = [0; 4];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{dmatrix, dvector};

    #[test]
    fn counts_every_walker_at_every_step() {
        let t = dmatrix![0.5, 0.5; 0.2, 0.8];
        let sim = simulate(&t, &dvector![1.0, 0.0], 5, 20_000, 7, &|_| {});
        assert_eq!(sim.counts.len(), 6);
        assert_eq!(sim.counts[0], vec![20_000, 0]);
        for step in &sim.counts {
            assert_eq!(step.iter().sum::<u64>(), 20_000);
        }
    }

    #[test]
    fn deterministic_moves_are_followed_exactly() {
        let cycle = dmatrix![0.0, 1.0, 0.0; 0.0, 0.0, 1.0; 1.0, 0.0, 0.0];
        let sim = simulate(&cycle, &dvector![1.0, 0.0, 0.0], 4, 10_000, 1, &|_| {});
        assert_eq!(sim.counts[1], vec![0, 10_000, 0]);
        assert_eq!(sim.counts[3], vec![10_000, 0, 0]);
    }

    #[test]
    fn same_seed_same_counts_different_seed_different_counts() {
        let t = dmatrix![0.3, 0.7; 0.6, 0.4];
        let s0 = dvector![0.5, 0.5];
        let a = simulate(&t, &s0, 10, 30_000, 11, &|_| {});
        let b = simulate(&t, &s0, 10, 30_000, 11, &|_| {});
        let c = simulate(&t, &s0, 10, 30_000, 12, &|_| {});
        assert_eq!(a, b);
        assert_ne!(a.counts, c.counts);
    }

    #[test]
    fn thread_count_does_not_change_the_numbers() {
        let t = dmatrix![0.1, 0.6, 0.3; 0.4, 0.4, 0.2; 0.25, 0.25, 0.5];
        let s0 = dvector![1.0, 0.0, 0.0];
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| simulate(&t, &s0, 12, 5 * BLOCK + 17, 3, &|_| {}))
        };
        assert_eq!(run(1), run(2));
        assert_eq!(run(1), run(3));
    }
}
