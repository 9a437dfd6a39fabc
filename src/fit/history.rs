//! From rows as exported to one ordered path per version.
//!
//! Exports repeat themselves (a webhook delivered twice, two collectors) and
//! are not always in time order. Here the rows of each version are put in
//! time order (rows with equal times keep their file order), repeated rows
//! (same version, state and time) are dropped and counted, a `from_state`
//! that disagrees with the state of the version's previous row is reported,
//! and the end of the export (`--observed-to`) is applied: later rows are
//! dropped, and a version whose last state is not absorbing is in flight
//! then, so its last stay is censored rather than finished.

use std::ops::Range;

use serde::Serialize;

use super::FitError;
use super::read::{EventConflict, Observation, Observed, TimeKind};

/// How many disagreeing `from_state`s are kept as examples.
const MISMATCH_EXAMPLES: usize = 5;

/// A row whose `from_state` is not the state of the version's previous row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    pub line: u64,
    pub version: String,
    /// The `from_state` the row gives.
    pub declared: String,
    /// The state of the previous row of the same version.
    pub previous: String,
}

/// What cleaning the rows found, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cleaning {
    /// Rows read, duplicates of an `event_id` included.
    pub rows_read: u64,
    pub duplicate_event_ids: u64,
    /// Of those, the rows that differ from the first row of their
    /// `event_id` (dropped all the same), and the first of them.
    pub conflicting_event_ids: u64,
    pub first_event_id_conflict: Option<EventConflict>,
    /// Rows equal to another in version, state and time.
    pub duplicate_rows: u64,
    /// Rows that came earlier in time than a previous row of their version.
    pub out_of_order: u64,
    /// Rows after `--observed-to`, left out.
    pub after_observed_to: u64,
    /// Rows whose `from_state` disagrees with the previous row.
    pub from_mismatches: u64,
    /// The first few of those.
    pub mismatch_examples: Vec<Mismatch>,
    /// Rows at the same time as the row before them of their version (in
    /// another state): kept in file order, which may not be the order they
    /// happened in. A repeated step number in sequence data is one.
    pub simultaneous: u64,
    /// The line of the first of those in the file.
    pub first_simultaneous_line: Option<u64>,
}

/// The rows of every version, in time order.
#[derive(Debug, Clone)]
pub struct History {
    pub states: Vec<String>,
    pub versions: Vec<String>,
    pub time_kind: TimeKind,
    /// The columns used: version id, time, state.
    pub columns: (Option<String>, String, String),
    /// Sorted by version, then time; file order among equal times.
    pub rows: Vec<Observation>,
    /// The rows of each version that has any, as ranges of `rows`.
    pub paths: Vec<Range<usize>>,
    /// The earliest time in the history.
    pub first_time: i64,
    /// The end of the export: the last time, or `--observed-to`.
    pub observed_to: i64,
    pub cleaning: Cleaning,
    pub sources: std::collections::BTreeMap<String, u64>,
    /// Some state may be the state of no row (see
    /// [`History::drop_unused_states`]).
    maybe_unused_states: bool,
}

impl History {
    /// Orders and cleans what was read.
    ///
    /// # Errors
    ///
    /// [`FitError::NothingObserved`] when `observed_to` comes before every row.
    pub fn new(observed: Observed, observed_to: Option<i64>) -> Result<Self, FitError> {
        let Observed {
            states,
            versions,
            mut rows,
            time_kind,
            columns,
            duplicate_event_ids,
            event_id_conflicts,
            sources,
            maybe_unused_states,
            largest_epoch_integer: _,
        } = observed;
        let mut cleaning = Cleaning {
            rows_read: rows.len() as u64 + duplicate_event_ids,
            duplicate_event_ids,
            conflicting_event_ids: event_id_conflicts.0,
            first_event_id_conflict: event_id_conflicts.1,
            ..Cleaning::default()
        };
        // Most exports are in order already and repeat nothing: one pass.
        if let Some(clean) = in_order(&rows, &versions, &states)
            && observed_to.is_none_or(|end| end >= clean.last_time)
        {
            cleaning.from_mismatches = clean.mismatches.0;
            cleaning.mismatch_examples = clean.mismatches.1;
            (cleaning.simultaneous, cleaning.first_simultaneous_line) = clean.simultaneous;
            return Ok(Self {
                states,
                versions,
                time_kind,
                columns,
                rows,
                paths: clean.paths,
                first_time: clean.first_time,
                observed_to: observed_to.unwrap_or(clean.last_time),
                cleaning,
                sources,
                maybe_unused_states,
            });
        }
        let scan = scan(&rows, versions.len());
        let first_time = scan.first_time;
        let observed_to = observed_to.unwrap_or(scan.last_time);
        cleaning.out_of_order = scan.out_of_order;
        if observed_to < scan.last_time {
            let before = rows.len();
            rows.retain(|r| r.time <= observed_to);
            cleaning.after_observed_to = (before - rows.len()) as u64;
        }
        if rows.is_empty() {
            return Err(FitError::NothingObserved {
                observed_to: time_kind.format_time(observed_to),
                first: time_kind.format_time(first_time),
            });
        }
        // A stable sort keeps the file order of rows with equal times;
        // exports in order already are spared it.
        if !scan.sorted {
            rows.sort_by_key(|r| (r.version, r.time));
        }
        let paths = drop_repeated(&mut rows, &mut cleaning, &versions, &states);
        Ok(Self {
            states,
            versions,
            time_kind,
            columns,
            rows,
            paths,
            first_time,
            observed_to,
            cleaning,
            sources,
            maybe_unused_states,
        })
    }

    /// Drops the states that are neither a row's state nor, when `origins`
    /// (the jump chain counts that move), the state a version's first row
    /// moved from: named only by the state map, or by a `from_state` that
    /// disagrees with the row before it (and counted as such), they are no
    /// part of the history. States named in `keep` (declared absorbing)
    /// stay.
    pub fn drop_unused_states(&mut self, origins: bool, keep: &[String]) {
        if !self.maybe_unused_states {
            return;
        }
        let mut used: Vec<bool> = self.states.iter().map(|s| keep.contains(s)).collect();
        for row in &self.rows {
            used[row.state as usize] = true;
        }
        for path in self.paths.iter().filter(|_| origins) {
            if let Some(from) = self.rows[path.start].from() {
                used[from as usize] = true;
            }
        }
        if used.iter().all(|&u| u) {
            return;
        }
        let mut index = vec![None; used.len()];
        let mut kept = Vec::new();
        for (s, name) in std::mem::take(&mut self.states).into_iter().enumerate() {
            if used[s] {
                index[s] = Some(kept.len() as u32);
                kept.push(name);
            }
        }
        self.states = kept;
        for row in &mut self.rows {
            row.state = index[row.state as usize].expect("a row's state is used");
            // Only a first row's `from_state` is read from here on.
            row.set_from(row.from().and_then(|from| index[from as usize]));
        }
    }

    /// The rows of one version's path.
    pub fn path(&self, k: usize) -> &[Observation] {
        &self.rows[self.paths[k].clone()]
    }
}

/// What one pass over the rows as read tells.
struct Scan {
    first_time: i64,
    last_time: i64,
    /// Rows whose time is earlier than an earlier row of the same version.
    out_of_order: u64,
    /// Sorted by version, then time, already.
    sorted: bool,
}

/// One pass rather than four: the rows are the largest thing a fit holds.
fn scan(rows: &[Observation], versions: usize) -> Scan {
    let mut latest = vec![i64::MIN; versions.max(1)];
    let (mut first_time, mut last_time) = (i64::MAX, i64::MIN);
    let mut out_of_order = 0;
    let mut sorted = true;
    let mut previous = (0, i64::MIN);
    for row in rows {
        first_time = first_time.min(row.time);
        last_time = last_time.max(row.time);
        let seen = &mut latest[row.version as usize];
        if row.time < *seen {
            out_of_order += 1;
        } else {
            *seen = row.time;
        }
        let key = (row.version, row.time);
        sorted &= key >= previous;
        previous = key;
    }
    Scan {
        first_time: if rows.is_empty() { 0 } else { first_time },
        last_time: if rows.is_empty() { 0 } else { last_time },
        out_of_order,
        sorted,
    }
}

/// What [`in_order`] finds in rows that need no cleaning.
struct InOrder {
    first_time: i64,
    last_time: i64,
    paths: Vec<Range<usize>>,
    /// Rows whose `from_state` disagrees, and the first few.
    mismatches: (u64, Vec<Mismatch>),
    /// Rows at the time of the row before, and the first one's line.
    simultaneous: (u64, Option<u64>),
}

/// Rows from this many on are looked at in two parts at once.
const PARALLEL_ROWS: usize = 1 << 16;

/// The paths of rows sorted by version and time with no row repeating
/// another, in one pass (two parts side by side for many rows); `None` at
/// the first row out of order or repeated (then [`scan`] and
/// [`drop_repeated`] do the work).
fn in_order(rows: &[Observation], versions: &[String], states: &[String]) -> Option<InOrder> {
    if rows.is_empty() {
        return None;
    }
    let key = |row: &Observation| (row.version, row.time);
    let mut middle = rows.len();
    if rows.len() >= PARALLEL_ROWS {
        // Where the version or time changes, so that no group of rows
        // with equal times spans the two parts.
        middle = rows.len() / 2;
        while middle < rows.len() && key(&rows[middle]) == key(&rows[middle - 1]) {
            middle += 1;
        }
    }
    let (head, tail) = rayon::join(
        || in_order_part(rows, 0..middle, versions, states),
        || in_order_part(rows, middle..rows.len(), versions, states),
    );
    let (head, tail) = (head?, tail?);
    let mut starts = head.starts;
    starts.extend(tail.starts);
    starts.push(rows.len());
    let (mut count, mut examples) = head.mismatches;
    count += tail.mismatches.0;
    examples.extend(tail.mismatches.1);
    examples.truncate(MISMATCH_EXAMPLES);
    Some(InOrder {
        first_time: head.first_time.min(tail.first_time),
        last_time: head.last_time.max(tail.last_time),
        paths: starts.windows(2).map(|w| w[0]..w[1]).collect(),
        mismatches: (count, examples),
        simultaneous: (
            head.simultaneous.0 + tail.simultaneous.0,
            head.simultaneous.1.or(tail.simultaneous.1),
        ),
    })
}

/// What [`in_order_part`] finds in its part of the rows.
struct Part {
    first_time: i64,
    last_time: i64,
    /// The rows that begin a version's path.
    starts: Vec<usize>,
    mismatches: (u64, Vec<Mismatch>),
    simultaneous: (u64, Option<u64>),
}

/// [`in_order`] for the rows in `range`, each compared with the row before
/// it (also when that is in the part before); `range` starts at a change
/// of version or time.
fn in_order_part(
    rows: &[Observation],
    range: Range<usize>,
    versions: &[String],
    states: &[String],
) -> Option<Part> {
    let mut part = Part {
        first_time: i64::MAX,
        last_time: i64::MIN,
        starts: Vec::new(),
        mismatches: (0, Vec::new()),
        simultaneous: (0, None),
    };
    let mut group_start = range.start;
    for i in range {
        let row = rows[i];
        part.first_time = part.first_time.min(row.time);
        part.last_time = part.last_time.max(row.time);
        let Some(&previous) = i.checked_sub(1).map(|before| &rows[before]) else {
            part.starts.push(0);
            continue;
        };
        if (row.version, row.time) < (previous.version, previous.time) {
            return None;
        }
        if previous.version != row.version {
            part.starts.push(i);
        }
        if (previous.version, previous.time) != (row.version, row.time) {
            group_start = i;
        } else if rows[group_start..i].iter().any(|r| r.state == row.state) {
            return None;
        } else {
            part.simultaneous.0 += 1;
            part.simultaneous.1.get_or_insert(row.line());
        }
        if previous.version == row.version {
            check_from(&row, &previous, &mut part.mismatches, versions, states);
        }
    }
    Some(part)
}

/// Counts `row`'s `from_state` when it is not the state of the row before
/// it, of the same version, and keeps the first few as examples.
#[inline]
fn check_from(
    row: &Observation,
    previous: &Observation,
    mismatches: &mut (u64, Vec<Mismatch>),
    versions: &[String],
    states: &[String],
) {
    if let Some(from) = row.from()
        && from != previous.state
    {
        mismatches.0 += 1;
        if mismatches.1.len() < MISMATCH_EXAMPLES {
            mismatches.1.push(Mismatch {
                line: row.line(),
                version: versions[row.version as usize].clone(),
                declared: states[from as usize].clone(),
                previous: states[previous.state as usize].clone(),
            });
        }
    }
}

/// Drops rows equal to an earlier one in version, time and state (they sit
/// together once sorted), counting them, checks each kept row's
/// `from_state` against the version's previous row, and returns the range
/// of rows of each version: one pass over the sorted rows. The rows kept in
/// one group of equal version and time have distinct states, so the scan of
/// a group is bounded by the number of states, whatever the number of rows.
fn drop_repeated(
    rows: &mut Vec<Observation>,
    cleaning: &mut Cleaning,
    versions: &[String],
    states: &[String],
) -> Vec<Range<usize>> {
    let before = rows.len();
    let mut paths = Vec::new();
    let mut mismatches = (0, Vec::new());
    let (mut path_start, mut group_start, mut kept) = (0, 0, 0);
    for i in 0..rows.len() {
        let row = rows[i];
        if kept > 0 {
            let previous = rows[kept - 1];
            if previous.version != row.version {
                paths.push(path_start..kept);
                path_start = kept;
            }
            if (previous.version, previous.time) != (row.version, row.time) {
                group_start = kept;
            }
            if rows[group_start..kept].iter().any(|r| r.state == row.state) {
                continue;
            }
            if (previous.version, previous.time) == (row.version, row.time) {
                cleaning.simultaneous += 1;
                // Rows may have been sorted: the first in the file.
                let first = cleaning.first_simultaneous_line.get_or_insert(row.line());
                *first = (*first).min(row.line());
            }
            if previous.version == row.version {
                check_from(&row, &previous, &mut mismatches, versions, states);
            }
        }
        if kept != i {
            rows[kept] = row;
        }
        kept += 1;
    }
    if kept > 0 {
        paths.push(path_start..kept);
    }
    rows.truncate(kept);
    cleaning.duplicate_rows = (before - kept) as u64;
    (cleaning.from_mismatches, cleaning.mismatch_examples) = mismatches;
    paths
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::fit::read::{ReadOptions, read};

    /// The history of CSV `text`, read with the default options.
    pub(in crate::fit) fn history(text: &str, observed_to: Option<i64>) -> History {
        History::new(
            read(text.as_bytes(), &ReadOptions::default()).unwrap(),
            observed_to,
        )
        .unwrap()
    }

    #[test]
    fn rows_are_ordered_and_repeats_dropped() {
        let h = history(
            "version_id,timestamp,to_state\nv,3,c\nw,1,a\nv,1,a\nv,2,b\nv,1,a\nv,2,b\n",
            None,
        );
        let states: Vec<&str> = h
            .path(0)
            .iter()
            .map(|r| h.states[r.state as usize].as_str())
            .collect();
        assert_eq!(states, ["a", "b", "c"]);
        assert_eq!(h.paths.len(), 2);
        assert_eq!(h.cleaning.duplicate_rows, 2);
        // v,1,a comes after v,3,c in the file: out of order; so do the repeats.
        assert_eq!(h.cleaning.out_of_order, 4);
    }

    #[test]
    fn rows_in_order_get_what_the_cleaning_passes_give() {
        // In order, with equal times, several versions and from_states
        // that disagree: the one pass and the two passes agree.
        let text = "version_id,timestamp,from_state,to_state\n\
                    a,1,,x\na,2,x,y\na,2,x,z\na,5,x,x\nb,1,,y\nb,3,z,x\nc,4,,z\n";
        let observed = read(text.as_bytes(), &ReadOptions::default()).unwrap();
        let clean = in_order(&observed.rows, &observed.versions, &observed.states).unwrap();
        let mut rows = observed.rows.clone();
        let mut cleaning = Cleaning::default();
        let paths = drop_repeated(
            &mut rows,
            &mut cleaning,
            &observed.versions,
            &observed.states,
        );
        assert_eq!(rows, observed.rows);
        assert_eq!(clean.paths, paths);
        assert_eq!(clean.paths, [0..4, 4..6, 6..7]);
        assert_eq!(
            clean.mismatches,
            (cleaning.from_mismatches, cleaning.mismatch_examples)
        );
        assert_eq!(clean.mismatches.0, 3);
        // a,2,x,z follows a,2,x,y at the same time, on line 4.
        assert_eq!(clean.simultaneous, (1, Some(4)));
        assert_eq!(
            clean.simultaneous,
            (cleaning.simultaneous, cleaning.first_simultaneous_line)
        );
        let scan = scan(&observed.rows, observed.versions.len());
        assert!(scan.sorted);
        assert_eq!(
            (clean.first_time, clean.last_time),
            (scan.first_time, scan.last_time)
        );
        // Long enough to be looked at in two parts, with versions, equal
        // times (two rows each, one pair across the middle, so the split
        // moves on a row) and disagreeing from_states on both sides.
        let versions: Vec<String> = (0..8).map(|v| format!("v{v}")).collect();
        let states: Vec<String> = (0..3).map(|s| format!("s{s}")).collect();
        let rows: Vec<Observation> = (0..PARALLEL_ROWS as u32 + 5002)
            .map(|k| {
                Observation::new(
                    k / 10_000,
                    i64::from(k / 2),
                    k % 3,
                    (k % 7 == 0).then_some(k % 2),
                    u64::from(k) + 2,
                )
            })
            .collect();
        let clean = in_order(&rows, &versions, &states).unwrap();
        let mut dropped = rows.clone();
        let mut cleaning = Cleaning::default();
        let paths = drop_repeated(&mut dropped, &mut cleaning, &versions, &states);
        assert_eq!(dropped, rows);
        assert_eq!(clean.paths, paths);
        assert_eq!(clean.paths.len(), 8);
        assert_eq!(
            clean.mismatches,
            (cleaning.from_mismatches, cleaning.mismatch_examples)
        );
        // Every odd row shares the time of the one before, but the first of
        // each version (10,000 rows a version: an even number).
        assert_eq!(
            clean.simultaneous,
            (cleaning.simultaneous, cleaning.first_simultaneous_line)
        );
        assert_eq!(
            clean.simultaneous,
            ((PARALLEL_ROWS as u64 + 5002) / 2, Some(3))
        );
        assert_eq!(
            (clean.first_time, clean.last_time),
            (0, i64::from(PARALLEL_ROWS as u32 + 5001) / 2)
        );
        // Out of order, or a row repeated: left to the two passes.
        for text in [
            "version_id,timestamp,to_state\na,2,x\na,1,y\n",
            "version_id,timestamp,to_state\na,1,x\nb,1,y\na,2,y\n",
            "version_id,timestamp,to_state\na,1,x\na,1,y\na,1,x\n",
        ] {
            let observed = read(text.as_bytes(), &ReadOptions::default()).unwrap();
            assert!(
                in_order(&observed.rows, &observed.versions, &observed.states).is_none(),
                "{text}"
            );
        }
    }

    #[test]
    fn equal_times_keep_the_file_order() {
        let h = history("version_id,timestamp,to_state\nv,1,b\nv,1,a\n", None);
        assert_eq!(h.rows[0].line(), 2);
        assert_eq!(
            (h.cleaning.simultaneous, h.cleaning.first_simultaneous_line),
            (1, Some(3))
        );
        // Sorted first: the first such row in the file is named.
        let h = history(
            "version_id,timestamp,to_state\nv,1,a\nv,2,b\nw,1,a\nw,1,z\nv,3,a\nv,3,z\n",
            None,
        );
        assert_eq!(
            (h.cleaning.simultaneous, h.cleaning.first_simultaneous_line),
            (2, Some(5))
        );
    }

    #[test]
    fn a_disagreeing_from_state_is_reported() {
        let h = history(
            "version_id,timestamp,from_state,to_state\nv,1,,a\nv,2,a,b\nv,3,a,c\n",
            None,
        );
        assert_eq!(h.cleaning.from_mismatches, 1);
        let example = &h.cleaning.mismatch_examples[0];
        assert_eq!(
            (
                example.line,
                example.declared.as_str(),
                example.previous.as_str()
            ),
            (4, "a", "b")
        );
    }

    #[test]
    fn the_end_of_the_export_cuts_later_rows() {
        let h = history("version_id,timestamp,to_state\nv,1,a\nv,5,b\n", Some(3));
        assert_eq!(
            (h.rows.len(), h.cleaning.after_observed_to, h.observed_to),
            (1, 1, 3)
        );
        let none = History::new(
            read(
                "version_id,timestamp,to_state\nv,5,a\n".as_bytes(),
                &ReadOptions::default(),
            )
            .unwrap(),
            Some(1),
        );
        assert!(matches!(none, Err(FitError::NothingObserved { .. })));
    }
}
