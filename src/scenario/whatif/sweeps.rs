//! Reading `sweeps`: the values of each parameter and the metrics.

use std::collections::BTreeMap;

use super::{Axis, Base, MAX_AXIS_VALUES, MAX_SWEEP_POINTS, Sweep, inside};
use crate::scenario::build::{Problems, unknown_key, whole_number};
use crate::scenario::yaml::{Node, Value};
use crate::scenario::{Problem, Shown};
use crate::sweep::metric::{self, Metric};

const SWEEP_KEYS: [&str; 3] = ["parameters", "metrics", "simulate"];

pub(super) fn sweep(node: &Node, base: &Base, problems: &mut Problems) -> Option<Sweep> {
    let Value::Mapping(entries) = &node.value else {
        problems.wrong_kind(node, "sweeps", "a mapping with `parameters` and `metrics`");
        return None;
    };
    let (mut axes, mut metrics, mut ok) = (None, Vec::new(), true);
    let mut named = false;
    let mut simulate = false;
    for (key, value) in entries {
        match key.as_str() {
            Some("parameters") => {
                named = true;
                axes = sweep_axes(value, base, problems);
            }
            Some("metrics") => match sweep_metrics(value, base.states, problems) {
                Some(m) => metrics = m,
                None => ok = false,
            },
            Some("simulate") => match value.value {
                Value::Bool(b) => simulate = b,
                _ => {
                    problems.wrong_scalar(value, "sweeps.simulate", "true or false");
                    ok = false;
                }
            },
            _ => unknown_key(key, "sweeps", &SWEEP_KEYS, problems),
        }
    }
    let Some(axes) = axes else {
        // A `parameters` that was given but is wrong has its own problems.
        if !named {
            problems.push(
                Problem::new(node.position, "`sweeps` has no `parameters`").help(
                    "give the values of at least one parameter, e.g. `parameters: {p: [0.5, 0.6]}`",
                ),
            );
        }
        return None;
    };
    if metrics.is_empty() {
        metrics = metric::expand(Metric::Stationary(Vec::new()), base.states.len());
    }
    let points = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()));
    match points {
        Some(n) if n <= MAX_SWEEP_POINTS => {}
        _ => {
            problems.push(
                Problem::new(
                    node.position,
                    format!("the sweep has more than {MAX_SWEEP_POINTS} points"),
                )
                .help("take fewer values per parameter, or cut the grid into several scenarios"),
            );
            return None;
        }
    }
    ok.then_some(Sweep {
        axes,
        metrics,
        simulate,
        position: node.position,
    })
}

fn sweep_axes(node: &Node, base: &Base, problems: &mut Problems) -> Option<Vec<Axis>> {
    let Value::Mapping(entries) = &node.value else {
        problems.wrong_kind(
            node,
            "sweeps.parameters",
            "a mapping of parameters to their values",
        );
        return None;
    };
    let before = problems.0.len();
    let mut axes = Vec::new();
    for (key, value) in entries {
        let name = key.as_str().unwrap_or_default();
        let Some(parameter) = base.parameters.iter().find(|p| p.name == name) else {
            let names: Vec<&str> = base.parameters.iter().map(|p| p.name.as_str()).collect();
            let near = crate::scenario::expr::closest(name, names.iter().copied());
            problems.push(
                Problem::new(
                    key.position,
                    format!(
                        "`sweeps` names `{}`, which is not a parameter",
                        key.describe().trim_matches('"')
                    ),
                )
                .label(near.map_or("not in `parameters`".to_string(), |n| {
                    format!("did you mean `{n}`?")
                }))
                .help(if names.is_empty() {
                    "declare it under `parameters` first".to_string()
                } else {
                    format!("the parameters are: {}", names.join(", "))
                }),
            );
            continue;
        };
        let Some(values) = axis_values(value, name, problems) else {
            continue;
        };
        let (inside, excluded): (Vec<f64>, Vec<f64>) = values
            .into_iter()
            .partition(|v| parameter.range.is_none_or(|(lo, hi)| (lo..=hi).contains(v)));
        if inside.is_empty() {
            let (lo, hi) = parameter.range.unwrap_or_default();
            problems.push(
                Problem::new(
                    value.position,
                    format!(
                        "every value of `{name}` in `sweeps` lies outside its range [{lo}, {hi}]"
                    ),
                )
                .help("sweep values inside the range, or widen `range` if the policy allows it"),
            );
            continue;
        }
        axes.push(Axis {
            parameter: name.to_string(),
            values: inside,
            excluded,
            position: key.position,
        });
    }
    (problems.0.len() == before && !axes.is_empty()).then_some(axes)
}

/// `[v, ...]`, `{from, to, step}` or `{from, to, count, scale: log}`.
fn axis_values(node: &Node, name: &str, problems: &mut Problems) -> Option<Vec<f64>> {
    let key = format!("sweeps.parameters.{name}");
    match &node.value {
        Value::Sequence(items) if !items.is_empty() => {
            let values: Option<Vec<f64>> = items
                .iter()
                .map(|i| i.as_number().filter(|v| v.is_finite()))
                .collect();
            if values.is_none() {
                problems.wrong_kind(node, &key, "a list of numbers");
            }
            values
        }
        Value::Mapping(entries) => {
            let mut fields: BTreeMap<&str, &Node> = BTreeMap::new();
            for (k, v) in entries {
                match k.as_str() {
                    Some(f @ ("from" | "to" | "step" | "count" | "scale")) => {
                        fields.insert(f, v);
                    }
                    _ => unknown_key(
                        k,
                        &format!("`{key}`"),
                        &["from", "to", "step", "count", "scale"],
                        problems,
                    ),
                }
            }
            range_values(node, &key, &fields, problems)
        }
        _ => {
            problems.wrong_kind(
                node,
                &key,
                "a list of values, `{from, to, step}` or `{from, to, count, scale: log}`",
            );
            None
        }
    }
}

fn range_values(
    node: &Node,
    key: &str,
    fields: &BTreeMap<&str, &Node>,
    problems: &mut Problems,
) -> Option<Vec<f64>> {
    let number = |f: &str| {
        fields
            .get(f)
            .and_then(|n| n.as_number())
            .filter(|v| v.is_finite())
    };
    let bad = |problems: &mut Problems, message: String| {
        problems.push(Problem::new(node.position, format!("`{key}`: {message}")).help(
            "write `{from: 0.1, to: 0.5, step: 0.1}`, or `{from: 0.001, to: 0.1, count: 5, scale: log}` for log-spaced values",
        ));
        None
    };
    let (Some(from), Some(to)) = (number("from"), number("to")) else {
        return bad(problems, "needs numbers `from` and `to`".to_string());
    };
    if from > to {
        return bad(problems, format!("`from` ({from}) is above `to` ({to})"));
    }
    let log = match fields.get("scale").map(|n| n.as_str()) {
        None | Some(Some("linear")) => false,
        Some(Some("log")) => true,
        Some(_) => return bad(problems, "`scale` is `linear` or `log`".to_string()),
    };
    let count = match (fields.get("count"), number("step")) {
        (Some(c), None) => {
            whole_number(c, &format!("{key}.count"), MAX_AXIS_VALUES as u64, problems)? as usize
        }
        (None, Some(step)) if step > 0.0 && !log => {
            // (0.7 - 0.55) / 0.025 is 5.999999999999998 in floating point:
            // a count within rounding of a whole number is that number.
            let ratio = (to - from) / step;
            let steps = if (ratio - ratio.round()).abs() <= 1e-9 * ratio.max(1.0) {
                ratio.round()
            } else {
                ratio.floor()
            };
            if steps >= MAX_AXIS_VALUES as f64 {
                return bad(
                    problems,
                    format!("step {step} gives more than {MAX_AXIS_VALUES} values"),
                );
            }
            // Values from + k·step (not repeated addition, which drifts),
            // rounded to 12 significant digits so that 0.55 + 2 · 0.025
            // reads 0.6, not 0.6000000000000001.
            return Some(
                (0..=steps as usize)
                    .map(|k| tidy(from + k as f64 * step).min(to.max(from)))
                    .collect(),
            );
        }
        (None, Some(step)) if !log => {
            return bad(problems, format!("`step` is {}, not above 0", Shown(step)));
        }
        _ => {
            return bad(
                problems,
                "give either `step` (linear) or `count`".to_string(),
            );
        }
    };
    if count == 0 || (count == 1 && from != to) {
        return bad(
            problems,
            format!("`count` is {count}: give at least 2 values, or 1 with from = to"),
        );
    }
    if log && from <= 0.0 {
        return bad(
            problems,
            format!("log-spaced values need `from` above 0, not {from}"),
        );
    }
    let at = |k: usize| {
        let f = if count == 1 {
            0.0
        } else {
            k as f64 / (count - 1) as f64
        };
        match (k, log) {
            (0, _) => from,
            (k, _) if k + 1 == count => to,
            (_, true) => tidy((from.ln() + f * (to.ln() - from.ln())).exp()),
            (_, false) => tidy(from + f * (to - from)),
        }
    };
    Some((0..count).map(at).collect())
}

/// `x` rounded to 12 significant digits.
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

fn sweep_metrics(node: &Node, states: &[String], problems: &mut Problems) -> Option<Vec<Metric>> {
    let Value::Sequence(items) = &node.value else {
        problems.wrong_kind(
            node,
            "sweeps.metrics",
            "a list of metrics such as `stationary`",
        );
        return None;
    };
    let mut metrics = Vec::new();
    let mut ok = true;
    for item in items {
        let Some(text) = item.as_str() else {
            problems.wrong_kind(
                item,
                "an entry of `sweeps.metrics`",
                "a metric such as `stationary`",
            );
            ok = false;
            continue;
        };
        let parsed = metric::parse_whole(text, states);
        match parsed {
            Ok(m) => metrics.extend(metric::expand(m, states.len())),
            Err(e) => {
                ok = false;
                problems.push(
                    Problem::new(inside(item, text, e.column), format!("in `sweeps.metrics`, `{}`: {}", text.trim(), e.message))
                        .label("here")
                        .help("a metric is `stationary`, `occupancy at 20`, `absorption[s]`, `hitting[s].probability`, `hitting[s].expected`, `mixing_time`; `[s]` names states, `from a` a start"),
                );
            }
        }
    }
    let mut unique = Vec::new();
    for m in metrics {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    ok.then_some(unique)
}
