//! Privacy of artificial genomes: nearest-neighbour adversarial accuracy (AATS), distance to
//! closest record (DCR), nearest-neighbour distance ratio (NNDR), exact copies and a
//! distance-based membership-inference attack (ROC AUC, and the true-positive rate at low
//! false-positive rates, as Carlini et al. 2022 judge attacks).

use genosynth_core::HaplotypeMatrix;
use serde::{Deserialize, Serialize};

use crate::aats_plan::{Between, Planned, Within, aats_of, draws};
use crate::distance::PairScan;
use crate::stats::{mean, quantile};

use crate::aats::distances;
pub use crate::aats::{
    Aats, AatsOnce, MeanSd, NearestMedians, aats, aats_at_size, aats_from_distances, aats_reading,
};

/// ROC AUC of telling members (train) from non-members (holdout) by closeness to the nearest
/// AG: `P(d_member < d_nonmember) + ½ P(equal)`, as scikit-learn's `roc_auc_score` with score
/// `−distance`. 0.5 means the AGs do not reveal who was in the training set.
pub fn membership_auc(member_distances: &[u32], nonmember_distances: &[u32]) -> f64 {
    if member_distances.is_empty() || nonmember_distances.is_empty() {
        return f64::NAN;
    }
    let max = member_distances
        .iter()
        .chain(nonmember_distances)
        .copied()
        .max()
        .unwrap_or(0) as usize;
    let mut non = vec![0u64; max + 2];
    for &d in nonmember_distances {
        non[d as usize] += 1;
    }
    // greater[d] = non-members strictly farther than d.
    let mut greater = vec![0u64; max + 2];
    for d in (0..=max).rev() {
        greater[d] = greater[d + 1] + non[d + 1];
    }
    let wins: f64 = member_distances
        .iter()
        .map(|&d| greater[d as usize] as f64 + 0.5 * non[d as usize] as f64)
        .sum();
    wins / (member_distances.len() as f64 * nonmember_distances.len() as f64)
}

/// True-positive rate of the distance attack ("member" when an AG lies within distance t)
/// at the threshold that keeps the false-positive rate at or below `max_fpr`: the share of
/// members it exposes while wrongly accusing at most that share of non-members. A leak
/// confined to a few people shows here long before it moves the AUC. As scikit-learn's
/// `roc_curve(drop_intermediate=False)` read at the last point with FPR ≤ `max_fpr`. With n
/// non-members, rates below 1/n mean "no false positive at all".
pub fn membership_tpr_at_fpr(
    member_distances: &[u32],
    nonmember_distances: &[u32],
    max_fpr: f64,
) -> f64 {
    if member_distances.is_empty() || nonmember_distances.is_empty() {
        return f64::NAN;
    }
    let mut members = member_distances.to_vec();
    let mut non = nonmember_distances.to_vec();
    members.sort_unstable();
    non.sort_unstable();
    let (n_mem, n_non) = (members.len() as f64, non.len() as f64);
    // Thresholds at every distinct distance, ascending: rates only grow.
    let mut thresholds: Vec<u32> = members.iter().chain(&non).copied().collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    let mut best = 0.0;
    for t in thresholds {
        let fp = non.partition_point(|&d| d <= t) as f64;
        if fp / n_non > max_fpr {
            break;
        }
        best = members.partition_point(|&d| d <= t) as f64 / n_mem;
    }
    best
}

/// Summary of a distance distribution, with its histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistanceSummary {
    /// Number of values.
    pub n: usize,
    /// Mean.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub mean: f64,
    /// Median.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub median: f64,
    /// 1st percentile.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub p1: f64,
    /// 5th percentile.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub p5: f64,
    /// `histogram[d]` = values equal to `d`, up to the largest value.
    pub histogram: Vec<u64>,
}

impl DistanceSummary {
    /// Summarises integer distances.
    pub fn of(values: &[u32]) -> Self {
        let f: Vec<f64> = values.iter().map(|&v| v as f64).collect();
        let max = values.iter().copied().max().unwrap_or(0) as usize;
        let mut histogram = vec![0u64; if values.is_empty() { 0 } else { max + 1 }];
        for &v in values {
            histogram[v as usize] += 1;
        }
        Self {
            n: values.len(),
            mean: mean(&f),
            median: quantile(&f, 0.5),
            p1: quantile(&f, 0.01),
            p5: quantile(&f, 0.05),
            histogram,
        }
    }
}

/// Distance to closest record and related measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DcrStats {
    /// Each AG's Hamming distance to its nearest training haplotype.
    pub to_train: DistanceSummary,
    /// Each AG's distance to its nearest holdout haplotype (with a holdout).
    pub to_holdout: Option<DistanceSummary>,
    /// median(DCR to train) / median(DCR to holdout); < 1 means AGs sit closer to the
    /// training data than to unseen real data.
    pub median_ratio: Option<f64>,
    /// Real reference distances: each holdout haplotype's distance to its nearest training
    /// haplotype, or without a holdout each training haplotype's distance to its nearest other
    /// training haplotype.
    pub reference: DistanceSummary,
    /// Which reference was used: `holdout_to_train` or `train_leave_one_out`.
    pub reference_kind: String,
    /// Share of AGs closer to a training haplotype than the reference's 1st percentile.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub share_below_reference_p1: f64,
    /// Share of AGs closer to a training haplotype than the reference's 5th percentile.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub share_below_reference_p5: f64,
    /// Median over AGs of nearest / second-nearest training distance (NNDR; 1 when both are 0).
    /// Values near 0 mean an AG is much closer to one training haplotype than to any other.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub nndr_median: f64,
}

/// Exact copies of real haplotypes among the AGs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExactCopies {
    /// AGs identical to some training haplotype.
    pub synthetic_copies: usize,
    /// Their share of all AGs.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub synthetic_share: f64,
    /// Base rate among real data: share of holdout haplotypes identical to a training one, or
    /// without a holdout share of training haplotypes with an identical twin in training.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub base_share: f64,
}

/// Everything about privacy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyStats {
    /// AATS of train vs AGs.
    pub aats_train: Aats,
    /// AATS of holdout vs AGs (with a holdout).
    pub aats_holdout: Option<Aats>,
    /// AATS(holdout, AGs) − AATS(train, AGs), both at the size of the smaller of the two real
    /// sets; > 0 means AGs resemble the training data more than unseen real data (Yelmen et
    /// al.'s privacy loss).
    pub privacy_loss: Option<f64>,
    /// AATS of train vs AGs with both subsampled to the holdout's size (or the training set's,
    /// when the holdout is larger): the training side of privacy loss (with a holdout).
    pub aats_train_at_holdout_size: Option<Aats>,
    /// AATS of holdout vs AGs with both subsampled to the training set's size: the holdout
    /// side of privacy loss when the holdout is larger than the training set (small training
    /// sets judged on many unseen people); otherwise `aats_holdout` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aats_holdout_at_train_size: Option<Aats>,
    /// Reference AATS of holdout vs train: what real unseen data scores (with a holdout).
    pub aats_holdout_vs_train: Option<Aats>,
    /// Distance to closest record.
    pub dcr: DcrStats,
    /// Exact copies.
    pub exact_copies: ExactCopies,
    /// Membership-inference ROC AUC (with a holdout): 0.5 = no leak.
    pub membership_auc: Option<f64>,
    /// True-positive rate of the same attack at a false-positive rate of 1% (with a holdout of
    /// at least 100 haplotypes; fewer cannot resolve 1%): 0.01 = no leak.
    pub membership_tpr_at_1pct_fpr: Option<f64>,
    /// The same at 0.1% (with at least 1,000 holdout haplotypes).
    pub membership_tpr_at_0_1pct_fpr: Option<f64>,
    /// Non-members (holdout haplotypes) the distance attack scored, which bound the
    /// false-positive rates it resolves (with a holdout).
    #[serde(default)]
    pub membership_non_members: Option<usize>,
    /// The likelihood attack (training vs holdout people scored by the model), when the caller
    /// has the model ([`crate::score_attack`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likelihood_attack: Option<crate::ScoreAttack>,
}

/// Precomputed streamed passes the privacy measures are read from.
#[derive(Debug, Clone)]
pub struct Passes {
    /// Within train.
    pub train: PairScan,
    /// Within synthetic.
    pub synthetic: PairScan,
    /// Train (first) × synthetic (second).
    pub train_synthetic: PairScan,
    /// Within holdout, holdout × synthetic and holdout × train (with a holdout).
    pub holdout: Option<HoldoutPasses>,
    /// AATS found in the passes.
    pub aats: PassesAats,
    /// The repeats behind privacy loss (with a holdout), for its bootstrap interval.
    pub(crate) loss_repeats: Option<crate::uncertainty::LossRepeats>,
}

/// Passes involving the holdout.
#[derive(Debug, Clone)]
pub struct HoldoutPasses {
    /// Within holdout.
    pub holdout: PairScan,
    /// Holdout (first) × synthetic (second).
    pub holdout_synthetic: PairScan,
    /// Holdout (first) × train (second).
    pub holdout_train: PairScan,
}

/// AATS of the evaluation, found in the passes.
#[derive(Debug, Clone, Copy)]
pub struct PassesAats {
    /// Train against the AGs (subsampled to the smaller set when sizes differ).
    pub train: Aats,
    /// Train against the AGs at the smaller real set's size (with a holdout).
    pub train_matched: Option<Aats>,
    /// Holdout against the AGs (with a holdout).
    pub holdout: Option<Aats>,
    /// Holdout against the AGs at the training set's size, when the holdout is larger.
    pub holdout_matched: Option<Aats>,
    /// Train against the holdout standing in for AGs: how unseen real data scores.
    pub holdout_vs_train: Option<Aats>,
}

/// Runs every pass privacy and the pairwise-distance figures need: one pass per pair of sets,
/// which also finds the nearest distances of every subsampled AATS repeat (`repeats` draws,
/// seeded by `seed`), so no pair of haplotypes is compared twice.
pub fn passes(
    train: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    holdout: Option<&HaplotypeMatrix>,
    repeats: usize,
    seed: u64,
) -> Passes {
    let (nt, ns) = (train.n_haplotypes(), synthetic.n_haplotypes());
    let nh = holdout.map(HaplotypeMatrix::n_haplotypes);
    let (mut w_t, mut w_s, mut w_h) = (Within::default(), Within::default(), Within::default());
    let (mut b_ts, mut b_hs, mut b_ht) =
        (Between::default(), Between::default(), Between::default());
    let plan = |nr: usize, n_s: usize, size: usize, seed: u64| {
        let size = size.min(nr).min(n_s);
        (draws(nr, n_s, size, repeats, seed), size)
    };
    let (d, size) = plan(nt, ns, nt.min(ns), seed);
    let train_plan = Planned::new(d, size, &mut w_t, &mut w_s, &mut b_ts, false);
    let holdout_plans = nh.map(|nh| {
        // Both sides of privacy loss at the smaller real set's size (see `aats_at_size`):
        // AATS depends on the set size.
        let m = nh.min(nt);
        let (d, size) = plan(nt, ns, m, seed.wrapping_add(3));
        let matched = Planned::new(d, size, &mut w_t, &mut w_s, &mut b_ts, false);
        let (d, size) = plan(nh, ns, nh.min(ns), seed.wrapping_add(1));
        let holdout = Planned::new(d, size, &mut w_h, &mut w_s, &mut b_hs, false);
        let holdout_matched = (m < nh).then(|| {
            let (d, size) = plan(nh, ns, m, seed.wrapping_add(4));
            Planned::new(d, size, &mut w_h, &mut w_s, &mut b_hs, false)
        });
        // The holdout plays the "synthetic" role; its pass with train has it first.
        let (d, size) = plan(nt, nh, nt.min(nh), seed.wrapping_add(2));
        let vs_train = Planned::new(d, size, &mut w_t, &mut w_h, &mut b_ht, true);
        (matched, holdout, holdout_matched, vs_train)
    });
    let (t_scan, s_scan) = (w_t.scan(train), w_s.scan(synthetic));
    let ts_scan = b_ts.scan(train, synthetic);
    let holdout_scans = holdout.map(|h| HoldoutPasses {
        holdout: w_h.scan(h),
        holdout_synthetic: b_hs.scan(h, synthetic),
        holdout_train: b_ht.scan(h, train),
    });
    let mut aats = PassesAats {
        train: train_plan.aats(&t_scan, &s_scan, &ts_scan),
        train_matched: None,
        holdout: None,
        holdout_matched: None,
        holdout_vs_train: None,
    };
    let mut loss_repeats = None;
    if let (Some((matched, on_holdout, holdout_matched, vs_train)), Some(p)) =
        (holdout_plans, &holdout_scans)
    {
        let train_side = matched.repeats(&t_scan, &s_scan, &ts_scan);
        aats.train_matched = Some(aats_of(matched.size(), &train_side));
        let holdout_side = |plan: &Planned| {
            let repeats = plan.repeats(&p.holdout, &s_scan, &p.holdout_synthetic);
            (aats_of(plan.size(), &repeats), repeats)
        };
        let (on_holdout, whole) = holdout_side(&on_holdout);
        aats.holdout = Some(on_holdout);
        let matched = holdout_matched.map(|m| holdout_side(&m));
        aats.holdout_matched = matched.as_ref().map(|(a, _)| *a);
        aats.holdout_vs_train = Some(vs_train.aats(&t_scan, &p.holdout, &p.holdout_train));
        // Privacy loss compares these two sides (the holdout's at the training set's size
        // when it is larger).
        loss_repeats = Some(crate::uncertainty::LossRepeats {
            train: train_side,
            holdout: matched.map_or(whole, |(_, r)| r),
        });
    }
    Passes {
        train: t_scan,
        synthetic: s_scan,
        train_synthetic: ts_scan,
        holdout: holdout_scans,
        aats,
        loss_repeats,
    }
}

/// Computes every privacy measure from the passes.
pub fn privacy_stats(passes: &Passes) -> PrivacyStats {
    let PassesAats {
        train: aats_train,
        train_matched: aats_train_matched,
        holdout: aats_holdout,
        holdout_matched: aats_holdout_matched,
        holdout_vs_train: aats_holdout_vs_train,
    } = passes.aats;
    let dcr_train = distances(&passes.train_synthetic.second);
    let reference: Vec<u32> = match &passes.holdout {
        Some(p) => distances(&p.holdout_train.first),
        None => distances(&passes.train.first),
    };
    let reference_summary = DistanceSummary::of(&reference);
    let below = |q: f64| {
        dcr_train.iter().filter(|&&d| (d as f64) < q).count() as f64 / dcr_train.len().max(1) as f64
    };
    let nndr: Vec<f64> = passes
        .train_synthetic
        .second
        .iter()
        .map(|n| {
            if n.second == 0 || n.second == u32::MAX {
                1.0
            } else {
                n.distance as f64 / n.second as f64
            }
        })
        .collect();
    let to_holdout = passes
        .holdout
        .as_ref()
        .map(|p| DistanceSummary::of(&distances(&p.holdout_synthetic.second)));
    let to_train = DistanceSummary::of(&dcr_train);
    let median_ratio = to_holdout.as_ref().map(|h| to_train.median / h.median);
    let copies = dcr_train.iter().filter(|&&d| d == 0).count();
    let base_share =
        reference.iter().filter(|&&d| d == 0).count() as f64 / reference.len().max(1) as f64;
    let attack = passes.holdout.as_ref().map(|p| {
        (
            distances(&passes.train_synthetic.first),
            distances(&p.holdout_synthetic.first),
        )
    });
    let attack = attack.as_ref();
    let membership = attack.map(|(m, n)| membership_auc(m, n));
    let tpr_at = |fpr: f64| {
        attack
            .filter(|(_, n)| genosynth_core::resolvable(n.len(), fpr))
            .map(|(m, n)| membership_tpr_at_fpr(m, n, fpr))
    };
    PrivacyStats {
        privacy_loss: aats_holdout_matched
            .as_ref()
            .or(aats_holdout.as_ref())
            .zip(aats_train_matched.as_ref())
            .map(|(h, t)| h.aats.mean - t.aats.mean),
        aats_train_at_holdout_size: aats_train_matched,
        aats_holdout_at_train_size: aats_holdout_matched,
        aats_train,
        aats_holdout,
        aats_holdout_vs_train,
        dcr: DcrStats {
            share_below_reference_p1: below(reference_summary.p1),
            share_below_reference_p5: below(reference_summary.p5),
            to_train,
            to_holdout,
            median_ratio,
            reference: reference_summary,
            reference_kind: if passes.holdout.is_some() {
                "holdout_to_train".into()
            } else {
                "train_leave_one_out".into()
            },
            nndr_median: quantile(&nndr, 0.5),
        },
        exact_copies: ExactCopies {
            synthetic_copies: copies,
            synthetic_share: copies as f64 / dcr_train.len().max(1) as f64,
            base_share,
        },
        membership_auc: membership,
        membership_tpr_at_1pct_fpr: tpr_at(0.01),
        membership_tpr_at_0_1pct_fpr: tpr_at(0.001),
        membership_non_members: attack.map(|(_, n)| n.len()),
        likelihood_attack: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};
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
        let stats =
            |ags: &HaplotypeMatrix| privacy_stats(&passes(&train, ags, Some(&holdout), 3, 1));
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
    fn auc_counts_ties_as_half() {
        assert_eq!(membership_auc(&[0, 0], &[5, 5]), 1.0);
        assert_eq!(membership_auc(&[5], &[0]), 0.0);
        assert_eq!(membership_auc(&[3, 3], &[3, 3]), 0.5);
        assert!((membership_auc(&[1, 4], &[2, 4]) - 0.625).abs() < 1e-12);
    }

    #[test]
    fn tpr_at_low_fpr_counts_members_exposed_before_the_first_false_accusation() {
        // 100 non-members at distances 10..110; members: 5 copies (0) and 95 like non-members.
        let non: Vec<u32> = (10..110).collect();
        let mut mem = vec![0u32; 5];
        mem.extend(15..110);
        // FPR ≤ 1%: threshold 10 (one non-member) exposes the 5 copies only.
        assert_eq!(membership_tpr_at_fpr(&mem, &non, 0.01), 0.05);
        // FPR 0: threshold below 10, still the 5 copies.
        assert_eq!(membership_tpr_at_fpr(&mem, &non, 0.001), 0.05);
        // FPR ≤ 10%: threshold 19 exposes the copies and 15..=19.
        assert_eq!(membership_tpr_at_fpr(&mem, &non, 0.1), 0.10);
        assert_eq!(membership_tpr_at_fpr(&mem, &non, 1.0), 1.0);
        // Members no closer than non-members: nothing below the first non-member.
        assert_eq!(membership_tpr_at_fpr(&non, &non, 0.001), 0.0);
        assert!(membership_tpr_at_fpr(&[], &non, 0.01).is_nan());
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
}
