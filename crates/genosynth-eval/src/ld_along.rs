//! LD along the whole chromosome: the r² agreement of AGs (and of the holdout) with train in
//! windows spread evenly over each chromosome, and centred on the model's own boundaries when
//! the caller names them, so a model that loses LD across its segment joins cannot pass on
//! one well-modelled window.

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ld::r2_upper_triangle;
use crate::stats::{pearson, quantile};

/// One window of consecutive sites and its r² agreement with train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LdAlongWindow {
    /// Index of its first site.
    pub first_site: usize,
    /// Sites in it.
    pub n_sites: usize,
    /// Its chromosome.
    pub chrom: String,
    /// Position of its first site.
    pub from: u64,
    /// Position of its last site.
    pub to: u64,
    /// The model boundary (position) it is centred on; `null` for the evenly spread windows.
    pub boundary: Option<u64>,
    /// Pearson r of the window's pairwise r², AGs vs train.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub synthetic_r: f64,
    /// The same for the holdout vs train (with a holdout).
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub holdout_r: Option<f64>,
}

/// Minimum and median of the windows' r (undefined windows left out).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LdSpread {
    /// The worst window.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub min: f64,
    /// The median window.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub median: f64,
}

impl LdSpread {
    fn of(values: impl Iterator<Item = f64>) -> Self {
        let v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
        Self {
            min: v.iter().copied().fold(f64::NAN, f64::min),
            median: quantile(&v, 0.5),
        }
    }
}

/// r² agreement in windows along every chromosome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LdWindows {
    /// Sites per window (fewer on a shorter chromosome).
    pub window_sites: usize,
    /// The windows, evenly spread ones first (in site order), then those on model boundaries.
    pub windows: Vec<LdAlongWindow>,
    /// Over the evenly spread windows, AGs.
    pub synthetic: LdSpread,
    /// Over the evenly spread windows, holdout (with a holdout).
    pub holdout: Option<LdSpread>,
    /// Over the windows on model boundaries, AGs (when boundaries are named).
    pub synthetic_at_boundaries: Option<LdSpread>,
}

/// First sites of up to `count` windows of `window` sites spread evenly over every chromosome
/// (a run of sites with the same CHROM), shared out by its number of sites, at least one each;
/// never more windows on a chromosome than it holds without overlap.
pub(crate) fn even_window_starts(
    m: &HaplotypeMatrix,
    window: usize,
    count: usize,
) -> Vec<(usize, usize)> {
    let sites = m.sites();
    let n = sites.len();
    let mut runs = Vec::new();
    let mut a = 0;
    for k in 1..=n {
        if k == n || sites[k].chrom != sites[a].chrom {
            runs.push((a, k));
            a = k;
        }
    }
    let mut out = Vec::new();
    for (a, b) in runs {
        let len = b - a;
        let w = window.min(len);
        let share = ((count * len) as f64 / n as f64).round() as usize;
        let k = share.clamp(1, len.div_ceil(w));
        for i in 0..k {
            let start = if k == 1 {
                a
            } else {
                a + ((i * (len - w)) as f64 / (k - 1) as f64).round() as usize
            };
            out.push((start, w));
        }
    }
    out
}

/// A window of `window` sites centred on the site nearest `pos` on `chrom`, within its
/// chromosome; `None` when the chromosome is not evaluated.
fn window_at(m: &HaplotypeMatrix, chrom: &str, pos: u64, window: usize) -> Option<(usize, usize)> {
    let sites = m.sites();
    let idx: Vec<usize> = (0..sites.len())
        .filter(|&i| sites[i].chrom == chrom)
        .collect();
    let (&a, &last) = (idx.first()?, idx.last()?);
    let b = last + 1;
    let nearest = idx
        .iter()
        .copied()
        .min_by_key(|&i| sites[i].pos.abs_diff(pos))?;
    let w = window.min(b - a);
    let start = nearest.saturating_sub(w / 2).clamp(a, b - w);
    Some((start, w))
}

/// r² agreement of `synthetic` (and `holdout`) with `train` in `count` windows spread along
/// each chromosome and in one window centred on each of `boundaries` (`(CHROM, POS)` where the
/// model's segments meet). All matrices have the same sites.
pub fn ld_windows(
    train: &HaplotypeMatrix,
    synthetic: &HaplotypeMatrix,
    holdout: Option<&HaplotypeMatrix>,
    window: usize,
    count: usize,
    boundaries: &[(String, u64)],
) -> LdWindows {
    let mut places: Vec<(usize, usize, Option<u64>)> = even_window_starts(train, window, count)
        .into_iter()
        .map(|(s, w)| (s, w, None))
        .collect();
    let n_even = places.len();
    places.extend(
        boundaries
            .iter()
            .filter_map(|(c, p)| window_at(train, c, *p, window).map(|(s, w)| (s, w, Some(*p)))),
    );
    let sites = train.sites();
    let windows: Vec<LdAlongWindow> = places
        .par_iter()
        .map(|&(start, w, boundary)| {
            let idx: Vec<usize> = (start..start + w).collect();
            let t = r2_upper_triangle(train, &idx);
            LdAlongWindow {
                first_site: start,
                n_sites: w,
                chrom: sites[start].chrom.clone(),
                from: sites[start].pos,
                to: sites[start + w - 1].pos,
                boundary,
                synthetic_r: pearson(&t, &r2_upper_triangle(synthetic, &idx)),
                holdout_r: holdout.map(|h| pearson(&t, &r2_upper_triangle(h, &idx))),
            }
        })
        .collect();
    let even = &windows[..n_even];
    LdWindows {
        window_sites: window,
        synthetic: LdSpread::of(even.iter().map(|w| w.synthetic_r)),
        holdout: holdout.map(|_| LdSpread::of(even.iter().filter_map(|w| w.holdout_r))),
        synthetic_at_boundaries: (windows.len() > n_even)
            .then(|| LdSpread::of(windows[n_even..].iter().map(|w| w.synthetic_r))),
        windows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Mosaics of one set of founders with long blocks (strong LD) over `n_sites`; `seed`
    /// draws the mosaics.
    #[allow(clippy::needless_range_loop)] // the founder copied switches along the sites
    fn linked(n: usize, n_sites: usize, seed: u64) -> Vec<u8> {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let founders: Vec<Vec<u8>> = (0..8)
            .map(|_| (0..n_sites).map(|_| rng.random_bool(0.4) as u8).collect())
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut v = Vec::with_capacity(n * n_sites);
        for _ in 0..n {
            let mut f = rng.random_range(0..8);
            for s in 0..n_sites {
                if rng.random_bool(0.01) {
                    f = rng.random_range(0..8);
                }
                v.push(founders[f][s]);
            }
        }
        v
    }

    fn matrix(v: &[u8], n: usize, n_sites: usize) -> HaplotypeMatrix {
        let sites: Sites = (0..n_sites as u64)
            .map(|p| Site::new("1", 1000 + 50 * p, "A", "G"))
            .collect();
        HaplotypeMatrix::from_dense_u8(v, sites, Sample::numbered("h", n, Ploidy::Haploid)).unwrap()
    }

    /// Each window's r equals the one-window statistic on that window; AGs whose second half is
    /// shuffled between haplotypes (LD lost there, as a segment model that ignores its joins)
    /// keep a fine first window but their minimum and boundary window drop.
    #[test]
    fn windows_along_the_chromosome_see_lost_ld_the_first_window_hides() {
        let (n, n_sites) = (300, 600);
        let train = matrix(&linked(n, n_sites, 1), n, n_sites);
        let mut ags = linked(n, n_sites, 2);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for s in n_sites / 2..n_sites {
            // Each site of the second half drawn from a random haplotype: frequencies kept, LD gone.
            let column: Vec<u8> = (0..n).map(|h| ags[h * n_sites + s]).collect();
            for h in 0..n {
                ags[h * n_sites + s] = column[rng.random_range(0..n)];
            }
        }
        let ags = matrix(&ags, n, n_sites);
        let boundary = [("1".to_string(), 1000 + 50 * 300)];
        let w = ld_windows(&train, &ags, Some(&train), 100, 20, &boundary);
        assert_eq!(
            w.windows.len(),
            7,
            "6 even windows (no overlap) and 1 on the boundary"
        );
        assert_eq!(w.windows[0].first_site, 0);
        assert_eq!(w.windows[5].first_site, 500);
        assert_eq!(w.windows[6].first_site, 250);
        assert_eq!(w.windows[6].boundary, Some(16_000));
        let first = crate::ld_window(&train, &ags, 100).pearson_r;
        assert!((w.windows[0].synthetic_r - first).abs() < 1e-12);
        assert!(first > 0.6, "the first window looks fine: {first}");
        assert!(w.synthetic.min < 0.2, "{:?}", w.synthetic);
        assert!(w.synthetic_at_boundaries.unwrap().median < first - 0.2);
        assert!(w.holdout.unwrap().min > 1.0 - 1e-9, "train against itself");
    }

    #[test]
    fn windows_are_shared_out_over_chromosomes_and_stay_inside_them() {
        let sites: Sites = (0..250u64)
            .map(|p| Site::new(if p < 200 { "1" } else { "2" }, p + 1, "A", "G"))
            .collect();
        let m = HaplotypeMatrix::zeros(sites, Sample::numbered("h", 4, Ploidy::Haploid));
        let starts = even_window_starts(&m, 40, 10);
        assert_eq!(starts.iter().filter(|(s, _)| *s < 200).count(), 5);
        assert_eq!(starts.last(), Some(&(210, 40)));
        assert!(starts.iter().all(|&(s, w)| (s < 200) == (s + w <= 200)));
        assert_eq!(window_at(&m, "2", 1000, 40), Some((210, 40)));
        assert_eq!(window_at(&m, "X", 5, 40), None);
        assert_eq!(even_window_starts(&m, 1000, 3), vec![(0, 200), (200, 50)]);
    }
}
