//! How likely and how soon versions reach a target: hitting probabilities,
//! expected hitting times and the whole hitting-time distribution.
//!
//! # Definitions
//!
//! For a target set `A`, the hitting time is `τ = min{t ≥ 0 : X_t ∈ A}`
//! (`τ = 0` from a state in `A`, and `τ = ∞` when `A` is never reached).
//! For each start state `i`:
//!
//! - `h_i = P(τ < ∞)`, the probability of ever reaching `A`;
//! - `E[τ]`, which is infinite whenever `h_i < 1`;
//! - `E[τ | τ < ∞] = g_i / h_i` with `g_i = E[τ 1{τ < ∞}]`;
//! - the distribution `P(τ = t)` and `P(τ ≤ t)` for `t = 0 … H`, and the
//!   smallest `t` with `P(τ ≤ t) ≥ q` for `q` = 0.5, 0.9, 0.99 ("never" when
//!   `h_i < q`).
//!
//! With `S` the states outside `A` that can reach it, `h` and `g` solve
//! `(I − Q) h = r_A` and `(I − Q) g = h` on `S` (`Q = T[S, S]`, `r_A` the
//! moves into `A`); both are solved without subtraction by state reduction.
//! The distribution follows `P(τ = t + 1 | i) = Σ_{j ∉ A} T[i][j] P(τ = t | j)`
//! for `i ∉ A`, again with additions only.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::absorbing::{Censored, relative_residual};

/// The quantiles reported for every hitting time.
pub const QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// How far the distribution is followed to find a quantile beyond the horizon.
pub const MAX_QUANTILE_STEPS: usize = 1_000_000;

/// The most work (steps × n²) spent following it past the horizon, so that a
/// large or nearly decomposable chain still answers in well under a second.
const MAX_QUANTILE_WORK: usize = 100_000_000;

/// One quantile of a hitting time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantile {
    pub probability: f64,
    /// The smallest `t` with `P(τ ≤ t) ≥ probability`; `None` when never.
    pub steps: Option<u64>,
    /// Why `steps` is missing: `never` (the target is reached with a smaller
    /// probability) or `beyond` (not within the steps followed: at most
    /// [`MAX_QUANTILE_STEPS`], fewer for a large chain).
    pub status: QuantileStatus,
}

/// Whether a quantile was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantileStatus {
    Reached,
    Never,
    Beyond,
}

/// The hitting analysis of one target set.
#[derive(Debug, Clone)]
pub struct Hitting {
    /// The target states.
    pub target: Vec<usize>,
    /// `h_i` for every state.
    pub probability: DVector<f64>,
    /// `E[τ]`, `∞` where `h_i < 1`.
    pub expected_steps: DVector<f64>,
    /// `E[τ | τ < ∞]`, `NaN` where `h_i = 0`.
    pub expected_steps_if_reached: DVector<f64>,
    /// `pmf[t][i] = P(τ = t | X_0 = i)` for `t = 0 … H`.
    pub pmf: Vec<DVector<f64>>,
    /// `cdf[t][i] = P(τ ≤ t | X_0 = i)`.
    pub cdf: Vec<DVector<f64>>,
    /// For each state, the quantiles of [`QUANTILES`].
    pub quantiles: Vec<Vec<Quantile>>,
    /// The quantiles for a start drawn from `S_0`.
    pub quantiles_from_initial: Vec<Quantile>,
    /// The largest relative residual of the two solves (see
    /// [`super::absorbing::relative_residual`]).
    pub residual: f64,
}

/// Analyses the hitting time of `target` (a nonempty set of states) over
/// `horizon` steps, from each state and from the distribution `initial`.
pub fn analyze(
    matrix: &DMatrix<f64>,
    target: &[usize],
    horizon: usize,
    initial: &DVector<f64>,
) -> Hitting {
    let n = matrix.nrows();
    let in_target: Vec<bool> = (0..n).map(|i| target.contains(&i)).collect();
    let reaches = can_reach(matrix, &in_target);
    // S: outside the target, able to reach it.
    let set: Vec<usize> = (0..n).filter(|&i| !in_target[i] && reaches[i]).collect();

    let mut probability = DVector::zeros(n);
    let mut weighted = DVector::zeros(n);
    let mut residual = 0.0_f64;
    for &i in target {
        probability[i] = 1.0;
    }
    if !set.is_empty() {
        let m = set.len();
        let q = DMatrix::from_fn(m, m, |a, b| matrix[(set[a], set[b])]);
        // Ways out of S: into the target, and to states that never reach it.
        let out = DMatrix::from_fn(m, 2, |a, c| {
            (0..n)
                .filter(|&j| {
                    if c == 0 {
                        in_target[j]
                    } else {
                        !in_target[j] && !reaches[j]
                    }
                })
                .map(|j| matrix[(set[a], j)])
                .sum()
        });
        let censored = Censored::new(&q, &out);
        let h = censored.outflow_solutions().column(0).clone_owned();
        let g = censored.solve(&h);
        let exits = out.column_sum();
        let column = |v: &DVector<f64>| DMatrix::from_column_slice(m, 1, v.as_slice());
        let into_target = out.columns(0, 1).clone_owned();
        residual = relative_residual(&q, &exits, &column(&h), &into_target).max(relative_residual(
            &q,
            &exits,
            &column(&g),
            &column(&h),
        ));
        for (a, &i) in set.iter().enumerate() {
            probability[i] = h[a];
            weighted[i] = g[a];
        }
    }

    // E[τ] is finite only where no path avoiding the target leads to a
    // state that never reaches it (decided on the graph, not by h < 1, which
    // rounding could blur).
    let traps: Vec<bool> = (0..n).map(|j| !in_target[j] && !reaches[j]).collect();
    let escapes = can_reach_avoiding(matrix, &traps, &in_target);
    let expected_steps = DVector::from_fn(n, |i, _| {
        if in_target[i] {
            0.0
        } else if escapes[i] {
            f64::INFINITY
        } else {
            weighted[i]
        }
    });
    let expected_steps_if_reached = DVector::from_fn(n, |i, _| {
        if in_target[i] {
            0.0
        } else if probability[i] > 0.0 {
            weighted[i] / probability[i]
        } else {
            f64::NAN
        }
    });

    let (pmf, cdf, mut quantiles) =
        distribution(matrix, &in_target, &probability, horizon, initial);
    let quantiles_from_initial = quantiles
        .pop()
        .expect("the initial distribution's quantiles");
    Hitting {
        target: target.to_vec(),
        probability,
        expected_steps,
        expected_steps_if_reached,
        pmf,
        cdf,
        quantiles,
        quantiles_from_initial,
        residual,
    }
}

impl Hitting {
    /// `P(τ = t)` from `S_0`, for t = 0 … H.
    pub fn pmf_from(&self, initial: &DVector<f64>) -> Vec<f64> {
        self.pmf.iter().map(|p| p.dot(initial)).collect()
    }

    /// `P(τ ≤ t)` from `S_0`, for t = 0 … H.
    pub fn cdf_from(&self, initial: &DVector<f64>) -> Vec<f64> {
        self.cdf.iter().map(|c| c.dot(initial)).collect()
    }

    /// `P(τ < ∞)` from `S_0`.
    pub fn probability_from(&self, initial: &DVector<f64>) -> f64 {
        self.probability.dot(initial)
    }

    /// `E[τ | τ < ∞]` from `S_0`: `Σ_i S_0[i] h_i E[τ | τ < ∞, i] / Σ_i S_0[i] h_i`.
    pub fn expected_steps_if_reached_from(&self, initial: &DVector<f64>) -> f64 {
        let reached = self.probability_from(initial);
        let weighted: f64 = (0..initial.len())
            .filter(|&i| initial[i] > 0.0 && self.probability[i] > 0.0)
            .map(|i| initial[i] * self.probability[i] * self.expected_steps_if_reached[i])
            .sum();
        if reached > 0.0 {
            weighted / reached
        } else {
            f64::NAN
        }
    }

    /// `E[τ]` from `S_0`: infinite when any start with weight may miss the target.
    pub fn expected_steps_from(&self, initial: &DVector<f64>) -> f64 {
        (0..initial.len())
            .filter(|&i| initial[i] > 0.0)
            .map(|i| initial[i] * self.expected_steps[i])
            .sum()
    }
}

/// States from which some state marked in `goal` can be reached (itself included).
fn can_reach(matrix: &DMatrix<f64>, goal: &[bool]) -> Vec<bool> {
    can_reach_avoiding(matrix, goal, &vec![false; goal.len()])
}

/// States from which a `goal` state can be reached without passing through
/// an `avoid` state on the way.
fn can_reach_avoiding(matrix: &DMatrix<f64>, goal: &[bool], avoid: &[bool]) -> Vec<bool> {
    let n = matrix.nrows();
    let mut reached = goal.to_vec();
    let mut stack: Vec<usize> = (0..n).filter(|&i| goal[i]).collect();
    while let Some(j) = stack.pop() {
        for i in 0..n {
            if !reached[i] && !avoid[i] && matrix[(i, j)] > 0.0 {
                reached[i] = true;
                stack.push(i);
            }
        }
    }
    reached
}

type Distribution = (Vec<DVector<f64>>, Vec<DVector<f64>>, Vec<Vec<Quantile>>);

/// The pmf and cdf for steps 0 … H, and each state's quantiles, following
/// the distribution past H where a quantile needs it.
/// The last row of the quantiles is for a start drawn from `initial`.
fn distribution(
    matrix: &DMatrix<f64>,
    in_target: &[bool],
    probability: &DVector<f64>,
    horizon: usize,
    initial: &DVector<f64>,
) -> Distribution {
    let n = matrix.nrows();
    // Moves that avoid the target: T with the target's columns zeroed.
    let avoiding = DMatrix::from_fn(n, n, |i, j| {
        if in_target[i] || in_target[j] {
            0.0
        } else {
            matrix[(i, j)]
        }
    });
    let into_target = DVector::from_fn(n, |i, _| {
        if in_target[i] {
            0.0
        } else {
            (0..n)
                .filter(|&j| in_target[j])
                .map(|j| matrix[(i, j)])
                .sum()
        }
    });

    let mut pmf = vec![DVector::from_fn(
        n,
        |i, _| if in_target[i] { 1.0 } else { 0.0 },
    )];
    let mut cdf = vec![pmf[0].clone()];
    // Rows 0..n are the states; row n is a start drawn from `initial`.
    let with_initial = |v: &DVector<f64>| v.clone().insert_row(n, v.dot(initial));
    let probability = with_initial(probability);
    let mut quantiles: Vec<Vec<Option<u64>>> = vec![vec![None; QUANTILES.len()]; n + 1];
    record(0, &with_initial(&cdf[0]), &probability, &mut quantiles);
    // Each further step costs n² operations: bound the search by work as well as by steps.
    let last_step = MAX_QUANTILE_STEPS.min(horizon.max(MAX_QUANTILE_WORK / (n * n).max(1)));

    // first_t = P(τ = t | ·) = avoiding^{t−1} into_target for t ≥ 1.
    let mut first = into_target.clone();
    let mut cumulative = cdf[0].clone();
    let mut t = 1;
    loop {
        cumulative += &first;
        if t <= horizon {
            pmf.push(first.clone());
            cdf.push(cumulative.clone());
        }
        record(t, &with_initial(&cumulative), &probability, &mut quantiles);
        let pending = (0..=n).any(|i| {
            QUANTILES
                .iter()
                .enumerate()
                .any(|(k, &q)| quantiles[i][k].is_none() && attainable(probability[i], q))
        });
        if (t >= horizon && !pending) || t >= last_step {
            break;
        }
        first = &avoiding * &first;
        t += 1;
    }

    let quantiles = (0..=n)
        .map(|i| {
            QUANTILES
                .iter()
                .enumerate()
                .map(|(k, &q)| {
                    let status = match quantiles[i][k] {
                        Some(_) => QuantileStatus::Reached,
                        None if attainable(probability[i], q) => QuantileStatus::Beyond,
                        None => QuantileStatus::Never,
                    };
                    Quantile {
                        probability: q,
                        steps: quantiles[i][k],
                        status,
                    }
                })
                .collect()
        })
        .collect();
    (pmf, cdf, quantiles)
}

/// Notes step `t` for every quantile first reached there.
fn record(
    t: usize,
    cumulative: &DVector<f64>,
    probability: &DVector<f64>,
    quantiles: &mut [Vec<Option<u64>>],
) {
    for (state, found) in quantiles.iter_mut().enumerate() {
        for (k, &q) in QUANTILES.iter().enumerate() {
            if found[k].is_none()
                && attainable(probability[state], q)
                && reaches_quantile(cumulative[state], q)
            {
                found[k] = Some(t as u64);
            }
        }
    }
}

/// `F ≥ q`.
fn reaches_quantile(cumulative: f64, q: f64) -> bool {
    cumulative >= q
}

/// Whether `P(τ ≤ t) ≥ q` holds for some finite `t`, given `h = P(τ < ∞)`.
/// When `h = q` exactly, `P(τ ≤ t)` approaches `q` from below and never
/// reaches it; `h` within rounding of `q` is taken as that case.
fn attainable(h: f64, q: f64) -> bool {
    h > q * (1.0 + 1e-12)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use nalgebra::dmatrix;

    #[test]
    fn geometric_hitting_time() {
        // From 0, reach 1 with probability p each step: τ ~ Geometric(p).
        let p = 0.25;
        let t = dmatrix![1.0 - p, p; 0.5, 0.5];
        let h = analyze(&t, &[1], 10, &DVector::from_vec(vec![1.0, 0.0]));
        assert_eq!(h.probability[0], 1.0);
        assert_abs_diff_eq!(h.expected_steps[0], 4.0, epsilon = 1e-12);
        for k in 1..=10 {
            let pmf = (1.0 - p).powi(k - 1) * p;
            assert_abs_diff_eq!(h.pmf[k as usize][0], pmf, epsilon = 1e-15);
            assert_abs_diff_eq!(
                h.cdf[k as usize][0],
                1.0 - (1.0 - p).powi(k),
                epsilon = 1e-15
            );
        }
        // Median: smallest k with 1 − 0.75^k ≥ 0.5 is 3; 90%: 9; 99%: 17.
        let steps: Vec<_> = h.quantiles[0].iter().map(|q| q.steps).collect();
        assert_eq!(steps, vec![Some(3), Some(9), Some(17)]);
        assert_eq!(h.quantiles[1][0].steps, Some(0));
        assert_eq!(h.quantiles_from_initial, h.quantiles[0]);
    }

    #[test]
    fn a_target_that_may_be_missed() {
        // From 0: to the target 1 with 0.3, to the trap 2 with 0.2, stay 0.5.
        let t = dmatrix![0.5, 0.3, 0.2; 0.0, 1.0, 0.0; 0.0, 0.0, 1.0];
        let h = analyze(&t, &[1], 5, &DVector::from_vec(vec![1.0, 0.0, 0.0]));
        assert_abs_diff_eq!(h.probability[0], 0.6, epsilon = 1e-15);
        assert_eq!(h.expected_steps[0], f64::INFINITY);
        // Conditional on reaching: Geometric with exit rate 0.5, mean 2.
        assert_abs_diff_eq!(h.expected_steps_if_reached[0], 2.0, epsilon = 1e-12);
        assert_eq!(h.probability[2], 0.0);
        assert!(h.expected_steps_if_reached[2].is_nan());
        // 0.6 < 0.9: the 90th percentile is never reached.
        assert_eq!(h.quantiles[0][1].status, QuantileStatus::Never);
        assert_eq!(h.quantiles[0][0].status, QuantileStatus::Reached);
        let total: f64 = h.pmf.iter().map(|p| p[0]).sum();
        assert_abs_diff_eq!(total, h.cdf[5][0], epsilon = 1e-15);
    }

    #[test]
    fn a_quantile_equal_to_the_hitting_probability_is_never_reached() {
        // P(τ < ∞) = 0.5, but P(τ ≤ t) = 0.5 (1 − 2^−t) < 0.5 for every t.
        let t = dmatrix![0.5, 0.25, 0.25; 0.0, 1.0, 0.0; 0.0, 0.0, 1.0];
        let h = analyze(&t, &[1], 10, &DVector::from_vec(vec![1.0, 0.0, 0.0]));
        assert_eq!(h.quantiles[0][0].status, QuantileStatus::Never);
        assert_eq!(h.quantiles[0][0].steps, None);
    }

    #[test]
    fn residuals_stay_small_when_exits_are_tiny() {
        // Leave with 1e-17: the textbook residual would be of order 1.
        let mut t = dmatrix![1.0, 1e-17; 0.0, 1.0];
        t[(0, 0)] = 1.0 - 1e-17;
        let h = analyze(&t, &[1], 1, &DVector::from_vec(vec![1.0, 0.0]));
        assert_eq!(h.expected_steps[0], 1e17);
        assert!(h.residual < 1e-15, "residual {}", h.residual);
    }
}
