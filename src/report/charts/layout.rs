//! What every chart shares: the canvas, the font, the palette, the heading,
//! the legend, the axes over the steps and the way lines are drawn on them.

use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

use super::ChartError;

/// The whole canvas, in pixels for the PNG and user units for the SVG.
pub(super) type Area<DB> = DrawingArea<DB, Shift>;

pub(super) const SIZE: (u32, u32) = (1200, 700);
pub(super) const MARGIN: i32 = 20;
const FAMILY: &str = "sans-serif";
/// Okabe–Ito without its yellow, which is too faint on white, ordered so the
/// first four states (the usual lifecycle) are the easiest to tell apart.
const PALETTE: [u32; 7] = [
    0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7, 0x56B4E9, 0xD55E00, 0x000000,
];
/// How many colours there are before they repeat.
pub const PALETTE_SIZE: usize = PALETTE.len();
pub(super) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(super) const MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xDD, 0xDD, 0xDD);

pub(super) fn colour(state: usize) -> RGBColor {
    let rgb = PALETTE[state % PALETTE.len()];
    RGBColor((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8)
}

/// The dash patterns (dash and gap, in pixels) of the palette's cycles:
/// the first seven states are drawn solid, the next seven dashed, then
/// dotted, then in long dashes; after 28 states the styles repeat.
const DASHES: [Option<(u32, u32)>; 4] = [None, Some((12, 6)), Some((3, 5)), Some((24, 6))];

/// How the lines of a state (or of a palette index) are drawn: its
/// palette colour, and past the palette a dash pattern, so that state 0
/// and state 7 share a colour but not a look.
#[derive(Clone, Copy)]
pub(super) struct Look {
    pub colour: RGBColor,
    /// Dash and gap in pixels; `None` for a solid line.
    pub dash: Option<(u32, u32)>,
}

pub(super) fn look(state: usize) -> Look {
    let cycle = state / PALETTE.len() % DASHES.len();
    Look {
        colour: colour(state),
        dash: DASHES[cycle],
    }
}

/// How many states have a look of their own before looks repeat.
pub const DISTINCT_LOOKS: usize = PALETTE.len() * DASHES.len();

/// Registers the bundled font once per process (plotters keeps it globally);
/// a font that fails to parse is reported on every call, not just the first.
fn fonts() -> Result<(), String> {
    static ONCE: Once = Once::new();
    static LOADED: AtomicBool = AtomicBool::new(false);
    ONCE.call_once(|| {
        let bytes = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
        let ok = register_font(FAMILY, FontStyle::Normal, bytes).is_ok();
        LOADED.store(ok, Ordering::Release);
    });
    if LOADED.load(Ordering::Acquire) {
        Ok(())
    } else {
        Err("the bundled DejaVu Sans font could not be loaded".into())
    }
}

/// The last check before drawing: the bitmap encoder picks the image format
/// from the file's extension, and every chart needs the font.
pub(super) fn ready(png: &Path) -> Result<(), String> {
    let ext = png.extension().and_then(|e| e.to_str()).unwrap_or_default();
    match ext.eq_ignore_ascii_case("png") {
        true => fonts(),
        false => Err("the PNG name must end in .png".into()),
    }
}

pub(super) fn font(size: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(colour)
}

pub(super) fn reason(error: impl std::fmt::Display) -> String {
    error.to_string()
}

pub(super) fn failed_at(path: &Path) -> impl FnOnce(String) -> ChartError {
    let path = path.to_path_buf();
    move |reason| ChartError { path, reason }
}

pub(super) fn text_width<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
) -> Result<i32, String> {
    Ok(area.estimate_text_size(text, style).map_err(reason)?.0 as i32)
}

/// Shortens `text` with an ellipsis until it is at most `max` pixels wide.
pub(super) fn fit<DB: DrawingBackend>(
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
pub(super) fn header<DB: DrawingBackend>(
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

/// A legend patch (the band or bar fill) and the mark drawn over it.
pub(super) type Swatch = (RGBAColor, Mark);

/// What a legend entry shows over its patch.
#[derive(Clone, Copy)]
pub(super) enum Mark {
    /// An outline of the patch (bars).
    Outline,
    /// A line across it (lines, bands), dashed as the line is.
    Line(Look),
    /// Dots across it (values drawn as points).
    Dots(RGBColor),
}
const SWATCH: i32 = 34;

/// Which entries a legend lists when not all of them fit.
pub(super) struct Overflow<'a> {
    /// One value per entry: the highest are listed.
    pub rank: &'a [f64],
    /// What the entries left out are, after "+N more", e.g. "states, each
    /// lower at its peak".
    pub rest: &'a str,
}

/// Draws the legend in one column at the right of `area`, so it never
/// covers data, and returns the rest for the plot. A label too wide for
/// the column wraps onto a second line; many entries get a smaller font,
/// and when they still do not fit, the legend lists as many as fit (the
/// first ones, or the highest ranked by `overflow`, in their order) and
/// says how many more there are.
pub(super) fn legend<DB: DrawingBackend>(
    area: Area<DB>,
    entries: &[(Swatch, &str)],
    overflow: Option<Overflow>,
) -> Result<Area<DB>, String> {
    let (n, height) = (entries.len(), area.dim_in_pixel().1 as i32 - 2 * MARGIN);
    if n == 0 {
        return Ok(area);
    }
    let row = if n <= (height / 28) as usize { 28 } else { 19 };
    let size = f64::from(row) * 0.66;
    let rows = (height / row).max(2) as usize;

    // Which entries are listed, and how many are left out.
    let listed: Vec<usize> = match (&overflow, n > rows) {
        (_, false) => (0..n).collect(),
        (None, true) => (0..rows - 1).collect(),
        (Some(o), true) => {
            let mut by_rank: Vec<usize> = (0..n).collect();
            by_rank.sort_by(|&a, &b| o.rank[b].total_cmp(&o.rank[a]).then(a.cmp(&b)));
            by_rank.truncate(rows - 1);
            by_rank.sort_unstable();
            by_rank
        }
    };
    let more = match (n - listed.len(), &overflow) {
        (0, _) => None,
        (k, Some(o)) => Some(format!("+{k} more {}", o.rest)),
        (k, None) => Some(format!("+{k} more, not listed")),
    };

    // Labels: wrapped onto a second line while the rows allow it.
    let max_label = SIZE.0 as i32 / 3 - SWATCH - 24;
    let style = font(size, &INK).pos(Pos::new(HPos::Left, VPos::Center));
    let mut spare = rows - listed.len() - usize::from(more.is_some());
    let mut labels = Vec::with_capacity(listed.len());
    for &k in &listed {
        let mut lines = wrap(&area, entries[k].1, &style, max_label)?;
        if lines.len() > 1 && spare > 0 {
            spare -= 1;
        } else {
            lines = vec![fit(&area, entries[k].1, &style, max_label)?];
        }
        labels.push(lines);
    }
    let mut widest = 0;
    for line in labels.iter().flatten().chain(&more) {
        widest = widest.max(text_width(&area, line, &style)?);
    }
    let width = area.dim_in_pixel().0 as i32;
    let (plot, side) = area.split_horizontally(width - SWATCH - widest - 24 - MARGIN);

    let mut y = MARGIN + row / 2;
    for (&k, lines) in listed.iter().zip(&labels) {
        let ((patch, mark), _) = entries[k];
        let corners = [(0, y - row / 2 + 3), (SWATCH, y + row / 2 - 3)];
        side.draw(&Rectangle::new(corners, patch.filled()))
            .map_err(reason)?;
        match mark {
            Mark::Line(look) => {
                let ends = [(0, y), (SWATCH, y)];
                let style = look.colour.stroke_width(3);
                match look.dash {
                    None => side.draw(&PathElement::new(ends, style)),
                    Some((dash, gap)) => side.draw(&DashedPathElement::new(ends, dash, gap, style)),
                }
            }
            Mark::Dots(c) => [6, SWATCH / 2, SWATCH - 6]
                .into_iter()
                .try_for_each(|x| side.draw(&Circle::new((x, y), DOT, c.filled()))),
            Mark::Outline => side.draw(&Rectangle::new(corners, MUTED.stroke_width(1))),
        }
        .map_err(reason)?;
        // A second line follows closer than the next entry.
        for line in lines {
            side.draw_text(line, &style, (SWATCH + 10, y))
                .map_err(reason)?;
            y += (size * 1.2) as i32;
        }
        y += row - (size * 1.2) as i32;
    }
    if let Some(more) = more {
        let style = font(size, &MUTED).pos(Pos::new(HPos::Left, VPos::Center));
        side.draw_text(&more, &style, (0, y)).map_err(reason)?;
    }
    Ok(plot)
}

/// Splits `text` into two lines at most `max` pixels wide, breaking before
/// a parenthesis if it can, else after a space, comma or underscore or
/// before a capital; one line if it fits,
/// and the second line shortened with an ellipsis if need be.
pub(super) fn wrap<DB: DrawingBackend>(
    area: &Area<DB>,
    text: &str,
    style: &TextStyle,
    max: i32,
) -> Result<Vec<String>, String> {
    if text_width(area, text, style)? <= max {
        return Ok(vec![text.to_string()]);
    }
    // Before a parenthesis first, so that "(Monte Carlo)" stays whole.
    let chars: Vec<char> = text.chars().collect();
    let before_parenthesis = (1..chars.len()).rev().filter(|&i| chars[i] == '(');
    let anywhere = (1..chars.len()).rev().filter(|&i| {
        matches!(chars[i - 1], ' ' | ',' | '_' | '-' | '/')
            || (chars[i].is_uppercase() && chars[i - 1].is_lowercase())
    });
    for i in before_parenthesis.chain(anywhere) {
        let first: String = chars[..i].iter().collect();
        if text_width(area, first.trim_end(), style)? <= max {
            let rest: String = chars[i..].iter().collect();
            let second = fit(area, rest.trim_start(), style, max)?;
            return Ok(vec![first.trim_end().to_string(), second]);
        }
    }
    Ok(vec![fit(area, text, style, max)?])
}

/// The radius of a point drawn as a dot, in pixels.
pub(super) const DOT: i32 = 4;

/// Draws `points` as dots, at most about one every 12 pixels along the x
/// axis so that they stay apart.
pub(super) fn draw_dots<DB: DrawingBackend>(
    chart: &mut StepPlot<DB>,
    points: &[(i32, f64)],
    colour: RGBColor,
) -> Result<(), String> {
    let (across, _) = chart.plotting_area().get_pixel_range();
    let room = (across.len() / 12).max(1);
    let every = points.len().div_ceil(room).max(1);
    let dots = points
        .iter()
        .step_by(every)
        .map(|&p| Circle::new(p, DOT, colour.filled()));
    chart.draw_series(dots).map(|_| ()).map_err(reason)
}

/// Draws a thick line through `points` in the look of its state, or a dot
/// if there is only one.
pub(super) fn draw_line<DB: DrawingBackend>(
    chart: &mut StepPlot<DB>,
    points: &[(i32, f64)],
    look: Look,
) -> Result<(), String> {
    let colour = look.colour;
    if let [point] = points {
        let dot = Circle::new(*point, 6, colour.filled());
        return chart.draw_series([dot]).map(|_| ()).map_err(reason);
    }
    let spec = chart.as_coord_spec().clone();
    let px = |p: (i32, f64)| spec.translate(&p);
    // Steps a few pixels apart or more are drawn as they are: dropping any of
    // them would show as a corner.
    let (across, _) = chart.plotting_area().get_pixel_range();
    let points = match points.len() * 4 > across.len() {
        true => simplify(points, px),
        false => points.to_vec(),
    };
    // plotters outlines a thick line by joining its segments, and where the
    // line turns back sharply (a zigzag) the joins shoot far out; so the line
    // is drawn in strokes, each ending where the next turns by more than a
    // right angle.
    let (mut start, mut strokes) = (0, vec![]);
    for (i, w) in points.windows(3).enumerate() {
        let [a, b, c] = [w[0], w[1], w[2]]
            .map(&px)
            .map(|(x, y)| [x, y].map(i64::from));
        if (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) < 0 {
            strokes.push(points[start..=i + 1].to_vec());
            start = i + 1;
        }
    }
    strokes.push(points[start..].to_vec());
    let style = colour.stroke_width(3);
    match look.dash {
        None => chart.draw_series(strokes.into_iter().map(|s| PathElement::new(s, style))),
        Some((dash, gap)) => chart.draw_series(
            strokes
                .into_iter()
                .map(|s| DashedPathElement::new(s, dash, gap, style)),
        ),
    }
    .map(|_| ())
    .map_err(reason)
}

/// Drops the points of a line that would not change how it looks, given
/// where each point lands in pixels: first, of the points in one pixel
/// column, all but the first, lowest, highest and last; then the points
/// within a pixel of a straight segment between points that are kept.
/// Thousands of steps then no longer make thousands of tiny segments, which
/// plotters outlines into a ragged thick line and writes into a large SVG.
pub(super) fn simplify<P: Copy>(line: &[P], px: impl Fn(P) -> (i32, i32)) -> Vec<P> {
    let mut columns = Vec::new();
    for group in line.chunk_by(|a, b| px(*a).0 == px(*b).0) {
        let (y, last) = (|i: &usize| px(group[*i]).1, group.len() - 1);
        let (low, high) = ((0..=last).min_by_key(y), (0..=last).max_by_key(y));
        let mut four = vec![0, low.unwrap_or(0), high.unwrap_or(0), last];
        four.sort_unstable();
        four.dedup();
        columns.extend(four.into_iter().map(|i| group[i]));
    }
    let at: Vec<(f64, f64)> = columns
        .iter()
        .map(|&p| px(p))
        .map(|(x, y)| (x.into(), y.into()))
        .collect();
    let fits = |a: usize, b: usize| (a + 1..b).all(|i| off_segment(at[i], at[a], at[b]) <= 1.0);
    // From each kept point, the segment reaches as far as it fits: found by
    // doubling and then halving the reach, so that a zigzag costs a check
    // per point and a smooth curve a few passes over each segment.
    let (mut kept, mut a, end) = (vec![], 0, columns.len().saturating_sub(1));
    while a < end {
        kept.push(columns[a]);
        let mut reach = 1;
        while a + 2 * reach <= end && fits(a, a + 2 * reach) {
            reach *= 2;
        }
        let mut beyond = (2 * reach).min(end - a + 1);
        while beyond - reach > 1 {
            let mid = (reach + beyond) / 2;
            match fits(a, a + mid) {
                true => reach = mid,
                false => beyond = mid,
            }
        }
        a += reach;
    }
    kept.extend(columns.last());
    kept
}

/// How far `p` is from the segment from `a` to `b`.
fn off_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length = dx * dx + dy * dy;
    let t = match length > 0.0 {
        true => (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length).clamp(0.0, 1.0),
        false => 0.0,
    };
    (p.0 - a.0 - t * dx).hypot(p.1 - a.1 - t * dy)
}

/// The value axis of a chart over the steps.
pub(super) struct Values<'a> {
    /// Axis coordinates, which for a log scale are powers of ten.
    pub range: std::ops::Range<f64>,
    /// At most this many labelled ticks.
    pub ticks: usize,
    /// The label of a tick.
    pub format: &'a dyn Fn(&f64) -> String,
    /// What the axis shows.
    pub desc: &'a str,
}

/// "1", "10", "10²", "10⁻⁹"; nothing for a coordinate between decades.
pub(super) fn power_of_ten(y: f64) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let exponent = y.round() as i32;
    let superscript = |c: char| c.to_digit(10).map_or('⁻', |d| DIGITS[d as usize]);
    match exponent {
        _ if (y - y.round()).abs() > 1e-6 => String::new(),
        0 => "1".to_string(),
        1 => "10".to_string(),
        e => "10"
            .chars()
            .chain(e.to_string().chars().map(superscript))
            .collect(),
    }
}

/// A plot with steps across and values up.
pub(super) type StepPlot<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<RangedCoordi32, RangedCoordf64>>;

const Y_LABELS: i32 = 66;

/// Sets up a plot over steps 0 to `last` and draws its grid and axes. The
/// step axis reads "step (unit)" and has integer ticks, as many as fit side
/// by side. A single step is drawn in the middle of an axis from -1 to 1, so
/// its points are not on the edge; ticks outside the steps are unlabelled.
pub(super) fn step_plot<'a, DB: DrawingBackend>(
    plot: &'a Area<DB>,
    last: i32,
    unit: &str,
    values: Values,
) -> Result<StepPlot<'a, DB>, String> {
    let x_desc = match unit.trim() {
        "" | "step" => "step".to_string(),
        unit => format!("step ({unit})"),
    };
    let room = plot.dim_in_pixel().0 as i32 - Y_LABELS - 2 * MARGIN;
    let ticks = room / (text_width(plot, &last.to_string(), &font(16.0, &INK))? + 24);
    let mut chart = ChartBuilder::on(plot)
        .margin(MARGIN)
        .x_label_area_size(56)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(if last == 0 { -1..1 } else { 0..last }, values.range)
        .map_err(reason)?;
    styled(&mut chart.configure_mesh())
        .x_labels(ticks.min(last + 1).clamp(2, 21) as usize)
        .y_labels(values.ticks)
        .x_label_formatter(&|t| match (0..=last).contains(t) {
            true => t.to_string(),
            false => String::new(),
        })
        .y_label_formatter(values.format)
        .x_desc(x_desc)
        .y_desc(values.desc)
        .draw()
        .map_err(reason)?;
    Ok(chart)
}

/// Gives a mesh the grid and fonts of every chart.
pub(super) fn styled<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style(font(16.0, &INK))
        .axis_desc_style(font(18.0, &INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_past_the_palette_keep_a_look_of_their_own() {
        let key = |state: usize| {
            let l = look(state);
            (l.colour.0, l.colour.1, l.colour.2, l.dash)
        };
        let looks: Vec<_> = (0..DISTINCT_LOOKS).map(key).collect();
        for (a, first) in looks.iter().enumerate() {
            assert!(!looks[a + 1..].contains(first), "state {a} shares its look");
        }
        // State 7 has state 0's colour, dashed; the looks repeat after 28.
        assert_eq!(look(7).colour, look(0).colour);
        assert_eq!((look(0).dash, look(7).dash), (None, Some((12, 6))));
        assert_eq!(key(DISTINCT_LOOKS), key(0));
    }
}
