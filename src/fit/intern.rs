//! Interning rows as they are read: version ids and state labels become
//! small integers (labels through the state map), times become integers,
//! and rows repeating an earlier `event_id` are dropped and counted.
//!
//! Exports list the rows of a version together and repeat a handful of
//! short labels, so the last version is compared first and short labels
//! are compared as integers: most rows are interned without hashing.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::FitError;
use super::read::{FROM_COLUMN, Layout, Observation, Observed, ReadOptions};
use super::time::{TimeKind, parse_time};

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

/// Short labels compared one by one before hashing is cheaper.
const FEW_LABELS: usize = 16;

/// A label of at most 7 bytes as one integer: its bytes, then its length
/// in the last byte, so two labels are equal exactly when their keys are.
fn packed(label: &str) -> Option<u64> {
    let bytes = label.as_bytes();
    (bytes.len() < 8).then(|| {
        let mut key = [0u8; 8];
        key[..bytes.len()].copy_from_slice(bytes);
        key[7] = bytes.len() as u8;
        u64::from_le_bytes(key)
    })
}

/// Bytes per row at the least (`1,a` and a newline), so room for the rows
/// can be reserved from the input's size: room reserved but never filled
/// costs address space, not memory.
const MIN_ROW_BYTES: u64 = 4;
/// The most rows reserved ahead: 2 GiB of address space.
const MAX_RESERVED_ROWS: u64 = 1 << 26;

/// Interns rows as they are read.
pub(super) struct Sink<'a> {
    options: &'a ReadOptions<'a>,
    layout: Option<Layout>,
    states: Vec<String>,
    /// Label as written → state index, filled as labels are met.
    labels: Map<u32>,
    /// The labels of at most 7 bytes as [`packed`] keys, while there are few.
    short_labels: Vec<(u64, u32)>,
    /// `timestamp` is the time column: its integers are epoch milliseconds.
    epoch_column: bool,
    /// Labels a row may use when states are restricted; `None`: any.
    allowed: Option<HashMap<String, u32>>,
    versions: Vec<String>,
    version_index: Map<u32>,
    /// The version of the previous row: rows of one version come together.
    last_version: Option<(String, u32)>,
    rows: Vec<Observation>,
    time_kind: Option<TimeKind>,
    event_ids: HashSet<String, foldhash::fast::FixedState>,
    duplicate_event_ids: u64,
    sources: BTreeMap<String, u64>,
}

impl<'a> Sink<'a> {
    pub(super) fn new(options: &'a ReadOptions<'a>) -> Result<Self, FitError> {
        let mut states: Vec<String> = options
            .known_states
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        let mut allowed = None;
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
                        });
                    }
                    None => {
                        check_state_name(state, 0)?;
                        states.push(state.clone());
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
            short_labels: Vec::new(),
            epoch_column: false,
            allowed,
            versions: Vec::new(),
            version_index: Map::default(),
            last_version: None,
            rows: Vec::with_capacity(
                options
                    .expected_bytes
                    .map_or(0, |b| (b / MIN_ROW_BYTES).min(MAX_RESERVED_ROWS) as usize),
            ),
            time_kind: None,
            event_ids: HashSet::default(),
            duplicate_event_ids: 0,
            sources: BTreeMap::new(),
        })
    }

    /// The columns are known: rows may come.
    pub(super) fn set_layout(&mut self, layout: Layout) {
        self.epoch_column = layout.time == "timestamp";
        self.layout = Some(layout);
    }

    pub(super) fn push(&mut self, fields: Fields) -> Result<(), FitError> {
        let layout = self
            .layout
            .as_ref()
            .expect("the layout is resolved before the rows");
        if let Some(event_id) = fields.event_id
            && !self.event_ids.insert(event_id.to_string())
        {
            self.duplicate_event_ids += 1;
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
        let state = self.state(fields.state, fields.line, false)?;
        let from = match fields.from {
            Some(label) => Some(self.state(label, fields.line, true)?),
            None => None,
        };
        if let Some(source) = fields.source {
            *self.sources.entry(source.to_string()).or_default() += 1;
        }
        self.rows.push(Observation {
            version,
            time,
            state,
            from,
            line: fields.line,
        });
        Ok(())
    }

    fn time(&mut self, text: &str, line: u64) -> Result<i64, FitError> {
        let layout = self.layout.as_ref().expect("resolved");
        let column = &layout.time;
        if text.is_empty() {
            return Err(FitError::EmptyField {
                line,
                column: column.clone(),
            });
        }
        let (time, kind) =
            parse_time(text, self.epoch_column).map_err(|reason| FitError::Time {
                line,
                column: column.clone(),
                value: text.to_string(),
                reason,
            })?;
        match self.time_kind {
            None => self.time_kind = Some(kind),
            Some(expected) if expected != kind => {
                return Err(FitError::MixedTime {
                    line,
                    column: column.clone(),
                    value: text.to_string(),
                    found: kind.name(),
                    expected: expected.name(),
                });
            }
            Some(_) => {}
        }
        Ok(time)
    }

    /// The state a label stands for; `from`: the label is a `from_state`.
    fn state(&mut self, label: &str, line: u64, from: bool) -> Result<u32, FitError> {
        let key = packed(label);
        if let Some(key) = key
            && self.short_labels.len() <= FEW_LABELS
        {
            if let Some(&(_, s)) = self.short_labels.iter().find(|(k, _)| *k == key) {
                return Ok(s);
            }
        } else if let Some(&s) = self.labels.get(label) {
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
            Some(allowed) => *allowed.get(label).ok_or_else(|| FitError::UnknownState {
                line,
                label: label.to_string(),
                known: self.states.join(", "),
            })?,
            None => {
                check_state_name(label, line)?;
                self.states.push(label.to_string());
                (self.states.len() - 1) as u32
            }
        };
        self.labels.insert(label.to_string(), index);
        if let Some(key) = key {
            self.short_labels.push((key, index));
        }
        Ok(index)
    }

    /// The rows of `later`, read from the text after this sink's, added to
    /// this sink's with their versions and states renumbered; `None` when
    /// the two read different kinds of time. Neither may have read event
    /// ids.
    pub(super) fn merge(mut self, later: Sink) -> Option<Self> {
        debug_assert!(self.event_ids.is_empty() && later.event_ids.is_empty());
        match (self.time_kind, later.time_kind) {
            (Some(a), Some(b)) if a != b => return None,
            (None, kind) => self.time_kind = kind,
            _ => {}
        }
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
        let has_ids = self.layout.as_ref().is_some_and(|l| l.id.is_some());
        self.rows
            .extend(later.rows.into_iter().map(|row| Observation {
                version: if has_ids {
                    versions[row.version as usize]
                } else {
                    0
                },
                state: states[row.state as usize],
                from: row.from.map(|f| states[f as usize]),
                ..row
            }));
        for (source, count) in later.sources {
            *self.sources.entry(source).or_default() += count;
        }
        Some(self)
    }

    pub(super) fn finish(mut self) -> Result<Observed, FitError> {
        let layout = self.layout.take().ok_or(FitError::Empty)?;
        let Some(time_kind) = self.time_kind else {
            return Err(if self.duplicate_event_ids > 0 {
                FitError::Malformed {
                    line: 2,
                    reason: "every row repeats an earlier event_id".to_string(),
                }
            } else {
                FitError::NoRows
            });
        };
        // Without a policy, states are sorted by name so the order does not
        // depend on which version happens to come first in the export.
        if self.options.known_states.is_none() && !self.states.is_sorted() {
            let mut order: Vec<u32> = (0..self.states.len() as u32).collect();
            order.sort_by(|&a, &b| self.states[a as usize].cmp(&self.states[b as usize]));
            let mut rank = vec![0u32; order.len()];
            for (new, &old) in order.iter().enumerate() {
                rank[old as usize] = new as u32;
            }
            self.states = order
                .iter()
                .map(|&i| self.states[i as usize].clone())
                .collect();
            for row in &mut self.rows {
                row.state = rank[row.state as usize];
                row.from = row.from.map(|f| rank[f as usize]);
            }
        }
        if layout.id.is_none() {
            self.versions.push("sequence".to_string());
        }
        Ok(Observed {
            states: self.states,
            versions: self.versions,
            rows: self.rows,
            time_kind,
            columns: (layout.id, layout.time, layout.state),
            duplicate_event_ids: self.duplicate_event_ids,
            sources: self.sources,
        })
    }
}

/// Refuses a state name that the fitted scenario could not hold, as the
/// scenario reader refuses it in `states`.
fn check_state_name(name: &str, line: u64) -> Result<(), FitError> {
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
    use super::packed;

    #[test]
    fn packed_keys_are_equal_exactly_when_labels_are() {
        let labels = ["", "a", "a\0", "ab", "ba", "1-5", "6+", "abcdefg"];
        for (i, a) in labels.iter().enumerate() {
            for (j, b) in labels.iter().enumerate() {
                assert_eq!(packed(a) == packed(b), i == j, "{a:?} {b:?}");
            }
        }
        assert_eq!(packed("abcdefgh"), None);
    }
}
