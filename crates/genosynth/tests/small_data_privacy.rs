//! Small training sets on real haplotypes (the bundled 805-SNP 1000 Genomes example): an HCLT
//! of 40 people on its own memorises them, and the selection's likelihood-attack bound refuses
//! it; the same 40 people with a reference of other people (the HCLT's prior towards a model
//! of them, its weight chosen by `auto`) pass the likelihood bounds on the validation people,
//! and the likelihood attack stays low on test people nothing trained or chose on. Both
//! choose their checkpoint on the same validation people.

mod common;

use common::example;
use std::sync::atomic::AtomicBool;

use genosynth::{
    Event, ReferenceWeight, Selection, TrainJob, ValidationSplit, check_privacy, likelihood_attack,
    train_selected,
};
use genosynth_core::test_util::{figure, test_seed};
use genosynth_core::{HaplotypeMatrix, PrivacyBounds};
use genosynth_models::{
    Checkpoint, DeviceChoice, HcltParams, ModelParams, SelectionState, TrainConfig, TrainOptions,
};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

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
    let all = example();
    let mut people: Vec<usize> = (0..all.samples().len()).collect();
    people.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let pick = |range: std::ops::Range<usize>| {
        let mut p = people[range].to_vec();
        p.sort_unstable();
        all.select_samples(&p).unwrap()
    };
    let split = ValidationSplit {
        fit: pick(0..TRAINED),
        validation: pick(TRAINED..TRAINED + VALIDATION),
    };
    let test = pick(TRAINED + VALIDATION..TRAINED + VALIDATION + TEST);
    (split, test, pick(TRAINED + VALIDATION + TEST..people.len()))
}

/// `synth`'s HCLT: 60 EM iterations, validated every 6.
fn config(seed: u64) -> (TrainConfig, Selection) {
    let config = TrainConfig {
        model: ModelParams::Hclt(HcltParams::default()),
        epochs: 60,
        seed,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
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
        selection: Some((split, &selection)),
        reference: Some(reference),
        reference_weight: ReferenceWeight::default(),
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
