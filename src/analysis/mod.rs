//! Exact results: where versions are after `t` steps, the chain's structure,
//! where it settles.
//!
//! Everything here is deterministic linear algebra on a validated [`Chain`];
//! nothing is random and nothing is printed. [`analyze`] runs the whole set a
//! `verchain run` reports.

pub mod absorbing;
pub mod stationary;
pub mod structure;
pub mod transient;

use nalgebra::DVector;

use crate::chain::Chain;
pub use stationary::Stationary;
pub use structure::{Class, Structure};

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
}

/// Computes every exact result of a run.
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
    let matrix = chain.matrix();
    let trajectory = transient::trajectory(matrix, initial, horizon);
    let at = at
        .iter()
        .map(|&t| (t, transient::distribution_at(matrix, initial, t)))
        .collect();
    let structure = Structure::of(matrix);
    let stationary = stationary::stationary_distributions(matrix, &structure);
    let limit = stationary::long_run_limit(matrix, &structure, &stationary, initial);
    let limit_residual = stationary::residual(matrix, &limit);
    Exact {
        trajectory,
        at,
        structure,
        stationary,
        limit,
        limit_residual,
    }
}
