//! The formats a command can print its results in, shared by every
//! subcommand that prints results: a table for a person, JSON or CSV for a
//! program.
//!
//! A command keeps its own table layout; what this module gives it is the
//! choice itself ([`Format`], a `--format` value) and the two machine
//! formats for a list of records ([`records`]): JSON as one array of
//! objects, CSV as one header row and one row per record, the columns named
//! by the records' fields.

use serde::Serialize;

/// What a command prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Text laid out for a person
    #[default]
    Table,
    /// JSON, for programs and notebooks
    Json,
    /// CSV with a header row, for spreadsheets and data frames
    Csv,
}

/// Why records could not be laid out as CSV.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the records as CSV: {0}")]
pub struct FormatError(#[from] csv::Error);

/// Lays `records` out as pretty JSON (an array of objects) or as CSV (a
/// header row from the field names, then one row per record), ending in a
/// newline. With [`Format::Table`] the caller draws its own table, so
/// `None` is returned.
///
/// A record's fields must be plain values (numbers, strings, booleans,
/// options of them) for CSV; nested lists and maps are a CSV error.
///
/// # Errors
///
/// [`FormatError`] when a record does not fit in one CSV row.
pub fn records<T: Serialize>(format: Format, records: &[T]) -> Result<Option<String>, FormatError> {
    match format {
        Format::Table => Ok(None),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(records).expect("records serialize");
            json.push('\n');
            Ok(Some(json))
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for record in records {
                writer.serialize(record)?;
            }
            let bytes = writer
                .into_inner()
                .map_err(|e| csv::Error::from(e.into_error()))?;
            Ok(Some(
                String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Problem {
        file: &'static str,
        line: u64,
        message: &'static str,
        help: Option<&'static str>,
    }

    fn problems() -> Vec<Problem> {
        vec![
            Problem {
                file: "a.yaml",
                line: 9,
                message: "row `test` sums to 1.5, not 1",
                help: Some("fix an entry, or write \"rest\""),
            },
            Problem {
                file: "b.yaml",
                line: 0,
                message: "cannot read b.yaml",
                help: None,
            },
        ]
    }

    #[test]
    fn csv_has_a_header_and_one_row_per_record_and_reads_back() {
        let text = records(Format::Csv, &problems()).unwrap().unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, ["file", "line", "message", "help"]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][3], "fix an entry, or write \"rest\"");
        assert_eq!(&rows[1][1], "0");
        assert_eq!(&rows[1][3], "");
    }

    #[test]
    fn json_is_an_array_of_objects() {
        let text = records(Format::Json, &problems()).unwrap().unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value[0]["line"], 9);
        assert_eq!(value[1]["help"], serde_json::Value::Null);
        assert_eq!(records(Format::Table, &problems()).unwrap(), None);
    }

    #[test]
    fn nested_values_are_a_csv_error_not_a_panic() {
        #[derive(Serialize)]
        struct Nested {
            inner: std::collections::BTreeMap<&'static str, u8>,
        }
        let nested = [Nested {
            inner: [("a", 1)].into(),
        }];
        assert!(records(Format::Csv, &nested).is_err());
    }
}
