//! The chain in the formats other tools read: a PRISM `dtmc` model for a
//! model checker (PRISM, Storm), Graphviz DOT and Mermaid for diagrams, and
//! the validated matrix as JSON or CSV for a notebook.
//!
//! Every exporter reads a [`Model`]: the state names, the row-stochastic
//! matrix (rows are "from" states) and `S_0`, as validated by the scenario
//! reader, so an exported chain is always a valid Markov chain. The
//! exporters are pure: they return text and write nothing.

mod diagram;
mod prism;
mod tables;

use serde::Serialize;

pub use diagram::{dot, mermaid, probability_label};
pub use prism::prism;
pub use tables::{csv, json, table};

use super::Summary;
use crate::scenario::Scenario;

/// A validated chain with what the exports name: the scenario's name,
/// description and unit.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// The scenario's name.
    pub scenario: String,
    pub description: Option<String>,
    /// What one step is.
    pub unit: String,
    pub states: Vec<String>,
    /// `matrix[i][j]`: the probability of moving from state `i` to state `j`.
    pub matrix: Vec<Vec<f64>>,
    /// `S_0`.
    pub initial: Vec<f64>,
}

impl Model {
    /// The chain of a validated scenario.
    pub fn of(scenario: &Scenario) -> Self {
        Self {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            unit: scenario.unit.clone(),
            states: scenario.states().to_vec(),
            matrix: scenario
                .chain
                .matrix()
                .row_iter()
                .map(|row| row.iter().copied().collect())
                .collect(),
            initial: scenario.initial.iter().copied().collect(),
        }
    }

    /// The chain of a run's summary.
    pub fn of_summary(summary: &Summary) -> Self {
        Self {
            scenario: summary.scenario.clone(),
            description: summary.description.clone(),
            unit: summary.unit.clone(),
            states: summary.states.clone(),
            matrix: summary.matrix.clone(),
            initial: summary.initial.clone(),
        }
    }

    /// Whether state `i` keeps every version it holds (`T[i][i] = 1`).
    pub fn is_absorbing(&self, i: usize) -> bool {
        self.matrix[i][i] == 1.0
    }

    /// The moves of state `i` with a positive probability, as `(j, T[i][j])`.
    pub fn edges(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.matrix[i]
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, p)| p > 0.0)
    }
}

/// The formats `verchain export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// The matrix as aligned text, for reading in a terminal
    Table,
    /// A PRISM `dtmc` model with a label per state (PRISM, Storm)
    Prism,
    /// A Graphviz DOT digraph (`dot -Tsvg`)
    Dot,
    /// A Mermaid flowchart (renders in GitHub and GitLab Markdown)
    Mermaid,
    /// The states, the matrix and S_0 as one JSON document
    Json,
    /// The matrix as CSV: a `from` column, then one column per state
    Csv,
}

/// The chain in the format `target`.
pub fn render(model: &Model, target: Target) -> String {
    match target {
        Target::Table => table(model),
        Target::Prism => prism(model),
        Target::Dot => dot(model),
        Target::Mermaid => mermaid(model),
        Target::Json => json(model),
        Target::Csv => csv(model),
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::Model;
    use crate::scenario::Scenario;

    /// The seed article's chain with `p = 0.5`, plus an absorbing state.
    pub fn model(initial: &str) -> Model {
        let text = format!(
            "name: seed\nunit: cycle\nstates: [develop, test, deploy, update, \"retired \\\"old\\\"\"]\n\
             transitions:\n  develop: {{test: 1}}\n  test: {{deploy: 0.5, update: 0.5}}\n\
             \x20 deploy: {{test: 0.3, update: 0.6, 'retired \"old\"': 0.1}}\n\
             \x20 update: {{test: 0.8, deploy: 0.2}}\n  'retired \"old\"': absorbing\n\
             initial: {initial}\n"
        );
        Model::of(&Scenario::parse(&text, "seed").unwrap())
    }
}
