//! The counts KING-robust kinship needs, for every pair of a block of query samples and all
//! reference samples: sites where both are heterozygous and sites where they are opposite
//! homozygotes (IBS0). Genotypes are bit-sliced (heterozygous and ALT-homozygous words) and
//! stored eight samples at a time word by word, so the AVX-512 kernel counts eight pairs per
//! VPOPCNTQ; the work is tiled (four queries × eight references × a chunk of words held in
//! cache) so each reference word is read from memory once per block of queries, not once per
//! pair.

use genosynth_core::{HaplotypeMatrix, Ploidy};

/// Query samples per block (one parallel task; its counts take 8 bytes per pair).
pub(crate) const QUERY_BLOCK: usize = 64;

/// Words per chunk: a block's queries (64 × 4 KiB) and a group of references (32 KiB) stay in
/// cache while every pair of them is counted.
const WORD_CHUNK: usize = 256;

/// Query samples per register tile of the AVX-512 kernel.
const QUERY_TILE: usize = 4;

/// Bit-sliced genotypes of the diploid samples of a matrix, eight samples per group: word `w`
/// of sample `8g + lane` is at `((g · words + w) · 2 + plane) · 8 + lane`, plane 0 the
/// heterozygous bits and plane 1 the ALT-homozygous bits. Bits past the last site and lanes
/// past the last sample are zero (REF-homozygous is neither, so padding never counts).
pub(crate) struct Genotypes {
    pub(crate) words: usize,
    data: Vec<u64>,
    pub(crate) het_count: Vec<u32>,
    pub(crate) names: Vec<String>,
}

impl Genotypes {
    /// `None` unless every sample is diploid.
    pub(crate) fn of(m: &HaplotypeMatrix) -> Option<Self> {
        if m.samples().iter().any(|s| s.ploidy != Ploidy::Diploid) {
            return None;
        }
        let words = m.words_per_row();
        let n = m.samples().len();
        let mut data = vec![0u64; n.div_ceil(8) * words * 16];
        let mut het_count = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (m.row(2 * i), m.row(2 * i + 1));
            let mut het = 0;
            for w in 0..words {
                let at = Self::at(words, i, w);
                data[at] = a[w] ^ b[w];
                data[at + 8] = a[w] & b[w];
                het += data[at].count_ones();
            }
            het_count.push(het);
        }
        Some(Self {
            words,
            data,
            het_count,
            names: m.samples().iter().map(|s| s.name.clone()).collect(),
        })
    }

    #[inline(always)]
    fn at(words: usize, i: usize, w: usize) -> usize {
        ((i / 8 * words + w) * 2) * 8 + i % 8
    }

    pub(crate) fn len(&self) -> usize {
        self.het_count.len()
    }

    #[inline(always)]
    fn het(&self, i: usize, w: usize) -> u64 {
        self.data[Self::at(self.words, i, w)]
    }

    #[inline(always)]
    fn alt(&self, i: usize, w: usize) -> u64 {
        self.data[Self::at(self.words, i, w) + 8]
    }
}

/// `(hethet, ibs0)` of query sample `i` with reference sample `j`, one pair alone.
pub(crate) fn pair_counts(q: &Genotypes, i: usize, r: &Genotypes, j: usize) -> (u32, u32) {
    let (mut hethet, mut ibs0) = (0, 0);
    for w in 0..q.words {
        let (qh, qa, rh, ra) = (q.het(i, w), q.alt(i, w), r.het(j, w), r.alt(j, w));
        hethet += (qh & rh).count_ones();
        // One ALT-homozygous where the other is REF-homozygous (neither het nor ALT).
        ibs0 += ((qa & !(rh | ra)) | (ra & !(qh | qa))).count_ones();
    }
    (hethet, ibs0)
}

/// Counts of query samples `rows` (at most [`QUERY_BLOCK`]) with every reference sample:
/// `(hethet, ibs0)`, row-major (`(i − rows.start) · r.len() + j`).
pub(crate) fn block_counts(
    q: &Genotypes,
    rows: std::ops::Range<usize>,
    r: &Genotypes,
) -> (Vec<u32>, Vec<u32>) {
    #[cfg(target_arch = "x86_64")]
    {
        if avx512::available() {
            // SAFETY: the CPU supports AVX-512F and VPOPCNTDQ, checked just above.
            return unsafe { avx512::block_counts(q, rows, r) };
        }
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports popcnt, checked just above.
            return unsafe { block_counts_popcnt(q, rows, r) };
        }
    }
    block_counts_generic(q, rows, r)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn block_counts_popcnt(
    q: &Genotypes,
    rows: std::ops::Range<usize>,
    r: &Genotypes,
) -> (Vec<u32>, Vec<u32>) {
    block_counts_generic(q, rows, r)
}

#[inline(always)]
fn block_counts_generic(
    q: &Genotypes,
    rows: std::ops::Range<usize>,
    r: &Genotypes,
) -> (Vec<u32>, Vec<u32>) {
    let n_r = r.len();
    let mut hethet = vec![0u32; rows.len() * n_r];
    let mut ibs0 = vec![0u32; rows.len() * n_r];
    for (li, i) in rows.enumerate() {
        for j in 0..n_r {
            let (h, z) = pair_counts(q, i, r, j);
            hethet[li * n_r + j] = h;
            ibs0[li * n_r + j] = z;
        }
    }
    (hethet, ibs0)
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_add_epi64, _mm512_and_si512, _mm512_andnot_si512, _mm512_loadu_si512,
        _mm512_or_si512, _mm512_popcnt_epi64, _mm512_set1_epi64, _mm512_setzero_si512,
        _mm512_storeu_si512,
    };

    use super::{Genotypes, QUERY_TILE, WORD_CHUNK};

    /// Whether this CPU runs the kernel.
    pub(super) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
    }

    #[target_feature(enable = "avx512f,avx512vpopcntdq")]
    pub(super) fn block_counts(
        q: &Genotypes,
        rows: std::ops::Range<usize>,
        r: &Genotypes,
    ) -> (Vec<u32>, Vec<u32>) {
        let n_r = r.len();
        let words = q.words;
        let mut hethet = vec![0u32; rows.len() * n_r];
        let mut ibs0 = vec![0u32; rows.len() * n_r];
        let mut lanes = [0u64; 8];
        for w0 in (0..words).step_by(WORD_CHUNK) {
            let w1 = (w0 + WORD_CHUNK).min(words);
            for g in 0..n_r.div_ceil(8) {
                for tile in rows.clone().step_by(QUERY_TILE) {
                    // A short last tile repeats its last query; the repeats are not stored.
                    let qs: [usize; QUERY_TILE] =
                        std::array::from_fn(|t| (tile + t).min(rows.end - 1));
                    let (hh, z) = tile_counts(q, &qs, r, g, w0, w1);
                    for t in 0..QUERY_TILE.min(rows.end - tile) {
                        let row = (tile + t - rows.start) * n_r;
                        for (acc, v) in [(&mut hethet, hh[t]), (&mut ibs0, z[t])] {
                            // SAFETY: `lanes` holds eight u64, one 512-bit store.
                            unsafe { _mm512_storeu_si512(lanes.as_mut_ptr().cast(), v) };
                            for (lane, &c) in lanes.iter().enumerate().take(n_r - g * 8) {
                                acc[row + g * 8 + lane] += c as u32;
                            }
                        }
                    }
                }
            }
        }
        (hethet, ibs0)
    }

    /// Counts of queries `qs` with the eight references of group `g` over words `w0..w1`,
    /// one lane per reference.
    #[target_feature(enable = "avx512f,avx512vpopcntdq")]
    #[inline]
    fn tile_counts(
        q: &Genotypes,
        qs: &[usize; QUERY_TILE],
        r: &Genotypes,
        g: usize,
        w0: usize,
        w1: usize,
    ) -> ([__m512i; QUERY_TILE], [__m512i; QUERY_TILE]) {
        let mut hh = [_mm512_setzero_si512(); QUERY_TILE];
        let mut z = [_mm512_setzero_si512(); QUERY_TILE];
        let group = &r.data[g * r.words * 16..(g + 1) * r.words * 16];
        let base = qs.map(|i| Genotypes::at(q.words, i, 0));
        for w in w0..w1 {
            let planes = &group[w * 16..w * 16 + 16];
            // SAFETY: `planes` holds sixteen u64: two 512-bit loads.
            let (rh, ra) = unsafe {
                (
                    _mm512_loadu_si512(planes.as_ptr().cast()),
                    _mm512_loadu_si512(planes.as_ptr().add(8).cast()),
                )
            };
            // REF-homozygous references: neither heterozygous nor ALT-homozygous.
            let r_ref = _mm512_or_si512(rh, ra);
            for t in 0..QUERY_TILE {
                let (qh, qa) = (q.data[base[t] + w * 16], q.data[base[t] + w * 16 + 8]);
                let q_ref = !(qh | qa) as i64;
                let (qh, qa) = (_mm512_set1_epi64(qh as i64), _mm512_set1_epi64(qa as i64));
                hh[t] = _mm512_add_epi64(hh[t], _mm512_popcnt_epi64(_mm512_and_si512(qh, rh)));
                let opposite = _mm512_or_si512(
                    _mm512_andnot_si512(r_ref, qa),
                    _mm512_and_si512(ra, _mm512_set1_epi64(q_ref)),
                );
                z[t] = _mm512_add_epi64(z[t], _mm512_popcnt_epi64(opposite));
            }
        }
        (hh, z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Sample, Site, Sites};
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn people(n: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let v: Vec<u8> = (0..2 * n * n_sites)
            .map(|_| rng.random_bool(0.3) as u8)
            .collect();
        let sites: Sites = (1..=n_sites as u64)
            .map(|p| Site::new("1", p, "A", "G"))
            .collect();
        HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("p", n, Ploidy::Diploid))
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// The tiled kernel (AVX-512 where the CPU has it) against one pair at a time, on
        /// partial groups, tiles and chunks (over 256 words: more than one chunk).
        #[test]
        fn block_counts_match_pair_counts(
            n_q in 1usize..14, n_r in 1usize..20, n_sites in 1usize..17_500, seed in any::<u64>()
        ) {
            let q = Genotypes::of(&people(n_q, n_sites, seed)).unwrap();
            let r = Genotypes::of(&people(n_r, n_sites, seed ^ 1)).unwrap();
            let from = n_q / 3;
            let (hethet, ibs0) = block_counts(&q, from..n_q, &r);
            for i in from..n_q {
                for j in 0..n_r {
                    let at = (i - from) * n_r + j;
                    prop_assert_eq!((hethet[at], ibs0[at]), pair_counts(&q, i, &r, j));
                }
            }
        }
    }
}
