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

use std::collections::BTreeMap;
use std::sync::Arc;

use nalgebra::{DMatrix, DVector};

use super::build::{Problems, unknown_key, whole_number};
use super::rows::{self, Rows};
use super::yaml::{Node, Position, Value};
use super::{MAX_HORIZON, Problem, Shown};
use crate::chain::Chain;
use crate::sweep::expect::Expectation;
use crate::sweep::metric::{self, Metric};

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

/// The base scenario's rows as written, to evaluate with other values.
#[derive(Debug)]
pub struct Template {
    states: Vec<String>,
    tolerance: f64,
    values: BTreeMap<String, f64>,
    /// `transitions` (a mapping) or `matrix` (a list), as written.
    rows: Node,
    rows_key: Position,
    from_list: bool,
    initial: Option<Node>,
}

/// A chain evaluated from the template.
pub type Variant = (Chain, DVector<f64>);

impl Template {
    /// The base values of the parameters.
    pub fn values(&self) -> &BTreeMap<String, f64> {
        &self.values
    }

    /// Evaluates the rows with some parameters set to other values and some
    /// rows (`transitions` entries) replaced, and checks the result like the
    /// base chain.
    ///
    /// # Errors
    ///
    /// Every problem of the evaluated rows, at the line of the entry or of
    /// the replacing row.
    pub fn evaluate(
        &self,
        overrides: &[(String, f64)],
        replaced: &[(Node, Node)],
    ) -> Result<Variant, Vec<Problem>> {
        let mut values = self.values.clone();
        for (name, value) in overrides {
            values.insert(name.clone(), *value);
        }
        let rows = Rows {
            states: &self.states,
            parameters: &values,
            tolerance: self.tolerance,
        };
        let mut problems = Problems::default();
        let matrix = if self.from_list {
            rows.matrix_from_list(&self.rows, &mut problems)
        } else if replaced.is_empty() {
            rows.matrix_from_transitions(&self.rows, self.rows_key, &mut problems)
        } else {
            let node = with_rows(&self.rows, replaced);
            rows.matrix_from_transitions(&node, self.rows_key, &mut problems)
        };
        let initial = match &self.initial {
            Some(node) => rows.initial(node, &mut problems),
            None => Some(rows::first_state(self.states.len())),
        };
        match (matrix, initial) {
            (Some(matrix), Some(initial)) if problems.0.is_empty() => {
                finish(self.states.clone(), matrix, initial, self.tolerance)
            }
            _ => Err(problems.0),
        }
    }
}

impl Template {
    /// `E = ∂T/∂θ` at the parameter values `values`, entry by entry, each
    /// expression differentiated exactly; `rest` gives minus the sum of its
    /// row's other derivatives.
    ///
    /// # Errors
    ///
    /// An entry that does not evaluate, or a row whose derivatives do not
    /// sum to 0 (a row that stays stochastic only at this value of `wrt`),
    /// named by its state.
    pub fn derivative(
        &self,
        values: &BTreeMap<String, f64>,
        wrt: &str,
    ) -> Result<DMatrix<f64>, String> {
        let n = self.states.len();
        let mut e = DMatrix::zeros(n, n);
        let slope = |node: &Node| -> Result<Option<f64>, String> {
            match &node.value {
                Value::String(s) if s == "rest" => Ok(None),
                Value::String(s) => super::expr::derivative(s, values, wrt)
                    .map(|(_, d)| Some(d))
                    .map_err(|e| e.to_string()),
                _ => Ok(Some(0.0)),
            }
        };
        let index = |node: &Node| {
            let name = node
                .as_str()
                .map_or_else(|| node.describe(), str::to_string);
            self.states.iter().position(|s| *s == name)
        };
        let mut fill = |from: usize, row: Vec<(usize, Option<f64>)>| -> Result<(), String> {
            let known: f64 = row.iter().filter_map(|(_, d)| *d).sum();
            let rest = row.iter().find(|(_, d)| d.is_none()).map(|(to, _)| *to);
            for (to, d) in &row {
                e[(from, *to)] = d.unwrap_or(-known);
            }
            if rest.is_none() && known.abs() > 1e-12 {
                return Err(format!(
                    "the row of `{}` sums to 1 only at this value of `{wrt}`: its entries' \
                     derivatives sum to {}, not 0",
                    self.states[from],
                    Shown(known)
                ));
            }
            Ok(())
        };
        match &self.rows.value {
            Value::Sequence(rows) => {
                for (from, row) in rows.iter().enumerate() {
                    if let Value::Sequence(items) = &row.value {
                        let row = items
                            .iter()
                            .enumerate()
                            .map(|(to, item)| Ok((to, slope(item)?)))
                            .collect::<Result<Vec<_>, String>>()?;
                        fill(from, row)?;
                    }
                }
            }
            Value::Mapping(rows) => {
                for (key, row) in rows {
                    let (Some(from), Value::Mapping(entries)) = (index(key), &row.value) else {
                        continue;
                    };
                    let row = entries
                        .iter()
                        .filter_map(|(to, item)| index(to).map(|to| (to, item)))
                        .map(|(to, item)| Ok((to, slope(item)?)))
                        .collect::<Result<Vec<_>, String>>()?;
                    fill(from, row)?;
                }
            }
            _ => {}
        }
        Ok(e)
    }
}

/// Rows and `S_0` within the tolerance, rescaled to sum to exactly 1, as a chain.
pub(super) fn finish(
    states: Vec<String>,
    mut matrix: DMatrix<f64>,
    mut initial: DVector<f64>,
    tolerance: f64,
) -> Result<Variant, Vec<Problem>> {
    for mut row in matrix.row_iter_mut() {
        let sum = row.sum();
        row /= sum;
    }
    let total = initial.sum();
    initial /= total;
    Chain::new(states, matrix, tolerance)
        .map(|chain| (chain, initial))
        .map_err(|e| {
            vec![Problem::new(
                Position::default(),
                format!("the chain is not valid: {e}"),
            )]
        })
}

/// `transitions` with the rows named in `replaced` taken from there.
fn with_rows(transitions: &Node, replaced: &[(Node, Node)]) -> Node {
    let Value::Mapping(entries) = &transitions.value else {
        return transitions.clone();
    };
    let mut entries = entries.clone();
    for (key, row) in replaced {
        match entries.iter_mut().find(|(k, _)| k.value == key.value) {
            Some(entry) => *entry = (key.clone(), row.clone()),
            // An unknown state: its row is checked, and reported, there.
            None => entries.push((key.clone(), row.clone())),
        }
    }
    Node {
        value: Value::Mapping(entries),
        position: transitions.position,
    }
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
        sweep: sweeps.and_then(|n| sweep(n, base, problems)),
        phases: phases
            .map(|n| read_phases(n, base, &template, problems))
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

const SWEEP_KEYS: [&str; 2] = ["parameters", "metrics"];

fn sweep(node: &Node, base: &Base, problems: &mut Problems) -> Option<Sweep> {
    let Value::Mapping(entries) = &node.value else {
        problems.wrong_kind(node, "sweeps", "a mapping with `parameters` and `metrics`");
        return None;
    };
    let (mut axes, mut metrics, mut ok) = (None, Vec::new(), true);
    for (key, value) in entries {
        match key.as_str() {
            Some("parameters") => axes = sweep_axes(value, base, problems),
            Some("metrics") => match sweep_metrics(value, base.states, problems) {
                Some(m) => metrics = m,
                None => ok = false,
            },
            _ => unknown_key(key, "sweeps", &SWEEP_KEYS, problems),
        }
    }
    let Some(axes) = axes else {
        if ok {
            problems.push(
                Problem::new(node.position, "`sweeps` has no `parameters`").help(
                    "give the values of at least one parameter, e.g. `parameters: {p: [0.5, 0.6]}`",
                ),
            );
        }
        return None;
    };
    if metrics.is_empty() {
        metrics = metric::expand(Metric::Stationary(Vec::new()), base.states.len());
    }
    let points = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
    match points {
        Some(n) if n <= MAX_SWEEP_POINTS => {}
        _ => {
            problems.push(
                Problem::new(
                    node.position,
                    format!("the sweep has more than {MAX_SWEEP_POINTS} points"),
                )
                .help("take fewer values per parameter, or cut the grid into several scenarios"),
            );
            return None;
        }
    }
    ok.then_some(Sweep {
        axes,
        metrics,
        position: node.position,
    })
}

fn sweep_axes(node: &Node, base: &Base, problems: &mut Problems) -> Option<Vec<Axis>> {
    let Value::Mapping(entries) = &node.value else {
        problems.wrong_kind(
            node,
            "sweeps.parameters",
            "a mapping of parameters to their values",
        );
        return None;
    };
    let before = problems.0.len();
    let mut axes = Vec::new();
    for (key, value) in entries {
        let name = key.as_str().unwrap_or_default();
        let Some(parameter) = base.parameters.iter().find(|p| p.name == name) else {
            let names: Vec<&str> = base.parameters.iter().map(|p| p.name.as_str()).collect();
            let near = super::expr::closest(name, names.iter().copied());
            problems.push(
                Problem::new(
                    key.position,
                    format!(
                        "`sweeps` names `{}`, which is not a parameter",
                        key.describe().trim_matches('"')
                    ),
                )
                .label(near.map_or("not in `parameters`".to_string(), |n| {
                    format!("did you mean `{n}`?")
                }))
                .help(if names.is_empty() {
                    "declare it under `parameters` first".to_string()
                } else {
                    format!("the parameters are: {}", names.join(", "))
                }),
            );
            continue;
        };
        let Some(values) = axis_values(value, name, problems) else {
            continue;
        };
        let (inside, excluded): (Vec<f64>, Vec<f64>) = values
            .into_iter()
            .partition(|v| parameter.range.is_none_or(|(lo, hi)| (lo..=hi).contains(v)));
        if inside.is_empty() {
            let (lo, hi) = parameter.range.unwrap_or_default();
            problems.push(
                Problem::new(
                    value.position,
                    format!(
                        "every value of `{name}` in `sweeps` lies outside its range [{lo}, {hi}]"
                    ),
                )
                .help("sweep values inside the range, or widen `range` if the policy allows it"),
            );
            continue;
        }
        axes.push(Axis {
            parameter: name.to_string(),
            values: inside,
            excluded,
            position: key.position,
        });
    }
    (problems.0.len() == before && !axes.is_empty()).then_some(axes)
}

/// `[v, ...]`, `{from, to, step}` or `{from, to, count, scale: log}`.
fn axis_values(node: &Node, name: &str, problems: &mut Problems) -> Option<Vec<f64>> {
    let key = format!("sweeps.parameters.{name}");
    match &node.value {
        Value::Sequence(items) if !items.is_empty() => {
            let values: Option<Vec<f64>> = items
                .iter()
                .map(|i| i.as_number().filter(|v| v.is_finite()))
                .collect();
            if values.is_none() {
                problems.wrong_kind(node, &key, "a list of numbers");
            }
            values
        }
        Value::Mapping(entries) => {
            let mut fields: BTreeMap<&str, &Node> = BTreeMap::new();
            for (k, v) in entries {
                match k.as_str() {
                    Some(f @ ("from" | "to" | "step" | "count" | "scale")) => {
                        fields.insert(f, v);
                    }
                    _ => unknown_key(
                        k,
                        &format!("`{key}`"),
                        &["from", "to", "step", "count", "scale"],
                        problems,
                    ),
                }
            }
            range_values(node, &key, &fields, problems)
        }
        _ => {
            problems.wrong_kind(
                node,
                &key,
                "a list of values, `{from, to, step}` or `{from, to, count, scale: log}`",
            );
            None
        }
    }
}

fn range_values(
    node: &Node,
    key: &str,
    fields: &BTreeMap<&str, &Node>,
    problems: &mut Problems,
) -> Option<Vec<f64>> {
    let number = |f: &str| {
        fields
            .get(f)
            .and_then(|n| n.as_number())
            .filter(|v| v.is_finite())
    };
    let bad = |problems: &mut Problems, message: String| {
        problems.push(Problem::new(node.position, format!("`{key}`: {message}")).help(
            "write `{from: 0.1, to: 0.5, step: 0.1}`, or `{from: 0.001, to: 0.1, count: 5, scale: log}` for log-spaced values",
        ));
        None
    };
    let (Some(from), Some(to)) = (number("from"), number("to")) else {
        return bad(problems, "needs numbers `from` and `to`".to_string());
    };
    if from > to {
        return bad(problems, format!("`from` ({from}) is above `to` ({to})"));
    }
    let log = match fields.get("scale").map(|n| n.as_str()) {
        None | Some(Some("linear")) => false,
        Some(Some("log")) => true,
        Some(_) => return bad(problems, "`scale` is `linear` or `log`".to_string()),
    };
    let count = match (fields.get("count"), number("step")) {
        (Some(c), None) => {
            whole_number(c, &format!("{key}.count"), MAX_AXIS_VALUES as u64, problems)? as usize
        }
        (None, Some(step)) if step > 0.0 && !log => {
            // (0.7 - 0.55) / 0.025 is 5.999999999999998 in floating point:
            // a count within rounding of a whole number is that number.
            let ratio = (to - from) / step;
            let steps = if (ratio - ratio.round()).abs() <= 1e-9 * ratio.max(1.0) {
                ratio.round()
            } else {
                ratio.floor()
            };
            if steps >= MAX_AXIS_VALUES as f64 {
                return bad(
                    problems,
                    format!("step {step} gives more than {MAX_AXIS_VALUES} values"),
                );
            }
            // Values from + k·step (not repeated addition, which drifts),
            // rounded to 12 significant digits so that 0.55 + 2 · 0.025
            // reads 0.6, not 0.6000000000000001.
            return Some(
                (0..=steps as usize)
                    .map(|k| tidy(from + k as f64 * step).min(to.max(from)))
                    .collect(),
            );
        }
        (None, Some(step)) if !log => {
            return bad(problems, format!("`step` is {}, not above 0", Shown(step)));
        }
        _ => {
            return bad(
                problems,
                "give either `step` (linear) or `count`".to_string(),
            );
        }
    };
    if count == 0 || (count == 1 && from != to) {
        return bad(
            problems,
            format!("`count` is {count}: give at least 2 values, or 1 with from = to"),
        );
    }
    if log && from <= 0.0 {
        return bad(
            problems,
            format!("log-spaced values need `from` above 0, not {from}"),
        );
    }
    let at = |k: usize| {
        let f = if count == 1 {
            0.0
        } else {
            k as f64 / (count - 1) as f64
        };
        match (k, log) {
            (0, _) => from,
            (k, _) if k + 1 == count => to,
            (_, true) => tidy((from.ln() + f * (to.ln() - from.ln())).exp()),
            (_, false) => tidy(from + f * (to - from)),
        }
    };
    Some((0..count).map(at).collect())
}

/// `x` rounded to 12 significant digits.
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

fn sweep_metrics(node: &Node, states: &[String], problems: &mut Problems) -> Option<Vec<Metric>> {
    let Value::Sequence(items) = &node.value else {
        problems.wrong_kind(
            node,
            "sweeps.metrics",
            "a list of metrics such as `stationary`",
        );
        return None;
    };
    let mut metrics = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(text) = item.as_str() else {
            problems.wrong_kind(
                item,
                "an entry of `sweeps.metrics`",
                "a metric such as `stationary`",
            );
            ok = false;
            continue;
        };
        let parsed = metric::parse_whole(text, states);
        match parsed {
            Ok(m) => metrics.extend(metric::expand(m, states.len())),
            Err(e) => {
                ok = false;
                problems.push(
                    Problem::new(inside(item, text, e.column), format!("in `sweeps.metrics`, `{}`: {}", text.trim(), e.message))
                        .label("here")
                        .help("a metric is `stationary`, `occupancy at 20`, `absorption[s]`, `hitting[s].probability`, `hitting[s].expected`, `mixing_time`; `[s]` names states, `from a` a start"),
                );
            }
        }
    }
    let mut unique = Vec::new();
    for m in metrics {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    ok.then_some(unique)
}

const PHASE_KEYS: [&str; 5] = ["name", "from", "to", "parameters", "transitions"];

fn read_phases(
    node: &Node,
    base: &Base,
    template: &Template,
    problems: &mut Problems,
) -> Vec<Phase> {
    let Value::Sequence(items) = &node.value else {
        problems.wrong_kind(
            node,
            "phases",
            "a list of phases, each with `from`, `to` and `transitions` or `parameters`",
        );
        return Vec::new();
    };
    let mut phases: Vec<Phase> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(phase) = phase(item, index, base, template, problems) else {
            continue;
        };
        if let Some(other) = phases
            .iter()
            .find(|p| p.from <= phase.to && phase.from <= p.to)
        {
            problems.push(
                Problem::new(
                    item.position,
                    format!(
                        "phase `{}` (steps {} to {}) overlaps phase `{}` (steps {} to {})",
                        phase.name, phase.from, phase.to, other.name, other.from, other.to
                    ),
                )
                .help("each step follows one policy: make the phases' steps disjoint"),
            );
            continue;
        }
        phases.push(phase);
    }
    phases.sort_by_key(|p| p.from);
    phases
}

fn phase(
    item: &Node,
    index: usize,
    base: &Base,
    template: &Template,
    problems: &mut Problems,
) -> Option<Phase> {
    let Value::Mapping(entries) = &item.value else {
        problems.wrong_kind(
            item,
            "a phase",
            "a mapping with `from`, `to` and `transitions` or `parameters`",
        );
        return None;
    };
    let before = problems.0.len();
    let (mut name, mut from, mut to) = (format!("phase {}", index + 1), None, None);
    let (mut overrides, mut replaced) = (Vec::new(), Vec::new());
    for (key, value) in entries {
        match key.as_str() {
            Some("name") => match value.as_str() {
                Some(n) => name = n.to_string(),
                None => problems.wrong_kind(value, "phase name", "a string"),
            },
            Some("from") => from = whole_number(value, "from", MAX_HORIZON as u64, problems),
            Some("to") => to = whole_number(value, "to", MAX_HORIZON as u64, problems),
            Some("parameters") => overrides = phase_parameters(value, base, problems),
            Some("transitions") if base.from_list => problems.push(
                Problem::new(key.position, "a phase can replace rows only of a scenario written with `transitions`")
                    .help("write the base scenario's rows under `transitions`, or change the phase through `parameters`"),
            ),
            Some("transitions") => match &value.value {
                Value::Mapping(rows) => replaced.clone_from(rows),
                _ => problems.wrong_kind(value, "phase transitions", "a mapping from states to their rows"),
            },
            _ => unknown_key(key, &format!("phase `{name}`"), &PHASE_KEYS, problems),
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        if problems.0.len() == before {
            problems.push(
                Problem::new(
                    item.position,
                    format!("phase `{name}` needs `from` and `to`"),
                )
                .help("the phase governs the moves out of steps `from` to `to`, both included"),
            );
        }
        return None;
    };
    if from > to {
        problems.push(Problem::new(
            item.position,
            format!("phase `{name}`: `from` ({from}) is after `to` ({to})"),
        ));
    }
    if problems.0.len() != before {
        return None;
    }
    match template.evaluate(&overrides, &replaced) {
        Ok((chain, _)) => Some(Phase {
            name,
            from,
            to,
            chain,
            parameters: overrides,
            replaced,
            position: item.position,
        }),
        Err(found) => {
            for mut problem in found {
                problem.message = format!("in phase `{name}`: {}", problem.message);
                problems.push(problem);
            }
            None
        }
    }
}

fn phase_parameters(node: &Node, base: &Base, problems: &mut Problems) -> Vec<(String, f64)> {
    let Value::Mapping(entries) = &node.value else {
        problems.wrong_kind(
            node,
            "phase parameters",
            "a mapping of parameters to values",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let name = key.as_str().unwrap_or_default();
        let Some(parameter) = base.parameters.iter().find(|p| p.name == name) else {
            let names: Vec<&str> = base.parameters.iter().map(|p| p.name.as_str()).collect();
            problems.push(
                Problem::new(
                    key.position,
                    format!("phase sets `{name}`, which is not a parameter"),
                )
                .help(format!("the parameters are: {}", names.join(", "))),
            );
            continue;
        };
        match value.as_number().filter(|v| v.is_finite()) {
            Some(v)
                if parameter
                    .range
                    .is_none_or(|(lo, hi)| (lo..=hi).contains(&v)) =>
            {
                out.push((name.to_string(), v))
            }
            Some(v) => {
                let (lo, hi) = parameter.range.unwrap_or_default();
                problems.push(
                    Problem::new(
                        value.position,
                        format!("phase sets `{name}` to {v}, outside its range [{lo}, {hi}]"),
                    )
                    .label("out of range"),
                );
            }
            None => problems.wrong_kind(value, &format!("phase parameter `{name}`"), "a number"),
        }
    }
    out
}
