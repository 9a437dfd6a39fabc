//! A dense block of a chain stored by rows, for products with a few
//! columns at a time: the one operation of the Krylov solver.
//!
//! `Q X` with `X` of a dozen columns reads all of `Q` for a few flops per
//! entry. A general matrix product copies `Q` into packed panels on every
//! call, which costs more than the arithmetic; here `Q` is laid out by rows
//! once, and each product streams three rows at a time against `X`, also by
//! rows, keeping a 3 × 12 block of the result in registers (with AVX2's sixteen,
//! a fourth row would spill one to memory). On x86-64 the
//! kernel is compiled a second time with AVX2 and FMA and chosen at run time
//! when the processor has them.

use nalgebra::DMatrix;
use rayon::prelude::*;

/// Rows of `Q` a kernel call works on.
const ROWS: usize = 3;
/// Columns of `X` a kernel call works on (padded with zeros).
const COLUMNS: usize = 12;
/// Rows from which a product is split between two threads.
const PARALLEL_ROWS: usize = 256;

/// A square matrix stored row after row.
#[derive(Debug, Clone)]
pub struct RowMajor {
    /// `m × m` entries, `data[i * m + j] = Q[i][j]`.
    data: Vec<f64>,
    m: usize,
}

impl RowMajor {
    /// Copies `q`.
    pub fn new(q: &DMatrix<f64>) -> Self {
        let all: Vec<usize> = (0..q.nrows()).collect();
        Self::block(q, &all)
    }

    /// Copies the block `matrix[states, states]`.
    pub fn block(matrix: &DMatrix<f64>, states: &[usize]) -> Self {
        let m = states.len();
        let mut data = vec![0.0; m * m];
        // By square tiles, so that the reads down the matrix's columns and
        // the writes along the copy's rows each touch only a tile's worth of
        // cache lines and pages; bands of rows go to both cores.
        const TILE: usize = 32;
        data.par_chunks_mut(TILE * m)
            .enumerate()
            .for_each(|(band, rows)| {
                let band_states = &states[band * TILE..band * TILE + rows.len() / m];
                for j0 in (0..m).step_by(TILE) {
                    for j in j0..(j0 + TILE).min(m) {
                        let column = matrix.column(states[j]);
                        for (r, &i) in band_states.iter().enumerate() {
                            rows[r * m + j] = column[i];
                        }
                    }
                }
            });
        Self { data, m }
    }

    /// The number of rows.
    pub fn nrows(&self) -> usize {
        self.m
    }

    /// `Q X`.
    pub fn mul(&self, x: &DMatrix<f64>) -> DMatrix<f64> {
        let m = self.m;
        assert_eq!(x.nrows(), m, "Q X needs X with as many rows as Q");
        let mut y = DMatrix::zeros(m, x.ncols());
        for first in (0..x.ncols()).step_by(COLUMNS) {
            let width = (x.ncols() - first).min(COLUMNS);
            // X's chunk by rows, padded to COLUMNS.
            let mut packed = vec![0.0; m * COLUMNS];
            for c in 0..width {
                for (j, &v) in x.column(first + c).iter().enumerate() {
                    packed[j * COLUMNS + c] = v;
                }
            }
            let mut out = vec![0.0; m * COLUMNS];
            if m >= PARALLEL_ROWS {
                let half = m / 2 / ROWS * ROWS;
                let (top, bottom) = out.split_at_mut(half * COLUMNS);
                rayon::join(
                    || self.rows(&packed, 0, top),
                    || self.rows(&packed, half, bottom),
                );
            } else {
                self.rows(&packed, 0, &mut out);
            }
            for c in 0..width {
                for (i, entry) in y.column_mut(first + c).iter_mut().enumerate() {
                    *entry = out[i * COLUMNS + c];
                }
            }
        }
        y
    }

    /// Rows `first..` of `Q X` into `out` (by rows, `COLUMNS` wide).
    fn rows(&self, packed: &[f64], first: usize, out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the processor has both features, checked just above.
            unsafe { rows_fma(&self.data, self.m, packed, first, out) };
            return;
        }
        rows_plain(&self.data, self.m, packed, first, out);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn rows_fma(q: &[f64], m: usize, packed: &[f64], first: usize, out: &mut [f64]) {
    rows_with::<true>(q, m, packed, first, out);
}

fn rows_plain(q: &[f64], m: usize, packed: &[f64], first: usize, out: &mut [f64]) {
    rows_with::<false>(q, m, packed, first, out);
}

/// Rows `first .. first + out.len() / COLUMNS` of `Q X`, four at a time and
/// then one at a time for the rest. `FUSED` uses fused multiply-adds, for a
/// caller compiled with them.
#[inline(always)]
fn rows_with<const FUSED: bool>(
    q: &[f64],
    m: usize,
    packed: &[f64],
    first: usize,
    out: &mut [f64],
) {
    let mut blocks = out.chunks_exact_mut(ROWS * COLUMNS);
    let mut i = first;
    for block in &mut blocks {
        let mut sum = [[0.0_f64; COLUMNS]; ROWS];
        let rows: [&[f64]; ROWS] = std::array::from_fn(|r| &q[(i + r) * m..(i + r + 1) * m]);
        for (j, x) in packed.chunks_exact(COLUMNS).enumerate() {
            for r in 0..ROWS {
                let a = rows[r][j];
                for c in 0..COLUMNS {
                    sum[r][c] = multiply_add::<FUSED>(a, x[c], sum[r][c]);
                }
            }
        }
        for (to, from) in block.chunks_exact_mut(COLUMNS).zip(&sum) {
            to.copy_from_slice(from);
        }
        i += ROWS;
    }
    for (offset, to) in blocks
        .into_remainder()
        .chunks_exact_mut(COLUMNS)
        .enumerate()
    {
        let row = &q[(i + offset) * m..(i + offset + 1) * m];
        let mut sum = [0.0_f64; COLUMNS];
        for (&a, x) in row.iter().zip(packed.chunks_exact(COLUMNS)) {
            for c in 0..COLUMNS {
                sum[c] = multiply_add::<FUSED>(a, x[c], sum[c]);
            }
        }
        to.copy_from_slice(&sum);
    }
}

#[inline(always)]
fn multiply_add<const FUSED: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_match_nalgebra_for_every_shape() {
        for (m, k) in [(1, 1), (3, 2), (5, 12), (9, 13), (300, 11), (301, 25)] {
            let q = DMatrix::from_fn(m, m, |i, j| ((i * 7 + j * 3) % 11) as f64 / 8.0);
            let x = DMatrix::from_fn(m, k, |i, j| ((i + 5 * j) % 13) as f64 - 6.0);
            let y = RowMajor::new(&q).mul(&x);
            let expected = &q * &x;
            assert!((y - &expected).amax() <= 1e-12 * expected.amax().max(1.0));
        }
    }
}
