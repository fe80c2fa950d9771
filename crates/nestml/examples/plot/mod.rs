//! A small hand-written SVG plot for the examples: panels stacked above a shared time axis,
//! each with its own y axis, lines, dots (scatter plots), rows of vertical marks (spike
//! times) and a legend.

use std::fmt::Write;

/// A polyline in data coordinates.
pub struct Line {
    pub points: Vec<(f64, f64)>,
    pub color: &'static str,
    pub dashed: bool,
}

/// Vertical marks at `xs` along the top of a panel (e.g. spike times), with a legend label.
pub struct Marks {
    pub xs: Vec<f64>,
    pub color: &'static str,
    pub label: String,
}

/// Points drawn as small circles (a scatter plot).
pub struct Dots {
    pub points: Vec<(f64, f64)>,
    pub color: &'static str,
    /// Radius in pixels.
    pub radius: f64,
}

pub struct Panel {
    pub y_label: String,
    /// Height of the plotting area in pixels.
    pub height: f64,
    pub lines: Vec<Line>,
    pub marks: Vec<Marks>,
    pub dots: Vec<Dots>,
    /// Legend entries (colour, text), listed in the panel's top left corner.
    pub legend: Vec<(&'static str, String)>,
}

impl Panel {
    /// A panel with nothing in it yet.
    #[allow(dead_code)] // not every example uses it
    pub fn new(y_label: impl Into<String>, height: f64) -> Self {
        Panel {
            y_label: y_label.into(),
            height,
            lines: Vec::new(),
            marks: Vec::new(),
            dots: Vec::new(),
            legend: Vec::new(),
        }
    }
}

pub struct Plot {
    pub title: String,
    pub x_label: String,
    pub x_range: (f64, f64),
    /// Width of the plotting area in pixels.
    pub width: f64,
    pub panels: Vec<Panel>,
}

const LEFT: f64 = 70.0;
const RIGHT: f64 = 60.0;
const TOP: f64 = 40.0;
const GAP: f64 = 30.0;
const BOTTOM: f64 = 50.0;
const MARK_ROW: f64 = 14.0;
/// Space between the lines' extremes and the panel's frame.
const INSET: f64 = 6.0;

impl Plot {
    pub fn to_svg(&self) -> String {
        let total_h = TOP
            + self.panels.iter().map(|p| p.height).sum::<f64>()
            + GAP * (self.panels.len().saturating_sub(1)) as f64
            + BOTTOM;
        let total_w = LEFT + self.width + RIGHT;
        let (x0, x1) = self.x_range;
        let sx = |x: f64| LEFT + (x - x0) / (x1 - x0) * self.width;

        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" viewBox="0 0 {total_w} {total_h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="20" text-anchor="middle" font-size="14">{}</text>"#,
            LEFT + self.width / 2.0,
            escape(&self.title)
        );

        let mut top = TOP;
        for (i, panel) in self.panels.iter().enumerate() {
            let (y0, y1) = panel.y_range();
            // the marks get their own rows above the lines
            let rows = panel.marks.len() as f64 * MARK_ROW;
            let plot_top = top + rows;
            let plot_h = panel.height - rows;
            let sy = |y: f64| plot_top + INSET + (y1 - y) / (y1 - y0) * (plot_h - 2.0 * INSET);
            let bottom = top + panel.height;

            // y axis with grid lines and tick labels
            for y in nice_ticks(y0, y1, 5) {
                let py = sy(y);
                let _ = writeln!(
                    s,
                    r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#e5e5e5"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                    LEFT + self.width,
                    LEFT - 6.0,
                    py + 4.0,
                    fmt_tick(y)
                );
            }
            let _ = writeln!(
                s,
                r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
                plot_top + plot_h / 2.0,
                escape(&panel.y_label)
            );
            // x grid and, below the last panel, the tick labels
            let last = i + 1 == self.panels.len();
            for x in nice_ticks(x0, x1, 10) {
                let px = sx(x);
                let _ = write!(
                    s,
                    r##"<line x1="{px:.1}" y1="{plot_top:.1}" x2="{px:.1}" y2="{bottom:.1}" stroke="#e5e5e5"/>"##
                );
                if last {
                    let _ = write!(
                        s,
                        r#"<text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                        bottom + 16.0,
                        fmt_tick(x)
                    );
                }
                s.push('\n');
            }
            let _ = writeln!(
                s,
                r#"<rect x="{LEFT}" y="{plot_top:.1}" width="{}" height="{plot_h:.1}" fill="none" stroke="black"/>"#,
                self.width
            );

            for line in &panel.lines {
                let mut pts = String::new();
                for &(x, y) in &line.points {
                    let _ = write!(pts, "{:.2},{:.2} ", sx(x), sy(y));
                }
                let dash = if line.dashed {
                    r#" stroke-dasharray="4 3""#
                } else {
                    ""
                };
                let _ = writeln!(
                    s,
                    r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="1"{dash}/>"#,
                    pts.trim_end(),
                    line.color
                );
            }
            for dots in &panel.dots {
                for &(x, y) in &dots.points {
                    let _ = write!(
                        s,
                        r#"<circle cx="{:.2}" cy="{:.2}" r="{}" fill="{}"/>"#,
                        sx(x),
                        sy(y),
                        dots.radius,
                        dots.color
                    );
                }
                s.push('\n');
            }
            for (row, (color, text)) in panel.legend.iter().enumerate() {
                let y = plot_top + 16.0 + row as f64 * 16.0;
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="{color}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
                    LEFT + 10.0,
                    y - 9.0,
                    LEFT + 25.0,
                    y,
                    escape(text)
                );
            }
            for (row, marks) in panel.marks.iter().enumerate() {
                let ya = top + row as f64 * MARK_ROW + 1.0;
                let yb = ya + MARK_ROW - 2.0;
                let mut d = String::new();
                for &x in &marks.xs {
                    let px = sx(x);
                    let _ = write!(d, "M{px:.2} {ya:.1}V{yb:.1}");
                }
                let _ = writeln!(
                    s,
                    r#"<path d="{d}" stroke="{}" stroke-width="1.2"/><text x="{:.1}" y="{:.1}" fill="{}">{}</text>"#,
                    marks.color,
                    LEFT + self.width + 6.0,
                    yb,
                    marks.color,
                    escape(&marks.label)
                );
            }
            top = bottom + GAP;
        }
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + self.width / 2.0,
            total_h - 12.0,
            escape(&self.x_label)
        );
        s.push_str("</svg>\n");
        s
    }
}

impl Panel {
    /// The range of the lines' y values, widened to whole tick steps.
    fn y_range(&self) -> (f64, f64) {
        let ys = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .chain(self.dots.iter().flat_map(|d| d.points.iter().map(|p| p.1)));
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
        let (lo, hi) = if lo < hi {
            (lo, hi)
        } else {
            (lo - 1.0, lo + 1.0)
        };
        let step = tick_step(lo, hi, 5);
        ((lo / step).floor() * step, (hi / step).ceil() * step)
    }
}

/// A step of 1, 2 or 5 × 10^k giving about `n` intervals over `[lo, hi]`.
fn tick_step(lo: f64, hi: f64, n: usize) -> f64 {
    let raw = (hi - lo) / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag)
}

/// Tick positions: the multiples of [`tick_step`] within `[lo, hi]`.
fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let step = tick_step(lo, hi, n);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

fn fmt_tick(v: f64) -> String {
    let r = (v * 1e6).round() / 1e6;
    if r == 0.0 {
        "0".into()
    } else {
        format!("{r}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
