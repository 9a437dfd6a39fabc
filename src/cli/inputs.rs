//! The files `verchain check` reads: the scenarios named and those found by
//! searching the folders named, each file once; and the guard that keeps
//! `--junit FILE` from replacing any of them.
//!
//! A folder search takes every file below the folder whose name ends in
//! `.yaml` or `.yml`, in any case (`X.YAML`), whatever else its name holds
//! (bytes that are not UTF-8 included). It skips hidden entries below the
//! folder (`.github/`, `.git/`: workflow YAML is not a scenario) and does
//! not follow links to folders (one may lead back up the tree). The folder
//! named itself is searched even when hidden (`check .` or `check .ci`).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use miette::Report;
use verchain::scenario::{Position, Problem};

use super::fit::AgainstArgs;

/// The extensions a folder search takes, matched in any case.
pub const EXTENSIONS: [&str; 2] = ["yaml", "yml"];

/// What a folder search takes, for messages.
pub const SEARCHED: &str = ".yaml or .yml, in any case; hidden entries skipped";

/// An input of the gate.
#[derive(Debug)]
pub enum Found {
    /// A scenario file to check.
    File {
        path: PathBuf,
        /// The folder named whose search found it; `None` when the file was
        /// named itself. A state map found in a folder is passed over.
        folder: Option<PathBuf>,
    },
    /// A folder named that gives no file to check, or a folder below it
    /// that cannot be read: an invalid input, as an unreadable file is.
    Folder { path: PathBuf, problem: Problem },
}

impl Found {
    fn path(&self) -> &Path {
        match self {
            Found::File { path, .. } | Found::Folder { path, .. } => path,
        }
    }
}

/// The files named and those found in the folders named, in the order
/// given (a folder's in name order), each file once: `a.yaml ./a.yaml`, or
/// a file named and found in a folder named, is one file, checked as named.
pub fn collect(paths: &[PathBuf]) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    // Where each file, by its canonical path, already stands in `found`.
    let mut seen: HashMap<PathBuf, usize> = HashMap::new();
    let mut add = |item: Found, found: &mut Vec<Found>| {
        let key = fs::canonicalize(item.path()).unwrap_or_else(|_| item.path().to_path_buf());
        match seen.get(&key) {
            // Named once, a file is checked as named even where a folder
            // search found it too.
            Some(&i) => {
                if let (Found::File { folder, .. }, Found::File { folder: None, .. }) =
                    (&mut found[i], &item)
                {
                    *folder = None;
                }
            }
            None => {
                seen.insert(key, found.len());
                found.push(item);
            }
        }
    };
    for path in paths {
        if !path.is_dir() {
            add(
                Found::File {
                    path: path.clone(),
                    folder: None,
                },
                &mut found,
            );
            continue;
        }
        let mut files = Vec::new();
        let mut unreadable = Vec::new();
        walk(path, &mut files, &mut unreadable);
        if files.is_empty() && unreadable.is_empty() {
            add(
                Found::Folder {
                    path: path.clone(),
                    problem: folder_problem(
                        format!("the folder holds no scenario file ({SEARCHED})"),
                        "name scenario files, or a folder that holds .yaml or .yml files",
                    ),
                },
                &mut found,
            );
        }
        for file in files {
            add(
                Found::File {
                    path: file,
                    folder: Some(path.clone()),
                },
                &mut found,
            );
        }
        for (folder, error) in unreadable {
            add(
                Found::Folder {
                    path: folder,
                    problem: folder_problem(
                        format!("cannot read the folder: {error}"),
                        "check that the folder exists and can be read",
                    ),
                },
                &mut found,
            );
        }
    }
    found
}

/// A problem of a folder as a whole.
pub fn folder_problem(message: String, help: &str) -> Problem {
    Problem {
        message,
        position: Position::default(),
        label: None,
        help: Some(help.into()),
    }
}

/// Collects the scenario files below `folder` in name order, and the
/// folders that cannot be read.
fn walk(folder: &Path, files: &mut Vec<PathBuf>, unreadable: &mut Vec<(PathBuf, std::io::Error)>) {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) => {
            unreadable.push((folder.to_path_buf(), e));
            return;
        }
    };
    let mut entries: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| !is_hidden(p))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            // A link to a folder may lead back up the tree: it is not followed.
            if !entry.is_symlink() {
                walk(&entry, files, unreadable);
            }
        } else if is_scenario_name(&entry) {
            files.push(entry);
        }
    }
}

/// An entry whose name starts with a dot. Only entries read from a folder
/// are asked, never the folder named (`.` has no file name to ask).
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.as_encoded_bytes().starts_with(b"."))
}

/// A name that ends in a scenario's extension, in any case. The bytes are
/// compared, so a name that is not UTF-8 is taken as well.
pub fn is_scenario_name(path: &Path) -> bool {
    path.extension().is_some_and(|extension: &OsStr| {
        EXTENSIONS.iter().any(|e| {
            extension
                .as_encoded_bytes()
                .eq_ignore_ascii_case(e.as_bytes())
        })
    })
}

/// Refuses a `--junit FILE` that would replace an input: a scenario named
/// or found in a folder, the history of `--against` or its `--state-map`
/// (the same file, through a link or a hard link too), or any file named as
/// a scenario is (`--junit glob/*.yaml`, where the shell took the first
/// scenario for the report's name).
///
/// # Errors
///
/// A report naming the file, what it is, and a name to use instead.
pub fn refuse_overwrite(
    junit: &Path,
    found: &[Found],
    against: &AgainstArgs,
) -> Result<(), Report> {
    let help = "give --junit a new file name for the report, such as --junit check.xml";
    if is_scenario_name(junit) {
        return Err(miette::miette!(
            help = help,
            "--junit {} names a scenario file (.yaml or .yml): the report would replace it, or \
             be checked as a scenario by the next `verchain check` of its folder",
            junit.display()
        ));
    }
    let mut inputs: Vec<(&Path, String)> = Vec::new();
    for item in found {
        if let Found::File { path, folder } = item {
            let what = match folder {
                Some(folder) => format!("a scenario found in the folder {}", folder.display()),
                None => "a scenario named on the command line".to_string(),
            };
            inputs.push((path, what));
        }
    }
    if let Some(history) = &against.against {
        inputs.push((history, "the history of --against".into()));
    }
    if let Some(map) = &against.history.state_map {
        inputs.push((map, "the state map of --state-map".into()));
    }
    for (input, what) in inputs {
        if same_file(junit, input) {
            return Err(miette::miette!(
                help = help,
                "--junit {} is the same file as {}, {}: writing the report would replace it",
                junit.display(),
                input.display(),
                what
            ));
        }
    }
    Ok(())
}

/// Whether `report` and `input` are one regular file. A pipe or a device
/// (`/dev/stdout`) is written in place and replaces nothing.
pub fn same_file(report: &Path, input: &Path) -> bool {
    let (Ok(a), Ok(b)) = (fs::metadata(report), fs::metadata(input)) else {
        return false;
    };
    if !a.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = b;
        fs::canonicalize(report).ok() == fs::canonicalize(input).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_name_is_matched_in_any_case() {
        for (name, want) in [
            ("a.yaml", true),
            ("a.yml", true),
            ("A.YAML", true),
            ("b.Yml", true),
            ("a.yaml.bak", false),
            ("a.json", false),
            ("yaml", false),
        ] {
            assert_eq!(is_scenario_name(Path::new(name)), want, "{name}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_name_that_is_not_utf8_is_a_scenario_name() {
        use std::os::unix::ffi::OsStrExt as _;
        let name = OsStr::from_bytes(b"caf\xe9.yaml");
        assert!(is_scenario_name(Path::new(name)));
        assert!(!is_hidden(Path::new(name)));
    }

    #[test]
    fn only_an_entry_with_a_leading_dot_is_hidden() {
        assert!(is_hidden(Path::new("scenarios/.github")));
        assert!(!is_hidden(Path::new("./a.yaml")));
        assert!(!is_hidden(Path::new(".")));
        assert!(!is_hidden(Path::new("..")));
    }
}
