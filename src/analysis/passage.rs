//! Mean first passage and recurrence times within each closed class.
//!
//! # Definitions
//!
//! Within a closed class `C` (irreducible by construction), `m[i][j]` is the
//! expected number of steps to first reach `j` from `i ≠ j`; the diagonal is
//! 0 and the mean recurrence time, the expected steps to return to `j`, is
//! given separately as `1 / π_j` (Kac's formula). For each target `j`, the
//! column `m[·][j]` solves `(I − Q_j) m = 1`, with `Q_j` the class's moves
//! avoiding `j`; it is solved by subtraction-free state reduction, one target
//! at a time.
//!
//! # Limitations
//!
//! One reduction per target costs `O(k⁴)` for a class of `k` states, so
//! classes above [`MAX_PASSAGE_STATES`] states are reported as not computed.

use nalgebra::{DMatrix, DVector};

use super::absorbing::Censored;
use super::stationary::Stationary;
use super::structure::Structure;

/// The largest class whose passage times are computed.
pub const MAX_PASSAGE_STATES: usize = 200;

/// Passage times of one closed class.
#[derive(Debug, Clone)]
pub struct Passage {
    /// Index into [`Structure::classes`].
    pub class: usize,
    /// The class's states; rows and columns of the results follow them.
    pub states: Vec<usize>,
    /// `m[i][j]`, diagonal 0; `None` when the class is too large.
    pub mean_first_passage: Option<DMatrix<f64>>,
    /// `1 / π_j` for each state of the class.
    pub mean_recurrence: DVector<f64>,
}

/// Passage and recurrence times for every closed class.
pub fn analyze(
    matrix: &DMatrix<f64>,
    structure: &Structure,
    stationary: &[Stationary],
) -> Vec<Passage> {
    stationary
        .iter()
        .map(|pi| {
            let states = structure.classes[pi.class].states.clone();
            let mean_recurrence = DVector::from_iterator(
                states.len(),
                states.iter().map(|&s| 1.0 / pi.distribution[s]),
            );
            let mean_first_passage =
                (states.len() <= MAX_PASSAGE_STATES).then(|| first_passage(matrix, &states));
            Passage {
                class: pi.class,
                states,
                mean_first_passage,
                mean_recurrence,
            }
        })
        .collect()
}

/// `m[i][j]` for an irreducible class, one target column at a time.
fn first_passage(matrix: &DMatrix<f64>, states: &[usize]) -> DMatrix<f64> {
    let k = states.len();
    let mut m = DMatrix::zeros(k, k);
    for target in 0..k {
        let others: Vec<usize> = (0..k).filter(|&a| a != target).collect();
        if others.is_empty() {
            continue;
        }
        let q = DMatrix::from_fn(others.len(), others.len(), |a, b| {
            matrix[(states[others[a]], states[others[b]])]
        });
        let into_target = DMatrix::from_fn(others.len(), 1, |a, _| {
            matrix[(states[others[a]], states[target])]
        });
        let times =
            Censored::new(&q, &into_target).solve(&DVector::from_element(others.len(), 1.0));
        for (a, &row) in others.iter().enumerate() {
            m[(row, target)] = times[a];
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stationary::stationary_distributions;
    use approx::assert_abs_diff_eq;
    use nalgebra::dmatrix;

    #[test]
    fn land_of_oz() {
        // Grinstead and Snell, ch. 11.5: m = [[0, 4, 10/3], [8/3, 0, 8/3], [10/3, 4, 0]],
        // recurrence (2.5, 5, 2.5).
        let t = dmatrix![0.5, 0.25, 0.25; 0.5, 0.0, 0.5; 0.25, 0.25, 0.5];
        let structure = Structure::of(&t);
        let stationary = stationary_distributions(&t, &structure);
        let p = &analyze(&t, &structure, &stationary)[0];
        let expected =
            dmatrix![0.0, 4.0, 10.0 / 3.0; 8.0 / 3.0, 0.0, 8.0 / 3.0; 10.0 / 3.0, 4.0, 0.0];
        assert_abs_diff_eq!(
            p.mean_first_passage.clone().unwrap(),
            expected,
            epsilon = 1e-14
        );
        assert_abs_diff_eq!(
            p.mean_recurrence,
            DVector::from_vec(vec![2.5, 5.0, 2.5]),
            epsilon = 1e-14
        );
    }
}
