//! Windows trained one by one and stitched equal the chain trained in one run.

use std::path::{Path, PathBuf};

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::labels::HaplotypeLabels;
use crate::{
    Checkpoint, DeviceChoice, Error, GenerateOptions, ModelParams, TrainConfig, TrainOptions,
    crbm_windows, generate, stitch_crbm_windows, train, train_crbm_window,
};

use super::CrbmParams;

/// 48 haplotypes × 30 sites in linked blocks of 5, so windows have something to learn.
fn data() -> HaplotypeMatrix {
    let mut r = ChaCha8Rng::seed_from_u64(5);
    let mut alleles = Vec::new();
    for _ in 0..48 {
        for _ in 0..6 {
            let a = u8::from(r.random_bool(0.4));
            alleles.extend((0..5).map(|_| if r.random_bool(0.05) { 1 - a } else { a }));
        }
    }
    let sites: Sites = (1..=30).map(|p| Site::new("7", p * 10, "A", "G")).collect();
    HaplotypeMatrix::from_dense_u8(&alleles, sites, Sample::numbered("S", 24, Ploidy::Diploid))
        .unwrap()
}

/// Two populations, alternating by person, when `on`.
fn labels(on: bool) -> Option<HaplotypeLabels> {
    on.then(|| HaplotypeLabels {
        names: vec!["AFR".into(), "EUR".into()],
        index: (0..48).map(|h| (h / 2) % 2).collect(),
    })
}

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        model: ModelParams::Crbm(CrbmParams {
            window: 12,
            n_hidden: 6,
            lr: 0.01,
            batch_size: 10,
            gibbs_steps: 3,
        }),
        epochs,
        seed: 11,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    }
}

fn train_options<'a>(
    dir: &'a Path,
    resume: bool,
    labels: Option<&'a HaplotypeLabels>,
) -> TrainOptions<'a> {
    TrainOptions {
        resume,
        labels,
        ..TrainOptions::new(dir)
    }
}

fn train_part(m: &HaplotypeMatrix, c: &TrainConfig, k: usize, dir: &Path, resume: bool) {
    train_labelled_part(m, c, None, k, dir, resume);
}

fn train_labelled_part(
    m: &HaplotypeMatrix,
    c: &TrainConfig,
    l: Option<&HaplotypeLabels>,
    k: usize,
    dir: &Path,
    resume: bool,
) {
    train_crbm_window(m, c, k, train_options(dir, resume, l)).unwrap();
}

/// Every window trained on its own into `root/part_K`, in reverse order.
fn train_parts(
    m: &HaplotypeMatrix,
    c: &TrainConfig,
    l: Option<&HaplotypeLabels>,
    root: &Path,
) -> Vec<PathBuf> {
    let n = crbm_windows(m.n_sites(), 12).len();
    let dirs: Vec<PathBuf> = (0..n).map(|k| root.join(format!("part_{k}"))).collect();
    for k in (0..n).rev() {
        train_labelled_part(m, c, l, k, &dirs[k], false);
    }
    dirs
}

fn assert_same_model(a: &Checkpoint, b: &Checkpoint) {
    assert_eq!(a.meta.training, b.meta.training);
    assert_eq!(a.meta.sites, b.meta.sites);
    assert_eq!(a.meta.rng, b.meta.rng);
    assert_eq!(a.meta.model, b.meta.model);
    assert_eq!(a.meta.epochs_done, b.meta.epochs_done);
    let mut names: Vec<&String> = a.weights.keys().collect();
    names.sort();
    let mut other: Vec<&String> = b.weights.keys().collect();
    other.sort();
    assert_eq!(names, other);
    for name in names {
        let x: Vec<f32> = a.weights[name].flatten_all().unwrap().to_vec1().unwrap();
        let y: Vec<f32> = b.weights[name].flatten_all().unwrap().to_vec1().unwrap();
        let (xb, yb): (Vec<u32>, Vec<u32>) = (
            x.iter().map(|v| v.to_bits()).collect(),
            y.iter().map(|v| v.to_bits()).collect(),
        );
        assert_eq!(xb, yb, "tensor {name} differs");
    }
    let errors = |ck: &Checkpoint| -> Vec<f64> {
        ck.history
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["reconstruction_error"]
                    .as_f64()
                    .unwrap()
            })
            .collect()
    };
    // The stitched history averages the windows' errors read back from JSON: equal to within
    // the last digit of its parsing.
    for (x, y) in errors(a).iter().zip(errors(b)) {
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }
    assert_eq!(errors(a).len(), b.history.len());
}

#[test]
fn windows_trained_apart_and_stitched_equal_the_whole_chain() {
    let m = data();
    let dir = tempfile::tempdir().unwrap();
    for labelled in [false, true] {
        let c = config(3);
        let l = labels(labelled);
        let root = dir.path().join(format!("labels_{labelled}"));
        train(
            &m,
            &c,
            train_options(&root.join("whole"), false, l.as_ref()),
        )
        .unwrap();
        let parts = train_parts(&m, &c, l.as_ref(), &root);
        assert_eq!(parts.len(), 4);
        let summary = stitch_crbm_windows(&parts, &root.join("stitched")).unwrap();
        assert_eq!(
            (summary.windows, summary.n_sites, summary.epochs),
            (4, 30, 3)
        );
        let whole = Checkpoint::load(&root.join("whole")).unwrap();
        let stitched = Checkpoint::load(&root.join("stitched")).unwrap();
        assert_same_model(&whole, &stitched);
        let options = GenerateOptions {
            n_haplotypes: 20,
            seed: 4,
            device: DeviceChoice::Cpu,
            gibbs_steps: None,
        };
        let a = generate(&whole, &options).unwrap().matrix;
        let b = generate(&stitched, &options).unwrap().matrix;
        assert_eq!(a.words(), b.words());
        // The trained model is not the initial one: the comparison means something.
        let fresh = Checkpoint::load(&parts[1]).unwrap();
        assert_ne!(fresh.meta.epochs_done, 0);
    }
}

#[test]
fn a_resumed_window_equals_one_trained_straight() {
    let m = data();
    let dir = tempfile::tempdir().unwrap();
    train_part(&m, &config(3), 2, &dir.path().join("straight"), false);
    let resumed = dir.path().join("resumed");
    train_part(&m, &config(1), 2, &resumed, false);
    train_part(&m, &config(3), 2, &resumed, true);
    let a = Checkpoint::load(&dir.path().join("straight")).unwrap();
    let b = Checkpoint::load(&resumed).unwrap();
    assert_eq!(a.meta.window_part, b.meta.window_part);
    assert_same_model(&a, &b);
    // Resuming it as another window is refused.
    let err =
        train_crbm_window(&m, &config(4), 1, train_options(&resumed, true, None)).unwrap_err();
    assert!(
        err.to_string()
            .contains("holds window 2 of a 4-window chain"),
        "{err}"
    );
}

#[test]
fn stitching_refuses_incomplete_repeated_and_foreign_windows() {
    let m = data();
    let dir = tempfile::tempdir().unwrap();
    let c = config(1);
    let parts = train_parts(&m, &c, None, dir.path());
    let out = dir.path().join("out");
    let message = |parts: &[PathBuf]| stitch_crbm_windows(parts, &out).unwrap_err().to_string();

    let err = message(&[parts[0].clone(), parts[2].clone()]);
    assert!(
        err.contains("windows 1, 3 of the chain's 4 (0 to 3) are missing"),
        "{err}"
    );
    let err = message(&[
        parts[0].clone(),
        parts[1].clone(),
        parts[1].clone(),
        parts[2].clone(),
    ]);
    assert!(err.contains("window 1 is given twice"), "{err}");

    let other_seed = dir.path().join("seed");
    let c2 = TrainConfig {
        seed: 12,
        ..c.clone()
    };
    train_part(&m, &c2, 3, &other_seed, false);
    let err = message(&[
        parts[0].clone(),
        parts[1].clone(),
        parts[2].clone(),
        other_seed,
    ]);
    assert!(
        err.contains("windows of different chains: the seed differs"),
        "{err}"
    );

    let longer = dir.path().join("epochs");
    train_part(&m, &config(2), 3, &longer, false);
    let err = message(&[parts[0].clone(), parts[1].clone(), parts[2].clone(), longer]);
    assert!(err.contains("has 1 epochs but"), "{err}");

    let whole = dir.path().join("whole");
    train(&m, &c, train_options(&whole, false, None)).unwrap();
    let err = message(std::slice::from_ref(&whole));
    assert!(
        err.contains("is a whole crbm model, not a CRBM window checkpoint"),
        "{err}"
    );
    assert!(!out.exists(), "a refused stitch writes nothing");

    // A window alone cannot generate.
    let part = Checkpoint::load(&parts[0]).unwrap();
    let options = GenerateOptions {
        n_haplotypes: 2,
        seed: 1,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let err = generate(&part, &options).unwrap_err();
    assert!(matches!(err, Error::Checkpoint { .. }));
    assert!(err.to_string().contains("genosynth stitch"), "{err}");

    let x = dir.path().join("x");
    let err = train_crbm_window(&m, &c, 4, train_options(&x, false, None)).unwrap_err();
    assert!(err.to_string().contains("4 windows (0 to 3)"), "{err}");
}
