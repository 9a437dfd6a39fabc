//! Expectations: properties of a policy that CI keeps, such as
//! `stationary[production] >= 0.3`.
//!
//! An expectation is a metric (see [`super::metric`]), a comparison and a number:
//!
//! ```text
//! expectation := metric ('<=' | '>=' | '<' | '>') number
//! ```
//!
//! for example `occupancy[prod_rollback] at 20 <= 0.05`,
//! `hitting[production].probability from candidate >= 0.5` or
//! `mixing_time <= 12`. A metric without a value at a point (an absorption
//! into a state that is transient there) fails the expectation, with the
//! reason. An infinite expected time or a mixing time never reached
//! compares as infinity.

use std::fmt;

use super::metric::{self, Analysed, Metric, Reader, SyntaxError};

/// A comparison of an expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    AtMost,
    AtLeast,
    Below,
    Above,
}

impl Comparison {
    fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Comparison::AtMost => value <= bound,
            Comparison::AtLeast => value >= bound,
            Comparison::Below => value < bound,
            Comparison::Above => value > bound,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Comparison::AtMost => "<=",
            Comparison::AtLeast => ">=",
            Comparison::Below => "<",
            Comparison::Above => ">",
        })
    }
}

/// A property a policy must keep.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The text as written, for messages.
    pub text: String,
    pub metric: Metric,
    pub comparison: Comparison,
    pub bound: f64,
}

/// How one expectation fared at one chain.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// It holds; the metric's value.
    Holds(f64),
    /// It fails; the metric's value.
    Fails(f64),
    /// The metric has no value here; why.
    Undefined(String),
    /// Not checked here: an occupancy in a phase's chain alone (occupancies
    /// are checked along the run, which passes through the phases).
    NotApplicable,
}

impl Expectation {
    /// Reads an expectation over the given states.
    ///
    /// # Errors
    ///
    /// What is wrong, with the character column: see [`metric::parse`], a
    /// missing comparison, or a bound that is not a number.
    ///
    /// # Examples
    ///
    /// ```
    /// use verchain::sweep::expect::{Comparison, Expectation};
    ///
    /// let states = ["develop".to_string(), "production".to_string()];
    /// let e = Expectation::parse("stationary[production] >= 0.3", &states).unwrap();
    /// assert_eq!(e.comparison, Comparison::AtLeast);
    /// assert_eq!(e.bound, 0.3);
    /// assert!(Expectation::parse("stationary[prod] >= 0.3", &states).is_err());
    /// ```
    pub fn parse(text: &str, states: &[String]) -> Result<Self, SyntaxError> {
        let (metric, at) = metric::parse(text, states, false)?;
        let mut reader = Reader::new(text);
        reader.at = at;
        reader.skip_space();
        let rest: String = reader.chars[reader.at..].iter().collect();
        let (comparison, width) = if rest.starts_with("<=") {
            (Comparison::AtMost, 2)
        } else if rest.starts_with(">=") {
            (Comparison::AtLeast, 2)
        } else if rest.starts_with('<') {
            (Comparison::Below, 1)
        } else if rest.starts_with('>') {
            (Comparison::Above, 1)
        } else {
            return Err(reader.error(format!(
                "expected a comparison (<=, >=, < or >) after `{}`",
                reader.text()[..reader.chars[..reader.at].iter().map(|c| c.len_utf8()).sum()]
                    .trim()
            )));
        };
        reader.at += width;
        reader.skip_space();
        let number: String = reader.chars[reader.at..].iter().collect();
        let bound = match number.trim().parse::<f64>() {
            Ok(b) if b.is_finite() => b,
            _ => {
                return Err(reader.error(format!(
                    "expected a number after `{comparison}`, found `{}`",
                    number.trim()
                )));
            }
        };
        Ok(Self {
            text: text.trim().to_string(),
            metric,
            comparison,
            bound,
        })
    }

    /// Checks the expectation at an analysed chain.
    pub fn check(&self, point: &Analysed) -> Verdict {
        match self.metric.value(point) {
            Ok(value) if self.comparison.holds(value, self.bound) => Verdict::Holds(value),
            Ok(value) => Verdict::Fails(value),
            Err(reason) => Verdict::Undefined(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::metric::{Quantity, Start};

    fn states() -> Vec<String> {
        ["develop", "test", "deploy", "prod_rollback"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn reads_every_form() {
        let s = states();
        let cases = [
            (
                "stationary[deploy] >= 0.3",
                Metric::Stationary(vec![2]),
                Comparison::AtLeast,
                0.3,
            ),
            (
                "occupancy[prod_rollback] at 20 <= 0.05",
                Metric::Occupancy(vec![3], 20),
                Comparison::AtMost,
                0.05,
            ),
            (
                "hitting[deploy].probability from develop >= 0.5",
                Metric::Hitting(vec![2], Quantity::Probability, Start::State(0)),
                Comparison::AtLeast,
                0.5,
            ),
            (
                "hitting[deploy, test].expected < 1e1",
                Metric::Hitting(vec![1, 2], Quantity::Expected, Start::Initial),
                Comparison::Below,
                10.0,
            ),
            (
                "absorption[deploy] from test > 0",
                Metric::Absorption(vec![2], Start::State(1)),
                Comparison::Above,
                0.0,
            ),
            (
                "mixing_time <= 12",
                Metric::MixingTime,
                Comparison::AtMost,
                12.0,
            ),
        ];
        for (text, metric, comparison, bound) in cases {
            let e = Expectation::parse(text, &s).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                (e.metric, e.comparison, e.bound),
                (metric, comparison, bound),
                "{text}"
            );
        }
    }

    #[test]
    fn errors_name_the_place_and_the_fix() {
        let s = states();
        let cases = [
            ("stationary[deplyo] >= 0.3", 12, "did you mean `deploy`"),
            ("stationry[deploy] >= 0.3", 1, "did you mean `stationary`"),
            ("mixing_time 12", 13, "expected a comparison"),
            ("mixing_time <= soon", 16, "expected a number"),
            ("occupancy[test] <= 0.1", 17, "needs a step"),
            ("hitting[test].often >= 1", 15, "not a hitting quantity"),
            ("stationary >= 0.3", 12, "expected `[`"),
        ];
        for (text, column, words) in cases {
            let e = Expectation::parse(text, &s).unwrap_err();
            assert_eq!(e.column, column, "{text}: {e}");
            assert!(e.message.contains(words), "{text}: {e}");
        }
    }
}
