//! The transition matrix as a heatmap: one cell per pair of states, row =
//! "from", column = "to", shaded by the probability and with the
//! probability written in it, so the matrix reads at a glance and exactly.
//!
//! The shading is ColorBrewer's single-hue "Blues" scale (Brewer, Harrower
//! and the Pennsylvania State University), which stays ordered for readers
//! with any form of colour blindness and in greyscale; text turns white on
//! the dark half. Row names carry their state's look from the other
//! charts of the run, as a swatch. Column names that do not fit over their
//! columns are replaced by numbers, which the row names carry.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ChartError;
use super::layout::{
    Area, INK, Look, MARGIN, MUTED, SIZE, failed_at, fit, font, header, look, ready, reason,
    text_width,
};

/// The transition matrix of a chain, to draw as a heatmap.
pub struct HeatmapChart<'a> {
    /// Heading at the top.
    pub title: &'a str,
    /// Subtitle under the title (may be empty).
    pub subtitle: &'a str,
    /// State names, the rows and the columns in this order.
    pub states: &'a [String],
    /// `matrix[i][j]`, each in [0, 1].
    pub matrix: &'a [Vec<f64>],
}

/// ColorBrewer "Blues", 9 classes, from 0 (lightest) to 1 (darkest).
const BLUES: [u32; 9] = [
    0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B,
];

/// The shade of probability `p`, interpolated between the scale's colours.
pub(super) fn shade(p: f64) -> RGBColor {
    let x = p.clamp(0.0, 1.0) * (BLUES.len() - 1) as f64;
    let (k, t) = (
        (x.floor() as usize).min(BLUES.len() - 2),
        x - x.floor().min(7.0),
    );
    let channel = |rgb: u32, shift: u32| f64::from((rgb >> shift) as u8);
    let mix = |shift| {
        let (a, b) = (channel(BLUES[k], shift), channel(BLUES[k + 1], shift));
        (a + (b - a) * t).round() as u8
    };
    RGBColor(mix(16), mix(8), mix(0))
}

/// A probability as a cell shows it: three decimals, `1` and `0` plainly,
/// `<0.001` for a move that is possible but rarer than that.
fn cell_label(p: f64) -> String {
    match p {
        0.0 => String::new(),
        1.0 => "1".to_string(),
        p if p < 0.0005 => "<0.001".to_string(),
        p if p > 0.9995 => ">0.999".to_string(),
        p => format!("{p:.3}"),
    }
}

/// Draws the heatmap into `png` (which must end in `.png`) and `svg`.
///
/// # Errors
///
/// A [`ChartError`] naming the file when the matrix is empty, not square,
/// holds a value that is not a finite number, or a file cannot be written.
pub fn draw_heatmap(chart: &HeatmapChart, png: &Path, svg: &Path) -> Result<(), ChartError> {
    let n = chart.states.len();
    let bad = chart.matrix.iter().find(|row| row.len() != n);
    match () {
        _ if n == 0 => Err("there is nothing to draw".to_string()),
        _ if chart.matrix.len() != n || bad.is_some() => Err(format!(
            "the matrix is not {n} × {n}, one row and column per state"
        )),
        _ if chart.matrix.iter().flatten().any(|p| !p.is_finite()) => {
            Err("a value is not a finite number".to_string())
        }
        _ => ready(png),
    }
    .map_err(failed_at(png))?;
    if n > MAX_CELLS {
        let blocks = Blocks::of(chart);
        return draw_checked(&blocks.chart(chart.title), png, svg);
    }
    draw_checked(chart, png, svg)
}

fn draw_checked(chart: &HeatmapChart, png: &Path, svg: &Path) -> Result<(), ChartError> {
    heatmap(BitMapBackend::new(png, SIZE).into_drawing_area(), chart).map_err(failed_at(png))?;
    heatmap(SVGBackend::new(svg, SIZE).into_drawing_area(), chart).map_err(failed_at(svg))
}

/// The most cells a side of the heatmap has. A larger chain is drawn by
/// blocks of consecutive states, each cell the mean probability of a move
/// from a state of one block to a state of the other: one cell per pair of
/// states would make an SVG of hundreds of megabytes at 1000 states, of
/// cells a pixel wide.
const MAX_CELLS: usize = 100;

/// A large matrix averaged over blocks of states.
struct Blocks {
    /// "first…last" of each block.
    names: Vec<String>,
    /// `mean[I][J]`, the mean of `T[i][j]` over `i` in `I` and `j` in `J`.
    mean: Vec<Vec<f64>>,
    subtitle: String,
}

impl Blocks {
    fn of(chart: &HeatmapChart) -> Self {
        let n = chart.states.len();
        let size = n.div_ceil(MAX_CELLS);
        let ranges: Vec<std::ops::Range<usize>> =
            (0..n).step_by(size).map(|a| a..(a + size).min(n)).collect();
        let names = ranges
            .iter()
            .map(|r| match r.len() {
                1 => chart.states[r.start].clone(),
                _ => format!("{}…{}", chart.states[r.start], chart.states[r.end - 1]),
            })
            .collect();
        let mean = ranges
            .iter()
            .map(|rows| {
                ranges
                    .iter()
                    .map(|columns| {
                        let sum: f64 = chart.matrix[rows.clone()]
                            .iter()
                            .map(|row| row[columns.clone()].iter().sum::<f64>())
                            .sum();
                        sum / (rows.len() * columns.len()) as f64
                    })
                    .collect()
            })
            .collect();
        let subtitle = format!(
            "{size} × {size} states a cell, the mean of their probabilities; \
             the whole matrix is in summary.json"
        );
        Self {
            names,
            mean,
            subtitle,
        }
    }

    fn chart<'a>(&'a self, title: &'a str) -> HeatmapChart<'a> {
        HeatmapChart {
            title,
            subtitle: &self.subtitle,
            states: &self.names,
            matrix: &self.mean,
        }
    }
}

/// How the columns are labelled.
enum Columns {
    /// Every name fits over its column.
    Across,
    /// Every name fits over two columns, odd ones lifted a row.
    Staggered,
    /// Numbered 1 to n, the rows' names carrying the numbers.
    Numbered,
}

impl Columns {
    /// The first way in which no name is shortened.
    fn choose<DB: DrawingBackend>(
        root: &Area<DB>,
        states: &[String],
        style: &TextStyle,
        cell: i32,
    ) -> Result<Self, String> {
        let mut widest = 0;
        for state in states {
            widest = widest.max(text_width(root, state, style)?);
        }
        Ok(match widest {
            w if w + 6 <= cell => Columns::Across,
            w if w + 8 <= 2 * cell => Columns::Staggered,
            _ => Columns::Numbered,
        })
    }
}

/// Marks a row with its state's look from the other charts: a filled
/// square for a solid line, a short line in its dash pattern otherwise.
fn swatch<DB: DrawingBackend>(
    root: &Area<DB>,
    (x, y): (i32, i32),
    half: i32,
    look: Look,
) -> Result<(), String> {
    match look.dash {
        None => root.draw(&Rectangle::new(
            [(x - half, y - half), (x + half, y + half)],
            look.colour.filled(),
        )),
        Some((dash, gap)) => root.draw(&DashedPathElement::new(
            [(x - 10, y), (x + 8, y)],
            (dash / 2).max(1),
            (gap / 2).max(1),
            look.colour.stroke_width(3),
        )),
    }
    .map_err(reason)
}

/// Width of the colour bar with its tick labels, at the right.
const SCALE: i32 = 110;
/// Height of one row of column names.
const NAME_ROW: i32 = 24;
/// Below this cell size (in pixels) the probabilities are not written.
const SMALLEST_WRITTEN: i32 = 34;

fn heatmap<DB: DrawingBackend>(root: Area<DB>, c: &HeatmapChart) -> Result<(), String> {
    let n = c.states.len() as i32;
    // The cells of a large chain are too small for their numbers; that is
    // said under the title, where the cell size is estimated from the canvas.
    let written = (SIZE.1 as i32 - 220) / n >= SMALLEST_WRITTEN;
    let subtitle = match (written, c.subtitle) {
        (false, "") => "too many states to write the probabilities: see the matrix in summary.json",
        (_, subtitle) => subtitle,
    };
    let body = header(&root, c.title, subtitle)?;
    let (width, height) = (body.dim_in_pixel().0 as i32, body.dim_in_pixel().1 as i32);
    let (left, top) = body.get_base_pixel();

    // Room: row names at the left (at most a quarter of the width), two rows
    // of column names and the axis title on top, the colour bar at the right.
    // Columns whose names do not fit are numbered, and each row's name then
    // carries its number, which takes a little more room at the left.
    let names = font(16.0, &INK);
    let column_style = font(15.0, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    let room = |labels: &[String]| -> Result<(i32, i32), String> {
        let mut widest = 0;
        for label in labels {
            widest = widest.max(text_width(&root, label, &names)?);
        }
        let row_names = widest.min(width / 4) + 28;
        let cell = ((width - row_names - SCALE - 2 * MARGIN) / n)
            .min((height - 2 * NAME_ROW - NAME_ROW - 3 * MARGIN) / n)
            .max(1);
        Ok((row_names, cell))
    };
    let (mut row_names, mut cell) = room(c.states)?;
    let columns = Columns::choose(&root, c.states, &column_style, cell)?;
    let mut row_labels = c.states.to_vec();
    if let Columns::Numbered = columns {
        row_labels = (1..)
            .zip(c.states)
            .map(|(k, s)| format!("{s} ({k})"))
            .collect();
        (row_names, cell) = room(&row_labels)?;
    }
    let grid = cell * n;
    let x0 = left + MARGIN + row_names + (width - row_names - SCALE - 2 * MARGIN - grid) / 2;
    let y0 = top + MARGIN + NAME_ROW + 2 * NAME_ROW;

    // Axis titles: "from" above the row names, clear of the column names.
    let muted = font(16.0, &MUTED);
    let heading = y0 - 3 * NAME_ROW;
    let to = match columns {
        Columns::Numbered => "to (next state, numbered as the rows)",
        _ => "to (next state)",
    };
    let centred = muted.pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(to, &centred, (x0 + grid / 2, heading))
        .map_err(reason)?;
    let right = muted.pos(Pos::new(HPos::Right, VPos::Top));
    root.draw_text("from", &right, (x0 - 28, heading))
        .map_err(reason)?;

    // Column names side by side or staggered over two rows, or numbers; on
    // a large chain only every k-th column is labelled, so that labels
    // never overlap.
    let label = |j: usize| match columns {
        Columns::Numbered => (j + 1).to_string(),
        _ => c.states[j].clone(),
    };
    let mut every = 1;
    if let Columns::Numbered = columns {
        let widest = text_width(&root, &n.to_string(), &column_style)? + 6;
        every = widest / cell + 1;
    }
    for j in (0..n).filter(|j| j % every == 0) {
        let lifted = matches!(columns, Columns::Staggered) && j % 2 == 1;
        let y = y0 - 4 - if lifted { NAME_ROW } else { 0 };
        let text = label(j as usize);
        root.draw_text(&text, &column_style, (x0 + j * cell + cell / 2, y))
            .map_err(reason)?;
    }

    // Row names with their state's look, then the cells.
    let row_every = (18 / cell + 1).max(1);
    let row_style = names.pos(Pos::new(HPos::Right, VPos::Center));
    let size = f64::from(cell / 3).clamp(10.0, 18.0);
    let half = (cell / 2 - 1).clamp(2, 6);
    for (i, state) in (0..).zip(&row_labels) {
        let y = y0 + i * cell + cell / 2;
        // Rows a few pixels high have no room for a dash pattern.
        let mut state_look = look(i as usize);
        if cell < 10 {
            state_look.dash = None;
        }
        swatch(&root, (x0 - 14, y), half, state_look)?;
        if i % row_every == 0 {
            let label = fit(&root, state, &names, row_names - 28)?;
            root.draw_text(&label, &row_style, (x0 - 28, y))
                .map_err(reason)?;
        }
        for (j, &p) in (0..).zip(&c.matrix[i as usize]) {
            let corners = [
                (x0 + j * cell, y0 + i * cell),
                (x0 + (j + 1) * cell, y0 + (i + 1) * cell),
            ];
            let fill = if p > 0.0 { shade(p) } else { WHITE };
            root.draw(&Rectangle::new(corners, fill.filled()))
                .map_err(reason)?;
            root.draw(&Rectangle::new(
                corners,
                RGBColor(0xCC, 0xCC, 0xCC).stroke_width(1),
            ))
            .map_err(reason)?;
            if written && cell >= SMALLEST_WRITTEN {
                let ink = if p > 0.5 { &WHITE } else { &INK };
                let style = font(size, ink).pos(Pos::new(HPos::Center, VPos::Center));
                let at = (x0 + j * cell + cell / 2, y0 + i * cell + cell / 2);
                root.draw_text(&cell_label(p), &style, at).map_err(reason)?;
            }
        }
    }

    // The colour bar: the scale from 0 at the bottom to 1 at the top.
    let bar_x = x0 + grid + 36;
    let steps = grid.max(1);
    for k in 0..steps {
        let p = 1.0 - f64::from(k) / f64::from(steps);
        let band = [(bar_x, y0 + k), (bar_x + 18, y0 + k + 1)];
        root.draw(&Rectangle::new(band, shade(p).filled()))
            .map_err(reason)?;
    }
    root.draw(&Rectangle::new(
        [(bar_x, y0), (bar_x + 18, y0 + grid)],
        MUTED.stroke_width(1),
    ))
    .map_err(reason)?;
    let tick_style = font(14.0, &INK).pos(Pos::new(HPos::Left, VPos::Center));
    for p in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = y0 + grid - (p * f64::from(grid)).round() as i32;
        root.draw_text(&format!("{p}"), &tick_style, (bar_x + 24, y))
            .map_err(reason)?;
    }
    let scale_title = muted.pos(Pos::new(HPos::Center, VPos::Bottom));
    root.draw_text("probability", &scale_title, (bar_x + 20, y0 - 12))
        .map_err(reason)?;
    root.present().map_err(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_runs_from_light_to_dark() {
        let lightness = |c: RGBColor| u32::from(c.0) + u32::from(c.1) + u32::from(c.2);
        let shades: Vec<u32> = (0..=20)
            .map(|k| lightness(shade(f64::from(k) / 20.0)))
            .collect();
        assert!(shades.windows(2).all(|w| w[0] > w[1]), "{shades:?}");
        assert_eq!(shade(0.0), RGBColor(0xF7, 0xFB, 0xFF));
        assert_eq!(shade(1.0), RGBColor(0x08, 0x30, 0x6B));
        assert_eq!(shade(0.5), RGBColor(0x6B, 0xAE, 0xD6));
    }

    #[test]
    fn cells_say_what_the_numbers_are() {
        let labels = [0.0, 1.0, 0.5, 0.0001, 0.99999, 1.0 / 3.0].map(cell_label);
        assert_eq!(labels, ["", "1", "0.500", "<0.001", ">0.999", "0.333"]);
    }

    #[test]
    fn bad_matrices_are_errors_and_large_ones_draw() {
        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("m.png"), dir.path().join("m.svg"));
        let states: Vec<String> = (0..3).map(|i| format!("s{i}")).collect();
        let draw = |matrix: &[Vec<f64>], states: &[String]| {
            let chart = HeatmapChart {
                title: "t",
                subtitle: "",
                states,
                matrix,
            };
            draw_heatmap(&chart, &png, &svg)
        };
        let ragged = [vec![1.0; 3], vec![1.0; 2], vec![1.0; 3]];
        assert!(draw(&ragged, &states).unwrap_err().reason.contains("3 × 3"));
        let nan = [vec![f64::NAN; 3], vec![1.0; 3], vec![1.0; 3]];
        assert!(draw(&nan, &states).unwrap_err().reason.contains("finite"));
        assert!(draw(&[], &[]).is_err());
        let many: Vec<String> = (0..60).map(|i| format!("state number {i}")).collect();
        let uniform = vec![vec![1.0 / 60.0; 60]; 60];
        draw(&uniform, &many).unwrap();
        assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    }

    #[test]
    fn a_large_chain_is_drawn_by_blocks_of_states() {
        // 1000 states: 100 blocks of 10, each cell a mean over 10 × 10.
        let n = 1000;
        let states: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
        let matrix: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| if j == (i + 1) % n { 1.0 } else { 0.0 })
                    .collect()
            })
            .collect();
        let chart = HeatmapChart {
            title: "t",
            subtitle: "",
            states: &states,
            matrix: &matrix,
        };
        let blocks = Blocks::of(&chart);
        assert_eq!(blocks.names.len(), 100);
        assert!(blocks.subtitle.starts_with("10 × 10 states a cell"));
        assert_eq!(blocks.names[1], "s10…s19");
        // A cycle: 9 of block I's 10 moves stay in I, 1 goes to I + 1.
        assert!((blocks.mean[3][3] - 0.09).abs() < 1e-15);
        assert!((blocks.mean[3][4] - 0.01).abs() < 1e-15);
        assert_eq!(blocks.mean[3][5], 0.0);

        let dir = tempfile::tempdir().unwrap();
        let (png, svg) = (dir.path().join("m.png"), dir.path().join("m.svg"));
        draw_heatmap(&chart, &png, &svg).unwrap();
        let svg_bytes = std::fs::metadata(&svg).unwrap().len();
        assert!(svg_bytes < 4_000_000, "{svg_bytes} bytes");
    }
}
