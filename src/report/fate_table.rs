//! The terminal sections for time and fate: absorption, hitting times,
//! passage and recurrence, convergence.

use std::fmt::Write;

use super::fate::{SolverSummary, Steps};
use super::summary::Summary;
use super::table::set;
use crate::analysis::convergence::{MixingTime, RESOLVED_GAP};
use crate::analysis::hitting::{Quantile, QuantileStatus};
use crate::analysis::passage::MAX_PASSAGE_STATES;

/// Classes up to this size print their mean first passage matrix.
const MAX_PRINTED_PASSAGE: usize = 8;

/// Renders the four sections.
pub fn render(summary: &Summary, out: &mut String) {
    let unit = &summary.unit;
    let width = summary
        .states
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(9);

    if let Some(a) = &summary.absorbing {
        let _ = writeln!(
            out,
            "\nTransient states: time before settling into a closed class ({unit}s)"
        );
        if let SolverSummary::Gmres { products } = a.solver {
            let _ = writeln!(
                out,
                "  (GMRES, {products} products with Q, every entry certified to 1e-12; residual {:.1e})",
                a.residual
            );
        }
        let classes: Vec<String> = a.closed_classes.iter().map(|c| set(c)).collect();
        let _ = writeln!(
            out,
            "  {:width$}  {:>9}  {:>9}  ends in: {}",
            "from",
            "expected",
            "std dev",
            classes.join(" | ")
        );
        for (k, state) in a.transient.iter().enumerate() {
            let probabilities: Vec<String> = a.probabilities[k]
                .iter()
                .map(|p| format!("{p:.6}"))
                .collect();
            let _ = writeln!(
                out,
                "  {state:width$}  {:>9}  {:>9}  {}",
                number(a.expected_steps[k]),
                number(a.variance_steps[k].sqrt()),
                probabilities.join(" | ")
            );
        }
    }

    for h in &summary.hitting {
        let _ = writeln!(
            out,
            "\nReaching {} ({unit}s; the percentiles are of the time to reach it)",
            h.target
        );
        let _ = writeln!(
            out,
            "  {:width$}  {:>11}  {:>10}  {:>10}  {:>7}  {:>7}  {:>7}",
            "from", "probability", "expected", "if reached", "median", "90%", "99%"
        );
        let from = &h.from_initial;
        let mut line = |label: &str, p: f64, e: Option<Steps>, r: Option<Steps>, q: &[Quantile]| {
            let _ = writeln!(
                out,
                "  {label:width$}  {p:>11.6}  {:>10}  {:>10}  {:>7}  {:>7}  {:>7}",
                steps(e),
                steps(r),
                quantile(&q[0]),
                quantile(&q[1]),
                quantile(&q[2])
            );
        };
        line(
            "S_0",
            from.probability,
            from.expected_steps,
            from.expected_steps_if_reached,
            &from.quantiles,
        );
        for (i, state) in summary.states.iter().enumerate() {
            line(
                state,
                h.probability[i],
                h.expected_steps[i],
                h.expected_steps_if_reached[i],
                &h.quantiles[i],
            );
        }
    }

    let recurrence: Vec<String> = summary
        .states
        .iter()
        .zip(&summary.passage.mean_recurrence)
        .filter_map(|(s, r)| r.map(|r| format!("{s} {r:.4}")))
        .collect();
    let _ = writeln!(
        out,
        "\nMean recurrence times, 1/π ({unit}s): {}",
        recurrence.join("  ")
    );
    for class in summary
        .structure
        .classes
        .iter()
        .filter(|c| c.closed && c.states.len() > 1)
    {
        if class.states.len() > MAX_PASSAGE_STATES {
            let _ = writeln!(
                out,
                "  mean first passage times of {{{}…}}: not computed for a class of more than \
                 {MAX_PASSAGE_STATES} states",
                class.states[0]
            );
            continue;
        }
        if class.states.len() > MAX_PRINTED_PASSAGE {
            let _ = writeln!(
                out,
                "  mean first passage times of {{{}…}}: in summary.json",
                class.states[0]
            );
            continue;
        }
        let _ = writeln!(
            out,
            "Mean first passage times ({unit}s; row: from, column: to)"
        );
        let indices: Vec<usize> = class
            .states
            .iter()
            .filter_map(|s| summary.states.iter().position(|x| x == s))
            .collect();
        let _ = write!(out, "  {:width$}", "");
        for s in &class.states {
            let _ = write!(out, "  {s:>width$}");
        }
        let _ = writeln!(out);
        for (&i, from) in indices.iter().zip(&class.states) {
            let _ = write!(out, "  {from:width$}");
            for &j in &indices {
                match summary.passage.mean_first_passage[i][j] {
                    Some(m) => {
                        let _ = write!(out, "  {:>width$}", number(m));
                    }
                    None => {
                        let _ = write!(out, "  {:>width$}", "–");
                    }
                }
            }
            let _ = writeln!(out);
        }
    }

    let c = &summary.convergence;
    let _ = writeln!(
        out,
        "\nConvergence: mixing time (ε = {}) {} from S_0, {} from the worst start",
        c.epsilon,
        mixing(c.mixing_time, unit),
        mixing(c.mixing_time_worst_start, unit)
    );
    for s in &c.slem {
        let class = set(&s.class);
        match (s.slem, s.spectral_gap) {
            (Some(slem), Some(gap)) => {
                let _ = writeln!(
                    out,
                    "  {class}: SLEM {slem:.6}, spectral gap {} ({})",
                    number(gap),
                    s.note
                );
            }
            _ => {
                let _ = writeln!(out, "  {class}: SLEM {}", s.note);
            }
        }
        if !s.weakly_coupled_groups.is_empty() {
            let groups: Vec<String> = s.weakly_coupled_groups.iter().map(|g| set(g)).collect();
            let _ = writeln!(
                out,
                "  warning: nearly decomposable (spectral gap below 1e-3): convergence is slow, \
                 {} {unit}s per factor e; weakly coupled groups: {}",
                relaxation_shown(s.spectral_gap.unwrap_or(0.0)),
                groups.join(", ")
            );
        }
    }
}

/// The relaxation time `1 / gap`, the steps per factor e of the distance.
fn relaxation_shown(gap: f64) -> String {
    if gap < RESOLVED_GAP {
        format!("more than {:.0e}", 1.0 / RESOLVED_GAP)
    } else {
        format!("about {}", number(1.0 / gap))
    }
}

pub(super) fn steps(value: Option<Steps>) -> String {
    match value {
        Some(Steps::Finite(x)) => number(x),
        Some(Steps::Infinite(_)) => "infinite".to_string(),
        None => "–".to_string(),
    }
}

/// Four decimals, or scientific notation for numbers too large or small to
/// keep a column's width.
pub(super) fn number(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-3) {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

pub(super) fn quantile(q: &Quantile) -> String {
    match (q.status, q.steps) {
        (QuantileStatus::Reached, Some(t)) => t.to_string(),
        (QuantileStatus::Beyond, _) => "beyond".to_string(),
        _ => "never".to_string(),
    }
}

pub(super) fn mixing(time: MixingTime, unit: &str) -> String {
    match time {
        MixingTime::Reached(1) => format!("1 {unit}"),
        MixingTime::Reached(t) => format!("{t} {unit}s"),
        MixingTime::Never => "never (a periodic class keeps oscillating)".to_string(),
        MixingTime::Beyond(t) => format!("beyond {t} {unit}s"),
    }
}
