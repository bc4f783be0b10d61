//! Privacy of artificial genomes: nearest-neighbour adversarial accuracy (AATS), distance to
//! closest record (DCR), nearest-neighbour distance ratio (NNDR), exact copies and a
//! distance-based membership-inference attack (ROC AUC, and the true-positive rate at low
//! false-positive rates, as Carlini et al. 2022 judge attacks).

mod dcr;
mod membership;
mod passes;

use serde::{Deserialize, Serialize};

use crate::aats::distances;
pub use crate::aats::{
    Aats, AatsOnce, MeanSd, NearestMedians, aats, aats_at_size, aats_from_distances, aats_reading,
};
pub use dcr::{DcrStats, DistanceSummary, ExactCopies};
pub use membership::{membership_auc, membership_tpr_at_fpr};
pub use passes::{HoldoutPasses, Passes, PassesAats, passes};

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

/// Computes every privacy measure from the passes.
pub fn privacy_stats(passes: &Passes) -> PrivacyStats {
    let PassesAats {
        train: aats_train,
        train_matched: aats_train_matched,
        holdout: aats_holdout,
        holdout_matched: aats_holdout_matched,
        holdout_vs_train: aats_holdout_vs_train,
    } = passes.aats;
    let (dcr, exact_copies) = dcr::closest_records(passes);
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
        dcr,
        exact_copies,
        membership_auc: membership,
        membership_tpr_at_1pct_fpr: tpr_at(0.01),
        membership_tpr_at_0_1pct_fpr: tpr_at(0.001),
        membership_non_members: attack.map(|(_, n)| n.len()),
        likelihood_attack: None,
    }
}

#[cfg(test)]
mod tests;
