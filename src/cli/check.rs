//! `verchain check`: the CI gate.
//!
//! Every scenario named (or found under a folder named) is read and
//! validated: its base chain, every phase and every sweep point. Then every
//! expectation is checked at the base scenario, at each phase's chain and at
//! each sweep point. With `--against EVENTS`, each valid scenario is also
//! compared with the history fitted from `EVENTS`, whose warnings and
//! cleaning are printed on stderr. Each file's outcome is a
//! list of [`Finding`]s with their positions, which are printed for a
//! person, as GitHub Actions annotations or as records (JSON, CSV), or
//! written as JUnit XML. Exit 0 when all is well, 1 when an expectation
//! fails or the history departs from a scenario, 2 when a scenario or the
//! history is invalid.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use miette::Report;
use verchain::scenario::{Position, Problem, Scenario};
use verchain::sweep::{self, Evaluation, expect::Verdict};
use verchain::words::{count, count_as};

use super::args::{CheckArgs, CheckFormat};
use super::diagnostics;
use super::fit::{Against, AgainstArgs, DEPARTS_HELP, FitNotes, HistoryProblem};
use super::inputs::{self, Found};
use super::progress::Progress;
use super::records::ProblemRecord;
use verchain::report::format::{Format, records};

/// Subjects named per expectation before the rest are counted.
const SHOWN_FAILURES: usize = 5;
/// Invalid sweep points whose problems are listed before the rest are counted.
const SHOWN_INVALID_POINTS: usize = 3;

/// One thing wrong with a file.
#[derive(Debug, Clone)]
pub enum Finding {
    /// The file cannot be read, or its base chain, a phase or a sweep point
    /// is not a valid scenario.
    Invalid(Problem),
    /// An expectation does not hold (or has no value) somewhere.
    Failed {
        /// The expectation as written.
        expectation: String,
        position: Position,
        /// Where it fails, with the value: "at sweep point p = 0.3: ... = 0.21".
        details: Vec<String>,
        /// Subjects where it fails, beyond those in `details`.
        more: usize,
    },
    /// The history of `--against EVENTS` departs from the scenario: a
    /// failure, as a failed expectation is.
    Departs {
        /// The history, as named on the command line.
        history: String,
        /// How the policy was read for the comparison.
        basis: String,
        /// One line per forbidden move or entry outside its interval.
        departures: Vec<String>,
    },
    /// The history of `--against EVENTS` cannot be read, or not fitted with
    /// the scenario as its policy: an error, as an invalid scenario is.
    InvalidHistory(HistoryProblem),
}

/// A file's comparison with the history of `--against EVENTS`.
#[derive(Debug, Clone)]
pub struct HistoryCheck {
    /// The history, as named on the command line.
    pub history: String,
    /// How the policy was read; `None` when the history could not be fitted.
    pub basis: Option<String>,
    /// The fit's warnings and cleaning; none when it could not be fitted.
    pub notes: FitNotes,
}

/// The outcome of checking one file.
#[derive(Debug)]
pub struct FileCheck {
    pub path: PathBuf,
    /// The file's text, for showing lines; empty when unreadable.
    pub text: String,
    /// Chains validated: the base, the phases and the sweep points.
    pub chains: usize,
    /// Expectations checked, each at every chain.
    pub expectations: Vec<String>,
    /// With `--against EVENTS`, for a valid file: the comparison made.
    pub history: Option<HistoryCheck>,
    pub findings: Vec<Finding>,
    /// A folder named that gives no scenario: its one finding says why.
    pub folder: bool,
}

impl FileCheck {
    /// A folder named that gives no scenario to check, as `problem` says.
    fn folder(path: &Path, problem: Problem) -> Self {
        Self {
            path: path.to_path_buf(),
            text: String::new(),
            chains: 0,
            expectations: Vec::new(),
            history: None,
            findings: vec![Finding::Invalid(problem)],
            folder: true,
        }
    }

    fn any(&self, kind: impl Fn(&Finding) -> bool) -> bool {
        self.findings.iter().any(kind)
    }

    fn invalid(&self) -> bool {
        self.any(|f| matches!(f, Finding::Invalid(_)))
    }

    fn failed(&self) -> bool {
        self.any(|f| matches!(f, Finding::Failed { .. }))
    }

    fn history_invalid(&self) -> bool {
        self.any(|f| matches!(f, Finding::InvalidHistory(_)))
    }

    fn departs(&self) -> bool {
        self.any(|f| matches!(f, Finding::Departs { .. }))
    }
}

/// Exit codes of the gate.
pub const FAILED: u8 = 1;
pub const INVALID: u8 = 2;

/// Runs the gate; returns the reports to print and the exit code on failure.
pub fn run(args: &CheckArgs, quiet: bool) -> Result<(), (Vec<Report>, u8)> {
    if args.junit.as_deref() == Some(Path::new("-")) && args.format != CheckFormat::Table {
        return Err((
            vec![miette::miette!(
                help = "give --junit a file name, or drop --format",
                "--junit - writes XML on standard output, where --format {} writes its records too",
                args.format
                    .to_possible_value()
                    .map_or_else(String::new, |v| v.get_name().to_string())
            )],
            INVALID,
        ));
    }
    let found = inputs::collect(&args.files);
    if let Some(junit) = args.junit.as_deref().filter(|j| *j != Path::new("-")) {
        inputs::refuse_overwrite(junit, &found, &args.against)
            .map_err(|report| (vec![report], INVALID))?;
    }
    let checks = check_all(&found, args, quiet);
    print_notes(&checks, quiet);

    // `--junit -` owns stdout: the table's `ok:` lines would break its XML.
    let junit_on_stdout = args.junit.as_deref() == Some(Path::new("-"));
    let mut reports = match args.format {
        CheckFormat::Table => print_table(&checks, quiet || junit_on_stdout),
        CheckFormat::Github => {
            crate::cli::print_out!("{}", github(&checks));
            Vec::new()
        }
        CheckFormat::Json | CheckFormat::Csv => {
            let format = if args.format == CheckFormat::Json {
                Format::Json
            } else {
                Format::Csv
            };
            let found = finding_records(&checks);
            let text = if format == Format::Csv && found.is_empty() {
                // serde names the columns from a record; with none, a CSV
                // reader still needs the header.
                Some(format!("{}\n", ProblemRecord::COLUMNS.join(",")))
            } else {
                records(format, &found).map_err(|e| (vec![miette::miette!("{e}")], INVALID))?
            };
            // The records are the output; the reports would say the same again.
            crate::cli::print_out!("{}", text.unwrap_or_default());
            Vec::new()
        }
    };

    // After the findings, so that they are shown even when the file
    // cannot be written.
    if let Some(junit) = &args.junit {
        let xml = super::junit::render(&checks);
        // `--junit -`: the XML on stdout, as every file name `-` means.
        if junit == Path::new("-") {
            crate::cli::print_out!("{}", String::from_utf8_lossy(&xml));
        } else if let Err(e) = verchain::report::write_file(junit, &xml) {
            reports.push(miette::miette!(
                help = "check that the folder exists and can be written",
                "--junit: {e}"
            ));
            return Err((reports, 3));
        }
    }
    // The history's own reports say what is wrong with it.
    if checks.iter().any(FileCheck::history_invalid) {
        return Err((reports, INVALID));
    }
    let history = args.against.against.as_deref();
    match summary(&checks, history) {
        None => Ok(()),
        Some((line, code)) => {
            reports.push(miette::miette!("{line}"));
            Err((reports, code))
        }
    }
}

/// Checks every input found, in order. A folder that gives nothing to check
/// is an invalid input; when every file found is a state map, each folder
/// that held one is, so that a run never passes having checked nothing.
fn check_all(found: &[Found], args: &CheckArgs, quiet: bool) -> Vec<FileCheck> {
    let budget = args.limits.budget();
    let limits = Limits {
        limits: args.limits.limits(budget),
        budget,
        sweep_points: args.sweep_limits.max_sweep_points,
    };
    let mut checks: Vec<FileCheck> = Vec::new();
    // Each state map passed over, with the folder named that held it.
    let mut state_maps: Vec<(&Path, &Path)> = Vec::new();
    for item in found {
        let (path, folder) = match item {
            Found::Folder { path, problem } => {
                checks.push(FileCheck::folder(path, problem.clone()));
                continue;
            }
            Found::File { path, folder } => (path, folder.as_deref()),
        };
        match check_file(path, quiet, &limits, &args.against, folder.is_some()) {
            Some(check) => checks.push(check),
            None => {
                if !quiet {
                    eprintln!(
                        "note: skipped {}: a state map (`label: state`, for `verchain fit \
                         --state-map`), not a scenario",
                        path.display()
                    );
                }
                if let Some(folder) = folder {
                    state_maps.push((path, folder));
                }
            }
        }
    }
    if checks.iter().all(|c| c.folder) {
        let mut folders: Vec<&Path> = state_maps.iter().map(|(_, folder)| *folder).collect();
        folders.dedup();
        for folder in folders {
            let names: Vec<String> = state_maps
                .iter()
                .filter(|(_, f)| *f == folder)
                .map(|(path, _)| path.display().to_string())
                .collect();
            let problem = inputs::folder_problem(
                format!(
                    "no scenario to check: {} {} a state map, not a scenario",
                    names.join(", "),
                    if names.len() == 1 { "is" } else { "are each" }
                ),
                "name scenario files, or a folder that holds scenarios",
            );
            checks.push(FileCheck::folder(folder, problem));
        }
    }
    checks
}

/// The closing line and the exit code, unless all is well: how many files
/// are invalid, break an expectation or are departed from by the history,
/// each file counted once, under its worst finding (invalid wins).
fn summary(checks: &[FileCheck], history: Option<&Path>) -> Option<(String, u8)> {
    let files = checks.iter().filter(|c| !c.folder).count();
    let folders = checks.iter().filter(|c| c.folder).count();
    let invalid = checks.iter().filter(|c| !c.folder && c.invalid()).count();
    let failed = checks.iter().filter(|c| !c.invalid() && c.failed()).count();
    let departs = checks
        .iter()
        .filter(|c| !c.invalid() && !c.failed() && c.departs())
        .count();
    let of_files = count(files as u64, "scenario file");
    let mut clauses: Vec<String> = Vec::new();
    // The first clause counts out of all the files, the others "more".
    let out_of = |clauses: &[String], n: usize| {
        if clauses.is_empty() {
            format!("{n} of {of_files}")
        } else {
            format!("{n} more")
        }
    };
    if invalid > 0 {
        let verb = if invalid == 1 { "is" } else { "are" };
        clauses.push(format!("{} {verb} invalid", out_of(&clauses, invalid)));
    }
    if failed > 0 {
        let verb = if failed == 1 { "breaks" } else { "break" };
        clauses.push(format!(
            "{} {verb} an expectation",
            out_of(&clauses, failed)
        ));
    }
    if departs > 0 {
        let history = history.map_or_else(|| "the history".into(), |h| h.display().to_string());
        clauses.push(format!(
            "{history} departs from {}",
            out_of(&clauses, departs)
        ));
    }
    if folders > 0 {
        clauses.push(if files == 0 {
            "no scenario file checked".to_string()
        } else {
            format!(
                "{} {} no scenario to check",
                count(folders as u64, "folder"),
                if folders == 1 { "gives" } else { "give" }
            )
        });
    }
    let code = if invalid > 0 || folders > 0 {
        INVALID
    } else if failed > 0 || departs > 0 {
        FAILED
    } else {
        return None;
    };
    Some((clauses.join("; "), code))
}

/// One record per finding: a problem as it is, a failed expectation with
/// where it fails in the message.
fn finding_records(checks: &[FileCheck]) -> Vec<ProblemRecord> {
    let mut all = Vec::new();
    for check in checks {
        for finding in &check.findings {
            all.push(match finding {
                Finding::Invalid(problem) => ProblemRecord::of(&check.path, problem),
                Finding::Failed {
                    expectation,
                    position,
                    details,
                    more,
                } => ProblemRecord {
                    line: position.line,
                    column: position.column,
                    ..ProblemRecord::whole_file(
                        &check.path,
                        failure_summary(expectation, details, *more),
                    )
                },
                Finding::Departs {
                    history,
                    basis,
                    departures,
                } => ProblemRecord {
                    help: Some(DEPARTS_HELP.into()),
                    ..ProblemRecord::whole_file(
                        &check.path,
                        departure_summary(history, &check.path, basis, departures),
                    )
                },
                Finding::InvalidHistory(p) => ProblemRecord::of(p.file(&check.path), &p.problem),
            });
        }
    }
    all
}

/// Compares the scenario with the history of `--against EVENTS`, if one
/// is named: a departure is a finding like a failed expectation, a history
/// that cannot be fitted one like an invalid file.
fn check_against(scenario: &Scenario, against: &AgainstArgs, check: &mut FileCheck) {
    let Some(events) = &against.against else {
        return;
    };
    let history = events.display().to_string();
    let (basis, notes) = match super::fit::check_against(scenario, events, &against.history) {
        Against::Agrees { basis, notes } => (Some(basis), notes),
        Against::Departs {
            basis,
            departures,
            notes,
        } => {
            check.findings.push(Finding::Departs {
                history: history.clone(),
                basis: basis.clone(),
                departures,
            });
            (Some(basis), notes)
        }
        Against::Invalid(problems) => {
            check
                .findings
                .extend(problems.into_iter().map(Finding::InvalidHistory));
            (None, FitNotes::default())
        }
    };
    check.history = Some(HistoryCheck {
        history,
        basis,
        notes,
    });
}

/// The fit's notes on each history, on stderr whatever the format, so that
/// records on stdout stay records: its warnings always, what cleaning did
/// unless `quiet`. A history checked with several scenarios is fitted with
/// each, and says the same each time: each line is printed once.
fn print_notes(checks: &[FileCheck], quiet: bool) {
    let mut printed: Vec<String> = Vec::new();
    for check in checks {
        let Some(HistoryCheck { history, notes, .. }) = &check.history else {
            continue;
        };
        let mut lines: Vec<String> = notes
            .warnings
            .iter()
            .map(|warning| format!("warning: {history}: {warning}"))
            .collect();
        if !quiet && let Some((first, details)) = notes.cleaning.split_first() {
            let mut cleaning = format!("note: {history}: {first}");
            for detail in details {
                let _ = write!(cleaning, "\n  {detail}");
            }
            lines.push(cleaning);
        }
        for line in lines {
            if !printed.contains(&line) {
                eprintln!("{line}");
                printed.push(line);
            }
        }
    }
}

/// The limits a file is checked under.
pub struct Limits {
    /// Those of reading the scenario.
    pub limits: verchain::limits::Limits,
    /// The memory a check may use.
    pub budget: Option<super::limits::Budget>,
    /// The most sweep points.
    pub sweep_points: usize,
}

/// Reads, validates and checks one file; compares a valid one with the
/// history of `--against EVENTS`. `None` when `skip_state_map` is set and
/// the file is a state map, not a scenario.
pub fn check_file(
    path: &Path,
    quiet: bool,
    limits: &Limits,
    against: &AgainstArgs,
    skip_state_map: bool,
) -> Option<FileCheck> {
    let mut check = FileCheck {
        path: path.to_path_buf(),
        text: String::new(),
        chains: 0,
        expectations: Vec::new(),
        history: None,
        findings: Vec::new(),
        folder: false,
    };
    let unreadable = |reason: String| {
        Finding::Invalid(Problem {
            // Shown after the file's name: `FILE: cannot read: reason`.
            message: format!("cannot read: {reason}"),
            position: Position::default(),
            label: None,
            help: None,
        })
    };
    let text = match super::read::scenario_text(path) {
        Ok(text) => text,
        Err(reason) => {
            check.findings.push(unreadable(reason));
            return Some(check);
        }
    };
    let stem = path
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    let scenario = Scenario::parse_within(&text, &stem, &limits.limits);
    check.text = text;
    let scenario = match scenario {
        Ok(s) => s,
        // A history's state map is kept beside it, in a folder of scenarios
        // (`scenarios/histories/`); only a file that is nothing but a map is
        // passed over, never a broken scenario.
        Err(_) if skip_state_map && super::fit::is_state_map(&check.text) => return None,
        Err(e) => {
            let problems = diagnostics::scenario_problems(e, &check.text);
            check
                .findings
                .extend(problems.into_iter().map(Finding::Invalid));
            return Some(check);
        }
    };
    if let Some(problem) = too_large(&scenario, limits) {
        check.findings.push(Finding::Invalid(problem));
        return Some(check);
    }
    expectations(&scenario, &mut check, quiet);
    // A sweep point may be invalid: the history is compared with valid files only.
    if !check.invalid() {
        check_against(&scenario, against, &mut check);
    }
    Some(check)
}

/// Too many sweep points, or more memory than the check may use.
fn too_large(scenario: &Scenario, limits: &Limits) -> Option<Problem> {
    let points = scenario.whatif.sweep.as_ref().map_or(0, |grid| grid.len());
    if let Some(grid) = &scenario.whatif.sweep
        && let Err(message) = super::limits::check_sweep_points(points, points, limits.sweep_points)
    {
        return Some(Problem {
            message,
            position: grid.position,
            label: Some("too many points".into()),
            help: Some(super::limits::SWEEP_POINTS_HELP.into()),
        });
    }
    let workload = match &scenario.whatif.sweep {
        // The gate checks exact properties and does not simulate.
        Some(grid) => super::limits::sweep_workload(scenario, grid, points, false),
        None => verchain::limits::Workload {
            states: scenario.chain.len(),
            horizon: scenario.horizon,
            phases: scenario.whatif.phases.len(),
            threads: super::limits::threads(),
            ..verchain::limits::Workload::default()
        },
    };
    let estimate = verchain::limits::estimate(&workload);
    let (message, help) = super::limits::memory_problem(&estimate, limits.budget)?;
    Some(Problem {
        message,
        position: Position::default(),
        label: None,
        help: Some(help),
    })
}

/// Validates the sweep points and checks every expectation everywhere.
fn expectations(scenario: &Scenario, check: &mut FileCheck, quiet: bool) {
    let expects = &scenario.whatif.expectations;
    check.expectations = expects.iter().map(|e| e.expectation.text.clone()).collect();
    let mut failures: Vec<Vec<String>> = vec![Vec::new(); expects.len()];
    let mut record = |subject: &str, evaluation: &Evaluation| {
        let states = scenario.states();
        for (k, verdict) in evaluation.verdicts.iter().enumerate() {
            let e = &expects[k].expectation;
            let name = e.metric.display(states);
            match verdict {
                Verdict::Holds(_) | Verdict::NotApplicable => {}
                Verdict::Fails(v) => failures[k].push(format!(
                    "{subject}: {name} = {}, not {} {}",
                    shown(*v),
                    e.comparison,
                    e.bound
                )),
                Verdict::Undefined(reason) => failures[k].push(format!("{subject}: {reason}")),
            }
        }
    };

    record("at the base scenario", &sweep::evaluate_base(scenario, &[]));
    check.chains = 1;
    for (phase, evaluation) in scenario
        .whatif
        .phases
        .iter()
        .zip(sweep::evaluate_phases(scenario))
    {
        let subject = format!(
            "in phase `{}` (steps {} to {}), were its policy kept for good",
            phase.name, phase.from, phase.to
        );
        record(&subject, &evaluation);
        check.chains += 1;
    }
    if let Some(grid) = &scenario.whatif.sweep {
        let bar = Progress::points(grid.len() as u64, quiet);
        let points = sweep::run_with(scenario, 0..grid.len(), false, &|| bar.advance(1));
        bar.finish();
        check.chains += points.len();
        let mut invalid = 0;
        for point in &points {
            match &point.result {
                Ok(evaluation) => {
                    record(&format!("at sweep point {}", point.label()), evaluation);
                }
                Err(problems) => {
                    invalid += 1;
                    if invalid <= SHOWN_INVALID_POINTS {
                        let problems = problems.iter().cloned().map(|mut p| {
                            p.help = Some(
                                "change the values swept, or give the parameter a `range` that \
                                 leaves such points out"
                                    .into(),
                            );
                            Finding::Invalid(p)
                        });
                        check.findings.extend(problems);
                    }
                }
            }
        }
        if invalid > SHOWN_INVALID_POINTS {
            check.findings.push(Finding::Invalid(Problem {
                message: format!(
                    "{} more of the {} sweep points are invalid",
                    invalid - SHOWN_INVALID_POINTS,
                    points.len()
                ),
                position: grid.position,
                label: None,
                help: None,
            }));
        }
    }
    for (expect, failed) in expects.iter().zip(failures) {
        if failed.is_empty() {
            continue;
        }
        let more = failed.len().saturating_sub(SHOWN_FAILURES);
        check.findings.push(Finding::Failed {
            expectation: expect.expectation.text.clone(),
            position: expect.position,
            details: failed.into_iter().take(SHOWN_FAILURES).collect(),
            more,
        });
    }
}

/// A metric value in a message: infinity spelled out, 6 significant digits.
fn shown(value: f64) -> String {
    if value.is_infinite() {
        "infinite".into()
    } else {
        format!("{}", (value * 1e6).round() / 1e6)
            .parse::<f64>()
            .map_or_else(|_| value.to_string(), |v| v.to_string())
    }
}

/// The message of a failed expectation, one subject a line.
pub fn failure_message(expectation: &str, details: &[String], more: usize) -> String {
    let mut message = format!("expectation `{expectation}` fails");
    for detail in details {
        let _ = write!(message, "\n  {detail}");
    }
    if more > 0 {
        let _ = write!(message, "\n  and at {more} more");
    }
    message
}

/// The message of a failed expectation in one line, for a record or an
/// attribute.
pub fn failure_summary(expectation: &str, details: &[String], more: usize) -> String {
    let mut message = format!("expectation `{expectation}` fails: {}", details.join("; "));
    if more > 0 {
        let _ = write!(message, "; and {more} more");
    }
    message
}

/// The message of a history that departs from `file` in one line, for a
/// record or an attribute.
pub fn departure_summary(history: &str, file: &Path, basis: &str, departures: &[String]) -> String {
    format!(
        "{history} departs from {} ({basis}): {}",
        file.display(),
        departures.join("; ")
    )
}

/// The message of a history that departs from `file`, one departure a line.
pub fn departure_message(history: &str, file: &Path, basis: &str, departures: &[String]) -> String {
    let mut message = format!("{history} departs from {} ({basis}):", file.display());
    for departure in departures {
        let _ = write!(message, "\n  {departure}");
    }
    message
}

/// Reports for a person; `ok:` lines on stdout unless quiet.
fn print_table(checks: &[FileCheck], quiet: bool) -> Vec<Report> {
    let mut reports = Vec::new();
    for check in checks {
        let name = check.path.display().to_string();
        let scenario_ok = !check.invalid() && !check.failed();
        if scenario_ok && !quiet {
            let expectations = match check.expectations.len() {
                0 => "no expectations".to_string(),
                n => count_as(n as u64, "expectation holds", "expectations hold"),
            };
            let chains = count(check.chains as u64, "chain");
            crate::cli::println_out!("ok: {name} ({chains} valid, {expectations})");
        }
        if let Some(HistoryCheck {
            history,
            basis: Some(basis),
            ..
        }) = &check.history
            && !check.departs()
            && !quiet
        {
            crate::cli::println_out!("ok: {history} agrees with {name} ({basis})");
        }
        for finding in &check.findings {
            let report = match finding {
                Finding::Invalid(p) => diagnostics::problem_report(p.clone(), &name, &check.text),
                Finding::Failed {
                    expectation,
                    position,
                    details,
                    more,
                } => diagnostics::problem_report(
                    Problem {
                        message: failure_message(expectation, details, *more),
                        position: *position,
                        label: Some("does not hold".into()),
                        help: Some(
                            "change the policy, or the expectation if the promise has changed"
                                .into(),
                        ),
                    },
                    &name,
                    &check.text,
                ),
                // The history's lines are not the scenario's: no snippet.
                Finding::Departs {
                    history,
                    basis,
                    departures,
                } => miette::miette!(
                    help = DEPARTS_HELP,
                    "{}",
                    departure_message(history, &check.path, basis, departures)
                ),
                Finding::InvalidHistory(p) => p.report(),
            };
            reports.push(report);
        }
    }
    reports
}

/// GitHub Actions workflow commands: one `::error` line per finding.
pub fn github(checks: &[FileCheck]) -> String {
    let mut out = String::new();
    for check in checks {
        let file = escape_property(&check.path.display().to_string());
        for finding in &check.findings {
            let (title, position, message) = match finding {
                Finding::Invalid(p) => ("invalid scenario", p.position, with_help(p)),
                Finding::Failed {
                    expectation,
                    position,
                    details,
                    more,
                } => (
                    "expectation fails",
                    *position,
                    failure_message(expectation, details, *more),
                ),
                Finding::Departs {
                    history,
                    basis,
                    departures,
                } => (
                    "history departs",
                    Position::default(),
                    format!(
                        "{}\nhelp: {DEPARTS_HELP}",
                        departure_message(history, &check.path, basis, departures)
                    ),
                ),
                Finding::InvalidHistory(p) => {
                    ("invalid history", p.problem.position, with_help(&p.problem))
                }
            };
            // A problem of the state map or of a row of the history is
            // marked on its line in that file.
            let file = match finding {
                Finding::InvalidHistory(p) => {
                    escape_property(&p.file(&check.path).display().to_string())
                }
                _ => file.clone(),
            };
            let place = match (position.line, position.column) {
                (0, _) => String::new(),
                (line, 0) => format!(",line={line}"),
                (line, column) => format!(",line={line},col={column}"),
            };
            let _ = writeln!(
                out,
                "::error file={file}{place},title={}::{}",
                escape_property(&format!("verchain: {title}")),
                escape_data(&message)
            );
        }
    }
    out
}

/// A problem's message with its hint, if any, on a line of its own.
fn with_help(problem: &Problem) -> String {
    match &problem.help {
        Some(help) => format!("{}\nhelp: {help}", problem.message),
        None => problem.message.clone(),
    }
}

/// Escapes a workflow command's message: its line ends as the runner
/// reads them, every other control character written as an escape
/// (`\u{2}`) that the log shows rather than acts on.
fn escape_data(text: &str) -> String {
    diagnostics::visible(text)
        .replace('%', "%25")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_data("key `k\u{2}`\r"), "key `k\\u{2}`\\r");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
