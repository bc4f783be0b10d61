//! Segments shared with real people: for each AG, the longest stretch of consecutive sites
//! identical to some training haplotype and to some holdout haplotype ([`crate::pbwt`]), the
//! same for holdout haplotypes against training ones (what real unseen people share), and the
//! segment privacy loss that compares the two.

use genosynth_core::{GeneticMap, HaplotypeMatrix};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::pbwt::{Longest, MAX_CLASSES, Member, longest_segments};
use crate::stats::quantile;

/// AGs listed in [`SegmentStats::longest`].
const LONGEST_LISTED: usize = 10;

/// Median, 99th percentile and maximum of a length distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LengthSummary {
    /// Median.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub median: f64,
    /// 99th percentile.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub p99: f64,
    /// Maximum.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub max: f64,
}

impl LengthSummary {
    fn of(values: &[f64]) -> Self {
        Self {
            median: quantile(values, 0.5),
            p99: quantile(values, 0.99),
            max: values.iter().copied().fold(f64::NAN, f64::max),
        }
    }
}

/// Each query haplotype's longest segment shared with a reference set, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentDistribution {
    /// Query haplotypes.
    pub n: usize,
    /// Longest shared segment in sites.
    pub sites: LengthSummary,
    /// Longest shared segment in base pairs (first to last shared site, inclusive).
    pub bp: LengthSummary,
    /// Genetic length (cM, first to last site) of each query's longest segment in sites, with
    /// a genetic map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cm: Option<LengthSummary>,
    /// Share of queries identical to a reference haplotype over every site.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub whole_share: f64,
    /// Each query's longest segment in sites (for plots; not in report.json).
    #[serde(skip)]
    pub lengths: Vec<u32>,
}

/// The genetic length of a segment: cM of its last site − cM of its first.
fn segment_cm(l: &Longest, cm: &[f64]) -> f64 {
    if l.sites == 0 {
        return 0.0;
    }
    let first = l.first_site as usize;
    cm[first + l.sites as usize - 1] - cm[first]
}

impl SegmentDistribution {
    fn of(longest: &[Longest], n_sites: usize, cm: Option<&[f64]>) -> Self {
        let sites: Vec<f64> = longest.iter().map(|l| f64::from(l.sites)).collect();
        let bp: Vec<f64> = longest.iter().map(|l| l.bp as f64).collect();
        let cm = cm.map(|cm| {
            let lengths: Vec<f64> = longest.iter().map(|l| segment_cm(l, cm)).collect();
            LengthSummary::of(&lengths)
        });
        let whole = longest
            .iter()
            .filter(|l| l.sites as usize == n_sites)
            .count();
        Self {
            n: longest.len(),
            sites: LengthSummary::of(&sites),
            bp: LengthSummary::of(&bp),
            cm,
            whole_share: whole as f64 / longest.len().max(1) as f64,
            lengths: longest.iter().map(|l| l.sites).collect(),
        }
    }
}

/// One AG's longest segment shared with a training haplotype.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LongSegment {
    /// The AG haplotype (`sample:copy`).
    pub synthetic: String,
    /// A training haplotype sharing it (`sample:copy`).
    pub train: String,
    /// Length in sites.
    pub sites: u32,
    /// CHROM:POS of its first site.
    pub from: String,
    /// CHROM:POS of its last site.
    pub to: String,
    /// Its span in base pairs (inclusive).
    pub bp: u64,
    /// Its genetic length in cM, with a genetic map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cm: Option<f64>,
}

/// Segments AGs share with training and holdout people, and holdout people with training
/// people (the real reference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentStats {
    /// Sites compared.
    pub n_sites: usize,
    /// Each AG's longest segment shared with any training haplotype.
    pub synthetic_to_train: SegmentDistribution,
    /// Each AG's longest segment shared with any holdout haplotype (with a holdout).
    pub synthetic_to_holdout: Option<SegmentDistribution>,
    /// Each holdout haplotype's longest segment shared with any training haplotype: what
    /// people the model never saw share with its training people (with a holdout).
    pub holdout_to_train: Option<SegmentDistribution>,
    /// Haplotypes on each side of the segment privacy loss: training and holdout people drawn
    /// (whole people, seeded) down to the smaller set's size, as longest matches grow with the
    /// number of haplotypes searched (with a holdout).
    pub matched_haplotypes: Option<usize>,
    /// Segment privacy loss: `P(L_train > L_holdout) + ½ P(L_train = L_holdout) − 0.5` over
    /// AGs, where `L_x` is an AG's longest segment (sites) shared with the size-matched
    /// training or holdout haplotypes. 0: AGs share segments with training people no more
    /// than with unseen people; 0.5: every AG shares a longer segment with training people
    /// (as AATS privacy loss, 0.5 is the worst). With a holdout.
    pub privacy_loss: Option<f64>,
    /// The AGs with the longest training segments, longest first.
    pub longest: Vec<LongSegment>,
    /// Each AG's term of the privacy loss (1, ½ or 0; for intervals, not in report.json).
    #[serde(skip)]
    pub privacy_loss_scores: Vec<f64>,
}

// Reference classes of the one PBWT pass.
const TRAIN: u8 = 0;
const TRAIN_MATCHED: u8 = 1;
const HOLDOUT: u8 = 2;
const HOLDOUT_MATCHED: u8 = 3;

fn class_bit(class: u8) -> u8 {
    1 << class
}

fn matched_bit(taken: bool, class: u8) -> u8 {
    if taken { 1 << class } else { 0 }
}

/// Rows of whole samples of `m` drawn (seeded) until `haplotypes` rows are taken, in order.
fn rows_of_people(m: &HaplotypeMatrix, haplotypes: usize, seed: u64) -> Vec<bool> {
    let mut taken = vec![false; m.n_haplotypes()];
    if haplotypes >= m.n_haplotypes() {
        taken.fill(true);
        return taken;
    }
    let mut people: Vec<usize> = (0..m.samples().len()).collect();
    people.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut chosen = vec![false; people.len()];
    let mut n = 0;
    for p in people {
        let c = m.samples()[p].ploidy.copies();
        if n + c <= haplotypes {
            chosen[p] = true;
            n += c;
        }
    }
    for (h, t) in taken.iter_mut().enumerate() {
        *t = chosen[m.haplotype_id(h).sample as usize];
    }
    taken
}

/// The first row of `m` identical to `query` on sites `first..=last` (the PBWT found one).
fn sharing_row(m: &HaplotypeMatrix, query: &[u64], first: usize, last: usize) -> usize {
    let (w0, w1) = (first / 64, last / 64);
    let mask = |w: usize| {
        let lo = if w == w0 {
            u64::MAX << (first % 64)
        } else {
            u64::MAX
        };
        let hi = if w == w1 {
            u64::MAX >> (63 - last % 64)
        } else {
            u64::MAX
        };
        lo & hi
    };
    (0..m.n_haplotypes())
        .find(|&h| {
            let row = m.row(h);
            (w0..=w1).all(|w| (row[w] ^ query[w]) & mask(w) == 0)
        })
        .expect("the PBWT found a training haplotype sharing the segment")
}

fn haplotype_name(m: &HaplotypeMatrix, h: usize) -> String {
    let id = m.haplotype_id(h);
    format!("{}:{}", m.samples()[id.sample as usize].name, id.copy)
}

/// Segment privacy loss from each AG's longest segment with the size-matched training and
/// holdout haplotypes (see [`SegmentStats::privacy_loss`]).
pub fn segment_privacy_loss(to_train: &[u32], to_holdout: &[u32]) -> f64 {
    let n = to_train.len().min(to_holdout.len());
    if n == 0 {
        return f64::NAN;
    }
    let wins: f64 = to_train
        .iter()
        .zip(to_holdout)
        .map(|(t, h)| match t.cmp(h) {
            std::cmp::Ordering::Greater => 1.0,
            std::cmp::Ordering::Equal => 0.5,
            std::cmp::Ordering::Less => 0.0,
        })
        .sum();
    wins / n as f64 - 0.5
}

/// Every segment figure in one PBWT pass over train, holdout and AGs (same sites); with a
/// genetic map, lengths in cM too.
pub fn segment_stats(
    train: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    holdout: Option<&HaplotypeMatrix>,
    genetic_map: Option<&GeneticMap>,
    seed: u64,
) -> SegmentStats {
    let site_cm = genetic_map.map(|m| m.site_cm(train.sites()));
    let cm = site_cm.as_deref();
    let matched = holdout.map(|h| train.n_haplotypes().min(h.n_haplotypes()));
    let train_in = rows_of_people(train, matched.unwrap_or(0), seed);
    let holdout_in = holdout.map(|h| rows_of_people(h, matched.unwrap_or(0), seed ^ 0x5e9));
    // A size-matched subset is a second class of the same members (often all of them).
    let mut members: Vec<Member> = Vec::new();
    members.extend((0..train.n_haplotypes()).map(|row| Member {
        set: 0,
        row,
        classes: class_bit(TRAIN) | matched_bit(holdout.is_some() && train_in[row], TRAIN_MATCHED),
        targets: 0,
    }));
    let n_train = members.len();
    if let (Some(h), Some(taken)) = (holdout, &holdout_in) {
        members.extend((0..h.n_haplotypes()).map(|row| Member {
            set: 2,
            row,
            classes: class_bit(HOLDOUT) | matched_bit(taken[row], HOLDOUT_MATCHED),
            targets: class_bit(TRAIN),
        }));
    }
    let n_real = members.len();
    let ag_targets = if holdout.is_some() {
        0b1111
    } else {
        class_bit(TRAIN)
    };
    members.extend((0..synthetic.n_haplotypes()).map(|row| Member {
        set: 1,
        row,
        classes: 0,
        targets: ag_targets,
    }));
    let sets: Vec<&HaplotypeMatrix> = match holdout {
        Some(h) => vec![train, synthetic, h],
        None => vec![train, synthetic],
    };
    let best = longest_segments(&sets, &members);
    let n_syn = synthetic.n_haplotypes();
    let ags = &best[n_real..n_real + n_syn];
    let class = |rows: &[[Longest; MAX_CLASSES]], c: u8| -> Vec<Longest> {
        rows.iter().map(|b| b[c as usize]).collect()
    };
    let ag_train = class(ags, TRAIN);
    let n_sites = train.n_sites();
    let sites = train.sites();
    let mut order: Vec<usize> = (0..n_syn).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(ag_train[i].sites), i));
    let longest = order
        .iter()
        .take(LONGEST_LISTED)
        .filter(|&&i| ag_train[i].sites > 0)
        .map(|&i| {
            let l = ag_train[i];
            let site = |s: usize| format!("{}:{}", sites[s].chrom, sites[s].pos);
            let first = l.first_site as usize;
            let last = first + l.sites as usize - 1;
            LongSegment {
                synthetic: haplotype_name(synthetic, i),
                train: haplotype_name(train, sharing_row(train, synthetic.row(i), first, last)),
                sites: l.sites,
                from: site(first),
                to: site(last),
                bp: sites[last].pos.saturating_sub(sites[first].pos) + 1,
                cm: cm.map(|cm| segment_cm(&l, cm)),
            }
        })
        .collect();
    let privacy_loss_scores: Vec<f64> = if holdout.is_some() {
        ags.iter()
            .map(|b| {
                let (t, h) = (
                    b[TRAIN_MATCHED as usize].sites,
                    b[HOLDOUT_MATCHED as usize].sites,
                );
                segment_privacy_loss(&[t], &[h]) + 0.5
            })
            .collect()
    } else {
        Vec::new()
    };
    let privacy_loss = holdout.map(|_| {
        let lengths = |c: u8| -> Vec<u32> { ags.iter().map(|b| b[c as usize].sites).collect() };
        segment_privacy_loss(&lengths(TRAIN_MATCHED), &lengths(HOLDOUT_MATCHED))
    });
    SegmentStats {
        n_sites,
        synthetic_to_train: SegmentDistribution::of(&ag_train, n_sites, cm),
        synthetic_to_holdout: holdout
            .map(|_| SegmentDistribution::of(&class(ags, HOLDOUT), n_sites, cm)),
        holdout_to_train: holdout
            .map(|_| SegmentDistribution::of(&class(&best[n_train..n_real], TRAIN), n_sites, cm)),
        matched_haplotypes: matched,
        privacy_loss,
        longest,
        privacy_loss_scores,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};
    use rand::Rng;

    /// People descended from a few founders by recombination and mutation, diploid.
    fn population(n_people: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let founders: Vec<Vec<u8>> = (0..30)
            .map(|_| (0..n_sites).map(|_| rng.random_bool(0.3) as u8).collect())
            .collect();
        let mut v = Vec::new();
        for _ in 0..2 * n_people {
            let mut f = rng.random_range(0..founders.len());
            for s in 0..n_sites {
                if rng.random_bool(0.02) {
                    f = rng.random_range(0..founders.len());
                }
                v.push(founders[f][s] ^ rng.random_bool(0.01) as u8);
            }
        }
        let sites: Sites = (1..=n_sites as u64)
            .map(|p| Site::new("1", 100 * p, "A", "G"))
            .collect();
        HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("p", n_people, Ploidy::Diploid))
            .unwrap()
    }

    fn people(m: &HaplotypeMatrix, range: std::ops::Range<usize>) -> HaplotypeMatrix {
        m.select_samples(&range.collect::<Vec<_>>()).unwrap()
    }

    /// Fresh people from the same population share segments with training people no more than
    /// with unseen people (loss ≈ 0, on several seeds); copies of training people give 0.5.
    #[test]
    fn segment_privacy_loss_separates_copies_from_fresh_people() {
        for seed in 1..=8 {
            let everyone = population(600, 400, seed);
            let train = people(&everyone, 0..200);
            let holdout = people(&everyone, 200..400);
            let fresh = people(&everyone, 400..600);
            let copies = people(&everyone, 0..100);
            let good = segment_stats(&train, &fresh, Some(&holdout), None, seed);
            let bad = segment_stats(&train, &copies, Some(&holdout), None, seed);
            let (g, b) = (good.privacy_loss.unwrap(), bad.privacy_loss.unwrap());
            // Sampling noise alone: sd ≈ 0.03 over seeds 1..=8 here (largest 0.066).
            assert!(g.abs() < 0.1, "seed {seed}: fresh people lose {g}");
            assert!(b > 0.45, "seed {seed}: copies lose only {b}");
            assert_eq!(bad.synthetic_to_train.whole_share, 1.0);
            assert_eq!(bad.longest.len(), LONGEST_LISTED);
            assert_eq!(bad.longest[0].sites, 400);
            assert_eq!(bad.longest[0].bp, 39_901);
            // The named partner is the copied haplotype.
            assert_eq!(bad.longest[0].synthetic, bad.longest[0].train);
            let h = good.holdout_to_train.as_ref().unwrap();
            let s = good.synthetic_to_holdout.as_ref().unwrap();
            assert_eq!((h.n, s.n, good.matched_haplotypes), (400, 400, Some(400)));
            assert!(h.sites.median > 10.0 && h.sites.median < 400.0);
        }
    }

    #[test]
    fn unequal_sets_are_matched_by_whole_people() {
        let everyone = population(100, 120, 9);
        let train = people(&everyone, 0..60);
        let holdout = people(&everyone, 60..75);
        let ags = people(&everyone, 75..100);
        let s = segment_stats(&train, &ags, Some(&holdout), None, 4);
        assert_eq!(s.matched_haplotypes, Some(30));
        assert!(s.privacy_loss.unwrap().abs() <= 0.5);
        let taken = rows_of_people(&train, 30, 4);
        assert_eq!(taken.iter().filter(|t| **t).count(), 30);
        assert!(taken.chunks(2).all(|p| p[0] == p[1]), "whole people");
        let alone = segment_stats(&train, &ags, None, None, 4);
        assert!(alone.privacy_loss.is_none() && alone.synthetic_to_holdout.is_none());
        assert_eq!(alone.synthetic_to_train, s.synthetic_to_train);
    }

    #[test]
    fn loss_of_hand_made_lengths() {
        assert_eq!(segment_privacy_loss(&[9, 9], &[1, 1]), 0.5);
        assert_eq!(segment_privacy_loss(&[1, 9], &[9, 1]), 0.0);
        assert_eq!(segment_privacy_loss(&[3, 3], &[3, 1]), 0.25);
        assert!(segment_privacy_loss(&[], &[]).is_nan());
    }
}
