//! Both models learn allele frequencies and linkage of data with known structure, in seconds.

mod common;

use genosynth_models::{
    Checkpoint, DeviceChoice, GanParams, GenerateOptions, ModelParams, RbmParams, TrainConfig,
    TrainOptions, generate, train,
};

fn train_and_sample(
    model: ModelParams,
    epochs: usize,
    seed: u64,
    frequencies: &[f64],
) -> genosynth_core::HaplotypeMatrix {
    let data = common::blocks_of(400, 11, frequencies);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model");
    let config = TrainConfig {
        model,
        epochs,
        seed: common::test_seed(seed),
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
    let mut reports = Vec::new();
    let mut observer = |r: &genosynth_models::EpochReport| reports.push(r.clone());
    let options = TrainOptions {
        observer: Some(&mut observer),
        ..TrainOptions::new(&out)
    };
    let summary = train(&data, &config, options).unwrap();
    assert_eq!(summary.epochs_done, epochs);
    assert_eq!(reports.len(), epochs);
    assert!(
        reports
            .iter()
            .all(|r| r.losses.iter().all(|(_, v)| v.is_finite()))
    );
    let ck = Checkpoint::load(&out).unwrap();
    let options = GenerateOptions {
        n_haplotypes: 2000,
        seed: common::test_seed(9),
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    generate(&ck, &options).unwrap().matrix
}

#[test]
fn rbm_learns_block_frequencies_and_linkage() {
    let model = ModelParams::Rbm(RbmParams {
        hidden_units: 16,
        batch_size: 100,
        chains: 100,
        gibbs_steps: 20,
        lr: 0.3,
        init_std: 0.01,
        ..RbmParams::default()
    });
    let freqs = common::BLOCK_FREQUENCIES;
    let ags = train_and_sample(model, 300, 5, &freqs);
    // Seeds 1-10 (`cargo xtask seed-sweep`, docs/testing.md): largest frequency error
    // 0.029-0.058, r² within blocks 0.910-0.933, across ≤ 0.004. The errors are against the
    // nominal frequencies, from which 400 training draws stray by ±0.024 (1 sd), hence 0.08.
    common::assert_learned(&ags, &freqs, 0.08, 0.8, 0.05);
}

/// Ignored by `cargo test` (issue 29): `cargo xtask seed-sweep --seeds 1..=10` failed 6 of 10
/// seeds (a block's frequency off by 0.12-0.40; linkage held where it passed, r² within blocks
/// ≥ 0.95). No setting tried passes more than 5 of 10 (docs/testing.md: epochs, batch, learning
/// rates, Adam β1, network widths, real-input and label noise): the frequencies end shifted
/// together (0.44 / 0.79 for 0.3 / 0.6) or a block collapses to one allele. Drop the ignore
/// once the model holds in a 10-seed sweep.
#[test]
#[ignore = "fails for 6 of 10 training seeds (issue 29; docs/testing.md)"]
fn gan_learns_block_frequencies_and_linkage() {
    let model = ModelParams::Gan(GanParams {
        latent_size: 16,
        generator_divisors: [0.25, 0.25],
        discriminator_divisors: [0.5, 1.0],
        discriminator_lr: 8e-4,
        generator_lr: 8e-4,
        ..GanParams::default()
    });
    // Two independent blocks: four modes. GAN frequencies wander by several percent from
    // epoch to epoch, hence the wider tolerance; the linkage is exact. The outcome depends on
    // the seed (with seeds 2 and 5 one block collapses to a single allele after 250 epochs,
    // the mode dropping GANs are known for), so this is a seeded regression check.
    let freqs = [0.3, 0.6];
    let ags = train_and_sample(model, 250, 1, &freqs);
    common::assert_learned(&ags, &freqs, 0.1, 0.7, 0.05);
}
