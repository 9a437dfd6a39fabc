//! The binary's own parts: argument parsing, error rendering, progress,
//! interrupts.

pub mod args;
pub mod check;
pub mod diagnostics;
pub mod fit;
pub mod interrupt;
pub mod junit;
pub mod phases;
pub mod progress;
pub mod sensitivity;
pub mod sweep;
