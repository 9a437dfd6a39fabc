//! Identities that must hold for every chain, checked on random chains of up
//! to 50 states. Four generators make sure the hard kinds come up by
//! construction, not only by chance: sparse random chains (absorbing rows,
//! exits of 1e-12), periodic chains (states in `d` groups, every move from
//! group `g` to group `g + 1 mod d`), nearly decomposable chains (dense
//! blocks coupled by moves of 1e-6 to 1e-9) and reducible chains (transient
//! states draining into closed blocks). The first property checks that each
//! generator makes what it promises.

use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use verchain::analysis::{self, Structure, transient};
use verchain::chain::Chain;
use verchain::simulate::simulate_counts;

/// The most states of a random chain.
const MAX_STATES: usize = 50;

/// A weight of a random sparse row: zero, an ordinary weight, or 1e-12.
fn sparse_weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => Just(0.0),
        3 => 0.01..1.0f64,
        1 => Just(1e-12),
    ]
}

/// Divides each row by its sum; an all-zero row becomes a self-loop.
fn stochastic(mut m: DMatrix<f64>) -> DMatrix<f64> {
    for i in 0..m.nrows() {
        let sum = m.row(i).sum();
        if sum == 0.0 {
            m[(i, i)] = 1.0;
        } else {
            let mut row = m.row_mut(i);
            row /= sum;
        }
    }
    m
}

/// A random row-stochastic matrix: each entry is zero with some probability,
/// otherwise a weight; an all-zero row becomes a self-loop (absorbing).
/// Weights as small as 1e-12 make nearly decomposable chains.
fn chain(max_states: usize) -> impl Strategy<Value = DMatrix<f64>> {
    (1..=max_states).prop_flat_map(|n| {
        proptest::collection::vec(sparse_weight(), n * n)
            .prop_map(move |weights| stochastic(DMatrix::from_row_slice(n, n, &weights)))
    })
}

/// A chain whose every cycle has a length that `d` divides, and `d`: state
/// `i` is in group `i mod d`, and every move goes from group `g` to group
/// `g + 1 mod d` (2 ≤ d ≤ 5).
fn periodic(max_states: usize) -> impl Strategy<Value = (DMatrix<f64>, usize)> {
    (2..=5usize)
        .prop_flat_map(move |d| (Just(d), d..=max_states.max(d)))
        .prop_flat_map(|(d, n)| {
            let weight = prop_oneof![Just(0.0), 0.01..1.0f64];
            (Just(d), Just(n), proptest::collection::vec(weight, n * n))
        })
        .prop_map(|(d, n, weights)| {
            let mut m = DMatrix::from_fn(n, n, |i, j| {
                if j % d == (i % d + 1) % d {
                    weights[i * n + j]
                } else {
                    0.0
                }
            });
            for i in 0..n {
                if m.row(i).sum() == 0.0 {
                    // State (i mod d + 1) mod d is the first of the next group.
                    m[(i, (i % d + 1) % d)] = 1.0;
                }
            }
            (stochastic(m), d)
        })
}

/// `blocks` dense blocks of states (2 to 4), each coupled to the others by
/// moves of 1e-6 to 1e-9, and always to the next block, so the chain is
/// irreducible but nearly decomposable.
fn nearly_decomposable(max_states: usize) -> impl Strategy<Value = (DMatrix<f64>, usize)> {
    (2..=4usize)
        .prop_flat_map(move |blocks| (Just(blocks), 2 * blocks..=max_states.max(2 * blocks)))
        .prop_flat_map(|(blocks, n)| {
            (
                Just(blocks),
                Just(n),
                proptest::collection::vec(0.01..1.0f64, n * n),
                proptest::collection::vec(6.0..9.0f64, n * n),
                proptest::collection::vec(prop::bool::weighted(0.1), n * n),
            )
        })
        .prop_map(|(blocks, n, weights, exponents, links)| {
            let block = |i: usize| i * blocks / n;
            let first = |b: usize| (b * n).div_ceil(blocks);
            let mut m = DMatrix::from_fn(n, n, |i, j| {
                let k = i * n + j;
                if block(i) == block(j) {
                    weights[k]
                } else if links[k] {
                    10f64.powf(-exponents[k])
                } else {
                    0.0
                }
            });
            for b in 0..blocks {
                let (from, to) = (first(b), first((b + 1) % blocks));
                m[(from, to)] = 10f64.powf(-exponents[from * n + to]);
            }
            (stochastic(m), blocks)
        })
}

/// Transient states `0 … m − 1` (at least one) that move anywhere, each with
/// a way into the closed blocks of the other states, which never lead back.
fn reducible(max_states: usize) -> impl Strategy<Value = (DMatrix<f64>, usize)> {
    (2..=max_states.max(2))
        .prop_flat_map(|n| (Just(n), 1..n, 1..=3usize))
        .prop_flat_map(|(n, m, blocks)| {
            (
                Just(n),
                Just(m),
                Just(blocks.min(n - m)),
                proptest::collection::vec(sparse_weight(), n * n),
                0.01..1.0f64,
            )
        })
        .prop_map(|(n, m, blocks, weights, exit)| {
            let closed = n - m;
            let block = |i: usize| (i - m) * blocks / closed;
            let mut t = DMatrix::from_fn(n, n, |i, j| match (i < m, j < m) {
                (true, _) => weights[i * n + j],
                (false, false) if block(i) == block(j) => weights[i * n + j],
                _ => 0.0,
            });
            for i in 0..m {
                t[(i, m + i % closed)] += exit;
            }
            (stochastic(t), m)
        })
}

/// Any of the four kinds.
fn any_chain(max_states: usize) -> impl Strategy<Value = DMatrix<f64>> {
    prop_oneof![
        chain(max_states),
        periodic(max_states).prop_map(|(t, _)| t),
        nearly_decomposable(max_states).prop_map(|(t, _)| t),
        reducible(max_states).prop_map(|(t, _)| t),
    ]
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

/// `‖π T − π‖₁`, summed here term by term, apart from the library's.
fn fixed_point_distance(t: &DMatrix<f64>, pi: &DVector<f64>) -> f64 {
    let n = t.nrows();
    (0..n)
        .map(|j| ((0..n).map(|i| pi[i] * t[(i, j)]).sum::<f64>() - pi[j]).abs())
        .sum()
}

/// What two ways of summing `n` products of numbers up to 1 may differ by.
fn rounding(n: usize) -> f64 {
    4.0 * (n * n) as f64 * f64::EPSILON
}

fn named(t: DMatrix<f64>) -> Chain {
    let names = (0..t.nrows()).map(|i| format!("s{i}")).collect();
    Chain::new(names, t, 1e-9).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn the_generators_make_what_they_promise(
        (p, d) in periodic(MAX_STATES),
        (nd, blocks) in nearly_decomposable(MAX_STATES),
        (r, m) in reducible(MAX_STATES),
    ) {
        // Periodic: every closed class's period is a multiple of d.
        let structure = Structure::of(&p);
        for class in structure.closed_classes() {
            let period = class.period.unwrap();
            prop_assert!(period % d as u64 == 0, "period {} with d = {}", period, d);
        }
        // Nearly decomposable: irreducible, yet every move between blocks
        // has a probability of at most 1e-6 / 0.02 (a coupling weight over
        // a row of at least two block weights of 0.01 or more).
        let structure = Structure::of(&nd);
        prop_assert_eq!(structure.classes.len(), 1);
        let n = nd.nrows();
        let block = |i: usize| i * blocks / n;
        for i in 0..n {
            for j in (0..n).filter(|&j| block(j) != block(i)) {
                prop_assert!(nd[(i, j)] <= 5e-5, "a move of {} between blocks", nd[(i, j)]);
            }
        }
        // Reducible: the first m states are transient.
        let structure = Structure::of(&r);
        for i in 0..m {
            prop_assert!(structure.transient.contains(&i), "state {} of {} transient", i, m);
        }
    }

    #[test]
    fn powers_stay_stochastic(t in any_chain(MAX_STATES), power in 0u64..u64::MAX) {
        let p = transient::matrix_power(&t, power);
        for row in p.row_iter() {
            prop_assert!((row.sum() - 1.0).abs() < 1e-12);
            prop_assert!(row.iter().all(|&x| x >= 0.0));
        }
    }

    #[test]
    fn the_trajectory_stays_a_distribution_and_matches_squaring(t in any_chain(MAX_STATES), seed in any::<u64>()) {
        let s0 = start(t.nrows(), seed);
        let steps = transient::trajectory(&t, &s0, 40);
        for (k, s) in steps.iter().enumerate() {
            prop_assert!(is_distribution(s), "S_{} = {}", k, s);
        }
        let jumped = transient::distribution_at(&t, &s0, 40);
        prop_assert!((jumped - &steps[40]).abs().max() < 1e-12);
    }

    #[test]
    fn stationary_vectors_are_fixed_points_within_their_reported_residual(t in any_chain(MAX_STATES)) {
        let structure = Structure::of(&t);
        let all = analysis::stationary::stationary_distributions(&t, &structure);
        prop_assert_eq!(all.len(), structure.closed_classes().count());
        for (pi, class) in all.iter().zip(structure.closed_classes()) {
            prop_assert!(is_distribution(&pi.distribution));
            let distance = fixed_point_distance(&t, &pi.distribution);
            prop_assert!(
                distance <= pi.residual + rounding(t.nrows()),
                "‖πT − π‖₁ = {:e}, reported {:e}", distance, pi.residual
            );
            // Supported on its class only.
            for (i, &p) in pi.distribution.iter().enumerate() {
                prop_assert!(p == 0.0 || class.states.contains(&i));
            }
        }
    }

    #[test]
    fn the_limit_is_a_distribution_fixed_within_its_reported_residual(t in any_chain(MAX_STATES), seed in any::<u64>()) {
        let s0 = start(t.nrows(), seed);
        let chain = named(t);
        let exact = analysis::analyze(&chain, &s0, 0, &[]);
        prop_assert!(is_distribution(&exact.limit));
        let distance = fixed_point_distance(chain.matrix(), &exact.limit);
        prop_assert!(
            distance <= exact.limit_residual + rounding(chain.len()),
            "‖LT − L‖₁ = {:e}, reported {:e}", distance, exact.limit_residual
        );
        // No mass is left on transient states in the long run.
        for &i in &exact.structure.transient {
            prop_assert!(exact.limit[i] == 0.0);
        }
    }

    #[test]
    fn absorption_probabilities_sum_to_one(t in any_chain(MAX_STATES)) {
        let structure = Structure::of(&t);
        let h = analysis::absorbing::class_absorption_probabilities(&t, &structure);
        for row in h.row_iter() {
            prop_assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        // h = T h: absorption is decided by where the first step leads.
        prop_assert!((&t * &h - &h).abs().max() < 1e-10);
    }

    #[test]
    fn the_fundamental_matrix_inverts_i_minus_q(t in any_chain(MAX_STATES)) {
        let structure = Structure::of(&t);
        if let Some(a) = analysis::absorbing::analyze(&t, &structure, true) {
            let m = a.transient.len();
            let q = DMatrix::from_fn(m, m, |i, j| t[(a.transient[i], a.transient[j])]);
            let n = a.fundamental_matrix.unwrap();
            let product = &n * (DMatrix::identity(m, m) - &q);
            // Relative to the size of N: visits can number 1e12 on nearly closed states.
            let scale = n.amax().max(1.0);
            prop_assert!((product - DMatrix::identity(m, m)).amax() < 1e-9 * scale);
            // Each transient state's absorption probabilities sum to 1.
            for row in a.probabilities.row_iter() {
                prop_assert!((row.sum() - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn mean_first_passage_times_satisfy_their_equations(t in any_chain(20)) {
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

/// Steps of the hitting distribution and of the simulated trajectories.
const STEPS: usize = 20;

proptest! {
    // Fewer cases: where a percentile lies beyond the horizon (a target in
    // another block of a nearly decomposable chain), the distribution is
    // followed for up to 10⁸ / n² further steps, a few seconds a case in
    // the debug build.
    #![proptest_config(ProptestConfig::with_cases(5))]

    #[test]
    fn the_hitting_distribution_adds_up_to_the_hitting_probability(t in any_chain(MAX_STATES), target in 0usize..MAX_STATES) {
        let n = t.nrows();
        let target = target % n;
        let h = analysis::hitting::analyze(&t, &[target], STEPS, &DVector::from_element(n, 1.0 / n as f64));
        // P(τ < ∞) = P(τ ≤ H) + Σ_j P(X_H = j, τ > H) h_j: the pmf over
        // 0 … H plus what is still on its way, from the chain with the
        // target's moves removed.
        let mut avoiding = t.clone();
        avoiding.row_mut(target).fill(0.0);
        avoiding.column_mut(target).fill(0.0);
        let mut later = h.probability.clone();
        for _ in 0..STEPS {
            later = &avoiding * later;
        }
        for i in 0..n {
            let total: f64 = h.pmf.iter().map(|p| p[i]).sum();
            prop_assert!((total - h.cdf[STEPS][i]).abs() < 1e-12);
            prop_assert!(h.pmf.iter().all(|p| p[i] >= 0.0));
            let tolerance = 1e-12 + 2.0 * h.residual.max(f64::EPSILON) * (1.0 + later[i]);
            prop_assert!(
                (total + later[i] - h.probability[i]).abs() <= tolerance,
                "from {}: {} + {} against {} (residual {:e})", i, total, later[i], h.probability[i], h.residual
            );
        }
        prop_assert_eq!(h.probability[target], 1.0);
    }
}

/// Walkers of the counts-mode simulation.
const WALKERS: u64 = 1_000_000;
/// Cases of the agreement property.
const AGREEMENT_CASES: u32 = 24;
/// The chance that the agreement property fails on a correct simulation in
/// one run of this file, over all its cases and cells together.
const FALSE_FAILURE: f64 = 1e-9;

/// The largest deviation `|X − Np|` that a binomial count `X` of `N`
/// trials exceeds with probability at most `alpha`, by Bernstein's
/// inequality for sums of independent variables bounded by 1:
/// `P(|X − Np| ≥ a) ≤ 2 exp(−a² / (2 (Np(1 − p) + a/3)))`, solved for `a`.
/// It holds for rare cells too, where the normal approximation fails.
fn bernstein_bound(walkers: u64, p: f64, alpha: f64) -> f64 {
    let variance = walkers as f64 * p * (1.0 - p);
    let l = (2.0 / alpha).ln();
    l / 3.0 + ((l / 3.0).powi(2) + 2.0 * variance * l).sqrt()
}

/// A seed fixed by the case: the chain's bits, hashed (FNV-1a).
fn seed_of(t: &DMatrix<f64>) -> u64 {
    t.iter().fold(0xcbf2_9ce4_8422_2325, |h: u64, x| {
        (h ^ x.to_bits()).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(AGREEMENT_CASES))]

    /// Every count of the counts-mode simulation, `counts[t][i]`, is
    /// binomial with `WALKERS` trials and the exact occupancy `S_t[i]`. Each
    /// cell is held to a Bernstein bound at level `FALSE_FAILURE / (cases ×
    /// cells)` (Bonferroni over every cell of every case), so a correct
    /// simulation fails this property with probability at most 1e-9 per
    /// run of the file, whatever proptest draws; an error of 1.5% in a
    /// common cell is caught.
    #[test]
    fn counts_mode_agrees_with_the_exact_trajectory(t in any_chain(MAX_STATES), start_seed in any::<u64>()) {
        let n = t.nrows();
        let s0 = start(n, start_seed);
        let exact = transient::trajectory(&t, &s0, STEPS);
        let simulation = simulate_counts(&t, &s0, STEPS, WALKERS, seed_of(&t), &[]);
        let cells = (AGREEMENT_CASES as usize * (STEPS + 1) * MAX_STATES) as f64;
        let alpha = FALSE_FAILURE / cells;
        for (step, (counts, occupancy)) in simulation.counts.iter().zip(&exact).enumerate() {
            prop_assert_eq!(counts.iter().sum::<u64>(), WALKERS);
            for i in 0..n {
                let p = occupancy[i].clamp(0.0, 1.0);
                let deviation = (counts[i] as f64 - WALKERS as f64 * p).abs();
                let bound = bernstein_bound(WALKERS, p, alpha);
                prop_assert!(
                    deviation <= bound,
                    "step {}, state {}: {} walkers against {} expected (bound {})",
                    step, i, counts[i], WALKERS as f64 * p, bound
                );
            }
        }
    }
}

#[test]
fn the_bernstein_bound_is_tight_enough_to_catch_a_wrong_simulation() {
    // At p = 0.3 the bound is about 8 standard deviations at level 4e-14:
    // a count off by 1.5% (4500 walkers of 300,000) is caught.
    let alpha = FALSE_FAILURE / (AGREEMENT_CASES as usize * (STEPS + 1) * MAX_STATES) as f64;
    let bound = bernstein_bound(WALKERS, 0.3, alpha);
    let sd = (WALKERS as f64 * 0.3 * 0.7).sqrt();
    assert!(
        bound > 6.0 * sd && bound < 9.0 * sd,
        "{bound} against sd {sd}"
    );
    assert!(bound < 0.015 * 0.3 * WALKERS as f64);
    // A state no walker may reach has a bound of a few walkers, not zero,
    // and a count of zero is within it.
    assert!(bernstein_bound(WALKERS, 0.0, alpha) < 25.0);
}
