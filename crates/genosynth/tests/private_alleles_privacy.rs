//! Issue #31's small-stratum leak, end to end on simulated strata: 40 people of a population
//! whose people each carry a few rare alleles no reference person has (as the simulated
//! chromosomes' strata do, docs/privacy.md "Weights beyond the ladder"). The HCLT with a
//! reference (`auto` weight, checkpoint chosen on validation people) learns those alleles and
//! its likelihood attack reads its training people apart from test people nothing trained or
//! chose on; with `--private-allele-min-count 5` it does not model their sites and the
//! attack reads within the 0.60 bound (the mean of three strata).

use std::sync::atomic::AtomicBool;

use genosynth::{Event, ReferenceWeight, Selection, TrainJob, ValidationSplit, likelihood_attack};
use genosynth_core::test_util::{TestPopulation, figure, test_seed};
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_models::{Checkpoint, DeviceChoice, HcltParams, ModelParams, TrainConfig};

/// People of the stratum: trained on, validation, test; and reference people.
const TRAINED: usize = 32;
const VALIDATION: usize = 8;
const TEST: usize = 200;
const REFERENCE: usize = 100;
/// Sites where only the stratum's people carry an alternate allele, and how often a
/// haplotype carries each: about 12 such alleles a haplotype, almost every site fewer than 5 copies, most sites with 0–2 copies.
const PRIVATE_SITES: usize = 2_000;
const PRIVATE_RATE: f64 = 0.006;

/// SplitMix64: a uniform draw in [0, 1) for the private alleles (the common sites come from
/// `TestPopulation`'s ChaCha stream).
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The stratum's people (trained, validation and test, in that order) and the reference
/// people, drawn with `seed`: one population at 60 common sites, the stratum's people with
/// private alleles besides.
fn draw(seed: u64) -> (HaplotypeMatrix, HaplotypeMatrix) {
    let stratum = TRAINED + VALIDATION + TEST;
    let common = TestPopulation {
        people: stratum + REFERENCE,
        blocks: 20,
        block_size: 3,
        founders: 6,
        mutation_rate: 0.0,
        ..TestPopulation::default()
    }
    .generate(seed);
    let n_common = common.n_sites();
    let sites: Sites = common
        .sites()
        .as_slice()
        .iter()
        .cloned()
        .chain((0..PRIVATE_SITES as u64).map(|i| Site::new("1", 1_000_000 + 10 * i, "C", "T")))
        .collect();
    let mut state = seed ^ 0x5EED;
    let mut values = |haplotypes: std::ops::Range<usize>, private: bool| {
        let mut v = Vec::new();
        for h in haplotypes {
            v.extend((0..n_common).map(|s| u8::from(common.get(h, s))));
            v.extend(
                (0..PRIVATE_SITES).map(|_| u8::from(private && uniform(&mut state) < PRIVATE_RATE)),
            );
        }
        v
    };
    let people = values(0..2 * stratum, true);
    let others = values(2 * stratum..2 * (stratum + REFERENCE), false);
    let matrix = |v: &[u8], prefix: &str, n: usize| {
        HaplotypeMatrix::from_dense_u8(
            v,
            sites.clone(),
            Sample::numbered(prefix, n, Ploidy::Diploid),
        )
        .unwrap()
    };
    (
        matrix(&people, "S", stratum),
        matrix(&others, "R", REFERENCE),
    )
}

/// The likelihood-attack AUC on the test people of the HCLT `synth` would train on the
/// stratum drawn with `seed` (reference weight `auto`, checkpoint chosen on the validation
/// people), masking private alleles below `min_count`.
fn test_auc(seed: u64, min_count: usize) -> f64 {
    let (people, reference) = draw(seed);
    let pick = |from: usize, n: usize| {
        people
            .select_samples(&(from..from + n).collect::<Vec<_>>())
            .unwrap()
    };
    let split = ValidationSplit {
        fit: pick(0, TRAINED),
        validation: pick(TRAINED, VALIDATION),
    };
    let test = pick(TRAINED + VALIDATION, TEST);
    let config = TrainConfig {
        model: ModelParams::Hclt(HcltParams::default()),
        epochs: 30,
        seed,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
    let selection = Selection {
        every: 6,
        ..Selection::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    let job = TrainJob {
        config: &config,
        dir: &model,
        resume: false,
        labels: None,
        heldout_labels: None,
        selection: Some((&split, &selection)),
        reference: Some(&reference),
        reference_weight: ReferenceWeight::Auto,
        weight_folds: 0,
        private_allele_min_count: min_count,
    };
    genosynth::train(
        &split.fit,
        &job,
        &mut |_: Event<'_>| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let checkpoint = Checkpoint::load_selected(&model).unwrap();
    let masked = checkpoint
        .meta
        .private_alleles
        .as_ref()
        .map_or(0, |p| p.sites);
    assert_eq!(
        masked > 0,
        min_count > 0,
        "{masked} sites masked at {min_count}"
    );
    let attack = likelihood_attack(&checkpoint, &split.fit, &test, seed)
        .unwrap()
        .unwrap();
    figure(
        &format!("test likelihood AUC, min count {min_count}"),
        attack.auc,
    );
    attack.auc
}

#[test]
fn a_stratum_that_leaks_through_its_private_alleles_passes_with_them_masked() {
    // Three strata: with 32 members the AUC of one has a standard deviation of about 0.05.
    // The three strata at each of GENOSYNTH_TEST_SEED 0-7 (24, 200 test people) with the
    // sites not modelled: 0.78-0.92 without, 0.38-0.60 with (means of three 0.44-0.55),
    // each falling by 0.20-0.48. Not modelled, the sites no longer add each person's
    // penalties at them, which hid part of the common sites' memorisation: the masked-only
    // design of 4f0ae88 read 0.43-0.62 on seeds 0, 3 and 7 (mean 0.49, new 0.54).
    let mut masked_sum = 0.0;
    for k in 0..3 {
        let seed = test_seed(7) + k;
        let leaking = test_auc(seed, 0);
        let masked = test_auc(seed, 5);
        assert!(
            leaking > 0.7,
            "seed {seed} without the mask: test likelihood AUC {leaking}"
        );
        assert!(
            masked < leaking - 0.15,
            "seed {seed}: the mask took the AUC from {leaking} to {masked} only"
        );
        masked_sum += masked;
    }
    let mean = masked_sum / 3.0;
    assert!(
        mean <= 0.6,
        "with the mask: mean test likelihood AUC {mean}"
    );
}
