//! The validated chain as data: one JSON document, the matrix as CSV, or
//! the matrix as a text table for the terminal.

use std::fmt::Write;

use super::{Model, probability_label};

/// The matrix as aligned text: a row per "from" state, a column per "to"
/// state, each probability as a diagram labels it and `·` for 0.
pub fn table(model: &Model) -> String {
    let width = |s: &str| s.chars().count();
    let first = model
        .states
        .iter()
        .map(|s| width(s))
        .max()
        .unwrap_or(0)
        .max(4);
    let cells: Vec<Vec<String>> = model
        .matrix
        .iter()
        .map(|row| {
            let cell = |&p: &f64| {
                if p == 0.0 {
                    "·".to_string()
                } else {
                    probability_label(p)
                }
            };
            row.iter().map(cell).collect()
        })
        .collect();
    let columns: Vec<usize> = (0..model.states.len())
        .map(|j| {
            let widest = cells.iter().map(|r| width(&r[j])).max().unwrap_or(0);
            widest.max(width(&model.states[j]))
        })
        .collect();
    let mut out = format!(
        "{}: transition matrix (row: from, column: to; one step is one {})\n",
        model.scenario, model.unit
    );
    let _ = write!(out, "{:first$}", "from");
    for (state, w) in model.states.iter().zip(&columns) {
        let _ = write!(out, "  {:>w$}", state, w = *w);
    }
    out.push('\n');
    for (state, row) in model.states.iter().zip(&cells) {
        let _ = write!(out, "{state:first$}");
        for (cell, w) in row.iter().zip(&columns) {
            let _ = write!(out, "  {:>w$}", cell, w = *w);
        }
        out.push('\n');
    }
    out
}

/// `{scenario, description, unit, states, matrix, initial}`, pretty-printed;
/// `matrix[i][j]` is the probability of moving from `states[i]` to
/// `states[j]`. Numbers are written so that they read back exactly.
pub fn json(model: &Model) -> String {
    let mut text = serde_json::to_string_pretty(model).expect("a model always serializes");
    text.push('\n');
    text
}

/// The matrix as CSV: a header `from,<state>,…`, then one row per "from"
/// state with its probabilities, written so that they read back exactly.
pub fn csv(model: &Model) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("from").chain(model.states.iter().map(String::as_str));
    // Writing into memory cannot fail.
    writer.write_record(header).expect("in memory");
    for (state, row) in model.states.iter().zip(&model.matrix) {
        let cells = std::iter::once(state.clone()).chain(row.iter().map(f64::to_string));
        writer.write_record(cells).expect("in memory");
    }
    let bytes = writer.into_inner().expect("in memory");
    String::from_utf8(bytes).expect("UTF-8 in, UTF-8 out")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::model;
    use super::*;

    #[test]
    fn csv_reads_back_to_the_same_matrix() {
        let model = model("develop");
        let text = csv(&model);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().len(), 6);
        let rows: Vec<_> = reader.records().map(Result::unwrap).collect();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row[0], model.states[i]);
            let values: Vec<f64> = row.iter().skip(1).map(|v| v.parse().unwrap()).collect();
            assert_eq!(values, model.matrix[i]);
        }
        // 0.3 + 0.6 + 0.1 as the scenario reader rescales it: rows sum to 1.
        assert!(rows.len() == 5 && text.contains("retired \"\"old\"\""));
    }

    #[test]
    fn the_table_aligns_every_row() {
        let text = table(&model("develop"));
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(lines.len(), 6);
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
        assert!(lines[2].starts_with("test") && lines[2].contains("0.5"));
        assert!(lines[1].ends_with('·'));
    }

    #[test]
    fn json_reads_back_to_the_same_model() {
        let model = model("{develop: 0.25, test: 0.75}");
        let value: serde_json::Value = serde_json::from_str(&json(&model)).unwrap();
        assert_eq!(value["states"][4], "retired \"old\"");
        assert_eq!(value["matrix"][1][2], 0.5);
        assert_eq!(value["initial"][1], 0.75);
        assert_eq!(value["unit"], "cycle");
    }
}
