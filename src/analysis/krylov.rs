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
//! The eigenvalue near the absorption rate costs GMRES two iterations of
//! its own for a right-hand side with much weight along it; a rank-one
//! right preconditioner ([`Deflation`]) moves it next to the others.
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

use super::block::{Block, dot};

/// Fewest transient states for which a Krylov solve is tried: below it,
/// elimination is as fast as a dozen products with `Q`.
pub const MIN_STATES: usize = 512;

/// The largest probability of staying put a transient state may have for a
/// Krylov solve (see the module documentation).
pub const MAX_STAY: f64 = 0.5;

/// Componentwise relative error an answer must be certified to.
pub const CERTIFIED_ERROR: f64 = 1e-12;

/// Products with `Q` a solve may spend before it gives up: with a dozen
/// right-hand sides at 1000 states, about the work of an elimination. A
/// solve that is not on course to converge well within it stops after
/// [`TRIAL_ITERATIONS`].
const MAX_ITERATIONS: usize = 40;

/// Relative decrease of the GMRES residual estimate each cycle aims for:
/// about where the rounding of the residual itself begins, so that the true
/// residual is within a small factor of the least the arithmetic allows.
const TARGET_DECREASE: f64 = 1e-14;

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

/// What a solve may use besides `Q` and the right-hand sides.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Also `(I − Q)⁻¹ x̂_c` for this column `c` (see [`solve`]).
    pub again: Option<usize>,
    /// A preconditioner for every column but `again`, whose own Krylov
    /// space must hold its solution.
    pub deflation: Option<Deflation>,
}

/// A right preconditioner `M⁻¹ = I + γ 1 wᵀ` that moves the eigenvalue of
/// `I − Q` nearest 0 to about 1.
///
/// The transient block of a chain that leaves a little from everywhere has
/// one eigenvalue `ρ` near 1, its Perron root (`1 − ρ` is about the rate
/// of absorption), and, when its states mix, the rest near 0. GMRES then
/// spends two iterations on `1 − ρ` alone before it converges at the rate
/// of the cluster. If `Q 1 = ρ 1` and `wᵀ Q = ρ wᵀ` with `wᵀ 1 = 1`, then
/// `(I − Q) M⁻¹ = I − Q + γ (1 − ρ) 1 wᵀ` has `(1 − ρ)(1 + γ)` in place of
/// `1 − ρ` and its other eigenvalues unchanged, and `γ = ρ / (1 − ρ)` puts
/// that one at 1. Here `w = Qᵀ 1 / 1ᵀ Q 1`, one power step from the uniform
/// vector toward the left Perron vector, and `ρ = wᵀ Q 1`, so the
/// eigenvalue lands near 1 rather than on it.
///
/// GMRES solves `(I − Q) M⁻¹ y = b` and returns `x = M⁻¹ y`; the residual
/// that certifies `x` is `b − (I − Q) x` as without it, so the
/// preconditioner changes how soon an answer comes, never which answer is
/// accepted.
#[derive(Debug, Clone)]
pub struct Deflation {
    /// `w`, with `wᵀ 1 = 1`.
    w: DVector<f64>,
    /// `γ = ρ / (1 − ρ)`.
    gamma: f64,
}

impl Deflation {
    /// From `Q 1`, the row sums of the block; `None` when the estimate of
    /// `ρ` is not in (0, 1).
    pub fn of(q: &Block, row_sums: &DVector<f64>) -> Option<Self> {
        let column_sums = q.column_sums();
        // A block of zeros gives w = NaN and so ρ = NaN, refused below.
        let w = &column_sums / column_sums.sum();
        let rho = w.dot(row_sums);
        (rho > 0.0 && rho < 1.0).then(|| Self {
            w,
            gamma: rho / (1.0 - rho),
        })
    }

    /// `M⁻¹ v`.
    fn apply(&self, v: &DVector<f64>) -> DVector<f64> {
        v.add_scalar(self.gamma * self.w.dot(v))
    }
}

/// Solves `(I − Q) X = B` for `B ≥ 0` by restarted GMRES, the columns in
/// two groups side by side, until `accept` takes the answer. `None` when the iteration budget
/// runs out first, the iteration stalls, or an entry comes out negative
/// (the exact solution is nonnegative).
///
/// With [`Plan::again`] = `Some(c)`, a first cycle that already gives the answer
/// also gives `(I − Q)⁻¹ x̂_c` from column `c`'s own Krylov space
/// ([`Solution::again`]): `x̂_c = V y` lies in the space, and
/// `(I − Q) V_k = V_{k+1} H̄_k` turns `min ‖x̂_c − (I − Q) V_k z‖` into the
/// small least-squares problem GMRES solved, with `y` for `‖b‖ e₁`. Its
/// residual shares the product of the others.
pub fn solve(
    q: &Block,
    b: &DMatrix<f64>,
    plan: &Plan,
    accept: impl Fn(&Solution) -> bool,
) -> Option<Solution> {
    let (m, columns) = b.shape();
    let mut x = DMatrix::zeros(m, columns);
    let mut residual = b.clone();
    let mut products = 0;
    while products < MAX_ITERATIONS {
        let (correction, spaces, spent) = cycle(q, &residual, plan, MAX_ITERATIONS - products)?;
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
        let again = plan
            .again
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
/// iterations: the columns in two groups side by side, each with its own
/// products with `Q`. A group's products and Arnoldi steps still fork, but
/// the other core takes its share only when it has nothing else to do, so
/// the cores seldom wait for each other (a product of every column shared
/// between the cores makes both wait twice an iteration). Returns the
/// correction, each column's space and the iterations spent (the longer
/// group's), or `None` when a residual falls too slowly to reach its target
/// within the budget.
fn cycle(
    q: &Block,
    b: &DMatrix<f64>,
    plan: &Plan,
    budget: usize,
) -> Option<(DMatrix<f64>, Vec<Arnoldi>, usize)> {
    let columns = b.ncols();
    if columns < 2 {
        return gmres(q, b, 0, plan, budget);
    }
    let half = columns / 2;
    let (left, right) = rayon::join(
        || gmres(q, &b.columns(0, half).clone_owned(), 0, plan, budget),
        || {
            gmres(
                q,
                &b.columns(half, columns - half).clone_owned(),
                half,
                plan,
                budget,
            )
        },
    );
    let ((x_left, mut spaces, spent_left), (x_right, spaces_right, spent_right)) = (left?, right?);
    let mut x = DMatrix::zeros(b.nrows(), columns);
    x.columns_mut(0, half).copy_from(&x_left);
    x.columns_mut(half, columns - half).copy_from(&x_right);
    spaces.extend(spaces_right);
    Some((x, spaces, spent_left.max(spent_right)))
}

/// One GMRES cycle on the columns `first..` of the whole right-hand side
/// (given as `b`), sharing one product with `Q` per iteration among the
/// columns still running.
fn gmres(
    q: &Block,
    b: &DMatrix<f64>,
    first: usize,
    plan: &Plan,
    budget: usize,
) -> Option<(DMatrix<f64>, Vec<Arnoldi>, usize)> {
    // `M⁻¹ v` for column `c` (of this group).
    let precondition = |c: usize, v: DVector<f64>| match &plan.deflation {
        Some(deflation) if plan.again != Some(first + c) => deflation.apply(&v),
        _ => v,
    };
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

        // w = (I − Q) M⁻¹ v for the newest basis vector of every running
        // column.
        let mut w = DMatrix::zeros(m, running.len());
        for (mut column, &c) in w.column_iter_mut().zip(&running) {
            column.copy_from(&precondition(c, arnoldi[c].basis[arnoldi[c].len].clone()));
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
    for (c, (mut column, a)) in x.column_iter_mut().zip(&arnoldi).enumerate() {
        column.copy_from(&precondition(c, a.solution()));
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
                let d = dot(v.as_slice(), w.as_slice());
                *entry += d;
                w.axpy(-d, v, 1.0);
            }
        }
        let norm = dot(w.as_slice(), w.as_slice()).sqrt();
        if !norm.is_finite() {
            // Not a number: a matrix no chain has; stop this column, and
            // its answer will not be certified.
            self.done = true;
            return;
        }
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
        let s = solve(&whole(&q), &b, &Plan::default(), |s| {
            s.is_certified(&bound(s))
        })
        .unwrap();
        assert!(s.products < 20, "{} products", s.products);
        for i in 0..600 {
            assert!((s.x[(i, 0)] - 1.0).abs() < 1e-13);
            assert!((s.x[(i, 1)] - 100.0).abs() < 1e-11);
        }
        assert!(s.relative_residual < 1e-14);
    }

    #[test]
    fn deflation_spares_the_iterations_of_the_perron_root() {
        // Random right-hand sides: each has a large part along the Perron
        // vector, which plain GMRES needs extra iterations for.
        let (q, _) = dense(600, 0.01, 8);
        let mut uniform = crate::analysis::uniform_stream(9);
        let b = DMatrix::from_fn(600, 3, |_, _| uniform());
        let block = whole(&q);
        let deflation = Deflation::of(&block, &q.column_sum());
        let deflation = deflation.expect("ρ = 0.99 is in (0, 1)");
        assert!((deflation.gamma - 99.0).abs() < 1e-9, "{}", deflation.gamma);
        let solve_with = |plan: &Plan| {
            let bound = DVector::from_element(600, 100.0);
            solve(&block, &b, plan, |s| s.is_certified(&bound)).unwrap()
        };
        let plain = solve_with(&Plan::default());
        let deflated = solve_with(&Plan {
            again: None,
            deflation: Some(deflation),
        });
        assert!(
            deflated.products + 2 <= plain.products,
            "{} products deflated, {} plain",
            deflated.products,
            plain.products
        );
        // The same answer, within what each is certified to.
        let gap = deflated.x.zip_map(&plain.x, |a, b| (a - b).abs() / b).max();
        assert!(gap < 2.0 * CERTIFIED_ERROR, "{gap:e}");
    }

    #[test]
    fn the_column_solved_again_is_certified_from_its_own_space() {
        // Every state leaves with probability 0.01, so t = 100 everywhere
        // and N t = 100 t = 10⁴. The column solved again is the second of
        // two, so it is the first of the second group of columns.
        let (q, r) = dense(600, 0.01, 11);
        let mut b = DMatrix::from_element(600, 2, 1.0);
        b.set_column(0, &r.column(0));
        let block = whole(&q);
        let plan = Plan {
            again: Some(1),
            deflation: Deflation::of(&block, &q.column_sum()),
        };
        let s = solve(&block, &b, &plan, |_| true).unwrap();
        let again = s.again.as_ref().expect("the answer came from one cycle");
        let tau = s.x.column(1) / (1.0 - s.residual_norms[1]);
        assert!(again.is_certified(&tau));
        for &v in again.x.iter() {
            assert!((v - 1e4).abs() < 1e4 * 1e-12, "{v}");
        }
    }

    #[test]
    fn a_block_with_nan_gives_no_answer_and_no_panic() {
        // No chain has one (they are refused when read), but the library
        // may be handed any matrix.
        let (mut q, _) = dense(600, 0.01, 12);
        q[(3, 7)] = f64::NAN;
        let b = DMatrix::from_element(600, 2, 1.0);
        let tau = DVector::from_element(600, 100.0);
        let s = solve(&whole(&q), &b, &Plan::default(), |s| s.is_certified(&tau));
        assert!(s.is_none());
    }

    #[test]
    fn gives_up_on_a_slowly_mixing_chain() {
        // A walk on a line of 600 states, absorbed past either end: the
        // spectrum of Q spreads over (−1, 1), and GMRES would need hundreds
        // of iterations.
        let m = 600;
        let q = DMatrix::from_fn(m, m, |i, j| if i.abs_diff(j) == 1 { 0.5 } else { 0.0 });
        let b = DMatrix::from_element(m, 1, 1.0);
        assert!(solve(&whole(&q), &b, &Plan::default(), |_| true).is_none());
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
