//! Selection on a labelled HCLT mixture (`train --panel --validation-fraction`, the workflow's
//! `conditioning: labels`) judges the likelihood attack the way the verdict does: label by
//! label, that label's training people against its validation people, each person scored by
//! the whole mixture and by the label's component alone, the stronger attack counting. The
//! figure that selection records is the worst label's, equal to what the verdict's scores
//! (`haplotype_scores`, `population_haplotype_scores`, each person's mean) give on the
//! selected checkpoint.

mod common;

use common::{drawn_groups, hclt_on_cpu};

use genosynth::{Selection, ValidationSplit, train_selected};
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::test_seed;
use genosynth_models::conditional::HaplotypeLabels;
use genosynth_models::{
    Checkpoint, HcltParams, TrainOptions, ValidationScores, haplotype_scores,
    population_haplotype_scores,
};

const LABELS: [&str; 2] = ["LARGE", "SMALL"];

/// The first `small` people of `m` are `SMALL`, the others `LARGE` (the labels' names sorted,
/// as a panel gives them).
fn labels(m: &HaplotypeMatrix, small: usize) -> HaplotypeLabels {
    HaplotypeLabels {
        names: LABELS.iter().map(|s| s.to_string()).collect(),
        index: m
            .haplotype_ids()
            .iter()
            .map(|id| usize::from((id.sample as usize) < small))
            .collect(),
    }
}

/// The people of `m` whose label is `label`.
fn people(m: &HaplotypeMatrix, l: &HaplotypeLabels, label: usize) -> HaplotypeMatrix {
    let mut samples: Vec<usize> = m
        .haplotype_ids()
        .iter()
        .zip(&l.index)
        .filter(|&(_, &c)| c == label)
        .map(|(id, _)| id.sample as usize)
        .collect();
    samples.dedup();
    m.select_samples(&samples).unwrap()
}

/// Each person's mean score, as the attack ranks people.
fn per_person(scores: &[f64]) -> Vec<f64> {
    scores.chunks(2).map(|p| (p[0] + p[1]) / 2.0).collect()
}

/// The selected checkpoint's figures after `epochs` EM iterations (validated every 3) of a
/// mixture with a component per label, and the model directory.
fn selected(
    split: &ValidationSplit,
    fit_labels: &HaplotypeLabels,
    validation_labels: Option<&HaplotypeLabels>,
    epochs: usize,
    seed: u64,
) -> (ValidationScores, tempfile::TempDir) {
    let params = HcltParams {
        components: LABELS.len(),
        ..HcltParams::default()
    };
    let config = hclt_on_cpu(params, epochs, seed);
    let selection = Selection {
        every: 3,
        ..Selection::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let model_dir = dir.path().join("model");
    let options = TrainOptions {
        labels: Some(fit_labels),
        heldout_labels: validation_labels,
        ..TrainOptions::new(&model_dir)
    };
    let summary = train_selected(split, &config, &selection, options).unwrap();
    (summary.selection.unwrap().best.unwrap(), dir)
}

#[test]
fn selection_scores_a_labelled_mixture_within_each_label_as_the_verdict_does() {
    let seed = test_seed(3);
    let [fit, validation, _rest] = drawn_groups(seed, &[80, 40])
        .try_into()
        .expect("three groups");
    let (fit_labels, validation_labels) = (labels(&fit, 20), labels(&validation, 10));
    let split = ValidationSplit { fit, validation };
    let (best, dir) = selected(&split, &fit_labels, Some(&validation_labels), 9, seed);
    let model_dir = dir.path().join("model");

    // The verdict's attacks on each label of the selected checkpoint: the stronger of the
    // whole mixture's score and the label's component's.
    let checkpoint = Checkpoint::load_selected(&model_dir).unwrap();
    let within = |label: usize| {
        let attack = |component: bool| {
            let score = |m: &HaplotypeMatrix| {
                let scored = if component {
                    population_haplotype_scores(&checkpoint, m, LABELS[label])
                } else {
                    haplotype_scores(&checkpoint, m)
                };
                per_person(&scored.unwrap().expect("an hclt has a likelihood").1)
            };
            genosynth_eval::score_attack(
                "",
                &score(&people(&split.fit, &fit_labels, label)),
                &score(&people(&split.validation, &validation_labels, label)),
            )
            .auc
        };
        attack(false).max(attack(true))
    };
    let aucs = [within(0), within(1)];
    let worst = usize::from(aucs[1] > aucs[0]);
    let recorded = best.likelihood_auc.expect("the attack ran");
    assert!(
        (recorded - aucs[worst]).abs() < 1e-9,
        "selection recorded {recorded}, the verdict reads {aucs:?}"
    );
    assert_eq!(
        best.likelihood_population.as_deref(),
        Some(LABELS[worst]),
        "{aucs:?}"
    );
    // Under 100 validation people per label, 1% FPR is not resolvable for either.
    assert_eq!(best.likelihood_tpr, None);
}

#[test]
fn without_the_validation_peoples_labels_the_attack_pools_everyone() {
    let seed = test_seed(3);
    let [fit, validation, _rest] = drawn_groups(seed, &[60, 30])
        .try_into()
        .expect("three groups");
    let fit_labels = labels(&fit, 20);
    let split = ValidationSplit { fit, validation };
    let (best, _dir) = selected(&split, &fit_labels, None, 3, seed);
    assert!(best.likelihood_auc.is_some());
    assert_eq!(best.likelihood_population, None);
}
