//! An HCLT with reference people does not learn the input's private alleles
//! (`TrainOptions::private_allele_min_count`): the set is a direct count over training and
//! validation people (sites none of them carries included), sites are kept but not modelled:
//! the AGs carry the reference allele there and no likelihood, selection's attack's
//! included, depends on a person's alleles there.

use std::sync::atomic::AtomicBool;

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_models::{
    Checkpoint, DeviceChoice, Error, GenerateOptions, HcltParams, ModelParams, PrivateAlleles,
    SelectionRule, SelectionState, TrainConfig, TrainOptions, Validation, ValidationScores,
    generate, haplotype_scores, mask_alleles, private_allele_sites, train,
};

const SITES: usize = 30;

/// `n` haplotypes of people `prefix0..`: sites 0–19 common in every group (a pattern shifted
/// by `shift`), sites 20–29 set by `private(haplotype, site)`.
fn people(
    prefix: &str,
    n: usize,
    shift: usize,
    private: impl Fn(usize, usize) -> bool,
) -> HaplotypeMatrix {
    let sites: Sites = (1..=SITES as u64)
        .map(|p| Site::new("1", p * 100, "A", "G"))
        .collect();
    let mut values = Vec::with_capacity(n * SITES);
    for h in 0..n {
        for s in 0..SITES {
            let allele = if s < 20 {
                (h + shift + s * 3) % 5 < 2 || (h + shift) % 7 == s % 7
            } else {
                private(h, s)
            };
            values.push(u8::from(allele));
        }
    }
    let samples = Sample::numbered(prefix, n / 2, Ploidy::Diploid);
    HaplotypeMatrix::from_dense_u8(&values, sites, samples).unwrap()
}

/// 40 training haplotypes: site 20 + k (k = 0..8) carried by the first k + 1 of them; site 28
/// by none; site 29 by none (a validation person carries it).
fn fit() -> HaplotypeMatrix {
    people("T", 40, 0, |h, s| s < 28 && h <= s - 20)
}

/// 10 validation haplotypes: one carries site 23 (4 training copies, 5 in all) and site 29.
fn validation() -> HaplotypeMatrix {
    people("V", 10, 3, |h, s| h == 0 && (s == 23 || s == 29))
}

/// 60 reference haplotypes, none carrying sites 20–29.
fn reference() -> HaplotypeMatrix {
    people("R", 60, 1, |_, _| false)
}

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        model: ModelParams::Hclt(HcltParams {
            states: 4,
            chunk: 64,
            reference_weight: 1.0,
            ..HcltParams::default()
        }),
        epochs,
        seed: 3,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    }
}

/// The sites a direct count leaves out at `min_count`: no reference copy, 0 to `min_count − 1`
/// copies among the training and validation haplotypes.
fn counted(min_count: usize) -> Vec<usize> {
    let (fit, validation, reference) = (fit(), validation(), reference());
    (0..SITES)
        .filter(|&s| {
            let copies =
                |m: &HaplotypeMatrix| (0..m.n_haplotypes()).filter(|&h| m.get(h, s)).count();
            let c = copies(&fit) + copies(&validation);
            copies(&reference) == 0 && c < min_count
        })
        .collect()
}

#[test]
fn the_masked_alleles_are_a_direct_count_over_all_input_people() {
    let (fit, validation, reference) = (fit(), validation(), reference());
    for min_count in [0, 1, 2, 4, 5, 8, 100] {
        let got = private_allele_sites(&[&fit, &validation], &reference, min_count).unwrap();
        assert_eq!(got, counted(min_count), "min count {min_count}");
    }
    // Site 23 has 4 training copies and a validation one: 5 in all, not below 5; site 28 has
    // none.
    assert_eq!(counted(5), vec![20, 21, 22, 28, 29]);
    assert_eq!(counted(1), vec![28]);
}

/// Trains with validation on `validation()` and the reference, masking at `min_count`: the
/// checkpoint and the training-side scores the last validation's attack saw.
fn trained(min_count: usize, dir: &std::path::Path) -> (Checkpoint, Vec<f64>) {
    let (fit, validation, reference) = (fit(), validation(), reference());
    let mut score = |_: &HaplotypeMatrix| -> Result<ValidationScores, String> {
        Ok(ValidationScores {
            aa_truth: 0.5,
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
    let mut members = Vec::new();
    let mut attack = |m: &[f64], _: &[f64]| {
        members = m.to_vec();
        (0.5, None)
    };
    let validation = Validation {
        every: 5,
        patience: 0,
        n_samples: 40,
        state: SelectionState::new(SelectionRule::default(), Vec::new()),
        heldout: Some(&validation),
        score: &mut score,
        attack: Some(&mut attack),
    };
    let options = TrainOptions {
        reference: Some(&reference),
        private_allele_min_count: min_count,
        ..TrainOptions::new(dir)
    }
    .with_validation(validation);
    let summary = train(&fit, &config(10), options).unwrap();
    let checkpoint = Checkpoint::load(dir).unwrap();
    assert_eq!(summary.private_alleles, checkpoint.meta.private_alleles);
    (checkpoint, members)
}

/// Alternate alleles at `sites` among 4,000 AGs of `checkpoint`.
fn drawn(checkpoint: &Checkpoint, sites: &[usize]) -> usize {
    let options = GenerateOptions {
        n_haplotypes: 4_000,
        seed: 9,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let ags = generate(checkpoint, &options).unwrap().matrix;
    assert_eq!(ags.n_sites(), SITES, "sites are kept");
    sites
        .iter()
        .map(|&s| (0..ags.n_haplotypes()).filter(|&h| ags.get(h, s)).count())
        .sum()
}

#[test]
fn the_model_learns_the_reference_allele_there_and_selection_scores_true_haplotypes() {
    let dir = tempfile::tempdir().unwrap();
    let (masked, members) = trained(5, &dir.path().join("masked"));
    let (plain, _) = trained(0, &dir.path().join("plain"));
    assert_eq!(
        masked.meta.private_alleles,
        Some(PrivateAlleles {
            min_count: 5,
            sites: 5,
            // 1 + 2 + 3 training copies at sites 20–22; site 29's copy is a validation one.
            alleles: 6,
        })
    );
    assert_eq!(plain.meta.private_alleles, None);
    assert_eq!(masked.meta.sites.len(), SITES);
    // What the user gave is what model.json says it trained on (the mask is recorded apart).
    assert_eq!(masked.meta.training, plain.meta.training);

    // Sites 20–22: the training copies (expected 6/40 / (1 + W) × 4,000 ≈ 300 AGs unmasked)
    // are gone, every AG carries the reference allele there; sites 23–27 are still drawn.
    let (gone, kept) = ([20, 21, 22], [23, 24, 25, 26, 27]);
    let (masked_gone, plain_gone) = (drawn(&masked, &gone), drawn(&plain, &gone));
    assert!(
        plain_gone > 100,
        "unmasked: {plain_gone} AG alleles at sites 20-22"
    );
    assert_eq!(
        masked_gone, 0,
        "not modelled: {masked_gone} AG alleles at sites 20-22 against {plain_gone} modelled"
    );
    assert!(drawn(&masked, &kept) > 100, "sites 23-27 are learned");

    // The attack scored the training people as they are; not modelled, the sites change no
    // score, so the people as the model trained on them read the same.
    let fit = fit();
    let (_, truth) = haplotype_scores(&masked, &fit).unwrap().unwrap();
    let sites = private_allele_sites(&[&fit, &validation()], &reference(), 5).unwrap();
    let (as_trained, _) = mask_alleles(&fit, &sites);
    let (_, on_masked) = haplotype_scores(&masked, &as_trained).unwrap().unwrap();
    assert_eq!(members.len(), fit.n_haplotypes());
    for (h, ((m, t), a)) in members.iter().zip(&truth).zip(&on_masked).enumerate() {
        assert!(
            (m - t).abs() < 1e-3 * t.abs().max(1.0),
            "haplotype {h}: {m} vs {t}"
        );
        // Haplotypes 0–2 carry an allele the mask set to the reference one.
        assert!(
            (t - a).abs() < 1e-9 * t.abs().max(1.0),
            "haplotype {h}: true {t}, masked {a}"
        );
    }
}

#[test]
fn a_resume_with_another_count_is_refused_naming_both() {
    let (fit, reference) = (fit(), reference());
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let stop = AtomicBool::new(false);
    let run = |epochs, resume, min_count| {
        let options = TrainOptions {
            resume,
            reference: Some(&reference),
            private_allele_min_count: min_count,
            stop: Some(&stop),
            ..TrainOptions::new(&model)
        };
        train(&fit, &config(epochs), options)
    };
    run(2, false, 5).unwrap();
    for other in [0, 3] {
        let err = run(4, true, other).unwrap_err();
        assert!(matches!(err, Error::ResumeMismatch { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("--private-allele-min-count 5")
                && text.contains(&format!("resumed with {other}")),
            "{text}"
        );
    }
    let summary = run(4, true, 5).unwrap();
    assert_eq!(summary.epochs_done, 4);
    // Without the validation people: sites 20–23 (1–4 copies), 28 and 29 (none).
    assert_eq!(summary.private_alleles.map(|p| p.sites), Some(6));
}
