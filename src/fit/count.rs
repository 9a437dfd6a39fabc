//! Transition counts under a chosen step semantics.
//!
//! The same history gives different chains depending on what one step is
//! ([`Semantics`]): the jump chain counts each real move once and keeps how
//! long versions stayed as holding times; the row chain counts consecutive
//! rows (the semantics of data sampled at regular steps, where a repeated
//! state is a self-loop); the step-sampled chain looks at the state at every
//! boundary `first + k · step` of a version, so dwell becomes self-loops and
//! several moves inside one step collapse (they are counted and reported).
//!
//! A version whose last state is not declared absorbing is in flight at the
//! end of the export: its moves count, and its last stay is censored (a
//! holding time known only to be at least so long), never a final state.

use serde::Serialize;

use std::ops::Range;

use super::history::History;
use super::read::Observation;
use super::read::TimeKind;
use super::{FitError, Semantics};

/// The most step boundaries a step-sampled count may walk through, over all
/// versions: about a second of work, and a step small enough to pass it is
/// almost surely a typo (`--step 7ms` for `7d`).
pub const MAX_STEPS: u64 = 200_000_000;

/// How long versions stayed in one state (jump chain), in the history's
/// time unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holding {
    /// Stays that ended with a move.
    pub completed: Vec<i64>,
    /// Stays still going at the end of the export.
    pub censored: Vec<i64>,
}

/// `n × n` transition counts; rows are "from" states.
pub type CountMatrix = Vec<Vec<u64>>;

/// The counts of a history and what was learnt counting them.
#[derive(Debug, Clone)]
pub struct Counts {
    pub states: Vec<String>,
    pub semantics: Semantics,
    pub time_kind: TimeKind,
    pub matrix: CountMatrix,
    /// The counts before and after the split time, when one was given (a
    /// move belongs to the window in which it happened).
    pub windows: Option<(i64, [CountMatrix; 2])>,
    /// How many versions start in each state.
    pub first_states: Vec<u64>,
    /// Arrivals into each state: first states and moves in from elsewhere.
    pub arrivals: Vec<u64>,
    /// Versions in flight at the end of the export, by their last state.
    pub censored: Vec<u64>,
    /// The line of the first row that leaves each state.
    pub first_exit_line: Vec<Option<u64>>,
    /// Holding times per state (jump chain only).
    pub holding: Option<Vec<Holding>>,
    /// Moves lost inside one step (step-sampled chain only).
    pub collapsed: u64,
    /// Rows that repeat the state a version is in (jump chain only).
    pub repeats: u64,
    /// Steps of the row chain between rows more than one time unit apart,
    /// and the line of the first such row (row chain only).
    pub gaps: (u64, Option<u64>),
    pub versions: usize,
}

impl Counts {
    fn new(history: &History, semantics: Semantics, split: Option<i64>) -> Self {
        let n = history.states.len();
        let zeros = || vec![vec![0u64; n]; n];
        Self {
            states: history.states.clone(),
            semantics,
            time_kind: history.time_kind,
            matrix: zeros(),
            windows: split.map(|t| (t, [zeros(), zeros()])),
            first_states: vec![0; n],
            arrivals: vec![0; n],
            censored: vec![0; n],
            first_exit_line: vec![None; n],
            holding: matches!(semantics, Semantics::Jump).then(|| vec![Holding::default(); n]),
            collapsed: 0,
            repeats: 0,
            gaps: (0, None),
            versions: history.paths.len(),
        }
    }

    fn start(&mut self, state: u32) {
        self.first_states[state as usize] += 1;
        self.arrivals[state as usize] += 1;
    }

    /// All steps counted.
    pub fn total(&self) -> u64 {
        self.matrix.iter().flatten().sum()
    }
}

/// Steps from this many on are counted in two parts at once.
const PARALLEL_STEPS: usize = 1 << 18;

/// The steps as they are counted: flat tables, a few increments a step.
/// [`Tally::finish`] puts them in [`Counts`].
struct Tally {
    n: usize,
    /// `n × n`, row-major.
    steps: Vec<u64>,
    split: Option<i64>,
    /// The steps before the split, then those after it (`2 n²`).
    windows: Vec<u64>,
    /// The line of the first row that leaves each state; `u64::MAX`: none.
    first_exit: Vec<u64>,
    /// Row-chain steps between rows more than one time unit apart, and the
    /// line of the first; `u64::MAX`: none.
    gaps: (u64, u64),
}

impl Tally {
    fn new(n: usize, split: Option<i64>) -> Self {
        Self {
            n,
            steps: vec![0; n * n],
            split,
            windows: vec![0; if split.is_some() { 2 * n * n } else { 0 }],
            first_exit: vec![u64::MAX; n],
            gaps: (0, u64::MAX),
        }
    }

    /// Counts one step from `from` to `to`, taken at `time` (line `line`).
    fn add(&mut self, from: u32, to: u32, time: i64, line: u64) {
        let cell = from as usize * self.n + to as usize;
        self.steps[cell] += 1;
        if let Some(split) = self.split {
            self.windows[usize::from(time >= split) * self.n * self.n + cell] += 1;
        }
        if from != to {
            let first = &mut self.first_exit[from as usize];
            *first = (*first).min(line);
        }
    }

    /// Adds the steps `other` counted.
    fn absorb(&mut self, other: Self) {
        for (a, b) in self.steps.iter_mut().zip(other.steps) {
            *a += b;
        }
        for (a, b) in self.windows.iter_mut().zip(other.windows) {
            *a += b;
        }
        for (a, b) in self.first_exit.iter_mut().zip(other.first_exit) {
            *a = (*a).min(b);
        }
        self.gaps = (self.gaps.0 + other.gaps.0, self.gaps.1.min(other.gaps.1));
    }

    /// The row chain's steps among `rows[range]`: each row and the one
    /// before it, when both are of one version (rows are sorted by version,
    /// so they are then on one path). Many rows are counted in two parts at
    /// once.
    fn rows(rows: &[Observation], range: Range<usize>, n: usize, split: Option<i64>) -> Self {
        if range.len() >= PARALLEL_STEPS {
            let middle = range.start + range.len() / 2;
            let (mut head, tail) = rayon::join(
                || Self::rows(rows, range.start..middle, n, split),
                || Self::rows(rows, middle..range.end, n, split),
            );
            head.absorb(tail);
            return head;
        }
        let mut tally = Self::new(n, split);
        for i in range.start.max(1)..range.end {
            let (previous, row) = (&rows[i - 1], &rows[i]);
            if previous.version == row.version {
                tally.add(previous.state, row.state, row.time, row.line());
                if row.time.saturating_sub(previous.time) > 1 {
                    tally.gaps = (tally.gaps.0 + 1, tally.gaps.1.min(row.line()));
                }
            }
        }
        tally
    }

    /// The counts, the windows, the arrivals by a move and the first exits.
    fn finish(self, counts: &mut Counts) {
        let n = self.n;
        for (i, row) in counts.matrix.iter_mut().enumerate() {
            row.copy_from_slice(&self.steps[i * n..(i + 1) * n]);
            for (j, &steps) in row.iter().enumerate() {
                if i != j {
                    counts.arrivals[j] += steps;
                }
            }
        }
        if let Some((_, windows)) = &mut counts.windows {
            for (w, window) in windows.iter_mut().enumerate() {
                for (i, row) in window.iter_mut().enumerate() {
                    let at = w * n * n + i * n;
                    row.copy_from_slice(&self.windows[at..at + n]);
                }
            }
        }
        for (first, line) in counts.first_exit_line.iter_mut().zip(self.first_exit) {
            *first = (line != u64::MAX).then_some(line);
        }
        counts.gaps = (
            self.gaps.0,
            (self.gaps.1 != u64::MAX).then_some(self.gaps.1),
        );
    }
}

/// Counts the steps of every version's path.
///
/// `absorbing[i]` declares state `i` absorbing: a version that ends there
/// has finished, not been censored, and the step-sampled chain stops
/// following it. `split` also counts the steps before and after that time.
///
/// # Errors
///
/// [`FitError::Usage`] for a step that is not positive;
/// [`FitError::TooManySteps`] when the step is so small against the
/// history that counting would not end.
pub fn count(
    history: &History,
    semantics: Semantics,
    absorbing: &[bool],
    split: Option<i64>,
) -> Result<Counts, FitError> {
    let is_absorbing = |s: u32| absorbing.get(s as usize).copied().unwrap_or(false);
    let mut counts = Counts::new(history, semantics, split);
    let n = history.states.len();
    let mut tally = match semantics {
        Semantics::Rows => Tally::rows(&history.rows, 0..history.rows.len(), n, split),
        _ => Tally::new(n, split),
    };
    if let Semantics::Step { step } = semantics {
        check_step(history, step)?;
    }
    for k in 0..history.paths.len() {
        let path = history.path(k);
        match semantics {
            Semantics::Jump => jumps(
                &mut counts,
                &mut tally,
                path,
                history.observed_to,
                &is_absorbing,
            ),
            // The steps are counted already.
            Semantics::Rows => counts.start(path[0].state),
            Semantics::Step { step } => sampled(
                &mut counts,
                &mut tally,
                path,
                step,
                sampling_end(history, path),
                &is_absorbing,
            ),
        }
        let last = path[path.len() - 1].state;
        if !is_absorbing(last) {
            counts.censored[last as usize] += 1;
        }
    }
    tally.finish(&mut counts);
    if let Semantics::Step { step } = semantics
        && counts.total() == 0
    {
        return Err(no_step_counted(history, step));
    }
    Ok(counts)
}

/// Where the step-sampled chain stops following a version on `path`.
/// Events hold their state until the next one, to the end of the export;
/// rows of step numbers are observations, and after a version's last one
/// nothing is known of it.
fn sampling_end(history: &History, path: &[Observation]) -> i64 {
    match history.time_kind {
        TimeKind::Timestamp => history.observed_to,
        TimeKind::Step => path[path.len() - 1].time,
    }
}

/// Why a step-sampled count found nothing: the step is longer than every
/// version's time in the export.
fn no_step_counted(history: &History, step: i64) -> FitError {
    let longest = (0..history.paths.len())
        .map(|k| {
            let path = history.path(k);
            sampling_end(history, path).saturating_sub(path[0].time)
        })
        .max()
        .unwrap_or(0);
    let end = match history.time_kind {
        TimeKind::Timestamp => "the end of the export",
        TimeKind::Step => "its last",
    };
    FitError::Usage(format!(
        "--step {} is longer than any version's time in the history (the longest, from its \
         first row to {end}, is {}), so no step is counted; give a shorter --step",
        history.time_kind.format_duration(step),
        history.time_kind.format_span(longest)
    ))
}

/// The jump chain of one path: real moves, and the stays between them.
fn jumps(
    counts: &mut Counts,
    tally: &mut Tally,
    path: &[super::read::Observation],
    observed_to: i64,
    is_absorbing: &impl Fn(u32) -> bool,
) {
    let first = path[0];
    // An export that starts with a move (`from_state` given) shows the state
    // the version was in before: that move happened and is counted.
    match first.from() {
        Some(from) if from != first.state => {
            counts.start(from);
            tally.add(from, first.state, first.time, first.line());
        }
        _ => counts.start(first.state),
    }
    let (mut state, mut entered) = (first.state, first.time);
    for row in &path[1..] {
        if row.state == state {
            counts.repeats += 1;
            continue;
        }
        tally.add(state, row.state, row.time, row.line());
        if let Some(holding) = &mut counts.holding {
            holding[state as usize]
                .completed
                .push(row.time.saturating_sub(entered));
        }
        (state, entered) = (row.state, row.time);
    }
    if !is_absorbing(state)
        && let Some(holding) = &mut counts.holding
    {
        holding[state as usize]
            .censored
            .push(observed_to.saturating_sub(entered));
    }
}

/// The step-sampled chain of one path: the state at `first + k · step` for
/// every boundary up to `end` (the end of the export, or of the version's
/// observations), or, for a version that ends in an absorbing state, up to
/// the first boundary in it: its state there is known even when that
/// boundary lies past `end`.
fn sampled(
    counts: &mut Counts,
    tally: &mut Tally,
    path: &[super::read::Observation],
    step: i64,
    end: i64,
    is_absorbing: &impl Fn(u32) -> bool,
) {
    let start = path[0].time;
    // The state at a boundary is the one of the last row at or before it.
    let mut at = 0;
    while at + 1 < path.len() && path[at + 1].time <= start {
        at += 1;
    }
    let mut state = path[at].state;
    counts.start(state);
    let mut boundary = start;
    let absorbed = is_absorbing(path[path.len() - 1].state);
    while !is_absorbing(state) && (absorbed || boundary <= end.saturating_sub(step)) {
        boundary += step;
        let mut changes = 0;
        while at + 1 < path.len() && path[at + 1].time <= boundary {
            changes += u64::from(path[at + 1].state != path[at].state);
            at += 1;
        }
        let next = path[at].state;
        counts.collapsed += changes - u64::from(next != state);
        tally.add(state, next, boundary, path[at].line());
        state = next;
    }
}

fn check_step(history: &History, step: i64) -> Result<(), FitError> {
    if step <= 0 {
        return Err(FitError::Usage(format!(
            "--step must be positive, not {}",
            history.time_kind.format_duration(step)
        )));
    }
    let span = |k: usize| i128::from(history.observed_to) - i128::from(history.path(k)[0].time);
    let steps: u128 = (0..history.paths.len())
        .map(|k| (span(k) / i128::from(step)) as u128 + 1)
        .sum();
    if steps > u128::from(MAX_STEPS) {
        return Err(FitError::TooManySteps {
            step: history.time_kind.format_duration(step),
            steps,
            limit: MAX_STEPS,
        });
    }
    Ok(())
}

/// Quantiles of a holding-time distribution with censored stays, by the
/// Kaplan–Meier product-limit estimate (Kaplan and Meier, 1958):
/// `S(t) = Π_{t_i ≤ t} (1 − d_i / r_i)` over the distinct completed times
/// `t_i`, with `d_i` stays ending at `t_i` and `r_i` stays still going just
/// before it. The `q`-quantile is the first `t_i` with `S(t_i) ≤ 1 − q`, or
/// `None` when censoring leaves the curve above that.
pub fn kaplan_meier_quantiles(holding: &Holding, quantiles: &[f64]) -> Vec<Option<i64>> {
    // Ends first at equal times: a stay censored at t was at risk at t.
    let mut events: Vec<(i64, bool)> = holding
        .completed
        .iter()
        .map(|&t| (t, true))
        .chain(holding.censored.iter().map(|&t| (t, false)))
        .collect();
    events.sort_by_key(|&(t, completed)| (t, !completed));
    let mut at_risk = events.len() as f64;
    let mut survival = 1.0;
    let mut curve = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        let (mut ended, mut left) = (0.0, 0.0);
        while i < events.len() && events[i].0 == t {
            if events[i].1 {
                ended += 1.0;
            } else {
                left += 1.0;
            }
            i += 1;
        }
        if ended > 0.0 {
            survival *= 1.0 - ended / at_risk;
            curve.push((t, survival));
        }
        at_risk -= ended + left;
    }
    quantiles
        .iter()
        .map(|&q| {
            curve
                .iter()
                .find(|&&(_, s)| s <= 1.0 - q + 1e-12)
                .map(|&(t, _)| t)
        })
        .collect()
}

/// Summary of one state's holding times, in days (timestamps) or steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldingSummary {
    pub state: String,
    pub completed: usize,
    pub censored: usize,
    /// Mean of the completed stays (biased low when many are censored).
    pub mean_completed: Option<f64>,
    /// Total time in the state, censored stays included, over the completed
    /// stays: the maximum likelihood mean of an exponential holding time.
    pub mean_exponential: Option<f64>,
    /// Kaplan–Meier quantiles 10%, 25%, 50%, 75%, 90%.
    pub quantiles: [Option<f64>; 5],
    pub longest: Option<f64>,
}

/// The quantiles reported for holding times.
pub const HOLDING_QUANTILES: [f64; 5] = [0.1, 0.25, 0.5, 0.75, 0.9];

/// Summarises the holding times of every state.
pub fn holding_summaries(counts: &Counts) -> Vec<HoldingSummary> {
    let Some(holding) = &counts.holding else {
        return Vec::new();
    };
    let (unit, _) = counts.time_kind.report_unit();
    holding
        .iter()
        .zip(&counts.states)
        .map(|(h, state)| {
            let completed: i64 = h.completed.iter().sum();
            let censored: i64 = h.censored.iter().sum();
            let n = h.completed.len() as f64;
            let q = kaplan_meier_quantiles(h, &HOLDING_QUANTILES);
            HoldingSummary {
                state: state.clone(),
                completed: h.completed.len(),
                censored: h.censored.len(),
                mean_completed: (n > 0.0).then(|| completed as f64 / n / unit),
                mean_exponential: (n > 0.0).then(|| (completed + censored) as f64 / n / unit),
                quantiles: std::array::from_fn(|k| q[k].map(|t| t as f64 / unit)),
                longest: h.completed.iter().max().map(|&t| t as f64 / unit),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::history::tests::history;

    const EVENTS: &str = "version_id,timestamp,to_state\n\
        v,0,a\nv,10,b\nv,12,b\nv,15,c\nv,16,a\nw,0,a\nw,4,b\n";

    #[test]
    fn many_rows_are_counted_in_parts_as_in_one() {
        // Versions of uneven lengths, so paths cross the parts' borders.
        let (n, split) = (4, Some(400_000));
        let rows: Vec<Observation> = (0..3 * PARALLEL_STEPS as u32)
            .map(|k| {
                Observation::new(
                    k / 100_003,
                    i64::from(k),
                    ((u64::from(k) * u64::from(k) + u64::from(k / 7)) % 4) as u32,
                    None,
                    u64::from(k) + 2,
                )
            })
            .collect();
        let parts = Tally::rows(&rows, 0..rows.len(), n, split);
        let mut one = Tally::new(n, split);
        for pair in rows.windows(2) {
            if pair[0].version == pair[1].version {
                one.add(pair[0].state, pair[1].state, pair[1].time, pair[1].line());
            }
        }
        assert_eq!(parts.steps, one.steps);
        assert_eq!(parts.windows, one.windows);
        assert_eq!(parts.first_exit, one.first_exit);
        assert_eq!(
            one.steps.iter().sum::<u64>(),
            rows.len() as u64 - 8,
            "one step less per version"
        );
    }

    #[test]
    fn the_jump_chain_counts_real_moves_and_holding_times() {
        let h = history(EVENTS, Some(30));
        let c = count(&h, Semantics::Jump, &[false; 3], None).unwrap();
        // a→b twice, b→c, c→a; the repeated b is no move.
        assert_eq!(c.matrix, vec![vec![0, 2, 0], vec![0, 0, 1], vec![1, 0, 0]]);
        assert_eq!(c.repeats, 1);
        let holding = c.holding.as_ref().unwrap();
        assert_eq!(holding[0].completed, vec![10, 4]);
        // v is back in a at 16, w in b since 4: both in flight at 30.
        assert_eq!(holding[0].censored, vec![14]);
        assert_eq!(holding[1].completed, vec![5]);
        assert_eq!(holding[1].censored, vec![26]);
        assert_eq!(c.censored, vec![1, 1, 0]);
    }

    /// Regression: a step longer than the history counted nothing, and the
    /// fit then said the first state was never left.
    #[test]
    fn a_step_longer_than_every_version_is_refused() {
        let h = history(EVENTS, Some(30));
        assert!(count(&h, Semantics::Step { step: 30 }, &[false; 3], None).is_ok());
        match count(&h, Semantics::Step { step: 31 }, &[false; 3], None) {
            Err(FitError::Usage(message)) => assert!(
                message.starts_with(
                    "--step 31 milliseconds is longer than any version's time in the history \
                     (the longest, from its first row to the end of the export, is 30ms)"
                ),
                "{message}"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_step_sampled_chain_collapses_moves_inside_a_step() {
        let h = history(EVENTS, Some(30));
        let c = count(&h, Semantics::Step { step: 10 }, &[false; 3], None).unwrap();
        // v at 0, 10, 20, 30: a, b, a, a; inside (10, 20] it went b→c→a, two
        // moves of which one is left. w: a, b, b, b.
        assert_eq!(c.matrix, vec![vec![1, 2, 0], vec![1, 2, 0], vec![0, 0, 0]]);
        assert_eq!(c.collapsed, 1);
    }

    /// Regression: a version of step-numbered rows was sampled on to the
    /// last step of any version, its last state repeated where it was
    /// never observed.
    #[test]
    fn rows_of_step_numbers_are_sampled_to_the_versions_last_row() {
        let h = history(
            "id,time,state\na,0,x\na,1,y\na,2,x\na,3,y\na,4,x\na,5,y\na,6,x\nb,0,x\nb,1,y\n",
            None,
        );
        assert_eq!(h.time_kind, TimeKind::Step);
        let sampled = count(&h, Semantics::Step { step: 1 }, &[false; 2], None).unwrap();
        let rows = count(&h, Semantics::Rows, &[false; 2], None).unwrap();
        assert_eq!(sampled.matrix, vec![vec![0, 4], vec![3, 0]]);
        assert_eq!(sampled.matrix, rows.matrix);
        // Events, by contrast, hold their state to the end of the export.
        let h = history(
            "version_id,timestamp,to_state\na,0,x\na,1,y\na,2,x\nb,0,x\nb,1,y\n",
            None,
        );
        let sampled = count(&h, Semantics::Step { step: 1 }, &[false; 2], None).unwrap();
        assert_eq!(sampled.matrix, vec![vec![0, 2], vec![1, 1]]);
    }

    #[test]
    fn an_absorbing_state_ends_the_sampling() {
        let h = history("version_id,timestamp,to_state\nv,0,a\nv,5,z\n", Some(100));
        let c = count(&h, Semantics::Step { step: 10 }, &[false, true], None).unwrap();
        assert_eq!(c.matrix, vec![vec![0, 1], vec![0, 0]]);
        assert_eq!(c.censored, vec![0, 0]);
    }

    /// Regression: a version absorbed after the last boundary before the
    /// end of the export lost its move into the absorbing state, and the
    /// row it came from looked as if it were never left.
    #[test]
    fn a_move_into_an_absorbing_state_past_the_last_boundary_counts() {
        let h = history("version_id,timestamp,to_state\nv,0,a\nv,5,z\n", Some(5));
        let c = count(&h, Semantics::Step { step: 10 }, &[false, true], None).unwrap();
        assert_eq!(c.matrix, vec![vec![0, 1], vec![0, 0]]);
        assert_eq!(c.censored, vec![0, 0]);
        // Past its last row a version in a state that is not absorbing is
        // unknown: its move is not counted, which leaves nothing here.
        assert!(matches!(
            count(&h, Semantics::Step { step: 10 }, &[false, false], None),
            Err(FitError::Usage(_))
        ));
        // Moves inside the last step still collapse into the one counted.
        let h = history(
            "version_id,timestamp,to_state\nv,0,a\nv,2,b\nv,25,a\nv,27,z\n",
            Some(27),
        );
        let c = count(
            &h,
            Semantics::Step { step: 10 },
            &[false, false, true],
            None,
        )
        .unwrap();
        assert_eq!(c.matrix, vec![vec![0, 1, 0], vec![0, 1, 1], vec![0, 0, 0]]);
        assert_eq!(c.collapsed, 1);
    }

    #[test]
    fn a_tiny_step_is_refused_rather_than_walked() {
        let h = history(
            "version_id,timestamp,to_state\nv,0,a\nv,1000000000000,b\n",
            None,
        );
        let error = count(&h, Semantics::Step { step: 1 }, &[], None).unwrap_err();
        assert!(matches!(error, FitError::TooManySteps { .. }));
        assert!(matches!(
            count(&h, Semantics::Step { step: 0 }, &[], None),
            Err(FitError::Usage(_))
        ));
    }

    #[test]
    fn windows_split_the_moves_by_time() {
        let h = history(EVENTS, None);
        let c = count(&h, Semantics::Jump, &[false; 3], Some(12)).unwrap();
        let (_, [before, after]) = c.windows.unwrap();
        assert_eq!(before, vec![vec![0, 2, 0], vec![0; 3], vec![0; 3]]);
        assert_eq!(after, vec![vec![0; 3], vec![0, 0, 1], vec![1, 0, 0]]);
    }

    #[test]
    fn kaplan_meier_matches_a_hand_computation() {
        // Completed 1, 2, 4; censored 3. S(1) = 3/4, S(2) = 3/4 · 2/3 = 1/2,
        // S(4) = 1/2 · 0/1 = 0 (one at risk at 4 after the censoring at 3).
        let h = Holding {
            completed: vec![4, 1, 2],
            censored: vec![3],
        };
        assert_eq!(
            kaplan_meier_quantiles(&h, &[0.25, 0.5, 0.9]),
            vec![Some(1), Some(2), Some(4)]
        );
        let open = Holding {
            completed: vec![1],
            censored: vec![5, 6, 7],
        };
        assert_eq!(kaplan_meier_quantiles(&open, &[0.5]), vec![None]);
    }
}
