//! Certified Krylov solves of `(I − Q) X = B` for large absorbing chains.
//!
//! Elimination costs `(2/3) m³` operations for `m` transient states. When
//! a chain's transient part is large and dense, GMRES (Saad and Schultz,
//! 1986) often needs only a few dozen products with `Q`, each `2 m²` per
//! right-hand side: a chain whose transient states each leave a good part of
//! their mass to many others has `Q` with one eigenvalue near its absorption
//! rate and the rest clustered near 0, and a Krylov space of ten or so
//! vectors captures both. Stewart (*Introduction to the Numerical Solution of
//! Markov Chains*, 1994, ch. 4) describes Krylov methods for Markov chains.
//!
//! Convergence depends on the chain, so an answer from here is kept only
//! when an a-posteriori bound certifies every entry; otherwise the caller
//! eliminates. Let `N = (I − Q)⁻¹ ≥ 0` and `t = N 1`. For an approximate
//! solution `x̂` of `(I − Q) x = b` with residual `r = b − (I − Q) x̂`,
//! `x − x̂ = N r`, so componentwise
//!
//! ```text
//! |x − x̂| ≤ N |r| ≤ ‖r‖∞ N 1 = ‖r‖∞ t.
//! ```
//!
//! Applied to `t̂` itself, `t ≤ t̂ + ‖r_t‖∞ t`, so `t ≤ τ = t̂ / (1 − ‖r_t‖∞)`
//! when `‖r_t‖∞ < 1`. An entry is certified when `‖r‖∞ τ_i ≤ 10⁻¹² x̂_i`.
//! A structural zero (a class that state `i` cannot reach) is never
//! certified, since an iterate only approaches 0; such chains are left to
//! elimination, which keeps the zero exact.
//!
//! The residual is computed as `b − x̂ + Q x̂`. Its rounding error is of the
//! order of `ε (b + x̂ + Q x̂)`, which is small against the terms that matter
//! only while no state keeps most of its mass: with `Q[i][i]` near 1 the
//! diagonal of `I − Q` would lose its digits. States keeping more than half
//! are therefore left to elimination, whose pivots are sums of outflows.

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;

use super::block::Block;

/// Fewest transient states for which a Krylov solve is tried: below it,
/// elimination is as fast as a dozen products with `Q`.
pub const MIN_STATES: usize = 512;

/// The largest probability of staying put a transient state may have for a
/// Krylov solve (see the module documentation).
pub const MAX_STAY: f64 = 0.5;

/// Componentwise relative error an answer must be certified to.
pub const CERTIFIED_ERROR: f64 = 1e-12;

/// Products with `Q` a solve may spend before it gives up; at 1000 states
/// that is about a tenth of the cost of elimination with ten right-hand
/// sides.
const MAX_ITERATIONS: usize = 40;

/// Relative decrease of the GMRES residual estimate each cycle aims for,
/// below what double precision can verify so that the true residual is as
/// small as the arithmetic allows.
const TARGET_DECREASE: f64 = 1e-15;

/// After this many iterations a solve whose residual estimate falls too
/// slowly to reach the target in time stops early.
const TRIAL_ITERATIONS: usize = 4;

/// An approximate solution and the evidence for it.
#[derive(Debug, Clone)]
pub struct Solution {
    /// `X̂`, one column per right-hand side.
    pub x: DMatrix<f64>,
    /// `‖r‖∞` of each column's residual `b − (I − Q) x̂`.
    pub residual_norms: Vec<f64>,
    /// `max_i |r_i| / (b_i + x̂_i + (Q x̂)_i)` over every column.
    pub relative_residual: f64,
    /// Products with `Q` spent, the residuals' included.
    pub products: usize,
    /// `(I − Q)⁻¹ x̂_c` for the column `c` [`solve`] was asked to solve
    /// again, with its own residual against `x̂_c`, when `x̂_c` came from a
    /// single cycle. Its product is counted in `products` above.
    pub again: Option<Box<Solution>>,
}

impl Solution {
    /// Whether every entry is certified to [`CERTIFIED_ERROR`] given the
    /// bound `tau ≥ t` on the expected steps to absorption.
    pub fn is_certified(&self, tau: &DVector<f64>) -> bool {
        self.x
            .column_iter()
            .zip(&self.residual_norms)
            .all(|(x, &r)| {
                x.iter()
                    .zip(tau.iter())
                    .all(|(&x, &tau)| x > 0.0 && r * tau <= CERTIFIED_ERROR * x)
            })
    }
}

/// Solves `(I − Q) X = B` for `B ≥ 0` by restarted GMRES, every column at
/// once, until `accept` takes the answer. `None` when the iteration budget
/// runs out first, the iteration stalls, or an entry comes out negative
/// (the exact solution is nonnegative).
///
/// With `again = Some(c)`, a first cycle that already gives the answer
/// also gives `(I − Q)⁻¹ x̂_c` from column `c`'s own Krylov space
/// ([`Solution::again`]): `x̂_c = V y` lies in the space, and
/// `(I − Q) V_k = V_{k+1} H̄_k` turns `min ‖x̂_c − (I − Q) V_k z‖` into the
/// small least-squares problem GMRES solved, with `y` for `‖b‖ e₁`. Its
/// residual shares the product of the others.
pub fn solve(
    q: &Block,
    b: &DMatrix<f64>,
    again: Option<usize>,
    accept: impl Fn(&Solution) -> bool,
) -> Option<Solution> {
    let (m, columns) = b.shape();
    let mut x = DMatrix::zeros(m, columns);
    let mut residual = b.clone();
    let mut products = 0;
    while products < MAX_ITERATIONS {
        let (correction, spaces, spent) = gmres(q, &residual, MAX_ITERATIONS - products)?;
        if spent == 0 {
            return None;
        }
        let first_cycle = products == 0;
        products += spent;
        x += correction;
        if x.iter().any(|&v| v < 0.0) {
            return None;
        }

        // One product for the residual of every column, and of N x̂_c.
        let again = again
            .filter(|_| first_cycle)
            .map(|c| (c, spaces[c].solve_again()));
        let mut estimate = x.clone();
        let mut targets = b.clone();
        if let Some((c, v)) = &again {
            estimate = estimate.insert_column(columns, 0.0);
            estimate.set_column(columns, v);
            targets = targets.insert_column(columns, 0.0);
            targets.set_column(columns, &x.column(*c));
        }
        let (r, norms, relative) = residual_of(q, &estimate, &targets);
        products += 1;
        let again = again.map(|(_, v)| {
            Box::new(Solution {
                x: DMatrix::from_column_slice(m, 1, v.as_slice()),
                residual_norms: vec![norms[columns]],
                relative_residual: relative[columns],
                products: 0,
                again: None,
            })
        });
        let solution = Solution {
            x,
            residual_norms: norms[..columns].to_vec(),
            relative_residual: relative[..columns].iter().copied().fold(0.0, f64::max),
            products,
            again,
        };
        if accept(&solution) {
            return Some(solution);
        }
        x = solution.x;
        residual = r.columns(0, columns).clone_owned();
    }
    None
}

/// `r = b − x + Q x` with each column's `‖r‖∞` and largest relative
/// residual `|r_i| / (b_i + x_i + (Q x)_i)`, for `x ≥ 0`.
pub(super) fn residual_of(
    q: &Block,
    x: &DMatrix<f64>,
    b: &DMatrix<f64>,
) -> (DMatrix<f64>, Vec<f64>, Vec<f64>) {
    let qx = q.mul(x);
    let mut r = b - x;
    r += &qx;
    let relative = (0..r.ncols())
        .map(|c| {
            let mut worst = 0.0_f64;
            for i in 0..r.nrows() {
                let scale = b[(i, c)] + x[(i, c)] + qx[(i, c)];
                if scale > 0.0 {
                    worst = worst.max(r[(i, c)].abs() / scale);
                }
            }
            worst
        })
        .collect();
    let norms = r.column_iter().map(|c| c.amax()).collect();
    (r, norms, relative)
}

/// One GMRES cycle from 0 on every column of `b`, at most `budget`
/// iterations, sharing one product with `Q` per iteration among the columns
/// still running. Returns the correction and the iterations spent, or
/// `None` when the residual falls too slowly to reach its target within the
/// budget.
fn gmres(
    q: &Block,
    b: &DMatrix<f64>,
    budget: usize,
) -> Option<(DMatrix<f64>, Vec<Arnoldi>, usize)> {
    let (m, columns) = b.shape();
    let mut arnoldi: Vec<Arnoldi> = b
        .column_iter()
        .map(|c| Arnoldi::new(c.clone_owned(), budget))
        .collect();
    let mut iterations = 0;
    while iterations < budget {
        let running: Vec<usize> = (0..columns).filter(|&c| !arnoldi[c].done).collect();
        if running.is_empty() {
            break;
        }

        // w = (I − Q) v for the newest basis vector of every running column.
        let mut w = DMatrix::zeros(m, running.len());
        for (mut column, &c) in w.column_iter_mut().zip(&running) {
            column.copy_from(&arnoldi[c].basis[arnoldi[c].len]);
        }
        w -= q.mul(&w);
        // Each column's space grows on its own; both cores take a share, so
        // that neither waits idle for the next product.
        let mut fresh: Vec<Option<DVector<f64>>> = vec![None; columns];
        for (column, &c) in w.column_iter().zip(&running) {
            fresh[c] = Some(column.clone_owned());
        }
        arnoldi.par_iter_mut().zip(fresh).for_each(|(space, w)| {
            if let Some(w) = w {
                space.extend(w);
            }
        });
        iterations += 1;

        if iterations >= TRIAL_ITERATIONS {
            let hopeless = running
                .iter()
                .any(|&c| !arnoldi[c].on_course(budget - iterations));
            if hopeless {
                return None;
            }
        }
    }
    let mut x = DMatrix::zeros(m, columns);
    for (mut column, a) in x.column_iter_mut().zip(&arnoldi) {
        column.copy_from(&a.solution());
    }
    Some((x, arnoldi, iterations))
}

/// The Arnoldi process of one right-hand side, with the Hessenberg matrix
/// kept triangular by Givens rotations as it grows.
#[derive(Debug, Clone)]
struct Arnoldi {
    /// Orthonormal basis of the Krylov space, grown one vector an
    /// iteration.
    basis: Vec<DVector<f64>>,
    /// The rotated Hessenberg matrix: upper triangular, column `j` filled
    /// in rows `0..=j`.
    triangle: DMatrix<f64>,
    /// The rotations, as (cos, sin).
    rotations: Vec<(f64, f64)>,
    /// `‖b‖₂ e₁`, rotated: its entry `len` is the residual estimate.
    g: Vec<f64>,
    /// Basis vectors in use beyond the first.
    len: usize,
    /// `‖b‖₂`.
    beta: f64,
    /// The residual estimate after each iteration, relative to `beta`.
    history: Vec<f64>,
    done: bool,
}

impl Arnoldi {
    fn new(b: DVector<f64>, budget: usize) -> Self {
        let m = b.len();
        let beta = b.norm();
        let mut basis = Vec::with_capacity(budget + 1);
        basis.push(if beta > 0.0 {
            b / beta
        } else {
            DVector::zeros(m)
        });
        Self {
            basis,
            triangle: DMatrix::zeros(budget + 1, budget),
            rotations: Vec::with_capacity(budget),
            g: vec![beta],
            len: 0,
            beta,
            history: Vec::with_capacity(budget),
            done: beta == 0.0,
        }
    }

    /// Adds `w = (I − Q) v_len` to the space: orthogonalises it against
    /// the basis twice (Gram–Schmidt with reorthogonalisation, so the basis
    /// stays orthogonal to working precision), rotates the new Hessenberg
    /// column into triangular form, and updates the residual estimate.
    fn extend(&mut self, mut w: DVector<f64>) {
        let j = self.len;
        let mut h = vec![0.0; j + 2];
        for _ in 0..2 {
            for (i, entry) in h.iter_mut().enumerate().take(j + 1) {
                let v = &self.basis[i];
                let d = v.dot(&w);
                *entry += d;
                w.axpy(-d, v, 1.0);
            }
        }
        let norm = w.norm();
        h[j + 1] = norm;
        if norm > 0.0 {
            self.basis.push(w / norm);
        }

        for (i, &(c, s)) in self.rotations.iter().enumerate() {
            let (a, b) = (h[i], h[i + 1]);
            h[i] = c * a + s * b;
            h[i + 1] = -s * a + c * b;
        }
        let rho = h[j].hypot(h[j + 1]);
        if rho == 0.0 {
            // The space stopped growing without an answer: singular, which
            // `I − Q` of transient states is not; stop this column.
            self.done = true;
            return;
        }
        let (c, s) = (h[j] / rho, h[j + 1] / rho);
        self.rotations.push((c, s));
        h[j] = rho;
        for (i, &value) in h.iter().enumerate().take(j + 1) {
            self.triangle[(i, j)] = value;
        }
        let gj = self.g[j];
        self.g[j] = c * gj;
        self.g.push(-s * gj);
        self.len += 1;

        let estimate = self.g[j + 1].abs() / self.beta;
        self.history.push(estimate);
        // A zero norm is a lucky breakdown: the space holds the answer.
        self.done = estimate <= TARGET_DECREASE || norm == 0.0;
    }

    /// Whether, falling at its rate over the last two iterations, the
    /// residual estimate reaches the target within `left` more iterations.
    fn on_course(&self, left: usize) -> bool {
        if self.done {
            return true;
        }
        let k = self.history.len();
        if k < 3 {
            return true;
        }
        let (now, before) = (self.history[k - 1], self.history[k - 3]);
        let rate = (now / before).sqrt();
        // Not falling, or not a number at all: off course.
        if rate.is_nan() || rate >= 1.0 {
            return false;
        }
        let needed = (TARGET_DECREASE / now).ln() / rate.ln();
        needed <= left as f64
    }

    /// `(I − Q)⁻¹ x̂` for this space's solution `x̂`, in the space (see
    /// [`solve`]).
    fn solve_again(&self) -> DVector<f64> {
        let mut g = self.coefficients();
        g.push(0.0);
        for (i, &(cos, sin)) in self.rotations.iter().enumerate() {
            let (a, b) = (g[i], g[i + 1]);
            g[i] = cos * a + sin * b;
            g[i + 1] = -sin * a + cos * b;
        }
        self.combine(&self.back_substitute(&g))
    }

    /// `y` with `R y = g`: the least-squares solution is `V y`.
    fn coefficients(&self) -> Vec<f64> {
        self.back_substitute(&self.g).iter().copied().collect()
    }

    /// `z` with `R z = g[..len]`.
    fn back_substitute(&self, g: &[f64]) -> DVector<f64> {
        let k = self.len;
        let mut z = DVector::zeros(k);
        for i in (0..k).rev() {
            let tail: f64 = (i + 1..k).map(|j| self.triangle[(i, j)] * z[j]).sum();
            z[i] = (g[i] - tail) / self.triangle[(i, i)];
        }
        z
    }

    /// `V z`, for `z` of the basis' length less one.
    fn combine(&self, z: &DVector<f64>) -> DVector<f64> {
        let mut x = DVector::zeros(self.basis[0].len());
        for (v, &zi) in self.basis.iter().zip(z.iter()) {
            x.axpy(zi, v, 1.0);
        }
        x
    }

    /// The least-squares solution in the space, `V y`.
    fn solution(&self) -> DVector<f64> {
        self.combine(&self.back_substitute(&self.g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// All of `q` as a block.
    fn whole(q: &DMatrix<f64>) -> Block<'_> {
        Block::of(q, &(0..q.nrows()).collect::<Vec<_>>())
    }

    /// A dense transient block of `m` states, each leaving with probability
    /// `exit` to one absorbing state.
    fn dense(m: usize, exit: f64, seed: u64) -> (DMatrix<f64>, DMatrix<f64>) {
        let mut uniform = crate::analysis::uniform_stream(seed);
        let mut q = DMatrix::from_fn(m, m, |_, _| uniform());
        for mut row in q.row_iter_mut() {
            let sum = row.sum();
            row *= (1.0 - exit) / sum;
        }
        (q, DMatrix::from_element(m, 1, exit))
    }

    #[test]
    fn uniform_exits_give_the_geometric_mean_time() {
        // Every state leaves with probability 0.01 whatever it visits, so the
        // time to absorption is Geometric(0.01): t = 100 from every state,
        // and the absorption probability is 1.
        let (q, r) = dense(600, 0.01, 5);
        let mut b = DMatrix::from_element(600, 2, 1.0);
        b.set_column(0, &r.column(0));
        let bound = |s: &Solution| s.x.column(1) / (1.0 - s.residual_norms[1]);
        let s = solve(&whole(&q), &b, None, |s| s.is_certified(&bound(s))).unwrap();
        assert!(s.products < 20, "{} products", s.products);
        for i in 0..600 {
            assert!((s.x[(i, 0)] - 1.0).abs() < 1e-13);
            assert!((s.x[(i, 1)] - 100.0).abs() < 1e-11);
        }
        assert!(s.relative_residual < 1e-14);
    }

    #[test]
    fn gives_up_on_a_slowly_mixing_chain() {
        // A walk on a line of 600 states, absorbed past either end: the
        // spectrum of Q spreads over (−1, 1), and GMRES would need hundreds
        // of iterations.
        let m = 600;
        let q = DMatrix::from_fn(m, m, |i, j| if i.abs_diff(j) == 1 { 0.5 } else { 0.0 });
        let b = DMatrix::from_element(m, 1, 1.0);
        assert!(solve(&whole(&q), &b, None, |_| true).is_none());
    }

    #[test]
    fn a_structural_zero_is_not_certified() {
        let s = Solution {
            x: DMatrix::from_column_slice(2, 1, &[0.5, 0.0]),
            residual_norms: vec![0.0],
            relative_residual: 0.0,
            products: 1,
            again: None,
        };
        assert!(!s.is_certified(&DVector::from_element(2, 1.0)));
    }
}
