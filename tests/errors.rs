//! Bad input of every kind, given to the real binary: each case's message
//! and exit code are a snapshot (`tests/snapshots/errors__*.snap`), and the
//! same cases make `docs/bad-input.md`, the list of bad inputs tried with
//! the message each got.
//!
//! `VERCHAIN_WRITE_BAD_INPUT_DOC=1 cargo test --test errors` rewrites the
//! list after a change; otherwise a test fails when it is out of date.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use assert_cmd::Command;

/// The list of bad inputs, relative to the repository's root.
const DOC: &str = "docs/bad-input.md";
/// Set to rewrite [`DOC`] instead of checking it.
const WRITE_DOC: &str = "VERCHAIN_WRITE_BAD_INPUT_DOC";

/// Runs fast: no simulation, no files written.
const RUN: &[&str] = &["run", "--no-files", "--walkers", "0"];
const CHECK: &[&str] = &["check"];
const FIT: &[&str] = &["fit", "--no-files"];

/// A scenario whose row of `develop` holds the value under test.
macro_rules! scenario_with_entry {
    ($entry:literal) => {
        concat!(
            "states: [develop, production]\n",
            "transitions:\n",
            "  develop: {develop: ",
            $entry,
            ", production: 0.5}\n",
            "  production: absorbing\n"
        )
        .as_bytes()
    };
}

/// A valid scenario with `$line` added at its end.
macro_rules! scenario_with_line {
    ($line:literal) => {
        concat!(
            "states: [develop, production]\n",
            "transitions:\n",
            "  develop: {develop: 0.5, production: 0.5}\n",
            "  production: absorbing\n",
            $line,
            "\n"
        )
        .as_bytes()
    };
}

/// A file's text, one literal a line.
macro_rules! lines {
    ($($line:literal),* $(,)?) => {
        concat!($($line, "\n"),*).as_bytes()
    };
}

/// What the file named on the command line is.
enum Input {
    /// A file with these bytes.
    Bytes(&'static [u8]),
    /// A folder.
    Folder,
    /// Nothing: no such file.
    Missing,
    /// A sparse file of a dense matrix of 100,000 states: the list of
    /// states, then zeros up to the size the matrix would take.
    HugeMatrix,
}

/// One bad input and the command it is given to.
struct Case {
    /// Names the snapshot.
    name: &'static str,
    /// What was given, in a few words: the section's title in [`DOC`].
    title: &'static str,
    /// The subcommand and its options; the file's name follows them.
    command: &'static [&'static str],
    /// The file's name.
    file: &'static str,
    input: Input,
}

const fn case(
    name: &'static str,
    title: &'static str,
    command: &'static [&'static str],
    file: &'static str,
    input: Input,
) -> Case {
    Case {
        name,
        title,
        command,
        file,
        input,
    }
}

const LF: &[u8] = scenario_with_entry!("0.5");

fn cases() -> Vec<Case> {
    use Input::{Bytes, Folder, HugeMatrix, Missing};
    vec![
        case(
            "nan",
            "NaN as an entry: `.nan`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_entry!(".nan")),
        ),
        case(
            "nan-word",
            "NaN as an entry: `nan`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_entry!("nan")),
        ),
        case(
            "inf",
            "+∞ as an entry: `.inf`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_entry!(".inf")),
        ),
        case(
            "minus-inf",
            "−∞ as an entry: `-.inf`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_entry!("-.inf")),
        ),
        case(
            "overflow",
            "A number too large for a double: `1e999`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_entry!("1e999")),
        ),
        case(
            "negative-zero",
            "Negative zero as an entry: `-0.0` (accepted: it is 0)",
            RUN,
            "zero.yaml",
            Bytes(lines!(
                "states: [develop, production]",
                "transitions:",
                "  develop: {develop: -0.0, production: 1}",
                "  production: absorbing",
            )),
        ),
        case(
            "quoted-entry",
            "A number as a string in an entry: `\"0.5\"` (accepted: an entry is an expression)",
            RUN,
            "quoted.yaml",
            Bytes(scenario_with_entry!("\"0.5\"")),
        ),
        case(
            "quoted-parameter",
            "A number as a string in a parameter: `p: \"0.5\"`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_line!("parameters: {p: \"0.5\"}")),
        ),
        case(
            "quoted-horizon",
            "A number as a string in `horizon`: `\"20\"`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_line!("horizon: \"20\"")),
        ),
        case(
            "yes-entry",
            "A YAML 1.1 boolean as an entry: `yes`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_entry!("yes")),
        ),
        case(
            "no-horizon",
            "A YAML 1.1 boolean as `horizon`: `no`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_line!("horizon: no")),
        ),
        case(
            "on-parameter",
            "A YAML 1.1 boolean as a parameter: `on`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_line!("parameters: {p: on}")),
        ),
        case(
            "off-simulate",
            "A YAML 1.1 boolean where a boolean is expected: `simulate: off`",
            RUN,
            "bad.yaml",
            Bytes(lines!(
                "states: [develop, production]",
                "parameters: {p: 0.5}",
                "transitions:",
                "  develop: {develop: p, production: rest}",
                "  production: absorbing",
                "sweeps:",
                "  parameters: {p: [0.5, 0.6]}",
                "  metrics: [mixing_time]",
                "  simulate: off",
            )),
        ),
        case(
            "underscore-horizon",
            "A YAML 1.1 number with underscores: `horizon: 1_0`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_line!("horizon: 1_0")),
        ),
        case(
            "underscore-entry",
            "A YAML 1.1 number with underscores as an entry: `0_5`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_entry!("0_5")),
        ),
        case(
            "underscore-parameter",
            "A YAML 1.1 number with underscores as a parameter: `0.2_5`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_line!("parameters: {p: 0.2_5}")),
        ),
        case(
            "octal-horizon",
            "A number with a leading zero, octal in YAML 1.1: `horizon: 010`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_line!("horizon: 010")),
        ),
        case(
            "octal-entry",
            "A number with a leading zero as an entry: `05`",
            RUN,
            "bad.yaml",
            Bytes(scenario_with_entry!("05")),
        ),
        case(
            "duplicate-key",
            "A key given twice at the top level",
            RUN,
            "bad.yaml",
            Bytes(lines!(
                "states: [develop, production]",
                "horizon: 10",
                "states: [develop, production]",
                "transitions:",
                "  develop: {production: 1}",
                "  production: absorbing",
            )),
        ),
        case(
            "duplicate-key-in-row",
            "A key given twice inside a row",
            RUN,
            "bad.yaml",
            Bytes(lines!(
                "states: [develop, production]",
                "transitions:",
                "  develop: {develop: 0.5, develop: 0.5}",
                "  production: absorbing",
            )),
        ),
        case(
            "bom",
            "A UTF-8 byte-order mark at the start (accepted)",
            RUN,
            "bom.yaml",
            Bytes(lines!(
                "\u{feff}states: [develop, production]",
                "transitions:",
                "  develop: {develop: 0.5, production: 0.5}",
                "  production: absorbing",
            )),
        ),
        case(
            "crlf",
            "CRLF line ends (accepted)",
            RUN,
            "crlf.yaml",
            Bytes(lines!(
                "states: [develop, production]\r",
                "transitions:\r",
                "  develop: {develop: 0.5, production: 0.5}\r",
                "  production: absorbing\r",
            )),
        ),
        case(
            "tab",
            "A tab used as indentation",
            RUN,
            "bad.yaml",
            Bytes(lines!(
                "states: [develop, production]",
                "transitions:",
                "\tdevelop: {develop: 0.5, production: 0.5}",
                "\tproduction: absorbing",
            )),
        ),
        case(
            "not-utf8",
            "Bytes that are not UTF-8 (Latin-1 `é`)",
            RUN,
            "bad.yaml",
            Bytes(b"states: [develop, d\xe9ploy]\n"),
        ),
        case("empty", "An empty file", RUN, "empty.yaml", Bytes(b"")),
        case(
            "comments",
            "A file with only comments",
            RUN,
            "comments.yaml",
            Bytes(b"# states: [develop, production]\n# to be written\n"),
        ),
        case(
            "folder",
            "A path that is a folder",
            RUN,
            "folder.yaml",
            Folder,
        ),
        case(
            "missing",
            "A file that does not exist",
            RUN,
            "missing.yaml",
            Missing,
        ),
        case(
            "huge",
            "A dense matrix of 100,000 states",
            RUN,
            "huge.yaml",
            HugeMatrix,
        ),
        case(
            "unknown-flag",
            "An unknown flag: `--no-such-flag`",
            &["run", "--no-such-flag"],
            "bad.yaml",
            Bytes(LF),
        ),
        case(
            "check-nan",
            "`check`: NaN as an entry",
            CHECK,
            "bad.yaml",
            Bytes(scenario_with_entry!(".nan")),
        ),
        case(
            "check-not-utf8",
            "`check`: bytes that are not UTF-8",
            CHECK,
            "bad.yaml",
            Bytes(b"states: [develop, d\xe9ploy]\n"),
        ),
        case(
            "check-folder",
            "`check`: a folder without scenarios",
            CHECK,
            "scenarios",
            Folder,
        ),
        case(
            "check-missing",
            "`check`: a file that does not exist",
            CHECK,
            "missing.yaml",
            Missing,
        ),
        case(
            "check-huge",
            "`check`: a dense matrix of 100,000 states",
            CHECK,
            "huge.yaml",
            HugeMatrix,
        ),
        case(
            "fit-empty",
            "`fit`: an empty history",
            FIT,
            "events.csv",
            Bytes(b""),
        ),
        case(
            "fit-missing-column",
            "`fit`: no time column",
            FIT,
            "events.csv",
            Bytes(b"version_id,when,to_state\nv1,2025-01-01T00:00:00Z,canary\n"),
        ),
        case(
            "fit-timestamp",
            "`fit`: a timestamp that cannot be read",
            FIT,
            "events.csv",
            Bytes(lines!(
                "version_id,timestamp,to_state",
                "v1,2025-01-01T00:00:00Z,canary",
                "v1,yesterday,production",
            )),
        ),
        case(
            "fit-not-utf8",
            "`fit`: bytes that are not UTF-8",
            FIT,
            "events.csv",
            Bytes(
                b"version_id,timestamp,to_state\n\
                  v1,2025-01-01T00:00:00Z,d\xe9ploy\n\
                  v1,2025-01-02T00:00:00Z,production\n",
            ),
        ),
        case(
            "fit-unclosed-quote",
            "`fit`: a quoted field never closed",
            FIT,
            "events.csv",
            Bytes(lines!(
                "version_id,timestamp,to_state,note",
                "v1,2025-01-01T00:00:00Z,canary,\"urgent",
                "v1,2025-01-02T00:00:00Z,production,",
            )),
        ),
        case(
            "fit-column-twice",
            "`fit`: a column named twice",
            FIT,
            "events.csv",
            Bytes(lines!(
                "version_id,timestamp,to_state,to_state",
                "v1,2025-01-01T00:00:00Z,canary,production",
            )),
        ),
        case(
            "fit-time-range",
            "`fit`: epoch microseconds",
            FIT,
            "events.csv",
            Bytes(lines!(
                "version_id,timestamp,to_state",
                "v1,1735689600000000,canary",
            )),
        ),
        case(
            "fit-folder",
            "`fit`: a path that is a folder",
            FIT,
            "events.csv",
            Folder,
        ),
        case(
            "fit-missing",
            "`fit`: a file that does not exist",
            FIT,
            "events.csv",
            Missing,
        ),
    ]
}

/// The states of [`Input::HugeMatrix`].
const HUGE_STATES: usize = 100_000;

/// Puts the case's input at `path`.
fn create(input: &Input, path: &Path) {
    match input {
        Input::Bytes(bytes) => fs::write(path, bytes).unwrap(),
        Input::Folder => fs::create_dir(path).unwrap(),
        Input::Missing => {}
        Input::HugeMatrix => {
            let states: Vec<String> = (0..HUGE_STATES).map(|i| format!("s{i}")).collect();
            let head = format!("states: [{}]\nmatrix:\n", states.join(", "));
            fs::write(path, head).unwrap();
            // Each row would be `  - [0, 0, …]`: three bytes an entry. Sparse:
            // the zeros take no room on disk and are never written.
            let dense = (HUGE_STATES * HUGE_STATES * 3) as u64;
            fs::OpenOptions::new()
                .write(true)
                .open(path)
                .unwrap()
                .set_len(dense)
                .unwrap();
        }
    }
}

/// What the binary did with one case.
struct Outcome {
    /// The command line as a person types it.
    command_line: String,
    code: i32,
    stderr: String,
}

/// Runs a case in a fresh temporary folder, the file named relative to it so
/// that messages do not depend on where the folder is.
fn outcome(case: &Case) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    create(&case.input, &dir.path().join(case.file));
    let (subcommand, options) = case.command.split_first().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_verchain"))
        .current_dir(dir.path())
        .arg(subcommand)
        .arg(case.file)
        .args(options)
        // Plain text whatever the terminal: no colours, miette's drawing.
        .env("NO_COLOR", "1")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_GRAPHICS")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let folder = dir.path().display().to_string();
    Outcome {
        command_line: format!("verchain {subcommand} {} {}", case.file, options.join(" "))
            .trim_end()
            .to_string(),
        code: output.status.code().expect("ended by a signal"),
        stderr: without_ansi(&stderr).replace(&folder, "<dir>"),
    }
}

/// `text` without ANSI escape sequences (`ESC [ … letter`).
fn without_ansi(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            plain.push(c);
        }
    }
    plain
}

/// Whether only a case's exit code and subject are pinned, not its words: a
/// huge scenario may be refused by the file cap or by a limit on states.
fn is_loose(case: &Case) -> bool {
    matches!(case.input, Input::HugeMatrix)
}

#[test]
fn every_bad_input_gets_its_message_and_exit_code() {
    for case in cases() {
        let outcome = outcome(&case);
        assert!(
            !outcome.stderr.contains("panicked"),
            "{}: {}",
            case.name,
            outcome.stderr
        );
        if is_loose(&case) {
            assert_eq!(outcome.code, 2, "{}: {}", case.name, outcome.stderr);
            assert!(
                outcome.stderr.contains("huge.yaml")
                    && (outcome.stderr.contains("MiB") || outcome.stderr.contains("states")),
                "{}: {}",
                case.name,
                outcome.stderr
            );
            continue;
        }
        insta::assert_snapshot!(
            case.name,
            format!(
                "$ {}\nexit code {}\n{}",
                outcome.command_line, outcome.code, outcome.stderr
            )
        );
    }
}

/// Runs `verchain run FILE --format json` in `dir` and returns stdout.
fn json_of(dir: &Path, file: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_verchain"))
        .current_dir(dir)
        .args([
            "run",
            file,
            "--format",
            "json",
            "--no-files",
            "--walkers",
            "1000",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The JSON document of a run of each text, all in files of the same name
/// so that the scenario's name is the same.
fn documents(texts: &[&[u8]]) -> Vec<String> {
    texts
        .iter()
        .map(|text| {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join("lifecycle.yaml"), text).unwrap();
            json_of(dir.path(), "lifecycle.yaml")
        })
        .collect()
}

#[test]
fn crlf_line_ends_and_a_byte_order_mark_give_the_same_numbers_as_plain_lf() {
    let crlf = String::from_utf8(LF.to_vec())
        .unwrap()
        .replace('\n', "\r\n");
    let bom = [b"\xef\xbb\xbf".as_slice(), LF].concat();
    let documents = documents(&[LF, crlf.as_bytes(), &bom]);
    assert_eq!(documents[1], documents[0], "CRLF");
    assert_eq!(documents[2], documents[0], "byte-order mark");
}

#[test]
fn negative_zero_is_zero_everywhere() {
    let signed = lines!(
        "states: [a, b]",
        "parameters: {p: -0.0}",
        "transitions:",
        "  a: {a: -0.0, b: 1}",
        "  b: {a: p, b: rest}",
        "initial: [1, -0.0]",
    );
    let plain = lines!(
        "states: [a, b]",
        "parameters: {p: 0.0}",
        "transitions:",
        "  a: {a: 0.0, b: 1}",
        "  b: {a: p, b: rest}",
        "initial: [1, 0.0]",
    );
    let documents = documents(&[signed, plain]);
    assert_eq!(documents[0], documents[1]);
    let document: serde_json::Value = serde_json::from_str(&documents[0]).unwrap();
    assert!(!has_negative_zero(&document), "{document}");
}

fn has_negative_zero(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) => {
            n.as_f64().is_some_and(|x| x == 0.0 && x.is_sign_negative())
        }
        serde_json::Value::Array(items) => items.iter().any(has_negative_zero),
        serde_json::Value::Object(fields) => fields.values().any(has_negative_zero),
        _ => false,
    }
}

#[test]
fn the_list_of_bad_inputs_is_up_to_date() {
    let document = bad_input_document();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DOC);
    if std::env::var_os(WRITE_DOC).is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &document).unwrap();
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    if committed != document {
        let line = committed
            .lines()
            .zip(document.lines())
            .position(|(old, new)| old != new)
            .unwrap_or_else(|| committed.lines().count().min(document.lines().count()));
        panic!(
            "{DOC} is out of date (from its line {}); rewrite it with \
             `{WRITE_DOC}=1 cargo test --test errors` and review the diff",
            line + 1
        );
    }
}

/// `docs/bad-input.md`, from the cases and what the binary says of each.
fn bad_input_document() -> String {
    let mut doc = String::new();
    doc.push_str(concat!(
        "# Bad input and the messages it gets\n",
        "\n",
        "Every input below was given to `verchain`; each section shows the file\n",
        "(or what the path is), the command, its exit code (see\n",
        "[Exit codes](../README.md#exit-codes)) and the exact message on stderr.\n",
        "In the files, `\\t` stands for a tab, `\\r` for a carriage return,\n",
        "`\\u{feff}` for a byte-order mark and `\\xNN` for a byte that is not UTF-8.\n",
        "\n",
        "`tests/errors.rs` makes this list from the same cases as its snapshot\n",
        "tests, and fails when it is out of date; after a change,\n",
        "`VERCHAIN_WRITE_BAD_INPUT_DOC=1 cargo test --test errors` rewrites it.\n",
    ));
    for case in cases() {
        let outcome = outcome(&case);
        write!(doc, "\n## {}\n\n", case.title).unwrap();
        match &case.input {
            Input::Bytes([]) => writeln!(doc, "`{}` is empty (0 bytes).\n", case.file).unwrap(),
            Input::Bytes(bytes) => {
                let language = if case.file.ends_with(".csv") {
                    "csv"
                } else {
                    "yaml"
                };
                write!(
                    doc,
                    "`{}`:\n\n```{language}\n{}```\n\n",
                    case.file,
                    escaped(bytes)
                )
                .unwrap()
            }
            Input::Folder => writeln!(doc, "`{}` is a folder.\n", case.file).unwrap(),
            Input::Missing => writeln!(doc, "There is no `{}`.\n", case.file).unwrap(),
            Input::HugeMatrix => writeln!(
                doc,
                "`{}` lists 100,000 states, `states: [s0, s1, …, s{}]`, then\n\
                 `matrix:`, and is as long as the dense matrix would be ({} GB;\n\
                 a sparse file, zeros after the list).\n",
                case.file,
                HUGE_STATES - 1,
                HUGE_STATES * HUGE_STATES * 3 / 1_000_000_000
            )
            .unwrap(),
        }
        write!(
            doc,
            "`{}` exits {}{}",
            outcome.command_line,
            outcome.code,
            if outcome.stderr.is_empty() {
                " and prints nothing on stderr.\n".to_string()
            } else {
                format!(":\n\n```text\n{}\n```\n", outcome.stderr.trim_end())
            }
        )
        .unwrap();
    }
    doc
}

/// A file's bytes as text for a code block, with tabs, carriage returns, a
/// byte-order mark and bytes that are not UTF-8 made visible.
fn escaped(bytes: &[u8]) -> String {
    let mut text = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => text.push_str("\\t"),
                '\r' => text.push_str("\\r"),
                '\u{feff}' => text.push_str("\\u{feff}"),
                c => text.push(c),
            }
        }
        for byte in chunk.invalid() {
            write!(text, "\\x{byte:02X}").unwrap();
        }
    }
    text
}
