//! `verchain run` on a scenario with phases, end to end: the trajectory and
//! the simulation follow the deploy freeze.

use assert_cmd::Command;
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
