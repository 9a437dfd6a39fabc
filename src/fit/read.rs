//! Reading a history: CSV or JSON Lines, one event or observation a row.
//!
//! Three layouts are recognised by their column names (each overridable):
//!
//! | layout | columns |
//! | --- | --- |
//! | events | `version_id`, `timestamp`, `to_state`; optional `from_state`, `event_id`, `source` |
//! | sequences | `id`, `time`, `state` (one row per version per step) |
//! | one sequence | `step`, `state` |
//!
//! The csv crate's parser (csv-core, which the `records` module drives)
//! and serde_json parse the text and the time crate parses RFC 3339
//! timestamps; this module only interns what they return. Version ids and
//! states become small integers, so the later steps sort and count
//! integers. Timestamps
//! become epoch milliseconds; integers in a column named `timestamp` are
//! epoch milliseconds already, integers elsewhere are step numbers, unless
//! [`ReadOptions::integer_times`] says otherwise. Rows
//! whose `event_id` was seen before are dropped here and counted; every
//! other check needs the rows in time order ([`super::history`]).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::num::NonZeroU32;

use rayon::prelude::*;
use serde::Serialize;

use super::intern::{Fields, Rows, Sink};
use super::records::{Breaks, LineBreaks, MAX_ROW_BYTES, Records, too_long_row};
use super::{CSV_ROW_HELP, FitError, JSON_LINE_HELP, LOOKS_LIKE_JSON_HELP, READ_HELP};

/// Accepted names of each column, in order of preference.
const ID_COLUMNS: [&str; 2] = ["version_id", "id"];
const TIME_COLUMNS: [&str; 3] = ["timestamp", "time", "step"];
const STATE_COLUMNS: [&str; 2] = ["to_state", "state"];
pub(super) const FROM_COLUMN: &str = "from_state";
const EVENT_ID_COLUMN: &str = "event_id";
const SOURCE_COLUMN: &str = "source";

/// How the input is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Comma-separated, with a header line.
    #[default]
    Csv,
    /// One JSON object a line.
    JsonLines,
}

pub use super::time::{TimeKind, parse_time_argument};

/// Column names that override the defaults.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub id: Option<String>,
    pub time: Option<String>,
    pub state: Option<String>,
}

/// How to read a history.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions<'a> {
    pub format: Format,
    pub columns: Columns,
    /// Vendor label → scenario state.
    pub state_map: Option<&'a BTreeMap<String, String>>,
    /// The states a declared policy has, in its order; labels must map to
    /// one of them.
    pub known_states: Option<&'a [String]>,
    /// The size of the input in bytes, when known: room for the rows is
    /// reserved at once instead of grown by copying.
    pub expected_bytes: Option<u64>,
    /// What an integer in the time column is; `None`: epoch milliseconds
    /// in a column named `timestamp`, a step number in any other.
    pub integer_times: Option<TimeKind>,
}

/// One row, interned, in 24 bytes: every step after reading goes through
/// the rows, so their size is the time those steps take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// Index into [`Observed::versions`].
    pub version: u32,
    /// Index into [`Observed::states`]: the state after the event.
    pub state: u32,
    /// One more than the state before the event, when the export says
    /// (see [`Observation::from`]).
    from: Option<NonZeroU32>,
    /// Line in the file (see [`Observation::line`]).
    line: u32,
    /// Epoch milliseconds or step number (see [`TimeKind`]).
    pub time: i64,
}

impl Observation {
    /// The most lines a history may have: line numbers are kept in 32 bits.
    pub const MAX_LINE: u64 = u32::MAX as u64;

    /// A row on `line` (at most [`Observation::MAX_LINE`]) of `version`,
    /// in `state` from `time` on, having left `from` when the export says.
    pub fn new(version: u32, time: i64, state: u32, from: Option<u32>, line: u64) -> Self {
        Self {
            version,
            state,
            from: from.map(|f| NonZeroU32::new(f + 1).expect("a state index below u32::MAX")),
            line: u32::try_from(line).expect("a line number checked against MAX_LINE"),
            time,
        }
    }

    /// The state before the event, when the export says.
    pub fn from(&self) -> Option<u32> {
        self.from.map(|f| f.get() - 1)
    }

    /// Gives the row another `from_state`.
    pub fn set_from(&mut self, from: Option<u32>) {
        self.from = from.map(|f| NonZeroU32::new(f + 1).expect("a state index below u32::MAX"));
    }

    /// The line in the file, for messages.
    pub fn line(&self) -> u64 {
        u64::from(self.line)
    }
}

const _: () = assert!(std::mem::size_of::<Observation>() == 24);

/// Everything read from a history file.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// State names; the policy's order when there is one, else sorted.
    pub states: Vec<String>,
    pub versions: Vec<String>,
    /// In file order, less the rows whose `event_id` was seen before.
    pub rows: Vec<Observation>,
    pub time_kind: TimeKind,
    /// The columns used: version id (none for one sequence), time, state.
    pub columns: (Option<String>, String, String),
    /// Rows dropped because their `event_id` repeats an earlier row's.
    pub duplicate_event_ids: u64,
    /// Of those, the rows that say something other than the first row of
    /// their `event_id` (version, time or state), and the first of them.
    pub event_id_conflicts: (u64, Option<EventConflict>),
    /// Rows read per value of the `source` column, when there is one,
    /// repeats included.
    pub sources: BTreeMap<String, u64>,
    /// Some state was named only by the state map or a `from_state`, so
    /// it may be the state of no row (see [`History`]).
    ///
    /// [`History`]: super::history::History
    pub maybe_unused_states: bool,
    /// The largest epoch millisecond written as an integer, if any was.
    pub largest_epoch_integer: Option<i64>,
}

/// A row dropped for its `event_id`, though it differs from the row that
/// first gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventConflict {
    pub event_id: String,
    pub first_line: u64,
    pub line: u64,
}

/// Reads a history.
///
/// # Errors
///
/// [`FitError`] naming the line: an empty file, a missing column, a row
/// that is not CSV or JSON, an empty field, a time that does not parse, an
/// unknown state.
pub fn read(input: impl Read, options: &ReadOptions) -> Result<Observed, FitError> {
    let whole = options
        .expected_bytes
        .is_some_and(|bytes| bytes <= WHOLE_BYTES);
    match options.format {
        Format::Csv if whole => {
            read_csv_in_parts(&read_whole(input, options.expected_bytes)?, options)
        }
        Format::Csv => read_csv(BufReader::new(input), Breaks::Scan, options),
        Format::JsonLines => {
            let mut sink = Sink::new(options)?;
            let mut rows = Rows::reserved(options);
            read_json_lines(input, options, &mut sink, &mut rows)?;
            sink.finish(rows.into_vec())
        }
    }
}

/// CSV texts from this size on are read in parts side by side (see
/// [`read_csv_in_parts`]).
const SPLIT_BYTES: u64 = 1 << 20;
/// CSV inputs of a known size up to this are read whole; larger ones, and
/// inputs of unknown size, stream.
const WHOLE_BYTES: u64 = 1 << 30;

/// All of `input`, in one allocation when its size is known (a file may
/// have grown since: then the vector grows too).
fn read_whole(mut input: impl Read, expected_bytes: Option<u64>) -> Result<Vec<u8>, FitError> {
    let expected = expected_bytes.map_or(0, |b| b.min(WHOLE_BYTES) as usize);
    // One byte more, so that reading the end needs no second allocation.
    let mut bytes = Vec::with_capacity(expected + 1);
    input
        .read_to_end(&mut bytes)
        .map_err(|e| FitError::Malformed {
            line: LineBreaks::in_text(&bytes).total() + 1,
            reason: format!("cannot read the file: {e}"),
            help: READ_HELP,
        })?;
    Ok(bytes)
}

/// How to count the lines of `text`: by its line feeds unless it has a
/// carriage return of its own.
fn breaks_of(lone_returns: u64) -> Breaks {
    if lone_returns == 0 {
        Breaks::Feeds
    } else {
        Breaks::Scan
    }
}

/// Reads CSV text in parts side by side, each split from the next at a
/// line break, when that gives what one pass would: no field is quoted (a
/// quoted field may hold a line break) and no column holds event ids (a
/// repeat is dropped only after the first, in file order). Each part's
/// rows are numbered on from the lines before it, and its versions and
/// states are renumbered into the first part's. A problem in the first
/// part is the file's first problem; one anywhere else, or parts that
/// disagree (two kinds of time), send the whole text through one pass, so
/// that every message is the one a single pass gives.
///
/// There are many more parts than threads: a thread slowed by other work
/// on the machine takes fewer of them, and the others take the rest.
///
/// All parts write into the room of one vector, each into its own
/// stretch: a part has no more rows than lines that are not blank (less
/// the header). So the parts need no vectors of their own to be copied
/// into one, and the room is not filled before they write in it.
fn read_csv_in_parts(bytes: &[u8], options: &ReadOptions) -> Result<Observed, FitError> {
    let read_once = |breaks| read_csv(bytes, breaks, options);
    let one_pass = || read_once(breaks_of(LineBreaks::in_text(bytes).lone_returns));
    if (bytes.len() as u64) < SPLIT_BYTES || bytes.contains(&b'"') {
        return one_pass();
    }
    let Some(header_end) = bytes.iter().position(|&b| b == b'\n') else {
        return one_pass();
    };
    let parts = split_at_lines(bytes, (bytes.len() / PART_BYTES).clamp(2, MAX_PARTS));
    // The header is in the first part; a byte-order mark is dropped at the
    // start of the text only.
    if parts.len() < 2
        || parts[0].len() <= header_end + 1
        || parts[1..].iter().any(|p| p.starts_with(BYTE_ORDER_MARK))
    {
        return one_pass();
    }
    // Each part is UTF-8 (then its fields are sliced from it as they are),
    // or one pass says where it is not.
    fn look(part: &[u8]) -> (LineBreaks, Option<&str>) {
        (LineBreaks::in_text(part), std::str::from_utf8(part).ok())
    }
    let looks: Vec<(LineBreaks, Option<&str>)> = parts.par_iter().map(|p| look(p)).collect();
    let Some(texts) = looks
        .iter()
        .map(|(_, text)| *text)
        .collect::<Option<Vec<&str>>>()
    else {
        return one_pass();
    };
    let breaks = breaks_of(looks.iter().map(|(lines, _)| lines.lone_returns).sum());
    // Blank lines all through the first part (after a byte-order mark,
    // which counts as a line's start): the header is in a later one.
    let blank = |bytes: &[u8]| bytes.iter().all(|&b| b == b'\n' || b == b'\r');
    let head_lines = looks[0].0;
    if head_lines.line_starts == 0
        || (head_lines.line_starts == 1
            && parts[0].strip_prefix(BYTE_ORDER_MARK).is_some_and(blank))
    {
        return read_once(breaks);
    }
    let mut head = Records::new(parts[0], 1, breaks).without_quotes();
    let (layout, fields) = read_header(&mut head, options)?;
    if layout.event_id {
        return read_once(breaks);
    }
    // The header is a line of its own; blank lines need no slot.
    let slots: Vec<usize> = looks
        .iter()
        .enumerate()
        .map(|(i, (lines, _))| lines.line_starts as usize - usize::from(i == 0))
        .collect();
    let mut table: Vec<Observation> = Vec::with_capacity(slots.iter().sum());
    // Each part's records, from the line it begins on, its text and its
    // stretch of the room.
    let mut jobs = Vec::with_capacity(parts.len());
    let (mut rest, mut line) = (table.spare_capacity_mut(), 1);
    let mut head = Some(head);
    for (((part, (lines, _)), &slots), text) in parts.iter().zip(&looks).zip(&slots).zip(texts) {
        let records = head
            .take()
            .unwrap_or_else(|| Records::new(*part, line, breaks).without_quotes());
        let (stretch, after) = rest.split_at_mut(slots);
        jobs.push((records, text, stretch));
        (rest, line) = (after, line + lines.total());
    }
    let mut read: Vec<Result<(Sink, Option<usize>), FitError>> = jobs
        .into_par_iter()
        .map(|(mut records, text, stretch)| {
            let mut sink = Sink::new(options)?;
            sink.set_layout(layout.clone());
            let mut rows = Rows::into_slots(stretch);
            read_rows(&mut records, Some(text), &fields, &mut sink, &mut rows)?;
            Ok((sink, rows.filled()))
        })
        .collect();
    let later = read.split_off(1);
    let (mut sink, Some(head_rows)) = read.pop().expect("a first part")? else {
        return read_once(breaks);
    };
    // Each later part's rows are moved up to follow the rows before them.
    let (mut filled, mut slot) = (head_rows, slots[0]);
    let mut renumberings = Vec::with_capacity(later.len());
    for (part, &slots) in later.into_iter().zip(&slots[1..]) {
        let Ok((part_sink, Some(rows))) = part else {
            return read_once(breaks);
        };
        let Some(renumbering) = sink.merge(part_sink) else {
            return read_once(breaks);
        };
        if filled < slot {
            table
                .spare_capacity_mut()
                .copy_within(slot..slot + rows, filled);
        }
        renumberings.push((filled, renumbering));
        (filled, slot) = (filled + rows, slot + slots);
    }
    // SAFETY: the first `filled` slots hold rows: the first part wrote its
    // rows from the first slot on, one after another, and the rows each
    // later part wrote from its own first slot on were moved to follow them.
    unsafe { table.set_len(filled) };
    sink.finish_parts(table, renumberings)
}

/// Parts of at least this many bytes (see [`read_csv_in_parts`]).
const PART_BYTES: usize = 1 << 19;
/// The most parts a text is read in.
const MAX_PARTS: usize = 64;

/// `bytes` in about `parts` parts of about the same size, each but the
/// last ending just after a line feed.
fn split_at_lines(bytes: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut split = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 1..parts {
        let target = (bytes.len() / parts * k).max(start);
        match bytes[target..].iter().position(|&b| b == b'\n') {
            Some(i) if target + i + 1 < bytes.len() => {
                split.push(&bytes[start..target + i + 1]);
                start = target + i + 1;
            }
            _ => break,
        }
    }
    split.push(&bytes[start..]);
    split
}

/// What a UTF-8 text may begin with; csv-core drops it.
pub(super) const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// The column names a layout uses, resolved against a header.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) id: Option<String>,
    pub(super) time: String,
    pub(super) state: String,
    pub(super) from: bool,
    pub(super) event_id: bool,
    pub(super) source: bool,
}

fn resolve(header: &[&str], columns: &Columns) -> Result<Layout, FitError> {
    let found = || column_list(header);
    let separator = match header {
        [one] => [';', '\t'].into_iter().find(|&c| one.contains(c)),
        _ => None,
    };
    let pick = |given: &Option<String>, names: &[&str], flag: &'static str| match given {
        Some(name) if header.contains(&name.as_str()) => Ok(Some(name.clone())),
        Some(name) => Err(FitError::MissingColumn {
            wanted: format!("`{name}`"),
            found: found(),
            flag,
            separator,
        }),
        None => Ok(names
            .iter()
            .find(|n| header.contains(n))
            .map(|n| n.to_string())),
    };
    let missing = |names: &[&str], flag| FitError::MissingColumn {
        wanted: names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(" or "),
        found: found(),
        flag,
        separator,
    };
    let state = pick(&columns.state, &STATE_COLUMNS, "--state-column")?
        .ok_or_else(|| missing(&STATE_COLUMNS, "--state-column"))?;
    let time = pick(&columns.time, &TIME_COLUMNS, "--time-column")?
        .ok_or_else(|| missing(&TIME_COLUMNS, "--time-column"))?;
    let id = pick(&columns.id, &ID_COLUMNS, "--id-column")?;
    // A history with events but no version id would silently join every
    // version into one sequence.
    if id.is_none() && state == "to_state" {
        return Err(missing(&ID_COLUMNS, "--id-column"));
    }
    Ok(Layout {
        id,
        time,
        state,
        from: header.contains(&FROM_COLUMN),
        event_id: header.contains(&EVENT_ID_COLUMN),
        source: header.contains(&SOURCE_COLUMN),
    })
}

/// Reads CSV in one pass.
fn read_csv(
    input: impl BufRead,
    breaks: Breaks,
    options: &ReadOptions,
) -> Result<Observed, FitError> {
    let mut sink = Sink::new(options)?;
    let mut rows = Rows::reserved(options);
    let mut records = Records::new(input, 1, breaks);
    let (layout, fields) = read_header(&mut records, options)?;
    sink.set_layout(layout);
    read_rows(&mut records, None, &fields, &mut sink, &mut rows)?;
    sink.finish(rows.into_vec())
}

/// Where in a CSV row each field a layout uses is.
struct FieldIndices {
    /// The header's names, trimmed.
    names: Vec<String>,
    id: Option<usize>,
    time: usize,
    state: usize,
    from: Option<usize>,
    event_id: Option<usize>,
    source: Option<usize>,
}

fn read_header(
    records: &mut Records<impl BufRead>,
    options: &ReadOptions,
) -> Result<(Layout, FieldIndices), FitError> {
    let line = match records.next_record() {
        Ok(Some(line)) => line,
        Ok(None) => return Err(FitError::Empty),
        Err(FitError::Malformed { line, reason, .. }) if records.begins_with(b'{') => {
            return Err(FitError::Malformed {
                line,
                reason,
                help: LOOKS_LIKE_JSON_HELP,
            });
        }
        Err(e) => return Err(e),
    };
    let text = records.text();
    let names = (0..records.len())
        .map(|i| {
            text.get(i).ok_or_else(|| FitError::NotUtf8 {
                line,
                what: "the header".to_string(),
            })
        })
        .collect::<Result<Vec<&str>, FitError>>()?;
    if names.len() == 1 && names[0].is_empty() {
        return Err(FitError::Empty);
    }
    // Columns without a name (trailing commas) cannot be chosen: they may
    // repeat.
    for (j, name) in names.iter().enumerate().filter(|(_, n)| !n.is_empty()) {
        if let Some(i) = names[..j].iter().position(|n| n == name) {
            return Err(FitError::Malformed {
                line,
                reason: format!(
                    "the header names column {} and column {} both `{name}`",
                    i + 1,
                    j + 1
                ),
                help: "give each column a name of its own",
            });
        }
    }
    let layout = resolve(&names, &options.columns)?;
    let index = |name: &str| names.iter().position(|n| *n == name);
    let fields = FieldIndices {
        id: layout.id.as_deref().and_then(index),
        time: index(&layout.time).expect("resolved against the header"),
        state: index(&layout.state).expect("resolved against the header"),
        from: layout.from.then(|| index(FROM_COLUMN)).flatten(),
        event_id: layout.event_id.then(|| index(EVENT_ID_COLUMN)).flatten(),
        source: layout.source.then(|| index(SOURCE_COLUMN)).flatten(),
        names: names.iter().map(|n| n.to_string()).collect(),
    };
    Ok((layout, fields))
}

/// The rows after the header, each numbered by the line it starts on;
/// their fields are sliced from `input`, the text the records read, when
/// it is given (see [`Records::text_in`]).
fn read_rows(
    records: &mut Records<impl BufRead>,
    input: Option<&str>,
    fields: &FieldIndices,
    sink: &mut Sink,
    rows: &mut Rows,
) -> Result<(), FitError> {
    let FieldIndices {
        names,
        id,
        time,
        state,
        from,
        event_id,
        source,
    } = fields;
    while let Some(line) = records.next_record()? {
        if records.len() != names.len() {
            let fields = |n: usize| crate::words::count(n as u64, "field");
            return Err(FitError::Malformed {
                line,
                reason: format!(
                    "the row has {}, the header has {}",
                    fields(records.len()),
                    fields(names.len())
                ),
                help: CSV_ROW_HELP,
            });
        }
        // Only the fields used need be UTF-8. A field that is not is
        // known by its index, so the row's error is built once, off the
        // way of the rows that are read.
        let record = match input {
            Some(input) => records.text_in(input),
            None => records.text(),
        };
        let text = |i: usize| record.get(i).ok_or(i);
        let field = |i: Option<usize>| -> Result<Option<&str>, usize> {
            Ok(i.map(text).transpose()?.filter(|s| !s.is_empty()))
        };
        let fields = (|| {
            Ok::<_, usize>(Fields {
                line,
                id: field(*id)?,
                time: text(*time)?,
                state: text(*state)?,
                from: field(*from)?,
                event_id: field(*event_id)?,
                source: field(*source)?,
            })
        })()
        .map_err(|i| FitError::NotUtf8 {
            line,
            what: format!("the {} field", names[i]),
        })?;
        sink.push(fields, rows)?;
    }
    Ok(())
}

fn read_json_lines(
    input: impl Read,
    options: &ReadOptions,
    sink: &mut Sink,
    rows: &mut Rows,
) -> Result<(), FitError> {
    let mut layout: Option<Layout> = None;
    let mut input = BufReader::new(input);
    let mut bytes = Vec::new();
    for line in 1.. {
        // No more than a row may hold, so that a line that never ends
        // stops here.
        bytes.clear();
        let read = (&mut input)
            .take(MAX_ROW_BYTES as u64 + 1)
            .read_until(b'\n', &mut bytes)
            .map_err(|e| FitError::Malformed {
                line,
                reason: format!("cannot read the line: {e}"),
                help: READ_HELP,
            })?;
        if read == 0 {
            break;
        }
        if bytes.len() > MAX_ROW_BYTES {
            return Err(too_long_row(line));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| FitError::NotUtf8 {
            line,
            what: "the line".to_string(),
        })?;
        // A byte-order mark may begin the file.
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) if line == 1 => rest,
            _ => text,
        };
        if text.trim().is_empty() {
            continue;
        }
        let object = serde_json::from_str::<Object>(text).map_err(|e| FitError::Malformed {
            line,
            reason: format!("not a JSON object: {e}"),
            help: JSON_LINE_HELP,
        })?;
        if let Some(key) = object.repeated {
            return Err(FitError::Malformed {
                line,
                reason: format!("the key `{key}` appears twice in the object"),
                help: "keep one of the two: which one is meant cannot be told",
            });
        }
        let object = object.entries;
        let layout = match &layout {
            Some(layout) => layout,
            None => {
                let keys: Vec<&str> = object.keys().map(String::as_str).collect();
                let resolved = resolve(&keys, &options.columns)?;
                sink.set_layout(resolved.clone());
                layout.insert(resolved)
            }
        };
        let value = |key: &str| -> Result<Option<String>, FitError> {
            match object.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.trim().to_string())),
                // A whole number too large for 64 bits arrives as a float:
                // written out in digits, it is refused as out of range,
                // not as "not an integer" (`1e+26`).
                Some(serde_json::Value::Number(n)) => Ok(Some(match n.as_f64() {
                    Some(f) if n.is_f64() && f.is_finite() && f.fract() == 0.0 => {
                        format!("{f:.0}")
                    }
                    _ => n.to_string(),
                })),
                Some(other) => Err(FitError::Malformed {
                    line,
                    reason: format!("`{key}` is {other}, not a string or a number"),
                    help: JSON_LINE_HELP,
                }),
            }
        };
        let required = |key: &str| -> Result<String, FitError> {
            value(key)?.ok_or_else(|| FitError::EmptyField {
                line,
                column: key.to_string(),
            })
        };
        let id = match &layout.id {
            Some(key) => Some(required(key)?),
            None => None,
        };
        let time = required(&layout.time)?;
        let state = required(&layout.state)?;
        let from = value(FROM_COLUMN)?.filter(|s| !s.is_empty());
        let event_id = value(EVENT_ID_COLUMN)?.filter(|s| !s.is_empty());
        let source = value(SOURCE_COLUMN)?.filter(|s| !s.is_empty());
        sink.push(
            Fields {
                line,
                id: id.as_deref(),
                time: &time,
                state: &state,
                from: from.as_deref(),
                event_id: event_id.as_deref(),
                source: source.as_deref(),
            },
            rows,
        )?;
    }
    if layout.is_none() {
        return Err(FitError::Empty);
    }
    Ok(())
}

/// A header's names for a message: the first few, each cut short when
/// long, and quoted with escapes when blank, padded or holding a control
/// character (which would otherwise not be seen).
fn column_list(header: &[&str]) -> String {
    const SHOWN: usize = 30;
    const CHARS: usize = 40;
    let mut names: Vec<String> = header
        .iter()
        .take(SHOWN)
        .map(|name| {
            let mut short: String = name.chars().take(CHARS).collect();
            if short.len() < name.len() {
                short.push('…');
            }
            let plain = !short.is_empty()
                && short.trim() == short
                && !short.chars().any(|c| c.is_control() || c == '\u{feff}');
            if plain { short } else { format!("{short:?}") }
        })
        .collect();
    if header.len() > SHOWN {
        names.push(format!("and {} more", header.len() - SHOWN));
    }
    names.join(", ")
}

/// A JSON object's entries, and the first key it gives twice, if any
/// (serde_json's own map would keep the last silently).
struct Object {
    entries: serde_json::Map<String, serde_json::Value>,
    repeated: Option<String>,
}

impl<'de> serde::Deserialize<'de> for Object {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Object;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Object, A::Error> {
                let mut object = Object {
                    entries: serde_json::Map::new(),
                    repeated: None,
                };
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    if object.entries.contains_key(&key) {
                        object.repeated.get_or_insert(key);
                    } else {
                        object.entries.insert(key, value);
                    }
                }
                Ok(object)
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_csv_text(text: &str) -> Result<Observed, FitError> {
        read(text.as_bytes(), &ReadOptions::default())
    }

    /// A history of over a mebibyte, so that it is read in parts: `rows`
    /// events of 40 versions moving among five states, one an hour each.
    fn long_history(rows: usize, line_end: &str) -> String {
        let mut text = format!("version_id,timestamp,to_state,source{line_end}");
        for k in 0..rows {
            let (version, hour) = (k % 40, k / 40);
            let state = ["develop", "test", "deploy", "update", "archive"][(k * 7 / 3) % 5];
            text += &format!(
                "model-{version},{},{state},ci{}{line_end}",
                1_700_000_000_000_i64 + hour as i64 * 3_600_000,
                k % 3
            );
        }
        assert!(text.len() as u64 > SPLIT_BYTES);
        text
    }

    /// What reading `text` in parts gives, and what one pass gives
    /// (streamed, as an input of unknown size is read).
    fn both_ways(text: &str, options: &ReadOptions) -> [Result<Observed, FitError>; 2] {
        let parts = ReadOptions {
            expected_bytes: Some(text.len() as u64),
            ..options.clone()
        };
        let streamed = ReadOptions {
            expected_bytes: None,
            ..options.clone()
        };
        [
            read(text.as_bytes(), &parts),
            read(text.as_bytes(), &streamed),
        ]
    }

    #[test]
    fn rows_are_numbered_by_their_lines_whatever_the_line_ends() {
        // Read whole (size known) and streamed (size unknown).
        for expected_bytes in [true, false] {
            let read_csv_text = |text: &str| {
                let options = ReadOptions {
                    expected_bytes: expected_bytes.then_some(text.len() as u64),
                    ..ReadOptions::default()
                };
                read(text.as_bytes(), &options)
            };
            rows_numbered_by_lines(read_csv_text);
        }
    }

    fn rows_numbered_by_lines(read_csv_text: impl Fn(&str) -> Result<Observed, FitError>) {
        for end in ["\n", "\r\n", "\r"] {
            let text = ["step,state", "1,a", "", "2,", "3,b", ""].join(end);
            let error = read_csv_text(&text).unwrap_err();
            assert_eq!(
                error,
                FitError::EmptyField {
                    line: 4,
                    column: "state".to_string()
                },
                "{end:?}"
            );
            let text = ["step,state", "", "1,a", "", "", "2,b", "3,c"].join(end);
            let rows = read_csv_text(&text).unwrap().rows;
            let lines: Vec<u64> = rows.iter().map(Observation::line).collect();
            assert_eq!(lines, [3, 6, 7], "{end:?}");
        }
    }

    #[test]
    fn parts_end_after_a_line_feed_and_make_up_the_text() {
        let text = "ab\ncd\n\nefgh\nij".repeat(50);
        for parts in 1..40 {
            let split = split_at_lines(text.as_bytes(), parts);
            assert_eq!(split.concat(), text.as_bytes(), "{parts}");
            assert!(split.len() <= parts && split.iter().all(|p| !p.is_empty()));
            assert!(split[..split.len() - 1].iter().all(|p| p.ends_with(b"\n")));
        }
        assert_eq!(split_at_lines(b"no line feed", 4), [b"no line feed"]);
        assert_eq!(split_at_lines(b"a\n", 4), [b"a\n"]);
        assert_eq!(
            split_at_lines(b"a\nb\nc\nd\n", 2),
            [&b"a\nb\nc\n"[..], b"d\n"]
        );
    }

    #[test]
    fn parts_read_what_one_pass_reads() {
        // A blank line after each row, too: blank lines take no room.
        // Fields padded with spaces and tabs, and labels not all ASCII,
        // which the parts slice from the text as it is.
        let padded = |text: String| text.replace(',', " ,\t").replace("test", "tést");
        let cases = [("\n", 1), ("\r\n", 1), ("\n\n", 2), ("\r\n\r\n", 2)]
            .into_iter()
            .flat_map(|(end, lines)| {
                [
                    (long_history(60_000, end), lines, end),
                    (padded(long_history(60_000, end)), lines, end),
                ]
            });
        for (text, lines, line_end) in cases {
            let [parts, one_pass] = both_ways(&text, &ReadOptions::default());
            let (parts, one_pass) = (parts.unwrap(), one_pass.unwrap());
            // Compared part by part: a whole history is too long a message.
            assert_eq!(parts.states, one_pass.states);
            assert_eq!(parts.versions, one_pass.versions);
            let differs = parts
                .rows
                .iter()
                .zip(&one_pass.rows)
                .position(|(a, b)| a != b);
            assert_eq!(
                differs,
                None,
                "{line_end:?} {:?} {:?}",
                differs.map(|i| parts.rows[i]),
                differs.map(|i| one_pass.rows[i])
            );
            assert!(parts == one_pass);
            assert_eq!(parts.rows.len(), 60_000);
            assert_eq!(parts.rows.last().unwrap().line(), 1 + 60_000 * lines);
        }
    }

    #[test]
    fn a_problem_in_a_later_part_gets_the_message_of_one_pass() {
        let text = long_history(60_000, "\n");
        let lines: Vec<&str> = text.lines().collect();
        let with_line = |number: usize, replacement: &str| {
            let mut lines = lines.clone();
            lines[number - 1] = replacement;
            lines.join("\n") + "\n"
        };
        let policy: Vec<String> = ["develop", "test", "deploy", "update", "archive"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let known = ReadOptions {
            known_states: Some(&policy),
            ..ReadOptions::default()
        };
        let cases = [
            (
                with_line(50_000, ",1700000000000,test,ci0"),
                ReadOptions::default(),
            ),
            (
                with_line(50_000, "model-1,yesterday,test,ci0"),
                ReadOptions::default(),
            ),
            (
                with_line(50_000, "model-1,1700000000000,test"),
                ReadOptions::default(),
            ),
            (
                with_line(50_000, "model-1,1700000000000,prodution,ci0"),
                known.clone(),
            ),
            (with_line(40_001, "model-1,1700000000000,,ci0"), known),
            // In a part neither first nor last.
            (
                with_line(20_000, "model-1,1700000000000"),
                ReadOptions::default(),
            ),
        ];
        assert!(text.len() > 3 * PART_BYTES);
        for (text, options) in cases {
            let [parts, one_pass] = both_ways(&text, &options);
            let (Err(parts), Err(one_pass)) = (parts, one_pass) else {
                panic!("both ways should fail");
            };
            assert_eq!(parts, one_pass);
        }
    }

    #[test]
    fn parts_with_two_kinds_of_time_get_the_message_of_one_pass() {
        // Step numbers, then whole parts of timestamps: each part reads
        // well alone, and joining them finds the mix.
        let steps: String = (0..60_000).map(|k| format!("v{},{k},a\n", k % 3)).collect();
        let stamps = "v1,2024-01-01T00:00:00Z,b\n".repeat(60_000);
        let text = format!("id,time,state\n{steps}{stamps}");
        assert!(text.len() > 4 * PART_BYTES);
        let [parts, one_pass] = both_ways(&text, &ReadOptions::default());
        let (Err(parts), Err(one_pass)) = (parts, one_pass) else {
            panic!("both ways should fail");
        };
        assert!(matches!(one_pass, FitError::MixedTime { line: 60_002, .. }));
        assert_eq!(parts, one_pass);
    }

    #[test]
    fn events_with_timestamps_of_both_kinds() {
        let observed = read_csv_text(
            "version_id,timestamp,to_state\nv1,2024-01-01T00:00:00Z,b\nv1,1704153600000,a\n",
        )
        .unwrap();
        assert_eq!(observed.time_kind, TimeKind::Timestamp);
        assert_eq!(observed.rows[0].time, 1_704_067_200_000);
        // One day later, as epoch milliseconds.
        assert_eq!(observed.rows[1].time - observed.rows[0].time, 86_400_000);
        assert_eq!(observed.states, ["a", "b"]);
        assert_eq!((observed.rows[0].state, observed.rows[1].state), (1, 0));
    }

    #[test]
    fn an_offset_is_applied() {
        let observed =
            read_csv_text("version_id,timestamp,to_state\nv,2024-01-01T02:00:00+02:00,a\n")
                .unwrap();
        assert_eq!(observed.rows[0].time, 1_704_067_200_000);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("", FitError::Empty),
            ("version_id,timestamp,to_state\n", FitError::NoRows),
        ];
        for (text, want) in cases {
            assert_eq!(read_csv_text(text).unwrap_err(), want);
        }
        let bad_time = read_csv_text("id,time,state\n1,1,a\n1,tuesday,b\n").unwrap_err();
        assert!(
            matches!(bad_time, FitError::Time { line: 3, .. }),
            "{bad_time:?}"
        );
        let no_offset =
            read_csv_text("version_id,timestamp,to_state\nv,2024-01-01T00:00:00,a\n").unwrap_err();
        assert!(matches!(no_offset, FitError::Time { line: 2, .. }));
        let mixed = read_csv_text("id,time,state\n1,1,a\n1,2024-01-01T00:00:00Z,b\n").unwrap_err();
        assert!(matches!(mixed, FitError::MixedTime { line: 3, .. }));
        let short = read_csv_text("id,time,state\n1,1,a\n1,2\n").unwrap_err();
        assert!(
            matches!(short, FitError::Malformed { line: 3, .. }),
            "{short:?}"
        );
        let missing = read_csv_text("version_id,when,to_state\nv,1,a\n").unwrap_err();
        assert!(matches!(
            missing,
            FitError::MissingColumn {
                flag: "--time-column",
                separator: None,
                ..
            }
        ));
    }

    /// Regression: a file separated by `;` or tabs, or JSON Lines read as
    /// CSV, got a message about columns or quotes with no word of why.
    #[test]
    fn other_layouts_read_as_csv_are_named_in_the_help() {
        for (text, separator) in [
            ("version_id;timestamp;to_state\nv;1;a\n", ';'),
            ("version_id\ttimestamp\tto_state\nv\t1\ta\n", '\t'),
        ] {
            let error = read_csv_text(text).unwrap_err();
            assert!(
                matches!(error, FitError::MissingColumn { separator: Some(s), .. } if s == separator),
                "{error:?}"
            );
            assert!(error.help().unwrap().contains("commas between the fields"));
        }
        let json = "{\"version_id\": \"v\", \"timestamp\": 1, \"to_state\": \"a\"}\n";
        for text in [json.to_string(), format!("\u{feff}{json}")] {
            let error = read_csv_text(&text).unwrap_err();
            assert!(
                matches!(error, FitError::Malformed { line: 1, help, .. } if help == LOOKS_LIKE_JSON_HELP),
                "{error:?}"
            );
        }
    }

    /// Regression: a label of 64 KiB made the fit's table panic.
    #[test]
    fn a_label_longer_than_a_state_name_may_be_is_refused_with_its_line() {
        let longest = "s".repeat(crate::scenario::MAX_STATE_BYTES);
        let text = format!("step,state\n0,{longest}\n1,a\n2,{longest}s\n");
        let error = read(text.as_bytes(), &ReadOptions::default()).unwrap_err();
        assert!(
            matches!(error, FitError::LongStateName { line: 4, bytes, .. } if bytes == longest.len() + 1),
            "{error:?}"
        );
        assert!(error.to_string().starts_with(&format!(
            "line 4: the state `{}…` is 257 bytes long, more than the 256",
            &longest[..40]
        )));
    }

    #[test]
    fn labels_go_through_the_map_and_unknown_ones_are_refused() {
        let map = BTreeMap::from([("Succeeded".to_string(), "production".to_string())]);
        let known = ["canary".to_string(), "production".to_string()];
        let options = ReadOptions {
            state_map: Some(&map),
            known_states: Some(&known),
            ..ReadOptions::default()
        };
        let text = "version_id,timestamp,to_state\nv,1,canary\nv,2,Succeeded\nv,3,Failed\n";
        let error = read(text.as_bytes(), &options).unwrap_err();
        assert!(
            matches!(&error, FitError::UnknownState { line: 4, label, suggestion: None, .. } if label == "Failed"),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "line 4: unknown state `Failed`; the known labels are: `Succeeded`, `canary`, `production`"
        );
        let text = "version_id,timestamp,to_state\nv,1,canary\nv,2,Suceeded\n";
        let error = read(text.as_bytes(), &options).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("unknown state `Suceeded` (did you mean `Succeeded`?)"),
            "{error}"
        );
        let text = "version_id,timestamp,to_state\nv,1,canary\nv,2,Succeeded\n";
        let observed = read(text.as_bytes(), &options).unwrap();
        assert_eq!(observed.states, known);
        assert_eq!(observed.rows[1].state, 1);
    }

    #[test]
    fn repeated_event_ids_are_dropped_and_counted() {
        let text = "version_id,timestamp,to_state,event_id\nv,1,a,e1\nv,2,b,e2\nv,2,b,e2\n";
        let observed = read_csv_text(text).unwrap();
        assert_eq!((observed.rows.len(), observed.duplicate_event_ids), (2, 1));
        assert_eq!(observed.event_id_conflicts, (0, None));
        // A repeat that is no copy is dropped too, and reported; the same
        // instant written another way is a copy.
        let text = "version_id,timestamp,to_state,event_id\n\
                    v,2024-01-01T00:00:00Z,a,e1\nw,2024-01-01T00:00:00Z,a,e1\n\
                    v,2024-01-01T01:00:00+01:00,a,e1\nv,2024-01-02T00:00:00Z,b,e2\nv,2024-01-02T00:00:00Z,c,e2\n";
        let observed = read_csv_text(text).unwrap();
        assert_eq!((observed.rows.len(), observed.duplicate_event_ids), (2, 3));
        assert_eq!(
            observed.event_id_conflicts,
            (
                2,
                Some(EventConflict {
                    event_id: "e1".to_string(),
                    first_line: 2,
                    line: 3
                })
            )
        );
    }

    /// Regression: a repeated `event_id` was left out of its source's
    /// count, a repeated row was not, so the sources summed to neither.
    #[test]
    fn the_sources_sum_to_the_rows_read() {
        let text = "event_id,version_id,timestamp,to_state,source\n\
                    e1,v,1,a,argo\ne1,v,1,a,argo\ne2,v,2,b,flagger\ne3,v,2,b,flagger\n";
        let observed = read_csv_text(text).unwrap();
        assert_eq!(observed.sources["argo"], 2);
        assert_eq!(observed.sources["flagger"], 2);
    }

    #[test]
    fn json_lines_read_like_csv() {
        let text = "{\"version_id\": 7, \"timestamp\": \"2024-01-01T00:00:00Z\", \"to_state\": \"a\"}\n\n\
                    {\"version_id\": 7, \"timestamp\": 1704153600000, \"to_state\": \"b\", \"source\": \"argo\"}\n";
        let options = ReadOptions {
            format: Format::JsonLines,
            ..ReadOptions::default()
        };
        let observed = read(text.as_bytes(), &options).unwrap();
        assert_eq!(observed.versions, ["7"]);
        assert_eq!(observed.rows[1].line(), 3);
        assert_eq!(observed.sources["argo"], 1);
        let broken = read("{\"version_id\": 7,\n".as_bytes(), &options).unwrap_err();
        assert!(matches!(broken, FitError::Malformed { line: 1, .. }));
        // A byte-order mark, as at the start of a CSV text.
        let marked = format!("\u{feff}{text}");
        assert!(read(marked.as_bytes(), &options).unwrap() == observed);
        // A whole number past 64 bits is out of range, not "not an integer".
        let huge =
            "{\"version_id\": 7, \"timestamp\": 99999999999999999999999999, \"to_state\": \"a\"}\n";
        let error = read(huge.as_bytes(), &options).unwrap_err();
        assert!(
            matches!(error, FitError::TimeRange { line: 1, .. }),
            "{error:?}"
        );
    }

    /// Regression: serde_json's map kept the last of two values of a key,
    /// and a line that never ended was read until memory ran out.
    #[test]
    fn json_lines_refuse_a_key_given_twice_and_a_line_past_the_longest() {
        let options = ReadOptions {
            format: Format::JsonLines,
            ..ReadOptions::default()
        };
        let text = "{\"version_id\": \"a\", \"timestamp\": 1, \"to_state\": \"x\"}\r\n\
                    {\"version_id\": \"a\", \"version_id\": \"b\", \"timestamp\": 2, \"to_state\": \"y\"}\n";
        match read(text.as_bytes(), &options) {
            Err(FitError::Malformed {
                line: 2, reason, ..
            }) => {
                assert_eq!(reason, "the key `version_id` appears twice in the object");
            }
            other => panic!("{other:?}"),
        }
        let endless = std::io::repeat(b' ').take(1 << 30);
        match read(endless, &options) {
            Err(FitError::Malformed {
                line: 1, reason, ..
            }) => {
                assert!(
                    reason.starts_with("the row is longer than 1 MiB"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        // The longest line there may be, its line feed included.
        let event = "{\"version_id\": \"a\", \"timestamp\": 1, \"to_state\": \"x\"}";
        let longest = format!("{event}{}\n", " ".repeat(MAX_ROW_BYTES - event.len() - 1));
        assert_eq!(read(longest.as_bytes(), &options).unwrap().rows.len(), 1);
    }

    #[test]
    fn a_header_is_shown_as_it_is_but_short_and_with_hidden_characters_escaped() {
        let long = "n".repeat(50);
        let mut header = vec![
            "version_id\0",
            " timestamp",
            "",
            "\u{feff}to_state",
            long.as_str(),
        ];
        assert_eq!(
            column_list(&header),
            format!(
                "\"version_id\\0\", \" timestamp\", \"\", \"\\u{{feff}}to_state\", {}…",
                &long[..40]
            )
        );
        header.extend(["x"; 30]);
        assert!(
            column_list(&header).ends_with(", x, and 5 more"),
            "{}",
            column_list(&header)
        );
    }

    #[test]
    fn quotes_out_of_place_are_refused() {
        let header = "version_id,timestamp,to_state,note\n";
        let mut rest = String::new();
        for v in 0..50 {
            rest += &format!("w{v},1,a,x\nw{v},2,c,x\n");
        }
        // Never closed: csv-core would read the rest of the file as one
        // field. Closed at the end, or a stray quote.
        let cases = [
            (format!("{header}v1,1,a,ok\nv1,2,b,\"oops\n{rest}"), 3),
            (format!("{header}v1,1,a,ok\nv1,2,\"b\n"), 3),
            (format!("{header}v1,1,a,ok\n\nv1,2,b,a\"b\n{rest}"), 4),
            // Two rows far apart that open a quote each: as many quotes as
            // pairs, and every row between them one field.
            (
                format!("{header}v1,1,a,\"urgent\n{rest}v1,2,b,\"urgent\n"),
                2,
            ),
            (format!("{header}v1,1,a,\"ab\"c\n"), 2),
            (format!("{header}v1,1,a,a\"\"b\n"), 2),
        ];
        for (text, line) in cases {
            for expected_bytes in [Some(text.len() as u64), None] {
                let options = ReadOptions {
                    expected_bytes,
                    ..ReadOptions::default()
                };
                let error = read(text.as_bytes(), &options).unwrap_err();
                assert!(
                    matches!(&error, FitError::Malformed { line: l, help, .. } if *l == line && *help == crate::fit::QUOTE_HELP),
                    "{error:?}"
                );
            }
        }
        // Quotes that pair up, with a line break, a comma and a doubled
        // quote inside: read as they are.
        let text =
            format!("{header}v1,1,a,\"two\nlines, \"\"quoted\"\"\"\nv1,2,\"b\",\"\"\n{rest}");
        let observed = read_csv_text(&text).unwrap();
        assert_eq!(observed.rows.len(), 102);
        assert_eq!(observed.rows[1].line(), 4);
    }

    #[test]
    fn a_header_after_many_blank_lines_is_found() {
        let rows: String = (0..100)
            .map(|k| format!("v{},{k},{}\n", k % 3, ["a", "b"][k % 2]))
            .collect();
        for mark in ["", "\u{feff}"] {
            let text = format!(
                "{mark}{}version_id,timestamp,to_state\n{rows}",
                "\n".repeat(SPLIT_BYTES as usize)
            );
            let [parts, one_pass] = both_ways(&text, &ReadOptions::default());
            let (parts, one_pass) = (parts.unwrap(), one_pass.unwrap());
            assert!(parts == one_pass);
            assert_eq!(parts.rows[0].line(), SPLIT_BYTES + 2);
        }
    }

    #[test]
    fn a_first_part_with_a_line_of_its_own_for_the_byte_order_mark_is_read_as_one_pass() {
        // The mark's line takes a slot that no row fills: the rows of the
        // later parts move up to close the gap.
        let text = format!("\u{feff}\n{}", long_history(60_000, "\n"));
        let [parts, one_pass] = both_ways(&text, &ReadOptions::default());
        let (parts, one_pass) = (parts.unwrap(), one_pass.unwrap());
        assert_eq!(parts.rows.len(), 60_000);
        assert!(parts == one_pass);
        assert_eq!(parts.rows[0].line(), 3);
    }

    #[test]
    fn a_column_named_twice_is_refused() {
        let error =
            read_csv_text("version_id,timestamp,to_state,to_state\nv1,1,a,x\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 1: the header names column 3 and column 4 both `to_state`"
        );
        // Trailing commas, as spreadsheets write them.
        let observed = read_csv_text("version_id,timestamp,to_state,,\nv1,1,a,,\n").unwrap();
        assert_eq!(observed.rows.len(), 1);
    }
}
