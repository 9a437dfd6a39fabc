//! How far a simulation lies from the exact answer, in standard errors.
//!
//! The fraction `p̂` of `N` independent walkers in a state at step `t` is a
//! binomial proportion. Its estimated standard error is
//! `sqrt(p̂ (1 − p̂) / N)`; that is what a simulation reports on its own and
//! what the chart's band (± 2 SE) shows. To test agreement with the exact
//! occupancy `p`, the z-score uses the standard error under that hypothesis,
//! `z = (p̂ − p) / sqrt(p (1 − p) / N)`, which stays defined where the sample
//! saw no walker. Where `p` is 0 or 1 the simulation must match it exactly:
//! `z` is then 0 when it does and infinite when it does not.
//!
//! The normal approximation fails for rare states: with 0.04 walkers
//! expected, seeing 2 is unusual but not the "9.7 standard errors" the
//! formula says. Where `N p (1 − p)` is below [`NORMAL_VARIANCE`], `z` is
//! instead the normal quantile of the exact binomial tail: the `z` whose
//! one-sided normal tail equals `P(X ≥ k)` (or `P(X ≤ k)` below the mean),
//! so that every cell's `z` means the same thing.

use nalgebra::DVector;
use serde::Serialize;

use super::Simulation;

/// Per-step, per-state standard errors and the largest z-score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// `occupancy[t][i]`: simulated fraction in state `i` at step `t`.
    pub occupancy: Vec<Vec<f64>>,
    /// `sqrt(p̂ (1 − p̂) / N)` for each entry of `occupancy`.
    pub standard_error: Vec<Vec<f64>>,
    /// 95% Wilson score interval of each entry of `occupancy`: right near 0
    /// and 1, where `p̂ ± 2 SE` is not.
    pub wilson_lower: Vec<Vec<f64>>,
    pub wilson_upper: Vec<Vec<f64>>,
    /// `z[t][i]` as described in the module docs.
    pub z: Vec<Vec<f64>>,
    /// The largest `|z|` over all steps and states.
    pub max_abs_z: f64,
    /// Where it occurs: (step, state index).
    pub max_abs_z_at: (usize, usize),
    /// Pearson's test of the final occupancy against the exact one.
    pub final_chi_square: ChiSquare,
    /// The simulated hitting times of each target against the exact ones.
    pub hitting: Vec<HittingAgreement>,
}

/// The hitting times of one target in the simulation, as an empirical
/// distribution beside the exact one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HittingAgreement {
    /// `pmf[t]`: the share of walkers whose first visit was at step `t`.
    pub pmf: Vec<f64>,
    /// `cdf[t]`: the share that had reached the target by step `t`.
    pub cdf: Vec<f64>,
    /// The share that had not reached it by the horizon.
    pub not_reached: f64,
    /// `max_t |cdf[t] − exact cdf[t]|`, the Kolmogorov distance over the
    /// steps followed.
    pub max_cdf_difference: f64,
    /// Pearson's test over the steps 0 … H and one cell for "later or
    /// never"; `disagreeing` holds steps, H + 1 standing for that last cell.
    pub chi_square: ChiSquare,
}

/// A chi-square goodness-of-fit test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiSquare {
    pub statistic: f64,
    pub degrees_of_freedom: usize,
    /// `P(χ² ≥ statistic)`, exactly (the regularized incomplete gamma
    /// function); `None` on 0 degrees of freedom, when fewer than two cells
    /// expect 5 walkers or more and there is nothing to test.
    pub p_value: Option<f64>,
    /// States whose final |z| exceeds 3, the ones that disagree.
    pub disagreeing: Vec<usize>,
    /// The exact distribution is all in one cell: no number of walkers
    /// gives a test.
    pub certain: bool,
}

/// The 95% Wilson score interval of `p̂` from `n` trials
/// ([`crate::stats::wilson_interval`]).
pub fn wilson_interval(p: f64, n: f64) -> (f64, f64) {
    crate::stats::wilson_interval(p, n, crate::stats::Z_95)
}

/// Pearson's chi-square of `counts` against `probabilities`. Cells expected
/// to hold fewer than 5 walkers are pooled into one, as the test needs.
pub fn chi_square_test(
    counts: &[u64],
    probabilities: &[f64],
    walkers: u64,
    z: &[f64],
) -> ChiSquare {
    let n = walkers as f64;
    let (mut statistic, mut cells) = (0.0, 0usize);
    let (mut pooled_observed, mut pooled_expected) = (0.0, 0.0);
    for (&observed, &p) in counts.iter().zip(probabilities) {
        let expected = p * n;
        if expected < 5.0 {
            pooled_observed += observed as f64;
            pooled_expected += expected;
        } else {
            statistic += (observed as f64 - expected).powi(2) / expected;
            cells += 1;
        }
    }
    if pooled_expected > 0.0 {
        statistic += (pooled_observed - pooled_expected).powi(2) / pooled_expected;
        cells += 1;
    }
    let degrees_of_freedom = cells.saturating_sub(1);
    ChiSquare {
        statistic,
        degrees_of_freedom,
        p_value: chi_square_upper_tail(statistic, degrees_of_freedom),
        disagreeing: (0..z.len()).filter(|&i| z[i].abs() > 3.0).collect(),
        certain: probabilities.iter().filter(|&&p| p > 0.0).count() < 2,
    }
}

/// `P(χ²_k ≥ x)`, `None` for `k = 0`: nothing to test.
fn chi_square_upper_tail(x: f64, k: usize) -> Option<f64> {
    (k > 0).then(|| crate::stats::upper_tail(x, k))
}

/// Compares a simulation with the exact trajectory it estimates, and its
/// hitting times with the exact distribution of each target's hitting time
/// from `S_0` (`exact_hitting[k][t] = P(τ_k = t)`, t = 0 … H).
pub fn agreement(
    simulation: &Simulation,
    exact: &[DVector<f64>],
    exact_hitting: &[Vec<f64>],
) -> Agreement {
    let walkers = simulation.walkers as f64;
    let mut occupancy = Vec::with_capacity(exact.len());
    let mut standard_error = Vec::with_capacity(exact.len());
    let (mut wilson_lower, mut wilson_upper) = (Vec::new(), Vec::new());
    let mut z = Vec::with_capacity(exact.len());
    let (mut max_abs_z, mut max_abs_z_at) = (0.0_f64, (0, 0));

    for (t, exact_step) in exact.iter().enumerate() {
        let fractions = simulation.occupancy(t);
        standard_error.push(
            fractions
                .iter()
                .map(|&p| (p * (1.0 - p) / walkers).sqrt())
                .collect(),
        );
        let (lower, upper) = fractions
            .iter()
            .map(|&p| wilson_interval(p, walkers))
            .unzip();
        wilson_lower.push(lower);
        wilson_upper.push(upper);
        let step_z: Vec<f64> = exact_step
            .iter()
            .zip(&simulation.counts[t])
            .map(|(&p, &count)| z_score(count, p, simulation.walkers))
            .collect();
        for (i, value) in step_z.iter().enumerate() {
            if value.abs() > max_abs_z {
                (max_abs_z, max_abs_z_at) = (value.abs(), (t, i));
            }
        }
        occupancy.push(fractions);
        z.push(step_z);
    }
    let last = exact.len() - 1;
    let final_chi_square = chi_square_test(
        &simulation.counts[last],
        exact[last].as_slice(),
        simulation.walkers,
        &z[last],
    );
    let hitting = simulation
        .first_hits
        .iter()
        .zip(exact_hitting)
        .map(|(hits, pmf)| hitting_agreement(hits, pmf, simulation.walkers))
        .collect();
    Agreement {
        occupancy,
        standard_error,
        wilson_lower,
        wilson_upper,
        z,
        max_abs_z,
        max_abs_z_at,
        final_chi_square,
        hitting,
    }
}

/// Compares the first hits of one target (`hits[t]` walkers of `walkers`
/// first at step `t`) with its exact distribution.
pub fn hitting_agreement(hits: &[u64], exact_pmf: &[f64], walkers: u64) -> HittingAgreement {
    let n = walkers as f64;
    let pmf: Vec<f64> = hits.iter().map(|&h| h as f64 / n).collect();
    let running = |values: &[f64]| -> Vec<f64> {
        values
            .iter()
            .scan(0.0, |total, &p| {
                *total += p;
                Some(*total)
            })
            .collect()
    };
    let (cdf, exact_cdf) = (running(&pmf), running(exact_pmf));
    let max_cdf_difference = cdf
        .iter()
        .zip(&exact_cdf)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);

    // The last cell holds the walkers not in the target by the horizon.
    let reached: u64 = hits.iter().sum();
    let mut counts = hits.to_vec();
    counts.push(walkers - reached);
    let mut probabilities = exact_pmf.to_vec();
    probabilities.push((1.0 - exact_cdf.last().copied().unwrap_or(0.0)).max(0.0));
    let z: Vec<f64> = counts
        .iter()
        .zip(&probabilities)
        .map(|(&count, &p)| z_score(count, p, walkers))
        .collect();
    HittingAgreement {
        not_reached: (walkers - reached) as f64 / n,
        pmf,
        cdf,
        max_cdf_difference,
        chi_square: chi_square_test(&counts, &probabilities, walkers, &z),
    }
}

/// Below this binomial variance `N p (1 − p)`, z-scores come from the exact tail.
pub const NORMAL_VARIANCE: f64 = 25.0;

/// The z-score of `count` walkers out of `walkers` where the exact
/// probability is `p` (see the module docs).
pub fn z_score(count: u64, p: f64, walkers: u64) -> f64 {
    let n = walkers as f64;
    let variance = n * p * (1.0 - p);
    let difference = count as f64 - n * p;
    if variance >= NORMAL_VARIANCE {
        return difference / variance.sqrt();
    }
    if variance <= 0.0 {
        return if difference.abs() < 1e-9 * n.max(1.0) {
            0.0
        } else {
            f64::INFINITY.copysign(difference)
        };
    }
    let tail = binomial_tail(count, p, walkers);
    let magnitude = if tail >= 0.5 {
        0.0
    } else {
        -standard_normal_quantile(tail)
    };
    magnitude.copysign(difference)
}

/// `P(X ≥ k)` when `k` is above the mean `N p`, `P(X ≤ k)` otherwise, for
/// `X ~ Binomial(N, p)`, summed term by term from `k` outwards (the terms
/// shrink in that direction, so the sum stops when they no longer count).
fn binomial_tail(k: u64, p: f64, n: u64) -> f64 {
    let (kf, nf) = (k as f64, n as f64);
    // ln C(n, k) by a sum over the smaller side.
    let small = k.min(n - k);
    let ln_choose: f64 = (1..=small)
        .map(|j| ((nf - small as f64 + j as f64) / j as f64).ln())
        .sum();
    let ln_pmf = ln_choose + kf * p.ln() + (nf - kf) * (1.0 - p).ln();
    let odds = p / (1.0 - p);
    let mut term = ln_pmf.exp();
    let mut total = term;
    if kf > nf * p {
        let mut i = k;
        while i < n && term > total * 1e-17 {
            term *= (nf - i as f64) / (i as f64 + 1.0) * odds;
            total += term;
            i += 1;
        }
    } else {
        let mut i = k;
        while i > 0 && term > total * 1e-17 {
            term *= i as f64 / (nf - i as f64 + 1.0) / odds;
            total += term;
            i -= 1;
        }
    }
    total.min(1.0)
}

/// `Φ⁻¹(q)` for `0 < q < 1`, by Acklam's rational approximation (relative
/// error below 1.2e-9), which keeps its accuracy far into the tails.
fn standard_normal_quantile(q: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    const LOW: f64 = 0.02425;
    if q <= 0.0 {
        return f64::NEG_INFINITY;
    }
    let tail = |r: f64| {
        let s = (-2.0 * r.ln()).sqrt();
        (((((C[0] * s + C[1]) * s + C[2]) * s + C[3]) * s + C[4]) * s + C[5])
            / ((((D[0] * s + D[1]) * s + D[2]) * s + D[3]) * s + 1.0)
    };
    if q < LOW {
        tail(q)
    } else if q <= 1.0 - LOW {
        let r = q - 0.5;
        let s = r * r;
        (((((A[0] * s + A[1]) * s + A[2]) * s + A[3]) * s + A[4]) * s + A[5]) * r
            / (((((B[0] * s + B[1]) * s + B[2]) * s + B[3]) * s + B[4]) * s + 1.0)
    } else {
        -tail(1.0 - q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_scores_by_hand() {
        // p = 0.5, N = 400: SE = 10 walkers, so 220 is 2 standard errors above.
        assert!((z_score(220, 0.5, 400) - 2.0).abs() < 1e-12);
        assert!((z_score(180, 0.5, 400) + 2.0).abs() < 1e-12);
        assert_eq!(z_score(0, 0.0, 100), 0.0);
        assert_eq!(z_score(1, 0.0, 100), f64::INFINITY);
    }

    #[test]
    fn rare_cells_use_the_exact_tail() {
        // 0.041 walkers expected, 2 seen: P(X ≥ 2) ≈ λ²/2 · e^{−λ} ≈ 8.07e-4,
        // a z of about 3.15 (the normal formula would say 9.7).
        let z = z_score(2, 4.1e-7, 100_000);
        assert!((z - 3.153).abs() < 0.01, "z = {z}");
        // Seeing none where 0.041 are expected is entirely ordinary.
        assert_eq!(z_score(0, 4.1e-7, 100_000), 0.0);
    }

    #[test]
    fn wilson_intervals_by_hand() {
        // 0 successes in 100: [0, 3.84/103.84] = [0, 0.0370].
        let (lo, hi) = wilson_interval(0.0, 100.0);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.036_994).abs() < 1e-5, "{hi}");
        // 50 of 100: 0.5 ± 0.0962 (approximately [0.4038, 0.5962]).
        let (lo, hi) = wilson_interval(0.5, 100.0);
        assert!(
            (lo - 0.403_8).abs() < 1e-4 && (hi - 0.596_2).abs() < 1e-4,
            "{lo} {hi}"
        );
    }

    #[test]
    fn chi_square_tails() {
        // Closed forms: Q(1/2, x/2) = erfc(√(x/2)), Q(1, x/2) = e^{−x/2}, and
        // for k = 4, e^{−x/2} (1 + x/2). Tabled 5% points: χ²_1 3.841459,
        // χ²_10 18.307038, χ²_100 124.342113 (Abramowitz and Stegun, table 26.8).
        let tail = |x, k| chi_square_upper_tail(x, k).unwrap();
        assert_eq!(tail(0.0, 1), 1.0);
        assert!((tail(3.841_459, 1) - 0.05).abs() < 1e-7);
        for x in [0.1_f64, 1.0, 2.5, 7.0, 30.0] {
            assert!((tail(x, 2) - (-x / 2.0).exp()).abs() < 1e-14 * (-x / 2.0).exp().max(1e-3));
            let four = (-x / 2.0).exp() * (1.0 + x / 2.0);
            assert!((tail(x, 4) - four).abs() < 1e-13);
        }
        assert!((tail(1.0, 1) - 0.317_310_507_862_914_1).abs() < 1e-13);
        assert!((tail(18.307_038, 10) - 0.05).abs() < 1e-7);
        assert!((tail(124.342_113, 100) - 0.05).abs() < 1e-7);
        assert!(tail(1e4, 3) < 1e-300 || tail(1e4, 3) == 0.0);
        assert_eq!(chi_square_upper_tail(5.0, 0), None);
    }

    #[test]
    fn normal_quantiles() {
        for (q, z) in [
            (0.5, 0.0),
            (0.975, 1.959964),
            (0.001, -3.090232),
            (1e-10, -6.361341),
        ] {
            assert!((standard_normal_quantile(q) - z).abs() < 1e-5, "{q}");
        }
    }

    #[test]
    fn binomial_tails_by_hand() {
        // Binomial(10, 0.5): P(X ≥ 8) = 56/1024, P(X ≤ 2) = 56/1024.
        assert!((binomial_tail(8, 0.5, 10) - 56.0 / 1024.0).abs() < 1e-15);
        assert!((binomial_tail(2, 0.5, 10) - 56.0 / 1024.0).abs() < 1e-15);
    }

    #[test]
    fn finds_the_largest_deviation() {
        let simulation = Simulation {
            walkers: 400,
            seed: 0,
            mode: super::super::Mode::Walkers,
            counts: vec![vec![400, 0], vec![220, 180]],
            first_hits: vec![],
        };
        let exact = [
            DVector::from_vec(vec![1.0, 0.0]),
            DVector::from_vec(vec![0.5, 0.5]),
        ];
        let a = agreement(&simulation, &exact, &[]);
        assert!((a.max_abs_z - 2.0).abs() < 1e-12);
        assert_eq!(a.max_abs_z_at.0, 1);
        assert!((a.standard_error[1][0] - (0.55f64 * 0.45 / 400.0).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn hitting_times_beside_the_exact_distribution() {
        // 1000 walkers: 100 first at step 0, 300 at step 1, 600 not by step 1,
        // against P(τ = 0) = 0.1, P(τ = 1) = 0.4, so 0.5 later or never.
        let a = hitting_agreement(&[100, 300], &[0.1, 0.4], 1000);
        assert_eq!(a.pmf, vec![0.1, 0.3]);
        assert_eq!(a.cdf, vec![0.1, 0.4]);
        assert_eq!(a.not_reached, 0.6);
        assert!((a.max_cdf_difference - 0.1).abs() < 1e-15);
        // χ² = 0 + 100²/400 + 100²/500 = 45 on 2 degrees of freedom.
        assert!((a.chi_square.statistic - 45.0).abs() < 1e-9);
        assert_eq!(a.chi_square.degrees_of_freedom, 2);
        // Step 1 lies 100 / sqrt(1000 · 0.4 · 0.6) = 6.45 SE low, the last cell 6.3 high.
        assert_eq!(a.chi_square.disagreeing, vec![1, 2]);
    }
}
