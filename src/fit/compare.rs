//! Where the observed process departs from a declared policy.
//!
//! The policy is read under the fit's semantics. For the row and
//! step-sampled chains it is taken as is (one policy step is one row step,
//! or one `--step`). For the jump chain it is the policy's own jump chain:
//! self-loops removed and each row renormalised,
//! `J_ij = T_ij / (1 − T_ii)` for `j ≠ i`, an absorbing row kept as `e_i`
//! (Norris, *Markov Chains*, section 2.6). Three kinds of departure are
//! listed: moves observed that the policy forbids, moves it allows that were
//! never seen (with the chance of seeing none, `(1 − p)^{n_i}`), and
//! entries whose declared value lies outside the fitted 95% interval.
//!
//! With `m` entries compared, about `0.05 m` fall outside their own 95%
//! interval by chance alone, so a check that failed on any of them would
//! fail most correct policies of a dozen moves. The verdict therefore uses
//! simultaneous intervals: Wilson intervals at level `1 − 0.05 / m`
//! (Bonferroni), which all hold together with probability at least 95%.
//! The comparison fails on a forbidden move or an entry outside its
//! simultaneous interval; entries outside only their own 95% interval are
//! listed as worth a look.

use nalgebra::DMatrix;
use serde::Serialize;

use super::Semantics;
use super::estimate::{Estimate, wilson};
use crate::stats::two_sided_z;

/// The family-wise level of the verdict.
pub const FAMILY_ALPHA: f64 = 0.05;

/// A move seen in the history that the policy gives probability 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forbidden {
    pub from: String,
    pub to: String,
    pub count: u64,
}

/// A move the policy allows that the history never shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unseen {
    pub from: String,
    pub to: String,
    pub declared: f64,
    /// Steps out of `from` in the history.
    pub row_total: u64,
    /// `(1 − declared)^row_total`: how likely seeing none was.
    pub chance_of_none: f64,
}

/// An entry whose declared value lies outside its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outside {
    pub from: String,
    pub to: String,
    pub declared: f64,
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    pub count: u64,
    pub row_total: u64,
    /// The simultaneous (Bonferroni) interval of the entry.
    pub simultaneous: (f64, f64),
    /// The declared value is outside the simultaneous interval too.
    pub beyond_simultaneous: bool,
}

/// The comparison of a fit with a declared policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// How the policy was read, in one sentence.
    pub basis: String,
    /// The policy as compared, row by row.
    pub declared: Vec<Vec<f64>>,
    pub forbidden: Vec<Forbidden>,
    pub unseen: Vec<Unseen>,
    pub outside: Vec<Outside>,
    /// Entries compared with their intervals (`m`).
    pub entries_compared: usize,
    /// `z` of the simultaneous intervals, for level `1 − 0.05 / m`.
    pub simultaneous_z: f64,
    /// No forbidden move and no entry outside its simultaneous interval.
    pub agrees: bool,
}

/// The policy as the fit's semantics sees it.
pub fn policy_as_seen(policy: &DMatrix<f64>, semantics: Semantics) -> Vec<Vec<f64>> {
    let n = policy.nrows();
    (0..n)
        .map(|i| {
            let row: Vec<f64> = (0..n).map(|j| policy[(i, j)]).collect();
            if semantics != Semantics::Jump {
                return row;
            }
            let stay = row[i];
            if 1.0 - stay <= 0.0 {
                let mut absorbing = vec![0.0; n];
                absorbing[i] = 1.0;
                return absorbing;
            }
            (0..n)
                .map(|j| if j == i { 0.0 } else { row[j] / (1.0 - stay) })
                .collect()
        })
        .collect()
}

/// Compares a fit with the declared policy (same states, same order).
pub fn compare(estimate: &Estimate, policy: &DMatrix<f64>, semantics: Semantics) -> Comparison {
    let declared = policy_as_seen(policy, semantics);
    let basis = match semantics {
        Semantics::Jump => "the policy's jump chain: self-loops removed, rows renormalised",
        Semantics::Rows => "the policy as declared, one policy step per row step",
        Semantics::Step { .. } => "the policy as declared, one policy step per --step",
    }
    .to_string();
    let (mut forbidden, mut unseen, mut outside) = (Vec::new(), Vec::new(), Vec::new());
    let compared = |i: usize, j: usize| {
        let row = &estimate.rows[i];
        !row.absorbing && !row.is_unobserved() && declared[i][j] > 0.0
    };
    let n = estimate.states.len();
    let entries_compared = (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter(|&(i, j)| compared(i, j))
        .count();
    let simultaneous_z = two_sided_z(FAMILY_ALPHA / entries_compared.max(1) as f64);
    for (i, row) in estimate.rows.iter().enumerate() {
        // A row never seen left says nothing for or against the policy.
        if row.is_unobserved() {
            continue;
        }
        // A row absorbing in the policy too has nothing to compare. One
        // declared absorbing against the policy (`--absorbing`) was never
        // left: the policy's ways out of it are moves never seen.
        if row.absorbing {
            for (j, &p) in declared[i].iter().enumerate() {
                if j != i && p > 0.0 {
                    unseen.push(Unseen {
                        from: row.state.clone(),
                        to: estimate.states[j].clone(),
                        declared: p,
                        row_total: row.total,
                        chance_of_none: (1.0 - p).powf(row.total as f64),
                    });
                }
            }
            continue;
        }
        for (j, &count) in row.counts.iter().enumerate() {
            let p = declared[i][j];
            let (from, to) = (row.state.clone(), estimate.states[j].clone());
            if p == 0.0 {
                if count > 0 {
                    forbidden.push(Forbidden { from, to, count });
                }
                continue;
            }
            if count == 0 {
                unseen.push(Unseen {
                    from: from.clone(),
                    to: to.clone(),
                    declared: p,
                    row_total: row.total,
                    chance_of_none: (1.0 - p).powf(row.total as f64),
                });
            }
            let (Some(lower), Some(upper)) = (row.lower[j], row.upper[j]) else {
                continue;
            };
            if p < lower || p > upper {
                let simultaneous = wilson(count, row.total, simultaneous_z);
                outside.push(Outside {
                    simultaneous,
                    beyond_simultaneous: p < simultaneous.0 || p > simultaneous.1,
                    from,
                    to,
                    declared: p,
                    estimate: row.probabilities[j],
                    lower,
                    upper,
                    count,
                    row_total: row.total,
                });
            }
        }
    }
    let agrees = forbidden.is_empty() && !outside.iter().any(|o| o.beyond_simultaneous);
    Comparison {
        basis,
        declared,
        forbidden,
        unseen,
        outside,
        entries_compared,
        simultaneous_z,
        agrees,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::count::Counts;
    use crate::fit::estimate::{Options, estimate};
    use crate::fit::read::TimeKind;

    /// Row-chain counts of states `a`, `b`, `c`, each entered.
    fn row_counts(matrix: Vec<Vec<u64>>) -> Counts {
        Counts {
            states: vec!["a".into(), "b".into(), "c".into()],
            semantics: Semantics::Rows,
            time_kind: TimeKind::Step,
            matrix,
            windows: None,
            first_states: vec![1, 0, 0],
            arrivals: vec![1; 3],
            censored: vec![0; 3],
            first_exit_line: vec![None; 3],
            holding: None,
            collapsed: 0,
            repeats: 0,
            gaps: (0, None),
            versions: 1,
        }
    }

    #[test]
    fn the_jump_chain_of_a_policy_drops_self_loops() {
        let policy = DMatrix::from_row_slice(3, 3, &[0.5, 0.3, 0.2, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0]);
        let jump = policy_as_seen(&policy, Semantics::Jump);
        assert_eq!(jump[0], vec![0.0, 0.6, 0.4]);
        assert_eq!(jump[2], vec![0.0, 0.0, 1.0]);
        assert_eq!(
            policy_as_seen(&policy, Semantics::Rows)[0],
            vec![0.5, 0.3, 0.2]
        );
    }

    #[test]
    fn departures_are_sorted_into_their_kinds() {
        // Declared: a → a 0.5, a → b 0.5, b → a 1.
        let policy = DMatrix::from_row_slice(3, 3, &[0.5, 0.5, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        // a: 90 stays and 10 moves to b (0.5 is far outside); b: 20 to a, 2 to c.
        let counts = row_counts(vec![vec![90, 10, 0], vec![20, 0, 2], vec![0, 0, 0]]);
        let options = Options {
            absorbing: vec![false, false, true],
            ..Options::default()
        };
        let fit = estimate(&counts, &options).unwrap();
        let c = compare(&fit, &policy, Semantics::Rows);
        assert_eq!(
            c.forbidden,
            vec![Forbidden {
                from: "b".into(),
                to: "c".into(),
                count: 2
            }]
        );
        let outside: Vec<(&str, &str)> = c
            .outside
            .iter()
            .map(|o| (o.from.as_str(), o.to.as_str()))
            .collect();
        // b → a is declared certain, so any move elsewhere puts it outside too.
        assert_eq!(outside, [("a", "a"), ("a", "b"), ("b", "a")]);
        assert!(c.unseen.is_empty());
        assert!(c.outside.iter().all(|o| o.beyond_simultaneous));
        // Three entries compared: a → a, a → b, b → a.
        assert_eq!(c.entries_compared, 3);
        assert!((c.simultaneous_z - two_sided_z(0.05 / 3.0)).abs() < 1e-15);
        assert!(!c.agrees);
    }

    /// Regression: a state declared absorbing against the policy hid the
    /// policy's ways out of it, and the comparison said every allowed move
    /// was seen.
    #[test]
    fn a_state_made_absorbing_against_the_policy_shows_its_moves_unseen() {
        // Declared: a → b 0.5, a → c 0.5, b → b 0.9, b → a 0.1, c absorbing.
        let policy = DMatrix::from_row_slice(3, 3, &[0.0, 0.5, 0.5, 0.1, 0.9, 0.0, 0.0, 0.0, 1.0]);
        // b stays 30 times and is never left.
        let counts = row_counts(vec![vec![0, 5, 5], vec![0, 30, 0], vec![0, 0, 0]]);
        let options = Options {
            absorbing: vec![false, true, true],
            ..Options::default()
        };
        let fit = estimate(&counts, &options).unwrap();
        let c = compare(&fit, &policy, Semantics::Rows);
        assert_eq!(c.unseen.len(), 1);
        let unseen = &c.unseen[0];
        assert_eq!((unseen.from.as_str(), unseen.to.as_str()), ("b", "a"));
        assert_eq!(unseen.row_total, 30);
        assert!((unseen.chance_of_none - 0.9f64.powi(30)).abs() < 1e-15);
        // c is absorbing in the policy as well: nothing to say of it.
        assert!(c.unseen.iter().all(|u| u.from != "c"));
    }
}
