//! The peer test vectors of `tests/data/peer-vectors.json`: every vector whose
//! query verchain answers today must pass, and the rest are listed with the
//! reason they are skipped.

use std::collections::BTreeSet;

use nalgebra::{DMatrix, DVector};
use serde_json::Value;
use verchain::analysis::{self, Structure, transient};

/// Query parts checked by `time_and_fate_vectors_pass` instead, vector by
/// vector, since each source lays these answers out its own way.
const FATE: [&str; 11] = [
    "spectral_gap",
    "mean_first_passage",
    "mfpt",
    "mean_recurrence_times",
    "expected_hitting_times",
    "hitting_probabilities",
    "fundamental_matrix",
    "absorption_probabilities",
    "expected_steps_to_absorption",
    "mean_absorption_times",
    "absorption computed)",
];

/// Query parts verchain does not answer, and why.
const UNSUPPORTED: [(&str, &str); 2] = [
    ("expected_rewards", "rewards are not part of verchain"),
    (
        "cyclic_classes",
        "cyclic subclasses of a periodic class are not reported",
    ),
];

fn vectors() -> Vec<Value> {
    let text = include_str!("data/peer-vectors.json");
    let document: Value = serde_json::from_str(text).unwrap();
    document["vectors"].as_array().unwrap().clone()
}

/// The parts of a query type, e.g. "period+stationary" → ["period", "stationary"].
fn parts(vector: &Value) -> Vec<String> {
    let kind = vector["query"]["type"].as_str().unwrap();
    kind.split('+')
        .map(|p| p.split(" (").next().unwrap().trim().to_string())
        .collect()
}

/// A decimal number or an exact fraction string such as "86/231".
fn number(value: &Value) -> f64 {
    match value {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match s.split_once('/') {
            Some((a, b)) => {
                a.trim().parse::<u128>().unwrap() as f64 / b.trim().parse::<u128>().unwrap() as f64
            }
            None => s.parse().unwrap(),
        },
        _ => panic!("not a number: {value}"),
    }
}

fn vector_of(value: &Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(number).collect()
}

fn matrix_of(vector: &Value) -> DMatrix<f64> {
    if let Some(recipe) = vector
        .get("recipe")
        .filter(|_| vector.get("matrix").is_none())
    {
        return from_recipe(
            vector["id"].as_str().unwrap(),
            recipe.as_str().unwrap(),
            vector,
        );
    }
    // Exact fractions where the source gives them: 1/3 is not a decimal.
    let rows = vector.get("matrix_exact").unwrap_or(&vector["matrix"]);
    let rows: Vec<Vec<f64>> = rows.as_array().unwrap().iter().map(vector_of).collect();
    let n = rows.len();
    DMatrix::from_fn(n, n, |i, j| rows[i][j])
}

/// The chains given by a recipe instead of a matrix.
fn from_recipe(id: &str, recipe: &str, vector: &Value) -> DMatrix<f64> {
    let n = vector["n"].as_u64().unwrap() as usize;
    match id {
        "ehrenfest-50" => DMatrix::from_fn(n, n, |i, j| {
            let balls = (n - 1) as f64;
            if j + 1 == i {
                i as f64 / balls
            } else if j == i + 1 {
                (balls - i as f64) / balls
            } else {
                0.0
            }
        }),
        "gamblers-ruin-101" => DMatrix::from_fn(n, n, |i, j| match (i, j) {
            (0, 0) => 1.0,
            _ if i == n - 1 && j == n - 1 => 1.0,
            _ if i == 0 || i == n - 1 => 0.0,
            _ if j == i + 1 => 0.45,
            _ if j + 1 == i => 0.55,
            _ => 0.0,
        }),
        "cycle-100" => DMatrix::from_fn(n, n, |i, j| if j == (i + 1) % n { 1.0 } else { 0.0 }),
        "lcg-dense-50" => {
            let mut x: u64 = 42;
            let weights = DMatrix::from_row_iterator(
                n,
                n,
                (0..n * n).map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((x >> 33) % 100 + 1) as f64
                }),
            );
            let check = vector_of(&vector["check_row0_weights"]);
            for (k, w) in check.iter().enumerate() {
                assert_eq!(weights[(0, k)], *w, "the recipe's weights");
            }
            let mut p = weights;
            for mut row in p.row_iter_mut() {
                let sum = row.sum();
                row /= sum;
            }
            p
        }
        _ => panic!("no builder for recipe {id}: {recipe}"),
    }
}

/// Tolerance for a comparison: the vector's own, or by how it was obtained.
fn tolerance(vector: &Value) -> f64 {
    if let Some(t) = vector.get("tolerance").and_then(Value::as_f64) {
        return t;
    }
    match vector["expected_by"].as_str().unwrap_or("") {
        by if by.starts_with("source") => 1e-7,
        _ => 1e-12,
    }
}

fn assert_close(got: &[f64], want: &[f64], tolerance: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tolerance + 1e-9 * w.abs(),
            "{what}[{k}]: got {g}, want {w} (tolerance {tolerance})"
        );
    }
}

/// The expected value of one part, from `expected` or, when the query has one
/// part, `expected` itself; exact fractions preferred.
fn expected<'a>(vector: &'a Value, part: &str, single: bool) -> Option<&'a Value> {
    for key in ["expected_exact", "computed_exact", "expected"] {
        if let Some(e) = vector.get(key) {
            // Exact answers given as prose ("C(50,i)/2^50") are read from `expected`.
            if let Some(v) = e.get(part).filter(|v| key == "expected" || v.is_array()) {
                return Some(v);
            }
            if single && key != "computed_exact" && !e.is_object() {
                return Some(e);
            }
        }
    }
    None
}

fn stationary_vectors(value: &Value) -> Vec<Vec<f64>> {
    let items = value.as_array().unwrap();
    if items.first().is_some_and(Value::is_array) {
        items.iter().map(vector_of).collect()
    } else {
        vec![vector_of(value)]
    }
}

fn check_stationary(vector: &Value, matrix: &DMatrix<f64>, want: &Value) {
    let id = vector["id"].as_str().unwrap();
    let structure = Structure::of(matrix);
    let got: Vec<Vec<f64>> = analysis::stationary::stationary_distributions(matrix, &structure)
        .into_iter()
        .map(|s| s.distribution.iter().copied().collect())
        .collect();
    let n = matrix.nrows();
    let want: Vec<Vec<f64>> = match want.as_str() {
        Some("uniform 1/100") => vec![vec![1.0 / n as f64; n]],
        _ => stationary_vectors(want),
    };
    assert_eq!(got.len(), want.len(), "{id}: number of stationary vectors");
    // Tools order closed classes differently: compare as a set, by support.
    for w in &want {
        let support = |v: &[f64]| v.iter().position(|&p| p > 0.0);
        let g = got
            .iter()
            .find(|g| support(g) == support(w))
            .unwrap_or_else(|| panic!("{id}: no stationary vector with the support of {w:?}"));
        assert_close(g, w, tolerance(vector), &format!("{id} stationary"));
        if vector["category"] == "ill-conditioned-ncd-tiny" {
            // GTH keeps relative accuracy even for the tiny entries.
            for (a, b) in g.iter().zip(w) {
                assert!((a - b).abs() <= 1e-8 * b.abs(), "{id}: {a} vs {b}");
            }
        }
    }
}

fn check_n_step(vector: &Value, matrix: &DMatrix<f64>, want: &Value) {
    let id = vector["id"].as_str().unwrap();
    let query = &vector["query"];
    let n = matrix.nrows();
    let s0 = match &query["s0"] {
        Value::String(s) if s == "e_0" => {
            let mut e = DVector::zeros(n);
            e[0] = 1.0;
            e
        }
        v => DVector::from_vec(vector_of(v)),
    };
    let steps: Vec<u64> = match &query["t"] {
        Value::Array(ts) => ts.iter().map(|t| t.as_u64().unwrap()).collect(),
        t => vec![t.as_u64().unwrap()],
    };
    for (k, &t) in steps.iter().enumerate() {
        let target: Vec<f64> = match want {
            Value::Object(by_t) => vector_of(&by_t[&t.to_string()]),
            Value::String(s) if s == "e_50" => {
                (0..n).map(|i| if i == 50 { 1.0 } else { 0.0 }).collect()
            }
            Value::Array(rows) if rows.first().is_some_and(Value::is_array) => vector_of(&rows[k]),
            v => vector_of(v),
        };
        let iterated = &transient::trajectory(matrix, &s0, t as usize)[t as usize];
        let squared = transient::distribution_at(matrix, &s0, t);
        let tol = tolerance(vector).max(1e-12);
        assert_close(
            iterated.as_slice(),
            &target,
            tol,
            &format!("{id} S_{t} iterated"),
        );
        assert_close(
            squared.as_slice(),
            &target,
            tol,
            &format!("{id} S_{t} by squaring"),
        );
    }
}

fn check_matrix_power(vector: &Value, matrix: &DMatrix<f64>, want: &Value) {
    let t = vector["query"]["t"].as_u64().unwrap();
    let power = transient::matrix_power(matrix, t);
    for (i, row) in want.as_array().unwrap().iter().enumerate() {
        let got: Vec<f64> = power.row(i).iter().copied().collect();
        assert_close(&got, &vector_of(row), 1e-14, "matrix power");
    }
}

/// The period of a chain; for a reducible chain the least common multiple of
/// its closed classes' periods (QuantEcon's definition, which the vectors follow).
fn chain_period(structure: &Structure) -> u64 {
    let lcm = |a: u64, b: u64| a / gcd(a, b) * b;
    structure
        .closed_classes()
        .map(|c| c.period.expect("a closed class lies on a cycle"))
        .fold(1, lcm)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn names(vector: &Value, indices: &[usize]) -> Vec<Value> {
    match vector.get("states") {
        Some(states) => indices.iter().map(|&i| states[i].clone()).collect(),
        None => indices.iter().map(|&i| Value::from(i)).collect(),
    }
}

fn as_set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect()
}

fn check_classification(vector: &Value, matrix: &DMatrix<f64>) {
    let id = vector["id"].as_str().unwrap();
    let structure = Structure::of(matrix);
    let e = &vector["expected"];
    let classes = |closed_only: bool| -> BTreeSet<BTreeSet<String>> {
        structure
            .classes
            .iter()
            .filter(|c| c.closed || !closed_only)
            .map(|c| {
                names(vector, &c.states)
                    .iter()
                    .map(|v| v.to_string())
                    .collect()
            })
            .collect()
    };
    let set_of_sets = |v: &Value| -> BTreeSet<BTreeSet<String>> {
        v.as_array().unwrap().iter().map(as_set).collect()
    };
    if let Some(want) = e.get("communicating_classes") {
        assert_eq!(
            classes(false),
            set_of_sets(want),
            "{id}: communicating classes"
        );
    }
    if let Some(want) = e.get("recurrent_classes") {
        assert_eq!(classes(true), set_of_sets(want), "{id}: recurrent classes");
    }
    let name_set = |indices: &[usize]| -> BTreeSet<String> {
        names(vector, indices)
            .iter()
            .map(|v| v.to_string())
            .collect()
    };
    if let Some(want) = e.get("transient_states") {
        assert_eq!(
            name_set(&structure.transient),
            as_set(want),
            "{id}: transient states"
        );
    }
    if let Some(want) = e.get("absorbing_states") {
        assert_eq!(
            name_set(&structure.absorbing),
            as_set(want),
            "{id}: absorbing states"
        );
    }
    if let Some(want) = e.get("is_irreducible") {
        assert_eq!(
            structure.is_irreducible(),
            want.as_bool().unwrap(),
            "{id}: irreducible"
        );
    }
}

#[test]
fn peer_vectors_with_supported_queries_pass() {
    let mut checked = Vec::new();
    let mut skipped = Vec::new();
    for vector in vectors() {
        let id = vector["id"].as_str().unwrap().to_string();
        let parts = parts(&vector);
        let single = parts.len() == 1;
        let matrix = matrix_of(&vector);
        let mut any = false;
        for part in &parts {
            match part.as_str() {
                "stationary" => {
                    let want =
                        expected(&vector, "stationary", single).expect("a stationary answer");
                    check_stationary(&vector, &matrix, want);
                }
                "n_step" => check_n_step(
                    &vector,
                    &matrix,
                    expected(&vector, "n_step", single).unwrap(),
                ),
                "matrix_power" => check_matrix_power(
                    &vector,
                    &matrix,
                    expected(&vector, "matrix_power", single).unwrap(),
                ),
                "period" => {
                    let want = expected(&vector, "period", single)
                        .unwrap()
                        .as_u64()
                        .unwrap();
                    assert_eq!(chain_period(&Structure::of(&matrix)), want, "{id}: period");
                }
                "classification" => check_classification(&vector, &matrix),
                other if FATE.contains(&other) => continue,
                other => {
                    let reason = UNSUPPORTED
                        .iter()
                        .find(|(p, _)| *p == other)
                        .map(|(_, r)| *r)
                        .unwrap_or_else(|| {
                            panic!("{id}: query part {other} is neither checked nor listed")
                        });
                    skipped.push(format!("{id}: {other} ({reason})"));
                    continue;
                }
            }
            any = true;
        }
        if any {
            checked.push(id);
        }
    }
    // Say what was and was not checked, so a reader of the test log knows.
    println!("checked {} vectors: {}", checked.len(), checked.join(", "));
    println!("not answered by verchain:\n  {}", skipped.join("\n  "));
    assert!(
        checked.len() >= 30,
        "only {} vectors checked",
        checked.len()
    );
}

/// Absorbing-chain vectors: (id, where its answers are, key of N, key of B,
/// key of the expected steps t); a missing key is not given by the source.
type AbsorbingVector = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);
const ABSORBING: [AbsorbingVector; 5] = [
    (
        "gs-drunkards-walk",
        "exact_check",
        Some("fundamental_matrix"),
        Some("absorption_probabilities"),
        "expected_steps_to_absorption",
    ),
    (
        "pydtmc-readme-absorbing",
        "expected_exact",
        Some("fundamental_matrix"),
        None,
        "mean_absorption_times",
    ),
    (
        "pydtmc-m6-drunkard4",
        "exact_check",
        None,
        Some("absorption_probabilities_rows_transient"),
        "mean_absorption_times",
    ),
    (
        "mathematica-5state",
        "computed_exact",
        Some("fundamental_matrix_rows_ab"),
        Some("absorption_into_[cd,e]_from_[a,b]"),
        "expected_steps_to_absorption_[a,b]",
    ),
    (
        "markovchain-markov1",
        "computed_exact",
        Some("fundamental_matrix"),
        None,
        "expected_steps_to_absorption",
    ),
];

fn vector_by_id(id: &str) -> Value {
    vectors()
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
}

fn chain_of(vector: &Value) -> (DMatrix<f64>, Structure) {
    let matrix = matrix_of(vector);
    let structure = Structure::of(&matrix);
    (matrix, structure)
}

fn rows_of(value: &Value) -> Vec<Vec<f64>> {
    value.as_array().unwrap().iter().map(vector_of).collect()
}

fn assert_matrix_close(got: &DMatrix<f64>, want: &[Vec<f64>], tolerance: f64, what: &str) {
    for (i, row) in want.iter().enumerate() {
        let g: Vec<f64> = got.row(i).iter().copied().collect();
        assert_close(&g, row, tolerance, &format!("{what} row {i}"));
    }
}

/// Relative closeness, for answers spanning many orders of magnitude.
fn assert_relative(got: f64, want: f64, relative: f64, what: &str) {
    assert!(
        (got - want).abs() <= relative * want.abs(),
        "{what}: got {got}, want {want}"
    );
}

fn passage_of(matrix: &DMatrix<f64>, structure: &Structure) -> Vec<analysis::passage::Passage> {
    let stationary = analysis::stationary::stationary_distributions(matrix, structure);
    analysis::passage::analyze(matrix, structure, &stationary)
}

fn first_state(n: usize) -> DVector<f64> {
    let mut v = DVector::zeros(n);
    v[0] = 1.0;
    v
}

#[test]
fn time_and_fate_vectors_pass() {
    // Mean first passage (diagonal 0) and recurrence times of irreducible chains.
    for (id, key) in [("oz-mfpt", None), ("pydtmc-m4-mfpt", None)] {
        let v = vector_by_id(id);
        let (m, s) = chain_of(&v);
        let want = rows_of(key.map_or(&v["expected_exact"], |k: &str| &v["expected_exact"][k]));
        let p = &passage_of(&m, &s)[0];
        assert_matrix_close(p.mean_first_passage.as_ref().unwrap(), &want, 1e-12, id);
    }
    for id in ["oz-recurrence", "pydtmc-m4-recurrence"] {
        let v = vector_by_id(id);
        let (m, s) = chain_of(&v);
        let got: Vec<f64> = passage_of(&m, &s)[0]
            .mean_recurrence
            .iter()
            .copied()
            .collect();
        assert_close(&got, &vector_of(&v["exact_check"]), 1e-12, id);
    }
    {
        let v = vector_by_id("dmcjl-readme-periodic");
        let (m, s) = chain_of(&v);
        let got: Vec<f64> = passage_of(&m, &s)[0]
            .mean_recurrence
            .iter()
            .copied()
            .collect();
        assert_close(&got, &[4.0, 2.0, 4.0], 1e-12, "dmcjl-readme-periodic");
    }
    {
        // develop → deploy: exactly 80/9.
        let v = vector_by_id("ml-lifecycle-4state");
        let (m, s) = chain_of(&v);
        let p = passage_of(&m, &s);
        let got = p[0].mean_first_passage.as_ref().unwrap()[(0, 2)];
        assert_relative(got, 80.0 / 9.0, 1e-13, "ml-lifecycle-4state mfpt");
    }
    {
        // Every forward move 1e-10: develop → update takes 5.000000003e19 steps.
        let v = vector_by_id("ml-lifecycle-rare-1e-10");
        let (m, s) = chain_of(&v);
        let got = passage_of(&m, &s)[0].mean_first_passage.as_ref().unwrap()[(0, 3)];
        assert_relative(got, 5.000000003e19, 1e-9, "ml-lifecycle-rare-1e-10 mfpt");
    }

    // Hitting a set, from every state.
    {
        let v = vector_by_id("pydtmc-m4-hitting-times");
        let m = matrix_of(&v);
        let h = analysis::hitting::analyze(&m, &[0, 2], 5, &first_state(3));
        let got: Vec<f64> = h.expected_steps.iter().copied().collect();
        assert_close(
            &got,
            &[0.0, 10.0 / 7.0, 0.0],
            1e-12,
            "pydtmc-m4-hitting-times",
        );
    }
    {
        // f(i, j) = P(reach j at some step ≥ 1 | i): off the diagonal the
        // hitting probability of {j}; on it the return probability Σ_k T[j][k] h_k.
        let v = vector_by_id("markovchain-hitting-doc");
        let m = matrix_of(&v);
        let want = rows_of(&v["expected_exact"]);
        for j in 0..5 {
            let h = analysis::hitting::analyze(&m, &[j], 1, &first_state(5)).probability;
            for i in 0..5 {
                let got = if i == j {
                    (0..5).map(|k| m[(j, k)] * h[k]).sum()
                } else {
                    h[i]
                };
                assert!(
                    (got - want[i][j]).abs() < 1e-12,
                    "f({i}, {j}) = {got}, want {}",
                    want[i][j]
                );
            }
        }
    }
    for (id, key) in [
        (
            "pydtmc-readme-absorbing",
            "hitting_probabilities_targets_[A,B]",
        ),
        ("pydtmc-m6-drunkard4", "hitting_probabilities_targets_[0,1]"),
    ] {
        let v = vector_by_id(id);
        let m = matrix_of(&v);
        let h = analysis::hitting::analyze(&m, &[0, 1], 1, &first_state(m.nrows()));
        let got: Vec<f64> = h.probability.iter().copied().collect();
        assert_close(&got, &vector_of(&v["exact_check"][key]), 1e-12, id);
    }
    for (id, steps) in [
        ("markovchain-issue233-eps1e-9", 1e9),
        ("markovchain-issue233-eps1e-12", 1e12),
    ] {
        let v = vector_by_id(id);
        let m = matrix_of(&v);
        let h = analysis::hitting::analyze(&m, &[1], 1, &first_state(2));
        assert_eq!(h.probability[0], 1.0, "{id}");
        assert_relative(h.expected_steps[0], steps, 1e-6, id);
        let a = analysis::absorbing::analyze(&m, &Structure::of(&m), false).unwrap();
        assert_relative(a.expected_steps[0], steps, 1e-6, id);
    }

    // Absorbing chains: N, B and t, where each vector gives them.
    for (id, answers, n_key, b_key, t_key) in ABSORBING {
        let v = vector_by_id(id);
        let (m, s) = chain_of(&v);
        let a = analysis::absorbing::analyze(&m, &s, true).unwrap();
        let e = &v[answers];
        if let Some(key) = n_key {
            let n = a.fundamental_matrix.as_ref().unwrap();
            assert_matrix_close(n, &rows_of(&e[key]), 1e-14, &format!("{id} N"));
        }
        if let Some(key) = b_key {
            assert_matrix_close(
                &a.probabilities,
                &rows_of(&e[key]),
                1e-14,
                &format!("{id} B"),
            );
        }
        let t = vector_of(&e[t_key]);
        assert_close(a.expected_steps.as_slice(), &t, 1e-13, &format!("{id} t"));
    }
    {
        // Absorption into a closed class that has no absorbing state.
        let v = vector_by_id("markovchain-absorption-doc");
        let (m, s) = chain_of(&v);
        let a = analysis::absorbing::analyze(&m, &s, false).unwrap();
        assert_eq!(a.probabilities[(0, 0)], 1.0);
        assert_close(
            a.expected_steps.as_slice(),
            &[2.0],
            1e-14,
            "markovchain-absorption-doc",
        );
    }
    {
        let v = vector_by_id("markovchain-mc3-classes");
        let (m, s) = chain_of(&v);
        let a = analysis::absorbing::analyze(&m, &s, false).unwrap();
        assert_close(
            &a.probabilities.row(0).iter().copied().collect::<Vec<_>>(),
            &[0.5, 0.5],
            1e-14,
            "mc3",
        );
        assert_close(a.expected_steps.as_slice(), &[5.0 / 3.0], 1e-14, "mc3 t");
    }
    {
        // Gambler's ruin on 0..100 at p = 0.45: winning from 1 has probability
        // about 4.3e-10, kept to relative accuracy.
        let v = vector_by_id("gamblers-ruin-101");
        let (m, s) = chain_of(&v);
        let a = analysis::absorbing::analyze(&m, &s, false).unwrap();
        let e = &v["expected"];
        let from: Vec<usize> = v["query"]["from_states"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        let win = vector_of(&e["absorption_prob_at_100"]);
        let steps = vector_of(&e["expected_steps"]);
        for (k, &state) in from.iter().enumerate() {
            let row = a.transient.iter().position(|&t| t == state).unwrap();
            // Closed classes in index order: {0}, then {100}.
            assert_relative(a.probabilities[(row, 1)], win[k], 1e-9, "gambler's win");
            assert_relative(a.expected_steps[row], steps[k], 1e-9, "gambler's steps");
        }
    }

    // Spectral gaps (1 − SLEM) of aperiodic chains.
    for (id, gap) in [
        ("pydtmc-p22-spectral", 0.15),
        ("pydtmc-p26-stationary", 0.61655617),
        ("pydtmc-p17-stationary", 0.63668196),
    ] {
        let v = vector_by_id(id);
        let m = matrix_of(&v);
        let chain = verchain::chain::Chain::new(
            (0..m.nrows()).map(|i| format!("s{i}")).collect(),
            m.clone(),
            1e-9,
        )
        .unwrap();
        let exact = analysis::analyze(&chain, &first_state(m.nrows()), 1, &[]);
        let got = exact.convergence.slem[0].spectral_gap.unwrap();
        assert!(
            (got - gap).abs() < 1e-7,
            "{id}: spectral gap {got}, want {gap}"
        );
    }
}
