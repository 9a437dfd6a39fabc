//! `verchain fit` and `verchain check --against`, run end to end: the files
//! a fit writes, the fitted scenario run by `verchain run`, exit codes and
//! the messages for bad input.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;
use common::verchain;
use serde_json::Value;

const HISTORY: &str = "scenarios/histories/canary-registry.csv";
const LABELS: &str = "scenarios/histories/canary-labels.yaml";
const POLICY: &str = "scenarios/canary-rollout.yaml";

fn file_in(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the command; stderr comes with miette's line wrapping undone, so a
/// message can be matched whatever the width.
fn run(command: &mut Command) -> Outcome {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).replace('│', " ");
    Outcome {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: stderr.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

#[test]
fn a_fit_writes_its_files_and_the_fitted_scenario_runs() {
    let out = tempfile::tempdir().unwrap();
    let fitted = run(verchain()
        .args([
            "fit",
            "tests/data/fit/rain.csv",
            "--time-column",
            "day",
            "-o",
        ])
        .arg(out.path()));
    assert_eq!(fitted.code, 0, "{}", fitted.stderr);
    assert!(fitted.stdout.contains("row chain"), "{}", fitted.stdout);
    let folder = out.path().join("rain-fit");
    for name in ["fit.json", "counts.csv", "fitted.yaml"] {
        assert!(folder.join(name).is_file(), "{name} missing");
    }
    // No holding times for a row chain.
    assert!(!folder.join("holding.csv").exists());
    let counts = fs::read_to_string(folder.join("counts.csv")).unwrap();
    assert!(counts.starts_with("chain,from,to,count,row_total,estimate,lower,upper\n"));
    assert!(counts.contains("\nrows,0,0,362,548,"), "{counts}");

    // The fitted scenario is a scenario: run computes its stationary
    // distribution, published as 0.5008871, 0.2693656, 0.2297473.
    let ran = run(verchain()
        .args(["run", "--format", "json", "--no-files", "--walkers", "0"])
        .arg(folder.join("fitted.yaml")));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let summary: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(summary["states"], serde_json::json!(["0", "1-5", "6+"]));
    let pi: Vec<f64> = summary["stationary"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (got, want) in pi.iter().zip([0.5008871, 0.2693656, 0.2297473]) {
        assert!((got - want).abs() <= 5e-8, "{got} against {want}");
    }
}

#[test]
fn a_registry_export_is_fitted_against_its_policy() {
    let out = tempfile::tempdir().unwrap();
    let fitted = run(verchain()
        .args([
            "fit",
            HISTORY,
            "--state-map",
            LABELS,
            "--policy",
            POLICY,
            "--format",
            "json",
            "-o",
        ])
        .arg(out.path()));
    assert_eq!(fitted.code, 0, "{}", fitted.stderr);
    let summary: Value = serde_json::from_str(&fitted.stdout).unwrap();
    assert_eq!(summary["semantics"]["kind"], "jump");
    assert_eq!(summary["comparison"]["agrees"], true);
    let folder = out.path().join("canary-registry-fit");
    let holding = fs::read_to_string(folder.join("holding.csv")).unwrap();
    assert!(
        holding.lines().any(|l| l.starts_with("production,days,")),
        "{holding}"
    );
    let counts = fs::read_to_string(folder.join("counts.csv")).unwrap();
    assert!(counts.lines().next().unwrap().ends_with(",declared"));
    // The JSON on stdout is the fit.json written.
    let written: Value =
        serde_json::from_str(&fs::read_to_string(folder.join("fit.json")).unwrap()).unwrap();
    assert_eq!(written, summary);

    let ran = run(verchain()
        .args(["run", "--no-files", "--walkers", "1000"])
        .arg(folder.join("fitted.yaml")));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
}

#[test]
fn check_against_passes_the_policy_that_made_the_history_and_fails_another() {
    let passed =
        run(verchain().args(["check", POLICY, "--against", HISTORY, "--state-map", LABELS]));
    assert_eq!(passed.code, 0, "{}", passed.stderr);
    assert!(passed.stdout.contains("agrees with"), "{}", passed.stdout);

    // The same policy with canary_pass lowered to 0.3: the jump chain then
    // declares canary → production 0.3 / 0.7 ≈ 0.43 against 0.89 observed.
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(POLICY)).unwrap();
    let stricter = file_in(
        dir.path(),
        "stricter.yaml",
        &text.replace("value: 0.6", "value: 0.3"),
    );
    let failed = run(verchain().arg("check").arg(&stricter).args([
        "--against",
        HISTORY,
        "--state-map",
        LABELS,
    ]));
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("canary → production"),
        "{}",
        failed.stderr
    );
    assert!(failed.stderr.contains("departs from"), "{}", failed.stderr);

    // A forbidden move: a policy in which an aborted canary is only archived.
    let no_retry = text.replace(
        "canary_aborted: {candidate: 0.5, archived: 0.5}",
        "canary_aborted: {archived: 1}",
    );
    assert_ne!(no_retry, text);
    let no_retry = file_in(dir.path(), "no-retry.yaml", &no_retry);
    let failed = run(verchain().arg("check").arg(&no_retry).args([
        "--against",
        HISTORY,
        "--state-map",
        LABELS,
    ]));
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed
            .stderr
            .contains("canary_aborted → candidate is forbidden"),
        "{}",
        failed.stderr
    );
}

#[test]
fn bad_histories_are_refused_with_the_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str], &[&str]); 11] = [
        ("empty.csv", "", &[], &["empty.csv", "empty"]),
        (
            "header.csv",
            "version_id,timestamp,to_state\n",
            &[],
            &["no events"],
        ),
        (
            "columns.csv",
            "version_id,when,to_state\nv1,2025-01-01T00:00:00Z,canary\n",
            &[],
            &[
                "no `timestamp` or `time` or `step` column",
                "version_id, when, to_state",
                "--time-column",
            ],
        ),
        (
            "time.csv",
            "version_id,timestamp,to_state\nv1,2025-01-01T00:00:00Z,a\nv1,yesterday,b\n",
            &[],
            &["line 3", "\"yesterday\"", "RFC 3339"],
        ),
        (
            "unknown.csv",
            "version_id,timestamp,to_state\nv1,2025-01-01T00:00:00Z,candidate\nv1,2025-01-02T00:00:00Z,Succeeded\n",
            &["--policy", POLICY],
            &["line 3", "unknown state `Succeeded`", "--state-map"],
        ),
        (
            "never-left.csv",
            "version_id,timestamp,to_state\nv1,2025-01-01T00:00:00Z,a\nv1,2025-01-02T00:00:00Z,b\n",
            &[],
            &["state `b` is never left", "--absorbing b"],
        ),
        (
            "short.csv",
            "version_id,timestamp,to_state\nv1,2025-01-01T00:00:00Z,a\nv1,2025-01-02T00:00:00Z\n",
            &[],
            &["line 3", "2 fields, the header has 3"],
        ),
        (
            "unclosed.csv",
            "version_id,timestamp,to_state,note\nv1,1,a,ok\nv1,2,b,\"oops\nv2,1,a,x\nv2,2,b,x\n",
            &[],
            &[
                "line 3",
                "quoted field is never closed",
                "double each quote",
            ],
        ),
        (
            "twice.csv",
            "version_id,timestamp,to_state,to_state\nv1,1,a,x\n",
            &[],
            &["line 1", "column 3 and column 4 both `to_state`"],
        ),
        (
            "seconds.csv",
            "version_id,timestamp,to_state\nv1,1735689600000,a\nv1,-9223372036854775808,b\n",
            &[],
            &["line 3", "out of range", "not seconds or microseconds"],
        ),
        (
            "offset.csv",
            "version_id,timestamp,to_state\nv1,2025-01-01T00:00:00,a\n",
            &[],
            &["line 2", "no offset: add Z"],
        ),
    ];
    for (name, text, extra, expected) in cases {
        let path = file_in(dir.path(), name, text);
        let outcome = run(verchain()
            .arg("fit")
            .arg(&path)
            .args(extra)
            .arg("--no-files"));
        assert_eq!(outcome.code, 2, "{name}: {}", outcome.stderr);
        for fragment in expected {
            assert!(
                outcome.stderr.contains(fragment),
                "{name}: no {fragment:?} in\n{}",
                outcome.stderr
            );
        }
        assert!(
            !outcome.stderr.contains("panicked"),
            "{name}: {}",
            outcome.stderr
        );
    }
}

#[test]
fn usage_errors_say_what_to_do() {
    const RAIN: &str = "tests/data/fit/rain.csv";
    // Each: the history, the flags, and what the message must say.
    for (history, args, words) in [
        (
            HISTORY,
            vec!["--state-map", LABELS, "--smoothing", "1"],
            "give --policy",
        ),
        (
            RAIN,
            vec!["--time-column", "day", "--step", "7d"],
            "step numbers",
        ),
        // 1ns is positive: not "must be positive, not 0s".
        (
            HISTORY,
            vec!["--state-map", LABELS, "--step", "1ns"],
            "--step 1ns is not a whole number of milliseconds, the finest time a history holds; \
             write 1ms or more",
        ),
        // Regression: 2500us ran as 2ms without a word.
        (
            HISTORY,
            vec!["--state-map", LABELS, "--step", "2500us"],
            "write 2ms or 3ms",
        ),
        (
            HISTORY,
            vec!["--state-map", LABELS, "--step=-1d"],
            "--step -1d: a step is a positive duration",
        ),
        // Regression: clap took `-1d` for a flag and suggested `-- -1d`.
        (
            HISTORY,
            vec!["--state-map", LABELS, "--step", "-1d"],
            "--step -1d: a step is a positive duration",
        ),
        // Regression: "must be positive, not 0 weeks".
        (
            HISTORY,
            vec!["--state-map", LABELS, "--step", "0d"],
            "--step must be positive, not 0 milliseconds",
        ),
        (
            HISTORY,
            vec!["--state-map", LABELS, "--absorbing", "gone"],
            "--absorbing gone: no such state",
        ),
    ] {
        let outcome = run(verchain()
            .args(["fit", history])
            .args(&args)
            .arg("--no-files"));
        assert_eq!(outcome.code, 2, "{args:?}");
        assert!(outcome.stderr.contains(words), "{}", outcome.stderr);
    }
    let missing = run(verchain().args(["fit", "no-such-history.csv"]));
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read no-such-history.csv"),
        "{}",
        missing.stderr
    );
}

#[test]
fn json_lines_and_the_step_sampled_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = file_in(
        dir.path(),
        "events.jsonl",
        "{\"version_id\": \"v1\", \"timestamp\": \"2025-01-01T00:00:00Z\", \"to_state\": \"a\"}\n\
         {\"version_id\": \"v1\", \"timestamp\": \"2025-01-03T12:00:00Z\", \"to_state\": \"b\"}\n\
         {\"version_id\": \"v1\", \"timestamp\": \"2025-01-05T00:00:00Z\", \"to_state\": \"a\"}\n",
    );
    let outcome = run(verchain().arg("fit").arg(&path).args([
        "--step",
        "1d",
        "--format",
        "json",
        "--no-files",
    ]));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let summary: Value = serde_json::from_str(&outcome.stdout).unwrap();
    // Days 0..4: a a a b a: a → a twice, a → b, b → a.
    let rows = &summary["estimate"]["rows"];
    assert_eq!(rows[0]["counts"], serde_json::json!([2, 1]));
    assert_eq!(rows[1]["counts"], serde_json::json!([1, 0]));
    assert_eq!(
        summary["semantics"],
        serde_json::json!({"kind": "step", "step": 86_400_000})
    );
}

/// Regression: `--name` did not reach the fitted scenario, so the runs of
/// two fits of one history wrote into one folder; and a fit of another
/// history of the same file name replaced the folder without a word.
#[test]
fn a_named_fit_names_its_scenario_and_a_replaced_fit_is_told_of() {
    let dir = tempfile::tempdir().unwrap();
    let fit = |history: &Path, name: Option<&str>| {
        let mut command = verchain();
        command
            .arg("fit")
            .arg(history)
            .args(["--absorbing", "b", "-o"]);
        command.arg(dir.path());
        if let Some(name) = name {
            command.args(["--name", name]);
        }
        let outcome = run(&mut command);
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        outcome.stderr
    };
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&b).unwrap();
    let first = file_in(&a, "events.csv", "version_id,time,state\nv,1,a\nv,2,b\n");
    let second = file_in(&b, "events.csv", "version_id,time,state\nv,1,a\nv,3,b\n");

    fit(&first, Some("daily"));
    let yaml = fs::read_to_string(dir.path().join("daily/fitted.yaml")).unwrap();
    assert!(yaml.contains("name: daily-fitted"), "{yaml}");
    // The longest name a folder may have still leaves a scenario name.
    let long = "n".repeat(200);
    fit(&first, Some(&long));
    let fitted = dir.path().join(&long).join("fitted.yaml");
    let yaml = fs::read_to_string(&fitted).unwrap();
    assert!(
        yaml.contains(&format!("{}-fitted", "n".repeat(193))) && !yaml.contains(&"n".repeat(194)),
        "{yaml}"
    );
    let ran = run(verchain().args(["run", "--no-files"]).arg(&fitted));
    assert_eq!(ran.code, 0, "{}", ran.stderr);

    let stderr = fit(&first, None);
    assert!(!stderr.contains("note:"), "{stderr}");
    let yaml = fs::read_to_string(dir.path().join("events-fit/fitted.yaml")).unwrap();
    assert!(yaml.contains("name: events-fitted"), "{yaml}");
    // The same history again: replaced as asked, nothing to say.
    assert!(!fit(&first, None).contains("note:"));
    // Another history of the same name: said.
    let stderr = fit(&second, None);
    assert!(
        stderr.contains(&format!(
            "note: the folder held the fit of {} before; give --name",
            first.display()
        )),
        "{stderr}"
    );
    let json: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("events-fit/fit.json")).unwrap())
            .unwrap();
    assert_eq!(json["source"], second.display().to_string());
}

/// Regression: with `--format json` or `csv` the fit's warnings were
/// nowhere, not even on stderr.
#[test]
fn warnings_reach_stderr_in_every_machine_format() {
    let dir = tempfile::tempdir().unwrap();
    // Epoch seconds in a timestamp column: all before 1973 as milliseconds.
    let history = file_in(
        dir.path(),
        "seconds.csv",
        "version_id,timestamp,to_state\nv,1735689600,a\nv,1735776000,b\n",
    );
    for format in ["json", "csv"] {
        let outcome = run(verchain().arg("fit").arg(&history).args([
            "--absorbing",
            "b",
            "--no-files",
            "--format",
            format,
        ]));
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        assert!(
            outcome
                .stderr
                .contains("warning: every integer timestamp is before 1973-03-03"),
            "{format}: {}",
            outcome.stderr
        );
        assert!(!outcome.stdout.contains("warning:"), "{}", outcome.stdout);
    }
}

/// Regression: a history in which no version was ever rolled back (a quiet
/// export window) stopped the gate as invalid input (exit 2), with advice
/// to declare the state absorbing, which the policy says it is not.
#[test]
fn check_against_leaves_out_a_state_the_history_never_shows() {
    let dir = tempfile::tempdir().unwrap();
    let policy = file_in(
        dir.path(),
        "policy.yaml",
        "states: [new, live, back, gone]\n\
         transitions: {new: {live: 1}, live: {back: 0.2, gone: 0.8}, back: {new: 1}, gone: absorbing}\n",
    );
    // Two versions, neither rolled back: no word on `back`'s row.
    let history = file_in(
        dir.path(),
        "quiet.csv",
        "version_id,timestamp,to_state\nv,1,new\nv,2,live\nv,3,gone\nw,1,new\nw,2,live\nw,3,gone\n",
    );
    let outcome = run(verchain()
        .arg("check")
        .arg(&policy)
        .arg("--against")
        .arg(&history));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(outcome.stdout.contains("agrees with"), "{}", outcome.stdout);
    assert!(
        outcome
            .stderr
            .contains("the history shows no move out of `back`, so its row is not compared"),
        "{}",
        outcome.stderr
    );
    // A fit proper still refuses it: its rows must make a chain.
    let fitted = run(verchain()
        .arg("fit")
        .arg(&history)
        .arg("--policy")
        .arg(&policy)
        .arg("--no-files"));
    assert_eq!(fitted.code, 2, "{}", fitted.stderr);
    assert!(
        fitted.stderr.contains("state `back` never appears"),
        "{}",
        fitted.stderr
    );
}

/// Regression: the phases of a policy were left out of the comparison
/// without a word.
#[test]
fn a_policy_with_phases_is_compared_by_its_base_chain_and_says_so() {
    let outcome = run(verchain().args([
        "fit",
        HISTORY,
        "--state-map",
        LABELS,
        "--policy",
        "scenarios/deploy-freeze.yaml",
        "--no-files",
    ]));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(
        outcome.stdout.contains(
            "warning: the policy has 1 phase; the history is compared with its base chain"
        ),
        "{}",
        outcome.stdout
    );
}

/// Regression: a daily sampling was compared with a weekly policy step
/// for step, without a word.
#[test]
fn a_step_other_than_the_policys_unit_is_warned_of() {
    let fit = |step: &[&str]| {
        let outcome = run(verchain()
            .args(["fit", HISTORY, "--state-map", LABELS, "--no-files"])
            .args(["--policy", "scenarios/deploy-freeze.yaml"])
            .args(step));
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        outcome.stdout
    };
    let daily = fit(&["--step", "1d"]);
    assert!(
        daily.contains(
            "warning: one step of the policy is one week, one step of the fit one day; they are \
             compared step for step: give --step 7days to match"
        ),
        "{daily}"
    );
    // The jump chain has no unit of time to compare.
    assert!(!fit(&[]).contains("one step of the policy"));
}

/// Regression: `fit -o -` wrote a folder named `-`, where `run -o -`
/// prints only.
#[test]
fn output_dash_writes_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let rain = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fit/rain.csv");
    let outcome = run(verchain()
        .current_dir(dir.path())
        .arg("fit")
        .arg(rain)
        .args(["--time-column", "day", "-o", "-"]));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(
        outcome.stdout.contains("rain.csv · 3 states"),
        "{}",
        outcome.stdout
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_unwritable_output_exits_3_and_keeps_earlier_results() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = file_in(dir.path(), "not-a-folder", "x");
    let outcome = run(verchain()
        .args([
            "fit",
            "tests/data/fit/rain.csv",
            "--time-column",
            "day",
            "-o",
        ])
        .arg(&blocker));
    assert_eq!(outcome.code, 3, "{}", outcome.stderr);

    // A fit that fails leaves the folder of the one before as it was.
    let first = run(verchain()
        .args([
            "fit",
            "tests/data/fit/rain.csv",
            "--time-column",
            "day",
            "--name",
            "kept",
            "-o",
        ])
        .arg(dir.path()));
    assert_eq!(first.code, 0);
    let before = fs::read_to_string(dir.path().join("kept/fit.json")).unwrap();
    let failed = run(verchain()
        .args(["fit", "tests/data/fit/rain.csv", "--name", "kept", "-o"])
        .arg(dir.path()));
    assert_eq!(failed.code, 2);
    assert_eq!(
        fs::read_to_string(dir.path().join("kept/fit.json")).unwrap(),
        before
    );
}

#[test]
fn the_table_of_the_shipped_history_is_the_golden_one() {
    // VERCHAIN_REGENERATE=1 rewrites the golden file after a deliberate change.
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fit/canary-registry.txt");
    let output = verchain()
        .args(["fit", HISTORY, "--state-map", LABELS, "--policy", POLICY])
        .args(["--observed-to", "2025-07-01T00:00:00Z", "--no-files"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).unwrap();
    if std::env::var_os("VERCHAIN_REGENERATE").is_some() {
        fs::write(&golden, &table).unwrap();
    }
    assert_eq!(table, fs::read_to_string(&golden).unwrap());
}

#[test]
fn a_rollback_rate_that_rose_is_reported_as_drift() {
    // 300 versions in production, seen daily in February and March: rolled
    // back with 10% a day in February and 25% in March, and back the next day.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("version_id,timestamp,to_state\n");
    let mut x: u64 = 11;
    for v in 0..300 {
        let mut state = "production";
        for (month, rate) in [(2, 0.10), (3, 0.25)] {
            for day in 1..=28 {
                let _ = std::fmt::Write::write_fmt(
                    &mut text,
                    format_args!("v{v},2025-{month:02}-{day:02}T12:00:00Z,{state}\n"),
                );
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                state = if state == "production" && u < rate {
                    "rollback"
                } else {
                    "production"
                };
            }
        }
    }
    let path = file_in(dir.path(), "drift.csv", &text);
    let outcome = run(verchain().arg("fit").arg(&path).args([
        "--step",
        "1d",
        "--split",
        "2025-03-01T00:00:00Z",
        "--format",
        "json",
        "--no-files",
    ]));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let summary: Value = serde_json::from_str(&outcome.stdout).unwrap();
    let test = &summary["homogeneity"];
    assert_eq!(test["drifted"], true, "{test}");
    assert_eq!(test["rough"], false, "thousands of moves: {test}");
    assert_eq!(test["split"], "2025-03-01T00:00:00Z");
    let change = &test["largest_changes"][0];
    assert_eq!(change["from"], "production");
    let (before, after) = (
        change["before"].as_f64().unwrap(),
        change["after"].as_f64().unwrap(),
    );
    assert!(
        (before - 0.10).abs() < 0.03 && (after - 0.25).abs() < 0.04,
        "{before} → {after}"
    );
}

#[test]
fn a_results_name_that_leaves_the_output_folder_is_refused_before_fitting() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["../escape", "a/b", ".."] {
        let outcome = run(verchain()
            .args([
                "fit",
                "scenarios/histories/canary-registry.csv",
                "--name",
                name,
            ])
            .arg("--output")
            .arg(dir.path()));
        assert_eq!(outcome.code, 2, "{name}: {}", outcome.stderr);
        assert!(
            outcome.stderr.contains("cannot name a folder"),
            "{}",
            outcome.stderr
        );
        assert!(
            outcome.stdout.is_empty(),
            "nothing is fitted: {}",
            outcome.stdout
        );
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Found by the `history` fuzz target: a line break inside a quoted CSV field
/// made a state name that the fitted scenario could not hold.
#[test]
fn a_state_name_with_a_line_break_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let events = file_in(
        dir.path(),
        "broken.csv",
        "step,state\n1,up\n2,\"p\n2,up\"\n3,up\n",
    );
    let outcome = run(verchain().arg("fit").arg(&events).arg("--no-files"));
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("line 3"), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("control characters"),
        "{}",
        outcome.stderr
    );
}

/// `check SCENARIO --against EVENTS` with `extra` (`--format json`, `--junit -`, …).
fn check_against(scenario: &Path, events: &Path, extra: &[&str]) -> Outcome {
    run(verchain()
        .arg("check")
        .arg(scenario)
        .arg("--against")
        .arg(events)
        .args(["--state-map", LABELS, "-q"])
        .args(extra))
}

/// The records of `--format json` and `--format csv`, which must agree, as
/// (file, line, message, help).
fn records(scenario: &Path, events: &Path, code: i32) -> Vec<(String, u64, String, String)> {
    let json = check_against(scenario, events, &["--format", "json"]);
    assert_eq!(json.code, code, "{}", json.stderr);
    let json: Vec<Value> = serde_json::from_str(&json.stdout).expect("one JSON document");
    let from_json: Vec<_> = json
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
                r["help"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();

    let csv = check_against(scenario, events, &["--format", "csv"]);
    assert_eq!(csv.code, code, "{}", csv.stderr);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["file", "line", "column", "message", "label", "help"]
    );
    let from_csv: Vec<_> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                r[1].parse().unwrap(),
                r[3].to_string(),
                r[5].to_string(),
            )
        })
        .collect();
    assert_eq!(from_json, from_csv);
    from_json
}

/// The `<testcase>` of the history in `--junit -`, as (kind, type, text) of
/// its failure or error, after checking the totals.
fn junit_history_case(
    scenario: &Path,
    events: &Path,
    code: i32,
    totals: (&str, &str, &str),
) -> Option<(String, String, String)> {
    let outcome = check_against(scenario, events, &["--junit", "-"]);
    assert_eq!(outcome.code, code, "{}", outcome.stderr);
    let xml = roxmltree::Document::parse(&outcome.stdout).expect("well-formed JUnit XML");
    let suites = xml.root_element();
    let got = (
        suites.attribute("tests").unwrap(),
        suites.attribute("failures").unwrap(),
        suites.attribute("errors").unwrap(),
    );
    assert_eq!(got, totals, "{}", outcome.stdout);
    let name = format!("agrees with the history {}", events.display());
    let case = xml
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name.as_str()))
        .unwrap_or_else(|| panic!("no test case {name:?}: {}", outcome.stdout));
    case.children().find(|n| n.is_element()).map(|n| {
        (
            n.tag_name().name().to_string(),
            n.attribute("type").unwrap().to_string(),
            n.text().unwrap_or_default().to_string(),
        )
    })
}

/// The `::error` lines of `--format github`.
fn annotations(scenario: &Path, events: &Path, code: i32) -> Vec<String> {
    let outcome = check_against(scenario, events, &["--format", "github"]);
    assert_eq!(outcome.code, code, "{}", outcome.stderr);
    outcome.stdout.lines().map(str::to_string).collect()
}

/// Regression: a departure failed `check --against` (exit 1) but was in none
/// of the machine-readable outputs: `--format json` printed `[]`, `csv` and
/// `github` nothing, and `--junit` counted no failure.
#[test]
fn check_against_departures_are_findings_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy = root.join(POLICY);

    // A version that goes from candidate straight to production, which the
    // policy forbids.
    let history = fs::read_to_string(root.join(HISTORY)).unwrap();
    assert!(history.starts_with("event_id,version_id,timestamp,from_state,to_state,source\n"));
    let forbidden = file_in(
        dir.path(),
        "forbidden.csv",
        &format!(
            "{history}e9,m-z,2025-01-05T00:00:00Z,,None,r\n\
             e8,m-z,2025-01-06T00:00:00Z,,Production,r\n\
             e7,m-z,2025-01-07T00:00:00Z,,Archived,r\n"
        ),
    );
    let found = records(&policy, &forbidden, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    let (file, line, message, help) = &found[0];
    assert_eq!(file, &policy.display().to_string());
    assert_eq!(*line, 0, "the whole file");
    assert!(message.contains("forbidden.csv departs from"), "{message}");
    assert!(
        message.contains("candidate → production is forbidden and happened 1 time"),
        "{message}"
    );
    assert!(help.contains("verchain fit EVENTS --policy FILE"), "{help}");

    let lines = annotations(&policy, &forbidden, 1);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let file = policy.display().to_string().replace(':', "%3A");
    assert!(
        lines[0].starts_with(&format!(
            "::error file={file},title=verchain%3A history departs::"
        )),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("%0A  candidate → production is forbidden"),
        "{}",
        lines[0]
    );

    // Three expectations, validity and the history: one test fails.
    let (kind, kind_type, text) =
        junit_history_case(&policy, &forbidden, 1, ("5", "1", "0")).expect("a failure");
    assert_eq!((kind.as_str(), kind_type.as_str()), ("failure", "history"));
    assert!(
        text.contains("candidate → production is forbidden"),
        "{text}"
    );

    // An entry outside its simultaneous interval: canary_pass lowered to 0.3
    // declares canary → production 0.43 in the jump chain, against 0.89.
    let text = fs::read_to_string(&policy).unwrap();
    let stricter = file_in(
        dir.path(),
        "stricter.yaml",
        &text.replace("value: 0.6", "value: 0.3"),
    );
    // It also breaks an expectation: both are listed, the history's last.
    let found = records(&stricter, &root.join(HISTORY), 1);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].2.starts_with("expectation `"), "{}", found[0].2);
    let message = &found[1].2;
    assert!(
        message.contains("canary → production is declared 0.4286, the history gives"),
        "{message}"
    );
    assert!(
        message.contains("outside even the simultaneous interval"),
        "{message}"
    );
}

/// Regression: a history that cannot be read stopped `check --against`
/// (exit 2) with no record, annotation or JUnit error.
#[test]
fn an_unreadable_history_is_an_error_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let policy = Path::new(env!("CARGO_MANIFEST_DIR")).join(POLICY);
    let empty = file_in(dir.path(), "empty.csv", "");

    let found = records(&policy, &empty, 2);
    assert_eq!(found.len(), 1, "{found:?}");
    let (file, _, message, help) = &found[0];
    assert_eq!(file, &policy.display().to_string());
    assert!(
        message.contains("empty.csv: the file is empty"),
        "{message}"
    );
    assert!(help.contains("header"), "{help}");

    let lines = annotations(&policy, &empty, 2);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(",title=verchain%3A invalid history::") && lines[0].contains("empty"),
        "{}",
        lines[0]
    );

    let (kind, kind_type, text) =
        junit_history_case(&policy, &empty, 2, ("5", "0", "1")).expect("an error");
    assert_eq!(
        (kind.as_str(), kind_type.as_str()),
        ("error", "invalid history")
    );
    assert!(text.contains("the file is empty"), "{text}");
}

/// Regression: the `ok:` line of a history that agrees was printed after
/// the JSON document, which then no longer parsed.
#[test]
fn a_history_that_agrees_adds_a_passing_case_and_no_record() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (policy, history) = (root.join(POLICY), root.join(HISTORY));
    let json = run(verchain()
        .arg("check")
        .arg(&policy)
        .arg("--against")
        .arg(&history)
        .args(["--state-map", LABELS, "--format", "json"]));
    assert_eq!(json.code, 0, "{}", json.stderr);
    let parsed: Value = serde_json::from_str(&json.stdout).expect("one JSON document");
    assert_eq!(parsed, serde_json::json!([]));

    assert_eq!(
        junit_history_case(&policy, &history, 0, ("5", "0", "0")),
        None,
        "the history's case passes"
    );
}

#[test]
fn standard_input_is_read_as_a_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let lines = "{\"version_id\": \"v1\", \"timestamp\": \"2025-01-01T00:00:00Z\", \"to_state\": \"a\"}\n\
                 {\"version_id\": \"v1\", \"timestamp\": \"2025-01-03T12:00:00Z\", \"to_state\": \"b\"}\n\
                 {\"version_id\": \"v2\", \"timestamp\": \"2025-01-02T00:00:00Z\", \"to_state\": \"a\"}\n";
    // The extension is matched in any case.
    let path = file_in(dir.path(), "events.JSONL", lines);
    let fit_json = |command: &mut Command| {
        let outcome = run(command.args(["--absorbing", "b", "--format", "json", "--no-files"]));
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        let mut summary: Value = serde_json::from_str(&outcome.stdout).unwrap();
        summary.as_object_mut().unwrap().remove("source");
        summary
    };
    let from_file = fit_json(verchain().arg("fit").arg(&path));
    let from_stdin = fit_json(
        verchain()
            .args(["fit", "-", "--input-format", "jsonl"])
            .write_stdin(lines),
    );
    assert_eq!(from_file, from_stdin);
    assert_eq!(
        from_file["estimate"]["rows"][0]["counts"],
        serde_json::json!([0, 1])
    );
    // CSV from standard input, and a results folder named for it.
    let out = tempfile::tempdir().unwrap();
    let csv = "version_id,timestamp,to_state\nv1,1,a\nv1,5,b\n";
    let outcome = run(verchain()
        .args(["fit", "-", "--absorbing", "b", "-o"])
        .arg(out.path())
        .write_stdin(csv));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(
        outcome.stdout.starts_with("standard input · 2 states"),
        "{}",
        outcome.stdout
    );
    assert!(out.path().join("stdin-fit/fit.json").is_file());
    // An error in it names standard input and the line.
    let outcome = run(verchain()
        .args(["fit", "-", "--no-files"])
        .write_stdin("version_id,timestamp,to_state\nv1,1,a\nv1,soon,b\n"));
    assert_eq!(outcome.code, 2);
    assert!(
        outcome
            .stderr
            .contains("standard input: line 3: timestamp \"soon\""),
        "{}",
        outcome.stderr
    );
    // check reads the history once a scenario: standard input will not do.
    let outcome = run(verchain().args(["check", POLICY, "--against", "-"]));
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("must be a file"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_broken_state_map_is_shown_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let map = file_in(dir.path(), "labels.yaml", "Ready: deploy\nReady: test\n");
    let outcome = run(verchain()
        .args(["fit", HISTORY, "--no-files", "--state-map"])
        .arg(&map));
    assert_eq!(outcome.code, 2);
    assert!(
        outcome
            .stderr
            .contains("the state map: the key `Ready` appears twice in the same mapping"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("labels.yaml:2:1"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("<input>"), "{}", outcome.stderr);
}

/// A label sent to a state the policy lacks is the state map's line to fix:
/// `fit` shows that line, and `check --against` puts the problem there in
/// every format, with the state meant when it is close.
#[test]
fn a_state_map_target_the_policy_lacks_is_placed_in_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let labels = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(LABELS)).unwrap();
    let (line, _) = labels
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("Staging:"))
        .expect("a Staging label");
    let map = file_in(
        dir.path(),
        "typo.yaml",
        &labels.replace("Staging: canary", "Staging: cnary"),
    );
    let why = "the state map sends `Staging` to `cnary`, which is not a state of the policy \
               (did you mean `canary`?)";

    let fitted = run(verchain()
        .args([
            "fit",
            HISTORY,
            "--no-files",
            "--policy",
            POLICY,
            "--state-map",
        ])
        .arg(&map));
    assert_eq!(fitted.code, 2, "{}", fitted.stderr);
    assert!(fitted.stderr.contains(why), "{}", fitted.stderr);
    let place = format!("typo.yaml:{}:10", line + 1);
    assert!(fitted.stderr.contains(&place), "{}", fitted.stderr);
    assert!(
        fitted.stderr.contains("Staging: cnary"),
        "the line is shown: {}",
        fitted.stderr
    );

    let check = |format: &str| {
        let outcome = run(verchain()
            .args([
                "check",
                POLICY,
                "--against",
                HISTORY,
                "-q",
                "--format",
                format,
            ])
            .arg("--state-map")
            .arg(&map));
        assert_eq!(outcome.code, 2, "{}", outcome.stderr);
        outcome
    };
    let json: Vec<Value> = serde_json::from_str(&check("json").stdout).unwrap();
    assert_eq!(json.len(), 1, "{json:?}");
    assert_eq!(json[0]["file"], map.display().to_string());
    assert_eq!(json[0]["line"], line as u64 + 1);
    assert_eq!(json[0]["column"], 10);
    assert!(
        json[0]["message"].as_str().unwrap().starts_with(why),
        "{json:?}"
    );
    let github = check("github").stdout;
    assert!(
        github.starts_with(&format!(
            "::error file={},line={},col=10,",
            map.display(),
            line + 1
        )),
        "{github}"
    );
    let table = check("table");
    assert!(table.stderr.contains(&place), "{}", table.stderr);
}

#[test]
fn junit_on_standard_output_is_not_mixed_with_records() {
    let outcome = run(verchain().args(["check", POLICY, "--format", "json", "--junit", "-"]));
    assert_eq!(outcome.code, 2, "{}", outcome.stderr);
    assert!(outcome.stdout.is_empty(), "{}", outcome.stdout);
    assert!(
        outcome.stderr.contains("give --junit a file name"),
        "{}",
        outcome.stderr
    );
    // A JUnit file that cannot be written: the records are printed first.
    let dir = tempfile::tempdir().unwrap();
    let outcome = run(verchain()
        .args(["check", POLICY, "--format", "json", "--junit"])
        .arg(dir.path().join("no-such-folder/check.xml")));
    assert_eq!(outcome.code, 3, "{}", outcome.stderr);
    let records: Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(records, serde_json::json!([]));
    assert!(
        outcome.stderr.contains("cannot write"),
        "{}",
        outcome.stderr
    );
}

/// A policy that allows only a → b → c, for histories that break it.
const CHAIN_ABC: &str = "\
states: [a, b, c]
transitions:
  a: {b: 1}
  b: {c: 1}
  c: absorbing
";

/// Regression: a problem on a line of the history was filed against the
/// scenario at line 0, so a GitHub annotation could not land on the row.
#[test]
fn a_problem_on_a_line_of_the_history_is_placed_there_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let policy = file_in(dir.path(), "abc.yaml", CHAIN_ABC);
    let history = file_in(
        dir.path(),
        "q1.csv",
        "version_id,timestamp,to_state\n\
         v1,2025-01-01T00:00:00Z,a\n\
         v1,2025-01-02T00:00:00Z,deploy\n",
    );
    let why = "q1.csv: line 3: unknown state `deploy`";
    let check = |format: &str| {
        let outcome = run(verchain()
            .arg("check")
            .arg(&policy)
            .arg("--against")
            .arg(&history)
            .args(["-q", "--format", format]));
        assert_eq!(outcome.code, 2, "{}", outcome.stderr);
        outcome
    };

    let json: Vec<Value> = serde_json::from_str(&check("json").stdout).unwrap();
    assert_eq!(json.len(), 1, "{json:?}");
    assert_eq!(json[0]["file"], history.display().to_string());
    assert_eq!(
        (json[0]["line"].as_u64(), json[0]["column"].as_u64()),
        (Some(3), Some(0))
    );
    assert!(
        json[0]["message"].as_str().unwrap().contains(why),
        "{json:?}"
    );

    let csv = check("csv").stdout;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert_eq!((&rows[0][0], &rows[0][1]), (history.to_str().unwrap(), "3"));

    // No column: the annotation is on the whole line.
    let github = check("github").stdout;
    let file = history.display().to_string().replace(':', "%3A");
    assert!(
        github.starts_with(&format!(
            "::error file={file},line=3,title=verchain%3A invalid history::"
        )),
        "{github}"
    );
    assert!(github.contains(why), "{github}");

    // For a person, the message names the file and the line.
    let table = check("table");
    assert!(table.stderr.contains(why), "{}", table.stderr);
}

/// Regression: the JUnit `message` attribute of a departure was its first
/// line, "… (the policy's jump chain: self-loops removed, rows
/// renormalised):", without the departure itself.
#[test]
fn a_junit_departure_message_is_one_line_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let policy = file_in(dir.path(), "abc.yaml", CHAIN_ABC);
    let history = file_in(
        dir.path(),
        "skip.csv",
        "version_id,timestamp,to_state\n\
         v1,2025-01-01T00:00:00Z,a\n\
         v1,2025-01-02T00:00:00Z,c\n\
         v2,2025-01-01T00:00:00Z,a\n\
         v2,2025-01-02T00:00:00Z,b\n\
         v2,2025-01-03T00:00:00Z,c\n",
    );
    let outcome = run(verchain()
        .arg("check")
        .arg(&policy)
        .arg("--against")
        .arg(&history)
        .args(["-q", "--junit", "-"]));
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    let xml = roxmltree::Document::parse(&outcome.stdout).expect("well-formed JUnit XML");
    let failure = xml
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    let message = failure.attribute("message").unwrap();
    assert!(!message.contains('\n'), "{message:?}");
    assert!(message.contains("skip.csv departs from"), "{message}");
    assert!(
        message.contains("rows renormalised): a → c is forbidden and happened 1 time"),
        "{message}"
    );
    // The body has it all, one departure a line.
    let text = failure.text().unwrap();
    assert!(
        text.contains("renormalised):\n  a → c is forbidden"),
        "{text}"
    );
}

/// Regression: `check --against` dropped what the fit says of the history:
/// integer timestamps that look like epoch seconds, event_ids repeated with
/// another row, `from_state` mismatches. They go on stderr in every format,
/// once however many scenarios are checked, and never into the records.
#[test]
fn check_against_prints_the_fits_warnings_and_cleaning_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let policy = file_in(
        dir.path(),
        "ps.yaml",
        "states: [dev, test]\ntransitions:\n  dev: {dev: 0.5, test: 0.5}\n  test: absorbing\n",
    );
    let again = file_in(
        dir.path(),
        "again.yaml",
        &fs::read_to_string(&policy).unwrap(),
    );
    let seconds = file_in(
        dir.path(),
        "secs.csv",
        "version_id,timestamp,to_state\nv1,1735689600,dev\nv1,1735776000,test\n",
    );
    let warning = "warning: ";
    let why = "secs.csv: every integer timestamp is before 1973-03-03 as epoch milliseconds";
    for format in ["table", "json", "csv", "github"] {
        let outcome = run(verchain()
            .arg("check")
            .arg(&policy)
            .arg(&again)
            .arg("--against")
            .arg(&seconds)
            .args(["--format", format]));
        assert_eq!(outcome.code, 0, "{format}: {}", outcome.stderr);
        assert!(
            outcome.stderr.starts_with(warning),
            "{format}: {}",
            outcome.stderr
        );
        assert_eq!(
            outcome.stderr.matches(why).count(),
            1,
            "{format}: {}",
            outcome.stderr
        );
        assert!(
            !outcome.stdout.contains("1973"),
            "{format}: {}",
            outcome.stdout
        );
        match format {
            "json" => assert_eq!(
                serde_json::from_str::<Value>(&outcome.stdout).unwrap(),
                serde_json::json!([])
            ),
            "csv" => assert_eq!(outcome.stdout, "file,line,column,message,label,help\n"),
            "github" => assert_eq!(outcome.stdout, ""),
            _ => assert!(outcome.stdout.contains("agrees with"), "{}", outcome.stdout),
        }
    }
    // A warning is shown even with -q.
    let quiet = run(verchain()
        .arg("check")
        .arg(&policy)
        .arg("--against")
        .arg(&seconds)
        .arg("-q"));
    assert!(quiet.stderr.contains(why), "{}", quiet.stderr);

    // A repeated event_id that differs from its first row, and a from_state
    // that disagrees with the row before.
    let messy = file_in(
        dir.path(),
        "messy.csv",
        "event_id,version_id,timestamp,from_state,to_state\n\
         e1,v1,2025-01-01T00:00:00Z,,dev\n\
         e1,v1,2025-01-01T00:00:00Z,,test\n\
         e2,v1,2025-01-02T00:00:00Z,test,test\n",
    );
    let check = |extra: &[&str]| {
        let outcome = run(verchain()
            .arg("check")
            .arg(&policy)
            .arg("--against")
            .arg(&messy)
            .args(["--format", "json"])
            .args(extra));
        assert_eq!(outcome.code, 0, "{}", outcome.stderr);
        outcome.stderr
    };
    let stderr = check(&[]);
    for said in [
        "note: ",
        "messy.csv: 3 rows read: 1 repeated event_id (dropped), 1 from_state disagreeing with \
         the previous row",
        "1 of them differs from the first row of the event_id (dropped all the same); the \
         first: event_id \"e1\" on lines 2 and 3",
        "line 4: v1 comes from_state test, but its previous row is dev",
    ] {
        assert!(stderr.contains(said), "{said:?} in {stderr}");
    }
    // -q keeps the report of the cleaning back, not a warning.
    assert_eq!(check(&["-q"]), "");
}

/// Regression: the closing line left departures out: a mix of one invalid
/// scenario, one broken expectation and one departing history said "1 of 3
/// scenario files is invalid; 1 more breaks an expectation", and a run with
/// only a departure closed with no line at all.
#[test]
fn the_closing_line_counts_departures() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let policy = root.join(POLICY);
    let text = fs::read_to_string(&policy).unwrap();
    // A version that goes from candidate straight to production, which the
    // policy forbids.
    let history = fs::read_to_string(root.join(HISTORY)).unwrap();
    let forbidden = file_in(
        dir.path(),
        "forbidden.csv",
        &format!(
            "{history}e9,m-z,2025-01-05T00:00:00Z,,None,r\n\
             e8,m-z,2025-01-06T00:00:00Z,,Production,r\n\
             e7,m-z,2025-01-07T00:00:00Z,,Archived,r\n"
        ),
    );

    let only = check_against(&policy, &forbidden, &[]);
    assert_eq!(only.code, 1, "{}", only.stderr);
    let want = format!("{} departs from 1 of 1 scenario file", forbidden.display());
    assert!(only.stderr.ends_with(&want), "{}", only.stderr);

    let broken = file_in(dir.path(), "broken.yaml", "states: [a]\n");
    let stricter = file_in(
        dir.path(),
        "stricter.yaml",
        &text.replace("value: 0.6", "value: 0.3"),
    );
    let mix = run(verchain()
        .arg("check")
        .args([&broken, &stricter, &policy])
        .arg("--against")
        .arg(&forbidden)
        .args(["--state-map", LABELS, "-q", "--format", "json"]));
    assert_eq!(mix.code, 2, "{}", mix.stderr);
    let want = format!(
        "1 of 3 scenario files is invalid; 1 more breaks an expectation; {} departs from 1 more",
        forbidden.display()
    );
    assert!(mix.stderr.ends_with(&want), "{}", mix.stderr);
}
