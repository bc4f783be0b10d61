//! The checkpoint selection keeps the weights of the chosen epoch, not an alias of the live
//! ones (a GAN's Adam updates its variables in place).

mod common;

use std::sync::atomic::AtomicBool;

use genosynth_models::{
    BEST_FILE, Checkpoint, DeviceChoice, GanParams, GenerateOptions, ModelParams, SelectionRule,
    SelectionState, TrainConfig, TrainOptions, Validation, ValidationScores, generate, train,
};

#[test]
fn the_chosen_epoch_is_the_one_sampled() {
    let data = common::linked_blocks(200, 3);
    let config = |epochs| TrainConfig {
        model: ModelParams::Gan(GanParams {
            latent_size: 16,
            // Fast enough that the weight average that generates moves visibly in 3 epochs.
            generator_lr: 1e-3,
            ..GanParams::default()
        }),
        epochs,
        seed: 5,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
    // A scorer that likes the first validation best, whatever the AGs.
    let mut calls = 0;
    let mut score = |_: &genosynth_core::HaplotypeMatrix| -> Result<ValidationScores, String> {
        calls += 1;
        let far = if calls == 1 { 0.0 } else { 0.3 };
        Ok(ValidationScores {
            aa_truth: 0.5 + far,
            aa_syn: 0.5,
            privacy_loss: 0.0,
            membership_auc: 0.5,
            ld_r2: 0.9,
            pca_w: 0.1,
            pairwise_w: 1.0,
            heldout_log_likelihood: None,
            likelihood_auc: None,
            likelihood_tpr: None,
            likelihood_population: None,
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let (selected, first) = (dir.path().join("selected"), dir.path().join("first"));
    let stop = AtomicBool::new(false);
    let validation = Validation {
        every: 1,
        patience: 0,
        n_samples: 20,
        state: SelectionState::new(SelectionRule::default(), Vec::new()),
        heldout: None,
        score: &mut score,
        attack: None,
    };
    let options = TrainOptions {
        stop: Some(&stop),
        validation: Some(validation),
        ..TrainOptions::new(&selected)
    };
    let summary = train(&data, &config(3), options).unwrap();
    assert_eq!(summary.selection.unwrap().best_epoch, Some(1));
    assert!(selected.join(BEST_FILE).is_file());
    train(&data, &config(1), TrainOptions::new(&first)).unwrap();

    let options = GenerateOptions {
        n_haplotypes: 50,
        seed: 2,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let sample = |ck: &Checkpoint| generate(ck, &options).unwrap().matrix.to_dense_u8();
    let chosen = Checkpoint::load_selected(&selected).unwrap();
    assert_eq!(chosen.epoch, 1);
    assert_eq!(sample(&chosen), sample(&Checkpoint::load(&first).unwrap()));
    assert_ne!(
        sample(&chosen),
        sample(&Checkpoint::load(&selected).unwrap()),
        "the last epoch's GAN differs from the first's"
    );
}
