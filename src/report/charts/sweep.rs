//! Charts of a sweep: metrics against one parameter (a line per metric, so
//! a line per state for `stationary`), and a heatmap of one metric over two
//! parameters. Drawn with the same font, palette and heading as the run's
//! charts.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::ChartError;
use super::layout::{
    Area, INK, MARGIN, Mark, SIZE, colour, failed_at, font, header, legend, look, ready, reason,
    simplify, styled,
};

/// Metrics against the values of one parameter.
pub struct SweepLines<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    /// The parameter, as the x axis reads.
    pub parameter: &'a str,
    pub y_label: &'a str,
    /// The parameter's values, increasing.
    pub x: &'a [f64],
    /// Label, palette index and one value per `x` (non-finite values break the line).
    pub series: &'a [(String, usize, Vec<f64>)],
}

/// One metric over a grid of two parameters.
pub struct Heatmap<'a> {
    pub title: &'a str,
    pub subtitle: &'a str,
    /// Names of the parameters across and up.
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// The values across and up, increasing.
    pub x: &'a [f64],
    pub y: &'a [f64],
    /// `values[i][j]` at `(x[i], y[j])`; non-finite cells are drawn grey.
    pub values: &'a [Vec<f64>],
}

/// Draws the lines into `png` and `svg`.
///
/// # Errors
///
/// Fewer than 2 values across, ragged series, or a drawing failure.
pub fn draw_sweep_lines(chart: &SweepLines, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let ok = chart.x.len() >= 2 && chart.series.iter().all(|s| s.2.len() == chart.x.len());
    if !ok {
        return Err(failed_at(png)(
            "a sweep line needs at least 2 values, one per series".into(),
        ));
    }
    ready(png).map_err(failed_at(png))?;
    lines(BitMapBackend::new(png, SIZE).into_drawing_area(), chart).map_err(failed_at(png))?;
    lines(SVGBackend::new(svg, SIZE).into_drawing_area(), chart).map_err(failed_at(svg))
}

/// Draws the heatmap into `png` and `svg`.
///
/// # Errors
///
/// A grid whose shape does not match its axes, or a drawing failure.
pub fn draw_heatmap(chart: &Heatmap, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let ok = !chart.x.is_empty()
        && !chart.y.is_empty()
        && chart.values.len() == chart.x.len()
        && chart.values.iter().all(|c| c.len() == chart.y.len());
    if !ok {
        return Err(failed_at(png)(
            "the heatmap's grid does not match its axes".into(),
        ));
    }
    ready(png).map_err(failed_at(png))?;
    heatmap(BitMapBackend::new(png, SIZE).into_drawing_area(), chart).map_err(failed_at(png))?;
    heatmap(SVGBackend::new(svg, SIZE).into_drawing_area(), chart).map_err(failed_at(svg))
}

/// The least and greatest finite values, apart when all are equal.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    match lo.is_finite() {
        false => (0.0, 1.0),
        true if hi > lo => (lo, hi),
        true => (lo, lo + lo.abs().max(1e-12)),
    }
}

/// The range of the finite values with a margin, widened when flat.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    match (lo.is_finite(), hi - lo) {
        (false, _) => (0.0, 1.0),
        (true, d) if d <= 0.0 => (lo - 0.5 * lo.abs().max(1e-3), hi + 0.5 * hi.abs().max(1e-3)),
        (true, d) => (lo - 0.05 * d, hi + 0.05 * d),
    }
}

fn lines<DB: DrawingBackend>(root: Area<DB>, c: &SweepLines) -> Result<(), String> {
    let body = header(&root, c.title, c.subtitle)?;
    let entries: Vec<_> = c
        .series
        .iter()
        .map(|(label, k, _)| ((colour(*k).mix(0.0), Mark::Line(look(*k))), label.as_str()))
        .collect();
    let plot = legend(body, &entries, None)?;
    let (x0, x1) = (c.x[0], c.x[c.x.len() - 1]);
    let (y0, y1) = span(c.series.iter().flat_map(|s| s.2.iter().copied()));
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .x_label_area_size(56)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(reason)?;
    styled(&mut chart.configure_mesh())
        .x_desc(c.parameter)
        .y_desc(c.y_label)
        .x_label_formatter(&|v| format!("{}", (v * 1e6).round() / 1e6))
        .y_label_formatter(&|v| format!("{}", (v * 1e6).round() / 1e6))
        .draw()
        .map_err(reason)?;
    // A dense sweep is thinned to what its pixels show (see `simplify`),
    // so that the SVG of a million points stays small; its points are
    // marked only while they stand apart.
    let spec = chart.as_coord_spec().clone();
    let px = |p: (f64, f64)| spec.translate(&p);
    let (across, _) = chart.plotting_area().get_pixel_range();
    for (_, k, values) in c.series {
        let points: Vec<Option<(f64, f64)>> =
            c.x.iter()
                .zip(values)
                .map(|(&x, &y)| y.is_finite().then_some((x, y)))
                .collect();
        let marked = c.x.len() * 8 <= across.len();
        for run in points.split(Option::is_none).filter(|r| !r.is_empty()) {
            let run: Vec<(f64, f64)> = run.iter().flatten().copied().collect();
            let run = match run.len() * 4 > across.len() {
                true => simplify(&run, px),
                false => run,
            };
            let (line, style) = (look(*k), colour(*k).stroke_width(3));
            match line.dash {
                None => chart.draw_series([PathElement::new(run.clone(), style)]),
                Some((dash, gap)) => {
                    chart.draw_series([DashedPathElement::new(run.clone(), dash, gap, style)])
                }
            }
            .map_err(reason)?;
            if marked || run.len() == 1 {
                let dots = run.iter().map(|&p| Circle::new(p, 4, colour(*k).filled()));
                chart.draw_series(dots).map_err(reason)?;
            }
        }
    }
    root.present().map_err(reason)
}

/// A colour from light (low) to dark blue (high) for `t` in [0, 1].
fn shade(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}

fn heatmap<DB: DrawingBackend>(root: Area<DB>, c: &Heatmap) -> Result<(), String> {
    let body = header(&root, c.title, c.subtitle)?;
    let (lo, hi) = extent(c.values.iter().flatten().copied());
    // The colour key takes a band at the right.
    let width = body.dim_in_pixel().0 as i32;
    let (plot, key) = body.split_horizontally(width - 150);
    let cells = |axis: &[f64]| -> Vec<(f64, f64)> {
        // Cell k spans halfway to its neighbours, so uneven grids show as they are.
        (0..axis.len())
            .map(|k| {
                let left = if k == 0 {
                    axis[0] - half(axis, 0)
                } else {
                    (axis[k - 1] + axis[k]) / 2.0
                };
                let right = if k + 1 == axis.len() {
                    axis[k] + half(axis, k)
                } else {
                    (axis[k] + axis[k + 1]) / 2.0
                };
                (left, right)
            })
            .collect()
    };
    let (xs, ys) = (cells(c.x), cells(c.y));
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .x_label_area_size(56)
        .y_label_area_size(80)
        .build_cartesian_2d(xs[0].0..xs[xs.len() - 1].1, ys[0].0..ys[ys.len() - 1].1)
        .map_err(reason)?;
    styled(&mut chart.configure_mesh())
        .disable_mesh()
        .x_desc(c.x_label)
        .y_desc(c.y_label)
        .x_label_formatter(&|v| format!("{}", (v * 1e6).round() / 1e6))
        .y_label_formatter(&|v| format!("{}", (v * 1e6).round() / 1e6))
        .draw()
        .map_err(reason)?;
    let grey = RGBColor(0xBB, 0xBB, 0xBB);
    let rectangles = xs.iter().enumerate().flat_map(|(i, &(x0, x1))| {
        ys.iter().enumerate().map(move |(j, &(y0, y1))| {
            let v = c.values[i][j];
            let fill = if v.is_finite() {
                shade((v - lo) / (hi - lo))
            } else {
                grey
            };
            Rectangle::new([(x0, y0), (x1, y1)], fill.filled())
        })
    });
    chart.draw_series(rectangles).map_err(reason)?;

    // The key: a column of shades with the low and high values.
    let steps = 40;
    let (kw, kh) = key.dim_in_pixel();
    let (top, bottom) = (MARGIN + 20, kh as i32 - 76);
    for s in 0..steps {
        let t = f64::from(s) / f64::from(steps - 1);
        let y0 = bottom - ((bottom - top) as f64 * (f64::from(s + 1) / f64::from(steps))) as i32;
        let y1 = bottom - ((bottom - top) as f64 * (f64::from(s) / f64::from(steps))) as i32;
        key.draw(&Rectangle::new([(20, y0), (50, y1)], shade(t).filled()))
            .map_err(reason)?;
    }
    let label = |v: f64| format!("{}", (v * 1e6).round() / 1e6);
    let style = font(15.0, &INK);
    key.draw_text(&label(hi), &style, (56, top))
        .map_err(reason)?;
    key.draw_text(&label(lo), &style, (56, bottom - 16))
        .map_err(reason)?;
    let _ = kw;
    root.present().map_err(reason)
}

/// Half the distance to the neighbour of cell `k` (1 for a lone value).
fn half(axis: &[f64], k: usize) -> f64 {
    match axis.len() {
        1 => 0.5 * axis[0].abs().max(1.0),
        _ if k == 0 => (axis[1] - axis[0]) / 2.0,
        _ => (axis[k] - axis[k - 1]) / 2.0,
    }
}
