//! The whole fit in one call, and the document every output is made from.
//!
//! [`fit`] reads a history, orders and cleans it, counts it under the
//! chosen semantics, estimates the matrix, compares it with the declared
//! policy when there is one and tests whether the process drifted between
//! the two halves of the observed period (or before and after `--split`).
//! The [`FitSummary`] it returns serializes to `fit.json`; the terminal
//! table, the CSV files and the fitted scenario are views of it.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Serialize;

use super::compare::{Comparison, compare, policy_as_seen};
use super::count::{CountMatrix, HoldingSummary, count, holding_summaries};
use super::estimate::{Estimate, Options, estimate};
use super::history::{Cleaning, History};
use super::homogeneity::{self, Homogeneity};
use super::read::{ReadOptions, TimeKind, parse_time_argument, read};
use super::{FitError, Semantics};
use crate::chain::Chain;

/// The step semantics asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Choice {
    /// The jump chain for timestamps, the row chain for step numbers.
    #[default]
    Default,
    Jump,
    Rows,
    /// The step-sampled chain, with the step as given (`7d`, `12h`, or an
    /// integer in the history's unit).
    Step(String),
}

/// What to fit and how.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub read: ReadOptions<'a>,
    pub choice: Choice,
    /// The end of the export, as given; default the last time.
    pub observed_to: Option<String>,
    /// The split of the homogeneity test, as given; default the middle of
    /// the observed period.
    pub split: Option<String>,
    /// States declared absorbing on the command line.
    pub absorbing: Vec<String>,
    /// α of add-α smoothing on the policy's moves.
    pub smoothing: f64,
    /// The declared policy; its states and order are the fit's.
    pub policy: Option<&'a Chain>,
    /// The most states the history may have (its count matrices are
    /// `n × n`); `None` for no limit.
    pub max_states: Option<usize>,
    /// A state with no observed exit is left without an estimate, instead
    /// of refused: for a comparison with the policy only (`check
    /// --against`), since the fitted rows are then no chain.
    pub unobserved_rows: bool,
}

/// Everything a fit found.
#[derive(Debug, Clone, Serialize)]
pub struct FitSummary {
    pub semantics: Semantics,
    /// What one step of the fit is, in one sentence.
    pub semantics_description: String,
    pub time: TimeKind,
    /// The columns read: version id (null for one sequence), time, state.
    pub columns: [Option<String>; 3],
    pub first_time: String,
    pub observed_to: String,
    pub versions: usize,
    /// Steps counted (moves, for the jump chain).
    pub steps: u64,
    pub cleaning: Cleaning,
    /// Rows read per `source`, repeats included, when the export has that
    /// column.
    pub sources: BTreeMap<String, u64>,
    /// Versions in flight at the end of the export.
    pub censored_versions: u64,
    /// Rows repeating the current state (jump chain: no move).
    pub repeats: u64,
    /// Moves lost inside one step (step-sampled chain).
    pub collapsed: u64,
    pub estimate: Estimate,
    /// The unit of the holding times: days for timestamps, else steps.
    pub holding_unit: &'static str,
    pub holding: Vec<HoldingSummary>,
    pub comparison: Option<Comparison>,
    pub homogeneity: Option<Homogeneity>,
    /// Why there is no homogeneity test, when there is none.
    pub homogeneity_note: Option<String>,
    /// What in the history looks wrong without being an error.
    pub warnings: Vec<String>,
}

/// Reads, counts, estimates, compares and tests a history.
///
/// # Errors
///
/// [`FitError`]: the input's first problem (with its line), an unknown
/// `--absorbing` state, a time argument or step that does not parse, a
/// state never left, more states than `request.max_states`.
pub fn fit(input: impl Read, request: &Request) -> Result<FitSummary, FitError> {
    /// Epoch milliseconds below this (1973-03-03T09:46:40Z) are epoch
    /// seconds of 1973 to 5138, more likely than milliseconds of 1970–73.
    const SECONDS_LIKELY: i64 = 100_000_000_000;
    let mut read_options = request.read.clone();
    if let Some(policy) = request.policy {
        read_options.known_states = Some(policy.states());
    }
    let observed = read(input, &read_options)?;
    let kind = observed.time_kind;
    let mut warnings = Vec::new();
    if let Some(largest) = observed
        .largest_epoch_integer
        .filter(|&t| t < SECONDS_LIKELY)
    {
        warnings.push(format!(
            "every integer timestamp is before 1973-03-03 as epoch milliseconds (the latest, \
             {largest}, is {}); if they are epoch seconds, multiply them by 1000; if they are \
             step numbers, give --integer-times steps",
            kind.format_time(largest)
        ));
    }
    let time = |given: &Option<String>, flag: &str| {
        given
            .as_deref()
            .map(|text| {
                parse_time_argument(text, kind).map_err(|e| FitError::Usage(format!("{flag}: {e}")))
            })
            .transpose()
    };
    let observed_to = time(&request.observed_to, "--observed-to")?;
    let split = time(&request.split, "--split")?;
    let semantics = semantics(&request.choice, kind)?;
    let mut history = History::new(observed, observed_to)?;
    history.drop_unused_states(semantics == Semantics::Jump, &request.absorbing);
    let epoch_like = kind == TimeKind::Step
        && request.read.integer_times.is_none()
        && history.first_time >= SECONDS_LIKELY
        && TimeKind::Timestamp.contains(history.observed_to);
    if epoch_like {
        warnings.push(format!(
            "the integers in `{}` are read as step numbers, but they look like epoch \
             milliseconds ({} would be {}); if they are, give --integer-times epoch-ms",
            history.columns.1,
            history.first_time,
            TimeKind::Timestamp.format_time(history.first_time)
        ));
    }

    let n = history.states.len();
    if let Some(limit) = request.max_states.filter(|&limit| n > limit) {
        return Err(FitError::TooManyStates { states: n, limit });
    }
    let mut absorbing = vec![false; n];
    let mut strict_absorbing = vec![false; n];
    for name in &request.absorbing {
        let i = history
            .states
            .iter()
            .position(|s| s == name)
            .ok_or_else(|| {
                FitError::Usage(format!(
                    "--absorbing {name}: no such state; the states are: {}",
                    history.states.join(", ")
                ))
            })?;
        absorbing[i] = true;
        strict_absorbing[i] = true;
    }
    let declared = request
        .policy
        .map(|p| policy_as_seen(p.matrix(), semantics));
    if let Some(policy) = request.policy {
        for (i, flag) in absorbing.iter_mut().enumerate() {
            if *flag && policy.matrix()[(i, i)] < 1.0 {
                warnings.push(format!(
                    "--absorbing {0}: the policy lets versions leave `{0}` (it stays with \
                     probability {1}); the policy's ways out of it are listed as never seen",
                    history.states[i],
                    policy.matrix()[(i, i)]
                ));
            }
            *flag |= policy.matrix()[(i, i)] == 1.0;
        }
    }

    let split = split.unwrap_or(
        ((i128::from(history.first_time) + i128::from(history.observed_to) + 1) / 2) as i64,
    );
    let counts = count(&history, semantics, &absorbing, Some(split))?;
    // Milliseconds taken for step numbers are far apart: said once, above.
    if let (TimeKind::Step, (gaps @ 1.., Some(line)), false) = (kind, counts.gaps, epoch_like) {
        warnings.push(format!(
            "the row chain counts {} between rows more than one step number apart, each as \
             one step (the first ending on line {line}); --step 1 takes the state at every step \
             number instead",
            crate::words::count(gaps, "step")
        ));
    }
    let options = Options {
        smoothing: request.smoothing,
        allowed: declared.as_ref().map(|d| {
            d.iter()
                .map(|row| row.iter().map(|&p| p > 0.0).collect())
                .collect()
        }),
        absorbing,
        strict_absorbing,
        unobserved_rows: request.unobserved_rows,
    };
    let estimate = estimate(&counts, &options)?;
    for row in estimate.rows.iter().filter(|row| row.is_unobserved()) {
        warnings.push(format!(
            "the history shows no move out of `{}`, so its row is not compared with the \
             policy",
            row.state
        ));
    }
    let comparison = request
        .policy
        .map(|p| compare(&estimate, p.matrix(), semantics));
    let (homogeneity, homogeneity_note) = match &counts.windows {
        Some((_, windows)) => drift(&counts.states, windows, &kind.format_time(split)),
        None => (None, None),
    };
    let (_, unit) = kind.report_unit();
    Ok(FitSummary {
        semantics,
        semantics_description: semantics.describe(kind),
        time: kind,
        columns: [
            history.columns.0.clone(),
            Some(history.columns.1.clone()),
            Some(history.columns.2.clone()),
        ],
        first_time: kind.format_time(history.first_time),
        observed_to: kind.format_time(history.observed_to),
        versions: history.paths.len(),
        steps: counts.total(),
        cleaning: history.cleaning.clone(),
        sources: history.sources.clone(),
        censored_versions: counts.censored.iter().sum(),
        repeats: counts.repeats,
        collapsed: counts.collapsed,
        holding: holding_summaries(&counts),
        holding_unit: unit,
        estimate,
        comparison,
        homogeneity,
        homogeneity_note,
        warnings,
    })
}

/// The semantics asked for, with the step parsed in the history's unit.
/// The test of homogeneity before and after `split`, or why there is none.
fn drift(
    states: &[String],
    windows: &[CountMatrix; 2],
    split: &str,
) -> (Option<Homogeneity>, Option<String>) {
    let moves = windows.each_ref().map(|w| w.iter().flatten().sum::<u64>());
    if moves.contains(&0) {
        let note = format!(
            "no homogeneity test: {} steps before {split} and {} after; give --split inside \
             the history",
            moves[0], moves[1]
        );
        return (None, Some(note));
    }
    let test = homogeneity::test(states, windows, split.to_string());
    if test.degrees_of_freedom == 0 {
        // G² = 0 on 0 degrees of freedom tests nothing.
        let note = format!(
            "no homogeneity test: no state was left towards two or more states, both before \
             and after {split}, so there is nothing to compare"
        );
        return (None, Some(note));
    }
    (Some(test), None)
}

fn semantics(choice: &Choice, kind: TimeKind) -> Result<Semantics, FitError> {
    Ok(match (choice, kind) {
        (Choice::Default, TimeKind::Timestamp) | (Choice::Jump, _) => Semantics::Jump,
        (Choice::Default, TimeKind::Step) | (Choice::Rows, _) => Semantics::Rows,
        (Choice::Step(text), TimeKind::Step) => Semantics::Step {
            step: text.trim().parse().map_err(|_| {
                FitError::Usage(format!(
                    "--step {text}: the history's times are step numbers, so the step is a whole \
                     number of them, such as --step 2"
                ))
            })?,
        },
        (Choice::Step(text), TimeKind::Timestamp) if text.trim().starts_with('-') => {
            return Err(FitError::Usage(format!(
                "--step {text}: a step is a positive duration, such as 7d, 12h or 30min"
            )));
        }
        (Choice::Step(text), TimeKind::Timestamp) => {
            let duration = humantime::parse_duration(text.trim()).map_err(|e| {
                FitError::Usage(format!(
                    "--step {text}: {e}; write a duration such as 7d, 12h or 30min"
                ))
            })?;
            if duration.subsec_nanos() % 1_000_000 != 0 {
                let whole = duration.as_millis();
                return Err(FitError::Usage(format!(
                    "--step {text} is not a whole number of milliseconds, the finest time a \
                     history holds; write {}",
                    if whole == 0 {
                        "1ms or more".to_string()
                    } else {
                        format!("{whole}ms or {}ms", whole + 1)
                    }
                )));
            }
            Semantics::Step {
                step: i64::try_from(duration.as_millis()).unwrap_or(i64::MAX),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_read_in_the_history_unit() {
        assert_eq!(
            semantics(&Choice::Step("7d".into()), TimeKind::Timestamp),
            Ok(Semantics::Step {
                step: 7 * 86_400_000
            })
        );
        assert_eq!(
            semantics(&Choice::Step("3".into()), TimeKind::Step),
            Ok(Semantics::Step { step: 3 })
        );
        assert!(semantics(&Choice::Step("7d".into()), TimeKind::Step).is_err());
        assert!(semantics(&Choice::Step("soon".into()), TimeKind::Timestamp).is_err());
        assert_eq!(
            semantics(&Choice::Default, TimeKind::Timestamp),
            Ok(Semantics::Jump)
        );
        assert_eq!(
            semantics(&Choice::Default, TimeKind::Step),
            Ok(Semantics::Rows)
        );
    }

    #[test]
    fn extreme_integer_times_do_not_overflow() {
        // Beyond the range: refused, with the line.
        for (column, extreme) in [
            ("time", i64::MIN),
            ("time", i64::MAX),
            ("timestamp", i64::MIN),
        ] {
            let text = format!("id,{column},state\nv,{extreme},a\nv,0,b\n");
            let error = fit(text.as_bytes(), &Request::default()).unwrap_err();
            assert!(
                matches!(error, FitError::TimeRange { line: 2, .. }),
                "{error:?}"
            );
        }
        // The ends of the range: counted without overflow.
        let (first, last) = (-(1_i64 << 53), 1_i64 << 53);
        let text = format!("id,time,state\nv,{first},a\nv,{last},a\nv,0,b\n");
        for choice in [Choice::Rows, Choice::Jump] {
            let request = Request {
                choice,
                ..Request::default()
            };
            let summary = fit(text.as_bytes(), &request).unwrap();
            assert_eq!(summary.steps, 2);
        }
        let request = Request {
            choice: Choice::Step("1".into()),
            ..Request::default()
        };
        assert!(matches!(
            fit(text.as_bytes(), &request),
            Err(FitError::TooManySteps { .. })
        ));
    }

    #[test]
    fn states_named_only_by_the_map_or_a_disagreeing_from_state_are_dropped() {
        // `zzz` disagrees with the row before it; `x` is where v2 was
        // before the export begins, a move that is counted.
        let text = "version_id,timestamp,from_state,to_state\n\
                    v1,1,,a\nv1,2,zzz,b\nv1,3,b,c\nv2,1,x,a\nv2,2,a,b\nv2,3,b,c\n";
        let map: BTreeMap<String, String> = [("a", "a"), ("b", "b"), ("c", "c"), ("Q", "q")]
            .into_iter()
            .map(|(label, state)| (label.to_string(), state.to_string()))
            .collect();
        for state_map in [None, Some(&map)] {
            let request = Request {
                absorbing: vec!["c".to_string()],
                read: ReadOptions {
                    state_map,
                    ..ReadOptions::default()
                },
                ..Request::default()
            };
            let text = if state_map.is_some() {
                // Labels must be mapped or states already; x and zzz are
                // neither, so v2 starts without a from_state here.
                text.replace(",zzz,", ",b,").replace(",x,", ",,")
            } else {
                text.to_string()
            };
            let summary = fit(text.as_bytes(), &request).unwrap();
            let states = &summary.estimate.states;
            if state_map.is_some() {
                assert_eq!(states, &["a", "b", "c"], "q is only in the map");
                // Unless declared absorbing: an end no version reached yet.
                let mut keep = request.clone();
                keep.absorbing.push("q".to_string());
                let summary = fit(text.as_bytes(), &keep).unwrap();
                assert_eq!(summary.estimate.states, ["a", "b", "c", "q"]);
            } else {
                assert_eq!(states, &["a", "b", "c", "x"]);
                assert_eq!(summary.cleaning.from_mismatches, 1);
                assert_eq!(summary.cleaning.mismatch_examples[0].line, 3);
                assert_eq!(summary.steps, 5, "x → a counted");
                // Consecutive rows do not count the move from x: x goes.
                let rows = Request {
                    choice: Choice::Rows,
                    ..request
                };
                let summary = fit(text.as_bytes(), &rows).unwrap();
                assert_eq!(summary.estimate.states, ["a", "b", "c"]);
                assert_eq!(summary.steps, 4);
            }
        }
    }

    #[test]
    fn epoch_seconds_among_timestamps_are_warned_of() {
        let request = Request {
            absorbing: vec!["c".to_string()],
            ..Request::default()
        };
        let text = "version_id,timestamp,to_state\n\
                    v1,2025-01-01T00:00:00Z,a\nv1,1735776000,b\nv1,2025-01-03T00:00:00Z,c\n";
        let summary = fit(text.as_bytes(), &request).unwrap();
        assert_eq!(summary.warnings.len(), 1);
        assert!(
            summary.warnings[0].contains("1735776000, is 1970-01-21T02:09:36Z"),
            "{:?}",
            summary.warnings
        );
        // Milliseconds, or no integers at all: nothing to say.
        for text in [
            text.replace("1735776000", "1735776000000"),
            text.replace("1735776000", "2025-01-02T00:00:00Z"),
        ] {
            assert!(fit(text.as_bytes(), &request).unwrap().warnings.is_empty());
        }
    }

    /// Regression: epoch milliseconds in a column not named `timestamp`
    /// were step numbers with no way to say otherwise, and no word of it.
    #[test]
    fn epoch_milliseconds_in_another_column_are_read_as_asked() {
        let text = "version_id,created_at,to_state\n\
                    v,1735689600000,a\nv,1735776000000,b\nw,1735689600000,a\n";
        let request = |integer_times| Request {
            absorbing: vec!["b".to_string()],
            read: ReadOptions {
                columns: crate::fit::read::Columns {
                    time: Some("created_at".to_string()),
                    ..Default::default()
                },
                integer_times,
                ..ReadOptions::default()
            },
            ..Request::default()
        };
        let steps = fit(text.as_bytes(), &request(None)).unwrap();
        assert_eq!(steps.time, TimeKind::Step);
        assert_eq!(steps.semantics, Semantics::Rows);
        assert_eq!(steps.warnings.len(), 1);
        assert!(
            steps.warnings[0].contains("(1735689600000 would be 2025-01-01T00:00:00Z)"),
            "{:?}",
            steps.warnings
        );
        let ms = fit(text.as_bytes(), &request(Some(TimeKind::Timestamp))).unwrap();
        assert_eq!(ms.time, TimeKind::Timestamp);
        assert_eq!(ms.semantics, Semantics::Jump);
        assert_eq!(ms.first_time, "2025-01-01T00:00:00Z");
        assert!(ms.warnings.is_empty(), "{:?}", ms.warnings);
        // Asked for, step numbers are what they are; only the gap between
        // them is worth a word.
        let asked = fit(text.as_bytes(), &request(Some(TimeKind::Step))).unwrap();
        assert_eq!(asked.warnings.len(), 1);
        assert!(asked.warnings[0].starts_with("the row chain counts 1 step between rows"));
        // And a `timestamp` column can hold step numbers.
        let text = "version_id,timestamp,to_state\nv,0,a\nv,1,b\n";
        let mut steps = request(Some(TimeKind::Step));
        steps.read.columns.time = None;
        assert_eq!(fit(text.as_bytes(), &steps).unwrap().time, TimeKind::Step);
    }

    /// Regression: rows of step numbers with gaps between them were
    /// counted as consecutive without a word.
    #[test]
    fn gaps_between_step_numbers_are_warned_of() {
        let text = "id,time,state\nv,1,a\nv,2,b\nv,5,a\nv,6,b\nw,1,a\nw,3,b\n";
        let summary = fit(text.as_bytes(), &Request::default()).unwrap();
        assert_eq!(summary.semantics, Semantics::Rows);
        assert_eq!(summary.steps, 4);
        assert_eq!(
            summary.warnings,
            [
                "the row chain counts 2 steps between rows more than one step number apart, \
                 each as one step (the first ending on line 4); --step 1 takes the state at \
                 every step number instead"
            ]
        );
        // No gap, or not the row chain: nothing to say.
        let text = "id,time,state\nv,1,a\nv,2,b\nv,3,a\nv,4,b\n";
        assert!(
            fit(text.as_bytes(), &Request::default())
                .unwrap()
                .warnings
                .is_empty()
        );
    }

    /// Regression: a history in which every state has one way out gave a
    /// homogeneity "test" of G² = 0 on 0 degrees of freedom, p = 1.
    #[test]
    fn no_homogeneity_test_is_made_on_zero_degrees_of_freedom() {
        let request = Request {
            absorbing: vec!["b".to_string()],
            ..Request::default()
        };
        // v moves before the middle of the period, w after it; both a → b.
        let text = "version_id,timestamp,to_state\nv,1,a\nv,2,b\nw,5,a\nw,6,b\n";
        let summary = fit(text.as_bytes(), &request).unwrap();
        assert!(summary.homogeneity.is_none());
        let note = summary.homogeneity_note.unwrap();
        assert!(
            note.starts_with("no homogeneity test: no state was left"),
            "{note}"
        );
        // A second way out of `a` on both sides makes it a test again.
        let text = format!("{text}x,1,a\nx,2,c\ny,5,a\ny,6,c\n");
        let request = Request {
            absorbing: vec!["b".to_string(), "c".to_string()],
            ..Request::default()
        };
        let summary = fit(text.as_bytes(), &request).unwrap();
        assert_eq!(summary.homogeneity.unwrap().degrees_of_freedom, 1);
        assert!(summary.homogeneity_note.is_none());
    }

    /// Regression: `check --against` stopped as on invalid input when the
    /// history never showed a state of the policy left, a quiet window.
    #[test]
    fn a_comparison_leaves_out_the_rows_the_history_never_shows() {
        let scenario = crate::scenario::Scenario::parse(
            "states: [new, live, back, gone]\ntransitions: {new: {live: 1}, live: {back: 0.2, gone: 0.8}, back: {new: 1}, gone: absorbing}",
            "p",
        )
        .unwrap();
        let text =
            "version_id,time,to_state\nv,1,new\nv,2,live\nv,3,gone\nw,1,new\nw,2,live\nw,3,gone\n";
        let mut request = Request {
            policy: Some(&scenario.chain),
            choice: Choice::Jump,
            ..Request::default()
        };
        // A fit proper refuses it: its rows must make a chain.
        assert!(matches!(
            fit(text.as_bytes(), &request),
            Err(FitError::NeverLeft { ref state, entered: 0, .. }) if state == "back"
        ));
        request.unobserved_rows = true;
        let summary = fit(text.as_bytes(), &request).unwrap();
        assert!(summary.estimate.rows[2].is_unobserved());
        assert_eq!(
            summary.warnings,
            ["the history shows no move out of `back`, so its row is not compared with the policy"]
        );
        let comparison = summary.comparison.unwrap();
        assert!(comparison.agrees);
        // new → live, live → back, live → gone: not back → new.
        assert_eq!(comparison.entries_compared, 3);
        assert!(comparison.unseen.iter().all(|u| u.from != "back"));
        assert_eq!(comparison.unseen.len(), 1, "live → back");
    }

    #[test]
    fn absorbing_against_the_policy_is_warned_of_and_its_ways_out_listed() {
        let scenario = crate::scenario::Scenario::parse(
            "states: [new, live, gone]\ntransitions: {new: {live: 1}, live: {live: 0.5, gone: 0.5}, gone: absorbing}",
            "p",
        )
        .unwrap();
        let text = "version_id,time,to_state\nv,1,new\nv,2,live\nw,1,new\nw,5,live\n";
        let request = Request {
            policy: Some(&scenario.chain),
            absorbing: vec!["live".to_string()],
            choice: Choice::Jump,
            ..Request::default()
        };
        let summary = fit(text.as_bytes(), &request).unwrap();
        assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
        assert!(
            summary.warnings[0].starts_with("--absorbing live: the policy lets versions leave"),
            "{}",
            summary.warnings[0]
        );
        let comparison = summary.comparison.unwrap();
        let unseen: Vec<_> = comparison
            .unseen
            .iter()
            .map(|u| (u.from.as_str(), u.to.as_str()))
            .collect();
        assert_eq!(unseen, [("live", "gone")]);
    }

    #[test]
    fn a_policy_orders_the_states_and_declares_absorbing_ones() {
        let scenario = crate::scenario::Scenario::parse(
            "states: [new, live, gone]\ntransitions: {new: {live: 1}, live: {live: 0.5, gone: 0.5}, gone: absorbing}",
            "p",
        )
        .unwrap();
        let text =
            "version_id,timestamp,to_state\nv,1,new\nv,2,live\nv,3,gone\nw,1,new\nw,5,live\n";
        let request = Request {
            policy: Some(&scenario.chain),
            ..Request::default()
        };
        let summary = fit(text.as_bytes(), &request).unwrap();
        assert_eq!(summary.estimate.states, ["new", "live", "gone"]);
        assert!(summary.estimate.rows[2].absorbing);
        // w is in flight in `live`; v finished in `gone`.
        assert_eq!(summary.censored_versions, 1);
        let comparison = summary.comparison.unwrap();
        // Jump chain of the policy: live → gone with probability 1.
        assert_eq!(comparison.declared[1], vec![0.0, 0.0, 1.0]);
        assert!(comparison.forbidden.is_empty());
    }
}
