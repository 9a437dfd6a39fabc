//! `report.md`: a run's results as a page a reviewer reads in a pull
//! request, rendered by GitHub or GitLab.
//!
//! The page stands on its own, without the scenario file: the scenario's
//! name, description and unit; the chain as a Mermaid state diagram and a
//! heatmap; where versions are after the horizon and where they settle, in
//! sentences and tables; the time to each target; absorption; convergence;
//! the charts, linked by relative paths to the SVG files beside it; and how
//! the numbers were computed (the seed, the generator, verchain's version).
//! Like the rest of `report`, it formats numbers the run computed and
//! computes none.

use crate::words::count;
use std::fmt::Write;

use super::export::{Model, mermaid};
use super::fate::SolverSummary;
use super::fate_table::{mixing, number, quantile, steps};
use super::summary::Summary;
use crate::analysis::hitting::QuantileStatus;

/// Chains up to this many states get a Mermaid diagram; larger ones are
/// past what a diagram in a page shows legibly (and past Mermaid's default
/// limit on edges), so the page points to `verchain export` instead.
const MAX_DIAGRAM_STATES: usize = 30;
/// The occupancy table lists at most this many states (the largest shares).
const MAX_TABLE_STATES: usize = 30;

/// A state name as inline code, safe inside a table cell.
fn code(name: &str) -> String {
    format!("`{}`", name.replace('`', "'").replace('|', "\\|"))
}

/// A share as a percentage for a sentence: one decimal, `<0.1%` for a share
/// that is positive but smaller.
fn percent(share: f64) -> String {
    match share {
        s if s > 0.0 && s < 0.0005 => "<0.1%".to_string(),
        s => format!("{:.1}%", 100.0 * s),
    }
}

/// A residual: `0`, or two significant digits in scientific notation.
fn residual(r: f64) -> String {
    match r {
        0.0 => "0".to_string(),
        r => format!("{r:.1e}"),
    }
}

/// A share for a table: four decimals, or two significant digits where
/// four decimals would show a positive share as 0.
fn share(p: f64) -> String {
    match p {
        p if p > 0.0 && p < 5e-5 => format!("{p:.1e}"),
        p => format!("{p:.4}"),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn sentence_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Renders the whole page.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    heading(summary, &mut out);
    chain(summary, &mut out);
    occupancy(summary, &mut out);
    settle(summary, &mut out);
    targets(summary, &mut out);
    absorption(summary, &mut out);
    convergence(summary, &mut out);
    method(summary, &mut out);
    out
}

fn heading(s: &Summary, out: &mut String) {
    let _ = writeln!(out, "# {}\n", s.scenario);
    if let Some(description) = &s.description {
        let _ = writeln!(out, "{}\n", description.trim());
    }
    let _ = writeln!(
        out,
        "A Markov chain of {}; one step is one {}, and versions are followed for {}. \
         Rows of the transition matrix T are \"from\" states, and a distribution over the \
         states is a row vector: S<sub>t+1</sub> = S<sub>t</sub> · T.\n",
        count(s.states.len() as u64, "state"),
        s.unit,
        count(s.horizon as u64, &s.unit)
    );
    if !s.parameters.is_empty() {
        out.push_str("| parameter | value | range | meaning |\n| --- | ---: | --- | --- |\n");
        for p in &s.parameters {
            let range = p
                .range
                .map_or(String::new(), |(lo, hi)| format!("[{lo}, {hi}]"));
            let meaning = p.description.as_deref().unwrap_or("").replace('|', "\\|");
            let _ = writeln!(
                out,
                "| {} | {} | {range} | {meaning} |",
                code(&p.name),
                p.value
            );
        }
        out.push('\n');
    }
}

fn chain(s: &Summary, out: &mut String) {
    out.push_str("## The chain\n\n");
    if s.states.len() <= MAX_DIAGRAM_STATES {
        let model = Model::of_summary(s);
        let _ = writeln!(out, "```mermaid\n{}```\n", mermaid(&model));
        let _ = writeln!(
            out,
            "Each arrow is a move with its probability per {}; a double circle is an absorbing \
             state (it keeps every version it gets), a bold outline a state where versions start.\n",
            s.unit
        );
    } else {
        let _ = writeln!(
            out,
            "With {} states the chain is too large for a diagram here; \
             `verchain export FILE --to dot` writes one for Graphviz.\n",
            s.states.len()
        );
    }
    out.push_str("![The transition matrix T as a heatmap](matrix.svg)\n\n");
    let start: Vec<String> = s
        .states
        .iter()
        .zip(&s.initial)
        .filter(|&(_, &p)| p > 0.0)
        .map(|(state, &p)| match p {
            1.0 => code(state),
            p => format!("{} ({})", code(state), percent(p)),
        })
        .collect();
    let _ = writeln!(out, "Versions start in {}.\n", sentence_list(&start));
}

fn occupancy(s: &Summary, out: &mut String) {
    let h = s.horizon;
    let _ = writeln!(
        out,
        "## Where versions are after {}\n",
        count(h as u64, &s.unit)
    );
    let last = &s.exact.trajectory[h];
    let mut order: Vec<usize> = (0..s.states.len()).collect();
    order.sort_by(|&a, &b| last[b].total_cmp(&last[a]).then(a.cmp(&b)));
    let most: Vec<String> = order
        .iter()
        .take(3)
        .filter(|&&i| last[i] >= 0.01)
        .enumerate()
        .map(|(k, &i)| match k {
            0 => format!(
                "{} of versions are in {}",
                percent(last[i]),
                code(&s.states[i])
            ),
            _ => format!("{} in {}", percent(last[i]), code(&s.states[i])),
        })
        .collect();
    if !most.is_empty() {
        let _ = writeln!(
            out,
            "After {}, {}.\n",
            count(h as u64, &s.unit),
            sentence_list(&most)
        );
    }
    let middle = h / 2;
    let _ = write!(
        out,
        "| state | start | {} {middle} | {} {h} (exact) |",
        s.unit, s.unit
    );
    match &s.simulation {
        Some(_) => {
            out.push_str(" simulated | 95% interval |\n| --- | ---: | ---: | ---: | ---: | --- |\n")
        }
        None => out.push_str("\n| --- | ---: | ---: | ---: |\n"),
    }
    for &i in order.iter().take(MAX_TABLE_STATES) {
        let _ = write!(
            out,
            "| {} | {} | {} | {} |",
            code(&s.states[i]),
            share(s.exact.trajectory[0][i]),
            share(s.exact.trajectory[middle][i]),
            share(last[i])
        );
        if let Some(sim) = &s.simulation {
            let _ = write!(
                out,
                " {} | [{}, {}] |",
                share(sim.occupancy[h][i]),
                share(sim.wilson_lower[h][i]),
                share(sim.wilson_upper[h][i])
            );
        }
        out.push('\n');
    }
    if s.states.len() > MAX_TABLE_STATES {
        let _ = writeln!(
            out,
            "\nThe {} states with the largest shares are shown; every state is in `trajectory.csv`.",
            MAX_TABLE_STATES
        );
    }
    out.push_str("\n![Where versions are, step by step](occupancy.svg)\n\n");
    for at in &s.exact.at {
        let mut top: Vec<(usize, f64)> = at.distribution.iter().copied().enumerate().collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let shares: Vec<String> = top
            .iter()
            .take(3)
            .map(|&(i, p)| format!("{} {}", code(&s.states[i]), percent(p)))
            .collect();
        let _ = writeln!(out, "At {} {}: {}.\n", s.unit, at.t, shares.join(", "));
    }
}

fn settle(s: &Summary, out: &mut String) {
    out.push_str("## Where versions settle\n\n");
    let closed: Vec<_> = s.structure.classes.iter().filter(|c| c.closed).collect();
    let period = |p: Option<u64>| match p {
        Some(1) | None => "aperiodic".to_string(),
        Some(d) => format!("periodic with period {d}"),
    };
    if s.structure.irreducible {
        let _ = writeln!(
            out,
            "Every state can reach every other (the chain is irreducible and {}), so versions \
             settle into one distribution whatever the start.\n",
            period(closed[0].period)
        );
    } else {
        let classes: Vec<String> = closed
            .iter()
            .map(|c| match c.states.as_slice() {
                [one] if s.structure.absorbing.contains(one) => {
                    format!("{} (absorbing)", code(one))
                }
                states => {
                    let names: Vec<String> = states.iter().map(|n| code(n)).collect();
                    format!("{{{}}} ({})", names.join(", "), period(c.period))
                }
            })
            .collect();
        let transient: Vec<String> = s.structure.transient.iter().map(|n| code(n)).collect();
        let _ = writeln!(
            out,
            "Versions leave {} for good; they settle in {}: {}.\n",
            sentence_list(&transient),
            match closed.len() {
                1 => "one closed class".to_string(),
                k => format!("{k} closed classes"),
            },
            sentence_list(&classes)
        );
    }
    out.push_str("| state | long-run share from the start | mean recurrence time |\n");
    out.push_str("| --- | ---: | ---: |\n");
    for (i, state) in s.states.iter().enumerate() {
        let recurrence = s.passage.mean_recurrence[i].map_or("– (transient)".to_string(), |r| {
            format!("{} {}s", number(r), s.unit)
        });
        let _ = writeln!(
            out,
            "| {} | {:.4} | {recurrence} |",
            code(state),
            s.limit[i]
        );
    }
    out.push_str("\n![Where versions settle](stationary.svg)\n\n");
}

fn targets(s: &Summary, out: &mut String) {
    if s.hitting.is_empty() {
        return;
    }
    let unit = &s.unit;
    out.push_str("## Time to each target\n\n");
    for h in &s.hitting {
        let f = &h.from_initial;
        let mut sentence = format!(
            "{} of versions ever reach {}",
            percent(f.probability),
            code(&h.target)
        );
        if let Some(r) = f.expected_steps_if_reached {
            let _ = write!(
                sentence,
                ", after {} {unit}s on average when they do",
                steps(Some(r))
            );
        }
        let reached = |k: usize| {
            let q = f.quantiles.get(k)?;
            (q.status == QuantileStatus::Reached)
                .then_some(q.steps)
                .flatten()
        };
        if let Some(median) = reached(0) {
            let _ = write!(
                sentence,
                "; half of all versions have reached it by {unit} {median}"
            );
        }
        if let (Some(_), Some(ninety)) = (reached(0), reached(1)) {
            let _ = write!(sentence, ", 90% by {unit} {ninety}");
        }
        let _ = writeln!(out, "{sentence}.\n");
    }
    let _ = writeln!(
        out,
        "| target | probability of reaching | expected {unit}s | if reached | median | 90% | 99% |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for h in &s.hitting {
        let f = &h.from_initial;
        let q: Vec<String> = f.quantiles.iter().map(quantile).collect();
        let q = |k: usize| q.get(k).cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {:.4} | {} | {} | {} | {} | {} |",
            code(&h.target),
            f.probability,
            steps(f.expected_steps),
            steps(f.expected_steps_if_reached),
            q(0),
            q(1),
            q(2)
        );
    }
    let _ = writeln!(
        out,
        "\nFrom the start distribution; `infinite` when the target may be missed, `never` when \
         too few versions ever reach it for that percentile, `beyond` when it is reached later \
         than verchain follows. Every start state is in `summary.json` and `hitting.csv`.\n"
    );
    out.push_str("![Share of versions that have reached each target](hitting.svg)\n\n");
}

fn absorption(s: &Summary, out: &mut String) {
    let Some(a) = &s.absorbing else {
        return;
    };
    let unit = &s.unit;
    out.push_str("## Absorption\n\n");
    let classes: Vec<String> = a
        .closed_classes
        .iter()
        .map(|c| match c.as_slice() {
            [one] => code(one),
            many => format!(
                "{{{}}}",
                many.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect();
    let start = s.initial.iter().position(|&p| p == 1.0);
    if let Some(k) = start.and_then(|i| a.transient.iter().position(|t| *t == s.states[i])) {
        let ends: Vec<String> = a.probabilities[k]
            .iter()
            .zip(&classes)
            .filter(|&(&p, _)| p > 0.0)
            .map(|(&p, c)| format!("in {c} with probability {p:.4}"))
            .collect();
        let fate = match ends.as_slice() {
            [one] if a.probabilities[k].contains(&1.0) => {
                format!(
                    "it always ends {}",
                    one.split(" with").next().unwrap_or(one)
                )
            }
            _ => format!("it ends {}", sentence_list(&ends)),
        };
        let _ = writeln!(
            out,
            "A version starting in {} spends {} {unit}s on average (standard deviation {}) in \
             transient states before it settles; {fate}.\n",
            code(&a.transient[k]),
            number(a.expected_steps[k]),
            number(a.variance_steps[k].sqrt()),
        );
    }
    let _ = write!(
        out,
        "| from | expected {unit}s before settling | standard deviation |"
    );
    for c in &classes {
        let _ = write!(out, " ends in {c} |");
    }
    out.push_str("\n| --- | ---: | ---: |");
    out.push_str(&" ---: |".repeat(classes.len()));
    out.push('\n');
    for (k, state) in a.transient.iter().enumerate() {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            code(state),
            number(a.expected_steps[k]),
            number(a.variance_steps[k].sqrt())
        );
        for p in &a.probabilities[k] {
            let _ = write!(out, " {p:.4} |");
        }
        out.push('\n');
    }
    out.push('\n');
}

fn convergence(s: &Summary, out: &mut String) {
    let c = &s.convergence;
    out.push_str("## How fast versions settle\n\n");
    let _ = write!(
        out,
        "The distance to the long-run distribution (total variation) falls to ε = {} after {} \
         from the start, and after {} from the worst single start state.",
        c.epsilon,
        mixing(c.mixing_time, &s.unit),
        mixing(c.mixing_time_worst_start, &s.unit)
    );
    for slem in c
        .slem
        .iter()
        .filter(|x| x.slem.is_some() && x.class.len() > 1)
    {
        let names: Vec<String> = slem.class.iter().map(|n| code(n)).collect();
        let _ = write!(
            out,
            " Within {{{}}} the second largest eigenvalue modulus is {:.4} (spectral gap {:.4}).",
            names.join(", "),
            slem.slem.unwrap_or(f64::NAN),
            slem.spectral_gap.unwrap_or(f64::NAN)
        );
    }
    out.push_str("\n\n![Distance to the long-run distribution by step](convergence.svg)\n\n");
}

fn method(s: &Summary, out: &mut String) {
    out.push_str("## How the numbers were computed\n\n");
    let _ = writeln!(
        out,
        "- **Exact**: S<sub>t</sub> by successive products S<sub>t</sub> · T; classes by \
         Tarjan's algorithm; stationary distributions by the GTH algorithm (Grassmann, Taksar \
         and Heyman, 1985), largest residual ‖πT − π‖₁ = {}; absorption and hitting times \
         by state reduction without subtraction; mixing times from powers of T.",
        residual(s.stationary_residuals.iter().copied().fold(0.0, f64::max))
    );
    if let Some(a) = &s.absorbing
        && let SolverSummary::Gmres { products } = a.solver
    {
        let _ = writeln!(
            out,
            "- **Absorption** of this large chain: GMRES (Saad and Schultz, 1986), {products} \
             products with Q, kept because an a-posteriori bound certifies every probability \
             and expected time to a relative error of 1e-12; residual {}.",
            residual(a.residual)
        );
    }
    match &s.simulation {
        Some(sim) => {
            let verdict = match sim.max_abs_z < 5.0 {
                true => "within sampling error",
                false => "more than sampling error explains",
            };
            let _ = writeln!(
                out,
                "- **Monte Carlo**: {} simulated versions, seed {}, {} mode; {}; rand {}, \
                 rand_distr {}, chacha20 {}. Largest |z| against the exact occupancy: {:.2} \
                 ({} {}, {}): {verdict}. Final occupancy: {}.",
                sim.walkers,
                sim.seed,
                sim.mode,
                sim.generator,
                sim.crates.rand,
                sim.crates.rand_distr,
                sim.crates.chacha20,
                sim.max_abs_z,
                s.unit,
                sim.max_abs_z_step,
                code(&sim.max_abs_z_state),
                super::table::chi_square_line(&sim.final_chi_square).replace("chi²", "χ²")
            );
        }
        None => out.push_str("- **Monte Carlo**: not run (walkers: 0).\n"),
    }
    let _ = writeln!(
        out,
        "- verchain {}. Every number on this page is in `summary.json`; the tables are in \
         `trajectory.csv`, `convergence.csv`{}.",
        s.verchain_version,
        if s.hitting.is_empty() {
            ""
        } else {
            " and `hitting.csv`"
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_percentages_never_show_a_possible_state_as_zero() {
        assert_eq!(share(0.0), "0.0000");
        assert_eq!(share(2.2e-7), "2.2e-7");
        assert_eq!(share(0.37229), "0.3723");
        assert_eq!(percent(0.0003), "<0.1%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(0.9416), "94.2%");
        assert_eq!(residual(0.0), "0");
        assert_eq!(residual(1.11e-16), "1.1e-16");
    }

    #[test]
    fn names_are_code_that_cannot_break_a_table() {
        assert_eq!(code("canary_aborted"), "`canary_aborted`");
        assert_eq!(code("a|b`c"), "`a\\|b'c`");
        let items = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>();
        assert_eq!(sentence_list(&items(1)), "0");
        assert_eq!(sentence_list(&items(2)), "0 and 1");
        assert_eq!(sentence_list(&items(3)), "0, 1 and 2");
    }

    #[test]
    fn a_large_chain_gets_no_diagram_and_a_capped_table() {
        let n = 40;
        let states: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
        let rows: Vec<String> = (0..n)
            .map(|i| format!("  s{i}: {{s{}: 1}}", (i + 1) % n))
            .collect();
        let text = format!(
            "states: [{}]\ntransitions:\n{}\nhorizon: 3\nsimulation: {{walkers: 0}}\n",
            states.join(", "),
            rows.join("\n")
        );
        let scenario = crate::scenario::Scenario::parse(&text, "ring").unwrap();
        let exact = crate::analysis::analyze(&scenario.chain, &scenario.initial, 3, &[]);
        let report = render(&Summary::new(&scenario, &exact, None));
        assert!(!report.contains("```mermaid"));
        assert!(report.contains("--to dot"));
        let occupancy_rows = report
            .split("## Where versions are")
            .nth(1)
            .and_then(|section| section.split("\n## ").next())
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("| `s"))
            .count();
        assert_eq!(occupancy_rows, MAX_TABLE_STATES);
        // A ring of 40 states is periodic: it is said so.
        assert!(report.contains("periodic with period 40"), "{report}");
    }
}
