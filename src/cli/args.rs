//! The command line, as clap types. Only parsing lives here; `main` turns
//! the parsed values into work.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
pub use verchain::report::format::Format;

const ABOUT: &str = "Model-version lifecycles as Markov chains: where versions are after t \
release cycles, exactly and by simulation, where they settle, and whether a policy is a valid chain.";

const CONVENTION: &str = "\
Conventions:
  Rows of the transition matrix T are \"from\" states: T[i][j] is the probability of
  moving from state i to state j in one step, and every row sums to 1. A distribution
  is a row vector, so S_{t+1} = S_t · T and S_t = S_0 · T^t. (Some articles write
  S_t = T · S_{t-1} with columns summing to 1; give verchain the transpose of such a
  matrix.)

Exit codes:
  0  success
  1  reserved for a declared expectation that fails (not used by this version)
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

Every problem in every file is listed with its file, line and column.
Exit 0 when every file is valid, 2 otherwise.";

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
    /// Validate scenario files without computing anything (for CI).
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
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
}

/// `verchain check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files to validate
    #[arg(required = true)]
    pub files: Vec<PathBuf>,

    /// How to print the problems: for a person, or one record per problem
    /// (file, line, column, message, label, help) as JSON or CSV
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}
