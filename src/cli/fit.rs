//! `verchain fit EVENTS` and `verchain check --against EVENTS`: the flags,
//! and turning them into a fit, a printout and files.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use miette::Report;
use verchain::fit::read::{Columns, Format as InputFormat, ReadOptions, TimeKind};
use verchain::fit::{self, Choice, FitError, FitSummary, Request};
use verchain::report::{fit_files, fit_table};
use verchain::scenario::{Position, Problem, Scenario};

use super::args::Format;
use crate::Failure;

pub const FIT_EXAMPLES: &str = "\
Examples:
  verchain fit scenarios/histories/canary-registry.csv \\
      --state-map scenarios/histories/canary-labels.yaml --policy scenarios/canary-rollout.yaml
      the jump chain of a registry export with vendor labels, compared with the declared policy
  verchain fit scenarios/histories/canary-registry.csv --state-map scenarios/histories/canary-labels.yaml \\
      --policy scenarios/canary-rollout.yaml --step 1d
      the state of every version once a day (dwell becomes self-loops), against the daily policy
  verchain fit tests/data/fit/rain.csv --time-column day
      a plain sequence (day,state): each pair of consecutive rows is one step
  verchain fit tests/data/fit/holson.csv --format json > holson-fit.json
      a panel (id,time,state): the pairs within each individual, pooled
  verchain fit registry.jsonl --absorbing archived --observed-to 2025-07-01T00:00:00Z
  verchain run output/canary-registry-fit/fitted.yaml
      everything `run` computes, on the fitted chain

Input (CSV with a header, or JSON Lines when the file ends in .jsonl or .ndjson or with
--input-format jsonl; `-` reads standard input):
  events     version_id, timestamp, to_state; optional from_state, event_id, source
             (timestamps: RFC 3339 with an offset, or epoch milliseconds; epoch
             milliseconds in a column of another name need --integer-times epoch-ms)
  sequences  id, time, state: one row per version per step (integer steps)
  sequence   step, state
Rows are ordered per version by time; rows repeating an event_id, or a version, state and
time, are dropped and counted; a from_state that disagrees with the previous row is reported.
Versions whose last state is not absorbing are in flight at --observed-to: their moves count,
their last stay is censored.

Steps (stated in every output):
  --chain jump   only real moves count; holding times are reported per state (default for timestamps)
  --chain rows   each pair of consecutive rows is one step (default for step numbers)
  --step 7d      the state at every 7-day boundary from each version's first row

Files written under DIR/<name>/ (default name: the file's stem and -fit; --output - writes none):
  fit.json      every number: counts, estimates, intervals, holding times, comparison, drift test
  counts.csv    chain,from,to,count,row_total,estimate,lower,upper (and declared, with --policy)
  holding.csv   jump chain: stays, censored stays, mean, Kaplan-Meier quantiles per state
  fitted.yaml   the fitted chain as a scenario that `verchain run` accepts

Exit codes: 0 fitted, 2 invalid input (the message names the line), 3 output not written.";

/// Steps of the fit, when not the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChainKind {
    /// Only real moves count; holding times are reported separately
    Jump,
    /// Each pair of consecutive rows of a version is one step
    Rows,
}

/// How the text of a history is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputKind {
    /// Comma-separated values with a header line
    Csv,
    /// One JSON object a line
    Jsonl,
}

/// How integers in the time column are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IntegerTimes {
    /// Milliseconds since 1970-01-01T00:00:00Z
    EpochMs,
    /// Step numbers: 0, 1, 2, …
    Steps,
}

/// How to read a history: shared by `fit` and `check --against`.
#[derive(Debug, Clone, clap::Args)]
pub struct HistoryArgs {
    /// How the history is written (default: JSON Lines for names ending in .jsonl or
    /// .ndjson, CSV otherwise and for `-`)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputKind>,

    /// Vendor labels to scenario states: a YAML mapping such as `Succeeded: production`
    #[arg(long, value_name = "FILE")]
    pub state_map: Option<PathBuf>,

    /// What one step is: the jump chain or consecutive rows (default: jump for
    /// timestamps, rows for step numbers)
    #[arg(long, value_enum, conflicts_with = "step")]
    pub chain: Option<ChainKind>,

    /// Sample the state every DURATION instead (7d, 12h, 30min; or a whole number
    /// of steps when the times are step numbers)
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub step: Option<String>,

    /// The end of the export: RFC 3339 or a step number (default: the last time in the file)
    #[arg(long, value_name = "TIME")]
    pub observed_to: Option<String>,

    /// A state versions never leave (a state with no observed exits must be declared);
    /// repeatable
    #[arg(long, value_name = "STATE")]
    pub absorbing: Vec<String>,

    /// The column of version ids (default: version_id or id)
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,

    /// The column of times (default: timestamp, time or step)
    #[arg(long, value_name = "NAME")]
    pub time_column: Option<String>,

    /// How integers in the time column are read (default: epoch milliseconds in a
    /// column named `timestamp`, step numbers in any other)
    #[arg(long, value_enum, value_name = "UNIT")]
    pub integer_times: Option<IntegerTimes>,

    /// The column of states (default: to_state or state)
    #[arg(long, value_name = "NAME")]
    pub state_column: Option<String>,
}

/// `verchain fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// The history: CSV, or JSON Lines (.jsonl, .ndjson); `-` reads standard input
    pub events: PathBuf,

    #[command(flatten)]
    pub history: HistoryArgs,

    /// The declared policy (a scenario): orders the states, declares absorbing ones,
    /// and is compared with the fit
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Add ALPHA to the count of every move the policy allows (needs --policy)
    #[arg(long, value_name = "ALPHA", default_value_t = 0.0)]
    pub smoothing: f64,

    /// Test for drift between the steps before and after TIME (default: the middle
    /// of the observed period)
    #[arg(long, value_name = "TIME")]
    pub split: Option<String>,

    /// Folder for the results; the fit writes into DIR/<name>/ (`-`: write no
    /// files, print only)
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub output: PathBuf,

    /// Name of the results folder (default: the file's stem and -fit)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// What to print on stdout
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write no files, only print
    #[arg(long)]
    pub no_files: bool,

    /// The most states the history (or --policy) may have: the counts are
    /// n × n matrices, several of them
    #[arg(
        long,
        value_name = "N",
        default_value_t = verchain::limits::DEFAULT_MAX_STATES,
        value_parser = super::limits::at_least_one
    )]
    pub max_states: usize,
}

/// `check --against`: the history to check each scenario against.
#[derive(Debug, clap::Args)]
pub struct AgainstArgs {
    /// Fit this history and fail (exit 1) when it departs from a scenario: a move
    /// the scenario forbids, or an entry outside its simultaneous 95% interval
    #[arg(long, value_name = "EVENTS", value_parser = a_file)]
    pub against: Option<PathBuf>,

    #[command(flatten)]
    pub history: HistoryArgs,
}

/// `--against`: a file, read once for each scenario checked.
fn a_file(text: &str) -> Result<PathBuf, String> {
    if text == STDIN {
        return Err(
            "the history is read once for each scenario, so it must be a file, \
                    not standard input"
                .to_string(),
        );
    }
    Ok(PathBuf::from(text))
}

/// The name that reads the history from standard input.
const STDIN: &str = "-";

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// `verchain fit`: read, fit, print, write.
pub fn fit(args: &FitArgs, quiet: bool) -> Result<(), Failure> {
    let stem = if is_stdin(&args.events) {
        "stdin".to_string()
    } else {
        args.events.file_stem().map_or_else(
            || "history".to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    };
    let folder = args.name.clone().unwrap_or_else(|| format!("{stem}-fit"));
    if !verchain::scenario::is_safe_name(&folder) {
        return Err(invalid(
            format!("the results folder name {folder:?} cannot name a folder inside --output"),
            Some(format!(
                "give --name a name of at most {} bytes without `/`, `\\` or control \
                 characters, other than `.` and `..`",
                verchain::scenario::MAX_NAME_BYTES
            )),
        ));
    }
    let policy = args
        .policy
        .as_deref()
        .map(|policy| {
            let limits = verchain::limits::Limits {
                states: args.max_states,
                ..verchain::limits::Limits::default()
            };
            crate::load(policy, &limits)
        })
        .transpose()?;
    let summary = run_fit(
        &args.events,
        &args.history,
        policy.as_ref(),
        args.smoothing,
        args.split.clone(),
        Some(args.max_states),
        false,
    )?;
    let source = display_name(&args.events);
    match args.format {
        Format::Table => crate::cli::print_out!(
            "{}",
            fit_table::render(
                &summary,
                &source,
                args.policy.as_deref().map(display_name).as_deref()
            )
        ),
        Format::Json => {
            crate::cli::println_out!("{}", fit_files::fit_json(&summary, &source))
        }
        // The counts and intervals, as counts.csv holds them.
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
            for row in fit_files::counts_rows(&summary) {
                writer
                    .write_record(&row)
                    .map_err(|e| invalid(format!("cannot print the counts: {e}"), None))?;
            }
            writer
                .flush()
                .map_err(|e| invalid(format!("cannot print the counts: {e}"), None))?;
        }
    }
    // The table carries the warnings; JSON and CSV on stdout are for
    // programs, so a person reads them here.
    if !matches!(args.format, Format::Table) && !quiet {
        for warning in &summary.warnings {
            eprintln!("warning: {warning}");
        }
    }
    if args.no_files || args.output == Path::new(STDIN) {
        return Ok(());
    }
    // The fitted scenario's results go beside the fit's, under its name.
    let yaml = fit_files::fitted_scenario(
        &summary,
        &fitted_name(args.name.as_deref().unwrap_or(&stem)),
        &source,
    );
    let previous = fit_files::previous_source(&args.output.join(&folder).join("fit.json"))
        .filter(|previous| *previous != source);
    let written = crate::cli::interrupt::while_writing(|| {
        fit_files::write_fit(&args.output, &folder, &summary, &source, &yaml)
    });
    let (folder, written) = written.map_err(|e| Failure {
        reports: vec![miette::miette!(
            help = "check that the output folder can be written, or pass --output DIR",
            "{e}"
        )],
        code: crate::exit::WRITE_FAILED,
    })?;
    if !quiet {
        eprintln!("wrote {}: {}", folder.display(), written.join(", "));
        if let Some(previous) = previous {
            eprintln!(
                "note: the folder held the fit of {previous} before; give {} to keep the fits \
                 of different histories apart",
                if args.name.is_some() {
                    "another --name"
                } else {
                    "--name"
                }
            );
        }
    }
    Ok(())
}

/// What a history says of one scenario, for `check --against EVENTS`.
#[derive(Debug, Clone, PartialEq)]
pub enum Against {
    /// No forbidden move happened and every entry lies inside its
    /// simultaneous interval.
    Agrees {
        /// How the policy was read, in one sentence.
        basis: String,
        notes: FitNotes,
    },
    /// A forbidden move happened, or an entry lies outside its simultaneous
    /// interval: the gate fails (exit 1), as on a failed expectation.
    Departs {
        /// How the policy was read, in one sentence.
        basis: String,
        /// One line per departure: "a → b is forbidden and happened 3 times".
        departures: Vec<String>,
        notes: FitNotes,
    },
    /// The history cannot be read, or not fitted with the scenario as its
    /// policy (a label mapped to no state of it): the gate stops (exit 2),
    /// as on an invalid scenario.
    Invalid(Vec<HistoryProblem>),
}

/// What a fit says of the history besides the comparison, which `fit`
/// prints in its table and `check --against` on stderr.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FitNotes {
    /// What looks wrong without being an error: integer timestamps that
    /// look like epoch seconds, say.
    pub warnings: Vec<String>,
    /// What cleaning the rows did (rows dropped, sorted, `from_state`
    /// mismatches), as `fit_table::cleaning_lines` says it; empty when
    /// nothing was cleaned.
    pub cleaning: Vec<String>,
}

/// A problem that keeps a history from being fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryProblem {
    pub problem: Problem,
    /// The file the problem is in, which the problem's position is a place of.
    pub place: Place,
}

/// Where a [`HistoryProblem`] is.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// In the state map, at the problem's position; its text is kept to show
    /// the line.
    StateMap { path: PathBuf, text: String },
    /// On a line of the history file, the problem's line; the message names
    /// the file and the line too, for a person reading it alone.
    History(PathBuf),
    /// In no one place: the history as a whole (its message names the
    /// file), or the command.
    Whole,
}

impl HistoryProblem {
    /// The problem for a person, with the state map's line shown when it
    /// is in the map.
    pub fn report(&self) -> Report {
        match &self.place {
            Place::StateMap { path, text } => super::diagnostics::problem_report(
                self.problem.clone(),
                &path.display().to_string(),
                text,
            ),
            // A history may be gigabytes: its message names the line instead.
            Place::History(_) | Place::Whole => match &self.problem.help {
                Some(help) => miette::miette!(help = help.clone(), "{}", self.problem.message),
                None => miette::miette!("{}", self.problem.message),
            },
        }
    }

    /// The file the problem is in: the state map or the history, or else
    /// `history_check`, the file whose check read the history.
    pub fn file<'a>(&'a self, history_check: &'a Path) -> &'a Path {
        match &self.place {
            Place::StateMap { path, .. } | Place::History(path) => path,
            Place::Whole => history_check,
        }
    }

    /// The message, preceded by the place in the state map when it is there
    /// (a problem of the history names its file and line already).
    pub fn placed_message(&self) -> String {
        match &self.place {
            Place::StateMap { path, .. } if self.problem.position.line > 0 => format!(
                "{}:{}:{}: {}",
                path.display(),
                self.problem.position.line,
                self.problem.position.column,
                self.problem.message
            ),
            Place::StateMap { path, .. } => format!("{}: {}", path.display(), self.problem.message),
            Place::History(_) | Place::Whole => self.problem.message.clone(),
        }
    }
}

/// Why a history was not fitted.
enum NotFitted {
    /// A problem of the fit, or of the state map, with its place.
    Problem(Box<HistoryProblem>),
    /// Any other: the history cannot be opened, or the command is wrong.
    Other(Failure),
}

impl From<NotFitted> for Failure {
    fn from(not: NotFitted) -> Self {
        match not {
            NotFitted::Problem(problem) => Failure::invalid(vec![problem.report()]),
            NotFitted::Other(failure) => failure,
        }
    }
}

impl From<Failure> for NotFitted {
    fn from(failure: Failure) -> Self {
        Self::Other(failure)
    }
}

/// What would bring a history and a policy that departs from it together.
pub const DEPARTS_HELP: &str = "update the policy to what happens, or find out why the process \
                                departs from it; `verchain fit EVENTS --policy FILE` shows the \
                                whole comparison";

/// `check --against EVENTS` for one scenario: fit the history with the
/// scenario as the policy and compare the two. Prints nothing; the gate
/// reports the outcome with the scenario's other findings, and the fit's
/// notes on the history.
pub fn check_against(scenario: &Scenario, events: &Path, history: &HistoryArgs) -> Against {
    // Every label must map to one of the scenario's states, which its own
    // limit bounded.
    // A state the history never shows left is no evidence against the
    // policy: its row is left out of the comparison, with a warning.
    let summary = match run_fit(events, history, Some(scenario), 0.0, None, None, true) {
        Ok(summary) => summary,
        Err(NotFitted::Problem(problem)) => return Against::Invalid(vec![*problem]),
        Err(NotFitted::Other(failure)) => {
            return Against::Invalid(
                problems_of(&failure)
                    .into_iter()
                    .map(|problem| HistoryProblem {
                        problem,
                        place: Place::Whole,
                    })
                    .collect(),
            );
        }
    };
    let notes = FitNotes {
        cleaning: fit_table::cleaning_lines(&summary),
        warnings: summary.warnings,
    };
    let comparison = summary
        .comparison
        .expect("a fit with a policy has a comparison");
    if comparison.agrees {
        return Against::Agrees {
            basis: comparison.basis,
            notes,
        };
    }

    let mut departures: Vec<String> = comparison
        .forbidden
        .iter()
        .map(|f| {
            format!(
                "{} → {} is forbidden and happened {}",
                f.from,
                f.to,
                verchain::words::count(f.count, "time")
            )
        })
        .collect();
    departures.extend(comparison.outside.iter().filter(|o| o.beyond_simultaneous).map(|o| {
        format!(
            "{} → {} is declared {:.4}, the history gives {:.4} ({} of {}), outside even the \
             simultaneous interval [{:.4}, {:.4}] of the {} entries compared",
            o.from,
            o.to,
            o.declared,
            o.estimate,
            o.count,
            o.row_total,
            o.simultaneous.0,
            o.simultaneous.1,
            comparison.entries_compared
        )
    }));
    Against::Departs {
        basis: comparison.basis,
        departures,
        notes,
    }
}

/// The reports of a failed read as problems of the whole history: the
/// message (which names the file, and the line when there is one) and the
/// hint.
fn problems_of(failure: &Failure) -> Vec<Problem> {
    failure
        .reports
        .iter()
        .map(|report| Problem {
            message: report.to_string(),
            position: Position::default(),
            label: None,
            help: report.help().map(|help| help.to_string()),
        })
        .collect()
}

/// The name of the fitted scenario: `base` and `-fitted`, `base` cut short
/// where that would make a name too long to name an output folder.
fn fitted_name(base: &str) -> String {
    const SUFFIX: &str = "-fitted";
    let mut end = base
        .len()
        .min(verchain::scenario::MAX_NAME_BYTES - SUFFIX.len());
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{SUFFIX}", &base[..end])
}

fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "standard input".to_string()
    } else {
        path.display().to_string()
    }
}

fn invalid(message: String, help: Option<String>) -> Failure {
    let report: Report = match help {
        Some(help) => miette::miette!(help = help, "{message}"),
        None => miette::miette!("{message}"),
    };
    Failure::invalid(vec![report])
}

fn run_fit(
    events: &Path,
    history: &HistoryArgs,
    policy: Option<&Scenario>,
    smoothing: f64,
    split: Option<String>,
    max_states: Option<usize>,
    unobserved_rows: bool,
) -> Result<FitSummary, NotFitted> {
    let state_map = history
        .state_map
        .as_deref()
        .map(read_state_map)
        .transpose()?;
    let (input, expected_bytes): (Box<dyn Read>, Option<u64>) = if is_stdin(events) {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        if events.is_dir() {
            return Err(NotFitted::Other(invalid(
                format!(
                    "cannot read {}: it is a folder, not a history",
                    events.display()
                ),
                None,
            )));
        }
        let file = File::open(events)
            .map_err(|e| invalid(format!("cannot read {}: {e}", events.display()), None))?;
        // A regular file's size is known; a pipe's is not, and it streams.
        let size = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        (Box::new(file), size)
    };
    let extension = events
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = match history.input_format {
        Some(InputKind::Jsonl) => InputFormat::JsonLines,
        Some(InputKind::Csv) => InputFormat::Csv,
        None if matches!(extension.as_str(), "jsonl" | "ndjson") => InputFormat::JsonLines,
        None => InputFormat::Csv,
    };
    let choice = match (&history.step, history.chain) {
        (Some(step), _) => Choice::Step(step.clone()),
        (None, Some(ChainKind::Jump)) => Choice::Jump,
        (None, Some(ChainKind::Rows)) => Choice::Rows,
        (None, None) => Choice::Default,
    };
    let request = Request {
        read: ReadOptions {
            format,
            columns: Columns {
                id: history.id_column.clone(),
                time: history.time_column.clone(),
                state: history.state_column.clone(),
            },
            state_map: state_map.as_ref().map(|map| &map.labels),
            known_states: None,
            expected_bytes,
            integer_times: history.integer_times.map(|unit| match unit {
                IntegerTimes::EpochMs => TimeKind::Timestamp,
                IntegerTimes::Steps => TimeKind::Step,
            }),
        },
        choice,
        observed_to: history.observed_to.clone(),
        split,
        absorbing: history.absorbing.clone(),
        smoothing,
        policy: policy.map(|p| &p.chain),
        max_states,
        unobserved_rows,
    };
    let mut fitted = fit::fit(BufReader::new(input), &request);
    if let (Ok(summary), Some(policy)) = (&mut fitted, policy) {
        summary.warnings.extend(policy_warnings(summary, policy));
    }
    fitted.map_err(|e: FitError| {
        let help = e.help();
        // A target the policy lacks is the map's line to fix, not the history's.
        if let (FitError::MapTarget { label, .. }, Some(map)) = (&e, &state_map) {
            return NotFitted::Problem(Box::new(HistoryProblem {
                problem: Problem {
                    message: e.to_string(),
                    position: map.places.get(label).copied().unwrap_or_default(),
                    label: Some("not a state of the policy".to_string()),
                    help,
                },
                place: Place::StateMap {
                    path: map.path.clone(),
                    text: map.text.clone(),
                },
            }));
        }
        // A line of a file can be annotated; a line of standard input cannot.
        let (line, place) = match e.line() {
            Some(line) if !is_stdin(events) => (line, Place::History(events.to_path_buf())),
            _ => (0, Place::Whole),
        };
        NotFitted::Problem(Box::new(HistoryProblem {
            problem: Problem {
                message: format!("{}: {e}", display_name(events)),
                // The column is not kept with a row: the whole line is meant.
                position: Position {
                    line,
                    ..Position::default()
                },
                label: None,
                help,
            },
            place,
        }))
    })
}

/// What the comparison with `policy` cannot see for itself: phases it
/// leaves out, and a `--step` other than the policy's own unit of time.
fn policy_warnings(summary: &FitSummary, policy: &Scenario) -> Vec<String> {
    let mut warnings = Vec::new();
    if !policy.whatif.phases.is_empty() {
        warnings.push(format!(
            "the policy has {}; the history is compared with its base chain, the one in \
             force outside the phases",
            verchain::words::count(policy.whatif.phases.len() as u64, "phase")
        ));
    }
    // A unit such as `week` or `days` is a length of time; `cycle` is not.
    let policy_step = humantime::parse_duration(&format!("1{}", policy.unit))
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok());
    if let (fit::Semantics::Step { step }, TimeKind::Timestamp, Some(policy_step)) =
        (summary.semantics, summary.time, policy_step)
        && step != policy_step
    {
        warnings.push(format!(
            "one step of the policy is one {}, one step of the fit one {}; they are compared \
             step for step: give --step {} to match",
            policy.unit,
            summary.time.step_unit(step),
            humantime::format_duration(std::time::Duration::from_millis(policy_step as u64))
        ));
    }
    warnings
}

/// A state map as read: each label's state, and where the state is written.
struct StateMap {
    labels: BTreeMap<String, String>,
    places: BTreeMap<String, Position>,
    path: PathBuf,
    text: String,
}

/// Reads a `label: state` mapping.
fn read_state_map(path: &Path) -> Result<StateMap, NotFitted> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(
            format!("cannot read the state map {}: {e}", path.display()),
            None,
        )
    })?;
    match parse_state_map(&text) {
        Ok(entries) => {
            let places = entries
                .iter()
                .map(|(label, state)| (label.clone(), Position::of(&state.referenced)))
                .collect();
            Ok(StateMap {
                labels: entries
                    .into_iter()
                    .map(|(label, state)| (label, state.value))
                    .collect(),
                places,
                path: path.to_path_buf(),
                text,
            })
        }
        Err(e) => {
            // Shown as a scenario's YAML is: the file, the line, the place.
            let mut problem = super::diagnostics::yaml_problem(&e, &text);
            problem.message = format!("the state map: {}", problem.message);
            problem.help.get_or_insert_with(|| {
                "write one `label: state` a line, for example `Succeeded: production`".to_string()
            });
            Err(NotFitted::Problem(Box::new(HistoryProblem {
                problem,
                place: Place::StateMap {
                    path: path.to_path_buf(),
                    text,
                },
            })))
        }
    }
}

/// A state map's entries, each state with where it is written: a flat
/// mapping of label strings to state strings, and nothing else.
fn parse_state_map(
    text: &str,
) -> Result<BTreeMap<String, serde_saphyr::Spanned<String>>, serde_saphyr::Error> {
    serde_saphyr::from_str(text)
}

/// Whether `text`, which is not a valid scenario, is a state map for
/// `--state-map` (so that `check DIR` can pass over the map kept beside its
/// history). A scenario always has a `states` list, so a valid one never
/// reads as a map of strings; a broken one that does (`name: x`, `states:
/// a`) uses scenario keys, which no state map is taken to be. An empty
/// mapping maps nothing.
pub fn is_state_map(text: &str) -> bool {
    parse_state_map(text).is_ok_and(|entries| {
        !entries.is_empty()
            && entries
                .keys()
                .all(|label| !verchain::scenario::TOP_LEVEL_KEYS.contains(&label.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_flat_map_of_labels_to_states_is_a_state_map() {
        let cases = [
            ("None: candidate\nStaging: canary\n", true),
            ("# labels\nSucceeded: production\n", true),
            // Not a mapping of strings to strings.
            (
                "states: [a, b]\ntransitions:\n  a: {b: 1}\n  b: absorbing\n",
                false,
            ),
            ("Ready: {state: deploy}\n", false),
            ("- Ready\n- deploy\n", false),
            // Broken YAML, a key twice, nothing at all.
            ("Ready: [deploy\n", false),
            ("Ready: deploy\nReady: test\n", false),
            ("", false),
            ("{}\n", false),
            // A scenario broken into the same shape is still a scenario.
            ("name: x\nstates: a\n", false),
            ("initial: develop\n", false),
        ];
        for (text, want) in cases {
            assert_eq!(is_state_map(text), want, "{text:?}");
        }
    }
}
