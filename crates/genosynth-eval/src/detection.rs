//! Distinguishability: a classifier two-sample test (Lopez-Paz & Oquab 2017). Classifiers learn
//! to tell AGs from real haplotypes the generator never saw (the holdout), and are scored by
//! cross-validated ROC AUC on people outside each fold: 0.5 when no learner can tell them
//! apart, 1 when every AG gives itself away.
//!
//! Both classes are subsampled (whole people, seeded) to the same size; folds keep a person's
//! haplotypes together. Features: allele dosages at up to [`MAX_SITE_FEATURES`] polymorphic
//! sites spread evenly along the chromosome, and the coordinates on the principal components
//! fitted on the training haplotypes (which neither class contains). A linear learner sees
//! shifted frequencies and population structure; the neighbour learner sees haplotype
//! structure (independent-sites AGs have the right frequencies but no real neighbours).

use genosynth_core::HaplotypeMatrix;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::align::subsample;
use crate::classifier::{Features, Learner, cross_validated_scores};
use crate::nan;
use crate::pca::PcaModel;
use crate::uncertainty::{REPLICATES, draw_people, interval};

/// Cross-validation folds.
pub const FOLDS: usize = 5;
/// Most sites used as features (evenly spread over the polymorphic ones).
pub const MAX_SITE_FEATURES: usize = 1000;
/// Most haplotypes per class (AGs, holdout): the test's cost stays bounded on biobank-size
/// inputs, and at this size the AUC's interval is about ±0.02.
pub const MAX_HAPLOTYPES_PER_CLASS: usize = 2000;
/// The learners, in report order.
pub const LEARNERS: [Learner; 2] = [Learner::Logistic { c: 1.0 }, Learner::Neighbours { k: 15 }];

/// One learner's cross-validated AUC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerAuc {
    /// `logistic_regression` or `nearest_neighbours`.
    pub name: String,
    /// The learner and its setting.
    pub learner: Learner,
    /// ROC AUC of its out-of-fold scores, AGs positive.
    #[serde(deserialize_with = "nan::deserialize")]
    pub auc: f64,
    /// 95% bootstrap interval over people (AGs and holdout people drawn).
    pub ci95: [f64; 2],
}

/// The classifier two-sample test (report.json's `detection`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionStats {
    /// The largest learner AUC: how well the better classifier tells AGs from unseen people.
    #[serde(deserialize_with = "nan::deserialize")]
    pub auc: f64,
    /// Its 95% interval.
    pub ci95: [f64; 2],
    /// The learner behind [`DetectionStats::auc`].
    pub best: String,
    /// Every learner.
    pub learners: Vec<LearnerAuc>,
    /// AG haplotypes classified.
    pub synthetic_haplotypes: usize,
    /// Holdout haplotypes classified.
    pub holdout_haplotypes: usize,
    /// Sites used as features.
    pub site_features: usize,
    /// Principal components used as features.
    pub pc_features: usize,
    /// Cross-validation folds.
    pub folds: usize,
}

/// Runs the test: AGs against the holdout, with the PCA fitted on train for the PC features.
pub fn detection_stats(
    holdout: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    pca: &PcaModel,
    seed: u64,
) -> DetectionStats {
    let per_class = holdout
        .n_haplotypes()
        .min(synthetic.n_haplotypes())
        .min(MAX_HAPLOTYPES_PER_CLASS);
    let h = subsample(holdout.clone(), per_class, seed.wrapping_add(1));
    let s = subsample(synthetic.clone(), per_class, seed.wrapping_add(2));
    let sites = feature_sites(&h, &s, MAX_SITE_FEATURES);
    let x = features(&[&s, &h], &sites, pca);
    let labels: Vec<bool> = (0..s.n_haplotypes() + h.n_haplotypes())
        .map(|i| i < s.n_haplotypes())
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(3));
    let mut folds = people_folds(&s, FOLDS, &mut rng);
    folds.extend(people_folds(&h, FOLDS, &mut rng));

    let learners: Vec<LearnerAuc> = LEARNERS
        .iter()
        .map(|&learner| {
            let scores = cross_validated_scores(&x, &labels, &folds, learner);
            let (pos, neg) = scores.split_at(s.n_haplotypes());
            let auc = roc_auc(pos, neg);
            let mut boot = ChaCha8Rng::seed_from_u64(seed.wrapping_add(4));
            let reps = (0..REPLICATES)
                .map(|_| {
                    let ws = draw_people(&s, &mut boot);
                    let wh = draw_people(&h, &mut boot);
                    weighted_roc_auc(pos, &ws, neg, &wh)
                })
                .collect();
            LearnerAuc {
                name: learner.name().into(),
                learner,
                auc,
                ci95: interval(reps),
            }
        })
        .collect();
    let best = learners
        .iter()
        .max_by(|a, b| a.auc.total_cmp(&b.auc))
        .expect("two learners");
    DetectionStats {
        auc: best.auc,
        ci95: best.ci95,
        best: best.name.clone(),
        site_features: sites.len(),
        pc_features: pca.components.len(),
        synthetic_haplotypes: s.n_haplotypes(),
        holdout_haplotypes: h.n_haplotypes(),
        folds: FOLDS,
        learners,
    }
}

/// Up to `max` sites polymorphic in the two sets together, evenly spread over them.
fn feature_sites(a: &HaplotypeMatrix, b: &HaplotypeMatrix, max: usize) -> Vec<usize> {
    let n = (a.n_haplotypes() + b.n_haplotypes()) as u32;
    let poly: Vec<usize> = a
        .allele_counts()
        .iter()
        .zip(b.allele_counts())
        .enumerate()
        .filter(|&(_, (x, y))| x + y > 0 && x + y < n)
        .map(|(i, _)| i)
        .collect();
    if poly.len() <= max {
        return poly;
    }
    (0..max).map(|i| poly[i * poly.len() / max]).collect()
}

/// Dosages at `sites` then PC coordinates, one row per haplotype of each set in turn.
pub(crate) fn features(sets: &[&HaplotypeMatrix], sites: &[usize], pca: &PcaModel) -> Features {
    let cols = sites.len() + pca.components.len();
    let mut values = Vec::new();
    for m in sets {
        let coords = pca.transform(m);
        for (h, pcs) in coords.iter().enumerate() {
            values.extend(sites.iter().map(|&s| f64::from(u8::from(m.get(h, s)))));
            values.extend(pcs);
        }
    }
    Features { values, cols }
}

/// Each haplotype's fold: people shuffled, then dealt round-robin.
fn people_folds(m: &HaplotypeMatrix, folds: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..m.samples().len()).collect();
    order.shuffle(rng);
    let mut fold_of = vec![0; order.len()];
    for (rank, &person) in order.iter().enumerate() {
        fold_of[person] = rank % folds;
    }
    m.haplotype_ids()
        .iter()
        .map(|id| fold_of[id.sample as usize])
        .collect()
}

/// ROC AUC with positives `pos` and negatives `neg`: `P(pos > neg) + ½ P(equal)`.
pub fn roc_auc(pos: &[f64], neg: &[f64]) -> f64 {
    weighted_roc_auc(pos, &vec![1.0; pos.len()], neg, &vec![1.0; neg.len()])
}

/// [`roc_auc`] with a weight per score (a bootstrap replicate's draw counts).
fn weighted_roc_auc(pos: &[f64], wp: &[f64], neg: &[f64], wn: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool, f64)> = pos
        .iter()
        .zip(wp)
        .map(|(&s, &w)| (s, true, w))
        .chain(neg.iter().zip(wn).map(|(&s, &w)| (s, false, w)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Walk groups of equal scores upwards: each positive beats the negatives below its group
    // and ties with half of those in it.
    let (mut below, mut wins, mut i) = (0.0, 0.0, 0);
    while i < all.len() {
        let j = i + all[i..].iter().take_while(|e| e.0 == all[i].0).count();
        let (mut p, mut q) = (0.0, 0.0);
        for e in &all[i..j] {
            if e.1 { p += e.2 } else { q += e.2 }
        }
        wins += p * (below + 0.5 * q);
        below += q;
        i = j;
    }
    let total = wp.iter().sum::<f64>() * wn.iter().sum::<f64>();
    wins / total.max(f64::MIN_POSITIVE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit_pca;
    use genosynth_core::test_util::TestPopulation;

    fn people(n: usize, seed: u64) -> HaplotypeMatrix {
        TestPopulation {
            people: n,
            ..TestPopulation::default()
        }
        .generate(seed)
    }

    /// Same seed, same figures; the classes are balanced by person; one person per class
    /// still gives a figure.
    #[test]
    fn balanced_reproducible_and_defined_down_to_one_person() {
        let (train, holdout, ags) = (people(60, 1), people(25, 2), people(40, 3));
        let pca = fit_pca(&train, 4, 1);
        let d = detection_stats(&holdout, &ags, &pca, 7);
        assert_eq!(d, detection_stats(&holdout, &ags, &pca, 7));
        assert_eq!((d.holdout_haplotypes, d.synthetic_haplotypes), (50, 50));
        assert_eq!(d.learners.len(), 2);
        assert!(d.learners.iter().all(|l| l.ci95[0] <= l.ci95[1]));
        let best = d.learners.iter().map(|l| l.auc).fold(f64::MIN, f64::max);
        assert_eq!(d.auc, best);
        let one = detection_stats(&people(1, 4), &people(1, 5), &pca, 7);
        assert!((0.0..=1.0).contains(&one.auc), "{one:?}");
    }

    #[test]
    fn auc_counts_ties_by_half() {
        assert_eq!(roc_auc(&[3.0, 2.0], &[1.0, 0.0]), 1.0);
        assert_eq!(roc_auc(&[0.0], &[1.0]), 0.0);
        assert_eq!(roc_auc(&[1.0, 1.0], &[1.0, 0.0]), 0.75);
        // A weight of 2 is the score listed twice.
        let w = weighted_roc_auc(&[1.0, 2.0], &[2.0, 1.0], &[1.5], &[1.0]);
        assert!((w - roc_auc(&[1.0, 1.0, 2.0], &[1.5])).abs() < 1e-12);
    }
}
