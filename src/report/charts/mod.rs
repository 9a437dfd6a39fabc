//! Charts of a run, each written as a PNG (for pull requests and terminals
//! that show images) and as an SVG of the same drawing (for documents).
//!
//! [`draw_occupancy`] shows where versions are, step by step: the exact
//! occupancy of each state as a line and, when a simulation ran, its
//! uncertainty as a translucent band. [`draw_bars`] compares per-state values
//! such as stationary distributions as grouped bars. [`draw_lines`] draws any
//! quantity over the steps, such as the share of versions that have reached a
//! target or the distance to the long-run limit, on a linear or a log axis.
//! State `i` has the same look in every chart, so a reader can carry it
//! across a run: its Okabe–Ito colour, and past the palette's seven colours
//! a dash pattern per round of the palette (see `layout::look`). A legend
//! with more entries than rows lists the ones that matter most and counts
//! the rest.
//!
//! plotters is built without system font support, so the bundled DejaVu Sans
//! is registered once, on first use, under the family name `sans-serif`: a
//! fresh machine needs no font packages. The PNG has the glyphs rasterised;
//! the SVG only names the family, so the viewer draws it with its own
//! sans-serif font (layout was measured with DejaVu Sans, which is close).

mod bars;
mod heatmap;
mod layout;
pub mod sweep;

pub use heatmap::{HeatmapChart, draw_heatmap};
pub use layout::{DISTINCT_LOOKS, PALETTE_SIZE};

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use layout::{
    Area, MUTED, Mark, Overflow, SIZE, Values, colour, draw_dots, draw_line, failed_at, font,
    header, legend, look, power_of_ten, ready, reason, step_plot,
};

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw {path}: {reason}")]
pub struct ChartError {
    /// The file that was being written.
    pub path: std::path::PathBuf,
    /// What went wrong, for a person.
    pub reason: String,
}

/// One line per state over the steps: the exact occupancy as a line, and,
/// when given, the simulated occupancy as a shaded band between `lower` and
/// `upper`.
pub struct OccupancyChart<'a> {
    /// Heading at the top, e.g. "seed-article: where versions are, week by week".
    pub title: &'a str,
    /// What one step is, e.g. "week"; the x axis reads "step (week)".
    pub unit: &'a str,
    /// State names, in the order of the columns of `exact`.
    pub states: &'a [String],
    /// H + 1 rows (steps 0 to H), each with one probability per state.
    pub exact: &'a [Vec<f64>],
    /// Optional band, same shape as `exact`, values in [0, 1].
    pub band: Option<Band<'a>>,
    /// What the band is, e.g. "Monte Carlo ± 2 SE (100000 walkers, seed 2024)".
    pub band_label: &'a str,
    /// Phases to mark: a name and the steps `from ..= to` whose moves it
    /// governs, shaded from step `from` to step `to + 1`.
    pub phases: &'a [(String, u64, u64)],
}

/// The lower and upper edges of a band, each shaped like the exact occupancy.
pub type Band<'a> = (&'a [Vec<f64>], &'a [Vec<f64>]);

/// Grouped bars: for each state, one bar per series.
pub struct BarChart<'a> {
    /// Heading at the top.
    pub title: &'a str,
    /// Label of the value axis, e.g. "long-run share of versions".
    pub y_label: &'a str,
    /// State names, one group of bars each.
    pub states: &'a [String],
    /// Label and one value per state, for each of one or more series.
    pub series: &'a [(String, Vec<f64>)],
}

/// One line of a [`LineChart`].
pub struct Series {
    /// Legend text, e.g. "production" or "{deploy, update}".
    pub label: String,
    /// One value per step, from step 0.
    pub values: Vec<f64>,
    /// Palette index: a state's index keeps that state's colour.
    pub color: usize,
    /// Drawn as dots at the steps rather than as a line (for simulated
    /// values beside an exact line of the same colour).
    pub dots: bool,
}

/// Lines over the steps, on a linear or a logarithmic value axis.
pub struct LineChart<'a> {
    /// Heading at the top.
    pub title: &'a str,
    /// Subtitle under the title (may be empty), e.g. "from S_0 · ε = 0.25 marked".
    pub subtitle: &'a str,
    /// What one step is; the x axis reads "step (unit)" as in the occupancy chart.
    pub unit: &'a str,
    /// Label of the value axis, e.g. "total variation distance".
    pub y_label: &'a str,
    /// The lines, all with the same number of steps. A lone series whose
    /// label is empty or appears in the title, subtitle or `y_label` gets no
    /// legend.
    pub series: &'a [Series],
    /// Log scale on y. Values ≤ 0 or non-finite cannot be shown on a log axis:
    /// those points are left out (the line breaks there) rather than failing,
    /// and so are values below 10⁻¹⁶, the lowest the axis goes. The y range
    /// runs from the smallest value shown, floored to a power of 10, to the
    /// largest, ceiled to a power of 10. If no value can be shown, the chart
    /// is drawn empty with a note saying so.
    pub log_y: bool,
    /// Optional horizontal reference line with a label, e.g. (0.25, "ε = 0.25"),
    /// drawn dashed in grey; the y range always includes it. It is left out
    /// on a log axis if it is not positive.
    pub reference: Option<(f64, &'a str)>,
}

/// Draws the occupancy chart into `png` (which must end in `.png`) and `svg`.
///
/// Fails before drawing on empty or ragged input or a value that is not a
/// finite number; values outside [0, 1] are drawn at the nearest edge.
pub fn draw_occupancy(chart: &OccupancyChart, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let band = chart.band.map(|(lower, upper)| [lower, upper]);
    let tables: Vec<_> = [chart.exact]
        .into_iter()
        .chain(band.into_iter().flatten())
        .collect();
    check(chart.states.len(), &tables, png).map_err(failed_at(png))?;
    occupancy(BitMapBackend::new(png, SIZE).into_drawing_area(), chart).map_err(failed_at(png))?;
    occupancy(SVGBackend::new(svg, SIZE).into_drawing_area(), chart).map_err(failed_at(svg))
}

/// Draws the grouped bar chart into `png` (which must end in `.png`) and `svg`.
///
/// Fails before drawing on empty or ragged input or a value that is not a
/// finite number; the value axis spans zero and every value.
pub fn draw_bars(chart: &BarChart, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let rows: Vec<Vec<f64>> = chart.series.iter().map(|(_, v)| v.clone()).collect();
    check(chart.states.len(), &[&rows], png).map_err(failed_at(png))?;
    let bitmap = BitMapBackend::new(png, SIZE).into_drawing_area();
    bars::bars(bitmap, chart).map_err(failed_at(png))?;
    bars::bars(SVGBackend::new(svg, SIZE).into_drawing_area(), chart).map_err(failed_at(svg))
}

/// Draws the line chart into `png` (which must end in `.png`) and `svg`.
///
/// Fails before drawing if there is no series, the series have no values or
/// differ in length. Values that cannot be shown (not finite, or below
/// 10⁻¹⁶ on a log axis) break the line instead; see [`LineChart::log_y`]. On
/// a linear axis the y range spans at least 0 to 1 and every finite value.
/// Thousands of steps are fine: points that fall on the same pixels are
/// merged before drawing.
pub fn draw_lines(chart: &LineChart, png: &Path, svg: &Path) -> Result<(), ChartError> {
    check_lines(chart.series, png).map_err(failed_at(png))?;
    lines(BitMapBackend::new(png, SIZE).into_drawing_area(), chart).map_err(failed_at(png))?;
    lines(SVGBackend::new(svg, SIZE).into_drawing_area(), chart).map_err(failed_at(svg))
}

/// Rejects what would draw nothing or nonsense, then loads the font. All
/// tables (occupancy and band, or the series) must have the same rows.
fn check(states: usize, tables: &[&[Vec<f64>]], png: &Path) -> Result<(), String> {
    let ragged = tables.iter().any(|t| t.len() != tables[0].len());
    let mut rows = tables.iter().flat_map(|t| t.iter());
    let bad = rows.find(|r| r.len() != states || r.iter().any(|v| !v.is_finite()));
    match bad {
        _ if states == 0 || tables[0].is_empty() => Err("there is nothing to draw".to_string()),
        _ if ragged => Err("the band and the occupancy differ in steps".to_string()),
        Some(r) if r.len() != states => Err(format!("{} values for {states} states", r.len())),
        Some(_) => Err("a value is not a finite number".to_string()),
        None => ready(png),
    }
}

/// Rejects line charts without steps or with ragged series, then loads the
/// font; the steps must fit the step axis, which counts in `i32`.
fn check_lines(series: &[Series], png: &Path) -> Result<(), String> {
    let first = series.first().ok_or("there is no series to draw")?;
    let steps = first.values.len();
    if let Some(other) = series.iter().find(|s| s.values.len() != steps) {
        let (a, b) = (&first.label, &other.label);
        let n = other.values.len();
        return Err(format!(
            "series \"{a}\" has {steps} values but \"{b}\" has {n}"
        ));
    }
    match i32::try_from(steps) {
        Ok(0) => Err("the series have no values".to_string()),
        Ok(_) => ready(png),
        Err(_) => Err(format!("{steps} steps are too many to draw")),
    }
}

fn occupancy<DB: DrawingBackend>(root: Area<DB>, c: &OccupancyChart) -> Result<(), String> {
    let subtitle = match c.band {
        Some(_) if c.band_label.trim().is_empty() => "lines: exact · shaded: simulated".into(),
        Some(_) => format!("lines: exact occupancy · shaded: {}", c.band_label),
        None => "lines: exact occupancy".to_string(),
    };
    let body = header(&root, c.title, &subtitle)?;
    let alpha = if c.band.is_some() { 0.25 } else { 0.0 };
    let entries = c.states.iter().enumerate();
    let entries = entries.map(|(i, s)| ((colour(i).mix(alpha), Mark::Line(look(i))), s.as_str()));
    // With many states the legend lists those that hold the most versions
    // at some step.
    let peaks: Vec<f64> = (0..c.states.len())
        .map(|i| c.exact.iter().map(|row| row[i]).fold(0.0, f64::max))
        .collect();
    let overflow = Overflow {
        rank: &peaks,
        rest: "states, each smaller at its peak",
    };
    let plot = legend(body, &entries.collect::<Vec<_>>(), Some(overflow))?;

    let last = c.exact.len() as i32 - 1;
    let values = Values {
        range: 0.0..1.0,
        ticks: 11,
        format: &|v| format!("{v:.1}"),
        desc: "share of versions",
    };
    let mut chart = step_plot(&plot, last, c.unit, values)?;
    for (name, from, to) in c.phases {
        let (x0, x1) = (
            (*from).min(last as u64) as i32,
            (to + 1).min(last as u64) as i32,
        );
        if x0 >= x1 {
            continue;
        }
        let shade = Rectangle::new([(x0, 0.0), (x1, 1.0)], MUTED.mix(0.12).filled());
        chart.draw_series([shade]).map_err(reason)?;
        let label = Text::new(
            name.clone(),
            (x0, 0.985),
            font(15.0, &MUTED).pos(Pos::new(HPos::Left, VPos::Top)),
        );
        chart.draw_series([label]).map_err(reason)?;
    }

    let column = |rows: &[Vec<f64>], i: usize| -> Vec<(i32, f64)> {
        let clamped = rows.iter().map(|r| r[i].clamp(0.0, 1.0));
        (0..).zip(clamped).collect()
    };
    // Bands first, so that every line stays on top of every band.
    if let Some((lower, upper)) = c.band {
        for i in 0..c.states.len() {
            let fill = colour(i).mix(0.25);
            let mut outline = column(upper, i);
            outline.extend(column(lower, i).into_iter().rev());
            match last {
                0 => chart.draw_series([PathElement::new(outline, fill.stroke_width(12))]),
                _ => chart.draw_series([Polygon::new(outline, fill.filled())]),
            }
            .map_err(reason)?;
        }
    }
    for i in 0..c.states.len() {
        draw_line(&mut chart, &column(c.exact, i), look(i))?;
    }
    root.present().map_err(reason)
}

/// The lowest value a log axis shows: anything smaller reads as zero there,
/// and a floor keeps a stray 1e-300 from stretching the axis over 300 decades.
const LOG_FLOOR: f64 = 1e-16;

/// Where values go on the value axis of a line chart.
struct Scale {
    log: bool,
    /// In axis coordinates, which on a log axis are powers of ten.
    range: std::ops::Range<f64>,
}

impl Scale {
    /// Spans every value that can be shown and the reference line: whole
    /// decades on a log axis, and on a linear one at least 0 to 1, since most
    /// of these charts show shares. Capped, as an infinite span would hang
    /// plotters' tick search.
    fn new(c: &LineChart) -> Scale {
        let values = c.series.iter().flat_map(|s| &s.values);
        let reference = c.reference.iter().map(|(v, _)| v);
        let coordinates = values
            .chain(reference)
            .filter_map(|&v| Self::axis(c.log_y, v));
        let (low, high) = coordinates.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), y| {
            (l.min(y), h.max(y))
        });
        let range = match c.log_y {
            true if low > high => -1.0..0.0,
            // Within rounding of a power of ten counts as on it, or a 1e-9
            // computed as 0.99…e-9 would add an empty decade.
            true => {
                let (low, high) = ((low + 1e-9).floor(), (high - 1e-9).ceil());
                low.min(high - 1.0)..high
            }
            false => low.clamp(-1e300, 0.0)..high.clamp(1.0, 1e300),
        };
        Scale {
            log: c.log_y,
            range,
        }
    }

    /// The axis coordinate of a value, if it can be shown at all.
    fn axis(log: bool, value: f64) -> Option<f64> {
        match log {
            true => (value.is_finite() && value >= LOG_FLOOR).then(|| value.log10()),
            false => value.is_finite().then_some(value),
        }
    }

    /// The axis coordinate of a value, kept inside the axis.
    fn at(&self, value: f64) -> Option<f64> {
        let y = Self::axis(self.log, value)?;
        Some(y.clamp(self.range.start, self.range.end))
    }

    /// On a log axis no more ticks than decades plus one, so that plotters
    /// puts them on whole decades only.
    fn ticks(&self) -> usize {
        let decades = (self.range.end - self.range.start) as usize;
        if self.log { (decades + 1).min(12) } else { 11 }
    }

    /// Labels powers of ten as 10⁻³ and so on, or linear values with the
    /// decimals that ticks about a tenth of the axis apart need.
    fn format(&self) -> Box<dyn Fn(&f64) -> String> {
        let (low, high) = (self.range.start, self.range.end);
        let (big, digits) = (low.abs().max(high) >= 1e6, usize::from(high - low <= 10.0));
        match self.log {
            true => Box::new(|y: &f64| power_of_ten(*y)),
            false if big => Box::new(|v: &f64| format!("{v:.1e}")),
            false => Box::new(move |v: &f64| format!("{v:.digits$}")),
        }
    }
}

fn lines<DB: DrawingBackend>(root: Area<DB>, c: &LineChart) -> Result<(), String> {
    let body = header(&root, c.title, c.subtitle)?;
    // A lone series already named in the heading or the value axis needs no
    // legend, which leaves more room for the plot.
    let named = |label: &str| {
        [c.title, c.subtitle, c.y_label]
            .iter()
            .any(|t| t.contains(label))
    };
    let alone = matches!(c.series, [only] if named(only.label.trim()));
    let entries = c.series.iter().filter(|_| !alone).map(|s| {
        let line = look(s.color);
        let mark = if s.dots {
            Mark::Dots(line.colour)
        } else {
            Mark::Line(line)
        };
        ((line.colour.mix(0.0), mark), s.label.as_str())
    });
    let plot = legend(body, &entries.collect::<Vec<_>>(), None)?;

    let scale = Scale::new(c);
    let format = scale.format();
    let last = c.series[0].values.len() as i32 - 1;
    let values = Values {
        range: scale.range.clone(),
        ticks: scale.ticks(),
        format: &*format,
        desc: c.y_label,
    };
    let mut chart = step_plot(&plot, last, c.unit, values)?;
    let ends = if last == 0 { (-1, 1) } else { (0, last) };
    let reference = c
        .reference
        .and_then(|(v, label)| Some((scale.at(v)?, label)));
    if let Some((y, _)) = reference {
        let line = [(ends.0, y), (ends.1, y)];
        let dashed = DashedPathElement::new(line, 10, 6, MUTED.mix(0.75).stroke_width(2));
        chart.draw_series([dashed]).map_err(reason)?;
    }
    let mut shown = false;
    for s in c.series {
        // What cannot be shown breaks the line; a point between two breaks
        // is drawn as a dot, or it would not show at all.
        let points: Vec<_> = (0..)
            .zip(&s.values)
            .map(|(t, &v)| Some((t, scale.at(v)?)))
            .collect();
        for run in points.split(Option::is_none).filter(|run| !run.is_empty()) {
            let run: Vec<_> = run.iter().flatten().copied().collect();
            match s.dots {
                true => draw_dots(&mut chart, &run, colour(s.color))?,
                false => draw_line(&mut chart, &run, look(s.color))?,
            }
            shown = true;
        }
    }

    let (across, down) = chart.plotting_area().get_pixel_range();
    if let Some((y, label)) = reference {
        // At the right end, above the line unless that leaves the plot, on a
        // light patch so that lines crossing it do not garble it.
        let style = font(16.0, &MUTED);
        let (width, height) = root.estimate_text_size(label, &style).map_err(reason)?;
        let (right, at) = (across.end - 8, chart.backend_coord(&(ends.1, y)).1);
        let above = at - 6 - height as i32;
        let top = if above >= down.start { above } else { at + 6 };
        let patch = [
            (right - width as i32 - 4, top - 2),
            (right + 4, top + height as i32 + 2),
        ];
        root.draw(&Rectangle::new(patch, WHITE.mix(0.85).filled()))
            .map_err(reason)?;
        let style = style.pos(Pos::new(HPos::Right, VPos::Top));
        root.draw_text(label, &style, (right, top))
            .map_err(reason)?;
    }
    if !shown {
        let note = match c.log_y {
            true => "no value is 10⁻¹⁶ or more, so there is nothing to show on a log scale",
            false => "no value is a finite number, so there is nothing to show",
        };
        let style = font(20.0, &MUTED).pos(Pos::new(HPos::Center, VPos::Center));
        let centre = ((across.start + across.end) / 2, (down.start + down.end) / 2);
        root.draw_text(note, &style, centre).map_err(reason)?;
    }
    root.present().map_err(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Draws both charts, with a band of ± `band`, into a fresh directory and
    /// checks that the four files are what their names claim.
    fn draw_all(states: &[&str], exact: Vec<Vec<f64>>, band: f64, series: &[(&str, Vec<f64>)]) {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let states: Vec<String> = states.iter().map(|s| s.to_string()).collect();
        let shift = |d: f64| -> Vec<Vec<f64>> {
            let row = |r: &Vec<f64>| r.iter().map(|p| (p + d).clamp(0.0, 1.0)).collect();
            exact.iter().map(row).collect()
        };
        let (lower, upper) = (shift(-band), shift(band));
        let occupancy = OccupancyChart {
            title: "seed-article: where versions are, week by week",
            unit: "week",
            states: &states,
            exact: &exact,
            band: Some((&lower, &upper)),
            band_label: "Monte Carlo ± 2 SE (100000 walkers, seed 2024)",
            phases: &[("freeze".to_string(), 3, 7)],
        };
        draw_occupancy(&occupancy, &path("o.png"), &path("o.svg")).unwrap();
        let series: Vec<_> = series
            .iter()
            .map(|(s, v)| (s.to_string(), v.clone()))
            .collect();
        let (title, y_label) = ("seed-article: where versions settle", "long-run share");
        let bars = BarChart {
            title,
            y_label,
            states: &states,
            series: &series,
        };
        draw_bars(&bars, &path("b.png"), &path("b.svg")).unwrap();
        assert_written(dir.path(), "o");
        assert_written(dir.path(), "b");
    }

    /// Checks that `stem.png` and `stem.svg` in `dir` are what their names claim.
    fn assert_written(dir: &Path, stem: &str) {
        let png = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }

    #[test]
    fn four_states_with_a_band() {
        let settled = [0.0, 0.372, 0.26, 0.368];
        let row = |w: f64| (0..4).map(move |i| if i == 0 { w } else { (1.0 - w) * settled[i] });
        let exact = (0..=20).map(|t| row(0.7f64.powi(t)).collect()).collect();
        let simulated = vec![0.0, 0.37, 0.262, 0.368];
        let states = ["develop", "test", "deploy", "update"];
        draw_all(
            &states,
            exact,
            0.01,
            &[("exact", settled.to_vec()), ("simulated", simulated)],
        );
    }

    #[test]
    fn one_state_and_a_single_step() {
        let states = ["a state whose name is far too long to fit in any legend at all"];
        draw_all(&states, vec![vec![1.0]], 0.5, &[("only", vec![0.0])]);
    }

    /// The text lines of an SVG file (plotters writes each text on its own).
    fn svg_lines(path: &Path) -> Vec<String> {
        let svg = std::fs::read_to_string(path).unwrap();
        svg.lines().map(str::to_string).collect()
    }

    #[test]
    fn three_hundred_states_list_the_largest_and_count_the_rest() {
        // Every state peaks at 1/300 except s100 to s109, which peak at 1/20.
        let n = 300;
        let states: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
        let row = |t: usize| -> Vec<f64> {
            let big = |i: usize| (100..110).contains(&i) && i % 2 == t % 2;
            let raw: Vec<f64> = (0..n).map(|i| if big(i) { 15.0 } else { 1.0 }).collect();
            let total: f64 = raw.iter().sum();
            raw.iter().map(|v| v / total).collect()
        };
        let exact: Vec<Vec<f64>> = (0..10).map(row).collect();
        let chart = OccupancyChart {
            title: "big: where versions are",
            unit: "week",
            states: &states,
            exact: &exact,
            band: None,
            band_label: "",
            phases: &[],
        };
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("o.png"), dir.path().join("o.svg"));
        draw_occupancy(&chart, &png, &svg).unwrap();

        let lines = svg_lines(&svg);
        for state in &states[100..110] {
            assert!(lines.contains(state), "{state} is not listed");
        }
        let listed = states.iter().filter(|s| lines.contains(s)).count();
        assert!((20..=40).contains(&listed), "{listed} listed");
        let more = format!("+{} more states, each smaller at its peak", n - listed);
        assert!(lines.contains(&more), "no \"{more}\"");
        assert!(!lines.iter().any(|l| l.contains('…')));
    }

    #[test]
    fn long_legend_labels_wrap_and_short_ones_stay_whole() {
        // canary-rollout's hitting chart cut the last label to "(Monte …".
        let reached: Vec<f64> = (0..=30).map(|t| 0.27 * (1.0 - 0.9f64.powi(t))).collect();
        let set = "{canary_aborted, prod_rollback}";
        let mut simulated = series(&format!("{set} (Monte Carlo)"), reached.clone(), 7);
        simulated.dots = true;
        let lines = [
            series(set, reached, 7),
            simulated,
            series("s10", vec![0.5; 31], 1),
        ];
        let chart = LineChart {
            reference: None,
            ..distance(&lines, false)
        };
        let dir = tempfile::tempdir().unwrap();
        draw(dir.path(), "h", &chart).unwrap();

        let lines = svg_lines(&dir.path().join("h.svg"));
        for label in ["s10", set, "(Monte Carlo)"] {
            assert!(lines.iter().any(|l| l == label), "{label} is not whole");
        }
        assert!(!lines.iter().any(|l| l.contains('…')));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let states = ["a".to_string(), "b".to_string()];
        let reason = |values: &[f64], png: &str| {
            let series = [("s".to_string(), values.to_vec())];
            let bars = BarChart {
                title: "t",
                y_label: "y",
                states: &states,
                series: &series,
            };
            let svg = dir.path().join("x.svg");
            draw_bars(&bars, &dir.path().join(png), &svg)
                .unwrap_err()
                .reason
        };
        assert!(reason(&[0.5], "x.png").contains("1 values for 2 states"));
        assert!(reason(&[f64::NAN, 1.0], "x.png").contains("finite"));
        assert!(reason(&[0.5, 0.5], "x.jpg").contains(".png"));
        assert!(!reason(&[0.5, 0.5], "missing/x.png").is_empty());
    }

    fn series(label: &str, values: Vec<f64>, color: usize) -> Series {
        let label = label.to_string();
        Series {
            label,
            values,
            color,
            dots: false,
        }
    }

    fn distance(series: &[Series], log_y: bool) -> LineChart<'_> {
        LineChart {
            title: "seed-article: total variation distance to the long-run limit",
            subtitle: "from S_0 · ε = 0.25 marked",
            unit: "week",
            y_label: "TV distance",
            series,
            log_y,
            reference: Some((0.25, "ε = 0.25")),
        }
    }

    /// Draws `chart` into `stem.png` and `stem.svg` in `dir` and checks them.
    fn draw(dir: &Path, stem: &str, chart: &LineChart) -> Result<(), ChartError> {
        let path = |ext: &str| dir.join(format!("{stem}.{ext}"));
        draw_lines(chart, &path("png"), &path("svg"))?;
        assert_written(dir, stem);
        Ok(())
    }

    #[test]
    fn cdf_curves_on_a_linear_axis() {
        let cdf = |top: f64, rate: f64| {
            let reached = (0..=30).map(|t| top * (1.0 - (-rate * f64::from(t)).exp()));
            reached.collect()
        };
        let series = [
            series("production", cdf(0.8, 0.12), 2),
            series("archived", cdf(0.95, 0.08), 3),
        ];
        let chart = LineChart {
            title: "seed-article: share of versions that have reached the target within t weeks",
            subtitle: "from S_0",
            y_label: "share of versions",
            reference: None,
            ..distance(&series, false)
        };
        draw(tempfile::tempdir().unwrap().path(), "cdf", &chart).unwrap();
        assert_eq!(Scale::new(&chart).range, 0.0..1.0);
    }

    #[test]
    fn distance_on_a_log_axis_with_a_zero_and_a_reference() {
        // Falls from 1 to 1e-9 (give or take rounding) in 40 steps, then is 0.
        let fall = (0..=40).map(|t| 10f64.powf(-9.0 * f64::from(t) / 40.0));
        let series = [series("from S_0", fall.chain([0.0, 0.0]).collect(), 0)];
        let chart = distance(&series, true);
        draw(tempfile::tempdir().unwrap().path(), "tv", &chart).unwrap();
        assert_eq!(Scale::new(&chart).range, -9.0..0.0);
        assert_eq!(Scale::new(&chart).at(0.0), None);
        let labels = [-9.0, 0.0, 1.0, 2.0, -0.5].map(power_of_ten);
        assert_eq!(labels, ["10⁻⁹", "1", "10", "10²", ""]);
    }

    #[test]
    fn odd_lines_are_drawn_without_panicking() {
        let dir = tempfile::tempdir().unwrap();
        let zigzag = (0..=20).map(|t| if t % 2 == 0 { 0.9 } else { 0.1 });
        let many = (0..50).map(|i| series(&format!("state {i}"), zigzag.clone().collect(), i));
        let odd = [
            f64::NAN,
            -1.0,
            0.0,
            1e-300,
            1e300,
            f64::INFINITY,
            0.5,
            f64::MAX,
        ];
        let long = (0..=10_000).map(|t| 0.999f64.powi(t)).collect();
        let cases: [(Vec<Series>, &[bool]); 5] = [
            (
                vec![series("a", vec![0.3], 0), series("b", vec![0.6], 1)],
                &[false, true],
            ),
            (vec![series("all zero", vec![0.0; 12], 0)], &[true]),
            (vec![series("odd", odd.to_vec(), 5)], &[false, true]),
            (many.collect(), &[true]),
            (vec![series("long", long, 1)], &[true]),
        ];
        for (k, (series, scales)) in cases.iter().enumerate() {
            for &log_y in *scales {
                draw(
                    dir.path(),
                    &format!("{k}-{log_y}"),
                    &distance(series, log_y),
                )
                .unwrap();
            }
        }
        let nan = [series("nan", vec![f64::NAN; 3], 0)];
        draw(dir.path(), "nan", &distance(&nan, false)).unwrap();
    }

    #[test]
    fn unusable_lines_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let reason = |s: &[Series]| {
            draw(dir.path(), "x", &distance(s, true))
                .unwrap_err()
                .reason
        };
        assert!(reason(&[]).contains("no series"));
        assert!(reason(&[series("a", vec![], 0)]).contains("no values"));
        let ragged = [series("a", vec![1.0; 3], 0), series("b", vec![1.0; 2], 1)];
        assert_eq!(reason(&ragged), "series \"a\" has 3 values but \"b\" has 2");
    }
}
