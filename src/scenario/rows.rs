//! Checking the transition rows and the initial distribution.
//!
//! An entry is a number, a parameter name, an arithmetic expression, or
//! `rest` (one minus the other entries of its row). A row written under
//! `transitions` may name its targets in any order and leave out the zeros; a
//! row of `matrix` lists all `n` entries in state order. Either way the row is
//! then checked the same way: every entry a probability, at most one `rest`,
//! and a sum within the tolerance of 1.

use std::collections::{BTreeMap, BTreeSet};

use nalgebra::{DMatrix, DVector};

use super::build::Problems;
use super::expr::{ExprError, closest, evaluate};
use super::yaml::{Node, Position, Value, misread_hint};
use super::{MAX_TARGETS, Problem, Shown, Target};

/// What the row checks need to know about the scenario.
pub(super) struct Rows<'a> {
    pub(super) states: &'a [String],
    pub(super) parameters: &'a BTreeMap<String, f64>,
    /// Parameters declared with a value that was refused: an entry that
    /// uses one has nothing to add to the parameter's own problem.
    pub(super) refused: &'a BTreeSet<String>,
    pub(super) tolerance: f64,
}

/// One entry before `rest` is resolved.
enum Entry {
    Value(f64),
    Rest,
}

/// How a message names a row: "the row of `test`", or "`initial`" for S_0.
fn place(from: &str) -> String {
    if from == "initial" {
        "`initial`".to_string()
    } else {
        format!("the row of `{from}`")
    }
}

/// `S_0` with everything in the first state.
pub(super) fn first_state(n: usize) -> DVector<f64> {
    let mut initial = DVector::zeros(n);
    initial[0] = 1.0;
    initial
}

impl Rows<'_> {
    /// The matrix from `transitions: {from: {to: entry}}`; `transitions_key` is where the
    /// `transitions` key stands, the place to name for rows that are missing.
    pub(super) fn matrix_from_transitions(
        &self,
        node: &Node,
        transitions_key: Position,
        problems: &mut Problems,
    ) -> Option<DMatrix<f64>> {
        let Value::Mapping(entries) = &node.value else {
            problems.wrong_kind(node, "transitions", "a mapping from each state to its row");
            return None;
        };
        let n = self.states.len();
        let before = problems.0.len();
        let mut matrix = DMatrix::zeros(n, n);
        let mut positions: Vec<Option<Position>> = vec![None; n];
        // Rows read without a problem: only their sums mean anything.
        let mut complete = vec![false; n];
        // An entry left unread without a problem of its own (it uses a
        // parameter whose value was refused): the matrix is not whole.
        let mut unread = false;

        for (key, row_node) in entries {
            let Some(from) = self.state(key, "transitions", problems) else {
                continue;
            };
            let row_before = problems.0.len();
            positions[from] = Some(key.position);
            let name = &self.states[from];
            match &row_node.value {
                Value::String(s) if s == "absorbing" => {
                    matrix[(from, from)] = 1.0;
                    complete[from] = true;
                }
                Value::Mapping(targets) => {
                    let mut row: Vec<Option<Entry>> = (0..n).map(|_| None).collect();
                    let mut read_all = true;
                    for (to_node, entry_node) in targets {
                        let Some(to) = self.state(to_node, &format!("the row of `{name}`"), problems) else {
                            continue;
                        };
                        row[to] = self.entry(entry_node, name, &self.states[to], problems);
                        read_all &= row[to].is_some();
                    }
                    if let Some(values) = self.resolve_row(row, name, key.position, problems) {
                        matrix.row_mut(from).copy_from_slice(&values);
                    }
                    unread |= !read_all;
                    complete[from] = read_all && problems.0.len() == row_before;
                }
                _ => problems.push(
                    Problem::new(
                        row_node.position,
                        format!(
                            "the row of `{name}` must be a mapping of next states to probabilities, \
                             or `absorbing`, but it is {}",
                            row_node.describe()
                        ),
                    )
                    .help(match row_node.as_str() {
                        Some(w) if w.starts_with("absorb") || closest(w, ["absorbing"]).is_some() => {
                            format!("did you mean `{name}: absorbing`?")
                        }
                        _ => {
                            let next = &self.states[(from + 1) % self.states.len()];
                            format!("for example `{name}: {{{name}: 0.5, {next}: rest}}`")
                        }
                    }),
                ),
            }
        }

        for (state, position) in self.states.iter().zip(&positions) {
            if position.is_none() {
                problems.push(
                    Problem::new(
                        transitions_key,
                        format!("state `{state}` has no row in `transitions`"),
                    )
                    .help(format!(
                        "give it a row, or write `{state}: absorbing` if versions stay there"
                    )),
                );
            }
        }
        self.check_sums(&matrix, &positions, &complete, problems);
        (problems.0.len() == before && !unread).then_some(matrix)
    }

    /// The matrix from `matrix: [[...], ...]`, rows in state order.
    pub(super) fn matrix_from_list(
        &self,
        node: &Node,
        problems: &mut Problems,
    ) -> Option<DMatrix<f64>> {
        let n = self.states.len();
        let Value::Sequence(rows) = &node.value else {
            problems.wrong_kind(node, "matrix", "a list of rows");
            return None;
        };
        if rows.len() != n {
            problems.push(
                Problem::new(
                    node.position,
                    format!("`matrix` has {} rows, but there are {n} states", rows.len()),
                )
                .help("give one row per state, in the order of `states`"),
            );
            // Which row is whose is unclear, but a row's length is not.
            for (k, row_node) in rows.iter().enumerate() {
                if let Value::Sequence(items) = &row_node.value
                    && items.len() != n
                {
                    problems.push(
                        Problem::new(
                            row_node.position,
                            format!(
                                "row {} of `matrix` has {}, but there are {n} states",
                                k + 1,
                                crate::words::count_as(items.len() as u64, "entry", "entries")
                            ),
                        )
                        .help(format!(
                            "give one entry per state, in the order of `states`: {n} in all"
                        )),
                    );
                }
            }
            return None;
        }
        let before = problems.0.len();
        let mut matrix = DMatrix::zeros(n, n);
        let mut positions = Vec::with_capacity(n);
        // Rows read without a problem: only their sums mean anything.
        let mut complete = vec![false; n];
        // See `matrix_from_transitions`.
        let mut unread = false;
        for (from, row_node) in rows.iter().enumerate() {
            let row_before = problems.0.len();
            positions.push(Some(row_node.position));
            let name = &self.states[from];
            let Value::Sequence(items) = &row_node.value else {
                problems.wrong_kind(
                    row_node,
                    &format!("the row of `{name}`"),
                    "a list of numbers",
                );
                continue;
            };
            if items.len() != n {
                problems.push(
                    Problem::new(
                        row_node.position,
                        format!(
                            "the row of `{name}` has {}, but there are {n} states",
                            crate::words::count_as(items.len() as u64, "entry", "entries")
                        ),
                    )
                    .label(crate::words::count_as(
                        items.len() as u64,
                        "entry",
                        "entries",
                    ))
                    .help(format!(
                        "give one entry per state, in the order of `states`: {n} in all"
                    )),
                );
                continue;
            }
            let row: Vec<Option<Entry>> = items
                .iter()
                .zip(self.states)
                .map(|(item, to)| self.entry(item, name, to, problems))
                .collect();
            let read_all = row.iter().all(Option::is_some);
            if let Some(values) = self.resolve_row(row, name, row_node.position, problems) {
                matrix.row_mut(from).copy_from_slice(&values);
            }
            unread |= !read_all;
            complete[from] = read_all && problems.0.len() == row_before;
        }
        self.check_sums(&matrix, &positions, &complete, problems);
        (problems.0.len() == before && !unread).then_some(matrix)
    }

    /// `S_0` from a state name, a mapping state → probability, or a list.
    pub(super) fn initial(&self, node: &Node, problems: &mut Problems) -> Option<DVector<f64>> {
        let n = self.states.len();
        let before = problems.0.len();
        let mut entries: Vec<Option<Entry>> = (0..n).map(|_| None).collect();
        match &node.value {
            Value::String(_) => {
                let index = self.state(node, "initial", problems)?;
                let mut initial = DVector::zeros(n);
                initial[index] = 1.0;
                return Some(initial);
            }
            Value::Mapping(pairs) => {
                for (key, value) in pairs {
                    if let Some(index) = self.state(key, "initial", problems) {
                        entries[index] =
                            self.entry(value, "initial", &self.states[index], problems);
                    }
                }
            }
            Value::Sequence(items) if items.len() == n => {
                for (index, item) in items.iter().enumerate() {
                    entries[index] = self.entry(item, "initial", &self.states[index], problems);
                }
            }
            Value::Sequence(items) => {
                problems.push(
                    Problem::new(
                        node.position,
                        format!("`initial` lists {} numbers, but there are {n} states", items.len()),
                    )
                    .label(format!("{} numbers", items.len()))
                    .help("give one probability per state, in the order of `states`, or a mapping such as `{develop: 1}`"),
                );
            }
            _ => problems.wrong_kind(
                node,
                "initial",
                "a state name, a mapping of states to probabilities, or a list",
            ),
        }
        if problems.0.len() != before {
            return None;
        }
        let initial =
            DVector::from_vec(self.resolve_row(entries, "initial", node.position, problems)?);
        let sum = initial.sum();
        if (sum - 1.0).abs() > self.tolerance {
            let sum = Shown(sum);
            problems.push(
                Problem::new(node.position, format!("`initial` sums to {sum}, not 1"))
                    .label(format!("sums to {sum}"))
                    .help(
                        "the starting distribution must put a total probability of 1 on the states; \
                         write `rest` for the one that takes what is left",
                    ),
            );
            return None;
        }
        Some(initial)
    }

    /// `targets: [state, [state, state], ...]`: each entry one state or a set.
    pub(super) fn targets(&self, node: &Node, problems: &mut Problems) -> Vec<Target> {
        let Value::Sequence(items) = &node.value else {
            problems.wrong_kind(node, "targets", "a list of states or of lists of states");
            return Vec::new();
        };
        let mut targets: Vec<Target> = Vec::new();
        for item in items {
            let members: Vec<&Node> = match &item.value {
                Value::Sequence(set) if !set.is_empty() => set.iter().collect(),
                Value::Sequence(_) => {
                    problems.push(Problem::new(item.position, "an empty set of target states"));
                    continue;
                }
                _ => vec![item],
            };
            let indices: Option<Vec<usize>> = members
                .iter()
                .map(|m| self.state(m, "targets", problems))
                .collect();
            if let Some(indices) = indices {
                let target = Target::new(indices, self.states);
                if !targets.contains(&target) {
                    targets.push(target);
                }
            }
        }
        if targets.len() > MAX_TARGETS {
            problems.push(
                Problem::new(
                    node.position,
                    format!(
                        "{} targets, more than the {MAX_TARGETS} one run can follow",
                        targets.len()
                    ),
                )
                .help("analyse the targets in several scenarios or runs"),
            );
        }
        targets
    }

    /// The index of the state a key names, or a problem with a suggestion.
    fn state(&self, node: &Node, within: &str, problems: &mut Problems) -> Option<usize> {
        let name = match &node.value {
            Value::String(s) => s.clone(),
            Value::Integer(_) | Value::Float(_) | Value::Bool(_) => node.describe(),
            _ => {
                problems.wrong_kind(node, within, "a state name");
                return None;
            }
        };
        if let Some(index) = self.states.iter().position(|s| *s == name) {
            return Some(index);
        }
        let problem = Problem::new(node.position, format!("unknown state `{name}` in {within}"));
        let problem = match closest(&name, self.states.iter().map(String::as_str)) {
            Some(suggestion) => problem.label(format!("did you mean `{suggestion}`?")),
            None => problem.label("not in `states`"),
        };
        problems.push(problem.help(format!("the states are: {}", self.states.join(", "))));
        None
    }

    /// One entry of the row of `from`, the move to `to`.
    fn entry(&self, node: &Node, from: &str, to: &str, problems: &mut Problems) -> Option<Entry> {
        if node.as_str() == Some("rest") {
            return Some(Entry::Rest);
        }
        self.probability(node, &place(from), to, problems)
            .map(Entry::Value)
    }

    /// A number or expression that must be a probability.
    fn probability(
        &self,
        node: &Node,
        within: &str,
        to: &str,
        problems: &mut Problems,
    ) -> Option<f64> {
        let value = match &node.value {
            Value::Integer(_) | Value::Float(_) => node.as_number()?,
            Value::String(text) => match evaluate(text, self.parameters) {
                Ok(v) => v,
                Err(ExprError::UnknownParameter { name, .. }) if self.refused.contains(&name) => {
                    return None;
                }
                Err(e) => {
                    let help = if text.trim() == "absorbing" {
                        "`absorbing` stands for a whole row: write `state: absorbing` for a state \
                         that keeps its versions, instead of a map of entries"
                            .to_string()
                    } else {
                        misread_hint(text).unwrap_or_else(|| {
                            "an entry is a number, a parameter, an expression such as `1 - p`, \
                             or `rest`"
                                .to_string()
                        })
                    };
                    problems.push(
                        Problem::new(node.position, format!("in {within}, entry `{to}`: {e}"))
                            .label("cannot evaluate")
                            .help(help),
                    );
                    return None;
                }
            },
            _ => {
                problems.wrong_kind(
                    node,
                    &format!("the entry `{to}` in {within}"),
                    "a probability",
                );
                return None;
            }
        };
        // Expressions such as `1 - 0.7 - 0.3` may land a rounding error below 0.
        let slack = self.tolerance;
        if !value.is_finite() || value < -slack || value > 1.0 + slack {
            let help = not_a_probability_help(value);
            let value = Shown(value);
            problems.push(
                Problem::new(
                    node.position,
                    format!(
                        "in {within}, entry `{to}` is {value}, which is not a probability in [0, 1]"
                    ),
                )
                .label(format!("= {value}"))
                .help(help),
            );
            return None;
        }
        // `+ 0.0` turns the -0.0 of an expression such as `-p` into 0.0.
        Some(value.clamp(0.0, 1.0) + 0.0)
    }

    /// Replaces `rest` by what the row leaves; a missing entry is 0.
    fn resolve_row(
        &self,
        row: Vec<Option<Entry>>,
        from: &str,
        position: Position,
        problems: &mut Problems,
    ) -> Option<Vec<f64>> {
        let rests = row
            .iter()
            .filter(|e| matches!(e, Some(Entry::Rest)))
            .count();
        if rests > 1 {
            problems.push(
                Problem::new(
                    position,
                    format!("{} uses `rest` {rests} times", place(from)),
                )
                .help("`rest` may stand for one entry of a row only"),
            );
            return None;
        }
        let known: f64 = row
            .iter()
            .map(|e| match e {
                Some(Entry::Value(v)) => *v,
                _ => 0.0,
            })
            .sum();
        let rest = 1.0 - known;
        if rests == 1 && rest < -self.tolerance {
            let (rest, known) = (Shown(rest), Shown(known));
            problems.push(
                Problem::new(
                    position,
                    format!(
                        "`rest` in {} would be {rest}: the other entries already sum to {known}",
                        place(from)
                    ),
                )
                .label(format!("others sum to {known}"))
                .help("lower the other entries so that they sum to at most 1"),
            );
            return None;
        }
        Some(
            row.into_iter()
                .map(|e| match e {
                    Some(Entry::Value(v)) => v,
                    Some(Entry::Rest) => rest.max(0.0),
                    None => 0.0,
                })
                .collect(),
        )
    }

    /// Every `complete` row (read without a problem) must sum to 1; say so
    /// when the columns do instead, which only a wholly read matrix shows.
    fn check_sums(
        &self,
        matrix: &DMatrix<f64>,
        positions: &[Option<Position>],
        complete: &[bool],
        problems: &mut Problems,
    ) {
        let off = |sum: f64| (sum - 1.0).abs() > self.tolerance;
        let columns_sum_to_one =
            complete.iter().all(|&c| c) && matrix.column_iter().all(|c| !off(c.sum()));
        for (i, row) in matrix.row_iter().enumerate() {
            let sum = row.sum();
            if !complete[i] || !off(sum) {
                continue;
            }
            let sum = Shown(sum);
            let name = &self.states[i];
            let mut problem = Problem::new(
                positions[i].unwrap_or_default(),
                format!(
                    "row `{name}` sums to {sum}, not 1 (tolerance {:e})",
                    self.tolerance
                ),
            )
            .label(format!("sums to {sum}"));
            problem = if columns_sum_to_one {
                problem.help(
                    "every column sums to 1 instead: the matrix looks transposed. Rows must be \
                     \"from\" states: row i holds the probabilities of moving from state i",
                )
            } else {
                problem.help(format!(
                    "the probabilities of leaving `{name}` must sum to 1; fix an entry, or write \
                     `rest` for the one that takes what is left"
                ))
            };
            problems.push(problem);
        }
    }
}

/// What to do about an entry that is not a probability, by what it is.
fn not_a_probability_help(value: f64) -> String {
    if value.is_nan() {
        "`.nan` is not a number: write a probability from 0 to 1".to_string()
    } else if value.is_infinite() {
        "the entry is infinite (`.inf`, or a number such as 1e999 too large for a double): \
         write a probability from 0 to 1"
            .to_string()
    } else if value > 1.0 && value <= 100.0 {
        // 40 is most likely 40 %; 1.5 may be a slip as well as 1.5 %.
        format!(
            "a probability lies from 0 to 1; if {} is meant as a percentage, write {}",
            Shown(value),
            Shown(value / 100.0)
        )
    } else {
        "a probability lies from 0 to 1; write `rest` for the entry that takes what the row \
         leaves"
            .to_string()
    }
}
