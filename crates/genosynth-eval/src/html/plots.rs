//! SVG figures drawn with plotters (SVG backend only, no fonts or network), returned as
//! strings to inline into the HTML report.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

/// Most points drawn per series; larger sets are thinned evenly so files stay small.
const MAX_POINTS: usize = 2500;
const WIDTH: u32 = 560;
const HEIGHT: u32 = 420;

/// Colour of the training data in every figure (and the HTML legend).
pub(crate) const TRAIN: RGBColor = PALETTE[0];
/// Colour of the AGs: tab10's red, kept out of [`PALETTE`] so no population wears it.
pub(crate) const SYNTHETIC: RGBColor = RGBColor(214, 39, 40);
/// Colour of the holdout.
pub(crate) const HOLDOUT: RGBColor = PALETTE[2];
/// Train–AG distances, beside the within-set ones.
pub(crate) const TRAIN_TO_AG: RGBColor = PALETTE[3];
/// AG → holdout distances, beside AG → train.
pub(crate) const AG_TO_HOLDOUT: RGBColor = PALETTE[1];

/// Colours for populations (tab10 without its red, which the AGs wear).
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
];

/// One named series of points.
pub(crate) struct Series {
    pub(crate) name: String,
    pub(crate) color: RGBColor,
    pub(crate) points: Vec<(f64, f64)>,
    /// Scatter points as rings, to tell a series from a filled one of the same colour.
    pub(crate) hollow: bool,
}

impl Series {
    pub(crate) fn new(name: impl Into<String>, color: RGBColor, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            color,
            points,
            hollow: false,
        }
    }

    /// The same series drawn as rings in scatter plots.
    pub(crate) fn hollow(mut self) -> Self {
        self.hollow = true;
        self
    }
}

fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let step = points.len().div_ceil(MAX_POINTS).max(1);
    points
        .iter()
        .step_by(step)
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect()
}

fn bounds(series: &[Series], square: bool) -> ((f64, f64), (f64, f64)) {
    let pts = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if square {
        x0 = x0.min(y0);
        y0 = x0;
        x1 = x1.max(y1);
        y1 = x1;
    }
    let pad = |a: f64, b: f64| {
        let d = if b > a { (b - a) * 0.05 } else { 0.5 };
        (a - d, b + d)
    };
    (pad(x0, x1), pad(y0, y1))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Removes the namespace attribute: inline SVG in HTML5 needs none, and the report must not
/// contain any URL at all.
fn strip_namespace(svg: String) -> String {
    svg.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "")
}

/// An SVG chart with f64 axes.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart on `root` with the shared look: caption, axis labels, mesh without minor lines.
fn axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    (title, x_label, y_label): (&str, &str, &str),
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// The series' legend box at `position`.
fn legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(position)
        .draw()
        .map_err(err)
}

/// A scatter plot; `diagonal` adds the y = x line (perfect agreement).
pub(crate) fn scatter(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    diagonal: bool,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let ((x0, x1), (y0, y1)) = bounds(series, diagonal);
        let mut chart = axes(&root, (title, x_label, y_label), x0..x1, y0..y1)?;
        if diagonal {
            chart
                .draw_series(LineSeries::new(
                    [(x0, x0), (x1, x1)],
                    BLACK.mix(0.5).stroke_width(1),
                ))
                .map_err(err)?;
        }
        for s in series {
            let (point, legend): (ShapeStyle, ShapeStyle) = if s.hollow {
                (s.color.mix(0.8).stroke_width(1), s.color.stroke_width(1))
            } else {
                (s.color.mix(0.45).filled(), s.color.filled())
            };
            chart
                .draw_series(
                    thin(&s.points)
                        .into_iter()
                        .map(move |p| Circle::new(p, 2, point)),
                )
                .map_err(err)?
                .label(s.name.clone())
                .legend(move |(x, y)| Circle::new((x, y), 4, legend));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(strip_namespace(svg))
}

/// Lines with point markers, one per series.
pub(crate) fn lines(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<String, String> {
    lines_marked(title, x_label, y_label, series, ("", &[]))
}

/// [`lines`] with dashed vertical marks at `marks.1`, named `marks.0` in the legend (e.g. the
/// model's boundaries along a chromosome).
pub(crate) fn lines_marked(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    marks: (&str, &[f64]),
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let ((x0, x1), (y0, y1)) = bounds(series, false);
        let mut chart = axes(&root, (title, x_label, y_label), x0..x1, y0.min(0.0)..y1)?;
        let (mark_name, at) = marks;
        let grey = PALETTE[6];
        let dashed = at.iter().filter(|x| (x0..=x1).contains(*x)).map(|&x| {
            DashedPathElement::new(vec![(x, y0.min(0.0)), (x, y1)], 4, 3, grey.stroke_width(1))
        });
        if !at.is_empty() {
            chart
                .draw_series(dashed)
                .map_err(err)?
                .label(mark_name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], grey));
        }
        for s in series {
            let color = s.color;
            let pts = thin(&s.points);
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(err)?
                .label(s.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
            if pts.len() <= 60 {
                chart
                    .draw_series(
                        pts.into_iter()
                            .map(move |p| Circle::new(p, 3, color.filled())),
                    )
                    .map_err(err)?;
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(err)?;
    }
    Ok(strip_namespace(svg))
}

/// r² heatmap of `k` sites: `upper` (row < column) above the diagonal, `lower` below, both
/// upper-triangle vectors row by row; white = 0, dark red = 1; undefined pairs are not drawn.
pub(crate) fn ld_heatmap(
    title: &str,
    k: usize,
    upper: &[f64],
    lower: &[f64],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (HEIGHT + 40, HEIGHT + 20)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let kf = k.max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..kf, 0.0..kf)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("site (column)")
            .y_desc("site (row, from top)")
            .y_label_formatter(&|v| format!("{:.0}", kf - v))
            .draw()
            .map_err(err)?;
        let color = |r2: f64| {
            let t = r2.clamp(0.0, 1.0);
            RGBColor(
                (255.0 - 90.0 * t) as u8,
                (255.0 * (1.0 - t)) as u8,
                (255.0 * (1.0 - t)) as u8,
            )
        };
        let mut cells = Vec::with_capacity(k * k);
        let mut idx = 0;
        for i in 0..k {
            for j in i + 1..k {
                let (u, l) = (upper[idx], lower[idx]);
                idx += 1;
                let (i, j) = (i as f64, j as f64);
                // Upper: row i, column j; lower: row j, column i. Rows run top to bottom.
                // Undefined r² (a site monomorphic in that set) is left blank: drawn grey, a
                // site monomorphic in the holdout striped its whole row and column.
                if u.is_finite() {
                    cells.push(Rectangle::new(
                        [(j, kf - i), (j + 1.0, kf - i - 1.0)],
                        color(u).filled(),
                    ));
                }
                if l.is_finite() {
                    cells.push(Rectangle::new(
                        [(i, kf - j), (i + 1.0, kf - j - 1.0)],
                        color(l).filled(),
                    ));
                }
            }
        }
        chart.draw_series(cells).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(strip_namespace(svg))
}

/// One figure with its 95% interval, drawn as a point and an error bar.
pub(crate) struct Interval {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) ci95: [f64; 2],
    pub(crate) color: RGBColor,
}

/// Figures side by side with their intervals as error bars; `marks` draws dashed horizontal
/// lines (e.g. 0.5 = chance, a pass bound) with their names.
pub(crate) fn intervals(
    title: &str,
    y_label: &str,
    items: &[Interval],
    marks: &[(&str, f64)],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let ys = items
            .iter()
            .flat_map(|i| [i.value, i.ci95[0], i.ci95[1]])
            .chain(marks.iter().map(|m| m.1))
            .filter(|v| v.is_finite());
        let (lo, hi) = ys.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
        let pad = ((hi - lo) * 0.08).max(0.01);
        let n = items.len().max(1);
        let names: Vec<String> = items.iter().map(|i| i.name.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, lo - pad..hi + pad)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(y_label)
            .draw()
            .map_err(err)?;
        for &(name, y) in marks {
            chart
                .draw_series(DashedLineSeries::new(
                    [(-0.5, y), (n as f64 - 0.5, y)],
                    4,
                    4,
                    BLACK.mix(0.5).stroke_width(1),
                ))
                .map_err(err)?;
            chart
                .draw_series([Text::new(
                    name.to_string(),
                    (-0.45, y),
                    ("sans-serif", 12).into_font().color(&BLACK.mix(0.7)),
                )])
                .map_err(err)?;
        }
        for (x, item) in items.iter().enumerate() {
            let [a, b] = item.ci95;
            let x = x as f64;
            if a.is_finite() && b.is_finite() {
                chart
                    .draw_series([
                        PathElement::new(vec![(x, a), (x, b)], item.color.stroke_width(2)),
                        PathElement::new(
                            vec![(x - 0.06, a), (x + 0.06, a)],
                            item.color.stroke_width(2),
                        ),
                        PathElement::new(
                            vec![(x - 0.06, b), (x + 0.06, b)],
                            item.color.stroke_width(2),
                        ),
                    ])
                    .map_err(err)?;
            }
            if item.value.is_finite() {
                chart
                    .draw_series([Circle::new((x, item.value), 4, item.color.filled())])
                    .map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(strip_namespace(svg))
}
