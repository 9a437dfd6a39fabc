//! Interning rows as they are read: version ids and state labels become
//! small integers (labels through the state map), times become integers,
//! and rows repeating an earlier `event_id` are dropped and counted.
//!
//! Exports list the rows of a version together and repeat a handful of
//! short labels, so the last version is compared first and short labels
//! are looked up as integers in a small table: most rows are interned
//! without hashing their text.

use std::collections::{BTreeMap, HashMap};
use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::FitError;
use super::read::{EventConflict, FROM_COLUMN, Layout, Observation, Observed, ReadOptions};
use super::time::{TimeError, TimeKind, parse_time};

/// One row's fields as text.
pub(super) struct Fields<'a> {
    pub(super) line: u64,
    pub(super) id: Option<&'a str>,
    pub(super) time: &'a str,
    pub(super) state: &'a str,
    pub(super) from: Option<&'a str>,
    pub(super) event_id: Option<&'a str>,
    pub(super) source: Option<&'a str>,
}

/// A map from short strings (labels, ids). foldhash hashes a short key in
/// a few nanoseconds, where the standard SipHash takes tens: a tenth of the
/// whole fit. The fixed seed is safe here: the keys come from the user's own
/// file, not from an adversary.
type Map<V> = HashMap<String, V, foldhash::fast::FixedState>;

/// Slots of the table of short labels in front of the map: a history uses
/// a few labels, so each almost always has a slot of its own.
const SLOTS: usize = 64;
/// A slot that no label holds: no packed key has a length byte of 0xFF.
const EMPTY: u128 = u128::MAX;

/// A label of at most 15 bytes as one integer: its bytes, then its length
/// in the last byte, so two labels are equal exactly when their keys are.
/// Built in registers from overlapping loads: bytes copied to the stack
/// and read back as one integer stall the processor on every row.
#[inline]
fn packed(label: &str) -> Option<u128> {
    let bytes = label.as_bytes();
    let n = bytes.len();
    (n < 16).then(|| {
        let (low, high) = match bytes.split_at_checked(8) {
            Some((low, high)) => (word(low), word(high)),
            None => (word(bytes), 0),
        };
        u128::from(low) | u128::from(high) << 64 | (n as u128) << 120
    })
}

/// At most 8 bytes as the low bytes of an integer (little-endian), the
/// others zero: the first and last 4 (or 2) bytes, which overlap when there
/// are fewer than 8 (or 4), shifted into place.
#[inline]
fn word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let pair =
        |head: u64, tail: u64, half: usize| head | (tail >> (8 * (2 * half - n))) << (8 * half);
    match n {
        0 => 0,
        1 => u64::from(bytes[0]),
        2..4 => {
            let at = |i: usize| u64::from(u16::from_le_bytes([bytes[i], bytes[i + 1]]));
            pair(at(0), at(n - 2), 2)
        }
        4..8 => {
            let at = |i: usize| {
                u64::from(u32::from_le_bytes(
                    bytes[i..i + 4].try_into().expect("four bytes"),
                ))
            };
            pair(at(0), at(n - 4), 4)
        }
        _ => u64::from_le_bytes(bytes[..8].try_into().expect("at most eight bytes")),
    }
}

/// A field's text for a message: the first 60 characters of a long one.
fn shown(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// The slot of a packed key: a multiplicative hash of its two halves.
#[inline]
fn slot(key: u128) -> usize {
    let folded = key as u64 ^ (key >> 64) as u64;
    (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros())) as usize
}

/// Bytes per row at the least (`1,a` and a newline), so room for the rows
/// can be reserved from the input's size: room reserved but never filled
/// costs address space, not memory.
const MIN_ROW_BYTES: u64 = 4;
/// The most rows reserved ahead: 2 GiB of address space.
const MAX_RESERVED_ROWS: u64 = 1 << 26;

/// Where a sink puts its rows.
pub(super) enum Rows<'a> {
    /// A vector of its own.
    Owned(Vec<Observation>),
    /// Its stretch of the room of a vector that sinks share, written
    /// from the start; `full` when a row found no slot left.
    Part {
        slots: &'a mut [MaybeUninit<Observation>],
        filled: usize,
        full: bool,
    },
}

impl<'a> Rows<'a> {
    /// A vector with room for the rows of an input of the size given.
    pub(super) fn reserved(options: &ReadOptions) -> Self {
        let rows = options
            .expected_bytes
            .map_or(0, |b| (b / MIN_ROW_BYTES).min(MAX_RESERVED_ROWS) as usize);
        Self::Owned(Vec::with_capacity(rows))
    }

    /// Rows put in `slots`, from the first.
    pub(super) fn into_slots(slots: &'a mut [MaybeUninit<Observation>]) -> Self {
        Self::Part {
            slots,
            filled: 0,
            full: false,
        }
    }

    /// How many slots are filled; `None` when a row found none left.
    pub(super) fn filled(&self) -> Option<usize> {
        match self {
            Self::Owned(rows) => Some(rows.len()),
            Self::Part { filled, full, .. } => (!full).then_some(*filled),
        }
    }

    /// The rows of a sink's own vector; none for a part of a table.
    pub(super) fn into_vec(self) -> Vec<Observation> {
        match self {
            Self::Owned(rows) => rows,
            Self::Part { .. } => Vec::new(),
        }
    }

    fn push(&mut self, row: Observation) {
        match self {
            Self::Owned(rows) => rows.push(row),
            Self::Part {
                slots,
                filled,
                full,
            } => match slots.get_mut(*filled) {
                Some(slot) => {
                    slot.write(row);
                    *filled += 1;
                }
                None => *full = true,
            },
        }
    }
}

/// Interns rows as they are read.
pub(super) struct Sink<'a> {
    options: &'a ReadOptions<'a>,
    layout: Option<Layout>,
    states: Vec<String>,
    /// Label as written → state index, filled as labels are met.
    labels: Map<u32>,
    /// Labels of at most 15 bytes by [`packed`] key and [`slot`], the first
    /// to come to each slot; the others are found in `labels`.
    short_labels: [(u128, u32); SLOTS],
    /// The time column's integers are epoch milliseconds (see
    /// [`ReadOptions::integer_times`]).
    epoch_column: bool,
    /// Labels a row may use when states are restricted; `None`: any.
    allowed: Option<HashMap<String, u32>>,
    versions: Vec<String>,
    version_index: Map<u32>,
    /// The version of the previous row: rows of one version come together.
    last_version: Option<(String, u32)>,
    time_kind: Option<TimeKind>,
    /// Each `event_id` seen, with what its first row says.
    event_ids: HashMap<String, Event, foldhash::fast::FixedState>,
    duplicate_event_ids: u64,
    /// Repeats of an `event_id` whose row says something else.
    conflicts: (u64, Option<EventConflict>),
    sources: BTreeMap<String, u64>,
    /// A state was named by the state map or first by a `from_state`, not
    /// by a policy or a row's state: it may be the state of no row.
    maybe_unused: bool,
    /// The largest epoch millisecond written as an integer.
    largest_epoch_integer: Option<i64>,
}

impl<'a> Sink<'a> {
    pub(super) fn new(options: &'a ReadOptions<'a>) -> Result<Self, FitError> {
        let mut states: Vec<String> = options
            .known_states
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        let mut allowed = None;
        let mut maybe_unused = false;
        if options.known_states.is_some() || options.state_map.is_some() {
            let mut map: HashMap<String, u32> = HashMap::new();
            for (i, s) in states.iter().enumerate() {
                map.insert(s.clone(), i as u32);
            }
            for (label, state) in options.state_map.into_iter().flatten() {
                let index = match states.iter().position(|s| s == state) {
                    Some(i) => i as u32,
                    None if options.known_states.is_some() => {
                        return Err(FitError::MapTarget {
                            label: label.clone(),
                            state: state.clone(),
                            known: states.join(", "),
                            suggestion: crate::scenario::expr::closest(
                                state,
                                states.iter().map(String::as_str),
                            ),
                        });
                    }
                    None => {
                        check_state_name(state, 0)?;
                        states.push(state.clone());
                        maybe_unused = true;
                        (states.len() - 1) as u32
                    }
                };
                map.insert(state.clone(), index);
                map.insert(label.clone(), index);
            }
            allowed = Some(map);
        }
        Ok(Self {
            options,
            layout: None,
            states,
            labels: Map::default(),
            short_labels: [(EMPTY, 0); SLOTS],
            epoch_column: false,
            allowed,
            versions: Vec::new(),
            version_index: Map::default(),
            last_version: None,
            time_kind: None,
            event_ids: HashMap::default(),
            duplicate_event_ids: 0,
            conflicts: (0, None),
            sources: BTreeMap::new(),
            maybe_unused,
            largest_epoch_integer: None,
        })
    }

    /// The columns are known: rows may come.
    pub(super) fn set_layout(&mut self, layout: Layout) {
        self.epoch_column = match self.options.integer_times {
            Some(kind) => kind == TimeKind::Timestamp,
            None => layout.time == "timestamp",
        };
        self.layout = Some(layout);
    }

    /// Interns one row into `rows`.
    #[inline]
    pub(super) fn push(&mut self, fields: Fields, rows: &mut Rows) -> Result<(), FitError> {
        let layout = self
            .layout
            .as_ref()
            .expect("the layout is resolved before the rows");
        if fields.line > Observation::MAX_LINE {
            return Err(too_long(fields.line));
        }
        // Every row read counts, a repeat too: the sources sum to the rows read.
        if let Some(source) = fields.source {
            *self.sources.entry(source.to_string()).or_default() += 1;
        }
        if let Some(event_id) = fields.event_id
            && let Some(first) = self.event_ids.get(event_id)
        {
            self.duplicate_event_ids += 1;
            // The same event delivered twice says the same thing.
            let time = parse_time(fields.time, self.epoch_column)
                .ok()
                .map(|(t, _)| t);
            if (first.id.as_deref(), Some(first.time), first.state.as_str())
                != (fields.id, time, fields.state)
            {
                self.conflicts.0 += 1;
                self.conflicts.1.get_or_insert_with(|| EventConflict {
                    event_id: event_id.to_string(),
                    first_line: first.line,
                    line: fields.line,
                });
            }
            return Ok(());
        }
        let version = match (&layout.id, fields.id) {
            (None, _) => 0,
            (Some(column), None) => {
                return Err(FitError::EmptyField {
                    line: fields.line,
                    column: column.clone(),
                });
            }
            (Some(_), Some(id)) => match &self.last_version {
                Some((last, v)) if last == id => *v,
                _ => {
                    let v = match self.version_index.get(id) {
                        Some(&v) => v,
                        None => {
                            let v = self.versions.len() as u32;
                            self.versions.push(id.to_string());
                            self.version_index.insert(id.to_string(), v);
                            v
                        }
                    };
                    self.last_version = Some((id.to_string(), v));
                    v
                }
            },
        };
        let time = self.time(fields.time, fields.line)?;
        if let Some(event_id) = fields.event_id {
            self.event_ids.insert(
                event_id.to_string(),
                Event {
                    line: fields.line,
                    id: fields.id.map(str::to_string),
                    time,
                    state: fields.state.to_string(),
                },
            );
        }
        let state = self.state(fields.state, fields.line, false)?;
        let from = match fields.from {
            Some(label) => Some(self.state(label, fields.line, true)?),
            None => None,
        };
        rows.push(Observation::new(version, time, state, from, fields.line));
        Ok(())
    }

    #[inline]
    fn time(&mut self, text: &str, line: u64) -> Result<i64, FitError> {
        let layout = self.layout.as_ref().expect("resolved");
        let column = &layout.time;
        if text.is_empty() {
            return Err(FitError::EmptyField {
                line,
                column: column.clone(),
            });
        }
        let (time, kind) = parse_time(text, self.epoch_column).map_err(|e| match e {
            TimeError::Unparsable(reason) => FitError::Time {
                line,
                column: column.clone(),
                value: shown(text),
                reason,
            },
            TimeError::OutOfRange(kind) => FitError::TimeRange {
                line,
                column: column.clone(),
                value: shown(text),
                kind,
            },
        })?;
        // An integer in a `timestamp` column: RFC 3339 always has a `T`.
        if self.epoch_column
            && kind == TimeKind::Timestamp
            && text.len() < 20
            && !text.contains(['T', 't'])
        {
            self.largest_epoch_integer =
                Some(self.largest_epoch_integer.map_or(time, |t| t.max(time)));
        }
        match self.time_kind {
            None => self.time_kind = Some(kind),
            Some(expected) if expected != kind => {
                return Err(FitError::MixedTime {
                    line,
                    column: column.clone(),
                    value: shown(text),
                    found: kind.name(),
                    expected: expected.name(),
                });
            }
            Some(_) => {}
        }
        Ok(time)
    }

    /// The state a label stands for; `from`: the label is a `from_state`.
    #[inline]
    fn state(&mut self, label: &str, line: u64, from: bool) -> Result<u32, FitError> {
        let key = packed(label);
        if let Some(key) = key {
            let (held, s) = self.short_labels[slot(key)];
            if held == key {
                return Ok(s);
            }
        }
        if let Some(&s) = self.labels.get(label) {
            return Ok(s);
        }
        if label.is_empty() {
            let layout = self.layout.as_ref().expect("resolved");
            return Err(FitError::EmptyField {
                line,
                column: if from {
                    FROM_COLUMN.to_string()
                } else {
                    layout.state.clone()
                },
            });
        }
        let index = match &self.allowed {
            Some(allowed) => match allowed.get(label) {
                Some(&index) => index,
                None => return Err(self.unknown(label, line)),
            },
            None => {
                check_state_name(label, line)?;
                self.states.push(label.to_string());
                self.maybe_unused |= from;
                (self.states.len() - 1) as u32
            }
        };
        self.labels.insert(label.to_string(), index);
        if let Some(key) = key
            && self.short_labels[slot(key)].0 == EMPTY
        {
            self.short_labels[slot(key)] = (key, index);
        }
        Ok(index)
    }

    /// The error for a label that is neither mapped nor a state.
    #[cold]
    fn unknown(&self, label: &str, line: u64) -> FitError {
        const SHOWN: usize = 30;
        let allowed = self.allowed.as_ref().expect("states are restricted");
        let mut known: Vec<&str> = allowed.keys().map(String::as_str).collect();
        known.sort_unstable();
        let suggestion = crate::scenario::expr::closest(label, known.iter().copied());
        let mut shown = known
            .iter()
            .take(SHOWN)
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>();
        if known.len() > SHOWN {
            shown.push(format!("and {} more", known.len() - SHOWN));
        }
        FitError::UnknownState {
            line,
            label: label.to_string(),
            known: if shown.is_empty() {
                "none".to_string()
            } else {
                shown.join(", ")
            },
            suggestion,
            policy: self.options.known_states.is_some(),
        }
    }

    /// Takes in `later`, which read the text after this sink's: its
    /// versions and states join this sink's, and how its rows are to be
    /// renumbered is returned (for [`Sink::finish_parts`]); `None` (and
    /// nothing changed) when the two read different kinds of time. Neither
    /// may have read event ids.
    pub(super) fn merge(&mut self, later: Sink) -> Option<Renumbering> {
        debug_assert!(self.event_ids.is_empty() && later.event_ids.is_empty());
        match (self.time_kind, later.time_kind) {
            (Some(a), Some(b)) if a != b => return None,
            (None, kind) => self.time_kind = kind,
            _ => {}
        }
        self.maybe_unused |= later.maybe_unused;
        self.largest_epoch_integer = self.largest_epoch_integer.max(later.largest_epoch_integer);
        let mut state_index: Map<u32> = Map::default();
        for (i, name) in self.states.iter().enumerate() {
            state_index.insert(name.clone(), i as u32);
        }
        let states: Vec<u32> = later
            .states
            .into_iter()
            .map(|name| {
                *state_index.entry(name.clone()).or_insert_with(|| {
                    self.states.push(name);
                    (self.states.len() - 1) as u32
                })
            })
            .collect();
        let has_ids = self.layout.as_ref().is_some_and(|l| l.id.is_some());
        let versions: Vec<u32> = later
            .versions
            .into_iter()
            .map(|id| match self.version_index.get(&id) {
                Some(&v) => v,
                None => {
                    let v = self.versions.len() as u32;
                    self.version_index.insert(id.clone(), v);
                    self.versions.push(id);
                    v
                }
            })
            .collect();
        for (source, count) in later.sources {
            *self.sources.entry(source).or_default() += count;
        }
        Some(Renumbering {
            states,
            versions: has_ids.then_some(versions),
        })
    }

    /// What was read, with `rows`, the rows pushed.
    pub(super) fn finish(self, rows: Vec<Observation>) -> Result<Observed, FitError> {
        self.finish_parts(rows, Vec::new())
    }

    /// [`Sink::finish`] for the rows of this sink followed by those of the
    /// sinks it took in: each `(start, renumbering)` in `later` says from
    /// which index on a sink's rows are and how they are renumbered. The
    /// parts are renumbered side by side.
    pub(super) fn finish_parts(
        mut self,
        mut rows: Vec<Observation>,
        later: Vec<(usize, Renumbering)>,
    ) -> Result<Observed, FitError> {
        let layout = self.layout.take().ok_or(FitError::Empty)?;
        let Some(time_kind) = self.time_kind else {
            return Err(if self.duplicate_event_ids > 0 {
                FitError::Malformed {
                    line: 2,
                    reason: "every row repeats an earlier event_id".to_string(),
                    help: "give each event an event_id of its own, or drop the column",
                }
            } else {
                FitError::NoRows
            });
        };
        // Without a policy, states are sorted by name so the order does not
        // depend on which version happens to come first in the export.
        let mut rank = None;
        if self.options.known_states.is_none() && !self.states.is_sorted() {
            let mut order: Vec<u32> = (0..self.states.len() as u32).collect();
            order.sort_by(|&a, &b| self.states[a as usize].cmp(&self.states[b as usize]));
            let mut ranks = vec![0u32; order.len()];
            for (new, &old) in order.iter().enumerate() {
                ranks[old as usize] = new as u32;
            }
            self.states = order
                .iter()
                .map(|&i| self.states[i as usize].clone())
                .collect();
            rank = Some(ranks);
        }
        // The first part only by rank; each later one into the first's
        // numbers, then by rank.
        let mut parts = Vec::with_capacity(later.len() + 1);
        let (mut rest, mut taken) = (rows.as_mut_slice(), 0);
        for (start, _) in &later {
            let (part, after) = rest.split_at_mut(start - taken);
            parts.push(part);
            (rest, taken) = (after, *start);
        }
        parts.push(rest);
        let ranked = |states: &[u32]| match &rank {
            Some(rank) => states.iter().map(|&s| rank[s as usize]).collect(),
            None => states.to_vec(),
        };
        parts
            .into_par_iter()
            .enumerate()
            .for_each(|(k, part)| match k {
                0 => renumber(part, rank.as_deref(), None),
                _ => {
                    let renumbering = &later[k - 1].1;
                    let states = ranked(&renumbering.states);
                    renumber(part, Some(&states), renumbering.versions.as_deref());
                }
            });
        if layout.id.is_none() {
            self.versions.push("sequence".to_string());
        }
        Ok(Observed {
            states: self.states,
            versions: self.versions,
            rows,
            time_kind,
            columns: (layout.id, layout.time, layout.state),
            duplicate_event_ids: self.duplicate_event_ids,
            event_id_conflicts: self.conflicts,
            sources: self.sources,
            maybe_unused_states: self.maybe_unused,
            largest_epoch_integer: self.largest_epoch_integer,
        })
    }
}

/// What the first row of an `event_id` says, to compare its repeats with.
struct Event {
    line: u64,
    id: Option<String>,
    time: i64,
    state: String,
}

/// How the rows a sink read are renumbered into another's versions and
/// states (see [`Sink::merge`]).
pub(super) struct Renumbering {
    /// The new index of each state.
    states: Vec<u32>,
    /// The new index of each version; `None` when rows have no version id.
    versions: Option<Vec<u32>>,
}

/// Gives `rows` the new state and version indices (`None`: unchanged).
fn renumber(rows: &mut [Observation], states: Option<&[u32]>, versions: Option<&[u32]>) {
    let moved = |map: &&[u32]| map.iter().enumerate().any(|(i, &j)| i as u32 != j);
    let (states, versions) = (states.filter(moved), versions.filter(moved));
    if states.is_none() && versions.is_none() {
        return;
    }
    for row in rows {
        if let Some(states) = states {
            row.state = states[row.state as usize];
            row.set_from(row.from().map(|f| states[f as usize]));
        }
        if let Some(versions) = versions {
            row.version = versions[row.version as usize];
        }
    }
}

/// The error for a row past the last line a history may have.
#[cold]
fn too_long(line: u64) -> FitError {
    FitError::Malformed {
        line,
        reason: format!(
            "a history may have at most {} lines, and this row is past them",
            Observation::MAX_LINE
        ),
        help: "split the history into files of fewer lines, or drop its blank lines",
    }
}

/// Refuses a state name that the fitted scenario could not hold, as the
/// scenario reader refuses it in `states`.
fn check_state_name(name: &str, line: u64) -> Result<(), FitError> {
    if name.len() > crate::scenario::MAX_STATE_BYTES {
        return Err(FitError::LongStateName {
            line,
            start: name.chars().take(40).collect(),
            bytes: name.len(),
        });
    }
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(FitError::BadStateName {
            line,
            label: name.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_to_the_most_a_row_holds() {
        let options = ReadOptions::default();
        let mut sink = Sink::new(&options).unwrap();
        sink.set_layout(Layout {
            id: None,
            time: "step".to_string(),
            state: "state".to_string(),
            from: false,
            event_id: false,
            source: false,
        });
        let mut rows = Rows::reserved(&options);
        let fields = |line| Fields {
            line,
            id: None,
            time: "1",
            state: "a",
            from: None,
            event_id: None,
            source: None,
        };
        sink.push(fields(Observation::MAX_LINE), &mut rows).unwrap();
        assert_eq!(rows.into_vec()[0].line(), u64::from(u32::MAX));
        let mut rows = Rows::reserved(&options);
        let error = sink
            .push(fields(Observation::MAX_LINE + 1), &mut rows)
            .unwrap_err();
        assert!(
            matches!(error, FitError::Malformed { line, .. } if line == 1 << 32),
            "{error:?}"
        );
        assert_eq!(rows.filled(), Some(0));
    }

    #[test]
    fn packed_keys_hold_the_bytes_then_zeros_then_the_length() {
        let text = "abcdefghijklmnopq";
        for n in 0..=text.len() {
            let label = &text[..n];
            let want = (n < 16).then(|| {
                let mut key = [0u8; 16];
                key[..n].copy_from_slice(label.as_bytes());
                key[15] = n as u8;
                u128::from_le_bytes(key)
            });
            assert_eq!(packed(label), want, "{label:?}");
        }
    }

    #[test]
    fn packed_keys_are_equal_exactly_when_labels_are() {
        let labels = [
            "",
            "a",
            "a\0",
            "ab",
            "ba",
            "1-5",
            "6+",
            "abcdefg",
            "abcdefghijklmno",
        ];
        for (i, a) in labels.iter().enumerate() {
            for (j, b) in labels.iter().enumerate() {
                assert_eq!(packed(a) == packed(b), i == j, "{a:?} {b:?}");
            }
        }
        assert!(labels.iter().all(|l| packed(l) != Some(super::EMPTY)));
        assert_eq!(packed("abcdefghijklmnop"), None);
    }
}
