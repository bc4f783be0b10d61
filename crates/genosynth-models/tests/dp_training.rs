//! DP-SGD training: the RBM and the CRBM learn under a budget, the GAN trains under one, the spent ε is the accountant's
//! for the steps taken, a fixed noise stops at the budget, resume continues the accounting,
//! and settings that cannot be honoured are refused before training.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use genosynth_models::{
    Checkpoint, CrbmParams, DeviceChoice, DpConfig, GanParams, GenerateOptions, ModelParams,
    RbmParams, TrainConfig, TrainOptions, TrainSummary, dp, generate, train,
};

fn rbm() -> ModelParams {
    ModelParams::Rbm(RbmParams {
        hidden_units: 16,
        batch_size: 100,
        chains: 100,
        gibbs_steps: 20,
        lr: 0.3,
        init_std: 0.01,
        ..RbmParams::default()
    })
}

fn private(model: ModelParams, epochs: usize, dp: DpConfig) -> TrainConfig {
    TrainConfig {
        model,
        epochs,
        seed: common::test_seed(3),
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: Some(dp),
    }
}

fn budget(epsilon: f64) -> DpConfig {
    DpConfig {
        epsilon,
        delta: 1e-3,
        clip: Some(5.0),
        noise_multiplier: None,
    }
}

fn run(
    data: &genosynth_core::HaplotypeMatrix,
    config: &TrainConfig,
    dir: &Path,
    resume: bool,
) -> (TrainSummary, Vec<f64>) {
    let stop = AtomicBool::new(false);
    let mut eps = Vec::new();
    let mut observer = |r: &genosynth_models::EpochReport| {
        let e = r.losses.iter().find(|(n, _)| *n == "epsilon");
        eps.push(e.expect("every private epoch reports ε").1);
    };
    let options = TrainOptions {
        resume,
        observer: Some(&mut observer),
        stop: Some(&stop),
        ..TrainOptions::new(dir)
    };
    let summary = train(data, config, options).unwrap();
    (summary, eps)
}

fn sample(dir: &Path) -> genosynth_core::HaplotypeMatrix {
    let ck = Checkpoint::load(dir).unwrap();
    let options = GenerateOptions {
        n_haplotypes: 2000,
        seed: common::test_seed(9),
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    generate(&ck, &options).unwrap().matrix
}

#[test]
fn private_rbm_learns_the_blocks_within_its_budget() {
    let data = common::linked_blocks(400, 11);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let (summary, eps) = run(&data, &private(rbm(), 100, budget(8.0)), &dir, false);
    assert_eq!(summary.epochs_done, 100);
    assert!(!summary.budget_spent);
    assert!(eps.windows(2).all(|w| w[0] < w[1]), "ε grows every epoch");

    // model.json carries the guarantee, and it is the accountant's for the steps taken.
    let p = Checkpoint::load(&dir).unwrap().meta.privacy.unwrap();
    assert_eq!(
        (p.mechanism.as_str(), p.unit.as_str()),
        ("dp-sgd", "individual")
    );
    assert_eq!(p.sampling_rate, 0.25);
    assert_eq!(p.steps, 400);
    let want = dp::epsilon(p.noise_multiplier, p.sampling_rate, p.steps, p.delta).unwrap();
    // model.json's floats round-trip to within an ulp.
    assert!(
        (p.epsilon - want.epsilon).abs() < 1e-12,
        "{} vs {want:?}",
        p.epsilon
    );
    assert!(p.epsilon <= 8.0 && p.epsilon > 7.8, "{}", p.epsilon);
    assert!((eps.last().unwrap() - p.epsilon).abs() < 1e-12);

    // Noise costs linkage (within-block r² about 0.4 here, 1 in the data), but the blocks
    // stay: an independent-sites model has r² 0 within them. Seeds 1-10 (docs/testing.md):
    // largest frequency error 0.030-0.106, r² within 0.345-0.431; a model that learned no
    // frequency (0.5 everywhere) misses by 0.35.
    let ags = sample(&dir);
    common::assert_learned(&ags, &common::BLOCK_FREQUENCIES, 0.15, 0.25, 0.05);
}

#[test]
fn private_crbm_learns_the_blocks_and_counts_every_window() {
    // Three windows over the same people compose to 1,200 steps: on 400 people (σ 4.6) the
    // largest frequency error reached 0.07-0.20 over seeds 1-10; on 1,000 people at q = 0.1
    // (σ 2.0) 0.04-0.13, r² within blocks 0.75-0.85 (docs/testing.md). Learning nothing
    // (0.5 everywhere) misses by 0.35.
    let data = common::linked_blocks(1000, 11);
    let model = ModelParams::Crbm(CrbmParams {
        window: 6,
        n_hidden: 16,
        lr: 0.3,
        batch_size: 100,
        gibbs_steps: 20,
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let (summary, eps) = run(&data, &private(model, 40, budget(8.0)), &dir, false);
    assert_eq!(eps.len(), 40);
    let p = summary.privacy.unwrap();
    // Three windows over 12 sites, each its own mechanism: 3 × 10 steps an epoch.
    assert_eq!((p.steps_per_epoch, p.steps), (30, 1200));
    assert!(p.epsilon <= 8.0 && p.epsilon > 7.8, "{}", p.epsilon);
    common::assert_learned(&sample(&dir), &common::BLOCK_FREQUENCIES, 0.18, 0.5, 0.05);
}

#[test]
fn private_gan_trains_and_records_its_guarantee() {
    // Training runs and is accounted for; what a private GAN learns is measured in
    // docs/privacy.md (on 200 people the toy GAN does not converge under DP).
    let data = common::blocks_of(400, 1, &[0.3, 0.6]);
    let model = ModelParams::Gan(GanParams {
        latent_size: 16,
        generator_divisors: [0.25, 0.25],
        discriminator_divisors: [0.5, 1.0],
        discriminator_lr: 8e-4,
        generator_lr: 8e-4,
        batch_size: 100,
        ..GanParams::default()
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let config = private(
        model,
        20,
        DpConfig {
            clip: None,
            ..budget(8.0)
        },
    );
    let (summary, eps) = run(&data, &config, &dir, false);
    assert_eq!(eps.len(), 20);
    let last = summary.last.unwrap();
    let names: Vec<&str> = last.losses.iter().map(|l| l.0).collect();
    // No figure computed on training people is reported.
    assert_eq!(names, ["d_loss_fake", "g_loss", "epsilon"]);
    assert!(last.losses.iter().all(|l| l.1.is_finite()));
    let p = summary.privacy.unwrap();
    assert_eq!((p.clip, p.steps, p.sampling_rate), (1.0, 80, 0.25));
    assert!(p.epsilon <= 8.0 && p.epsilon > 7.8);
    assert_eq!(sample(&dir).n_haplotypes(), 2000);
}

#[test]
fn a_fixed_noise_stops_at_the_budget_and_resume_keeps_accounting() {
    let data = common::linked_blocks(400, 11);
    // σ = 2 at q = 0.25 costs ε ≈ 1 in the first epoch: a budget of 3 fits about nine.
    let fixed = DpConfig {
        noise_multiplier: Some(2.0),
        ..budget(3.0)
    };
    let tmp = tempfile::tempdir().unwrap();
    let (whole, parts) = (tmp.path().join("whole"), tmp.path().join("parts"));
    let (summary, _) = run(&data, &private(rbm(), 50, fixed.clone()), &whole, false);
    assert!(summary.budget_spent);
    assert!(summary.epochs_done > 0 && summary.epochs_done < 50);
    let p = summary.privacy.unwrap();
    assert!(p.epsilon <= 3.0);
    let one_more = dp::epsilon(2.0, 0.25, p.steps + p.steps_per_epoch, 1e-3).unwrap();
    assert!(one_more.epsilon > 3.0);

    // Two epochs, then a resume to the same end: the same ε and the same weights.
    run(&data, &private(rbm(), 2, fixed.clone()), &parts, false);
    let (resumed, _) = run(&data, &private(rbm(), 50, fixed), &parts, true);
    assert_eq!(resumed.epochs_done, summary.epochs_done);
    assert_eq!(resumed.privacy.unwrap(), p);
    let weights = |d: &Path| std::fs::read(d.join(genosynth_models::MODEL_FILE)).unwrap();
    assert_eq!(weights(&whole), weights(&parts));
}

#[test]
fn settings_that_cannot_hold_are_refused_before_training() {
    let data = common::linked_blocks(400, 11);
    let tmp = tempfile::tempdir().unwrap();
    let fail = |config: &TrainConfig, dir: &str, resume: bool| {
        let dir = tmp.path().join(dir);
        let err = train(
            &data,
            config,
            TrainOptions {
                resume,
                ..TrainOptions::new(&dir)
            },
        )
        .expect_err("refused")
        .to_string();
        assert!(!dir.join("model.json").exists() || resume, "{err}");
        err
    };
    let e = fail(&private(rbm(), 10, budget(-1.0)), "a", false);
    assert!(e.contains("dp-epsilon"), "{e}");
    // 200 individuals: δ must be below 1/200.
    let e = fail(
        &private(
            rbm(),
            10,
            DpConfig {
                delta: 0.005,
                ..budget(1.0)
            },
        ),
        "b",
        false,
    );
    assert!(e.contains("dp-delta") && e.contains("n = 200"), "{e}");
    let tight = DpConfig {
        noise_multiplier: Some(0.5),
        ..budget(1.0)
    };
    let e = fail(&private(rbm(), 10, tight), "c", false);
    assert!(e.contains("before the first epoch"), "{e}");
    let hclt = ModelParams::defaults(genosynth_models::ModelKind::Hclt);
    let e = fail(&private(hclt, 10, budget(1.0)), "d", false);
    assert!(e.contains("rbm, crbm and gan"), "{e}");

    // A checkpoint trained without DP cannot become private on resume.
    let plain = TrainConfig {
        dp: None,
        ..private(rbm(), 1, budget(1.0))
    };
    run_plain(&data, &plain, &tmp.path().join("plain"));
    let e = fail(&private(rbm(), 2, budget(1.0)), "plain", true);
    assert!(e.contains("without DP-SGD"), "{e}");
}

fn run_plain(data: &genosynth_core::HaplotypeMatrix, config: &TrainConfig, dir: &Path) {
    train(data, config, TrainOptions::new(dir)).unwrap();
}
