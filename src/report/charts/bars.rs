//! The grouped bar chart: for each state a group of bars, one per series,
//! in the state's colour (series differ by opacity), the value over each
//! bar wide enough for it and the state's name under the group: side by
//! side, on two lines, or turned to read downwards, whichever keeps names
//! whole.

use plotters::coord::CoordTranslate;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::BarChart;
use super::layout::{
    Area, INK, MARGIN, MUTED, Mark, PALETTE_SIZE, colour, fit, font, header, legend, look, reason,
    styled, text_width, wrap,
};

pub(super) fn bars<DB: DrawingBackend>(root: Area<DB>, c: &BarChart) -> Result<(), String> {
    // Bars keep their state's colour, so series differ by opacity; the legend
    // shows that in grey, or a single series is named under the title.
    let m = c.series.len();
    let body = header(&root, c.title, if m == 1 { &c.series[0].0 } else { "" })?;
    let alpha = |k: usize| 1.0 - 0.65 * k as f64 / (m.max(2) - 1) as f64;
    let entries = c.series.iter().enumerate().filter(|_| m > 1);
    let entries = entries.map(|(k, (s, _))| ((MUTED.mix(alpha(k)), Mark::Outline), s.as_str()));
    let plot = legend(body, &entries.collect::<Vec<_>>(), None)?;

    let values = c.series.iter().flat_map(|(_, v)| v.iter().copied());
    let (low, high) = values.fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    // Headroom for the value labels; all zeros still need a range; and an
    // infinite range would hang plotters' tick search, so it is capped.
    let grow = |v: f64| (v * 1.12).clamp(-1e300, 1e300);
    let (low, high) = (grow(low), if low == high { 1.0 } else { grow(high) });
    let slot = (plot.dim_in_pixel().0 as i32 - 2 * MARGIN - 66) / c.states.len() as i32;
    let names = BarNames::new(&root, c.states, slot)?;
    let marks = if c.states.len() > PALETTE_SIZE && slot >= 24 {
        12
    } else {
        0
    };
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .x_label_area_size(names.height + marks)
        .y_label_area_size(66)
        .build_cartesian_2d(0.0..c.states.len() as f64, low..high)
        .map_err(reason)?;
    styled(&mut chart.configure_mesh())
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_desc(c.y_label)
        .draw()
        .map_err(reason)?;

    let width = 0.8 / m as f64;
    let value_style = font(14.0, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    let spec = chart.as_coord_spec().clone();
    let px = |x: f64, y: f64| spec.translate(&(x, y));
    // Past the palette a state's colour repeats, so each bar then has its
    // state's line under it, dashed as in the other charts.
    let marked = c.states.len() > PALETTE_SIZE && slot >= 24;
    let gap = if marked { 22 } else { 10 };
    for i in 0..c.states.len() {
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
        let below = px(i as f64 + 0.5, low);
        if marked {
            let ends = [(below.0 - 12, below.1 + 10), (below.0 + 12, below.1 + 10)];
            let (line, style) = (look(i), colour(i).stroke_width(3));
            match line.dash {
                None => root.draw(&PathElement::new(ends, style)),
                Some((dash, gap)) => {
                    root.draw(&DashedPathElement::new(ends, dash / 2, gap / 2, style))
                }
            }
            .map_err(reason)?;
        }
        if i % names.every != 0 {
            continue;
        }
        for (k, line) in (0..).zip(&names.lines[i]) {
            let at = (below.0, below.1 + gap + k * names.step);
            root.draw_text(line, &names.style, at).map_err(reason)?;
        }
    }
    root.present().map_err(reason)
}

/// The state names under the bars, as they fit: side by side, else each
/// on two lines, else turned to read downwards, and then, when the bars
/// are too narrow for a line of text each, every k-th.
struct BarNames {
    /// The lines of each name.
    lines: Vec<Vec<String>>,
    /// Every how many bars a name is written.
    every: usize,
    style: TextStyle<'static>,
    /// From one line to the next, in pixels.
    step: i32,
    /// The room they take under the axis.
    height: i32,
}

/// The longest a name turned under a bar may be, in pixels.
const TURNED_NAME: i32 = 220;

impl BarNames {
    /// Names for bars `slot` pixels apart.
    fn new<DB: DrawingBackend>(
        root: &Area<DB>,
        states: &[String],
        slot: i32,
    ) -> Result<Self, String> {
        let room = slot - 8;
        let across = font(16.0, &INK).pos(Pos::new(HPos::Center, VPos::Top));
        let mut widest = 0;
        for state in states {
            widest = widest.max(text_width(root, state, &across)?);
        }
        if widest <= room {
            let lines = states.iter().map(|s| vec![s.clone()]).collect();
            return Ok(Self {
                lines,
                every: 1,
                style: across,
                step: 0,
                height: 44,
            });
        }
        // Two lines only if no name is shortened on them.
        let mut lines = Vec::with_capacity(states.len());
        for state in states {
            let wrapped = wrap(root, state, &across, room)?;
            if wrapped.concat().replace(' ', "") != state.replace(' ', "") {
                break;
            }
            lines.push(wrapped);
        }
        if lines.len() == states.len() {
            return Ok(Self {
                lines,
                every: 1,
                style: across,
                step: 20,
                height: 64,
            });
        }
        let turned = font(15.0, &INK)
            .transform(FontTransform::Rotate90)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let mut lines = Vec::with_capacity(states.len());
        let mut longest = 0;
        for state in states {
            let name = fit(root, state, &turned, TURNED_NAME)?;
            longest = longest.max(text_width(root, &name, &turned)?);
            lines.push(vec![name]);
        }
        let every = (18 / slot.max(1) + 1) as usize;
        Ok(Self {
            lines,
            every,
            style: turned,
            step: 0,
            height: longest + 24,
        })
    }
}
