//! The binary's own parts: argument parsing, error rendering, progress,
//! the documents written for other tools, and problems as records.

pub mod args;
pub mod diagnostics;
pub mod generate;
pub mod progress;
pub mod records;
