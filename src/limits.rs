//! What a run may cost: the limits that keep a hostile or mistaken scenario
//! from taking the machine down, and an estimate of the memory a run needs.
//!
//! Each limit is checked before anything that grows with it is allocated:
//! the number of states as soon as `states` is read (before any matrix), the
//! horizon before a trajectory, the sweep points before the grid is walked.
//! The memory estimate adds up what the largest allocations of a run hold
//! at once, from the sizes alone, so that it can be compared with the memory
//! the machine has before the work starts ([`check_memory`] is pure; reading
//! the machine's figure is the binary's job).
//!
//! # The estimate
//!
//! With `n` states, `D = 8n²` bytes for one dense matrix, horizon `H`, `k`
//! targets, `p` threads and `P` sweep points:
//!
//! - the chains: `(1 + phases) · D`;
//! - the exact analysis, `(1 + max(5, s + 4)) · D`: the matrix of limits
//!   held throughout, and at the peak either the absorbing analysis (`Q`, the
//!   eliminated system, `N` and the right-hand sides) or the worst-start
//!   mixing time, which keeps `s` repeated squares `T^(2^j)` (`s = 1 +
//!   min(62, max(1, 10¹⁰ / n³))`, as `analysis::convergence` affords them)
//!   beside a product, a candidate and two temporaries;
//! - the trajectory and the hitting distributions, `8n(H + 1)(1 + 2k)`;
//! - a simulation: its sampling tables, `3D`; the counts and the agreement
//!   arrays, `8(H + 1)(6n + k)`; and its tallies: in walkers mode one of
//!   `8(H + 1)(n + k)` bytes per piece of rayon's fold, counted as `2p + 1`,
//!   in counts mode one of `8(H + 1)n`;
//! - the report: every number of the summary once more as a value and once
//!   as pretty-printed JSON text ([`BYTES_PER_REPORTED_NUMBER`] in all);
//! - a trace, `28` bytes a row (the path and its CSV text);
//! - a sweep: `p` points analysed at once, each with its own chain and
//!   analysis, and every point's results kept for the table, the CSV and
//!   the charts ([`BYTES_PER_SWEEP_CELL`] a parameter or metric, plus
//!   [`BYTES_PER_SWEEP_POINT`]).
//!
//! It is an upper estimate of the large allocations, not a measurement:
//! small ones (state names, the structure's lists, buffers of the matrix
//! products) are left out, and the peaks above are added although some of
//! them come one after another.

use std::fmt;

use thiserror::Error;

/// The most states by default. A dense chain of 5,000 states takes 200 MB
/// a matrix, and one elimination, `(2/3)n³` multiply-adds, about 8 × 10¹⁰:
/// half a minute to a minute on two cores, and a run makes several.
pub const DEFAULT_MAX_STATES: usize = 5_000;
/// The longest horizon by default: every step is a row of the tables, the
/// JSON and the charts. Far steps are computed with `--at` instead.
pub const DEFAULT_MAX_HORIZON: usize = crate::scenario::MAX_HORIZON;
/// The most sweep points one process evaluates by default: about a minute
/// for a small chain on two cores; larger grids are cut into shards.
pub const DEFAULT_MAX_SWEEP_POINTS: usize = 1_000_000;

/// Bytes a number of the summary costs in the report: the value copied
/// into the summary (8) and its pretty-printed JSON text (about 40, with
/// the indentation).
pub const BYTES_PER_REPORTED_NUMBER: f64 = 48.0;
/// Bytes a sweep point costs for each parameter or metric it holds: the
/// value, its name or its result, the table's copy and the CSV text.
pub const BYTES_PER_SWEEP_CELL: f64 = 80.0;
/// Bytes a sweep point costs besides its cells.
pub const BYTES_PER_SWEEP_POINT: f64 = 200.0;

/// The limits a scenario is read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most states.
    pub states: usize,
    /// The longest horizon.
    pub horizon: usize,
    /// Bytes the run may use, or `None` for no memory check.
    pub memory: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            states: DEFAULT_MAX_STATES,
            horizon: DEFAULT_MAX_HORIZON,
            memory: None,
        }
    }
}

/// How a run simulates, as far as its memory goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Simulating {
    /// No simulation.
    #[default]
    Off,
    /// Walker by walker, a tally per piece of the parallel fold.
    Walkers,
    /// As counts, on one thread.
    Counts,
}

/// The sizes that decide a run's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Workload {
    pub states: usize,
    pub horizon: usize,
    /// Target sets of the hitting analysis.
    pub targets: usize,
    /// Phases, each with its own chain.
    pub phases: usize,
    pub simulation: Simulating,
    /// Rows of `trace.csv`.
    pub traced_rows: u64,
    /// Sweep points evaluated; 0 for a run without a sweep.
    pub sweep_points: usize,
    /// Parameters and metrics of each sweep point.
    pub sweep_cells: usize,
    /// Whether each sweep point also simulates.
    pub sweep_simulates: bool,
    /// Threads that work at once (at least 1).
    pub threads: usize,
}

/// One part of an estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// What holds the memory, for a message: "the exact analysis (13 dense
    /// 5000 × 5000 matrices)".
    pub what: String,
    pub bytes: f64,
}

/// The memory a run needs, by part.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Estimate {
    pub parts: Vec<Part>,
}

impl Estimate {
    /// The whole estimate, in bytes.
    pub fn bytes(&self) -> f64 {
        self.parts.iter().map(|p| p.bytes).sum()
    }

    /// The part that needs the most.
    pub fn largest(&self) -> Option<&Part> {
        self.parts.iter().max_by(|a, b| a.bytes.total_cmp(&b.bytes))
    }

    fn add(&mut self, what: String, bytes: f64) {
        if bytes > 0.0 {
            self.parts.push(Part { what, bytes });
        }
    }
}

/// Repeated squares `T^(2^j)` the worst-start mixing time keeps for `n`
/// states (the rule of `analysis::convergence`, plus `T` itself).
pub fn squares_kept(n: usize) -> f64 {
    let n = n.max(1) as f64;
    let affordable = (2e10 / (2.0 * n.powi(3))).floor();
    1.0 + affordable.clamp(1.0, 62.0)
}

/// Dense `n × n` matrices the exact analysis of one chain holds at its peak.
pub fn dense_matrices(n: usize) -> f64 {
    1.0 + f64::max(5.0, squares_kept(n) + 4.0)
}

/// The memory the chains of a scenario take: what reading it allocates.
pub fn estimate_chains(states: usize, phases: usize) -> Estimate {
    let n = states as f64;
    let chains = 1.0 + phases as f64;
    let mut estimate = Estimate::default();
    estimate.add(
        format!("the chains ({chains} of {states} × {states})"),
        chains * 8.0 * n * n,
    );
    estimate
}

/// What to do about a run that needs too much memory.
pub const MEMORY_HELP: &str = "lower the need (fewer states, a shorter horizon, fewer targets or \
     sweep points, --mode counts), or say how much a run may use with --max-memory SIZE \
     (such as 16GiB; `--max-memory unlimited` skips the check)";

/// The memory a run of `workload` needs, by part (see the module docs).
pub fn estimate(workload: &Workload) -> Estimate {
    let n = workload.states as f64;
    let steps = workload.horizon as f64 + 1.0;
    let targets = workload.targets as f64;
    let threads = workload.threads.max(1) as f64;
    let matrix = 8.0 * n * n;
    let side = workload.states;
    let mut estimate = estimate_chains(workload.states, workload.phases);

    let dense = dense_matrices(workload.states);
    let analysis = dense * matrix + 8.0 * n * steps * (1.0 + 2.0 * targets);
    let simulation = match workload.simulation {
        Simulating::Off => 0.0,
        Simulating::Walkers => {
            3.0 * matrix
                + (2.0 * threads + 1.0) * 8.0 * steps * (n + targets)
                + 8.0 * steps * (6.0 * n + targets)
        }
        Simulating::Counts => 3.0 * matrix + 8.0 * steps * (7.0 * n + targets),
    };

    if workload.sweep_points == 0 {
        estimate.add(
            format!("the exact analysis ({dense} dense {side} × {side} matrices, the trajectory and hitting distributions)"),
            analysis,
        );
        estimate.add("the simulation".to_string(), simulation);
        let simulated = if workload.simulation == Simulating::Off {
            0.0
        } else {
            6.0
        };
        let numbers = 3.0 * n * n + n * steps * (1.0 + 2.0 * targets + simulated);
        estimate.add(
            "the report".to_string(),
            numbers * BYTES_PER_REPORTED_NUMBER,
        );
        estimate.add("the trace".to_string(), 28.0 * workload.traced_rows as f64);
    } else {
        let point = matrix
            + analysis
            + if workload.sweep_simulates {
                simulation
            } else {
                0.0
            };
        estimate.add(
            format!("the sweep points analysed at once ({threads} × {dense} dense {side} × {side} matrices and more)"),
            threads * point,
        );
        let points = workload.sweep_points as f64;
        estimate.add(
            format!("the results of {} sweep points", workload.sweep_points),
            points * (BYTES_PER_SWEEP_POINT + BYTES_PER_SWEEP_CELL * workload.sweep_cells as f64),
        );
    }
    estimate
}

/// A run that needs more memory than it may use.
#[derive(Debug, Clone, PartialEq, Error)]
#[error(
    "this needs an estimated {} of memory, more than the {} it may use{}",
    Size(*needed),
    Size(*available as f64),
    largest.as_ref().map_or_else(String::new, |p| format!(" (the most for {}: {})", p.what, Size(p.bytes)))
)]
pub struct TooMuchMemory {
    /// Bytes estimated.
    pub needed: f64,
    /// Bytes the run may use.
    pub available: u64,
    /// The part that needs the most.
    pub largest: Option<Part>,
}

/// Whether a run that needs `estimate` fits in `available` bytes.
///
/// # Errors
///
/// [`TooMuchMemory`] with both figures and the largest part.
pub fn check_memory(estimate: &Estimate, available: u64) -> Result<(), TooMuchMemory> {
    let needed = estimate.bytes();
    if needed <= available as f64 {
        return Ok(());
    }
    Err(TooMuchMemory {
        needed,
        available,
        largest: estimate.largest().cloned(),
    })
}

/// A size in bytes as a person reads it: `100 bytes`, `16.0 KiB`,
/// `512.0 MiB`, `3.2 GiB`.
#[derive(Debug, Clone, Copy)]
pub struct Size(pub f64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MIB: f64 = 1024.0 * 1024.0;
        const GIB: f64 = 1024.0 * MIB;
        const TIB: f64 = 1024.0 * GIB;
        match self.0 {
            b if b >= TIB => write!(f, "{:.1} TiB", b / TIB),
            b if b >= GIB => write!(f, "{:.1} GiB", b / GIB),
            b if b >= 0.1 * MIB => write!(f, "{:.1} MiB", b / MIB),
            b if b >= 1024.0 => write!(f, "{:.1} KiB", b / 1024.0),
            b => write!(f, "{b:.0} bytes"),
        }
    }
}

/// Reads a size: a number of bytes, or a number with a unit `K`, `M`, `G`
/// or `T` (powers of 1024; `KiB`, `KB`, `k` and so on are the same):
/// `512M`, `1.5GiB`, `2048`.
///
/// # Errors
///
/// A message saying what is not a size.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 512MiB, 8GiB or 1000000"))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0f64.powi(2),
        "g" | "gb" | "gib" => 1024.0f64.powi(3),
        "t" | "tb" | "tib" => 1024.0f64.powi(4),
        other => {
            return Err(format!(
                "`{other}` in `{text}` is not a unit; use K, M, G or T (powers of 1024)"
            ));
        }
    };
    let bytes = value * scale;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{text}` is larger than any memory"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: f64 = 1024.0 * 1024.0;

    fn run(states: usize, horizon: usize) -> Workload {
        Workload {
            states,
            horizon,
            threads: 2,
            ..Workload::default()
        }
    }

    #[test]
    fn a_large_chain_is_counted_by_its_dense_matrices() {
        // n = 5000: s = 2 squares, so 1 + max(5, 6) = 7 matrices in the
        // analysis, 1 chain, and 3 n² numbers in the report.
        let estimate = estimate(&run(5000, 0));
        let matrix = 8.0 * 5000.0f64.powi(2);
        let expected = 8.0 * matrix + 8.0 * 5000.0 + 3.0 * 5000.0f64.powi(2) * 48.0 + 5000.0 * 48.0;
        assert!((estimate.bytes() - expected).abs() < 1.0, "{estimate:?}");
        assert!(estimate.largest().unwrap().what.contains("the report"));
    }

    #[test]
    fn squares_follow_the_work_the_mixing_time_affords() {
        assert_eq!(squares_kept(4), 63.0);
        assert_eq!(squares_kept(1000), 11.0);
        assert_eq!(squares_kept(5000), 2.0);
        assert_eq!(dense_matrices(4), 68.0);
        assert_eq!(dense_matrices(100_000), 7.0);
    }

    #[test]
    fn the_horizon_counts_once_per_trajectory_and_twice_per_target() {
        let without = estimate(&run(10, 999)).bytes();
        let with = estimate(&Workload {
            targets: 1,
            ..run(10, 999)
        })
        .bytes();
        // 2 × 8 n (H + 1) for the pmf and cdf, and as many numbers reported.
        let per_target = 2.0 * 10.0 * 1000.0 * (8.0 + BYTES_PER_REPORTED_NUMBER);
        assert!((with - without - per_target).abs() < 1e-6);
    }

    #[test]
    fn walkers_keep_a_tally_per_piece_of_the_fold() {
        let counts = Workload {
            simulation: Simulating::Counts,
            ..run(4, 1_000_000)
        };
        let walkers = Workload {
            simulation: Simulating::Walkers,
            ..counts
        };
        let difference = estimate(&walkers).bytes() - estimate(&counts).bytes();
        // (2p + 1) tallies of 8 (H + 1) n bytes, less the counts mode's own n.
        let tallies = 5.0 * 8.0 * 1_000_001.0 * 4.0 - 8.0 * 1_000_001.0 * 4.0;
        assert!((difference - tallies).abs() < 1.0, "{difference}");
    }

    #[test]
    fn sweep_points_cost_their_cells_and_the_threads_their_analyses() {
        let sweep = Workload {
            sweep_points: 1_000_000,
            sweep_cells: 8,
            ..run(6, 20)
        };
        let estimate = estimate(&sweep);
        let results = &estimate.parts[2];
        assert_eq!(results.bytes, 1e6 * (200.0 + 8.0 * 80.0));
        assert!(estimate.bytes() < 1024.0 * MIB);
    }

    #[test]
    fn the_check_compares_with_what_is_available() {
        let estimate = estimate(&run(5000, 20));
        assert!(check_memory(&estimate, 64 * 1024 * 1024 * 1024).is_ok());
        let error = check_memory(&estimate, 512 * 1024 * 1024).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("GiB of memory, more than the 512.0 MiB"),
            "{message}"
        );
        assert!(message.contains("the most for the report"), "{message}");
    }

    #[test]
    fn the_estimate_does_not_overflow() {
        let huge = Workload {
            states: usize::MAX,
            horizon: usize::MAX,
            targets: 64,
            simulation: Simulating::Walkers,
            ..run(0, 0)
        };
        let bytes = estimate(&huge).bytes();
        assert!(bytes.is_finite() && bytes > 1e30);
        assert!(check_memory(&estimate(&huge), u64::MAX).is_err());
    }

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("2048"), Ok(2048));
        assert_eq!(parse_size("1K"), Ok(1024));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
        assert_eq!(parse_size("8gb"), Ok(8 << 30));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5 PB").is_err());
        assert!(parse_size("1e30T").is_err());
        assert_eq!(Size(1536.0 * MIB).to_string(), "1.5 GiB");
        assert_eq!(Size(200.0 * MIB).to_string(), "200.0 MiB");
        assert_eq!(Size(16384.0).to_string(), "16.0 KiB");
        assert_eq!(Size(100.0).to_string(), "100 bytes");
    }
}
