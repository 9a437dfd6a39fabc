//! The `verchain` command: reads scenarios, runs the library, prints and
//! writes the results, and maps every failure to a documented exit code.

mod cli;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use miette::Report;
use verchain::analysis;
use verchain::analysis::convergence::MIN_EPSILON;
use verchain::report::{self, Summary};
use verchain::scenario::expr::closest;
use verchain::scenario::{MAX_HORIZON, MAX_TARGETS, Scenario, Target};
use verchain::simulate;

use cli::args::{CheckArgs, Cli, Command, Format, RunArgs};
use cli::diagnostics;
use cli::generate;
use cli::progress::Progress;
use cli::records::ProblemRecord;

/// Exit codes, as documented in `--help` and the README.
mod exit {
    pub const INVALID: u8 = 2;
    pub const WRITE_FAILED: u8 = 3;
}

/// Why a command failed: the reports to print, the problems as records
/// (for `check --format json|csv`) and the exit code.
struct Failure {
    reports: Vec<Report>,
    records: Vec<ProblemRecord>,
    code: u8,
}

impl Failure {
    fn invalid(reports: Vec<Report>) -> Self {
        Self {
            reports,
            records: Vec::new(),
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
            records: Vec::new(),
            code: exit::WRITE_FAILED,
        }
    }
}

fn main() -> ExitCode {
    diagnostics::install_handler();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run(&args, cli.quiet),
        Command::Check(args) => check(&args, cli.quiet),
        Command::Export(args) => load(&args.file).and_then(|scenario| {
            let model = verchain::report::export::Model::of(&scenario);
            let text = verchain::report::export::render(&model, args.to);
            generate::emit(&args.output.output, &text).map_err(Failure::write_failed)
        }),
        Command::Schema(args) => {
            let schema = verchain::scenario::schema::json_schema();
            generate::emit(&args.output, &schema).map_err(Failure::write_failed)
        }
        Command::Completions(args) => {
            let script = generate::completions(args.shell);
            generate::emit(&args.output.output, &script).map_err(Failure::write_failed)
        }
        Command::Man(args) => {
            let page = generate::man(args.subcommand.as_deref());
            generate::emit(&args.output.output, &page).map_err(Failure::write_failed)
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

/// `verchain run`: load, validate, compute, simulate, report.
fn run(args: &RunArgs, quiet: bool) -> Result<(), Failure> {
    let mut scenario = load(&args.file)?;
    apply_overrides(&mut scenario, args)?;

    let request = analysis::Request {
        at: args.at.clone(),
        targets: scenario.targets.iter().map(|t| t.states.clone()).collect(),
        epsilon: scenario.epsilon,
        ..analysis::Request::default()
    };
    let exact = analysis::analyze_with(
        &scenario.chain,
        &scenario.initial,
        scenario.horizon,
        &request,
    );
    let simulation = simulate_if_asked(&scenario, quiet);
    let agreement = simulation.as_ref().map(|sim| {
        let hitting: Vec<Vec<f64>> = exact
            .hitting
            .iter()
            .map(|h| h.pmf.iter().map(|p| p.dot(&scenario.initial)).collect())
            .collect();
        simulate::agreement(sim, &exact.trajectory, &hitting)
    });
    let mut summary = Summary::new(
        &scenario,
        &exact,
        simulation.as_ref().zip(agreement.as_ref()),
    );
    if let Some(traced) = args.trace {
        if args.output == Path::new("-") {
            return Err(Failure::invalid(vec![miette::miette!(
                help = "give --output DIR, the folder trace.csv goes into",
                "--trace {traced} writes trace.csv, but --output - writes no files"
            )]));
        }
        summary.trace = Some(trace(&scenario, traced)?);
    }

    match args.format {
        Format::Table => print!("{}", report::table::render(&summary)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("a summary always serializes")
        ),
        Format::Csv => print!("{}", report::trajectory_csv(&summary)),
    }
    if !args.no_files && args.output != Path::new("-") {
        let (folder, written) = report::write_run(&args.output, &summary).map_err(|e| Failure {
            reports: vec![miette::miette!(
                help = "check that the output folder can be written, or pass --output DIR",
                "{e}"
            )],
            records: Vec::new(),
            code: exit::WRITE_FAILED,
        })?;
        if !quiet {
            eprintln!("wrote {}: {}", folder.display(), written.join(", "));
        }
    }
    Ok(())
}

/// `verchain check`: validate every file, report every problem.
fn check(args: &CheckArgs, quiet: bool) -> Result<(), Failure> {
    let mut reports = Vec::new();
    let mut records = Vec::new();
    let mut invalid = 0;
    for file in &args.files {
        match load(file) {
            Ok(scenario) => {
                if !quiet && args.format == Format::Table {
                    println!(
                        "ok: {} ({}, {} states)",
                        file.display(),
                        scenario.name,
                        scenario.chain.len()
                    );
                }
            }
            Err(failure) => {
                invalid += 1;
                reports.extend(failure.reports);
                records.extend(failure.records);
            }
        }
    }
    if let Some(text) = report::format::records(args.format, &records)
        .map_err(|e| Failure::invalid(vec![miette::miette!("{e}")]))?
    {
        // The records are the output; the reports would say the same again.
        print!("{text}");
        reports.clear();
    }
    if invalid == 0 {
        return Ok(());
    }
    reports.push(miette::miette!(
        "{invalid} of {} scenario files {} invalid",
        args.files.len(),
        if invalid == 1 { "is" } else { "are" }
    ));
    Err(Failure::invalid(reports))
}

/// Reads and validates a scenario file.
fn load(file: &Path) -> Result<Scenario, Failure> {
    let read_error = |reason: String| {
        let message = format!("cannot read {}: {reason}", file.display());
        Failure {
            records: vec![ProblemRecord::whole_file(file, message.clone())],
            ..Failure::invalid(vec![miette::miette!("{message}")])
        }
    };
    if file.is_dir() {
        return Err(read_error(
            "it is a folder, not a scenario file".to_string(),
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| read_error(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        read_error(format!(
            "line {line}, column {column} (byte {}) is not UTF-8 text; save the file as UTF-8",
            valid.len()
        ))
    })?;
    let default_name = file.file_stem().map_or_else(
        || "scenario".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    Scenario::parse(&text, &default_name).map_err(|e| {
        let problems = diagnostics::scenario_problems(e, &text);
        Failure {
            records: problems
                .iter()
                .map(|p| ProblemRecord::of(file, p))
                .collect(),
            ..Failure::invalid(diagnostics::scenario_reports(problems, file, &text))
        }
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
    if let Some(horizon) = args.horizon {
        if horizon > MAX_HORIZON {
            return Err(Failure::invalid(vec![miette::miette!(
                help = "use --at T to get S_t at a far step without the whole trajectory",
                "--horizon {horizon} is above the limit of {MAX_HORIZON}"
            )]));
        }
        scenario.horizon = horizon;
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
const LONG_SIMULATION_STEPS: u64 = 20_000_000_000;

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
    // Counts mode costs the same for any number of walkers: milliseconds.
    let steps = match mode {
        simulate::Mode::Counts => 0,
        _ => walkers.saturating_mul(scenario.horizon as u64 + 1),
    };
    if steps > LONG_SIMULATION_STEPS && !quiet {
        // About 2e8 walker-steps a second on one core.
        let minutes = steps as f64 / 2e8 / 60.0;
        eprintln!(
            "note: {walkers} walkers × {} steps is {steps:.3e} walker-steps, about {minutes:.0} minutes \
             of work; --mode counts draws the same counts in milliseconds, --walkers 0 skips the simulation",
            scenario.horizon
        );
    }
    let progress = Progress::new(walkers, steps, quiet);
    let targets: Vec<Vec<usize>> = scenario.targets.iter().map(|t| t.states.clone()).collect();
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
