//! Transient states and where they end: the fundamental matrix, steps to
//! absorption and absorption probabilities.
//!
//! # Definitions
//!
//! Order the states as the transient ones (those in classes that can be
//! left) and the rest, which lie in closed classes. With `Q` the moves among
//! transient states and `R` the moves from transient states into each closed
//! class (Kemeny and Snell, *Finite Markov Chains*, 1960, ch. 3):
//!
//! - the fundamental matrix `N = (I − Q)⁻¹`: `N[i][j]` is the expected number
//!   of visits to transient state `j` starting from `i`, the start counted;
//! - the expected steps to absorption `t = N 1`, the number of steps spent
//!   in transient states before entering a closed class;
//! - its variance `(2N − I) t − t ∘ t`;
//! - the absorption probabilities `B = N R`: `B[i][c]` is the probability
//!   that a version starting in `i` ends in closed class `c` (an absorbing
//!   state is a closed class of one state).
//!
//! `I − Q` is never formed. Its diagonal `1 − Q[i][i]` would lose every digit
//! when `Q[i][i]` is `1 − 1e-17`; instead the transient states are censored
//! one by one with [`super::elimination::censor`], where each pivot is the
//! sum of the state's outflows. All of `N`, `t` and `B` then follow by
//! additions and multiplications of nonnegative numbers; only the variance
//! needs a subtraction, which is clamped at 0.

use nalgebra::{DMatrix, DVector};

use super::block::{self, Block};
use super::elimination;
use super::krylov;
use super::structure::Structure;

/// Right-hand sides from which the triangular solves go by blocks.
const MANY_COLUMNS: usize = 8;
/// States a block of the triangular solves.
const SOLVE_BLOCK: usize = 64;

/// A factored set of transient states, ready to solve `(I − Q) x = b` for
/// any nonnegative `b` without subtraction.
#[derive(Debug, Clone)]
pub struct Censored {
    /// The eliminated matrix: multipliers above the diagonal, the censored
    /// rows below it (see [`elimination::censor`]).
    a: DMatrix<f64>,
    /// `d_k`, each state's total way out when it was censored.
    pivots: Vec<f64>,
}

impl Censored {
    /// Factors `q` (moves among the set) with `out` (moves out of the set,
    /// one column per destination; rows of `[q | out]` sum to 1).
    pub fn new(q: &DMatrix<f64>, out: &DMatrix<f64>) -> Self {
        Self::with_right_hand_sides(q, out, &DMatrix::zeros(q.nrows(), 0))
    }

    /// Factors `q` with `out` as [`Censored::new`] does, and carries the
    /// columns of `rhs ≥ 0` through the elimination, so that
    /// [`Censored::outflow_solutions`] also returns `(I − Q)⁻¹ rhs` at the
    /// cost of one back substitution.
    pub fn with_right_hand_sides(q: &DMatrix<f64>, out: &DMatrix<f64>, rhs: &DMatrix<f64>) -> Self {
        let m = q.nrows();
        let (outflow, extra) = (out.ncols(), rhs.ncols());
        let mut a = DMatrix::zeros(m, m + outflow + extra);
        a.view_mut((0, 0), (m, m)).copy_from(q);
        a.view_mut((0, m), (m, outflow)).copy_from(out);
        a.view_mut((0, m + outflow), (m, extra)).copy_from(rhs);
        let pivots = elimination::censor(&mut a, 0, outflow);
        Self { a, pivots }
    }

    /// The number of states in the set.
    pub fn len(&self) -> usize {
        self.a.nrows()
    }

    /// Always false for a set built from at least one state.
    pub fn is_empty(&self) -> bool {
        self.a.nrows() == 0
    }

    /// `x` with `(I − Q) x = b`, for `b ≥ 0`.
    pub fn solve(&self, b: &DVector<f64>) -> DVector<f64> {
        let mut x = DMatrix::from_column_slice(b.len(), 1, b.as_slice());
        self.solve_in_place(&mut x);
        x.column(0).clone_owned()
    }

    /// `(I − Q)⁻¹ b` for every column of `b ≥ 0`.
    ///
    /// The elimination factors `I − Q = U L`: `U` is unit upper triangular
    /// with the multipliers, negated, above its diagonal, and `L` lower
    /// triangular with the pivots `d_k` on its diagonal and the censored rows,
    /// negated, below it. Both solves add nonnegative terms only. Both run
    /// down the matrix's columns, which are contiguous in memory, each column
    /// of the factors read once for all the columns of `b`.
    pub fn solve_in_place(&self, b: &mut DMatrix<f64>) {
        self.replay(b);
        self.back_substitute(b);
    }

    /// `(I − Q)⁻¹` of the outflow columns and right-hand sides given at
    /// construction, which the elimination has already reduced: only `L`
    /// remains to be solved.
    pub fn outflow_solutions(&self) -> DMatrix<f64> {
        let m = self.len();
        let mut x = self.a.columns(m, self.a.ncols() - m).clone_owned();
        self.back_substitute(&mut x);
        x
    }

    /// `U⁻¹`: censoring `k` passes `b[k]` on to the states below it,
    /// `b[i] += a[i][k] b[k]` for `i < k`, from the last state down.
    ///
    /// With many columns the states go in blocks `K`, from the top: within a
    /// block the pivots pass their values on to the block's own rows one by
    /// one, then to every row below the block at once, as the matrix product
    /// `b[0..low] += a[0..low][K] · b[K]`.
    fn replay(&self, b: &mut DMatrix<f64>) {
        let m = self.len();
        let block = if b.ncols() >= MANY_COLUMNS {
            SOLVE_BLOCK
        } else {
            m
        };
        let mut top = m;
        while top > 0 {
            let low = top.saturating_sub(block);
            for k in (low..top).rev() {
                let multipliers = &self.a.as_slice()[k * m + low..k * m + k];
                for mut column in b.column_iter_mut() {
                    let x = column.as_mut_slice();
                    let bk = x[k];
                    if bk != 0.0 {
                        for (x, &f) in x[low..k].iter_mut().zip(multipliers) {
                            *x += f * bk;
                        }
                    }
                }
            }
            if low > 0 {
                let (mut below, finished) = b.rows_range_pair_mut(0..low, low..top);
                below.gemm(
                    1.0,
                    &self.a.view((0, low), (low, top - low)),
                    &finished,
                    1.0,
                );
            }
            top = low;
        }
    }

    /// `L⁻¹`: `x_k = (b_k + Σ_{j<k} a[k][j] x_j) / d_k`, from the first state
    /// up, each finished `x_j` added at once to the states above it.
    ///
    /// With many columns the states go in blocks `K`, from the bottom, as in
    /// [`Censored::replay`]: `b[top..m] += a[top..m][K] · x[K]`.
    fn back_substitute(&self, b: &mut DMatrix<f64>) {
        let m = self.len();
        let block = if b.ncols() >= MANY_COLUMNS {
            SOLVE_BLOCK
        } else {
            m
        };
        let mut low = 0;
        while low < m {
            let top = (low + block).min(m);
            for j in low..top {
                let censored_row = &self.a.as_slice()[j * m + j + 1..j * m + top];
                for mut column in b.column_iter_mut() {
                    let x = column.as_mut_slice();
                    // Every state of a censored set can leave it, so every pivot is positive.
                    x[j] = if self.pivots[j] > 0.0 {
                        x[j] / self.pivots[j]
                    } else {
                        0.0
                    };
                    let xj = x[j];
                    if xj != 0.0 {
                        for (x, &f) in x[j + 1..top].iter_mut().zip(censored_row) {
                            *x += f * xj;
                        }
                    }
                }
            }
            if top < m {
                let (finished, mut above) = b.rows_range_pair_mut(low..top, top..m);
                above.gemm(
                    1.0,
                    &self.a.view((top, low), (m - top, top - low)),
                    &finished,
                    1.0,
                );
            }
            low = top;
        }
    }
}

/// How far `x` is from solving `(I − Q) x = b` (each column), relative to the size of the
/// terms, computed without cancellation in `I − Q`:
///
/// `max_i |d_i x_i − Σ_{j≠i} Q_ij x_j − b_i| / (d_i |x_i| + Σ_{j≠i} Q_ij |x_j| + |b_i|)`
///
/// with `d_i = Σ_{j≠i} Q_ij + exits_i` (a state's outflow, as the solver
/// uses it; `exits_i` is its probability of leaving the set). The textbook
/// `|(I − Q) x − b|` would report a residual of order 1 on a correct answer
/// when `Q_ii = 1 − 1e-17` rounds to 1.
pub fn relative_residual(
    q: &DMatrix<f64>,
    exits: &DVector<f64>,
    x: &DMatrix<f64>,
    b: &DMatrix<f64>,
) -> f64 {
    let mut off_diagonal = q.clone();
    off_diagonal.fill_diagonal(0.0);
    let outflow = off_diagonal.column_sum() + exits;
    let inflow = &off_diagonal * x;
    // The solvers' answers are nonnegative, and then |x| is x.
    let inflow_size = if x.iter().all(|&v| v >= 0.0) {
        inflow.clone()
    } else {
        &off_diagonal * x.abs()
    };
    let mut worst = 0.0_f64;
    for c in 0..x.ncols() {
        for i in 0..x.nrows() {
            let scale = outflow[i] * x[(i, c)].abs() + inflow_size[(i, c)] + b[(i, c)].abs();
            if scale > 0.0 {
                let residual = (outflow[i] * x[(i, c)] - inflow[(i, c)] - b[(i, c)]).abs();
                worst = worst.max(residual / scale);
            }
        }
    }
    worst
}

/// How the absorbing analysis was solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Solver {
    /// State reduction without subtraction ([`Censored`]).
    Elimination,
    /// GMRES with every entry certified by an a-posteriori bound
    /// ([`krylov`]), after this many products with `Q`, the residuals'
    /// included.
    Krylov { products: usize },
}

/// The transient analysis of a chain.
#[derive(Debug, Clone)]
pub struct Absorbing {
    /// The transient states, in index order; rows of every result follow it.
    pub transient: Vec<usize>,
    /// Indices into [`Structure::classes`] of the closed classes, the
    /// columns of `probabilities`.
    pub closed_classes: Vec<usize>,
    /// `N = (I − Q)⁻¹`, when asked for.
    pub fundamental_matrix: Option<DMatrix<f64>>,
    /// `t = N 1`.
    pub expected_steps: DVector<f64>,
    /// `(2N − I) t − t ∘ t`.
    pub variance_steps: DVector<f64>,
    /// `B = N R`; each row sums to 1.
    pub probabilities: DMatrix<f64>,
    /// The largest relative residual of the solves for `t` and `B`, as
    /// evidence of the solve ([`relative_residual`] for elimination,
    /// [`krylov::Solution::relative_residual`] for GMRES).
    pub residual: f64,
    pub solver: Solver,
}

/// Analyses the transient states, or `None` when every state is recurrent.
///
/// `with_fundamental_matrix` also forms `N`, which costs as much again as the
/// rest for a large chain. Without it, a large chain whose transient states
/// each keep at most half their mass is first tried by GMRES, kept only when
/// every entry of `B`, `t` and `N t` is certified to 1e-12 (see [`krylov`]);
/// every other case, and every uncertified answer, is eliminated.
pub fn analyze(
    matrix: &DMatrix<f64>,
    structure: &Structure,
    with_fundamental_matrix: bool,
) -> Option<Absorbing> {
    let transient = structure.transient.clone();
    if transient.is_empty() {
        return None;
    }
    let closed_classes: Vec<usize> = (0..structure.classes.len())
        .filter(|&c| structure.classes[c].closed)
        .collect();
    let r = exit_block(matrix, structure);
    let solved = match with_fundamental_matrix {
        // On a worker of the thread pool, so that each product's halves
        // are shared between two workers rather than handed over by a
        // thread that sleeps until they are done.
        false => rayon::scope(|_| by_krylov(matrix, &transient, &r)),
        true => None,
    };
    let solved =
        solved.unwrap_or_else(|| by_elimination(matrix, structure, &r, with_fundamental_matrix));
    Some(Absorbing {
        transient,
        closed_classes,
        fundamental_matrix: solved.fundamental_matrix,
        expected_steps: solved.expected_steps,
        variance_steps: solved.variance_steps,
        probabilities: solved.probabilities,
        residual: solved.residual,
        solver: solved.solver,
    })
}

/// The numbers [`analyze`] reports, from either solver.
struct Solved {
    fundamental_matrix: Option<DMatrix<f64>>,
    expected_steps: DVector<f64>,
    variance_steps: DVector<f64>,
    probabilities: DMatrix<f64>,
    residual: f64,
    solver: Solver,
}

/// `(2N − I) t − t ∘ t` from `N t`, clamped at 0 against rounding.
fn variance(visits_weighted: &DVector<f64>, expected_steps: &DVector<f64>) -> DVector<f64> {
    visits_weighted.zip_map(expected_steps, |v, t| (2.0 * v - t - t * t).max(0.0))
}

fn by_elimination(
    matrix: &DMatrix<f64>,
    structure: &Structure,
    r: &DMatrix<f64>,
    with_fundamental_matrix: bool,
) -> Solved {
    let q = block::gather(matrix, &structure.transient);
    let m = q.nrows();
    let ones = DMatrix::from_element(m, 1, 1.0);
    let censored = Censored::with_right_hand_sides(&q, r, &ones);

    // B = (I − Q)⁻¹ R and t = (I − Q)⁻¹ 1, from one back substitution.
    let solutions = censored.outflow_solutions();
    let probabilities = solutions.columns(0, r.ncols()).clone_owned();
    let expected_steps = solutions.column(r.ncols()).clone_owned();
    let fundamental_matrix = with_fundamental_matrix.then(|| {
        let mut n = DMatrix::identity(m, m);
        censored.solve_in_place(&mut n);
        n
    });
    // N t solves (I − Q) v = t.
    let variance_steps = variance(&censored.solve(&expected_steps), &expected_steps);

    let exits = r.column_sum();
    let mut right_hand_sides = DMatrix::from_element(m, r.ncols() + 1, 1.0);
    right_hand_sides.columns_mut(0, r.ncols()).copy_from(r);
    let residual = relative_residual(&q, &exits, &solutions, &right_hand_sides);
    Solved {
        fundamental_matrix,
        expected_steps,
        variance_steps,
        probabilities,
        residual,
        solver: Solver::Elimination,
    }
}

/// `B`, `t` and the variance by GMRES, when the chain qualifies and every
/// entry is certified (see [`krylov`]).
fn by_krylov(matrix: &DMatrix<f64>, transient: &[usize], r: &DMatrix<f64>) -> Option<Solved> {
    let m = transient.len();
    if m < krylov::MIN_STATES || transient.iter().any(|&i| matrix[(i, i)] > krylov::MAX_STAY) {
        return None;
    }
    let q = Block::of(matrix, transient);

    // [B | t] = (I − Q)⁻¹ [R | 1]; t bounds every error (module docs).
    let classes = r.ncols();
    let mut right_hand_sides = DMatrix::from_element(m, classes + 1, 1.0);
    right_hand_sides.columns_mut(0, classes).copy_from(r);
    let bound = |s: &krylov::Solution| {
        let rt = s.residual_norms[classes];
        (rt < 0.5).then(|| s.x.column(classes) / (1.0 - rt))
    };
    let plan = krylov::Plan {
        again: Some(classes),
        deflation: krylov::Deflation::of(&q, &r.column_sum().map(|exit| 1.0 - exit)),
    };
    let mut solution = krylov::solve(&q, &right_hand_sides, &plan, |s| {
        bound(s).is_some_and(|tau| s.is_certified(&tau))
    })?;
    let tau = bound(&solution)?;
    let expected_steps = solution.x.column(classes).clone_owned();

    // N t̂, first from t̂'s own Krylov space, else by a solve of its own; its
    // error is certified against N t̂, and t̂'s own relative error carries
    // over to N t̂ at the same size, since N ≥ 0.
    let visits = match solution.again.take().filter(|v| v.is_certified(&tau)) {
        Some(visits) => *visits,
        None => {
            let t_hat = DMatrix::from_column_slice(m, 1, expected_steps.as_slice());
            let plan = krylov::Plan {
                again: None,
                deflation: plan.deflation,
            };
            krylov::solve(&q, &t_hat, &plan, |s| s.is_certified(&tau))?
        }
    };
    Some(Solved {
        fundamental_matrix: None,
        variance_steps: variance(&visits.x.column(0).clone_owned(), &expected_steps),
        probabilities: solution.x.columns(0, classes).clone_owned(),
        expected_steps,
        residual: solution.relative_residual,
        solver: Solver::Krylov {
            products: solution.products + visits.products,
        },
    })
}

/// `R[i][c] = Σ_{j ∈ class c} T[i][j]` for the transient states `i`.
fn exit_block(matrix: &DMatrix<f64>, structure: &Structure) -> DMatrix<f64> {
    let transient = &structure.transient;
    let closed: Vec<&[usize]> = structure
        .closed_classes()
        .map(|c| c.states.as_slice())
        .collect();
    let mut r = DMatrix::zeros(transient.len(), closed.len());
    for (mut to, states) in r.column_iter_mut().zip(&closed) {
        for &j in *states {
            let from = matrix.column(j);
            for (entry, &i) in to.iter_mut().zip(transient) {
                *entry += from[i];
            }
        }
    }
    r
}

/// `h[i][c]`: the probability that a walker starting in state `i` ends in the
/// `c`-th closed class (closed classes numbered in [`Structure::closed_classes`] order).
pub fn class_absorption_probabilities(
    matrix: &DMatrix<f64>,
    structure: &Structure,
) -> DMatrix<f64> {
    let n = matrix.nrows();
    let closed: Vec<&[usize]> = structure
        .closed_classes()
        .map(|c| c.states.as_slice())
        .collect();
    let mut h = DMatrix::zeros(n, closed.len());
    for (c, states) in closed.iter().enumerate() {
        for &s in *states {
            h[(s, c)] = 1.0;
        }
    }
    if structure.transient.is_empty() {
        return h;
    }
    let q = block::gather(matrix, &structure.transient);
    let r = exit_block(matrix, structure);
    let probabilities = Censored::new(&q, &r).outflow_solutions();
    for (a, &state) in structure.transient.iter().enumerate() {
        h.set_row(state, &probabilities.row(a));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use nalgebra::{dmatrix, dvector};

    #[test]
    fn mathematica_five_state_example() {
        // markovchain's testBasic1.R (from Wolfram's MarkovProcessProperties):
        // from a, b into {c, d} and {e}: (4/5, 1/5) and (2/5, 3/5).
        let t = dmatrix![
            0.0, 1.0 / 3.0, 0.0, 2.0 / 3.0, 0.0;
            0.5, 0.0, 0.0, 0.0, 0.5;
            0.0, 0.0, 0.5, 0.5, 0.0;
            0.0, 0.0, 0.5, 0.5, 0.0;
            0.0, 0.0, 0.0, 0.0, 1.0
        ];
        let h = class_absorption_probabilities(&t, &Structure::of(&t));
        let expected = dmatrix![
            0.8, 0.2;
            0.4, 0.6;
            1.0, 0.0;
            1.0, 0.0;
            0.0, 1.0
        ];
        assert_abs_diff_eq!(h, expected, epsilon = 1e-15);

        // N = [[6/5, 2/5], [3/5, 6/5]], t = (8/5, 9/5).
        let a = analyze(&t, &Structure::of(&t), true).unwrap();
        let n = a.fundamental_matrix.unwrap();
        assert_abs_diff_eq!(n, dmatrix![1.2, 0.4; 0.6, 1.2], epsilon = 1e-15);
        assert_abs_diff_eq!(a.expected_steps, dvector![1.6, 1.8], epsilon = 1e-15);
        assert!(a.residual < 1e-15);
    }

    #[test]
    fn blocked_solves_agree_with_column_by_column_ones() {
        // 150 states, each leaving the set with probability 0.05 to 0.5.
        let m = 150;
        let mut uniform = crate::analysis::uniform_stream(11);
        let mut q = DMatrix::from_fn(m, m, |_, _| uniform());
        let mut out = DMatrix::zeros(m, 1);
        for i in 0..m {
            let exit = 0.05 + 0.45 * uniform();
            let sum = q.row(i).sum();
            q.row_mut(i).scale_mut((1.0 - exit) / sum);
            out[(i, 0)] = exit;
        }
        let censored = Censored::new(&q, &out);
        let mut n = DMatrix::identity(m, m);
        censored.solve_in_place(&mut n);
        for j in [0, 1, 63, 64, 65, 149] {
            let mut e = DVector::zeros(m);
            e[j] = 1.0;
            let column = censored.solve(&e);
            assert!((n.column(j) - &column).amax() <= 1e-13 * column.amax());
        }
        let identity = (DMatrix::identity(m, m) - &q) * &n;
        assert!((identity - DMatrix::<f64>::identity(m, m)).amax() < 1e-12);
    }

    /// A dense random chain of `n` states whose states `absorbing` keep
    /// themselves; rows from a fixed linear congruential stream.
    fn dense_absorbing(n: usize, absorbing: &[usize], seed: u64) -> DMatrix<f64> {
        let mut uniform = crate::analysis::uniform_stream(seed);
        let mut t = DMatrix::from_fn(n, n, |_, _| uniform());
        for i in 0..n {
            if absorbing.contains(&i) {
                t.row_mut(i).fill(0.0);
                t[(i, i)] = 1.0;
            } else {
                let sum = t.row(i).sum();
                t.row_mut(i).scale_mut(1.0 / sum);
            }
        }
        t
    }

    fn relative_gap<'a>(a: impl Iterator<Item = &'a f64>, b: impl Iterator<Item = &'a f64>) -> f64 {
        a.zip(b)
            .map(|(x, y)| (x - y).abs() / y.abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn krylov_and_elimination_agree_on_large_dense_chains() {
        // Absorbing states at the end, and scattered (Q is then gathered).
        for absorbing in [vec![600, 601, 602, 603], vec![3, 150, 400, 599]] {
            let t = dense_absorbing(604, &absorbing, 17);
            let structure = Structure::of(&t);
            let fast = analyze(&t, &structure, false).unwrap();
            assert!(
                matches!(fast.solver, Solver::Krylov { .. }),
                "{:?}",
                fast.solver
            );
            let r = exit_block(&t, &structure);
            let exact = by_elimination(&t, &structure, &r, false);
            assert_eq!(exact.solver, Solver::Elimination);
            let certified = 2.0 * krylov::CERTIFIED_ERROR;
            assert!(
                relative_gap(fast.probabilities.iter(), exact.probabilities.iter()) < certified
            );
            assert!(
                relative_gap(fast.expected_steps.iter(), exact.expected_steps.iter()) < certified
            );
            // The variance subtracts t², of its own size: absolute in t².
            for ((v, w), t) in fast
                .variance_steps
                .iter()
                .zip(&exact.variance_steps)
                .zip(&exact.expected_steps)
            {
                assert!((v - w).abs() < 1e-10 * t * t);
            }
            assert!(fast.residual < 1e-14);
        }
    }

    #[test]
    fn krylov_gives_the_same_numbers_on_one_thread_and_on_two() {
        let t = dense_absorbing(604, &[600, 601, 602, 603], 23);
        let structure = Structure::of(&t);
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| analyze(&t, &structure, false).unwrap())
        };
        let (one, two) = (on(1), on(2));
        assert!(matches!(one.solver, Solver::Krylov { .. }));
        assert_eq!(one.solver, two.solver);
        assert_eq!(one.probabilities, two.probabilities);
        assert_eq!(one.expected_steps, two.expected_steps);
        assert_eq!(one.variance_steps, two.variance_steps);
    }

    #[test]
    fn chains_that_do_not_qualify_are_eliminated() {
        // Too few states; a state keeping most of its mass; a state that
        // cannot reach one of the classes (a structural zero).
        let small = dense_absorbing(100, &[0, 1], 3);
        let mut sticky = dense_absorbing(604, &[0, 1], 3);
        sticky.row_mut(10).scale_mut(0.1);
        sticky[(10, 10)] += 0.9;
        let mut blocked = dense_absorbing(604, &[0, 1], 3);
        blocked.row_mut(20).fill(0.0);
        blocked[(20, 0)] = 1.0;
        for t in [small, sticky, blocked] {
            let a = analyze(&t, &Structure::of(&t), false).unwrap();
            assert_eq!(a.solver, Solver::Elimination);
            for row in a.probabilities.row_iter() {
                assert!((row.sum() - 1.0).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn geometric_time_has_its_closed_form_variance() {
        // Leave with probability p each step: steps ~ Geometric(p) on {1, 2, …},
        // mean 1/p, variance (1 − p)/p².
        let p = 0.2;
        let t = dmatrix![1.0 - p, p; 0.0, 1.0];
        let a = analyze(&t, &Structure::of(&t), false).unwrap();
        assert_abs_diff_eq!(a.expected_steps[0], 1.0 / p, epsilon = 1e-12);
        assert_abs_diff_eq!(a.variance_steps[0], (1.0 - p) / (p * p), epsilon = 1e-11);
    }

    #[test]
    fn tiny_exits_keep_their_digits() {
        // Leave with probability 1e-17: 1 − Q[0][0] rounds to 0 in floating
        // point, yet the expected time is exactly 1e17.
        let t = dmatrix![1.0, 1e-17; 0.0, 1.0];
        let t = {
            let mut t = t;
            t[(0, 0)] = 1.0 - 1e-17; // rounds to 1.0: the textbook form would divide by zero
            t
        };
        let a = analyze(&t, &Structure::of(&t), true).unwrap();
        assert_eq!(a.expected_steps[0], 1e17);
        assert_eq!(a.probabilities[(0, 0)], 1.0);
    }
}
