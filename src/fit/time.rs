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

    /// The integers that can be counted with, for messages.
    pub fn range(self) -> &'static str {
        match self {
            Self::Timestamp => {
                "epoch milliseconds lie between -62167219200000 (year 0000) and \
                 253402300799999 (year 9999)"
            }
            Self::Step => "step numbers lie between -2^53 and 2^53",
        }
    }

    /// A duration in this kind's unit, for people, in the largest unit of
    /// which it is a whole number: `1 week`, `36 hours`, `3 steps`.
    pub fn format_duration(self, duration: i64) -> String {
        let (count, unit) = self.whole_units(duration);
        if count == 1 {
            format!("1 {unit}")
        } else {
            format!("{count} {unit}s")
        }
    }

    /// `time` is one of this kind that can be counted with: epoch
    /// milliseconds in the years 0000–9999, or a step number within ±2^53.
    pub fn contains(self, time: i64) -> bool {
        match self {
            Self::Timestamp => (FIRST_MILLISECOND..=LAST_MILLISECOND).contains(&time),
            Self::Step => (-LARGEST_STEP..=LARGEST_STEP).contains(&time),
        }
    }

    /// A length of time in this kind's unit, for people, however it
    /// divides: `19days 3h 5m`, `12 steps`.
    pub fn format_span(self, span: i64) -> String {
        match self {
            Self::Step => crate::words::count(span.unsigned_abs(), "step"),
            Self::Timestamp => {
                humantime::format_duration(std::time::Duration::from_millis(span.unsigned_abs()))
                    .to_string()
            }
        }
    }

    /// The unit of a chain that moves once every `step`, as a scenario's
    /// `unit` (a noun that takes an `s` for more than one): `day`,
    /// `7-hour period`, `3-step period`.
    pub fn step_unit(self, step: i64) -> String {
        match self.whole_units(step) {
            (1, unit) => unit.to_string(),
            (count, unit) => format!("{count}-{unit} period"),
        }
    }

    /// The largest unit of which `duration` is a whole number, and how many.
    fn whole_units(self, duration: i64) -> (i64, &'static str) {
        const MILLISECONDS: [(i64, &str); 6] = [
            (604_800_000, "week"),
            (86_400_000, "day"),
            (3_600_000, "hour"),
            (60_000, "minute"),
            (1000, "second"),
            (1, "millisecond"),
        ];
        match self {
            Self::Step => (duration, "step"),
            // Every unit divides nothing: the smallest says it plainly.
            Self::Timestamp if duration == 0 => (0, "millisecond"),
            Self::Timestamp => MILLISECONDS
                .iter()
                .find(|(unit, _)| duration % unit == 0)
                .map_or((duration, "millisecond"), |&(unit, name)| {
                    (duration / unit, name)
                }),
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
        return in_range(n, kind)
            .ok_or_else(|| format!("{text:?} is out of range: {}", kind.range()));
    }
    match (kind, OffsetDateTime::parse(text.trim(), &Rfc3339)) {
        (TimeKind::Timestamp, Ok(t)) => Ok(epoch_millis(t)),
        (TimeKind::Step, Ok(_)) => Err(format!(
            "{text:?} is a timestamp, but the history's times are step numbers; give a step number"
        )),
        (_, Err(e)) => Err(format!(
            "{text:?} is neither RFC 3339 with an offset (2024-05-01T00:00:00Z) nor an integer ({})",
            no_offset(text.trim()).unwrap_or_else(|| e.to_string())
        )),
    }
}

/// Reads one time field: an integer, or RFC 3339 with an offset. Integers
/// are epoch milliseconds when `epoch_column` (the column is `timestamp`).
///
/// # Errors
///
/// The time crate's reason, when the text is neither.
#[inline]
pub fn parse_time(text: &str, epoch_column: bool) -> Result<(i64, TimeKind), TimeError> {
    match text.parse::<i64>() {
        Ok(n) => {
            let kind = if epoch_column {
                TimeKind::Timestamp
            } else {
                TimeKind::Step
            };
            match in_range(n, kind) {
                Some(n) => Ok((n, kind)),
                None => Err(TimeError::OutOfRange(kind)),
            }
        }
        Err(_) => OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| (epoch_millis(t), TimeKind::Timestamp))
            .map_err(|e| why_not(text, e, epoch_column)),
    }
}

/// Why a time field was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Neither RFC 3339 nor an integer: the reason.
    Unparsable(String),
    /// An integer outside the range its kind of time allows.
    OutOfRange(TimeKind),
}

/// Epoch milliseconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z,
/// the range RFC 3339 can write.
const FIRST_MILLISECOND: i64 = -62_167_219_200_000;
const LAST_MILLISECOND: i64 = 253_402_300_799_999;
/// Step numbers up to this in size: any two are apart by less than 2^54,
/// and holding times in steps are exact as `f64`.
const LARGEST_STEP: i64 = 1 << 53;

/// `n` when it is a time of `kind` that can be counted with.
fn in_range(n: i64, kind: TimeKind) -> Option<i64> {
    kind.contains(n).then_some(n)
}

/// What is wrong with a time the time crate refused, said plainly where
/// the cause is common.
#[cold]
fn why_not(text: &str, error: time::error::Parse, epoch_column: bool) -> TimeError {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // Too large even for 64 bits.
        return TimeError::OutOfRange(if epoch_column {
            TimeKind::Timestamp
        } else {
            TimeKind::Step
        });
    }
    TimeError::Unparsable(no_offset(text).unwrap_or_else(|| error.to_string()))
}

/// The hint for RFC 3339 without an offset, when `text` is that.
fn no_offset(text: &str) -> Option<String> {
    OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339)
        .is_ok()
        .then(|| "it has no offset: add Z for UTC, or +hh:mm".to_string())
}

/// Milliseconds since 1970-01-01T00:00:00Z, rounded down (no 128-bit
/// division: this runs for every row). The time crate's years (±9999) fit.
fn epoch_millis(t: OffsetDateTime) -> i64 {
    t.unix_timestamp() * 1000 + i64::from(t.millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a fit with `--step 7d` gave its scenario the unit
    /// `7days`, which a run wrote as "horizon 20 7dayss".
    #[test]
    fn steps_are_written_in_the_largest_unit_that_divides_them() {
        let t = TimeKind::Timestamp;
        let cases = [
            (604_800_000, "1 week", "week"),
            (2 * 604_800_000, "2 weeks", "2-week period"),
            (86_400_000, "1 day", "day"),
            (36 * 3_600_000, "36 hours", "36-hour period"),
            (90 * 60_000, "90 minutes", "90-minute period"),
            (1000, "1 second", "second"),
            (2500, "2500 milliseconds", "2500-millisecond period"),
        ];
        for (step, said, unit) in cases {
            assert_eq!(t.format_duration(step), said);
            assert_eq!(t.step_unit(step), unit);
        }
        // Not "0 weeks".
        assert_eq!(t.format_duration(0), "0 milliseconds");
        assert_eq!(TimeKind::Step.format_duration(1), "1 step");
        assert_eq!(TimeKind::Step.format_duration(3), "3 steps");
        assert_eq!(TimeKind::Step.step_unit(1), "step");
        assert_eq!(TimeKind::Step.step_unit(3), "3-step period");
    }

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
        assert_eq!(
            parse_time("2024-05-01T12:00:00", true),
            Err(TimeError::Unparsable(
                "it has no offset: add Z for UTC, or +hh:mm".to_string()
            ))
        );
        assert!(matches!(
            parse_time("99999999999999999999", true),
            Err(TimeError::OutOfRange(TimeKind::Timestamp))
        ));
        assert!(matches!(
            parse_time("-99999999999999999999", false),
            Err(TimeError::OutOfRange(TimeKind::Step))
        ));
        assert!(
            parse_time_argument("2025-07-01T00:00:00", TimeKind::Timestamp)
                .unwrap_err()
                .contains("add Z")
        );
    }

    #[test]
    fn integers_must_lie_where_they_can_be_counted_with() {
        // The ends of RFC 3339's range, in and just out.
        for (text, ok) in [
            ("0000-01-01T00:00:00Z", true),
            ("9999-12-31T23:59:59.999Z", true),
        ] {
            let (ms, _) = parse_time(text, true).unwrap();
            assert_eq!(parse_time(&ms.to_string(), true).is_ok(), ok);
            let beyond = if ms < 0 { ms - 1 } else { ms + 1 };
            assert!(matches!(
                parse_time(&beyond.to_string(), true),
                Err(TimeError::OutOfRange(_))
            ));
        }
        assert!(parse_time(&(1_i64 << 53).to_string(), false).is_ok());
        assert!(parse_time(&(-(1_i64 << 53)).to_string(), false).is_ok());
        for n in [(1_i64 << 53) + 1, i64::MIN, i64::MAX] {
            assert!(matches!(
                parse_time(&n.to_string(), false),
                Err(TimeError::OutOfRange(_))
            ));
        }
        assert!(parse_time_argument("-9223372036854775808", TimeKind::Timestamp).is_err());
        assert_eq!(parse_time_argument("12", TimeKind::Step), Ok(12));
    }
}
