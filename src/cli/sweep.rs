//! `verchain sweep` and `verchain merge`: a scenario's what-if grid, whole
//! or cut into shards for a batch system, and the shards joined again.
//!
//! Shard `K` of `N` holds the points `⌊(K−1)·P/N⌋ … ⌊K·P/N⌋ − 1` of a grid
//! of `P` points: a contiguous slice, the same on every machine. Each
//! shard writes `sweep.shard-K-of-N.csv`; `merge` checks that the shards
//! cover every point once, for this scenario's grid, and writes the files a
//! single run writes, byte for byte.

use std::ops::Range;
use std::path::Path;

use miette::Report;
use verchain::report::sweep::{self as table, SweepResults, SweepRow};
use verchain::scenario::Scenario;
use verchain::scenario::whatif::Sweep;
use verchain::sweep::{self, Point};

use super::args::{Format, MergeArgs, Shard, SweepArgs};
use super::diagnostics;
use super::limits;
use super::progress::Progress;
use crate::{Failure, exit, load};

/// Prints the results in the format asked: the table, JSON, or sweep.csv's
/// text.
fn print_results(results: &SweepResults, format: Format) {
    match format {
        Format::Table => crate::cli::print_out!("{}", results.table()),
        Format::Json => crate::cli::println_out!(
            "{}",
            serde_json::to_string_pretty(results).expect("sweep results serialize")
        ),
        Format::Csv => crate::cli::print_out!("{}", String::from_utf8_lossy(&results.csv())),
    }
}

/// The points of shard `K/N` of a grid of `points` points.
pub fn slice(shard: Shard, points: usize) -> Range<usize> {
    let at = |k: u64| ((k as u128 * points as u128) / shard.of as u128) as usize;
    at(shard.index - 1)..at(shard.index)
}

/// The scenario's sweep, or an error that shows how to declare one.
fn grid<'a>(scenario: &'a Scenario, file: &Path) -> Result<&'a Sweep, Failure> {
    scenario.whatif.sweep.as_ref().ok_or_else(|| {
        Failure::invalid(vec![miette::miette!(
            help = "add for example\n  sweeps:\n    parameters:\n      p: {from: 0.3, to: 0.7, step: 0.1}\n    metrics: [stationary]",
            "{} declares no `sweeps`",
            file.display()
        )])
    })
}

/// `verchain sweep`: evaluate the grid (or one shard), print, write.
pub fn run(args: &SweepArgs, quiet: bool) -> Result<(), Failure> {
    let budget = args.limits.budget();
    let scenario = load(&args.file, &args.limits.limits(budget))?;
    let grid = grid(&scenario, &args.file)?;
    let range = match args.shard {
        Some(shard) => slice(shard, grid.len()),
        None => 0..grid.len(),
    };
    limits::check_sweep_points(range.len(), grid.len(), args.sweep_limits.max_sweep_points)
        .map_err(|message| {
            Failure::invalid(vec![miette::miette!(
                help = limits::SWEEP_POINTS_HELP,
                "{message}"
            )])
        })?;
    let workload = limits::sweep_workload(&scenario, grid, range.len(), grid.simulate);
    limits::check_memory(&verchain::limits::estimate(&workload), budget)?;
    if !quiet {
        for axis in grid.axes.iter().filter(|a| !a.excluded.is_empty()) {
            let values: Vec<String> = axis.excluded.iter().map(f64::to_string).collect();
            eprintln!(
                "note: {} = {} left out: outside the parameter's range",
                axis.parameter,
                values.join(", ")
            );
        }
    }
    let bar = Progress::points(range.len() as u64, quiet);
    let points = sweep::run(&scenario, range, &|| bar.advance(1));
    bar.finish();
    let results = results(&scenario, grid, &points, &args.file)?;

    if args.shard.is_none() {
        print_results(&results, args.format);
    }
    if args.no_files {
        return Ok(());
    }
    let written = super::interrupt::while_writing(|| match args.shard {
        Some(shard) => {
            let name = format!("sweep.shard-{}-of-{}.csv", shard.index, shard.of);
            table::write_shard(&args.output, &results, &name)
        }
        None => table::write(&args.output, &results, scenario.states()),
    });
    report_written(written, quiet)
}

/// Prints where the files went, or turns a write error into exit code 3.
fn report_written(
    written: Result<(std::path::PathBuf, Vec<String>), verchain::report::WriteError>,
    quiet: bool,
) -> Result<(), Failure> {
    let (folder, names) = written.map_err(|e| Failure {
        reports: vec![miette::miette!(
            help = "check that the output folder can be written, or pass --output DIR",
            "{e}"
        )],
        code: exit::WRITE_FAILED,
    })?;
    if !quiet {
        eprintln!("wrote {}: {}", folder.display(), names.join(", "));
    }
    Ok(())
}

/// The table of the points, or every problem of the invalid ones.
fn results(
    scenario: &Scenario,
    grid: &Sweep,
    points: &[Point],
    file: &Path,
) -> Result<SweepResults, Failure> {
    let invalid: Vec<&Point> = points.iter().filter(|p| p.result.is_err()).collect();
    if !invalid.is_empty() {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let name = file.display().to_string();
        let mut reports: Vec<Report> = invalid
            .iter()
            .take(3)
            .flat_map(|p| p.result.clone().err().unwrap_or_default())
            .map(|problem| diagnostics::problem_report(problem, &name, &text))
            .collect();
        reports.push(miette::miette!(
            help = "change the values swept, or give the parameter a `range` that leaves such points out",
            "{} of {} sweep points are not valid chains; nothing was written",
            invalid.len(),
            points.len()
        ));
        return Err(Failure::invalid(reports));
    }
    let states = scenario.states();
    let mut metrics: Vec<String> = grid.metrics.iter().map(|m| m.display(states)).collect();
    // With `simulate: true`: the simulated twin of each occupancy metric,
    // then the largest |z| of the point's simulation.
    let simulated: Vec<usize> = points
        .first()
        .and_then(|p| p.simulated.as_ref())
        .map(|s| {
            (0..s.metrics.len())
                .filter(|&k| s.metrics[k].is_some())
                .collect()
        })
        .unwrap_or_default();
    let simulating = points.first().is_some_and(|p| p.simulated.is_some());
    for &k in &simulated {
        metrics.push(format!("simulated {}", metrics[k]));
    }
    if simulating {
        metrics.push("simulation_max_abs_z".to_string());
    }
    Ok(SweepResults {
        scenario: scenario.name.clone(),
        parameters: grid.axes.iter().map(|a| a.parameter.clone()).collect(),
        metrics,
        rows: points
            .iter()
            .map(|p| SweepRow {
                point: p.index,
                values: p.values.iter().map(|(_, v)| *v).collect(),
                metrics: match (&p.result, &p.simulated) {
                    (Ok(e), simulation) => {
                        let mut row: Vec<Option<f64>> =
                            e.metrics.iter().map(|m| m.as_ref().ok().copied()).collect();
                        if let Some(sim) = simulation {
                            row.extend(simulated.iter().map(|&k| sim.metrics[k]));
                            row.push(Some(sim.max_abs_z));
                        }
                        row
                    }
                    (Err(_), _) => Vec::new(),
                },
            })
            .collect(),
    })
}

/// `verchain merge`: join the shards' CSV files into a single run's files.
pub fn merge(args: &MergeArgs, quiet: bool) -> Result<(), Failure> {
    let scenario = load(&args.file, &args.limits.limits(args.limits.budget()))?;
    let grid = grid(&scenario, &args.file)?;
    let invalid = |message: String, help: &str| {
        Failure::invalid(vec![miette::miette!(help = help.to_string(), "{message}")])
    };
    let mut merged: Option<SweepResults> = None;
    // The first point of each shard, evaluated again below.
    let mut samples: Vec<(usize, &Path)> = Vec::new();
    for shard in &args.shards {
        let bytes = std::fs::read(shard).map_err(|e| {
            invalid(
                format!("cannot read {}: {e}", shard.display()),
                "name the sweep.shard-K-of-N.csv files the shards wrote",
            )
        })?;
        let part = SweepResults::from_csv(&scenario.name, &bytes).map_err(|e| {
            invalid(
                format!("{}: {e}", shard.display()),
                "name the sweep.shard-K-of-N.csv files the shards wrote",
            )
        })?;
        if let Some(first) = part.rows.first() {
            samples.push((first.point, shard));
        }
        match &mut merged {
            None => merged = Some(part),
            Some(all) if all.parameters == part.parameters && all.metrics == part.metrics => {
                all.rows.extend(part.rows);
            }
            Some(_) => {
                return Err(invalid(
                    format!("{} has other columns than the first shard", shard.display()),
                    "merge only the shards of one sweep of one scenario",
                ));
            }
        }
    }
    let mut merged = merged.expect("clap requires at least one shard");
    merged.rows.sort_by_key(|r| r.point);
    let total = grid.len();
    for (expected, row) in merged.rows.iter().enumerate() {
        if row.point != expected {
            let what = if row.point < expected {
                format!("point {} appears twice", row.point)
            } else {
                format!("point {expected} is missing")
            };
            return Err(invalid(
                format!("the shards do not cover the sweep's {total} points once each: {what}"),
                "pass every shard's file once: sweep.shard-1-of-N.csv to sweep.shard-N-of-N.csv",
            ));
        }
        let values: Vec<f64> = grid.point(row.point).iter().map(|(_, v)| *v).collect();
        if values != row.values {
            return Err(invalid(
                format!(
                    "point {} of the shards has other parameter values than the scenario's grid",
                    row.point
                ),
                "the shards were computed from another version of the scenario: compute them again",
            ));
        }
    }
    if merged.rows.len() != total {
        return Err(invalid(
            format!(
                "the shards hold {} of the sweep's {total} points",
                merged.rows.len()
            ),
            "pass every shard's file: sweep.shard-1-of-N.csv to sweep.shard-N-of-N.csv",
        ));
    }
    same_scenario(&scenario, grid, &merged, &samples, &args.file)?;
    print_results(&merged, args.format);
    if args.no_files {
        return Ok(());
    }
    report_written(
        super::interrupt::while_writing(|| table::write(&args.output, &merged, scenario.states())),
        quiet,
    )
}

/// The shards were computed from this scenario: the same metrics, and the
/// same numbers at the first point of each shard, evaluated again. A
/// policy changed since, with the grid kept, changes them (the CSV keeps
/// every digit, so the numbers must be equal, not close).
fn same_scenario(
    scenario: &Scenario,
    grid: &Sweep,
    merged: &SweepResults,
    samples: &[(usize, &Path)],
    file: &Path,
) -> Result<(), Failure> {
    let stale = |message: String| {
        Failure::invalid(vec![miette::miette!(
            help = "the shards were computed from another version of the scenario: compute \
                    them again from this one",
            "{message}"
        )])
    };
    for &(point, shard) in samples {
        let again = results(
            scenario,
            grid,
            &sweep::run(scenario, point..point + 1, &|| ()),
            file,
        )?;
        if again.metrics != merged.metrics {
            return Err(stale(format!(
                "{} has the metrics {}, where {} asks for {}",
                shard.display(),
                merged.metrics.join(", "),
                file.display(),
                again.metrics.join(", ")
            )));
        }
        let (row, now) = (&merged.rows[point].metrics, &again.rows[0].metrics);
        if let Some(k) =
            (0..row.len()).find(|&k| row[k].map(f64::to_bits) != now[k].map(f64::to_bits))
        {
            let shown = |x: Option<f64>| x.map_or_else(|| "empty".to_string(), |x| x.to_string());
            return Err(stale(format!(
                "{}: at point {point}, `{}` is {} in the shard, and {} from {} now",
                shard.display(),
                merged.metrics[k],
                shown(row[k]),
                shown(now[k]),
                file.display()
            )));
        }
    }
    Ok(())
}
