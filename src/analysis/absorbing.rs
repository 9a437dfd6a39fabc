//! Where the transient states end up: the probability of absorption into each
//! closed class.
//!
//! Order the states as transient `T` and the rest. With `Q = T[T, T]` and
//! `r_C(i) = Σ_{j ∈ C} T[i, j]`, the probabilities `h_C` of ending in closed
//! class `C` solve `(I − Q) h_C = r_C` on the transient states (Kemeny and
//! Snell, *Finite Markov Chains*, 1960, ch. 3); a state in a closed class ends
//! in its own class with probability 1. `I − Q` is a non-singular M-matrix for
//! every finite chain, so the system always has a unique solution.

use nalgebra::DMatrix;

use super::structure::Structure;

/// `h[i, c]`: the probability that a walker starting in state `i` ends in the
/// `c`-th closed class (closed classes numbered in [`Structure::closed_classes`] order).
pub fn class_absorption_probabilities(
    matrix: &DMatrix<f64>,
    structure: &Structure,
) -> DMatrix<f64> {
    let n = matrix.nrows();
    let closed: Vec<&[usize]> = structure
        .closed_classes()
        .map(|c| c.states.as_slice())
        .collect();
    let mut h = DMatrix::zeros(n, closed.len());
    for (c, states) in closed.iter().enumerate() {
        for &s in *states {
            h[(s, c)] = 1.0;
        }
    }

    let transient = &structure.transient;
    if transient.is_empty() {
        return h;
    }
    let m = transient.len();
    let i_minus_q = DMatrix::from_fn(m, m, |a, b| {
        let identity = if a == b { 1.0 } else { 0.0 };
        identity - matrix[(transient[a], transient[b])]
    });
    let r = DMatrix::from_fn(m, closed.len(), |a, c| {
        closed[c].iter().map(|&j| matrix[(transient[a], j)]).sum()
    });
    let solution = i_minus_q
        .lu()
        .solve(&r)
        .expect("I - Q is non-singular for the transient states of a finite chain");

    for (a, &state) in transient.iter().enumerate() {
        // Rounding can leave values a hair outside [0, 1]; the rows sum to 1 in theory.
        let mut row: Vec<f64> = solution.row(a).iter().map(|p| p.clamp(0.0, 1.0)).collect();
        let sum: f64 = row.iter().sum();
        if sum > 0.0 {
            row.iter_mut().for_each(|p| *p /= sum);
        }
        for (c, p) in row.into_iter().enumerate() {
            h[(state, c)] = p;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use nalgebra::dmatrix;

    #[test]
    fn mathematica_five_state_example() {
        // markovchain's testBasic1.R (from Wolfram's MarkovProcessProperties):
        // from a, b into {c, d} and {e}: (4/5, 1/5) and (2/5, 3/5).
        let t = dmatrix![
            0.0, 1.0 / 3.0, 0.0, 2.0 / 3.0, 0.0;
            0.5, 0.0, 0.0, 0.0, 0.5;
            0.0, 0.0, 0.5, 0.5, 0.0;
            0.0, 0.0, 0.5, 0.5, 0.0;
            0.0, 0.0, 0.0, 0.0, 1.0
        ];
        let h = class_absorption_probabilities(&t, &Structure::of(&t));
        let expected = dmatrix![
            0.8, 0.2;
            0.4, 0.6;
            1.0, 0.0;
            1.0, 0.0;
            0.0, 1.0
        ];
        assert_abs_diff_eq!(h, expected, epsilon = 1e-15);
    }
}
