//! `synth`, the whole pipeline in one call, on a small VCF: every step reports in order, the
//! AGs and the report are written, a stop flag ends it cleanly, a bad output name fails first,
//! the guard reaches checkpoint selection.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use genosynth::{
    Event, MinDistance, Selection, Stage, SynthConfig, SynthOutcome, Synthesized, synth,
};
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_models::{DeviceChoice, ModelParams, RbmParams, TrainConfig};
use genosynth_vcf::{ReadOptions, WriteOptions};
use rand::{Rng, SeedableRng};

/// `people` diploid samples over 24 sites in linked blocks of 3.
fn population(people: usize, seed: u64) -> HaplotypeMatrix {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut alleles = Vec::new();
    for _ in 0..people * 2 {
        for _ in 0..8 {
            alleles.extend([r.random_bool(0.4) as u8; 3]);
        }
    }
    let sites: Sites = (0..24u64)
        .map(|i| Site::new("1", 100 + 10 * i, "A", "G"))
        .collect();
    HaplotypeMatrix::from_dense_u8(
        &alleles,
        sites,
        Sample::numbered("P", people, Ploidy::Diploid),
    )
    .unwrap()
}

fn config(dir: &Path) -> SynthConfig {
    let input = dir.join("in.vcf");
    genosynth_vcf::write(&input, &population(60, 3), &WriteOptions::default()).unwrap();
    SynthConfig {
        reference: None,
        reference_weight: genosynth::ReferenceWeight::Auto,
        weight_folds: 0,
        private_allele_min_count: 0,
        input,
        read: ReadOptions::default(),
        output: dir.join("ags.vcf"),
        write: WriteOptions::default(),
        n_haplotypes: Some(40),
        ploidy: Ploidy::Diploid,
        gibbs_steps: None,
        train: TrainConfig {
            model: ModelParams::Rbm(RbmParams {
                hidden_units: 8,
                batch_size: 32,
                chains: 32,
                gibbs_steps: 5,
                ..RbmParams::default()
            }),
            epochs: 4,
            seed: 7,
            device: DeviceChoice::Cpu,
            save_every: 0,
            dp: None,
        },
        validation_fraction: Some(0.2),
        selection: Selection {
            every: 2,
            ..Selection::default()
        },
        min_distance: MinDistance::Sites(1),
        model_dir: None,
        report_dir: Some(dir.join("report")),
        // Mechanics, not privacy: 12 validation people judge a 4-epoch model too noisily to
        // let the bounds decide whether the steps below run (genosynth-cli tests/privacy_cli.rs
        // tests the refusal).
        accept_privacy_risk: true,
    }
}

/// A short name per event, eval steps counted apart.
fn name(event: &Event<'_>) -> &'static str {
    match event {
        Event::Read { .. } => "read",
        Event::HeldOut { .. } => "held out",
        Event::TrainingStarted { .. } => "training",
        Event::Epoch(_) => "epoch",
        Event::Trained { .. } => "trained",
        Event::Sampling { .. } => "sampling",
        Event::Generated { .. } => "generated",
        Event::Wrote { .. } => "wrote",
        Event::Fidelity { .. } => "fidelity",
        Event::EvalStarted { .. } => "eval started",
        Event::EvalStep { .. } => "eval step",
        Event::EvalFinished { .. } => "eval finished",
        _ => "other",
    }
}

#[test]
fn synth_reports_every_step_and_writes_ags_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let mut names = Vec::new();
    let (mut announced, mut finished) = (0, 0);
    let outcome = synth(
        &config,
        &mut |e: Event<'_>| {
            match e {
                Event::EvalStarted { steps } => announced = steps,
                Event::EvalFinished { steps } => finished = steps,
                _ => {}
            }
            names.push(name(&e));
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    let SynthOutcome::Done(done) = outcome else {
        panic!("not stopped")
    };
    let Synthesized { ags, report } = *done;
    names.dedup();
    assert_eq!(
        names,
        [
            "read",
            "held out",
            "training",
            "epoch",
            "trained",
            "sampling",
            "generated",
            "wrote",
            "fidelity",
            "eval started",
            "eval step",
            "eval finished"
        ]
    );
    assert_eq!(
        (announced, finished),
        (12, 12),
        "the step count the library announces (the classifier test runs: a holdout)"
    );
    assert!(ags.guard.is_some(), "the guard ran");
    assert!(report.selection.is_some(), "selection recorded");
    let written = genosynth_vcf::read(&config.output, &ReadOptions::default()).unwrap();
    assert_eq!(written.matrix, ags.matrix);
    assert_eq!(written.matrix.n_haplotypes(), 40);
    let keys: Vec<&str> = written
        .report
        .metadata
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    for key in ["genosynthModel", "genosynthSeed", "genosynthGuard"] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
    let json = std::fs::read_to_string(dir.path().join("report/report.json")).unwrap();
    assert_eq!(json, serde_json::to_string_pretty(&report).unwrap());
    assert!(dir.path().join("report/report.html").is_file());
}

#[test]
fn a_stop_flag_ends_training_and_writes_no_ags() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let outcome = synth(&config, &mut |_: Event<'_>| {}, &AtomicBool::new(true)).unwrap();
    assert!(matches!(outcome, SynthOutcome::Stopped(Stage::Training)));
    assert!(!config.output.exists());
    assert!(!dir.path().join("report").exists());
}

#[test]
fn an_output_without_a_format_fails_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.output = dir.path().join("ags.unknown");
    let mut events = 0;
    let err = synth(
        &config,
        &mut |_: Event<'_>| events += 1,
        &AtomicBool::new(false),
    )
    .unwrap_err();
    assert!(err.to_string().contains("ags.unknown"), "{err}");
    assert_eq!(events, 0, "nothing read or trained");
}

/// `synth`'s guard reaches checkpoint selection: one no AG can pass (every AG is within 24
/// sites of a training haplotype) fails while training, before any AG is written, with the
/// option to lower; the generation guard alone would have failed only after training.
#[test]
fn the_guard_is_applied_to_the_ags_selection_scores() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.min_distance = MinDistance::Sites(25);
    let mut trained = false;
    let err = synth(
        &config,
        &mut |e: Event<'_>| trained |= matches!(e, Event::Trained { .. }),
        &AtomicBool::new(false),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("lower --min-distance"), "{err}");
    assert!(!trained, "failed in training");
    assert!(!config.output.exists());
}
