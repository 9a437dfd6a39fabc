//! Identities that must hold for every chain, checked on random chains of up
//! to 30 states: sparse, reducible, periodic and nearly decomposable ones
//! included.

use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use verchain::analysis::{self, Structure, transient};
use verchain::chain::Chain;

/// A random row-stochastic matrix: each entry is zero with some probability,
/// otherwise a weight; an all-zero row becomes a self-loop (absorbing).
/// Weights as small as 1e-12 make nearly decomposable chains.
fn chain(max_states: usize) -> impl Strategy<Value = DMatrix<f64>> {
    (1..=max_states).prop_flat_map(|n| {
        let weight = prop_oneof![
            3 => Just(0.0),
            3 => 0.01..1.0f64,
            1 => Just(1e-12),
        ];
        proptest::collection::vec(weight, n * n).prop_map(move |weights| {
            let mut m = DMatrix::from_row_slice(n, n, &weights);
            for i in 0..n {
                let sum = m.row(i).sum();
                if sum == 0.0 {
                    m[(i, i)] = 1.0;
                } else {
                    let mut row = m.row_mut(i);
                    row /= sum;
                }
            }
            m
        })
    })
}

/// A random starting distribution for `n` states.
fn start(n: usize, seed: u64) -> DVector<f64> {
    let mut x = seed | 1;
    let mut v = DVector::from_fn(n, |_, _| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % 1000) as f64
    });
    if v.sum() == 0.0 {
        v[0] = 1.0;
    }
    let sum = v.sum();
    v / sum
}

fn is_distribution(v: &DVector<f64>) -> bool {
    v.iter().all(|&p| (0.0..=1.0 + 1e-12).contains(&p)) && (v.sum() - 1.0).abs() < 1e-12
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn powers_stay_stochastic(t in chain(30), power in 0u64..u64::MAX) {
        let p = transient::matrix_power(&t, power);
        for row in p.row_iter() {
            prop_assert!((row.sum() - 1.0).abs() < 1e-12);
            prop_assert!(row.iter().all(|&x| x >= 0.0));
        }
    }

    #[test]
    fn the_trajectory_stays_a_distribution_and_matches_squaring(t in chain(30), seed in any::<u64>()) {
        let s0 = start(t.nrows(), seed);
        let steps = transient::trajectory(&t, &s0, 40);
        for (k, s) in steps.iter().enumerate() {
            prop_assert!(is_distribution(s), "S_{} = {}", k, s);
        }
        let jumped = transient::distribution_at(&t, &s0, 40);
        prop_assert!((jumped - &steps[40]).abs().max() < 1e-12);
    }

    #[test]
    fn stationary_vectors_are_fixed_points(t in chain(30)) {
        let structure = Structure::of(&t);
        let all = analysis::stationary::stationary_distributions(&t, &structure);
        prop_assert_eq!(all.len(), structure.closed_classes().count());
        for (pi, class) in all.iter().zip(structure.closed_classes()) {
            prop_assert!(is_distribution(&pi.distribution));
            prop_assert!(pi.residual < 1e-12, "residual {}", pi.residual);
            // Supported on its class only.
            for (i, &p) in pi.distribution.iter().enumerate() {
                prop_assert!(p == 0.0 || class.states.contains(&i));
            }
        }
    }

    #[test]
    fn the_limit_is_a_stationary_distribution(t in chain(30), seed in any::<u64>()) {
        let s0 = start(t.nrows(), seed);
        let names = (0..t.nrows()).map(|i| format!("s{i}")).collect();
        let chain = Chain::new(names, t, 1e-9).unwrap();
        let exact = analysis::analyze(&chain, &s0, 0, &[]);
        prop_assert!(is_distribution(&exact.limit));
        prop_assert!(exact.limit_residual < 1e-10, "residual {}", exact.limit_residual);
        // No mass is left on transient states in the long run.
        for &i in &exact.structure.transient {
            prop_assert!(exact.limit[i] == 0.0);
        }
    }

    #[test]
    fn absorption_probabilities_sum_to_one(t in chain(30)) {
        let structure = Structure::of(&t);
        let h = analysis::absorbing::class_absorption_probabilities(&t, &structure);
        for row in h.row_iter() {
            prop_assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        // h = T h: absorption is decided by where the first step leads.
        prop_assert!((&t * &h - &h).abs().max() < 1e-10);
    }
}
