//! The chain as a PRISM model: a `dtmc` with one module whose single
//! variable `s` is the state index, one command per state, and a label per
//! state, as the PRISM language manual describes them
//! (prismmodelchecker.org, "The PRISM Language"). PRISM and Storm both read
//! it, for instance to check `P=? [ F<=20 "deploy" ]`.
//!
//! PRISM starts a DTMC in one state. When `S_0` puts all versions in one
//! state, that state is `init`; otherwise an extra state `start` (index
//! `n`) moves to the states by `S_0` in one step, so times measured from
//! it are one step longer than verchain's, which the file says.
//!
//! Identifiers in PRISM are letters, digits and `_`, not starting with a
//! digit, and `init` and `deadlock` are built-in labels: state names are
//! turned into labels by replacing other characters with `_` and prefixing
//! `s_` where needed, made unique with a numeric suffix, and listed beside
//! the original names in a comment.

use std::collections::HashSet;
use std::fmt::Write;

use super::Model;

/// Words the PRISM language reserves, the built-in label `deadlock`, and
/// the variable `s`: no label or module is named so.
const RESERVED: &[&str] = &[
    "A",
    "bool",
    "clock",
    "const",
    "ctmc",
    "C",
    "double",
    "dtmc",
    "E",
    "endinit",
    "endinvariant",
    "endmodule",
    "endrewards",
    "endsystem",
    "false",
    "formula",
    "filter",
    "func",
    "F",
    "global",
    "G",
    "init",
    "invariant",
    "I",
    "int",
    "label",
    "max",
    "mdp",
    "min",
    "module",
    "X",
    "nondeterministic",
    "Pmax",
    "Pmin",
    "P",
    "probabilistic",
    "prob",
    "pta",
    "rate",
    "rewards",
    "Rmax",
    "Rmin",
    "R",
    "S",
    "stochastic",
    "system",
    "true",
    "U",
    "W",
    "deadlock",
    "s",
];

/// A PRISM identifier for `name`: letters, digits and `_`, not starting with
/// a digit, not reserved, and not among `taken`.
fn identifier(name: &str, taken: &mut HashSet<String>) -> String {
    let mut id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let reserved = |id: &str| RESERVED.contains(&id);
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) || reserved(&id) {
        id = format!("s_{id}");
    }
    let mut unique = id.clone();
    let mut suffix = 2;
    while taken.contains(&unique) {
        unique = format!("{id}_{suffix}");
        suffix += 1;
    }
    taken.insert(unique.clone());
    unique
}

/// A probability as PRISM reads it: the shortest decimal that reads back as
/// the same double, so each command's probabilities sum to 1 as verchain's
/// row does (PRISM allows a small tolerance in that sum).
fn number(p: f64) -> String {
    let text = format!("{p:?}");
    // `1e-5` is not PRISM syntax for a double literal without a decimal point.
    match text.split_once('e') {
        Some((mantissa, exponent)) if !mantissa.contains('.') => format!("{mantissa}.0e{exponent}"),
        _ => text,
    }
}

/// The `[] s=i -> p : (s'=j) + …;` command of one row.
fn command(i: usize, moves: impl Iterator<Item = (usize, f64)>) -> String {
    let updates: Vec<String> = moves
        .map(|(j, p)| format!("{} : (s'={j})", number(p)))
        .collect();
    format!("  [] s={i} -> {};", updates.join(" + "))
}

/// The chain as a PRISM `dtmc` model with a label per state.
pub fn prism(model: &Model) -> String {
    let n = model.states.len();
    let single_start = model.initial.iter().position(|&p| p == 1.0);
    let mut taken = HashSet::new();
    let module = identifier(&model.scenario, &mut taken);
    let labels: Vec<String> = model
        .states
        .iter()
        .map(|s| identifier(s, &mut taken))
        .collect();
    let start_label = identifier("start", &mut taken);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "// {}: a discrete-time Markov chain, one step per {}, exported by verchain {}.",
        model.scenario,
        model.unit,
        env!("CARGO_PKG_VERSION")
    );
    if let Some(description) = &model.description {
        for line in description.lines() {
            let _ = writeln!(out, "// {}", line.trim());
        }
    }
    out.push_str("// The variable s is the state's index; each state has a label:\n");
    for (i, (state, label)) in model.states.iter().zip(&labels).enumerate() {
        let _ = writeln!(out, "//   s={i}  \"{label}\"  {state}");
    }
    match single_start {
        Some(i) => {
            let _ = writeln!(out, "// Versions start in s={i} ({}).", model.states[i]);
        }
        None => {
            let _ = writeln!(
                out,
                "// Versions start spread over several states, which PRISM cannot say: s={n} \
                 (\"{start_label}\")\n// moves there by S_0 in one step, so step t of verchain is \
                 step t + 1 here."
            );
        }
    }
    let _ = writeln!(
        out,
        "// Example property: P=? [ F<=10 \"{}\" ]",
        labels.last().expect("a chain has a state")
    );
    out.push_str("\ndtmc\n\n");
    let _ = writeln!(out, "module {module}");
    let (last, init) = match single_start {
        Some(i) => (n - 1, i),
        None => (n, n),
    };
    let _ = writeln!(out, "  s : [0..{last}] init {init};");
    for i in 0..n {
        let _ = writeln!(out, "{}", command(i, model.edges(i)));
    }
    if single_start.is_none() {
        let moves = model
            .initial
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, p)| p > 0.0);
        let _ = writeln!(out, "{}", command(n, moves));
    }
    out.push_str("endmodule\n\n");
    for (i, label) in labels.iter().enumerate() {
        let _ = writeln!(out, "label \"{label}\" = s={i};");
    }
    if single_start.is_none() {
        let _ = writeln!(out, "label \"{start_label}\" = s={n};");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::model;
    use super::*;

    #[test]
    fn identifiers_are_prism_identifiers_and_unique() {
        let mut taken = HashSet::new();
        let ids: Vec<String> = [
            "deploy",
            "init",
            "9lives",
            "a-b",
            "a_b",
            "",
            "retired \"old\"",
        ]
        .iter()
        .map(|n| identifier(n, &mut taken))
        .collect();
        assert_eq!(
            ids,
            [
                "deploy",
                "s_init",
                "s_9lives",
                "a_b",
                "a_b_2",
                "s_",
                "retired__old_"
            ]
        );
    }

    #[test]
    fn numbers_read_back_exactly_and_are_prism_doubles() {
        for p in [0.5, 0.1, 1.0 / 3.0, 1e-5, 2.5e-17, 1.0] {
            let text = number(p);
            assert_eq!(text.parse::<f64>().unwrap(), p);
            assert!(text.contains('.'), "{text}");
        }
    }

    #[test]
    fn one_start_state_is_init() {
        let text = prism(&model("develop"));
        assert!(text.contains("\ndtmc\n"));
        assert!(text.contains("module seed\n  s : [0..4] init 0;\n"));
        assert!(text.contains("  [] s=1 -> 0.5 : (s'=2) + 0.5 : (s'=3);\n"));
        assert!(text.contains("  [] s=4 -> 1.0 : (s'=4);\n"));
        assert!(text.contains("label \"retired__old_\" = s=4;\n"));
        assert_eq!(text.matches("[] ").count(), 5);
    }

    #[test]
    fn a_spread_start_gets_its_own_state() {
        let text = prism(&model("{develop: 0.25, update: 0.75}"));
        assert!(text.contains("  s : [0..5] init 5;\n"));
        assert!(text.contains("  [] s=5 -> 0.25 : (s'=0) + 0.75 : (s'=3);\n"));
        assert!(text.contains("label \"start\" = s=5;\n"));
    }
}
