//! The files of a fit, written all or none: `fit.json` (every number),
//! `counts.csv` (the counts and intervals behind every entry),
//! `holding.csv` (jump chain: how long versions stayed) and `fitted.yaml`,
//! a scenario that `verchain run` takes as it is.
//!
//! They go through the same staging folder and swap as a run's files
//! ([`super::files`]), so a fit that fails leaves earlier results as they were.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::files::{WriteError, io_error, write_folder};
use super::tables::table;
use crate::fit::{FitSummary, Semantics};

/// Every file a fit may write; `holding.csv` only for the jump chain.
pub const FIT_FILES: [&str; 4] = ["fit.json", "counts.csv", "holding.csv", "fitted.yaml"];

/// Writes the fit's files under `root/folder_name/`; returns that folder
/// and the names of the files written.
///
/// # Errors
///
/// The first file that could not be written, with its path; the
/// destination folder is then as it was.
pub fn write_fit(
    root: &Path,
    folder_name: &str,
    summary: &FitSummary,
    source: &str,
    fitted_yaml: &str,
) -> Result<(PathBuf, Vec<&'static str>), WriteError> {
    let ours = |name: &str| FIT_FILES.contains(&name);
    write_folder(root, folder_name, &ours, |staging| {
        stage(staging, summary, source, fitted_yaml)
    })
}

/// The text of `fit.json`: `source`, the history as it was named, then
/// every field of the summary.
pub fn fit_json(summary: &FitSummary, source: &str) -> String {
    #[derive(Serialize)]
    struct FitFile<'a> {
        source: &'a str,
        #[serde(flatten)]
        summary: &'a FitSummary,
    }
    serde_json::to_string_pretty(&FitFile { source, summary })
        .expect("a fit summary always serializes")
}

/// The history named in an earlier `fit.json` at `path`, if it names one.
pub fn previous_source(path: &Path) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.get("source")?.as_str().map(str::to_string)
}

fn stage(
    folder: &Path,
    summary: &FitSummary,
    source: &str,
    fitted_yaml: &str,
) -> Result<Vec<&'static str>, WriteError> {
    let mut written = Vec::new();
    let path = folder.join("fit.json");
    let mut json = fit_json(summary, source);
    json.push('\n');
    fs::write(&path, json).map_err(io_error(&path))?;
    written.push("fit.json");
    written.push(table(folder, "counts.csv", counts_rows(summary))?);
    if summary.semantics == Semantics::Jump {
        written.push(table(folder, "holding.csv", holding_rows(summary))?);
    }
    let path = folder.join("fitted.yaml");
    fs::write(&path, fitted_yaml).map_err(io_error(&path))?;
    written.push("fitted.yaml");
    Ok(written)
}

fn optional(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| x.to_string())
}

/// One row per entry: `chain,from,to,count,row_total,estimate,lower,upper`,
/// and `declared` with a policy; `chain` states the step semantics (`jump`,
/// `rows`, `step 1 week`).
pub fn counts_rows(summary: &FitSummary) -> Vec<Vec<String>> {
    let estimate = &summary.estimate;
    let declared = summary.comparison.as_ref().map(|c| &c.declared);
    let chain = match summary.semantics {
        Semantics::Jump => "jump".to_string(),
        Semantics::Rows => "rows".to_string(),
        Semantics::Step { step } => format!("step {}", summary.time.format_duration(step)),
    };
    let mut header: Vec<String> = [
        "chain",
        "from",
        "to",
        "count",
        "row_total",
        "estimate",
        "lower",
        "upper",
    ]
    .map(String::from)
    .to_vec();
    if declared.is_some() {
        header.push("declared".into());
    }
    let mut rows = vec![header];
    for (i, row) in estimate.rows.iter().enumerate() {
        for (j, to) in estimate.states.iter().enumerate() {
            let mut record = vec![
                chain.clone(),
                row.state.clone(),
                to.clone(),
                row.counts[j].to_string(),
                row.total.to_string(),
                row.probabilities[j].to_string(),
                optional(row.lower[j]),
                optional(row.upper[j]),
            ];
            if let Some(declared) = declared {
                record.push(declared[i][j].to_string());
            }
            rows.push(record);
        }
    }
    rows
}

/// One row per state: the holding times, in days or steps.
pub fn holding_rows(summary: &FitSummary) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "state",
            "unit",
            "completed",
            "censored",
            "mean_completed",
            "mean_exponential",
            "p10",
            "p25",
            "median",
            "p75",
            "p90",
            "longest",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for h in &summary.holding {
        let mut record = vec![
            h.state.clone(),
            summary.holding_unit.to_string(),
            h.completed.to_string(),
            h.censored.to_string(),
            optional(h.mean_completed),
            optional(h.mean_exponential),
        ];
        record.extend(h.quantiles.iter().map(|&q| optional(q)));
        record.push(optional(h.longest));
        rows.push(record);
    }
    rows
}

/// Pairs serialized as a mapping, in their order.
struct Ordered<V>(Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum FittedRow {
    Absorbing(&'static str),
    Entries(Ordered<f64>),
}

#[derive(Serialize)]
struct FittedScenario<'a> {
    name: &'a str,
    description: String,
    unit: String,
    states: &'a [String],
    transitions: Ordered<FittedRow>,
    initial: Ordered<f64>,
}

/// The fitted chain as a scenario that `verchain run` accepts: every
/// nonzero entry, declared absorbing rows as `absorbing`, and the share of
/// versions starting in each state as `initial`.
pub fn fitted_scenario(summary: &FitSummary, name: &str, source: &str) -> String {
    let estimate = &summary.estimate;
    let transitions = estimate
        .rows
        .iter()
        .map(|row| {
            let value = if row.absorbing {
                FittedRow::Absorbing("absorbing")
            } else {
                FittedRow::Entries(Ordered(
                    estimate
                        .states
                        .iter()
                        .zip(&row.probabilities)
                        .filter(|(_, p)| **p > 0.0)
                        .map(|(s, &p)| (s.clone(), p))
                        .collect(),
                ))
            };
            (row.state.clone(), value)
        })
        .collect();
    let initial = estimate
        .states
        .iter()
        .zip(&estimate.initial)
        .filter(|(_, p)| **p > 0.0)
        .map(|(s, &p)| (s.clone(), p))
        .collect();
    let unit = match summary.semantics {
        Semantics::Jump => "move".to_string(),
        Semantics::Rows => "step".to_string(),
        Semantics::Step { step } => summary.time.step_unit(step),
    };
    let method = if estimate.smoothing > 0.0 {
        format!("{} on the moves the policy allows", estimate.method())
    } else {
        estimate.method()
    };
    let scenario = FittedScenario {
        name,
        description: format!(
            "Fitted by verchain fit from {source}: {}; {method}, {} of {} observed from {} to {}.",
            summary.semantics_description,
            crate::words::count(summary.steps, "step"),
            crate::words::count(summary.versions as u64, "version"),
            summary.first_time,
            summary.observed_to
        ),
        unit,
        states: &estimate.states,
        transitions: Ordered(transitions),
        initial: Ordered(initial),
    };
    let yaml = serde_saphyr::to_string(&scenario).expect("a fitted scenario always serializes");
    format!(
        "# Fitted from {source} by `verchain fit`; counts and intervals are in counts.csv.\n{yaml}"
    )
}
