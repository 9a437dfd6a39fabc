//! The problems of scenario files as records, for `verchain check --format
//! json | csv`: one record per problem, with the file, line and column, so
//! that CI can annotate the lines and a spreadsheet can sort them.

use std::path::Path;

use serde::Serialize;
use verchain::scenario::Problem;

/// One problem of one file.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemRecord {
    /// The file, as given on the command line.
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u64,
    /// 1-based; 0 when the problem concerns the whole file.
    pub column: u64,
    /// What is wrong, with the state, row and numbers involved.
    pub message: String,
    /// A short note on the offending text ("sums to 1.5"), if any.
    pub label: Option<String>,
    /// What would fix it, if there is a hint.
    pub help: Option<String>,
}

impl ProblemRecord {
    /// The CSV header: the fields in their order. Printed even when there is
    /// no record, since a CSV reader fails on empty text.
    pub const COLUMNS: [&'static str; 6] = ["file", "line", "column", "message", "label", "help"];

    /// The record of a scenario problem in `file`.
    pub fn of(file: &Path, problem: &Problem) -> Self {
        Self {
            file: file.display().to_string(),
            line: problem.position.line,
            column: problem.position.column,
            message: problem.message.clone(),
            label: problem.label.clone(),
            help: problem.help.clone(),
        }
    }

    /// A problem with the whole file, such as one that cannot be read.
    pub fn whole_file(file: &Path, message: String) -> Self {
        Self {
            file: file.display().to_string(),
            line: 0,
            column: 0,
            message,
            label: None,
            help: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header written for no record is the one serde writes for some.
    #[test]
    fn the_columns_are_the_fields_in_order() {
        let record = ProblemRecord::whole_file(Path::new("a.yaml"), "cannot read".into());
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.serialize(&record).unwrap();
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(
            text.lines().next().unwrap(),
            ProblemRecord::COLUMNS.join(",")
        );
    }
}
