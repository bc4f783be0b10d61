//! The pipeline's pieces on small data with known structure: selection on validation people
//! (history, best checkpoint, resume, early stopping) and the generation guard.

use std::sync::atomic::AtomicBool;

use genosynth::{
    Chunk, MinDistance, Selection, ValidationSplit, auto_threshold, generate_chunked,
    generate_guarded, split_validation, train_selected,
};
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::TestPopulation;
use genosynth_models::{
    Checkpoint, DeviceChoice, GenerateOptions, ModelParams, RbmParams, TrainConfig, TrainOptions,
};
use proptest::prelude::*;

/// `people` diploid samples over 8 blocks of 3 linked sites, each block carrying one of a few
/// founder alleles: realistic enough that AGs, real people and copies differ in distance.
fn population(people: usize, seed: u64) -> HaplotypeMatrix {
    TestPopulation {
        people,
        ..TestPopulation::default()
    }
    .generate(seed)
}

fn rbm_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        model: ModelParams::Rbm(RbmParams {
            hidden_units: 12,
            batch_size: 80,
            chains: 80,
            gibbs_steps: 10,
            lr: 0.1,
            init_std: 0.05,
            ..RbmParams::default()
        }),
        epochs,
        seed: 5,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    }
}

fn split() -> ValidationSplit {
    split_validation(&population(200, 1), 0.2, 9, None).unwrap()
}

fn validated_lines(dir: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("history.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("validation").is_some())
        .map(|mut v| {
            v.as_object_mut().unwrap().remove("seconds"); // wall clock
            v
        })
        .collect()
}

#[test]
fn selection_validates_keeps_the_best_and_resumes_its_state() {
    let split = split();
    let selection = Selection {
        every: 5,
        ..Selection::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let (whole, part) = (dir.path().join("whole"), dir.path().join("part"));
    let summary = train_selected(
        &split,
        &rbm_config(30),
        &selection,
        TrainOptions::new(&whole),
    )
    .unwrap();
    let state = summary.selection.clone().unwrap();
    let lines = validated_lines(&whole);
    assert_eq!(lines.len(), 6, "epochs 5, 10, ..., 30 validated");
    assert!(
        lines
            .iter()
            .all(|l| l["validation"]["aa_truth"].is_number())
    );
    let best = state.best_epoch.unwrap();
    let selected: Vec<u64> = lines
        .iter()
        .filter(|l| l["selected"] == true)
        .map(|l| l["epoch"].as_u64().unwrap())
        .collect();
    assert_eq!(
        *selected.last().unwrap(),
        best as u64,
        "the last improvement is the best"
    );
    assert_eq!(
        state.validation_samples.len(),
        split.validation.samples().len()
    );

    let chosen = Checkpoint::load_selected(&whole).unwrap();
    assert_eq!(chosen.epoch, best);
    assert!(whole.join(genosynth_models::BEST_FILE).is_file());

    // Interrupted at epoch 15 and resumed: the same validations, best and state.
    train_selected(
        &split,
        &rbm_config(15),
        &selection,
        TrainOptions::new(&part),
    )
    .unwrap();
    let resumed = train_selected(
        &split,
        &rbm_config(30),
        &selection,
        TrainOptions {
            resume: true,
            ..TrainOptions::new(&part)
        },
    )
    .unwrap();
    assert_eq!(resumed.selection.unwrap(), state);
    assert_eq!(validated_lines(&part), lines);
    let options = GenerateOptions {
        n_haplotypes: 20,
        seed: 3,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let a = genosynth_models::generate(&chosen, &options)
        .unwrap()
        .matrix;
    let b = genosynth_models::generate(&Checkpoint::load_selected(&part).unwrap(), &options)
        .unwrap()
        .matrix;
    assert_eq!(a.to_dense_u8(), b.to_dense_u8());
}

#[test]
fn patience_stops_training_after_validations_without_improvement() {
    let split = split();
    let selection = Selection {
        every: 2,
        patience: 2,
        ..Selection::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    let summary = train_selected(
        &split,
        &rbm_config(400),
        &selection,
        TrainOptions::new(&out),
    )
    .unwrap();
    let state = summary.selection.unwrap();
    // Seeded on the CPU: this run stops early; two validations (4 epochs) after its best.
    assert!(summary.early_stopped);
    assert_eq!(state.since_best, 2);
    assert_eq!(summary.epochs_done, state.best_epoch.unwrap() + 4);
    assert!(summary.epochs_done < 400);
    let checkpoint = Checkpoint::load(&out).unwrap();
    assert_eq!(
        checkpoint.meta.epochs_done, summary.epochs_done,
        "saved where it stopped"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// No AG the guard returns is nearer than the threshold to any training haplotype.
    #[test]
    fn guarded_ags_keep_their_distance(threshold in 0u32..6, seed in 0u64..1000) {
        let (split, model) = &*MODEL;
        let options = GenerateOptions { n_haplotypes: 60, seed, device: DeviceChoice::Cpu, gibbs_steps: None };
        match generate_guarded(model, &options, None, &split.fit, MinDistance::Sites(threshold)) {
            Ok((ags, guard)) => {
                prop_assert_eq!(ags.n_haplotypes(), 60);
                prop_assert_eq!(guard.threshold, threshold);
                let fit = split.fit.to_dense_u8();
                let n = split.fit.n_sites();
                for ag in ags.to_dense_u8().chunks(n) {
                    let nearest = fit.chunks(n).map(|h| h.iter().zip(ag).filter(|(a, b)| a != b).count()).min().unwrap();
                    prop_assert!(nearest as u32 >= threshold, "an AG {nearest} sites from a training haplotype");
                }
            }
            Err(genosynth::Error::GuardExhausted { threshold: t, .. }) => prop_assert_eq!(t, threshold),
            Err(e) => prop_assert!(false, "{e}"),
        }
    }
}

static MODEL: std::sync::LazyLock<(ValidationSplit, Checkpoint)> = std::sync::LazyLock::new(|| {
    let split = split();
    let dir = tempfile::tempdir().unwrap().keep();
    let out = dir.join("m");
    genosynth_models::train(&split.fit, &rbm_config(40), TrainOptions::new(&out)).unwrap();
    let model = Checkpoint::load(&out).unwrap();
    (split, model)
});

#[test]
fn auto_threshold_is_a_low_quantile_of_training_distances_and_at_least_one() {
    let split = split();
    let t = auto_threshold(&split.fit);
    assert!(t >= 1);
    // Duplicated haplotypes: the quantile is 0, the threshold still 1 (exact copies redrawn).
    let rows: Vec<usize> = (0..40).map(|i| i % 4).collect();
    let dup = split.fit.select_haplotypes(&rows).unwrap();
    assert_eq!(auto_threshold(&dup), 1);
    let (_, model) = &*MODEL;
    let options = GenerateOptions {
        n_haplotypes: 30,
        seed: 1,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let (_, guard) =
        generate_guarded(model, &options, None, &split.fit, MinDistance::Auto).unwrap();
    assert!(guard.auto);
    assert_eq!(guard.threshold, t);
    assert_eq!(
        guard.header_value(),
        format!(
            "<ID=guard,min_distance={t},auto=true,redrawn={},rounds={}>",
            guard.redrawn, guard.rounds
        )
    );
}

/// Every chunk of a chunked generation, in order.
fn chunks(n: usize, chunk: usize, guard: Option<MinDistance>) -> (Vec<Chunk>, genosynth::Chunked) {
    let (split, model) = &*MODEL;
    let options = GenerateOptions {
        n_haplotypes: n,
        seed: 3,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let mut got = Vec::new();
    let done = generate_chunked::<genosynth::Error>(
        model,
        &options,
        chunk,
        None,
        guard.map(|g| (&split.fit, g)),
        &AtomicBool::new(false),
        &mut |c| {
            got.push(c);
            Ok(())
        },
    )
    .unwrap();
    (got, done)
}

#[test]
fn one_chunk_draws_what_generate_draws_and_chunks_are_reproducible() {
    let (split, model) = &*MODEL;
    let options = GenerateOptions {
        n_haplotypes: 40,
        seed: 3,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let whole = genosynth_models::generate(model, &options).unwrap().matrix;
    let (one, done) = chunks(40, 100, None);
    assert_eq!((one.len(), done.haplotypes, done.chunks), (1, 40, 1));
    assert_eq!(one[0].matrix, whole);
    let (guarded, _) =
        generate_guarded(model, &options, None, &split.fit, MinDistance::Sites(2)).unwrap();
    let (one, done) = chunks(40, 40, Some(MinDistance::Sites(2)));
    assert_eq!(one[0].matrix, guarded);
    assert_eq!(done.guard.unwrap().threshold, 2);

    // 40 in chunks of 7: six chunks, the last of 5, each its own draw, the same on a rerun.
    let (sevens, done) = chunks(40, 7, None);
    let sizes: Vec<(usize, usize)> = sevens
        .iter()
        .map(|c| (c.first, c.matrix.n_haplotypes()))
        .collect();
    assert_eq!(sizes, [(0, 7), (7, 7), (14, 7), (21, 7), (28, 7), (35, 5)]);
    assert_eq!(done.haplotypes, 40);
    let first = genosynth_models::generate(
        model,
        &GenerateOptions {
            n_haplotypes: 7,
            ..options.clone()
        },
    )
    .unwrap()
    .matrix;
    assert_eq!(sevens[0].matrix, first);
    assert_ne!(sevens[1].matrix, sevens[0].matrix);
    let (again, _) = chunks(40, 7, None);
    for (a, b) in sevens.iter().zip(&again) {
        assert_eq!(a.matrix, b.matrix);
    }
}

#[test]
fn guarded_chunks_keep_their_distance_and_sum_what_was_redrawn() {
    let (split, _) = &*MODEL;
    let (got, done) = chunks(45, 10, Some(MinDistance::Sites(3)));
    let guard = done.guard.unwrap();
    assert_eq!(guard.threshold, 3);
    let fit = split.fit.to_dense_u8();
    let n = split.fit.n_sites();
    for c in &got {
        for ag in c.matrix.to_dense_u8().chunks(n) {
            let nearest = fit
                .chunks(n)
                .map(|h| h.iter().zip(ag).filter(|(a, b)| a != b).count())
                .min()
                .unwrap();
            assert!(
                nearest >= 3,
                "chunk {}: an AG {nearest} sites away",
                c.index
            );
        }
    }
    assert_eq!(got.len(), 5);
}

#[test]
fn chunked_generation_refuses_chunk_zero_and_honours_stop() {
    let (_, model) = &*MODEL;
    let options = GenerateOptions {
        n_haplotypes: 10,
        seed: 3,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let never = &mut |_: Chunk| -> Result<(), genosynth::Error> { panic!("no chunk expected") };
    let err = generate_chunked(
        model,
        &options,
        0,
        None,
        None,
        &AtomicBool::new(false),
        never,
    )
    .unwrap_err();
    assert!(err.to_string().contains("chunk"), "{err}");
    let done = generate_chunked(
        model,
        &options,
        4,
        None,
        None,
        &AtomicBool::new(true),
        never,
    )
    .unwrap();
    assert!(done.stopped);
    assert_eq!(done.haplotypes, 0);
    // A failing consumer stops the generation with its error.
    let mut calls = 0;
    let err = generate_chunked(
        model,
        &options,
        4,
        None,
        None,
        &AtomicBool::new(false),
        &mut |_| {
            calls += 1;
            Err(genosynth::Error::InvalidOption {
                name: "sink",
                reason: "full".into(),
            })
        },
    )
    .unwrap_err();
    assert_eq!(calls, 1);
    assert!(err.to_string().contains("full"), "{err}");
}

/// Selection scores the AGs the guard will let out: a guard no AG can pass (farther than the
/// sites allow) fails validation with the option to lower, and no guard trains.
#[test]
fn selection_scores_only_the_ags_the_guard_lets_out() {
    let split = split();
    let dir = tempfile::tempdir().unwrap();
    let sites = split.fit.n_sites() as u32;
    let guarded = Selection {
        every: 2,
        guard: MinDistance::Sites(sites + 1),
        ..Selection::default()
    };
    let err = train_selected(
        &split,
        &rbm_config(2),
        &guarded,
        TrainOptions::new(&dir.path().join("guarded")),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("lower --min-distance"), "{err}");
    let open = Selection {
        guard: MinDistance::Sites(0),
        ..guarded
    };
    train_selected(
        &split,
        &rbm_config(2),
        &open,
        TrainOptions::new(&dir.path().join("open")),
    )
    .unwrap();
}
