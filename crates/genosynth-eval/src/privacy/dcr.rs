//! Distance to closest record (DCR), nearest-neighbour distance ratio (NNDR) and exact
//! copies, read from the passes' nearest neighbours.

use serde::{Deserialize, Serialize};

use super::passes::Passes;
use crate::aats::distances;
use crate::stats::{mean, quantile};

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

/// DCR and exact copies of the AGs, against the holdout's (or without one, the training
/// set's own) distances as the real reference.
pub(super) fn closest_records(passes: &Passes) -> (DcrStats, ExactCopies) {
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
    let dcr = DcrStats {
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
    };
    let copies = ExactCopies {
        synthetic_copies: copies,
        synthetic_share: copies as f64 / dcr_train.len().max(1) as f64,
        base_share,
    };
    (dcr, copies)
}
