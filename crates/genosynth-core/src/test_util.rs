//! Seeded random populations for tests and benches across the workspace (feature
//! `test-util`, enabled only in dev-dependencies): one generator instead of one per test file.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};

/// A population with linkage: every haplotype is a mosaic of a few founder haplotypes, block
/// by block, with mutations. Sites are biallelic A/G on chromosome `1` at positions 100, 110,
/// …; each block is `block_size` perfectly linked sites.
#[derive(Debug, Clone, PartialEq)]
pub struct TestPopulation {
    /// Diploid people (samples `P000001`, `P000002`, …); twice as many haplotypes.
    pub people: usize,
    /// Blocks of linked sites.
    pub blocks: usize,
    /// Sites per block (all carry the block's allele).
    pub block_size: usize,
    /// Founder haplotypes the population descends from.
    pub founders: usize,
    /// Probability that a founder carries the ALT allele in a block.
    pub founder_alt_frequency: f64,
    /// Probability of switching to another random founder at each block.
    pub switch_rate: f64,
    /// Probability of flipping a block's allele.
    pub mutation_rate: f64,
}

impl Default for TestPopulation {
    /// 50 people over 8 blocks of 3 sites from 4 founders: realistic enough that AGs, real
    /// people and copies differ in distance.
    fn default() -> Self {
        Self {
            people: 50,
            blocks: 8,
            block_size: 3,
            founders: 4,
            founder_alt_frequency: 0.4,
            switch_rate: 0.2,
            mutation_rate: 0.03,
        }
    }
}

impl TestPopulation {
    /// The population drawn with `seed` (the same seed gives the same matrix).
    pub fn generate(&self, seed: u64) -> HaplotypeMatrix {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        let founders: Vec<Vec<u8>> = (0..self.founders)
            .map(|_| {
                (0..self.blocks)
                    .map(|_| r.random_bool(self.founder_alt_frequency) as u8)
                    .collect()
            })
            .collect();
        let mut alleles = Vec::with_capacity(self.people * 2 * self.blocks * self.block_size);
        for _ in 0..self.people * 2 {
            let mut f = r.random_range(0..founders.len());
            for block in 0..self.blocks {
                if r.random_bool(self.switch_rate) {
                    f = r.random_range(0..founders.len());
                }
                let mut a = founders[f][block];
                if r.random_bool(self.mutation_rate) {
                    a ^= 1;
                }
                alleles.extend(std::iter::repeat_n(a, self.block_size));
            }
        }
        let sites: Sites = (0..(self.blocks * self.block_size) as u64)
            .map(|i| Site::new("1", 100 + 10 * i, "A", "G"))
            .collect();
        HaplotypeMatrix::from_dense_u8(
            &alleles,
            sites,
            Sample::numbered("P", self.people, Ploidy::Diploid),
        )
        .expect("sizes follow from the parameters")
    }
}

// The training seed of the tests that train a model and assert a quality figure: `cargo xtask
// seed-sweep` runs such a test once per seed with `GENOSYNTH_TEST_SEED` set, since another seed
// (or CPU, or thread count) changes a training run's floating-point sums (docs/testing.md).

/// `default` when `GENOSYNTH_TEST_SEED` is unset (or 0), else `default + 1000 × that seed`: the
/// call sites of one test keep distinct streams, and seed 0 is the test's own run.
pub fn test_seed(default: u64) -> u64 {
    match std::env::var("GENOSYNTH_TEST_SEED") {
        Err(_) => default,
        Ok(s) => {
            let s: u64 = s.trim().parse().unwrap_or_else(|_| {
                panic!("GENOSYNTH_TEST_SEED={s:?} is not a non-negative integer")
            });
            default.wrapping_add(s.wrapping_mul(1000))
        }
    }
}

/// Prints a quality figure as `figure: NAME = VALUE`, the line `cargo xtask seed-sweep` tabulates.
pub fn figure(name: &str, value: f64) {
    eprintln!("figure: {name} = {value:.4}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_one_population_with_linked_blocks() {
        let spec = TestPopulation {
            people: 30,
            ..TestPopulation::default()
        };
        let (a, b) = (spec.generate(1), spec.generate(1));
        assert_eq!(a, b);
        assert_ne!(a, spec.generate(2));
        assert_eq!((a.n_haplotypes(), a.n_sites()), (60, 24));
        for h in 0..a.n_haplotypes() {
            for block in 0..spec.blocks {
                let s = block * spec.block_size;
                assert_eq!(a.get(h, s), a.get(h, s + 1));
                assert_eq!(a.get(h, s), a.get(h, s + 2));
            }
        }
    }
}
