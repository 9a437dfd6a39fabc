//! What the end-to-end tests share: the binary, the shipped scenarios, and
//! the outside checkers (Mermaid's parser, Storm) that a test uses when
//! they are installed and skips, saying so, when they are not.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

/// Every valid scenario shipped in `scenarios/`.
pub const SHIPPED: [&str; 5] = [
    "scenarios/seed-article.yaml",
    "scenarios/mlflow-registry.yaml",
    "scenarios/canary-rollout.yaml",
    "scenarios/sagemaker-approval.yaml",
    "scenarios/champion-challenger.yaml",
];

/// The binary, run from the repository's root.
pub fn verchain() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_verchain"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// `path` relative to the repository's root.
pub fn repository(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The stem of a scenario's file: `seed-article`.
pub fn stem(file: &str) -> &str {
    Path::new(file).file_stem().unwrap().to_str().unwrap()
}

/// Runs the binary, asserts success, and returns stdout as text.
pub fn stdout_of(args: &[&str]) -> String {
    let output = verchain().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "verchain {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Parses each file with Mermaid's own parser (`tests/mermaid/check.mjs`),
/// if `npm ci --prefix tests/mermaid` has installed it and Node.js is here.
/// Returns `None`, after printing why, when it cannot run; otherwise the
/// checker's output, having asserted that every file parsed.
pub fn mermaid_parses(files: &[PathBuf]) -> Option<String> {
    let folder = repository("tests/mermaid");
    if !folder.join("node_modules/mermaid").exists() {
        eprintln!(
            "skipped: Mermaid's parser is not installed; `npm ci --prefix tests/mermaid` installs it"
        );
        return None;
    }
    let output = match Process::new("node")
        .arg(folder.join("check.mjs"))
        .args(files)
        .output()
    {
        Ok(output) => output,
        Err(e) => {
            eprintln!("skipped: Node.js cannot be run ({e})");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "Mermaid rejects a diagram:\n{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len()
    );
    Some(text)
}

/// A Python interpreter that has stormpy (Storm's Python bindings): the one
/// named by `VERCHAIN_STORMPY_PYTHON`, the virtual environment `.ci/run`
/// makes under `target/storm-venv`, or `python3`. `None`, after printing
/// why, when none has it.
pub fn stormpy_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("VERCHAIN_STORMPY_PYTHON").map(PathBuf::from),
        Some(repository("target/storm-venv/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    let found = candidates.into_iter().flatten().find(|python| {
        Process::new(python)
            .args(["-c", "import stormpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        eprintln!(
            "skipped: no Python with stormpy; `python3 -m venv target/storm-venv && \
             target/storm-venv/bin/pip install stormpy` installs Storm's bindings"
        );
    }
    found
}
