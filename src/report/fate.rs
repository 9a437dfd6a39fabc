//! The serializable form of the time-and-fate answers: absorption, hitting,
//! passage and convergence.
//!
//! Infinite expectations are written as the string `"infinite"` and
//! undefined ones (the expected time to a target never reached) as `null`,
//! since JSON has no infinity; states are named, and vectors follow the
//! order of `states` unless a field says otherwise.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use crate::analysis::Exact;
use crate::analysis::absorbing::Solver;
use crate::analysis::convergence::{MixingTime, Slem};
use crate::analysis::hitting::{Hitting, Quantile};
use crate::scenario::Scenario;

/// A number of steps that may be infinite.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Steps {
    Finite(f64),
    /// Written as `"infinite"`.
    Infinite(&'static str),
}

impl Steps {
    fn of(value: f64) -> Option<Self> {
        if value.is_nan() {
            None
        } else if value.is_infinite() {
            Some(Steps::Infinite("infinite"))
        } else {
            Some(Steps::Finite(value))
        }
    }
}

/// The transient analysis; rows follow `transient`.
#[derive(Debug, Clone, Serialize)]
pub struct AbsorbingSummary {
    pub transient: Vec<String>,
    /// The closed classes, the columns of `probabilities`.
    pub closed_classes: Vec<Vec<String>>,
    /// `N = (I − Q)⁻¹`, expected visits to each transient state.
    pub fundamental_matrix: Option<Vec<Vec<f64>>>,
    /// Expected steps in transient states before absorption.
    pub expected_steps: Vec<f64>,
    pub variance_steps: Vec<f64>,
    /// Probability of ending in each closed class.
    pub probabilities: Vec<Vec<f64>>,
    pub residual: f64,
    /// How `t`, its variance and the probabilities were solved.
    pub solver: SolverSummary,
}

/// How the absorbing analysis was solved (see [`crate::analysis::krylov`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SolverSummary {
    /// State reduction without subtraction.
    Elimination,
    /// GMRES, every entry certified to a relative error of 1e-12.
    Gmres { products: usize },
}

impl From<Solver> for SolverSummary {
    fn from(solver: Solver) -> Self {
        match solver {
            Solver::Elimination => Self::Elimination,
            Solver::Krylov { products } => Self::Gmres { products },
        }
    }
}

/// The hitting analysis of one target.
#[derive(Debug, Clone, Serialize)]
pub struct HittingSummary {
    /// The target's name: a state, or a set as `{a, b}`.
    pub target: String,
    pub target_states: Vec<String>,
    /// Per start state: the probability of ever reaching the target.
    pub probability: Vec<f64>,
    /// Per start state: `E[τ]`, `"infinite"` when the target may be missed.
    pub expected_steps: Vec<Option<Steps>>,
    /// Per start state: `E[τ | τ < ∞]`, `null` when never reached.
    pub expected_steps_if_reached: Vec<Option<Steps>>,
    /// `pmf[t][i] = P(τ = t | X_0 = i)`, t = 0 … H.
    pub pmf: Vec<Vec<f64>>,
    /// `cdf[t][i] = P(τ ≤ t | X_0 = i)`.
    pub cdf: Vec<Vec<f64>>,
    /// Per start state: the 50th, 90th and 99th percentiles of τ.
    pub quantiles: Vec<Vec<Quantile>>,
    /// The same answers for a start drawn from `S_0`.
    pub from_initial: FromInitial,
    pub residual: f64,
}

/// Hitting answers for a start drawn from `S_0`.
#[derive(Debug, Clone, Serialize)]
pub struct FromInitial {
    pub probability: f64,
    pub expected_steps: Option<Steps>,
    pub expected_steps_if_reached: Option<Steps>,
    pub pmf: Vec<f64>,
    pub cdf: Vec<f64>,
    pub quantiles: Vec<Quantile>,
}

/// Passage times within closed classes, over all states.
#[derive(Debug, Clone, Serialize)]
pub struct PassageSummary {
    /// `m[i][j]`: expected steps to first reach `j` from `i`, for `i` and `j`
    /// in one closed class (diagonal 0); `null` elsewhere, or for a class
    /// too large to compute.
    pub mean_first_passage: Vec<Vec<Option<f64>>>,
    /// `1 / π_j` for states in closed classes, `null` for transient states.
    pub mean_recurrence: Vec<Option<f64>>,
}

/// How fast the chain settles.
#[derive(Debug, Clone, Serialize)]
pub struct ConvergenceSummary {
    pub epsilon: f64,
    /// `½ ‖S_t − limit‖₁`, t = 0 … H.
    pub tv_distance: Vec<f64>,
    pub mixing_time: MixingTime,
    pub mixing_time_worst_start: MixingTime,
    pub slem: Vec<SlemSummary>,
}

/// The second largest eigenvalue modulus of one closed class.
#[derive(Debug, Clone, Serialize)]
pub struct SlemSummary {
    pub class: Vec<String>,
    pub slem: Option<f64>,
    pub spectral_gap: Option<f64>,
    pub note: String,
    /// Non-empty when the class is nearly decomposable.
    pub weakly_coupled_groups: Vec<Vec<String>>,
}

fn rows(matrix: &DMatrix<f64>) -> Vec<Vec<f64>> {
    matrix
        .row_iter()
        .map(|r| r.iter().copied().collect())
        .collect()
}

fn vector(v: &DVector<f64>) -> Vec<f64> {
    v.iter().copied().collect()
}

/// The four summaries of a run.
pub fn summaries(
    scenario: &Scenario,
    exact: &Exact,
) -> (
    Option<AbsorbingSummary>,
    Vec<HittingSummary>,
    PassageSummary,
    ConvergenceSummary,
) {
    let states = scenario.states();
    let names =
        |indices: &[usize]| -> Vec<String> { indices.iter().map(|&i| states[i].clone()).collect() };

    let absorbing = exact.absorbing.as_ref().map(|a| AbsorbingSummary {
        transient: names(&a.transient),
        closed_classes: a
            .closed_classes
            .iter()
            .map(|&c| names(&exact.structure.classes[c].states))
            .collect(),
        fundamental_matrix: a.fundamental_matrix.as_ref().map(rows),
        expected_steps: vector(&a.expected_steps),
        variance_steps: vector(&a.variance_steps),
        probabilities: rows(&a.probabilities),
        residual: a.residual,
        solver: a.solver.into(),
    });

    let hitting = exact
        .hitting
        .iter()
        .zip(&scenario.targets)
        .map(|(h, target)| hitting_summary(h, &target.name, &names(&h.target), &scenario.initial))
        .collect();

    let n = states.len();
    let mut mean_first_passage = vec![vec![None; n]; n];
    let mut mean_recurrence = vec![None; n];
    for p in &exact.passage {
        for (a, &i) in p.states.iter().enumerate() {
            mean_recurrence[i] = Some(p.mean_recurrence[a]);
            if let Some(m) = &p.mean_first_passage {
                for (b, &j) in p.states.iter().enumerate() {
                    mean_first_passage[i][j] = Some(m[(a, b)]);
                }
            }
        }
    }
    let passage = PassageSummary {
        mean_first_passage,
        mean_recurrence,
    };

    let c = &exact.convergence;
    let slem = |s: &Slem| SlemSummary {
        class: names(&exact.structure.classes[s.class].states),
        slem: s.slem,
        spectral_gap: s.spectral_gap,
        note: s.note.clone(),
        weakly_coupled_groups: s.weakly_coupled_groups.iter().map(|g| names(g)).collect(),
    };
    let convergence = ConvergenceSummary {
        epsilon: c.epsilon,
        tv_distance: c.tv_distance.clone(),
        mixing_time: c.mixing_time,
        mixing_time_worst_start: c.mixing_time_worst_start,
        slem: c.slem.iter().map(slem).collect(),
    };
    (absorbing, hitting, passage, convergence)
}

fn hitting_summary(
    h: &Hitting,
    name: &str,
    target_states: &[String],
    initial: &DVector<f64>,
) -> HittingSummary {
    let per_state = |v: &DVector<f64>| v.iter().map(|&x| Steps::of(x)).collect();
    HittingSummary {
        target: name.to_string(),
        target_states: target_states.to_vec(),
        probability: vector(&h.probability),
        expected_steps: per_state(&h.expected_steps),
        expected_steps_if_reached: per_state(&h.expected_steps_if_reached),
        pmf: h.pmf.iter().map(vector).collect(),
        cdf: h.cdf.iter().map(vector).collect(),
        quantiles: h.quantiles.clone(),
        from_initial: FromInitial {
            probability: h.probability_from(initial),
            expected_steps: Steps::of(h.expected_steps_from(initial)),
            expected_steps_if_reached: Steps::of(h.expected_steps_if_reached_from(initial)),
            pmf: h.pmf_from(initial),
            cdf: h.cdf_from(initial),
            quantiles: h.quantiles_from_initial.clone(),
        },
        residual: h.residual,
    }
}
