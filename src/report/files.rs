//! Writing a run's files: whole or not at all.
//!
//! Everything is first written into a staging folder beside the destination
//! (`output/.NAME.partial-PID`). Only when every file is complete is each
//! one renamed into `output/NAME/`; a rename within one file system replaces
//! the old file in a single step, so a reader sees the old file or the new
//! one, never half of either. A run that fails before that point removes its
//! staging folder and leaves earlier results as they were.

use std::fs;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::charts::{self, BarChart, ChartError, OccupancyChart};
use super::summary::Summary;

/// The files a run writes, in the order they are listed to the user.
pub const RUN_FILES: [&str; 6] = [
    "summary.json",
    "trajectory.csv",
    "occupancy.png",
    "occupancy.svg",
    "stationary.png",
    "stationary.svg",
];

/// Why the output could not be written.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("cannot write {}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `summary.json`, `trajectory.csv` and the charts under
/// `root/<scenario name>/`, and returns that folder.
///
/// # Errors
///
/// The first file that could not be written, with its path; nothing in the
/// destination folder has changed then.
pub fn write_run(root: &Path, summary: &Summary) -> Result<PathBuf, WriteError> {
    fs::create_dir_all(root).map_err(io_error(root))?;
    let staging = root.join(format!(
        ".{}.partial-{}",
        summary.scenario,
        std::process::id()
    ));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io_error(&staging))?;
    }
    fs::create_dir(&staging).map_err(io_error(&staging))?;

    let written = stage(&staging, summary).and_then(|()| {
        let destination = root.join(&summary.scenario);
        fs::create_dir_all(&destination).map_err(io_error(&destination))?;
        for file in RUN_FILES {
            let target = destination.join(file);
            fs::rename(staging.join(file), &target).map_err(io_error(&target))?;
        }
        Ok(destination)
    });
    // Best effort: a leftover staging folder holds nothing the user asked for.
    let _ = fs::remove_dir_all(&staging);
    written
}

/// Writes every file of [`RUN_FILES`] into `folder`.
fn stage(folder: &Path, summary: &Summary) -> Result<(), WriteError> {
    let json_path = folder.join("summary.json");
    let mut json = serde_json::to_vec_pretty(summary).expect("a summary always serializes");
    json.push(b'\n');
    fs::write(&json_path, json).map_err(io_error(&json_path))?;

    let csv_path = folder.join("trajectory.csv");
    write_trajectory(&csv_path, summary).map_err(|source| WriteError::Csv {
        path: csv_path.clone(),
        source,
    })?;

    let band = summary.simulation.as_ref().map(|sim| {
        let shifted = |sign: f64| -> Vec<Vec<f64>> {
            sim.occupancy
                .iter()
                .zip(&sim.standard_error)
                .map(|(p, se)| {
                    p.iter()
                        .zip(se)
                        .map(|(p, se)| (p + sign * 2.0 * se).clamp(0.0, 1.0))
                        .collect()
                })
                .collect()
        };
        (shifted(-1.0), shifted(1.0), sim.walkers, sim.seed)
    });
    let band_label = band
        .as_ref()
        .map_or(String::new(), |(_, _, walkers, seed)| {
            format!("Monte Carlo ± 2 SE ({walkers} walkers, seed {seed})")
        });
    let title = format!(
        "{}: where versions are, {} by {}",
        summary.scenario, summary.unit, summary.unit
    );
    charts::draw_occupancy(
        &OccupancyChart {
            title: &title,
            unit: &summary.unit,
            states: &summary.states,
            exact: &summary.exact.trajectory,
            band: band
                .as_ref()
                .map(|(lo, hi, _, _)| (lo.as_slice(), hi.as_slice())),
            band_label: &band_label,
        },
        &folder.join("occupancy.png"),
        &folder.join("occupancy.svg"),
    )?;

    let closed: Vec<_> = summary
        .structure
        .classes
        .iter()
        .filter(|c| c.closed)
        .collect();
    let mut series: Vec<(String, Vec<f64>)> = closed
        .iter()
        .zip(&summary.stationary)
        .map(|(class, pi)| {
            (
                format!("stationary on {{{}}}", class.states.join(", ")),
                pi.clone(),
            )
        })
        .collect();
    if series.len() > 1 {
        series.push(("long-run limit from S_0".to_string(), summary.limit.clone()));
    }
    let title = format!("{}: where versions settle", summary.scenario);
    charts::draw_bars(
        &BarChart {
            title: &title,
            y_label: "long-run share of versions",
            states: &summary.states,
            series: &series,
        },
        &folder.join("stationary.png"),
        &folder.join("stationary.svg"),
    )?;
    Ok(())
}

/// `step`, then for each state its exact share, simulated share and standard error.
fn write_trajectory(path: &Path, summary: &Summary) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_path(path)?;
    let mut header = vec!["step".to_string()];
    for state in &summary.states {
        header.push(format!("exact_{state}"));
        if summary.simulation.is_some() {
            header.push(format!("simulated_{state}"));
            header.push(format!("se_{state}"));
        }
    }
    writer.write_record(&header)?;
    for (t, exact) in summary.exact.trajectory.iter().enumerate() {
        let mut record = vec![t.to_string()];
        for (i, p) in exact.iter().enumerate() {
            record.push(p.to_string());
            if let Some(sim) = &summary.simulation {
                record.push(sim.occupancy[t][i].to_string());
                record.push(sim.standard_error[t][i].to_string());
            }
        }
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}
