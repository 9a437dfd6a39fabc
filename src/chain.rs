//! The validated Markov chain: named states and a row-stochastic matrix.
//!
//! A [`Chain`] is the hand-over point between the scenario layer, which reads
//! and checks what a person wrote, and the numerical layers (`analysis`,
//! `simulate`), which may rely on its invariants without checking again:
//!
//! - at least one state, names unique;
//! - `T` is square with one row and one column per state;
//! - every entry is finite and in `[0, 1]`;
//! - every row sums to 1 within the chain's tolerance.
//!
//! Rows are "from" states: `T[(i, j)]` is the probability of moving from
//! state `i` to state `j` in one step, and a distribution is a row vector,
//! `S_{t+1} = S_t · T`.

use nalgebra::DMatrix;
use thiserror::Error;

/// The default largest distance of a row sum from 1.
pub const DEFAULT_TOLERANCE: f64 = 1e-9;

/// A problem that keeps a matrix from being a Markov chain.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ChainError {
    /// The chain has no states.
    #[error("a chain needs at least one state")]
    Empty,
    /// Two states share a name.
    #[error("state `{name}` is listed twice")]
    DuplicateState { name: String },
    /// The matrix is not `n × n` for `n` states.
    #[error("the matrix is {rows}×{cols}, but there are {states} states")]
    Shape {
        rows: usize,
        cols: usize,
        states: usize,
    },
    /// An entry is NaN, infinite, negative or above 1.
    #[error("entry T[{from} → {to}] = {value} is not a probability in [0, 1]")]
    Entry {
        from: String,
        to: String,
        value: f64,
    },
    /// A row does not sum to 1.
    #[error("row `{from}` sums to {sum}, not 1 (tolerance {tolerance:e})")]
    RowSum {
        from: String,
        sum: f64,
        tolerance: f64,
    },
}

/// A discrete-time Markov chain over named states.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    states: Vec<String>,
    /// Row-stochastic; rows are "from" states.
    matrix: DMatrix<f64>,
}

impl Chain {
    /// Builds a chain, checking every invariant listed in the module docs.
    ///
    /// # Errors
    ///
    /// The first broken invariant, as a [`ChainError`] naming the state and value.
    ///
    /// # Examples
    ///
    /// ```
    /// use nalgebra::dmatrix;
    /// use verchain::chain::Chain;
    ///
    /// let chain = Chain::new(
    ///     vec!["up".into(), "down".into()],
    ///     dmatrix![0.9, 0.1; 0.5, 0.5],
    ///     1e-9,
    /// )
    /// .unwrap();
    /// assert_eq!(chain.len(), 2);
    /// ```
    pub fn new(
        states: Vec<String>,
        matrix: DMatrix<f64>,
        tolerance: f64,
    ) -> Result<Self, ChainError> {
        let n = states.len();
        if n == 0 {
            return Err(ChainError::Empty);
        }
        let mut seen = std::collections::HashSet::with_capacity(n);
        if let Some(name) = states.iter().find(|name| !seen.insert(name.as_str())) {
            return Err(ChainError::DuplicateState { name: name.clone() });
        }
        if matrix.nrows() != n || matrix.ncols() != n {
            return Err(ChainError::Shape {
                rows: matrix.nrows(),
                cols: matrix.ncols(),
                states: n,
            });
        }
        for i in 0..n {
            for j in 0..n {
                let value = matrix[(i, j)];
                if !(0.0..=1.0).contains(&value) {
                    return Err(ChainError::Entry {
                        from: states[i].clone(),
                        to: states[j].clone(),
                        value,
                    });
                }
            }
            let sum = matrix.row(i).sum();
            if (sum - 1.0).abs() > tolerance {
                return Err(ChainError::RowSum {
                    from: states[i].clone(),
                    sum,
                    tolerance,
                });
            }
        }
        Ok(Self { states, matrix })
    }

    /// The number of states.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Always false: a chain has at least one state.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The state names, in scenario order.
    pub fn states(&self) -> &[String] {
        &self.states
    }

    /// The index of a state by name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.states.iter().position(|s| s == name)
    }

    /// The transition matrix `T` (rows are "from" states).
    pub fn matrix(&self) -> &DMatrix<f64> {
        &self.matrix
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::dmatrix;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("s{i}")).collect()
    }

    #[test]
    fn accepts_a_stochastic_matrix() {
        let chain = Chain::new(names(2), dmatrix![0.25, 0.75; 1.0, 0.0], 1e-12).unwrap();
        assert_eq!(chain.index_of("s1"), Some(1));
        assert_eq!(chain.matrix()[(0, 1)], 0.75);
    }

    #[test]
    fn rejects_each_broken_invariant() {
        let cases = [
            (names(0), DMatrix::zeros(0, 0), ChainError::Empty),
            (
                vec!["a".into(), "a".into()],
                dmatrix![1.0, 0.0; 0.0, 1.0],
                ChainError::DuplicateState { name: "a".into() },
            ),
            (
                names(2),
                DMatrix::identity(3, 3),
                ChainError::Shape {
                    rows: 3,
                    cols: 3,
                    states: 2,
                },
            ),
            (
                names(2),
                dmatrix![1.5, -0.5; 0.0, 1.0],
                ChainError::Entry {
                    from: "s0".into(),
                    to: "s0".into(),
                    value: 1.5,
                },
            ),
            (
                names(2),
                dmatrix![0.5, 0.5; 0.5, 0.6],
                ChainError::RowSum {
                    from: "s1".into(),
                    sum: 1.1,
                    tolerance: 1e-9,
                },
            ),
        ];
        for (states, matrix, expected) in cases {
            assert_eq!(Chain::new(states, matrix, 1e-9), Err(expected));
        }
    }

    #[test]
    fn rejects_nan() {
        let err = Chain::new(names(1), dmatrix![f64::NAN], 1e-9).unwrap_err();
        assert!(matches!(err, ChainError::Entry { .. }));
    }
}
