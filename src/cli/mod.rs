//! The binary's own parts: argument parsing, error rendering, progress.

pub mod args;
pub mod diagnostics;
pub mod fit;
pub mod progress;
