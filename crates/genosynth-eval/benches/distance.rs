//! Criterion bench of the streamed nearest-neighbour kernel (XOR + popcount on packed rows):
//! 2,504 × 2,504 haplotypes over 805 sites, the 1000 Genomes example's shape.

use criterion::{Criterion, criterion_group, criterion_main};
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_eval::distance::{RowSet, scan_between, scan_within};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random_matrix(n_hap: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let v: Vec<u8> = (0..n_hap * n_sites)
        .map(|_| rng.random_bool(0.2) as u8)
        .collect();
    let sites: Sites = (0..n_sites)
        .map(|i| Site::new("1", i as u64 + 1, "A", "C"))
        .collect();
    HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("h", n_hap, Ploidy::Haploid))
        .expect("sizes agree")
}

fn distance_kernel(c: &mut Criterion) {
    let real = random_matrix(2504, 805, 1);
    let ags = random_matrix(2504, 805, 2);
    let mut group = c.benchmark_group("nearest_neighbours_2504x2504x805");
    group.sample_size(10);
    group.bench_function("between", |b| {
        b.iter(|| scan_between(RowSet::all(&real), RowSet::all(&ags)))
    });
    group.bench_function("within", |b| b.iter(|| scan_within(RowSet::all(&real))));
    group.finish();
}

criterion_group!(benches, distance_kernel);
criterion_main!(benches);
