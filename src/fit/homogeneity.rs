//! Did the process drift? A test of homogeneity between two time windows.
//!
//! The moves of a history are split at a time (by when each move happened)
//! into the counts before, `n⁰_ij`, and after, `n¹_ij`. Under the hypothesis
//! that one matrix governs both windows, the likelihood-ratio statistic of
//! Anderson and Goodman (1957, section 3.3),
//!
//! `G² = 2 Σ_w Σ_i Σ_j n^w_ij ln(n^w_ij / E^w_ij)`,  `E^w_ij = n^w_i · n_ij / n_i`,
//!
//! is asymptotically χ² with `Σ_i (w_i − 1)(k_i − 1)` degrees of freedom,
//! where `w_i` counts the windows with moves out of `i` and `k_i` the
//! destinations seen from `i`. The entries that changed most are listed by
//! their two-proportion z-score, so a reader sees, say, a rollback rate that
//! rose from 10% to 25%.
//!
//! The χ² law is a large-sample one. By Cochran's rule (1954) it is
//! trusted when no expected count of the cells compared is below 1 and at
//! most a fifth are below 5; otherwise the result says its p-value is rough.

use serde::Serialize;

use super::count::CountMatrix;
use crate::stats::upper_tail;

/// The level below which the p-value says the process drifted.
pub const ALPHA: f64 = 0.05;
/// How many of the largest changes are listed.
const CHANGES_LISTED: usize = 3;

/// One row's share of the test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowTest {
    pub state: String,
    pub statistic: f64,
    pub degrees_of_freedom: usize,
    /// Moves out of the state before and after the split.
    pub totals: [u64; 2],
}

/// An entry's rate in both windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub from: String,
    pub to: String,
    pub before: f64,
    pub after: f64,
    /// Moves out of `from` before and after.
    pub totals: [u64; 2],
    /// `(after − before) / √(p̄ (1 − p̄) (1/n⁰ + 1/n¹))`, `p̄` the pooled rate.
    pub z: f64,
}

/// The result of the test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Homogeneity {
    /// The split, as a time people read (RFC 3339 or a step number).
    pub split: String,
    /// Moves before and after the split.
    pub moves: [u64; 2],
    pub statistic: f64,
    pub degrees_of_freedom: usize,
    pub p_value: f64,
    pub alpha: f64,
    /// `p_value < alpha`.
    pub drifted: bool,
    /// Too few moves for the χ² law (Cochran's rule fails): the p-value is
    /// rough.
    pub rough: bool,
    pub rows: Vec<RowTest>,
    /// The entries whose rate changed most, largest |z| first.
    pub largest_changes: Vec<Change>,
}

/// Tests whether the two windows share one transition matrix.
pub fn test(states: &[String], windows: &[CountMatrix; 2], split: String) -> Homogeneity {
    let n = states.len();
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    let (mut statistic, mut degrees_of_freedom) = (0.0, 0);
    // Cells compared (rows with moves in both windows), and of those the
    // ones expecting fewer than 5 moves and fewer than 1.
    let (mut cells, mut below_five, mut below_one) = (0usize, 0usize, 0usize);
    for i in 0..n {
        let totals = [0, 1].map(|w| windows[w][i].iter().sum::<u64>());
        let total = totals[0] + totals[1];
        if total == 0 {
            continue;
        }
        let column = |j: usize| windows[0][i][j] + windows[1][i][j];
        let mut g2 = 0.0;
        for (w, window) in windows.iter().enumerate() {
            for (j, &observed) in window[i].iter().enumerate() {
                if observed > 0 {
                    let expected = totals[w] as f64 * column(j) as f64 / total as f64;
                    g2 += 2.0 * observed as f64 * (observed as f64 / expected).ln();
                }
            }
        }
        let active_windows = totals.iter().filter(|&&t| t > 0).count();
        let destinations = (0..n).filter(|&j| column(j) > 0).count();
        let df = (active_windows - 1) * destinations.saturating_sub(1);
        statistic += g2;
        degrees_of_freedom += df;
        rows.push(RowTest {
            state: states[i].clone(),
            statistic: g2,
            degrees_of_freedom: df,
            totals,
        });
        if active_windows < 2 {
            continue;
        }
        for j in (0..n).filter(|&j| column(j) > 0) {
            for &t in &totals {
                let expected = t as f64 * column(j) as f64 / total as f64;
                cells += 1;
                below_five += usize::from(expected < 5.0);
                below_one += usize::from(expected < 1.0);
            }
            let (t0, t1) = (totals[0] as f64, totals[1] as f64);
            let before = windows[0][i][j] as f64 / t0;
            let after = windows[1][i][j] as f64 / t1;
            let pooled = column(j) as f64 / total as f64;
            let spread = (pooled * (1.0 - pooled) * (1.0 / t0 + 1.0 / t1)).sqrt();
            let z = if spread > 0.0 {
                (after - before) / spread
            } else {
                0.0
            };
            changes.push(Change {
                from: states[i].clone(),
                to: states[j].clone(),
                before,
                after,
                totals,
                z,
            });
        }
    }
    changes.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()));
    changes.truncate(CHANGES_LISTED);
    let p_value = upper_tail(statistic, degrees_of_freedom);
    let moves = [0, 1].map(|w| windows[w].iter().flatten().sum());
    Homogeneity {
        split,
        moves,
        statistic,
        degrees_of_freedom,
        p_value,
        alpha: ALPHA,
        drifted: p_value < ALPHA,
        rough: below_one > 0 || 5 * below_five > cells,
        rows,
        largest_changes: changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("s{i}")).collect()
    }

    #[test]
    fn equal_windows_have_no_evidence_of_drift() {
        let m = vec![vec![10, 30], vec![5, 5]];
        let h = test(&names(2), &[m.clone(), m], "t".into());
        assert!(h.statistic.abs() < 1e-12);
        assert_eq!(h.degrees_of_freedom, 2);
        assert!((h.p_value - 1.0).abs() < 1e-12);
        assert!(!h.drifted);
    }

    #[test]
    fn a_two_by_two_table_matches_a_hand_computation() {
        // Row s0: before 10 of 100 to s1, after 25 of 100. Pooled 35 of 200:
        // E = 17.5 and 82.5 each window.
        // G² = 2 (10 ln(10/17.5) + 90 ln(90/82.5) + 25 ln(25/17.5) + 75 ln(75/82.5)).
        let before = vec![vec![90, 10], vec![0, 0]];
        let after = vec![vec![75, 25], vec![0, 0]];
        let h = test(&names(2), &[before, after], "t".into());
        let want = 2.0
            * (10.0 * (10.0f64 / 17.5).ln()
                + 90.0 * (90.0f64 / 82.5).ln()
                + 25.0 * (25.0f64 / 17.5).ln()
                + 75.0 * (75.0f64 / 82.5).ln());
        assert!((h.statistic - want).abs() < 1e-12);
        assert_eq!(h.degrees_of_freedom, 1);
        let change = h.largest_changes.iter().find(|c| c.to == "s1").unwrap();
        assert_eq!((change.before, change.after), (0.1, 0.25));
        // z = 0.15 / √(0.175 · 0.825 · 0.02)
        assert!((change.z.abs() - 0.15 / (0.175f64 * 0.825 * 0.02).sqrt()).abs() < 1e-12);
        assert!(h.drifted);
        assert!(!h.rough, "every cell expects 17.5 or more");
    }

    /// Regression: "drifted" was said of a handful of moves with no word
    /// that the χ² law does not hold for so few.
    #[test]
    fn few_moves_make_the_p_value_rough() {
        // Row s0: before 1 and 1, after 4 and 0. Pooled 5 and 1 of 6:
        // expected 5/3, 1/3 before and 10/3, 2/3 after; all four below 5.
        let before = vec![vec![1, 1], vec![0, 0]];
        let after = vec![vec![4, 0], vec![0, 0]];
        assert!(test(&names(2), &[before, after], "t".into()).rough);
        // Two cells of four expecting 3: more than a fifth below 5.
        let before = vec![vec![20, 3], vec![0, 0]];
        let after = vec![vec![20, 3], vec![0, 0]];
        assert!(test(&names(2), &[before, after], "t".into()).rough);
        let before = vec![vec![20, 6], vec![0, 0]];
        let after = vec![vec![20, 6], vec![0, 0]];
        assert!(!test(&names(2), &[before, after], "t".into()).rough);
    }
}
