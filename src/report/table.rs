//! The summary a person reads in the terminal.
//!
//! Plain text, at most about 100 columns for a handful of states: the
//! occupancy at a few telling steps (exact beside simulated), `S_t` at the
//! requested far steps, the classes, where the chain settles, and how well the
//! simulation agrees with the exact answer.

use std::fmt::Write;

use super::summary::{ChiSquareSummary, Summary};

/// The steps shown in the occupancy table: all of them up to 10, otherwise
/// 0, 1, 2, 5, 10, 20, 50, … and the horizon.
pub fn shown_steps(horizon: usize) -> Vec<usize> {
    if horizon <= 10 {
        return (0..=horizon).collect();
    }
    let mut steps = vec![0];
    let mut decade = 1;
    'outer: loop {
        for factor in [1, 2, 5] {
            let step = factor * decade;
            if step >= horizon {
                break 'outer;
            }
            steps.push(step);
        }
        decade *= 10;
    }
    steps.push(horizon);
    steps
}

/// Renders the summary as text.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    let states = &summary.states;
    let width = states.iter().map(|s| s.len()).max().unwrap_or(0).max(8);
    let unit = &summary.unit;

    let _ = writeln!(
        out,
        "{} · {} · horizon {}",
        summary.scenario,
        crate::words::count(states.len() as u64, "state"),
        crate::words::count(summary.horizon as u64, unit)
    );
    if let Some(description) = &summary.description {
        let _ = writeln!(out, "{}", description.trim());
    }
    for phase in &summary.phases {
        let _ = writeln!(
            out,
            "phase {}: the moves out of {unit}s {} to {} follow its own transitions \
             (the occupancy follows it; the long-run results are the base policy's)",
            phase.name, phase.from, phase.to
        );
    }

    let _ = writeln!(out);
    match &summary.simulation {
        Some(sim) => {
            let _ = writeln!(
                out,
                "Where versions are: exact / simulated ({} walkers, seed {}, {} mode)",
                sim.walkers, sim.seed, sim.mode
            );
        }
        None => {
            let _ = writeln!(out, "Where versions are (exact)");
        }
    }
    let cell = if summary.simulation.is_some() { 17 } else { 8 };
    let cell = cell.max(width);
    let _ = write!(out, "{:>6}", unit);
    for state in states {
        let _ = write!(out, "  {state:>cell$}");
    }
    let _ = writeln!(out);
    for t in shown_steps(summary.horizon) {
        let _ = write!(out, "{t:>6}");
        for i in 0..states.len() {
            let exact = summary.exact.trajectory[t][i];
            let text = match &summary.simulation {
                Some(sim) => format!("{exact:.6} / {:.6}", sim.occupancy[t][i]),
                None => format!("{exact:.6}"),
            };
            let _ = write!(out, "  {text:>cell$}");
        }
        let _ = writeln!(out);
    }

    for at in &summary.exact.at {
        let _ = writeln!(out, "\nAt {unit} {} (exact, by repeated squaring)", at.t);
        let _ = writeln!(out, "{}", distribution_line(states, &at.distribution));
    }

    let _ = writeln!(out, "\nStructure");
    for class in &summary.structure.classes {
        let kind = if class.closed { "closed" } else { "transient" };
        let period = match class.period {
            Some(1) => "aperiodic".to_string(),
            Some(p) => format!("period {p}"),
            None => "on no cycle".to_string(),
        };
        let _ = writeln!(out, "  {}: {kind}, {period}", set(&class.states));
    }
    if !summary.structure.absorbing.is_empty() {
        let _ = writeln!(out, "  absorbing: {}", list(&summary.structure.absorbing));
    }

    let closed: Vec<_> = summary
        .structure
        .classes
        .iter()
        .filter(|c| c.closed)
        .collect();
    for ((class, pi), residual) in closed
        .iter()
        .zip(&summary.stationary)
        .zip(&summary.stationary_residuals)
    {
        let _ = writeln!(
            out,
            "\nStationary distribution of {} (GTH, residual ‖πT − π‖₁ = {residual:.1e})",
            set(&class.states)
        );
        let _ = writeln!(out, "{}", distribution_line(states, pi));
    }
    let _ = writeln!(
        out,
        "\nLong-run limit from S_0 (Cesàro average, residual {:.1e})",
        summary.limit_residual
    );
    let _ = writeln!(out, "{}", distribution_line(states, &summary.limit));

    super::fate_table::render(summary, &mut out);

    if !summary.expectations.is_empty() {
        let _ = writeln!(
            out,
            "\nExpectations (at the base scenario; `verchain check` also checks every phase and sweep point)"
        );
        for e in &summary.expectations {
            let verdict = match (e.holds, e.value, &e.reason) {
                (Some(true), Some(v), _) => format!("holds ({v:.6})"),
                (Some(false), Some(v), _) => format!("FAILS ({v:.6})"),
                // JSON holds no infinity: an infinite value comes as null.
                (Some(true), None, None) => "holds (infinite)".to_string(),
                (Some(false), None, None) => "FAILS (infinite)".to_string(),
                (_, _, Some(reason)) => format!("FAILS: {reason}"),
                (None, _, None) => "not checked here".to_string(),
            };
            let _ = writeln!(out, "  {}: {verdict}", e.expectation);
        }
    }

    if let Some(sim) = &summary.simulation {
        let verdict = if sim.max_abs_z < 5.0 {
            "within sampling error"
        } else {
            "larger than sampling error explains: check the scenario or report a bug"
        };
        let _ = writeln!(
            out,
            "\nMonte Carlo vs exact: largest |z| = {:.2} ({unit} {}, {}): {verdict}",
            sim.max_abs_z, sim.max_abs_z_step, sim.max_abs_z_state
        );
        let chi = &sim.final_chi_square;
        let disagree = if chi.disagreeing_states.is_empty() {
            String::new()
        } else {
            format!("; states that disagree: {}", list(&chi.disagreeing_states))
        };
        let _ = writeln!(out, "  final occupancy: {}{disagree}", chi_square_line(chi));
        for (h, exact) in sim.hitting.iter().zip(&summary.hitting) {
            let horizon = summary.horizon;
            let _ = writeln!(
                out,
                "  reaching {} by {unit} {horizon}: {:.6} simulated, {:.6} exact; \
                 largest CDF gap {:.2e}; {}",
                h.target,
                1.0 - h.not_reached,
                exact.from_initial.cdf[horizon],
                h.max_cdf_difference,
                chi_square_line(&h.chi_square)
            );
        }
        let _ = writeln!(
            out,
            "  {} walkers, seed {}, {} mode; rand {}, rand_distr {}, chacha20 {}",
            sim.walkers,
            sim.seed,
            sim.mode,
            sim.crates.rand,
            sim.crates.rand_distr,
            sim.crates.chacha20
        );
    }
    out
}

/// Names separated by commas; a long list is cut after its first ten.
pub(super) fn list(names: &[String]) -> String {
    const SHOWN: usize = 10;
    if names.len() <= SHOWN + 2 {
        names.join(", ")
    } else {
        format!("{}, … ({} in all)", names[..SHOWN].join(", "), names.len())
    }
}

/// A set of states as `{a, b}`, cut like [`list`].
pub(super) fn set(names: &[String]) -> String {
    format!("{{{}}}", list(names))
}

/// `  develop 0.000000  test 0.375154 …`
/// "chi² = 1.75 on 2 degrees of freedom, p = 0.419", or why there is no test.
pub(super) fn chi_square_line(chi: &ChiSquareSummary) -> String {
    match chi.p_value {
        Some(p) => format!(
            "chi² = {:.2} on {} of freedom, p = {p:.3}",
            chi.statistic,
            crate::words::count(chi.degrees_of_freedom as u64, "degree")
        ),
        None if chi.certain => "chi² not computed: the exact result is certain (all in one \
                                cell), so there is nothing to test"
            .to_string(),
        None => "chi² not computed: fewer than two cells expect 5 walkers or more \
                 (simulate more walkers)"
            .to_string(),
    }
}

fn distribution_line(states: &[String], values: &[f64]) -> String {
    states
        .iter()
        .zip(values)
        .map(|(s, v)| format!("  {s} {v:.6}"))
        .collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_steps_cover_start_and_horizon() {
        assert_eq!(shown_steps(0), vec![0]);
        assert_eq!(shown_steps(4), vec![0, 1, 2, 3, 4]);
        assert_eq!(shown_steps(20), vec![0, 1, 2, 5, 10, 20]);
        assert_eq!(shown_steps(75), vec![0, 1, 2, 5, 10, 20, 50, 75]);
        assert_eq!(shown_steps(100), vec![0, 1, 2, 5, 10, 20, 50, 100]);
    }
}
