//! Turning errors into messages a person can act on.
//!
//! A scenario problem is shown with miette: the message, the file, line and
//! column, the offending YAML underlined with a short label, and a hint.

use std::path::Path;

use miette::{Diagnostic, LabeledSpan, MietteHandlerOpts, NamedSource, Report, SourceSpan};
use thiserror::Error;
use verchain::scenario::{Problem, ScenarioError};

/// Installs miette's handler once: colours only on a terminal, no hyperlinks,
/// lines wide enough that a message is rarely folded.
pub fn install_handler() {
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(
            MietteHandlerOpts::new()
                .terminal_links(false)
                .width(110)
                .build(),
        )
    }));
}

/// `text` with every control character but the line feed written as its
/// Rust escape (`\u{2}`, `\r`, `\t`), as a state name is quoted in a
/// message, and the two noncharacters U+FFFE and U+FFFF too: XML 1.0 allows
/// none of them even as a character reference, and a terminal or a CI log
/// would act on them or hide them.
pub fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c != '\n' && (c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}')) {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// One problem of a scenario, with its source.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
struct ProblemDiagnostic {
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    /// At most one; a problem with no label text is underlined only.
    #[label(collection)]
    labels: Vec<LabeledSpan>,
    #[help]
    help: Option<String>,
}

/// Renders every problem of a scenario, each as its own report.
pub fn scenario_reports(problems: Vec<Problem>, file: &Path, text: &str) -> Vec<Report> {
    let name = file.display().to_string();
    problems
        .into_iter()
        .map(|p| problem_report(p, &name, text))
        .collect()
}

/// Every problem of a scenario error, a YAML error as one problem.
pub fn scenario_problems(error: ScenarioError, text: &str) -> Vec<Problem> {
    match error {
        ScenarioError::Yaml(e) => vec![yaml_problem(&e, text)],
        ScenarioError::Invalid(problems) => problems,
    }
}

/// A YAML error in words a scenario author uses, at its position.
pub fn yaml_problem(error: &serde_saphyr::Error, text: &str) -> Problem {
    let raw = error.without_snippet().to_string();
    let first_line = raw.lines().next().unwrap_or_default().to_string();
    let (message, help) = if raw.contains("duplicate mapping key") {
        let key = first_line
            .split("duplicate mapping key: ")
            .nth(1)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or("a key");
        (
            format!("the key `{key}` appears twice in the same mapping"),
            Some("keep one of the two: YAML does not allow a key twice".to_string()),
        )
    } else if raw.contains("multiple YAML documents") {
        (
            "the file holds more than one YAML document".to_string(),
            Some(
                "a scenario is one document: remove the `---` and what follows, or split the file"
                    .to_string(),
            ),
        )
    } else if raw.contains("recursion limit exceeded") {
        (
            "the file is nested too deeply to be a scenario".to_string(),
            Some(
                "a scenario nests a few levels deep (a row inside `transitions`); verchain stops \
                 reading at 64 levels to protect the machine from hostile files"
                    .to_string(),
            ),
        )
    } else if raw.contains("budget breached") {
        (
            "the file is too large or too deeply nested to be a scenario".to_string(),
            Some(
                "verchain reads at most 1,100,000 YAML nodes (a dense `matrix` of 1,000 states; \
                 dense `transitions`, a key and a value an entry, of about 740), nesting 64 deep \
                 and 50,000 alias expansions, to protect the machine from hostile files; write a \
                 large dense chain as a `matrix`"
                    .to_string(),
            ),
        )
    } else if raw.contains("tab") && raw.contains("indentation") {
        (
            "a tab indents this line, and YAML allows only spaces for indentation".to_string(),
            Some("replace the tab by spaces".to_string()),
        )
    } else {
        let tabbed = error
            .location()
            .and_then(|l| text.lines().nth(l.line().saturating_sub(1) as usize))
            .is_some_and(|line| line.contains('\t'));
        let help =
            tabbed.then(|| "YAML indents with spaces only: replace the tab by spaces".to_string());
        (without_position(&first_line).to_string(), help)
    };
    let location = error.location();
    let span = location.and_then(|l| {
        let span = l.span();
        span.byte_offset()
            .map(|offset| (offset as usize, span.byte_len().unwrap_or(1) as usize))
            .or_else(|| byte_offset(text, l.line(), l.column()).map(|offset| (offset, 1)))
    });
    let position = verchain::scenario::Position {
        line: location.map_or(0, |l| l.line()),
        column: location.map_or(0, |l| l.column()),
        span,
    };
    Problem {
        message,
        position,
        label: None,
        help,
    }
}

/// The parser's message without the " at line L, column C" it ends with:
/// the report shows the position itself.
fn without_position(message: &str) -> &str {
    match message.rsplit_once(" at line ") {
        Some((before, after)) if after.split(", column ").all(|n| n.parse::<u64>().is_ok()) => {
            before
        }
        _ => message,
    }
}

/// The byte offset of 1-based `line` and character `column` in `text`.
fn byte_offset(text: &str, line: u64, column: u64) -> Option<usize> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)? as usize)
        .map(str::len)
        .sum();
    let within = text[start..]
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(0, |(i, _)| i);
    (start + within <= text.len()).then_some(start + within)
}

/// Lines longer than this are not shown as a snippet: they would flood the
/// terminal, and miette cannot place a label past column 65,535.
const MAX_SNIPPET_LINE: usize = 400;

/// Whether 1-based line `line` of `text` is too long to show.
fn line_is_long(text: &str, line: u64) -> bool {
    line > 0
        && text
            .lines()
            .nth(line as usize - 1)
            .is_some_and(|l| l.len() > MAX_SNIPPET_LINE)
}

/// One problem as a report, its line shown and underlined.
pub fn problem_report(mut problem: Problem, name: &str, text: &str) -> Report {
    // A key or a file name may hold a control character, which a terminal
    // would act on rather than show.
    let name = &visible(name);
    problem.message = visible(&problem.message);
    let position = problem.position;
    if line_is_long(text, position.line) {
        let help = problem
            .help
            .map_or(String::new(), |h| format!("\n  help: {h}"));
        return miette::miette!(
            "{name}:{}:{}: {}{help}",
            position.line,
            position.column,
            problem.message
        );
    }
    let span = problem.position.span.map(|(offset, len)| {
        let offset = offset.min(text.len());
        let rest_of_line =
            &text[offset..text[offset..].find('\n').map_or(text.len(), |e| offset + e)];
        // A list or mapping is located by its opening bracket: underline the
        // rest of its line. A block mapping can span many lines: underline one.
        let len = if rest_of_line.starts_with(['[', '{']) {
            rest_of_line.trim_end().len()
        } else {
            len.min(rest_of_line.len())
        };
        SourceSpan::from((offset, len.max(1)))
    });
    let message = if span.is_some() {
        problem.message
    } else {
        // Without a position the file name must stand in the message itself.
        format!("{name}: {}", problem.message)
    };
    Report::new(ProblemDiagnostic {
        message,
        source_code: NamedSource::new(name, text.to_string()),
        labels: span
            .map(|span| LabeledSpan::new_with_span(problem.label, span))
            .into_iter()
            .collect(),
        help: problem.help,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_as_escapes() {
        for (text, want) in [
            ("plain, ünïcode → ok", "plain, ünïcode → ok"),
            ("k\u{2}", "k\\u{2}"),
            ("a\nb", "a\nb"),
            ("\0\t\r\u{1b}[31m", "\\0\\t\\r\\u{1b}[31m"),
            (
                "\u{7f}\u{85}\u{fffe}\u{ffff}",
                "\\u{7f}\\u{85}\\u{fffe}\\u{ffff}",
            ),
        ] {
            assert_eq!(visible(text), want, "{text:?}");
        }
    }
}
