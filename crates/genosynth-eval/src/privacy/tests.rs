use super::*;
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Haplotypes descended from a few founders with mutations: real-looking structure
/// (clusters, shared segments) without reading files.
fn population(n: usize, sites: usize, seed: u64) -> HaplotypeMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let founders: Vec<Vec<u8>> = (0..6)
        .map(|_| (0..sites).map(|_| rng.random_bool(0.3) as u8).collect())
        .collect();
    let mut v = Vec::with_capacity(n * sites);
    for _ in 0..n {
        let f = &founders[rng.random_range(0..founders.len())];
        v.extend(f.iter().map(|&a| a ^ rng.random_bool(0.08) as u8));
    }
    let s: Sites = (1..=sites as u64)
        .map(|p| Site::new("1", p, "A", "G"))
        .collect();
    HaplotypeMatrix::from_dense_u8(&v, s, Sample::numbered("h", n, Ploidy::Haploid)).unwrap()
}

/// A perfect generator (AGs drawn like the real people) leaks nothing, whatever the set
/// sizes: privacy loss compares AATS at equal sizes.
#[test]
fn a_perfect_generator_has_no_privacy_loss_with_a_small_holdout() {
    let (sites, seed) = (300, 11);
    let everyone = population(3000, sites, seed);
    let rows =
        |r: std::ops::Range<usize>| everyone.select_haplotypes(&r.collect::<Vec<_>>()).unwrap();
    let (train, holdout, ags) = (rows(0..1600), rows(1600..2000), rows(2000..3000));
    let p = privacy_stats(&passes(&train, &ags, Some(&holdout), 10, 5));
    let loss = p.privacy_loss.unwrap();
    assert!(loss.abs() < 0.02, "privacy loss {loss}");
    assert_eq!(p.aats_train_at_holdout_size.unwrap().set_size, 400);
    assert!(p.aats_holdout_at_train_size.is_none());
}

/// A small training set judged on many unseen people: the holdout side is drawn down to
/// the training set's size too. AGs drawn site by site at the population's frequencies
/// leak nothing, but their AATS depends on the set size: the holdout's AATS at 1,000
/// haplotypes against the training set's at 60 reads a loss that is not there. Averaged
/// over 12 training sets, as one set of 60 is itself noisy (about ±0.03).
#[test]
fn privacy_loss_with_a_holdout_larger_than_the_training_set_compares_equal_sizes() {
    let (sites, seed, sets) = (300, 13, 12);
    let everyone = population(60 * sets + 1000, sites, seed);
    let rows =
        |r: std::ops::Range<usize>| everyone.select_haplotypes(&r.collect::<Vec<_>>()).unwrap();
    let holdout = rows(0..1000);
    let dense = everyone.to_dense_u8();
    let n = everyone.n_haplotypes();
    let freq: Vec<f64> = (0..sites)
        .map(|j| (0..n).map(|i| f64::from(dense[i * sites + j])).sum::<f64>() / n as f64)
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let drawn: Vec<u8> = (0..1100 * sites)
        .map(|k| rng.random_bool(freq[k % sites]) as u8)
        .collect();
    let ags = HaplotypeMatrix::from_dense_u8(
        &drawn,
        everyone.sites().clone(),
        Sample::numbered("ag", 1100, Ploidy::Haploid),
    )
    .unwrap();
    let (mut matched, mut unmatched) = (0.0, 0.0);
    for k in 0..sets {
        let train = rows(1000 + 60 * k..1060 + 60 * k);
        let p = privacy_stats(&passes(&train, &ags, Some(&holdout), 10, k as u64));
        let (t, h) = (
            p.aats_train_at_holdout_size.unwrap(),
            p.aats_holdout_at_train_size.unwrap(),
        );
        assert_eq!((t.set_size, h.set_size), (60, 60));
        matched += p.privacy_loss.unwrap() / sets as f64;
        unmatched += (p.aats_holdout.unwrap().aats.mean - t.aats.mean) / sets as f64;
    }
    assert!(
        matched.abs() < 0.025 && unmatched > matched + 0.03,
        "privacy loss {matched}, with the holdout at its own size {unmatched}"
    );
}

/// AGs that copy a fifth of the training people expose them all at low false-positive
/// rates; AGs drawn like the real people expose nobody.
#[test]
fn low_fpr_tpr_exposes_a_copied_minority() {
    let (sites, seed) = (300, 5);
    let everyone = population(2500, sites, seed);
    let rows =
        |r: std::ops::Range<usize>| everyone.select_haplotypes(&r.collect::<Vec<_>>()).unwrap();
    let (train, holdout) = (rows(0..1000), rows(1000..1500));
    let fresh = rows(1500..2500);
    let mut mixed: Vec<usize> = (0..200).collect(); // copies of 200 training haplotypes
    mixed.extend(1700..2500); // and 800 fresh ones
    let leaky = everyone.select_haplotypes(&mixed).unwrap();
    let stats = |ags: &HaplotypeMatrix| privacy_stats(&passes(&train, ags, Some(&holdout), 3, 1));
    let (good, bad) = (stats(&fresh), stats(&leaky));
    let tpr = |p: &PrivacyStats| p.membership_tpr_at_1pct_fpr.unwrap();
    assert!(tpr(&good) < 0.03, "fresh AGs expose {}", tpr(&good));
    assert!(tpr(&bad) >= 0.2, "copies expose only {}", tpr(&bad));
    // 500 holdout haplotypes cannot resolve 0.1%: no number is made up for it.
    assert_eq!(bad.membership_non_members, Some(500));
    assert_eq!(bad.membership_tpr_at_0_1pct_fpr, None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every AG sits on a training haplotype: the worst leak scores exactly 0.
    #[test]
    fn aats_against_an_exact_copy_is_zero(n in 2usize..60, sites in 1usize..200, seed in any::<u64>()) {
        let real = population(n, sites, seed);
        let a = aats(&real, &real.clone(), 3, seed, None);
        prop_assert_eq!(a.aa_truth.mean, 0.0);
        prop_assert_eq!(a.aa_syn.mean, 0.0);
        prop_assert_eq!(a.aats.mean, 0.0);
    }

    /// Allele frequencies are the column means of the dense matrix.
    #[test]
    fn allele_frequencies_are_column_means(n in 1usize..50, sites in 1usize..150, seed in any::<u64>()) {
        let m = population(n, sites, seed);
        let dense = m.to_dense_u8();
        let af = crate::allele_frequency_stats(&m, &m);
        for s in 0..sites {
            let mean = (0..n).map(|h| dense[h * sites + s] as f64).sum::<f64>() / n as f64;
            prop_assert!((af.reference[s] - mean).abs() < 1e-12);
        }
    }
}

/// Two random halves of one population are each other's perfect generator: AATS ≈ 0.5
/// once ties count ½ (strict ">" counts ties as 0, so plain AATS sits below 0.5 by about
/// half the tie rate), with equal sizes and with unequal ones (subsampled repeats).
#[test]
fn random_halves_of_one_population_score_near_one_half() {
    let m = population(600, 300, 11);
    let mut idx: Vec<usize> = (0..600).collect();
    rand::seq::SliceRandom::shuffle(idx.as_mut_slice(), &mut ChaCha8Rng::seed_from_u64(2));
    let a = m.select_haplotypes(&idx[..300]).unwrap();
    let b = m.select_haplotypes(&idx[300..]).unwrap();
    let c = m.select_haplotypes(&idx[300..500]).unwrap();
    for (result, repeats) in [(aats(&a, &b, 1, 1, None), 1), (aats(&a, &c, 5, 1, None), 5)] {
        assert_eq!(result.repeats, repeats);
        assert!(
            (result.aats_ties_half.mean - 0.5).abs() < 0.06,
            "{result:?}"
        );
        let expected_strict = result.aats_ties_half.mean - result.tie_rate.mean / 2.0;
        assert!(
            (result.aats.mean - expected_strict).abs() < 1e-9,
            "{result:?}"
        );
    }
    assert!(aats(&a, &c, 5, 1, None).aats.sd > 0.0);
}

#[test]
fn aats_of_hand_made_distances() {
    let a = aats_from_distances(&[1, 1], &[2, 2], &[2, 1], &[1, 3]);
    assert_eq!(a.aa_truth, 0.5);
    assert_eq!(a.aa_syn, 0.5);
    assert_eq!(a.tie_rate, 0.25);
    assert!((a.aats_ties_half - 0.625).abs() < 1e-12);
}

#[test]
fn the_two_halves_tell_copies_collapse_and_noise_apart() {
    // (d_TT, d_SS, d_TS, d_ST) per haplotype.
    let reading = |tt: u32, ss: u32, ts: u32, st: u32| {
        let a = aats_from_distances(&[tt; 4], &[ss; 4], &[ts; 4], &[st; 4]);
        aats_reading(a.aa_truth, a.aa_syn)
    };
    // Every AG is a training haplotype.
    assert!(reading(5, 5, 0, 0).starts_with("AGs sit on real haplotypes"));
    // Every AG is the same haplotype, unlike any real one.
    assert!(reading(5, 0, 9, 9).starts_with("AGs cluster among themselves"));
    // AGs far from everything, farther from each other (independent sites, an RBM's noise).
    assert!(reading(5, 12, 9, 8).starts_with("AGs lie away from real haplotypes"));
    // AGs packed together among the real ones (a GAN's typical haplotypes).
    assert!(reading(8, 5, 6, 7).starts_with("AGs are nearer to each other, and to real"));
    let a = aats_from_distances(&[4, 6], &[11, 13], &[8, 10], &[7, 9]);
    assert_eq!(
        a.nearest_median,
        NearestMedians {
            real_to_real: 5.0,
            real_to_synthetic: 9.0,
            synthetic_to_real: 8.0,
            synthetic_to_synthetic: 12.0,
        }
    );
    let mixed = aats_from_distances(&[1, 1], &[2, 2], &[2, 1], &[1, 3]);
    assert!(aats_reading(mixed.aa_truth, mixed.aa_syn).starts_with("AGs are as near"));
}
