//! The HCLT's upward and downward passes on the CPU as plain loops over contiguous arrays.
//!
//! Haplotypes are taken 64 at a time (one word of [`SiteBits`] per site); a block keeps each
//! site's upward messages `m_j`, `u_j` as `(states, 64)` rows by breadth-first position
//! ([`super::lanes`], [`super::breadth`]), and the downward pass overwrites `u_c` with
//! `o_c ⊙ m_c` once it is used. Blocks are grouped in chunks of
//! `HcltParams::chunk` haplotypes that run in parallel, each with its own expected counts;
//! chunks are added in their order, so the result does not depend on the thread count.
//! The formulas are those of [`super::em`] (the tensor version, kept for CUDA).

use rayon::prelude::*;

use super::Tree;
use super::bits::SiteBits;
use super::breadth::Breadth;
use super::host::HostHclt;
use super::lanes::{self, BLOCK, Scratch};

/// Expected counts of an E-step, summed over haplotypes.
pub(crate) struct Counts {
    /// `Σ_n q_j(a)`, `(sites, states)`.
    pub(crate) states: Vec<f64>,
    /// `Σ_n x_nj q_j(a)`, `(sites, states)`.
    pub(crate) alt: Vec<f64>,
    /// `Σ_n (w_n(a) / Z_n) m_nj(b)`, `(sites, states, states)`: the expected transitions once
    /// multiplied by `T_j` (the root's row stays zero).
    pub(crate) pairs: Vec<f64>,
    pub(crate) log_likelihood: f64,
}

/// One chunk's `states`, `alt`, `pairs` (in f32, as [`Counts`] by position) and log-likelihood.
type ChunkSums = (Vec<f32>, Vec<f32>, Vec<f32>, f64);

/// Expected counts (and the log-likelihood) of every haplotype of `bits`.
pub(crate) fn e_step(h: &HostHclt, tree: &Tree, bits: &SiteBits, chunk: usize) -> Counts {
    e_step_with(Simd::detect(), h, tree, bits, chunk)
}

/// [`e_step`] with the given instructions.
fn e_step_with(simd: Simd, h: &HostHclt, tree: &Tree, bits: &SiteBits, chunk: usize) -> Counts {
    let (l, k) = (tree.len(), h.k);
    let b = Breadth::new(h, tree);
    let mut total = Counts {
        states: vec![0.0; l * k],
        alt: vec![0.0; l * k],
        pairs: vec![0.0; l * k * k],
        log_likelihood: 0.0,
    };
    let chunks = chunk_ranges(bits.words_per_site(), chunk);
    let threads = rayon::current_num_threads().max(1);
    // One block's buffers per thread (hundreds of megabytes at chromosome scale), reused.
    let mut scratch: Vec<Scratch> = (0..threads.min(chunks.len()))
        .map(|_| Scratch::new(l, k))
        .collect();
    for wave in chunks.chunks(threads) {
        let parts: Vec<ChunkSums> = wave
            .par_iter()
            .zip(scratch.par_iter_mut())
            .map(|(words, s)| {
                let (mut q, mut q1, mut pairs) =
                    (vec![0f32; l * k], vec![0f32; l * k], vec![0f32; l * k * k]);
                let mut ll = 0.0;
                for w in words.clone() {
                    let rows = block_rows(bits, w);
                    let sums = Some((&mut q[..], &mut q1[..], &mut pairs[..]));
                    block(simd, &b, bits, w, rows, s, sums);
                    ll += s.log[..rows].iter().sum::<f64>();
                }
                (q, q1, pairs, ll)
            })
            .collect();
        for (q, q1, pairs, ll) in parts {
            b.add_by_site(&mut total.states, &q, k);
            b.add_by_site(&mut total.alt, &q1, k);
            b.add_by_site(&mut total.pairs, &pairs, k * k);
            total.log_likelihood += ll;
        }
    }
    total
}

/// Log-likelihood (nats) of each haplotype of `bits`, in order.
pub(crate) fn log_likelihoods(h: &HostHclt, tree: &Tree, bits: &SiteBits) -> Vec<f64> {
    let (l, k) = (tree.len(), h.k);
    let b = Breadth::new(h, tree);
    let simd = Simd::detect();
    // One run of blocks and one scratch per thread: a scratch is `sites × states × 512` bytes
    // (1.2 GB at 285k sites), and `map_init` made one per split of the work, not per thread.
    let words = bits.words_per_site();
    let per = words.div_ceil(rayon::current_num_threads().max(1)).max(1);
    let runs: Vec<std::ops::Range<usize>> = (0..words)
        .step_by(per)
        .map(|w| w..(w + per).min(words))
        .collect();
    let per_run: Vec<Vec<f64>> = runs
        .into_par_iter()
        .map(|run| {
            let mut s = Scratch::new(l, k);
            let mut out = Vec::with_capacity(run.len() * BLOCK);
            for w in run {
                let rows = block_rows(bits, w);
                block(simd, &b, bits, w, rows, &mut s, None);
                out.extend_from_slice(&s.log[..rows]);
            }
            out
        })
        .collect();
    per_run.concat()
}

/// The vector instructions the passes run with. Baseline x86-64 code uses SSE2 (4 f32 lanes);
/// the passes are also compiled for AVX2 and AVX-512 and picked at run time. The same
/// arithmetic in the same order (no fused multiply-adds), so every path gives the same bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Simd {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Simd {
    /// The widest this CPU runs.
    pub(crate) fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                return Self::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Self::Avx2;
            }
        }
        Self::Portable
    }
}

/// A chunk's expected-count sums: `states`, `alt`, `pairs`.
type Sums<'a> = (&'a mut [f32], &'a mut [f32], &'a mut [f32]);

/// The upward pass of block `w`, then with `sums` the downward pass adding its counts (by
/// position).
pub(crate) fn block(
    simd: Simd,
    h: &Breadth,
    bits: &SiteBits,
    w: usize,
    rows: usize,
    s: &mut Scratch,
    sums: Option<Sums<'_>>,
) {
    match simd {
        Simd::Portable => block_portable(h, bits, w, rows, s, sums),
        // SAFETY: `Simd::detect` chose these only on CPUs with the features they enable.
        #[cfg(target_arch = "x86_64")]
        Simd::Avx2 => unsafe { block_avx2(h, bits, w, rows, s, sums) },
        #[cfg(target_arch = "x86_64")]
        Simd::Avx512 => unsafe { block_avx512(h, bits, w, rows, s, sums) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn block_avx2(
    h: &Breadth,
    bits: &SiteBits,
    w: usize,
    rows: usize,
    s: &mut Scratch,
    sums: Option<Sums<'_>>,
) {
    block_portable(h, bits, w, rows, s, sums);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2")]
fn block_avx512(
    h: &Breadth,
    bits: &SiteBits,
    w: usize,
    rows: usize,
    s: &mut Scratch,
    sums: Option<Sums<'_>>,
) {
    block_portable(h, bits, w, rows, s, sums);
}

#[inline(always)]
fn block_portable(
    h: &Breadth,
    bits: &SiteBits,
    w: usize,
    rows: usize,
    s: &mut Scratch,
    sums: Option<Sums<'_>>,
) {
    s.gather(h, bits, w);
    lanes::upward(h, s);
    if let Some((q, q1, pairs)) = sums {
        lanes::downward(h, rows, s, q, q1, pairs);
    }
}

/// An E-step's chunks hold at most 1 / this of its blocks (rounded up), so that there are
/// about this many or more: a
/// stratum of 428 haplotypes (7 blocks) was one chunk of 1024 and ran on one thread, and 1,068
/// reference haplotypes were chunks of 16 and 1 blocks. A constant, not the thread count, so
/// the sums (and the model) do not depend on the machine.
const MIN_CHUNKS: usize = 8;

/// Word ranges of at most `chunk` haplotypes and at most `⌈words / MIN_CHUNKS⌉` words each.
fn chunk_ranges(words: usize, chunk: usize) -> Vec<std::ops::Range<usize>> {
    let per = chunk.div_ceil(BLOCK).min(words.div_ceil(MIN_CHUNKS)).max(1);
    (0..words)
        .step_by(per)
        .map(|w| w..(w + per).min(words))
        .collect()
}

fn block_rows(bits: &SiteBits, w: usize) -> usize {
    (bits.n_haplotypes() - w * BLOCK).min(BLOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Random normalised rows of `k` entries.
    fn rows(r: &mut ChaCha8Rng, n: usize, k: usize) -> Vec<f32> {
        (0..n)
            .flat_map(|_| {
                let v: Vec<f32> = (0..k).map(|_| r.random_range(0.01f32..1.0)).collect();
                let s: f32 = v.iter().sum();
                v.into_iter().map(move |x| x / s)
            })
            .collect()
    }

    /// Every instruction set this CPU runs, the portable one last.
    fn supported() -> Vec<Simd> {
        let mut all = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if Simd::detect() == Simd::Avx512 {
                all.push(Simd::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(Simd::Avx2);
            }
        }
        all.push(Simd::Portable);
        all
    }

    #[test]
    fn every_instruction_set_gives_the_portable_bits() {
        let m = genosynth_core::test_util::TestPopulation {
            people: 100,
            blocks: 30,
            block_size: 4,
            ..Default::default()
        }
        .generate(11);
        let (n, l) = (m.n_haplotypes(), m.n_sites());
        let bits = SiteBits::from_matrix(&m, 0..n);
        let tree = Tree::chow_liu(&bits, 16);
        let mut r = ChaCha8Rng::seed_from_u64(12);
        // The unrolled state counts, one that is not, and a mixture's message floor.
        for (k, floor) in [(8, 0.0), (5, 0.0), (16, 1e-30), (4, 0.0)] {
            let emission: Vec<f32> = (0..l * k).map(|_| r.random_range(0.02..0.98)).collect();
            let h = HostHclt::new(
                k,
                floor,
                rows(&mut r, 1, k),
                rows(&mut r, l * k, k),
                emission,
            );
            let portable = e_step_with(Simd::Portable, &h, &tree, &bits, 100);
            assert!(portable.log_likelihood.is_finite());
            for simd in supported() {
                let native = e_step_with(simd, &h, &tree, &bits, 100);
                let at = format!("k = {k}, {simd:?}");
                assert_eq!(portable.log_likelihood, native.log_likelihood, "{at}");
                assert_eq!(portable.states, native.states, "{at}");
                assert_eq!(portable.alt, native.alt, "{at}");
                assert_eq!(portable.pairs, native.pairs, "{at}");
            }
        }
    }

    #[test]
    fn chunks_cover_every_word_once() {
        // Few words: one a chunk, so that both cores get work (7 words: a 428-haplotype stratum).
        assert_eq!(chunk_ranges(5, 128), vec![0..1, 1..2, 2..3, 3..4, 4..5]);
        assert_eq!(chunk_ranges(7, 1024).len(), 7);
        // 17 words (1,068 reference haplotypes): six chunks of at most 3, not 16 + 1.
        assert_eq!(
            chunk_ranges(17, 1024),
            vec![0..3, 3..6, 6..9, 9..12, 12..15, 15..17]
        );
        assert_eq!(chunk_ranges(3, 1), vec![0..1, 1..2, 2..3]);
        // Many words: chunks of `chunk` haplotypes (16 words), as before.
        assert_eq!(chunk_ranges(200, 1024).len(), 13);
        assert_eq!(chunk_ranges(0, 64), Vec::<std::ops::Range<usize>>::new());
        for (words, chunk) in [(1, 64), (9, 1024), (17, 1024), (157, 1024), (200, 100)] {
            let r = chunk_ranges(words, chunk);
            let most = chunk.div_ceil(BLOCK).min(words.div_ceil(MIN_CHUNKS));
            assert!(r.iter().all(|c| c.len() <= most), "{words} words");
            assert_eq!(
                r.iter().flat_map(|c| c.clone()).collect::<Vec<_>>(),
                (0..words).collect::<Vec<_>>()
            );
        }
    }
}
