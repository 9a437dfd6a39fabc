//! Laying results out for people and programs: the terminal table, the JSON
//! document, CSV, charts, and the files of a run.
//!
//! Nothing here computes a number; everything here formats or writes one.

pub mod charts;
pub mod export;
pub mod fate;
mod fate_table;
mod figures;
pub mod files;
pub mod fit_files;
pub mod fit_table;
pub mod format;
pub mod markdown;
pub mod sensitivity;
pub mod summary;
pub mod sweep;
pub mod table;
mod tables;

pub use files::{RUN_FILES, WriteError, write_file, write_run};
pub use summary::Summary;
pub use tables::trajectory_csv;
