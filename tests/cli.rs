//! The real `verchain` binary, run end to end: exit codes, messages, files.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

mod common;
use common::verchain;
use serde_json::Value;

/// Every valid scenario shipped in `scenarios/`.
const SHIPPED: [&str; 5] = [
    "scenarios/seed-article.yaml",
    "scenarios/mlflow-registry.yaml",
    "scenarios/canary-rollout.yaml",
    "scenarios/sagemaker-approval.yaml",
    "scenarios/champion-challenger.yaml",
];
const PRINTED: &str = "scenarios/invalid/seed-article-as-printed.yaml";

/// A scenario written into a fresh temporary folder (kept alive by the first value).
fn scenario_file(name: &str, text: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    fs::write(&file, text).unwrap();
    (dir, file)
}

fn json_run(file: &str, extra: &[&str], threads: &str) -> (Vec<u8>, Value) {
    let output = verchain()
        .args(["run", file, "--format", "json", "--no-files"])
        .args(extra)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document = serde_json::from_slice(&output.stdout).unwrap();
    (output.stdout, document)
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn assert_close(got: &[f64], want: &[f64], tolerance: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tolerance, "got {got:?}, want {want:?}");
    }
}

fn stderr_of(command: &mut Command) -> (i32, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn seed_article_exact_answers() {
    let (_, doc) = json_run("scenarios/seed-article.yaml", &["--walkers", "0"], "1");
    assert_eq!(doc["scenario"], "seed-article");
    assert_eq!(doc["horizon"], 20);
    assert_eq!(
        doc["states"],
        serde_json::json!(["develop", "test", "deploy", "update"])
    );
    // Exact S_10 = (0, 18757697/50000000, 51415281/200000000, 73553931/200000000).
    let s10 = numbers(&doc["exact"]["trajectory"][10]);
    assert_close(&s10, &[0.0, 0.37515394, 0.257076405, 0.367769655], 1e-12);
    assert_eq!(doc["exact"]["trajectory"].as_array().unwrap().len(), 21);

    let classes = doc["structure"]["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2);
    assert_eq!(classes[0]["states"], serde_json::json!(["develop"]));
    assert_eq!(classes[0]["closed"], false);
    assert_eq!(
        classes[1]["states"],
        serde_json::json!(["test", "deploy", "update"])
    );
    assert_eq!(classes[1]["closed"], true);
    assert_eq!(classes[1]["period"], 1);
    assert_eq!(doc["structure"]["absorbing"], serde_json::json!([]));

    let pi = [0.0, 86.0 / 231.0, 20.0 / 77.0, 85.0 / 231.0];
    assert_close(&numbers(&doc["stationary"][0]), &pi, 1e-12);
    assert_close(&numbers(&doc["limit"]), &pi, 1e-12);
    assert!(doc["simulation"].is_null());
}

#[test]
fn far_steps_by_repeated_squaring() {
    let (_dir, file) = scenario_file(
        "two.yaml",
        "states: [a, b]\nmatrix: [[0.9, 0.1], [0.15, 0.85]]\n",
    );
    let (_, doc) = json_run(
        file.to_str().unwrap(),
        &[
            "--walkers",
            "0",
            "--at",
            "1000000000000000000",
            "--at",
            "9223372036854775807",
        ],
        "1",
    );
    for at in doc["exact"]["at"].as_array().unwrap() {
        assert_close(&numbers(&at["distribution"]), &[0.6, 0.4], 1e-12);
    }
    assert_eq!(doc["exact"]["at"][0]["t"], 1_000_000_000_000_000_000u64);

    // 2^63 is one past the limit.
    let (code, stderr) =
        stderr_of(verchain().args(["run", file.to_str().unwrap(), "--at", "9223372036854775808"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--at"), "{stderr}");
}

#[test]
fn monte_carlo_agrees_on_every_shipped_scenario() {
    for file in SHIPPED {
        let (_, doc) = json_run(file, &[], "2");
        let sim = &doc["simulation"];
        assert_eq!(sim["walkers"], 100_000);
        assert_eq!(sim["seed"], 2024);
        let z = sim["max_abs_z"].as_f64().unwrap();
        assert!(z < 5.0, "{file}: max |z| = {z}");
        assert_eq!(
            sim["occupancy"].as_array().unwrap().len(),
            doc["horizon"].as_u64().unwrap() as usize + 1
        );
    }
}

#[test]
fn json_is_identical_on_one_and_two_threads() {
    for file in [
        "scenarios/seed-article.yaml",
        "scenarios/canary-rollout.yaml",
    ] {
        let (one, _) = json_run(file, &["--walkers", "50000", "--seed", "9"], "1");
        let (two, _) = json_run(file, &["--walkers", "50000", "--seed", "9"], "2");
        assert_eq!(one, two, "{file}");
    }
}

#[test]
fn the_printed_matrix_is_rejected_with_row_sum_and_line() {
    let (code, stderr) = stderr_of(verchain().args(["check", PRINTED]));
    assert_eq!(code, 2);
    assert!(stderr.contains("row `test` sums to 1.5"), "{stderr}");
    assert!(
        stderr.contains("seed-article-as-printed.yaml:9:5"),
        "{stderr}"
    );

    let out = tempfile::tempdir().unwrap();
    let (code, _) = stderr_of(
        verchain()
            .args(["run", PRINTED, "--output"])
            .arg(out.path()),
    );
    assert_eq!(code, 2);
    assert_eq!(
        fs::read_dir(out.path()).unwrap().count(),
        0,
        "a failed run wrote files"
    );
}

#[test]
fn check_accepts_every_shipped_scenario() {
    let output = verchain().arg("check").args(SHIPPED).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.matches("ok: ").count(), SHIPPED.len());
}

#[test]
fn check_lists_every_problem_in_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    fs::write(
        &bad,
        "states: [develop, test]\ntransitons:\n  develop: {test: 1}\ninitial: deploy\n",
    )
    .unwrap();
    let (code, stderr) = stderr_of(
        verchain()
            .arg("check")
            .arg(&bad)
            .arg(PRINTED)
            .arg("scenarios/seed-article.yaml"),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown key `transitons`"), "{stderr}");
    assert!(stderr.contains("did you mean `transitions`?"), "{stderr}");
    assert!(
        stderr.contains("neither `transitions` nor `matrix`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown state `deploy` in initial"),
        "{stderr}"
    );
    assert!(stderr.contains("bad.yaml:2:1"), "{stderr}");
    assert!(stderr.contains("row `test` sums to 1.5"), "{stderr}");
    assert!(
        stderr.contains("2 of 3 scenario files are invalid"),
        "{stderr}"
    );
}

#[test]
fn unreadable_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.yaml");
    let latin1 = dir.path().join("latin1.yaml");
    fs::write(&latin1, b"states: [d\xe9ploy]\n").unwrap();
    for (file, expected) in [
        (missing.clone(), "No such file"),
        (latin1, "line 1, column 11 (byte 10) is 0xE9, not UTF-8"),
    ] {
        let (code, stderr) = stderr_of(verchain().arg("check").arg(&file));
        assert_eq!(code, 2);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(
            stderr.contains(file.file_name().unwrap().to_str().unwrap()),
            "{stderr}"
        );
    }
}

fn run_into(out: &Path, extra: &[&str]) -> std::process::Output {
    verchain()
        .args([
            "run",
            "scenarios/seed-article.yaml",
            "--walkers",
            "2000",
            "--output",
        ])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn run_writes_every_file_whole() {
    let out = tempfile::tempdir().unwrap();
    let output = run_into(out.path(), &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let folder = out.path().join("seed-article");
    let mut names: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "convergence.csv",
            "convergence.png",
            "convergence.svg",
            "hitting.csv",
            "hitting.png",
            "hitting.svg",
            "matrix.png",
            "matrix.svg",
            "occupancy.png",
            "occupancy.svg",
            "report.md",
            "stationary.png",
            "stationary.svg",
            "summary.json",
            "trajectory.csv"
        ]
    );
    // Nothing but the scenario's folder is left in the output root.
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 1);

    let summary: Value =
        serde_json::from_slice(&fs::read(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["simulation"]["walkers"], 2000);
    let csv = fs::read_to_string(folder.join("trajectory.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "step,exact_develop,simulated_develop,se_develop,exact_test,simulated_test,se_test,\
         exact_deploy,simulated_deploy,se_deploy,exact_update,simulated_update,se_update"
    );
    assert_eq!(lines.count(), 21);
    assert!(
        fs::read(folder.join("occupancy.png"))
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n")
    );
    assert!(
        fs::read_to_string(folder.join("stationary.svg"))
            .unwrap()
            .contains("</svg>")
    );
}

#[test]
fn a_failed_run_leaves_earlier_results_alone() {
    let out = tempfile::tempdir().unwrap();
    assert!(run_into(out.path(), &[]).status.success());
    let summary = out.path().join("seed-article/summary.json");
    let before = fs::read(&summary).unwrap();

    let output = run_into(out.path(), &["--horizon", "999999999999"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(fs::read(&summary).unwrap(), before);
}

#[test]
fn an_unwritable_output_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let blocker: PathBuf = dir.path().join("not-a-folder");
    fs::write(&blocker, "x").unwrap();
    let output = run_into(&blocker, &[]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not-a-folder") && stderr.contains("is a file, not a folder"),
        "{stderr}"
    );
}

#[test]
fn a_stdout_that_cannot_be_written_exits_3_without_a_panic() {
    let Ok(full) = fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let seed = "scenarios/seed-article.yaml";
    for args in [
        &["run", seed, "--no-files", "--walkers", "0"][..],
        &[
            "run",
            seed,
            "--no-files",
            "--walkers",
            "0",
            "--format",
            "json",
        ],
        &["check", seed],
        &["sweep", seed, "--no-files"],
        &["sensitivity", seed, "--no-files"],
        &[
            "fit",
            "tests/data/fit/rain.csv",
            "--time-column",
            "day",
            "--no-files",
        ],
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_verchain"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write to stdout") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn help_teaches_by_example() {
    let output = verchain().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("verchain run scenarios/seed-article.yaml"),
        "{help}"
    );
    assert!(help.contains("trajectory.csv"));
    let output = verchain().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("S_{t+1} = S_t · T"), "{help}");
    assert!(help.contains("Exit codes"));
}

#[test]
fn table_output_names_states_and_agreement() {
    let output = verchain()
        .args(["run", "scenarios/seed-article.yaml", "--no-files"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("{test, deploy, update}: closed, aperiodic"),
        "{table}"
    );
    assert!(table.contains("{develop}: transient"), "{table}");
    assert!(table.contains("0.375154 /"), "{table}");
    assert!(table.contains("within sampling error"), "{table}");
}

#[test]
fn targets_add_hitting_answers_tables_and_charts() {
    let out = tempfile::tempdir().unwrap();
    let output = verchain()
        .args([
            "run",
            "scenarios/canary-rollout.yaml",
            "--walkers",
            "1000",
            "--target",
            "production",
        ])
        .args(["--target", "canary_aborted,prod_rollback", "--output"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("Reaching production"), "{table}");
    assert!(
        table.contains("Reaching {canary_aborted, prod_rollback}"),
        "{table}"
    );
    let folder = out.path().join("canary-rollout");
    for file in ["hitting.csv", "hitting.png", "hitting.svg"] {
        assert!(folder.join(file).exists(), "{file}");
    }
    let doc: Value =
        serde_json::from_slice(&fs::read(folder.join("summary.json")).unwrap()).unwrap();
    let hitting = &doc["hitting"][0];
    assert_eq!(hitting["target"], "production");
    assert!((hitting["from_initial"]["probability"].as_f64().unwrap() - 0.8).abs() < 1e-12);
    assert_eq!(hitting["expected_steps"][0], "infinite");
    let steps = hitting["from_initial"]["expected_steps_if_reached"]
        .as_f64()
        .unwrap();
    assert!((steps - 307.0 / 105.0).abs() < 1e-10);
    for key in [
        "fundamental_matrix",
        "expected_steps",
        "variance_steps",
        "probabilities",
    ] {
        assert!(doc["absorbing"][key].is_array(), "absorbing.{key}");
    }
    for key in ["tv_distance", "mixing_time", "slem"] {
        assert!(!doc["convergence"][key].is_null(), "convergence.{key}");
    }
    assert!(doc["passage"]["mean_recurrence"].is_array());

    let (code, stderr) = stderr_of(verchain().args([
        "run",
        "scenarios/canary-rollout.yaml",
        "--target",
        "prodution",
    ]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown state `prodution`")
            && stderr.contains("did you mean `production`?"),
        "{stderr}"
    );
}

#[test]
fn a_file_name_that_is_not_a_folder_name_is_refused() {
    // `...yaml` has the stem `..`: without a `name:` it would write beside the output folder.
    let (dir, file) = scenario_file("...yaml", "states: [a]\nmatrix: [[1]]\n");
    let out = dir.path().join("out");
    let (code, stderr) = stderr_of(verchain().arg("run").arg(&file).arg("--output").arg(&out));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the name \"..\"") && stderr.contains("add a `name:`"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "something was written"
    );
}

#[test]
fn errors_on_very_long_lines_are_reported_not_crashed_on() {
    // A one-line JSON scenario (JSON is YAML) with a bad row near its end.
    let n = 150;
    let mut rows: Vec<String> = (0..n)
        .map(|_| format!("[{}]", vec![format!("{}", 1.0 / n as f64); n].join(",")))
        .collect();
    rows[n - 1] = format!(
        "[0.5,{}]",
        vec![format!("{}", 1.0 / n as f64); n - 1].join(",")
    );
    let states: Vec<String> = (0..n).map(|i| format!("\"s{i}\"")).collect();
    let text = format!(
        "{{\"states\": [{}], \"matrix\": [{}]}}",
        states.join(","),
        rows.join(",")
    );
    let (_dir, file) = scenario_file("oneline.yaml", text);
    let (code, stderr) = stderr_of(verchain().arg("check").arg(&file));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("oneline.yaml:1:") && stderr.contains("row `s149` sums to"),
        "{stderr}"
    );
    assert!(stderr.len() < 2000, "the long line was echoed");
}

#[test]
fn rare_states_do_not_raise_false_alarms() {
    // At day 28 `Approved` holds 4e-7 of versions: 0.04 of 100,000 walkers.
    // Seeing a couple is unremarkable; the exact binomial tail says so.
    for seed in ["12", "1", "4"] {
        let (_, doc) = json_run("scenarios/sagemaker-approval.yaml", &["--seed", seed], "2");
        let z = doc["simulation"]["max_abs_z"].as_f64().unwrap();
        assert!(z < 5.0, "seed {seed}: max |z| = {z}");
    }
}

#[test]
fn rows_accepted_within_the_tolerance_are_rescaled_everywhere() {
    let (_dir, file) = scenario_file(
        "thirds.yaml",
        "states: [a, b, c]\ntolerance: 0.002\nmatrix:\n  - [0.333, 0.333, 0.333]\n  - [0.5, 0.5, 0]\n  - [0.2, 0.2, 0.6]\n",
    );
    let (_, doc) = json_run(
        file.to_str().unwrap(),
        &["--walkers", "0", "--at", "100000"],
        "1",
    );
    let pi = numbers(&doc["stationary"][0]);
    let far = numbers(&doc["exact"]["at"][0]["distribution"]);
    assert_close(&far, &pi, 1e-12);
    for row in doc["matrix"].as_array().unwrap() {
        assert!((numbers(row).iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }
}

#[test]
fn a_rerun_keeps_a_persons_own_files_and_clears_abandoned_staging() {
    let out = tempfile::tempdir().unwrap();
    assert!(run_into(out.path(), &[]).status.success());
    let folder = out.path().join("seed-article");
    fs::write(folder.join("notes.txt"), "mine").unwrap();
    let abandoned = out.path().join(".seed-article.partial-999999999");
    fs::create_dir(&abandoned).unwrap();

    assert!(run_into(out.path(), &["--seed", "5"]).status.success());
    assert_eq!(
        fs::read_to_string(folder.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!abandoned.exists());
    let doc: Value =
        serde_json::from_slice(&fs::read(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(doc["simulation"]["seed"], 5);
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 1);
}

#[test]
fn counts_mode_is_reported_and_thread_independent() {
    let args = ["--walkers", "1000000000", "--mode", "counts", "--seed", "3"];
    let (one, doc) = json_run("scenarios/canary-rollout.yaml", &args, "1");
    let (two, _) = json_run("scenarios/canary-rollout.yaml", &args, "2");
    assert_eq!(one, two);
    assert_eq!(doc["simulation"]["mode"], "counts");
    // The canary scenario has targets: their hitting times are simulated too.
    assert!(!doc["simulation"]["hitting"].as_array().unwrap().is_empty());
    assert!(doc["simulation"]["max_abs_z"].as_f64().unwrap() < 5.0);
    // auto picks counts for a long run, walkers for a short one.
    let (_, doc) = json_run(
        "scenarios/seed-article.yaml",
        &["--walkers", "10000000"],
        "2",
    );
    assert_eq!(doc["simulation"]["mode"], "counts");
    let (_, doc) = json_run("scenarios/seed-article.yaml", &[], "2");
    assert_eq!(doc["simulation"]["mode"], "walkers");
}

#[test]
fn simulated_hitting_times_and_crate_versions_are_reported() {
    let (_, doc) = json_run(
        "scenarios/mlflow-registry.yaml",
        &["--walkers", "200000", "--seed", "8"],
        "2",
    );
    let sim = &doc["simulation"];
    let versions = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    for name in ["rand", "rand_distr", "chacha20"] {
        let version = sim["crates"][name].as_str().unwrap();
        let entry = format!("name = \"{name}\"\nversion = \"{version}\"");
        assert!(versions.contains(&entry), "{name} {version}");
    }
    let hitting = sim["hitting"].as_array().unwrap();
    assert_eq!(hitting.len(), doc["hitting"].as_array().unwrap().len());
    for (simulated, exact) in hitting.iter().zip(doc["hitting"].as_array().unwrap()) {
        assert_eq!(simulated["target"], exact["target"]);
        let (cdf, exact_cdf) = (
            numbers(&simulated["cdf"]),
            numbers(&exact["from_initial"]["cdf"]),
        );
        // Kolmogorov distance with 200,000 walkers: a 1e-4 tail lies near 0.0043.
        let gap = cdf.iter().zip(&exact_cdf).map(|(a, b)| (a - b).abs());
        assert!(gap.fold(0.0, f64::max) < 0.0043, "{cdf:?}");
        let not_reached = simulated["not_reached"].as_f64().unwrap();
        assert!((not_reached + cdf.last().unwrap() - 1.0).abs() < 1e-12);
        assert!(simulated["chi_square"]["p_value"].as_f64().unwrap() > 1e-4);
    }
}

#[test]
fn trace_writes_the_paths_of_the_first_walkers() {
    let out = tempfile::tempdir().unwrap();
    let output = run_into(out.path(), &["--trace", "3", "--horizon", "4"]);
    assert!(output.status.success());
    let trace = fs::read_to_string(out.path().join("seed-article/trace.csv")).unwrap();
    let lines: Vec<&str> = trace.lines().collect();
    assert_eq!(lines[0], "walker,step,state");
    // 3 walkers × steps 0 … 4; each starts in develop and moves to test.
    assert_eq!(lines.len(), 1 + 3 * 5);
    assert_eq!(lines[1], "0,0,develop");
    assert_eq!(lines[2], "0,1,test");
    assert_eq!(lines[15].split(',').take(2).collect::<Vec<_>>(), ["2", "4"]);

    for (extra, message) in [
        (
            &["--trace", "5000", "--walkers", "2000"][..],
            "more walkers than the 2000 simulated",
        ),
        (
            &["--trace", "1", "--walkers", "0"][..],
            "the simulation is off",
        ),
        (
            &["--trace", "2000", "--walkers", "2000", "--horizon", "10000"][..],
            "more than the limit",
        ),
    ] {
        let (code, stderr) = stderr_of(
            verchain()
                .args(["run", "scenarios/seed-article.yaml"])
                .args(extra)
                .arg("--output")
                .arg(out.path().join("refused")),
        );
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(!out.path().join("refused").exists());
    }
    let (code, stderr) = stderr_of(verchain().args([
        "run",
        "scenarios/seed-article.yaml",
        "--trace",
        "3",
        "--no-files",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn walkers_mode_refuses_a_run_of_years() {
    let (code, message) = stderr_of(verchain().args([
        "run",
        "scenarios/seed-article.yaml",
        "--mode",
        "walkers",
        "--walkers",
        "1000000000000000000",
        "--no-files",
    ]));
    assert_eq!(code, 2, "{message}");
    // The message as one line, without the frame of the report.
    let message = message
        .replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // 10^18 × 20 = 2e19 walker-steps, past u64's 1.8e19: the count must not saturate.
    assert!(message.contains("2.000e19 walker-steps"), "{message}");
    assert!(message.contains("limit of 1.000e11"), "{message}");
    assert!(message.contains("--mode counts") && message.contains("--max-walker-steps"));

    // The same walkers as counts are milliseconds of work.
    verchain()
        .args(["run", "scenarios/seed-article.yaml", "--mode", "counts"])
        .args(["--walkers", "1000000000000000000", "--no-files", "-q"])
        .assert()
        .success();
}

#[test]
fn a_name_too_long_for_a_folder_is_refused_by_check() {
    let text = format!(
        "name: {}\nstates: [a]\ntransitions: {{a: absorbing}}\n",
        "b".repeat(250)
    );
    let (_dir, file) = scenario_file("long.yaml", text);
    let (code, message) = stderr_of(verchain().arg("check").arg(&file));
    assert_eq!(code, 2);
    assert!(
        message.contains("250 bytes long, more than the 200"),
        "{message}"
    );
}

#[test]
fn a_closed_stdout_ends_the_run_without_a_panic() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_verchain"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "scenarios/canary-rollout.yaml", "--no-files"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is read, as `| head -0` does.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101));
}

#[test]
fn chi_square_with_nothing_to_test_says_so() {
    // One walker: no cell expects 5 walkers, so there is no test to run.
    let output = verchain()
        .args([
            "run",
            "scenarios/seed-article.yaml",
            "--walkers",
            "1",
            "--no-files",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("final occupancy: chi² not computed: fewer than two cells expect 5 walkers"),
        "{table}"
    );
    let (_, doc) = json_run("scenarios/seed-article.yaml", &["--walkers", "1"], "1");
    assert!(doc["simulation"]["final_chi_square"]["p_value"].is_null());
}

#[test]
fn nesting_past_the_limit_is_refused_with_the_reason() {
    let text = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (_dir, file) = scenario_file("deep.yaml", text);
    let (code, message) = stderr_of(verchain().arg("check").arg(&file));
    assert_eq!(code, 2);
    assert!(message.contains("nested too deeply"), "{message}");
    assert!(message.contains("64"), "{message}");
}

#[test]
fn dense_transitions_past_the_node_budget_are_told_to_use_a_matrix() {
    // 750 dense rows of `transitions`: a key and a value an entry, 1,125,000
    // nodes, past the budget that a `matrix` of 1,000 states fits in.
    let n = 750;
    let mut text = String::from("transitions:\n");
    for i in 0..n {
        let row: Vec<String> = (0..n).map(|j| format!("s{j}: 0")).collect();
        writeln!(text, "  s{i}: {{{}}}", row.join(", ")).unwrap();
    }
    let (_dir, file) = scenario_file("dense.yaml", text);
    let (code, message) = stderr_of(verchain().arg("check").arg(&file));
    assert_eq!(code, 2);
    assert!(message.contains("too large"), "{message}");
    assert!(message.contains("as a `matrix`"), "{message}");
}

#[test]
fn a_file_too_large_to_be_a_scenario_is_refused_before_parsing() {
    let (_dir, file) = scenario_file("huge.yaml", "");
    // Sparse: 65 MiB of zeros without writing them.
    fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(65 * 1024 * 1024)
        .unwrap();
    for command in ["check", "run"] {
        let (code, message) = stderr_of(verchain().arg(command).arg(&file).arg("-q"));
        assert_eq!(code, 2, "{command}: {message}");
        assert!(
            message.contains("larger than 64 MiB"),
            "{command}: {message}"
        );
    }
}

/// Regression: a simulation whose exact result is certain (the horizon 0,
/// or a deterministic chain) was told to simulate more walkers to get a
/// chi-square test that no number of walkers gives.
#[test]
fn a_certain_result_is_not_asked_for_more_walkers() {
    let output = verchain()
        .args(["run", "scenarios/seed-article.yaml", "--no-files", "-q"])
        .args(["--horizon", "0", "--walkers", "1000"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("final occupancy: chi² not computed: the exact result is certain"),
        "{stdout}"
    );
    assert!(!stdout.contains("simulate more walkers"), "{stdout}");
}

/// Regression: in counts mode `--trace` wrote walkers that were not the
/// ones counted, without a word.
#[test]
fn a_trace_in_counts_mode_says_it_is_walked_apart() {
    let dir = tempfile::tempdir().unwrap();
    for (mode, noted) in [("counts", true), ("walkers", false)] {
        let output = verchain()
            .args([
                "run",
                "scenarios/seed-article.yaml",
                "--trace",
                "3",
                "--mode",
                mode,
            ])
            .arg("-o")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(
            stderr.contains("the 3 traced walkers are walked apart from the counts"),
            noted,
            "{mode}: {stderr}"
        );
    }
}
