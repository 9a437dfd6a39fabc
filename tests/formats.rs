//! Formats on stdout: `--format table | json | csv` of `run`, `check` and
//! `export`, `-` as stdout, shell completions and man pages.

mod common;

use std::fs;

use common::{SHIPPED, stdout_of, verchain};
use serde_json::Value;

const PRINTED: &str = "scenarios/invalid/seed-article-as-printed.yaml";

#[test]
fn run_prints_the_trajectory_as_csv_equal_to_the_json_document() {
    let args = ["run", SHIPPED[0], "--no-files", "--walkers", "1000"];
    let csv = stdout_of(&[&args[..], &["--format", "csv"]].concat());
    let json: Value =
        serde_json::from_str(&stdout_of(&[&args[..], &["--format", "json"]].concat())).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..4],
        ["step", "exact_develop", "simulated_develop", "se_develop"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 21);
    for (t, row) in rows.iter().enumerate() {
        assert_eq!(row[0].parse::<usize>().unwrap(), t);
        for i in 0..4 {
            let exact: f64 = row[1 + 3 * i].parse().unwrap();
            assert_eq!(exact, json["exact"]["trajectory"][t][i].as_f64().unwrap());
            let simulated: f64 = row[2 + 3 * i].parse().unwrap();
            assert_eq!(
                simulated,
                json["simulation"]["occupancy"][t][i].as_f64().unwrap()
            );
        }
    }
}

#[test]
fn run_with_output_dash_prints_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    verchain()
        .current_dir(dir.path())
        .args([
            "run",
            &common::repository(SHIPPED[0]).to_string_lossy(),
            "-o",
            "-",
            "--walkers",
            "0",
        ])
        .assert()
        .success();
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn check_prints_one_record_per_problem() {
    let args = [
        "check",
        SHIPPED[0],
        PRINTED,
        "tests/data/schema-invalid/negative-probability.yaml",
        "missing.yaml",
    ];
    let output = verchain()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let records: Value = serde_json::from_slice(&output.stdout).unwrap();
    let records = records.as_array().unwrap();
    // One for the row sum, two for the negative file's entries, one for the missing file.
    assert_eq!(records.len(), 4, "{records:?}");
    assert_eq!(records[0]["file"], PRINTED);
    assert_eq!(
        (records[0]["line"].as_u64(), records[0]["column"].as_u64()),
        (Some(9), Some(5))
    );
    assert_eq!(records[0]["label"], "sums to 1.5");
    assert!(records[1]["message"].as_str().unwrap().contains("1.2"));
    assert!(records[2]["message"].as_str().unwrap().contains("-0.2"));
    assert_eq!(records[3]["line"], 0);
    assert!(
        records[3]["message"]
            .as_str()
            .unwrap()
            .contains("cannot read: ")
    );
    // The records replace the fancy reports; stderr keeps the count only.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("help:") && stderr.contains("3 of 4"),
        "{stderr}"
    );

    let output = verchain()
        .args(args)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    let mut reader = csv::Reader::from_reader(&output.stdout[..]);
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["file", "line", "column", "message", "label", "help"]
    );
    assert_eq!(reader.records().count(), 4);

    let valid = verchain()
        .args(["check", SHIPPED[0], "--format", "json"])
        .output()
        .unwrap();
    assert!(valid.status.success());
    assert_eq!(
        serde_json::from_slice::<Value>(&valid.stdout).unwrap(),
        serde_json::json!([])
    );
}

#[test]
fn export_takes_format_as_another_name_for_to() {
    assert_eq!(
        stdout_of(&["export", SHIPPED[0], "--format", "csv"]),
        stdout_of(&["export", SHIPPED[0], "--to", "csv"])
    );
    let table = stdout_of(&["export", SHIPPED[0]]);
    assert!(
        table.starts_with("seed-article: transition matrix"),
        "{table}"
    );
}

#[test]
fn completions_for_every_shell_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        for subcommand in ["run", "check", "export", "schema", "completions", "man"] {
            assert!(script.contains(subcommand), "{shell}: no {subcommand}");
        }
        assert!(
            script.contains("walkers") && script.contains("prism"),
            "{shell}"
        );
    }
    verchain().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_pages_come_from_the_command_line() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH verchain 1"), "{}", &page[..200]);
    assert!(page.contains("export") && page.contains("completions"));
    let run = stdout_of(&["man", "run"]);
    assert!(run.contains(".TH verchain-run 1"));
    assert!(run.contains("\\-\\-walkers") && run.contains("report.md"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verchain-export.1");
    verchain()
        .args(["man", "export", "-o", path.to_str().unwrap()])
        .assert()
        .success();
    assert!(fs::read_to_string(&path).unwrap().contains("prism"));
}

#[test]
fn trace_needs_a_folder() {
    let assert = verchain()
        .args(["run", SHIPPED[0], "-o", "-", "--trace", "3"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("--output - writes no files"), "{stderr}");
}

#[test]
fn sweep_and_sensitivity_print_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let printed = verchain()
        .args(["sweep", SHIPPED[0], "--format", "csv", "--output"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(printed.status.success());
    // The CSV on stdout is the file the sweep writes.
    let written = std::fs::read(dir.path().join("seed-article/sweep.csv")).unwrap();
    assert_eq!(printed.stdout, written);

    let json = verchain()
        .args(["sweep", SHIPPED[0], "--format", "json", "--no-files"])
        .output()
        .unwrap();
    let results: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(results["scenario"], "seed-article");

    let json = verchain()
        .args(["sensitivity", SHIPPED[0], "--format", "json", "--no-files"])
        .output()
        .unwrap();
    assert!(json.status.success());
    let records: Value = serde_json::from_slice(&json.stdout).unwrap();
    let first = &records.as_array().unwrap()[0];
    assert_eq!(first["parameter"], "p");
    assert!(first["derivative"].is_number());
}
