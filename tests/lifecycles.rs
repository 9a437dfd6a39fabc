//! The reference lifecycles shipped in `scenarios/`, against answers
//! computed independently with exact rational arithmetic (Python's
//! `fractions`, Gauss–Jordan on `(I − Q) h = r` and `(I − Q) g = h`).

use nalgebra::DVector;
use verchain::analysis::hitting;
use verchain::scenario::Scenario;

fn load(file: &str, replace: &[(&str, &str)]) -> Scenario {
    let mut text =
        std::fs::read_to_string(format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "{file} has no {from:?}");
        text = text.replace(from, to);
    }
    Scenario::parse(&text, file).unwrap()
}

/// (probability of ever reaching `target` from the start, expected steps if it does).
fn reach(scenario: &Scenario, target: &str) -> (f64, f64) {
    let index = scenario.chain.index_of(target).unwrap();
    let h = hitting::analyze(scenario.chain.matrix(), &[index], 1, &scenario.initial);
    (
        h.probability_from(&scenario.initial),
        h.expected_steps_if_reached_from(&scenario.initial),
    )
}

fn assert_reach(scenario: &Scenario, target: &str, probability: f64, steps: f64) {
    let (p, t) = reach(scenario, target);
    assert!(
        (p - probability).abs() < 1e-12,
        "{}: P(reach {target}) = {p}, want {probability}",
        scenario.name
    );
    assert!(
        (t - steps).abs() < 1e-10,
        "{}: E[steps to {target} | reached] = {t}, want {steps}",
        scenario.name
    );
}

#[test]
fn mlflow_registry() {
    let s = load("mlflow-registry.yaml", &[]);
    assert_reach(&s, "Production", 63.0 / 113.0, 440.0 / 113.0);
}

#[test]
fn canary_rollout_base_and_strict() {
    let base = load("canary-rollout.yaml", &[]);
    assert_reach(&base, "prod_rollback", 4.0 / 25.0, 1357.0 / 105.0);
    assert_reach(&base, "canary_aborted", 25.0 / 191.0, 4443.0 / 1337.0);
    assert_reach(&base, "production", 0.8, 307.0 / 105.0);

    // The stricter canary threshold: pass 0.55 (abort 0.15), rollback 0.01.
    let strict = load(
        "canary-rollout.yaml",
        &[
            ("value: 0.6\n", "value: 0.55\n"),
            ("value: 0.02\n", "value: 0.01\n"),
        ],
    );
    assert_reach(&strict, "prod_rollback", 11.0 / 145.0, 2651.0 / 203.0);
    assert_reach(&strict, "canary_aborted", 300.0 / 1567.0, 32541.0 / 10969.0);
    assert_reach(&strict, "production", 22.0 / 29.0, 621.0 / 203.0);
}

#[test]
fn sagemaker_manual_and_auto_approval() {
    let manual = load("sagemaker-approval.yaml", &[]);
    assert_reach(&manual, "Deployed", 12.0 / 17.0, 125.0 / 34.0);
    let auto = load(
        "sagemaker-approval.yaml",
        &[("value: 0.3\n", "value: 0.9\n")],
    );
    assert_reach(&auto, "Deployed", 72.0 / 85.0, 37.0 / 17.0);
}

#[test]
fn champion_challenger() {
    let s = load("champion-challenger.yaml", &[]);
    assert_reach(&s, "champion", 6.0 / 25.0, 4.0);
}

#[test]
fn absorbing_lifecycles_end_in_their_absorbing_states() {
    // Every version of the canary rollout is archived in the end.
    let s = load("canary-rollout.yaml", &[]);
    let exact = verchain::analysis::analyze(&s.chain, &s.initial, 5, &[]);
    let a = exact.absorbing.unwrap();
    for row in a.probabilities.row_iter() {
        assert!((row.sum() - 1.0).abs() < 1e-14);
    }
    // t = N 1: from archived-bound transient states, at least one step.
    assert!(a.expected_steps.iter().all(|&t| t >= 1.0));
    let n = a.fundamental_matrix.unwrap();
    let ones = DVector::from_element(n.ncols(), 1.0);
    assert!((&n * ones - &a.expected_steps).amax() < 1e-12);
}
