//! Exact results: where versions are after `t` steps, the chain's structure,
//! where it settles.
//!
//! Everything here is deterministic linear algebra on a validated [`Chain`];
//! nothing is random and nothing is printed. [`analyze`] runs the whole set a
//! `verchain run` reports.

pub mod absorbing;
pub mod block;
pub mod convergence;
pub mod elimination;
pub mod hitting;
pub mod krylov;
pub mod passage;
pub mod stationary;
pub mod structure;
pub mod transient;

use nalgebra::DVector;

use crate::chain::Chain;
pub use stationary::Stationary;
pub use structure::{Class, Structure};

/// What to compute beyond the trajectory and structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Far steps `t` at which to compute `S_t` by repeated squaring.
    pub at: Vec<u64>,
    /// Target sets for the hitting analysis.
    pub targets: Vec<Vec<usize>>,
    /// ε of the mixing times.
    pub epsilon: f64,
    /// Whether to form the fundamental matrix `N` explicitly.
    pub fundamental_matrix: bool,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            at: Vec::new(),
            targets: Vec::new(),
            epsilon: convergence::DEFAULT_EPSILON,
            fundamental_matrix: true,
        }
    }
}

/// The exact answers for one chain, start and horizon.
#[derive(Debug, Clone)]
pub struct Exact {
    /// `S_0 … S_H`.
    pub trajectory: Vec<DVector<f64>>,
    /// `S_t` at each requested `t`, in request order.
    pub at: Vec<(u64, DVector<f64>)>,
    pub structure: Structure,
    /// One per closed class, in class order.
    pub stationary: Vec<Stationary>,
    /// The Cesàro limit from `S_0`.
    pub limit: DVector<f64>,
    /// `‖limit · T − limit‖₁`.
    pub limit_residual: f64,
    /// The transient analysis; `None` when every state is recurrent.
    pub absorbing: Option<absorbing::Absorbing>,
    /// One per requested target set.
    pub hitting: Vec<hitting::Hitting>,
    /// One per closed class.
    pub passage: Vec<passage::Passage>,
    pub convergence: convergence::Convergence,
}

/// Computes every exact result of a run with default options and the given far steps.
///
/// # Examples
///
/// ```
/// use nalgebra::{dmatrix, dvector};
/// use verchain::{analysis, chain::Chain};
///
/// let chain = Chain::new(vec!["a".into(), "b".into()], dmatrix![0.9, 0.1; 0.15, 0.85], 1e-9).unwrap();
/// let exact = analysis::analyze(&chain, &dvector![1.0, 0.0], 3, &[1_000_000]);
/// assert!((exact.at[0].1[0] - 0.6).abs() < 1e-12);
/// assert!((exact.limit[1] - 0.4).abs() < 1e-12);
/// ```
pub fn analyze(chain: &Chain, initial: &DVector<f64>, horizon: usize, at: &[u64]) -> Exact {
    let request = Request {
        at: at.to_vec(),
        ..Request::default()
    };
    analyze_with(chain, initial, horizon, &request)
}

/// Computes every exact result of a run.
pub fn analyze_with(
    chain: &Chain,
    initial: &DVector<f64>,
    horizon: usize,
    request: &Request,
) -> Exact {
    let matrix = chain.matrix();
    let trajectory = transient::trajectory(matrix, initial, horizon);
    let at = request
        .at
        .iter()
        .map(|&t| (t, transient::distribution_at(matrix, initial, t)))
        .collect();
    let structure = Structure::of(matrix);
    let stationary = stationary::stationary_distributions(matrix, &structure);
    let limits = stationary::limits_by_state(matrix, &structure, &stationary);
    let limit = limits.tr_mul(initial);
    let limit_residual = stationary::residual(matrix, &limit);
    let absorbing = absorbing::analyze(matrix, &structure, request.fundamental_matrix);
    let hitting = request
        .targets
        .iter()
        .map(|target| hitting::analyze(matrix, target, horizon, initial))
        .collect();
    let passage = passage::analyze(matrix, &structure, &stationary);
    let convergence = convergence::analyze(
        matrix,
        &structure,
        &trajectory,
        &limit,
        &limits,
        request.epsilon,
    );
    Exact {
        trajectory,
        at,
        structure,
        stationary,
        limit,
        limit_residual,
        absorbing,
        hitting,
        passage,
        convergence,
    }
}

/// A fixed stream of uniform numbers in [0, 1) for the unit tests' random
/// chains: a linear congruential generator, so every run tests the same
/// inputs.
#[cfg(test)]
pub(crate) fn uniform_stream(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}
