//! The charts of a run, from its summary: the transition matrix, occupancy
//! with the Monte Carlo band, where versions settle, the time to reach each
//! target, and the distance to the limit.

use std::path::Path;

use super::charts::{self, BarChart, HeatmapChart, LineChart, OccupancyChart, Series};
use super::files::WriteError;
use super::summary::Summary;

/// Draws every chart of the run into `folder`; returns the file names.
pub fn draw(folder: &Path, summary: &Summary) -> Result<Vec<&'static str>, WriteError> {
    let mut written = vec![
        "matrix.png",
        "matrix.svg",
        "occupancy.png",
        "occupancy.svg",
        "stationary.png",
        "stationary.svg",
    ];
    matrix(folder, summary)?;
    occupancy(folder, summary)?;
    stationary(folder, summary)?;
    if !summary.hitting.is_empty() {
        hitting(folder, summary)?;
        written.extend(["hitting.png", "hitting.svg"]);
    }
    convergence(folder, summary)?;
    written.extend(["convergence.png", "convergence.svg"]);
    Ok(written)
}

fn matrix(folder: &Path, summary: &Summary) -> Result<(), WriteError> {
    let title = format!("{}: transition matrix T", summary.scenario);
    let subtitle = format!(
        "the probability of moving from the row's state to the column's state in one {}",
        summary.unit
    );
    charts::draw_heatmap(
        &HeatmapChart {
            title: &title,
            subtitle: if summary.states.len() <= 14 {
                &subtitle
            } else {
                ""
            },
            states: &summary.states,
            matrix: &summary.matrix,
        },
        &folder.join("matrix.png"),
        &folder.join("matrix.svg"),
    )?;
    Ok(())
}

fn occupancy(folder: &Path, summary: &Summary) -> Result<(), WriteError> {
    let band = summary.simulation.as_ref().map(|sim| {
        let shifted = |sign: f64| -> Vec<Vec<f64>> {
            sim.occupancy
                .iter()
                .zip(&sim.standard_error)
                .map(|(p, se)| {
                    p.iter()
                        .zip(se)
                        .map(|(p, se)| (p + sign * 2.0 * se).clamp(0.0, 1.0))
                        .collect()
                })
                .collect()
        };
        (shifted(-1.0), shifted(1.0))
    });
    let band_label = summary.simulation.as_ref().map_or(String::new(), |sim| {
        format!(
            "Monte Carlo ± 2 SE ({} walkers, seed {})",
            sim.walkers, sim.seed
        )
    });
    let title = format!(
        "{}: where versions are, {} by {}",
        summary.scenario, summary.unit, summary.unit
    );
    charts::draw_occupancy(
        &OccupancyChart {
            title: &title,
            unit: &summary.unit,
            states: &summary.states,
            exact: &summary.exact.trajectory,
            band: band.as_ref().map(|(lo, hi)| (lo.as_slice(), hi.as_slice())),
            band_label: &band_label,
            phases: &summary
                .phases
                .iter()
                .map(|p| (p.name.clone(), p.from, p.to))
                .collect::<Vec<_>>(),
        },
        &folder.join("occupancy.png"),
        &folder.join("occupancy.svg"),
    )?;
    Ok(())
}

fn stationary(folder: &Path, summary: &Summary) -> Result<(), WriteError> {
    // The stationary distributions of different closed classes live on
    // different states, so one series shows them all; with more than one
    // class, the limit from S_0 (their mix) stands beside it.
    let mut within = vec![0.0; summary.states.len()];
    for pi in &summary.stationary {
        for (w, p) in within.iter_mut().zip(pi) {
            *w += p;
        }
    }
    let mut series = vec![(
        "stationary distribution of each closed class".to_string(),
        within,
    )];
    if summary.stationary.len() > 1 {
        series.push(("long-run limit from S_0".to_string(), summary.limit.clone()));
    }
    let title = format!("{}: where versions settle", summary.scenario);
    charts::draw_bars(
        &BarChart {
            title: &title,
            y_label: "long-run share of versions",
            states: &summary.states,
            series: &series,
        },
        &folder.join("stationary.png"),
        &folder.join("stationary.svg"),
    )?;
    Ok(())
}

fn hitting(folder: &Path, summary: &Summary) -> Result<(), WriteError> {
    // A single-state target keeps its state's colour, so that it reads the
    // same as in the occupancy chart; a set takes a palette colour that no
    // state of the chart uses, so that no two lines share one.
    let colours = target_colours(summary);
    let colour = |k: usize| colours[k];
    let mut series: Vec<Series> = Vec::new();
    for (k, h) in summary.hitting.iter().enumerate() {
        series.push(Series {
            label: h.target.clone(),
            values: h.from_initial.cdf.clone(),
            color: colour(k),
            dots: false,
        });
        // A run that follows phases simulates no hitting times.
        if let Some(simulated) = summary.simulation.as_ref().and_then(|s| s.hitting.get(k)) {
            series.push(Series {
                label: format!("{} (Monte Carlo)", h.target),
                values: simulated.cdf.clone(),
                color: colour(k),
                dots: true,
            });
        }
    }
    let title = format!(
        "{}: share of versions that have reached each target",
        summary.scenario
    );
    let subtitle = match &summary.simulation {
        Some(sim) => format!(
            "from S_0 · lines: exact · dots: Monte Carlo ({} walkers, seed {})",
            sim.walkers, sim.seed
        ),
        None => "from S_0; the curve levels off at the probability of ever reaching the target"
            .to_string(),
    };
    let y_label = format!("reached within t {}s", summary.unit);
    charts::draw_lines(
        &LineChart {
            title: &title,
            subtitle: &subtitle,
            unit: &summary.unit,
            y_label: &y_label,
            series: &series,
            log_y: false,
            reference: None,
        },
        &folder.join("hitting.png"),
        &folder.join("hitting.svg"),
    )?;
    Ok(())
}

/// The palette index of each target's lines: its state's for a single
/// state, otherwise the first index not used by the chain's states (nor by
/// another target); past the palette an index is drawn dashed, so a set
/// never looks like a state.
fn target_colours(summary: &Summary) -> Vec<usize> {
    let n = summary.states.len();
    let mut used: Vec<usize> = Vec::new();
    let mut colours = Vec::with_capacity(summary.hitting.len());
    for h in &summary.hitting {
        let single = match h.target_states.as_slice() {
            [one] => summary.states.iter().position(|s| s == one),
            _ => None,
        };
        let free = || (n..).find(|c| !used.contains(c));
        let colour = single.or_else(free).expect("an unbounded search finds one");
        used.push(colour);
        colours.push(colour);
    }
    colours
}

fn convergence(folder: &Path, summary: &Summary) -> Result<(), WriteError> {
    let c = &summary.convergence;
    // The log axis ends at 1e-16, about where rounding leaves the distance.
    let series = [Series {
        label: "distance to the limit".to_string(),
        values: c.tv_distance.iter().map(|&d| d.max(1e-16)).collect(),
        color: 4,
        dots: false,
    }];
    let title = format!("{}: how fast versions settle", summary.scenario);
    let subtitle =
        "total variation distance between S_t and the long-run limit, log scale (floor 1e-16)";
    let reference = format!("ε = {}", c.epsilon);
    charts::draw_lines(
        &LineChart {
            title: &title,
            subtitle,
            unit: &summary.unit,
            y_label: "distance to the limit",
            series: &series,
            log_y: true,
            reference: Some((c.epsilon, &reference)),
        },
        &folder.join("convergence.png"),
        &folder.join("convergence.svg"),
    )?;
    Ok(())
}
