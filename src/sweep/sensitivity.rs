//! How much each metric moves with each parameter: exact first derivatives.
//!
//! With `E = ∂T/∂θ` (each entry's expression differentiated exactly, see
//! [`derivative`](crate::scenario::expr::derivative); rows of `E` sum to 0):
//!
//! - occupancy: `S_{t+1} = S_t T` gives `∂S_{t+1} = ∂S_t T + S_t E`;
//! - stationary distribution of a closed class `C` with `π (I − T_C) = 0`,
//!   `π 1 = 1`: `∂π = π E_C Z_C`, with `Z_C = (I − T_C + 1π)⁻¹` the
//!   fundamental matrix of Kemeny and Snell (1960, ch. 4), since `π E_C 1 = 0`
//!   makes `π E_C Z_C` equal to `π E_C A#` with `A#` the group inverse of
//!   `I − T_C` (Meyer, "The role of the group generalized inverse in the
//!   theory of finite Markov chains", SIAM Review 17, 1975);
//! - absorption probabilities `B = N R`, `N = (I − Q)⁻¹`:
//!   `∂B = N (E_Q B + E_R)`;
//! - the long-run limit from `S_0`, `L = Σ_C b_C π_C` with `b_C` the
//!   probability of ending in `C`: `∂L = Σ_C (∂b_C π_C + b_C ∂π_C)`;
//! - hitting probabilities `g` of a target `A`, `(I − Q_S) g = r` on the
//!   states `S` outside `A` that can reach it: `∂g = N_S (E_SS g + E_SA 1)`;
//! - expected hitting times `h = N_U 1` on the states `U` that reach `A`
//!   for sure: `∂h = N_U E_UU h`.
//!
//! A derivative exists only where the chain's structure does not change as
//! `θ` moves: an entry that is 0 but moves with `θ` is reported, not
//! differentiated.

use nalgebra::{DMatrix, DVector};

use super::metric::{Metric, Quantity, Start};
use crate::analysis::Exact;
use crate::analysis::absorbing::Censored;
use crate::analysis::absorbing::class_absorption_probabilities;

/// The derivative of `metric` along `e = ∂T/∂θ`, at the chain `matrix` (of `states`)
/// started from `initial`, whose exact results (with the metric's needs)
/// are `exact`.
///
/// # Errors
///
/// Why the derivative does not exist: a zero entry that moves, a mixing
/// time (a whole number of steps), an expected time that is infinite.
pub fn derivative(
    metric: &Metric,
    states: &[String],
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    e: &DMatrix<f64>,
    exact: &Exact,
) -> Result<f64, String> {
    let n = matrix.nrows();
    if *metric == Metric::MixingTime {
        return Err("a mixing time is a whole number of steps: it has no derivative".into());
    }
    for i in 0..n {
        for j in 0..n {
            if matrix[(i, j)] == 0.0 && e[(i, j)] != 0.0 {
                return Err(format!(
                    "the move {} → {} is 0 here but changes with the parameter: the chain's \
                     structure changes, so there is no derivative",
                    states[i], states[j]
                ));
            }
        }
    }
    match metric {
        Metric::Occupancy(set, t) => {
            let (mut s, mut ds) = (initial.clone(), DVector::zeros(n));
            for _ in 0..*t {
                ds = matrix.tr_mul(&ds) + e.tr_mul(&s);
                s = matrix.tr_mul(&s);
            }
            Ok(set.iter().map(|&i| ds[i]).sum())
        }
        Metric::Stationary(set) => {
            let dl = limit_derivative(matrix, initial, e, exact)?;
            Ok(set.iter().map(|&i| dl[i]).sum())
        }
        Metric::Absorption(set, start) => {
            let structure = &exact.structure;
            let closed: Vec<usize> = structure
                .classes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.closed)
                .map(|(k, _)| k)
                .collect();
            let wanted: Vec<usize> = closed
                .iter()
                .enumerate()
                .filter(|&(_, &k)| set.iter().any(|s| structure.classes[k].states.contains(s)))
                .map(|(c, _)| c)
                .collect();
            let db = absorption_derivative(matrix, e, exact);
            let from = |i: usize| wanted.iter().map(|&c| db[(i, c)]).sum::<f64>();
            Ok(match start {
                Start::State(i) => from(*i),
                Start::Initial => (0..n).map(|i| initial[i] * from(i)).sum(),
            })
        }
        Metric::Hitting(set, quantity, start) => {
            let hitting = exact
                .hitting
                .iter()
                .find(|h| h.target == *set)
                .ok_or("its hitting times were not computed")?;
            let weights = match start {
                Start::State(i) => {
                    let mut w = DVector::zeros(n);
                    w[*i] = 1.0;
                    w
                }
                Start::Initial => initial.clone(),
            };
            match quantity {
                Quantity::Probability => {
                    let g = &hitting.probability;
                    let set_s: Vec<usize> =
                        (0..n).filter(|&i| !set.contains(&i) && g[i] > 0.0).collect();
                    let dg = solve_on(matrix, &set_s, |a| {
                        let i = set_s[a];
                        (0..n).map(|j| e[(i, j)] * g[j]).sum()
                    });
                    Ok(set_s.iter().zip(dg.iter()).map(|(&i, d)| weights[i] * d).sum())
                }
                Quantity::Expected => {
                    let h = &hitting.expected_steps;
                    if (0..n).any(|i| weights[i] > 0.0 && !h[i].is_finite()) {
                        return Err("the expected time is infinite here".into());
                    }
                    let set_u: Vec<usize> = (0..n)
                        .filter(|&i| !set.contains(&i) && h[i].is_finite())
                        .collect();
                    let dh = solve_on(matrix, &set_u, |a| {
                        let i = set_u[a];
                        set_u.iter().map(|&j| e[(i, j)] * h[j]).sum()
                    });
                    Ok(set_u.iter().zip(dh.iter()).map(|(&i, d)| weights[i] * d).sum())
                }
                Quantity::ExpectedIfReached => {
                    Err("derivatives of expected times given that the target is reached are not computed".into())
                }
            }
        }
        Metric::MixingTime => unreachable!("answered above"),
    }
}

/// Solves `(I − T_SS) x = b` on the states `set`, by state reduction; the
/// states of `set` must all leave it eventually.
fn solve_on(matrix: &DMatrix<f64>, set: &[usize], b: impl Fn(usize) -> f64) -> DVector<f64> {
    let m = set.len();
    if m == 0 {
        return DVector::zeros(0);
    }
    let q = DMatrix::from_fn(m, m, |a, c| matrix[(set[a], set[c])]);
    let out = DMatrix::from_fn(m, 1, |a, _| {
        (0..matrix.ncols())
            .filter(|j| !set.contains(j))
            .map(|j| matrix[(set[a], j)])
            .sum()
    });
    // The solve adds nonnegative terms only for b ≥ 0: solve the positive
    // and negative parts apart and subtract once, at the end.
    let censored = Censored::new(&q, &out);
    let b = DVector::from_fn(m, |a, _| b(a));
    censored.solve(&b.map(|v| v.max(0.0))) - censored.solve(&b.map(|v| (-v).max(0.0)))
}

/// `∂B[i][c]` for every state `i` and closed class `c` (0 for a state in a
/// closed class): `N (E_Q B + E_R)` on the transient states.
fn absorption_derivative(matrix: &DMatrix<f64>, e: &DMatrix<f64>, exact: &Exact) -> DMatrix<f64> {
    let n = matrix.nrows();
    let structure = &exact.structure;
    let b = class_absorption_probabilities(matrix, structure);
    let classes = b.ncols();
    let transient = &structure.transient;
    let mut db = DMatrix::zeros(n, classes);
    for c in 0..classes {
        // (E B)_i = Σ_j E_ij B_jc, which holds both E_Q B and E_R (B_jc is 1
        // or 0 for a state j in a closed class).
        let x = solve_on(matrix, transient, |a| {
            let i = transient[a];
            (0..n).map(|j| e[(i, j)] * b[(j, c)]).sum()
        });
        for (a, &i) in transient.iter().enumerate() {
            db[(i, c)] = x[a];
        }
    }
    db
}

/// `∂L` of the long-run limit from `S_0`.
fn limit_derivative(
    matrix: &DMatrix<f64>,
    initial: &DVector<f64>,
    e: &DMatrix<f64>,
    exact: &Exact,
) -> Result<DVector<f64>, String> {
    let n = matrix.nrows();
    let b = class_absorption_probabilities(matrix, &exact.structure);
    let db = absorption_derivative(matrix, e, exact);
    let mut dl = DVector::zeros(n);
    for (c, stationary) in exact.stationary.iter().enumerate() {
        let states = &exact.structure.classes[stationary.class].states;
        let pi = &stationary.distribution;
        let weight: f64 = (0..n).map(|i| initial[i] * b[(i, c)]).sum();
        let dweight: f64 = (0..n).map(|i| initial[i] * db[(i, c)]).sum();
        let dpi = stationary_derivative(matrix, e, states, pi)?;
        for (k, &s) in states.iter().enumerate() {
            dl[s] += dweight * pi[s] + weight * dpi[k];
        }
    }
    Ok(dl)
}

/// `∂π = π E_C Z_C` on the states of a closed class, in their order.
fn stationary_derivative(
    matrix: &DMatrix<f64>,
    e: &DMatrix<f64>,
    states: &[usize],
    pi: &DVector<f64>,
) -> Result<DVector<f64>, String> {
    let m = states.len();
    let pi_c = DVector::from_fn(m, |k, _| pi[states[k]]);
    let e_c = DMatrix::from_fn(m, m, |a, c| e[(states[a], states[c])]);
    // Z⁻¹ = I − T_C + 1 π, transposed to solve Z⁻ᵀ x = (π E_C)ᵀ.
    let z_inverse = DMatrix::from_fn(m, m, |a, c| {
        let identity = if a == c { 1.0 } else { 0.0 };
        identity - matrix[(states[a], states[c])] + pi_c[c]
    });
    let rhs = e_c.tr_mul(&pi_c);
    z_inverse
        .transpose()
        .lu()
        .solve(&rhs)
        .ok_or_else(|| "the fundamental matrix of a closed class is singular".to_string())
}

/// A metric's value and its derivative with respect to each parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub metric: Metric,
    /// The metric's value at the scenario's parameter values.
    pub value: Result<f64, String>,
    /// One per parameter, in the scenario's order: the name, its value and
    /// `∂metric/∂θ`, or why there is none.
    pub derivatives: Vec<(String, f64, Result<f64, String>)>,
}

impl Sensitivity {
    /// The parameters by how much they move the metric, most first
    /// (largest `|∂metric/∂θ|`); those without a derivative last.
    pub fn ranked(&self) -> Vec<&(String, f64, Result<f64, String>)> {
        let mut ranked: Vec<_> = self.derivatives.iter().collect();
        let size = |d: &Result<f64, String>| d.as_ref().map_or(-1.0, |v| v.abs());
        ranked.sort_by(|a, b| size(&b.2).total_cmp(&size(&a.2)));
        ranked
    }
}

/// The sensitivities of `metrics` to every parameter of the base scenario.
///
/// # Errors
///
/// A scenario built in code, without the rows as written.
pub fn of_scenario(
    scenario: &crate::scenario::Scenario,
    metrics: &[Metric],
) -> Result<Vec<Sensitivity>, String> {
    let template = scenario
        .whatif
        .template
        .as_ref()
        .ok_or("the scenario keeps no rows as written")?;
    let mut needs = super::metric::Needs::default();
    for m in metrics {
        m.add_needs(&mut needs);
    }
    let exact = super::metric::analyse(
        &scenario.chain,
        &scenario.initial,
        scenario.horizon,
        scenario.epsilon,
        &needs,
    );
    let phases = &scenario.whatif.phases;
    let stretches = super::stretches(phases);
    let phased = super::phased_trajectory(
        &scenario.chain,
        &stretches,
        &scenario.initial,
        exact.trajectory.len() - 1,
    );
    let point = super::metric::Analysed {
        states: scenario.states(),
        initial: &scenario.initial,
        trajectory: &phased,
        exact: &exact,
    };
    let slopes: Vec<(String, f64, Result<DMatrix<f64>, String>)> = scenario
        .parameters
        .iter()
        .map(|p| {
            let e = template.derivative(template.values(), &p.name, &[]);
            (p.name.clone(), p.value, e)
        })
        .collect();
    // Each phase's ∂T/∂θ at its own values; a parameter the phase sets is
    // a constant there.
    let phase_slopes: Vec<Vec<Result<DMatrix<f64>, String>>> = phases
        .iter()
        .map(|phase| {
            let mut values = template.values().clone();
            values.extend(phase.parameters.iter().cloned());
            scenario
                .parameters
                .iter()
                .map(|p| {
                    let fixed = phase.parameters.iter().any(|(name, _)| *name == p.name);
                    let wrt = if fixed { "" } else { p.name.as_str() };
                    template.derivative(&values, wrt, &phase.replaced)
                })
                .collect()
        })
        .collect();
    Ok(metrics
        .iter()
        .map(|metric| Sensitivity {
            metric: metric.clone(),
            value: metric.value(&point),
            derivatives: slopes
                .iter()
                .enumerate()
                .map(|(k, (name, value, e))| {
                    if let (Metric::Occupancy(set, t), false) = (metric, phases.is_empty()) {
                        let d = phased_occupancy(scenario, e, &phase_slopes, k, set, *t);
                        return (name.clone(), *value, d);
                    }
                    let d = e.as_ref().map_err(String::clone).and_then(|e| {
                        derivative(
                            metric,
                            scenario.states(),
                            scenario.chain.matrix(),
                            &scenario.initial,
                            e,
                            &exact,
                        )
                    });
                    (name.clone(), *value, d)
                })
                .collect(),
        })
        .collect())
}

/// `∂S_t` summed over `set` when phases govern some moves:
/// `∂S_{u+1} = ∂S_u T_u + S_u E_u`, with `T_u` and `E_u` those of the phase
/// covering step `u`, the base chain's elsewhere.
fn phased_occupancy(
    scenario: &crate::scenario::Scenario,
    base_slope: &Result<DMatrix<f64>, String>,
    phase_slopes: &[Vec<Result<DMatrix<f64>, String>>],
    parameter: usize,
    set: &[usize],
    t: u64,
) -> Result<f64, String> {
    let base = base_slope.as_ref().map_err(String::clone)?;
    let phases = &scenario.whatif.phases;
    let n = scenario.chain.len();
    let (mut s, mut ds) = (scenario.initial.clone(), DVector::zeros(n));
    for u in 0..t {
        let (matrix, e) = match phases.iter().position(|p| (p.from..=p.to).contains(&u)) {
            Some(k) => {
                let e = phase_slopes[k][parameter].as_ref().map_err(String::clone)?;
                (phases[k].chain.matrix(), e)
            }
            None => (scenario.chain.matrix(), base),
        };
        ds = matrix.tr_mul(&ds) + e.tr_mul(&s);
        s = matrix.tr_mul(&s);
    }
    Ok(set.iter().map(|&i| ds[i]).sum())
}
