//! Exact sensitivities against central finite differences of the metrics
//! themselves: each side computed its own way (derivative formulas through
//! the fundamental matrix, against metrics evaluated at θ ± h).

use std::fs;

use verchain::scenario::Scenario;
use verchain::sweep::metric::{self, Metric};
use verchain::sweep::{self, Questions, sensitivity};

/// Central difference of each metric in `texts` along each parameter,
/// checked against the exact derivatives to 1e-6 relative.
fn agrees_with_finite_differences(scenario: &Scenario, texts: &[&str]) -> usize {
    let metrics: Vec<Metric> = texts
        .iter()
        .map(|t| metric::parse_whole(t, scenario.states()).unwrap())
        .collect();
    let exact = sensitivity::of_scenario(scenario, &metrics).unwrap();
    let template = scenario.whatif.template.as_ref().unwrap();
    let questions = Questions {
        metrics: &metrics,
        expectations: &[],
        horizon: scenario.horizon,
        epsilon: scenario.epsilon,
    };
    let at = |name: &str, value: f64| -> Vec<f64> {
        let (chain, initial) = template
            .evaluate(&[(name.to_string(), value)], &[])
            .unwrap();
        sweep::evaluate(&chain, &initial, &[], &questions)
            .metrics
            .into_iter()
            .map(Result::unwrap)
            .collect()
    };
    let mut checked = 0;
    for parameter in &scenario.parameters {
        let h = 1e-5 * parameter.value.abs().max(1.0);
        let (up, down) = (
            at(&parameter.name, parameter.value + h),
            at(&parameter.name, parameter.value - h),
        );
        for (k, s) in exact.iter().enumerate() {
            let fd = (up[k] - down[k]) / (2.0 * h);
            let (_, _, d) = s
                .derivatives
                .iter()
                .find(|(n, _, _)| *n == parameter.name)
                .unwrap();
            let d = *d.as_ref().unwrap_or_else(|e| panic!("{}: {e}", texts[k]));
            let scale = fd.abs().max(d.abs());
            assert!(
                (d - fd).abs() <= 1e-6 * scale.max(1e-3),
                "∂ {} / ∂ {}: exact {d}, finite difference {fd}",
                texts[k],
                parameter.name
            );
            checked += 1;
        }
    }
    checked
}

fn shipped(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    Scenario::parse(&fs::read_to_string(path).unwrap(), name).unwrap()
}

#[test]
fn the_seed_article_in_p() {
    let checked = agrees_with_finite_differences(
        &shipped("seed-article"),
        &[
            "stationary[test]",
            "stationary[deploy]",
            "stationary[update]",
            "hitting[deploy].expected from develop",
            "hitting[update].expected",
            "occupancy[deploy] at 5",
        ],
    );
    assert_eq!(checked, 6);
}

#[test]
fn the_canary_rollout_in_both_parameters() {
    let checked = agrees_with_finite_differences(
        &shipped("canary-rollout"),
        &[
            "hitting[production].probability from candidate",
            "hitting[prod_rollback].probability from candidate",
            "hitting[canary_aborted, prod_rollback].probability",
            "hitting[archived].expected from canary",
            "occupancy[production] at 10",
            "absorption[archived]",
        ],
    );
    assert_eq!(checked, 12);
}

#[test]
fn two_closed_classes_with_parameters_inside_and_outside_them() {
    let text = "
states: [start, a, b, c, gone]
parameters: {p: 0.3, q: 0.4, r: 0.25}
transitions:
  start: {start: 0.2, a: p, gone: rest}
  a: {a: 1 - q, b: q}
  b: {a: r, c: rest}
  c: {a: 0.5 * r, b: 1 - 0.5 * r}
  gone: absorbing
horizon: 12
";
    let scenario = Scenario::parse(text, "t").unwrap();
    let checked = agrees_with_finite_differences(
        &scenario,
        &[
            "stationary[a]",
            "stationary[b]",
            "stationary[c]",
            "stationary[gone]",
            "absorption[gone]",
            "absorption[b] from start",
            "hitting[c].expected from a",
            "hitting[c].probability",
            "occupancy[b] at 7",
        ],
    );
    assert_eq!(checked, 27);

    // A closed form as well: the share ending in `gone` is (0.8 − p) / 0.8,
    // so its derivative in p is −1/0.8.
    let metrics = [metric::parse_whole("absorption[gone]", scenario.states()).unwrap()];
    let s = sensitivity::of_scenario(&scenario, &metrics).unwrap();
    let d = s[0].derivatives[0].2.as_ref().unwrap();
    assert!((d + 1.0 / 0.8).abs() < 1e-14, "{d}");
}

#[test]
fn no_derivative_where_the_structure_changes_or_for_mixing_times() {
    let text = "
states: [a, b]
parameters: {p: 0}
transitions:
  a: {a: 1 - p, b: p}
  b: {a: 0.5, b: 0.5}
";
    let scenario = Scenario::parse(text, "t").unwrap();
    let metrics = [
        metric::parse_whole("stationary[a]", scenario.states()).unwrap(),
        Metric::MixingTime,
    ];
    let s = sensitivity::of_scenario(&scenario, &metrics).unwrap();
    assert!(
        s[0].derivatives[0]
            .2
            .as_ref()
            .unwrap_err()
            .contains("structure changes")
    );
    assert!(
        s[1].derivatives[0]
            .2
            .as_ref()
            .unwrap_err()
            .contains("whole number")
    );
}

#[test]
fn the_command_ranks_parameters_and_writes_a_table() {
    let out = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_verchain"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "sensitivity",
            "scenarios/seed-article.yaml",
            "-q",
            "--output",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    // π_deploy = 20/77 at p = 1/2.
    assert!(stdout.contains("stationary[deploy] = 0.259740"), "{stdout}");
    let csv = fs::read_to_string(out.path().join("seed-article/sensitivity.csv")).unwrap();
    assert!(csv.starts_with("metric,value,parameter,parameter_value,derivative,elasticity,rank\n"));
    // On {test, deploy, update}, π_deploy = (0.2 + 0.8 p) / (2.06 + 0.5 p),
    // so ∂π_deploy/∂p = 1.548 / (2.06 + 0.5 p)², 1.548 / 2.31² at p = 1/2.
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("stationary[deploy],"))
        .unwrap()
        .split(',')
        .collect();
    let number = |k: usize| row[k].parse::<f64>().unwrap();
    assert!((number(1) - 20.0 / 77.0).abs() < 1e-15);
    assert!(
        (number(4) - 1.548 / (2.31 * 2.31)).abs() < 1e-14,
        "{}",
        row[4]
    );
    assert_eq!(row[6], "1");
}

#[test]
fn occupancies_through_a_phase() {
    // FD through the phases: the base rows and the freeze rows evaluated
    // at θ ± h, then multiplied step by step.
    let scenario = shipped("deploy-freeze");
    let texts = [
        "occupancy[production] at 8",
        "occupancy[candidate, canary] at 10",
    ];
    let metrics: Vec<Metric> = texts
        .iter()
        .map(|t| metric::parse_whole(t, scenario.states()).unwrap())
        .collect();
    let exact = sensitivity::of_scenario(&scenario, &metrics).unwrap();
    let template = scenario.whatif.template.as_ref().unwrap();
    let phase = &scenario.whatif.phases[0];
    let at = |name: &str, value: f64| -> Vec<f64> {
        let values = [(name.to_string(), value)];
        let (chain, initial) = template.evaluate(&values, &[]).unwrap();
        let (frozen, _) = template.evaluate(&values, &phase.replaced).unwrap();
        let stretch = sweep::Stretch {
            from: phase.from,
            to: phase.to,
            chain: &frozen,
        };
        let s = sweep::phased_trajectory(&chain, &[stretch], &initial, 10);
        vec![s[8][2], s[10][0] + s[10][1]]
    };
    for parameter in &scenario.parameters {
        let h = 1e-5;
        let (up, down) = (
            at(&parameter.name, parameter.value + h),
            at(&parameter.name, parameter.value - h),
        );
        for (k, s) in exact.iter().enumerate() {
            let fd = (up[k] - down[k]) / (2.0 * h);
            let d = s
                .derivatives
                .iter()
                .find(|(n, _, _)| *n == parameter.name)
                .unwrap();
            let d = *d.2.as_ref().unwrap();
            assert!(
                (d - fd).abs() <= 1e-6 * fd.abs().max(d.abs()).max(1e-3),
                "∂ {} / ∂ {}: exact {d}, finite difference {fd}",
                texts[k],
                parameter.name
            );
        }
    }
    // rollback_rate appears in the freeze rows too, so it moves production.
    let d = exact[0]
        .derivatives
        .iter()
        .find(|(n, _, _)| n == "rollback_rate")
        .unwrap();
    assert!(*d.2.as_ref().unwrap() < 0.0);
    // The value follows the phase: it is not the base trajectory's.
    let base_value = sweep::phased_trajectory(&scenario.chain, &[], &scenario.initial, 8)[8][2];
    assert!((exact[0].value.as_ref().unwrap() - base_value).abs() > 1e-3);
}
