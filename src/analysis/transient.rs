//! Where the versions are after `t` steps: `S_t = S_0 · T^t`.
//!
//! Two ways, for two needs. [`trajectory`] follows every step from 0 to a
//! horizon `H` with one vector–matrix product each (`O(n² H)`).
//! [`distribution_at`] jumps straight to one large `t`, up to `2^63 − 1`, by
//! repeated squaring (`O(n³ log t)`).
//!
//! Repeated squaring of a stochastic matrix is unstable as written in
//! textbooks: if the rows of `P` sum to `1 + δ`, the rows of `P²` sum to about
//! `1 + 2δ`, so sixty squarings turn a rounding error of `1e-16` into a blow-up
//! of order 100. Every product here is therefore projected back onto the
//! stochastic matrices (each row divided by its sum), which keeps the rows
//! summing to 1 within a few ulps at any `t` and changes nothing else: the
//! exact product already has unit row sums.

use nalgebra::{DMatrix, DVector};

/// `S_0, S_1, …, S_H` with `S_{t+1} = S_t · T`.
///
/// Each step is renormalised to sum to 1, for the reason in the module docs.
pub fn trajectory(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    horizon: usize,
) -> Vec<DVector<f64>> {
    let mut steps = Vec::with_capacity(horizon + 1);
    steps.push(initial.clone());
    for t in 0..horizon {
        let next = step(matrix, &steps[t]);
        steps.push(next);
    }
    steps
}

/// One step `S · T`, renormalised.
///
/// `T^T S` is the column form of the row product `S T`: entry `j` is the
/// dot product of `S` with column `j` of `T`. A large matrix shares its
/// columns among the threads; each dot product is summed in one order
/// whatever the number of threads, so the result does not depend on it.
pub fn step(matrix: &DMatrix<f64>, distribution: &DVector<f64>) -> DVector<f64> {
    use rayon::prelude::*;

    let mut next = if matrix.len() < PARALLEL_ENTRIES {
        matrix.tr_mul(distribution)
    } else {
        let mut next = DVector::zeros(matrix.ncols());
        next.as_mut_slice()
            .par_chunks_mut(COLUMNS_PER_TASK)
            .enumerate()
            .for_each(|(c, out)| {
                for (k, entry) in out.iter_mut().enumerate() {
                    *entry = matrix.column(c * COLUMNS_PER_TASK + k).dot(distribution);
                }
            });
        next
    };
    normalize(next.as_mut_slice());
    next
}

/// Matrices from this many entries on share a step's columns among the
/// threads: a thread's wake-up (some microseconds) is then small beside
/// its share of the work.
const PARALLEL_ENTRIES: usize = 1 << 16;
/// Columns per task when they are shared.
const COLUMNS_PER_TASK: usize = 32;

/// `S_0 · T^t` by binary powering, for any `t` up to `u64::MAX`.
///
/// Costs at most `2 ⌊log2 t⌋` matrix products of size `n`.
pub fn distribution_at(matrix: &DMatrix<f64>, initial: &DVector<f64>, t: u64) -> DVector<f64> {
    let mut result = initial.clone();
    let mut power = matrix.clone();
    let mut remaining = t;
    while remaining > 0 {
        if remaining & 1 == 1 {
            result = step(&power, &result);
        }
        remaining >>= 1;
        if remaining > 0 {
            power = stochastic_product(&power, &power);
        }
    }
    result
}

/// `T^t` by binary powering, every row kept stochastic.
pub fn matrix_power(matrix: &DMatrix<f64>, t: u64) -> DMatrix<f64> {
    let n = matrix.nrows();
    let mut result = DMatrix::identity(n, n);
    let mut power = matrix.clone();
    let mut remaining = t;
    while remaining > 0 {
        if remaining & 1 == 1 {
            result = stochastic_product(&result, &power);
        }
        remaining >>= 1;
        if remaining > 0 {
            power = stochastic_product(&power, &power);
        }
    }
    result
}

/// `A · B` with each row divided by its sum.
pub(crate) fn stochastic_product(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let mut product = a * b;
    for mut row in product.row_iter_mut() {
        let sum = row.sum();
        if sum > 0.0 {
            row /= sum;
        }
    }
    product
}

/// Divides a non-negative vector by its sum, in place.
fn normalize(values: &mut [f64]) {
    let sum: f64 = values.iter().sum();
    if sum > 0.0 {
        values.iter_mut().for_each(|v| *v /= sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use nalgebra::{dmatrix, dvector};

    #[test]
    fn trajectory_follows_row_vector_convention() {
        // From state 0, one step lands on row 0 of T.
        let t = dmatrix![0.2, 0.8; 0.6, 0.4];
        let steps = trajectory(&t, &dvector![1.0, 0.0], 2);
        assert_eq!(steps.len(), 3);
        assert_abs_diff_eq!(steps[1], dvector![0.2, 0.8], epsilon = 1e-15);
        // S_2 = (0.2·0.2 + 0.8·0.6, 0.2·0.8 + 0.8·0.4) = (0.52, 0.48).
        assert_abs_diff_eq!(steps[2], dvector![0.52, 0.48], epsilon = 1e-15);
    }

    /// The columns of a large matrix are shared among threads: the same
    /// numbers on one thread and on two, and the numbers of the one-piece
    /// product to rounding.
    #[test]
    fn a_large_step_is_the_same_on_any_number_of_threads() {
        let n = 300;
        assert!(n * n >= PARALLEL_ENTRIES);
        // A dense chain with uneven rows, and an uneven start.
        let mut t = DMatrix::from_fn(n, n, |i, j| ((i * 7 + j * 13) % 29 + 1) as f64);
        for mut row in t.row_iter_mut() {
            let sum = row.sum();
            row /= sum;
        }
        let s0 = DVector::from_fn(n, |i, _| (i % 5 + 1) as f64);
        let s0 = &s0 / s0.sum();
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| trajectory(&t, &s0, 5))
        };
        let one = on(1);
        assert_eq!(one, on(2));
        let mut whole = s0.clone();
        for s in &one[1..] {
            whole = t.tr_mul(&whole);
            assert_abs_diff_eq!(*s, whole, epsilon = 1e-15);
            assert_abs_diff_eq!(s.sum(), 1.0, epsilon = 1e-14);
        }
    }

    #[test]
    fn powering_matches_iteration() {
        let t = dmatrix![0.5, 0.25, 0.25; 0.5, 0.0, 0.5; 0.25, 0.25, 0.5];
        let s0 = dvector![0.1, 0.6, 0.3];
        let steps = trajectory(&t, &s0, 37);
        for k in [0u64, 1, 2, 5, 16, 37] {
            let jumped = distribution_at(&t, &s0, k);
            assert_abs_diff_eq!(jumped, steps[k as usize], epsilon = 1e-14);
        }
    }

    #[test]
    fn two_state_closed_form_at_huge_t() {
        // For [[1-a, a], [b, 1-b]] the limit is (b, a) / (a + b) = (0.6, 0.4).
        let t = dmatrix![0.9, 0.1; 0.15, 0.85];
        for k in [1_000_000_000_000_000_000u64, u64::MAX >> 1, u64::MAX] {
            let s = distribution_at(&t, &dvector![1.0, 0.0], k);
            assert_abs_diff_eq!(s, dvector![0.6, 0.4], epsilon = 1e-12);
            assert_abs_diff_eq!(s.sum(), 1.0, epsilon = 1e-15);
        }
    }

    #[test]
    fn matrix_power_rows_stay_stochastic() {
        let t = dmatrix![0.0, 1.0, 0.0; 0.0, 0.0, 1.0; 0.5, 0.0, 0.5];
        let p = matrix_power(&t, 1 << 62);
        for row in p.row_iter() {
            assert_abs_diff_eq!(row.sum(), 1.0, epsilon = 1e-14);
        }
        assert_eq!(matrix_power(&t, 0), DMatrix::identity(3, 3));
    }
}
