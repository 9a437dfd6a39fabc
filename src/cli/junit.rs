//! JUnit XML for `verchain check --junit FILE`, the report format most CI
//! systems (GitLab, Jenkins, Azure Pipelines, CircleCI) read.
//!
//! One `<testsuite>` per scenario file, named by its path. Its first
//! `<testcase>`, "valid scenario", carries an `<error>` listing every
//! problem (`line:column: message`) when the file is invalid; then one
//! `<testcase>` per expectation, with a `<failure>` naming where it fails;
//! then, with `--against EVENTS`, one for the history, with a `<failure>`
//! listing its departures or an `<error>` when it cannot be fitted. A
//! `message` attribute is one line with the reason (many CI systems show
//! only that); the element's text holds the whole message. Every name and
//! message is written with its control characters escaped (`\u{2}`), as
//! XML 1.0 allows them in no form.
//!
//! The file is written as `verchain schema -o` writes its own: a regular
//! file whole or not at all (a temporary file beside it, then a rename), a
//! link's file in its place, a pipe or a device as it is.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::diagnostics::visible;

use super::check::{
    FileCheck, Finding, HistoryCheck, departure_message, departure_summary, failure_message,
    failure_summary,
};

/// The JUnit document of a gate run.
pub fn render(checks: &[FileCheck]) -> Vec<u8> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec<u8> cannot fail.
    document(&mut writer, checks).expect("writing XML into memory");
    let mut xml = writer.into_inner();
    xml.push(b'\n');
    xml
}

/// Counts of one file: (tests, failures, errors).
fn counts(check: &FileCheck) -> (usize, usize, usize) {
    let any = |invalid: fn(&Finding) -> bool| usize::from(check.findings.iter().any(invalid));
    // One error for the validity case, one for the history's.
    let errors = any(|f| matches!(f, Finding::Invalid(_)))
        + any(|f| matches!(f, Finding::InvalidHistory(_)));
    let failures = check
        .findings
        .iter()
        .filter(|f| matches!(f, Finding::Failed { .. } | Finding::Departs { .. }))
        .count();
    let tests = 1 + check.expectations.len() + usize::from(check.history.is_some());
    (tests, failures, errors)
}

fn document(writer: &mut Writer<Vec<u8>>, checks: &[FileCheck]) -> io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let (tests, failures, errors) = checks
        .iter()
        .map(counts)
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    writer
        .create_element("testsuites")
        .with_attribute(("name", "verchain check"))
        .with_attribute(("tests", tests.to_string().as_str()))
        .with_attribute(("failures", failures.to_string().as_str()))
        .with_attribute(("errors", errors.to_string().as_str()))
        .write_inner_content(|w| {
            for check in checks {
                suite(w, check)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn suite(writer: &mut Writer<Vec<u8>>, check: &FileCheck) -> io::Result<()> {
    let path = visible(&check.path.display().to_string());
    let (tests, failures, errors) = counts(check);
    let problems: Vec<String> = check
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::Invalid(p) if p.position.line > 0 => Some(format!(
                "{path}:{}:{}: {}",
                p.position.line, p.position.column, p.message
            )),
            Finding::Invalid(p) => Some(format!("{path}: {}", p.message)),
            _ => None,
        })
        .collect();
    writer
        .create_element("testsuite")
        .with_attribute(("name", path.as_str()))
        .with_attribute(("tests", tests.to_string().as_str()))
        .with_attribute(("failures", failures.to_string().as_str()))
        .with_attribute(("errors", errors.to_string().as_str()))
        .write_inner_content(|w| {
            let case = w
                .create_element("testcase")
                .with_attribute(("name", "valid scenario"))
                .with_attribute(("classname", path.as_str()));
            if problems.is_empty() {
                case.write_empty()?;
            } else {
                let summary = format!("{} problem(s) in {path}", problems.len());
                case.write_inner_content(|w| {
                    w.create_element("error")
                        .with_attribute(("message", summary.as_str()))
                        .with_attribute(("type", "invalid scenario"))
                        .write_text_content(BytesText::new(&visible(&problems.join("\n"))))?;
                    Ok(())
                })?;
            }
            for expectation in &check.expectations {
                expectation_case(w, check, &path, expectation)?;
            }
            if let Some(history) = &check.history {
                history_case(w, check, &path, history)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn expectation_case(
    writer: &mut Writer<Vec<u8>>,
    check: &FileCheck,
    path: &str,
    expectation: &str,
) -> io::Result<()> {
    let failed = check.findings.iter().find_map(|f| match f {
        Finding::Failed {
            expectation: e,
            position,
            details,
            more,
        } if e == expectation => Some((
            position,
            visible(&failure_summary(e, details, *more)),
            visible(&failure_message(e, details, *more)),
        )),
        _ => None,
    });
    let case = writer
        .create_element("testcase")
        .with_attribute(("name", visible(expectation).as_str()))
        .with_attribute(("classname", path));
    match failed {
        None => {
            case.write_empty()?;
        }
        Some((position, summary, message)) => {
            let text = format!("{path}:{}:{}: {message}", position.line, position.column);
            case.write_inner_content(|w| {
                w.create_element("failure")
                    .with_attribute(("message", summary.as_str()))
                    .with_attribute(("type", "expectation"))
                    .write_text_content(BytesText::new(&text))?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// The case of `--against EVENTS`: a `<failure>` when the history departs
/// from the scenario, an `<error>` when it cannot be fitted.
fn history_case(
    writer: &mut Writer<Vec<u8>>,
    check: &FileCheck,
    path: &str,
    history: &HistoryCheck,
) -> io::Result<()> {
    let departs = check.findings.iter().find_map(|f| match f {
        Finding::Departs {
            history,
            basis,
            departures,
        } => Some((
            visible(&departure_summary(history, &check.path, basis, departures)),
            visible(&departure_message(history, &check.path, basis, departures)),
        )),
        _ => None,
    });
    let problems: Vec<String> = check
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::InvalidHistory(p) => Some(visible(&p.placed_message())),
            _ => None,
        })
        .collect();
    let name = visible(&format!("agrees with the history {}", history.history));
    let case = writer
        .create_element("testcase")
        .with_attribute(("name", name.as_str()))
        .with_attribute(("classname", path));
    let (element, kind, message, text) = match (departs, problems.first()) {
        // The attribute is one line with the reason; the body says it all.
        (Some((summary, message)), _) => {
            ("failure", "history", summary, format!("{path}: {message}"))
        }
        (None, Some(first)) => (
            "error",
            "invalid history",
            (*first).to_string(),
            problems.join("\n"),
        ),
        (None, None) => {
            case.write_empty()?;
            return Ok(());
        }
    };
    case.write_inner_content(|w| {
        w.create_element(element)
            .with_attribute(("message", message.as_str()))
            .with_attribute(("type", kind))
            .write_text_content(BytesText::new(&text))?;
        Ok(())
    })?;
    Ok(())
}
