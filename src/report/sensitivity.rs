//! Sensitivities for people and programs: a table that ranks, for each
//! metric, the parameters by how much they move it, and `sensitivity.csv`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use crate::sweep::sensitivity::Sensitivity;

use super::files::{WriteError, io_error, write_folder};

/// `θ / m · ∂m/∂θ`: the relative change of the metric per relative change
/// of the parameter; `None` where the metric or the parameter is 0.
pub fn elasticity(value: f64, parameter: f64, derivative: f64) -> Option<f64> {
    (value != 0.0 && parameter != 0.0 && value.is_finite()).then(|| parameter / value * derivative)
}

fn number(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e6) {
        format!("{x:.4e}")
    } else {
        format!("{x:.6}")
    }
}

/// The table: for each metric its value, then the parameters ranked.
pub fn table(scenario: &str, states: &[String], rows: &[Sensitivity]) -> String {
    let mut out = format!(
        "{scenario}: sensitivity of each metric to each parameter (exact derivatives, ranked by |∂m/∂θ|)\n"
    );
    for row in rows {
        let value = match &row.value {
            Ok(v) => number(*v),
            Err(reason) => format!("no value: {reason}"),
        };
        let _ = writeln!(out, "\n{} = {value}", row.metric.display(states));
        let width = row
            .derivatives
            .iter()
            .map(|d| d.0.len())
            .max()
            .unwrap_or(9)
            .max(9);
        let _ = writeln!(
            out,
            "  rank  {:width$}  {:>12}  {:>14}  {:>10}",
            "parameter", "value", "∂m/∂θ", "elasticity"
        );
        for (rank, (name, theta, d)) in row.ranked().into_iter().enumerate() {
            match d {
                Ok(d) => {
                    let e = row
                        .value
                        .as_ref()
                        .ok()
                        .and_then(|&v| elasticity(v, *theta, *d))
                        .map_or("-".to_string(), |e| format!("{e:.4}"));
                    let _ = writeln!(
                        out,
                        "  {:>4}  {name:width$}  {:>12}  {:>14}  {e:>10}",
                        rank + 1,
                        number(*theta),
                        number(*d)
                    );
                }
                Err(reason) => {
                    let _ = writeln!(
                        out,
                        "     -  {name:width$}  {:>12}  {reason}",
                        number(*theta)
                    );
                }
            }
        }
    }
    out
}

/// One ranked pair of a metric and a parameter, as `sensitivity.csv` and
/// `--format json` give it; empty cells (`null`) where there is no value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Record {
    pub metric: String,
    pub value: Option<f64>,
    pub parameter: String,
    pub parameter_value: f64,
    pub derivative: Option<f64>,
    pub elasticity: Option<f64>,
    /// 1 for the parameter that moves the metric most; none without a derivative.
    pub rank: Option<usize>,
}

/// The records of every metric, the parameters ranked within each.
pub fn records(states: &[String], rows: &[Sensitivity]) -> Vec<Record> {
    let mut all = Vec::new();
    for row in rows {
        let value = row.value.as_ref().ok().copied();
        for (rank, (name, theta, d)) in row.ranked().into_iter().enumerate() {
            let derivative = d.as_ref().ok().copied();
            all.push(Record {
                metric: row.metric.display(states),
                value,
                parameter: name.clone(),
                parameter_value: *theta,
                derivative,
                elasticity: value
                    .zip(derivative)
                    .and_then(|(v, d)| elasticity(v, *theta, d)),
                rank: derivative.map(|_| rank + 1),
            });
        }
    }
    all
}

/// `metric, value, parameter, parameter_value, derivative, elasticity, rank`;
/// empty cells where there is no number.
pub fn csv(states: &[String], rows: &[Sensitivity]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in records(states, rows) {
        writer.serialize(record).expect("CSV into memory");
    }
    writer.into_inner().expect("CSV into memory")
}

/// Writes `sensitivity.csv` into `root/<scenario>/`, whole or not at all,
/// keeping every other file there.
///
/// # Errors
///
/// The file could not be written; the folder is then as it was.
pub fn write(
    root: &Path,
    scenario: &str,
    bytes: &[u8],
) -> Result<(PathBuf, Vec<String>), WriteError> {
    let ours = |n: &str| n == "sensitivity.csv";
    write_folder(root, scenario, &ours, |folder| {
        let path = folder.join("sensitivity.csv");
        fs::write(&path, bytes).map_err(io_error(&path))?;
        Ok(vec!["sensitivity.csv".to_string()])
    })
}
