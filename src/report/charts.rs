//! Charts of a run, each written as a PNG (for pull requests and terminals
//! that show images) and as an SVG of the same drawing (for documents).
//!
//! [`draw_occupancy`] shows where versions are, step by step: the exact
//! occupancy of each state as a line and, when a simulation ran, its
//! uncertainty as a translucent band. [`draw_bars`] compares per-state values
//! such as stationary distributions as grouped bars. State `i` has the same
//! Okabe–Ito colour in every chart, so a reader can carry it across a run.
//!
//! plotters is built without system font support, so the bundled DejaVu Sans
//! is registered once, on first use, under the family name `sans-serif`: a
//! fresh machine needs no font packages. The PNG has the glyphs rasterised;
//! the SVG only names the family, so the viewer draws it with its own
//! sans-serif font (layout was measured with DejaVu Sans, which is close).

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

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

/// The whole canvas, in pixels for the PNG and user units for the SVG.
type Area<DB> = DrawingArea<DB, Shift>;

const SIZE: (u32, u32) = (1200, 700);
const FAMILY: &str = "sans-serif";
const MARGIN: i32 = 20;
/// Okabe–Ito without its yellow, which is too faint on white, ordered so the
/// first four states (the usual lifecycle) are the easiest to tell apart.
const PALETTE: [u32; 7] = [
    0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7, 0x56B4E9, 0xD55E00, 0x000000,
];
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

fn colour(state: usize) -> RGBColor {
    let rgb = PALETTE[state % PALETTE.len()];
    RGBColor((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8)
}

/// Registers the bundled font once per process (plotters keeps it globally);
/// a font that fails to parse is reported on every call, not just the first.
fn fonts() -> Result<(), String> {
    static ONCE: Once = Once::new();
    static LOADED: AtomicBool = AtomicBool::new(false);
    ONCE.call_once(|| {
        let bytes = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        let ok = register_font(FAMILY, FontStyle::Normal, bytes).is_ok();
        LOADED.store(ok, Ordering::Release);
    });
    if LOADED.load(Ordering::Acquire) {
        Ok(())
    } else {
        Err("the bundled DejaVu Sans font could not be loaded".into())
    }
}

fn font(size: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(colour)
}

fn reason(error: impl std::fmt::Display) -> String {
    error.to_string()
}

fn failed_at(path: &Path) -> impl FnOnce(String) -> ChartError {
    let path = path.to_path_buf();
    move |reason| ChartError { path, reason }
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
    bars(BitMapBackend::new(png, SIZE).into_drawing_area(), chart).map_err(failed_at(png))?;
    bars(SVGBackend::new(svg, SIZE).into_drawing_area(), chart).map_err(failed_at(svg))
}

/// Rejects what would draw nothing or nonsense, then loads the font. All
/// tables (occupancy and band, or the series) must have the same rows.
fn check(states: usize, tables: &[&[Vec<f64>]], png: &Path) -> Result<(), String> {
    let ragged = tables.iter().any(|t| t.len() != tables[0].len());
    let mut rows = tables.iter().flat_map(|t| t.iter());
    let bad = rows.find(|r| r.len() != states || r.iter().any(|v| !v.is_finite()));
    // The bitmap encoder picks the image format from the file's extension.
    let ext = png.extension().and_then(|e| e.to_str()).unwrap_or_default();
    match bad {
        _ if states == 0 || tables[0].is_empty() => Err("there is nothing to draw".to_string()),
        _ if ragged => Err("the band and the occupancy differ in steps".to_string()),
        Some(r) if r.len() != states => Err(format!("{} values for {states} states", r.len())),
        Some(_) => Err("a value is not a finite number".to_string()),
        None if !ext.eq_ignore_ascii_case("png") => Err("the PNG name must end in .png".into()),
        None => fonts(),
    }
}

fn text_width<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
) -> Result<i32, String> {
    Ok(area.estimate_text_size(text, style).map_err(reason)?.0 as i32)
}

/// Shortens `text` with an ellipsis until it is at most `max` pixels wide.
fn fit<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
    max: i32,
) -> Result<String, String> {
    let mut chars: Vec<char> = text.chars().collect();
    let mut out = text.to_string();
    while !chars.is_empty() && text_width(area, &out, style)? > max {
        chars.pop();
        out = chars.iter().collect::<String>() + "…";
    }
    Ok(out)
}

/// Fills the background and draws the title and, if any, a smaller subtitle,
/// returning the area left below them.
fn header<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    subtitle: &str,
) -> Result<Area<DB>, String> {
    root.fill(&WHITE).map_err(reason)?;
    let width = SIZE.0 as i32 - 2 * MARGIN;
    let mut area = root.margin(10, 0, 0, 0);
    for (text, style) in [(title, font(28.0, &INK)), (subtitle, font(17.0, &MUTED))] {
        if !text.is_empty() {
            area = area
                .titled(&fit(root, text, &style, width)?, style)
                .map_err(reason)?;
        }
    }
    Ok(area)
}

/// A legend patch (the band or bar fill) and, for states, the line over it.
type Swatch = (RGBAColor, Option<RGBColor>);
const SWATCH: i32 = 34;

/// Draws the legend in columns at the right of `area`, so it never covers
/// data, and returns the rest for the plot. Many entries get a smaller font
/// and more columns; long labels get an ellipsis.
fn legend<DB: DrawingBackend>(
    area: Area<DB>,
    entries: &[(Swatch, &str)],
) -> Result<Area<DB>, String> {
    let (n, height) = (entries.len(), area.dim_in_pixel().1 as i32 - 2 * MARGIN);
    if n == 0 {
        return Ok(area);
    }
    let row = if n <= (height / 28) as usize { 28 } else { 19 };
    let size = f64::from(row) * 0.66;
    let rows = ((height / row).max(1) as usize).min(n);
    let columns = n.div_ceil(rows) as i32;
    // All columns together take at most about a third of the canvas width.
    let max_label = (SIZE.0 as i32 / 3 / columns - SWATCH - 24).max(12);
    let style = font(size, &INK).pos(Pos::new(HPos::Left, VPos::Center));
    let mut labels = Vec::with_capacity(n);
    let mut widest = 0;
    for (_, label) in entries {
        let label = fit(&area, label, &style, max_label)?;
        widest = widest.max(text_width(&area, &label, &style)?);
        labels.push(label);
    }
    let column = SWATCH + widest + 24;
    let width = area.dim_in_pixel().0 as i32;
    // Past half the width a legend is cut off rather than crowding out the plot.
    let (plot, side) =
        area.split_horizontally((width - columns.saturating_mul(column) - MARGIN).max(width / 2));
    for (k, (((patch, line), _), label)) in entries.iter().zip(&labels).enumerate() {
        let x = (k / rows) as i32 * column;
        if x >= width {
            break; // the rest is cut off anyway
        }
        let y = MARGIN + (k % rows) as i32 * row + row / 2;
        let corners = [(x, y - row / 2 + 3), (x + SWATCH, y + row / 2 - 3)];
        side.draw(&Rectangle::new(corners, patch.filled()))
            .map_err(reason)?;
        match line {
            Some(c) => side.draw(&PathElement::new(
                corners.map(|p| (p.0, y)),
                c.stroke_width(3),
            )),
            None => side.draw(&Rectangle::new(corners, MUTED.stroke_width(1))),
        }
        .map_err(reason)?;
        side.draw_text(label, &style, (x + SWATCH + 10, y))
            .map_err(reason)?;
    }
    Ok(plot)
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
    let entries = entries.map(|(i, s)| ((colour(i).mix(alpha), Some(colour(i))), s.as_str()));
    let plot = legend(body, &entries.collect::<Vec<_>>())?;

    // A single step is drawn as points in the middle of an axis from -1 to 1,
    // so its band is not clipped; ticks outside the steps are left unlabelled.
    let last = c.exact.len() as i32 - 1;
    let x_desc = match c.unit.trim() {
        "" => "step".to_string(),
        unit => format!("step ({unit})"),
    };
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .x_label_area_size(56)
        .y_label_area_size(66)
        .build_cartesian_2d(if last == 0 { -1..1 } else { 0..last }, 0.0..1.0)
        .map_err(reason)?;
    chart
        .configure_mesh()
        .x_labels(c.exact.len().clamp(2, 21))
        .y_labels(11)
        .x_label_formatter(&|t| match (0..=last).contains(t) {
            true => t.to_string(),
            false => String::new(),
        })
        .y_label_formatter(&|v| format!("{v:.1}"))
        .x_desc(x_desc)
        .y_desc("share of versions")
        .label_style(font(16.0, &INK))
        .axis_desc_style(font(18.0, &INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(reason)?;

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
    let dots = if last == 0 { 6 } else { 0 };
    for i in 0..c.states.len() {
        let line = LineSeries::new(column(c.exact, i), colour(i).filled().stroke_width(3));
        chart.draw_series(line.point_size(dots)).map_err(reason)?;
    }
    root.present().map_err(reason)
}

fn bars<DB: DrawingBackend>(root: Area<DB>, c: &BarChart) -> Result<(), String> {
    // Bars keep their state's colour, so series differ by opacity; the legend
    // shows that in grey, or a single series is named under the title.
    let m = c.series.len();
    let body = header(&root, c.title, if m == 1 { &c.series[0].0 } else { "" })?;
    let alpha = |k: usize| 1.0 - 0.65 * k as f64 / (m.max(2) - 1) as f64;
    let entries = c.series.iter().enumerate().filter(|_| m > 1);
    let entries = entries.map(|(k, (s, _))| ((MUTED.mix(alpha(k)), None), s.as_str()));
    let plot = legend(body, &entries.collect::<Vec<_>>())?;

    let values = c.series.iter().flat_map(|(_, v)| v.iter().copied());
    let (low, high) = values.fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    // Headroom for the value labels; all zeros still need a range; and an
    // infinite range would hang plotters' tick search, so it is capped.
    let grow = |v: f64| (v * 1.12).clamp(-1e300, 1e300);
    let (low, high) = (grow(low), if low == high { 1.0 } else { grow(high) });
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .x_label_area_size(44)
        .y_label_area_size(66)
        .build_cartesian_2d(0.0..c.states.len() as f64, low..high)
        .map_err(reason)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_desc(c.y_label)
        .label_style(font(16.0, &INK))
        .axis_desc_style(font(18.0, &INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(reason)?;

    let width = 0.8 / m as f64;
    let value_style = font(14.0, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    let name_style = font(16.0, &INK).pos(Pos::new(HPos::Center, VPos::Top));
    let spec = chart.as_coord_spec().clone();
    let px = |x: f64, y: f64| spec.translate(&(x, y));
    for (i, state) in c.states.iter().enumerate() {
        for (k, (_, v)) in c.series.iter().enumerate() {
            // Clamped to the axis, or a huge bar is drawn pixel row by row.
            let (x0, top) = (i as f64 + 0.1 + k as f64 * width, v[i].clamp(low, high));
            let corners = [(x0, 0.0), (x0 + width, top)];
            let fill = Rectangle::new(corners, colour(i).mix(alpha(k)).filled());
            let edge = Rectangle::new(corners, colour(i).stroke_width(1));
            chart.draw_series([fill, edge]).map_err(reason)?;
            // Values are written only over bars wide enough to hold them.
            let label = format!("{:.3}", v[i]);
            let (top, right) = (px(x0, top.max(0.0)), px(x0 + width, 0.0));
            if text_width(&root, &label, &value_style)? + 4 <= right.0 - top.0 {
                let at = ((top.0 + right.0) / 2, top.1 - 3);
                root.draw_text(&label, &value_style, at).map_err(reason)?;
            }
        }
        let (slot, below) = (px(1.0, 0.0).0 - px(0.0, 0.0).0, px(i as f64 + 0.5, low));
        let name = fit(&root, state, &name_style, slot - 8)?;
        root.draw_text(&name, &name_style, (below.0, below.1 + 10))
            .map_err(reason)?;
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
        for stem in ["o", "b"] {
            let png = std::fs::read(path(&format!("{stem}.png"))).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
            let svg = std::fs::read_to_string(path(&format!("{stem}.svg"))).unwrap();
            assert!(svg.contains("<svg") && svg.contains("</svg>"));
        }
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
}
