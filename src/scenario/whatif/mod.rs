//! The what-if parts of a scenario: `expect`, `sweeps` and `phases`.
//!
//! They are read after the base chain is valid, since they name its states
//! and parameters. A [`Template`] keeps the base scenario's rows as written,
//! so that the same rows can be evaluated again with other parameter values
//! (a sweep point) or with some rows replaced (a phase), and checked exactly
//! like the base chain, each problem at its own line.
//!
//! ```yaml
//! expect:
//!   - stationary[production] >= 0.3
//! sweeps:
//!   parameters:
//!     canary_pass: {from: 0.3, to: 0.7, step: 0.1}
//!   metrics: [stationary, "hitting[production].expected from candidate"]
//! phases:
//!   - name: freeze
//!     from: 3          # the moves out of steps 3 … 7
//!     to: 7
//!     transitions:
//!       candidate: {candidate: 0.9, archived: 0.1}
//! ```

mod phases;
mod sweeps;
mod template;

use std::sync::Arc;

use super::build::Problems;
use super::yaml::{Node, Position, Value};
use super::{MAX_HORIZON, Problem};
use crate::chain::Chain;
use crate::sweep::expect::Expectation;
use crate::sweep::metric::Metric;

pub use template::{Template, Variant};

/// The most points a sweep may have.
pub const MAX_SWEEP_POINTS: usize = 10_000_000;
/// The most values one parameter of a sweep may take.
const MAX_AXIS_VALUES: usize = 1_000_000;

/// The what-if parts of a scenario.
#[derive(Debug, Clone, Default)]
pub struct WhatIf {
    /// Properties checked for the base chain, every phase and every sweep point.
    pub expectations: Vec<Expect>,
    pub sweep: Option<Sweep>,
    /// In step order, not overlapping.
    pub phases: Vec<Phase>,
    /// The rows as written, to evaluate again; `None` for a scenario built
    /// in code.
    pub template: Option<Arc<Template>>,
}

/// An expectation and where it is written.
#[derive(Debug, Clone)]
pub struct Expect {
    pub expectation: Expectation,
    pub position: Position,
}

/// A grid of parameter values and the metrics to collect at each point.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// One axis per parameter; the first varies slowest.
    pub axes: Vec<Axis>,
    /// The metrics, one column each (`stationary` expanded per state).
    pub metrics: Vec<Metric>,
    /// Whether each point also runs the scenario's Monte Carlo simulation.
    pub simulate: bool,
    pub position: Position,
}

/// The values one parameter takes in a sweep.
#[derive(Debug, Clone)]
pub struct Axis {
    pub parameter: String,
    /// Inside the parameter's range; values outside it were left out.
    pub values: Vec<f64>,
    /// Values given that the parameter's range excludes.
    pub excluded: Vec<f64>,
    pub position: Position,
}

impl Sweep {
    /// The number of points: the product of the axes' lengths.
    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    /// Whether the grid has no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The parameter values of point `index`, the last axis varying fastest.
    pub fn point(&self, mut index: usize) -> Vec<(String, f64)> {
        let mut values = vec![(String::new(), 0.0); self.axes.len()];
        for (k, axis) in self.axes.iter().enumerate().rev() {
            let n = axis.values.len();
            values[k] = (axis.parameter.clone(), axis.values[index % n]);
            index /= n;
        }
        values
    }
}

/// A stretch of steps under its own transitions.
#[derive(Debug, Clone)]
pub struct Phase {
    pub name: String,
    /// The moves out of steps `from ..= to` use this phase's chain:
    /// `S_{t+1} = S_t · T_phase` for `from ≤ t ≤ to`.
    pub from: u64,
    pub to: u64,
    pub chain: Chain,
    /// Parameter values that differ from the base scenario.
    pub parameters: Vec<(String, f64)>,
    /// The rows it replaces, as written (to evaluate at a sweep point).
    pub replaced: Vec<(Node, Node)>,
    pub position: Position,
}

/// What [`read`] needs of the base scenario.
pub(super) struct Base<'a> {
    pub states: &'a [String],
    pub parameters: &'a [super::Parameter],
    pub tolerance: f64,
    pub rows: &'a Node,
    pub rows_key: Position,
    pub from_list: bool,
    pub initial: Option<&'a Node>,
}

/// Reads `expect`, `sweeps` and `phases` of a scenario whose base chain is valid.
pub(super) fn read(
    base: &Base,
    expect: Option<&Node>,
    sweeps: Option<&Node>,
    phases: Option<&Node>,
    problems: &mut Problems,
) -> WhatIf {
    let template = Arc::new(Template {
        states: base.states.to_vec(),
        tolerance: base.tolerance,
        values: base
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.value))
            .collect(),
        rows: base.rows.clone(),
        rows_key: base.rows_key,
        from_list: base.from_list,
        initial: base.initial.cloned(),
    });
    WhatIf {
        expectations: expect
            .map(|n| expectations(n, base.states, problems))
            .unwrap_or_default(),
        sweep: sweeps.and_then(|n| sweeps::sweep(n, base, problems)),
        phases: phases
            .map(|n| phases::read_phases(n, base, &template, problems))
            .unwrap_or_default(),
        template: Some(template),
    }
}

/// The position of character `column` (1-based) of a string node's text:
/// on the node's line, one further for a quoted scalar.
fn inside(node: &Node, text: &str, column: usize) -> Position {
    let quoted = node
        .position
        .span
        .is_some_and(|(_, len)| len >= text.len() + 2);
    let shift = column - 1 + usize::from(quoted);
    let byte: usize = text.chars().take(column - 1).map(char::len_utf8).sum();
    Position {
        line: node.position.line,
        column: node.position.column + shift as u64,
        span: node.position.span.map(|(offset, len)| {
            let start = offset + byte + usize::from(quoted);
            (start, (offset + len).saturating_sub(start).max(1))
        }),
    }
}

fn expectations(node: &Node, states: &[String], problems: &mut Problems) -> Vec<Expect> {
    let Value::Sequence(items) = &node.value else {
        problems.wrong_kind(
            node,
            "expect",
            "a list of properties such as `stationary[deploy] >= 0.3`",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let Some(text) = item.as_str() else {
            problems.wrong_kind(
                item,
                "an entry of `expect`",
                "a property such as `mixing_time <= 12`",
            );
            continue;
        };
        match Expectation::parse(text, states) {
            Ok(expectation) => out.push(Expect {
                expectation,
                position: item.position,
            }),
            Err(e) => problems.push(
                Problem::new(
                    inside(item, text, e.column),
                    format!("in `expect`, `{}`: {}", text.trim(), e.message),
                )
                .label("here")
                .help(
                    "a property is a metric, a comparison and a number: `stationary[s] >= 0.3`, \
                     `occupancy[s] at 20 <= 0.05`, `absorption[s] from a >= 0.9`, \
                     `hitting[s].probability from a >= 0.5` (or .expected, .expected_if_reached), \
                     `mixing_time <= 12`",
                ),
            ),
        }
    }
    out
}
