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
//! The pivots go in blocks of 64: within a block only the block's own
//! rows and columns are brought up to date pivot by pivot, and the rest of
//! the matrix receives the block's updates at once as one matrix product,
//! `a[L][L ∪ beyond] += a[L][K] · a[K][L ∪ beyond]` (`K` the block, `L` the
//! states below it). That is the same sum of the same products as the
//! step-by-step form, since a row of `K` is final once its own pivot is
//! reached, and so is a column; but the matrix is swept once per block
//! instead of once per pivot.

use nalgebra::{DMatrix, DMatrixView};

/// Pivots eliminated together before the rest of the matrix is updated.
/// Large enough that the matrix product of the update runs near the
/// machine's peak, small enough that a block's rows stay in the L2 cache.
const BLOCK: usize = 64;

/// Censors states `m − 1` down to `bottom` in place, where `m = a.nrows()`
/// and columns `m..m + outflow` count as ways out. Returns `d_k` for each
/// censored `k` (index `k − bottom`); a `d_k` of 0 means `k` had no way out
/// left and was skipped.
pub fn censor(a: &mut DMatrix<f64>, bottom: usize, outflow: usize) -> Vec<f64> {
    let m = a.nrows();
    let mut pivots = vec![0.0; m.saturating_sub(bottom)];
    let mut strip = Strip::default();
    let mut top = m;
    while top > bottom {
        let low = top.saturating_sub(BLOCK).max(bottom);
        strip.load(a, low, top);
        for q in (low..top).rev() {
            pivots[q - bottom] = censor_within_block(a, &mut strip, q, outflow);
        }
        strip.store(a);
        if low > 0 {
            update_below_block(a, &strip);
        }
        top = low;
    }
    pivots
}

/// The rows `low..top` of a block, copied out of the column-major matrix so
/// that each column's few entries lie together: the pivots of the block
/// sweep these rows across every column, which in place would touch a new
/// cache line for each column.
///
/// Strip column `c` is matrix column `c` for `c < top` and matrix column
/// `m + (c − top)` beyond that (the outflow and right-hand-side columns);
/// the columns `top..m` belong to states already censored and are left out.
#[derive(Default)]
struct Strip {
    /// Column-major, `rows` entries a column.
    data: Vec<f64>,
    low: usize,
    top: usize,
    rows: usize,
    width: usize,
}

impl Strip {
    fn load(&mut self, a: &DMatrix<f64>, low: usize, top: usize) {
        let m = a.nrows();
        self.low = low;
        self.top = top;
        self.rows = top - low;
        self.width = top + a.ncols() - m;
        self.data.clear();
        for c in 0..self.width {
            let column = self.matrix_column(c, m);
            self.data
                .extend_from_slice(&a.as_slice()[column * m + low..column * m + top]);
        }
    }

    fn store(&self, a: &mut DMatrix<f64>) {
        let m = a.nrows();
        let (low, top) = (self.low, self.top);
        for (c, entries) in self.data.chunks_exact(self.rows).enumerate() {
            let column = self.matrix_column(c, m);
            a.as_mut_slice()[column * m + low..column * m + top].copy_from_slice(entries);
        }
    }

    fn matrix_column(&self, c: usize, m: usize) -> usize {
        if c < self.top { c } else { m + (c - self.top) }
    }

    /// The strip columns `range` as a `rows × len` matrix.
    fn columns(&self, range: std::ops::Range<usize>) -> DMatrixView<'_, f64> {
        let rows = self.rows;
        DMatrixView::from_slice(
            &self.data[range.start * rows..range.end * rows],
            rows,
            range.len(),
        )
    }
}

/// Eliminates pivot `q` of the block held in `strip`, bringing up to date
/// only what the block's later pivots need: the block's rows `low..q` in
/// every column below `q` and beyond `m` (in the strip), and the rows
/// `0..low` of the block's columns `low..q` (in place, where columns are
/// contiguous). Column `q` receives its multipliers `a[i][q] / d_q`.
fn censor_within_block(a: &mut DMatrix<f64>, strip: &mut Strip, q: usize, outflow: usize) -> f64 {
    let m = a.nrows();
    let (low, top, rows) = (strip.low, strip.top, strip.rows);
    let r = q - low;
    let data = &mut strip.data;
    let way_out = |c: usize| data[c * rows + r];
    let d: f64 = (0..q).map(way_out).sum::<f64>() + (top..top + outflow).map(way_out).sum::<f64>();
    if d <= 0.0 {
        return 0.0;
    }

    // The multipliers: column q, rows low..q in the strip, rows 0..low in place.
    let (before, from_q) = data.split_at_mut(q * rows);
    let (pivot_column, after) = from_q.split_at_mut(rows);
    let multipliers = &mut pivot_column[..r];
    multipliers.iter_mut().for_each(|x| *x /= d);
    let (matrix_before, matrix_from_q) = a.as_mut_slice().split_at_mut(q * m);
    let outer_multipliers = &mut matrix_from_q[..low];
    outer_multipliers.iter_mut().for_each(|x| *x /= d);

    // The block's rows low..q, in every column j < q and beyond m.
    let skip = (top - q - 1) * rows;
    for column in before
        .chunks_exact_mut(rows)
        .chain(after[skip..].chunks_exact_mut(rows))
    {
        let pivot = column[r];
        if pivot != 0.0 {
            for (x, &f) in column[..r].iter_mut().zip(multipliers.iter()) {
                *x += f * pivot;
            }
        }
    }
    // The rows 0..low of the block's columns low..q.
    for (j, column) in matrix_before[low * m..].chunks_exact_mut(m).enumerate() {
        let pivot = before[(low + j) * rows + r];
        if pivot != 0.0 {
            for (x, &f) in column[..low].iter_mut().zip(outer_multipliers.iter()) {
                *x += f * pivot;
            }
        }
    }
    d
}

/// The block's updates to the states below it, at once as matrix products:
/// `a[L][L ∪ beyond] += a[L][K] · a[K][L ∪ beyond]`, with `K = low..top` the
/// block and `L = 0..low`.
fn update_below_block(a: &mut DMatrix<f64>, strip: &Strip) {
    let m = a.nrows();
    let (low, top) = (strip.low, strip.top);
    let (mut below, block) = a.columns_range_pair_mut(0..low, low..top);
    let multipliers = block.rows(0, low);
    below
        .rows_mut(0, low)
        .gemm(1.0, &multipliers, &strip.columns(0..low), 1.0);
    let beyond = a.ncols() - m;
    if beyond > 0 {
        let (block, mut outside) = a.columns_range_pair_mut(low..top, m..m + beyond);
        outside.rows_mut(0, low).gemm(
            1.0,
            &block.rows(0, low),
            &strip.columns(top..top + beyond),
            1.0,
        );
    }
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
        let (m, outflow, extra) = (150, 3, 2);
        let mut x: u64 = 7;
        let a = DMatrix::from_fn(m, m + outflow + extra, |_, _| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 40) % 100) as f64 / 100.0
        });
        for bottom in [0, 1, 40, 100] {
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
