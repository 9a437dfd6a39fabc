//! Where a chain settles: stationary distributions and the long-run limit.
//!
//! Each closed class `C` has exactly one stationary distribution `π_C`
//! (`π_C T = π_C`, supported on `C`), computed with the GTH algorithm of
//! Grassmann, Taksar and Heyman (1985). GTH is Gaussian elimination on
//! `I − T` in which each pivot is recomputed as the sum of the off-diagonal
//! entries of its row instead of by subtraction; it performs no subtraction at
//! all, so it keeps full relative accuracy even when some probabilities are
//! as small as `1e-15` (where eigenvector and LU solvers lose every digit).
//!
//! The long-run limit reached from `S_0` is the Cesàro average
//! `lim (1/t) Σ_{k<t} S_k = Σ_C h_C(S_0) π_C`, with `h_C(S_0)` the probability
//! of ending in class `C` (see [`super::absorbing`]). It exists for every
//! finite chain, periodic ones included; for an aperiodic chain it equals
//! `lim S_t`.

use nalgebra::{DMatrix, DVector};

use super::absorbing::class_absorption_probabilities;
use super::structure::Structure;

/// The stationary distribution of one closed class, over all states.
#[derive(Debug, Clone, PartialEq)]
pub struct Stationary {
    /// Index of the class in [`Structure::classes`].
    pub class: usize,
    /// Zero outside the class; sums to 1.
    pub distribution: DVector<f64>,
    /// `‖π T − π‖₁`, the evidence that `π` is stationary.
    pub residual: f64,
}

/// The stationary distribution of every closed class, in class order.
pub fn stationary_distributions(matrix: &DMatrix<f64>, structure: &Structure) -> Vec<Stationary> {
    let n = matrix.nrows();
    structure
        .classes
        .iter()
        .enumerate()
        .filter(|(_, class)| class.closed)
        .map(|(c, class)| {
            let block = gth_solve(
                &submatrix_row_major(matrix, &class.states),
                class.states.len(),
            );
            let mut distribution = DVector::zeros(n);
            for (&state, &p) in class.states.iter().zip(&block) {
                distribution[state] = p;
            }
            let residual = residual(matrix, &distribution);
            Stationary {
                class: c,
                distribution,
                residual,
            }
        })
        .collect()
}

/// The Cesàro limit from `initial`: `Σ_C h_C(S_0) π_C`.
pub fn long_run_limit(
    matrix: &DMatrix<f64>,
    structure: &Structure,
    stationary: &[Stationary],
    initial: &DVector<f64>,
) -> DVector<f64> {
    let absorption = class_absorption_probabilities(matrix, structure);
    // Weight of each closed class: Σ_i S_0[i] h_C(i).
    let weights = absorption.tr_mul(initial);
    let mut limit = DVector::zeros(matrix.nrows());
    for (pi, weight) in stationary.iter().zip(weights.iter()) {
        limit.axpy(*weight, &pi.distribution, 1.0);
    }
    let sum = limit.sum();
    if sum > 0.0 {
        limit /= sum;
    }
    limit
}

/// `‖π T − π‖₁`.
pub fn residual(matrix: &DMatrix<f64>, distribution: &DVector<f64>) -> f64 {
    (matrix.tr_mul(distribution) - distribution).lp_norm(1)
}

/// The stationary distribution of an irreducible row-stochastic matrix by GTH.
///
/// `matrix` is `n × n` in row-major order. In step `k`, from `n − 1` down to
/// 1, state `k` is censored out: with `s = Σ_{j<k} a[k][j]`, column `k` is
/// divided by `s`, then `a[i][j] += a[i][k] a[k][j]` for all `i, j < k`.
/// Back substitution gives `x_0 = 1` and `x_k = Σ_{i<k} x_i a[i][k]`.
///
/// A class whose censored row sum `s` is zero is not irreducible; that cannot
/// happen for a closed class, and the result is then the best available (zero
/// weight for the unreachable states).
pub fn gth_solve(row_major: &[f64], n: usize) -> Vec<f64> {
    debug_assert_eq!(row_major.len(), n * n);
    let mut a = row_major.to_vec();

    for k in (1..n).rev() {
        let (upper, pivot_and_below) = a.split_at_mut(k * n);
        let pivot_row = &pivot_and_below[..k];
        let s: f64 = pivot_row.iter().sum();
        if s <= 0.0 {
            continue;
        }
        for row in upper.chunks_exact_mut(n) {
            let factor = row[k] / s;
            row[k] = factor;
            if factor != 0.0 {
                for (x, &p) in row[..k].iter_mut().zip(pivot_row) {
                    *x += factor * p;
                }
            }
        }
    }

    let mut x = vec![0.0; n];
    x[0] = 1.0;
    for k in 1..n {
        x[k] = (0..k).map(|i| x[i] * a[i * n + k]).sum();
    }
    let total: f64 = x.iter().sum();
    x.iter_mut().for_each(|v| *v /= total);
    x
}

/// The block `T[states, states]`, row-major.
fn submatrix_row_major(matrix: &DMatrix<f64>, states: &[usize]) -> Vec<f64> {
    states
        .iter()
        .flat_map(|&i| states.iter().map(move |&j| matrix[(i, j)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use nalgebra::{dmatrix, dvector};

    fn solve(matrix: &DMatrix<f64>) -> DVector<f64> {
        let structure = Structure::of(matrix);
        let all = stationary_distributions(matrix, &structure);
        assert_eq!(all.len(), 1);
        all[0].distribution.clone()
    }

    #[test]
    fn land_of_oz() {
        // Grinstead and Snell, ch. 11: π = (2/5, 1/5, 2/5).
        let t = dmatrix![0.5, 0.25, 0.25; 0.5, 0.0, 0.5; 0.25, 0.25, 0.5];
        assert_abs_diff_eq!(solve(&t), dvector![0.4, 0.2, 0.4], epsilon = 1e-15);
    }

    #[test]
    fn seed_article_closed_class() {
        let t = dmatrix![
            0.0, 1.0, 0.0, 0.0;
            0.0, 0.0, 0.5, 0.5;
            0.0, 0.3, 0.0, 0.7;
            0.0, 0.8, 0.2, 0.0
        ];
        let expected = dvector![0.0, 86.0 / 231.0, 20.0 / 77.0, 85.0 / 231.0];
        assert_abs_diff_eq!(solve(&t), expected, epsilon = 1e-15);
    }

    #[test]
    fn tiny_probabilities_keep_relative_accuracy() {
        // Exact: (1666666667/1666666668, 1/5000000004, 1/5000000004, 1/5000000004).
        let t = dmatrix![
            0.9999999999, 1e-10, 0.0, 0.0;
            0.5, 0.4999999999, 1e-10, 0.0;
            0.0, 0.0, 0.9999999999, 1e-10;
            1e-10, 0.0, 0.0, 0.9999999999
        ];
        let pi = solve(&t);
        let small = 1.0 / 5_000_000_004.0;
        for k in 1..4 {
            assert!((pi[k] - small).abs() / small < 1e-9, "π[{k}] = {}", pi[k]);
        }
    }

    #[test]
    fn limit_mixes_classes_by_absorption() {
        // State 1 splits evenly between absorbing states 0 and 2.
        let t = dmatrix![1.0, 0.0, 0.0; 0.25, 0.5, 0.25; 0.0, 0.0, 1.0];
        let structure = Structure::of(&t);
        let stationary = stationary_distributions(&t, &structure);
        let limit = long_run_limit(&t, &structure, &stationary, &dvector![0.0, 1.0, 0.0]);
        assert_abs_diff_eq!(limit, dvector![0.5, 0.0, 0.5], epsilon = 1e-15);
    }

    #[test]
    fn periodic_limit_is_the_cesaro_average() {
        let t = dmatrix![0.0, 1.0; 1.0, 0.0];
        let structure = Structure::of(&t);
        let stationary = stationary_distributions(&t, &structure);
        let limit = long_run_limit(&t, &structure, &stationary, &dvector![1.0, 0.0]);
        assert_abs_diff_eq!(limit, dvector![0.5, 0.5], epsilon = 1e-15);
        assert_eq!(stationary[0].residual, 0.0);
    }
}
