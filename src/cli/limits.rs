//! The limits that protect the machine, as flags: `--max-states`,
//! `--max-horizon`, `--max-memory` for every command that reads a scenario,
//! `--max-sweep-points` for those that walk a sweep. The memory a run may
//! use is, unless `--max-memory` says otherwise, what the system reports
//! available (MemAvailable in `/proc/meminfo` on Linux; elsewhere nothing
//! is checked). The estimate itself is the library's ([`verchain::limits`]).

use verchain::limits::{
    self, DEFAULT_MAX_HORIZON, DEFAULT_MAX_STATES, DEFAULT_MAX_SWEEP_POINTS, Estimate, Limits,
    MEMORY_HELP, Simulating, Size, Workload,
};
use verchain::scenario::Scenario;
use verchain::scenario::whatif::Sweep;
use verchain::simulate::Mode;

use crate::Failure;

/// What `--max-memory` may say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memory {
    /// So many bytes.
    Bytes(u64),
    /// No check.
    Unlimited,
}

fn parse_memory(text: &str) -> Result<Memory, String> {
    match text.trim() {
        "unlimited" | "none" => Ok(Memory::Unlimited),
        size => limits::parse_size(size).map(Memory::Bytes),
    }
}

/// The limits every command that reads a scenario takes.
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// The most states a scenario may have: a chain of n states is analysed
    /// as dense n × n matrices (8n² bytes each, 200 MB at 5000) and solved by
    /// elimination, (2/3)n³ multiply-adds (8·10¹⁰ at 5000, about a minute on
    /// two cores); checked before any matrix is built
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_STATES, value_parser = at_least_one)]
    pub max_states: usize,

    /// The longest horizon (the scenario's or --horizon; a scenario without
    /// one follows the default 20 steps, or this limit if lower): every step
    /// is a row of the tables, the JSON and the charts, n numbers several
    /// times over; --at T reaches far steps without it
    #[arg(long, value_name = "H", default_value_t = DEFAULT_MAX_HORIZON)]
    pub max_horizon: usize,

    /// The memory a run may use, such as 512MiB or 16GiB (powers of 1024),
    /// or `unlimited`; by default what the system has available
    /// (MemAvailable on Linux; no check elsewhere). A run whose estimated
    /// need is larger is refused before it starts
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    pub max_memory: Option<Memory>,
}

/// `--max-sweep-points`, for the commands that walk a sweep.
#[derive(Debug, Clone, clap::Args)]
pub struct SweepLimitArgs {
    /// The most sweep points one process evaluates (a shard counts its own):
    /// every point is a chain analysed and a row kept for the table, the CSV
    /// and the charts; a larger grid is cut with --shard K/N
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_SWEEP_POINTS, value_parser = at_least_one)]
    pub max_sweep_points: usize,
}

/// A count limit of 1 or more: a limit of 0 states or 0 sweep points would
/// refuse everything.
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("a limit of 0 would refuse everything; give 1 or more".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e}; give a whole number such as 5000")),
    }
}

/// The memory a run may use, and where the figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub bytes: u64,
    /// Whether the figure is the system's rather than --max-memory's.
    pub from_system: bool,
}

impl LimitArgs {
    /// The memory a run may use; `None` when nothing is checked. Reads
    /// `/proc/meminfo` when `--max-memory` is not given.
    pub fn budget(&self) -> Option<Budget> {
        match self.max_memory {
            Some(Memory::Bytes(bytes)) => Some(Budget {
                bytes,
                from_system: false,
            }),
            Some(Memory::Unlimited) => None,
            None => available_memory().map(|bytes| Budget {
                bytes,
                from_system: true,
            }),
        }
    }

    /// The limits to read scenarios under, with the memory budget.
    pub fn limits(&self, budget: Option<Budget>) -> Limits {
        Limits {
            states: self.max_states,
            horizon: self.max_horizon,
            memory: budget.map(|b| b.bytes),
        }
    }
}

/// The memory the system reports available, in bytes: MemAvailable in
/// `/proc/meminfo` (Linux 3.14 and later); `None` elsewhere.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    mem_available(&text)
}

/// MemAvailable of `/proc/meminfo`'s text, in bytes.
pub fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut words = line.split_whitespace().skip(1);
    let kib: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => kib.checked_mul(1024),
        Some(_) => None,
    }
}

/// Refuses `estimate` when it exceeds the budget, with both figures and
/// what to do.
pub fn check_memory(estimate: &Estimate, budget: Option<Budget>) -> Result<(), Failure> {
    memory_problem(estimate, budget).map_or(Ok(()), |(message, help)| {
        Err(Failure::invalid(vec![miette::miette!(
            help = help,
            "{message}"
        )]))
    })
}

/// The message and help of a run whose estimate exceeds the budget.
pub fn memory_problem(estimate: &Estimate, budget: Option<Budget>) -> Option<(String, String)> {
    let budget = budget?;
    let error = limits::check_memory(estimate, budget.bytes).err()?;
    let source = if budget.from_system {
        format!(
            "{} is what the system has available (MemAvailable)",
            Size(budget.bytes as f64)
        )
    } else {
        format!("{} is what --max-memory allows", Size(budget.bytes as f64))
    };
    Some((error.to_string(), format!("{source}; {MEMORY_HELP}")))
}

/// How `scenario`'s simulation runs: off, counts or walkers (phases are
/// always simulated walker by walker).
pub fn simulating(scenario: &Scenario) -> Simulating {
    let walkers = scenario.simulation.walkers;
    let mode = scenario
        .simulation
        .mode
        .resolve(walkers, scenario.chain.len(), scenario.horizon);
    match (walkers, mode) {
        (0, _) => Simulating::Off,
        (_, Mode::Counts) if scenario.whatif.phases.is_empty() => Simulating::Counts,
        _ => Simulating::Walkers,
    }
}

/// The sizes of a sweep of `points` points of `scenario`'s grid, each
/// simulated too if `simulates`.
pub fn sweep_workload(
    scenario: &Scenario,
    grid: &Sweep,
    points: usize,
    simulates: bool,
) -> Workload {
    let simulation = simulating(scenario);
    Workload {
        states: scenario.chain.len(),
        horizon: scenario.horizon,
        phases: scenario.whatif.phases.len(),
        simulation,
        sweep_points: points,
        // With a simulation, each occupancy metric has a simulated twin.
        sweep_cells: grid.axes.len() + grid.metrics.len() * if simulates { 2 } else { 1 },
        sweep_simulates: simulates && scenario.simulation.walkers > 0,
        threads: threads(),
        ..Workload::default()
    }
}

/// Refuses more sweep points than `--max-sweep-points` allows: `points` is
/// what this process would evaluate, `grid` the sweep's whole grid.
pub fn check_sweep_points(points: usize, grid: usize, limit: usize) -> Result<(), String> {
    if points <= limit {
        return Ok(());
    }
    let of = if points == grid {
        String::new()
    } else {
        format!(" (of a grid of {grid})")
    };
    Err(format!(
        "the sweep has {points} points to evaluate{of}, more than the limit of {limit}"
    ))
}

/// What to do about too many sweep points.
pub const SWEEP_POINTS_HELP: &str = "cut the grid into shards with `verchain sweep --shard K/N` \
     (each shard counts only its own points) and join them with `verchain merge`, take fewer \
     values per parameter, or raise the limit with --max-sweep-points";

/// The threads that work at once.
pub fn threads() -> usize {
    rayon::current_num_threads().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_available_is_read_in_bytes() {
        let text = "MemTotal:       16315508 kB\nMemFree:         1034876 kB\n\
                    MemAvailable:    9640576 kB\nBuffers:          401520 kB\n";
        assert_eq!(mem_available(text), Some(9_640_576 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        assert_eq!(mem_available("MemAvailable: lots kB\n"), None);
    }

    #[test]
    fn memory_takes_sizes_or_unlimited() {
        assert_eq!(parse_memory("unlimited"), Ok(Memory::Unlimited));
        assert_eq!(parse_memory("1GiB"), Ok(Memory::Bytes(1 << 30)));
        assert!(parse_memory("much").is_err());
    }

    #[test]
    fn sweep_points_name_the_shard_and_the_grid() {
        assert!(check_sweep_points(10, 10, 10).is_ok());
        assert_eq!(
            check_sweep_points(11, 11, 10).unwrap_err(),
            "the sweep has 11 points to evaluate, more than the limit of 10"
        );
        assert!(
            check_sweep_points(6, 12, 5)
                .unwrap_err()
                .contains("(of a grid of 12)")
        );
    }
}
