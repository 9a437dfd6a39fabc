//! Turning errors into messages a person can act on.
//!
//! A scenario problem is shown with miette: the message, the file, line and
//! column, the offending YAML underlined with a short label, and a hint.

use std::path::Path;

use miette::{Diagnostic, MietteHandlerOpts, NamedSource, Report, SourceSpan};
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

/// One problem of a scenario, with its source.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
struct ProblemDiagnostic {
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
}

/// Renders every problem of a scenario error, each as its own report.
pub fn scenario_reports(error: ScenarioError, file: &Path, text: &str) -> Vec<Report> {
    let name = file.display().to_string();
    match error {
        ScenarioError::Yaml(e) => {
            // The snippet stored in the error would otherwise be named `<input>`.
            let options = serde_saphyr::render_options! { source_name: Some(name.as_str()) };
            vec![serde_saphyr::miette::to_miette_report_with_options(
                &e, text, &name, options,
            )]
        }
        ScenarioError::Invalid(problems) => problems
            .into_iter()
            .map(|p| problem_report(p, &name, text))
            .collect(),
    }
}

fn problem_report(problem: Problem, name: &str, text: &str) -> Report {
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
        span,
        label: problem.label.unwrap_or_default(),
        help: problem.help,
    })
}
