//! JUnit XML for `verchain check --junit FILE`, the report format most CI
//! systems (GitLab, Jenkins, Azure Pipelines, CircleCI) read.
//!
//! One `<testsuite>` per scenario file, named by its path. Its first
//! `<testcase>`, "valid scenario", carries an `<error>` listing every
//! problem (`line:column: message`) when the file is invalid; then one
//! `<testcase>` per expectation, with a `<failure>` naming where it fails.
//! The file is written whole or not at all (a temporary file beside it, then
//! a rename).

use std::io;
use std::path::Path;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::check::{FileCheck, Finding, failure_message};

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
    let errors = usize::from(
        check
            .findings
            .iter()
            .any(|f| matches!(f, Finding::Invalid(_))),
    );
    let failures = check
        .findings
        .iter()
        .filter(|f| matches!(f, Finding::Failed { .. }))
        .count();
    (1 + check.expectations.len(), failures, errors)
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
    let path = check.path.display().to_string();
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
            Finding::Failed { .. } => None,
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
                        .write_text_content(BytesText::new(&problems.join("\n")))?;
                    Ok(())
                })?;
            }
            for expectation in &check.expectations {
                expectation_case(w, check, &path, expectation)?;
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
        } if e == expectation => Some((position, failure_message(e, details, *more))),
        _ => None,
    });
    let case = writer
        .create_element("testcase")
        .with_attribute(("name", expectation))
        .with_attribute(("classname", path));
    match failed {
        None => {
            case.write_empty()?;
        }
        Some((position, message)) => {
            let text = format!("{path}:{}:{}: {message}", position.line, position.column);
            let first = message.lines().next().unwrap_or_default().to_string();
            case.write_inner_content(|w| {
                w.create_element("failure")
                    .with_attribute(("message", first.as_str()))
                    .with_attribute(("type", "expectation"))
                    .write_text_content(BytesText::new(&text))?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` whole or not at all.
///
/// # Errors
///
/// The I/O error of the temporary file or the rename; `path` is then as it was.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("the path names no file"))?;
    let temporary = path.with_file_name(format!(
        ".{}.partial-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
