//! The fit as a person reads it on a terminal: what was read and cleaned,
//! the fitted rows with their counts and intervals, holding times, the
//! comparison with the policy and the test of drift.

use std::fmt::Write;

use crate::fit::{FitSummary, Semantics};
use crate::words::{count, count_as};

/// Renders the fit of `source` (compared with `policy`, when named).
pub fn render(summary: &FitSummary, source: &str, policy: Option<&str>) -> String {
    let mut out = String::new();
    let e = &summary.estimate;
    let _ = writeln!(
        out,
        "{source} · {} · {}",
        count(e.states.len() as u64, "state"),
        summary.semantics_description
    );
    cleaning(&mut out, summary);
    for warning in &summary.warnings {
        let _ = writeln!(out, "  warning: {warning}");
    }
    let censored = if summary.semantics == Semantics::Rows {
        // Consecutive rows are steps whether or not a version goes on.
        String::new()
    } else {
        format!(
            "; {} in flight at the end of the export (censored)",
            count(summary.censored_versions, "version")
        )
    };
    let _ = writeln!(
        out,
        "  {} from {} to {}, {} counted{censored}",
        count(summary.versions as u64, "version"),
        summary.first_time,
        summary.observed_to,
        count(
            summary.steps,
            if summary.semantics == Semantics::Jump {
                "move"
            } else {
                "step"
            }
        ),
    );
    if summary.collapsed > 0 {
        let _ = writeln!(
            out,
            "  {} inside one step and collapsed",
            count_as(summary.collapsed, "move fell", "moves fell")
        );
    }

    let method = if e.smoothing > 0.0 {
        format!("{} on the policy's moves", e.method())
    } else {
        e.method()
    };
    let _ = writeln!(out, "\nFitted transitions ({method}; {})", e.interval);
    let width = e
        .states
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "  {:<width$} {:>8}  {:<width$} {:>8}  {:>8}  95% interval",
        "from", "n", "to", "count", "estimate"
    );
    for row in &e.rows {
        if row.absorbing {
            let _ = writeln!(
                out,
                "  {:<width$} {:>8}  absorbing (declared; no exits observed)",
                row.state, row.total
            );
            continue;
        }
        let mut first = true;
        for (j, to) in e.states.iter().enumerate() {
            if row.counts[j] == 0 && row.probabilities[j] == 0.0 {
                continue;
            }
            let (from, n) = if first {
                (row.state.as_str(), row.total.to_string())
            } else {
                ("", String::new())
            };
            first = false;
            let _ = writeln!(
                out,
                "  {from:<width$} {n:>8}  {to:<width$} {:>8}  {:>8.4}  [{:.4}, {:.4}]",
                row.counts[j],
                row.probabilities[j],
                row.lower[j].unwrap_or(0.0),
                row.upper[j].unwrap_or(1.0)
            );
        }
    }

    if !summary.holding.is_empty() {
        let _ = writeln!(
            out,
            "\nHolding times ({}; quantiles by Kaplan–Meier, censored stays included)",
            summary.holding_unit
        );
        let _ = writeln!(
            out,
            "  {:<width$} {:>7} {:>8} {:>10} {:>10} {:>9} {:>9}",
            "state", "stays", "censored", "mean", "exp. mean", "median", "90%"
        );
        let show = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |x| format!("{x:.2}"));
        for h in summary
            .holding
            .iter()
            .filter(|h| h.completed + h.censored > 0)
        {
            let _ = writeln!(
                out,
                "  {:<width$} {:>7} {:>8} {:>10} {:>10} {:>9} {:>9}",
                h.state,
                h.completed,
                h.censored,
                show(h.mean_completed),
                show(h.mean_exponential),
                show(h.quantiles[2]),
                show(h.quantiles[4])
            );
        }
    }

    if let Some(c) = &summary.comparison {
        let _ = writeln!(
            out,
            "\nAgainst the policy {} ({})",
            policy.unwrap_or("declared"),
            c.basis
        );
        if c.forbidden.is_empty() && c.unseen.is_empty() && c.outside.is_empty() {
            let _ = writeln!(
                out,
                "  every move seen is allowed, every allowed move seen, every entry inside its interval"
            );
        }
        for f in &c.forbidden {
            let _ = writeln!(
                out,
                "  forbidden move observed: {} → {} ({})",
                f.from,
                f.to,
                count(f.count, "time")
            );
        }
        for u in &c.unseen {
            let _ = writeln!(
                out,
                "  allowed, never seen: {} → {} (declared {:.4}; {} out of {}, chance of none {:.2e})",
                u.from,
                u.to,
                u.declared,
                count(u.row_total, "step"),
                u.from,
                u.chance_of_none
            );
        }
        for o in &c.outside {
            let simultaneous = if o.beyond_simultaneous {
                "outside the simultaneous interval too"
            } else {
                "inside the simultaneous interval: worth a look, not a departure"
            };
            let _ = writeln!(
                out,
                "  outside its 95% interval: {} → {} declared {:.4}, fitted {:.4} [{:.4}, {:.4}] ({} of {}); {simultaneous} [{:.4}, {:.4}]",
                o.from,
                o.to,
                o.declared,
                o.estimate,
                o.lower,
                o.upper,
                o.count,
                o.row_total,
                o.simultaneous.0,
                o.simultaneous.1
            );
        }
        let _ = writeln!(
            out,
            "  verdict at family-wise 5%: {} entries compared, simultaneous (Bonferroni) intervals with z = {:.3}",
            c.entries_compared, c.simultaneous_z
        );
        let verdict = if c.agrees {
            "agrees with the policy"
        } else {
            "departs from the policy"
        };
        let _ = writeln!(out, "  => the history {verdict}");
    }

    if let Some(h) = &summary.homogeneity {
        let verdict = if h.drifted {
            "drifted"
        } else {
            "no evidence of drift"
        };
        let _ = writeln!(
            out,
            "\nHomogeneity before and after {}: G² = {:.2} on {} of freedom, p = {:.3e}: {verdict} (α = {})",
            h.split,
            h.statistic,
            count(h.degrees_of_freedom as u64, "degree"),
            h.p_value,
            h.alpha
        );
        let _ = writeln!(
            out,
            "  {} before, {} after",
            count(h.moves[0], "step"),
            count(h.moves[1], "step")
        );
        if h.rough {
            let _ = writeln!(
                out,
                "  few moves: many cells expect fewer than 5, so the χ² p-value is rough \
                 (Cochran's rule)"
            );
        }
        if h.drifted {
            for c in &h.largest_changes {
                let _ = writeln!(
                    out,
                    "  {} → {}: {:.1}% of {} before, {:.1}% of {} after (z = {:.2})",
                    c.from,
                    c.to,
                    100.0 * c.before,
                    c.totals[0],
                    100.0 * c.after,
                    c.totals[1],
                    c.z
                );
            }
        }
    } else if let Some(note) = &summary.homogeneity_note {
        let _ = writeln!(out, "\n{note}");
    }
    out
}

fn cleaning(out: &mut String, summary: &FitSummary) {
    let (notes, details) = cleaning_parts(summary);
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(": {}", notes.join(", "))
    };
    let _ = writeln!(
        out,
        "  {} read{notes}",
        count(summary.cleaning.rows_read, "row")
    );
    for detail in details {
        let _ = writeln!(out, "    {detail}");
    }
    if !summary.sources.is_empty() {
        let sources: Vec<String> = summary
            .sources
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let _ = writeln!(out, "  rows read by source: {}", sources.join(", "));
    }
}

/// What cleaning the rows did, for a report other than the table's (`check
/// --against`): "N rows read: what was dropped, sorted and reported", then a
/// line for the first conflicting `event_id` and one per `from_state`
/// mismatch shown. Empty when no row was dropped, sorted or reported.
pub fn cleaning_lines(summary: &FitSummary) -> Vec<String> {
    let (notes, details) = cleaning_parts(summary);
    if notes.is_empty() {
        // A detail is always of a row counted in a note.
        return Vec::new();
    }
    let mut lines = vec![format!(
        "{} read: {}",
        count(summary.cleaning.rows_read, "row"),
        notes.join(", ")
    )];
    lines.extend(details);
    lines
}

/// The notes on the rows read ("3 repeated event_ids (dropped)") and the
/// lines of detail under them.
fn cleaning_parts(summary: &FitSummary) -> (Vec<String>, Vec<String>) {
    let c = &summary.cleaning;
    let mut notes = Vec::new();
    // What happened to `n` rows: each phrase is said of one row and of many.
    let mut note = |n: u64, one: &str, many: &str| {
        if n > 0 {
            notes.push(count_as(n, one, many));
        }
    };
    note(
        c.duplicate_event_ids,
        "repeated event_id (dropped)",
        "repeated event_ids (dropped)",
    );
    note(
        c.duplicate_rows,
        "repeated row (dropped)",
        "repeated rows (dropped)",
    );
    // These are said of rows, one or many alike.
    for (n, what) in [
        (c.out_of_order, "out of time order (sorted)"),
        (c.after_observed_to, "after --observed-to (left out)"),
        (
            c.from_mismatches,
            "from_state disagreeing with the previous row",
        ),
        (summary.repeats, "repeating the current state (no move)"),
    ] {
        note(n, what, what);
    }
    if let Some(line) = c.first_simultaneous_line {
        notes.push(format!(
            "{} at the time of the row before (kept in file order; the first on line {line})",
            c.simultaneous
        ));
    }

    let mut details = Vec::new();
    if let Some(conflict) = &c.first_event_id_conflict {
        details.push(format!(
            "{} of them {} from the first row of the event_id (dropped all the same); the \
             first: event_id {:?} on lines {} and {}",
            c.conflicting_event_ids,
            if c.conflicting_event_ids == 1 {
                "differs"
            } else {
                "differ"
            },
            conflict.event_id,
            conflict.first_line,
            conflict.line
        ));
    }
    for m in &c.mismatch_examples {
        details.push(format!(
            "line {}: {} comes from_state {}, but its previous row is {}",
            m.line, m.version, m.declared, m.previous
        ));
    }
    (notes, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::{Request, fit};

    fn summary(text: &str) -> FitSummary {
        let request = Request {
            absorbing: vec!["c".to_string()],
            ..Request::default()
        };
        fit(text.as_bytes(), &request).unwrap()
    }

    #[test]
    fn cleaning_lines_are_the_tables_cleaning_and_nothing_when_clean() {
        let clean = summary("version_id,timestamp,to_state\nv1,1,a\nv1,2,b\nv1,3,c\n");
        assert!(cleaning_lines(&clean).is_empty());

        // e1 repeated with another state, a from_state that disagrees.
        let messy = summary(
            "event_id,version_id,timestamp,from_state,to_state\n\
             e1,v1,1,,a\ne1,v1,1,,b\ne2,v1,2,a,b\ne3,v1,3,a,c\n",
        );
        let lines = cleaning_lines(&messy);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].starts_with("4 rows read: 1 repeated event_id (dropped)"),
            "{lines:?}"
        );
        assert!(lines[0].contains("from_state disagreeing"), "{lines:?}");
        assert!(
            lines[1].contains("event_id \"e1\" on lines 2 and 3"),
            "{lines:?}"
        );
        assert_eq!(
            lines[2],
            "line 5: v1 comes from_state a, but its previous row is b"
        );
        // The table says the same, indented.
        let table = render(&messy, "messy.csv", None);
        for line in &lines[1..] {
            assert!(table.contains(&format!("\n    {line}\n")), "{table}");
        }
    }

    #[test]
    fn a_rough_drift_test_says_so() {
        // Three moves out of a before the middle of the period, three
        // after: every cell expects fewer than 5.
        let few = summary(
            "version_id,timestamp,to_state\n\
             v1,1,a\nv1,2,b\nv1,3,a\nv1,4,c\nv2,9,a\nv2,10,c\nv3,10,a\nv3,11,b\nv3,12,c\n",
        );
        let test = few.homogeneity.as_ref().unwrap();
        assert!(test.rough, "{test:?}");
        let table = render(&few, "few.csv", None);
        assert!(
            table.contains("few moves: many cells expect fewer than 5, so the χ² p-value is rough"),
            "{table}"
        );
    }
}
