//! All-pairs Hamming distances on bit-packed rows, streamed: each pass keeps only the nearest
//! and second-nearest neighbour of every row and a histogram of distances, so memory is linear
//! in the number of haplotypes and never `n² × sites`.

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(target_arch = "x86_64")]
mod avx512;

/// Rows of one side processed together (64 rows × 10⁴ sites is 80 KB: they stay in L2 while
/// the other side streams past them once per block).
const QUERY_BLOCK: usize = 64;
/// Rows of the other side visited per tile: one AVX-512 step (16 rows × 10⁴ sites is 20 KB),
/// which stays in L1 while the block's rows meet it; 256-row tiles (in L2) cost 14% more CPU.
const REFERENCE_TILE: usize = 16;

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
    /// The nearest distances within each requested pair of row subsets, in the order asked.
    pub runs: Vec<RunNearest>,
}

/// Nearest distances restricted to one pair of row subsets (a subsampled AATS repeat), found
/// in the same pass as the whole sets' neighbours instead of a pass of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunNearest {
    /// For each row of the first set: the distance to its nearest row of the second set's
    /// subset (self excluded within a set); `u32::MAX` for rows outside the first subset.
    pub first: Vec<u32>,
    /// The same for each row of the second set (empty within a set).
    pub second: Vec<u32>,
}

/// Row subsets (positions in a [`RowSet`]; `None` = every row) whose nearest distances a pass
/// tracks beside the whole sets'. Within a set both sides are the same subset.
pub type Run<'r> = (Option<&'r [usize]>, Option<&'r [usize]>);

/// Nearest neighbours of every row within one set (self excluded) and the histogram of all
/// `n(n−1)/2` pairwise distances.
pub fn scan_within(set: RowSet<'_>) -> PairScan {
    scan_within_runs(set, &[])
}

/// [`scan_within`], also giving each subset's nearest distances within itself.
pub fn scan_within_runs(set: RowSet<'_>, subsets: &[Option<&[usize]>]) -> PairScan {
    let runs: Vec<Run<'_>> = subsets.iter().map(|&s| (s, s)).collect();
    scan_batches(set, set, true, &runs, true)
}

/// Nearest neighbours of every row of `a` in `b` and of every row of `b` in `a`, and the
/// histogram of all `|a|·|b|` distances.
///
/// # Panics
/// If the two sets have different numbers of sites.
pub fn scan_between(a: RowSet<'_>, b: RowSet<'_>) -> PairScan {
    scan_between_runs(a, b, &[])
}

/// [`scan_between`], also giving each run's nearest distances between its two subsets.
///
/// # Panics
/// If the two sets have different numbers of sites.
pub fn scan_between_runs(a: RowSet<'_>, b: RowSet<'_>, runs: &[Run<'_>]) -> PairScan {
    assert_eq!(
        a.matrix.n_sites(),
        b.matrix.n_sites(),
        "distances need the same sites on both sides"
    );
    scan_batches(a, b, false, runs, true)
}

/// Runs one pass tracks (one bit of a row's mask each); more take further passes.
const RUNS_PER_PASS: usize = 64;

/// One pass per 64 runs (the first also gives the whole sets' figures).
fn scan_batches(
    a: RowSet<'_>,
    b: RowSet<'_>,
    within: bool,
    runs: &[Run<'_>],
    avx512: bool,
) -> PairScan {
    let mut batches = runs.chunks(RUNS_PER_PASS);
    let mut scan = scan_using(a, b, within, batches.next().unwrap_or(&[]), avx512);
    for batch in batches {
        scan.runs
            .extend(scan_using(a, b, within, batch, avx512).runs);
    }
    scan
}

/// Per-row masks of one side of `runs` (`pick` chooses the side).
fn side_masks<'r>(
    n: usize,
    runs: &[Run<'r>],
    pick: impl Fn(&Run<'r>) -> Option<&'r [usize]>,
) -> Vec<u64> {
    let mut masks = vec![0u64; n.div_ceil(16) * 16 + 16];
    for (bit, run) in runs.iter().enumerate() {
        match pick(run) {
            None => masks[..n].iter_mut().for_each(|m| *m |= 1 << bit),
            Some(rows) => rows.iter().for_each(|&r| masks[r] |= 1 << bit),
        }
    }
    masks
}

struct Accumulator {
    first: Vec<(usize, Vec<Nearest>, Vec<u32>)>,
    second: Vec<Nearest>,
    histogram: Vec<u64>,
    /// `run_cols[k · stride + j]`: column `j`'s nearest distance in run `k`.
    run_cols: Vec<u64>,
    /// The AVX-512 kernel's copy of `second`'s second-nearest distances.
    #[cfg(target_arch = "x86_64")]
    thresholds: Vec<u64>,
}

/// The runs of one pass: each row's bits and the number of runs.
#[derive(Clone, Copy)]
struct Masks<'m> {
    a: &'m [u64],
    b: &'m [u64],
    count: usize,
    /// Length of one run's column minima (`b`'s rows, padded to whole steps).
    stride: usize,
}

/// One pass over all pairs, with the AVX-512 kernel only when `avx512` allows it (tests
/// compare kernels).
fn scan_using(
    a: RowSet<'_>,
    b: RowSet<'_>,
    within: bool,
    runs: &[Run<'_>],
    avx512: bool,
) -> PairScan {
    assert!(runs.len() <= RUNS_PER_PASS);
    let bins = a.matrix.n_sites() + 1;
    let n_a = a.len();
    let n_b = b.len();
    let masks_a = side_masks(n_a, runs, |r| r.0);
    let masks_b = side_masks(n_b, runs, |r| r.1);
    let masks = Masks {
        a: &masks_a,
        b: &masks_b,
        count: runs.len(),
        stride: masks_b.len(),
    };
    let blocks: Vec<usize> = (0..n_a).step_by(QUERY_BLOCK).collect();
    #[cfg(target_arch = "x86_64")]
    let grouped = (avx512 && avx512::available()).then(|| avx512::Grouped::new(b));
    let fresh = || Accumulator {
        first: Vec::new(),
        second: vec![Nearest::NONE; n_b],
        histogram: vec![0; bins],
        run_cols: vec![u64::from(u32::MAX); masks.count * masks.stride],
        #[cfg(target_arch = "x86_64")]
        thresholds: if grouped.is_some() {
            avx512::column_thresholds(n_b)
        } else {
            Vec::new()
        },
    };
    let acc = blocks
        .into_par_iter()
        .fold(fresh, |mut acc, start| {
            let end = (start + QUERY_BLOCK).min(n_a);
            let mut rows = vec![Nearest::NONE; end - start];
            let mut run_rows = vec![u32::MAX; masks.count * (end - start)];
            let block = Block {
                start,
                end,
                rows: &mut rows,
                cols: &mut acc.second,
                histogram: &mut acc.histogram,
                masks,
                run_rows: &mut run_rows,
                run_cols: &mut acc.run_cols,
            };
            #[cfg(target_arch = "x86_64")]
            if let Some(grouped) = &grouped {
                // SAFETY: `grouped` exists only where the CPU has the kernel's features.
                unsafe { avx512::scan_block(a, grouped, within, &mut acc.thresholds, block) };
                acc.first.push((start, rows, run_rows));
                return acc;
            }
            scan_block(a, b, within, block);
            acc.first.push((start, rows, run_rows));
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
            x.run_cols
                .iter_mut()
                .zip(y.run_cols)
                .for_each(|(p, q)| *p = (*p).min(q));
            x
        });
    let mut first = vec![Nearest::NONE; n_a];
    let mut runs_first = vec![vec![u32::MAX; n_a]; masks.count];
    for (start, rows, run_rows) in acc.first {
        let len = rows.len();
        first[start..start + len].copy_from_slice(&rows);
        for (k, run) in runs_first.iter_mut().enumerate() {
            run[start..start + len].copy_from_slice(&run_rows[k * len..(k + 1) * len]);
        }
    }
    let mut second = acc.second;
    let mut runs_second: Vec<Vec<u32>> = acc
        .run_cols
        .chunks(masks.stride.max(1))
        .take(masks.count)
        .map(|c| c[..n_b].iter().map(|&d| d as u32).collect())
        .collect();
    if within {
        // Pairs were visited once (j > i); the column minima belong to the same rows.
        first
            .iter_mut()
            .zip(second.drain(..))
            .for_each(|(p, q)| p.merge(q));
        for (f, s) in runs_first.iter_mut().zip(runs_second.drain(..)) {
            f.iter_mut().zip(s).for_each(|(p, q)| *p = (*p).min(q));
        }
    }
    // Rows outside a run's first subset have no distance in it.
    for (k, run) in runs_first.iter_mut().enumerate() {
        for (d, &m) in run.iter_mut().zip(masks.a) {
            if m >> k & 1 == 0 {
                *d = u32::MAX;
            }
        }
    }
    if !within {
        for (k, run) in runs_second.iter_mut().enumerate() {
            for (d, &m) in run.iter_mut().zip(masks.b) {
                if m >> k & 1 == 0 {
                    *d = u32::MAX;
                }
            }
        }
    }
    PairScan {
        first,
        second,
        histogram: acc.histogram,
        runs: runs_first
            .into_iter()
            .zip(runs_second.into_iter().chain(std::iter::repeat(Vec::new())))
            .map(|(first, second)| RunNearest { first, second })
            .collect(),
    }
}

/// One block of query rows against every row of the other side: the pass's state.
struct Block<'s> {
    start: usize,
    end: usize,
    rows: &'s mut [Nearest],
    cols: &'s mut [Nearest],
    histogram: &'s mut [u64],
    masks: Masks<'s>,
    /// `run_rows[k · (end − start) + i − start]`: row `i`'s nearest distance in run `k`.
    run_rows: &'s mut [u32],
    run_cols: &'s mut [u64],
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
        masks,
        run_rows,
        run_cols,
    } = block;
    let n_b = b.len();
    let block_len = end - start;
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
                let mut shared = masks.a[i] & masks.b[j];
                while shared != 0 {
                    let k = shared.trailing_zeros() as usize;
                    shared &= shared - 1;
                    let r = &mut run_rows[k * block_len + i - start];
                    *r = (*r).min(d);
                    let c = &mut run_cols[k * masks.stride + j];
                    *c = (*c).min(u64::from(d));
                }
            }
        }
        tile = tile_end;
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
mod tests;
