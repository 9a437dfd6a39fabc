//! `verchain sensitivity`: which parameter moves each metric most.

use verchain::report::sensitivity as report;
use verchain::scenario::Scenario;
use verchain::sweep::metric::{self, Metric, Quantity, Start};
use verchain::sweep::sensitivity;

use super::args::{Format, SensitivityArgs};
use crate::{Failure, exit, load};

/// The metrics asked for, or by default: the long-run share of each state
/// in a closed class of several states,
/// each target's hitting probability and expected time, and the absorption
/// into each absorbing state.
fn metrics(scenario: &Scenario, asked: &[String]) -> Result<Vec<Metric>, Failure> {
    let states = scenario.states();
    if !asked.is_empty() {
        let mut metrics = Vec::new();
        for text in asked {
            let m = metric::parse_whole(text, states).map_err(|e| {
                Failure::invalid(vec![miette::miette!(
                    help = "a metric is stationary[s], occupancy[s] at T, absorption[s] [from a], \
                            hitting[s].probability or hitting[s].expected [from a]",
                    "--metric {text:?}: {e}"
                )])
            })?;
            metrics.extend(metric::expand(m, states.len()));
        }
        return Ok(metrics);
    }
    // Transient and absorbing states' long-run shares are 0, or the
    // absorption listed below: only states of larger closed classes.
    let structure = verchain::analysis::Structure::of(scenario.chain.matrix());
    let mut metrics: Vec<Metric> = structure
        .closed_classes()
        .filter(|c| c.states.len() > 1)
        .flat_map(|c| c.states.iter().map(|&s| Metric::Stationary(vec![s])))
        .collect();
    for target in &scenario.targets {
        for q in [Quantity::Probability, Quantity::Expected] {
            metrics.push(Metric::Hitting(target.states.clone(), q, Start::Initial));
        }
    }
    if !structure.transient.is_empty() {
        for &s in &structure.absorbing {
            metrics.push(Metric::Absorption(vec![s], Start::Initial));
        }
    }
    Ok(metrics)
}

/// Prints the ranked table and writes `sensitivity.csv`.
pub fn run(args: &SensitivityArgs, quiet: bool) -> Result<(), Failure> {
    let budget = args.limits.budget();
    let scenario = load(&args.file, &args.limits.limits(budget))?;
    let workload = verchain::limits::Workload {
        states: scenario.chain.len(),
        horizon: scenario.horizon,
        targets: scenario.targets.len(),
        phases: scenario.whatif.phases.len(),
        threads: super::limits::threads(),
        ..verchain::limits::Workload::default()
    };
    super::limits::check_memory(&verchain::limits::estimate(&workload), budget)?;
    if scenario.parameters.is_empty() {
        return Err(Failure::invalid(vec![miette::miette!(
            help = "name the policy numbers under `parameters` and use them in `transitions`",
            "{} has no parameters to differentiate by",
            args.file.display()
        )]));
    }
    let metrics = metrics(&scenario, &args.metrics)?;
    let rows = sensitivity::of_scenario(&scenario, &metrics)
        .map_err(|e| Failure::invalid(vec![miette::miette!("{e}")]))?;
    match args.format {
        Format::Table => crate::cli::print_out!(
            "{}",
            report::table(&scenario.name, scenario.states(), &rows)
        ),
        Format::Json => crate::cli::println_out!(
            "{}",
            serde_json::to_string_pretty(&report::records(scenario.states(), &rows))
                .expect("records serialize")
        ),
        Format::Csv => crate::cli::print_out!(
            "{}",
            String::from_utf8_lossy(&report::csv(scenario.states(), &rows))
        ),
    }
    if args.no_files {
        return Ok(());
    }
    let bytes = report::csv(scenario.states(), &rows);
    let written =
        super::interrupt::while_writing(|| report::write(&args.output, &scenario.name, &bytes));
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
