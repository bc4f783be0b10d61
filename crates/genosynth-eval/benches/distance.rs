//! Criterion bench of the streamed nearest-neighbour kernel (XOR + popcount on packed rows):
//! 2,504 × 2,504 haplotypes over 805 sites, the 1000 Genomes example's shape.

use criterion::{Criterion, criterion_group, criterion_main};
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::TestPopulation;
use genosynth_eval::distance::{RowSet, scan_between, scan_within};

/// `n_hap` haplotypes over `n_sites` sites, each site from a random one of 40 founders: about
/// 20% ALT alleles; the kernel's speed does not depend on the values.
fn random_matrix(n_hap: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
    TestPopulation {
        people: n_hap / 2,
        blocks: n_sites,
        block_size: 1,
        founders: 40,
        founder_alt_frequency: 0.2,
        switch_rate: 1.0,
        mutation_rate: 0.0,
    }
    .generate(seed)
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
