//! Reading `phases`: stretches of steps under their own transitions,
//! each checked like the base chain.

use super::{Base, MAX_HORIZON, Phase, Template};
use crate::scenario::Problem;
use crate::scenario::build::{Problems, unknown_key, whole_number};
use crate::scenario::yaml::{Node, Value};

const PHASE_KEYS: [&str; 5] = ["name", "from", "to", "parameters", "transitions"];

pub(super) fn read_phases(
    node: &Node,
    base: &Base,
    template: &Template,
    problems: &mut Problems,
) -> Vec<Phase> {
    let Value::Sequence(items) = &node.value else {
        problems.wrong_kind(
            node,
            "phases",
            "a list of phases, each with `from`, `to` and `transitions` or `parameters`",
        );
        return Vec::new();
    };
    let mut phases: Vec<Phase> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(phase) = phase(item, index, base, template, problems) else {
            continue;
        };
        if phases.iter().any(|p| p.name == phase.name) {
            problems.push(
                Problem::new(
                    item.position,
                    format!("two phases are named `{}`", phase.name),
                )
                .help("give each phase a name of its own: the report and the charts name them"),
            );
            continue;
        }
        if let Some(other) = phases
            .iter()
            .find(|p| p.from <= phase.to && phase.from <= p.to)
        {
            problems.push(
                Problem::new(
                    item.position,
                    format!(
                        "phase `{}` (steps {} to {}) overlaps phase `{}` (steps {} to {})",
                        phase.name, phase.from, phase.to, other.name, other.from, other.to
                    ),
                )
                .help("each step follows one policy: make the phases' steps disjoint"),
            );
            continue;
        }
        phases.push(phase);
    }
    phases.sort_by_key(|p| p.from);
    phases
}

fn phase(
    item: &Node,
    index: usize,
    base: &Base,
    template: &Template,
    problems: &mut Problems,
) -> Option<Phase> {
    let Value::Mapping(entries) = &item.value else {
        problems.wrong_kind(
            item,
            "a phase",
            "a mapping with `from`, `to` and `transitions` or `parameters`",
        );
        return None;
    };
    let before = problems.0.len();
    let (mut name, mut from, mut to) = (format!("phase {}", index + 1), None, None);
    let (mut overrides, mut replaced) = (Vec::new(), Vec::new());
    for (key, value) in entries {
        match key.as_str() {
            Some("name") => match value.as_str() {
                Some(n) => name = n.to_string(),
                None => problems.wrong_kind(value, "phase name", "a string"),
            },
            Some("from") => from = whole_number(value, "from", MAX_HORIZON as u64, problems),
            Some("to") => to = whole_number(value, "to", MAX_HORIZON as u64, problems),
            Some("parameters") => overrides = phase_parameters(value, base, problems),
            Some("transitions") if base.from_list => problems.push(
                Problem::new(key.position, "a phase can replace rows only of a scenario written with `transitions`")
                    .help("write the base scenario's rows under `transitions`, or change the phase through `parameters`"),
            ),
            Some("transitions") => match &value.value {
                Value::Mapping(rows) => replaced.clone_from(rows),
                _ => problems.wrong_kind(value, "phase transitions", "a mapping from states to their rows"),
            },
            _ => unknown_key(key, &format!("phase `{name}`"), &PHASE_KEYS, problems),
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        if problems.0.len() == before {
            problems.push(
                Problem::new(
                    item.position,
                    format!("phase `{name}` needs `from` and `to`"),
                )
                .help("the phase governs the moves out of steps `from` to `to`, both included"),
            );
        }
        return None;
    };
    if from > to {
        problems.push(Problem::new(
            item.position,
            format!("phase `{name}`: `from` ({from}) is after `to` ({to})"),
        ));
    }
    // The rows are checked even after a problem above (a refused parameter
    // is left at its base value), so that every problem is shown at once.
    let problems_before_rows = problems.0.len();
    match template.evaluate(&overrides, &replaced) {
        Ok(_) if problems_before_rows != before => None,
        Ok((chain, _)) => Some(Phase {
            name,
            from,
            to,
            chain,
            parameters: overrides,
            replaced,
            position: item.position,
        }),
        Err(found) => {
            for mut problem in found {
                problem.message = format!("in phase `{name}`: {}", problem.message);
                problems.push(problem);
            }
            None
        }
    }
}

fn phase_parameters(node: &Node, base: &Base, problems: &mut Problems) -> Vec<(String, f64)> {
    let Value::Mapping(entries) = &node.value else {
        problems.wrong_kind(
            node,
            "phase parameters",
            "a mapping of parameters to values",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let name = key.as_str().unwrap_or_default();
        let Some(parameter) = base.parameters.iter().find(|p| p.name == name) else {
            let names: Vec<&str> = base.parameters.iter().map(|p| p.name.as_str()).collect();
            problems.push(
                Problem::new(
                    key.position,
                    format!("phase sets `{name}`, which is not a parameter"),
                )
                .help(format!("the parameters are: {}", names.join(", "))),
            );
            continue;
        };
        match value.as_number().filter(|v| v.is_finite()) {
            Some(v)
                if parameter
                    .range
                    .is_none_or(|(lo, hi)| (lo..=hi).contains(&v)) =>
            {
                out.push((name.to_string(), v))
            }
            Some(v) => {
                let (lo, hi) = parameter.range.unwrap_or_default();
                problems.push(
                    Problem::new(
                        value.position,
                        format!("phase sets `{name}` to {v}, outside its range [{lo}, {hi}]"),
                    )
                    .label("out of range"),
                );
            }
            None => problems.wrong_scalar(value, &format!("phase parameter `{name}`"), "a number"),
        }
    }
    out
}
