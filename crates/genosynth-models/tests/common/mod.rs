//! Shared fixtures: haplotypes with known structure.

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use rand::{Rng, SeedableRng};

/// Allele-1 frequency of each block of perfectly linked sites.
pub(crate) const BLOCK_FREQUENCIES: [f64; 4] = [0.15, 0.3, 0.5, 0.7];
/// Sites per block.
pub(crate) const BLOCK_SIZE: usize = 3;

/// `n` haplotypes over 4 blocks of 3 perfectly linked sites; blocks are independent, block b
/// carries allele 1 with probability `BLOCK_FREQUENCIES[b]`.
#[allow(dead_code, reason = "each test file uses a part of the fixtures")]
pub(crate) fn linked_blocks(n: usize, seed: u64) -> HaplotypeMatrix {
    blocks_of(n, seed, &BLOCK_FREQUENCIES)
}

/// `n` haplotypes over blocks of [`BLOCK_SIZE`] perfectly linked sites at `frequencies`.
pub(crate) fn blocks_of(n: usize, seed: u64, frequencies: &[f64]) -> HaplotypeMatrix {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut alleles = Vec::new();
    for _ in 0..n {
        for &f in frequencies {
            let a = r.random_bool(f) as u8;
            alleles.extend(std::iter::repeat_n(a, BLOCK_SIZE));
        }
    }
    let sites: Sites = (0..frequencies.len() * BLOCK_SIZE)
        .map(|i| Site::new("1", 1000 + 10 * i as u64, "A", "G").with_id(format!("rs{i}")))
        .collect();
    HaplotypeMatrix::from_dense_u8(
        &alleles,
        sites,
        Sample::numbered("S", n / 2, Ploidy::Diploid),
    )
    .expect("consistent sizes")
}

/// r² between sites `a` and `b` of a matrix (0 when either is monomorphic).
pub(crate) fn r2(m: &HaplotypeMatrix, a: usize, b: usize) -> f64 {
    let n = m.n_haplotypes() as f64;
    let (mut pa, mut pb, mut pab) = (0.0, 0.0, 0.0);
    for h in 0..m.n_haplotypes() {
        let (x, y) = (m.get(h, a) as u8 as f64, m.get(h, b) as u8 as f64);
        pa += x;
        pb += y;
        pab += x * y;
    }
    let (pa, pb, pab) = (pa / n, pb / n, pab / n);
    let var = pa * (1.0 - pa) * pb * (1.0 - pb);
    if var <= 0.0 {
        return 0.0;
    }
    (pab - pa * pb).powi(2) / var
}

// One copy of the seed and figure helpers, shared with the unit tests (feature test-util).
#[allow(unused_imports, reason = "each test file uses a part of the fixtures")]
pub(crate) use genosynth_core::test_util::{figure, test_seed};

/// Checks frequencies within `tol` of the blocks' and that linkage is reproduced: mean r²
/// within blocks > `within`, mean r² across blocks < `across`.
#[allow(dead_code, reason = "each test file uses a part of the fixtures")]
pub(crate) fn assert_learned(
    ags: &HaplotypeMatrix,
    frequencies: &[f64],
    tol: f64,
    within: f64,
    across: f64,
) {
    let freqs = ags.allele_frequencies();
    let worst = freqs
        .iter()
        .enumerate()
        .map(|(s, f)| (f - frequencies[s / BLOCK_SIZE]).abs())
        .fold(0.0, f64::max);
    figure("max frequency error", worst);
    for (s, f) in freqs.iter().enumerate() {
        let want = frequencies[s / BLOCK_SIZE];
        assert!(
            (f - want).abs() <= tol,
            "site {s}: frequency {f:.3}, expected {want} ± {tol}"
        );
    }
    let (mut w, mut nw, mut x, mut nx) = (0.0, 0, 0.0, 0);
    let n = freqs.len();
    for a in 0..n {
        for b in a + 1..n {
            if a / BLOCK_SIZE == b / BLOCK_SIZE {
                w += r2(ags, a, b);
                nw += 1;
            } else {
                x += r2(ags, a, b);
                nx += 1;
            }
        }
    }
    let (w, x) = (w / nw as f64, x / nx as f64);
    figure("r2 within blocks", w);
    figure("r2 across blocks", x);
    assert!(w > within, "mean r² within blocks {w:.3} ≤ {within}");
    assert!(x < across, "mean r² across blocks {x:.3} ≥ {across}");
}
