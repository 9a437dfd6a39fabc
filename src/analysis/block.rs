//! A square block of a chain's matrix, for products with a few columns at a
//! time: the one operation of the Krylov solver.
//!
//! `Q X` with `X` of a dozen columns reads all of `Q` for a few flops per
//! entry, so `Q` is read where it lies. The transient states of a chain are
//! most often one run of consecutive states, and their block is then a view
//! of the chain's own column-major storage; any other block is gathered
//! once, column by column. (A general matrix product would copy `Q` into
//! packed panels on every call, which costs more than the arithmetic.)
//!
//! A product lays `X` out by rows, up to twelve columns at a time, and
//! streams a tile of rows of `Q` down the columns of `Q` against it,
//! keeping the tile's block of the result in registers: 16 rows with
//! AVX-512's 32 vector registers, 4 rows with AVX2's 16. There is a kernel
//! for each width from 1 to 12, so a narrow `X` costs no padding. On x86-64
//! the kernels are compiled for each instruction set and chosen at run
//! time; portable ones serve other processors. Every kernel adds the terms
//! of each entry in the same order, `j = 0, 1, …`, so the rows' split
//! between threads never changes a number; the portable kernels multiply
//! and add apart rather than fused, so their last bits may differ from the
//! others' (one machine always gives the same numbers).

use std::borrow::Cow;
use std::ops::Range;

use nalgebra::{DMatrix, DVector};

/// The most columns of `X` a pass over `Q` works on.
const COLUMNS: usize = 12;
/// Rows from which a product is split between two threads.
const PARALLEL_ROWS: usize = 256;
/// The rows of the widest tile; the split between threads is a multiple
/// of it.
const WIDEST_TILE: usize = 16;

/// A square block `Q = T[states, states]` of a chain's matrix `T`.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    /// `Q[i][j] = data[j * stride + i]`.
    data: Cow<'a, [f64]>,
    /// The distance between the starts of two columns.
    stride: usize,
    /// The number of rows and of columns.
    m: usize,
}

impl<'a> Block<'a> {
    /// The block of `matrix` on `states`: a view when they are consecutive,
    /// a gathered copy otherwise.
    pub fn of(matrix: &'a DMatrix<f64>, states: &[usize]) -> Self {
        let (n, m) = (matrix.nrows(), states.len());
        let consecutive = states.windows(2).all(|pair| pair[1] == pair[0] + 1);
        if let (true, Some(&first)) = (consecutive, states.first()) {
            let start = first * n + first;
            let end = start + (m - 1) * n + m;
            return Self {
                data: Cow::Borrowed(&matrix.as_slice()[start..end]),
                stride: n,
                m,
            };
        }
        let data: Vec<f64> = gather(matrix, states).data.into();
        Self {
            data: Cow::Owned(data),
            stride: m,
            m,
        }
    }

    /// `Qᵀ 1`, the sums of the columns.
    pub fn column_sums(&self) -> DVector<f64> {
        let sum = |j: usize| sum(&self.data[j * self.stride..][..self.m]);
        let sums: Vec<f64> = if self.m >= PARALLEL_ROWS {
            use rayon::prelude::*;
            (0..self.m).into_par_iter().map(sum).collect()
        } else {
            (0..self.m).map(sum).collect()
        };
        DVector::from_vec(sums)
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
            // X's columns `first..first + width`, by rows.
            let mut panel = vec![0.0; m * width];
            for (c, column) in x.columns(first, width).column_iter().enumerate() {
                for (j, &value) in column.iter().enumerate() {
                    panel[j * width + c] = value;
                }
            }
            let halves = if m >= PARALLEL_ROWS {
                let split = m / 2 / WIDEST_TILE * WIDEST_TILE;
                let (top, bottom) = rayon::join(
                    || self.rows(&panel, width, 0..split),
                    || self.rows(&panel, width, split..m),
                );
                vec![(0..split, top), (split..m, bottom)]
            } else {
                vec![(0..m, self.rows(&panel, width, 0..m))]
            };
            for (rows, out) in halves {
                y.view_mut((rows.start, first), (rows.len(), width))
                    .copy_from_slice(&out);
            }
        }
        y
    }

    /// Rows `rows` of `Q X` for a panel of `width` columns of `X`, column
    /// after column.
    fn rows(&self, panel: &[f64], width: usize, rows: Range<usize>) -> Vec<f64> {
        let mut out = vec![0.0; rows.len() * width];
        let (q, stride) = (&self.data[..], self.stride);
        // One kernel for each width, so that a tile's sums stay in registers.
        macro_rules! by_width {
            ($kernel:ident) => {
                match width {
                    1 => $kernel::<1>(q, stride, panel, rows, &mut out),
                    2 => $kernel::<2>(q, stride, panel, rows, &mut out),
                    3 => $kernel::<3>(q, stride, panel, rows, &mut out),
                    4 => $kernel::<4>(q, stride, panel, rows, &mut out),
                    5 => $kernel::<5>(q, stride, panel, rows, &mut out),
                    6 => $kernel::<6>(q, stride, panel, rows, &mut out),
                    7 => $kernel::<7>(q, stride, panel, rows, &mut out),
                    8 => $kernel::<8>(q, stride, panel, rows, &mut out),
                    9 => $kernel::<9>(q, stride, panel, rows, &mut out),
                    10 => $kernel::<10>(q, stride, panel, rows, &mut out),
                    11 => $kernel::<11>(q, stride, panel, rows, &mut out),
                    _ => $kernel::<COLUMNS>(q, stride, panel, rows, &mut out),
                }
            };
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the processor has the feature, checked just above.
                unsafe { by_width!(rows_avx512) };
                return out;
            }
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the processor has both features, checked just above.
                unsafe { by_width!(rows_avx2) };
                return out;
            }
        }
        by_width!(rows_portable);
        out
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn rows_avx512<const WIDTH: usize>(
    q: &[f64],
    stride: usize,
    panel: &[f64],
    rows: Range<usize>,
    out: &mut [f64],
) {
    tiles::<WIDEST_TILE, WIDTH, true>(q, stride, panel, rows, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn rows_avx2<const WIDTH: usize>(
    q: &[f64],
    stride: usize,
    panel: &[f64],
    rows: Range<usize>,
    out: &mut [f64],
) {
    tiles::<4, WIDTH, true>(q, stride, panel, rows, out);
}

fn rows_portable<const WIDTH: usize>(
    q: &[f64],
    stride: usize,
    panel: &[f64],
    rows: Range<usize>,
    out: &mut [f64],
) {
    tiles::<2, WIDTH, false>(q, stride, panel, rows, out);
}

/// Rows `rows` of `Q X` into `out` (column after column, `rows.len()`
/// long), `ROWS` at a time and then one at a time for the rest. `FUSED`
/// uses fused multiply-adds, for a caller compiled with them.
#[inline(always)]
fn tiles<const ROWS: usize, const WIDTH: usize, const FUSED: bool>(
    q: &[f64],
    stride: usize,
    panel: &[f64],
    rows: Range<usize>,
    out: &mut [f64],
) {
    let mut i = rows.start;
    while i + ROWS <= rows.end {
        tile::<ROWS, WIDTH, FUSED>(q, stride, panel, i, &rows, out);
        i += ROWS;
    }
    while i < rows.end {
        tile::<1, WIDTH, FUSED>(q, stride, panel, i, &rows, out);
        i += 1;
    }
}

/// Rows `i..i + ROWS` of `Q X`, held in registers over all of `j`.
#[inline(always)]
fn tile<const ROWS: usize, const WIDTH: usize, const FUSED: bool>(
    q: &[f64],
    stride: usize,
    panel: &[f64],
    i: usize,
    rows: &Range<usize>,
    out: &mut [f64],
) {
    let mut sum = [[0.0_f64; ROWS]; WIDTH];
    for (j, x) in panel.chunks_exact(WIDTH).enumerate() {
        let a = &q[j * stride + i..][..ROWS];
        for c in 0..WIDTH {
            for r in 0..ROWS {
                sum[c][r] = multiply_add::<FUSED>(a[r], x[c], sum[c][r]);
            }
        }
    }
    let (len, offset) = (rows.len(), i - rows.start);
    for (c, column) in sum.iter().enumerate() {
        out[c * len + offset..][..ROWS].copy_from_slice(column);
    }
}

/// `matrix[states, states]` as a matrix of its own, gathered column by
/// column (the matrix is column-major), bands of columns on both cores.
pub fn gather(matrix: &DMatrix<f64>, states: &[usize]) -> DMatrix<f64> {
    let m = states.len();
    let mut block = DMatrix::zeros(m, m);
    let copy = |(to, &j): (&mut [f64], &usize)| {
        let column = matrix.column(j);
        for (entry, &i) in to.iter_mut().zip(states) {
            *entry = column[i];
        }
    };
    let data = block.as_mut_slice();
    if m >= PARALLEL_ROWS {
        use rayon::prelude::*;
        data.par_chunks_mut(m).zip(states).for_each(copy);
    } else {
        data.chunks_mut(m.max(1)).zip(states).for_each(copy);
    }
    block
}

/// Partial sums a reduction keeps, so that its additions do not wait on
/// one another and fill vector registers.
const LANES: usize = 8;

/// `Σ a_i`, in [`LANES`] interleaved partial sums.
pub(super) fn sum(a: &[f64]) -> f64 {
    let mut lanes = [0.0; LANES];
    let chunks = a.chunks_exact(LANES);
    let rest: f64 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, &value) in lanes.iter_mut().zip(chunk) {
            *lane += value;
        }
    }
    lanes.iter().sum::<f64>() + rest
}

/// `Σ a_i b_i`, in [`LANES`] interleaved partial sums.
pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(
        a.len(),
        b.len(),
        "a dot product needs vectors of one length"
    );
    let mut lanes = [0.0; LANES];
    let (chunks_a, chunks_b) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let rest: f64 = (chunks_a.remainder().iter())
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (chunk_a, chunk_b) in chunks_a.zip(chunks_b) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(chunk_a).zip(chunk_b) {
            *lane += x * y;
        }
    }
    lanes.iter().sum::<f64>() + rest
}

#[inline(always)]
fn multiply_add<const FUSED: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Q X` by the definition, each entry summed in the kernels' order.
    fn product(matrix: &DMatrix<f64>, states: &[usize], x: &DMatrix<f64>) -> DMatrix<f64> {
        DMatrix::from_fn(states.len(), x.ncols(), |i, c| {
            states
                .iter()
                .enumerate()
                .map(|(j, &s)| matrix[(states[i], s)] * x[(j, c)])
                .sum()
        })
    }

    #[test]
    fn products_match_the_definition_for_every_shape() {
        // Sizes around the tile widths and the threads' split; views of
        // consecutive states at the start, the middle and the end, and
        // gathered blocks.
        for (n, k) in [
            (1, 1),
            (3, 2),
            (7, 12),
            (17, 13),
            (40, 1),
            (300, 11),
            (301, 25),
        ] {
            let matrix = DMatrix::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 / 8.0);
            let half = n / 2;
            let blocks: Vec<Vec<usize>> = vec![
                (0..n).collect(),
                (0..half.max(1)).collect(),
                (half..n).collect(),
                (n / 4..n - n / 4).collect(),
                (0..n).rev().step_by(2).collect(),
            ];
            for states in blocks.iter().filter(|s| !s.is_empty()) {
                let x = DMatrix::from_fn(states.len(), k, |i, j| ((i + 5 * j) % 13) as f64 - 6.0);
                let y = Block::of(&matrix, states).mul(&x);
                let expected = product(&matrix, states, &x);
                // Entries are multiples of 1/8 with small sums: exact.
                assert_eq!(y, expected, "n {n}, k {k}, states {states:?}");
            }
        }
    }

    #[test]
    fn every_kernel_of_every_width_matches_the_definition() {
        // Called directly, so that the kernels this processor does not
        // choose are tested too. Multiples of 1/8 with small sums: exact
        // with or without fused multiply-adds.
        type Kernel = fn(&[f64], usize, &[f64], Range<usize>, &mut [f64]);
        macro_rules! widths {
            ($kernel:ident) => {
                [
                    $kernel::<1> as Kernel,
                    $kernel::<2>,
                    $kernel::<3>,
                    $kernel::<4>,
                    $kernel::<5>,
                    $kernel::<6>,
                    $kernel::<7>,
                    $kernel::<8>,
                    $kernel::<9>,
                    $kernel::<10>,
                    $kernel::<11>,
                    $kernel::<12>,
                ]
            };
        }
        let mut kernels = vec![("portable", widths!(rows_portable))];
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            // SAFETY (for the two calls below): these wrappers are only
            // called through the list, and a set is listed only when the
            // processor has its features.
            fn avx512<const W: usize>(
                q: &[f64],
                s: usize,
                p: &[f64],
                r: Range<usize>,
                o: &mut [f64],
            ) {
                unsafe { rows_avx512::<W>(q, s, p, r, o) }
            }
            fn avx2<const W: usize>(
                q: &[f64],
                s: usize,
                p: &[f64],
                r: Range<usize>,
                o: &mut [f64],
            ) {
                unsafe { rows_avx2::<W>(q, s, p, r, o) }
            }
            if has!("avx512f") {
                kernels.push(("avx512", widths!(avx512)));
            }
            if has!("avx2") && has!("fma") {
                kernels.push(("avx2", widths!(avx2)));
            }
        }
        for n in [1, 5, 17, 37, 301] {
            let q = DMatrix::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 / 8.0);
            for width in 1..=COLUMNS {
                let x = DMatrix::from_fn(n, width, |i, j| ((i + 5 * j) % 13) as f64 - 6.0);
                let expected = &q * &x;
                let mut panel = vec![0.0; n * width];
                for ((j, c), value) in (0..n)
                    .flat_map(|j| (0..width).map(move |c| (j, c)))
                    .zip(&mut panel)
                {
                    *value = x[(j, c)];
                }
                for (name, kernels) in &kernels {
                    for rows in [0..n, n / 2..n] {
                        let mut out = vec![0.0; rows.len() * width];
                        kernels[width - 1](q.as_slice(), n, &panel, rows.clone(), &mut out);
                        let got = DMatrix::from_column_slice(rows.len(), width, &out);
                        let want = expected.rows(rows.start, rows.len());
                        assert_eq!(got, want, "{name}, n {n}, width {width}, rows {rows:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn sums_and_dot_products_of_every_length() {
        for n in [0, 1, 7, 8, 9, 17, 100] {
            let a: Vec<f64> = (0..n).map(|i| (i % 5) as f64 - 1.5).collect();
            let b: Vec<f64> = (0..n).map(|i| (i % 3) as f64 * 0.25).collect();
            // Multiples of 1/8 with small sums: every order gives the same.
            assert_eq!(sum(&a), a.iter().sum::<f64>());
            assert_eq!(
                dot(&a, &b),
                a.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>()
            );
        }
    }

    #[test]
    fn column_sums_of_views_and_copies() {
        let matrix = DMatrix::from_fn(300, 300, |i, j| ((i + 2 * j) % 7) as f64);
        for states in [(20..290).collect::<Vec<_>>(), (0..300).rev().collect()] {
            let expected = DVector::from_iterator(
                states.len(),
                states
                    .iter()
                    .map(|&j| states.iter().map(|&i| matrix[(i, j)]).sum()),
            );
            assert_eq!(Block::of(&matrix, &states).column_sums(), expected);
        }
    }

    #[test]
    fn consecutive_states_are_viewed_not_copied() {
        let matrix = DMatrix::from_fn(5, 5, |i, j| (i * 5 + j) as f64);
        assert!(matches!(
            Block::of(&matrix, &[1, 2, 3]).data,
            Cow::Borrowed(_)
        ));
        assert!(matches!(Block::of(&matrix, &[1, 3]).data, Cow::Owned(_)));
    }
}
