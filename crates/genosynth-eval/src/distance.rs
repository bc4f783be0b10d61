//! All-pairs Hamming distances on bit-packed rows, streamed: each pass keeps only the nearest
//! and second-nearest neighbour of every row and a histogram of distances, so memory is linear
//! in the number of haplotypes and never `n² × sites`.

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows of one side processed together; small enough to balance work across threads.
const QUERY_BLOCK: usize = 32;
/// Rows of the other side visited per tile, so a tile stays in cache while a block runs.
const REFERENCE_TILE: usize = 256;

/// The nearest and second-nearest row of another set (or of the same set, self excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nearest {
    /// Hamming distance to the nearest row (`u32::MAX` when the other set is empty).
    pub distance: u32,
    /// Index of the nearest row (the lowest index among equally near rows).
    pub index: u32,
    /// Hamming distance to the second-nearest row (`u32::MAX` when there is none).
    pub second: u32,
}

impl Nearest {
    /// No neighbour seen yet.
    pub const NONE: Nearest = Nearest {
        distance: u32::MAX,
        index: u32::MAX,
        second: u32::MAX,
    };

    #[inline(always)]
    fn offer(&mut self, d: u32, j: u32) {
        if d < self.distance || (d == self.distance && j < self.index) {
            // The old nearest (never farther than the old second) becomes the second.
            self.second = self.distance;
            self.distance = d;
            self.index = j;
        } else if d < self.second {
            self.second = d;
        }
    }

    fn merge(&mut self, o: Nearest) {
        let mut ds = [self.distance, self.second, o.distance, o.second];
        ds.sort_unstable();
        if (o.distance, o.index) < (self.distance, self.index) {
            self.distance = o.distance;
            self.index = o.index;
        }
        self.second = ds[1];
    }
}

/// A set of rows of a matrix: all of them, or a chosen subset (for subsampling without
/// copying).
#[derive(Debug, Clone, Copy)]
pub struct RowSet<'a> {
    matrix: &'a HaplotypeMatrix,
    rows: Option<&'a [usize]>,
}

impl<'a> RowSet<'a> {
    /// All rows of `matrix`.
    pub fn all(matrix: &'a HaplotypeMatrix) -> Self {
        Self { matrix, rows: None }
    }

    /// The given rows of `matrix`.
    ///
    /// # Panics
    /// When used, if a row index is out of range.
    pub fn subset(matrix: &'a HaplotypeMatrix, rows: &'a [usize]) -> Self {
        Self {
            matrix,
            rows: Some(rows),
        }
    }

    /// Number of rows in the set.
    pub fn len(&self) -> usize {
        self.rows.map_or(self.matrix.n_haplotypes(), <[usize]>::len)
    }

    /// Whether the set has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline(always)]
    fn row(&self, i: usize) -> &'a [u64] {
        match self.rows {
            Some(r) => self.matrix.row(r[i]),
            None => self.matrix.row(i),
        }
    }
}

/// Result of one streamed pass over all pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairScan {
    /// For each row of the first set, its nearest rows in the second (or same) set.
    pub first: Vec<Nearest>,
    /// For each row of the second set, its nearest rows in the first set (empty for a
    /// within-set pass, where `first` already holds every row's neighbours).
    pub second: Vec<Nearest>,
    /// `histogram[d]` = number of unordered pairs at Hamming distance `d` (`sites + 1` bins).
    pub histogram: Vec<u64>,
}

/// Nearest neighbours of every row within one set (self excluded) and the histogram of all
/// `n(n−1)/2` pairwise distances.
pub fn scan_within(set: RowSet<'_>) -> PairScan {
    scan(set, set, true)
}

/// Nearest neighbours of every row of `a` in `b` and of every row of `b` in `a`, and the
/// histogram of all `|a|·|b|` distances.
///
/// # Panics
/// If the two sets have different numbers of sites.
pub fn scan_between(a: RowSet<'_>, b: RowSet<'_>) -> PairScan {
    assert_eq!(
        a.matrix.n_sites(),
        b.matrix.n_sites(),
        "distances need the same sites on both sides"
    );
    scan(a, b, false)
}

struct Accumulator {
    first: Vec<(usize, Vec<Nearest>)>,
    second: Vec<Nearest>,
    histogram: Vec<u64>,
}

fn scan(a: RowSet<'_>, b: RowSet<'_>, within: bool) -> PairScan {
    scan_using(a, b, within, true)
}

/// [`scan`], with the AVX-512 kernel only when `avx512` allows it (tests compare kernels).
fn scan_using(a: RowSet<'_>, b: RowSet<'_>, within: bool, avx512: bool) -> PairScan {
    let bins = a.matrix.n_sites() + 1;
    let n_a = a.len();
    let n_b = b.len();
    let blocks: Vec<usize> = (0..n_a).step_by(QUERY_BLOCK).collect();
    let fresh = || Accumulator {
        first: Vec::new(),
        second: vec![Nearest::NONE; n_b],
        histogram: vec![0; bins],
    };
    #[cfg(target_arch = "x86_64")]
    let grouped = (avx512 && avx512::available()).then(|| avx512::Grouped::new(b));
    let acc = blocks
        .into_par_iter()
        .fold(fresh, |mut acc, start| {
            let end = (start + QUERY_BLOCK).min(n_a);
            let mut rows = vec![Nearest::NONE; end - start];
            let block = Block {
                start,
                end,
                rows: &mut rows,
                cols: &mut acc.second,
                histogram: &mut acc.histogram,
            };
            #[cfg(target_arch = "x86_64")]
            if let Some(grouped) = &grouped {
                // SAFETY: `grouped` exists only where the CPU has the kernel's features.
                unsafe { avx512::scan_block(a, grouped, within, block) };
                acc.first.push((start, rows));
                return acc;
            }
            scan_block(a, b, within, block);
            acc.first.push((start, rows));
            acc
        })
        .reduce(fresh, |mut x, y| {
            x.first.extend(y.first);
            x.second
                .iter_mut()
                .zip(y.second)
                .for_each(|(p, q)| p.merge(q));
            x.histogram
                .iter_mut()
                .zip(y.histogram)
                .for_each(|(p, q)| *p += q);
            x
        });
    let mut first = vec![Nearest::NONE; n_a];
    for (start, rows) in acc.first {
        first[start..start + rows.len()].copy_from_slice(&rows);
    }
    let mut second = acc.second;
    if within {
        // Pairs were visited once (j > i); the column minima belong to the same rows.
        first
            .iter_mut()
            .zip(second.drain(..))
            .for_each(|(p, q)| p.merge(q));
    }
    PairScan {
        first,
        second,
        histogram: acc.histogram,
    }
}

/// One block of query rows against every row of the other side: the pass's state.
struct Block<'s> {
    start: usize,
    end: usize,
    rows: &'s mut [Nearest],
    cols: &'s mut [Nearest],
    histogram: &'s mut [u64],
}

fn scan_block(a: RowSet<'_>, b: RowSet<'_>, within: bool, block: Block<'_>) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports popcnt, checked just above.
            unsafe { scan_block_popcnt(a, b, within, block) };
            return;
        }
    }
    scan_block_generic(a, b, within, block);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn scan_block_popcnt(a: RowSet<'_>, b: RowSet<'_>, within: bool, block: Block<'_>) {
    scan_block_generic(a, b, within, block);
}

#[inline(always)]
fn scan_block_generic(a: RowSet<'_>, b: RowSet<'_>, within: bool, block: Block<'_>) {
    let Block {
        start,
        end,
        rows,
        cols,
        histogram,
    } = block;
    let n_b = b.len();
    let first_j = if within { start + 1 } else { 0 };
    let mut tile = first_j;
    while tile < n_b {
        let tile_end = (tile + REFERENCE_TILE).min(n_b);
        for i in start..end {
            let ra = a.row(i);
            let lo = if within { tile.max(i + 1) } else { tile };
            let best = &mut rows[i - start];
            for (j, col) in cols.iter_mut().enumerate().take(tile_end).skip(lo) {
                let rb = b.row(j);
                let d: u32 = ra.iter().zip(rb).map(|(x, y)| (x ^ y).count_ones()).sum();
                best.offer(d, j as u32);
                col.offer(d, i as u32);
                histogram[d as usize] += 1;
            }
        }
        tile = tile_end;
    }
}

/// AVX-512 kernel: the other side's rows are regrouped eight at a time, word by word, so one
/// XOR + VPOPCNTQ per word gives eight distances at once, with no horizontal sums.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        _mm512_add_epi64, _mm512_loadu_si512, _mm512_popcnt_epi64, _mm512_set1_epi64,
        _mm512_setzero_si512, _mm512_storeu_si512, _mm512_xor_si512,
    };

    use super::{Block, REFERENCE_TILE, RowSet};

    /// Whether this CPU runs the kernel.
    pub(super) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
    }

    /// Rows in groups of eight: word `w` of row `8g + lane` at `(g · words_per_row + w) · 8 +
    /// lane`; missing rows of the last group are zeros (their distances are never used).
    pub(super) struct Grouped {
        words: Vec<u64>,
        words_per_row: usize,
        n_rows: usize,
    }

    impl Grouped {
        pub(super) fn new(set: RowSet<'_>) -> Self {
            let n_rows = set.len();
            let words_per_row = set.matrix.words_per_row();
            let mut words = vec![0u64; n_rows.div_ceil(8) * words_per_row * 8];
            for j in 0..n_rows {
                let (g, lane) = (j / 8, j % 8);
                for (w, &x) in set.row(j).iter().enumerate() {
                    words[(g * words_per_row + w) * 8 + lane] = x;
                }
            }
            Self {
                words,
                words_per_row,
                n_rows,
            }
        }
    }

    const _: () = assert!(REFERENCE_TILE.is_multiple_of(8));

    #[target_feature(enable = "avx512f,avx512vpopcntdq")]
    pub(super) fn scan_block(a: RowSet<'_>, b: &Grouped, within: bool, block: Block<'_>) {
        let Block {
            start,
            end,
            rows,
            cols,
            histogram,
        } = block;
        let (n_b, wpr) = (b.n_rows, b.words_per_row);
        let first_j = if within { start + 1 } else { 0 };
        let mut tile = first_j / 8 * 8;
        let mut d = [0u64; 8];
        while tile < n_b {
            let tile_end = (tile + REFERENCE_TILE).min(n_b);
            for i in start..end {
                let ra = a.row(i);
                let lo = if within { tile.max(i + 1) } else { tile };
                let best = &mut rows[i - start];
                for g in lo / 8..tile_end.div_ceil(8) {
                    let group = &b.words[g * wpr * 8..(g + 1) * wpr * 8];
                    let mut acc = _mm512_setzero_si512();
                    for (w, &x) in ra.iter().enumerate() {
                        // SAFETY: `group` holds `wpr` runs of eight words and `w < wpr`.
                        let y = unsafe { _mm512_loadu_si512(group.as_ptr().add(w * 8).cast()) };
                        let x = _mm512_set1_epi64(x as i64);
                        acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(_mm512_xor_si512(x, y)));
                    }
                    // SAFETY: `d` holds eight u64, one 512-bit store.
                    unsafe { _mm512_storeu_si512(d.as_mut_ptr().cast(), acc) };
                    let j0 = g * 8;
                    for (lane, &dist) in d
                        .iter()
                        .enumerate()
                        .take(tile_end - j0)
                        .skip(lo.saturating_sub(j0))
                    {
                        let (j, dist) = (j0 + lane, dist as u32);
                        best.offer(dist, j as u32);
                        cols[j].offer(dist, i as u32);
                        histogram[dist as usize] += 1;
                    }
                }
            }
            tile = tile_end;
        }
    }
}

/// Mean distance of a distance histogram (`NaN` when it is empty).
pub fn histogram_mean(histogram: &[u64]) -> f64 {
    let n: u64 = histogram.iter().sum();
    if n == 0 {
        return f64::NAN;
    }
    histogram
        .iter()
        .enumerate()
        .map(|(d, &c)| d as f64 * c as f64)
        .sum::<f64>()
        / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};
    use proptest::prelude::*;

    fn random_matrix(n_hap: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
        let mut x = seed | 1;
        let v: Vec<u8> = (0..n_hap * n_sites)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.is_multiple_of(3) as u8
            })
            .collect();
        let sites: Sites = (0..n_sites)
            .map(|i| Site::new("1", i as u64 + 1, "A", "C"))
            .collect();
        HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("h", n_hap, Ploidy::Haploid))
            .unwrap()
    }

    fn brute(a: &HaplotypeMatrix, b: &HaplotypeMatrix, i: usize, skip_self: bool) -> (u32, u32) {
        let mut d: Vec<u32> = (0..b.n_haplotypes())
            .filter(|&j| !(skip_self && j == i))
            .map(|j| genosynth_core::hamming_words(a.row(i), b.row(j)))
            .collect();
        d.sort_unstable();
        (d[0], d.get(1).copied().unwrap_or(u32::MAX))
    }

    proptest! {
        #[test]
        fn streamed_nearest_equals_brute_force(na in 2usize..90, nb in 2usize..90,
                                               sites in 1usize..1100, seed in any::<u64>()) {
            let a = random_matrix(na, sites, seed);
            let b = random_matrix(nb, sites, seed.wrapping_add(99));
            let between = scan_between(RowSet::all(&a), RowSet::all(&b));
            for i in 0..na {
                let (d1, d2) = brute(&a, &b, i, false);
                prop_assert_eq!((between.first[i].distance, between.first[i].second), (d1, d2));
                let j = between.first[i].index as usize;
                prop_assert_eq!(a.hamming(0, 0), 0);
                prop_assert_eq!(genosynth_core::hamming_words(a.row(i), b.row(j)), d1);
            }
            for j in 0..nb {
                let (d1, d2) = brute(&b, &a, j, false);
                prop_assert_eq!((between.second[j].distance, between.second[j].second), (d1, d2));
            }
            prop_assert_eq!(between.histogram.iter().sum::<u64>(), (na * nb) as u64);
            let within = scan_within(RowSet::all(&a));
            for i in 0..na {
                let (d1, d2) = brute(&a, &a, i, true);
                prop_assert_eq!((within.first[i].distance, within.first[i].second), (d1, d2));
                prop_assert_ne!(within.first[i].index as usize, i);
            }
            prop_assert_eq!(within.histogram.iter().sum::<u64>(), (na * (na - 1) / 2) as u64);
        }
    }

    /// The AVX-512 kernel (where this CPU has it) and the portable one give the same passes,
    /// including sets whose sizes are not multiples of the kernel's groups and tiles.
    #[test]
    fn kernels_agree() {
        for (na, nb, sites) in [(37, 301, 805), (300, 300, 130), (9, 17, 64)] {
            let a = random_matrix(na, sites, 5);
            let b = random_matrix(nb, sites, 6);
            for within in [false, true] {
                let other = if within {
                    RowSet::all(&a)
                } else {
                    RowSet::all(&b)
                };
                let fast = scan_using(RowSet::all(&a), other, within, true);
                let portable = scan_using(RowSet::all(&a), other, within, false);
                assert_eq!(fast, portable, "{na} x {nb} x {sites}, within {within}");
            }
        }
    }

    #[test]
    fn distance_matrix_is_symmetric_with_zero_diagonal() {
        let a = random_matrix(40, 100, 7);
        let ab = scan_between(RowSet::all(&a), RowSet::all(&a));
        // Against itself every row's nearest is at distance 0 (itself) ...
        assert!(ab.first.iter().all(|n| n.distance == 0));
        // ... and the between-set histogram counts each off-diagonal pair twice.
        let within = scan_within(RowSet::all(&a));
        for d in 1..within.histogram.len() {
            assert_eq!(ab.histogram[d], 2 * within.histogram[d]);
        }
        assert_eq!(ab.histogram[0], 40 + 2 * within.histogram[0]);
        for i in 0..40 {
            for j in 0..40 {
                assert_eq!(a.hamming(i, j), a.hamming(j, i));
            }
        }
    }
}
