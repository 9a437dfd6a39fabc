//! The estimator against published fits of real sequence data, and a round
//! trip through a known chain. The data and the published numbers are those
//! of the R package markovchain (see `tests/data/fit/README.md`).

use nalgebra::DMatrix;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use verchain::analysis::stationary::gth_solve;
use verchain::fit::count::{Counts, count};
use verchain::fit::estimate::{Estimate, Options, estimate};
use verchain::fit::history::History;
use verchain::fit::homogeneity;
use verchain::fit::read::TimeKind;
use verchain::fit::read::{Columns, ReadOptions, read};
use verchain::fit::{FitError, Semantics};

const RAIN: &str = include_str!("data/fit/rain.csv");
const HOLSON: &str = include_str!("data/fit/holson.csv");
const PREPROGLUCACON: &str = include_str!("data/fit/preproglucacon.csv");
const PUBLISHED: &str = include_str!("data/fit/published_results.json");
const CRAIG_SENDI: &str = include_str!("data/fit/craigsendi_counts.csv");

fn columns(id: Option<&str>, time: &str, state: &str) -> Columns {
    Columns {
        id: id.map(str::to_string),
        time: Some(time.to_string()),
        state: Some(state.to_string()),
    }
}

fn history(text: &str, columns: Columns) -> History {
    let options = ReadOptions {
        columns,
        ..ReadOptions::default()
    };
    History::new(read(text.as_bytes(), &options).unwrap(), None).unwrap()
}

fn fit(history: &History, options: &Options) -> Estimate {
    let counts = count(history, Semantics::Rows, &[], None).unwrap();
    estimate(&counts, options).unwrap()
}

fn published(path: &[&str]) -> Vec<Vec<f64>> {
    let document: Value = serde_json::from_str(PUBLISHED).unwrap();
    let mut value = &document;
    for key in path {
        value = &value[key];
    }
    matrix(value)
}

fn matrix(value: &Value) -> Vec<Vec<f64>> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// Every entry equal to the printed one when rounded as printed.
fn assert_matches_printed(got: &[Vec<f64>], printed: &[Vec<f64>], decimals: i32) {
    let half_unit = 0.5 * 10f64.powi(-decimals) + 1e-12;
    for (i, (g, p)) in got.iter().zip(printed).enumerate() {
        for (j, (g, p)) in g.iter().zip(p).enumerate() {
            assert!(
                (g - p).abs() <= half_unit,
                "entry ({i}, {j}): {g} against printed {p}"
            );
        }
    }
}

fn counts_of(estimate: &Estimate) -> Vec<Vec<u64>> {
    estimate.rows.iter().map(|r| r.counts.clone()).collect()
}

#[test]
fn rain_at_alofi_reproduces_the_published_counts_and_estimates() {
    let h = history(RAIN, columns(None, "day", "state"));
    let e = fit(&h, &Options::default());
    assert_eq!(e.states, ["0", "1-5", "6+"]);
    let counts: Vec<Vec<u64>> = published(&["rain", "counts", "value"])
        .iter()
        .map(|r| r.iter().map(|&c| c as u64).collect())
        .collect();
    assert_eq!(counts_of(&e), counts);
    assert_eq!(
        e.rows.iter().map(|r| r.total).collect::<Vec<_>>(),
        [548, 294, 253]
    );
    assert_matches_printed(&e.matrix(), &published(&["rain", "mle", "value"]), 7);
    // The exact fractions behind the printed figures.
    assert_eq!(e.rows[0].probabilities[0], 362.0 / 548.0);
    assert_eq!(e.rows[1].probabilities[1], 90.0 / 294.0);
    // markovchain's log-likelihood of the fit, −1040.419 (data README).
    assert!(
        (e.log_likelihood - -1040.419).abs() < 5e-4,
        "{}",
        e.log_likelihood
    );

    let fitted = DMatrix::from_fn(3, 3, |i, j| e.rows[i].probabilities[j]);
    let pi = gth_solve(&fitted);
    let printed = [0.5008871, 0.2693656, 0.2297473];
    for (got, want) in pi.iter().zip(printed) {
        assert!(
            (got - want).abs() <= 5e-8,
            "stationary {got} against {want}"
        );
    }
}

#[test]
fn rain_with_add_alpha_smoothing_on_every_move_is_markovchains_laplace_fit() {
    let h = history(RAIN, columns(None, "day", "state"));
    let options = Options {
        smoothing: 0.01,
        allowed: Some(vec![vec![true; 3]; 3]),
        ..Options::default()
    };
    let e = fit(&h, &options);
    // markovchain 0.9.1, laplacian = 0.01 (data README).
    let laplace = [
        [0.6605660, 0.2299327, 0.1095013],
        [0.4625718, 0.3061252, 0.2313029],
        [0.1976445, 0.3122555, 0.4901000],
    ];
    let laplace: Vec<Vec<f64>> = laplace.iter().map(|r| r.to_vec()).collect();
    assert_matches_printed(&e.matrix(), &laplace, 7);
}

#[test]
fn holson_pools_the_pairs_within_each_individual() {
    let h = history(HOLSON, columns(Some("id"), "time", "state"));
    assert_eq!(h.paths.len(), 1000);
    let e = fit(&h, &Options::default());
    // Recomputed counts and MLE of the pooled fit (data README); joining the
    // individuals into one sequence would add 999 pairs.
    assert_eq!(
        counts_of(&e),
        [[6562, 379, 9], [289, 1020, 219], [6, 174, 1342]].map(|r| r.to_vec())
    );
    let mle = [
        [0.9441727, 0.0545324, 0.0012950],
        [0.1891361, 0.6675393, 0.1433246],
        [0.0039422, 0.1143233, 0.8817346],
    ];
    assert_matches_printed(&e.matrix(), &mle.map(|r| r.to_vec()), 7);
    assert!(
        (e.log_likelihood - -3437.733).abs() < 5e-4,
        "{}",
        e.log_likelihood
    );
}

#[test]
fn holson_step_by_step_reproduces_markovchain_list_fit() {
    let document: Value = serde_json::from_str(PUBLISHED).unwrap();
    let stored = document["holson"]["markovchainListFit_per_step_mle"]["value"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(stored.len(), 10);
    for (k, want) in stored.iter().enumerate() {
        // The rows at times k + 1 and k + 2 only: one step of every individual.
        let step = k as i64 + 1;
        let mut text = String::from("id,time,state\n");
        for line in HOLSON.lines().skip(1) {
            let time: i64 = line.split(',').nth(1).unwrap().parse().unwrap();
            if time == step || time == step + 1 {
                text.push_str(line);
                text.push('\n');
            }
        }
        let e = fit(&history(&text, Columns::default()), &Options::default());
        assert_eq!(e.rows.iter().map(|r| r.total).sum::<u64>(), 1000);
        assert_matches_printed(&e.matrix(), &matrix(want), 10);
    }
}

#[test]
fn preproglucagon_reproduces_the_published_estimate() {
    let h = history(PREPROGLUCACON, columns(None, "position", "base"));
    let e = fit(&h, &Options::default());
    assert_eq!(e.states, ["A", "C", "G", "T"]);
    assert_eq!(
        counts_of(&e),
        [
            [185, 74, 86, 171],
            [101, 41, 6, 115],
            [69, 45, 34, 78],
            [161, 103, 100, 202]
        ]
        .map(|r| r.to_vec())
    );
    // Printed with 7 or 8 significant figures; the 7-decimal bound covers both.
    assert_matches_printed(
        &e.matrix(),
        &published(&["preproglucacon", "mle", "value"]),
        7,
    );
}

#[test]
fn craig_and_sendi_counts_give_the_published_estimate() {
    // A table of counts (from,to,count), not a history: the estimator is
    // given the counts directly.
    let states: Vec<String> = ["0-49", "50-74", "75-UP"].map(String::from).to_vec();
    let mut matrix = vec![vec![0u64; 3]; 3];
    let mut reader = csv::Reader::from_reader(CRAIG_SENDI.as_bytes());
    for record in reader.records() {
        let record = record.unwrap();
        let index = |name: &str| states.iter().position(|s| s == name).unwrap();
        matrix[index(&record[0])][index(&record[1])] = record[2].parse().unwrap();
    }
    let counts = Counts {
        states: states.clone(),
        semantics: Semantics::Rows,
        time_kind: TimeKind::Step,
        matrix,
        windows: None,
        first_states: vec![1, 0, 0],
        arrivals: vec![0; 3],
        censored: vec![0; 3],
        first_exit_line: vec![None; 3],
        holding: None,
        collapsed: 0,
        repeats: 0,
        gaps: (0, None),
        versions: 0,
    };
    let e = estimate(&counts, &Options::default()).unwrap();
    assert_eq!(
        e.rows.iter().map(|r| r.total).collect::<Vec<_>>(),
        [740, 265, 81]
    );
    assert_matches_printed(&e.matrix(), &published(&["craigsendi", "mle", "value"]), 7);
}

/// A dense row-stochastic chain with every entry at least 0.02, so every
/// entry has thousands of observations in the round trip.
fn known_chain(n: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    (0..n)
        .map(|_| {
            let raw: Vec<f64> = (0..n).map(|_| 0.2 + rng.random::<f64>()).collect();
            let sum: f64 = raw.iter().sum();
            raw.iter().map(|x| x / sum).collect()
        })
        .collect()
}

/// `versions × steps` rows of `id,time,state` walked from `chain`.
fn simulate(chain: &[Vec<f64>], versions: usize, steps: usize, rng: &mut ChaCha8Rng) -> String {
    let mut text = String::from("id,time,state\n");
    for v in 0..versions {
        let mut state = v % chain.len();
        for t in 0..steps {
            text.push_str(&format!("v{v},{t},s{state}\n"));
            let u: f64 = rng.random();
            let mut acc = 0.0;
            state = chain[state]
                .iter()
                .position(|&p| {
                    acc += p;
                    u < acc
                })
                .unwrap_or(chain.len() - 1);
        }
    }
    text
}

/// Entries whose true value lies inside the fitted interval.
fn covered(chain: &[Vec<f64>], e: &Estimate) -> usize {
    let mut inside = 0;
    for (i, row) in e.rows.iter().enumerate() {
        // States are sorted by name, s0 … s9 keeps the chain's order below 10.
        for (j, &p) in chain[i].iter().enumerate() {
            if row.lower[j].unwrap() <= p && p <= row.upper[j].unwrap() {
                inside += 1;
            }
        }
    }
    inside
}

#[test]
fn a_million_simulated_moves_recover_the_chain_at_the_stated_rate() {
    let mut rng = ChaCha8Rng::seed_from_u64(61);
    let n = 8;
    let chain = known_chain(n, &mut rng);
    // 1000 versions × 1001 rows: 10^6 moves.
    let text = simulate(&chain, 1000, 1001, &mut rng);
    let e = fit(&history(&text, Columns::default()), &Options::default());
    assert_eq!(e.rows.iter().map(|r| r.total).sum::<u64>(), 1_000_000);
    let mut largest_error: f64 = 0.0;
    for (i, row) in e.rows.iter().enumerate() {
        for (p, want) in row.probabilities.iter().zip(&chain[i]) {
            largest_error = largest_error.max((p - want).abs());
        }
    }
    // Each entry has ≈ 125 000 trials: a standard error of at most 0.0014.
    assert!(largest_error < 0.007, "largest error {largest_error}");
    // 64 intervals at 95%: a Binomial(64, 0.95) count, below 56 with
    // probability about 3e-3.
    let inside = covered(&chain, &e);
    assert!(
        inside >= 56,
        "{inside} of 64 entries inside their 95% interval"
    );

    // The rate itself, over 20 more independent histories of 50 000 moves:
    // 1280 entries, 1216 expected inside, standard deviation ≈ 7.8; the
    // bounds are about ±4 of those.
    let mut inside = 0;
    for _ in 0..20 {
        let text = simulate(&chain, 100, 501, &mut rng);
        inside += covered(
            &chain,
            &fit(&history(&text, Columns::default()), &Options::default()),
        );
    }
    assert!((1185..=1247).contains(&inside), "{inside} of 1280 inside");
}

#[test]
fn the_homogeneity_test_sees_a_rollback_rate_that_rose() {
    // production → rollback 10% before the split, 25% after; → production
    // otherwise (a two-state sketch of a deploy loop).
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut text = String::from("id,time,state\n");
    for v in 0..400 {
        let mut state = "production";
        for t in 0..20 {
            text.push_str(&format!("v{v},{t},{state}\n"));
            let rollback = if t < 10 { 0.10 } else { 0.25 };
            state = if state == "rollback" || rng.random::<f64>() >= rollback {
                "production"
            } else {
                "rollback"
            };
        }
    }
    let h = history(&text, Columns::default());
    // Moves into time 10 and later belong to the second window.
    let counts = count(&h, Semantics::Rows, &[], Some(10)).unwrap();
    let (_, windows) = counts.windows.as_ref().unwrap();
    let test = homogeneity::test(&counts.states, windows, "10".into());
    assert!(test.drifted && test.p_value < 1e-10, "p = {}", test.p_value);
    let change = &test.largest_changes[0];
    assert_eq!(change.from, "production");
    assert!((change.before - 0.10).abs() < 0.02 && (change.after - 0.25).abs() < 0.03);

    // Without drift the p-value is uniform: at level 0.05, about 5 of 100
    // histories reject (more than 13 has probability below 1e-3).
    let mut rejected = 0;
    for _ in 0..100 {
        let mut text = String::from("id,time,state\n");
        for v in 0..50 {
            let mut state = 0;
            for t in 0..20 {
                text.push_str(&format!("v{v},{t},s{state}\n"));
                state = usize::from(rng.random::<f64>() < [0.3, 0.6][state]);
            }
        }
        let counts = count(
            &history(&text, Columns::default()),
            Semantics::Rows,
            &[],
            Some(10),
        )
        .unwrap();
        let (_, windows) = counts.windows.as_ref().unwrap();
        rejected += usize::from(homogeneity::test(&counts.states, windows, "10".into()).drifted);
    }
    assert!(
        rejected <= 13,
        "{rejected} of 100 homogeneous histories rejected"
    );
}

#[test]
fn a_state_never_left_names_the_state() {
    let h = history(
        "id,time,state\n1,1,a\n1,2,b\n2,1,a\n2,2,b\n",
        Columns::default(),
    );
    let counts = count(&h, Semantics::Rows, &[], None).unwrap();
    let error = estimate(&counts, &Options::default()).unwrap_err();
    assert!(
        matches!(&error, FitError::NeverLeft { state, entered: 2, censored: 2 } if state == "b")
    );
    assert!(error.help().unwrap().contains("--absorbing b"));
}
