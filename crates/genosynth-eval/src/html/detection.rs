//! The figures that carry intervals: every interval of the verdict as error bars, and the
//! classifier two-sample test (distinguishability) with each learner's AUC.

use super::plots::{HOLDOUT, Interval, SYNTHETIC, TRAIN_TO_AG, intervals};
use super::{Page, num};
use crate::report::Report;
use crate::verdict::{DETECTION_AUC_BOUNDS, Status};

/// The verdict's figures that have a 95% interval, as points with error bars in two panels:
/// the AATS halves and AUCs around 0.5, the privacy losses around 0.
pub(super) fn interval_figures(p: &mut Page, r: &Report) {
    let color = |s: Status| match s {
        Status::Pass => HOLDOUT,
        Status::Warn => TRAIN_TO_AG,
        Status::Fail => SYNTHETIC,
    };
    let items = |names: &[&str]| -> Vec<Interval> {
        r.verdict
            .checks
            .iter()
            .filter(|c| names.contains(&c.name.as_str()))
            .filter_map(|c| {
                Some(Interval {
                    name: c.name.clone(),
                    value: c.value,
                    ci95: c.ci95?,
                    color: color(c.status),
                })
            })
            .collect()
    };
    let around_half = items(&[
        "aa_truth",
        "aa_syn",
        "membership_auc",
        "detection_auc",
        "likelihood_attack_auc",
    ]);
    if !around_half.is_empty() {
        p.figure(
            intervals(
                "AATS halves and AUCs, 95% intervals",
                "value",
                &around_half,
                &[("0.5 ideal", 0.5)],
            ),
            "Intervals of the shares and AUCs",
            "each point the reported figure, each bar its 95% bootstrap interval over people (green pass, purple warn, red fail); a bar crossing its check's pass bound is not certified at this sample size",
        );
    }
    let around_zero = items(&["privacy_loss", "segment_privacy_loss"]);
    if !around_zero.is_empty() {
        p.figure(
            intervals(
                "Privacy losses, 95% intervals",
                "loss",
                &around_zero,
                &[("0 ideal", 0.0)],
            ),
            "Intervals of the privacy losses",
            "AATS privacy loss and segment privacy loss with their 95% bootstrap intervals over people; above 0: the AGs resemble training people more than unseen ones",
        );
    }
    let rates = items(&["likelihood_attack_tpr_at_1pct_fpr"]);
    if !rates.is_empty() {
        p.figure(
            intervals(
                "Likelihood attack TPR at 1% FPR, 95% interval",
                "true-positive rate",
                &rates,
                &[("0.01 chance", 0.01)],
            ),
            "Interval of the likelihood attack's true-positive rate",
            "share of training people the model's own likelihood exposes while accusing at most 1% of unseen people, with its 95% bootstrap interval over people; 0.01 = chance",
        );
    }
}

/// Can classifiers tell AGs from real people they never saw?
pub(super) fn distinguishability(p: &mut Page, r: &Report) {
    let Some(d) = &r.detection else {
        return;
    };
    p.section("Distinguishability (classifier two-sample test)");
    let items: Vec<Interval> = d
        .learners
        .iter()
        .map(|l| Interval {
            name: l.name.replace('_', " "),
            value: l.auc,
            ci95: l.ci95,
            color: SYNTHETIC,
        })
        .collect();
    let [pass, warn] = DETECTION_AUC_BOUNDS;
    p.figure(
        intervals(
            "AGs vs holdout people: cross-validated ROC AUC",
            "ROC AUC (AGs positive)",
            &items,
            &[
                ("0.5 indistinguishable", 0.5),
                ("pass bound", pass),
                ("warn bound", warn),
            ],
        ),
        "Distinguishability",
        "each learner's ROC AUC on people outside its training folds with its 95% bootstrap interval over people; 0.5 = the classifier cannot tell AGs from real unseen people",
    );
    let rows: Vec<Vec<String>> = d
        .learners
        .iter()
        .map(|l| {
            vec![
                l.name.clone(),
                num(l.auc),
                format!("{} – {}", num(l.ci95[0]), num(l.ci95[1])),
            ]
        })
        .collect();
    p.table(&["learner", "ROC AUC", "95% interval"], &rows);
    p.note(&format!(
        "{} AG and {} holdout haplotypes (whole people, the larger set subsampled to the smaller), {} folds by person; features: allele dosages at {} sites spread along the chromosome and {} principal components fitted on the training haplotypes. Logistic regression (L2, C = 1) on standardised features sees shifted frequencies and population structure; 15 nearest neighbours on the dosages and components as they are sees haplotype structure. The verdict judges the better learner ({}).",
        d.synthetic_haplotypes, d.holdout_haplotypes, d.folds, d.site_features, d.pc_features, d.best.replace('_', " ")
    ));
}
