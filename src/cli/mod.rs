//! The binary's own parts: argument parsing, error rendering, progress.

pub mod args;
pub mod check;
pub mod diagnostics;
pub mod junit;
pub mod phases;
pub mod progress;
pub mod sensitivity;
pub mod sweep;
