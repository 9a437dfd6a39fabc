//! `verchain run` on a scenario with phases, end to end: the trajectory and
//! the simulation follow the deploy freeze.

use assert_cmd::Command;

mod common;
use serde_json::Value;

fn run_json(threads: &str) -> (Vec<u8>, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_verchain"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            "scenarios/deploy-freeze.yaml",
            "--format",
            "json",
            "--no-files",
            "-q",
        ])
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

#[test]
fn the_run_follows_the_freeze_exactly_and_by_simulation() {
    let (bytes, json) = run_json("2");
    let phases = json["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 1);
    assert_eq!(phases[0]["name"], "freeze");
    assert_eq!(
        (phases[0]["from"].as_u64(), phases[0]["to"].as_u64()),
        (Some(3), Some(7))
    );

    // Still waiting at the end of week 52 (step 8): the product of the
    // decimal matrices has denominator 10^16, and is 0.148195187856.
    let s8 = &json["exact"]["trajectory"][8];
    let waiting = s8[0].as_f64().unwrap() + s8[1].as_f64().unwrap();
    assert!((waiting - 0.148195187856).abs() < 1e-15, "{waiting}");

    // The simulation walked the same phases: within sampling error at every
    // step (|z| < 5), and the same numbers on one thread as on two.
    let z = json["simulation"]["max_abs_z"].as_f64().unwrap();
    assert!(z < 5.0, "largest |z| = {z}");
    assert_eq!(json["simulation"]["mode"], "walkers");
    let (one_thread, _) = run_json("1");
    assert_eq!(bytes, one_thread);
}

#[test]
fn the_run_reports_the_expectations_at_the_base_scenario() {
    let (_, json) = run_json("2");
    let expectations = json["expectations"].as_array().unwrap();
    assert_eq!(expectations.len(), 3);
    assert_eq!(
        expectations[0]["expectation"],
        "occupancy[candidate, canary] at 8 <= 0.2"
    );
    assert_eq!(expectations[0]["holds"], true);
    let value = expectations[0]["value"].as_f64().unwrap();
    assert!((value - 0.148195187856).abs() < 1e-15, "{value}");
}

/// Regression: a phase past the horizon was accepted without a word, and
/// two phases of one name were too.
#[test]
fn a_phase_past_the_horizon_is_noted_and_a_name_given_twice_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(common::repository("scenarios/deploy-freeze.yaml")).unwrap();
    let late = dir.path().join("late.yaml");
    std::fs::write(&late, text.replace("horizon: 16", "horizon: 3")).unwrap();
    let output = common::verchain()
        .args(["run", "--no-files", "--walkers", "0"])
        .arg(&late)
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("note: phase `freeze` (steps 3 to 7) begins at or after the horizon (3)"),
        "{stderr}"
    );
    let twice = dir.path().join("twice.yaml");
    let phase = "  - name: freeze\n    from: 3";
    let again = "  - name: freeze\n    from: 10\n    to: 12\n    parameters: {}\n";
    assert!(text.contains(phase));
    std::fs::write(
        &twice,
        text.replace(
            "\ninitial: candidate",
            &format!("{again}\ninitial: candidate"),
        ),
    )
    .unwrap();
    let output = common::verchain()
        .args(["run", "--no-files", "--walkers", "0"])
        .arg(&twice)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("two phases are named `freeze`"), "{stderr}");
}
