//! The transition matrix from counts: maximum likelihood, optional
//! smoothing, and an interval for every entry.
//!
//! With `n_ij` steps from `i` to `j` and `n_i = Σ_j n_ij`, the maximum
//! likelihood estimate is `p̂_ij = n_ij / n_i` (Anderson and Goodman, 1957).
//! Add-α smoothing, the posterior mean under a symmetric Dirichlet(α) prior
//! restricted to the moves a declared policy allows (`a_ij = 1` when the
//! policy allows `i → j`), gives `(n_ij + α a_ij) / (n_i + α Σ_j a_ij)`, so
//! a move the policy forbids keeps probability 0 and one it allows but that
//! was never seen gets a little. Every entry gets the Wilson score interval
//! at 95% of `n_ij` successes in `n_i` trials (Wilson, 1927), from the raw
//! counts: each entry's own binomial margin, not a joint region.
//!
//! A state with no observed exits cannot be estimated: it is an error unless
//! it is declared absorbing, whose row is then `e_i`.

use serde::Serialize;

use super::count::Counts;
use super::{FitError, Semantics};

pub use crate::stats::Z_95;

/// The Wilson score interval of `count` successes in `n > 0` trials at
/// normal quantile `z` ([`crate::stats::wilson_interval`]).
pub fn wilson(count: u64, n: u64, z: f64) -> (f64, f64) {
    crate::stats::wilson_interval(count as f64 / n as f64, n as f64, z)
}

/// The interval every entry gets, as every output states it.
pub const INTERVAL: &str = "Wilson score interval, 95%, per entry, from the raw counts";

/// How to estimate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// α of add-α smoothing; 0 for maximum likelihood.
    pub smoothing: f64,
    /// `allowed[i][j]`: the declared policy allows `i → j` (under the
    /// fit's semantics). Needed for smoothing.
    pub allowed: Option<Vec<Vec<bool>>>,
    /// States declared absorbing, by the policy or by `--absorbing`.
    pub absorbing: Vec<bool>,
    /// States declared absorbing by `--absorbing`: leaving one is an error.
    pub strict_absorbing: Vec<bool>,
    /// A state with no observed exit that is not absorbing gets an
    /// unobserved row (see [`Row::is_unobserved`]) instead of an error.
    pub unobserved_rows: bool,
}

/// One row of the fitted matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub state: String,
    /// `n_i`: the steps out of this state.
    pub total: u64,
    pub counts: Vec<u64>,
    pub probabilities: Vec<f64>,
    /// Lower ends of the intervals; `None` for a declared absorbing row.
    pub lower: Vec<Option<f64>>,
    pub upper: Vec<Option<f64>>,
    /// No exits observed and declared absorbing: the row is `e_i`.
    pub absorbing: bool,
}

impl Row {
    /// No step out of the state was seen and it is not absorbing, which
    /// only [`Options::unobserved_rows`] allows: its probabilities are all
    /// 0 and it has no intervals, so it is no row of a chain.
    pub fn is_unobserved(&self) -> bool {
        self.total == 0 && !self.absorbing
    }
}

/// The fitted matrix with the counts behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub states: Vec<String>,
    pub rows: Vec<Row>,
    /// α, 0 for maximum likelihood.
    pub smoothing: f64,
    /// `Σ n_ij ln p̂_ij` at the maximum likelihood estimate.
    pub log_likelihood: f64,
    pub interval: &'static str,
    /// Share of versions starting in each state.
    pub initial: Vec<f64>,
}

impl Estimate {
    /// The fitted matrix, row by row.
    pub fn matrix(&self) -> Vec<Vec<f64>> {
        self.rows.iter().map(|r| r.probabilities.clone()).collect()
    }

    /// How the entries were estimated, for people: `maximum likelihood`, or
    /// `add-0.5 smoothing` (α in exponent form when very large or small).
    pub fn method(&self) -> String {
        match self.smoothing {
            0.0 => "maximum likelihood".to_string(),
            a if (1e-4..1e6).contains(&a) => format!("add-{a} smoothing"),
            a => format!("add-{a:e} smoothing"),
        }
    }
}

/// Estimates the matrix from counts.
///
/// # Errors
///
/// [`FitError::NeverLeft`] for a state without observed exits that is not
/// declared absorbing; [`FitError::NeverSampled`] for a state the
/// step-sampled chain never saw at a boundary; [`FitError::AbsorbingLeft`] for a state declared
/// absorbing by `--absorbing` that versions left; [`FitError::Usage`] for a
/// negative or non-finite α, or α without a policy.
pub fn estimate(counts: &Counts, options: &Options) -> Result<Estimate, FitError> {
    let alpha = options.smoothing;
    if !alpha.is_finite() || alpha < 0.0 {
        return Err(FitError::Usage(format!(
            "--smoothing must be a number ≥ 0, not {alpha}"
        )));
    }
    if alpha > 0.0 && options.allowed.is_none() {
        return Err(FitError::Usage(
            "--smoothing adds α only to the moves a declared policy allows: give --policy \
             scenario.yaml too"
                .to_string(),
        ));
    }
    let flag = |v: &[bool], i: usize| v.get(i).copied().unwrap_or(false);
    let n = counts.states.len();
    let mut rows = Vec::with_capacity(n);
    let mut log_likelihood = 0.0;
    for (i, row_counts) in counts.matrix.iter().enumerate() {
        let state = counts.states[i].clone();
        let total: u64 = row_counts.iter().sum();
        let exits = total - row_counts[i];
        if flag(&options.strict_absorbing, i) && exits > 0 {
            return Err(FitError::AbsorbingLeft {
                state,
                exits,
                line: counts.first_exit_line[i].unwrap_or(0),
            });
        }
        if exits == 0 && flag(&options.absorbing, i) {
            let mut probabilities = vec![0.0; n];
            probabilities[i] = 1.0;
            rows.push(Row {
                state,
                total,
                counts: row_counts.clone(),
                probabilities,
                lower: vec![None; n],
                upper: vec![None; n],
                absorbing: true,
            });
            continue;
        }
        if total == 0 && options.unobserved_rows {
            rows.push(Row {
                state,
                total,
                counts: row_counts.clone(),
                probabilities: vec![0.0; n],
                lower: vec![None; n],
                upper: vec![None; n],
                absorbing: false,
            });
            continue;
        }
        if total == 0
            && counts.arrivals[i] == 0
            && let Semantics::Step { step } = counts.semantics
        {
            return Err(FitError::NeverSampled {
                state,
                step: counts.time_kind.format_duration(step),
            });
        }
        if total == 0 {
            return Err(FitError::NeverLeft {
                state,
                entered: counts.arrivals[i],
                censored: counts.censored[i],
            });
        }
        let allowed = |j: usize| options.allowed.as_ref().is_some_and(|a| a[i][j]);
        // (n_ij + α) / (n_i + k α), divided through by α when α > 1, so
        // that k α cannot overflow however large α is.
        let scale = alpha.max(1.0);
        let prior = (0..n).filter(|&j| allowed(j)).count() as f64 * (alpha / scale);
        let t = total as f64;
        let mut probabilities = Vec::with_capacity(n);
        let (mut lower, mut upper) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (j, &c) in row_counts.iter().enumerate() {
            let c = c as f64;
            let pseudo = if allowed(j) { alpha / scale } else { 0.0 };
            probabilities.push((c / scale + pseudo) / (t / scale + prior));
            // A jump chain has no self-loops by construction: that zero is
            // not estimated, so it has no interval.
            let (lo, hi) = if counts.semantics == Semantics::Jump && j == i {
                (None, None)
            } else {
                let (lo, hi) = wilson(row_counts[j], total, Z_95);
                (Some(lo), Some(hi))
            };
            lower.push(lo);
            upper.push(hi);
            if c > 0.0 {
                log_likelihood += c * (c / t).ln();
            }
        }
        rows.push(Row {
            state,
            total,
            counts: row_counts.clone(),
            probabilities,
            lower,
            upper,
            absorbing: false,
        });
    }
    let starts: u64 = counts.first_states.iter().sum();
    let initial = counts
        .first_states
        .iter()
        .map(|&c| c as f64 / starts.max(1) as f64)
        .collect();
    Ok(Estimate {
        states: counts.states.clone(),
        rows,
        smoothing: alpha,
        log_likelihood,
        interval: INTERVAL,
        initial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::Semantics;
    use crate::fit::read::TimeKind;

    fn counts(matrix: Vec<Vec<u64>>) -> Counts {
        let n = matrix.len();
        Counts {
            states: (0..n).map(|i| format!("s{i}")).collect(),
            semantics: Semantics::Rows,
            time_kind: TimeKind::Step,
            matrix,
            windows: None,
            first_states: vec![1; n],
            arrivals: vec![3; n],
            censored: vec![2; n],
            first_exit_line: vec![Some(7); n],
            holding: None,
            collapsed: 0,
            repeats: 0,
            gaps: (0, None),
            versions: n,
        }
    }

    #[test]
    fn maximum_likelihood_is_the_row_share() {
        let e = estimate(&counts(vec![vec![1, 3], vec![2, 2]]), &Options::default()).unwrap();
        assert_eq!(e.rows[0].probabilities, vec![0.25, 0.75]);
        assert_eq!(e.rows[1].probabilities, vec![0.5, 0.5]);
        // 1 ln(1/4) + 3 ln(3/4) + 4 ln(1/2)
        let want = 0.25f64.ln() + 3.0 * 0.75f64.ln() + 4.0 * 0.5f64.ln();
        assert!((e.log_likelihood - want).abs() < 1e-12);
    }

    #[test]
    fn smoothing_reaches_only_allowed_moves() {
        let options = Options {
            smoothing: 1.0,
            allowed: Some(vec![vec![true, true, false]; 3]),
            absorbing: vec![false, false, true],
            ..Options::default()
        };
        let e = estimate(
            &counts(vec![vec![0, 2, 0], vec![4, 0, 0], vec![0; 3]]),
            &options,
        )
        .unwrap();
        // (0 + 1) / (2 + 2) and (2 + 1) / (2 + 2); the forbidden move stays 0.
        assert_eq!(e.rows[0].probabilities, vec![0.25, 0.75, 0.0]);
        assert_eq!(e.rows[1].probabilities, vec![5.0 / 6.0, 1.0 / 6.0, 0.0]);
        assert!(e.rows[2].absorbing);
        assert_eq!(e.rows[2].probabilities, vec![0.0, 0.0, 1.0]);
    }

    /// Regression: α = 1e308 overflowed k α and gave rows of zeros.
    #[test]
    fn smoothing_of_any_size_tends_to_the_share_of_the_allowed_moves() {
        let smoothed = |alpha: f64| {
            let options = Options {
                smoothing: alpha,
                allowed: Some(vec![vec![true, true, false], vec![true; 3], vec![false; 3]]),
                absorbing: vec![false, false, true],
                ..Options::default()
            };
            estimate(
                &counts(vec![vec![1, 3, 0], vec![2, 2, 4], vec![0; 3]]),
                &options,
            )
            .unwrap()
        };
        // (n_ij + α) / (n_i + k α), exactly at α = 2 and α = 4.
        assert_eq!(
            smoothed(2.0).rows[0].probabilities,
            vec![3.0 / 8.0, 5.0 / 8.0, 0.0]
        );
        assert_eq!(smoothed(4.0).rows[1].probabilities, vec![0.3, 0.3, 0.4]);
        for alpha in [1e200, 1e308, f64::MAX] {
            let e = smoothed(alpha);
            assert_eq!(e.rows[0].probabilities, vec![0.5, 0.5, 0.0], "α = {alpha}");
            let row = &e.rows[1].probabilities;
            assert!(row.iter().all(|p| (p - 1.0 / 3.0).abs() < 1e-15), "{row:?}");
            assert_eq!(e.method(), format!("add-{alpha:e} smoothing"));
        }
        assert_eq!(smoothed(0.5).method(), "add-0.5 smoothing");
        assert_eq!(smoothed(1e-9).method(), "add-1e-9 smoothing");
    }

    /// Regression: a state that the step-sampled chain never saw at a
    /// boundary was said to never appear in the history.
    #[test]
    fn a_state_between_boundaries_is_not_said_to_be_missing() {
        let mut c = counts(vec![vec![1, 0], vec![0, 0]]);
        c.semantics = Semantics::Step { step: 7 };
        c.arrivals[1] = 0;
        assert_eq!(
            estimate(&c, &Options::default()).unwrap_err(),
            FitError::NeverSampled {
                state: "s1".into(),
                step: "7 steps".into()
            }
        );
        // Declared absorbing, it is a row of its own all the same.
        let absorbing = Options {
            absorbing: vec![false, true],
            ..Options::default()
        };
        assert!(estimate(&c, &absorbing).unwrap().rows[1].absorbing);
    }

    /// Regression: the self-loops of a jump chain, zero by construction,
    /// were given intervals as if they had been estimated.
    #[test]
    fn the_self_loops_of_a_jump_chain_have_no_interval() {
        let mut c = counts(vec![vec![0, 4], vec![3, 0]]);
        c.semantics = Semantics::Jump;
        let e = estimate(&c, &Options::default()).unwrap();
        for (i, row) in e.rows.iter().enumerate() {
            assert_eq!((row.lower[i], row.upper[i]), (None, None));
            assert!(row.lower[1 - i].is_some() && row.upper[1 - i].is_some());
        }
    }

    #[test]
    fn a_state_never_left_is_an_error_unless_absorbing() {
        let c = counts(vec![vec![1, 1], vec![0, 0]]);
        let error = estimate(&c, &Options::default()).unwrap_err();
        assert_eq!(
            error,
            FitError::NeverLeft {
                state: "s1".into(),
                entered: 3,
                censored: 2
            }
        );
        let strict = Options {
            absorbing: vec![true, false],
            strict_absorbing: vec![true, false],
            ..Options::default()
        };
        let left = estimate(&c, &strict).unwrap_err();
        assert!(matches!(
            left,
            FitError::AbsorbingLeft {
                exits: 1,
                line: 7,
                ..
            }
        ));
        assert!(matches!(
            estimate(
                &c,
                &Options {
                    smoothing: 0.5,
                    ..Options::default()
                }
            ),
            Err(FitError::Usage(_))
        ));
    }

    #[test]
    fn intervals_are_wilson_intervals() {
        let e = estimate(&counts(vec![vec![0, 10], vec![5, 5]]), &Options::default()).unwrap();
        // 0 of 10: the Wilson upper bound is z² / (n + z²).
        let z2 = 1.959_963_984_540_054f64.powi(2);
        assert!((e.rows[0].upper[0].unwrap() - z2 / (10.0 + z2)).abs() < 1e-12);
        assert_eq!(e.rows[0].lower[0], Some(0.0));
        let (lo, hi) = (e.rows[1].lower[0].unwrap(), e.rows[1].upper[0].unwrap());
        assert!((lo + hi - 1.0).abs() < 1e-12 && lo < 0.5 && hi > 0.5);
    }
}
