//! Reading a scenario file's text, the same way for every command: a folder,
//! a file too large to be a scenario, or bytes that are not UTF-8 are
//! refused with the reason, before the YAML parser sees anything.

use std::io::Read;
use std::path::Path;

/// The largest scenario file read, in bytes. A dense matrix of 1,000 states
/// (the most the YAML budget admits) takes about 20 MB; the cap stops a huge
/// file before it is read into memory whole.
pub const MAX_SCENARIO_BYTES: u64 = 64 * 1024 * 1024;

/// The text of a scenario file, or why it cannot be one (to follow "cannot
/// read FILE: ").
pub fn scenario_text(path: &Path) -> Result<String, String> {
    if path.is_dir() {
        return Err("it is a folder, not a scenario file".to_string());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    // A file the file system already says is too large is refused without
    // reading 64 MiB of it.
    if file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() > MAX_SCENARIO_BYTES)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    // One byte past the cap tells a file at the cap from a larger one,
    // whatever the file system says of its size (a pipe says nothing).
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| not_utf8(&e))
}

fn too_large() -> String {
    format!(
        "the file is larger than {} MiB, more than any scenario (a dense matrix of 1,000 \
         states takes about 20 MB)",
        MAX_SCENARIO_BYTES / (1024 * 1024)
    )
}

/// Where the first byte that is not UTF-8 stands, by line and column, and
/// what it is.
fn not_utf8(error: &std::string::FromUtf8Error) -> String {
    let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&valid[start..]).chars().count() + 1;
    format!(
        "line {line}, column {column} (byte {}) is 0x{:02X}, not UTF-8 text; save the file \
         as UTF-8",
        valid.len(),
        error.as_bytes()[valid.len()]
    )
}
