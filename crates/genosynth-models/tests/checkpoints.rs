//! Checkpoints: round trip, resume equals an uninterrupted run bit for bit (CPU), seeded
//! generation, stop flag, and clear errors for corrupt or foreign checkpoints.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use genosynth_models::{
    Checkpoint, DeviceChoice, Error, GanParams, GenerateOptions, ModelKind, ModelParams, RbmParams,
    TrainConfig, TrainOptions, generate, train,
};

fn small(kind: ModelKind) -> ModelParams {
    match kind {
        ModelKind::Gan => ModelParams::Gan(GanParams {
            latent_size: 8,
            ..GanParams::default()
        }),
        ModelKind::Rbm => ModelParams::Rbm(RbmParams {
            hidden_units: 6,
            batch_size: 40,
            chains: 30,
            gibbs_steps: 3,
            ..RbmParams::default()
        }),
        other => ModelParams::defaults(other),
    }
}

fn config(model: ModelParams, epochs: usize) -> TrainConfig {
    TrainConfig {
        model,
        epochs,
        seed: 17,
        device: DeviceChoice::Cpu,
        save_every: 2,
        dp: None,
    }
}

fn run(data: &genosynth_core::HaplotypeMatrix, cfg: &TrainConfig, dir: &Path, resume: bool) {
    train(
        data,
        cfg,
        TrainOptions {
            resume,
            ..TrainOptions::new(dir)
        },
    )
    .unwrap();
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap()
}

fn resume_equals_uninterrupted(kind: ModelKind, persistent: bool) {
    let data = common::linked_blocks(120, 3);
    let mut model = small(kind);
    if let ModelParams::Rbm(p) = &mut model {
        p.persistent = persistent;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (whole, parts) = (tmp.path().join("whole"), tmp.path().join("parts"));
    run(&data, &config(model.clone(), 5), &whole, false);
    run(&data, &config(model.clone(), 2), &parts, false);
    run(&data, &config(model.clone(), 4), &parts, true);
    run(&data, &config(model, 5), &parts, true);
    for f in ["model.safetensors", "optimizer.safetensors"] {
        assert!(
            read(&whole, f) == read(&parts, f),
            "{kind}: {f} differs after resume"
        );
    }
    let (a, b) = (
        Checkpoint::load(&whole).unwrap(),
        Checkpoint::load(&parts).unwrap(),
    );
    assert_eq!(a.meta.epochs_done, 5);
    assert_eq!(a.meta.rng, b.meta.rng);
    assert_eq!(a.history.len(), 5);
    assert_eq!(b.history.len(), 5);
    // Same losses epoch by epoch (times differ).
    let losses = |h: &[String]| -> Vec<String> {
        h.iter()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("seconds");
                v.to_string()
            })
            .collect()
    };
    assert_eq!(losses(&a.history), losses(&b.history));
}

#[test]
fn gan_resume_is_bit_identical() {
    resume_equals_uninterrupted(ModelKind::Gan, false);
}

#[test]
fn rbm_resume_is_bit_identical() {
    resume_equals_uninterrupted(ModelKind::Rbm, false);
}

#[test]
fn rbm_pcd_resume_is_bit_identical() {
    resume_equals_uninterrupted(ModelKind::Rbm, true);
}

#[test]
fn checkpoint_round_trip_and_seeded_generation() {
    let data = common::linked_blocks(80, 4);
    let tmp = tempfile::tempdir().unwrap();
    for kind in [ModelKind::Gan, ModelKind::Rbm] {
        let dir = tmp.path().join(kind.name());
        run(&data, &config(small(kind), 1), &dir, false);
        let ck = Checkpoint::load(&dir).unwrap();
        assert_eq!(ck.kind(), kind);
        assert_eq!(ck.meta.model, small(kind));
        assert_eq!(ck.meta.seed, 17);
        assert_eq!(ck.sites(), *data.sites());
        assert_eq!(ck.meta.training, genosynth_models::TrainingData::of(&data));
        let opts = |seed| GenerateOptions {
            n_haplotypes: 50,
            seed,
            device: DeviceChoice::Cpu,
            gibbs_steps: None,
        };
        let a = generate(&ck, &opts(1)).unwrap().matrix;
        let b = generate(&ck, &opts(1)).unwrap().matrix;
        let c = generate(&ck, &opts(2)).unwrap().matrix;
        assert_eq!(a, b, "{kind}: same seed, same AGs");
        assert_ne!(a.words(), c.words(), "{kind}: another seed, other AGs");
        assert_eq!(a.sites(), data.sites());
        assert_eq!(a.samples()[0].name, "AG_000001");
    }
}

#[test]
fn existing_model_without_resume_and_other_data_on_resume_are_errors() {
    let data = common::linked_blocks(80, 4);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    run(&data, &config(small(ModelKind::Rbm), 1), &dir, false);
    let stop = AtomicBool::new(false);
    let options = TrainOptions {
        stop: Some(&stop),
        ..TrainOptions::new(&dir)
    };
    let err = train(&data, &config(small(ModelKind::Rbm), 2), options).unwrap_err();
    assert!(err.to_string().contains("already holds a model"), "{err}");
    assert!(matches!(err, Error::CheckpointExists { .. }), "{err}");
    let other = common::linked_blocks(80, 5);
    let options = TrainOptions {
        resume: true,
        stop: Some(&stop),
        ..TrainOptions::new(&dir)
    };
    let err = train(&other, &config(small(ModelKind::Rbm), 2), options).unwrap_err();
    assert!(matches!(err, Error::ResumeMismatch { .. }), "{err}");
}

#[test]
fn stop_flag_saves_and_returns() {
    let data = common::linked_blocks(80, 4);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let stop = AtomicBool::new(false);
    let mut cfg = config(small(ModelKind::Gan), 100);
    cfg.save_every = 0;
    let mut observer = |r: &genosynth_models::EpochReport| {
        if r.epoch == 3 {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    };
    let options = TrainOptions {
        observer: Some(&mut observer),
        stop: Some(&stop),
        ..TrainOptions::new(&dir)
    };
    let summary = train(&data, &cfg, options).unwrap();
    assert!(summary.stopped);
    assert_eq!(summary.epochs_done, 3);
    assert_eq!(Checkpoint::load(&dir).unwrap().meta.epochs_done, 3);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temp directories left beside the model"
    );
}

#[test]
fn corrupt_missing_and_foreign_checkpoints_are_clear_errors() {
    let data = common::linked_blocks(80, 4);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    run(&data, &config(small(ModelKind::Rbm), 1), &dir, false);
    let fresh = || {
        let d = tmp.path().join("copy");
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir(&d).unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), d.join(e.file_name())).unwrap();
        }
        d
    };
    let msg = |d: &Path| Checkpoint::load(d).unwrap_err().to_string();

    let d = fresh();
    std::fs::write(d.join("model.safetensors"), b"not a safetensors file").unwrap();
    assert!(
        msg(&d).contains("model.safetensors is unreadable"),
        "{}",
        msg(&d)
    );

    let d = fresh();
    std::fs::remove_file(d.join("model.safetensors")).unwrap();
    assert!(
        msg(&d).contains("model.safetensors is missing"),
        "{}",
        msg(&d)
    );

    let d = fresh();
    std::fs::write(d.join("model.json"), b"{ truncated").unwrap();
    assert!(
        msg(&d).contains("model.json is not valid JSON"),
        "{}",
        msg(&d)
    );

    let d = fresh();
    let json = std::fs::read_to_string(d.join("model.json")).unwrap();
    let other = json.replace(
        &format!(
            "\"genosynth_version\": \"{}\"",
            genosynth_models::GENOSYNTH_VERSION
        ),
        "\"genosynth_version\": \"9.0.0\"",
    );
    assert_ne!(json, other);
    std::fs::write(d.join("model.json"), other).unwrap();
    assert!(
        msg(&d).contains("written by genosynth 9.0.0"),
        "{}",
        msg(&d)
    );

    let d = fresh();
    let json = std::fs::read_to_string(d.join("model.json")).unwrap();
    std::fs::write(
        d.join("model.json"),
        json.replace("\"hidden_units\": 6", "\"hidden_units\": 7"),
    )
    .unwrap();
    assert!(msg(&d).contains("rbm.weight has shape"), "{}", msg(&d));

    assert!(msg(&tmp.path().join("nowhere")).contains("model.json is missing"));
}

/// A labelled CRBM checkpoint written by genosynth 0.1.0 while the labels were a field of the
/// CRBM's hyperparameters (`genosynth train tiny.vcf --model crbm --epochs 2 --window 4
/// --crbm-hidden-units 3 --gibbs-steps 2 --panel tiny.panel --label-column pop --seed 7`, on 12
/// samples × 8 sites, the first 6 samples in population A): it loads with its labels, its
/// `model.json` is written back byte for byte, and it draws the AGs that release drew
/// (`genosynth generate --population A=4,B=6 --seed 3`).
#[test]
fn a_labelled_checkpoint_of_0_1_0_loads_and_samples_as_before() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/crbm-labelled-0.1.0");
    let ck = Checkpoint::load(&dir).unwrap();
    let ModelParams::Crbm(p) = &ck.meta.model else {
        panic!("a CRBM, not {}", ck.kind());
    };
    assert_eq!((p.window, p.n_hidden, p.gibbs_steps), (4, 3, 2));
    let labels = ck.meta.labels.as_ref().expect("labels kept");
    assert_eq!(labels.names, ["A", "B"]);
    assert_eq!(labels.counts(), [12, 12]);
    let text = std::fs::read_to_string(dir.join(genosynth_models::META_FILE)).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&ck.meta).unwrap(),
        text.trim_end()
    );

    let wanted = genosynth_models::conditional::expand_counts(&[(0, 4), (1, 6)]);
    let options = GenerateOptions {
        n_haplotypes: wanted.len(),
        seed: 3,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let ags = genosynth_models::generate_labelled(&ck, &options, &wanted)
        .unwrap()
        .matrix;
    let rows: Vec<String> = ags
        .to_dense_u8()
        .chunks(8)
        .map(|h| h.iter().map(|a| char::from(b'0' + a)).collect())
        .collect();
    assert_eq!(
        rows,
        [
            "11001110", "11011010", "10010001", "10001100", "01000010", "00100010", "11010011",
            "10111110", "10011110", "00100110"
        ]
    );
}
