//! Scenario files: what is accepted, and each kind of problem with its
//! position and numbers.

use approx::assert_abs_diff_eq;
use nalgebra::{DMatrix, dvector};
use verchain::analysis::{self, Structure, absorbing};
use verchain::scenario::{Problem, Scenario, ScenarioError};

fn shipped(name: &str) -> String {
    std::fs::read_to_string(format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn problems(text: &str) -> Vec<Problem> {
    match Scenario::parse(text, "test") {
        Err(ScenarioError::Invalid(problems)) => problems,
        Err(ScenarioError::Yaml(e)) => panic!("YAML error instead of problems: {e}"),
        Ok(_) => panic!("accepted:\n{text}"),
    }
}

/// The one problem a text has, as (line, column, message).
fn only_problem(text: &str) -> (u64, u64, String) {
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    let p = &found[0];
    (p.position.line, p.position.column, p.message.clone())
}

const HEADER: &str = "states: [a, b]\n";

#[test]
fn each_kind_of_problem_names_its_place_and_numbers() {
    let cases: [(&str, u64, &str); 15] = [
        (
            "transitions:\n  a: {a: 1.5, b: rest}\n  b: absorbing\n",
            3,
            "entry `a` is 1.5, which is not a probability",
        ),
        (
            "transitions:\n  a: {a: -0.1, b: 1.1}\n  b: absorbing\n",
            3,
            "entry `a` is -0.1",
        ),
        (
            "transitions:\n  a: {a: .nan, b: 1}\n  b: absorbing\n",
            3,
            "entry `a` is NaN",
        ),
        (
            "transitions:\n  a: {a: 0.5, b: 0.6}\n  b: absorbing\n",
            3,
            "row `a` sums to 1.1, not 1",
        ),
        (
            "transitions:\n  a: {a: 0.5, c: 0.5}\n  b: absorbing\n",
            3,
            "unknown state `c` in the row of `a`",
        ),
        (
            "transitions:\n  a: {b: 1}\n",
            2,
            "state `b` has no row in `transitions`",
        ),
        (
            "transitions:\n  a: {a: 0.7, b: 0.7, c: rest}\n  b: absorbing\n",
            3,
            "unknown state `c`",
        ),
        (
            "transitions:\n  a: {a: 0.7, b: rest}\n  b: {a: 0.9, b: 0.3, c: rest}\n",
            4,
            "unknown state `c`",
        ),
        (
            "transitions:\n  a: {a: 0.6, b: 0.6}\n  b: {a: 0.6, b: 0.6}\n",
            3,
            "row `a` sums to 1.2",
        ),
        (
            "transitions:\n  a: {b: 1 -}\n  b: absorbing\n",
            3,
            "cannot read `1 -`",
        ),
        (
            "transitions:\n  a: {b: 1 - p}\n  b: absorbing\n",
            3,
            "`p` is not a parameter",
        ),
        // Regression: each entry using a refused parameter added "`p` is
        // not a parameter", though it is declared.
        (
            "parameters:\n  p: {value: high}\ntransitions:\n  a: {b: p, a: 1 - p}\n  b: absorbing\n",
            3,
            "`parameters.p` must be a finite number",
        ),
        (
            "parameters: {p: 0}\ntransitions:\n  a: {b: p / p}\n  b: absorbing\n",
            4,
            "`p / p` divides by zero",
        ),
        (
            "parameters:\n  p: {value: 1.5, range: [0, 1]}\ntransitions:\n  a: {b: 1}\n  b: absorbing\n",
            3,
            "parameter `p` is 1.5, outside its range [0, 1]",
        ),
        (
            "transitions:\n  a: {b: 1}\n  b: absorbing\ninitial: {a: 0.5, b: 0.4}\n",
            5,
            "`initial` sums to 0.9, not 1",
        ),
    ];
    for (body, line, message) in cases {
        let text = format!("{HEADER}{body}");
        let found = problems(&text);
        let hit = found
            .iter()
            .find(|p| p.message.contains(message))
            .unwrap_or_else(|| panic!("no problem says {message:?} in\n{text}\nfound {found:#?}"));
        assert_eq!(hit.position.line, line, "{message}");
    }
}

#[test]
fn both_rows_summing_wrong_are_both_reported() {
    let found =
        problems("states: [a, b]\ntransitions:\n  a: {a: 0.6, b: 0.6}\n  b: {a: 0.6, b: 0.6}\n");
    assert_eq!(found.len(), 2);
    assert!(found[1].message.contains("row `b` sums to 1.2"));
}

#[test]
fn a_wrong_sum_is_reported_beside_problems_in_other_rows() {
    // Rows that read cleanly have their sums checked even when another row
    // has a problem; the broken rows' own sums say nothing and are not.
    for text in [
        "states: [a, b, c]\ntransitions:\n  a: {a: 0.7, b: 0.8}\n  b: {cc: 1}\n  c: {c: x}\n",
        "states: [a, b, c]\nmatrix:\n  - [0.7, 0.8, 0]\n  - [1, 0]\n  - [0, 0, x]\n",
    ] {
        let found = problems(text);
        let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(found.len(), 3, "{messages:#?}");
        assert!(
            messages.iter().any(|m| m.contains("row `a` sums to 1.5")),
            "{messages:#?}"
        );
        assert!(
            !messages.iter().any(|m| m.contains("row `b` sums")),
            "{messages:#?}"
        );
    }
}

#[test]
fn rest_that_would_be_negative_gives_the_other_sum() {
    let (line, _, message) = only_problem(
        "states: [a, b]\ntransitions:\n  a: {a: 0.7, b: 0.5, a2: 0}\n  b: absorbing\n",
    );
    assert_eq!(line, 3);
    assert!(message.contains("unknown state `a2`"), "{message}");
    let (line, _, message) = only_problem(
        "states: [a, b, c]\ntransitions:\n  a: {a: 0.7, b: 0.5, c: rest}\n  b: absorbing\n  c: absorbing\n",
    );
    assert_eq!(line, 3);
    assert_eq!(
        message,
        "`rest` in the row of `a` would be -0.2: the other entries already sum to 1.2"
    );
}

#[test]
fn a_transposed_matrix_is_recognised() {
    let found = problems("states: [a, b]\nmatrix:\n  - [0.9, 0.5]\n  - [0.1, 0.5]\n");
    assert_eq!(found.len(), 2);
    assert!(found[0].message.contains("row `a` sums to 1.4"));
    assert!(
        found[0]
            .help
            .as_deref()
            .unwrap()
            .contains("looks transposed")
    );
    assert_eq!((found[0].position.line, found[0].position.column), (3, 5));
}

/// Regression: a parameter whose value is refused was the only problem
/// meant, but each entry using it added "`p` is not a parameter", and then
/// its row was summed without those entries ("sums to 0.5").
#[test]
fn a_refused_parameter_is_one_problem() {
    for rows in [
        "transitions:\n  a: {b: p, a: 1 - p}\n  b: absorbing\n",
        "transitions:\n  a: {b: p, a: 0.5}\n  b: absorbing\n",
        "matrix:\n  - [0.5, p]\n  - [0, 1]\n",
    ] {
        let text = format!("{HEADER}parameters:\n  p: {{value: high}}\n{rows}");
        let (line, _, message) = only_problem(&text);
        assert_eq!(line, 3, "{text}");
        assert!(
            message.starts_with("`parameters.p` must be a finite number"),
            "{message}"
        );
    }
}

/// Regression: with a row too few, a row of the wrong length was shown only
/// after the first problem was fixed.
#[test]
fn a_matrix_of_the_wrong_shape_shows_every_row_of_the_wrong_length() {
    let found = problems("states: [a, b, c]\nmatrix:\n  - [0, 1]\n  - [1, 0, 0, 0]\n");
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`matrix` has 2 rows, but there are 3 states",
            "row 1 of `matrix` has 2 entries, but there are 3 states",
            "row 2 of `matrix` has 4 entries, but there are 3 states",
        ]
    );
    assert_eq!(found[2].position.line, 4);
}

/// Regression: a state name with a control character was said to be
/// "not a non-empty state name", which hides what is wrong with it.
#[test]
fn a_control_character_in_a_state_name_is_named() {
    let (line, column, message) =
        only_problem("states: [a, \"b\\u0001\"]\ntransitions:\n  a: {a: 1}\n  b: {a: 1}\n");
    assert_eq!((line, column), (1, 13));
    assert!(message.contains("holds a control character"), "{message}");
}

/// Regression: a state name of 64 KiB made the run's table panic (a
/// formatting width past what `std::fmt` allows).
#[test]
fn a_state_name_longer_than_the_limit_is_refused_where_it_is() {
    let longest = "s".repeat(verchain::scenario::MAX_STATE_BYTES);
    let text =
        format!("states: [a, {longest}]\ntransitions:\n  a: {{a: 1}}\n  {longest}: {{a: 1}}\n");
    let scenario = Scenario::parse(&text, "test").expect("a name of the largest length");
    assert_eq!(scenario.chain.states()[1], longest);
    let text = text.replace(&longest, &format!("{longest}s"));
    let (line, column, message) = only_problem(&text);
    assert_eq!(
        message,
        format!(
            "a state name is {} bytes long, more than the {} a state name may have",
            verchain::scenario::MAX_STATE_BYTES + 1,
            verchain::scenario::MAX_STATE_BYTES
        )
    );
    assert_eq!((line, column), (1, 13));
}

#[test]
fn duplicate_states_and_unknown_keys_are_named() {
    let found = problems("states: [a, b, a]\ntransitons: {}\nhorizon: 5\n");
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.contains(&"state `a` is listed twice"),
        "{messages:?}"
    );
    let unknown = found
        .iter()
        .find(|p| p.message.contains("transitons"))
        .unwrap();
    assert_eq!(
        unknown.label.as_deref(),
        Some("did you mean `transitions`?")
    );
    assert_eq!(unknown.position.line, 2);
}

#[test]
fn yaml_errors_keep_their_position() {
    for (text, line) in [("states: [a\n", 1), ("states: [a]\nstates: [b]\n", 2)] {
        match Scenario::parse(text, "t") {
            Err(ScenarioError::Yaml(e)) => {
                assert_eq!(e.location().map(|l| l.line()), Some(line), "{text}")
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn defaults_and_forms_of_initial() {
    let base = "states: [a, b, c]\ntransitions:\n  a: {b: 1}\n  b: {c: 1}\n  c: absorbing\n";
    let s = Scenario::parse(base, "fallback").unwrap();
    assert_eq!(s.name, "fallback");
    assert_eq!(s.unit, "step");
    assert_eq!(s.horizon, 20);
    assert_eq!(s.simulation.walkers, 100_000);
    assert_eq!(s.tolerance, 1e-9);
    assert_eq!(s.initial, dvector![1.0, 0.0, 0.0]);
    for (initial, expected) in [
        ("b", dvector![0.0, 1.0, 0.0]),
        ("{c: 0.25, a: 0.75}", dvector![0.75, 0.0, 0.25]),
        ("[0.2, 0.3, 0.5]", dvector![0.2, 0.3, 0.5]),
    ] {
        let s = Scenario::parse(&format!("{base}initial: {initial}\n"), "t").unwrap();
        assert_eq!(s.initial, expected, "{initial}");
    }
}

#[test]
fn a_matrix_may_hold_expressions_and_rest() {
    let s = Scenario::parse(
        "states: [a, b]\nparameters: {p: 0.25}\nmatrix:\n  - [1 - p, p]\n  - [rest, 0.5]\n",
        "t",
    )
    .unwrap();
    assert_eq!(
        s.chain.matrix(),
        &DMatrix::from_row_slice(2, 2, &[0.75, 0.25, 0.5, 0.5])
    );
}

#[test]
fn seed_article_matches_the_exact_fractions_for_both_values_of_p() {
    let text = shipped("seed-article.yaml");
    // p = 1/2 and the article's later 3/5 (exact values by rational arithmetic).
    let cases = [
        (
            "0.5",
            [
                0.0,
                18757697.0 / 50e6,
                51415281.0 / 200e6,
                73553931.0 / 200e6,
            ],
            [86.0 / 231.0, 20.0 / 77.0, 85.0 / 231.0],
        ),
        (
            "0.6",
            [
                0.0,
                141489.0 / 390625.0,
                557328.0 / 1953125.0,
                688352.0 / 1953125.0,
            ],
            [43.0 / 118.0, 17.0 / 59.0, 41.0 / 118.0],
        ),
    ];
    for (p, s10, pi) in cases {
        let scenario =
            Scenario::parse(&text.replace("value: 0.5", &format!("value: {p}")), "seed").unwrap();
        let exact = analysis::analyze(&scenario.chain, &scenario.initial, 10, &[10]);
        for got in [&exact.trajectory[10], &exact.at[0].1] {
            assert_abs_diff_eq!(got.as_slice(), &s10[..], epsilon = 1e-12);
        }
        assert_abs_diff_eq!(
            &exact.stationary[0].distribution.as_slice()[1..],
            &pi[..],
            epsilon = 1e-12
        );
        assert_eq!(exact.structure.transient, vec![0]);
        assert_eq!(exact.structure.classes[1].period, Some(1));
    }
}

/// The probability of ever reaching `target` from the start, by making the
/// target absorbing and asking for absorption into it.
fn reach_probability(scenario: &Scenario, target: &str) -> f64 {
    let t = scenario.chain.index_of(target).unwrap();
    let mut matrix = scenario.chain.matrix().clone();
    matrix.row_mut(t).fill(0.0);
    matrix[(t, t)] = 1.0;
    let structure = Structure::of(&matrix);
    let class = structure
        .closed_classes()
        .position(|c| c.states == vec![t])
        .unwrap();
    let h = absorbing::class_absorption_probabilities(&matrix, &structure);
    (h.transpose() * &scenario.initial)[class]
}

#[test]
fn shipped_lifecycles_reach_production_as_published() {
    // Exact values: MLflow 63/113, canary 0.8 (base policy), SageMaker 12/17,
    // champion 6/25.
    let cases = [
        ("mlflow-registry.yaml", "Production", 63.0 / 113.0),
        ("canary-rollout.yaml", "production", 0.8),
        ("sagemaker-approval.yaml", "Deployed", 12.0 / 17.0),
        ("champion-challenger.yaml", "champion", 6.0 / 25.0),
    ];
    for (file, target, expected) in cases {
        let scenario = Scenario::parse(&shipped(file), "t").unwrap();
        assert_abs_diff_eq!(
            reach_probability(&scenario, target),
            expected,
            epsilon = 1e-12
        );
    }
}

/// The one problem a text has, with its hint.
fn only_help(text: &str) -> String {
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    found[0].help.clone().unwrap_or_default()
}

#[test]
fn entries_that_are_not_probabilities_say_how_to_fix_them() {
    let cases = [
        ("a: {a: .nan, b: 1}", "`.nan` is not a number"),
        ("a: {a: 1e999, b: 0}", "too large for a double"),
        ("a: {a: -.inf, b: 1}", "infinite"),
        (
            "a: {a: 40, b: rest}",
            "if 40 is meant as a percentage, write 0.4",
        ),
        ("a: {a: -0.5, b: 1}", "a probability lies from 0 to 1"),
        ("a: {a: absorbing}", "write `state: absorbing`"),
    ];
    for (row, hint) in cases {
        let text = format!("{HEADER}transitions:\n  {row}\n  b: absorbing\n");
        let help = only_help(&text);
        assert!(help.contains(hint), "{row}: {help}");
    }
    let text = format!("{HEADER}matrix:\n  - [1]\n  - [0, 1]\n");
    let (line, _, message) = only_problem(&text);
    assert_eq!(line, 3);
    assert!(
        message.contains("has 1 entry, but there are 2 states"),
        "{message}"
    );
}
