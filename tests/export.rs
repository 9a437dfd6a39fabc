//! `verchain export`: golden files of the DOT, Mermaid and PRISM output of
//! every shipped scenario; the JSON and CSV matrix against the run's own;
//! the Mermaid diagrams through Mermaid's parser and the PRISM models
//! through Storm, when those are installed.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use common::{SHIPPED, mermaid_parses, stdout_of, stem, stormpy_python, verchain};
use serde_json::Value;

fn export(file: &str, to: &str) -> String {
    stdout_of(&["export", file, "--to", to])
}

#[test]
fn golden_diagrams_and_models() {
    for file in SHIPPED {
        for to in ["dot", "mermaid", "prism"] {
            insta::assert_snapshot!(format!("{}.{to}", stem(file)), export(file, to));
        }
    }
}

/// The run's summary.json, computed without simulation.
fn summary(file: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "run",
        file,
        "--format",
        "json",
        "--no-files",
        "--walkers",
        "0",
    ];
    args.extend(extra);
    serde_json::from_str(&stdout_of(&args)).unwrap()
}

#[test]
fn json_and_csv_hold_the_validated_matrix() {
    for file in SHIPPED {
        let run = summary(file, &[]);
        let json: Value = serde_json::from_str(&export(file, "json")).unwrap();
        assert_eq!(json["matrix"], run["matrix"], "{file}");
        assert_eq!(json["states"], run["states"]);
        assert_eq!(json["initial"], run["initial"]);
        for row in json["matrix"].as_array().unwrap() {
            let sum: f64 = row
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_f64().unwrap())
                .sum();
            assert!((sum - 1.0).abs() < 1e-12, "{file}: a row sums to {sum}");
        }

        let csv = export(file, "csv");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header[0], "from");
        assert_eq!(
            header[1..],
            json["states"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
        );
        for (i, record) in reader.records().enumerate() {
            let record = record.unwrap();
            let values: Vec<f64> = record.iter().skip(1).map(|v| v.parse().unwrap()).collect();
            let want: Vec<f64> = json["matrix"][i]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_f64().unwrap())
                .collect();
            assert_eq!(values, want, "{file}, row {i}: CSV must read back exactly");
        }
    }
}

/// The moves of an exported chain: its matrix's positive entries.
fn moves(json: &Value) -> usize {
    json["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .filter(|p| p.as_f64().unwrap() > 0.0)
        .count()
}

#[test]
fn dot_has_a_node_per_state_and_an_edge_per_move() {
    for file in SHIPPED {
        let json: Value = serde_json::from_str(&export(file, "json")).unwrap();
        let dot = export(file, "dot");
        let moves = moves(&json);
        assert_eq!(dot.matches(" -> ").count(), moves, "{file}");
        for state in json["states"].as_array().unwrap() {
            assert!(
                dot.contains(&format!("  \"{}\"", state.as_str().unwrap())),
                "{file}"
            );
        }
    }
}

/// Graphviz lays every exported DOT file out, with a node per state and an
/// edge per move, when `dot` is installed.
#[test]
fn graphviz_draws_every_dot_file() {
    if Process::new("dot").arg("-V").output().is_err() {
        eprintln!("skipped: Graphviz's `dot` is not installed (apt-get install graphviz)");
        return;
    }
    for file in SHIPPED {
        let json: Value = serde_json::from_str(&export(file, "json")).unwrap();
        let mut dot = Process::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        dot.stdin
            .take()
            .unwrap()
            .write_all(export(file, "dot").as_bytes())
            .unwrap();
        let output = dot.wait_with_output().unwrap();
        assert!(output.status.success(), "{file}: dot fails");
        let svg = String::from_utf8(output.stdout).unwrap();
        // Graphviz's SVG starts with a DOCTYPE, which roxmltree refuses unless asked.
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        let document = roxmltree::Document::parse_with_options(&svg, options).unwrap();
        let class = |name: &str| {
            document
                .descendants()
                .filter(|n| n.attribute("class") == Some(name))
                .count()
        };
        let moves = moves(&json);
        assert_eq!(
            class("node"),
            json["states"].as_array().unwrap().len(),
            "{file}"
        );
        assert_eq!(class("edge"), moves, "{file}");
    }
}

#[test]
fn mermaid_diagrams_parse_with_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    for file in SHIPPED {
        let path = dir.path().join(format!("{}.mmd", stem(file)));
        fs::write(&path, export(file, "mermaid")).unwrap();
        files.push(path);
    }
    // Names that need escaping: quotes, `#`, angle brackets, spaces.
    let odd = "states: ['a \"quoted\" #1', '<b>', c d]\n\
               transitions: {'a \"quoted\" #1': {'<b>': 1}, '<b>': {c d: 1}, c d: absorbing}\n";
    let scenario = dir.path().join("odd.yaml");
    fs::write(&scenario, odd).unwrap();
    let path = dir.path().join("odd.mmd");
    fs::write(&path, export(scenario.to_str().unwrap(), "mermaid")).unwrap();
    files.push(path);
    if let Some(report) = mermaid_parses(&files) {
        assert!(report.contains("flowchart"), "{report}");
    }
}

/// Storm's answers for a PRISM model: per label, `P=? [F<=t label]` for
/// t = 0 … `horizon` and `LRA=? [label]`.
fn storm(python: &PathBuf, model: &str, horizon: usize, labels: &[String]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.pm");
    fs::write(&path, model).unwrap();
    let output = Process::new(python)
        .arg(common::repository("tests/storm/check.py"))
        .arg(&path)
        .arg(horizon.to_string())
        .args(labels)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "Storm: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The labels of a PRISM model in state order, read from its `label` lines.
fn labels(model: &str) -> Vec<String> {
    model
        .lines()
        .filter_map(|l| l.strip_prefix("label \""))
        .map(|l| l.split('"').next().unwrap().to_string())
        .collect()
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// Storm reads every exported model as a DTMC of the same size, and its
/// bounded reachability and long-run averages are verchain's hitting-time
/// distributions and long-run limit: two independent computations.
#[test]
fn storm_reproduces_hitting_times_and_limits() {
    let Some(python) = stormpy_python() else {
        return;
    };
    for file in SHIPPED {
        let model = export(file, "prism");
        let labels = labels(&model);
        let states: Vec<String> = summary(file, &[])["states"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        let targets: Vec<String> = states
            .iter()
            .flat_map(|s| ["--target".to_string(), s.clone()])
            .collect();
        let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
        let run = summary(file, &targets);
        let horizon = run["horizon"].as_u64().unwrap() as usize;
        let storm = storm(&python, &model, horizon, &labels);
        assert_eq!(storm["states"], states.len(), "{file}");
        assert_eq!(storm["type"], "ModelType.DTMC");
        for (i, label) in labels.iter().enumerate() {
            let reach = floats(&storm["labels"][label]["reach"]);
            let hitting = run["hitting"].as_array().unwrap();
            let target = hitting
                .iter()
                .find(|h| h["target"] == states[i].as_str())
                .unwrap();
            let cdf = floats(&target["from_initial"]["cdf"]);
            for (t, (s, v)) in reach.iter().zip(&cdf).enumerate() {
                assert!(
                    (s - v).abs() < 1e-12,
                    "{file}, {label}, t = {t}: Storm {s}, verchain {v}"
                );
            }
            let long_run = storm["labels"][label]["long_run"].as_f64().unwrap();
            let limit = run["limit"][i].as_f64().unwrap();
            // Storm's long-run average is iterative, to about 1e-6 by default.
            assert!(
                (long_run - limit).abs() < 1e-5,
                "{file}, {label}: Storm {long_run}, verchain {limit}"
            );
        }
    }
}

/// A start spread over two states becomes an extra `start` state, from
/// which every time is one step longer.
#[test]
fn storm_agrees_with_a_spread_start_one_step_later() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spread.yaml");
    fs::write(&file, "states: [a, b, c]\ntransitions: {a: {b: 0.5, a: 0.5}, b: {c: 0.25, a: rest}, c: absorbing}\n\
                      initial: {a: 0.25, b: 0.75}\nhorizon: 8\n").unwrap();
    let file = file.to_str().unwrap();
    let model = export(file, "prism");
    assert!(model.contains("  s : [0..3] init 3;"), "{model}");
    let Some(python) = stormpy_python() else {
        return;
    };
    let run = summary(file, &["--target", "c"]);
    let storm = storm(&python, &model, 9, &["c".to_string()]);
    let reach = floats(&storm["labels"]["c"]["reach"]);
    let cdf = floats(&run["hitting"][0]["from_initial"]["cdf"]);
    assert_eq!(reach[0], 0.0);
    for t in 0..=8 {
        assert!(
            (reach[t + 1] - cdf[t]).abs() < 1e-12,
            "t = {t}: Storm {}, verchain {}",
            reach[t + 1],
            cdf[t]
        );
    }
}

#[test]
fn an_export_that_cannot_be_written_fails_with_code_3_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed.dot");
    fs::write(&path, "old").unwrap();
    let out = path.to_str().unwrap();
    verchain()
        .args(["export", SHIPPED[0], "--to", "dot", "-o", out])
        .assert()
        .success();
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .starts_with("// seed-article")
    );
    let missing = dir.path().join("none/x.dot");
    let assert = verchain()
        .args([
            "export",
            SHIPPED[0],
            "--to",
            "dot",
            "-o",
            missing.to_str().unwrap(),
        ])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("none/x.dot"), "{stderr}");
    let invalid = verchain()
        .args([
            "export",
            "scenarios/invalid/seed-article-as-printed.yaml",
            "--to",
            "dot",
            "-o",
            out,
        ])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&invalid.get_output().stderr).contains("sums to 1.5"));
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .starts_with("// seed-article")
    );
}

/// Regression: `export s.yaml -o s.yaml` replaced the scenario with its
/// export, and `schema -o x.yaml` wrote JSON where a scenario would be.
#[test]
fn an_output_that_would_replace_a_scenario_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(common::repository(SHIPPED[0])).unwrap();
    let scenario = dir.path().join("policy.yaml");
    let plain = dir.path().join("policy.txt");
    let other = dir.path().join("other.yml");
    for path in [&scenario, &plain, &other] {
        fs::write(path, &text).unwrap();
    }
    for (args, output, words) in [
        (
            vec!["export", "--to", "json"],
            &scenario,
            "is the scenario read",
        ),
        (
            vec!["export", "--to", "json"],
            &plain,
            "is the scenario read",
        ),
        (
            vec!["export", "--to", "dot"],
            &other,
            "names a scenario file",
        ),
    ] {
        let assert = verchain()
            .arg(args[0])
            .arg(if output == &other { &scenario } else { output })
            .args(&args[1..])
            .arg("-o")
            .arg(output)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(words), "{stderr}");
        assert_eq!(fs::read_to_string(output).unwrap(), text);
    }
    for args in [vec!["schema"], vec!["completions", "bash"]] {
        verchain().args(args).arg("-o").arg(&other).assert().code(2);
        assert_eq!(fs::read_to_string(&other).unwrap(), text);
    }
}

#[test]
fn an_export_to_a_pipe_or_a_link_writes_through_it_and_keeps_it() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = tempfile::tempdir().unwrap();
    // A FIFO stands for /dev/null and /dev/stdout: renaming a file onto it
    // would replace the device with a regular file.
    let fifo = dir.path().join("pipe");
    assert!(
        Process::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).unwrap())
    };
    verchain()
        .args(["export", SHIPPED[0], "--to", "dot", "-o"])
        .arg(&fifo)
        .assert()
        .success();
    assert!(reader.join().unwrap().starts_with("// seed-article"));
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let full = Path::new("/dev/full");
    if full.exists() {
        verchain()
            .args(["export", SHIPPED[0], "-o", "/dev/full"])
            .assert()
            .code(3);
        assert!(fs::metadata(full).unwrap().file_type().is_char_device());
    }

    let file = dir.path().join("seed.dot");
    fs::write(&file, "old").unwrap();
    let link = dir.path().join("link.dot");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    verchain()
        .args(["export", SHIPPED[0], "--to", "dot", "-o"])
        .arg(&link)
        .assert()
        .success();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&file)
            .unwrap()
            .starts_with("// seed-article")
    );
}
