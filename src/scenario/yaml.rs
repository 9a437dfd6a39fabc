//! The first parsing stage: YAML text into a tree of nodes that keep their
//! source positions.
//!
//! serde-saphyr does the YAML work (YAML 1.2 core schema with strict booleans,
//! so `no` and `on` stay strings; numbers with underscores such as `1_0`,
//! which YAML 1.1 reads as 10, stay strings too, so that they are refused
//! where a number is expected rather than read one way or the other;
//! duplicate keys are errors; its budget bounds
//! nesting depth at 64, nodes at [`MAX_NODES`] and alias expansions at
//! 50 000, so an alias bomb or a deeply nested file fails fast instead of
//! exhausting memory). Every value arrives wrapped in `Spanned`, so the
//! second stage (`build`) can check the scenario's meaning and name the line
//! and column of each problem, and report all of them at once rather than
//! stopping at the first.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// The most YAML nodes a scenario may have: a dense `matrix` of 1,000 states
/// and the rest of the file (serde-saphyr's own default, 250,000, would stop
/// at about 500 states); dense `transitions`, a key and a value an entry,
/// fit about 740 states. Depth (64) and alias (50,000) limits stay at the
/// library's defaults.
pub const MAX_NODES: usize = 1_100_000;

/// Where a node starts in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based line; 0 when unknown.
    pub line: u64,
    /// 1-based column; 0 when unknown.
    pub column: u64,
    /// Byte offset into the source and length in bytes, when known.
    pub span: Option<(usize, usize)>,
}

impl Position {
    /// Where serde-saphyr says a value is.
    pub fn of(location: &serde_saphyr::Location) -> Self {
        let span = location.span();
        Self {
            line: location.line(),
            column: location.column(),
            span: span
                .byte_offset()
                .zip(span.byte_len())
                .map(|(offset, len)| (offset as usize, len as usize)),
        }
    }
}

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub position: Position,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Integer(i128),
    Float(f64),
    String(String),
    Sequence(Vec<Node>),
    /// Entries in document order.
    Mapping(Vec<(Node, Node)>),
}

impl Node {
    /// What kind of value this is, for messages ("expected a number, found a list").
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Integer(_) | Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    /// The node as a string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The node as a number, if it is one.
    pub fn as_number(&self) -> Option<f64> {
        match self.value {
            Value::Integer(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// A short rendering of the value for messages.
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "null".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::String(s) => format!("{s:?}"),
            Value::Sequence(items) => format!("a list of {}", items.len()),
            Value::Mapping(entries) => format!("a mapping of {} keys", entries.len()),
        }
    }
}

/// The hint for a string found where a number or a boolean was expected,
/// when it looks like one: what it is taken for and how to write the value.
/// `None` when it looks like neither.
///
/// `yes`, `no`, `on` and `off` are booleans in YAML 1.1 and strings in
/// YAML 1.2; `1_0` is 10 in YAML 1.1 and a string in YAML 1.2. verchain
/// reads YAML 1.2 and refuses both where a number or a boolean belongs, so
/// a file never means one thing here and another elsewhere.
pub fn misread_hint(text: &str) -> Option<String> {
    let word = text.trim();
    let lower = word.to_ascii_lowercase();
    if ["y", "yes", "n", "no", "on", "off"].contains(&lower.as_str()) {
        let truth = matches!(lower.as_str(), "y" | "yes" | "on");
        return Some(format!(
            "`{word}` is text in YAML 1.2, which verchain reads (YAML 1.1 reads it as {truth}); \
             write `true` or `false` for a boolean, or a number"
        ));
    }
    if [
        "nan",
        "inf",
        "+inf",
        "-inf",
        "infinity",
        "+infinity",
        "-infinity",
    ]
    .contains(&lower.as_str())
    {
        return Some(format!(
            "`{word}` is text, not a number: write a finite number (YAML's own `.nan`, `.inf` \
             and `-.inf` are refused too)"
        ));
    }
    if is_zero_padded_integer(word) {
        let decimal = word.trim_start_matches(['+', '-', '0']);
        let decimal = if decimal.is_empty() { "0" } else { decimal };
        let yaml_1_1 = match i64::from_str_radix(word.trim_start_matches(['+', '-']), 8) {
            Ok(octal) => format!("the octal number {octal}"),
            Err(_) => "text".to_string(),
        };
        return Some(format!(
            "`{word}` is ambiguous: YAML 1.1 reads it as {yaml_1_1}, YAML 1.2 \
             as {decimal}; write the number without the leading zero"
        ));
    }
    let number_like = word.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c))
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || "_.eE+-".contains(c));
    match word.replace('_', "").parse::<f64>() {
        Ok(number) if number_like && word.contains('_') => Some(format!(
            "`{word}` is ambiguous: YAML 1.1 reads it as the number {number}, YAML 1.2 as the \
             text \"{word}\"; write the number without underscores"
        )),
        Ok(_) if number_like => Some(format!(
            "\"{word}\" is quoted, so it is text; write {word}, without quotes, for the number"
        )),
        _ => None,
    }
}

/// Parses YAML text into a node tree.
///
/// # Errors
///
/// serde-saphyr's error, which carries the position of broken YAML, a
/// duplicate key or an exceeded budget.
pub fn parse(text: &str) -> Result<Node, serde_saphyr::Error> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = MAX_NODES;
    budget.max_events = 2 * MAX_NODES + 1_000;
    let options = serde_saphyr::options! {
        budget: Some(budget),
        strict_booleans: true,
        underscored_numbers_as_strings: true,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    };
    let mut root: Node = serde_saphyr::from_str_with_options(text, options)?;
    keep_zero_padded_integers_as_text(&mut root, text);
    Ok(root)
}

/// Turns numbers written with a leading zero (`010`) back into the text
/// they were, so that they are refused where a number is expected: YAML 1.1
/// reads `010` as the octal number 8, YAML 1.2 as 10.
fn keep_zero_padded_integers_as_text(node: &mut Node, text: &str) {
    match &mut node.value {
        Value::Integer(_) | Value::Float(_) => {
            let token = node
                .position
                .span
                .and_then(|(offset, len)| text.get(offset..offset + len));
            if let Some(token) = token.filter(|t| is_zero_padded_integer(t)) {
                node.value = Value::String(token.to_string());
            }
        }
        Value::Sequence(items) => {
            for item in items {
                keep_zero_padded_integers_as_text(item, text);
            }
        }
        Value::Mapping(entries) => {
            for (_, value) in entries {
                keep_zero_padded_integers_as_text(value, text);
            }
        }
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

/// `0` followed by more digits, with an optional sign: `010`, `-07`.
fn is_zero_padded_integer(token: &str) -> bool {
    let digits = token.strip_prefix(['+', '-']).unwrap_or(token);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        Ok(Node {
            value: spanned.value,
            position: Position::of(&spanned.referenced),
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Integer(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Integer(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Integer(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i128::try_from(v)
            .map(Value::Integer)
            .map_err(|_| E::custom(format!("the integer {v} is too large")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // `-0.0` is zero; adding 0.0 drops its sign, so no output shows `-0`.
        Ok(Value::Float(v + 0.0))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Mapping(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_and_order() {
        let node = parse("b: 1\na:\n  - x\n  - 0.5\n").unwrap();
        let Value::Mapping(entries) = node.value else {
            panic!("expected a mapping")
        };
        assert_eq!(entries[0].0.as_str(), Some("b"));
        assert_eq!(entries[1].0.position.line, 2);
        let Value::Sequence(items) = &entries[1].1.value else {
            panic!("expected a list")
        };
        assert_eq!(items[1].as_number(), Some(0.5));
        assert_eq!((items[1].position.line, items[1].position.column), (4, 5));
        assert_eq!(items[1].position.span.map(|(o, _)| o), Some(18));
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() {
        let node = parse("[no, on, true]").unwrap();
        let Value::Sequence(items) = node.value else {
            panic!("expected a list")
        };
        assert_eq!(items[0].as_str(), Some("no"));
        assert_eq!(items[1].as_str(), Some("on"));
        assert_eq!(items[2].value, Value::Bool(true));
    }

    #[test]
    fn numbers_with_underscores_stay_strings() {
        let node = parse("[1_0, 0.2_5, 10]").unwrap();
        let Value::Sequence(items) = node.value else {
            panic!("expected a list")
        };
        assert_eq!(items[0].as_str(), Some("1_0"));
        assert_eq!(items[1].as_str(), Some("0.2_5"));
        assert_eq!(items[2].value, Value::Integer(10));
    }

    #[test]
    fn zero_padded_integers_stay_strings() {
        let node = parse("[010, -07, 0, 0.5, 00.5, 10]").unwrap();
        let Value::Sequence(items) = node.value else {
            panic!("expected a list")
        };
        assert_eq!(items[0].as_str(), Some("010"));
        assert_eq!(items[1].as_str(), Some("-07"));
        assert_eq!(items[2].value, Value::Integer(0));
        assert_eq!(items[3].as_number(), Some(0.5));
        assert_eq!(items[4].as_number(), Some(0.5));
        assert_eq!(items[5].value, Value::Integer(10));
        let hint = misread_hint("010").unwrap();
        assert!(
            hint.contains("octal number 8") && hint.contains("as 10"),
            "{hint}"
        );
        assert!(misread_hint("09").unwrap().contains("reads it as text"));
    }

    #[test]
    fn negative_zero_is_zero() {
        let node = parse("-0.0").unwrap();
        let Value::Float(zero) = node.value else {
            panic!("expected a number")
        };
        assert!(zero == 0.0 && zero.is_sign_positive());
    }

    #[test]
    fn strings_that_look_like_numbers_or_booleans_get_a_hint() {
        let hint = |text| misread_hint(text).unwrap_or_default();
        assert!(hint("1_0").contains("ambiguous") && hint("1_0").contains("10"));
        assert!(hint("0.2_5").contains("0.25"));
        assert!(hint("Off").contains("false"));
        assert!(hint("nan").contains("not a number"));
        assert!(hint("0.5").contains("quoted"));
        for plain in ["p", "1 - p", "rest", "in_f", "_1", "1-2"] {
            assert_eq!(misread_hint(plain), None, "{plain}");
        }
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.location().map(|l| l.line()), Some(2));
    }
}
