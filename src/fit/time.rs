//! Times in a history: RFC 3339 timestamps with an offset (parsed by the
//! time crate) become epoch milliseconds; integers are epoch milliseconds in
//! a `timestamp` column and step numbers elsewhere.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What times in the history are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeKind {
    /// Epoch milliseconds, from RFC 3339 or from a `timestamp` column.
    Timestamp,
    /// Plain step numbers (day 1, 2, 3 ...).
    Step,
}

impl TimeKind {
    /// The kind as a noun phrase, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Timestamp => "a timestamp",
            Self::Step => "a step number",
        }
    }

    /// A duration in this kind's unit, for people: `7d`, `36h`, `3 steps`.
    pub fn format_duration(self, duration: i64) -> String {
        match self {
            Self::Step => format!("{duration} steps"),
            Self::Timestamp => humantime::format_duration(std::time::Duration::from_millis(
                duration.unsigned_abs(),
            ))
            .to_string(),
        }
    }

    /// A point in time, for people: RFC 3339 (UTC) or the step number.
    pub fn format_time(self, time: i64) -> String {
        match self {
            Self::Step => time.to_string(),
            Self::Timestamp => OffsetDateTime::from_unix_timestamp_nanos(time as i128 * 1_000_000)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_else(|| format!("{time} ms")),
        }
    }

    /// Milliseconds in a day for timestamps, 1 for steps: the unit in which
    /// holding times are reported.
    pub fn report_unit(self) -> (f64, &'static str) {
        match self {
            Self::Timestamp => (86_400_000.0, "days"),
            Self::Step => (1.0, "steps"),
        }
    }
}

/// Parses a time given on the command line (`--observed-to`, `--split`):
/// RFC 3339, or an integer in the history's unit.
///
/// # Errors
///
/// A message naming the value, when it is neither.
pub fn parse_time_argument(text: &str, kind: TimeKind) -> Result<i64, String> {
    if let Ok(n) = text.trim().parse::<i64>() {
        return Ok(n);
    }
    match (kind, OffsetDateTime::parse(text.trim(), &Rfc3339)) {
        (TimeKind::Timestamp, Ok(t)) => Ok(epoch_millis(t)),
        (TimeKind::Step, Ok(_)) => Err(format!(
            "{text:?} is a timestamp, but the history's times are step numbers; give a step number"
        )),
        (_, Err(e)) => Err(format!(
            "{text:?} is neither RFC 3339 with an offset (2024-05-01T00:00:00Z) nor an integer ({e})"
        )),
    }
}

/// Reads one time field: an integer, or RFC 3339 with an offset. Integers
/// are epoch milliseconds when `epoch_column` (the column is `timestamp`).
///
/// # Errors
///
/// The time crate's reason, when the text is neither.
pub fn parse_time(text: &str, epoch_column: bool) -> Result<(i64, TimeKind), String> {
    match text.parse::<i64>() {
        Ok(n) if epoch_column => Ok((n, TimeKind::Timestamp)),
        Ok(n) => Ok((n, TimeKind::Step)),
        Err(_) => OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| (epoch_millis(t), TimeKind::Timestamp))
            .map_err(|e| e.to_string()),
    }
}

/// Milliseconds since 1970-01-01T00:00:00Z, rounded down (no 128-bit
/// division: this runs for every row). The time crate's years (±9999) fit.
fn epoch_millis(t: OffsetDateTime) -> i64 {
    t.unix_timestamp() * 1000 + i64::from(t.millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_become_milliseconds_rounded_down() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("2024-05-01T12:00:00.1239Z", 1_714_564_800_123),
            ("2024-05-01T14:00:00.5+02:00", 1_714_564_800_500),
            ("1969-12-31T23:59:59.9995Z", -1),
            ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_time(text, true),
                Ok((want, TimeKind::Timestamp)),
                "{text}"
            );
            // The same as the nanoseconds divided, rounded down.
            let t = OffsetDateTime::parse(text, &Rfc3339).unwrap();
            assert_eq!(
                i128::from(want),
                t.unix_timestamp_nanos().div_euclid(1_000_000)
            );
        }
        assert_eq!(parse_time("42", false), Ok((42, TimeKind::Step)));
        assert_eq!(parse_time("42", true), Ok((42, TimeKind::Timestamp)));
        assert!(parse_time("2024-05-01T12:00:00", true).is_err());
    }
}
