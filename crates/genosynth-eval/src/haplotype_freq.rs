//! Haplotype frequencies in sliding windows: how often each short haplotype occurs in real and
//! synthetic data, and how many synthetic ones never occur in real data.

use std::collections::HashMap;

use genosynth_core::HaplotypeMatrix;
use serde::Serialize;

use crate::stats::pearson;

/// Haplotype frequency agreement for one window size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowHaplotypeStats {
    /// Sites per window.
    pub window: usize,
    /// Windows visited (start every `window / 2` sites).
    pub n_windows: usize,
    /// Pearson r of (reference, compared) frequencies over every haplotype seen in either
    /// set in every window.
    pub pearson_r: f64,
    /// Share of compared window-haplotypes (occurrences) never seen in the reference.
    pub unseen_share: f64,
    /// (reference frequency, compared frequency) per distinct window-haplotype, thinned to at
    /// most a few thousand points for plotting.
    pub points: Vec<(f64, f64)>,
}

/// Most points kept per window size for the scatter plot.
const MAX_POINTS: usize = 4000;

/// The `len` bits (≤ 64) of a packed row starting at site `start`.
fn bits_at(row: &[u64], start: usize, len: usize) -> u64 {
    let (w, b) = (start / 64, start % 64);
    let mut v = row[w] >> b;
    if b != 0 && w + 1 < row.len() {
        v |= row[w + 1] << (64 - b);
    }
    if len < 64 { v & ((1u64 << len) - 1) } else { v }
}

/// Window-haplotype frequencies for each window size (sizes above 64 or the site count are
/// skipped), same sites in both sets.
pub fn window_haplotype_frequencies(
    reference: &HaplotypeMatrix,
    compared: &HaplotypeMatrix,
    window_sizes: &[usize],
) -> Vec<WindowHaplotypeStats> {
    let n_sites = reference.n_sites();
    window_sizes
        .iter()
        .copied()
        .filter(|&w| (1..=64).contains(&w) && w <= n_sites)
        .map(|window| {
            let step = (window / 2).max(1);
            let starts: Vec<usize> = (0..=n_sites - window).step_by(step).collect();
            let mut fr = Vec::new();
            let mut fc = Vec::new();
            let (mut unseen, mut total) = (0u64, 0u64);
            for &start in &starts {
                let count = |m: &HaplotypeMatrix| {
                    let mut c: HashMap<u64, u32> = HashMap::new();
                    for h in 0..m.n_haplotypes() {
                        *c.entry(bits_at(m.row(h), start, window)).or_default() += 1;
                    }
                    c
                };
                let cr = count(reference);
                let cc = count(compared);
                let nr = reference.n_haplotypes().max(1) as f64;
                let nc = compared.n_haplotypes().max(1) as f64;
                for (k, &v) in &cr {
                    fr.push(v as f64 / nr);
                    fc.push(cc.get(k).copied().unwrap_or(0) as f64 / nc);
                }
                for (k, &v) in &cc {
                    total += v as u64;
                    if !cr.contains_key(k) {
                        unseen += v as u64;
                        fr.push(0.0);
                        fc.push(v as f64 / nc);
                    }
                }
            }
            let stride = fr.len().div_ceil(MAX_POINTS).max(1);
            WindowHaplotypeStats {
                window,
                n_windows: starts.len(),
                pearson_r: pearson(&fr, &fc),
                unseen_share: if total == 0 {
                    0.0
                } else {
                    unseen as f64 / total as f64
                },
                points: fr
                    .iter()
                    .zip(&fc)
                    .step_by(stride)
                    .map(|(a, b)| (*a, *b))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};

    #[test]
    fn bits_at_crosses_word_boundaries() {
        let row = [0xF000_0000_0000_0000u64, 0b1011];
        assert_eq!(bits_at(&row, 60, 8), 0b1011_1111);
        assert_eq!(bits_at(&row, 0, 4), 0);
    }

    #[test]
    fn identical_sets_agree_and_new_haplotypes_are_counted() {
        let sites: Sites = (1..=4).map(|p| Site::new("1", p, "A", "G")).collect();
        let s = |n| Sample::numbered("h", n, Ploidy::Haploid);
        let a = HaplotypeMatrix::from_dense_u8(
            &[1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0],
            sites.clone(),
            s(3),
        )
        .unwrap();
        let b = HaplotypeMatrix::from_dense_u8(&[1, 1, 0, 0, 1, 0, 1, 0], sites, s(2)).unwrap();
        let same = window_haplotype_frequencies(&a, &a, &[2, 4]);
        assert_eq!(same.len(), 2);
        assert!((same[1].pearson_r - 1.0).abs() < 1e-12);
        assert_eq!(same[0].unseen_share, 0.0);
        let diff = window_haplotype_frequencies(&a, &b, &[4]);
        assert_eq!(diff[0].unseen_share, 0.5);
    }
}
