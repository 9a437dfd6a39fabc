//! What-if analysis: sweeps over parameter grids, time-varying policies
//! (phases) and the expectations a policy must keep. Pure: no I/O.
//!
//! A sweep point evaluates the scenario's rows as written with the point's
//! parameter values (through the scenario's
//! [`Template`](crate::scenario::whatif::Template)), checks the chain like
//! the base one, and computes the sweep's [metrics](metric) and
//! [expectations](expect) exactly. Points run in parallel with rayon and come
//! back in grid order, so the results do not depend on the thread count.
//!
//! With phases, the move out of step `t` uses the phase covering `t`
//! (`S_{t+1} = S_t · T_phase`) and the base chain elsewhere; occupancies
//! follow that product. The long-run metrics (stationary shares, absorption,
//! hitting times, mixing time) are those of the chain that governs after the
//! last phase, the base one: a phase lasts finitely many steps.

pub mod expect;
pub mod metric;
pub mod sensitivity;

use std::ops::Range;

use nalgebra::DVector;
use rayon::prelude::*;

use crate::analysis::transient;
use crate::chain::Chain;
use crate::scenario::whatif::{Phase, Sweep};
use crate::scenario::{Problem, Scenario};
use expect::{Expectation, Verdict};
use metric::{Analysed, Metric, Needs};

/// A phase as the trajectory uses it: the moves out of steps `from ..= to`.
#[derive(Debug, Clone, Copy)]
pub struct Stretch<'a> {
    /// The first step whose move the phase governs.
    pub from: u64,
    /// The last, included.
    pub to: u64,
    /// The phase's chain.
    pub chain: &'a Chain,
}

/// `S_0 … S_H` where the move out of step `t` uses the stretch covering `t`,
/// or `base` outside every stretch.
pub fn phased_trajectory(
    base: &Chain,
    stretches: &[Stretch],
    initial: &DVector<f64>,
    horizon: usize,
) -> Vec<DVector<f64>> {
    let mut steps = Vec::with_capacity(horizon + 1);
    steps.push(initial.clone());
    for t in 0..horizon {
        let chain = stretches
            .iter()
            .find(|s| (s.from..=s.to).contains(&(t as u64)))
            .map_or(base, |s| s.chain);
        let next = transient::step(chain.matrix(), &steps[t]);
        steps.push(next);
    }
    steps
}

/// `S_t` under the stretches, for any `t`: step by step to the end of the
/// last stretch, then by repeated squaring of the base chain.
pub fn phased_distribution_at(
    base: &Chain,
    stretches: &[Stretch],
    initial: &DVector<f64>,
    t: u64,
) -> DVector<f64> {
    let end = stretches.iter().map(|s| s.to + 1).max().unwrap_or(0);
    let walked = t.min(end);
    let trajectory = phased_trajectory(base, stretches, initial, walked as usize);
    let at = trajectory.last().expect("S_0 at least");
    transient::distribution_at(base.matrix(), at, t - walked)
}

/// The metrics and verdicts of one chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// One per metric asked for: its value, or why it has none.
    pub metrics: Vec<Result<f64, String>>,
    /// One per expectation.
    pub verdicts: Vec<Verdict>,
}

/// What to compute for each chain.
#[derive(Debug, Clone, Copy)]
pub struct Questions<'a> {
    /// Metrics to compute, one value each.
    pub metrics: &'a [Metric],
    /// Expectations to check, one verdict each.
    pub expectations: &'a [Expectation],
    /// Steps to follow at least (more when an occupancy asks for them).
    pub horizon: usize,
    /// ε of the mixing time.
    pub epsilon: f64,
}

/// Evaluates metrics and expectations on `chain` from `initial`, the
/// occupancies following `stretches`.
pub fn evaluate(
    chain: &Chain,
    initial: &DVector<f64>,
    stretches: &[Stretch],
    questions: &Questions,
) -> Evaluation {
    let mut needs = Needs::default();
    let expectation_metrics = questions.expectations.iter().map(|e| &e.metric);
    for m in questions.metrics.iter().chain(expectation_metrics) {
        m.add_needs(&mut needs);
    }
    let exact = metric::analyse(chain, initial, questions.horizon, questions.epsilon, &needs);
    let phased;
    let trajectory = if stretches.is_empty() {
        &exact.trajectory
    } else {
        phased = phased_trajectory(chain, stretches, initial, exact.trajectory.len() - 1);
        &phased
    };
    let point = Analysed {
        states: chain.states(),
        initial,
        trajectory,
        exact: &exact,
    };
    Evaluation {
        metrics: questions.metrics.iter().map(|m| m.value(&point)).collect(),
        verdicts: questions
            .expectations
            .iter()
            .map(|e| e.check(&point))
            .collect(),
    }
}

/// One point of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Its place in the grid, from 0, the last parameter varying fastest.
    pub index: usize,
    /// The swept parameters' values.
    pub values: Vec<(String, f64)>,
    /// The metrics and expectations, or the problems of its chain.
    pub result: Result<Evaluation, Vec<Problem>>,
    /// With `simulate: true`, the Monte Carlo run at the point.
    pub simulated: Option<Simulated>,
}

/// The Monte Carlo run at a sweep point: the scenario's walkers and seed
/// (the same random numbers at every point), following the phases.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulated {
    /// One per sweep metric: the simulated value of an occupancy metric at
    /// a step the simulation reached, `None` for any other metric.
    pub metrics: Vec<Option<f64>>,
    /// The largest |z| of the simulated occupancy against the exact one.
    pub max_abs_z: f64,
}

impl Point {
    /// `p = 0.5, q = 0.1`, how messages name the point.
    pub fn label(&self) -> String {
        self.values
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The base chain's phases as stretches.
pub fn stretches(phases: &[Phase]) -> Vec<Stretch<'_>> {
    phases
        .iter()
        .map(|p| Stretch {
            from: p.from,
            to: p.to,
            chain: &p.chain,
        })
        .collect()
}

/// Evaluates the base scenario: its chain, with its phases.
pub fn evaluate_base(scenario: &Scenario, metrics: &[Metric]) -> Evaluation {
    let expectations = expectations(scenario);
    let questions = questions(scenario, metrics, &expectations);
    let stretches = stretches(&scenario.whatif.phases);
    evaluate(&scenario.chain, &scenario.initial, &stretches, &questions)
}

/// Evaluates each phase's chain alone, as if its policy held for good: the
/// long-run expectations (stationary shares, absorption, hitting, mixing).
/// Occupancy expectations are [`Verdict::NotApplicable`] there: they are
/// checked along the run, which passes through the phases.
pub fn evaluate_phases(scenario: &Scenario) -> Vec<Evaluation> {
    let all = expectations(scenario);
    let long_run: Vec<Expectation> = all
        .iter()
        .filter(|e| !matches!(e.metric, Metric::Occupancy(..)))
        .cloned()
        .collect();
    let questions = questions(scenario, &[], &long_run);
    scenario
        .whatif
        .phases
        .iter()
        .map(|p| {
            let mut evaluation = evaluate(&p.chain, &scenario.initial, &[], &questions);
            let mut verdicts = evaluation.verdicts.into_iter();
            evaluation.verdicts = all
                .iter()
                .map(|e| match e.metric {
                    Metric::Occupancy(..) => Verdict::NotApplicable,
                    _ => verdicts
                        .next()
                        .expect("one verdict per long-run expectation"),
                })
                .collect();
            evaluation
        })
        .collect()
}

fn expectations(scenario: &Scenario) -> Vec<Expectation> {
    scenario
        .whatif
        .expectations
        .iter()
        .map(|e| e.expectation.clone())
        .collect()
}

fn questions<'a>(
    scenario: &Scenario,
    metrics: &'a [Metric],
    expectations: &'a [Expectation],
) -> Questions<'a> {
    Questions {
        metrics,
        expectations,
        horizon: scenario.horizon,
        epsilon: scenario.epsilon,
    }
}

/// Evaluates the points `range` of the scenario's sweep in parallel, in grid
/// order; `progress` hears of each point done.
///
/// # Panics
///
/// If the scenario has no sweep or `range` reaches past its points: the
/// caller checks both.
pub fn run(scenario: &Scenario, range: Range<usize>, progress: &(dyn Fn() + Sync)) -> Vec<Point> {
    let simulate = scenario.whatif.sweep.as_ref().is_some_and(|s| s.simulate);
    run_with(scenario, range, simulate, progress)
}

/// As [`run`], simulating at the points only if `simulate` (the CI gate
/// checks exact properties and does not simulate).
///
/// # Panics
///
/// As [`run`].
pub fn run_with(
    scenario: &Scenario,
    range: Range<usize>,
    simulate: bool,
    progress: &(dyn Fn() + Sync),
) -> Vec<Point> {
    let sweep = scenario
        .whatif
        .sweep
        .as_ref()
        .expect("a scenario with a sweep");
    assert!(range.end <= sweep.len(), "points beyond the sweep");
    let expectations = expectations(scenario);
    let questions = questions(scenario, &sweep.metrics, &expectations);
    range
        .into_par_iter()
        .map(|index| {
            let point = evaluate_point(scenario, sweep, index, &questions, simulate);
            progress();
            point
        })
        .collect()
}

/// One sweep point: its chain and phases at the point's values, evaluated.
fn evaluate_point(
    scenario: &Scenario,
    sweep: &Sweep,
    index: usize,
    questions: &Questions,
    simulate: bool,
) -> Point {
    let values = sweep.point(index);
    let template = scenario
        .whatif
        .template
        .as_ref()
        .expect("a scenario read from YAML keeps its template");
    let mut point = Point {
        index,
        values,
        result: Err(Vec::new()),
        simulated: None,
    };
    let base = template.evaluate(&point.values, &[]);
    let mut problems = Vec::new();
    let mut phase_chains = Vec::new();
    for phase in &scenario.whatif.phases {
        // The phase's own settings win over the point's.
        let mut values = point.values.clone();
        values.retain(|(name, _)| phase.parameters.iter().all(|(p, _)| p != name));
        values.extend(phase.parameters.iter().cloned());
        match template.evaluate(&values, &phase.replaced) {
            Ok((chain, _)) => phase_chains.push((phase, chain)),
            Err(found) => problems.extend(found.into_iter().map(|mut p| {
                p.message = format!("in phase `{}`: {}", phase.name, p.message);
                p
            })),
        }
    }
    let label = point.label();
    point.result = match base {
        Ok((chain, initial)) if problems.is_empty() => {
            let stretches: Vec<Stretch> = phase_chains
                .iter()
                .map(|(phase, chain)| Stretch {
                    from: phase.from,
                    to: phase.to,
                    chain,
                })
                .collect();
            if simulate && scenario.simulation.walkers > 0 {
                point.simulated = Some(simulate_point(
                    scenario, sweep, &chain, &initial, &stretches,
                ));
            }
            Ok(evaluate(&chain, &initial, &stretches, questions))
        }
        base => {
            let mut all = base.err().unwrap_or_default();
            all.extend(problems);
            for p in &mut all {
                p.message = format!("at sweep point {label}: {}", p.message);
            }
            Err(all)
        }
    };
    point
}

/// The scenario's simulation at one point, walker by walker when phases
/// govern some steps, in the scenario's mode otherwise; no hitting times.
fn simulate_point(
    scenario: &Scenario,
    sweep: &Sweep,
    chain: &Chain,
    initial: &DVector<f64>,
    stretches: &[Stretch],
) -> Simulated {
    let settings = scenario.simulation;
    let horizon = scenario.horizon;
    let simulation = if stretches.is_empty() {
        let request = crate::simulate::Request {
            horizon,
            walkers: settings.walkers,
            seed: settings.seed,
            mode: settings.mode,
            targets: &[],
        };
        crate::simulate::run(chain.matrix(), initial, &request, &|_| {})
    } else {
        let matrices: Vec<_> = stretches
            .iter()
            .map(|s| (s.from, s.to, s.chain.matrix()))
            .collect();
        crate::simulate::phased::simulate_phased(
            chain.matrix(),
            &matrices,
            initial,
            horizon,
            settings.walkers,
            settings.seed,
            &|_| {},
        )
    };
    let exact = phased_trajectory(chain, stretches, initial, horizon);
    let agreement = crate::simulate::agreement(&simulation, &exact, &[]);
    let metrics = sweep
        .metrics
        .iter()
        .map(|m| match m {
            Metric::Occupancy(set, t) if (*t as usize) <= horizon => {
                let at = simulation.occupancy(*t as usize);
                Some(set.iter().map(|&i| at[i]).sum())
            }
            _ => None,
        })
        .collect();
    Simulated {
        metrics,
        max_abs_z: agreement.max_abs_z,
    }
}
