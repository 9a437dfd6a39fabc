//! A run of a scenario with phases: the exact trajectory and the far steps
//! follow them, and the simulation, which does not yet, is left out with a
//! note rather than shown against a trajectory it did not follow.

use verchain::analysis::Exact;
use verchain::scenario::Scenario;
use verchain::sweep;

/// Replaces the base chain's trajectory and far steps by those under the
/// phases, and turns the simulation off with a note; does nothing without
/// phases.
pub fn follow(scenario: &mut Scenario, exact: &mut Exact, quiet: bool) {
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
    if scenario.simulation.walkers > 0 {
        scenario.simulation.walkers = 0;
        if !quiet {
            eprintln!(
                "note: the simulation does not follow phases yet, so it is off for this scenario; \
                 the exact trajectory follows them"
            );
        }
    }
}
