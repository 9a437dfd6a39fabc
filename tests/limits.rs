//! The limits that protect the machine, end to end: each one refuses a run
//! just over it with a message naming the limit, the value asked and the
//! flag (exit code 2), and the flag lets the same run pass.

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::verchain;

const SEED: &str = "scenarios/seed-article.yaml";

/// Runs the binary; returns the exit code and stderr as one line: the
/// reports' lines (wrapped at 110 columns, a flag broken after a hyphen)
/// joined again.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let output = verchain().args(args).output().unwrap();
    let mut joined = String::new();
    for line in String::from_utf8_lossy(&output.stderr).lines() {
        let line = line.trim().trim_start_matches('│').trim();
        if line.is_empty() {
            continue;
        }
        if !(joined.is_empty() || joined.ends_with('-')) {
            joined.push(' ');
        }
        joined.push_str(line);
    }
    (output.status.code(), joined)
}

/// Asserts that the run succeeds.
fn passes(args: &[&str]) {
    let output = verchain().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "verchain {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts exit code 2 and that stderr holds every one of `parts`.
fn assert_refused(args: &[&str], parts: &[&str]) {
    let (code, stderr) = refused(args);
    assert_eq!(code, Some(2), "verchain {args:?}: {stderr}");
    for part in parts {
        assert!(
            stderr.contains(part),
            "verchain {args:?}: no {part:?} in\n{stderr}"
        );
    }
}

/// A scenario file in a temporary folder, kept as long as the folder.
fn scenario(text: &str) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("scenario.yaml");
    std::fs::write(&path, text).unwrap();
    (folder, path)
}

/// A cycle of `n` states, each moving to the next.
fn cycle(n: usize, extra: &str) -> String {
    let mut text = String::from("states: [");
    for i in 0..n {
        let _ = write!(text, "{}s{i}", if i == 0 { "" } else { ", " });
    }
    text.push_str("]\ntransitions:\n");
    for i in 0..n {
        let _ = writeln!(text, "  s{i}: {{s{}: 1}}", (i + 1) % n);
    }
    text.push_str(extra);
    text
}

#[test]
fn too_many_states_are_refused_with_the_flag_that_raises_the_limit() {
    let quiet = ["--no-files", "-q"];
    assert_refused(
        &[&["run", SEED, "--max-states", "3"][..], &quiet].concat(),
        &[
            "the scenario has 4 states, more than the limit of 3",
            "--max-states 4",
            "seed-article.yaml:13:9",
        ],
    );
    passes(&[&["run", SEED, "--max-states", "4"][..], &quiet].concat());
    for command in ["check", "export", "sensitivity"] {
        assert_refused(
            &[command, SEED, "--max-states", "3"],
            &["4 states, more than the limit of 3"],
        );
    }
    assert_refused(
        &["sweep", SEED, "--max-states", "3", "--no-files"],
        &["4 states, more than the limit of 3"],
    );
    passes(&["check", SEED, "--max-states", "4", "-q"]);
}

#[test]
fn a_hundred_thousand_states_are_refused_before_any_matrix_is_built() {
    // 100,000² entries would take 80 GB: the list's length alone decides.
    let (_folder, path) = scenario(&cycle(100_000, "horizon: 5\n"));
    let started = Instant::now();
    assert_refused(
        &["run", path.to_str().unwrap(), "--no-files"],
        &["100000 states, more than the limit of 5000", "--max-states"],
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_horizon_over_the_limit_is_refused_in_the_file_and_on_the_command_line() {
    let quiet = ["--no-files", "-q", "--walkers", "0"];
    assert_refused(
        &[&["run", SEED, "--max-horizon", "19"][..], &quiet].concat(),
        &["`horizon` is 20, above the limit of 19", "--max-horizon"],
    );
    passes(&[&["run", SEED, "--max-horizon", "20"][..], &quiet].concat());
    assert_refused(
        &[
            &["run", SEED, "--horizon", "31", "--max-horizon", "30"][..],
            &quiet,
        ]
        .concat(),
        &["--horizon 31 is above the limit of 30", "--max-horizon 31"],
    );
    passes(
        &[
            &["run", SEED, "--horizon", "31", "--max-horizon", "31"][..],
            &quiet,
        ]
        .concat(),
    );
    assert_refused(
        &["check", SEED, "--max-horizon", "19"],
        &["`horizon` is 20, above the limit of 19"],
    );

    // Past the default of 10,000 only with the flag.
    let (_folder, path) = scenario(&cycle(3, "horizon: 10001\n"));
    let file = path.to_str().unwrap();
    assert_refused(
        &[&["run", file][..], &quiet].concat(),
        &[
            "`horizon` is 10001, above the limit of 10000",
            "--max-horizon",
        ],
    );
    passes(&[&["run", file, "--max-horizon", "10001"][..], &quiet].concat());
}

#[test]
fn walker_steps_over_the_limit_are_refused_counting_the_horizon_asked() {
    let run = [
        "run",
        SEED,
        "--no-files",
        "-q",
        "--mode",
        "walkers",
        "--walkers",
        "1000",
    ];
    // 1000 walkers × 20 steps.
    assert_refused(
        &[&run[..], &["--max-walker-steps", "19999"]].concat(),
        // Counts under a million are written whole, not as `1.999e4`.
        &[
            "1000 walkers × 20 steps is 20000 walker-steps in walkers mode, more than the limit \
             of 19999 (about 0 seconds)",
            "--max-walker-steps",
        ],
    );
    passes(&[&run[..], &["--max-walker-steps", "20000"]].concat());
    // --horizon counts, not the file's horizon.
    assert_refused(
        &[
            &run[..],
            &["--horizon", "40", "--max-walker-steps", "20000"],
        ]
        .concat(),
        &["1000 walkers × 40 steps is 40000 walker-steps"],
    );
}

#[test]
fn sweep_points_over_the_limit_are_refused_and_a_shard_counts_its_own() {
    // The seed scenario's sweep has two points.
    assert_refused(
        &["sweep", SEED, "--no-files", "--max-sweep-points", "1"],
        &[
            "the sweep has 2 points to evaluate, more than the limit of 1",
            "--shard K/N",
            "--max-sweep-points",
        ],
    );
    passes(&["sweep", SEED, "--no-files", "--max-sweep-points", "2"]);
    passes(&[
        "sweep",
        SEED,
        "--no-files",
        "--max-sweep-points",
        "1",
        "--shard",
        "1/2",
    ]);
    assert_refused(
        &["check", SEED, "--max-sweep-points", "1"],
        &["the sweep has 2 points to evaluate, more than the limit of 1"],
    );
    passes(&["check", SEED, "-q", "--max-sweep-points", "2"]);
}

#[test]
fn a_run_that_needs_more_memory_than_allowed_is_refused_with_both_figures() {
    let quiet = ["--no-files", "-q"];
    assert_refused(
        &[&["run", SEED, "--max-memory", "16K"][..], &quiet].concat(),
        &[
            "this needs an estimated",
            "of memory, more than the 16.0 KiB it may use",
            "16.0 KiB is what --max-memory allows",
            "--max-memory SIZE",
        ],
    );
    // Figures below a KiB are bytes, not `0.000 MiB` against `0.000 MiB`.
    assert_refused(
        &[&["run", SEED, "--max-memory", "100"][..], &quiet].concat(),
        &["of memory, more than the 100 bytes it may use"],
    );
    passes(&[&["run", SEED, "--max-memory", "64MiB"][..], &quiet].concat());
    passes(&[&["run", SEED, "--max-memory", "unlimited"][..], &quiet].concat());
    for command in [&["sweep", SEED, "--no-files"][..], &["check", SEED]] {
        assert_refused(
            &[command, &["--max-memory", "16K"]].concat(),
            &["of memory, more than the 16.0 KiB it may use"],
        );
    }
    assert_refused(
        &["run", SEED, "--max-memory", "lots"],
        &["`lots` is not a size"],
    );
}

#[test]
fn chains_larger_than_the_memory_allowed_are_refused_before_they_are_built() {
    // 300 states: one matrix of 8 · 300² bytes, 0.7 MiB, against 0.5 MiB.
    let (_folder, path) = scenario(&cycle(300, "horizon: 5\n"));
    let file = path.to_str().unwrap();
    assert_refused(
        &["export", file, "--max-memory", "512K"],
        &[
            "the chain of 300 states: this needs an estimated 0.7 MiB of memory, more than the \
             0.5 MiB it may use",
            "--max-memory",
        ],
    );
    passes(&["export", file, "--max-memory", "1M", "--to", "csv"]);
}

#[test]
fn a_history_with_too_many_states_is_refused_before_it_is_counted() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("history.csv");
    std::fs::write(&path, "step,state\n1,a\n2,b\n3,c\n4,d\n5,a\n").unwrap();
    let file = path.to_str().unwrap();
    assert_refused(
        &["fit", file, "--no-files", "--max-states", "3"],
        &[
            "the history has 4 states, more than the limit of 3",
            "--max-states 4",
        ],
    );
    passes(&["fit", file, "--no-files", "-q", "--max-states", "4"]);
}

#[test]
fn a_limit_of_zero_states_or_points_is_refused_as_usage() {
    for args in [
        vec!["run", "--max-states", "0"],
        vec!["sweep", "--max-sweep-points", "0"],
        vec!["fit", "--max-states", "0"],
    ] {
        let output = verchain().args(&args).arg("nothing.yaml").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("a limit of 0 would refuse everything"),
            "{stderr}"
        );
    }
}

#[test]
fn a_scenario_without_a_horizon_follows_no_more_than_the_limit() {
    let (_folder, path) = scenario(
        "name: short\nstates: [a, b]\ntransitions:\n  a: {a: 0.5, b: 0.5}\n  b: absorbing\n",
    );
    let output = verchain()
        .arg("run")
        .arg(&path)
        .args([
            "--no-files",
            "--walkers",
            "0",
            "--format",
            "json",
            "--max-horizon",
            "5",
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["horizon"], 5);
}
