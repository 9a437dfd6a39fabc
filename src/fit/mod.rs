//! Estimating the transition matrix from what really happened.
//!
//! A declared policy is a belief; a registry's history is the evidence. This
//! module turns an export of lifecycle events (one row per version and
//! change of state, as Databricks registry activities, SageMaker
//! model-package state changes, Argo Rollouts or Flagger status changes
//! record them) or of state sequences (one row per version and step) into a
//! transition matrix with an interval for every entry, and says where the
//! real process departs from a declared policy and whether it drifted.
//!
//! The steps, one file each:
//!
//! 1. [`read`]: CSV or JSON Lines into interned [`read::Observation`]s, with
//!    vendor labels mapped to scenario states;
//! 2. [`history`]: duplicates dropped, rows ordered per version by time,
//!    `from_state` checked against the previous row, the export's end
//!    (censoring) applied;
//! 3. [`count`]: transition counts under one of the step semantics of
//!    [`Semantics`] (jump chain, consecutive rows, or the state sampled every
//!    step), with holding times for the jump chain;
//! 4. [`estimate`]: maximum likelihood, optional add-α smoothing on the moves
//!    a policy allows, Wilson intervals;
//! 5. [`compare`] and [`homogeneity`]: departures from a declared policy,
//!    and a test of drift between two time windows;
//! 6. [`summary`]: all of it in one call, [`fit`], returning the
//!    [`FitSummary`] that every output is made from.
//!
//! Nothing here reads or writes files: the caller hands in the text and
//! writes the results (`report::fit_files`).
//!
//! ```
//! use verchain::fit::{self, Semantics};
//!
//! let text = "step,state\n1,up\n2,up\n3,down\n4,up\n";
//! let observed = fit::read::read(text.as_bytes(), &fit::read::ReadOptions::default()).unwrap();
//! let history = fit::history::History::new(observed, None).unwrap();
//! let counts = fit::count::count(&history, Semantics::Rows, &[false, false], None).unwrap();
//! let estimate = fit::estimate::estimate(&counts, &fit::estimate::Options::default()).unwrap();
//! // From `down` (index 0): one move, to `up`; from `up`: one stay, one move down.
//! assert_eq!(estimate.rows[1].probabilities, vec![0.5, 0.5]);
//! ```

pub mod compare;
pub mod count;
pub mod estimate;
pub mod history;
pub mod homogeneity;
mod intern;
pub mod read;
mod records;
pub mod summary;
pub mod time;

pub use summary::{Choice, FitSummary, Request, fit};

use serde::Serialize;
use thiserror::Error;

/// What one step of the fitted chain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Semantics {
    /// The jump chain: only real moves count, so the diagonal is zero
    /// except for absorbing states; how long versions stay is reported
    /// separately as holding times.
    Jump,
    /// Each pair of consecutive rows of a version is one step, a repeated
    /// state a self-loop: the semantics of data sampled at regular steps.
    Rows,
    /// The state at every step boundary `first + k · step`: dwell becomes
    /// self-loops, and several moves inside one step collapse into one.
    Step {
        /// The step, in the history's time unit (milliseconds for timestamps).
        step: i64,
    },
}

impl Semantics {
    /// One sentence for every output: what a step of the fit means.
    pub fn describe(&self, time: read::TimeKind) -> String {
        match self {
            Self::Jump => "jump chain: only real moves count (no self-loops); how long versions \
                           stay is in the holding times"
                .to_string(),
            Self::Rows => "row chain: each pair of consecutive rows of a version is one step; a \
                           repeated state is a self-loop"
                .to_string(),
            Self::Step { step } => format!(
                "step-sampled chain: the state every {}; dwell gives self-loops and moves inside \
                 one step collapse into one",
                time.format_duration(*step)
            ),
        }
    }
}

/// Why a history could not be fitted. Line numbers count the header as
/// line 1 (CSV) or the first line of the file (JSON Lines).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FitError {
    /// Nothing at all in the file.
    #[error("the file is empty: it has no header and no events")]
    Empty,
    /// A header (or nothing but blank lines) and no rows.
    #[error("the file has a header but no events")]
    NoRows,
    /// A column the layout needs is not in the header.
    #[error("no {wanted} column; the columns are: {found}")]
    MissingColumn {
        /// The names that would have been accepted.
        wanted: String,
        /// The header as found.
        found: String,
        /// The flag that names the column.
        flag: &'static str,
        /// The separator a header of one column seems to use instead of
        /// commas (`;` or a tab).
        separator: Option<char>,
    },
    /// A row that is not valid CSV or JSON, or has the wrong shape; `help`
    /// says how to fix it.
    #[error("line {line}: {reason}")]
    Malformed {
        line: u64,
        reason: String,
        help: &'static str,
    },
    /// Bytes that are not UTF-8: `what` is "the row", "the line" or a field.
    #[error("line {line}: {what} is not UTF-8 text")]
    NotUtf8 { line: u64, what: String },
    /// A field the row needs is empty.
    #[error("line {line}: the {column} column is empty")]
    EmptyField { line: u64, column: String },
    /// A time that is neither RFC 3339 nor an integer.
    #[error(
        "line {line}: {column} {value:?} is neither RFC 3339 with an offset \
         (2024-05-01T12:00:00Z) nor an integer ({reason})"
    )]
    Time {
        line: u64,
        column: String,
        value: String,
        reason: String,
    },
    /// An integer time outside the range its kind allows.
    #[error("line {line}: {column} {value:?} is out of range: {}", kind.range())]
    TimeRange {
        line: u64,
        column: String,
        value: String,
        kind: read::TimeKind,
    },
    /// Timestamps and plain step numbers in one file.
    #[error(
        "line {line}: {column} {value:?} is {found}, but the rows before it are {expected}; \
         a history uses one kind of time"
    )]
    MixedTime {
        line: u64,
        column: String,
        value: String,
        found: &'static str,
        expected: &'static str,
    },
    /// A state label that is neither mapped nor a known state.
    #[error(
        "line {line}: unknown state `{label}`{}; the known labels are: {known}",
        match suggestion {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        }
    )]
    UnknownState {
        line: u64,
        label: String,
        /// The labels a row may use, sorted (the first few of many).
        known: String,
        /// A known label close to `label`.
        suggestion: Option<String>,
        /// States are the policy's.
        policy: bool,
    },
    /// A state map that sends a label to a state the policy does not have.
    #[error(
        "the state map sends `{label}` to `{state}`, which is not a state of the policy{} ({known})",
        match suggestion {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        }
    )]
    MapTarget {
        label: String,
        state: String,
        known: String,
        /// A state of the policy close to `state`.
        suggestion: Option<String>,
    },
    /// A state name a scenario cannot hold: blank, or with control
    /// characters (a line break inside a quoted CSV field, say). `line` is
    /// 0 for a state named by the state map.
    #[error("{}the state {label:?} is blank or holds control characters, so no scenario can name it", if *line > 0 { format!("line {line}: ") } else { String::new() })]
    BadStateName { line: u64, label: String },
    /// A state name longer than a scenario may hold. `line` is 0 for a
    /// state named by the state map.
    #[error(
        "{}the state `{}…` is {bytes} bytes long, more than the {} a state name may have",
        if *line > 0 { format!("line {line}: ") } else { String::new() },
        start,
        crate::scenario::MAX_STATE_BYTES
    )]
    LongStateName {
        line: u64,
        /// The name's first characters.
        start: String,
        bytes: usize,
    },
    /// Nothing is left once the export's end is applied.
    #[error("no events at or before --observed-to ({observed_to}); the first is at {first}")]
    NothingObserved { observed_to: String, first: String },
    /// A state that versions entered but never left, and is not declared
    /// absorbing.
    #[error(
        "state `{state}` {}",
        if *.entered == 0 {
            "never appears in the history, so its row cannot be estimated".to_string()
        } else if *.censored > 0 {
            format!("is never left: entered {}, no observed exit ({} still in it at the end of the export)", crate::words::count(*.entered, "time"), .censored)
        } else {
            format!("is never left: entered {}, no observed exit", crate::words::count(*.entered, "time"))
        }
    )]
    NeverLeft {
        state: String,
        entered: u64,
        censored: u64,
    },
    /// A state of the history that the step-sampled chain never saw at a
    /// boundary: every stay in it fell inside one step.
    #[error(
        "state `{state}` is never seen at a step boundary (--step {step}): every stay in it \
         fell inside one step, so its row cannot be estimated"
    )]
    NeverSampled { state: String, step: String },
    /// A state declared absorbing (`--absorbing`) that versions left.
    #[error(
        "state `{state}` is declared absorbing, but versions left it {} (first at line {line})",
        crate::words::count(*exits, "time")
    )]
    AbsorbingLeft {
        state: String,
        exits: u64,
        line: u64,
    },
    /// More states than the limit, found before the `n × n` counts exist.
    #[error("the history has {states} states, more than the limit of {limit}")]
    TooManyStates { states: usize, limit: usize },
    /// A step so small against the history that counting would not end.
    #[error("--step {step} makes {steps} steps over the history, more than the limit of {limit}")]
    TooManySteps {
        step: String,
        steps: u128,
        limit: u64,
    },
    /// `--step` given for a history whose times are step numbers, or the
    /// other way round, or a non-positive step.
    #[error("{0}")]
    Usage(String),
}

/// Help for a CSV row of the wrong shape.
pub(crate) const CSV_ROW_HELP: &str =
    "every row needs as many fields as the header; quote fields that contain commas";
/// Help for a CSV row with a quote out of place.
pub(crate) const QUOTE_HELP: &str = "quote a whole field and double each quote inside it: \
    \"said \"\"hello\"\"\"";
/// Help for a JSON Lines line that is not an event.
pub(crate) const JSON_LINE_HELP: &str = "write one JSON object a line: \
    {\"version_id\": \"v1\", \"timestamp\": \"2024-05-01T12:00:00Z\", \"to_state\": \"test\"}";
/// Help for an input that cannot be read.
/// Help for a CSV history that begins like JSON Lines.
pub(crate) const LOOKS_LIKE_JSON_HELP: &str = "the text begins with `{`, as JSON Lines do: give \
    --input-format jsonl, or name the file .jsonl";
pub(crate) const READ_HELP: &str = "check that the file can be read, and read it again";

impl FitError {
    /// The line of the history the error is on, when it is on one (as its
    /// message says it); `None` for the file as a whole, the state map or
    /// the command.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Malformed { line, .. }
            | Self::NotUtf8 { line, .. }
            | Self::EmptyField { line, .. }
            | Self::Time { line, .. }
            | Self::TimeRange { line, .. }
            | Self::MixedTime { line, .. }
            | Self::UnknownState { line, .. }
            | Self::AbsorbingLeft { line, .. } => Some(*line),
            // 0: a state named by the state map, not by a row.
            Self::BadStateName { line, .. } | Self::LongStateName { line, .. } => {
                Some(*line).filter(|&line| line > 0)
            }
            Self::Empty
            | Self::NoRows
            | Self::MissingColumn { .. }
            | Self::MapTarget { .. }
            | Self::NothingObserved { .. }
            | Self::NeverLeft { .. }
            | Self::NeverSampled { .. }
            | Self::TooManyStates { .. }
            | Self::TooManySteps { .. }
            | Self::Usage(_) => None,
        }
    }

    /// What to do about it, for the help line under the message.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Self::Empty | Self::NoRows => "export the history with a header line and one event a \
                                           row: version_id,timestamp,to_state"
                .to_string(),
            Self::MissingColumn {
                separator: Some(separator),
                ..
            } => format!(
                "the header is one column with {} in it: write the file with commas between \
                 the fields",
                if *separator == '\t' { "tabs" } else { "`;`" }
            ),
            Self::MissingColumn { flag, .. } => {
                format!("rename the column in the header, or name it with {flag} NAME")
            }
            Self::Malformed { help, .. } => help.to_string(),
            Self::NotUtf8 { .. } => "save the file as UTF-8".to_string(),
            Self::EmptyField { .. } => "fill in the field or remove the row".to_string(),
            Self::TimeRange {
                kind: read::TimeKind::Step,
                ..
            } => "number the steps from a smaller start".to_string(),
            Self::TimeRange { .. } => "write epoch milliseconds (not seconds or microseconds) \
                in a `timestamp` column, RFC 3339 with an offset, or step numbers"
                .to_string(),
            Self::Time { .. } | Self::MixedTime { .. } => "write times as RFC 3339 with an \
                offset (2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00), epoch milliseconds in \
                a `timestamp` column, or integer step numbers"
                .to_string(),
            Self::UnknownState { policy: true, .. } => "add the label to the --state-map file \
                (`label: state`), or add the state to the policy's scenario"
                .to_string(),
            Self::UnknownState { policy: false, .. } => {
                "add the label to the --state-map file (`label: state`)".to_string()
            }
            Self::MapTarget { .. } => {
                "fix the state map, or add the state to the policy".to_string()
            }
            Self::LongStateName { .. } => "shorten the label in the export, or map it to a \
                shorter state name with --state-map (`label: state`)"
                .to_string(),
            Self::BadStateName { .. } => "fix the label in the export, or map it to a state \
                name with --state-map (`label: state`)"
                .to_string(),
            Self::NothingObserved { .. } => "give a later --observed-to, or none".to_string(),
            Self::NeverLeft { state, .. } => format!(
                "declare it absorbing with --absorbing {state} (or `{state}: absorbing` in the \
                 --policy scenario), or export a longer history"
            ),
            Self::NeverSampled { step, .. } => {
                format!("give a --step shorter than {step}, or count real moves with --chain jump")
            }
            Self::AbsorbingLeft { .. } => "drop --absorbing for this state".to_string(),
            Self::TooManySteps { .. } => "choose a larger --step".to_string(),
            Self::TooManyStates { states, .. } => format!(
                "map labels onto fewer states with --state-map, or raise the limit with \
                 --max-states {states}"
            ),
            Self::Usage(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error's line is the one its message names, and none when the
    /// message names none.
    #[test]
    fn the_line_of_an_error_is_the_one_its_message_names() {
        let cases = [
            (
                FitError::UnknownState {
                    line: 3,
                    label: "deploy".into(),
                    known: "dev, test".into(),
                    suggestion: None,
                    policy: true,
                },
                Some(3),
            ),
            (
                FitError::Malformed {
                    line: 7,
                    reason: "a quote inside a field".into(),
                    help: QUOTE_HELP,
                },
                Some(7),
            ),
            (
                FitError::AbsorbingLeft {
                    state: "done".into(),
                    exits: 2,
                    line: 9,
                },
                Some(9),
            ),
            (
                FitError::BadStateName {
                    line: 0,
                    label: "".into(),
                },
                None,
            ),
            (
                FitError::LongStateName {
                    line: 4,
                    start: "x".into(),
                    bytes: 300,
                },
                Some(4),
            ),
            (FitError::Empty, None),
            (FitError::Usage("--step: 0 is not a step".into()), None),
        ];
        for (error, line) in cases {
            assert_eq!(error.line(), line, "{error}");
            let named = error
                .to_string()
                .contains(&format!("line {}", line.unwrap_or(0)));
            assert_eq!(named, line.is_some(), "{error}");
        }
    }
}
