//! The quantities a what-if looks at, and the small language that names them.
//!
//! The same words serve a sweep's `metrics` and an expectation's left side:
//!
//! ```text
//! metric  := 'stationary' [states]              long-run share from S_0 (the Cesàro limit)
//!          | 'occupancy' [states] 'at' STEP     share at a step, S_t
//!          | 'absorption' states [from]         probability of settling in the closed class(es) of states
//!          | 'hitting' states '.' quantity [from]
//!          | 'mixing_time'                      smallest t with ½‖S_t − L‖₁ ≤ ε
//! states  := '[' state (',' state)* ']'         several states add up (a set)
//! quantity:= 'probability' | 'expected' | 'expected_if_reached'
//! from    := 'from' state                       default: from S_0
//! ```
//!
//! `stationary` and `occupancy` may leave out the states in a sweep's
//! `metrics`, which then means one column per state; an expectation always
//! names them. Everything here is exact and computed from
//! [`crate::analysis`] results; nothing is printed.

use std::fmt;

use nalgebra::DVector;

use crate::analysis::convergence::MixingTime;
use crate::analysis::{self, Exact};
use crate::scenario::MAX_HORIZON;

/// Where a hitting or absorption probability is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The scenario's `S_0`.
    Initial,
    /// One state, by index.
    State(usize),
}

/// Which number of a hitting time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// `P(τ < ∞)`.
    Probability,
    /// `E[τ]`, infinite whenever the target may be missed.
    Expected,
    /// `E[τ | τ < ∞]`.
    ExpectedIfReached,
}

/// One named quantity of a chain, as written in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metric {
    /// The long-run share of the states (summed) reached from `S_0`.
    Stationary(Vec<usize>),
    /// `S_t` summed over the states.
    Occupancy(Vec<usize>, u64),
    /// The probability of ending in a closed class that holds one of the states.
    Absorption(Vec<usize>, Start),
    /// A number of the hitting time of the set of states.
    Hitting(Vec<usize>, Quantity, Start),
    /// The mixing time from `S_0`, infinite when never reached.
    MixingTime,
}

/// A metric that failed to read, with the character where it went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// What is wrong, for a person.
    pub message: String,
    /// 1-based character column within the text.
    pub column: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.column)
    }
}

/// What a metric needs from the analysis of a chain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Needs {
    /// Target sets whose hitting times are needed.
    pub targets: Vec<Vec<usize>>,
    /// The last step whose occupancy is needed.
    pub last_step: u64,
}

impl Metric {
    /// Adds what this metric needs to `needs`.
    pub fn add_needs(&self, needs: &mut Needs) {
        match self {
            Metric::Hitting(states, _, _) if !needs.targets.contains(states) => {
                needs.targets.push(states.clone());
            }
            Metric::Occupancy(_, t) => needs.last_step = needs.last_step.max(*t),
            _ => {}
        }
    }

    /// The metric's value on an analysed chain.
    ///
    /// `trajectory` holds `S_0 … S_H` with `H` at least every occupancy step
    /// (it follows the phases, when there are any); `exact` was computed
    /// with the targets of [`Needs`].
    ///
    /// # Errors
    ///
    /// A sentence saying why the value does not exist here, such as an
    /// absorption into a state that is transient at this point.
    pub fn value(&self, point: &Analysed) -> Result<f64, String> {
        let states = point.states;
        match self {
            Metric::Stationary(set) => Ok(set.iter().map(|&s| point.exact.limit[s]).sum()),
            Metric::Occupancy(set, t) => {
                let at = point.trajectory.get(*t as usize).ok_or_else(|| {
                    format!(
                        "step {t} lies beyond the {} steps followed",
                        point.trajectory.len() - 1
                    )
                })?;
                Ok(set.iter().map(|&s| at[s]).sum())
            }
            Metric::Absorption(set, start) => absorption(point, set, *start),
            Metric::Hitting(set, quantity, start) => {
                let hitting = point
                    .exact
                    .hitting
                    .iter()
                    .find(|h| h.target == *set)
                    .ok_or_else(|| "its hitting times were not computed".to_string())?;
                Ok(match (quantity, start) {
                    (Quantity::Probability, Start::Initial) => {
                        hitting.probability_from(point.initial)
                    }
                    (Quantity::Probability, Start::State(i)) => hitting.probability[*i],
                    (Quantity::Expected, Start::Initial) => {
                        hitting.expected_steps_from(point.initial)
                    }
                    (Quantity::Expected, Start::State(i)) => hitting.expected_steps[*i],
                    (Quantity::ExpectedIfReached, Start::Initial) => {
                        hitting.expected_steps_if_reached_from(point.initial)
                    }
                    (Quantity::ExpectedIfReached, Start::State(i)) => {
                        hitting.expected_steps_if_reached[*i]
                    }
                })
            }
            Metric::MixingTime => Ok(match point.exact.convergence.mixing_time {
                MixingTime::Reached(t) => t as f64,
                MixingTime::Never | MixingTime::Beyond(_) => f64::INFINITY,
            }),
        }
        .map_err(|reason| format!("{} has no value: {reason}", self.display(states)))
    }

    /// The metric as the scenario would write it.
    pub fn display(&self, states: &[String]) -> String {
        let set = |s: &[usize]| {
            format!(
                "[{}]",
                s.iter()
                    .map(|&i| states[i].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let from = |start: &Start| match start {
            Start::Initial => String::new(),
            Start::State(i) => format!(" from {}", states[*i]),
        };
        match self {
            Metric::Stationary(s) => format!("stationary{}", set(s)),
            Metric::Occupancy(s, t) => format!("occupancy{} at {t}", set(s)),
            Metric::Absorption(s, start) => format!("absorption{}{}", set(s), from(start)),
            Metric::Hitting(s, q, start) => {
                let q = match q {
                    Quantity::Probability => "probability",
                    Quantity::Expected => "expected",
                    Quantity::ExpectedIfReached => "expected_if_reached",
                };
                format!("hitting{}.{q}{}", set(s), from(start))
            }
            Metric::MixingTime => "mixing_time".to_string(),
        }
    }
}

/// A chain with the exact results its metrics read.
pub struct Analysed<'a> {
    /// The chain's state names.
    pub states: &'a [String],
    /// `S_0`.
    pub initial: &'a DVector<f64>,
    /// `S_0 … S_H`, following the phases where there are any.
    pub trajectory: &'a [DVector<f64>],
    /// The exact results of the chain (the base one, with phases).
    pub exact: &'a Exact,
}

/// `P(settle in a closed class holding one of set)` from a state or `S_0`:
/// `B[i][c]` for transient `i`, 1 or 0 for a state already in a closed class.
fn absorption(point: &Analysed, set: &[usize], start: Start) -> Result<f64, String> {
    let structure = &point.exact.structure;
    let class_of = |s: usize| structure.classes.iter().position(|c| c.states.contains(&s));
    let mut classes = Vec::new();
    for &s in set {
        let class = class_of(s).filter(|&c| structure.classes[c].closed);
        match class {
            Some(c) if !classes.contains(&c) => classes.push(c),
            Some(_) => {}
            None => {
                return Err(format!(
                    "`{}` is transient here, so nothing settles in it",
                    point.states[s]
                ));
            }
        }
    }
    let from_state = |i: usize| -> f64 {
        match class_of(i) {
            Some(c) if structure.classes[c].closed => f64::from(u8::from(classes.contains(&c))),
            _ => {
                let absorbing = point
                    .exact
                    .absorbing
                    .as_ref()
                    .expect("a transient state means a transient analysis");
                let row = absorbing
                    .transient
                    .iter()
                    .position(|&t| t == i)
                    .expect("a state outside closed classes is transient");
                absorbing
                    .closed_classes
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| classes.contains(c))
                    .map(|(k, _)| absorbing.probabilities[(row, k)])
                    .sum()
            }
        }
    };
    Ok(match start {
        Start::State(i) => from_state(i),
        Start::Initial => (0..point.initial.len())
            .filter(|&i| point.initial[i] > 0.0)
            .map(|i| point.initial[i] * from_state(i))
            .sum(),
    })
}

/// Analyses one chain for the given needs: the exact results of a run
/// (without the fundamental matrix), with the trajectory long enough for
/// every occupancy step.
pub fn analyse(
    chain: &crate::chain::Chain,
    initial: &DVector<f64>,
    horizon: usize,
    epsilon: f64,
    needs: &Needs,
) -> Exact {
    let request = analysis::Request {
        at: Vec::new(),
        targets: needs.targets.clone(),
        epsilon,
        fundamental_matrix: false,
    };
    let horizon = horizon.max(needs.last_step.min(MAX_HORIZON as u64) as usize);
    analysis::analyze_with(chain, initial, horizon, &request)
}

/// Reads a metric. `allow_all_states` lets `stationary` and `occupancy`
/// leave out their states (a sweep column per state): they then come back
/// with an empty set, for [`expand`].
///
/// # Errors
///
/// What is wrong and at which character: an unknown word (with the known
/// ones), an unknown state (with the closest one), a missing part.
pub fn parse(
    text: &str,
    states: &[String],
    allow_all_states: bool,
) -> Result<(Metric, usize), SyntaxError> {
    let mut reader = Reader::new(text);
    let metric = reader.metric(states, allow_all_states)?;
    Ok((metric, reader.at))
}

/// Reads a sweep metric, which must be the whole text; `stationary` and
/// `occupancy` may leave out their states (see [`parse`]).
///
/// # Errors
///
/// As [`parse`], and text left over after the metric.
pub fn parse_whole(text: &str, states: &[String]) -> Result<Metric, SyntaxError> {
    let (metric, at) = parse(text, states, true)?;
    let mut reader = Reader::new(text);
    reader.at = at;
    if reader.finished() {
        Ok(metric)
    } else {
        Err(reader.error("unexpected text after the metric"))
    }
}

/// A metric with no states (`stationary`, `occupancy at 20`) as one metric
/// per state; any other as itself.
pub fn expand(metric: Metric, n: usize) -> Vec<Metric> {
    match metric {
        Metric::Stationary(s) if s.is_empty() => {
            (0..n).map(|i| Metric::Stationary(vec![i])).collect()
        }
        Metric::Occupancy(s, t) if s.is_empty() => {
            (0..n).map(|i| Metric::Occupancy(vec![i], t)).collect()
        }
        other => vec![other],
    }
}

/// A cursor over the characters of a metric or expectation.
pub(super) struct Reader<'a> {
    pub(super) chars: Vec<char>,
    /// Index of the next character.
    pub(super) at: usize,
    text: &'a str,
}

const METRICS: [&str; 5] = [
    "stationary",
    "occupancy",
    "absorption",
    "hitting",
    "mixing_time",
];
const QUANTITIES: [&str; 3] = ["probability", "expected", "expected_if_reached"];

impl<'a> Reader<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            chars: text.chars().collect(),
            at: 0,
            text,
        }
    }

    pub(super) fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            column: self.at + 1,
        }
    }

    pub(super) fn skip_space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    pub(super) fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.chars.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// A word: letters, digits, `_` and `-` (state names may hold dashes).
    pub(super) fn word(&mut self) -> Option<String> {
        self.skip_space();
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|&c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            self.at += 1;
        }
        (self.at > start).then(|| self.chars[start..self.at].iter().collect())
    }

    fn metric(&mut self, states: &[String], allow_all: bool) -> Result<Metric, SyntaxError> {
        let start = self.at;
        let name = self.word().unwrap_or_default();
        let unknown = |reader: &mut Self| {
            reader.at = start;
            let near = crate::scenario::expr::closest(&name, METRICS);
            let hint = near.map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
            Err(reader.error(format!(
                "`{name}` is not a metric{hint}; the metrics are {}",
                METRICS.join(", ")
            )))
        };
        match name.as_str() {
            "stationary" | "limit" => {
                let set = self.states_or_all(states, allow_all)?;
                Ok(Metric::Stationary(set))
            }
            "occupancy" => {
                let set = self.states_or_all(states, allow_all)?;
                if self.word().as_deref() != Some("at") {
                    return Err(self.error("`occupancy[...]` needs a step: `at 20`"));
                }
                let step = self.step()?;
                Ok(Metric::Occupancy(set, step))
            }
            "absorption" => {
                let set = self.states(states)?;
                let from = self.from(states)?;
                Ok(Metric::Absorption(set, from))
            }
            "hitting" => {
                let set = self.states(states)?;
                if !self.eat('.') {
                    return Err(self.error(format!(
                        "`hitting[...]` needs a quantity: .{}",
                        QUANTITIES.join(", .")
                    )));
                }
                let at = self.at;
                let quantity = match self.word().as_deref() {
                    Some("probability") => Quantity::Probability,
                    Some("expected") => Quantity::Expected,
                    Some("expected_if_reached") => Quantity::ExpectedIfReached,
                    other => {
                        self.at = at;
                        return Err(self.error(format!(
                            "`{}` is not a hitting quantity; write one of {}",
                            other.unwrap_or(""),
                            QUANTITIES.join(", ")
                        )));
                    }
                };
                let from = self.from(states)?;
                Ok(Metric::Hitting(set, quantity, from))
            }
            "mixing_time" => Ok(Metric::MixingTime),
            _ => unknown(self),
        }
    }

    fn states_or_all(
        &mut self,
        states: &[String],
        allow_all: bool,
    ) -> Result<Vec<usize>, SyntaxError> {
        if allow_all && self.peek() != Some('[') {
            return Ok(Vec::new());
        }
        self.states(states)
    }

    /// `[a, b, ...]`, as increasing state indices.
    fn states(&mut self, states: &[String]) -> Result<Vec<usize>, SyntaxError> {
        if !self.eat('[') {
            return Err(self.error("expected `[` and a state name, as in `[production]`"));
        }
        let mut set = Vec::new();
        loop {
            let at = self.at;
            let Some(name) = self.word() else {
                return Err(self.error("expected a state name"));
            };
            set.push(self.state(&name, at, states)?);
            if self.eat(']') {
                break;
            }
            if !self.eat(',') {
                return Err(self.error("expected `,` or `]` after a state name"));
            }
        }
        set.sort_unstable();
        set.dedup();
        Ok(set)
    }

    fn state(&mut self, name: &str, at: usize, states: &[String]) -> Result<usize, SyntaxError> {
        if let Some(i) = states.iter().position(|s| s == name) {
            return Ok(i);
        }
        self.at = at;
        self.skip_space();
        let near = crate::scenario::expr::closest(name, states.iter().map(String::as_str));
        let hint = near.map_or(String::new(), |n| format!(" (did you mean `{n}`?)"));
        Err(self.error(format!(
            "unknown state `{name}`{hint}; the states are {}",
            states.join(", ")
        )))
    }

    fn from(&mut self, states: &[String]) -> Result<Start, SyntaxError> {
        let save = self.at;
        if self.word().as_deref() != Some("from") {
            self.at = save;
            return Ok(Start::Initial);
        }
        let at = self.at;
        let Some(name) = self.word() else {
            return Err(self.error("`from` needs a state name"));
        };
        Ok(Start::State(self.state(&name, at, states)?))
    }

    fn step(&mut self) -> Result<u64, SyntaxError> {
        self.skip_space();
        let start = self.at;
        while self.chars.get(self.at).is_some_and(char::is_ascii_digit) {
            self.at += 1;
        }
        let digits: String = self.chars[start..self.at].iter().collect();
        match digits.parse::<u64>() {
            Ok(t) if t <= MAX_HORIZON as u64 => Ok(t),
            Ok(t) => {
                self.at = start;
                Err(self.error(format!(
                    "step {t} is beyond the {MAX_HORIZON} steps an occupancy can follow"
                )))
            }
            Err(_) => {
                self.at = start;
                Err(self.error("expected a whole number of steps after `at`"))
            }
        }
    }

    /// Whether everything was read.
    pub(super) fn finished(&mut self) -> bool {
        self.peek().is_none()
    }

    /// The text, for messages.
    pub(super) fn text(&self) -> &str {
        self.text
    }
}
