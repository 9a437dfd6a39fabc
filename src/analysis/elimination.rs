//! State reduction without subtraction: the elimination shared by the
//! stationary, absorption and hitting solvers.
//!
//! Take `m` states with a nonnegative matrix `a` of moves among them
//! (columns `0..m`), followed by `outflow` columns of moves out of the set
//! (to absorbing states, say) and `extra` right-hand-side columns. States
//! are censored one at a time, from `m − 1` down to `bottom`: censoring `k`
//! reroutes every path through `k` to where `k` leads,
//!
//! ```text
//! d_k = Σ_{j<k} a[k][j] + Σ_{outflow c} a[k][c]      (k's way out, a sum)
//! a[i][k] ← a[i][k] / d_k                            (for i < k)
//! a[i][j] ← a[i][j] + a[i][k] · a[k][j]              (for i < k, every column j < k or beyond m)
//! ```
//!
//! This is Gaussian elimination on `I − Q` in which each pivot, `1 − a[k][k]`
//! in the textbook form, is instead computed as the sum of `k`'s other
//! outflows. Every operation adds or multiplies nonnegative numbers, so no
//! digit is lost to cancellation however small the probabilities are
//! (Grassmann, Taksar and Heyman, 1985; for absorbing chains, the same state
//! reduction as in Kohlas, 1986).
//!
//! The pivots go in blocks of 32: within a block only the block's own
//! rows and columns are brought up to date pivot by pivot, and the rest of
//! the matrix receives the block's updates at once as one matrix product,
//! `a[L][L ∪ beyond] += a[L][K] · a[K][L ∪ beyond]` (`K` the block, `L` the
//! states below it). That is the same sum of the same products as the
//! step-by-step form, since a row of `K` is final once its own pivot is
//! reached, and so is a column; but the matrix is swept once per block
//! instead of once per pivot.

use nalgebra::DMatrix;

/// Pivots eliminated together before the rest of the matrix is updated.
const BLOCK: usize = 32;

/// Censors states `m − 1` down to `bottom` in place, where `m = a.nrows()`
/// and columns `m..m + outflow` count as ways out. Returns `d_k` for each
/// censored `k` (index `k − bottom`); a `d_k` of 0 means `k` had no way out
/// left and was skipped.
pub fn censor(a: &mut DMatrix<f64>, bottom: usize, outflow: usize) -> Vec<f64> {
    let m = a.nrows();
    let mut pivots = vec![0.0; m.saturating_sub(bottom)];
    let mut top = m;
    while top > bottom {
        let low = top.saturating_sub(BLOCK).max(bottom);
        for q in (low..top).rev() {
            pivots[q - bottom] = censor_within_block(a, q, low, outflow);
        }
        // a[L][L ∪ beyond] += a[L][K] · a[K][L ∪ beyond], L = 0..low, K = low..top.
        if low > 0 {
            let multipliers = a.view((0, low), (low, top - low)).clone_owned();
            let pivot_rows = a.view((low, 0), (top - low, low)).clone_owned();
            a.view_mut((0, 0), (low, low))
                .gemm(1.0, &multipliers, &pivot_rows, 1.0);
            let beyond = a.ncols() - m;
            if beyond > 0 {
                let pivot_rows = a.view((low, m), (top - low, beyond)).clone_owned();
                a.view_mut((0, m), (low, beyond))
                    .gemm(1.0, &multipliers, &pivot_rows, 1.0);
            }
        }
        top = low;
    }
    pivots
}

/// Eliminates pivot `q`, updating only what the block `low..=q` needs now:
/// column `q`, the rows `low..q` in every column below `q` and beyond `m`,
/// and the columns `low..q` in every row below `q`.
///
/// The matrix is column-major, so the update goes column by column: column
/// `j` receives `a[q][j]` times column `q`.
fn censor_within_block(a: &mut DMatrix<f64>, q: usize, low: usize, outflow: usize) -> f64 {
    let m = a.nrows();
    let data = a.as_mut_slice();
    let way_out = |j: usize| data[j * m + q];
    let d: f64 = (0..q).map(way_out).sum::<f64>() + (m..m + outflow).map(way_out).sum::<f64>();
    if d <= 0.0 {
        return 0.0;
    }
    let (before, from_q) = data.split_at_mut(q * m);
    let (pivot_column, after) = from_q.split_at_mut(m);
    let pivot_column = &mut pivot_column[..q];
    pivot_column.iter_mut().for_each(|x| *x /= d);

    let update = |j: usize, column: &mut [f64]| {
        let pivot = column[q];
        if pivot != 0.0 {
            let rows = if (low..q).contains(&j) { 0..q } else { low..q };
            for (x, &f) in column[rows.clone()].iter_mut().zip(&pivot_column[rows]) {
                *x += f * pivot;
            }
        }
    };
    for (j, column) in before.chunks_exact_mut(m).enumerate() {
        update(j, column);
    }
    // Columns beyond the m states: only the block's rows now, the rest in
    // the block's matrix product. `after` starts at column q + 1.
    let skip = (m - q - 1) * m;
    for column in after[skip..].chunks_exact_mut(m) {
        update(usize::MAX, column);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The step-by-step form, for comparison with the blocked one.
    fn censor_plain(a: &mut DMatrix<f64>, bottom: usize, outflow: usize) -> Vec<f64> {
        let m = a.nrows();
        let cols = a.ncols();
        let mut pivots = vec![0.0; m - bottom];
        for k in (bottom..m).rev() {
            let d: f64 = (0..k).chain(m..m + outflow).map(|j| a[(k, j)]).sum();
            pivots[k - bottom] = d;
            for i in 0..k {
                a[(i, k)] /= d;
                for j in (0..k).chain(m..cols) {
                    let update = a[(i, k)] * a[(k, j)];
                    a[(i, j)] += update;
                }
            }
        }
        pivots
    }

    #[test]
    fn blocked_and_plain_forms_agree() {
        let (m, outflow, extra) = (75, 3, 2);
        let mut x: u64 = 7;
        let a = DMatrix::from_fn(m, m + outflow + extra, |_, _| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 40) % 100) as f64 / 100.0
        });
        for bottom in [0, 1, 40] {
            let (mut blocked, mut plain) = (a.clone(), a.clone());
            let pb = censor(&mut blocked, bottom, outflow);
            let pp = censor_plain(&mut plain, bottom, outflow);
            for (b, p) in pb.iter().zip(&pp) {
                assert!((b - p).abs() <= 1e-12 * p.abs(), "pivot {b} vs {p}");
            }
            let scale = plain.abs().max();
            assert!((blocked - plain).abs().max() <= 1e-12 * scale);
        }
    }
}
