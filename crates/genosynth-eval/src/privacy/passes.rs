//! The all-pairs passes the privacy measures are read from: one per pair of sets, each also
//! finding the nearest distances of every subsampled AATS repeat planned on it.

use genosynth_core::HaplotypeMatrix;

use crate::aats::Aats;
use crate::aats_plan::{Between, Planned, Repeat, Within, aats_of, draws};
use crate::distance::PairScan;

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
    /// The repeats behind `aats.train`, for the bootstrap intervals of its two halves.
    pub(crate) train_repeats: Vec<Repeat>,
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
    let train_repeats = train_plan.repeats(&t_scan, &s_scan, &ts_scan);
    let mut aats = PassesAats {
        train: aats_of(train_plan.size(), &train_repeats),
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
        train_repeats,
        loss_repeats,
    }
}
