//! KING-robust kinship (Manichaikul et al. 2010, the between-family estimator plink2's
//! `--make-king-table` writes) between diploid samples: AGs against training and holdout
//! people, and holdout against training people (what unseen real people score), counted in
//! the usual degree bins.
//!
//! The pair counts come from [`crate::kinship_counts`] (bit-sliced genotypes, a tiled
//! popcount kernel), a block of query samples per parallel task.

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::kinship_counts::{Genotypes, QUERY_BLOCK, block_counts};

/// Lower kinship bounds of duplicates / MZ twins, first, second and third degree (KING manual).
pub const DEGREE_BOUNDS: [f64; 4] = [0.354, 0.177, 0.0884, 0.0442];

/// Pairs drawn in the kinship scatter per comparison: every related pair up to this many, and
/// an even thinning of the others up to as many again.
const MAX_POINTS: usize = 2000;

/// KING-robust kinship from a pair's counts: `½ − (het₁ + het₂ − 2·hethet + 4·ibs0) /
/// (4·min(het₁, het₂))`; `NaN` when either sample has no heterozygous site.
pub fn king_robust(het1: u32, het2: u32, hethet: u32, ibs0: u32) -> f64 {
    let min = het1.min(het2);
    if min == 0 {
        return f64::NAN;
    }
    0.5 - (f64::from(het1) + f64::from(het2) - 2.0 * f64::from(hethet) + 4.0 * f64::from(ibs0))
        / (4.0 * f64::from(min))
}

/// One pair's kinship and its share of opposite-homozygous sites (IBS0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KinshipPoint {
    /// Share of sites where one sample is REF- and the other ALT-homozygous.
    pub ibs0: f64,
    /// KING-robust kinship.
    pub kinship: f64,
}

/// Kinship of every pair between a query set and a reference set of samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KinshipComparison {
    /// Pairs compared.
    pub pairs: u64,
    /// Pairs per degree: `[duplicate ≥ 0.354, first ≥ 0.177, second ≥ 0.0884, third ≥ 0.0442]`,
    /// each bin up to the next bound.
    pub degree_counts: [u64; 4],
    /// Query samples with at least one reference sample of third degree or closer.
    pub queries_with_relative: usize,
    /// Query samples with a duplicate or first-degree relative among the reference samples.
    pub queries_with_close_relative: usize,
    /// Query samples.
    pub queries: usize,
    /// Highest kinship of any pair.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub max: f64,
    /// The closest pair: (query sample, reference sample).
    pub closest: Option<(String, String)>,
    /// Pairs drawn in the scatter (related pairs first, then a thinning; not in report.json).
    #[serde(skip)]
    pub points: Vec<KinshipPoint>,
}

impl KinshipComparison {
    /// Share of query samples with a duplicate or first-degree relative.
    pub fn close_relative_share(&self) -> f64 {
        self.queries_with_close_relative as f64 / self.queries.max(1) as f64
    }
}

/// Kinship of AG samples with training and holdout people, and of holdout with training people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KinshipStats {
    /// Sites used.
    pub n_sites: usize,
    /// AG samples × training people.
    pub synthetic_train: KinshipComparison,
    /// AG samples × holdout people (with a holdout).
    pub synthetic_holdout: Option<KinshipComparison>,
    /// Holdout × training people: what unseen real people score (with a holdout).
    pub holdout_train: Option<KinshipComparison>,
}

/// Degree bin of a kinship (0 = duplicate … 3 = third degree), `None` when unrelated.
fn degree(k: f64) -> Option<usize> {
    DEGREE_BOUNDS.iter().position(|&b| k >= b)
}

fn compare(q: &Genotypes, r: &Genotypes, n_sites: usize) -> KinshipComparison {
    struct Row {
        degrees: [u64; 4],
        max: (f64, usize),
        related: Vec<KinshipPoint>,
        sample: Vec<KinshipPoint>,
    }
    let total = q.len() * r.len();
    let stride = total.div_ceil(MAX_POINTS).max(1);
    let blocks: Vec<usize> = (0..q.len()).step_by(QUERY_BLOCK).collect();
    let rows: Vec<Row> = blocks
        .into_par_iter()
        .flat_map_iter(|from| {
            let to = (from + QUERY_BLOCK).min(q.len());
            let (hethet, ibs0) = block_counts(q, from..to, r);
            (from..to).map(move |i| {
                let mut row = Row {
                    degrees: [0; 4],
                    max: (f64::NAN, 0),
                    related: Vec::new(),
                    sample: Vec::new(),
                };
                let at = (i - from) * r.len();
                for j in 0..r.len() {
                    let (hh, z) = (hethet[at + j], ibs0[at + j]);
                    let k = king_robust(q.het_count[i], r.het_count[j], hh, z);
                    let point = KinshipPoint {
                        ibs0: f64::from(z) / n_sites.max(1) as f64,
                        kinship: k,
                    };
                    if let Some(d) = degree(k) {
                        row.degrees[d] += 1;
                        row.related.push(point);
                    } else if (i * r.len() + j).is_multiple_of(stride) {
                        row.sample.push(point);
                    }
                    if k.is_finite() && (row.max.0.is_nan() || k > row.max.0) {
                        row.max = (k, j);
                    }
                }
                row
            })
        })
        .collect();
    let mut degree_counts = [0u64; 4];
    let mut best: (f64, Option<(usize, usize)>) = (f64::NAN, None);
    let (mut related, mut sample) = (Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        for (a, b) in degree_counts.iter_mut().zip(row.degrees) {
            *a += b;
        }
        if row.max.0.is_finite() && (best.0.is_nan() || row.max.0 > best.0) {
            best = (row.max.0, Some((i, row.max.1)));
        }
        related.extend(
            row.related
                .iter()
                .copied()
                .take(MAX_POINTS - related.len().min(MAX_POINTS)),
        );
        sample.extend_from_slice(&row.sample);
    }
    sample.truncate(MAX_POINTS);
    related.extend(sample);
    KinshipComparison {
        pairs: total as u64,
        degree_counts,
        queries_with_relative: rows
            .iter()
            .filter(|r| r.degrees.iter().sum::<u64>() > 0)
            .count(),
        queries_with_close_relative: rows
            .iter()
            .filter(|r| r.degrees[0] + r.degrees[1] > 0)
            .count(),
        queries: q.len(),
        max: best.0,
        closest: best
            .1
            .map(|(i, j)| (q.names[i].clone(), r.names[j].clone())),
        points: related,
    }
}

/// KING-robust kinship of every query sample (rows) with every reference sample (columns),
/// row-major; `None` unless both are all diploid. For small sets and checks: the report keeps
/// only [`KinshipStats`].
pub fn kinship_matrix(query: &HaplotypeMatrix, reference: &HaplotypeMatrix) -> Option<Vec<f64>> {
    let (q, r) = (Genotypes::of(query)?, Genotypes::of(reference)?);
    let mut all = Vec::with_capacity(q.len() * r.len());
    for from in (0..q.len()).step_by(QUERY_BLOCK) {
        let to = (from + QUERY_BLOCK).min(q.len());
        let (hethet, ibs0) = block_counts(&q, from..to, &r);
        for (li, i) in (from..to).enumerate() {
            all.extend((0..r.len()).map(|j| {
                let at = li * r.len() + j;
                king_robust(q.het_count[i], r.het_count[j], hethet[at], ibs0[at])
            }));
        }
    }
    Some(all)
}

/// Kinship figures when every sample of every set is diploid; `None` otherwise (haploid AGs,
/// chrX of males).
pub fn kinship_stats(
    train: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    holdout: Option<&HaplotypeMatrix>,
) -> Option<KinshipStats> {
    let t = Genotypes::of(train)?;
    let s = Genotypes::of(synthetic)?;
    let h = match holdout {
        Some(h) => Some(Genotypes::of(h)?),
        None => None,
    };
    let n = train.n_sites();
    Some(KinshipStats {
        n_sites: n,
        synthetic_train: compare(&s, &t, n),
        synthetic_holdout: h.as_ref().map(|h| compare(&s, h, n)),
        holdout_train: h.as_ref().map(|h| compare(h, &t, n)),
    })
}

/// How far AG samples' close pairs with training people exceed the rate their pairs with
/// holdout people show (the same AGs, people they were not trained on).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelativeExcess {
    /// AG × training pairs in the degree bins tested.
    pub train_pairs: u64,
    /// Those expected at the AG × holdout rate per pair.
    pub expected: f64,
    /// One-sided exact p-value of seeing that many or more at the holdout rate.
    pub p_value: f64,
}

/// The excess of AG × train pairs of duplicate up to `degree` (0: duplicates only, 1: and
/// first degree) over the AG × holdout rate, `None` without holdout pairs. Given all `c`
/// such pairs, under "no leak" the training ones are Binomial(c, train pairs / all pairs): the
/// exact test of two Poisson rates.
pub fn relative_excess(
    train: &KinshipComparison,
    holdout: &KinshipComparison,
    degree: usize,
) -> Option<RelativeExcess> {
    if holdout.pairs == 0 || train.pairs == 0 {
        return None;
    }
    let count = |c: &KinshipComparison| c.degree_counts[..=degree.min(3)].iter().sum::<u64>();
    let (ct, ch) = (count(train), count(holdout));
    let q = train.pairs as f64 / (train.pairs + holdout.pairs) as f64;
    Some(RelativeExcess {
        train_pairs: ct,
        expected: ch as f64 * train.pairs as f64 / holdout.pairs as f64,
        p_value: binomial_upper_tail(ct + ch, ct, q),
    })
}

/// `P(X ≥ k)` for `X ~ Binomial(n, q)`, summed in log space from `k` up.
fn binomial_upper_tail(n: u64, k: u64, q: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if q >= 1.0 {
        return 1.0;
    }
    // ln P(X = k) = ln C(n, k) + k ln q + (n − k) ln(1 − q).
    let ln_choose: f64 = (1..=k).map(|i| ((n - k + i) as f64 / i as f64).ln()).sum();
    let mut ln_p = ln_choose + k as f64 * q.ln() + (n - k) as f64 * (1.0 - q).ln();
    let mut total = 0.0;
    for j in k..=n {
        total += ln_p.exp();
        ln_p += ((n - j) as f64 / (j + 1) as f64).ln() + q.ln() - (1.0 - q).ln();
    }
    total.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinship_counts::pair_counts;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    /// Counts against genotypes summed per site, one pair at a time.
    #[test]
    fn bit_sliced_counts_match_genotype_sums() {
        let n_sites = 150;
        let v: Vec<u8> = (0..8 * n_sites)
            .map(|i| ((i as u64).wrapping_mul(2_654_435_761) >> 11).is_multiple_of(3) as u8)
            .collect();
        let sites: Sites = (1..=n_sites as u64)
            .map(|p| Site::new("1", p, "A", "G"))
            .collect();
        let m =
            HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("p", 4, Ploidy::Diploid))
                .unwrap();
        let g = Genotypes::of(&m).unwrap();
        let gt = |s: usize, k: usize| v[2 * s * n_sites + k] + v[(2 * s + 1) * n_sites + k];
        for i in 0..4 {
            for j in 0..4 {
                let (mut hh, mut ibs0, mut het) = (0, 0, 0);
                for k in 0..n_sites {
                    let (a, b) = (gt(i, k), gt(j, k));
                    hh += u32::from(a == 1 && b == 1);
                    ibs0 += u32::from(a.abs_diff(b) == 2);
                    het += u32::from(a == 1);
                }
                assert_eq!(pair_counts(&g, i, &g, j), (hh, ibs0));
                assert_eq!(g.het_count[i], het);
            }
        }
        // A sample with itself is a duplicate: kinship ½.
        let (hh, ibs0) = pair_counts(&g, 1, &g, 1);
        assert_eq!(king_robust(g.het_count[1], g.het_count[1], hh, ibs0), 0.5);
        assert!(king_robust(0, 5, 0, 0).is_nan());
        assert_eq!(degree(0.4), Some(0));
        assert_eq!(degree(0.05), Some(3));
        assert_eq!(degree(0.01), None);
    }

    /// The tail against scipy.stats.binom.sf(k − 1, n, q), and the excess on counts.
    #[test]
    fn relative_excess_is_the_exact_two_rate_test() {
        // scipy: binom.sf(6, 10, 0.5) = 0.171875; binom.sf(87, 88, 0.8) = 0.8**88.
        assert!((binomial_upper_tail(10, 7, 0.5) - 0.171_875).abs() < 1e-12);
        assert!((binomial_upper_tail(88, 88, 0.8) / 0.8f64.powi(88) - 1.0).abs() < 1e-9);
        assert_eq!(binomial_upper_tail(5, 0, 0.3), 1.0);
        let cmp = |pairs: u64, degree_counts: [u64; 4]| KinshipComparison {
            pairs,
            degree_counts,
            queries_with_relative: 0,
            queries_with_close_relative: 0,
            queries: 0,
            max: f64::NAN,
            closest: None,
            points: Vec::new(),
        };
        // Four times the pairs, four times the relatives: no excess.
        let same = relative_excess(&cmp(4000, [0, 8, 0, 0]), &cmp(1000, [0, 2, 0, 0]), 1).unwrap();
        assert_eq!((same.train_pairs, same.expected), (8, 8.0));
        assert!(same.p_value > 0.3, "{same:?}");
        // 40 first-degree pairs with training people, none with holdout people.
        let leak = relative_excess(&cmp(4000, [0, 40, 0, 0]), &cmp(1000, [0; 4]), 1).unwrap();
        assert!(leak.p_value < 1e-3, "{leak:?}");
        // Duplicates only: the first-degree pairs do not count.
        let dup = relative_excess(&cmp(4000, [0, 40, 0, 0]), &cmp(1000, [0; 4]), 0).unwrap();
        assert_eq!((dup.train_pairs, dup.p_value), (0, 1.0));
        assert!(relative_excess(&cmp(4000, [1; 4]), &cmp(0, [0; 4]), 1).is_none());
    }
}
