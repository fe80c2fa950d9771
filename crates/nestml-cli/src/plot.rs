//! Plots of simulations with plotters: panels stacked over a shared x axis, each with lines
//! and vertical marks (spike times).
//!
//! plotters is used without its font features (no system fonts, nothing to install): SVG
//! files carry their text as `<text>` elements the viewer renders; PNG files are drawn
//! without any text (axes, lines and marks only), since rasterising text would need a font
//! file.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

/// A line in data coordinates.
pub struct Line {
    /// The points, in x order.
    pub points: Vec<(f64, f64)>,
    /// A legend entry (SVG only).
    pub label: Option<String>,
}

/// One panel: lines and vertical marks at its top.
pub struct Panel {
    /// The y axis label (SVG only).
    pub y_label: String,
    /// The lines, in the colours of [`COLORS`] in turn.
    pub lines: Vec<Line>,
    /// x positions of marks along the top (spike times).
    pub marks: Vec<f64>,
}

/// A figure: a title, an x axis label and panels stacked top to bottom.
pub struct Figure {
    /// The title (SVG only).
    pub title: String,
    /// The x axis label (SVG only).
    pub x_label: String,
    /// The panels.
    pub panels: Vec<Panel>,
}

/// The colours of lines in a panel, in turn.
const COLORS: [RGBColor; 5] = [RGBColor(31, 119, 180), RGBColor(255, 127, 14), RGBColor(44, 160, 44), RGBColor(148, 103, 189), RGBColor(140, 86, 75)];
/// The colour of marks.
const MARK: RGBColor = RGBColor(214, 39, 40);
/// The most points a line is drawn with (more are thinned to each bucket's extremes).
const MAX_POINTS: usize = 4000;

/// Whether `path` names a plot this module writes (`.svg` or `.png`).
pub fn check_path(path: &Path) -> Result<(), String> {
    match extension(path).as_deref() {
        Some("svg" | "png") => Ok(()),
        _ => Err(format!("{}: the plot must be a .svg or .png file", path.display())),
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase)
}

/// Writes `figure` to `path`: SVG (`.svg`) or PNG (`.png`).
pub fn write(path: &Path, figure: &Figure) -> Result<(), String> {
    let ext = extension(path);
    let size = (960, 60 + 260 * figure.panels.len().max(1) as u32);
    let result = match ext.as_deref() {
        Some("svg") => draw(SVGBackend::new(path, size).into_drawing_area(), figure, true).map_err(|e| e.to_string()),
        Some("png") => draw(BitMapBackend::new(path, size).into_drawing_area(), figure, false).map_err(|e| e.to_string()),
        _ => return Err(format!("{}: the plot must be a .svg or .png file", path.display())),
    };
    result.map_err(|e| format!("cannot write the plot {}: {e}", path.display()))
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, figure: &Figure, text: bool) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let body = if text { root.titled(&figure.title, ("sans-serif", 20))? } else { root.margin(20, 0, 0, 0) };
    let areas = body.split_evenly((figure.panels.len().max(1), 1));
    let x_range = x_range(figure);
    for (i, (panel, area)) in figure.panels.iter().zip(&areas).enumerate() {
        let last = i + 1 == figure.panels.len();
        let (lo, hi) = y_range(panel);
        let mut builder = ChartBuilder::on(area);
        builder.margin(10).margin_right(24).x_label_area_size(if text && last { 40 } else { 10 }).y_label_area_size(if text { 70 } else { 10 });
        let mut chart = builder.build_cartesian_2d(x_range.0..x_range.1, lo..hi)?;
        if text {
            let mut mesh = chart.configure_mesh();
            mesh.y_desc(panel.y_label.as_str()).light_line_style(WHITE.mix(0.0)).bold_line_style(BLACK.mix(0.08));
            if last {
                mesh.x_desc(figure.x_label.as_str());
            } else {
                mesh.x_labels(0);
            }
            mesh.draw()?;
        } else {
            chart.plotting_area().draw(&Rectangle::new([(x_range.0, lo), (x_range.1, hi)], BLACK.mix(0.5)))?;
        }
        let mark_len = (hi - lo) * 0.06;
        chart.draw_series(panel.marks.iter().map(|&x| PathElement::new(vec![(x, hi), (x, hi - mark_len)], MARK.stroke_width(2))))?;
        for (k, line) in panel.lines.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            let series = chart.draw_series(LineSeries::new(thin(&line.points), color.stroke_width(2)))?;
            if let (true, Some(label)) = (text, &line.label) {
                series.label(label.as_str()).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
            }
        }
        if text && panel.lines.iter().any(|l| l.label.is_some()) {
            chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK.mix(0.3)).position(SeriesLabelPosition::UpperRight).draw()?;
        }
    }
    root.present()
}

/// The x range of all lines and marks.
fn x_range(figure: &Figure) -> (f64, f64) {
    let xs = figure.panels.iter().flat_map(|p| p.lines.iter().flat_map(|l| l.points.iter().map(|pt| pt.0)).chain(p.marks.iter().copied()));
    padded(xs, 0.0)
}

/// The y range of a panel's lines, with a margin.
fn y_range(panel: &Panel) -> (f64, f64) {
    padded(panel.lines.iter().flat_map(|l| l.points.iter().map(|pt| pt.1)), 0.08)
}

/// The range of the finite `values`, widened by `margin` of its width (or by 1 if it is a
/// single value; (0, 1) if there are none).
fn padded(values: impl Iterator<Item = f64>, margin: f64) -> (f64, f64) {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    if lo == hi {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * margin;
    (lo - pad, hi + pad)
}

/// At most [`MAX_POINTS`] points: each bucket of consecutive points is drawn by its lowest and
/// highest point in their order, so spikes stay visible. Non-finite points are dropped.
fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let finite = points.iter().copied().filter(|p| p.0.is_finite() && p.1.is_finite());
    if points.len() <= MAX_POINTS {
        return finite.collect();
    }
    let finite: Vec<(f64, f64)> = finite.collect();
    let bucket = finite.len().div_ceil(MAX_POINTS / 2).max(1);
    let mut out = Vec::with_capacity(MAX_POINTS + 2);
    for chunk in finite.chunks(bucket) {
        let lo = chunk.iter().enumerate().min_by(|a, b| a.1 .1.total_cmp(&b.1 .1)).map(|(i, _)| i).unwrap_or(0);
        let hi = chunk.iter().enumerate().max_by(|a, b| a.1 .1.total_cmp(&b.1 .1)).map(|(i, _)| i).unwrap_or(0);
        let (a, b) = (lo.min(hi), lo.max(hi));
        out.push(chunk[a]);
        if b != a {
            out.push(chunk[b]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_extremes() {
        let points: Vec<(f64, f64)> = (0..100_000).map(|i| (i as f64, if i == 50_123 { 100.0 } else { (i as f64 * 0.01).sin() })).collect();
        let thinned = thin(&points);
        assert!(thinned.len() <= MAX_POINTS + 2, "{}", thinned.len());
        assert!(thinned.contains(&(50_123.0, 100.0)));
        assert!(thinned.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(padded([2.0, 2.0].into_iter(), 0.1), (1.0, 3.0));
    }
}
