//! A reference-weight ladder stopped part way (Ctrl-C) is reported as interrupted at its rung,
//! not as judged, and `resume` continues the ladder from that rung with the reference: it ends
//! with the same kept model and the same `reference_weight.json` as a ladder never stopped. A
//! finished model resumes with the reference people and weight it was trained with, or not at
//! all.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{drawn_groups, hclt_on_cpu};
use genosynth::{Event, ReferenceWeight, Selection, TrainJob, ValidationSplit};
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::test_seed;
use genosynth_models::{HcltParams, SelectionRule};

/// 40 people to train on (80 haplotypes: the ladder is 2, 4, 8), 40 to validate on and 200
/// as the reference, drawn with `seed`.
fn draw(seed: u64) -> (ValidationSplit, HaplotypeMatrix) {
    let [fit, validation, reference, _] = drawn_groups(seed, &[40, 40, 200])
        .try_into()
        .expect("four groups");
    (ValidationSplit { fit, validation }, reference)
}

/// What one call of `genosynth::train` reported.
#[derive(Debug, Default)]
struct Seen {
    /// Weights judged (`ReferenceWeightTried`).
    tried: Vec<f32>,
    /// `ReferenceWeightInterrupted`: weight, rung, rungs.
    interrupted: Option<(f32, usize, usize)>,
}

/// How one call trains: resumed or new, to how many epochs in all, and where a stop comes.
#[derive(Debug, Clone, Copy)]
struct Run {
    resume: bool,
    epochs: usize,
    /// `Some((rung, epoch))`: the stop flag is set after that epoch of that rung (1-based),
    /// as Ctrl-C would.
    stop_at: Option<(usize, usize)>,
}

const NEW: Run = Run {
    resume: false,
    epochs: 12,
    stop_at: None,
};
const RESUME: Run = Run {
    resume: true,
    ..NEW
};

/// Trains the ladder into `dir` as `run` says.
fn ladder(
    split: &ValidationSplit,
    reference: Option<&HaplotypeMatrix>,
    seed: u64,
    weight: ReferenceWeight,
    dir: &Path,
    run: Run,
) -> genosynth::Result<(genosynth_models::TrainSummary, Seen)> {
    let Run {
        resume,
        epochs,
        stop_at,
    } = run;
    let config = hclt_on_cpu(HcltParams::default(), epochs, seed);
    // A bound no model meets: every rung misses it, so the ladder climbs to its top.
    let selection = Selection {
        every: 4,
        rule: SelectionRule {
            max_membership_auc: 0.0,
            ..SelectionRule::default()
        },
        ..Selection::default()
    };
    let job = TrainJob {
        config: &config,
        dir,
        resume,
        labels: None,
        heldout_labels: None,
        selection: Some((split, &selection)),
        reference,
        reference_weight: weight,
        weight_folds: 0,
        private_allele_min_count: 0,
    };
    let stop = AtomicBool::new(false);
    let mut seen = Seen::default();
    let mut started = 0;
    let mut progress = |e: Event<'_>| match e {
        Event::TrainingStarted { .. } => started += 1,
        Event::Epoch(r) if stop_at == Some((started, r.epoch)) => {
            stop.store(true, Ordering::SeqCst)
        }
        Event::ReferenceWeightTried { weight, .. } => seen.tried.push(weight),
        Event::ReferenceWeightInterrupted {
            weight,
            rung,
            rungs,
        } => seen.interrupted = Some((weight, rung, rungs)),
        _ => {}
    };
    let summary = genosynth::train(&split.fit, &job, &mut progress, &stop)?;
    Ok((summary, seen))
}

const AUTO: ReferenceWeight = ReferenceWeight::Auto;

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The kept model, its selected checkpoint and the ladder's record are the same bytes in both
/// directories (`other`: what `parts` is compared with, for the message).
fn assert_same_model(whole: &Path, parts: &Path, other: &str) {
    for file in [
        "model.safetensors",
        "best.safetensors",
        "reference_weight.json",
    ] {
        assert!(
            read(&whole.join(file)) == read(&parts.join(file)),
            "{file} differs from {other}"
        );
    }
}

#[test]
fn an_interrupted_ladder_resumes_from_its_rung_and_ends_as_one_never_stopped() {
    let seed = test_seed(3);
    let (split, reference) = draw(seed);
    let tmp = tempfile::tempdir().unwrap();

    let whole = tmp.path().join("whole");
    let (summary, seen) = ladder(&split, Some(&reference), seed, AUTO, &whole, NEW).unwrap();
    assert!(!summary.stopped);
    assert_eq!(seen.tried, [2.0, 4.0, 8.0], "{seen:?}");
    assert_eq!(seen.interrupted, None);

    // Stopped in the second rung's fifth epoch: reported as interrupted there, not as judged.
    let parts = tmp.path().join("parts");
    let stop = Run {
        stop_at: Some((2, 5)),
        ..NEW
    };
    let (summary, seen) = ladder(&split, Some(&reference), seed, AUTO, &parts, stop).unwrap();
    assert!(summary.stopped);
    assert_eq!(seen.tried, [2.0], "{seen:?}");
    assert_eq!(seen.interrupted, Some((4.0, 2, 3)), "{seen:?}");
    assert!(!parts.join("reference_weight.json").exists());

    // Without the reference the ladder cannot go on: a clear refusal, nothing changed.
    let err = ladder(&split, None, seed, AUTO, &parts, RESUME)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("interrupted at weight 4") && err.contains("--reference"),
        "{err}"
    );

    // Resumed: the rest of rung 2, then rung 3, as if never stopped.
    let (summary, seen) = ladder(&split, Some(&reference), seed, AUTO, &parts, RESUME).unwrap();
    assert!(!summary.stopped);
    assert_eq!(seen.tried, [4.0, 8.0], "{seen:?}");
    assert_eq!(seen.interrupted, None);
    assert_same_model(&whole, &parts, "the uninterrupted ladder's");
    assert!(!parts.join("reference_weight.interrupted.json").exists());
}

/// A fixed weight is a ladder of one rung: stopped, it resumes with the same weight and ends
/// as a run never stopped (before, `--resume` dropped the reference).
#[test]
fn an_interrupted_fixed_weight_resumes_with_its_reference() {
    let seed = test_seed(5);
    let (split, reference) = draw(seed);
    let tmp = tempfile::tempdir().unwrap();
    let four = ReferenceWeight::Fixed(4.0);

    let whole = tmp.path().join("whole");
    let (summary, seen) = ladder(&split, Some(&reference), seed, four, &whole, NEW).unwrap();
    assert!(!summary.stopped);
    assert_eq!(seen.tried, [4.0], "{seen:?}");

    let parts = tmp.path().join("parts");
    let stop = Run {
        stop_at: Some((1, 5)),
        ..NEW
    };
    let (summary, seen) = ladder(&split, Some(&reference), seed, four, &parts, stop).unwrap();
    assert!(summary.stopped);
    assert_eq!(seen.interrupted, Some((4.0, 1, 1)), "{seen:?}");

    // Another weight's ladder does not hold the rung it stopped in.
    let err = ladder(
        &split,
        Some(&reference),
        seed,
        ReferenceWeight::Fixed(2.0),
        &parts,
        RESUME,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("interrupted at weight 4"), "{err}");

    let (summary, seen) = ladder(&split, Some(&reference), seed, four, &parts, RESUME).unwrap();
    assert!(!summary.stopped);
    assert_eq!(seen.tried, [4.0], "{seen:?}");
    assert_same_model(&whole, &parts, "the uninterrupted run's");
}

/// A finished model trained with a reference resumes as the model it is, with the same
/// reference people at the weight it kept, and ends as one trained as long from the start
/// (before, `--resume` trained on without the reference when none was given, and lost
/// `reference_weight.json`); without them, with other people or at another fixed weight it is
/// refused and left as it was.
#[test]
fn a_finished_reference_model_resumes_with_its_reference_and_weight() {
    let seed = test_seed(7);
    let (split, reference) = draw(seed);
    let tmp = tempfile::tempdir().unwrap();
    let four = ReferenceWeight::Fixed(4.0);
    let longer = Run { epochs: 20, ..NEW };

    let whole = tmp.path().join("whole");
    ladder(&split, Some(&reference), seed, four, &whole, longer).unwrap();

    let parts = tmp.path().join("parts");
    ladder(&split, Some(&reference), seed, four, &parts, NEW).unwrap();
    let before = read(&parts.join("model.safetensors"));
    let resume = Run {
        resume: true,
        ..longer
    };
    let others = reference
        .select_samples(&(0..100).collect::<Vec<_>>())
        .unwrap();
    for (people, weight, refusal) in [
        (None, AUTO, "resume it with the same --reference"),
        (Some(&others), AUTO, "other reference people"),
        (
            Some(&reference),
            ReferenceWeight::Fixed(2.0),
            "reference weight 4",
        ),
    ] {
        let err = ladder(&split, people, seed, weight, &parts, resume)
            .unwrap_err()
            .to_string();
        assert!(err.contains(refusal), "{err}");
        assert!(read(&parts.join("model.safetensors")) == before);
    }

    // `auto` keeps the weight the model was trained at.
    let (summary, seen) = ladder(&split, Some(&reference), seed, AUTO, &parts, resume).unwrap();
    assert!(!summary.stopped);
    assert!(seen.tried.is_empty(), "{seen:?}");
    assert_same_model(&whole, &parts, "the run trained as long from the start");
}
