//! Small training sets on real haplotypes (the bundled 805-SNP 1000 Genomes example): an HCLT
//! of 40 people on its own memorises them, and the selection's likelihood-attack bound refuses
//! it; the same 40 people with a reference of other people (the HCLT's prior towards a model
//! of them, its weight chosen by `auto`) pass the likelihood bounds on the validation people,
//! and the likelihood attack stays low on test people nothing trained or chose on. Both
//! choose their checkpoint on the same validation people.

mod common;

use common::{drawn_groups, hclt_on_cpu};
use std::sync::atomic::AtomicBool;

use genosynth::{
    Event, ReferenceWeight, Selection, TrainJob, ValidationSplit, check_privacy, likelihood_attack,
    train_selected,
};
use genosynth_core::test_util::{figure, test_seed};
use genosynth_core::{HaplotypeMatrix, PrivacyBounds};
use genosynth_models::{
    Checkpoint, HcltParams, ModelParams, SelectionState, TrainConfig, TrainOptions,
};

/// People trained on, and people held out to choose the checkpoint and to judge it by (150:
/// the likelihood-attack AUC of a model that learned nothing of them then has a standard
/// deviation of 0.05, so a private model reads 0.5 ± 0.1 and one that leaks reads far above).
const TRAINED: usize = 40;
const VALIDATION: usize = 150;
/// People nothing trains or chooses on, to judge the chosen model by.
const TEST: usize = 150;

/// 40 people to train on, 150 to validate on, 150 to test on and everyone else (912) as the
/// reference, drawn with `seed`.
fn draw(seed: u64) -> (ValidationSplit, HaplotypeMatrix, HaplotypeMatrix) {
    let [fit, validation, test, reference] = drawn_groups(seed, &[TRAINED, VALIDATION, TEST])
        .try_into()
        .expect("four groups");
    (ValidationSplit { fit, validation }, test, reference)
}

/// `synth`'s HCLT: 60 EM iterations, validated every 6.
fn config(seed: u64) -> (TrainConfig, Selection) {
    let config = hclt_on_cpu(HcltParams::default(), 60, seed);
    let selection = Selection {
        every: 6,
        ..Selection::default()
    };
    (config, selection)
}

/// The selection state after the HCLT of `split`'s own people alone.
fn selected_alone(split: &ValidationSplit, seed: u64) -> SelectionState {
    let dir = tempfile::tempdir().unwrap();
    let (config, selection) = config(seed);
    let model_dir = dir.path().join("model");
    let summary =
        train_selected(split, &config, &selection, TrainOptions::new(&model_dir)).unwrap();
    summary.selection.expect("training validated")
}

/// The pipeline's training with `reference` and the default (`auto`) reference weight: the
/// selection state, the weight chosen, and the selected checkpoint.
fn selected_with(
    split: &ValidationSplit,
    reference: &HaplotypeMatrix,
    seed: u64,
) -> (SelectionState, f32, Checkpoint) {
    let dir = tempfile::tempdir().unwrap();
    let (config, selection) = config(seed);
    let model_dir = dir.path().join("model");
    let job = TrainJob {
        config: &config,
        dir: &model_dir,
        resume: false,
        labels: None,
        heldout_labels: None,
        selection: Some((split, &selection)),
        reference: Some(reference),
        reference_weight: ReferenceWeight::default(),
        weight_folds: 0,
        private_allele_min_count: 0,
    };
    let mut tried = Vec::new();
    let mut progress = |e: Event<'_>| {
        if let Event::ReferenceWeightTried { weight, .. } = e {
            tried.push(weight);
        }
    };
    let summary =
        genosynth::train(&split.fit, &job, &mut progress, &AtomicBool::new(false)).unwrap();
    let checkpoint = Checkpoint::load_selected(&model_dir).unwrap();
    let ModelParams::Hclt(p) = &checkpoint.meta.model else {
        panic!("an hclt was trained");
    };
    assert_eq!(tried.last(), Some(&p.reference_weight), "{tried:?}");
    let weight = p.reference_weight;
    (
        summary.selection.expect("training validated"),
        weight,
        checkpoint,
    )
}

#[test]
fn a_model_overfitted_to_40_people_is_refused_and_one_with_a_reference_is_not() {
    let seed = test_seed(7);
    let (split, test, reference) = draw(seed);
    let bound = PrivacyBounds::default().max_likelihood_auc;

    let own = selected_alone(&split, seed);
    let own_auc = own.best.as_ref().and_then(|b| b.likelihood_auc).unwrap();
    figure("likelihood_auc_own_people", own_auc);
    // Measured 0.9-1.0 on the validation people: far above the bound at any seed.
    assert!(own_auc > bound + 0.15, "{own:?}");
    let refusal = check_privacy(Some(&own), false).unwrap_err().to_string();
    assert!(refusal.contains("likelihood-attack AUC"), "{refusal}");

    let (shared, weight, checkpoint) = selected_with(&split, &reference, seed);
    let best = shared.best.as_ref().unwrap();
    figure("reference_weight_chosen", f64::from(weight));
    figure(
        "likelihood_auc_with_reference",
        best.likelihood_auc.unwrap(),
    );
    figure("privacy_loss_with_reference", best.privacy_loss);
    // The likelihood-attack AUC bound holds on the validation people (0.41-0.53, seeds 1-6).
    // Left out: privacy loss, which 40 people's 80 haplotypes leave at 0.02-0.10 at weight 8
    // (docs/privacy.md: not settled how much is noise), and the TPR at 1% FPR, which rests on
    // the top one or two of 150 non-members, with one member worth 0.025 (seed 5: 0.075 at
    // AUC 0.41). So at 40 people `auto` climbs to 8 and the refusal may still stop the model.
    assert!(
        best.likelihood_auc.unwrap() <= bound,
        "weight {weight}: {best:?}"
    );
    // On the 150 test people: a model that learned nothing of the 40 reads 0.5 ± 0.05.
    let attack = likelihood_attack(&checkpoint, &split.fit, &test, 5)
        .unwrap()
        .unwrap();
    figure("likelihood_auc_test_people", attack.auc);
    assert!(
        attack.auc <= bound,
        "weight {weight}: test AUC {}",
        attack.auc
    );
}

/// `synth`'s view of a stratum of 40 people: 32 trained on, 8 held out.
fn forty_people(seed: u64) -> (ValidationSplit, HaplotypeMatrix) {
    let (split, _, reference) = draw(seed);
    let forty = genosynth::split_validation(&split.fit, 0.2, seed, None).unwrap();
    (forty, reference)
}

/// One rung as reported: weight, bounds missed, next weight, folds, people judged on.
type Rung = (f32, Vec<String>, Option<f32>, usize, usize);

/// The pipeline's training of `split` with `auto` judged on four weight folds: the rungs
/// reported (weight, missed, next, folds, people) and the `reference_weight.json` written.
fn ladder_on_folds(
    split: &ValidationSplit,
    reference: &HaplotypeMatrix,
    seed: u64,
) -> (Vec<Rung>, String) {
    let dir = tempfile::tempdir().unwrap();
    let (config, selection) = config(seed);
    let model_dir = dir.path().join("model");
    let job = TrainJob {
        config: &config,
        dir: &model_dir,
        resume: false,
        labels: None,
        heldout_labels: None,
        selection: Some((split, &selection)),
        reference: Some(reference),
        reference_weight: ReferenceWeight::Auto,
        weight_folds: 4,
        private_allele_min_count: 0,
    };
    let mut rungs = Vec::new();
    let mut progress = |e: Event<'_>| {
        if let Event::ReferenceWeightTried {
            weight,
            missed,
            next,
            folds,
            people,
        } = e
        {
            rungs.push((weight, missed.to_vec(), next, folds, people));
        }
    };
    genosynth::train(&split.fit, &job, &mut progress, &AtomicBool::new(false)).unwrap();
    let ModelParams::Hclt(p) = Checkpoint::load_selected(&model_dir).unwrap().meta.model else {
        panic!("an hclt was trained");
    };
    assert_eq!(rungs.last().map(|r| r.0), Some(p.reference_weight));
    let record = std::fs::read_to_string(model_dir.join("reference_weight.json")).unwrap();
    (rungs, record)
}

#[test]
fn weight_folds_judge_every_rung_on_32_people_and_reproduce_with_the_seed() {
    let seed = test_seed(7);
    let (split, reference) = forty_people(seed);
    let (rungs, record) = ladder_on_folds(&split, &reference, seed);
    // 64 training haplotypes: the floor is 4, the ladder 4, 8.
    let weights: Vec<f32> = rungs.iter().map(|r| r.0).collect();
    assert!(weights == [4.0] || weights == [4.0, 8.0], "{rungs:?}");
    for (i, (_, missed, next, folds, people)) in rungs.iter().enumerate() {
        assert_eq!((*folds, *people), (4, 32), "{rungs:?}");
        // It climbs exactly when the mean of the folds misses a bound, and says which.
        let last = i + 1 == rungs.len();
        assert_eq!(next.is_some(), !last, "{rungs:?}");
        if !last {
            assert!(
                missed.iter().all(|m| m.ends_with("(mean of 4 folds)")) && !missed.is_empty(),
                "{rungs:?}"
            );
        }
    }
    let json: serde_json::Value = serde_json::from_str(&record).unwrap();
    let judged = json.as_array().unwrap();
    assert_eq!(judged.len(), rungs.len(), "{record}");
    assert_eq!(judged[0]["people"], 32, "{record}");
    figure(
        "folds_likelihood_auc_kept",
        judged.last().unwrap()["likelihood_auc"].as_f64().unwrap(),
    );
    // Folds, fold models and the judgement are seeded: a second run is the same.
    let (again, record_again) = ladder_on_folds(&split, &reference, seed);
    assert_eq!(again, rungs);
    assert_eq!(record_again, record);
}

#[test]
fn weight_folds_see_a_model_that_memorises_its_people() {
    // The same 40 people without a reference, four folds judged as the ladder judges a rung
    // (each fold's model trained to the written model's chosen epoch, scored on its 8
    // people): the HCLT of 32 people memorises them, and the mean of the folds says so far
    // above the bound (one fold of 8 people reads 0.5 ± 0.12 for a model that leaks nothing).
    let seed = test_seed(7);
    let (split, _) = forty_people(seed);
    let (config, selection) = config(seed);
    let written = {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("model");
        let options = TrainOptions::new(&model);
        train_selected(&split, &config, &selection, options).unwrap()
    };
    let epoch = written.selection.and_then(|s| s.best_epoch).unwrap();
    let config = TrainConfig {
        epochs: epoch,
        ..config
    };
    let scores: Vec<_> = genosynth::weight_folds(&split, 4, seed)
        .unwrap()
        .iter()
        .map(|fold| {
            let dir = tempfile::tempdir().unwrap();
            let model = dir.path().join("model");
            let options = TrainOptions::new(&model);
            let summary = train_selected(fold, &config, &selection, options).unwrap();
            summary.last.and_then(|r| r.validation)
        })
        .collect();
    let all: Vec<_> = scores.iter().cloned().map(Option::unwrap).collect();
    let mean = genosynth::mean_of_folds(&all).unwrap();
    figure(
        "folds_likelihood_auc_own_people",
        mean.likelihood_auc.unwrap(),
    );
    let bound = PrivacyBounds::default().max_likelihood_auc;
    // Measured 0.9-1.0 alone (the first test): far above the bound with any seed's folds.
    assert!(mean.likelihood_auc.unwrap() > bound + 0.15, "{mean:?}");
    let missed = genosynth::missed_by_folds(&selection.rule, &scores);
    assert!(
        missed
            .iter()
            .any(|m| m.starts_with("likelihood-attack AUC")),
        "{missed:?}"
    );
}
