//! The `verchain` command: reads scenarios, runs the library, prints and
//! writes the results, and maps every failure to a documented exit code.

mod cli;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use miette::Report;
use verchain::analysis;
use verchain::analysis::convergence::MIN_EPSILON;
use verchain::limits::{self, Limits, Workload};
use verchain::report::{self, Summary};
use verchain::scenario::expr::closest;
use verchain::scenario::{MAX_TARGETS, Scenario, Target};
use verchain::simulate;

use cli::args::{Cli, Command, Format, RunArgs};
use cli::diagnostics;
use cli::generate;
use cli::interrupt;
use cli::progress::Progress;

/// Exit codes, as documented in `--help` and the README.
mod exit {
    pub const INVALID: u8 = 2;
    pub const WRITE_FAILED: u8 = 3;
}

/// Why a command failed: the reports to print and the exit code.
struct Failure {
    reports: Vec<Report>,
    code: u8,
}

impl Failure {
    fn invalid(reports: Vec<Report>) -> Self {
        Self {
            reports,
            code: exit::INVALID,
        }
    }

    fn write_failed(message: String) -> Self {
        Self {
            reports: vec![miette::miette!(
                help =
                    "check that the folder exists and can be written, or write to stdout with -o -",
                "{message}"
            )],
            code: exit::WRITE_FAILED,
        }
    }
}

fn main() -> ExitCode {
    restore_default_sigpipe();
    interrupt::install();
    diagnostics::install_handler();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run(&args, cli.quiet),
        Command::Check(args) => {
            cli::check::run(&args, cli.quiet).map_err(|(reports, code)| Failure { reports, code })
        }
        Command::Fit(args) => cli::fit::fit(&args, cli.quiet),
        Command::Sweep(args) => cli::sweep::run(&args, cli.quiet),
        Command::Merge(args) => cli::sweep::merge(&args, cli.quiet),
        Command::Sensitivity(args) => cli::sensitivity::run(&args, cli.quiet),
        Command::Export(args) => load(&args.file, &args.limits.limits(args.limits.budget()))
            .and_then(|scenario| {
                let model = verchain::report::export::Model::of(&scenario);
                let text = verchain::report::export::render(&model, args.to);
                generate::emit(&args.output.output, &text, Some(&args.file))
            }),
        Command::Schema(args) => {
            let schema = verchain::scenario::schema::json_schema();
            generate::emit(&args.output, &schema, None)
        }
        Command::Completions(args) => {
            let script = generate::completions(args.shell);
            generate::emit(&args.output.output, &script, None)
        }
        Command::Man(args) => {
            let page = generate::man(args.subcommand.as_deref());
            generate::emit(&args.output.output, &page, None)
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            for report in failure.reports {
                eprintln!("{report:?}");
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Lets a closed stdout end the process as it ends `cat` or `grep`. Rust
/// ignores SIGPIPE, so `println!` to a pipe whose reader has gone (`verchain
/// run FILE | head -1`) would panic instead; files are written after the
/// table is printed, through a staging folder, so nothing is half-written.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread exists;
    // SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `verchain run`: load, validate, compute, simulate, report.
fn run(args: &RunArgs, quiet: bool) -> Result<(), Failure> {
    let budget = args.limits.budget();
    let mut scenario = load(&args.file, &args.limits.limits(budget))?;
    apply_overrides(&mut scenario, args)?;
    cli::limits::check_memory(&limits::estimate(&run_workload(&scenario, args)), budget)?;
    if !quiet {
        // A phase governs the moves out of its steps: from the horizon on,
        // none is in the trajectory.
        for phase in scenario
            .whatif
            .phases
            .iter()
            .filter(|p| p.from >= scenario.horizon as u64)
        {
            eprintln!(
                "note: phase `{}` (steps {} to {}) begins at or after the horizon ({}): the \
                 trajectory never reaches it, only --at T does",
                phase.name, phase.from, phase.to, scenario.horizon
            );
        }
    }

    let request = analysis::Request {
        at: args.at.clone(),
        targets: scenario.target_states(),
        epsilon: scenario.epsilon,
        ..analysis::Request::default()
    };
    let mut exact = analysis::analyze_with(
        &scenario.chain,
        &scenario.initial,
        scenario.horizon,
        &request,
    );
    cli::phases::follow(&scenario, &mut exact);
    let simulation = match scenario.whatif.phases.is_empty() {
        true => simulate_if_asked(&scenario, quiet),
        false => cli::phases::simulate(&scenario, quiet),
    };
    let agreement = simulation.as_ref().map(|sim| {
        let hitting: Vec<Vec<f64>> = exact
            .hitting
            .iter()
            .map(|h| h.pmf_from(&scenario.initial))
            .collect();
        simulate::agreement(sim, &exact.trajectory, &hitting)
    });
    let mut summary = Summary::new(
        &scenario,
        &exact,
        simulation.as_ref().zip(agreement.as_ref()),
    );
    summary.expectations = cli::phases::expectations(&scenario);
    if let Some(traced) = args.trace {
        if args.output == Path::new("-") {
            return Err(Failure::invalid(vec![miette::miette!(
                help = "give --output DIR, the folder trace.csv goes into",
                "--trace {traced} writes trace.csv, but --output - writes no files"
            )]));
        }
        summary.trace = Some(trace(&scenario, traced)?);
        let mode = scenario.simulation.mode.resolve(
            scenario.simulation.walkers,
            scenario.chain.len(),
            scenario.horizon,
        );
        if mode == simulate::Mode::Counts && scenario.whatif.phases.is_empty() && !quiet {
            eprintln!(
                "note: counts mode draws how many walkers are where, not one walker's path: the \
                 {traced} traced walkers are walked apart from the counts (--mode walkers traces \
                 walkers that are counted)"
            );
        }
    }

    match args.format {
        Format::Table => cli::print_out!("{}", report::table::render(&summary)),
        Format::Json => cli::println_out!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("a summary always serializes")
        ),
        Format::Csv => cli::print_out!("{}", report::trajectory_csv(&summary)),
    }
    if !args.no_files && args.output != Path::new("-") {
        let written = interrupt::while_writing(|| report::write_run(&args.output, &summary));
        let (folder, written) = written.map_err(|e| Failure {
            reports: vec![miette::miette!(
                help = "check that the output folder can be written, or pass --output DIR",
                "{e}"
            )],
            code: exit::WRITE_FAILED,
        })?;
        if !quiet {
            eprintln!("wrote {}: {}", folder.display(), written.join(", "));
        }
    }
    Ok(())
}

/// Reads and validates a scenario file under `limits`.
fn load(file: &Path, limits: &Limits) -> Result<Scenario, Failure> {
    let read_error = |reason: String| {
        Failure::invalid(vec![miette::miette!(
            "cannot read {}: {reason}",
            file.display()
        )])
    };
    let text = cli::read::scenario_text(file).map_err(read_error)?;
    let default_name = file.file_stem().map_or_else(
        || "scenario".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Scenario::parse_within(&text, &default_name, limits).map_err(|e| {
        let problems = diagnostics::scenario_problems(e, &text);
        Failure::invalid(diagnostics::scenario_reports(problems, file, &text))
    })
}

/// Applies `--seed`, `--walkers` and `--horizon`.
fn apply_overrides(scenario: &mut Scenario, args: &RunArgs) -> Result<(), Failure> {
    if let Some(seed) = args.seed {
        scenario.simulation.seed = seed;
    }
    if let Some(walkers) = args.walkers {
        scenario.simulation.walkers = walkers;
    }
    if let Some(mode) = args.mode {
        scenario.simulation.mode = mode;
    }
    // The horizon first: the walker-steps below are counted over it.
    if let Some(horizon) = args.horizon {
        let limit = args.limits.max_horizon;
        if horizon > limit {
            return Err(Failure::invalid(vec![miette::miette!(
                help = format!(
                    "raise the limit with --max-horizon {horizon}, or use --at T to get S_t at a \
                     far step without the whole trajectory"
                ),
                "--horizon {horizon} is above the limit of {limit}"
            )]));
        }
        scenario.horizon = horizon;
    }
    if let Some(steps) = walker_steps(scenario).filter(|&s| s > args.max_walker_steps as f64) {
        return Err(Failure::invalid(vec![miette::miette!(
            help = "use --mode counts (the same counts, exactly distributed, in milliseconds), \
                    fewer --walkers or a shorter --horizon, or raise the limit with \
                    --max-walker-steps",
            "{} walkers × {} steps is {} walker-steps in walkers mode, more than the limit of \
             {} (about {})",
            scenario.simulation.walkers,
            scenario.horizon,
            large(steps),
            large(args.max_walker_steps as f64),
            duration(args.max_walker_steps as f64 / WALKER_STEPS_PER_SECOND)
        )]));
    }
    if let Some(epsilon) = args.epsilon {
        if !(MIN_EPSILON..1.0).contains(&epsilon) {
            return Err(Failure::invalid(vec![miette::miette!(
                help = "ε is the distance to the limit that counts as settled, for example 0.25; \
                        distances much below 1e-9 are lost in rounding",
                "--epsilon {epsilon} is not from {MIN_EPSILON:e} up to 1"
            )]));
        }
        scenario.epsilon = epsilon;
    }
    for spec in &args.targets {
        if spec.split(',').any(|name| name.trim().is_empty()) {
            return Err(Failure::invalid(vec![miette::miette!(
                help = "write a state name, or names separated by commas for a set: --target deploy,update",
                "--target {spec:?} has an empty state name"
            )]));
        }
        let target = parse_target(spec, scenario.states())?;
        if !scenario.targets.contains(&target) {
            scenario.targets.push(target);
        }
        if scenario.targets.len() > MAX_TARGETS {
            return Err(Failure::invalid(vec![miette::miette!(
                help = "analyse the targets in several runs",
                "{} targets, more than the {MAX_TARGETS} one run can follow",
                scenario.targets.len()
            )]));
        }
    }
    Ok(())
}

/// `--target a` or `--target a,b`: state names, checked against the scenario.
fn parse_target(spec: &str, states: &[String]) -> Result<Target, Failure> {
    let mut indices = Vec::new();
    for name in spec.split(',').map(str::trim) {
        match states.iter().position(|s| s == name) {
            Some(i) => indices.push(i),
            None => {
                let hint = match closest(name, states.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`? The states are: {}", states.join(", ")),
                    None => format!("the states are: {}", states.join(", ")),
                };
                return Err(Failure::invalid(vec![miette::miette!(
                    help = hint,
                    "--target {spec}: unknown state `{name}`"
                )]));
            }
        }
    }
    Ok(Target::new(indices, states))
}

/// Walker-steps above which a run says how long the simulation will take.
const LONG_SIMULATION_STEPS: f64 = 2e10;

/// Walker-steps a second on this kind of machine: about 2e8 on each of two
/// cores (benches/simulate.rs).
const WALKER_STEPS_PER_SECOND: f64 = 4e8;

/// The walker-steps a simulation in walkers mode will take (walkers ×
/// horizon, as a float so that nothing saturates), or `None` when the
/// simulation is off or draws counts, whose cost does not grow with walkers.
fn walker_steps(scenario: &Scenario) -> Option<f64> {
    let walkers = scenario.simulation.walkers;
    let mode = scenario
        .simulation
        .mode
        .resolve(walkers, scenario.chain.len(), scenario.horizon);
    (walkers > 0 && mode != simulate::Mode::Counts)
        .then_some(walkers as f64 * scenario.horizon as f64)
}

/// The sizes of `verchain run`'s work on `scenario` with these options.
fn run_workload(scenario: &Scenario, args: &RunArgs) -> Workload {
    let simulation = cli::limits::simulating(scenario);
    let steps = scenario.horizon as u64 + 1;
    Workload {
        states: scenario.chain.len(),
        horizon: scenario.horizon,
        targets: scenario.targets.len(),
        phases: scenario.whatif.phases.len(),
        simulation,
        // More rows than that are refused by the trace's own check.
        traced_rows: args
            .trace
            .map_or(0, |k| k.saturating_mul(steps).min(MAX_TRACE_ROWS)),
        threads: cli::limits::threads(),
        ..Workload::default()
    }
}

/// "4 minutes", "3 hours", "2900 years": a duration as a person says it.
/// A count that may be very large: whole below a million (`0`, `5000`),
/// in scientific notation from there (`2.000e6`).
fn large(count: f64) -> String {
    if count < 1e6 {
        format!("{count:.0}")
    } else {
        format!("{count:.3e}")
    }
}

fn duration(seconds: f64) -> String {
    let units = [
        (365.25 * 86400.0, "years"),
        (86400.0, "days"),
        (3600.0, "hours"),
        (60.0, "minutes"),
    ];
    units
        .iter()
        .find(|(size, _)| seconds >= 2.0 * size)
        .map_or_else(
            || format!("{seconds:.0} seconds"),
            |(size, name)| format!("{:.0} {name}", seconds / size),
        )
}

/// Runs the Monte Carlo simulation unless `walkers` is 0.
fn simulate_if_asked(scenario: &Scenario, quiet: bool) -> Option<simulate::Simulation> {
    let walkers = scenario.simulation.walkers;
    if walkers == 0 {
        return None;
    }
    let mode = scenario
        .simulation
        .mode
        .resolve(walkers, scenario.chain.len(), scenario.horizon);
    let steps = walker_steps(scenario).unwrap_or(0.0);
    if steps > LONG_SIMULATION_STEPS && !quiet {
        eprintln!(
            "note: {walkers} walkers × {} steps is {steps:.3e} walker-steps, about {} of work; \
             --mode counts draws the same counts in milliseconds, --walkers 0 skips the simulation",
            scenario.horizon,
            duration(steps / WALKER_STEPS_PER_SECOND)
        );
    }
    let steps = steps as u64;
    let progress = Progress::new(walkers, steps, quiet);
    let targets = scenario.target_states();
    let request = simulate::Request {
        horizon: scenario.horizon,
        walkers,
        seed: scenario.simulation.seed,
        mode,
        targets: &targets,
    };
    let simulation = simulate::run(
        scenario.chain.matrix(),
        &scenario.initial,
        &request,
        &|done| progress.advance(done),
    );
    progress.finish();
    Some(simulation)
}

/// Rows of `trace.csv` (walkers × steps) above which `--trace` is refused:
/// about 100 MB of CSV, already more than a person reads.
const MAX_TRACE_ROWS: u64 = 10_000_000;

/// The paths of the first `traced` walkers of the run, for `--trace`.
fn trace(scenario: &Scenario, traced: u64) -> Result<Vec<Vec<u32>>, Failure> {
    let walkers = scenario.simulation.walkers;
    let refuse = |message: String, help: &str| {
        Err(Failure::invalid(vec![miette::miette!(
            help = help.to_string(),
            "{message}"
        )]))
    };
    if walkers == 0 {
        return refuse(
            format!("--trace {traced}: the simulation is off (walkers: 0)"),
            "give --walkers N, at least as many as the walkers to trace",
        );
    }
    if traced > walkers {
        return refuse(
            format!("--trace {traced} asks for more walkers than the {walkers} simulated"),
            "trace at most as many walkers as the run simulates, or raise --walkers",
        );
    }
    let rows = traced.saturating_mul(scenario.horizon as u64 + 1);
    if rows > MAX_TRACE_ROWS {
        return refuse(
            format!(
                "--trace {traced} over {} steps is {rows} rows, more than the limit of {MAX_TRACE_ROWS}",
                scenario.horizon
            ),
            "trace fewer walkers or a shorter --horizon; the occupancy of all walkers is in trajectory.csv",
        );
    }
    Ok(simulate::trace(
        scenario.chain.matrix(),
        &scenario.initial,
        scenario.horizon,
        walkers,
        scenario.simulation.seed,
        traced as usize,
    ))
}
