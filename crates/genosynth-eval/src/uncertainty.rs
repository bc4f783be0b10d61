//! 95% bootstrap intervals over people for the privacy figures: each replicate draws training,
//! holdout and AG samples (whole people, with replacement) and recomputes each figure from the
//! per-haplotype values already measured (nearest-neighbour distances, longest segments), which
//! stay fixed: a duplicated person would otherwise be its own nearest neighbour. Privacy loss
//! and AATS's two halves are recomputed as they are reported, at equal set sizes repeat by
//! repeat: at the whole sets' sizes a set much larger than the other reads every nearest
//! haplotype as one of its own whatever is drawn (a holdout for privacy loss, the training
//! set for AA_truth and AA_syn), and the interval collapsed onto the reported value.

use genosynth_core::HaplotypeMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::aats_plan::Repeat;
use crate::stats::quantile;

/// Bootstrap replicates.
pub const REPLICATES: usize = 200;

/// 95% intervals (2.5th and 97.5th percentiles of the replicates) of the privacy figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intervals {
    /// Replicates drawn.
    pub replicates: usize,
    /// `privacy.aats_train.aa_truth` (training people and AG samples drawn), each replicate
    /// over the reported equal-size repeats.
    pub aa_truth: [f64; 2],
    /// `privacy.aats_train.aa_syn`, the same way.
    pub aa_syn: [f64; 2],
    /// `privacy.privacy_loss` (with a holdout), each replicate at its equal set sizes.
    pub privacy_loss: Option<[f64; 2]>,
    /// `privacy.membership_auc` (with a holdout).
    pub membership_auc: Option<[f64; 2]>,
    /// `privacy.membership_tpr_at_1pct_fpr` (with a holdout).
    pub membership_tpr_at_1pct_fpr: Option<[f64; 2]>,
    /// `segments.privacy_loss` (with a holdout; AG samples drawn).
    pub segment_privacy_loss: Option<[f64; 2]>,
    /// Holdout people the intervals rest on (with a holdout).
    pub holdout_people: Option<usize>,
}

/// The per-haplotype values behind the figures.
pub(crate) struct Values<'a> {
    pub train: &'a HaplotypeMatrix,
    pub synthetic: &'a HaplotypeMatrix,
    pub holdout: Option<&'a HaplotypeMatrix>,
    /// Per training haplotype: nearest AG (the distance attack's members).
    pub d_ts: Vec<u32>,
    /// With a holdout, per holdout haplotype: nearest AG.
    pub d_hs: Vec<u32>,
    /// Per AG: its segment privacy-loss score (1, ½ or 0), with a holdout.
    pub segment_scores: Vec<f64>,
    /// The repeats behind `privacy.aats_train` (training haplotypes against the AGs).
    pub aats_repeats: Vec<Repeat>,
    /// The repeats behind privacy loss (with a holdout).
    pub loss_repeats: Option<LossRepeats>,
}

/// The two sides of privacy loss, each against the AGs at the same size, repeat by repeat.
#[derive(Debug, Clone)]
pub(crate) struct LossRepeats {
    /// Training haplotypes against the AGs.
    pub train: Vec<Repeat>,
    /// Holdout haplotypes against the AGs.
    pub holdout: Vec<Repeat>,
}

/// AA_truth and AA_syn of one repeat with every haplotype weighted as its person was drawn
/// (`real`, `synthetic`: weights of the whole sets' haplotypes); NaN on a side none of whose
/// people were drawn.
fn weighted_halves(r: &Repeat, real: &[f64], synthetic: &[f64]) -> (f64, f64) {
    let half = |rows: Option<&[usize]>, w: &[f64], far: &[u32], near: &[u32]| {
        let (mut hits, mut total) = (0.0, 0.0);
        for i in 0..far.len() {
            let weight = w[rows.map_or(i, |r| r[i])];
            total += weight;
            if far[i] > near[i] {
                hits += weight;
            }
        }
        hits / total
    };
    (
        half(r.draw.real.as_deref(), real, &r.d_rs, &r.d_rr),
        half(r.draw.synthetic.as_deref(), synthetic, &r.d_sr, &r.d_ss),
    )
}

/// Mean of the finite values.
fn finite_mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    sum / n as f64
}

/// AATS of `repeats`, weighted as [`weighted_halves`]; a repeat none of whose people were
/// drawn on one side counts for nothing.
fn weighted_aats(repeats: &[Repeat], real: &[f64], synthetic: &[f64]) -> f64 {
    finite_mean(repeats.iter().map(|r| {
        let (real_half, synthetic_half) = weighted_halves(r, real, synthetic);
        (real_half + synthetic_half) / 2.0
    }))
}

/// AA_truth and AA_syn as reported: each half averaged over the repeats, weighted as
/// [`weighted_halves`].
fn weighted_aa(repeats: &[Repeat], real: &[f64], synthetic: &[f64]) -> (f64, f64) {
    let halves: Vec<(f64, f64)> = repeats
        .iter()
        .map(|r| weighted_halves(r, real, synthetic))
        .collect();
    (
        finite_mean(halves.iter().map(|h| h.0)),
        finite_mean(halves.iter().map(|h| h.1)),
    )
}

/// Each haplotype's weight in a replicate: how often its sample was drawn.
pub(crate) fn draw_people(m: &HaplotypeMatrix, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let n = m.samples().len();
    let mut count = vec![0.0; n];
    for _ in 0..n {
        count[rng.random_range(0..n)] += 1.0;
    }
    m.haplotype_ids()
        .iter()
        .map(|id| count[id.sample as usize])
        .collect()
}

/// `P(member < non-member) + ½ P(equal)` with weights: the membership AUC.
pub(crate) fn weighted_auc(mem: &[u32], wm: &[f64], non: &[u32], wn: &[f64]) -> f64 {
    let max = mem.iter().chain(non).copied().max().unwrap_or(0) as usize;
    let mut at = vec![0.0; max + 2];
    for (&d, &w) in non.iter().zip(wn) {
        at[d as usize] += w;
    }
    let mut greater = vec![0.0; max + 2];
    for d in (0..=max).rev() {
        greater[d] = greater[d + 1] + at[d + 1];
    }
    let wins: f64 = mem
        .iter()
        .zip(wm)
        .map(|(&d, &w)| w * (greater[d as usize] + 0.5 * at[d as usize]))
        .sum();
    wins / (wm.iter().sum::<f64>() * wn.iter().sum::<f64>()).max(f64::MIN_POSITIVE)
}

/// Weighted true-positive rate at the largest distance threshold keeping the weighted
/// false-positive rate ≤ `max_fpr` (as [`crate::privacy::membership_tpr_at_fpr`]).
pub(crate) fn weighted_tpr(mem: &[u32], wm: &[f64], non: &[u32], wn: &[f64], max_fpr: f64) -> f64 {
    let max = mem.iter().chain(non).copied().max().unwrap_or(0) as usize;
    let (mut m_at, mut n_at) = (vec![0.0; max + 1], vec![0.0; max + 1]);
    for (&d, &w) in mem.iter().zip(wm) {
        m_at[d as usize] += w;
    }
    for (&d, &w) in non.iter().zip(wn) {
        n_at[d as usize] += w;
    }
    let (wm_total, wn_total) = (m_at.iter().sum::<f64>(), n_at.iter().sum::<f64>());
    let (mut tp, mut fp, mut best) = (0.0, 0.0, 0.0);
    for d in 0..=max {
        tp += m_at[d];
        fp += n_at[d];
        if m_at[d] == 0.0 && n_at[d] == 0.0 {
            continue;
        }
        if fp / wn_total > max_fpr {
            break;
        }
        best = tp / wm_total;
    }
    best
}

pub(crate) fn interval(mut v: Vec<f64>) -> [f64; 2] {
    v.retain(|x| x.is_finite());
    [quantile(&v, 0.025), quantile(&v, 0.975)]
}

/// The intervals, from [`REPLICATES`] seeded replicates.
pub(crate) fn intervals(v: &Values<'_>, seed: u64) -> Intervals {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut reps: [Vec<f64>; 6] = Default::default();
    for _ in 0..REPLICATES {
        let wt = draw_people(v.train, &mut rng);
        let ws = draw_people(v.synthetic, &mut rng);
        let (aa_truth, aa_syn) = weighted_aa(&v.aats_repeats, &wt, &ws);
        reps[0].push(aa_truth);
        reps[1].push(aa_syn);
        if let Some(h) = v.holdout {
            let wh = draw_people(h, &mut rng);
            if let Some(l) = &v.loss_repeats {
                let loss = weighted_aats(&l.holdout, &wh, &ws) - weighted_aats(&l.train, &wt, &ws);
                reps[2].push(loss);
            }
            reps[3].push(weighted_auc(&v.d_ts, &wt, &v.d_hs, &wh));
            reps[4].push(weighted_tpr(&v.d_ts, &wt, &v.d_hs, &wh, 0.01));
            let total: f64 = ws.iter().sum();
            let score: f64 = v.segment_scores.iter().zip(&ws).map(|(s, w)| s * w).sum();
            reps[5].push(score / total.max(f64::MIN_POSITIVE) - 0.5);
        }
    }
    let with_holdout = |k: usize| v.holdout.map(|_| interval(reps[k].clone()));
    let privacy_loss = v.loss_repeats.as_ref().and(with_holdout(2));
    Intervals {
        replicates: REPLICATES,
        aa_truth: interval(reps[0].clone()),
        aa_syn: interval(reps[1].clone()),
        privacy_loss,
        membership_auc: with_holdout(3),
        membership_tpr_at_1pct_fpr: with_holdout(4),
        segment_privacy_loss: with_holdout(5),
        holdout_people: v.holdout.map(|h| h.samples().len()),
    }
}

/// People needed for an interval of half-width `half` at `people` to shrink to `margin` (the
/// value's distance to its bound), as intervals narrow with the square root of the sample.
pub fn people_needed(people: usize, half: f64, margin: f64) -> Option<usize> {
    if margin <= 0.0 || !half.is_finite() {
        return None;
    }
    Some((people as f64 * (half / margin).powi(2)).ceil() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::{membership_auc, membership_tpr_at_fpr};

    #[test]
    fn unit_weights_give_the_plain_figures() {
        let mem = [0u32, 3, 5, 5, 9, 2, 2];
        let non = [4u32, 5, 6, 8, 1, 7, 9, 10, 3];
        let (wm, wn) = (vec![1.0; mem.len()], vec![1.0; non.len()]);
        assert!((weighted_auc(&mem, &wm, &non, &wn) - membership_auc(&mem, &non)).abs() < 1e-12);
        for fpr in [0.0, 0.1, 0.2, 0.5, 1.0] {
            assert_eq!(
                weighted_tpr(&mem, &wm, &non, &wn, fpr),
                membership_tpr_at_fpr(&mem, &non, fpr),
                "fpr {fpr}"
            );
        }
        // A weight of 2 is the haplotype listed twice.
        let mut wm2 = wm.clone();
        wm2[1] = 2.0;
        let mut mem2 = mem.to_vec();
        mem2.push(3);
        assert!((weighted_auc(&mem, &wm2, &non, &wn) - membership_auc(&mem2, &non)).abs() < 1e-12);
        assert_eq!(people_needed(100, 0.04, 0.02), Some(400));
        assert_eq!(people_needed(100, 0.04, 0.0), None);
    }
}
