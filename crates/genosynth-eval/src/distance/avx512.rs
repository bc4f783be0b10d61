//! AVX-512 kernel: the other side's rows are regrouped eight at a time, word by word, so one
//! XOR + VPOPCNTQ per word gives eight distances at once, with no horizontal sums. Four query
//! rows meet two groups per step (eight accumulators in registers), so each loaded word of the
//! other side serves four rows and each broadcast query word sixteen distances.

use std::arch::x86_64::{
    __m512i, _mm_loadu_si64, _mm512_add_epi64, _mm512_broadcastq_epi64, _mm512_cmple_epu64_mask,
    _mm512_loadu_si512, _mm512_mask_min_epu64, _mm512_popcnt_epi64, _mm512_set1_epi64,
    _mm512_setzero_si512, _mm512_storeu_si512, _mm512_test_epi64_mask, _mm512_xor_si512,
};

use super::{Block, Masks, Nearest, REFERENCE_TILE, RowSet};

/// Query rows per step of the kernel.
const ROWS: usize = 4;
/// Reference rows per step: two groups of eight.
const LANES: usize = 16;

const _: () = assert!(REFERENCE_TILE.is_multiple_of(LANES));

/// Whether this CPU runs the kernel.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
}

/// Rows in groups of eight: word `w` of row `8g + lane` at `(g · words_per_row + w) · 8 +
/// lane`; missing rows of the last group, and one whole group after it (so a step can always
/// take two groups), are zeros whose distances are never used.
pub(super) struct Grouped {
    words: Vec<u64>,
    words_per_row: usize,
    n_rows: usize,
}

impl Grouped {
    pub(super) fn new(set: RowSet<'_>) -> Self {
        let n_rows = set.len();
        let words_per_row = set.matrix.words_per_row();
        let groups = n_rows.div_ceil(LANES) * 2;
        let mut words = vec![0u64; groups * words_per_row * 8];
        for j in 0..n_rows {
            let (g, lane) = (j / 8, j % 8);
            let group = &mut words[g * words_per_row * 8..(g + 1) * words_per_row * 8];
            for (slot, &x) in group.iter_mut().skip(lane).step_by(8).zip(set.row(j)) {
                *slot = x;
            }
        }
        Self {
            words,
            words_per_row,
            n_rows,
        }
    }

    fn group(&self, g: usize) -> &[u64] {
        let size = self.words_per_row * 8;
        &self.words[g * size..(g + 1) * size]
    }
}

/// Thresholds for `n` fresh column minima, kept beside them by [`scan_block`]: a column is
/// offered a distance only when it is not above the column's second-nearest distance (every
/// other offer is a no-op), so most pairs are settled by one vector compare. Padded so a step
/// can always load sixteen.
pub(super) fn column_thresholds(n: usize) -> Vec<u64> {
    vec![u64::from(Nearest::NONE.second); n.div_ceil(LANES) * LANES + LANES]
}

/// Distances of four query rows to sixteen rows of `b` (groups `g`, `g + 1`): `[row][group]`.
#[inline]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
fn distances(x: [&[u64]; ROWS], y0: &[u64], y1: &[u64]) -> [[__m512i; 2]; ROWS] {
    let words = y0.len() / 8;
    assert!(y1.len() == words * 8 && x.iter().all(|r| r.len() == words));
    let (p0, p1) = (y0.as_ptr(), y1.as_ptr());
    let q = x.map(<[u64]>::as_ptr);
    let mut acc = [[_mm512_setzero_si512(); 2]; ROWS];
    for w in 0..words {
        // SAFETY: `w < words`: every pointer stays inside its slice (checked above). The query
        // words are broadcast straight from memory, keeping port 5 for VPOPCNTQ.
        let (g0, g1, b) = unsafe {
            (
                _mm512_loadu_si512(p0.wrapping_add(w * 8).cast()),
                _mm512_loadu_si512(p1.wrapping_add(w * 8).cast()),
                q.map(|q| _mm512_broadcastq_epi64(_mm_loadu_si64(q.wrapping_add(w).cast()))),
            )
        };
        for (acc, b) in acc.iter_mut().zip(b) {
            acc[0] = _mm512_add_epi64(acc[0], _mm512_popcnt_epi64(_mm512_xor_si512(b, g0)));
            acc[1] = _mm512_add_epi64(acc[1], _mm512_popcnt_epi64(_mm512_xor_si512(b, g1)));
        }
    }
    acc
}

/// Row `i`'s distances to the sixteen rows from `j0` (`valid` lanes) offered to every run
/// holding row `i`, branch-free: masked VPMINUQ into the row's eight-lane minima (`row_lanes`,
/// one vector per run, reduced once per block) and into the columns' minima.
#[allow(clippy::too_many_arguments)]
#[inline]
#[target_feature(enable = "avx512f,avx512vpopcntdq")]
fn runs_offer(
    acc: &[__m512i; 2],
    i: usize,
    j0: usize,
    valid: u32,
    masks: Masks<'_>,
    row_lanes: &mut [u64],
    run_cols: &mut [u64],
) {
    // SAFETY: the column masks are padded by a whole step past every step's start.
    let lane_bits = unsafe {
        [
            _mm512_loadu_si512(masks.b.as_ptr().add(j0).cast()),
            _mm512_loadu_si512(masks.b.as_ptr().add(j0 + 8).cast()),
        ]
    };
    let mut runs = masks.a[i];
    while runs != 0 {
        let k = runs.trailing_zeros() as usize;
        runs &= runs - 1;
        let bit = _mm512_set1_epi64(1 << k);
        let lo = _mm512_test_epi64_mask(lane_bits[0], bit) & valid as u8;
        let hi = _mm512_test_epi64_mask(lane_bits[1], bit) & (valid >> 8) as u8;
        let row = &mut row_lanes[k * 8..k * 8 + 8];
        let cols = &mut run_cols[k * masks.stride + j0..k * masks.stride + j0 + LANES];
        // SAFETY: `row` holds eight u64 and `cols` sixteen: unaligned 512-bit loads and stores.
        unsafe {
            let r = _mm512_loadu_si512(row.as_ptr().cast());
            let r = _mm512_mask_min_epu64(r, lo, r, acc[0]);
            let r = _mm512_mask_min_epu64(r, hi, r, acc[1]);
            _mm512_storeu_si512(row.as_mut_ptr().cast(), r);
            let p = cols.as_mut_ptr();
            let c0 = _mm512_loadu_si512(p.cast());
            let c1 = _mm512_loadu_si512(p.add(8).cast());
            _mm512_storeu_si512(p.cast(), _mm512_mask_min_epu64(c0, lo, c0, acc[0]));
            _mm512_storeu_si512(p.add(8).cast(), _mm512_mask_min_epu64(c1, hi, c1, acc[1]));
        }
    }
}

/// Lanes `l` of sixteen starting at `j0` with `lo ≤ j0 + l < hi`.
fn lane_mask(j0: usize, lo: usize, hi: usize) -> u32 {
    let below = lo.saturating_sub(j0).min(LANES);
    let upto = hi.saturating_sub(j0).min(LANES);
    ((1u32 << upto) - 1) & !((1u32 << below) - 1)
}

#[target_feature(enable = "avx512f,avx512vpopcntdq")]
pub(super) fn scan_block(
    a: RowSet<'_>,
    b: &Grouped,
    within: bool,
    thresholds: &mut [u64],
    block: Block<'_>,
) {
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
    let n_b = b.n_rows;
    let block_len = end - start;
    // `row_lanes[((i − start) · runs + k) · 8 + lane]`: row `i`'s run-`k` minima by lane.
    let mut row_lanes = vec![u64::from(u32::MAX); block_len * masks.count * 8];
    let first_j = if within { start + 1 } else { 0 };
    let mut tile = first_j / LANES * LANES;
    let mut d = [0u64; LANES];
    while tile < n_b {
        let tile_end = (tile + REFERENCE_TILE).min(n_b);
        for i0 in (start..end).step_by(ROWS) {
            // Missing rows of the last step repeat the block's last row; their lanes are masked.
            let x: [&[u64]; ROWS] = std::array::from_fn(|r| a.row((i0 + r).min(end - 1)));
            let lo = if within { tile.max(i0 + 1) } else { tile };
            for j0 in (lo / LANES * LANES..tile_end).step_by(LANES) {
                let g = j0 / 8;
                let acc = distances(x, b.group(g), b.group(g + 1));
                // SAFETY: `thresholds` has `LANES` slots past every step's start.
                let col_t = unsafe {
                    [
                        _mm512_loadu_si512(thresholds.as_ptr().add(j0).cast()),
                        _mm512_loadu_si512(thresholds.as_ptr().add(j0 + 8).cast()),
                    ]
                };
                for (r, acc) in acc.iter().enumerate() {
                    let i = i0 + r;
                    if i >= end {
                        break;
                    }
                    let valid = lane_mask(j0, if within { lo.max(i + 1) } else { lo }, tile_end);
                    // SAFETY: `d` holds sixteen u64, two 512-bit stores.
                    unsafe {
                        _mm512_storeu_si512(d.as_mut_ptr().cast(), acc[0]);
                        _mm512_storeu_si512(d.as_mut_ptr().add(8).cast(), acc[1]);
                    }
                    let mut left = valid;
                    while left != 0 {
                        let l = left.trailing_zeros() as usize;
                        left &= left - 1;
                        histogram[d[l] as usize] += 1;
                    }
                    let best = &mut rows[i - start];
                    let row_t = _mm512_set1_epi64(i64::from(best.second));
                    let near_row = u32::from(_mm512_cmple_epu64_mask(acc[0], row_t))
                        | u32::from(_mm512_cmple_epu64_mask(acc[1], row_t)) << 8;
                    let near_col = u32::from(_mm512_cmple_epu64_mask(acc[0], col_t[0]))
                        | u32::from(_mm512_cmple_epu64_mask(acc[1], col_t[1])) << 8;
                    let mut left = near_row & valid;
                    while left != 0 {
                        let l = left.trailing_zeros() as usize;
                        left &= left - 1;
                        best.offer(d[l] as u32, (j0 + l) as u32);
                    }
                    let mut left = near_col & valid;
                    while left != 0 {
                        let l = left.trailing_zeros() as usize;
                        left &= left - 1;
                        let col = &mut cols[j0 + l];
                        col.offer(d[l] as u32, i as u32);
                        thresholds[j0 + l] = u64::from(col.second);
                    }
                    if masks.count > 0 {
                        let lanes = &mut row_lanes[(i - start) * masks.count * 8..];
                        runs_offer(acc, i, j0, valid, masks, lanes, run_cols);
                    }
                }
            }
        }
        tile = tile_end;
    }
    for (r, lanes) in row_lanes.chunks_exact(8).enumerate() {
        let (row, k) = (r / masks.count, r % masks.count);
        let nearest = lanes.iter().copied().min().unwrap_or(u64::MAX) as u32;
        let slot = &mut run_rows[k * block_len + row];
        *slot = (*slot).min(nearest);
    }
}
