//! State diagrams: Graphviz DOT and Mermaid.
//!
//! Both draw one node per state and one edge per positive transition
//! probability, labelled with it. Absorbing states (`T[i][i] = 1`) are drawn
//! with a double outline and the states where versions start (`S_0 > 0`)
//! with a bold one, and both formats say so in a comment, so the picture
//! reads without the scenario file. Names are escaped, so any state name
//! (quotes, `#`, angle brackets) gives a diagram that parses.

use std::fmt::Write;

use super::Model;

/// A probability as a diagram label: at most four decimals (`0.5`,
/// `0.1667`), more where four would round a move that is not certain to `1`
/// or a possible one to `0`, and scientific notation below 10⁻⁴.
pub fn probability_label(p: f64) -> String {
    let trimmed = |s: String| {
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    };
    if p == 1.0 {
        return "1".to_string();
    }
    if p < 1e-4 {
        return format!("{p:.1e}");
    }
    let short = trimmed(format!("{p:.4}"));
    match short.as_str() {
        "1" => trimmed(format!("{p:.9}")),
        _ => short,
    }
}

/// The chain as a Graphviz digraph, left to right.
///
/// Render it with `dot -Tsvg chain.dot > chain.svg`.
pub fn dot(model: &Model) -> String {
    let quoted = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// {}: one node per state, one edge per move with its probability per {}.\n\
         // Double outline: absorbing state. Bold outline: versions start there (S_0 > 0).",
        model.scenario, model.unit
    );
    let _ = writeln!(out, "digraph {} {{", quoted(&model.scenario));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(
        out,
        "  label={}; labelloc=t;",
        quoted(&format!(
            "{} (probabilities per {})",
            model.scenario, model.unit
        ))
    );
    let _ = writeln!(out, "  graph [fontname=\"DejaVu Sans\"];");
    let _ = writeln!(out, "  node [shape=ellipse, fontname=\"DejaVu Sans\"];");
    let _ = writeln!(out, "  edge [fontname=\"DejaVu Sans\"];");
    for (i, state) in model.states.iter().enumerate() {
        let mut attributes = Vec::new();
        if model.is_absorbing(i) {
            attributes.push("peripheries=2");
        }
        if model.initial[i] > 0.0 {
            attributes.push("penwidth=2");
        }
        match attributes.is_empty() {
            true => writeln!(out, "  {};", quoted(state)),
            false => writeln!(out, "  {} [{}];", quoted(state), attributes.join(", ")),
        }
        .expect("writing to a String");
    }
    for (i, from) in model.states.iter().enumerate() {
        for (j, p) in model.edges(i) {
            let _ = writeln!(
                out,
                "  {} -> {} [label={}];",
                quoted(from),
                quoted(&model.states[j]),
                quoted(&probability_label(p))
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Text for inside a quoted Mermaid label: quotes, `#` and angle brackets
/// as Mermaid's entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The chain as a Mermaid flowchart, left to right; the text between the
/// fences of a ```` ```mermaid ```` block, which GitHub and GitLab render.
///
/// State `i` is node `s{i}`, labelled with its name; absorbing states have
/// a double circle and the class `absorbing`, start states the class
/// `start`.
pub fn mermaid(model: &Model) -> String {
    let mut out = String::from("flowchart LR\n");
    let _ = writeln!(
        out,
        "  %% {}: edges are the probabilities of moving per {}; double circle: absorbing; \
         bold: versions start there",
        mermaid_text(&model.scenario),
        mermaid_text(&model.unit)
    );
    for (i, state) in model.states.iter().enumerate() {
        let name = mermaid_text(state);
        let class = if model.is_absorbing(i) {
            ":::absorbing"
        } else if model.initial[i] > 0.0 {
            ":::start"
        } else {
            ""
        };
        match model.is_absorbing(i) {
            true => writeln!(out, "  s{i}(((\"{name}\"))){class}"),
            false => writeln!(out, "  s{i}([\"{name}\"]){class}"),
        }
        .expect("writing to a String");
    }
    for i in 0..model.states.len() {
        for (j, p) in model.edges(i) {
            let _ = writeln!(out, "  s{i} -->|{}| s{j}", probability_label(p));
        }
    }
    out.push_str("  classDef absorbing fill:#eeeeee,stroke:#555555\n");
    out.push_str("  classDef start stroke-width:3px\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::model;
    use super::*;

    #[test]
    fn labels_keep_what_matters() {
        let cases = [
            (1.0, "1"),
            (0.5, "0.5"),
            (1.0 / 6.0, "0.1667"),
            (0.02, "0.02"),
            (0.99999, "0.99999"),
            (0.00002, "2.0e-5"),
            (0.12345, "0.1235"),
        ];
        for (p, label) in cases {
            assert_eq!(probability_label(p), label, "p = {p}");
        }
    }

    #[test]
    fn dot_has_every_edge_once_and_escapes_names() {
        let model = model("develop");
        let text = dot(&model);
        let edges = model.matrix.iter().flatten().filter(|&&p| p > 0.0).count();
        assert_eq!(text.matches(" -> ").count(), edges);
        assert!(text.contains("\"retired \\\"old\\\"\" [peripheries=2];"));
        assert!(text.contains("\"develop\" [penwidth=2];"));
        assert!(text.contains("\"test\" -> \"deploy\" [label=\"0.5\"];"));
        assert!(text.trim_end().ends_with('}'));
    }

    #[test]
    fn mermaid_marks_absorbing_and_start_states() {
        let model = model("{develop: 0.5, update: 0.5}");
        let text = mermaid(&model);
        assert!(text.starts_with("flowchart LR\n"));
        assert!(text.contains("  s4(((\"retired #quot;old#quot;\"))):::absorbing\n"));
        assert!(text.contains("  s0([\"develop\"]):::start\n"));
        assert!(text.contains("  s3([\"update\"]):::start\n"));
        assert!(text.contains("  s1 -->|0.5| s2\n"));
        assert!(text.contains("  s4 -->|1| s4\n"));
        assert_eq!(mermaid_text("a<b>#c"), "a#lt;b#gt;#35;c");
    }
}
