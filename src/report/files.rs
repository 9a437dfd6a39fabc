//! Writing a run's files: all of them or none.
//!
//! Everything is first written into a staging folder beside the destination
//! (`output/.NAME.partial-PID`). Only when every file is complete does the
//! staging folder take the destination's place: the old folder is renamed
//! aside, the staging folder renamed in, and the old one removed (files in it
//! that verchain does not write, such as a person's notes, are carried over).
//! A rename within one file system happens in a single step, so a reader
//! sees the old results or the new ones, never a mix, and a run that fails
//! before the swap leaves the earlier results exactly as they were. Staging
//! folders left behind by an interrupted run are removed by the next run of
//! the same scenario.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::summary::Summary;
use super::{charts::ChartError, figures, markdown, tables};

/// Every file a run may write, in the order they are listed to the user.
/// `hitting.*` appear only when the run has targets, `trace.csv` only with
/// `--trace`.
pub const RUN_FILES: [&str; 16] = [
    "report.md",
    "summary.json",
    "trajectory.csv",
    "hitting.csv",
    "convergence.csv",
    "trace.csv",
    "matrix.png",
    "matrix.svg",
    "occupancy.png",
    "occupancy.svg",
    "stationary.png",
    "stationary.svg",
    "hitting.png",
    "hitting.svg",
    "convergence.png",
    "convergence.svg",
];

/// Why the output could not be written.
#[derive(Debug, Error)]
pub enum WriteError {
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("cannot write {}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}

pub(super) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the run's tables and charts under `root/<scenario name>/`, and
/// returns that folder and the names of the files written.
///
/// # Errors
///
/// The first file that could not be written, with its path; the destination
/// folder is then as it was.
pub fn write_run(
    root: &Path,
    summary: &Summary,
) -> Result<(PathBuf, Vec<&'static str>), WriteError> {
    let ours = |name: &str| RUN_FILES.contains(&name);
    write_folder(root, &summary.scenario, &ours, |staging| {
        stage(staging, summary)
    })
}

/// Writes the files that `stage` puts into a staging folder under
/// `root/<name>/`, all or none, keeping the files there that `ours` does not
/// claim (a person's notes, another command's results); returns that
/// folder and what `stage` returned.
///
/// # Errors
///
/// The first file that could not be written, with its path; the destination
/// folder is then as it was.
pub fn write_folder<T>(
    root: &Path,
    name: &str,
    ours: &dyn Fn(&str) -> bool,
    stage: impl FnOnce(&Path) -> Result<T, WriteError>,
) -> Result<(PathBuf, T), WriteError> {
    if root.exists() && !root.is_dir() {
        return Err(WriteError::Io {
            path: root.to_path_buf(),
            source: std::io::Error::other("it is a file, not a folder"),
        });
    }
    fs::create_dir_all(root).map_err(io_error(root))?;
    remove_abandoned(root, name);
    let pid = std::process::id();
    let staging = root.join(format!(".{name}.partial-{pid}"));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io_error(&staging))?;
    }
    fs::create_dir(&staging).map_err(io_error(&staging))?;

    let result = stage(&staging).and_then(|written| {
        let destination = root.join(name);
        swap_in(
            &staging,
            &destination,
            &root.join(format!(".{name}.previous-{pid}")),
            ours,
        )?;
        Ok((destination, written))
    });
    // Best effort: a leftover staging folder holds nothing the user asked for.
    let _ = fs::remove_dir_all(&staging);
    result
}

/// Writes every file of the run into `folder`; returns their names.
fn stage(folder: &Path, summary: &Summary) -> Result<Vec<&'static str>, WriteError> {
    let json_path = folder.join("summary.json");
    let mut json = serde_json::to_vec_pretty(summary).expect("a summary always serializes");
    json.push(b'\n');
    fs::write(&json_path, json).map_err(io_error(&json_path))?;
    let report_path = folder.join("report.md");
    fs::write(&report_path, markdown::render(summary)).map_err(io_error(&report_path))?;
    let mut written = vec!["report.md", "summary.json"];
    written.extend(tables::write(folder, summary)?);
    written.extend(figures::draw(folder, summary)?);
    Ok(RUN_FILES
        .into_iter()
        .filter(|f| written.contains(f))
        .collect())
}

/// Puts `staging` in the place of `destination`, then carries over the
/// files there that verchain does not write.
fn swap_in(
    staging: &Path,
    destination: &Path,
    previous: &Path,
    ours: &dyn Fn(&str) -> bool,
) -> Result<(), WriteError> {
    if !destination.exists() {
        return fs::rename(staging, destination).map_err(io_error(destination));
    }
    if !destination.is_dir() {
        return Err(WriteError::Io {
            path: destination.to_path_buf(),
            source: std::io::Error::other("it is a file, not a folder"),
        });
    }
    fs::rename(destination, previous).map_err(io_error(destination))?;
    if let Err(e) = fs::rename(staging, destination) {
        // Put the old results back rather than leave none.
        let _ = fs::rename(previous, destination);
        return Err(io_error(destination)(e));
    }
    let mut kept_everything = true;
    for entry in fs::read_dir(previous)
        .map_err(io_error(previous))?
        .flatten()
    {
        let file_name = entry.file_name();
        let replaced = file_name.to_str().is_some_and(ours);
        if !replaced && fs::rename(entry.path(), destination.join(&file_name)).is_err() {
            kept_everything = false;
        }
    }
    // Should a person's file fail to move, the old folder stays for them.
    if kept_everything {
        let _ = fs::remove_dir_all(previous);
    }
    Ok(())
}

/// Removes `.NAME.partial-PID` staging folders whose process no longer runs
/// (left by a run that was interrupted). Where a process's liveness cannot
/// be told (no `/proc`), nothing is removed.
fn remove_abandoned(root: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let pid = file_name
            .strip_prefix(&format!(".{name}.partial-"))
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes one file whole or not at all: the bytes go to a staging file
/// beside `path` (`.NAME.partial-PID`), which then takes its place in one
/// rename, so a reader never sees half a file and a failed write leaves
/// the earlier file as it was. A device or a pipe (`/dev/null`) is written
/// to as it is, and a symbolic link's file is replaced, not the link.
///
/// # Errors
///
/// [`WriteError::Io`] naming `path` (or the staging file) when the folder
/// does not exist or cannot be written; the staging file is then removed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    if path.is_dir() {
        return Err(WriteError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other("it is a folder; give a file name"),
        });
    }
    // A device, a pipe or a socket (`/dev/null`, `/dev/stdout`, a FIFO) is
    // written as it is: a rename would replace it with a regular file.
    if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut file| file.write_all(bytes).and_then(|()| file.flush()))
            .map_err(io_error(path));
    }
    // A symbolic link to a file keeps pointing at it: the file it names is
    // the one replaced.
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).ok(),
        _ => None,
    };
    let path = target.as_deref().unwrap_or(path);
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let staging = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let result = fs::write(&staging, bytes)
        .map_err(io_error(path))
        .and_then(|()| fs::rename(&staging, path).map_err(io_error(path)));
    if result.is_err() {
        let _ = fs::remove_file(&staging);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_replaced_whole_and_a_failed_write_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chain.dot");
        write_file(&path, b"old").unwrap();
        write_file(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let missing = dir.path().join("no-such-folder").join("x.dot");
        let error = write_file(&missing, b"x").unwrap_err().to_string();
        assert!(error.contains("no-such-folder"), "{error}");
        assert!(
            write_file(dir.path(), b"x")
                .unwrap_err()
                .to_string()
                .contains("folder")
        );
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["chain.dot"]);
    }
}
