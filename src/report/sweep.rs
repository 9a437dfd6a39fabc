//! A sweep's results for people and programs: `sweep.csv` (one row per
//! point), the terminal table with the lowest and highest point of each
//! metric, and the charts (metrics against one parameter, or a heatmap per
//! metric over two).
//!
//! Everything here is drawn from a [`SweepResults`], which `sweep.csv`
//! holds in full (numbers in their shortest exact form), so the files of a
//! merged set of shards are byte for byte those of a single run.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::charts::sweep::{Heatmap, SweepLines, draw_heatmap, draw_sweep_lines};
use super::files::{WriteError, io_error, write_folder};

/// The numbers of a sweep, as `sweep.csv` holds them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResults {
    pub scenario: String,
    /// The swept parameters, the first varying slowest.
    pub parameters: Vec<String>,
    /// The metrics, as the scenario writes them.
    pub metrics: Vec<String>,
    /// In grid order.
    pub rows: Vec<SweepRow>,
}

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepRow {
    /// Its place in the grid, from 0.
    pub point: usize,
    /// One per parameter.
    pub values: Vec<f64>,
    /// One per metric; `None` where the metric has no value.
    pub metrics: Vec<Option<f64>>,
}

/// Files a sweep writes: `sweep.csv` and charts named `sweep-*.png|svg`.
pub fn is_sweep_file(name: &str) -> bool {
    name == "sweep.csv"
        || (name.starts_with("sweep-") && (name.ends_with(".png") || name.ends_with(".svg")))
}

/// A number as `sweep.csv` writes it: the shortest text that reads back
/// exactly; `inf` for an infinite value, nothing for no value.
fn number(x: Option<f64>) -> String {
    match x {
        None => String::new(),
        Some(x) if x.is_infinite() => if x > 0.0 { "inf" } else { "-inf" }.to_string(),
        Some(x) if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e15) => format!("{x:e}"),
        Some(x) => x.to_string(),
    }
}

/// A value as the table shows it: 6 significant digits.
struct Short(f64);

impl std::fmt::Display for Short {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let x = self.0;
        if x == 0.0 || !x.is_finite() {
            return write!(f, "{x}");
        }
        if x.abs() < 1e-4 || x.abs() >= 1e9 {
            return write!(f, "{x:.5e}");
        }
        let digits = (5 - x.abs().log10().floor() as i32).max(0) as usize;
        let text = format!("{x:.digits$}");
        let text = if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.')
        } else {
            &text
        };
        f.write_str(text)
    }
}

impl SweepResults {
    /// The CSV text: `point`, the parameters, then the metrics.
    pub fn csv(&self) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = ["point".to_string()]
            .into_iter()
            .chain(self.parameters.iter().cloned())
            .chain(self.metrics.iter().cloned());
        // Writing into memory cannot fail.
        writer.write_record(header).expect("CSV into memory");
        for row in &self.rows {
            let record = [row.point.to_string()]
                .into_iter()
                .chain(row.values.iter().map(|&v| number(Some(v))))
                .chain(row.metrics.iter().map(|&m| number(m)));
            writer.write_record(record).expect("CSV into memory");
        }
        writer.into_inner().expect("CSV into memory")
    }

    /// Reads `sweep.csv` text back (the shards' files, for a merge).
    ///
    /// # Errors
    ///
    /// A sentence naming the line that is not a sweep row.
    pub fn from_csv(scenario: &str, text: &[u8]) -> Result<Self, String> {
        let mut reader = csv::Reader::from_reader(text);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| format!("cannot read the header: {e}"))?
            .iter()
            .map(str::to_string)
            .collect();
        if header.first().map(String::as_str) != Some("point") {
            return Err("the first column is not `point`: this is not a sweep.csv".into());
        }
        let parameters = header
            .iter()
            .skip(1)
            .take_while(|h| !h.contains('[') && h.as_str() != "mixing_time")
            .cloned()
            .collect::<Vec<_>>();
        let metrics = header[1 + parameters.len()..].to_vec();
        let mut rows = Vec::new();
        for (line, record) in reader.records().enumerate() {
            let line = line + 2;
            let record = record.map_err(|e| format!("line {line}: {e}"))?;
            let parse = |s: &str| -> Result<Option<f64>, String> {
                match s {
                    "" => Ok(None),
                    // A sweep writes no NaN: a metric without a value is empty.
                    s => s
                        .parse::<f64>()
                        .ok()
                        .filter(|v| !v.is_nan())
                        .map(Some)
                        .ok_or_else(|| format!("line {line}: `{s}` is not a number")),
                }
            };
            let point = record
                .get(0)
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("line {line}: the point is not a whole number"))?;
            let fields: Vec<Option<f64>> =
                record.iter().skip(1).map(parse).collect::<Result<_, _>>()?;
            if fields.len() != parameters.len() + metrics.len() {
                return Err(format!(
                    "line {line}: {} fields, not {}",
                    fields.len() + 1,
                    header.len()
                ));
            }
            let values = fields[..parameters.len()]
                .iter()
                .map(|v| v.ok_or_else(|| format!("line {line}: a parameter value is missing")))
                .collect::<Result<_, _>>()?;
            rows.push(SweepRow {
                point,
                values,
                metrics: fields[parameters.len()..].to_vec(),
            });
        }
        Ok(Self {
            scenario: scenario.to_string(),
            parameters,
            metrics,
            rows,
        })
    }

    /// The distinct values of parameter `k`, increasing.
    fn axis(&self, k: usize) -> Vec<f64> {
        let mut values: Vec<f64> = self.rows.iter().map(|r| r.values[k]).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        values
    }

    /// The rows with the lowest and the highest finite value of metric `k`;
    /// ties go to the first point.
    pub fn extremes(&self, k: usize) -> Option<(&SweepRow, &SweepRow)> {
        let mut found: Option<(&SweepRow, &SweepRow)> = None;
        for row in &self.rows {
            let Some(v) = row.metrics[k].filter(|v| v.is_finite()) else {
                continue;
            };
            found = Some(match found {
                None => (row, row),
                Some((low, high)) => (
                    if v < low.metrics[k].unwrap_or(v) {
                        row
                    } else {
                        low
                    },
                    if v > high.metrics[k].unwrap_or(v) {
                        row
                    } else {
                        high
                    },
                ),
            });
        }
        found
    }

    /// `p = 0.5, q = 0.1`.
    fn label(&self, row: &SweepRow) -> String {
        self.parameters
            .iter()
            .zip(&row.values)
            .map(|(p, v)| format!("{p} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The terminal table: the grid, then each metric's lowest and highest point.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let axes: Vec<String> = (0..self.parameters.len())
            .map(|k| format!("{} ({} values)", self.parameters[k], self.axis(k).len()))
            .collect();
        let _ = writeln!(
            out,
            "{} sweep · {} points over {}\n",
            self.scenario,
            self.rows.len(),
            axes.join(" × ")
        );
        let width = self
            .metrics
            .iter()
            .map(|m| m.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        let cells: Vec<(String, String)> = (0..self.metrics.len())
            .map(|k| {
                let cell = |row: &SweepRow| {
                    let value = row.metrics[k].map_or(String::new(), |v| format!("{}", Short(v)));
                    format!("{value} at {}", self.label(row))
                };
                match self.extremes(k) {
                    Some((low, high)) => (cell(low), cell(high)),
                    None => ("no finite value".to_string(), String::new()),
                }
            })
            .collect();
        let low_width = cells
            .iter()
            .map(|c| c.0.chars().count())
            .max()
            .unwrap_or(6)
            .max(6);
        let _ = writeln!(out, "{:width$}  {:low_width$}  highest", "metric", "lowest");
        for (metric, (low, high)) in self.metrics.iter().zip(&cells) {
            let _ = writeln!(out, "{metric:width$}  {low:low_width$}  {high}");
        }
        out
    }
}

/// How a chart groups metrics: `stationary[s]` and `occupancy[s] at t` of
/// single states share a chart, a line per state; any other metric is alone.
fn group(metric: &str) -> (String, Option<String>) {
    fn single(rest: &str) -> Option<(String, &str)> {
        rest.find(']')
            .map(|end| (rest[..end].to_string(), &rest[end + 1..]))
    }
    if let Some(rest) = metric.strip_prefix("stationary[")
        && let Some((state, "")) = single(rest)
        && !state.contains(',')
    {
        return ("stationary".to_string(), Some(state));
    }
    if let Some(rest) = metric.strip_prefix("occupancy[")
        && let Some((state, at)) = single(rest)
        && !state.contains(',')
    {
        return (format!("occupancy{at}"), Some(state));
    }
    (metric.to_string(), None)
}

/// A file name part from a metric: letters and digits, the rest as `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Writes `sweep.csv` and the charts into `root/<scenario>/`, all or none,
/// keeping the run's files there; returns the folder and the names written.
///
/// # Errors
///
/// The first file that could not be written; the folder is then as it was.
pub fn write(
    root: &Path,
    results: &SweepResults,
    states: &[String],
) -> Result<(PathBuf, Vec<String>), WriteError> {
    write_folder(root, &results.scenario, &is_sweep_file, |folder| {
        let path = folder.join("sweep.csv");
        fs::write(&path, results.csv()).map_err(io_error(&path))?;
        let mut written = vec!["sweep.csv".to_string()];
        written.extend(charts(folder, results, states)?);
        Ok(written)
    })
}

/// Writes a shard's rows as `root/<scenario>/<file>` (`sweep.shard-K-of-N.csv`),
/// whole or not at all, touching nothing else there.
///
/// Shards may run at once on machines that share the folder, so a shard
/// does not swap the folder as a run does: it writes its one file beside
/// the others under a temporary name and renames it into place.
///
/// # Errors
///
/// The file could not be written; the folder is then as it was.
pub fn write_shard(
    root: &Path,
    results: &SweepResults,
    file: &str,
) -> Result<(PathBuf, Vec<String>), WriteError> {
    let folder = root.join(&results.scenario);
    fs::create_dir_all(&folder).map_err(io_error(&folder))?;
    let path = folder.join(file);
    let temporary = folder.join(format!(".{file}.partial-{}", std::process::id()));
    let written = fs::write(&temporary, results.csv()).and_then(|()| fs::rename(&temporary, &path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(io_error(&path)(e));
    }
    Ok((folder, vec![file.to_string()]))
}

/// The charts: lines against one parameter, heatmaps over two, none for more.
fn charts(
    folder: &Path,
    results: &SweepResults,
    states: &[String],
) -> Result<Vec<String>, WriteError> {
    let mut written = Vec::new();
    // A chart's name and its metrics, each with its state when it has one.
    type Group = (String, Vec<(usize, Option<String>)>);
    let mut groups: Vec<Group> = Vec::new();
    for (k, metric) in results.metrics.iter().enumerate() {
        // The simulated twins are numbers to compare, not charts of their own.
        if metric.starts_with("simulated ") || metric == "simulation_max_abs_z" {
            continue;
        }
        let (name, state) = group(metric);
        match groups.iter_mut().find(|(g, _)| *g == name) {
            Some((_, members)) => members.push((k, state)),
            None => groups.push((name, vec![(k, state)])),
        }
    }
    match results.parameters.len() {
        1 => {
            let x = results.axis(0);
            if x.len() < 2 {
                return Ok(written);
            }
            for (name, members) in &groups {
                let series: Vec<(String, usize, Vec<f64>)> = members
                    .iter()
                    .map(|(k, state)| {
                        let colour = state
                            .as_ref()
                            .and_then(|s| states.iter().position(|n| n == s))
                            .unwrap_or(*k);
                        let label = state.clone().unwrap_or_else(|| name.clone());
                        let values = results
                            .rows
                            .iter()
                            .map(|r| r.metrics[*k].unwrap_or(f64::NAN))
                            .collect();
                        (label, colour, values)
                    })
                    .collect();
                let title = format!(
                    "{}: {name} against {}",
                    results.scenario, results.parameters[0]
                );
                let base = format!("sweep-{}", slug(name));
                let (png, svg) = (
                    folder.join(format!("{base}.png")),
                    folder.join(format!("{base}.svg")),
                );
                let chart = SweepLines {
                    title: &title,
                    subtitle: "exact, one point per value swept",
                    parameter: &results.parameters[0],
                    y_label: name,
                    x: &x,
                    series: &series,
                };
                draw_sweep_lines(&chart, &png, &svg)?;
                written.extend([format!("{base}.png"), format!("{base}.svg")]);
            }
        }
        2 => {
            let (x, y) = (results.axis(0), results.axis(1));
            let charted = groups
                .iter()
                .flat_map(|(_, members)| members.iter().map(|m| m.0));
            for k in charted.collect::<Vec<_>>() {
                let metric = &results.metrics[k];
                let mut values = vec![vec![f64::NAN; y.len()]; x.len()];
                for row in &results.rows {
                    let i = x.partition_point(|&v| v < row.values[0]);
                    let j = y.partition_point(|&v| v < row.values[1]);
                    values[i][j] = row.metrics[k].unwrap_or(f64::NAN);
                }
                let title = format!("{}: {metric}", results.scenario);
                let base = format!("sweep-{}", slug(metric));
                let (png, svg) = (
                    folder.join(format!("{base}.png")),
                    folder.join(format!("{base}.svg")),
                );
                let chart = Heatmap {
                    title: &title,
                    subtitle: "exact; grey where the metric has no finite value",
                    x_label: &results.parameters[0],
                    y_label: &results.parameters[1],
                    x: &x,
                    y: &y,
                    values: &values,
                };
                draw_heatmap(&chart, &png, &svg)?;
                written.extend([format!("{base}.png"), format!("{base}.svg")]);
            }
        }
        _ => {}
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_back_exactly() {
        let results = SweepResults {
            scenario: "s".into(),
            parameters: vec!["p".into(), "q".into()],
            metrics: vec!["stationary[a]".into(), "hitting[b].expected".into()],
            rows: vec![
                SweepRow {
                    point: 0,
                    values: vec![0.1, 1e-7],
                    metrics: vec![Some(1.0 / 3.0), Some(f64::INFINITY)],
                },
                SweepRow {
                    point: 1,
                    values: vec![0.1, 0.2],
                    metrics: vec![None, Some(2.5e-9)],
                },
            ],
        };
        let back = SweepResults::from_csv("s", &results.csv()).unwrap();
        assert_eq!(back, results);
    }

    #[test]
    fn groups_single_states() {
        assert_eq!(
            group("stationary[a]"),
            ("stationary".into(), Some("a".into()))
        );
        assert_eq!(
            group("occupancy[a] at 20"),
            ("occupancy at 20".into(), Some("a".into()))
        );
        assert_eq!(group("stationary[a, b]"), ("stationary[a, b]".into(), None));
        assert_eq!(
            slug("hitting[a].expected from b"),
            "hitting-a-expected-from-b"
        );
    }
}
