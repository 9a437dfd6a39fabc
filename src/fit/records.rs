//! CSV records one at a time, each with the line it starts on.
//!
//! The csv-core crate (the csv crate's own parser) splits the text into
//! records and fields; this module hands it the input, keeps its output, and
//! numbers each record by the line its first byte is on. Blank lines
//! before a record and all three line ends (LF, CRLF, a lone CR) count, so
//! the number is the one an editor shows.

use std::io::BufRead;

use super::read::BYTE_ORDER_MARK;
use super::{FitError, QUOTE_HELP, READ_HELP};

/// The line breaks in a text: line feeds, and carriage returns not followed
/// by one (csv-core ends a record at either, or both); and the lines that
/// are not blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LineBreaks {
    pub(super) feeds: u64,
    /// Carriage returns that are line breaks of their own.
    pub(super) lone_returns: u64,
    /// Bytes other than a line break that begin the text or follow one: no
    /// more records than these begin in the text.
    pub(super) line_starts: u64,
}

impl LineBreaks {
    pub(super) fn in_text(bytes: &[u8]) -> Self {
        // Counted in blocks small enough for a byte counter per lane, which
        // the compiler turns into vector compares and adds.
        let count = |bytes: &[u8], byte: u8| -> u64 {
            bytes
                .chunks(255)
                .map(|block| u64::from(block.iter().map(|&b| u8::from(b == byte)).sum::<u8>()))
                .sum()
        };
        let is_break = |b: u8| b == b'\n' || b == b'\r';
        let mut before = b'\n';
        let mut feeds = 0;
        let mut line_starts = 0;
        for block in bytes.chunks(255) {
            feeds += u64::from(block.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>());
            // Each byte with the one before it: plain slices side by side.
            let (first, last) = (block[0], block[block.len() - 1]);
            let inner = block[1..]
                .iter()
                .zip(&block[..block.len() - 1])
                .map(|(&b, &p)| u8::from(!is_break(b) & is_break(p)))
                .sum::<u8>();
            line_starts += u64::from(inner) + u64::from(!is_break(first) && is_break(before));
            before = last;
        }
        let lone_returns = if bytes.contains(&b'\r') {
            let pairs: u64 = bytes
                .chunks(255)
                .map(|block| {
                    let next = block.iter().skip(1).chain(std::iter::once(&b'\0'));
                    u64::from(
                        block
                            .iter()
                            .zip(next)
                            .map(|(&a, &b)| u8::from(a == b'\r' && b == b'\n'))
                            .sum::<u8>(),
                    )
                })
                .sum();
            // A pair split between two blocks was missed above.
            let split = bytes
                .chunks(255)
                .zip(bytes.chunks(255).skip(1))
                .filter(|(a, b)| a.last() == Some(&b'\r') && b.first() == Some(&b'\n'))
                .count() as u64;
            count(bytes, b'\r') - pairs - split
        } else {
            0
        };
        Self {
            feeds,
            lone_returns,
            line_starts,
        }
    }

    pub(super) fn total(self) -> u64 {
        self.feeds + self.lone_returns
    }
}

/// How the lines a record spans are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Breaks {
    /// The text has no lone carriage return, so its line feeds, which
    /// csv-core counts as it goes, are its line breaks.
    Feeds,
    /// Any text: the bytes are looked at as they are read.
    Scan,
}

/// CSV records read by csv-core from a buffered input.
pub(super) struct Records<R> {
    input: R,
    core: csv_core::Reader,
    /// The fields of the last record, one after another, and where each
    /// ends in `bytes`.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// How many fields the last record has.
    fields: usize,
    breaks: Breaks,
    /// The line the next byte is on.
    line: u64,
    /// The last byte read was a carriage return (`Scan` only): whether it
    /// is a line break of its own depends on the next byte.
    after_return: bool,
    /// The input may hold a quote: each record's are then checked (see
    /// [`Quoting`]).
    quotes: bool,
    /// Bytes of the input consumed so far.
    consumed: usize,
    /// Where in the input the last record begins, after blank lines.
    record_start: usize,
}

/// The longest row, in bytes with its line break: a row of a history is a few short fields,
/// and a line that never ends (a file of zeros, say) must not take all the
/// memory there is.
pub(super) const MAX_ROW_BYTES: usize = 1 << 20;

/// The error for a row longer than [`MAX_ROW_BYTES`], which begins on `line`.
#[cold]
pub(super) fn too_long_row(line: u64) -> FitError {
    FitError::Malformed {
        line,
        reason: format!(
            "the row is longer than {} MiB, the most a row may hold",
            MAX_ROW_BYTES >> 20
        ),
        help: "check that the file is a history (CSV with one event a line, or JSON Lines)",
    }
}

impl<R: BufRead> Records<R> {
    /// Records from `input`, whose first byte is on line `line`.
    pub(super) fn new(input: R, line: u64, breaks: Breaks) -> Self {
        Self {
            input,
            core: csv_core::Reader::new(),
            bytes: vec![0; 256],
            ends: vec![0; 16],
            fields: 0,
            breaks,
            line,
            after_return: false,
            quotes: true,
            consumed: 0,
            record_start: 0,
        }
    }

    /// Records from an input known to hold no quote, whose quotes need not
    /// be checked.
    pub(super) fn without_quotes(mut self) -> Self {
        self.quotes = false;
        self
    }

    /// Reads the next record, and returns the line it starts on; `None` at
    /// the end of the input.
    ///
    /// # Errors
    ///
    /// [`FitError::Malformed`] when the input cannot be read, or a quote
    /// is out of place (see [`Quoting`]).
    #[inline]
    pub(super) fn next_record(&mut self) -> Result<Option<u64>, FitError> {
        use csv_core::ReadRecordResult;
        let (mut written, mut ended) = (0, 0);
        let mut start = None;
        let mut quoting = Ok(Quoting::FieldStart);
        loop {
            let line = self.line;
            let input = self.input.fill_buf().map_err(|e| FitError::Malformed {
                line,
                reason: format!("cannot read the file: {e}"),
                help: READ_HELP,
            })?;
            let feeds_before = self.core.line();
            let (result, read, wrote, ends) =
                self.core
                    .read_record(input, &mut self.bytes[written..], &mut self.ends[ended..]);
            let consumed = &input[..read];
            // The bytes of the record read this time: after any blank lines.
            let mut record = consumed;
            if start.is_none() {
                // csv-core skips a byte-order mark at the start of the
                // input, and blank lines before a record.
                let mark = if self.consumed == 0 && consumed.starts_with(BYTE_ORDER_MARK) {
                    BYTE_ORDER_MARK.len()
                } else {
                    0
                };
                let blank = mark
                    + consumed[mark..]
                        .iter()
                        .take_while(|&&b| b == b'\r' || b == b'\n')
                        .count();
                record = &consumed[blank..];
                if blank < read {
                    self.record_start = self.consumed + blank;
                    start = Some(match self.breaks {
                        Breaks::Feeds => {
                            line + consumed[..blank].iter().filter(|&&b| b == b'\n').count() as u64
                        }
                        Breaks::Scan => {
                            let (breaks, after_return) =
                                scan(&consumed[..blank], self.after_return);
                            // The record's first byte ends a lone return.
                            line + breaks + u64::from(after_return)
                        }
                    });
                }
            }
            self.line += match self.breaks {
                Breaks::Feeds => self.core.line() - feeds_before,
                Breaks::Scan => {
                    let (breaks, after_return) = scan(consumed, self.after_return);
                    self.after_return = after_return;
                    breaks
                }
            };
            if self.quotes {
                quoting = quoting.and_then(|q| q.after(record));
            }
            self.input.consume(read);
            self.consumed += read;
            written += wrote;
            ended += ends;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull
                    if self.consumed - self.record_start > MAX_ROW_BYTES =>
                {
                    return Err(too_long_row(start.unwrap_or(line)));
                }
                ReadRecordResult::OutputFull => {
                    let len = self.bytes.len();
                    self.bytes.resize(2 * len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len();
                    self.ends.resize(2 * len, 0);
                }
                ReadRecordResult::Record => {
                    self.fields = ended;
                    let line = start.unwrap_or(self.line);
                    if self.consumed - self.record_start > MAX_ROW_BYTES {
                        return Err(too_long_row(line));
                    }
                    let problem = match quoting {
                        Ok(Quoting::Quoted) => Some(QuoteProblem::NeverClosed),
                        Ok(_) => None,
                        Err(problem) => Some(problem),
                    };
                    if let Some(problem) = problem {
                        return Err(FitError::Malformed {
                            line,
                            reason: problem.reason().to_string(),
                            help: QUOTE_HELP,
                        });
                    }
                    return Ok(Some(line));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// The last record, even one refused, begins with `byte`.
    pub(super) fn begins_with(&self, byte: u8) -> bool {
        self.fields > 0 && self.ends[0] > 0 && self.bytes[0] == byte
    }

    /// How many fields the last record has.
    pub(super) fn len(&self) -> usize {
        self.fields
    }

    /// The last record's fields, checked to be UTF-8 all at once.
    #[inline]
    pub(super) fn text(&self) -> RecordText<'_> {
        let ends = &self.ends[..self.fields];
        let all = &self.bytes[..ends.last().copied().unwrap_or(0)];
        RecordText {
            ends,
            bytes: &self.bytes,
            all: std::str::from_utf8(all).ok(),
            in_input: false,
        }
    }

    /// The last record's fields as slices of `input`, the text these
    /// records read, which holds no quote: each field is then the bytes
    /// between two commas, and none is checked as UTF-8 again.
    #[inline]
    pub(super) fn text_in<'t>(&'t self, input: &'t str) -> RecordText<'t> {
        debug_assert!(!self.quotes, "only a text without quotes is sliced");
        RecordText {
            ends: &self.ends[..self.fields],
            bytes: &self.bytes,
            all: input.get(self.record_start..),
            in_input: true,
        }
    }
}

/// Where a record's quotes stand as its bytes go by. csv-core reads quotes
/// leniently: a quoted field never closed runs on to the end of the file,
/// and a quote inside a field, or text after a closing quote, is kept as
/// text; two such rows far apart swallow every row between them. A history
/// must not lose rows to a quote out of place, so each is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// Outside quotes, at the start of a field.
    FieldStart,
    /// Outside quotes, inside a field that began with something else.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: it closed the field, or it
    /// is the first of a doubled pair.
    AfterQuote,
}

/// A quote out of place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteProblem {
    Stray,
    AfterClosing,
    NeverClosed,
}

impl QuoteProblem {
    fn reason(self) -> &'static str {
        match self {
            Self::Stray => "a quote inside a field that does not begin with one",
            Self::AfterClosing => "text follows the quote that closes a quoted field",
            Self::NeverClosed => {
                "a quoted field is never closed, so the row would run on to the end of the file"
            }
        }
    }
}

impl Quoting {
    /// The state after `bytes` (from the record's first byte on, in
    /// pieces); the problem at a quote out of place.
    fn after(mut self, bytes: &[u8]) -> Result<Self, QuoteProblem> {
        let ends_field = |b: u8| b == b',' || b == b'\r' || b == b'\n';
        let mut i = 0;
        while i < bytes.len() {
            match self {
                Self::FieldStart | Self::Unquoted => {
                    let Some(j) = bytes[i..].iter().position(|&b| b == b'"') else {
                        return Ok(if ends_field(bytes[bytes.len() - 1]) {
                            Self::FieldStart
                        } else {
                            Self::Unquoted
                        });
                    };
                    // A quote may only open a field.
                    let at_start = match i + j {
                        0 => self == Self::FieldStart,
                        k => ends_field(bytes[k - 1]),
                    };
                    if !at_start {
                        return Err(QuoteProblem::Stray);
                    }
                    self = Self::Quoted;
                    i += j + 1;
                }
                Self::Quoted => match bytes[i..].iter().position(|&b| b == b'"') {
                    None => return Ok(Self::Quoted),
                    Some(j) => {
                        self = Self::AfterQuote;
                        i += j + 1;
                    }
                },
                Self::AfterQuote => {
                    self = match bytes[i] {
                        b'"' => Self::Quoted,
                        b if ends_field(b) => Self::FieldStart,
                        _ => return Err(QuoteProblem::AfterClosing),
                    };
                    i += 1;
                }
            }
        }
        Ok(self)
    }
}

/// The fields of one record as text.
pub(super) struct RecordText<'a> {
    ends: &'a [usize],
    bytes: &'a [u8],
    /// All fields, when they are UTF-8 together; or, `in_input`, the
    /// input from the record's first byte on.
    all: Option<&'a str>,
    /// The fields are read from the input, each after a comma per field
    /// before it.
    in_input: bool,
}

impl<'a> RecordText<'a> {
    /// Field `i`, trimmed; `None` when it is not UTF-8 text.
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let range = start..self.ends[i];
        if self.in_input {
            let text = self.all?.get(range.start + i..range.end + i)?;
            debug_assert_eq!(text.as_bytes(), &self.bytes[range]);
            return Some(text.trim_ascii());
        }
        // A field of a valid text can still split a character in two: then
        // the slice is refused and the field alone is checked (and fails).
        let text = match self.all.and_then(|all| all.get(range.clone())) {
            Some(text) => text,
            None => std::str::from_utf8(&self.bytes[range]).ok()?,
        };
        Some(text.trim_ascii())
    }
}

/// The line breaks in `bytes`, read after a carriage return when
/// `after_return`; and whether the last byte is one.
fn scan(bytes: &[u8], mut after_return: bool) -> (u64, bool) {
    let mut breaks = 0;
    for &b in bytes {
        breaks += u64::from(b == b'\n' || after_return);
        after_return = b == b'\r';
    }
    (breaks, after_return)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of `text` read through a buffer of `capacity` bytes:
    /// their lines and fields.
    fn records(text: &str, capacity: usize, breaks: Breaks) -> Vec<(u64, Vec<String>)> {
        let input = std::io::BufReader::with_capacity(capacity, text.as_bytes());
        let mut records = Records::new(input, 1, breaks);
        let mut all = Vec::new();
        while let Some(line) = records.next_record().unwrap() {
            let fields = records.text();
            let fields = (0..records.len())
                .map(|i| fields.get(i).unwrap().to_string())
                .collect();
            all.push((line, fields));
        }
        all
    }

    #[test]
    fn records_are_numbered_by_the_line_they_start_on() {
        for end in ["\n", "\r\n", "\r"] {
            let text = ["a,b", "", "c,d", "", "", "e,\"f", "g\"", "h,i"].join(end);
            let want: Vec<(u64, Vec<String>)> = [
                (1, ["a", "b"]),
                (3, ["c", "d"]),
                (6, ["e", &format!("f{end}g")]),
                (8, ["h", "i"]),
            ]
            .into_iter()
            .map(|(line, fields)| (line, fields.iter().map(|f| f.to_string()).collect()))
            .collect();
            // Through buffers of every small size, so that line ends are
            // split between reads, and whole.
            for capacity in (1..12).chain([1 << 16]) {
                assert_eq!(
                    records(&text, capacity, Breaks::Scan),
                    want,
                    "{end:?} {capacity}"
                );
            }
            if end != "\r" {
                assert_eq!(records(&text, 1 << 16, Breaks::Feeds), want, "{end:?}");
            }
        }
    }

    #[test]
    fn quotes_are_checked_however_the_text_is_cut() {
        let good = "\"a\",\"b,\"\"c\"\"\r\nd\",\"\"\n\n\"\",e,\"f\"\"\"\n\"g\"";
        let want = [
            (
                1,
                vec!["a".to_string(), "b,\"c\"\r\nd".to_string(), String::new()],
            ),
            (4, vec![String::new(), "e".to_string(), "f\"".to_string()]),
            (5, vec!["g".to_string()]),
        ];
        let bad = [
            ("a,\"b\nc,d\n", QuoteProblem::NeverClosed),
            ("a,b\"c\nd\n", QuoteProblem::Stray),
            ("\"a\"b,c\n", QuoteProblem::AfterClosing),
            ("a,\"b\nc,\"d\n", QuoteProblem::AfterClosing),
            ("ab\"\"\n", QuoteProblem::Stray),
        ];
        for capacity in (1..12).chain([1 << 16]) {
            assert_eq!(records(good, capacity, Breaks::Scan), want, "{capacity}");
            for (text, problem) in bad {
                let input = std::io::BufReader::with_capacity(capacity, text.as_bytes());
                let mut records = Records::new(input, 1, Breaks::Scan);
                let error = loop {
                    match records.next_record() {
                        Ok(Some(_)) => continue,
                        Ok(None) => panic!("{text:?} read without an error"),
                        Err(e) => break e,
                    }
                };
                assert_eq!(
                    error,
                    FitError::Malformed {
                        line: 1,
                        reason: problem.reason().to_string(),
                        help: QUOTE_HELP
                    },
                    "{text:?} {capacity}"
                );
            }
        }
    }

    #[test]
    fn a_row_that_never_ends_is_refused_once_past_the_longest() {
        use std::io::Read;
        let mut input = std::io::BufReader::new(std::io::repeat(0).take(1 << 30));
        let mut records = Records::new(&mut input, 1, Breaks::Feeds);
        assert!(records.next_record().is_err());
        let text = format!("a,b\n\n{}\n", "x".repeat(MAX_ROW_BYTES));
        let mut records = Records::new(text.as_bytes(), 1, Breaks::Feeds);
        assert_eq!(records.next_record().unwrap(), Some(1));
        match records.next_record() {
            Err(FitError::Malformed {
                line: 3, reason, ..
            }) => {
                assert_eq!(
                    reason,
                    "the row is longer than 1 MiB, the most a row may hold"
                );
            }
            other => panic!("{other:?}"),
        }
        let longest = "x".repeat(MAX_ROW_BYTES - 1);
        let text = format!("a,b\n{longest}\n");
        let mut records = Records::new(text.as_bytes(), 1, Breaks::Feeds);
        assert_eq!(records.next_record().unwrap(), Some(1));
        assert_eq!(records.next_record().unwrap(), Some(2));
        assert_eq!(records.text().get(0), Some(longest.as_str()));
    }

    #[test]
    fn long_records_grow_the_buffers() {
        let long = "x".repeat(1000);
        let text = format!(
            "{long},{}\n1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18\n",
            "y"
        );
        let all = records(&text, 1 << 16, Breaks::Feeds);
        assert_eq!(all[0].1, [long.as_str(), "y"]);
        assert_eq!(all[1].1.len(), 18);
        assert_eq!(all[1].0, 2);
    }

    #[test]
    fn a_field_that_is_not_utf8_is_refused_alone() {
        let text = b"ok,\xe9t\xe9,fine\n";
        let mut records = Records::new(&text[..], 1, Breaks::Feeds);
        records.next_record().unwrap();
        let fields = records.text();
        assert_eq!(fields.get(0), Some("ok"));
        assert_eq!(fields.get(1), None);
        assert_eq!(fields.get(2), Some("fine"));
        // A character split by the comma between two fields: the text as a
        // whole is UTF-8, neither field is.
        let split = "é".as_bytes();
        let text = [&split[..1], b",", &split[1..], b"\n"].concat();
        let mut records = Records::new(&text[..], 1, Breaks::Feeds);
        records.next_record().unwrap();
        let fields = records.text();
        assert_eq!((fields.get(0), fields.get(1)), (None, None));
    }

    #[test]
    fn line_breaks_are_counted_in_any_text() {
        let texts = ["", "a", "\r", "\n", "\r\n", "\n\r", "a\r\rb\r\n\nc\r"];
        for text in texts {
            let (breaks, after_return) = scan(text.as_bytes(), false);
            let want = breaks + u64::from(after_return);
            assert_eq!(
                LineBreaks::in_text(text.as_bytes()).total(),
                want,
                "{text:?}"
            );
        }
        // A CRLF pair across the blocks the count works in.
        let text = format!("{}\r\n", "a".repeat(254));
        assert_eq!(
            LineBreaks::in_text(text.as_bytes()),
            LineBreaks {
                feeds: 1,
                lone_returns: 0,
                line_starts: 1
            }
        );
        let many = "a\rb\r\nc\n".repeat(300);
        assert_eq!(
            LineBreaks::in_text(many.as_bytes()),
            LineBreaks {
                feeds: 600,
                lone_returns: 300,
                line_starts: 900
            }
        );
        // Lines that are not blank, across the blocks too.
        let starts = |text: &[u8]| {
            let is_break = |b: &u8| *b == b'\n' || *b == b'\r';
            (0..text.len())
                .filter(|&i| !is_break(&text[i]) && (i == 0 || is_break(&text[i - 1])))
                .count() as u64
        };
        let mixed = format!("\n\nab\r\n\r\n c\r\rd{}\n\n\re\n", "f".repeat(300)).repeat(40);
        for text in [mixed.as_str(), "", "x", "\n", "\r\n", "\nx", "x\n\n\ny"] {
            let want = starts(text.as_bytes());
            assert_eq!(
                LineBreaks::in_text(text.as_bytes()).line_starts,
                want,
                "{text:?}"
            );
        }
        assert_eq!(starts(mixed.as_bytes()), 4 * 40);
    }
}
