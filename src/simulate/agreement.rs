//! How far a simulation lies from the exact answer, in standard errors.
//!
//! The fraction `p̂` of `N` independent walkers in a state at step `t` is a
//! binomial proportion. Its estimated standard error is
//! `sqrt(p̂ (1 − p̂) / N)`; that is what a simulation reports on its own and
//! what the chart's band (± 2 SE) shows. To test agreement with the exact
//! occupancy `p`, the z-score uses the standard error under that hypothesis,
//! `z = (p̂ − p) / sqrt(p (1 − p) / N)`, which stays defined where the sample
//! saw no walker. Where `p` is 0 or 1 the simulation must match it exactly:
//! `z` is then 0 when it does and infinite when it does not.

use nalgebra::DVector;
use serde::Serialize;

use super::Simulation;

/// Per-step, per-state standard errors and the largest z-score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// `occupancy[t][i]`: simulated fraction in state `i` at step `t`.
    pub occupancy: Vec<Vec<f64>>,
    /// `sqrt(p̂ (1 − p̂) / N)` for each entry of `occupancy`.
    pub standard_error: Vec<Vec<f64>>,
    /// The largest `|z|` over all steps and states.
    pub max_abs_z: f64,
    /// Where it occurs: (step, state index).
    pub max_abs_z_at: (usize, usize),
}

/// Compares a simulation with the exact trajectory it estimates.
pub fn agreement(simulation: &Simulation, exact: &[DVector<f64>]) -> Agreement {
    let walkers = simulation.walkers as f64;
    let mut occupancy = Vec::with_capacity(exact.len());
    let mut standard_error = Vec::with_capacity(exact.len());
    let (mut max_abs_z, mut max_abs_z_at) = (0.0_f64, (0, 0));

    for (t, exact_step) in exact.iter().enumerate() {
        let fractions = simulation.occupancy(t);
        let errors = fractions
            .iter()
            .map(|&p| (p * (1.0 - p) / walkers).sqrt())
            .collect();
        for (i, (&simulated, &p)) in fractions.iter().zip(exact_step.iter()).enumerate() {
            let z = z_score(simulated, p, walkers).abs();
            if z > max_abs_z {
                (max_abs_z, max_abs_z_at) = (z, (t, i));
            }
        }
        occupancy.push(fractions);
        standard_error.push(errors);
    }
    Agreement {
        occupancy,
        standard_error,
        max_abs_z,
        max_abs_z_at,
    }
}

/// `(p̂ − p) / sqrt(p (1 − p) / N)`; see the module docs for `p ∈ {0, 1}`.
pub fn z_score(simulated: f64, exact: f64, walkers: f64) -> f64 {
    let variance = exact * (1.0 - exact) / walkers;
    let difference = simulated - exact;
    if variance > 0.0 {
        difference / variance.sqrt()
    } else if difference.abs() < 1e-12 {
        0.0
    } else {
        f64::INFINITY.copysign(difference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_scores_by_hand() {
        // p = 0.5, N = 100: SE = 0.05, so 0.6 is 2 standard errors above.
        assert!((z_score(0.6, 0.5, 100.0) - 2.0).abs() < 1e-12);
        assert!((z_score(0.4, 0.5, 100.0) + 2.0).abs() < 1e-12);
        assert_eq!(z_score(0.0, 0.0, 100.0), 0.0);
        assert_eq!(z_score(0.01, 0.0, 100.0), f64::INFINITY);
    }

    #[test]
    fn finds_the_largest_deviation() {
        let simulation = Simulation {
            walkers: 100,
            seed: 0,
            counts: vec![vec![100, 0], vec![60, 40]],
        };
        let exact = [
            DVector::from_vec(vec![1.0, 0.0]),
            DVector::from_vec(vec![0.5, 0.5]),
        ];
        let a = agreement(&simulation, &exact);
        assert!((a.max_abs_z - 2.0).abs() < 1e-12);
        assert_eq!(a.max_abs_z_at.0, 1);
        assert!((a.standard_error[1][0] - (0.24f64 / 100.0).sqrt()).abs() < 1e-15);
    }
}
