//! Exact aggregate simulation: the occupancy counts of `N` independent
//! walkers, without following the walkers.
//!
//! Walkers move independently, so the `c_t[i]` walkers in state `i` at step
//! `t` split among the next states as `Multinomial(c_t[i], T[i, ·])`, and
//! `c_{t+1} = Σ_i Multinomial(c_t[i], T[i, ·])` has exactly the distribution
//! of the per-walker counts. A multinomial is drawn as conditional
//! binomials: of the `r` walkers not yet placed, `Binomial(r, p_j / s_j)` go
//! to state `j`, where `s_j = Σ_{l ≥ j} p_l` is the probability left (taken
//! from suffix sums computed once, never by running subtraction).
//!
//! A binomial draw costs far more than one walker's step (about 160 ns
//! against 3.5 ns), so a state holding few walkers moves them one by one
//! with the alias tables instead: per state and step, whichever is cheaper.
//! A run then costs `O(n² H)` however many walkers there are: 10^12 walkers
//! take as long as 10^6.
//!
//! The draws come from one ChaCha8 stream (the seed's stream
//! [`COUNTS_STREAM`], apart from the per-walker blocks), in a fixed order, so
//! the counts are the same on any machine and any number of threads.

use nalgebra::{DMatrix, DVector};
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};
use rand_distr::{Binomial, Distribution};

use super::Simulation;
use super::alias::{AliasTable, RowTables};

/// The stream of the seed used by counts mode for the occupancy; the
/// hitting times of target `k` use stream `COUNTS_STREAM − 1 − k`.
pub const COUNTS_STREAM: u64 = u64::MAX;

/// Walkers in a state below which walking them one by one is cheaper than
/// splitting them by binomials, per state of the chain: the crossover is
/// about `45 n` walkers (a binomial draw costs about 45 walker steps).
const WALK_BELOW_PER_STATE: u64 = super::BINOMIAL_COST;

/// Simulates the counts of `walkers` walkers for `horizon` steps, and the
/// number whose first visit to each of `targets` falls on each step.
///
/// Hitting times are counts too: with a target's states made absorbing,
/// the walkers that enter it at step `t` are those whose first visit is at
/// `t`. Each target is drawn on its own stream, so its hitting times are
/// exactly distributed as the walkers' but independent of the occupancy
/// counts (following the same walkers would need them one by one).
///
/// # Panics
///
/// When `walkers` is 0.
pub fn simulate_counts(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    horizon: usize,
    walkers: u64,
    seed: u64,
    targets: &[Vec<usize>],
) -> Simulation {
    assert!(walkers > 0, "simulate needs at least one walker");
    let stream = |number: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(number);
        rng
    };
    let counts = draw(
        matrix,
        initial,
        horizon,
        walkers,
        &mut stream(COUNTS_STREAM),
    );
    let first_hits = targets
        .iter()
        .zip(0..)
        .map(|(target, k)| {
            let mut absorbed = matrix.clone();
            for &state in target {
                absorbed.row_mut(state).fill(0.0);
                absorbed[(state, state)] = 1.0;
            }
            let inside = draw(
                &absorbed,
                initial,
                horizon,
                walkers,
                &mut stream(COUNTS_STREAM - 1 - k),
            )
            .iter()
            .map(|step| target.iter().map(|&i| step[i]).sum::<u64>())
            .collect::<Vec<u64>>();
            (0..inside.len())
                .map(|t| inside[t] - if t == 0 { 0 } else { inside[t - 1] })
                .collect()
        })
        .collect();
    Simulation {
        walkers,
        seed,
        mode: super::Mode::Counts,
        counts,
        first_hits,
    }
}

/// The occupancy counts `c_0 … c_H` of `walkers` walkers, from `rng`.
fn draw<R: Rng>(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    horizon: usize,
    walkers: u64,
    rng: &mut R,
) -> Vec<Vec<u64>> {
    let n = matrix.nrows();
    let rows: Vec<Vec<f64>> = matrix
        .row_iter()
        .map(|r| r.iter().copied().collect())
        .collect();
    let splitters: Vec<Splitter> = rows.iter().map(|r| Splitter::new(r)).collect();
    let tables = RowTables::new(rows.iter().map(Vec::as_slice));
    let start = Splitter::new(initial.as_slice());
    let start_table = AliasTable::new(initial.as_slice());
    let walk_below = WALK_BELOW_PER_STATE * n as u64;

    let mut counts = vec![vec![0u64; n]];
    if walkers < walk_below {
        for _ in 0..walkers {
            counts[0][start_table.sample(rng)] += 1;
        }
    } else {
        start.split(walkers, rng, &mut counts[0]);
    }
    for t in 0..horizon {
        let mut next = vec![0u64; n];
        for (state, &count) in counts[t].iter().enumerate() {
            if count == 0 {
                continue;
            }
            if count < walk_below {
                for _ in 0..count {
                    let word = rng.next_u64();
                    next[tables.next_state(state as u32, word) as usize] += 1;
                }
            } else {
                splitters[state].split(count, rng, &mut next);
            }
        }
        counts.push(next);
    }
    counts
}

/// Splits a number of walkers among the outcomes of one distribution by
/// conditional binomials.
struct Splitter {
    /// `(outcome, p_j / s_j)` for every outcome with `p_j > 0` but the last,
    /// which takes the walkers left.
    steps: Vec<(usize, f64)>,
    last: usize,
}

impl Splitter {
    fn new(probabilities: &[f64]) -> Self {
        let positive: Vec<usize> = (0..probabilities.len())
            .filter(|&j| probabilities[j] > 0.0)
            .collect();
        // s_j = Σ_{l ≥ j} p_l over the positive outcomes, summed from the end.
        let mut suffix = vec![0.0; positive.len() + 1];
        for (k, &j) in positive.iter().enumerate().rev() {
            suffix[k] = suffix[k + 1] + probabilities[j];
        }
        let last = *positive
            .last()
            .expect("a distribution with a positive entry");
        let steps = positive[..positive.len() - 1]
            .iter()
            .enumerate()
            .map(|(k, &j)| (j, (probabilities[j] / suffix[k]).min(1.0)))
            .collect();
        Self { steps, last }
    }

    fn split<R: Rng>(&self, walkers: u64, rng: &mut R, into: &mut [u64]) {
        let mut left = walkers;
        for &(outcome, p) in &self.steps {
            if left == 0 {
                return;
            }
            let moved = Binomial::new(left, p)
                .expect("p lies in [0, 1]")
                .sample(rng);
            into[outcome] += moved;
            left -= moved;
        }
        into[self.last] += left;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{dmatrix, dvector};

    #[test]
    fn every_walker_is_counted_at_every_step() {
        let t = dmatrix![0.5, 0.5, 0.0; 0.1, 0.2, 0.7; 0.0, 0.0, 1.0];
        for walkers in [1, 100, 1_000_000, 1_000_000_000_000] {
            let sim = simulate_counts(&t, &dvector![1.0, 0.0, 0.0], 10, walkers, 3, &[]);
            for step in &sim.counts {
                assert_eq!(step.iter().sum::<u64>(), walkers);
            }
            // State 2 is absorbing and 0 cannot be entered from 2.
            assert!(sim.counts.windows(2).all(|w| w[1][2] >= w[0][2]));
        }
    }

    #[test]
    fn impossible_moves_never_happen() {
        let cycle = dmatrix![0.0, 1.0, 0.0; 0.0, 0.0, 1.0; 1.0, 0.0, 0.0];
        let sim = simulate_counts(&cycle, &dvector![1.0, 0.0, 0.0], 4, 1 << 40, 1, &[]);
        assert_eq!(sim.counts[1], vec![0, 1 << 40, 0]);
        assert_eq!(sim.counts[3], vec![1 << 40, 0, 0]);
    }

    #[test]
    fn same_seed_same_counts() {
        let t = dmatrix![0.3, 0.7; 0.6, 0.4];
        let a = simulate_counts(&t, &dvector![0.5, 0.5], 20, 1_000_000_000, 9, &[]);
        let b = simulate_counts(&t, &dvector![0.5, 0.5], 20, 1_000_000_000, 9, &[]);
        assert_eq!(a, b);
    }

    #[test]
    fn first_hits_are_drawn_as_counts() {
        let cycle = dmatrix![0.0, 1.0, 0.0; 0.0, 0.0, 1.0; 1.0, 0.0, 0.0];
        let s0 = dvector![1.0, 0.0, 0.0];
        let sim = simulate_counts(&cycle, &s0, 4, 1 << 40, 1, &[vec![2], vec![0]]);
        assert_eq!(sim.first_hits[0], vec![0, 0, 1 << 40, 0, 0]);
        assert_eq!(sim.first_hits[1], vec![1 << 40, 0, 0, 0, 0]);
        // Targets draw on streams of their own: the counts are unchanged.
        let t = dmatrix![0.3, 0.7; 0.6, 0.4];
        let plain = simulate_counts(&t, &dvector![0.5, 0.5], 20, 1_000_000, 9, &[]);
        let watched = simulate_counts(&t, &dvector![0.5, 0.5], 20, 1_000_000, 9, &[vec![1]]);
        assert_eq!(plain.counts, watched.counts);
        assert!(watched.first_hits[0].iter().sum::<u64>() <= 1_000_000);
    }
}
