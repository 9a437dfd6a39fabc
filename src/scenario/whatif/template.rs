//! The base scenario's rows as written, evaluated again with other
//! parameter values or with some rows replaced, and differentiated.

use std::collections::{BTreeMap, BTreeSet};

use nalgebra::{DMatrix, DVector};

use crate::chain::Chain;
use crate::scenario::build::Problems;
use crate::scenario::rows::{self, Rows};
use crate::scenario::yaml::{Node, Position, Value};
use crate::scenario::{Problem, Shown};

/// The base scenario's rows as written, to evaluate with other values.
#[derive(Debug)]
pub struct Template {
    pub(super) states: Vec<String>,
    pub(super) tolerance: f64,
    pub(super) values: BTreeMap<String, f64>,
    /// `transitions` (a mapping) or `matrix` (a list), as written.
    pub(super) rows: Node,
    pub(super) rows_key: Position,
    pub(super) from_list: bool,
    pub(super) initial: Option<Node>,
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
            refused: &BTreeSet::new(),
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
    /// row's other derivatives. `replaced` rows (a phase's) stand in for
    /// the base rows of their states.
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
        replaced: &[(Node, Node)],
    ) -> Result<DMatrix<f64>, String> {
        let n = self.states.len();
        let replaced_rows;
        let written = if replaced.is_empty() {
            &self.rows
        } else {
            replaced_rows = with_rows(&self.rows, replaced);
            &replaced_rows
        };
        let mut e = DMatrix::zeros(n, n);
        let slope = |node: &Node| -> Result<Option<f64>, String> {
            match &node.value {
                Value::String(s) if s == "rest" => Ok(None),
                Value::String(s) => crate::scenario::expr::derivative(s, values, wrt)
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
        match &written.value {
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
