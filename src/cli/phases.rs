//! A run of a scenario with phases: the exact trajectory, the far steps and
//! the simulation follow them.

use verchain::analysis::Exact;
use verchain::scenario::Scenario;
use verchain::simulate::{self, Mode, Simulation};
use verchain::sweep;

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
