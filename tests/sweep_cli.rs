//! `verchain sweep` and `verchain merge` end to end: the files of a sweep,
//! shards merged byte for byte into a single run's files, and the errors.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

mod common;
use common::verchain;

/// Every file of a folder, by name.
fn contents(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn sweep(args: &[&str], threads: &str) -> std::process::Output {
    verchain()
        .arg("sweep")
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap()
}

#[test]
fn the_seed_sweep_writes_its_table_csv_and_charts() {
    let out = tempfile::tempdir().unwrap();
    let output = sweep(
        &[
            "scenarios/seed-article.yaml",
            "--output",
            out.path().to_str().unwrap(),
            "-q",
        ],
        "2",
    );
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("seed-article sweep · 2 points over p (2 values)"),
        "{stdout}"
    );
    // 43/118 = 0.364407 at p = 0.6 is the lowest share of test.
    assert!(stdout.contains("0.364407 at p = 0.6"), "{stdout}");
    let files = contents(&out.path().join("seed-article"));
    let csv = String::from_utf8(files["sweep.csv"].clone()).unwrap();
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "point,p,stationary[develop],stationary[test],stationary[deploy],stationary[update],\
         hitting[deploy].expected from develop,mixing_time"
    );
    // π_test = 86/231 at p = 0.5, in its shortest exact form.
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("0,0.5,0,0.3722943722943723,"),
        "{csv}"
    );
    for name in [
        "sweep-stationary.png",
        "sweep-stationary.svg",
        "sweep-mixing_time.png",
    ] {
        assert!(
            files.contains_key(name),
            "{name} missing: {:?}",
            files.keys()
        );
    }
}

#[test]
fn merged_shards_equal_a_single_run_byte_for_byte() {
    let scenario = "scenarios/canary-rollout.yaml";
    let single = tempfile::tempdir().unwrap();
    let output = sweep(
        &[scenario, "--output", single.path().to_str().unwrap(), "-q"],
        "2",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Shards computed on one thread each, in any order.
    let shards = tempfile::tempdir().unwrap();
    for k in [3, 1, 4, 2] {
        let shard = format!("{k}/4");
        let args = [
            scenario,
            "--shard",
            &shard,
            "--output",
            shards.path().to_str().unwrap(),
            "-q",
        ];
        let output = sweep(&args, "1");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let folder = shards.path().join("canary-rollout");
    let names: Vec<String> = contents(&folder).into_keys().collect();
    assert_eq!(names.len(), 4, "{names:?}");
    let merged = tempfile::tempdir().unwrap();
    let mut merge = verchain();
    merge.args([
        "merge",
        scenario,
        "--output",
        merged.path().to_str().unwrap(),
        "-q",
    ]);
    for name in &names {
        merge.arg(folder.join(name));
    }
    let output = merge.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let (a, b) = (
        contents(&single.path().join("canary-rollout")),
        contents(&merged.path().join("canary-rollout")),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.len() >= 7, "{:?}", a.keys());
    for (name, bytes) in &a {
        assert!(*bytes == b[name], "{name} differs");
    }
}

/// The shards `ks` (such as "1/3") of `scenario`'s sweep, in a temporary
/// folder.
fn shards_of(scenario: &str, ks: &[&str]) -> tempfile::TempDir {
    let shards = tempfile::tempdir().unwrap();
    for k in ks {
        let args = [
            scenario,
            "--shard",
            k,
            "--output",
            shards.path().to_str().unwrap(),
            "-q",
        ];
        assert!(sweep(&args, "1").status.success());
    }
    shards
}

#[test]
fn a_missing_or_repeated_shard_is_refused() {
    let scenario = "scenarios/canary-rollout.yaml";
    let shards = shards_of(scenario, &["1/3", "2/3"]);
    let folder = shards.path().join("canary-rollout");
    let one = folder.join("sweep.shard-1-of-3.csv");
    let two = folder.join("sweep.shard-2-of-3.csv");
    for (files, words) in [
        // Shards 1 and 2 of 3 hold points 0 … ⌊2 · 35 / 3⌋ − 1 = 22.
        (
            vec![&one, &two],
            "the shards hold 23 of the sweep's 35 points",
        ),
        (vec![&one, &one, &two], "appears twice"),
    ] {
        let output = verchain()
            .args(["merge", scenario, "--no-files"])
            .args(files)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(words), "{stderr}");
    }
}

/// Regression: shards of an earlier version of the scenario (another row,
/// another list of metrics, the same grid) were merged into wrong results
/// with exit 0.
#[test]
fn shards_of_another_version_of_the_scenario_are_refused() {
    let scenario = "scenarios/canary-rollout.yaml";
    let shards = shards_of(scenario, &["1/2", "2/2"]);
    let folder = shards.path().join("canary-rollout");
    let files = [
        folder.join("sweep.shard-1-of-2.csv"),
        folder.join("sweep.shard-2-of-2.csv"),
    ];
    let text = fs::read_to_string(common::repository(scenario)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (name, changed, words) in [
        (
            "row.yaml",
            text.replace(
                "candidate: {candidate: 0.2, canary: 0.7, archived: 0.1}",
                "candidate: {candidate: 0.2, canary: 0.4, archived: 0.4}",
            ),
            "at point 0, `hitting[production].probability from candidate` is",
        ),
        (
            "metrics.yaml",
            text.replace(
                "    - hitting[prod_rollback].probability from candidate\n",
                "",
            ),
            "has the metrics",
        ),
    ] {
        assert_ne!(changed, text, "{name}");
        let path = dir.path().join(name);
        fs::write(&path, changed).unwrap();
        let output = verchain()
            .arg("merge")
            .arg(&path)
            .arg("--no-files")
            .args(&files)
            .output()
            .unwrap();
        // miette wraps long lines: compare the words.
        let stderr = String::from_utf8(output.stderr)
            .unwrap()
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(words), "{name}: {stderr}");
        assert!(
            stderr.contains("another version of the scenario"),
            "{stderr}"
        );
    }
    // The scenario they came from merges them.
    let output = verchain()
        .args(["merge", scenario, "--no-files", "-q"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_shard_with_a_nan_metric_is_refused_with_its_line() {
    let scenario = "scenarios/seed-article.yaml";
    let shards = shards_of(scenario, &["1/2", "2/2"]);
    let folder = shards.path().join("seed-article");
    let two = folder.join("sweep.shard-2-of-2.csv");
    let text = fs::read_to_string(&two).unwrap();
    // A sweep leaves a metric without a value empty; it never writes NaN.
    let (head, last) = text.trim_end().rsplit_once(',').unwrap();
    fs::write(&two, format!("{head},NaN\n")).unwrap();
    assert_ne!(last, "NaN");
    let output = verchain()
        .args(["merge", scenario, "--no-files"])
        .arg(folder.join("sweep.shard-1-of-2.csv"))
        .arg(&two)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("line 2: `NaN` is not a number"), "{stderr}");
}

#[test]
fn bad_shards_and_scenarios_without_sweeps_are_usage_errors() {
    let output = sweep(&["scenarios/seed-article.yaml", "--shard", "5/4"], "1");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("K must be from 1 to N"), "{stderr}");

    let output = sweep(&["scenarios/mlflow-registry.yaml", "--no-files"], "1");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("declares no `sweeps`"), "{stderr}");
}

#[test]
fn the_run_and_the_sweep_keep_each_others_files() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let run = verchain()
        .args([
            "run",
            "scenarios/seed-article.yaml",
            "--walkers",
            "0",
            "--output",
            dir,
            "-q",
        ])
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(
        sweep(&["scenarios/seed-article.yaml", "--output", dir, "-q"], "1")
            .status
            .success()
    );
    let files = contents(&out.path().join("seed-article"));
    assert!(files.contains_key("summary.json") && files.contains_key("sweep.csv"));
    let run = verchain()
        .args([
            "run",
            "scenarios/seed-article.yaml",
            "--walkers",
            "0",
            "--output",
            dir,
            "-q",
        ])
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(contents(&out.path().join("seed-article")).contains_key("sweep.csv"));
}

#[test]
fn a_sweep_simulates_at_every_point_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(format!(
        "{}/scenarios/seed-article.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace(
        "  metrics: [stationary, \"hitting[deploy].expected from develop\", mixing_time]",
        "  metrics: ['occupancy[deploy] at 5']\n  simulate: true",
    )
    .replace("walkers: 100000", "walkers: 20000");
    let file = dir.path().join("simulated.yaml");
    fs::write(&file, text).unwrap();
    let csv = |threads: &str| {
        let out = dir.path().join(format!("out-{threads}"));
        let args = [
            file.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "-q",
        ];
        assert!(sweep(&args, threads).status.success());
        fs::read_to_string(out.join("seed-article/sweep.csv")).unwrap()
    };
    let two = csv("2");
    assert_eq!(two, csv("1"), "the same numbers on any number of threads");
    let mut lines = two.lines();
    assert_eq!(
        lines.next().unwrap(),
        "point,p,occupancy[deploy] at 5,simulated occupancy[deploy] at 5,simulation_max_abs_z"
    );
    for line in lines {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().unwrap()).collect();
        // Within 5 standard errors of the exact share, and |z| < 5 overall.
        let (exact, simulated) = (v[2], v[3]);
        let se = (exact * (1.0 - exact) / 20000.0).sqrt();
        assert!((simulated - exact).abs() < 5.0 * se, "{line}");
        assert!(v[4] < 5.0, "{line}");
    }
}

/// A sweep of 100,000 points once wrote a 10 MB SVG (100 MB at a million):
/// the chart draws what its pixels show, and the CSV keeps every point.
#[test]
fn the_chart_of_a_dense_sweep_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "states: [a, b, c]
parameters:
  p: {value: 0.5, range: [0, 1]}
transitions:
  a: {a: 1 - p, b: p}
  b: {c: 0.2, b: rest}
  c: absorbing
horizon: 10
sweeps:
  parameters:
    p: {from: 0, to: 1, count: 100000}
  metrics: ['absorption[c]']
";
    let file = dir.path().join("dense.yaml");
    fs::write(&file, yaml).unwrap();
    let out = dir.path().join("out");
    let args = [
        file.to_str().unwrap(),
        "-q",
        "--output",
        out.to_str().unwrap(),
    ];
    assert!(sweep(&args, "2").status.success());
    let files = contents(&out.join("dense"));
    let svg = &files["sweep-absorption-c.svg"];
    assert!(svg.len() < 100_000, "{} bytes", svg.len());
    assert_eq!(
        files["sweep.csv"].iter().filter(|&&b| b == b'\n').count(),
        100_001
    );
}
