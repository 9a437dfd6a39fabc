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
use super::elimination;
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
                &matrix
                    .select_rows(&class.states)
                    .select_columns(&class.states),
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
    limits_by_state(matrix, structure, stationary).tr_mul(initial)
}

/// Each state's own long-run limit as a row: `L[i] = Σ_C h_C(i) π_C`, each
/// row renormalised to sum to 1.
pub fn limits_by_state(
    matrix: &DMatrix<f64>,
    structure: &Structure,
    stationary: &[Stationary],
) -> DMatrix<f64> {
    let n = matrix.nrows();
    let absorption = class_absorption_probabilities(matrix, structure);
    let mut limits = DMatrix::zeros(n, n);
    for (c, pi) in stationary.iter().enumerate() {
        for i in 0..n {
            let weight = absorption[(i, c)];
            if weight > 0.0 {
                for j in 0..n {
                    limits[(i, j)] += weight * pi.distribution[j];
                }
            }
        }
    }
    for mut row in limits.row_iter_mut() {
        let sum = row.sum();
        if sum > 0.0 {
            row /= sum;
        }
    }
    limits
}

/// `‖π T − π‖₁`.
pub fn residual(matrix: &DMatrix<f64>, distribution: &DVector<f64>) -> f64 {
    (matrix.tr_mul(distribution) - distribution).lp_norm(1)
}

/// The stationary distribution of an irreducible row-stochastic matrix by GTH.
///
/// # Formula
///
/// States `n − 1` down to 1 are censored out (see [`super::elimination`]):
/// in step `k`, with `s = Σ_{j<k} a[k][j]`, column `k` is divided by `s`,
/// then `a[i][j] += a[i][k] a[k][j]` for all `i, j < k`. Back substitution
/// gives `x_0 = 1` and `x_k = Σ_{i<k} x_i a[i][k]`, and `π = x / Σ x`.
///
/// A censored row sum `s` of zero means the matrix is not irreducible; that
/// cannot happen for a closed class, and the step is then skipped.
pub fn gth_solve(matrix: &DMatrix<f64>) -> DVector<f64> {
    let n = matrix.nrows();
    let mut a = matrix.clone();
    elimination::censor(&mut a, 1.min(n), 0);

    let mut x = DVector::zeros(n);
    x[0] = 1.0;
    for k in 1..n {
        x[k] = (0..k).map(|i| x[i] * a[(i, k)]).sum();
    }
    let total = x.sum();
    x / total
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
