//! The HTML report's figures: undefined r² pairs draw nothing in the LD heatmap (they striped
//! it with grey bars), and a report with a holdout, diploid people and model boundaries draws
//! every chromosome-scale figure.

use genosynth_core::test_util::TestPopulation;

use super::plots::ld_heatmap;
use super::render_html;
use crate::evaluate::{EvalInput, evaluate};
use crate::report::Settings;

fn rects(svg: &str) -> usize {
    svg.matches("<rect").count()
}

/// A site monomorphic in one set (its r² undefined) left blank: exactly the defined pairs are
/// drawn, and no cell is filled grey.
#[test]
fn undefined_r2_pairs_draw_nothing_in_the_heatmap() {
    let k = 6;
    let pairs = k * (k - 1) / 2;
    let upper: Vec<f64> = (0..pairs).map(|i| i as f64 / pairs as f64).collect();
    // Site 2 monomorphic in the compared set: every pair with it undefined.
    let mut lower = upper.clone();
    let mut idx = 0;
    for i in 0..k {
        for j in i + 1..k {
            if i == 2 || j == 2 {
                lower[idx] = f64::NAN;
            }
            idx += 1;
        }
    }
    let blank = ld_heatmap("r²", k, &vec![f64::NAN; pairs], &vec![f64::NAN; pairs]).unwrap();
    let full = ld_heatmap("r²", k, &upper, &upper).unwrap();
    let holed = ld_heatmap("r²", k, &upper, &lower).unwrap();
    let frame = rects(&blank);
    assert_eq!(rects(&full), frame + 2 * pairs);
    assert_eq!(rects(&holed), frame + 2 * pairs - (k - 1));
    for grey in [
        "#808080", "#C0C0C0", "#BEBEBE", "#D3D3D3", "#A9A9A9", "#7F7F7F",
    ] {
        assert!(!holed.to_uppercase().contains(grey), "grey cell {grey}");
    }
}

/// Segment lengths, kinship against IBS0, LD along the chromosome with the model's boundary
/// marked, and the intervals as error bars: each figure drawn, none failed.
#[test]
fn a_report_draws_every_chromosome_scale_figure() {
    let people = |n: usize, seed: u64| {
        TestPopulation {
            people: n,
            blocks: 60,
            ..TestPopulation::default()
        }
        .generate(seed)
    };
    let (train, holdout, ags) = (people(60, 1), people(40, 2), people(50, 3));
    let boundary = train.sites()[90].pos;
    let report = evaluate(&EvalInput {
        train: &train,
        synthetic: &ags,
        holdout: Some(&holdout),
        panel: None,
        synthetic_panel: None,
        genetic_map: None,
        settings: Settings {
            seed: 3,
            n_triplets: 200,
            ld_window: 30,
            model_boundaries: vec![("1".into(), boundary)],
            ..Settings::default()
        },
        stop: None,
    })
    .unwrap();
    let html = render_html(&report);
    assert!(!html.contains("figure failed"), "a figure failed to draw");
    let figures = html.matches("<figure class=\"plot\"").count();
    assert_eq!(html.matches("<svg").count(), figures);
    for caption in [
        "<b>Shared segment lengths</b>",
        "<b>Kinship</b>",
        "<b>LD along the chromosome</b>",
        "<b>Intervals of the shares and AUCs</b>",
        "<b>Intervals of the privacy losses</b>",
        "<b>LD heatmap (train / holdout)</b>",
    ] {
        assert!(html.contains(caption), "no figure {caption}");
    }
    assert!(
        html.contains("model boundary"),
        "the boundary is not marked"
    );
    for series in [
        "AG → train",
        "AG → holdout",
        "holdout → train",
        "AG × train",
        "holdout × train",
    ] {
        assert!(html.contains(series), "no series {series}");
    }
}
