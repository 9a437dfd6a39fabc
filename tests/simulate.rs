//! Statistical agreement of the Monte Carlo simulation with the exact
//! trajectory, and value stability of the random stream.
//!
//! Each test uses a fixed seed, so its outcome is deterministic; the
//! thresholds are chosen so that a correct simulator would fail them with the
//! stated probability alpha under a fresh seed, while a biased sampler (a
//! wrong row, an off-by-one step) fails them by a wide margin.

use nalgebra::{DMatrix, DVector};
use verchain::analysis::transient;
use verchain::scenario::Scenario;
use verchain::simulate::{self, Simulation};

/// Pearson's chi-square statistic of observed counts against expected
/// probabilities, over the cells with positive probability, and its degrees
/// of freedom. Cells of zero probability must hold no walker.
fn chi_square(counts: &[u64], probabilities: &[f64], walkers: u64) -> (f64, usize) {
    let mut statistic = 0.0;
    let mut cells = 0usize;
    for (&observed, &p) in counts.iter().zip(probabilities) {
        if p <= 1e-15 {
            assert_eq!(observed, 0, "a walker reached a state of probability {p}");
            continue;
        }
        let expected = p * walkers as f64;
        statistic += (observed as f64 - expected).powi(2) / expected;
        cells += 1;
    }
    (statistic, cells.saturating_sub(1))
}

/// The upper alpha = 1e-4 quantile of chi-square with `df` degrees of
/// freedom, by the Wilson–Hilferty approximation (accurate to about 1% for
/// df ≥ 3, and conservative below): df (1 − 2/(9df) + z √(2/(9df)))³ with
/// z = 3.719, the normal 1e-4 quantile.
fn chi_square_critical(df: usize) -> f64 {
    let df = df.max(1) as f64;
    let z = 3.719;
    let a = 2.0 / (9.0 * df);
    (df * (1.0 - a + z * a.sqrt()).powi(3)).max(21.0)
}

fn shipped(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    Scenario::parse(&std::fs::read_to_string(path).unwrap(), name).unwrap()
}

fn run(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    horizon: usize,
    walkers: u64,
    seed: u64,
) -> Simulation {
    simulate::simulate(matrix, initial, horizon, walkers, seed, &[], &|_| {})
}

#[test]
fn final_occupancy_passes_chi_square_on_shipped_scenarios() {
    // alpha = 1e-4 per scenario and step checked.
    for name in [
        "seed-article.yaml",
        "mlflow-registry.yaml",
        "canary-rollout.yaml",
        "sagemaker-approval.yaml",
        "champion-challenger.yaml",
    ] {
        let s = shipped(name);
        let walkers = 200_000;
        let sim = run(s.chain.matrix(), &s.initial, s.horizon, walkers, 31);
        let exact = transient::trajectory(s.chain.matrix(), &s.initial, s.horizon);
        for t in [1, s.horizon / 2, s.horizon] {
            let (statistic, df) = chi_square(&sim.counts[t], exact[t].as_slice(), walkers);
            assert!(
                statistic < chi_square_critical(df),
                "{name} step {t}: chi² = {statistic} on {df} df"
            );
        }
    }
}

/// A dense random chain from a small linear congruential generator.
fn random_chain(n: usize, seed: u64) -> DMatrix<f64> {
    let mut x = seed;
    let mut matrix = DMatrix::from_fn(n, n, |_, _| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((x >> 33) % 1000) as f64 + 1.0
    });
    for mut row in matrix.row_iter_mut() {
        let sum = row.sum();
        row /= sum;
    }
    matrix
}

#[test]
fn a_hundred_state_random_chain_agrees_with_the_exact_trajectory() {
    let n = 100;
    let matrix = random_chain(n, 5);
    let mut initial = DVector::zeros(n);
    initial[0] = 1.0;
    let walkers = 500_000;
    let sim = run(&matrix, &initial, 30, walkers, 77);
    let exact = transient::trajectory(&matrix, &initial, 30);
    for t in [1, 2, 10, 30] {
        let (statistic, df) = chi_square(&sim.counts[t], exact[t].as_slice(), walkers);
        assert!(
            statistic < chi_square_critical(df),
            "step {t}: chi² = {statistic} on {df} df"
        );
    }
    let agreement = simulate::agreement(&sim, &exact, &[]);
    // 3,100 z-scores: P(max |z| ≥ 5) ≈ 3100 · 5.7e-7 ≈ 0.002.
    assert!(
        agreement.max_abs_z < 5.0,
        "max |z| = {}",
        agreement.max_abs_z
    );
}

#[test]
fn a_biased_step_would_be_caught() {
    // The same chi-square check rejects the trajectory one step off, which
    // shows that the test has the power to see a wrong simulator.
    let s = shipped("seed-article.yaml");
    let walkers = 200_000;
    let sim = run(s.chain.matrix(), &s.initial, 6, walkers, 31);
    let exact = transient::trajectory(s.chain.matrix(), &s.initial, 6);
    let (statistic, df) = chi_square(&sim.counts[5], exact[6].as_slice(), walkers);
    assert!(
        statistic > 10.0 * chi_square_critical(df),
        "chi² = {statistic}"
    );
}

#[test]
fn the_random_stream_is_stable() {
    // Pinned so that an accidental change of generator, stream layout or
    // sampler shows up here first. If the change is deliberate, update the
    // numbers and say so in the change log: results of earlier runs with the
    // same seed will differ.
    let s = shipped("seed-article.yaml");
    let sim = run(s.chain.matrix(), &s.initial, 5, 10_000, 2024);
    assert_eq!(sim.counts[2], vec![0, 0, 4972, 5028]);
    assert_eq!(sim.counts[5], vec![0, 3721, 2238, 4041]);

    // Counts mode: its own stream, binomial splitting for large counts and
    // walker-by-walker moves for small ones, and a stream per target.
    let deploy = vec![s.chain.index_of("deploy").unwrap()];
    let sim = simulate::simulate_counts(
        s.chain.matrix(),
        &s.initial,
        5,
        1_000_000_000,
        2024,
        &[deploy],
    );
    assert_eq!(sim.counts[5], vec![0, 379494135, 224018681, 396487184]);
    assert_eq!(
        sim.first_hits[0],
        vec![0, 0, 500012434, 99995524, 199995224, 39999130]
    );
}

#[test]
fn simulated_hitting_times_follow_the_exact_distribution() {
    // With the target made absorbing, the walkers in it at step t are those
    // with τ ≤ t, so the new arrivals at each step are a multinomial sample of
    // the exact hitting-time distribution (bins 0 … H and "later or never").
    // Pearson's chi-square against it, alpha = 1e-4, fixed seed.
    let s = shipped("canary-rollout.yaml");
    let target = s.chain.index_of("production").unwrap();
    let horizon = 30;
    let exact =
        verchain::analysis::hitting::analyze(s.chain.matrix(), &[target], horizon, &s.initial);
    let mut absorbed = s.chain.matrix().clone();
    absorbed.row_mut(target).fill(0.0);
    absorbed[(target, target)] = 1.0;

    let walkers = 200_000;
    let sim = run(&absorbed, &s.initial, horizon, walkers, 4242);
    let mut observed: Vec<u64> = (0..=horizon)
        .map(|t| sim.counts[t][target] - if t == 0 { 0 } else { sim.counts[t - 1][target] })
        .collect();
    observed.push(walkers - sim.counts[horizon][target]);
    let mut expected: Vec<f64> = exact.pmf.iter().map(|p| p.dot(&s.initial)).collect();
    expected.push(1.0 - exact.cdf[horizon].dot(&s.initial));

    let (statistic, df) = chi_square(&observed, &expected, walkers);
    assert!(
        statistic < chi_square_critical(df),
        "chi² = {statistic} on {df} df"
    );
}

#[test]
fn counts_mode_agrees_with_the_exact_occupancy() {
    // alpha = 1e-4 per scenario and step checked, as for walkers.
    for name in [
        "seed-article.yaml",
        "mlflow-registry.yaml",
        "canary-rollout.yaml",
        "sagemaker-approval.yaml",
        "champion-challenger.yaml",
    ] {
        let s = shipped(name);
        let walkers = 10_000_000;
        let sim =
            simulate::simulate_counts(s.chain.matrix(), &s.initial, s.horizon, walkers, 31, &[]);
        let exact = transient::trajectory(s.chain.matrix(), &s.initial, s.horizon);
        for t in [1, s.horizon / 2, s.horizon] {
            let (statistic, df) = chi_square(&sim.counts[t], exact[t].as_slice(), walkers);
            assert!(
                statistic < chi_square_critical(df),
                "{name} step {t}: chi² = {statistic} on {df} df"
            );
        }
    }
    let n = 100;
    let matrix = random_chain(n, 5);
    let mut initial = DVector::zeros(n);
    initial[0] = 1.0;
    let walkers = 1_000_000;
    let sim = simulate::simulate_counts(&matrix, &initial, 30, walkers, 77, &[]);
    let exact = transient::trajectory(&matrix, &initial, 30);
    for t in [1, 2, 10, 30] {
        let (statistic, df) = chi_square(&sim.counts[t], exact[t].as_slice(), walkers);
        assert!(
            statistic < chi_square_critical(df),
            "step {t}: chi² = {statistic} on {df} df"
        );
    }
}

#[test]
fn a_trillion_walkers_match_the_exact_trajectory() {
    // 10^12 walkers: the sampling error is about 5e-7, so 1e-5 is generous.
    let s = shipped("seed-article.yaml");
    let sim = simulate::simulate_counts(
        s.chain.matrix(),
        &s.initial,
        s.horizon,
        1_000_000_000_000,
        2024,
        &[],
    );
    let exact = transient::trajectory(s.chain.matrix(), &s.initial, s.horizon);
    for (t, step) in exact.iter().enumerate() {
        for (i, &p) in step.iter().enumerate() {
            assert!((sim.occupancy(t)[i] - p).abs() < 1e-5, "step {t} state {i}");
        }
    }
}

#[test]
fn walkers_and_counts_modes_agree_in_distribution() {
    // Two-sample chi-square on the final occupancy of both modes, alpha = 1e-4:
    // sum over cells of (a − b)² / (a + b) for equal sample sizes, df = cells − 1.
    let s = shipped("canary-rollout.yaml");
    let walkers = 400_000;
    let a = run(s.chain.matrix(), &s.initial, 12, walkers, 5);
    let b = simulate::simulate_counts(s.chain.matrix(), &s.initial, 12, walkers, 6, &[]);
    let (mut statistic, mut cells) = (0.0, 0usize);
    for (&x, &y) in a.counts[12].iter().zip(&b.counts[12]) {
        if x + y > 0 {
            statistic += (x as f64 - y as f64).powi(2) / (x + y) as f64;
            cells += 1;
        }
    }
    assert!(
        statistic < chi_square_critical(cells - 1),
        "chi² = {statistic}"
    );
}

#[test]
fn recorded_first_hits_follow_the_exact_distribution_in_both_modes() {
    // The first hits of each target, bins 0 … H and "later or never",
    // against the exact hitting-time distribution from S_0: Pearson's
    // chi-square, alpha = 1e-4 per target and mode, fixed seeds.
    for name in [
        "canary-rollout.yaml",
        "mlflow-registry.yaml",
        "seed-article.yaml",
    ] {
        let s = shipped(name);
        let targets = s.target_states();
        let horizon = 25;
        let walkers = 300_000;
        let by_walkers = simulate::simulate(
            s.chain.matrix(),
            &s.initial,
            horizon,
            walkers,
            17,
            &targets,
            &|_| {},
        );
        let by_counts =
            simulate::simulate_counts(s.chain.matrix(), &s.initial, horizon, walkers, 18, &targets);
        for (k, target) in targets.iter().enumerate() {
            let exact =
                verchain::analysis::hitting::analyze(s.chain.matrix(), target, horizon, &s.initial);
            let mut expected: Vec<f64> = exact.pmf.iter().map(|p| p.dot(&s.initial)).collect();
            expected.push(1.0 - exact.cdf[horizon].dot(&s.initial));
            for sim in [&by_walkers, &by_counts] {
                let mut observed = sim.first_hits[k].clone();
                observed.push(walkers - observed.iter().sum::<u64>());
                let (statistic, df) = chi_square(&observed, &expected, walkers);
                assert!(
                    statistic < chi_square_critical(df),
                    "{name} target {k} ({:?}): chi² = {statistic} on {df} df",
                    sim.mode
                );
            }
        }
    }
}
