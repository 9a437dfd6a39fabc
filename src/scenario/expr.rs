//! Arithmetic expressions of numbers and policy parameters, such as `1 - p`.
//!
//! The grammar, by recursive descent:
//!
//! ```text
//! expression := term (('+' | '-') term)*
//! term       := factor (('*' | '/') factor)*
//! factor     := ('+' | '-') factor | number | name | '(' expression ')'
//! number     := digits ['.' digits] [('e' | 'E') ['+' | '-'] digits]
//! name       := letter or '_', then letters, digits or '_'
//! ```
//!
//! Nesting is limited to [`MAX_DEPTH`] parentheses or signs, so that no input
//! can exhaust the stack.

use std::collections::BTreeMap;

use thiserror::Error;

/// The deepest nesting of parentheses and signs an expression may use.
pub const MAX_DEPTH: usize = 64;

/// Why an expression could not be evaluated. `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExprError {
    #[error("cannot read `{}`: {reason} at character {column}", quoted(.text))]
    Syntax {
        text: String,
        reason: String,
        column: usize,
    },
    #[error("`{name}` is not a parameter{}", suggestion_text(.suggestion))]
    UnknownParameter {
        name: String,
        suggestion: Option<String>,
    },
    #[error("`{}` divides by zero", quoted(.text))]
    DivisionByZero { text: String },
    #[error("`{}` evaluates to {value}, which is not a finite number", quoted(.text))]
    NotFinite { text: String, value: f64 },
}

/// An expression as messages quote it: at most 60 characters.
fn quoted(text: &str) -> String {
    if text.chars().count() <= 60 {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(57).collect::<String>())
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// Evaluates `text` with the given parameter values.
///
/// # Errors
///
/// A syntax error with its character position, an unknown parameter (with
/// the closest known name), a division by zero, or a non-finite result.
///
/// # Examples
///
/// ```
/// use std::collections::BTreeMap;
/// use verchain::scenario::expr::evaluate;
///
/// let parameters = BTreeMap::from([("p".to_string(), 0.25)]);
/// assert_eq!(evaluate("1 - p", &parameters), Ok(0.75));
/// assert_eq!(evaluate("(1 - p) / 2", &parameters), Ok(0.375));
/// ```
pub fn evaluate(text: &str, parameters: &BTreeMap<String, f64>) -> Result<f64, ExprError> {
    run(text, parameters, None).map(|d| d.value)
}

/// The value of `text` and its derivative with respect to the parameter
/// `wrt`, exactly (forward-mode automatic differentiation: each operation
/// carries its derivative by the sum, product and quotient rules).
///
/// # Errors
///
/// As [`evaluate`].
///
/// # Examples
///
/// ```
/// use std::collections::BTreeMap;
/// use verchain::scenario::expr::derivative;
///
/// let parameters = BTreeMap::from([("p".to_string(), 0.5)]);
/// // d/dp (p / (1 + p)) = 1 / (1 + p)² = 4/9 at p = 1/2.
/// let (value, slope) = derivative("p / (1 + p)", &parameters, "p").unwrap();
/// assert!((value - 1.0 / 3.0).abs() < 1e-15 && (slope - 4.0 / 9.0).abs() < 1e-15);
/// ```
pub fn derivative(
    text: &str,
    parameters: &BTreeMap<String, f64>,
    wrt: &str,
) -> Result<(f64, f64), ExprError> {
    run(text, parameters, Some(wrt)).map(|d| (d.value, d.slope))
}

fn run(
    text: &str,
    parameters: &BTreeMap<String, f64>,
    wrt: Option<&str>,
) -> Result<Dual, ExprError> {
    let mut parser = Parser {
        text,
        chars: text.char_indices().collect(),
        at: 0,
        parameters,
        wrt,
    };
    let value = parser.expression(0)?;
    parser.skip_space();
    if let Some(&(_, c)) = parser.chars.get(parser.at) {
        return Err(parser.syntax(format!("unexpected `{c}`")));
    }
    if !value.value.is_finite() {
        return Err(ExprError::NotFinite {
            text: text.to_string(),
            value: value.value,
        });
    }
    Ok(value)
}

/// A value and its derivative with respect to one parameter.
#[derive(Debug, Clone, Copy)]
struct Dual {
    value: f64,
    slope: f64,
}

impl Dual {
    fn constant(value: f64) -> Self {
        Self { value, slope: 0.0 }
    }
}

struct Parser<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    at: usize,
    parameters: &'a BTreeMap<String, f64>,
    /// The parameter whose derivative is carried, if any.
    wrt: Option<&'a str>,
}

impl Parser<'_> {
    fn expression(&mut self, depth: usize) -> Result<Dual, ExprError> {
        let mut value = self.term(depth)?;
        loop {
            match self.peek() {
                Some('+') => {
                    self.at += 1;
                    let other = self.term(depth)?;
                    value = Dual {
                        value: value.value + other.value,
                        slope: value.slope + other.slope,
                    };
                }
                Some('-') => {
                    self.at += 1;
                    let other = self.term(depth)?;
                    value = Dual {
                        value: value.value - other.value,
                        slope: value.slope - other.slope,
                    };
                }
                _ => return Ok(value),
            }
        }
    }

    fn term(&mut self, depth: usize) -> Result<Dual, ExprError> {
        let mut value = self.factor(depth)?;
        loop {
            match self.peek() {
                Some('*') => {
                    self.at += 1;
                    let other = self.factor(depth)?;
                    value = Dual {
                        value: value.value * other.value,
                        slope: value.slope * other.value + value.value * other.slope,
                    };
                }
                Some('/') => {
                    self.at += 1;
                    let divisor = self.factor(depth)?;
                    if divisor.value == 0.0 {
                        return Err(ExprError::DivisionByZero {
                            text: self.text.to_string(),
                        });
                    }
                    value = Dual {
                        value: value.value / divisor.value,
                        slope: (value.slope * divisor.value - value.value * divisor.slope)
                            / (divisor.value * divisor.value),
                    };
                }
                _ => return Ok(value),
            }
        }
    }

    fn factor(&mut self, depth: usize) -> Result<Dual, ExprError> {
        if depth >= MAX_DEPTH {
            return Err(self.syntax(format!("more than {MAX_DEPTH} nested parentheses or signs")));
        }
        match self.peek() {
            Some('-') => {
                self.at += 1;
                let inner = self.factor(depth + 1)?;
                Ok(Dual {
                    value: -inner.value,
                    slope: -inner.slope,
                })
            }
            Some('+') => {
                self.at += 1;
                self.factor(depth + 1)
            }
            Some('(') => {
                self.at += 1;
                let value = self.expression(depth + 1)?;
                if self.peek() != Some(')') {
                    return Err(self.syntax("a `(` is never closed".to_string()));
                }
                self.at += 1;
                Ok(value)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number().map(Dual::constant),
            Some(c) if c.is_alphabetic() || c == '_' => self.name(),
            Some(c) => Err(self.syntax(format!("unexpected `{c}`"))),
            None => Err(self.syntax("the expression ends too early".to_string())),
        }
    }

    fn number(&mut self) -> Result<f64, ExprError> {
        let start = self.at;
        self.take_while(|c| c.is_ascii_digit() || c == '.');
        if matches!(self.current(), Some('e' | 'E')) {
            let mark = self.at;
            self.at += 1;
            if matches!(self.current(), Some('+' | '-')) {
                self.at += 1;
            }
            if !matches!(self.current(), Some(c) if c.is_ascii_digit()) {
                self.at = mark;
            }
            self.take_while(|c| c.is_ascii_digit());
        }
        let literal = self.slice(start, self.at).to_string();
        // YAML 1.1 reads `010` as the octal number 8, YAML 1.2 as 10.
        if literal.len() > 1
            && literal.starts_with('0')
            && literal.bytes().all(|b| b.is_ascii_digit())
        {
            self.at = start;
            return Err(self.syntax(format!("`{literal}` has a leading zero")));
        }
        literal.parse::<f64>().map_err(|_| {
            self.at = start;
            self.syntax(format!("`{literal}` is not a number"))
        })
    }

    fn name(&mut self) -> Result<Dual, ExprError> {
        let start = self.at;
        self.take_while(|c| c.is_alphanumeric() || c == '_');
        let name = self.slice(start, self.at);
        match self.parameters.get(name) {
            Some(&value) => Ok(Dual {
                value,
                slope: if self.wrt == Some(name) { 1.0 } else { 0.0 },
            }),
            None => Err(ExprError::UnknownParameter {
                name: name.to_string(),
                suggestion: closest(name, self.parameters.keys().map(String::as_str)),
            }),
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) {
        while matches!(self.current(), Some(c) if keep(c)) {
            self.at += 1;
        }
    }

    fn current(&self) -> Option<char> {
        self.chars.get(self.at).map(|&(_, c)| c)
    }

    /// The next character that is not white space.
    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.current()
    }

    fn skip_space(&mut self) {
        self.take_while(char::is_whitespace);
    }

    fn slice(&self, from: usize, to: usize) -> &str {
        let byte = |i: usize| self.chars.get(i).map_or(self.text.len(), |&(b, _)| b);
        &self.text[byte(from)..byte(to)]
    }

    fn syntax(&self, reason: String) -> ExprError {
        ExprError::Syntax {
            text: self.text.to_string(),
            reason,
            column: self.at + 1,
        }
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to
/// be a likely typo (at most a third of the word's length, and at least 1).
/// The distance is by characters, ignoring case: insertions, deletions,
/// substitutions and swaps of two neighbours each count 1 (the optimal
/// string alignment distance), so `valeu` is one edit from `value`.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (word.chars().count() / 3).max(1);
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(&word, &c.to_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BTreeMap<String, f64> {
        BTreeMap::from([("p".to_string(), 0.5), ("rollback_rate".to_string(), 0.1)])
    }

    #[test]
    fn evaluates_with_precedence_and_parentheses() {
        let cases = [
            ("0.25", 0.25),
            ("1 - p", 0.5),
            ("1 - p - rollback_rate", 0.4),
            ("2 * p / 4", 0.25),
            ("1 - 2 * p", 0.0),
            ("(1 - p) * (1 - p)", 0.25),
            ("-p + 1", 0.5),
            ("1e-3 * 1000", 1.0),
            ("1/3", 1.0 / 3.0),
            ("  .5  ", 0.5),
        ];
        for (text, expected) in cases {
            assert_eq!(evaluate(text, &params()), Ok(expected), "{text}");
        }
    }

    #[test]
    fn reports_each_kind_of_error() {
        assert!(matches!(
            evaluate("1 - ", &params()),
            Err(ExprError::Syntax { column: 5, .. })
        ));
        assert!(matches!(
            evaluate("(1 - p", &params()),
            Err(ExprError::Syntax { .. })
        ));
        assert!(matches!(
            evaluate("1 % p", &params()),
            Err(ExprError::Syntax { column: 3, .. })
        ));
        assert_eq!(
            evaluate("1 - q", &params()),
            Err(ExprError::UnknownParameter {
                name: "q".into(),
                suggestion: Some("p".into())
            })
        );
        assert_eq!(
            evaluate("p / (p - 0.5)", &params()),
            Err(ExprError::DivisionByZero {
                text: "p / (p - 0.5)".into()
            })
        );
        assert!(matches!(
            evaluate("1e308 * 10", &params()),
            Err(ExprError::NotFinite { .. })
        ));
    }

    #[test]
    fn derivatives_follow_the_rules() {
        // p = 0.5, rollback_rate = 0.1; derivatives with respect to p.
        let cases = [
            ("0.25", 0.0),
            ("1 - p - rollback_rate", -1.0),
            ("2 * p / 4", 0.5),
            ("p * p", 1.0),
            ("(1 - p) / (1 + p)", -2.0 / (1.5 * 1.5)),
            ("-p * rollback_rate", -0.1),
            ("1 / p", -4.0),
        ];
        for (text, expected) in cases {
            let (value, slope) = derivative(text, &params(), "p").unwrap();
            assert_eq!(value, evaluate(text, &params()).unwrap(), "{text}");
            assert!((slope - expected).abs() < 1e-15, "{text}: {slope}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "(".repeat(100_000) + "1" + &")".repeat(100_000);
        assert!(matches!(
            evaluate(&text, &params()),
            Err(ExprError::Syntax { .. })
        ));
        let signs = "-".repeat(100_000) + "1";
        assert!(matches!(
            evaluate(&signs, &params()),
            Err(ExprError::Syntax { .. })
        ));
    }

    #[test]
    fn suggests_close_names_only() {
        let known = ["transitions", "states", "horizon"];
        assert_eq!(closest("transitons", known), Some("transitions".into()));
        assert_eq!(closest("State", known), Some("states".into()));
        assert_eq!(closest("banana", known), None);
        assert_eq!(closest("valeu", ["value", "range"]), Some("value".into()));
    }
}
