//! The validated chain as data: one JSON document, or the matrix as CSV.

use super::Model;

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
    fn json_reads_back_to_the_same_model() {
        let model = model("{develop: 0.25, test: 0.75}");
        let value: serde_json::Value = serde_json::from_str(&json(&model)).unwrap();
        assert_eq!(value["states"][4], "retired \"old\"");
        assert_eq!(value["matrix"][1][2], 0.5);
        assert_eq!(value["initial"][1], 0.75);
        assert_eq!(value["unit"], "cycle");
    }
}
