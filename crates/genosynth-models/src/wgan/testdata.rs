//! Test data with known LD and the statistics the learning tests compare (test-only).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` haplotypes × `sites`, each a mosaic copied from `founders` random founder haplotypes,
/// switching founder with probability `switch` per site and flipping 1% of alleles: LD that
/// decays with distance and runs across any window border.
pub(crate) fn mosaic(n: usize, sites: usize, founders: usize, switch: f64, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let freqs: Vec<f64> = (0..sites).map(|_| rng.random_range(0.05..0.5)).collect();
    let founder: Vec<Vec<bool>> = (0..founders)
        .map(|_| freqs.iter().map(|&p| rng.random_bool(p)).collect())
        .collect();
    let mut out = Vec::with_capacity(n * sites);
    for _ in 0..n {
        let mut f = rng.random_range(0..founders);
        for s in 0..sites {
            if rng.random_bool(switch) {
                f = rng.random_range(0..founders);
            }
            let copied: &[bool] = &founder[f];
            let allele = copied[s] ^ rng.random_bool(0.01);
            out.push(f32::from(u8::from(allele)));
        }
    }
    out
}

/// Allele frequency per site of row-major `rows × sites` 0/1 values.
pub(crate) fn frequencies(x: &[f32], sites: usize) -> Vec<f64> {
    let rows = x.len() / sites;
    let mut f = vec![0.0; sites];
    for row in x.chunks_exact(sites) {
        for (a, &v) in f.iter_mut().zip(row) {
            *a += v as f64;
        }
    }
    f.iter().map(|a| a / rows as f64).collect()
}

/// r² of sites `a` and `b` (0 when either is monomorphic).
pub(crate) fn r2(x: &[f32], sites: usize, a: usize, b: usize) -> f64 {
    let rows = (x.len() / sites) as f64;
    let (mut pa, mut pb, mut pab) = (0.0, 0.0, 0.0);
    for row in x.chunks_exact(sites) {
        let (u, v) = (row[a] as f64, row[b] as f64);
        pa += u;
        pb += v;
        pab += u * v;
    }
    let (pa, pb, pab) = (pa / rows, pb / rows, pab / rows);
    let denom = pa * (1.0 - pa) * pb * (1.0 - pb);
    if denom <= 1e-12 {
        0.0
    } else {
        (pab - pa * pb).powi(2) / denom
    }
}

/// Pearson correlation.
pub(crate) fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt().max(1e-300)
}

/// r² of every pair at distance `1..=max_distance`, in a fixed order.
pub(crate) fn ld_profile(x: &[f32], sites: usize, pairs: &[(usize, usize)]) -> Vec<f64> {
    pairs.iter().map(|&(a, b)| r2(x, sites, a, b)).collect()
}

/// Site pairs at distance `1..=max_distance`.
pub(crate) fn near_pairs(sites: usize, max_distance: usize) -> Vec<(usize, usize)> {
    (0..sites)
        .flat_map(|a| (a + 1..(a + max_distance + 1).min(sites)).map(move |b| (a, b)))
        .collect()
}

/// Each site drawn independently at the given frequencies: the LD-free floor any model must beat.
pub(crate) fn independent_sites(freqs: &[f64], rows: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..rows)
        .flat_map(|_| {
            freqs
                .iter()
                .map(|&p| f32::from(u8::from(rng.random_bool(p))))
                .collect::<Vec<_>>()
        })
        .collect()
}
