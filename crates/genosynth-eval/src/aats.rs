//! Nearest-neighbour adversarial accuracy (AATS, Yelmen et al. 2021) of AGs against a real
//! set, whole or at equal set sizes, and its two halves' reading.

use genosynth_core::HaplotypeMatrix;
use serde::{Deserialize, Serialize};

use crate::aats_plan::{Between, Planned, Within, draws};
use crate::distance::{Nearest, PairScan, RowSet, scan_between, scan_within};
use crate::stats::{mean, quantile, sd};

/// A value averaged over repeats.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanSd {
    /// Mean over repeats.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub mean: f64,
    /// Sample standard deviation over repeats (0 for one repeat).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub sd: f64,
}

impl MeanSd {
    fn of(values: &[f64]) -> Self {
        Self {
            mean: mean(values),
            sd: sd(values),
        }
    }
}

/// Nearest-neighbour adversarial accuracy of one real set against one synthetic set of equal
/// size (Yale et al. 2020, as in Yelmen et al. 2021's code; Hamming = Manhattan on 0/1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AatsOnce {
    /// Share of real haplotypes whose nearest synthetic one is farther than their nearest
    /// other real one: `mean(d_TS > d_TT)`. ≈ 1 means AGs sit away from real data.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub aa_truth: f64,
    /// Share of AGs whose nearest real haplotype is farther than their nearest other AG:
    /// `mean(d_ST > d_SS)`. ≈ 1 means AGs cluster among themselves; ≈ 0 means AGs are nearer
    /// to real haplotypes than to each other: copies when AA_truth is ≈ 0 too, noisy AGs when
    /// AA_truth is ≈ 1 (see [`aats_reading`]).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub aa_syn: f64,
    /// `(aa_truth + aa_syn) / 2`; 0.5 is ideal.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub aats: f64,
    /// AATS counting ties (`d_TS == d_TT`, `d_ST == d_SS`) as ½ instead of 0.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub aats_ties_half: f64,
    /// Share of all comparisons that were ties.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub tie_rate: f64,
    /// The medians of the four nearest-neighbour distances behind the two shares.
    pub nearest_median: NearestMedians,
}

/// Medians (in sites) of the nearest-neighbour distances AATS compares: they show where the AGs
/// lie, which the two shares only give as a direction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NearestMedians {
    /// `d_TT`: a real haplotype to its nearest other real one.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub real_to_real: f64,
    /// `d_TS`: a real haplotype to its nearest AG.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub real_to_synthetic: f64,
    /// `d_ST`: an AG to its nearest real haplotype.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub synthetic_to_real: f64,
    /// `d_SS`: an AG to its nearest other AG.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub synthetic_to_synthetic: f64,
}

/// What AA_truth and AA_syn say together, in words (each read as low < 0.4 ≤ near 0.5 ≤ 0.6 <
/// high, the verdict's pass band): the four combinations of the two halves mean different
/// failures, which their average, AATS, cannot tell apart.
pub fn aats_reading(aa_truth: f64, aa_syn: f64) -> &'static str {
    let band = |x: f64| {
        if x < 0.4 {
            -1
        } else if x > 0.6 {
            1
        } else {
            0
        }
    };
    match (band(aa_truth), band(aa_syn)) {
        (0, 0) => {
            "AGs are as near to real haplotypes, and to each other, as real haplotypes are to each other"
        }
        (1, -1) => {
            "AGs lie away from real haplotypes and farther still from each other: more random variation than real data (noisy AGs; fine structure such as close relatives is not reproduced)"
        }
        (-1, -1) => {
            "AGs sit on real haplotypes: copies or memorisation (check exact copies, DCR and privacy loss)"
        }
        (1, 1) => {
            "AGs cluster among themselves away from real haplotypes: too little diversity (mode collapse)"
        }
        (-1, 1) => {
            "AGs are nearer to each other, and to real haplotypes, than real haplotypes are to each other: less diverse than real data, gathered where it is dense (near copies if AGs are close to real haplotypes: check DCR and exact copies)"
        }
        (1, 0) => {
            "real haplotypes are nearer to each other than to AGs: AGs miss part of the real data"
        }
        (-1, 0) => {
            "real haplotypes have an AG nearer than any other real one: AGs lie close to real data (check DCR)"
        }
        (0, 1) => {
            "AGs are nearer to each other than to real haplotypes: less diverse than real data"
        }
        _ => "AGs are nearer to real haplotypes than to each other: more dispersed than real data",
    }
}

/// AATS from the four nearest-distance vectors.
pub fn aats_from_distances(d_tt: &[u32], d_ss: &[u32], d_ts: &[u32], d_st: &[u32]) -> AatsOnce {
    let share = |a: &[u32], b: &[u32], tie: f64| {
        let n = a.len().max(1) as f64;
        a.iter()
            .zip(b)
            .map(|(x, y)| match x.cmp(y) {
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => tie,
                std::cmp::Ordering::Less => 0.0,
            })
            .sum::<f64>()
            / n
    };
    let aa_truth = share(d_ts, d_tt, 0.0);
    let aa_syn = share(d_st, d_ss, 0.0);
    let half = (share(d_ts, d_tt, 0.5) + share(d_st, d_ss, 0.5)) / 2.0;
    let ties = d_ts.iter().zip(d_tt).filter(|(a, b)| a == b).count()
        + d_st.iter().zip(d_ss).filter(|(a, b)| a == b).count();
    let median = |d: &[u32]| quantile(&d.iter().map(|&x| f64::from(x)).collect::<Vec<_>>(), 0.5);
    AatsOnce {
        aa_truth,
        aa_syn,
        aats: (aa_truth + aa_syn) / 2.0,
        aats_ties_half: half,
        tie_rate: ties as f64 / (d_ts.len() + d_st.len()).max(1) as f64,
        nearest_median: NearestMedians {
            real_to_real: median(d_tt),
            real_to_synthetic: median(d_ts),
            synthetic_to_real: median(d_st),
            synthetic_to_synthetic: median(d_ss),
        },
    }
}

/// AATS averaged over repeats of equal-size subsamples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Aats {
    /// Haplotypes per side in each repeat (the smaller set's size).
    pub set_size: usize,
    /// Repeats (1 when both sets have the same size: no subsampling).
    pub repeats: usize,
    /// See [`AatsOnce::aa_truth`].
    pub aa_truth: MeanSd,
    /// See [`AatsOnce::aa_syn`].
    pub aa_syn: MeanSd,
    /// See [`AatsOnce::aats`].
    pub aats: MeanSd,
    /// See [`AatsOnce::aats_ties_half`].
    pub aats_ties_half: MeanSd,
    /// See [`AatsOnce::tie_rate`].
    pub tie_rate: MeanSd,
    /// [`AatsOnce::nearest_median`], each figure averaged over the repeats.
    pub nearest_median: NearestMedians,
}

pub(crate) fn distances(n: &[Nearest]) -> Vec<u32> {
    n.iter().map(|x| x.distance).collect()
}

impl Aats {
    pub(crate) fn from_runs(set_size: usize, runs: &[AatsOnce]) -> Self {
        let pick = |f: fn(&AatsOnce) -> f64| MeanSd::of(&runs.iter().map(f).collect::<Vec<_>>());
        Self {
            set_size,
            repeats: runs.len(),
            aa_truth: pick(|r| r.aa_truth),
            aa_syn: pick(|r| r.aa_syn),
            aats: pick(|r| r.aats),
            aats_ties_half: pick(|r| r.aats_ties_half),
            tie_rate: pick(|r| r.tie_rate),
            nearest_median: NearestMedians {
                real_to_real: pick(|r| r.nearest_median.real_to_real).mean,
                real_to_synthetic: pick(|r| r.nearest_median.real_to_synthetic).mean,
                synthetic_to_real: pick(|r| r.nearest_median.synthetic_to_real).mean,
                synthetic_to_synthetic: pick(|r| r.nearest_median.synthetic_to_synthetic).mean,
            },
        }
    }
}

/// AATS of `real` against `synthetic`. Equal sizes use every haplotype once; otherwise the
/// larger set is subsampled (seeded, without replacement) to the smaller size `repeats` times.
///
/// `full` may pass already computed passes over the whole sets (within real, within
/// synthetic, between) to avoid recomputing them when sizes are equal.
pub fn aats(
    real: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    repeats: usize,
    seed: u64,
    full: Option<(&PairScan, &PairScan, &PairScan)>,
) -> Aats {
    let (nr, ns) = (real.n_haplotypes(), synthetic.n_haplotypes());
    let size = nr.min(ns);
    if nr == ns {
        let run = match full {
            Some((rr, ss, rs)) => aats_from_distances(
                &distances(&rr.first),
                &distances(&ss.first),
                &distances(&rs.first),
                &distances(&rs.second),
            ),
            None => {
                let rr = scan_within(RowSet::all(real));
                let ss = scan_within(RowSet::all(synthetic));
                let rs = scan_between(RowSet::all(real), RowSet::all(synthetic));
                aats_from_distances(
                    &distances(&rr.first),
                    &distances(&ss.first),
                    &distances(&rs.first),
                    &distances(&rs.second),
                )
            }
        };
        return Aats::from_runs(size, &[run]);
    }
    aats_at_size(real, synthetic, size, repeats, seed)
}

/// AATS of `real` against `synthetic` with each set subsampled (seeded, without replacement)
/// to `size` haplotypes when larger, `repeats` times (once when both already have `size`).
///
/// Nearest-neighbour distances shrink as sets grow, so AATS values are comparable only at equal
/// set sizes: privacy loss compares the holdout's AATS with the training set's at the holdout's
/// size.
pub fn aats_at_size(
    real: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    size: usize,
    repeats: usize,
    seed: u64,
) -> Aats {
    let (nr, ns) = (real.n_haplotypes(), synthetic.n_haplotypes());
    let size = size.min(nr).min(ns);
    let draws = draws(nr, ns, size, repeats, seed);
    // Whole-set passes with a run per repeat cost nr·ns pairs (twice, for the within passes);
    // scanning each repeat's subsets costs repeats·size² (twice): take the cheaper.
    if draws.len() * size * size >= nr * ns {
        let (mut r, mut s, mut rs) = (Within::default(), Within::default(), Between::default());
        let plan = Planned::new(draws, size, &mut r, &mut s, &mut rs, false);
        return plan.aats(&r.scan(real), &s.scan(synthetic), &rs.scan(real, synthetic));
    }
    let runs: Vec<AatsOnce> = draws
        .iter()
        .map(|draw| {
            let all_r: Vec<usize>;
            let all_s: Vec<usize>;
            let sub_r = match &draw.real {
                Some(v) => v,
                None => {
                    all_r = (0..nr).collect();
                    &all_r
                }
            };
            let sub_s = match &draw.synthetic {
                Some(v) => v,
                None => {
                    all_s = (0..ns).collect();
                    &all_s
                }
            };
            let r = RowSet::subset(real, sub_r);
            let s = RowSet::subset(synthetic, sub_s);
            let rr = scan_within(r);
            let ss = scan_within(s);
            let rs = scan_between(r, s);
            aats_from_distances(
                &distances(&rr.first),
                &distances(&ss.first),
                &distances(&rs.first),
                &distances(&rs.second),
            )
        })
        .collect();
    Aats::from_runs(size, &runs)
}
