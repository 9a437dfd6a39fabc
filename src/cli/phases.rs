//! What a run adds for the what-if parts of a scenario: the exact
//! trajectory, the far steps and the simulation follow the phases, and the
//! expectations are checked at the base scenario.

use verchain::analysis::Exact;
use verchain::report::summary::ExpectationSummary;
use verchain::scenario::Scenario;
use verchain::simulate::{self, Mode, Simulation};
use verchain::sweep;
use verchain::sweep::expect::Verdict;

use super::progress::Progress;

/// Replaces the base chain's trajectory and far steps by those under the
/// phases; does nothing without phases.
pub fn follow(scenario: &Scenario, exact: &mut Exact) {
    let phases = &scenario.whatif.phases;
    if phases.is_empty() {
        return;
    }
    let stretches = sweep::stretches(phases);
    exact.trajectory = sweep::phased_trajectory(
        &scenario.chain,
        &stretches,
        &scenario.initial,
        scenario.horizon,
    );
    for (t, distribution) in &mut exact.at {
        *distribution =
            sweep::phased_distribution_at(&scenario.chain, &stretches, &scenario.initial, *t);
    }
}

/// The scenario's expectations at the base scenario, following its phases.
pub fn expectations(scenario: &Scenario) -> Vec<ExpectationSummary> {
    if scenario.whatif.expectations.is_empty() {
        return Vec::new();
    }
    let evaluation = sweep::evaluate_base(scenario, &[]);
    scenario
        .whatif
        .expectations
        .iter()
        .zip(evaluation.verdicts)
        .map(|(e, verdict)| {
            let (holds, value, reason) = match verdict {
                Verdict::Holds(v) => (Some(true), Some(v), None),
                Verdict::Fails(v) => (Some(false), Some(v), None),
                Verdict::Undefined(reason) => (None, None, Some(reason)),
                Verdict::NotApplicable => (None, None, None),
            };
            ExpectationSummary {
                expectation: e.expectation.text.clone(),
                holds,
                value: value.filter(|v| v.is_finite()),
                reason,
            }
        })
        .collect()
}

/// Walker-steps above which the run says how long it will take.
const LONG_SIMULATION_STEPS: u64 = 20_000_000_000;

/// The simulation under the phases, walker by walker, unless `walkers` is 0.
/// Hitting times are not simulated here (the exact ones are the base
/// policy's).
pub fn simulate(scenario: &Scenario, quiet: bool) -> Option<Simulation> {
    let walkers = scenario.simulation.walkers;
    if walkers == 0 {
        return None;
    }
    let steps = walkers.saturating_mul(scenario.horizon as u64 + 1);
    if !quiet {
        if scenario.simulation.mode == Mode::Counts {
            eprintln!(
                "note: counts mode does not follow phases; the walkers are followed one by one"
            );
        }
        if steps > LONG_SIMULATION_STEPS {
            let minutes = steps as f64 / 2e8 / 60.0;
            eprintln!(
                "note: {walkers} walkers × {} steps is about {minutes:.0} minutes of work; \
                 --walkers sets fewer, 0 skips the simulation",
                scenario.horizon
            );
        }
    }
    let progress = Progress::new(walkers, steps, quiet);
    let matrices: Vec<_> = scenario
        .whatif
        .phases
        .iter()
        .map(|p| (p.from, p.to, p.chain.matrix()))
        .collect();
    let simulation = simulate::phased::simulate_phased(
        scenario.chain.matrix(),
        &matrices,
        &scenario.initial,
        scenario.horizon,
        walkers,
        scenario.simulation.seed,
        &|done| progress.advance(done),
    );
    progress.finish();
    Some(simulation)
}
