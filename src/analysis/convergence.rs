//! How fast the chain settles: distance to the limit, mixing times and the
//! second largest eigenvalue modulus.
//!
//! # Definitions
//!
//! - `d(t) = ½ ‖S_t − L‖₁`, the total variation distance between the
//!   occupancy at step `t` and the long-run limit `L` reached from `S_0`; it
//!   never increases, since `L T = L`.
//! - The mixing time `t_mix(ε)` from `S_0` is the smallest `t` with
//!   `d(t) ≤ ε`; from the worst start, the smallest `t` with
//!   `max_i ½ ‖e_i T^t − L_i‖₁ ≤ ε`, where `L_i` is the limit from state `i`.
//!   Both are computed from powers of `T`, by doubling and bisection over
//!   repeated squares (beyond the horizon), never from eigenvalues. When a
//!   periodic closed class carries weight, `S_t` oscillates and need not
//!   settle: such a mixing time is reported as never when it is not reached.
//! - The second largest eigenvalue modulus (SLEM) of each closed class, and
//!   its spectral gap `1 − SLEM`: 1 by theory for a periodic class (its
//!   eigenvalues include the `p`-th roots of unity); otherwise from the real
//!   Schur form with an iteration cap, so no input can hang the tool (an
//!   unconverged iteration is reported with its reason). A gap below
//!   [`NEARLY_DECOMPOSABLE_GAP`] warns that convergence takes thousands of
//!   steps, and the weakly coupled groups of states are named.

use nalgebra::{DMatrix, DVector, Schur};
use serde::Serialize;

use super::structure::{Structure, strongly_connected_components};
use super::transient::stochastic_product;

/// The default ε of the mixing time.
pub const DEFAULT_EPSILON: f64 = 0.25;
/// The smallest ε accepted: distances below about 1e-15 are rounding.
pub const MIN_EPSILON: f64 = 1e-9;
/// Squarings tried for the worst-start mixing time (`t` up to `2^62`).
const MAX_SQUARINGS: u32 = 62;
/// The most work (squarings × 2n³) spent on the worst start.
const MAX_SQUARING_WORK: f64 = 2e10;
/// Below this spectral gap a class is called nearly decomposable.
pub const NEARLY_DECOMPOSABLE_GAP: f64 = 1e-3;
/// Moves below this probability count as weak when naming coupled groups.
const WEAK_MOVE: f64 = 1e-3;

/// A mixing time, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "steps", rename_all = "snake_case")]
pub enum MixingTime {
    Reached(u64),
    /// A periodic class carries weight and `d(t)` stays above ε.
    Never,
    /// Not reached within the steps followed.
    Beyond(u64),
}

/// Below this, a spectral gap `1 − SLEM` computed from eigenvalues is lost
/// in the rounding of a SLEM so close to 1.
pub const RESOLVED_GAP: f64 = 1e-14;

/// The SLEM of one closed class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slem {
    /// Index into [`Structure::classes`].
    pub class: usize,
    /// `None` when not computed; see `note`.
    pub slem: Option<f64>,
    pub spectral_gap: Option<f64>,
    /// How the value was obtained, or why it was not.
    pub note: String,
    /// For a nearly decomposable class, its groups of strongly coupled states.
    pub weakly_coupled_groups: Vec<Vec<usize>>,
}

/// The convergence analysis.
#[derive(Debug, Clone)]
pub struct Convergence {
    pub epsilon: f64,
    /// `d(t)` for `t = 0 … H`.
    pub tv_distance: Vec<f64>,
    pub mixing_time: MixingTime,
    pub mixing_time_worst_start: MixingTime,
    pub slem: Vec<Slem>,
}

/// Analyses convergence; `limits` holds each state's own limit as a row
/// (`L_i`), `limit` the limit from `S_0`.
pub fn analyze(
    matrix: &DMatrix<f64>,
    structure: &Structure,
    trajectory: &[DVector<f64>],
    limit: &DVector<f64>,
    limits: &DMatrix<f64>,
    epsilon: f64,
) -> Convergence {
    let tv = |s: &DVector<f64>| 0.5 * (s - limit).lp_norm(1);
    let tv_distance: Vec<f64> = trajectory.iter().map(tv).collect();
    let periodic = structure
        .closed_classes()
        .any(|c| c.period.is_some_and(|p| p > 1) && c.states.iter().any(|&s| limit[s] > 0.0));

    let n = matrix.nrows();
    let mixing_time = match tv_distance.iter().position(|&d| d <= epsilon) {
        Some(t) => MixingTime::Reached(t as u64),
        None => {
            let start = DMatrix::from_row_slice(1, n, trajectory[0].as_slice());
            let target = DMatrix::from_row_slice(1, n, limit.as_slice());
            mixing_time_by_doubling(matrix, Some(&start), &target, epsilon, periodic)
        }
    };
    let any_periodic = structure
        .closed_classes()
        .any(|c| c.period.is_some_and(|p| p > 1));
    let mixing_time_worst_start =
        mixing_time_by_doubling(matrix, None, limits, epsilon, any_periodic);
    let slem = structure
        .classes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.closed)
        .map(|(index, class)| slem(matrix, index, &class.states, class.period))
        .collect();
    Convergence {
        epsilon,
        tv_distance,
        mixing_time,
        mixing_time_worst_start,
        slem,
    }
}

/// `max_r ½ ‖(starts · P)_r − L_r‖₁`; no `starts` means every single state.
fn worst_distance(
    starts: Option<&DMatrix<f64>>,
    power: &DMatrix<f64>,
    limits: &DMatrix<f64>,
) -> f64 {
    let reached = match starts {
        Some(starts) => starts * power,
        None => power.clone(),
    };
    (reached - limits)
        .row_iter()
        .map(|row| 0.5 * row.iter().map(|x| x.abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// The smallest `t` with `max_r ½ ‖(starts · T^t)_r − L_r‖₁ ≤ ε`, by doubling
/// then bisection over repeated squares (the distance never increases).
fn mixing_time_by_doubling(
    matrix: &DMatrix<f64>,
    starts: Option<&DMatrix<f64>>,
    limits: &DMatrix<f64>,
    epsilon: f64,
    periodic: bool,
) -> MixingTime {
    let n = matrix.nrows();
    if worst_distance(starts, &DMatrix::identity(n, n), limits) <= epsilon {
        return MixingTime::Reached(0);
    }
    // squares[j] = T^(2^j); a large chain affords fewer squarings.
    let affordable = (MAX_SQUARING_WORK / (2.0 * (n as f64).powi(3))) as u32;
    let max_squarings = MAX_SQUARINGS.min(affordable.max(1));
    let mut squares = vec![matrix.clone()];
    while worst_distance(starts, squares.last().expect("one square at least"), limits) > epsilon {
        if squares.len() as u32 > max_squarings {
            return if periodic {
                MixingTime::Never
            } else {
                MixingTime::Beyond(1 << max_squarings)
            };
        }
        let last = squares.last().expect("one square at least");
        squares.push(stochastic_product(last, last));
    }
    // d(2^(k−1)) > ε ≥ d(2^k): bisect the bits below 2^(k−1).
    let k = squares.len() - 1;
    if k == 0 {
        return MixingTime::Reached(1);
    }
    let mut below = squares[k - 1].clone();
    let mut steps: u64 = 1 << (k - 1);
    for j in (0..k - 1).rev() {
        let candidate = stochastic_product(&below, &squares[j]);
        if worst_distance(starts, &candidate, limits) > epsilon {
            below = candidate;
            steps += 1 << j;
        }
    }
    MixingTime::Reached(steps + 1)
}

/// The SLEM of one closed class (see the module docs).
fn slem(matrix: &DMatrix<f64>, class: usize, states: &[usize], period: Option<u64>) -> Slem {
    let k = states.len();
    let mut result = Slem {
        class,
        slem: None,
        spectral_gap: None,
        note: String::new(),
        weakly_coupled_groups: Vec::new(),
    };
    match period {
        Some(p) if p > 1 => {
            result.slem = Some(1.0);
            result.spectral_gap = Some(0.0);
            result.note = format!("1 by theory: the class has period {p}");
            return result;
        }
        _ if k == 1 => {
            result.slem = Some(0.0);
            result.spectral_gap = Some(1.0);
            result.note = "a single absorbing state".to_string();
            return result;
        }
        _ => {}
    }
    let block = DMatrix::from_fn(k, k, |a, b| matrix[(states[a], states[b])]);
    let max_iterations = 100 * k.max(10);
    let Some(schur) = Schur::try_new(block.clone(), 1e-14, max_iterations) else {
        result.note = format!(
            "not computed: the Schur iteration did not converge in {max_iterations} iterations"
        );
        return result;
    };
    let (_, t) = schur.unpack();
    let mut moduli = eigenvalue_moduli(&t);
    moduli.sort_by(|a, b| b.total_cmp(a));
    // The largest is the eigenvalue 1 of a stochastic matrix.
    let second = moduli.get(1).copied().unwrap_or(0.0).min(1.0);
    result.slem = Some(second);
    result.spectral_gap = Some(1.0 - second);
    result.note = if 1.0 - second < RESOLVED_GAP {
        format!(
            "from the real Schur form; a gap below {RESOLVED_GAP:.0e} is lost in the rounding \
             of a SLEM this close to 1, but the mixing time, from powers of T, stands"
        )
    } else {
        "from the real Schur form".to_string()
    };
    if 1.0 - second < NEARLY_DECOMPOSABLE_GAP {
        result.weakly_coupled_groups = weakly_coupled_groups(&block, states);
    }
    result
}

/// The moduli of the eigenvalues of a quasi-triangular real Schur form.
fn eigenvalue_moduli(t: &DMatrix<f64>) -> Vec<f64> {
    let n = t.nrows();
    let mut moduli = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        if i + 1 < n && t[(i + 1, i)] != 0.0 {
            // A 2×2 block [[a, b], [c, d]]: a complex pair of modulus √(ad − bc),
            // or two real eigenvalues when the discriminant is not negative.
            let (a, b, c, d) = (t[(i, i)], t[(i, i + 1)], t[(i + 1, i)], t[(i + 1, i + 1)]);
            let half_trace = (a + d) / 2.0;
            let discriminant = ((a - d) / 2.0).powi(2) + b * c;
            if discriminant < 0.0 {
                let modulus = (a * d - b * c).max(0.0).sqrt();
                moduli.extend([modulus, modulus]);
            } else {
                let root = discriminant.sqrt();
                moduli.extend([(half_trace + root).abs(), (half_trace - root).abs()]);
            }
            i += 2;
        } else {
            moduli.push(t[(i, i)].abs());
            i += 1;
        }
    }
    moduli
}

/// The groups of states that stay connected through moves of at least
/// [`WEAK_MOVE`], as state indices of the chain.
fn weakly_coupled_groups(block: &DMatrix<f64>, states: &[usize]) -> Vec<Vec<usize>> {
    let k = block.nrows();
    let strong: Vec<Vec<usize>> = (0..k)
        .map(|i| {
            (0..k)
                .filter(|&j| j != i && block[(i, j)] >= WEAK_MOVE)
                .collect()
        })
        .collect();
    let component = strongly_connected_components(&strong);
    let count = component.iter().copied().max().map_or(0, |c| c + 1);
    let mut groups = vec![Vec::new(); count];
    for (a, &c) in component.iter().enumerate() {
        groups[c].push(states[a]);
    }
    groups.sort();
    if groups.len() > 1 { groups } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use nalgebra::dmatrix;

    #[test]
    fn slem_of_a_symmetric_chain() {
        // PyDTMC's P22: eigenvalues 1 and 0.85 (twice): spectral gap 0.15.
        let t = dmatrix![0.9, 0.05, 0.05; 0.05, 0.9, 0.05; 0.05, 0.05, 0.9];
        let s = slem(&t, 0, &[0, 1, 2], Some(1));
        assert_abs_diff_eq!(s.slem.unwrap(), 0.85, epsilon = 1e-12);
    }

    #[test]
    fn complex_eigenvalues_count_by_modulus() {
        // A lazy 3-cycle: eigenvalues 1 and 0.5 + 0.5 ω, |·| = √(0.25 + ...) = 0.5.
        let t = dmatrix![0.5, 0.5, 0.0; 0.0, 0.5, 0.5; 0.5, 0.0, 0.5];
        let s = slem(&t, 0, &[0, 1, 2], Some(1));
        // 0.5 + 0.5 e^{2πi/3}: modulus |0.5 + 0.5(−1/2 + i√3/2)| = 0.5.
        assert_abs_diff_eq!(s.slem.unwrap(), 0.5, epsilon = 1e-12);
    }

    #[test]
    fn cycles_answer_at_once() {
        for n in [6usize, 8, 10, 20] {
            let t = DMatrix::from_fn(n, n, |i, j| if j == (i + 1) % n { 1.0 } else { 0.0 });
            let structure = Structure::of(&t);
            let s = slem(
                &t,
                0,
                &structure.classes[0].states,
                structure.classes[0].period,
            );
            assert_eq!(s.slem, Some(1.0));
        }
    }

    #[test]
    fn nearly_decomposable_chains_name_their_groups() {
        let e = 1e-6;
        let t = dmatrix![
            0.5, 0.5 - e, e, 0.0;
            0.5, 0.5, 0.0, 0.0;
            0.0, 0.0, 0.5, 0.5;
            e, 0.0, 0.5, 0.5 - e
        ];
        let s = slem(&t, 0, &[0, 1, 2, 3], Some(1));
        assert!(s.spectral_gap.unwrap() < NEARLY_DECOMPOSABLE_GAP);
        assert_eq!(s.weakly_coupled_groups, vec![vec![0, 1], vec![2, 3]]);
    }

    #[test]
    fn mixing_time_of_a_two_state_chain() {
        // d(t) = 0.6 · 0.75^t from state 0 for [[0.9, 0.1], [0.15, 0.85]]
        // (second eigenvalue 0.75): ≤ 1/4 first at t = 4 (0.6 · 0.316 = 0.19).
        let t = dmatrix![0.9, 0.1; 0.15, 0.85];
        let limit = DVector::from_vec(vec![0.6, 0.4]);
        let limits = DMatrix::from_fn(2, 2, |_, j| limit[j]);
        let trajectory =
            super::super::transient::trajectory(&t, &DVector::from_vec(vec![0.0, 1.0]), 2);
        let c = analyze(&t, &Structure::of(&t), &trajectory, &limit, &limits, 0.25);
        // From state 1: d(t) = 0.6 · 0.75^t as well; ≤ 0.25 at t = 4.
        assert_eq!(c.mixing_time, MixingTime::Reached(4));
        assert_eq!(c.mixing_time_worst_start, MixingTime::Reached(4));
        assert_abs_diff_eq!(c.tv_distance[1], 0.6 * 0.75, epsilon = 1e-15);
    }

    #[test]
    fn mixing_times_beyond_the_horizon() {
        // d(t) = 0.6 · 0.5^t from a: at most 1e-9 first at t = 30, both from
        // S_0 (followed past the horizon of 5) and from the worst start.
        let t = dmatrix![0.7, 0.3; 0.2, 0.8];
        let limit = DVector::from_vec(vec![0.4, 0.6]);
        let limits = DMatrix::from_fn(2, 2, |_, j| limit[j]);
        let trajectory =
            super::super::transient::trajectory(&t, &DVector::from_vec(vec![1.0, 0.0]), 5);
        let c = analyze(&t, &Structure::of(&t), &trajectory, &limit, &limits, 1e-9);
        assert_eq!(c.mixing_time, MixingTime::Reached(30));
        assert_eq!(c.mixing_time_worst_start, MixingTime::Reached(30));
    }

    #[test]
    fn a_cycle_never_mixes_from_any_start() {
        let n = 30;
        let t = DMatrix::from_fn(n, n, |i, j| if j == (i + 1) % n { 1.0 } else { 0.0 });
        let limit = DVector::from_element(n, 1.0 / n as f64);
        let limits = DMatrix::from_element(n, n, 1.0 / n as f64);
        let mut start = DVector::zeros(n);
        start[0] = 1.0;
        let trajectory = super::super::transient::trajectory(&t, &start, 3);
        let c = analyze(&t, &Structure::of(&t), &trajectory, &limit, &limits, 0.25);
        assert_eq!(c.mixing_time, MixingTime::Never);
        assert_eq!(c.mixing_time_worst_start, MixingTime::Never);
    }
}
