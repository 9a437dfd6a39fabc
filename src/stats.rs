//! The statistics shared by the tests of a fit and of a simulation's
//! agreement with the exact answer: the upper tail of the chi-square
//! distribution, and Wilson score intervals.
//!
//! `P(χ²_k ≥ x) = Q(k/2, x/2)`, the regularized upper incomplete gamma
//! function, computed as in Press et al., *Numerical Recipes* (3rd ed.,
//! section 6.2): by its series when `x < a + 1` and by its continued
//! fraction (modified Lentz) otherwise, with `ln Γ` from Lanczos'
//! approximation (g = 7, nine coefficients; relative error below 1e-15).

/// Iterations after which the series or continued fraction has converged
/// for any argument these tests produce (it needs about √a + 10).
const MAX_ITERATIONS: usize = 10_000;
const EPSILON: f64 = 1e-15;

/// `P(χ²_k ≥ x)`; 1 for `k = 0` or `x ≤ 0`.
pub fn upper_tail(x: f64, k: usize) -> f64 {
    if k == 0 || x <= 0.0 || x.is_nan() {
        return 1.0;
    }
    regularized_upper_gamma(k as f64 / 2.0, x / 2.0)
}

/// The `z` with `P(|Z| ≥ z) = alpha` for a standard normal `Z`, for
/// `0 < alpha < 1`: since `Z²` is χ² with one degree of freedom, `z²` solves
/// `P(χ²_1 ≥ z²) = alpha`, found by bisection to the last bit.
pub fn two_sided_z(alpha: f64) -> f64 {
    let (mut low, mut high) = (0.0f64, 1e4f64);
    // The tail falls from 1 at 0 as x grows; 200 halvings reach adjacent floats.
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if middle == low || middle == high {
            break;
        }
        if upper_tail(middle, 1) > alpha {
            low = middle;
        } else {
            high = middle;
        }
    }
    (0.5 * (low + high)).sqrt()
}

/// `Q(a, x) = Γ(a, x) / Γ(a)` for `a > 0`, `x > 0`.
fn regularized_upper_gamma(a: f64, x: f64) -> f64 {
    let prefactor = (a * x.ln() - x - ln_gamma(a)).exp();
    if x < a + 1.0 {
        // P(a, x) = e^{-x} x^a / Γ(a) · Σ x^n / (a (a+1) … (a+n))
        let (mut term, mut sum, mut denominator) = (1.0 / a, 1.0 / a, a);
        for _ in 0..MAX_ITERATIONS {
            denominator += 1.0;
            term *= x / denominator;
            sum += term;
            if term.abs() < sum.abs() * EPSILON {
                break;
            }
        }
        (1.0 - sum * prefactor).max(0.0)
    } else {
        // Q(a, x) = e^{-x} x^a / Γ(a) · 1/(x+1-a- 1·(1-a)/(x+3-a- 2·(2-a)/(x+5-a- …)))
        let tiny = f64::MIN_POSITIVE / EPSILON;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..MAX_ITERATIONS {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < EPSILON {
                break;
            }
        }
        (prefactor * h).min(1.0)
    }
}

/// `ln Γ(x)` for `x > 0`, by Lanczos (g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(π x).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, &c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// `z` of a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval of a proportion `p̂` from `n > 0` trials at
/// normal quantile `z` (Wilson, 1927):
/// `(p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)`, with the bound
/// exactly 0 at `p̂ = 0` and exactly 1 at `p̂ = 1` (rounding would leave
/// 1e-18). Right near 0 and 1, where `p̂ ± z SE` is not.
pub fn wilson_interval(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let lower = if p == 0.0 {
        0.0
    } else {
        (center - half).max(0.0)
    };
    let upper = if p == 1.0 {
        1.0
    } else {
        (center + half).min(1.0)
    };
    (lower, upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_match_hand_computed_bounds() {
        // 0 of 10: the upper bound is z²/(n + z²) = 0.277533; 10 of 10 mirrors it.
        let (lo, hi) = wilson_interval(0.0, 10.0, Z_95);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.277_533).abs() < 1e-6);
        let (lo, hi) = wilson_interval(1.0, 10.0, Z_95);
        assert!((lo - 0.722_467).abs() < 1e-6);
        assert_eq!(hi, 1.0);
        // 3 of 10: (0.107791, 0.603222), computed apart from this code from the formula.
        let (lo, hi) = wilson_interval(0.3, 10.0, Z_95);
        assert!(
            (lo - 0.107_791).abs() < 1e-6 && (hi - 0.603_222).abs() < 1e-6,
            "{lo} {hi}"
        );
    }

    #[test]
    fn even_degrees_of_freedom_match_the_closed_form() {
        // Q(m, y) = e^{-y} Σ_{i<m} y^i / i! for integer m = k / 2.
        for k in [2usize, 4, 6, 10, 40] {
            for x in [0.1, 1.0, 3.0, 7.5, 20.0, 60.0] {
                let y: f64 = x / 2.0;
                let (mut term, mut sum) = (1.0, 1.0);
                for i in 1..k / 2 {
                    term *= y / i as f64;
                    sum += term;
                }
                let want = (-y).exp() * sum;
                let got = upper_tail(x, k);
                assert!(
                    (got - want).abs() < 1e-12 * want.max(1e-300).max(1e-3),
                    "k {k} x {x}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn published_critical_values_give_their_levels() {
        // 95% and 99% points of χ² from standard tables (Abramowitz and
        // Stegun, table 26.8), to the printed six or seven figures.
        let table = [
            (3.841459, 1, 0.05),
            (6.634897, 1, 0.01),
            (11.0705, 5, 0.05),
            (49.80185, 35, 0.05),
            (124.3421, 100, 0.05),
        ];
        for (x, k, p) in table {
            let got = upper_tail(x, k);
            assert!((got - p).abs() < 2e-6, "χ²_{k} ≥ {x}: {got}, want {p}");
        }
    }

    #[test]
    fn two_sided_normal_quantiles_match_the_tables() {
        // Abramowitz and Stegun, table 26.5.
        for (alpha, z) in [
            (0.05, 1.959_963_985),
            (0.01, 2.575_829_304),
            (0.001, 3.290_526_731),
        ] {
            assert!(
                (two_sided_z(alpha) - z).abs() < 1e-8,
                "alpha {alpha}: {}",
                two_sided_z(alpha)
            );
        }
    }

    #[test]
    fn ln_gamma_of_integers_is_ln_factorial() {
        let mut factorial = 1.0f64;
        for n in 1..30 {
            assert!((ln_gamma(n as f64) - factorial.ln()).abs() < 1e-12 * factorial.ln().max(1.0));
            factorial *= n as f64;
        }
        // Γ(1/2) = √π.
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
    }
}
