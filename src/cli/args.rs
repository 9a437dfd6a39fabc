//! The command line, as clap types. Only parsing lives here; `main` turns
//! the parsed values into work.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
pub use verchain::report::format::Format;

const ABOUT: &str = "Model-version lifecycles as Markov chains: where versions are after t \
release cycles, exactly and by simulation, where they settle, what changes when a policy \
parameter moves, and whether a policy is a valid chain that keeps its promises.";

const CONVENTION: &str = "\
Conventions:
  Rows of the transition matrix T are \"from\" states: T[i][j] is the probability of
  moving from state i to state j in one step, and every row sums to 1. A distribution
  is a row vector, so S_{t+1} = S_t · T and S_t = S_0 · T^t. (Some articles write
  S_t = T · S_{t-1} with columns summing to 1; give verchain the transpose of such a
  matrix.)

Exit codes:
  0  success
  1  a declared expectation fails (verchain check), or `check --against EVENTS`
     finds the history departing from the scenario
  2  invalid input or usage: nothing was written
  3  an output file could not be written";

const RUN_EXAMPLES: &str = "\
Examples:
  verchain run scenarios/seed-article.yaml
      table on the terminal; files under output/seed-article/
  verchain run scenarios/seed-article.yaml --format json > seed.json
  verchain run scenarios/seed-article.yaml --format csv --no-files > trajectory.csv
  verchain run scenarios/mlflow-registry.yaml --walkers 1000000 --seed 7
  verchain run scenarios/seed-article.yaml --walkers 1000000000000 --mode counts
      10^12 simulated versions, as exact counts, in milliseconds
  verchain run scenarios/seed-article.yaml --at 1000000 --at 1000000000000000000
      S_t at far steps, by repeated squaring
  verchain run scenarios/canary-rollout.yaml --horizon 52 --output /tmp/what-if
  verchain run scenarios/mlflow-registry.yaml --trace 20
      also the week-by-week paths of the first 20 simulated versions, in trace.csv
  verchain run scenarios/canary-rollout.yaml --target production --target canary_aborted,prod_rollback
      how likely and how soon versions reach production, or are aborted or rolled back

Files written under DIR/<scenario name>/ (--output - writes none):
  report.md       the results as a Markdown page for a pull request, charts linked
  summary.json    every number of the run (the same document as --format json)
  trajectory.csv  step, then exact_<state>, simulated_<state>, se_<state> per state
  occupancy.png   occupancy over the steps: exact lines, Monte Carlo band (± 2 SE)
  occupancy.svg   the same, as SVG
  stationary.png  where versions settle: stationary distribution(s), as bars
  stationary.svg  the same, as SVG
  matrix.png, .svg
                  the transition matrix as a heatmap, probabilities in the cells
  convergence.csv, .png, .svg
                  the distance to the long-run limit by step (log scale), ε marked
  hitting.csv, .png, .svg
                  with targets: the share of versions that have reached each target by step,
                  exact and simulated
  trace.csv       with --trace K: walker, step, state for the first K walkers
Each file is written whole or not at all; a run that fails writes nothing.";

const CHECK_EXAMPLES: &str = "\
Examples:
  verchain check scenarios/*.yaml
  verchain check scenarios/*.yaml --format csv > problems.csv
      one record per problem: file, line, column, message, label, help
  verchain check scenarios/invalid/seed-article-as-printed.yaml   # exit 2, names row `test`
  verchain check scenarios/ --format github       # in a GitHub Actions step
      every .yaml and .yml file below the folder; exit 2 here, as scenarios/invalid/ holds a
      scenario that fails by design (scenarios/*.yaml passes). A state map found in a folder
      (`label: state`, for `fit --state-map`) is skipped with a note.
  verchain check scenarios/*.yaml --junit check.xml

A folder is searched below for files named .yaml or .yml, in any case (X.YAML too);
hidden entries below it (.github/, .git/: workflow YAML is no scenario) and links to
folders are skipped; a folder named itself is searched even when hidden. A file named
twice, or named and found in a folder, is checked once. A folder that gives no scenario
(none there, or only state maps and nothing else checked) is an invalid input, reported
in every format.
--junit refuses a file the run reads (a scenario, the history, the state map) or one
named .yaml or .yml; it writes through a link, and into a pipe or a device as it is.

What is checked, for each file: the base chain, every phase and every sweep
point are valid chains; every line of `expect` holds at the base scenario, in
every phase (its policy held throughout) and at every sweep point, e.g.
  expect:
    - stationary[production] >= 0.3
    - occupancy[prod_rollback] at 20 <= 0.05
    - hitting[production].probability from candidate >= 0.5
    - absorption[archived] from canary >= 0.9
    - mixing_time <= 12

Every problem is listed with its file, line and column.
Exit 0 when all is well, 1 when an expectation fails or the history departs, 2 when a
scenario or the history is invalid or a folder gives no scenario.";

/// `--max-walker-steps` by default: about 4 minutes on two cores.
pub const DEFAULT_MAX_WALKER_STEPS: u64 = 100_000_000_000;

/// The verchain command line.
#[derive(Debug, Parser)]
#[command(name = "verchain", version, about = ABOUT, after_help = CONVENTION)]
pub struct Cli {
    /// Print only results and errors: no progress bar, no list of files written, no `ok:` lines
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute a scenario's trajectory, structure, stationary distributions and
    /// Monte Carlo run; print a summary and write tables and charts.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Validate scenarios (every phase and sweep point) and check their
    /// expectations: the CI gate.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Estimate the transition matrix from a registry or rollout history, with an
    /// interval for every entry; compare it with a declared policy.
    #[command(after_help = super::fit::FIT_EXAMPLES)]
    Fit(super::fit::FitArgs),
    /// Evaluate the scenario's `sweeps` grid: metrics at every point, the
    /// lowest and highest of each, sweep.csv and charts.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep(SweepArgs),
    /// Join the shards of a sweep (`sweep --shard K/N`) into the files one
    /// run writes.
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
    /// Rank which parameter moves each metric most: exact derivatives of
    /// long-run shares, absorption and hitting, by the fundamental matrix.
    #[command(after_help = SENSITIVITY_EXAMPLES)]
    Sensitivity(SensitivityArgs),
    /// Write a scenario's chain for another tool: PRISM or Storm, Graphviz,
    /// Mermaid, or the validated matrix as JSON or CSV.
    #[command(after_help = super::generate::EXPORT_EXAMPLES)]
    Export(super::generate::ExportArgs),
    /// Print the JSON Schema of scenario files, for editors that validate
    /// and complete YAML.
    #[command(after_help = super::generate::SCHEMA_EXAMPLES)]
    Schema(super::generate::OutputArgs),
    /// Print a shell completion script.
    #[command(after_help = super::generate::COMPLETIONS_EXAMPLES)]
    Completions(super::generate::CompletionsArgs),
    /// Print a man page (roff), generated from this command line.
    #[command(after_help = super::generate::MAN_EXAMPLES)]
    Man(super::generate::ManArgs),
}

const SENSITIVITY_EXAMPLES: &str = "\
Examples:
  verchain sensitivity scenarios/canary-rollout.yaml
      each target's hitting probability and expected time, and the absorption into
      archived, each against canary_pass and rollback_rate (long-run shares too,
      for states in closed classes of several states)
  verchain sensitivity scenarios/canary-rollout.yaml --metric 'hitting[production].expected from candidate'

For each metric m and parameter θ: ∂m/∂θ, exact (each entry's expression is
differentiated exactly, then through the fundamental matrix), and the
elasticity θ/m · ∂m/∂θ (the % change of m per % change of θ). Parameters are
ranked by |∂m/∂θ|. Written to DIR/<scenario name>/sensitivity.csv.";

/// `verchain sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// The scenario file (YAML), with `parameters`
    pub file: PathBuf,

    /// A metric to differentiate (repeatable); default: stationary, the
    /// targets' hitting probability and expected time, absorption
    #[arg(long = "metric", value_name = "METRIC")]
    pub metrics: Vec<String>,

    /// Folder for the results; writes DIR/<scenario name>/sensitivity.csv
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub output: PathBuf,

    /// What to print on stdout: the table, the results as JSON, or CSV (the
    /// same as the file written)
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write no files, only print
    #[arg(long)]
    pub no_files: bool,

    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

const SWEEP_EXAMPLES: &str = "\
Examples:
  verchain sweep scenarios/seed-article.yaml
      p over {0.5, 0.6}: the stationary distribution at each, in a table and sweep.csv
  verchain sweep scenarios/canary-rollout.yaml --output /tmp/what-if
  verchain sweep big.yaml --shard 3/16
      only the third of 16 slices of the grid, into sweep.shard-3-of-16.csv

A scenario declares its grid and metrics:
  sweeps:
    parameters:
      p: [0.5, 0.6]                                  # a list
      q: {from: 0.1, to: 0.5, step: 0.1}             # a linear range
      r: {from: 0.001, to: 0.1, count: 5, scale: log}
    metrics: [stationary, \"hitting[deploy].expected from develop\", mixing_time]
    simulate: true          # optional: also the Monte Carlo run at every point
Several parameters form a grid (the first varies slowest). Values outside a
parameter's `range` are left out; a point whose rows are not a valid chain is
an error naming the point. Metrics: stationary[s], occupancy[s] at T,
absorption[s] [from a], hitting[s].probability|expected|expected_if_reached
[from a], mixing_time; `stationary` and `occupancy at T` alone mean every state.

Files written under DIR/<scenario name>/ (the run's files there are kept):
  sweep.csv             point, the parameters, then one column per metric
  sweep-<metric>.png/.svg
                        one parameter: metrics against it, a line per state;
                        two parameters: a heatmap per metric";

const MERGE_EXAMPLES: &str = "\
Examples:
  verchain merge big.yaml output/big/sweep.shard-*.csv
      checks that the shards cover every point once, then writes sweep.csv and
      the charts exactly as `verchain sweep big.yaml` would";

/// `verchain sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file (YAML), with `sweeps`
    pub file: PathBuf,

    /// Folder for the results; the sweep writes into DIR/<scenario name>/
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub output: PathBuf,

    /// Compute only shard K of N (1 ≤ K ≤ N), a fixed slice of the grid,
    /// into sweep.shard-K-of-N.csv; join the shards with `verchain merge`
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,

    /// What to print on stdout: the table, the results as JSON, or CSV (the
    /// same as the file written)
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write no files, only print
    #[arg(long)]
    pub no_files: bool,

    #[command(flatten)]
    pub limits: super::limits::LimitArgs,

    #[command(flatten)]
    pub sweep_limits: super::limits::SweepLimitArgs,
}

/// `verchain merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The scenario file the shards were computed from
    pub file: PathBuf,

    /// The shards' sweep.shard-K-of-N.csv files
    #[arg(required = true, value_name = "SHARD_CSV")]
    pub shards: Vec<PathBuf>,

    /// Folder for the results; the merge writes into DIR/<scenario name>/
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub output: PathBuf,

    /// What to print on stdout: the table, the results as JSON, or CSV (the
    /// same as the file written)
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write no files, only print
    #[arg(long)]
    pub no_files: bool,

    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

/// Shard `index` of `of`, both from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub of: u64,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not K/N, e.g. 3/16"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{s}` in `{text}` is not a whole number"))
    };
    let (index, of) = (number(k)?, number(n)?);
    if of == 0 || index == 0 || index > of {
        return Err(format!(
            "shard {index} of {of}: K must be from 1 to N (for a Kubernetes Indexed Job, \
             K = JOB_COMPLETION_INDEX + 1; for a Slurm array, K = SLURM_ARRAY_TASK_ID)"
        ));
    }
    Ok(Shard { index, of })
}

/// `verchain run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (YAML)
    pub file: PathBuf,

    /// Folder for the results; the run writes into DIR/<scenario name>/
    /// (`-`: write no files, print only)
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub output: PathBuf,

    /// What to print on stdout: the summary table, the JSON document
    /// (summary.json), or the trajectory as CSV (trajectory.csv)
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Seed of the simulation (overrides `simulation.seed`)
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Simulated versions; 0 turns the simulation off (overrides `simulation.walkers`)
    #[arg(long, value_name = "N")]
    pub walkers: Option<u64>,

    /// How to simulate: walkers (follow each version), counts (draw the
    /// counts directly, exactly distributed, in milliseconds for any number
    /// of versions), or auto (counts when that costs less and the run is long:
    /// about 10^7 walkers on a small chain); overrides `simulation.mode`
    #[arg(long, value_enum)]
    pub mode: Option<verchain::simulate::Mode>,

    /// Steps to follow (overrides `horizon`)
    #[arg(long, value_name = "H")]
    pub horizon: Option<usize>,

    /// Also compute S_t at step T exactly (0 ≤ T ≤ 2^63 − 1); repeatable
    #[arg(long = "at", value_name = "T", value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub at: Vec<u64>,

    /// Also analyse the time to reach STATE: probability, expected steps,
    /// distribution and percentiles; a set as `a,b`; repeatable (adds to `targets`)
    #[arg(long = "target", value_name = "STATE")]
    pub targets: Vec<String>,

    /// ε of the mixing time: the distance to the limit that counts as settled,
    /// from 1e-9 up to 1 (overrides `epsilon`; default 0.25)
    #[arg(long, value_name = "E", allow_negative_numbers = true)]
    pub epsilon: Option<f64>,

    /// Also write the full paths of the first K simulated walkers to
    /// trace.csv (walker, step, state), to look at individual histories
    #[arg(long, value_name = "K", conflicts_with = "no_files")]
    pub trace: Option<u64>,

    /// Write no files, only print
    #[arg(long)]
    pub no_files: bool,

    /// Largest simulation in walkers mode, in walker-steps (walkers × horizon),
    /// above which a run is refused rather than left to run for hours;
    /// counts mode has no such cost
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_WALKER_STEPS)]
    pub max_walker_steps: u64,

    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

/// `verchain check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files, or folders searched for .yaml and .yml files (in any case; hidden
    /// entries skipped)
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub against: super::fit::AgainstArgs,

    /// How to report: table (for a person), github (annotations that a
    /// GitHub Actions log turns into comments on the lines), or one record
    /// per finding (file, line, column, message, label, help) as JSON or CSV
    #[arg(short, long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,

    /// Also write a JUnit XML report to FILE (for GitLab, Jenkins and other CI systems);
    /// never one of the files checked
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    #[command(flatten)]
    pub limits: super::limits::LimitArgs,

    #[command(flatten)]
    pub sweep_limits: super::limits::SweepLimitArgs,
}

/// The report format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Each problem with its line shown and underlined, on stderr
    Table,
    /// `::error file=…,line=…` workflow commands on stdout
    Github,
    /// One JSON record per finding, on stdout
    Json,
    /// One CSV row per finding, with a header row, on stdout
    Csv,
}
