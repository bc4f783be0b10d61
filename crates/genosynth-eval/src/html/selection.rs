//! The report's section on how the checkpoint was chosen (its validation trajectory) and on
//! the generation guard.

use super::plots::{HOLDOUT, SYNTHETIC, Series, TRAIN, lines, scatter};
use super::{Page, num};
use crate::report::Report;

/// Appends the selection and guard section when the report carries them.
pub(crate) fn selection_and_guard(p: &mut Page, r: &Report) {
    if r.selection.is_none() && r.guard.is_none() {
        return;
    }
    p.section("Checkpoint selection and generation guard");
    if let Some(t) = &r.selection {
        let chosen = |e: usize| t.selected_epoch == Some(e);
        let point = |pt: &crate::provenance::TrajectoryPoint| {
            let aa = (pt.aa_truth - 0.5).abs().max((pt.aa_syn - 0.5).abs());
            (aa, pt.privacy_loss)
        };
        let (picked, others): (Vec<_>, Vec<_>) = t.points.iter().partition(|pt| chosen(pt.epoch));
        let mut frontier = vec![Series::new(
            "validated checkpoints",
            TRAIN,
            others.iter().map(|pt| point(pt)).collect(),
        )];
        frontier.push(Series::new(
            "chosen",
            SYNTHETIC,
            picked.iter().map(|pt| point(pt)).collect(),
        ));
        p.figure(
            scatter(
                "Privacy loss vs distance of the AATS halves from 0.5",
                "max(|AA_truth − 0.5|, |AA_syn − 0.5|)",
                "privacy loss (validation)",
                &frontier,
                false,
            ),
            "Fidelity–privacy trajectory",
            "One point per validated checkpoint, scored against the training people and the validation people it never saw. Left is realistic (AATS halves near 0.5), low is private; the chosen checkpoint is red.",
        );
        let by_epoch = |f: fn(&crate::provenance::TrajectoryPoint) -> f64| -> Vec<(f64, f64)> {
            t.points.iter().map(|pt| (pt.epoch as f64, f(pt))).collect()
        };
        p.figure(
            lines(
                "Validation figures by epoch",
                "epoch",
                "value",
                &[
                    Series::new("LD r² correlation", TRAIN, by_epoch(|pt| pt.ld_r2)),
                    Series::new("AA_truth", SYNTHETIC, by_epoch(|pt| pt.aa_truth)),
                    Series::new("AA_syn", HOLDOUT, by_epoch(|pt| pt.aa_syn)),
                ],
            ),
            "Trajectory",
            "LD fidelity and the AATS halves of each validated checkpoint.",
        );
        let rows: Vec<Vec<String>> = t
            .points
            .iter()
            .map(|pt| {
                vec![
                    format!(
                        "{}{}",
                        pt.epoch,
                        if chosen(pt.epoch) { " (chosen)" } else { "" }
                    ),
                    num(pt.ld_r2),
                    format!("{} / {}", num(pt.aa_truth), num(pt.aa_syn)),
                    num(pt.privacy_loss),
                    num(pt.membership_auc),
                    num(pt.pca_w),
                    num(pt.pairwise_w),
                    pt.heldout_log_likelihood.map_or("—".into(), num),
                ]
            })
            .collect();
        p.table(
            &[
                "epoch",
                "LD r²",
                "AA_truth / AA_syn",
                "privacy loss",
                "membership AUC",
                "PCA W",
                "pairwise W",
                "held-out log-lik.",
            ],
            &rows,
        );
        p.note(&format!("Rule: {}.", t.rule));
    }
    if let Some(g) = &r.guard {
        p.note(&format!(
            "Generation guard: no AG is nearer than {} sites to a training haplotype ({}); {} AGs were redrawn in {} rounds.",
            g.min_distance,
            if g.auto {
                "auto: the 1st percentile of training haplotypes' distances to their nearest neighbour, at least 1"
            } else {
                "set by --min-distance"
            },
            g.redrawn,
            g.rounds
        ));
    }
}
