//! The binary's own parts: argument parsing, error rendering, progress,
//! interrupts, the documents written for other tools, and problems as
//! records.

pub mod args;
pub mod check;
pub mod diagnostics;
pub mod fit;
pub mod generate;
pub mod interrupt;
pub mod junit;
pub mod limits;
pub mod phases;
pub mod progress;
pub mod read;
pub mod records;
pub mod sensitivity;
pub mod sweep;
