//! `verchain check`, the CI gate, run end to end: exit codes, GitHub
//! annotations and JUnit XML on a broken row, a broken sweep point, a broken
//! phase and a failed expectation.

use std::fs;
use std::path::PathBuf;

mod common;
use common::verchain;

/// Scenario files written into a fresh temporary folder.
fn files(entries: &[(&str, &str)]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = entries
        .iter()
        .map(|(name, text)| {
            let path = dir.path().join(name);
            fs::write(&path, text).unwrap();
            path
        })
        .collect();
    (dir, paths)
}

const GOOD: &str = "\
states: [develop, production]
parameters:
  p: 0.5
transitions:
  develop: {develop: p, production: rest}
  production: absorbing
expect:
  - hitting[production].probability from develop >= 0.99
  - hitting[production].expected from develop <= 2
";

const BROKEN_ROW: &str = "\
states: [develop, production]
transitions:
  develop: {develop: 0.5, production: 0.6}
  production: absorbing
";

const BROKEN_POINT: &str = "\
states: [a, b, c]
parameters:
  p: 0.2
  q: 0.3
transitions:
  a: {a: p, b: q, c: 1 - p - q}
  b: {a: 1}
  c: {a: 1}
sweeps:
  parameters:
    p: [0.2, 0.6]
    q: [0.3, 0.5]
";

const BROKEN_PHASE: &str = "\
states: [a, b]
transitions:
  a: {a: 0.5, b: 0.5}
  b: {a: 1}
phases:
  - name: freeze
    from: 2
    to: 4
    transitions:
      a: {a: 0.9, b: 0.2}
";

/// Holds at the base (p = 0.5: E[τ] = 2) but not at p = 0.75 (E[τ] = 4).
const FAILING: &str = "\
states: [develop, production]
parameters:
  p: 0.5
transitions:
  develop: {develop: p, production: rest}
  production: absorbing
expect:
  - hitting[production].expected from develop <= 2
sweeps:
  parameters:
    p: [0.5, 0.75]
";

fn run(args: &[&str]) -> (i32, String, String) {
    let output = verchain().args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn valid_scenarios_pass_with_their_expectations() {
    let (_dir, paths) = files(&[("good.yaml", GOOD)]);
    let (code, stdout, _) = run(&["check", path(&paths[0])]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("1 chain valid, 2 expectations hold"),
        "{stdout}"
    );
}

#[test]
fn the_shipped_scenarios_pass() {
    let (code, stdout, stderr) = run(&[
        "check",
        "scenarios/seed-article.yaml",
        "scenarios/canary-rollout.yaml",
        "scenarios/deploy-freeze.yaml",
        "scenarios/mlflow-registry.yaml",
        "scenarios/sagemaker-approval.yaml",
        "scenarios/champion-challenger.yaml",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn a_broken_row_is_exit_2_with_an_annotation_on_its_line() {
    let (_dir, paths) = files(&[("row.yaml", BROKEN_ROW)]);
    let (code, stdout, _) = run(&["check", path(&paths[0]), "--format", "github"]);
    assert_eq!(code, 2);
    let file = path(&paths[0]).replace(':', "%3A").replace(',', "%2C");
    let want = format!(
        "::error file={file},line=3,col=3,title=verchain%3A invalid scenario::row `develop` sums to 1.1, not 1"
    );
    assert!(stdout.starts_with(&want), "{stdout}");
}

#[test]
fn a_broken_sweep_point_is_exit_2_naming_the_point() {
    let (_dir, paths) = files(&[("point.yaml", BROKEN_POINT)]);
    let (code, stdout, _) = run(&["check", path(&paths[0]), "--format", "github"]);
    assert_eq!(code, 2);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains(",line=6,col="), "{stdout}");
    assert!(
        stdout.contains("at sweep point p = 0.6, q = 0.5: in the row of `a`, entry `c` is -0.1"),
        "{stdout}"
    );
}

#[test]
fn a_broken_phase_is_exit_2_at_the_phase_row() {
    let (_dir, paths) = files(&[("phase.yaml", BROKEN_PHASE)]);
    let (code, stdout, _) = run(&["check", path(&paths[0]), "--format", "github"]);
    assert_eq!(code, 2);
    assert!(stdout.contains(",line=10,col=7,"), "{stdout}");
    assert!(
        stdout.contains("in phase `freeze`: row `a` sums to 1.1"),
        "{stdout}"
    );
}

#[test]
fn a_failed_expectation_is_exit_1_naming_where_and_the_value() {
    let (_dir, paths) = files(&[("fails.yaml", FAILING)]);
    let (code, stdout, _) = run(&["check", path(&paths[0]), "--format", "github"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(",line=8,col=5,title=verchain%3A expectation fails::"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "expectation `hitting[production].expected from develop <= 2` fails%0A  at sweep point p = 0.75: hitting[production].expected from develop = 4, not <= 2"
        ),
        "{stdout}"
    );
    // For a person, on stderr, the line is shown.
    let (code, _, stderr) = run(&["check", path(&paths[0])]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("8 │   - hitting[production].expected from develop <= 2"),
        "{stderr}"
    );
}

#[test]
fn invalid_wins_over_failed_and_folders_are_searched() {
    let (dir, _) = files(&[
        ("a-fails.yaml", FAILING),
        ("b-row.yaml", BROKEN_ROW),
        ("notes.txt", "x"),
    ]);
    let (code, stdout, stderr) =
        run(&["check", dir.path().to_str().unwrap(), "--format", "github"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stderr.contains("1 of 2 scenario files is invalid; 1 more breaks an expectation"),
        "{stderr}"
    );
}

#[test]
fn a_link_back_up_the_folder_is_not_followed() {
    let (dir, _) = files(&[("good.yaml", GOOD)]);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("again")).unwrap();
    let (code, stdout, stderr) = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.matches("ok: ").count(), 1, "{stdout}");
}

#[test]
fn junit_lists_every_file_and_expectation() {
    let (dir, paths) = files(&[
        ("good.yaml", GOOD),
        ("fails.yaml", FAILING),
        ("row.yaml", BROKEN_ROW),
    ]);
    let report = dir.path().join("check.xml");
    let (code, _, _) = run(&[
        "check",
        path(&paths[0]),
        path(&paths[1]),
        path(&paths[2]),
        "--junit",
        report.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 2);
    let xml = fs::read_to_string(&report).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<testsuites name=\"verchain check\" tests=\"6\" failures=\"1\" errors=\"1\">"
        ),
        "{xml}"
    );
    // The attribute is one line with where it fails and the value.
    assert!(
        xml.contains(
            "<failure message=\"expectation `hitting[production].expected from develop &lt;= 2` \
             fails: at sweep point p = 0.75: hitting[production].expected from develop = 4, not \
             &lt;= 2\""
        ),
        "{xml}"
    );
    assert!(
        xml.contains("row.yaml:3:3: row `develop` sums to 1.1, not 1"),
        "{xml}"
    );

    // Well formed: every element read back closes.
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut depth = 0i32;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(_) => depth += 1,
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
}

/// Regression: an empty folder ended the run before anything was checked,
/// with nothing on stdout in any format and a stale `--junit` report left
/// in place. It is now an invalid input like a file that cannot be read:
/// a finding in every format, while the other files are still checked.
#[test]
fn an_empty_folder_is_an_invalid_input_in_every_format() {
    let (dir, paths) = files(&[("good.yaml", GOOD)]);
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let (code, stdout, stderr) = run(&["check", path(&empty), path(&paths[0])]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stdout.contains("ok: "),
        "the good file is checked: {stdout}"
    );
    assert!(
        stderr.contains("the folder holds no scenario file (.yaml or .yml, in any case"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 folder gives no scenario to check"),
        "{stderr}"
    );

    let (code, stdout, _) = run(&["check", path(&empty), "--format", "json"]);
    assert_eq!(code, 2);
    let records: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(records[0]["file"], path(&empty), "{stdout}");
    let (code, stdout, _) = run(&["check", path(&empty), "--format", "csv"]);
    assert_eq!(code, 2);
    assert!(
        stdout.starts_with(&format!(
            "file,line,column,message,label,help\n{},0,0,",
            path(&empty)
        )),
        "{stdout}"
    );
    let (code, stdout, _) = run(&["check", path(&empty), "--format", "github"]);
    assert_eq!(code, 2);
    assert!(stdout.starts_with("::error file="), "{stdout}");

    // A passing report of an earlier run does not stay behind.
    let report = dir.path().join("check.xml");
    let (code, _, _) = run(&["check", path(&paths[0]), "--junit", path(&report)]);
    assert_eq!(code, 0);
    let (code, _, _) = run(&["check", path(&empty), "--junit", path(&report)]);
    assert_eq!(code, 2);
    let xml = fs::read_to_string(&report).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.root_element().attribute("errors"), Some("1"), "{xml}");
}

/// Regression: `check .` was reported to find nothing; a folder search
/// takes `.yaml` and `.yml` in any case and names that are not UTF-8, skips
/// hidden entries below the folder, and the folder named is searched even
/// when hidden.
#[test]
fn a_folder_search_takes_every_scenario_name() {
    use std::os::unix::ffi::OsStrExt as _;
    let (dir, _) = files(&[
        ("A.YAML", GOOD),
        ("b.Yml", GOOD),
        (".hidden.yaml", BROKEN_ROW),
        ("notes.txt", BROKEN_ROW),
    ]);
    let latin1 = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9.yaml"));
    fs::write(&latin1, GOOD).unwrap();
    let workflows = dir.path().join(".github/workflows");
    fs::create_dir_all(&workflows).unwrap();
    fs::write(workflows.join("ci.yml"), "on: [push]\n").unwrap();

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_verchain"))
        .current_dir(dir.path())
        .args(["check", "."])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout.matches("ok: ").count(), 3, "{stdout}");
    assert!(stdout.contains("ok: ./caf\u{fffd}.yaml"), "{stdout}");

    // Named, a hidden folder is searched.
    let (code, stdout, _) = run(&[
        "check",
        path(&dir.path().join(".github")),
        "--format",
        "github",
    ]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("ci.yml"), "{stdout}");

    // `check --help` says which files a folder search takes.
    let output = verchain().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains("A folder is searched below for files named .yaml or .yml, in any case"),
        "{help}"
    );
    assert!(help.contains("hidden entries below it"), "{help}");
}

/// Regression: `a.yaml ./a.yaml` checked the file twice, and so did naming
/// a file and its folder.
#[test]
fn a_file_named_twice_is_checked_once() {
    let (dir, paths) = files(&[("good.yaml", GOOD)]);
    let again = dir.path().join(".").join("good.yaml");
    let (code, stdout, stderr) = run(&[
        "check",
        path(&paths[0]),
        path(&again),
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.matches("ok: ").count(), 1, "{stdout}");
}

/// Regression: `--junit` replaced the gate's own inputs with its XML: a
/// scenario taken for the report's name by the shell (`--junit glob/*.yaml`),
/// the same file under another name or found in a folder, the history of
/// `--against` and its `--state-map`.
#[test]
fn junit_never_replaces_an_input() {
    let (dir, paths) = files(&[
        ("a.yaml", GOOD),
        ("b.yaml", GOOD),
        ("events.csv", "version_id,timestamp,to_state\n"),
        ("labels.txt", "Ready: develop\n"),
    ]);
    let [a, b, events, labels] = &paths[..] else {
        unreachable!()
    };
    let link = dir.path().join("link.xml");
    std::os::unix::fs::symlink(a, &link).unwrap();
    let hard = dir.path().join("hard.xml");
    fs::hard_link(b, &hard).unwrap();
    let folder = dir.path().to_str().unwrap();
    let cases: [(Vec<&str>, &str); 5] = [
        (vec![path(b), "--junit", path(a)], "names a scenario file"),
        (
            vec![path(a), "--junit", path(&link)],
            "a scenario named on the command line",
        ),
        (
            vec![folder, "--junit", path(&hard)],
            "a scenario found in the folder",
        ),
        (
            vec![path(a), "--against", path(events), "--junit", path(events)],
            "the history of --against",
        ),
        (
            vec![
                path(a),
                "--against",
                path(events),
                "--state-map",
                path(labels),
                "--junit",
                path(labels),
            ],
            "the state map of --state-map",
        ),
    ];
    for (args, want) in cases {
        let before: Vec<Vec<u8>> = paths.iter().map(|p| fs::read(p).unwrap()).collect();
        let (code, stdout, stderr) = run(&[&["check"], &args[..]].concat());
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        let stderr = stderr
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(
            stderr.contains("help: give --junit a new file name"),
            "{stderr}"
        );
        let after: Vec<Vec<u8>> = paths.iter().map(|p| fs::read(p).unwrap()).collect();
        assert_eq!(before, after, "{args:?} changed an input");
    }
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// Regression: the JUnit report replaced a link or a named pipe with a
/// regular file, where `schema -o` writes through them.
#[test]
fn junit_writes_through_a_link_and_into_a_pipe() {
    let (dir, paths) = files(&[("good.yaml", GOOD)]);
    let reports = dir.path().join("reports");
    fs::create_dir(&reports).unwrap();
    let target = reports.join("check.xml");
    fs::write(&target, "old").unwrap();
    let link = dir.path().join("check.xml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (code, _, stderr) = run(&["check", path(&paths[0]), "--junit", path(&link), "-q"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::read_to_string(&target).unwrap().contains("<testsuites"));

    let fifo = dir.path().join("check.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    let (code, _, stderr) = run(&["check", path(&paths[0]), "--junit", path(&fifo), "-q"]);
    assert_eq!(code, 0, "{stderr}");
    use std::os::unix::fs::FileTypeExt as _;
    // Checked before joining: had the pipe been replaced, the reader would
    // wait for a writer forever.
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(reader.join().unwrap().contains("<testsuites"));
}

/// Regression: a control character in a key or a file name went into the
/// JUnit XML as it was (not well-formed: XML 1.0 allows it in no form) and
/// into the GitHub annotations raw.
#[test]
fn control_characters_are_escaped_in_junit_and_annotations() {
    let (dir, paths) = files(&[
        (
            "key.yaml",
            "states: [a]\ntransitions:\n  a: {a: 1}\n\"k\\x02\": 1\n",
        ),
        ("name\u{1}.yaml", BROKEN_ROW),
    ]);
    let report = dir.path().join("check.xml");
    let (code, _, _) = run(&[
        "check",
        path(&paths[0]),
        path(&paths[1]),
        "--junit",
        path(&report),
        "-q",
    ]);
    assert_eq!(code, 2);
    let xml = fs::read_to_string(&report).unwrap();
    roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    assert!(xml.contains("unknown key `k\\u{2}`"), "{xml}");
    assert!(xml.contains("name\\u{1}.yaml"), "{xml}");

    let (code, stdout, _) = run(&[
        "check",
        path(&paths[0]),
        path(&paths[1]),
        "--format",
        "github",
    ]);
    assert_eq!(code, 2);
    assert!(
        !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{stdout:?}"
    );
    assert!(stdout.contains("unknown key `k\\u{2}`"), "{stdout}");
    assert!(stdout.contains("name\\u{1}.yaml"), "{stdout}");
}

#[test]
fn junit_to_a_dash_goes_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_verchain"))
        .current_dir(dir.path())
        .arg("check")
        .arg(format!(
            "{}/scenarios/seed-article.yaml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(["--junit", "-", "-q"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(xml.contains("<testsuites"), "{xml}");
    assert!(!dir.path().join("-").exists(), "no file named `-`");
    // Regression: without -q the `ok:` lines came first, and the XML was
    // not XML.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_verchain"))
        .arg("check")
        .arg(format!(
            "{}/scenarios/seed-article.yaml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args(["--junit", "-"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let xml = String::from_utf8(output.stdout).unwrap();
    roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
}

/// Regression: with no finding, `--format csv` printed nothing at all, on
/// which a CSV reader fails; the header is always printed.
#[test]
fn csv_with_no_finding_is_its_header() {
    let (_dir, paths) = files(&[("good.yaml", GOOD)]);
    let (code, stdout, stderr) = run(&["check", path(&paths[0]), "--format", "csv"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "file,line,column,message,label,help\n");
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    assert_eq!(reader.headers().unwrap().len(), 6);
    assert_eq!(reader.records().count(), 0);
}

const STATE_MAP: &str = "# vendor labels\nReady: develop\nLive: production\n";

/// Regression: `check scenarios/` reported the state map kept beside its
/// history (`scenarios/histories/canary-labels.yaml`) as an invalid
/// scenario. A state map found in a folder is skipped with a note.
#[test]
fn a_state_map_in_a_folder_is_skipped_with_a_note() {
    let (dir, paths) = files(&[("good.yaml", GOOD), ("labels.yaml", STATE_MAP)]);
    let folder = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = run(&["check", folder]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.matches("ok: ").count(), 1, "{stdout}");
    let note = format!(
        "note: skipped {}: a state map (`label: state`, for `verchain fit --state-map`), not a \
         scenario\n",
        path(&paths[1])
    );
    assert_eq!(stderr, note);
    let (code, stdout, stderr) = run(&["check", folder, "--format", "json", "-q"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "[]\n", ""));

    // Named on the command line, it is checked as the scenario it was named as.
    let (code, _, stderr) = run(&["check", path(&paths[1])]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown key `Ready`"), "{stderr}");

    // A folder of nothing but state maps has nothing to check.
    let (dir, _) = files(&[("labels.yaml", STATE_MAP)]);
    let (code, _, stderr) = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no scenario to check:"), "{stderr}");
}

/// Only a file that is nothing but a map of labels to states is skipped: a
/// broken scenario, broken YAML or an empty file is reported.
#[test]
fn a_broken_file_in_a_folder_is_never_taken_for_a_state_map() {
    for text in [
        "name: x\nstates: develop\n",
        "Ready: [develop\n",
        "Ready: develop\nReady: production\n",
        "Ready: {state: develop}\n",
        "",
    ] {
        let (dir, _) = files(&[("good.yaml", GOOD), ("broken.yaml", text)]);
        let (code, stdout, stderr) =
            run(&["check", dir.path().to_str().unwrap(), "--format", "github"]);
        assert_eq!(code, 2, "{text:?}: {stdout}{stderr}");
        assert!(stdout.contains("broken.yaml"), "{text:?}: {stdout}");
        assert!(!stderr.contains("skipped"), "{text:?}: {stderr}");
    }
}

/// The example of `check --help` on the shipped folder: the state map is
/// skipped, and the one invalid file, kept to fail, is the only finding.
#[test]
fn the_shipped_folder_fails_only_on_its_invalid_example() {
    let (code, stdout, stderr) = run(&["check", "scenarios/", "--format", "github"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with("::error file=scenarios/invalid/seed-article-as-printed.yaml,"),
        "{stdout}"
    );
    assert!(
        stderr.contains("note: skipped scenarios/histories/canary-labels.yaml: a state map"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 of 7 scenario files is invalid"),
        "{stderr}"
    );

    let output = verchain().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains(
            "exit 2 here, as scenarios/invalid/ holds a\n      scenario that fails by design"
        ),
        "{help}"
    );
}
