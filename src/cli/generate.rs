//! The subcommands that write text for other tools: `export` (the chain for
//! a model checker, a diagram or a notebook), `schema` (the JSON Schema of
//! scenario files), `completions` (shell completion scripts) and `man` (man
//! pages, generated from the clap definition of the command line, so they
//! never drift from `--help`).
//!
//! Each writes to stdout, or with `--output FILE` to a file, whole or not at
//! all; `-` is stdout.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use verchain::report::export::Target;

use super::args::Cli;
use crate::Failure;

pub const EXPORT_EXAMPLES: &str = "\
Examples:
  verchain export scenarios/seed-article.yaml
      the matrix as a table on the terminal
  verchain export scenarios/seed-article.yaml --to prism -o seed.pm
      then: storm --prism seed.pm --prop 'P=? [ F<=10 \"deploy\" ]'
  verchain export scenarios/canary-rollout.yaml --to dot | dot -Tsvg > canary.svg
  verchain export scenarios/mlflow-registry.yaml --to mermaid
      paste between ```mermaid fences in a Markdown file
  verchain export scenarios/seed-article.yaml --to json > seed.json
  verchain export scenarios/seed-article.yaml --to csv > seed.csv

The exported chain is the validated one: every expression evaluated, `rest`
filled in, rows summing to 1. In PRISM, each state is a label; a start spread
over several states becomes an extra state `start` (the file says so).";

pub const SCHEMA_EXAMPLES: &str = "\
Examples:
  verchain schema > scenario.schema.json
  verchain schema -o schema/scenario.schema.json

Then make the first line of a scenario file
  # yaml-language-server: $schema=../schema/scenario.schema.json
and editors that use yaml-language-server (VS Code's YAML extension, Neovim,
Helix, Zed; JetBrains IDEs through their own schema mapping) check and
complete the keys as you type. The schema says what each key may hold; row
sums and state names are checked by `verchain check`.";

pub const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  verchain completions bash > ~/.local/share/bash-completion/completions/verchain
  verchain completions zsh > ~/.zfunc/_verchain     # with fpath+=(~/.zfunc) in ~/.zshrc
  verchain completions fish > ~/.config/fish/completions/verchain.fish";

pub const MAN_EXAMPLES: &str = "\
Examples:
  verchain man > verchain.1 && man ./verchain.1
  verchain man run -o verchain-run.1
  for c in run check export schema completions man; do verchain man $c -o verchain-$c.1; done";

/// `--output FILE`, for commands that print one document.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Write to FILE instead of stdout (`-` is stdout); written whole or not at all
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    pub output: PathBuf,
}

/// `verchain export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The scenario file (YAML)
    pub file: PathBuf,

    /// The format to write
    #[arg(long, short_alias = 't', visible_alias = "format", value_enum, default_value_t = Target::Table)]
    pub to: Target,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
}

/// `verchain completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: Shell,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `verchain man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// A subcommand's page (verchain-run(1)) instead of verchain(1)
    #[arg(value_parser = PAGES.map(|(subcommand, _)| subcommand))]
    pub subcommand: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Writes `text` to stdout when `output` is `-`, otherwise to the file,
/// whole or not at all. A file named as a scenario is (`.yaml`, `.yml`),
/// or the same file as `input`, is refused: none of these texts is a
/// scenario, and writing it there would replace one.
///
/// # Errors
///
/// The output would replace a scenario, the file could not be written, or
/// stdout is closed.
pub fn emit(output: &Path, text: &str, input: Option<&Path>) -> Result<(), Failure> {
    let refuse = |message: String| {
        Failure::invalid(vec![miette::miette!(
            help = "give --output another file name, or `-` for standard output",
            "{message}"
        )])
    };
    if output != Path::new("-") {
        if let Some(input) = input.filter(|input| super::inputs::same_file(output, input)) {
            return Err(refuse(format!(
                "--output {} is the scenario read, {}: writing there would replace it",
                output.display(),
                input.display()
            )));
        }
        if super::inputs::is_scenario_name(output) {
            return Err(refuse(format!(
                "--output {} names a scenario file (.yaml or .yml): writing there would replace \
                 a scenario, and the next `verchain check` of its folder would read it as one",
                output.display()
            )));
        }
    }
    write_out(output, text).map_err(Failure::write_failed)
}

fn write_out(output: &Path, text: &str) -> Result<(), String> {
    if output == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write to stdout: {e}"));
    }
    verchain::report::write_file(output, text.as_bytes()).map_err(|e| e.to_string())
}

/// The completion script of `shell`.
pub fn completions(shell: Shell) -> String {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "verchain", &mut script);
    String::from_utf8(script).expect("clap writes UTF-8")
}

/// The subcommands with a page of their own, and the page's name.
const PAGES: [(&str, &str); 6] = [
    ("run", "verchain-run"),
    ("check", "verchain-check"),
    ("export", "verchain-export"),
    ("schema", "verchain-schema"),
    ("completions", "verchain-completions"),
    ("man", "verchain-man"),
];

/// The man page of verchain, or of one of its subcommands, in roff.
pub fn man(subcommand: Option<&str>) -> String {
    let mut command = Cli::command();
    command.build();
    let page = match PAGES.iter().find(|(name, _)| Some(*name) == subcommand) {
        Some((name, page)) => command
            .find_subcommand(name)
            .expect("every page is a subcommand")
            .clone()
            .name(page)
            .version(env!("CARGO_PKG_VERSION")),
        None => command,
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .expect("rendering into memory cannot fail");
    String::from_utf8(roff).expect("clap_mangen writes UTF-8")
}
