//! The frontier's plots: every validated checkpoint of every model, beside the ceiling and
//! the floor.

use anyhow::Context;
use plotters::prelude::*;

use super::{Points, Trajectory, aa_distance};

/// A scatter of every validated checkpoint (one colour per model, the chosen one ringed) and
/// the ceiling (green) and floor (grey) points.
pub(super) fn plot(
    file: &str,
    title: &str,
    y_label: &str,
    pointer: &str,
    trajectories: &[Trajectory],
    [ceiling, floor]: [Option<(f64, f64)>; 2],
) -> anyhow::Result<()> {
    let mut points: Vec<(f64, f64)> = ceiling.into_iter().chain(floor).collect();
    let series: Vec<(&Trajectory, Points)> = trajectories
        .iter()
        .map(|t| {
            let pts = t
                .points
                .iter()
                .filter_map(|(e, v)| {
                    let x = aa_distance(v["aa_truth"].as_f64()?, v["aa_syn"].as_f64()?);
                    Some((*e, (x, v[pointer].as_f64()?)))
                })
                .collect::<Vec<_>>();
            points.extend(pts.iter().map(|p| p.1));
            (t, pts)
        })
        .collect();
    let (x1, y0, y1) = points
        .iter()
        .fold((0.05f64, f64::MAX, f64::MIN), |(x, lo, hi), p| {
            (x.max(p.0), lo.min(p.1), hi.max(p.1))
        });
    let pad = ((y1 - y0) * 0.1).max(0.01);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{title}: {y_label} per checkpoint"),
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..x1 * 1.05, (y0 - pad)..(y1 + pad))?;
        chart
            .configure_mesh()
            .x_desc("max(|AA_truth − 0.5|, |AA_syn − 0.5|)")
            .y_desc(y_label)
            .draw()?;
        for (t, pts) in &series {
            let color = t.color;
            chart
                .draw_series(
                    pts.iter()
                        .map(|(_, p)| Circle::new(*p, 3, color.mix(0.6).filled())),
                )?
                .label(format!("{} checkpoints", t.label))
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
            chart.draw_series(
                pts.iter()
                    .filter(|(e, _)| Some(*e) == t.selected)
                    .map(|(_, p)| Circle::new(*p, 7, color.stroke_width(2))),
            )?;
        }
        let green = RGBColor(44, 160, 44);
        chart
            .draw_series(ceiling.map(|p| TriangleMarker::new(p, 7, green.filled())))?
            .label("test people (ceiling)")
            .legend(move |(x, y)| TriangleMarker::new((x, y), 5, green.filled()));
        chart
            .draw_series(floor.map(|p| Cross::new(p, 6, BLACK.stroke_width(2))))?
            .label("independent sites (floor)")
            .legend(|(x, y)| Cross::new((x, y), 4, BLACK.stroke_width(2)));
        chart
            .configure_series_labels()
            // Left, away from the floor and the noisy or packed checkpoints on the right; below
            // the realistic ones where they score high (LD).
            .position(if pointer == "ld_r2" {
                SeriesLabelPosition::LowerLeft
            } else {
                SeriesLabelPosition::UpperLeft
            })
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        root.present()?;
    }
    std::fs::write(file, svg).with_context(|| format!("cannot write {file}"))
}
