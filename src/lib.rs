//! verchain: model-version lifecycles as Markov chains.
//!
//! A team's promotion and rollback policy, written as a YAML
//! [`scenario`](scenario::Scenario), becomes a validated [`Chain`](chain::Chain)
//! whose rows are "from" states and whose distributions are row vectors,
//! `S_{t+1} = S_t · T`. From it verchain computes, exactly, where versions are
//! after `t` steps and where they settle ([`analysis`]), simulates the same by
//! seeded Monte Carlo ([`simulate`]), and lays the results out as tables,
//! charts and files ([`report`]).
//!
//! ```
//! use verchain::{analysis, scenario::Scenario};
//!
//! let scenario = Scenario::parse(
//!     "states: [up, down]\ntransitions: {up: {up: 0.9, down: rest}, down: {up: 0.5, down: 0.5}}",
//!     "example",
//! )
//! .unwrap();
//! let exact = analysis::analyze(&scenario.chain, &scenario.initial, 10, &[]);
//! assert_eq!(exact.trajectory.len(), 11);
//! ```
//!
//! The library never prints; the `verchain` binary owns the terminal.

pub mod analysis;
pub mod chain;
pub mod fit;
pub mod limits;
pub mod report;
pub mod scenario;
pub mod simulate;
pub mod stats;
pub mod sweep;
pub mod words;
