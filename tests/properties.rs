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

    #[test]
    fn the_fundamental_matrix_inverts_i_minus_q(t in chain(30)) {
        let structure = Structure::of(&t);
        if let Some(a) = analysis::absorbing::analyze(&t, &structure, true) {
            let m = a.transient.len();
            let q = DMatrix::from_fn(m, m, |i, j| t[(a.transient[i], a.transient[j])]);
            let n = a.fundamental_matrix.unwrap();
            let product = &n * (DMatrix::identity(m, m) - &q);
            // Relative to the size of N: visits can number 1e12 on nearly closed states.
            let scale = n.amax().max(1.0);
            prop_assert!((product - DMatrix::identity(m, m)).amax() < 1e-9 * scale);
            for row in a.probabilities.row_iter() {
                prop_assert!((row.sum() - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn mean_first_passage_times_satisfy_their_equations(t in chain(12)) {
        // m_ij = 1 + Σ_{k≠j} T_ik m_kj for i ≠ j, and 1/π_j = 1 + Σ_{k≠j} T_jk m_kj,
        // within each closed class.
        let structure = Structure::of(&t);
        let stationary = analysis::stationary::stationary_distributions(&t, &structure);
        for p in analysis::passage::analyze(&t, &structure, &stationary) {
            let m = p.mean_first_passage.unwrap();
            let k = p.states.len();
            for a in 0..k {
                for b in 0..k {
                    let rhs = 1.0 + (0..k).filter(|&c| c != b).map(|c| t[(p.states[a], p.states[c])] * m[(c, b)]).sum::<f64>();
                    let lhs = if a == b { p.mean_recurrence[b] } else { m[(a, b)] };
                    prop_assert!((lhs - rhs).abs() <= 1e-8 * lhs.abs().max(1.0), "{} vs {}", lhs, rhs);
                }
            }
        }
    }
}

proptest! {
    // Fewer cases: nearly decomposable chains follow the distribution far
    // past the horizon to find its percentiles.
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn the_hitting_distribution_adds_up_to_the_hitting_probability(t in chain(20), target in 0usize..20) {
        let n = t.nrows();
        let target = target % n;
        let h = analysis::hitting::analyze(&t, &[target], 60, &DVector::from_element(n, 1.0 / n as f64));
        for i in 0..n {
            let total: f64 = h.pmf.iter().map(|p| p[i]).sum();
            prop_assert!((total - h.cdf[60][i]).abs() < 1e-12);
            prop_assert!(h.cdf[60][i] <= h.probability[i] + 1e-12);
            prop_assert!(h.pmf.iter().all(|p| p[i] >= 0.0));
        }
        prop_assert_eq!(h.probability[target], 1.0);
    }
}
