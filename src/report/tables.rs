//! The CSV tables of a run: the trajectory, the hitting-time distributions
//! and the distance to the limit, one row per step.

use std::path::Path;

use super::files::WriteError;
use super::summary::Summary;

/// Writes `trajectory.csv`, `convergence.csv`, with targets `hitting.csv`,
/// and with a trace `trace.csv` into `folder`; returns their names.
pub fn write(folder: &Path, summary: &Summary) -> Result<Vec<&'static str>, WriteError> {
    let mut written = vec![table(folder, "trajectory.csv", trajectory(summary))?];
    if !summary.hitting.is_empty() {
        written.push(table(folder, "hitting.csv", hitting(summary))?);
    }
    written.push(table(folder, "convergence.csv", convergence(summary))?);
    if let Some(paths) = &summary.trace {
        written.push(table(folder, "trace.csv", trace(summary, paths))?);
    }
    Ok(written)
}

/// `trajectory.csv` as text: the table `run --format csv` prints.
pub fn trajectory_csv(summary: &Summary) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in trajectory(summary) {
        // Writing into memory cannot fail.
        writer.write_record(&row).expect("in memory");
    }
    String::from_utf8(writer.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}

/// Writes `rows` to `folder/name`, one record each, as they come.
pub(super) fn table(
    folder: &Path,
    name: &'static str,
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<&'static str, WriteError> {
    let path = folder.join(name);
    let csv_error = |source| WriteError::Csv {
        path: path.clone(),
        source,
    };
    let mut writer = csv::Writer::from_path(&path).map_err(csv_error)?;
    for row in rows {
        writer.write_record(&row).map_err(csv_error)?;
    }
    writer.flush().map_err(|e| csv_error(e.into()))?;
    Ok(name)
}

/// A number as CSV writes it: the shortest text that reads back exactly,
/// in scientific notation when very small or large.
fn number(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e15) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// `step`, then for each state its exact share, simulated share and standard error.
fn trajectory(summary: &Summary) -> Vec<Vec<String>> {
    let mut header = vec!["step".to_string()];
    for state in &summary.states {
        header.push(format!("exact_{state}"));
        if summary.simulation.is_some() {
            header.push(format!("simulated_{state}"));
            header.push(format!("se_{state}"));
        }
    }
    let mut rows = vec![header];
    for (t, exact) in summary.exact.trajectory.iter().enumerate() {
        let mut row = vec![t.to_string()];
        for (i, p) in exact.iter().enumerate() {
            row.push(number(*p));
            if let Some(sim) = &summary.simulation {
                row.push(number(sim.occupancy[t][i]));
                row.push(number(sim.standard_error[t][i]));
            }
        }
        rows.push(row);
    }
    rows
}

/// `target`, `step`, the probability of first reaching the target at that
/// step and by it from `S_0`, with a simulation the simulated shares, then
/// `cdf_<state>` from each state.
fn hitting(summary: &Summary) -> Vec<Vec<String>> {
    let mut header = vec!["target", "step", "pmf_from_initial", "cdf_from_initial"];
    // A run that follows phases simulates no hitting times.
    let simulated_hitting = summary
        .simulation
        .as_ref()
        .filter(|sim| sim.hitting.len() == summary.hitting.len());
    if simulated_hitting.is_some() {
        header.extend(["simulated_pmf", "simulated_cdf"]);
    }
    let mut header: Vec<String> = header.into_iter().map(String::from).collect();
    header.extend(summary.states.iter().map(|s| format!("cdf_{s}")));
    let mut rows = vec![header];
    for (k, h) in summary.hitting.iter().enumerate() {
        let simulated = simulated_hitting.map(|sim| &sim.hitting[k]);
        for (t, cdf) in h.cdf.iter().enumerate() {
            let mut row = vec![
                h.target.clone(),
                t.to_string(),
                number(h.from_initial.pmf[t]),
                number(h.from_initial.cdf[t]),
            ];
            if let Some(sim) = simulated {
                row.extend([number(sim.pmf[t]), number(sim.cdf[t])]);
            }
            row.extend(cdf.iter().map(|&c| number(c)));
            rows.push(row);
        }
    }
    rows
}

/// `walker`, `step`, `state`: the path of each traced walker, one row per
/// step, made as they are written (a trace may hold millions of rows).
fn trace<'a>(
    summary: &'a Summary,
    paths: &'a [Vec<u32>],
) -> impl Iterator<Item = Vec<String>> + 'a {
    let header = ["walker", "step", "state"].map(String::from).to_vec();
    let rows = paths.iter().enumerate().flat_map(move |(walker, path)| {
        path.iter().enumerate().map(move |(step, &state)| {
            vec![
                walker.to_string(),
                step.to_string(),
                summary.states[state as usize].clone(),
            ]
        })
    });
    std::iter::once(header).chain(rows)
}

/// `step` and the total variation distance to the long-run limit.
fn convergence(summary: &Summary) -> Vec<Vec<String>> {
    let mut rows = vec![vec!["step".to_string(), "tv_distance".to_string()]];
    for (t, d) in summary.convergence.tv_distance.iter().enumerate() {
        rows.push(vec![t.to_string(), number(*d)]);
    }
    rows
}
