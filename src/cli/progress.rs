//! A progress bar for long simulations: on stderr, only on a terminal, and
//! only when the work is large enough to take about a second.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// Walker-steps below which no bar is shown (well under a second).
const SHOW_ABOVE_STEPS: u64 = 100_000_000;

/// A bar over simulated walkers, or nothing.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar for `walkers` walkers taking `steps` walker-steps in all.
    pub fn new(walkers: u64, steps: u64, quiet: bool) -> Self {
        if quiet || steps < SHOW_ABOVE_STEPS || !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new(walkers);
        bar.set_style(
            ProgressStyle::with_template(
                "simulating {bar:40} {human_pos}/{human_len} walkers · {per_sec} · {eta} left",
            )
            .expect("the template is valid"),
        );
        Self(Some(bar))
    }

    /// Records `done` more walkers finished.
    pub fn advance(&self, done: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(done);
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Sweep points below which no bar is shown (well under a second).
const SHOW_ABOVE_POINTS: u64 = 2_000;

impl Progress {
    /// A bar over the points of a sweep, or nothing for small sweeps.
    pub fn points(points: u64, quiet: bool) -> Self {
        if quiet || points < SHOW_ABOVE_POINTS || !std::io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::new(points);
        bar.set_style(
            ProgressStyle::with_template(
                "sweeping {bar:40} {human_pos}/{human_len} points · {per_sec} · {eta} left",
            )
            .expect("the template is valid"),
        );
        Self(Some(bar))
    }
}
