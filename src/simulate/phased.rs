//! Simulating a policy that changes with time: the move out of step `t`
//! draws from the rows of the phase covering `t`, the base rows elsewhere.
//!
//! Walker by walker, with the same blocks, streams and order of draws as
//! [`simulate`](super::simulate): one word per walker per step, so with no
//! phases the counts are exactly those of an ordinary run, and the counts do
//! not depend on the number of threads. Hitting times are not recorded
//! here: the exact hitting analysis is the base policy's.

use nalgebra::{DMatrix, DVector};
use rand::RngExt;
use rayon::prelude::*;

use super::{AliasTable, BLOCK, CHUNK, Mode, RowTables, Simulation, Tally, block_rng, tables};

/// A stretch of steps `from ..= to` whose moves use `matrix`.
pub type Stretch<'a> = (u64, u64, &'a DMatrix<f64>);

/// Simulates `walkers` versions for `horizon` steps under the phases.
///
/// # Panics
///
/// When `walkers` is 0 (there is nothing to simulate).
pub fn simulate_phased(
    base: &DMatrix<f64>,
    stretches: &[Stretch],
    initial: &DVector<f64>,
    horizon: usize,
    walkers: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Simulation {
    assert!(walkers > 0, "simulate needs at least one walker");
    let n = base.nrows();
    let (base_rows, start) = tables(base, initial);
    let phase_rows: Vec<RowTables> = stretches.iter().map(|s| tables(s.2, initial).0).collect();
    // The rows each step's move uses.
    let schedule: Vec<&RowTables> = (0..horizon as u64)
        .map(|t| {
            stretches
                .iter()
                .position(|s| (s.0..=s.1).contains(&t))
                .map_or(&base_rows, |k| &phase_rows[k])
        })
        .collect();
    let steps = horizon + 1;

    let flat = (0..walkers.div_ceil(BLOCK))
        .into_par_iter()
        .fold(
            || vec![0u64; steps * n],
            |mut counts, block| {
                let walkers_here = BLOCK.min(walkers - block * BLOCK) as usize;
                let mut rng = block_rng(seed, block);
                walk(&schedule, &start, walkers_here, &mut rng, &mut counts);
                progress(walkers_here as u64);
                counts
            },
        )
        .reduce(
            || vec![0u64; steps * n],
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
        first_hits: Vec::new(),
    }
}

/// One block through every step, drawing as [`super::simulate`] does.
fn walk<R: rand::Rng>(
    schedule: &[&RowTables],
    start: &AliasTable,
    walkers: usize,
    rng: &mut R,
    counts: &mut [u64],
) {
    let n = counts.len() / (schedule.len() + 1);
    let mut states: Vec<u32> = (0..walkers).map(|_| start.sample(rng) as u32).collect();
    let mut words = [0u64; CHUNK];
    let mut tally = Tally::new(n);
    tally.add(&states);
    tally.drain_into(&mut counts[..n]);
    for (t, rows) in (1..).zip(schedule) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::{dmatrix, dvector};

    #[test]
    fn without_phases_it_is_the_ordinary_run() {
        let t = dmatrix![0.1, 0.6, 0.3; 0.4, 0.4, 0.2; 0.25, 0.25, 0.5];
        let s0 = dvector![1.0, 0.0, 0.0];
        let walkers = 3 * BLOCK + 17;
        let plain = super::super::simulate(&t, &s0, 12, walkers, 5, &[], &|_| {});
        let phased = simulate_phased(&t, &[], &s0, 12, walkers, 5, &|_| {});
        assert_eq!(plain.counts, phased.counts);
    }

    #[test]
    fn a_phase_that_freezes_everything_holds_the_counts() {
        let t = dmatrix![0.5, 0.5; 0.5, 0.5];
        let frozen = DMatrix::identity(2, 2);
        let s0 = dvector![1.0, 0.0];
        let sim = simulate_phased(&t, &[(2, 4, &frozen)], &s0, 7, 10_000, 1, &|_| {});
        // The moves out of steps 2, 3 and 4 keep every walker where it is.
        assert_eq!(sim.counts[2], sim.counts[3]);
        assert_eq!(sim.counts[2], sim.counts[5]);
        assert_ne!(sim.counts[5], sim.counts[6]);
        assert_eq!(sim.counts[0], vec![10_000, 0]);
    }
}
