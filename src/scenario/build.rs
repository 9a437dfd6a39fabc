//! The second parsing stage: a node tree into a validated [`Scenario`].
//!
//! Each check records a [`Problem`] and carries on where it can, so that one
//! run shows everything wrong with a file. Only when no problem was found is a
//! [`Scenario`] built.

use std::collections::{BTreeMap, BTreeSet};

use super::expr::closest;
use super::rows::{self, Rows};
use super::whatif;
use super::yaml::{Node, Position, Value, misread_hint};
use super::{
    DEFAULT_HORIZON, DEFAULT_SEED, DEFAULT_WALKERS, Parameter, Problem, Scenario,
    SimulationSettings,
};
use crate::analysis::convergence::{DEFAULT_EPSILON, MIN_EPSILON};
use crate::chain::{Chain, DEFAULT_TOLERANCE};
use crate::limits::{Limits, MEMORY_HELP, check_memory, estimate_chains};
use crate::simulate::Mode;

/// The keys a scenario may have at its top level.
pub const TOP_LEVEL_KEYS: [&str; 16] = [
    "name",
    "description",
    "unit",
    "states",
    "parameters",
    "transitions",
    "matrix",
    "initial",
    "horizon",
    "simulation",
    "tolerance",
    "targets",
    "epsilon",
    "expect",
    "sweeps",
    "phases",
];
const PARAMETER_KEYS: [&str; 3] = ["value", "range", "description"];
const SIMULATION_KEYS: [&str; 3] = ["walkers", "seed", "mode"];

/// Collects problems while a scenario is checked.
#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<Problem>);

impl Problems {
    pub(super) fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    /// "expected X, found Y" at a node.
    /// `key` is a YAML key, quoted here, or a phrase that quotes its own names.
    pub(super) fn wrong_kind(&mut self, node: &Node, key: &str, expected: &str) {
        self.push(wrong_kind(node, key, expected));
    }

    /// [`Self::wrong_kind`] where a number or a boolean is expected: a
    /// string such as `yes`, `1_0` or `"0.5"` gets a hint saying what it is
    /// taken for and how to write the value.
    pub(super) fn wrong_scalar(&mut self, node: &Node, key: &str, expected: &str) {
        self.push(wrong_kind(node, key, expected).misread(node));
    }
}

fn wrong_kind(node: &Node, key: &str, expected: &str) -> Problem {
    let what = if key.contains('`') {
        key.to_string()
    } else {
        format!("`{key}`")
    };
    Problem::new(
        node.position,
        format!("{what} must be {expected}, but it is {}", node.describe()),
    )
    .label(format!("expected {expected}"))
}

impl Problem {
    /// Adds the hint of [`misread_hint`] when `node` is a string that looks
    /// like a number or a boolean.
    pub(super) fn misread(self, node: &Node) -> Self {
        match node.as_str().and_then(misread_hint) {
            Some(hint) => self.help(hint),
            None => self,
        }
    }
}

/// Checks the whole tree; see the module docs.
pub(super) fn build(
    root: &Node,
    default_name: &str,
    limits: &Limits,
) -> Result<Scenario, Vec<Problem>> {
    let mut problems = Problems::default();
    let keys = match top_level(root, &mut problems) {
        Some(keys) => keys,
        None => return Err(problems.0),
    };
    let get = |key: &str| keys.get(key).map(|&(_, value)| value);
    let key_position = |key: &str| keys.get(key).map(|(k, _)| k.position).unwrap_or_default();

    let name = scenario_name(get("name"), default_name, &mut problems);
    let description = get("description").and_then(|n| string(n, "description", &mut problems));
    let unit = get("unit")
        .and_then(|n| string(n, "unit", &mut problems))
        .unwrap_or_else(|| "step".to_string());
    let tolerance = get("tolerance")
        .and_then(|n| tolerance(n, &mut problems))
        .unwrap_or(DEFAULT_TOLERANCE);
    let (parameters, refused) = get("parameters")
        .map(|n| parameters(n, &mut problems))
        .unwrap_or_default();
    let horizon = get("horizon")
        .and_then(|n| whole_number(n, "horizon", limits.horizon as u64, &mut problems))
        // Without a horizon in the file, the default, or the limit if lower.
        .map_or(DEFAULT_HORIZON.min(limits.horizon), |h| h as usize);
    let epsilon = get("epsilon")
        .and_then(|n| epsilon(n, &mut problems))
        .unwrap_or(DEFAULT_EPSILON);
    let simulation = get("simulation")
        .map(|n| simulation(n, &mut problems))
        .unwrap_or(SimulationSettings {
            walkers: DEFAULT_WALKERS,
            seed: DEFAULT_SEED,
            mode: Mode::Auto,
        });

    let states = match get("states") {
        Some(node) => {
            // Before any matrix of that size exists: a file of a few
            // megabytes can list a million states.
            let phases = match get("phases").map(|p| &p.value) {
                Some(Value::Sequence(items)) => items.len(),
                _ => 0,
            };
            if let Some(problem) = too_large(node, phases, limits) {
                problems.push(problem);
                let mut problems = problems.0;
                problems.sort_by_key(|p| (p.position.line, p.position.column));
                return Err(problems);
            }
            states(node, &mut problems)
        }
        None => {
            problems.push(
                Problem::new(root.position, "the scenario has no `states`").help(
                    "list the lifecycle states in order, e.g. `states: [develop, test, deploy]`",
                ),
            );
            None
        }
    };
    let values: BTreeMap<String, f64> = parameters
        .iter()
        .map(|p| (p.name.clone(), p.value))
        .collect();

    let mut built = None;
    if let Some(states) = &states {
        let rows = Rows {
            states,
            parameters: &values,
            refused: &refused,
            tolerance,
        };
        let matrix = match (get("transitions"), get("matrix")) {
            (Some(t), None) => {
                rows.matrix_from_transitions(t, key_position("transitions"), &mut problems)
            }
            (None, Some(m)) => rows.matrix_from_list(m, &mut problems),
            (Some(_), Some(m)) => {
                problems.push(
                    Problem::new(
                        m.position,
                        "the scenario has both `transitions` and `matrix`",
                    )
                    .help("keep exactly one of them"),
                );
                None
            }
            (None, None) => {
                problems.push(
                    Problem::new(
                        root.position,
                        "the scenario has neither `transitions` nor `matrix`",
                    )
                    .help("add `transitions:` with one row per state, or a full `matrix:`"),
                );
                None
            }
        };
        let initial = match get("initial") {
            Some(node) => rows.initial(node, &mut problems),
            None => Some(rows::first_state(states.len())),
        };
        let targets = get("targets")
            .map(|node| rows.targets(node, &mut problems))
            .unwrap_or_default();
        if let (Some(matrix), Some(initial)) = (matrix, initial) {
            built = Some((matrix, initial, targets));
        }
    }

    match (states, built) {
        (Some(states), Some((mut matrix, mut initial, targets))) if problems.0.is_empty() => {
            // Rows and S_0 passed within the tolerance; rescale them to sum to
            // exactly 1 so that every method works on the same chain.
            for mut row in matrix.row_iter_mut() {
                let sum = row.sum();
                row /= sum;
            }
            let total = initial.sum();
            initial /= total;
            let base = whatif::Base {
                states: &states,
                parameters: &parameters,
                tolerance,
                rows: get("transitions").or(get("matrix")).unwrap_or(root),
                rows_key: key_position("transitions"),
                from_list: get("matrix").is_some(),
                initial: get("initial"),
            };
            let whatif = whatif::read(
                &base,
                get("expect"),
                get("sweeps"),
                get("phases"),
                &mut problems,
            );
            if !problems.0.is_empty() {
                let mut problems = problems.0;
                problems.sort_by_key(|p| (p.position.line, p.position.column));
                return Err(problems);
            }
            let chain = Chain::new(states, matrix, tolerance).map_err(|e| {
                vec![Problem::new(
                    root.position,
                    format!("the chain is not valid: {e}"),
                )]
            })?;
            Ok(Scenario {
                name,
                description,
                unit,
                parameters,
                chain,
                initial,
                horizon,
                simulation,
                tolerance,
                targets,
                epsilon,
                whatif,
            })
        }
        _ => {
            let mut problems = problems.0;
            problems.sort_by_key(|p| (p.position.line, p.position.column));
            Err(problems)
        }
    }
}

/// The top-level mapping by key; unknown keys are problems with a suggestion.
/// Each known key maps to its key node and its value node.
fn top_level<'a>(
    root: &'a Node,
    problems: &mut Problems,
) -> Option<BTreeMap<&'a str, (&'a Node, &'a Node)>> {
    let entries = match &root.value {
        Value::Mapping(entries) => entries,
        Value::Null => {
            problems.push(
                Problem::new(root.position, "the scenario file is empty").help(
                    "it holds no YAML value, at most comments and blank lines; a scenario needs \
                     at least `states` and `transitions` (see the README)",
                ),
            );
            return None;
        }
        _ => {
            problems.push(
                Problem::new(
                    root.position,
                    format!(
                        "a scenario must be a mapping of keys, but this is {}",
                        root.kind()
                    ),
                )
                .help("start with `states:` and `transitions:` (see the README)"),
            );
            return None;
        }
    };
    let mut keys = BTreeMap::new();
    for (key, value) in entries {
        match key.as_str() {
            Some(k) if TOP_LEVEL_KEYS.contains(&k) => {
                keys.insert(k, (key, value));
            }
            _ => unknown_key(key, "scenario", &TOP_LEVEL_KEYS, problems),
        }
    }
    Some(keys)
}

/// Records an unknown key, suggesting the closest known one.
pub(super) fn unknown_key(key: &Node, within: &str, known: &[&str], problems: &mut Problems) {
    let text = key.as_str().map_or_else(|| key.describe(), str::to_string);
    let problem = Problem::new(
        key.position,
        format!("unknown key `{text}` in the {within}"),
    );
    let problem = match closest(&text, known.iter().copied()) {
        Some(suggestion) => problem
            .label(format!("did you mean `{suggestion}`?"))
            .help(format!("the known keys are: {}", known.join(", "))),
        None => problem.help(format!("the known keys are: {}", known.join(", "))),
    };
    problems.push(problem);
}

fn string(node: &Node, key: &str, problems: &mut Problems) -> Option<String> {
    match node.as_str() {
        Some(s) => Some(s.to_string()),
        None => {
            problems.wrong_kind(node, key, "a string");
            None
        }
    }
}

/// The scenario's name, safe as one path component.
fn scenario_name(node: Option<&Node>, default_name: &str, problems: &mut Problems) -> String {
    let Some(node) = node else {
        // The file's stem must pass the same check: `...yaml` has the stem `..`.
        if !is_safe_name(default_name) {
            problems.push(
                Problem::new(
                    Position::default(),
                    format!("the file name gives the scenario the name {default_name:?}, which cannot name an output folder"),
                )
                .help("add a `name:` key, for example `name: my-lifecycle`"),
            );
        }
        return default_name.to_string();
    };
    let Some(name) = string(node, "name", problems) else {
        return default_name.to_string();
    };
    if !is_safe_name(&name) {
        problems.push(
            Problem::new(
                node.position,
                if name.len() > MAX_NAME_BYTES {
                    format!(
                        "the name is {} bytes long, more than the {MAX_NAME_BYTES} an output \
                         folder's name may have",
                        name.len()
                    )
                } else {
                    format!("the name {name:?} cannot name an output folder")
                },
            )
            .label("not a folder name")
            .help(format!(
                "use a name of at most {MAX_NAME_BYTES} bytes without `/`, `\\` or control \
                 characters, other than `.` and `..`"
            )),
        );
    }
    name
}

/// The longest scenario name, in bytes: file systems allow 255 for one path
/// component, and the staging folder of a run adds a dot and `.partial-` with
/// a process number to it.
pub const MAX_NAME_BYTES: usize = 200;

/// The longest state name, in bytes: enough for any label, short enough
/// for a table's column or a chart's legend.
pub const MAX_STATE_BYTES: usize = 256;

/// A name usable as one path component: not empty, `.` or `..`, at most
/// [`MAX_NAME_BYTES`] long, and free of separators and control characters.
pub fn is_safe_name(name: &str) -> bool {
    !(name.is_empty()
        || name.len() > MAX_NAME_BYTES
        || name == "."
        || name == ".."
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control()))
}

fn tolerance(node: &Node, problems: &mut Problems) -> Option<f64> {
    match node.as_number() {
        Some(t) if t.is_finite() && t > 0.0 && t < 0.5 => Some(t),
        _ => {
            problems.push(
                Problem::new(
                    node.position,
                    format!(
                        "`tolerance` must be a number above 0 and below 0.5, but it is {}",
                        node.describe()
                    ),
                )
                .help(format!("the default is {DEFAULT_TOLERANCE:e}"))
                .misread(node),
            );
            None
        }
    }
}

fn epsilon(node: &Node, problems: &mut Problems) -> Option<f64> {
    match node.as_number() {
        Some(e) if (MIN_EPSILON..1.0).contains(&e) => Some(e),
        _ => {
            problems.push(
                Problem::new(
                    node.position,
                    format!(
                        "`epsilon` must be a number from {MIN_EPSILON:e} up to 1 (not 1), but it is {}",
                        node.describe()
                    ),
                )
                .help(format!(
                    "ε is the distance to the limit that counts as settled; the default is {DEFAULT_EPSILON}, \
                     and distances much below 1e-9 are lost in rounding"
                ))
                .misread(node),
            );
            None
        }
    }
}

/// A non-negative integer at most `max`; `1e6` and `10.0` count as integers.
pub(super) fn whole_number(
    node: &Node,
    key: &str,
    max: u64,
    problems: &mut Problems,
) -> Option<u64> {
    let value = match node.value {
        Value::Integer(i) => Some(i),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e38 => Some(f as i128),
        _ => None,
    };
    match value {
        Some(i) if (0..=max as i128).contains(&i) => Some(i as u64),
        Some(i) if i > max as i128 => {
            problems.push(
                Problem::new(
                    node.position,
                    format!("`{key}` is {i}, above the limit of {max}"),
                )
                .label("too large")
                .help(limit_help(key)),
            );
            None
        }
        _ => {
            problems.wrong_scalar(node, key, "a whole number of 0 or more");
            None
        }
    }
}

/// More states than `limits` allow, or chains larger than the memory
/// they may use: the problem, found from the length of `states` alone.
fn too_large(node: &Node, phases: usize, limits: &Limits) -> Option<Problem> {
    let Value::Sequence(items) = &node.value else {
        return None;
    };
    let n = items.len();
    if n > limits.states {
        return Some(
            Problem::new(
                node.position,
                format!(
                    "the scenario has {n} states, more than the limit of {}",
                    limits.states
                ),
            )
            .label("too many states")
            .help(format!(
                "a chain of n states is analysed as dense n × n matrices (8n² bytes each) \
                 and solved by elimination ((2/3)n³ steps); raise the limit with \
                 --max-states {n} if the machine can afford it"
            )),
        );
    }
    let available = limits.memory?;
    let error = check_memory(&estimate_chains(n, phases), available).err()?;
    Some(
        Problem::new(node.position, format!("the chain of {n} states: {error}"))
            .label("too many states for this machine")
            .help(MEMORY_HELP),
    )
}

/// What to do instead of exceeding a limit.
fn limit_help(key: &str) -> String {
    match key {
        "horizon" => "raise the limit with --max-horizon; to see S_t at a far step, use \
                      `verchain run --at T` (any T up to 2^63 − 1)"
            .to_string(),
        _ => format!("lower `{key}`"),
    }
}

fn states(node: &Node, problems: &mut Problems) -> Option<Vec<String>> {
    let Value::Sequence(items) = &node.value else {
        problems.wrong_kind(node, "states", "a list of state names");
        return None;
    };
    if items.is_empty() {
        problems
            .push(Problem::new(node.position, "`states` is empty").help("list at least one state"));
        return None;
    }
    let mut names: Vec<String> = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        let name = match &item.value {
            Value::String(s) if s.len() > MAX_STATE_BYTES => {
                problems.push(
                    Problem::new(
                        item.position,
                        format!(
                            "a state name is {} bytes long, more than the {MAX_STATE_BYTES} a \
                             state name may have",
                            s.len()
                        ),
                    )
                    .label("too long")
                    .help("shorten the name"),
                );
                ok = false;
                continue;
            }
            Value::String(s) if !s.trim().is_empty() && !s.chars().any(char::is_control) => {
                s.clone()
            }
            Value::String(s) if s.chars().any(char::is_control) => {
                problems.push(
                    Problem::new(
                        item.position,
                        format!(
                            "the state name {:?} holds a control character, which no table, \
                             chart or export can show",
                            s
                        ),
                    )
                    .label("control character")
                    .help("write the name with visible characters only"),
                );
                ok = false;
                continue;
            }
            // A number or boolean as a state name is still a usable name.
            Value::Integer(_) | Value::Float(_) | Value::Bool(_) => item.describe(),
            _ => {
                problems.wrong_kind(item, "states", "a non-empty state name");
                ok = false;
                continue;
            }
        };
        if let Some(first) = names.iter().position(|n| *n == name) {
            problems.push(
                Problem::new(item.position, format!("state `{name}` is listed twice"))
                    .label("duplicate")
                    .help(format!(
                        "it is already state number {} in `states`; remove one",
                        first + 1
                    )),
            );
            ok = false;
        }
        names.push(name);
    }
    ok.then_some(names)
}

/// The parameters, and the names of those whose value was refused.
fn parameters(node: &Node, problems: &mut Problems) -> (Vec<Parameter>, BTreeSet<String>) {
    let Value::Mapping(entries) = &node.value else {
        problems.wrong_kind(node, "parameters", "a mapping of names to values");
        return Default::default();
    };
    let (mut parameters, mut refused) = (Vec::new(), BTreeSet::new());
    for (key, value) in entries {
        let Some(name) = key.as_str().filter(|n| is_identifier(n)) else {
            problems.push(
                Problem::new(
                    key.position,
                    format!("{} cannot name a parameter", key.describe()),
                )
                .help("use letters, digits and `_`, starting with a letter (`rest` is reserved)"),
            );
            continue;
        };
        match parameter(name, value, problems) {
            Some(parameter) => parameters.push(parameter),
            None => {
                refused.insert(name.to_string());
            }
        }
    }
    (parameters, refused)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name != "rest"
        && name != "absorbing"
}

fn parameter(name: &str, node: &Node, problems: &mut Problems) -> Option<Parameter> {
    let key = format!("parameters.{name}");
    let (value_node, range_node, description) = match &node.value {
        Value::Mapping(entries) => {
            let (mut value, mut range, mut description) = (None, None, None);
            for (k, v) in entries {
                match k.as_str() {
                    Some("value") => value = Some(v),
                    Some("range") => range = Some(v),
                    Some("description") => description = string(v, "description", problems),
                    _ => unknown_key(k, &format!("parameter `{name}`"), &PARAMETER_KEYS, problems),
                }
            }
            let Some(value) = value else {
                problems.push(
                    Problem::new(node.position, format!("parameter `{name}` has no `value`")).help(
                        format!("write `{name}: {{value: 0.5}}` or just `{name}: 0.5`"),
                    ),
                );
                return None;
            };
            (value, range, description)
        }
        _ => (node, None, None),
    };

    let value = match value_node.as_number() {
        Some(v) if v.is_finite() => v,
        _ => {
            problems.wrong_scalar(value_node, &key, "a finite number");
            return None;
        }
    };
    let range = range_node.and_then(|r| range(r, &key, problems));
    if let Some((lo, hi)) = range
        && !(lo..=hi).contains(&value)
    {
        problems.push(
            Problem::new(
                value_node.position,
                format!("parameter `{name}` is {value}, outside its range [{lo}, {hi}]"),
            )
            .label("out of range")
            .help("change the value, or widen `range` if the policy allows it"),
        );
    }
    Some(Parameter {
        name: name.to_string(),
        value,
        range,
        description,
    })
}

fn range(node: &Node, key: &str, problems: &mut Problems) -> Option<(f64, f64)> {
    let bounds: Option<Vec<f64>> = match &node.value {
        Value::Sequence(items) if items.len() == 2 => items
            .iter()
            .map(|i| i.as_number().filter(|v| v.is_finite()))
            .collect(),
        _ => None,
    };
    match bounds.as_deref() {
        Some(&[lo, hi]) if lo <= hi => Some((lo, hi)),
        Some(&[lo, hi]) => {
            problems.push(Problem::new(
                node.position,
                format!("`{key}.range` is [{lo}, {hi}]: its low end is above its high end"),
            ));
            None
        }
        _ => {
            problems.wrong_kind(
                node,
                &format!("{key}.range"),
                "a list of two numbers [low, high]",
            );
            None
        }
    }
}

fn simulation(node: &Node, problems: &mut Problems) -> SimulationSettings {
    let mut settings = SimulationSettings {
        walkers: DEFAULT_WALKERS,
        seed: DEFAULT_SEED,
        mode: Mode::Auto,
    };
    let Value::Mapping(entries) = &node.value else {
        problems.wrong_kind(node, "simulation", "a mapping with `walkers` and `seed`");
        return settings;
    };
    for (key, value) in entries {
        match key.as_str() {
            Some("walkers") => {
                if let Some(w) = whole_number(value, "simulation.walkers", u64::MAX, problems) {
                    settings.walkers = w;
                }
            }
            Some("seed") => {
                if let Some(s) = whole_number(value, "simulation.seed", u64::MAX, problems) {
                    settings.seed = s;
                }
            }
            Some("mode") => match value.as_str() {
                Some("auto") => settings.mode = Mode::Auto,
                Some("walkers") => settings.mode = Mode::Walkers,
                Some("counts") => settings.mode = Mode::Counts,
                _ => problems.push(
                    Problem::new(
                        value.position,
                        format!("`simulation.mode` must be auto, walkers or counts, but it is {}", value.describe()),
                    )
                    .label("unknown mode")
                    .help("walkers follows every version; counts draws the counts directly (fast for huge numbers); auto chooses"),
                ),
            },
            _ => unknown_key(key, "simulation settings", &SIMULATION_KEYS, problems),
        }
    }
    settings
}
