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
pub mod phased;

use nalgebra::{DMatrix, DVector};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

pub use agreement::{Agreement, HittingAgreement, agreement};
pub use alias::{AliasTable, RowTables};
pub use counts::simulate_counts;

/// How to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Whichever costs less (see [`Mode::resolve`]).
    #[default]
    #[value(help = "whichever costs less: counts for long runs of many walkers, walkers otherwise")]
    Auto,
    /// Every walker followed step by step ([`simulate`]).
    #[value(help = "every simulated version followed step by step")]
    Walkers,
    /// The counts drawn directly, exactly distributed ([`simulate_counts`]).
    #[value(
        help = "the counts of versions in each state drawn directly: exact, milliseconds for any number"
    )]
    Counts,
}

impl Mode {
    /// The mode `Auto` stands for with `walkers` walkers on `states` states
    /// over `horizon` steps.
    ///
    /// Following the walkers costs `walkers` walker-steps a step, shared by
    /// the threads. Drawing counts costs at most `n` binomial draws for each
    /// of the `n` states, each worth about [`BINOMIAL_COST`] walker-steps,
    /// and less where a state holds few walkers, on one thread. `Auto` draws
    /// counts when that is cheaper even against two threads, and the run
    /// is long enough to matter ([`AUTO_MIN_STEPS`] walker-steps); small
    /// runs follow their walkers, so that their hitting times and traces
    /// come from the same versions as their occupancy.
    pub fn resolve(self, walkers: u64, states: usize, horizon: usize) -> Mode {
        match self {
            Mode::Auto => {
                let n = states as u64;
                let counts_per_step = walkers.min(BINOMIAL_COST.saturating_mul(n * n));
                let cheaper = counts_per_step.saturating_mul(2) < walkers;
                let long = walkers.saturating_mul(horizon as u64) >= AUTO_MIN_STEPS;
                if cheaper && long {
                    Mode::Counts
                } else {
                    Mode::Walkers
                }
            }
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

/// A binomial draw costs about as much as this many walker-steps (160 ns
/// against 3.5 ns, measured; see `benches/simulate.rs`).
pub const BINOMIAL_COST: u64 = 45;

/// Walker-steps below which `Auto` always follows the walkers: about a
/// tenth of a second of work.
pub const AUTO_MIN_STEPS: u64 = 20_000_000;

/// What to simulate: everything but the chain and its starting distribution.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Steps each walker takes.
    pub horizon: usize,
    /// Simulated versions (at least 1).
    pub walkers: u64,
    pub seed: u64,
    pub mode: Mode,
    /// Sets of states whose first hitting times are recorded (at most
    /// [`MAX_TARGETS`]).
    pub targets: &'a [Vec<usize>],
}

pub use crate::scenario::MAX_TARGETS;

/// Runs the simulation in `request.mode` (`Auto` resolved by the number of
/// walkers).
pub fn run(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    request: &Request,
    progress: &(dyn Fn(u64) + Sync),
) -> Simulation {
    let Request {
        horizon,
        walkers,
        seed,
        targets,
        ..
    } = *request;
    match request.mode.resolve(walkers, matrix.nrows(), horizon) {
        Mode::Counts => {
            let simulation = simulate_counts(matrix, initial, horizon, walkers, seed, targets);
            progress(walkers);
            simulation
        }
        _ => simulate(matrix, initial, horizon, walkers, seed, targets, progress),
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
    /// `first_hits[k][t]`: walkers whose first visit to target `k` was at
    /// step `t`, for t = 0 … H; the others had not reached it by the horizon.
    pub first_hits: Vec<Vec<u64>>,
}

impl Simulation {
    /// The fraction of walkers in each state at step `t`.
    pub fn occupancy(&self, t: usize) -> Vec<f64> {
        let n = self.walkers as f64;
        self.counts[t].iter().map(|&c| c as f64 / n).collect()
    }
}

/// The generator of block `block`: the seed's ChaCha8 stream `block`.
fn block_rng(seed: u64, block: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(block);
    rng
}

/// The chain's rows as alias tables, and `S_0` as one.
fn tables(matrix: &DMatrix<f64>, initial: &DVector<f64>) -> (RowTables, AliasTable) {
    let row_major: Vec<Vec<f64>> = matrix
        .row_iter()
        .map(|r| r.iter().copied().collect())
        .collect();
    (
        RowTables::new(row_major.iter().map(Vec::as_slice)),
        AliasTable::new(initial.as_slice()),
    )
}

/// Simulates `walkers` versions for `horizon` steps, and records when each
/// first reaches each of `targets`.
///
/// `progress` is called with the number of walkers finished, after each
/// block (from any thread), so a caller can show a progress bar. Recording
/// hitting times draws no random numbers: the counts are the same with or
/// without targets.
///
/// # Panics
///
/// When `walkers` is 0 (there is nothing to simulate) or there are more
/// than [`MAX_TARGETS`] targets.
pub fn simulate(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    horizon: usize,
    walkers: u64,
    seed: u64,
    targets: &[Vec<usize>],
    progress: &(dyn Fn(u64) + Sync),
) -> Simulation {
    assert!(walkers > 0, "simulate needs at least one walker");
    assert!(targets.len() <= MAX_TARGETS, "{} targets", targets.len());
    let n = matrix.nrows();
    let (rows, start) = tables(matrix, initial);
    let membership = membership(n, targets);
    let steps = horizon + 1;
    // Occupancy first, `steps × n`, then the first hits, `steps` per target.
    let size = steps * (n + targets.len());

    let flat = (0..walkers.div_ceil(BLOCK))
        .into_par_iter()
        .fold(
            || vec![0u64; size],
            |mut tallies, block| {
                let walkers_here = BLOCK.min(walkers - block * BLOCK) as usize;
                let mut rng = block_rng(seed, block);
                let (counts, hits) = tallies.split_at_mut(steps * n);
                let walk = Walk {
                    rows: &rows,
                    start: &start,
                    horizon,
                    walkers: walkers_here,
                };
                if targets.is_empty() {
                    walk.run(&mut rng, counts, &mut ());
                } else {
                    let mut watch = FirstHits::new(&membership, walkers_here, steps, hits);
                    walk.run(&mut rng, counts, &mut watch);
                }
                progress(walkers_here as u64);
                tallies
            },
        )
        .reduce(
            || vec![0u64; size],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );

    let (counts, hits) = flat.split_at(steps * n);
    Simulation {
        walkers,
        seed,
        mode: Mode::Walkers,
        counts: counts.chunks_exact(n).map(<[u64]>::to_vec).collect(),
        first_hits: hits.chunks_exact(steps).map(<[u64]>::to_vec).collect(),
    }
}

/// The paths of the first `traced` of `walkers` walkers: `paths[w][t]` is
/// the state of walker `w` after `t` steps.
///
/// These are the walkers [`simulate`] follows with the same seed and number
/// of walkers, step for step: their blocks are walked again, drawing the
/// same numbers, and only the first `traced` walkers are kept.
///
/// # Panics
///
/// When `traced` is more than `walkers`.
pub fn trace(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    horizon: usize,
    walkers: u64,
    seed: u64,
    traced: usize,
) -> Vec<Vec<u32>> {
    assert!(traced as u64 <= walkers, "{traced} of {walkers} walkers");
    let (rows, start) = tables(matrix, initial);
    let mut paths = Vec::with_capacity(traced);
    let mut scratch = vec![0u64; (horizon + 1) * matrix.nrows()];
    for block in 0..(traced as u64).div_ceil(BLOCK) {
        let walkers_here = BLOCK.min(walkers - block * BLOCK) as usize;
        let keep = (traced - paths.len()).min(walkers_here);
        let mut watch = Paths::new(keep, horizon);
        let walk = Walk {
            rows: &rows,
            start: &start,
            horizon,
            walkers: walkers_here,
        };
        walk.run(&mut block_rng(seed, block), &mut scratch, &mut watch);
        paths.extend(watch.paths);
    }
    paths
}

/// Bit `k` of `membership[i]` is set when state `i` belongs to target `k`.
fn membership(n: usize, targets: &[Vec<usize>]) -> Vec<u64> {
    let mut masks = vec![0u64; n];
    for (k, target) in targets.iter().enumerate() {
        for &state in target {
            masks[state] |= 1 << k;
        }
    }
    masks
}

/// Walkers moved together between two draws of random words: small enough
/// that their words and states stay in the first-level cache.
const CHUNK: usize = 512;

/// One block of walkers to move through every step.
struct Walk<'a> {
    rows: &'a RowTables,
    start: &'a AliasTable,
    horizon: usize,
    walkers: usize,
}

/// Something recorded about the walkers as they move, besides occupancy.
trait Watch {
    /// The walkers `first..first + states.len()` of a block are in `states`
    /// after `t` steps.
    fn watch(&mut self, t: usize, first: usize, states: &[u32]);
}

/// Nothing to record.
impl Watch for () {
    #[inline]
    fn watch(&mut self, _: usize, _: usize, _: &[u32]) {}
}

impl Walk<'_> {
    /// Walks the block through all steps, adding to `counts` (row-major,
    /// `(horizon + 1) × n`) and showing every step to `watch`.
    ///
    /// Each step goes through the walkers in chunks: draw one word per
    /// walker in bulk, move each walker, count where they are. The words of
    /// a block are drawn in walker order within each step, whatever the
    /// chunking.
    fn run<R: Rng, W: Watch>(&self, rng: &mut R, counts: &mut [u64], watch: &mut W) {
        let n = self.rows.len();
        let mut states: Vec<u32> = (0..self.walkers)
            .map(|_| self.start.sample(rng) as u32)
            .collect();
        let mut words = [0u64; CHUNK];
        let mut tally = Tally::new(n);
        tally.add(&states);
        tally.drain_into(&mut counts[..n]);
        watch.watch(0, 0, &states);
        for t in 1..=self.horizon {
            for (c, chunk) in states.chunks_mut(CHUNK).enumerate() {
                let words = &mut words[..chunk.len()];
                rng.fill(words);
                for (state, &word) in chunk.iter_mut().zip(words.iter()) {
                    *state = self.rows.next_state(*state, word);
                }
                tally.add(chunk);
                watch.watch(t, c * CHUNK, chunk);
            }
            tally.drain_into(&mut counts[t * n..(t + 1) * n]);
        }
    }
}

/// Records the step at which each walker first enters each target.
struct FirstHits<'a> {
    membership: &'a [u64],
    /// Bit `k` of `reached[w]`: walker `w` has been in target `k`.
    reached: Vec<u64>,
    steps: usize,
    /// `hits[k · steps + t]`: first entries into target `k` at step `t`.
    hits: &'a mut [u64],
}

impl<'a> FirstHits<'a> {
    fn new(membership: &'a [u64], walkers: usize, steps: usize, hits: &'a mut [u64]) -> Self {
        Self {
            membership,
            reached: vec![0; walkers],
            steps,
            hits,
        }
    }
}

impl Watch for FirstHits<'_> {
    #[inline]
    fn watch(&mut self, t: usize, first: usize, states: &[u32]) {
        let reached = &mut self.reached[first..first + states.len()];
        for (seen, &state) in reached.iter_mut().zip(states) {
            let mut new = self.membership[state as usize] & !*seen;
            *seen |= new;
            while new != 0 {
                let k = new.trailing_zeros() as usize;
                self.hits[k * self.steps + t] += 1;
                new &= new - 1;
            }
        }
    }
}

/// Keeps the paths of the first walkers of a block.
struct Paths {
    paths: Vec<Vec<u32>>,
}

impl Paths {
    fn new(walkers: usize, horizon: usize) -> Self {
        Self {
            paths: vec![Vec::with_capacity(horizon + 1); walkers],
        }
    }
}

impl Watch for Paths {
    fn watch(&mut self, _: usize, first: usize, states: &[u32]) {
        for (path, &state) in self.paths.iter_mut().skip(first).zip(states) {
            path.push(state);
        }
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
        let sim = simulate(&t, &dvector![1.0, 0.0], 5, 20_000, 7, &[], &|_| {});
        assert_eq!(sim.counts.len(), 6);
        assert_eq!(sim.counts[0], vec![20_000, 0]);
        for step in &sim.counts {
            assert_eq!(step.iter().sum::<u64>(), 20_000);
        }
    }

    #[test]
    fn deterministic_moves_are_followed_exactly() {
        let cycle = dmatrix![0.0, 1.0, 0.0; 0.0, 0.0, 1.0; 1.0, 0.0, 0.0];
        let sim = simulate(&cycle, &dvector![1.0, 0.0, 0.0], 4, 10_000, 1, &[], &|_| {});
        assert_eq!(sim.counts[1], vec![0, 10_000, 0]);
        assert_eq!(sim.counts[3], vec![10_000, 0, 0]);
    }

    #[test]
    fn same_seed_same_counts_different_seed_different_counts() {
        let t = dmatrix![0.3, 0.7; 0.6, 0.4];
        let s0 = dvector![0.5, 0.5];
        let a = simulate(&t, &s0, 10, 30_000, 11, &[], &|_| {});
        let b = simulate(&t, &s0, 10, 30_000, 11, &[], &|_| {});
        let c = simulate(&t, &s0, 10, 30_000, 12, &[], &|_| {});
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
                .install(|| simulate(&t, &s0, 12, 5 * BLOCK + 17, 3, &[], &|_| {}))
        };
        assert_eq!(run(1), run(2));
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn first_hits_on_a_cycle_are_known_exactly() {
        let cycle = dmatrix![0.0, 1.0, 0.0; 0.0, 0.0, 1.0; 1.0, 0.0, 0.0];
        let targets = [vec![2], vec![0], vec![1, 2]];
        let sim = simulate(
            &cycle,
            &dvector![1.0, 0.0, 0.0],
            4,
            9000,
            1,
            &targets,
            &|_| {},
        );
        assert_eq!(sim.first_hits[0], vec![0, 0, 9000, 0, 0]);
        assert_eq!(sim.first_hits[1], vec![9000, 0, 0, 0, 0]);
        assert_eq!(sim.first_hits[2], vec![0, 9000, 0, 0, 0]);
    }

    #[test]
    fn recording_hits_leaves_the_counts_alone() {
        let t = dmatrix![0.1, 0.6, 0.3; 0.4, 0.4, 0.2; 0.25, 0.25, 0.5];
        let s0 = dvector![1.0, 0.0, 0.0];
        let plain = simulate(&t, &s0, 8, 3 * BLOCK + 5, 9, &[], &|_| {});
        let watched = simulate(&t, &s0, 8, 3 * BLOCK + 5, 9, &[vec![2]], &|_| {});
        assert_eq!(plain.counts, watched.counts);
        assert!(plain.first_hits.is_empty());
    }

    #[test]
    fn traced_paths_are_the_simulated_walkers() {
        // Every walker traced: their states tally to the counts, their first
        // visits to the first hits, and every move has positive probability.
        let t = dmatrix![0.1, 0.6, 0.3; 0.0, 0.4, 0.6; 0.5, 0.0, 0.5];
        let s0 = dvector![0.5, 0.5, 0.0];
        let walkers = 2 * BLOCK + 77;
        let sim = simulate(&t, &s0, 6, walkers, 5, &[vec![2]], &|_| {});
        let paths = trace(&t, &s0, 6, walkers, 5, walkers as usize);
        let mut counts = vec![vec![0u64; 3]; 7];
        let mut first = vec![0u64; 7];
        for path in &paths {
            for (step, &state) in path.iter().enumerate() {
                counts[step][state as usize] += 1;
            }
            for pair in path.windows(2) {
                assert!(t[(pair[0] as usize, pair[1] as usize)] > 0.0);
            }
            if let Some(step) = path.iter().position(|&s| s == 2) {
                first[step] += 1;
            }
        }
        assert_eq!(counts, sim.counts);
        assert_eq!(first, sim.first_hits[0]);
        // Fewer walkers traced: the same first paths.
        assert_eq!(trace(&t, &s0, 6, walkers, 5, 3), paths[..3]);
    }

    #[test]
    fn auto_chooses_by_cost() {
        // 4 states, 20 steps: long from 10^6 walkers on, and counts cost
        // at most 45 · 16 walker-steps a step.
        assert_eq!(Mode::Auto.resolve(999_999, 4, 20), Mode::Walkers);
        assert_eq!(Mode::Auto.resolve(1_000_000, 4, 20), Mode::Counts);
        assert_eq!(Mode::Auto.resolve(10u64.pow(15), 4, 20), Mode::Counts);
        // 1000 states: 45 · 10^6 walker-steps of binomials a step.
        assert_eq!(Mode::Auto.resolve(50_000_000, 1000, 100), Mode::Walkers);
        assert_eq!(Mode::Auto.resolve(100_000_000, 1000, 100), Mode::Counts);
        // A set mode stays.
        assert_eq!(Mode::Walkers.resolve(10u64.pow(12), 4, 20), Mode::Walkers);
        assert_eq!(Mode::Counts.resolve(10, 4, 20), Mode::Counts);
    }
}
