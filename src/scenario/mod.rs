//! Scenario files: what a policy owner writes, read and checked.
//!
//! A scenario is YAML. Reading it takes two stages, so that every problem in
//! a file can be reported at once with its line and column:
//!
//! 1. [`yaml`] turns the text into a tree of nodes that remember where they
//!    stand (serde-saphyr, with budgets against hostile input);
//! 2. `build` checks the tree's meaning (known keys, known states,
//!    probabilities, row sums, expressions) and either returns a [`Scenario`],
//!    whose [`Chain`] is a valid Markov chain, or every [`Problem`] it found.
//!
//! ```
//! use verchain::scenario::Scenario;
//!
//! let text = "
//! states: [develop, test, deploy]
//! parameters:
//!   p: 0.6
//! transitions:
//!   develop: {test: 1}
//!   test: {deploy: p, develop: rest}
//!   deploy: absorbing
//! ";
//! let scenario = Scenario::parse(text, "example").unwrap();
//! assert_eq!(scenario.chain.matrix()[(1, 0)], 1.0 - 0.6);
//! assert_eq!(scenario.horizon, 20);
//! ```

mod build;
pub mod expr;
mod rows;
pub mod schema;
pub mod whatif;
pub mod yaml;

use nalgebra::DVector;
use serde::Serialize;
use thiserror::Error;

use crate::chain::Chain;
use crate::limits::Limits;
pub use build::{MAX_NAME_BYTES, MAX_STATE_BYTES, TOP_LEVEL_KEYS, is_safe_name};
pub use yaml::Position;

/// Steps followed when a scenario names no `horizon`.
pub const DEFAULT_HORIZON: usize = 20;
/// Simulated versions when a scenario names no `simulation.walkers`.
pub const DEFAULT_WALKERS: u64 = 100_000;
/// The seed used when a scenario names none; every report states it.
pub const DEFAULT_SEED: u64 = 2024;
/// The largest horizon accepted by default (`--max-horizon` raises it):
/// every step is a row of the tables, the JSON and the charts. Far steps are
/// computed with `--at` instead. Occupancy metrics (`occupancy[s] at T`) and
/// phases reach at most this far whatever the limit.
pub const MAX_HORIZON: usize = 10_000;
/// The most targets a scenario may name: the simulation keeps one bit of a
/// 64-bit word per target for each walker.
pub const MAX_TARGETS: usize = 64;

/// A validated scenario: a chain, a start and what to compute.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Names the output folder; safe as a single path component.
    pub name: String,
    pub description: Option<String>,
    /// What one step is ("step", "week", "release cycle").
    pub unit: String,
    pub parameters: Vec<Parameter>,
    pub chain: Chain,
    /// `S_0`, a distribution over the chain's states.
    pub initial: DVector<f64>,
    pub horizon: usize,
    pub simulation: SimulationSettings,
    /// How far a row sum may be from 1.
    pub tolerance: f64,
    /// Sets of states whose hitting times are analysed.
    pub targets: Vec<Target>,
    /// ε of the mixing times.
    pub epsilon: f64,
    /// Expectations, sweeps and phases.
    pub whatif: whatif::WhatIf,
}

/// A target of the hitting analysis: one state or a set of states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The state's name, or the set's names in braces: `{deploy, update}`.
    pub name: String,
    /// State indices, increasing.
    pub states: Vec<usize>,
}

impl Target {
    /// A target from state indices, named from the chain's state names.
    pub fn new(mut states: Vec<usize>, names: &[String]) -> Self {
        states.sort_unstable();
        states.dedup();
        let name = match states.as_slice() {
            [single] => names[*single].clone(),
            many => format!(
                "{{{}}}",
                many.iter()
                    .map(|&i| names[i].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Self { name, states }
    }
}

/// A named policy number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    pub value: f64,
    /// Values a what-if may take, inclusive.
    pub range: Option<(f64, f64)>,
    pub description: Option<String>,
}

/// How to run the Monte Carlo simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SimulationSettings {
    /// Independent versions simulated; 0 turns simulation off.
    pub walkers: u64,
    pub seed: u64,
    /// Walker by walker, as counts, or chosen by the number of walkers.
    pub mode: crate::simulate::Mode,
}

/// One thing wrong with a scenario, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// What is wrong, with the state, row and numbers involved.
    pub message: String,
    /// Where it is; line 0 when the problem concerns the whole file.
    pub position: Position,
    /// A short note to print under the offending text ("sums to 1.5").
    pub label: Option<String>,
    /// What would fix it.
    pub help: Option<String>,
}

impl Problem {
    pub(crate) fn new(position: Position, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            position,
            label: None,
            help: None,
        }
    }

    fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// A number as a message shows it: at most 12 significant digits, so that a
/// sum of 1.2000000000000002 reads 1.2.
pub(crate) struct Shown(pub f64);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rounded: f64 = format!("{:.11e}", self.0).parse().unwrap_or(self.0);
        write!(f, "{rounded}")
    }
}

/// Why a scenario could not be read.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The text is not YAML, breaks a budget, or repeats a key.
    #[error("not valid YAML: {0}")]
    Yaml(#[from] serde_saphyr::Error),
    /// The YAML is well formed but does not describe a valid scenario.
    #[error("{} problem{} in the scenario", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Invalid(Vec<Problem>),
}

impl Scenario {
    /// Reads and validates a scenario from YAML text.
    ///
    /// `default_name` names the scenario when the file does not (the CLI
    /// passes the file's stem).
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Yaml`] for text that is not YAML; otherwise
    /// [`ScenarioError::Invalid`] with every problem found.
    pub fn parse(text: &str, default_name: &str) -> Result<Self, ScenarioError> {
        Self::parse_within(text, default_name, &Limits::default())
    }

    /// As [`parse`](Self::parse), under `limits`: too many states (or chains
    /// larger than `limits.memory`) are refused as soon as `states` is read,
    /// before any matrix is built, and a horizon above `limits.horizon` is a
    /// problem like any other.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse); a limit exceeded is one of the problems.
    pub fn parse_within(
        text: &str,
        default_name: &str,
        limits: &Limits,
    ) -> Result<Self, ScenarioError> {
        let root = yaml::parse(text)?;
        build::build(&root, default_name, limits).map_err(ScenarioError::Invalid)
    }

    /// The names of the chain's states.
    pub fn states(&self) -> &[String] {
        self.chain.states()
    }

    /// The state indices of each target, as the analyses and simulations
    /// take them.
    pub fn target_states(&self) -> Vec<Vec<usize>> {
        self.targets.iter().map(|t| t.states.clone()).collect()
    }
}
