//! What-if analysis through the library: sweeps, phases and expectations,
//! each number against an independent value (exact fractions, products
//! multiplied by hand in rational arithmetic, published figures).

use std::fs;

use verchain::scenario::{Scenario, ScenarioError};
use verchain::sweep::expect::Verdict;
use verchain::sweep::{self, Stretch};

fn shipped(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    Scenario::parse(&fs::read_to_string(path).unwrap(), name).unwrap()
}

fn problems(text: &str) -> Vec<verchain::scenario::Problem> {
    match Scenario::parse(text, "test") {
        Err(ScenarioError::Invalid(problems)) => problems,
        other => panic!("expected problems, got {:?}", other.map(|s| s.name)),
    }
}

/// Exact rationals for products of decimal probabilities.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Ratio(i128, i128);

impl Ratio {
    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 { a.abs() } else { Self::gcd(b, a % b) }
    }
    fn new(n: i128, d: i128) -> Self {
        let g = Self::gcd(n, d).max(1);
        Ratio(n / g, d / g)
    }
    fn add(self, o: Self) -> Self {
        Self::new(self.0 * o.1 + o.0 * self.1, self.1 * o.1)
    }
    fn mul(self, o: Self) -> Self {
        Self::new(self.0 * o.0, self.1 * o.1)
    }
    fn value(self) -> f64 {
        self.0 as f64 / self.1 as f64
    }
}

/// Hundredths: `h(20)` is 0.2.
fn h(n: i128) -> Ratio {
    Ratio::new(n, 100)
}

/// `S_8` of the cohort from `candidate`, moves out of steps 3 … 7 frozen or
/// not, in rationals, from the matrices of the reference lifecycle (part 3
/// and 5 of the reference scenarios) typed in again here.
fn waiting_at_week_52(freeze: bool) -> Ratio {
    // candidate, canary, production, canary_aborted, prod_rollback, archived
    let zero = Ratio(0, 1);
    let base = [
        [h(20), h(70), zero, zero, zero, h(10)],
        [zero, h(30), h(60), h(10), zero, zero],
        [zero, zero, h(90), zero, h(2), h(8)],
        [h(50), zero, zero, zero, zero, h(50)],
        [h(30), zero, zero, zero, zero, h(70)],
        [zero, zero, zero, zero, zero, h(100)],
    ];
    let mut frozen = base;
    frozen[0] = [h(90), zero, zero, zero, zero, h(10)];
    frozen[1] = [zero, h(90), zero, h(10), zero, zero];
    frozen[2] = [zero, zero, h(98), zero, h(2), zero];
    let mut s = [h(100), zero, zero, zero, zero, zero];
    for t in 0..8 {
        let m = if freeze && (3..=7).contains(&t) {
            &frozen
        } else {
            &base
        };
        let mut next = [zero; 6];
        for (i, si) in s.iter().enumerate() {
            for (j, nj) in next.iter_mut().enumerate() {
                *nj = nj.add(si.mul(m[i][j]));
            }
        }
        s = next;
    }
    s[0].add(s[1])
}

#[test]
fn the_freeze_leaves_versions_waiting_at_week_52() {
    let scenario = shipped("deploy-freeze");
    let stretches = sweep::stretches(&scenario.whatif.phases);
    assert_eq!(stretches.len(), 1);
    let with = sweep::phased_trajectory(&scenario.chain, &stretches, &scenario.initial, 8);
    let without = sweep::phased_trajectory(&scenario.chain, &[], &scenario.initial, 8);
    let waiting = |s: &nalgebra::DVector<f64>| s[0] + s[1];

    let (frozen, free) = (waiting_at_week_52(true), waiting_at_week_52(false));
    // The reference scenarios give "about 0.15 against 0.016".
    assert!((frozen.value() - 0.148195187856).abs() < 1e-12);
    assert!((free.value() - 0.0156795724).abs() < 1e-12);
    assert!((waiting(&with[8]) - frozen.value()).abs() < 1e-15);
    assert!((waiting(&without[8]) - free.value()).abs() < 1e-15);

    // The far-step form agrees with stepping, inside and past the phase.
    for t in [5, 8, 12] {
        let stepped = sweep::phased_trajectory(&scenario.chain, &stretches, &scenario.initial, t);
        let jumped =
            sweep::phased_distribution_at(&scenario.chain, &stretches, &scenario.initial, t as u64);
        assert!((&stepped[t] - jumped).amax() < 1e-15, "t = {t}");
    }
}

#[test]
fn sweeping_p_gives_both_stationary_distributions_of_the_seed_article() {
    let scenario = shipped("seed-article");
    let grid = scenario.whatif.sweep.as_ref().unwrap();
    assert_eq!(grid.len(), 2);
    let points = sweep::run(&scenario, 0..2, &|| {});
    let expected = [
        (0.5, [0.0, 86.0 / 231.0, 20.0 / 77.0, 85.0 / 231.0]),
        (0.6, [0.0, 43.0 / 118.0, 17.0 / 59.0, 41.0 / 118.0]),
    ];
    for (point, (p, pi)) in points.iter().zip(expected) {
        assert_eq!(point.values, vec![("p".to_string(), p)]);
        let metrics = &point.result.as_ref().unwrap().metrics;
        for (state, want) in pi.iter().enumerate() {
            let got = *metrics[state].as_ref().unwrap();
            assert!(
                (got - want).abs() < 1e-15,
                "p = {p}, state {state}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn ranges_give_the_values_asked_for_and_respect_the_parameter_range() {
    let text = "
states: [a, b]
parameters:
  p: {value: 0.5, range: [0, 0.8]}
  q: {value: 0.1, range: [0.001, 1]}
transitions:
  a: {a: p, b: rest}
  b: {a: q, b: rest}
sweeps:
  parameters:
    p: {from: 0.55, to: 1, step: 0.025}
    q: {from: 0.001, to: 1, count: 4, scale: log}
";
    let scenario = Scenario::parse(text, "t").unwrap();
    let grid = scenario.whatif.sweep.unwrap();
    let p = &grid.axes[0];
    // 0.55, 0.575, …, 0.8 inside the range; 0.825 … 1 left out.
    assert_eq!(p.values.len(), 11);
    assert_eq!(p.values[2], 0.6);
    assert_eq!(p.values.last(), Some(&0.8));
    assert_eq!(p.excluded.len(), 8);
    assert_eq!(grid.axes[1].values, vec![0.001, 0.01, 0.1, 1.0]);
    assert_eq!(grid.len(), 44);
    // The last parameter varies fastest.
    assert_eq!(grid.point(5), vec![("p".into(), 0.575), ("q".into(), 0.01)]);
    // Stationary by default: π_a = q / (q + 1 − p) for this two-state chain.
    assert_eq!(grid.metrics.len(), 2);
}

#[test]
fn a_point_that_is_not_a_chain_is_an_error_naming_it() {
    let text = "
states: [a, b, c]
parameters:
  p: 0.2
  q: 0.3
transitions:
  a: {a: p, b: q, c: 1 - p - q}
  b: {a: 1}
  c: {a: 1}
sweeps:
  parameters:
    p: [0.2, 0.6]
    q: [0.3, 0.5]
";
    let scenario = Scenario::parse(text, "t").unwrap();
    let points = sweep::run(&scenario, 0..4, &|| {});
    assert!(points[0].result.is_ok());
    assert!(points[1].result.is_ok());
    assert!(points[2].result.is_ok());
    let problems = points[3].result.as_ref().unwrap_err();
    let message = &problems[0].message;
    assert!(
        message.contains("at sweep point p = 0.6, q = 0.5"),
        "{message}"
    );
    assert!(message.contains("-0.1"), "{message}");
    assert_eq!(problems[0].position.line, 7);
}

#[test]
fn metrics_agree_with_the_published_figures() {
    // MLflow registry: reaches Production 63/113, in 440/113 weeks if it does.
    let mlflow = "
states: [None, Staging, Production, Archived]
transitions:
  None: {None: 0.5, Staging: 0.35, Archived: 0.15}
  Staging: {Staging: 0.4, Production: 0.45, None: 0.05, Archived: 0.1}
  Production: {Production: 0.85, Archived: 0.15}
  Archived: absorbing
expect:
  - hitting[Production].probability from None >= 0.55
  - hitting[Production].expected_if_reached >= 3.9
  - hitting[Production].expected <= 1000
  - absorption[Archived] from Staging >= 1
  - stationary[Archived] >= 1
  - occupancy[None] at 2 <= 0.25
";
    let scenario = Scenario::parse(mlflow, "mlflow").unwrap();
    let evaluation = sweep::evaluate_base(&scenario, &[]);
    let values: Vec<Verdict> = evaluation.verdicts;
    assert!(matches!(values[0], Verdict::Holds(v) if (v - 63.0 / 113.0).abs() < 1e-14));
    // 440/113 = 3.8938 < 3.9: fails, with the value.
    assert!(matches!(values[1], Verdict::Fails(v) if (v - 440.0 / 113.0).abs() < 1e-13));
    assert!(matches!(values[2], Verdict::Fails(v) if v.is_infinite()));
    assert!(matches!(values[3], Verdict::Holds(v) if (v - 1.0).abs() < 1e-15));
    assert!(matches!(values[4], Verdict::Holds(v) if v == 1.0));
    // S_2[None] = 0.5² + 0.35 · 0.05 = 0.2675.
    assert!(matches!(values[5], Verdict::Fails(v) if (v - 0.2675).abs() < 1e-15));
}

#[test]
fn absorption_into_a_transient_state_has_no_value() {
    let text = "
states: [a, b]
transitions:
  a: {a: 0.5, b: 0.5}
  b: absorbing
expect:
  - absorption[a] >= 0.1
";
    let scenario = Scenario::parse(text, "t").unwrap();
    let verdicts = sweep::evaluate_base(&scenario, &[]).verdicts;
    assert!(matches!(&verdicts[0], Verdict::Undefined(r) if r.contains("`a` is transient")));
}

#[test]
fn an_unknown_state_or_metric_in_expect_is_a_problem_at_its_line() {
    let found = problems(
        "
states: [develop, production]
transitions:
  develop: {production: 1}
  production: absorbing
expect:
  - stationary[prodution] >= 0.3
  - 'mixing_tme <= 12'
",
    );
    assert_eq!(found.len(), 2);
    assert_eq!((found[0].position.line, found[0].position.column), (7, 16));
    assert!(found[0].message.contains("did you mean `production`"));
    assert_eq!((found[1].position.line, found[1].position.column), (8, 6));
    assert!(found[1].message.contains("did you mean `mixing_time`"));
}

#[test]
fn a_broken_phase_row_is_a_problem_at_its_line() {
    let found = problems(
        "
states: [a, b]
transitions:
  a: {a: 0.5, b: 0.5}
  b: {a: 1}
phases:
  - name: freeze
    from: 2
    to: 4
    transitions:
      a: {a: 0.9, b: 0.2}
",
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].position.line, 11);
    assert!(
        found[0].message.contains("in phase `freeze`"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("sums to 1.1"),
        "{}",
        found[0].message
    );
}

/// Regression: a phase with a refused parameter left its rows unchecked, so
/// their problems came only after the first was fixed.
#[test]
fn every_problem_of_a_phase_is_shown_at_once() {
    let found = problems(
        "
states: [a, b, c]
parameters:
  p: 0.5
transitions:
  a: {a: p, b: rest}
  b: {c: 1}
  c: absorbing
phases:
  - name: three
    from: 1
    to: 1
    parameters: {zz: 0.3}
    transitions:
      d: {a: 1}
      b: {a: 0.5}
",
    );
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    for words in [
        "phase sets `zz`, which is not a parameter",
        "in phase `three`: unknown state `d`",
        "in phase `three`: row `b` sums to 0.5",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(words)),
            "{words}: {messages:?}"
        );
    }
}

#[test]
fn overlapping_phases_and_unknown_keys_are_problems() {
    let found = problems(
        "
states: [a, b]
parameters:
  p: 0.5
transitions:
  a: {a: p, b: rest}
  b: {a: 1}
phases:
  - {name: one, from: 0, to: 4, parameters: {p: 0.1}}
  - {name: two, from: 4, to: 6, parameters: {p: 0.2}, rows: {}}
sweeps:
  parameters: {r: [1, 2]}
",
    );
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("unknown key `rows`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`r`, which is not a parameter")),
        "{messages:?}"
    );
}

#[test]
fn a_phase_changing_a_parameter_changes_only_its_steps() {
    let text = "
states: [a, b]
parameters:
  p: 0.5
transitions:
  a: {a: p, b: rest}
  b: {a: 1}
phases:
  - {name: slow, from: 1, to: 1, parameters: {p: 0.9}}
";
    let scenario = Scenario::parse(text, "t").unwrap();
    let stretches: Vec<Stretch> = sweep::stretches(&scenario.whatif.phases);
    let s = sweep::phased_trajectory(&scenario.chain, &stretches, &scenario.initial, 3);
    // S_1 = (0.5, 0.5); S_2 = (0.5·0.9 + 0.5, 0.5·0.1) = (0.95, 0.05);
    // S_3 = (0.95·0.5 + 0.05, 0.95·0.5) = (0.525, 0.475).
    assert!((s[2][0] - 0.95).abs() < 1e-15);
    assert!((s[3][0] - 0.525).abs() < 1e-15);
}

#[test]
fn sweep_points_follow_the_phases_at_their_own_values() {
    let path = format!(
        "{}/scenarios/deploy-freeze.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = fs::read_to_string(path).unwrap()
        + "
sweeps:
  parameters:
    canary_pass: [0.5, 0.6]
  metrics: ['occupancy[candidate, canary] at 8', 'occupancy[production] at 8']
";
    let scenario = Scenario::parse(&text, "freeze").unwrap();
    let points = sweep::run(&scenario, 0..2, &|| {});
    let metrics = |k: usize| points[k].result.as_ref().unwrap().metrics.clone();
    // At the base value the point is the scenario itself, freeze included.
    let waiting = waiting_at_week_52(true).value();
    assert!((metrics(1)[0].as_ref().unwrap() - waiting).abs() < 1e-15);
    // The freeze stops every promotion, whatever canary_pass is, so the
    // waiting share moves with canary_pass only through weeks 45 to 47.
    let (low, high) = (
        *metrics(0)[0].as_ref().unwrap(),
        *metrics(1)[0].as_ref().unwrap(),
    );
    assert!(low > high, "{low} {high}");
    // The point re-evaluated from the rows as written agrees with the
    // scenario's own phased trajectory.
    let stretches = sweep::stretches(&scenario.whatif.phases);
    let s = sweep::phased_trajectory(&scenario.chain, &stretches, &scenario.initial, 8);
    assert!((metrics(1)[1].as_ref().unwrap() - s[8][2]).abs() < 1e-15);
}

#[test]
fn malformed_ranges_are_problems_that_say_how_to_write_them() {
    let base = "
states: [a, b]
parameters: {p: 0.5, q: 0.5}
transitions:
  a: {a: p, b: rest}
  b: {a: q, b: rest}
sweeps:
  parameters:
";
    let cases = [
        (
            "    p: {from: 0.6, to: 0.2, step: 0.1}",
            "`from` (0.6) is above `to` (0.2)",
        ),
        (
            "    p: {from: 0.1, to: 0.2, step: 0}",
            "`step` is 0, not above 0",
        ),
        (
            "    p: {from: 0, to: 0.2, count: 3, scale: log}",
            "log-spaced values need `from` above 0",
        ),
        ("    p: {from: 0.1, to: 0.2, count: 0}", "`count` is 0"),
        (
            "    p: {from: 0.1, to: 0.2}",
            "give either `step` (linear) or `count`",
        ),
        (
            "    p: {from: 0.1, to: 0.2, stpe: 0.1}",
            "did you mean `step`?",
        ),
        ("    p: [0.1, high]", "must be a list of numbers"),
    ];
    for (line, words) in cases {
        let found = problems(&format!("{base}{line}\n"));
        let text: Vec<String> = found
            .iter()
            .map(|p| format!("{} {}", p.message, p.label.clone().unwrap_or_default()))
            .collect();
        assert!(text.iter().any(|t| t.contains(words)), "{line}: {text:?}");
        assert!(
            found.iter().all(|p| p.position.line >= 9),
            "{line}: {found:?}"
        );
    }
}
