//! Haplotype frequencies in sliding windows: how often each short haplotype occurs in real and
//! synthetic data, and how many synthetic ones never occur in real data.

use genosynth_core::{HaplotypeMatrix, read_bits};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::stats::pearson;

/// Haplotype frequency agreement for one window size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowHaplotypeStats {
    /// Sites per window.
    pub window: usize,
    /// Windows visited (start every `window / 2` sites).
    pub n_windows: usize,
    /// Pearson r of (reference, compared) frequencies over every haplotype seen in either
    /// set in every window.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub pearson_r: f64,
    /// Share of compared window-haplotypes (occurrences) never seen in the reference.
    #[serde(deserialize_with = "crate::nan::deserialize")]
    pub unseen_share: f64,
    /// (reference frequency, compared frequency) per distinct window-haplotype, thinned to at
    /// most a few thousand points for plotting (drawn in the HTML, not in report.json).
    #[serde(skip)]
    pub points: Vec<(f64, f64)>,
}

/// Most points kept per window size for the scatter plot.
const MAX_POINTS: usize = 4000;

/// An open-addressing table of window-haplotype counts in both sets, reused across windows:
/// counting is linear in the haplotypes, and only the slots used are read back and cleared.
struct CountTable {
    keys: Vec<u64>,
    /// Occurrences per slot in the reference and the compared set; both 0 marks a free slot.
    counts: Vec<[u32; 2]>,
    /// Slots in the order their haplotype was first seen: reference haplotypes first, so the
    /// output order is fixed by the data alone.
    used: Vec<usize>,
    shift: u32,
}

/// Frequencies of one window's haplotypes in both sets.
struct WindowCounts {
    /// Reference frequency per haplotype seen in either set.
    reference: Vec<f64>,
    /// Compared frequency, aligned with `reference`.
    compared: Vec<f64>,
    /// Compared occurrences of haplotypes absent from the reference.
    unseen: u64,
    /// Compared occurrences.
    total: u64,
}

impl CountTable {
    fn new(max_haplotypes: usize) -> Self {
        let size = (4 * max_haplotypes).next_power_of_two().max(16);
        Self {
            keys: vec![0; size],
            counts: vec![[0; 2]; size],
            used: Vec::new(),
            shift: 64 - size.trailing_zeros(),
        }
    }

    fn add(&mut self, m: &HaplotypeMatrix, set: usize, start: usize, window: usize) {
        let mask = self.keys.len() - 1;
        for h in 0..m.n_haplotypes() {
            let key = read_bits(m.row(h), start, window);
            // Fibonacci hashing: the top bits of key · 2⁶⁴/φ spread nearby keys apart.
            let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
            while self.counts[slot] != [0, 0] && self.keys[slot] != key {
                slot = (slot + 1) & mask;
            }
            if self.counts[slot] == [0, 0] {
                self.keys[slot] = key;
                self.used.push(slot);
            }
            self.counts[slot][set] += 1;
        }
    }

    /// Counts the window starting at `start` in both sets and returns their frequencies.
    fn window(
        &mut self,
        reference: &HaplotypeMatrix,
        compared: &HaplotypeMatrix,
        start: usize,
        window: usize,
    ) -> WindowCounts {
        self.add(reference, 0, start, window);
        self.add(compared, 1, start, window);
        let nr = reference.n_haplotypes().max(1) as f64;
        let nc = compared.n_haplotypes().max(1) as f64;
        let mut out = WindowCounts {
            reference: Vec::with_capacity(self.used.len()),
            compared: Vec::with_capacity(self.used.len()),
            unseen: 0,
            total: compared.n_haplotypes() as u64,
        };
        for slot in self.used.drain(..) {
            let [r, c] = std::mem::take(&mut self.counts[slot]);
            if r == 0 {
                out.unseen += u64::from(c);
            }
            out.reference.push(f64::from(r) / nr);
            out.compared.push(f64::from(c) / nc);
        }
        out
    }
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
            // Windows are independent: count them in parallel, then concatenate in window order
            // so the points (and the thinning below) are the same on every run.
            let largest = reference.n_haplotypes().max(compared.n_haplotypes());
            let per_window: Vec<WindowCounts> = starts
                .par_iter()
                .map_init(
                    || CountTable::new(largest),
                    |table, &start| table.window(reference, compared, start, window),
                )
                .collect();
            let mut fr = Vec::new();
            let mut fc = Vec::new();
            let (mut unseen, mut total) = (0u64, 0u64);
            for w in per_window {
                fr.extend(w.reference);
                fc.extend(w.compared);
                unseen += w.unseen;
                total += w.total;
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
