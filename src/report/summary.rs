//! The results of a run as one serializable document.
//!
//! [`Summary`] is what `verchain run --format json` prints and what
//! `summary.json` holds. Its keys are part of verchain's interface: tests and
//! CI read them. States are named, not numbered, and every vector follows the
//! order of `states`.

use serde::Serialize;

use super::fate::{self, AbsorbingSummary, ConvergenceSummary, HittingSummary, PassageSummary};
use crate::analysis::Exact;
use crate::scenario::{Parameter, Scenario};
use crate::simulate::agreement::ChiSquare;
use crate::simulate::counts::COUNTS_STREAM;
use crate::simulate::{Agreement, BLOCK, Mode, Simulation};

/// Everything a run computed.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The scenario's name.
    pub scenario: String,
    pub description: Option<String>,
    /// What one step is.
    pub unit: String,
    pub verchain_version: &'static str,
    pub states: Vec<String>,
    pub parameters: Vec<Parameter>,
    /// The transition matrix, rows are "from" states.
    pub matrix: Vec<Vec<f64>>,
    /// `S_0`.
    pub initial: Vec<f64>,
    pub horizon: usize,
    pub exact: ExactSummary,
    pub structure: StructureSummary,
    /// One vector over all states per closed class, in the order of the
    /// closed classes in `structure.classes`.
    pub stationary: Vec<Vec<f64>>,
    /// `‖π T − π‖₁` for each vector of `stationary`.
    pub stationary_residuals: Vec<f64>,
    /// The long-run (Cesàro) limit reached from `S_0`.
    pub limit: Vec<f64>,
    pub limit_residual: f64,
    /// The transient analysis; `null` when every state is recurrent.
    pub absorbing: Option<AbsorbingSummary>,
    /// One entry per target.
    pub hitting: Vec<HittingSummary>,
    pub passage: PassageSummary,
    pub convergence: ConvergenceSummary,
    /// Stretches of steps under their own transitions; the trajectory
    /// follows them.
    pub phases: Vec<PhaseSummary>,
    /// The scenario's expectations at the base scenario (`verchain check`
    /// also checks them at every phase and sweep point).
    pub expectations: Vec<ExpectationSummary>,
    /// `null` when the simulation is off.
    pub simulation: Option<SimulationSummary>,
    /// With `--trace K`: `trace[w][t]`, the state index of walker `w` after
    /// `t` steps. Written to `trace.csv`, not to the JSON document.
    #[serde(skip)]
    pub trace: Option<Vec<Vec<u32>>>,
}

/// One expectation at the base scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectationSummary {
    /// As written, e.g. `stationary[production] >= 0.3`.
    pub expectation: String,
    /// `null` when the metric has no value here (see `reason`).
    pub holds: Option<bool>,
    /// The metric's value; `null` when it has none or is infinite.
    pub value: Option<f64>,
    /// Why the metric has no value, if so.
    pub reason: Option<String>,
}

/// A phase: the moves out of steps `from ..= to` use `matrix`.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseSummary {
    pub name: String,
    pub from: u64,
    pub to: u64,
    pub matrix: Vec<Vec<f64>>,
}

/// The exact occupancy.
#[derive(Debug, Clone, Serialize)]
pub struct ExactSummary {
    /// `S_0 … S_H`, H + 1 rows of n numbers.
    pub trajectory: Vec<Vec<f64>>,
    /// `S_t` at each `--at T`.
    pub at: Vec<AtSummary>,
}

/// `S_t` at one step.
#[derive(Debug, Clone, Serialize)]
pub struct AtSummary {
    pub t: u64,
    pub distribution: Vec<f64>,
}

/// The chain's classes.
#[derive(Debug, Clone, Serialize)]
pub struct StructureSummary {
    pub classes: Vec<ClassSummary>,
    pub absorbing: Vec<String>,
    pub transient: Vec<String>,
    pub irreducible: bool,
}

/// One communicating class.
#[derive(Debug, Clone, Serialize)]
pub struct ClassSummary {
    pub states: Vec<String>,
    pub closed: bool,
    /// `null` for a single state that lies on no cycle.
    pub period: Option<u64>,
}

/// The Monte Carlo run and its agreement with the exact trajectory.
#[derive(Debug, Clone, Serialize)]
pub struct SimulationSummary {
    pub walkers: u64,
    pub seed: u64,
    /// `walkers` (every version followed) or `counts` (counts drawn directly).
    pub mode: &'static str,
    /// How the random numbers were drawn, so a run can be reproduced.
    pub generator: String,
    /// The versions of the crates that drew them.
    pub crates: Crates,
    /// Simulated fractions, H + 1 rows of n numbers.
    pub occupancy: Vec<Vec<f64>>,
    /// `sqrt(p̂ (1 − p̂) / N)` per entry of `occupancy`.
    pub standard_error: Vec<Vec<f64>>,
    /// The largest `|simulated − exact| / SE` over all steps and states,
    /// with SE taken under the exact occupancy.
    pub max_abs_z: f64,
    pub max_abs_z_step: usize,
    pub max_abs_z_state: String,
    /// 95% Wilson score intervals of `occupancy`.
    pub wilson_lower: Vec<Vec<f64>>,
    pub wilson_upper: Vec<Vec<f64>>,
    /// The z-score of every step and state (see `max_abs_z`).
    pub z: Vec<Vec<f64>>,
    /// Pearson's chi-square of the final occupancy against the exact one.
    pub final_chi_square: ChiSquareSummary,
    /// Simulated share of versions in each absorbing state at the horizon.
    pub absorbed: Vec<Absorbed>,
    /// The simulated hitting times of each target, in the order of
    /// `hitting`.
    pub hitting: Vec<SimulatedHitting>,
}

/// The crate versions behind a simulation's random numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Crates {
    pub rand: &'static str,
    pub rand_distr: &'static str,
    pub chacha20: &'static str,
}

impl Crates {
    /// The versions this build was made with (from `Cargo.lock`).
    pub const BUILT: Crates = Crates {
        rand: env!("VERCHAIN_RAND_VERSION"),
        rand_distr: env!("VERCHAIN_RAND_DISTR_VERSION"),
        chacha20: env!("VERCHAIN_CHACHA20_VERSION"),
    };
}

/// The hitting times of one target in the simulation, beside the exact
/// distribution (`hitting[k].from_initial`).
#[derive(Debug, Clone, Serialize)]
pub struct SimulatedHitting {
    pub target: String,
    /// `pmf[t]`: the share of versions that first reached the target at step `t`.
    pub pmf: Vec<f64>,
    /// `cdf[t]`: the share that had reached it by step `t`.
    pub cdf: Vec<f64>,
    /// The share that had not reached it by the horizon.
    pub not_reached: f64,
    /// The largest distance between the simulated and the exact `cdf`.
    pub max_cdf_difference: f64,
    /// Pearson's test over the steps and "later or never".
    pub chi_square: ChiSquareSummary,
    /// Steps whose |z| exceeds 3; H + 1 stands for "later or never".
    pub disagreeing_steps: Vec<usize>,
}
/// A chi-square test, with the states that disagree named.
#[derive(Debug, Clone, Serialize)]
pub struct ChiSquareSummary {
    pub statistic: f64,
    pub degrees_of_freedom: usize,
    /// Exact; `null` on 0 degrees of freedom (nothing to test).
    pub p_value: Option<f64>,
    /// States whose final |z| exceeds 3 (empty for a hitting time, whose
    /// cells are steps).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disagreeing_states: Vec<String>,
    /// The exact distribution is all in one cell (see
    /// [`ChiSquare::certain`]).
    #[serde(skip)]
    pub certain: bool,
}

impl ChiSquareSummary {
    /// The test's numbers, with no states named.
    fn of(test: &ChiSquare) -> Self {
        Self {
            statistic: test.statistic,
            degrees_of_freedom: test.degrees_of_freedom,
            p_value: test.p_value,
            disagreeing_states: Vec::new(),
            certain: test.certain,
        }
    }
}

/// The share of versions simulated into one absorbing state by the horizon.
#[derive(Debug, Clone, Serialize)]
pub struct Absorbed {
    pub state: String,
    pub simulated: f64,
    pub exact: f64,
}

impl Summary {
    /// Gathers a run's results.
    pub fn new(
        scenario: &Scenario,
        exact: &Exact,
        simulation: Option<(&Simulation, &Agreement)>,
    ) -> Self {
        let states = scenario.states().to_vec();
        let names = |indices: &[usize]| indices.iter().map(|&i| states[i].clone()).collect();
        let vector = |v: &nalgebra::DVector<f64>| v.iter().copied().collect::<Vec<f64>>();

        let structure = StructureSummary {
            classes: exact
                .structure
                .classes
                .iter()
                .map(|class| ClassSummary {
                    states: names(&class.states),
                    closed: class.closed,
                    period: class.period,
                })
                .collect(),
            absorbing: names(&exact.structure.absorbing),
            transient: names(&exact.structure.transient),
            irreducible: exact.structure.is_irreducible(),
        };
        let simulation = simulation.map(|(sim, agreement)| SimulationSummary {
            walkers: sim.walkers,
            seed: sim.seed,
            mode: sim.mode.name(),
            generator: match sim.mode {
                Mode::Counts => format!(
                    "ChaCha8 (rand 0.10), seeded with the seed, stream {COUNTS_STREAM}; conditional \
                     binomials (rand_distr 0.6), walkers moved one by one in states with fewer than 45 n"
                ),
                _ => format!("ChaCha8 (rand 0.10), seeded with the seed, one stream per block of {BLOCK} walkers"),
            },
            occupancy: agreement.occupancy.clone(),
            standard_error: agreement.standard_error.clone(),
            max_abs_z: agreement.max_abs_z,
            max_abs_z_step: agreement.max_abs_z_at.0,
            max_abs_z_state: states[agreement.max_abs_z_at.1].clone(),
            wilson_lower: agreement.wilson_lower.clone(),
            wilson_upper: agreement.wilson_upper.clone(),
            z: agreement.z.clone(),
            crates: Crates::BUILT,
            final_chi_square: ChiSquareSummary {
                disagreeing_states: names(&agreement.final_chi_square.disagreeing),
                ..ChiSquareSummary::of(&agreement.final_chi_square)
            },
            hitting: agreement
                .hitting
                .iter()
                .zip(&scenario.targets)
                .map(|(h, target)| SimulatedHitting {
                    target: target.name.clone(),
                    pmf: h.pmf.clone(),
                    cdf: h.cdf.clone(),
                    not_reached: h.not_reached,
                    max_cdf_difference: h.max_cdf_difference,
                    chi_square: ChiSquareSummary::of(&h.chi_square),
                    disagreeing_steps: h.chi_square.disagreeing.clone(),
                })
                .collect(),
            absorbed: exact
                .structure
                .absorbing
                .iter()
                .map(|&i| Absorbed {
                    state: states[i].clone(),
                    simulated: agreement.occupancy[scenario.horizon][i],
                    exact: exact.trajectory[scenario.horizon][i],
                })
                .collect(),
        });

        let (absorbing, hitting, passage, convergence) = fate::summaries(scenario, exact);
        Self {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            unit: scenario.unit.clone(),
            verchain_version: env!("CARGO_PKG_VERSION"),
            parameters: scenario.parameters.clone(),
            matrix: scenario
                .chain
                .matrix()
                .row_iter()
                .map(|row| row.iter().copied().collect())
                .collect(),
            initial: vector(&scenario.initial),
            horizon: scenario.horizon,
            exact: ExactSummary {
                trajectory: exact.trajectory.iter().map(vector).collect(),
                at: exact
                    .at
                    .iter()
                    .map(|(t, d)| AtSummary {
                        t: *t,
                        distribution: vector(d),
                    })
                    .collect(),
            },
            structure,
            stationary: exact
                .stationary
                .iter()
                .map(|s| vector(&s.distribution))
                .collect(),
            stationary_residuals: exact.stationary.iter().map(|s| s.residual).collect(),
            limit: vector(&exact.limit),
            limit_residual: exact.limit_residual,
            states,
            absorbing,
            hitting,
            passage,
            convergence,
            phases: scenario
                .whatif
                .phases
                .iter()
                .map(|p| PhaseSummary {
                    name: p.name.clone(),
                    from: p.from,
                    to: p.to,
                    matrix: p
                        .chain
                        .matrix()
                        .row_iter()
                        .map(|r| r.iter().copied().collect())
                        .collect(),
                })
                .collect(),
            expectations: Vec::new(),
            simulation,
            trace: None,
        }
    }
}
