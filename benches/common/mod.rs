//! Inputs shared by the benchmarks: seeded random dense chains, the same kind
//! of input the peer comparison uses (uniform entries, rows normalised).

use nalgebra::{DMatrix, DVector};

/// A dense row-stochastic `n × n` matrix from a fixed linear congruential
/// stream, so every run times the same input.
pub fn random_chain(n: usize, seed: u64) -> DMatrix<f64> {
    let mut x = seed;
    let mut matrix = DMatrix::from_fn(n, n, |_, _| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    });
    for mut row in matrix.row_iter_mut() {
        let sum = row.sum();
        row /= sum;
    }
    matrix
}

/// Everything in state 0.
pub fn first_state(n: usize) -> DVector<f64> {
    let mut v = DVector::zeros(n);
    v[0] = 1.0;
    v
}
