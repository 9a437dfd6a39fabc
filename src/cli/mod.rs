//! The binary's own parts: argument parsing, error rendering, progress,
//! interrupts.

pub mod args;
pub mod diagnostics;
pub mod fit;
pub mod interrupt;
pub mod progress;
