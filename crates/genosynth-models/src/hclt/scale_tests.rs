//! The HCLT at scale reads packed haplotypes and works in chunks: the results must be those of
//! the dense, all-at-once computation, to the bit.

use candle_core::Device;
use genosynth_core::test_util::TestPopulation;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::em::{log_likelihoods, log_likelihoods_in_chunks};
use super::*;

fn population() -> genosynth_core::HaplotypeMatrix {
    // 300 haplotypes (five words a site, the last partial) × 60 sites.
    TestPopulation {
        people: 150,
        blocks: 20,
        block_size: 3,
        ..TestPopulation::default()
    }
    .generate(7)
}

#[test]
fn training_on_the_packed_matrix_equals_training_on_its_dense_copy() {
    let m = population();
    let (dense, n) = (m.to_dense_f32(), m.n_haplotypes());
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    let params = HcltParams {
        states: 4,
        chunk: 100,
        ..HcltParams::default()
    };
    let (mut r1, mut r2) = (ChaCha8Rng::seed_from_u64(3), ChaCha8Rng::seed_from_u64(3));
    let cpu = Device::Cpu;
    let mut a = HcltTrainer::new(params.clone(), &dense, n, &freqs, None, &mut r1, &cpu).unwrap();
    let mut b = HcltTrainer::from_matrix(params, &m, &freqs, None, &mut r2, &cpu).unwrap();
    assert_eq!(a.hclt.tree.parent, b.hclt.tree.parent);
    for _ in 0..3 {
        assert_eq!(a.epoch(&mut r1).unwrap(), b.epoch(&mut r2).unwrap());
    }
    let flat = |t: &candle_core::Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(flat(&a.hclt.transition), flat(&b.hclt.transition));
    assert_eq!(flat(&a.hclt.emission), flat(&b.hclt.emission));
}

#[test]
fn likelihoods_scored_in_chunks_equal_those_scored_at_once() {
    let m = population();
    let (dense, n) = (m.to_dense_f32(), m.n_haplotypes());
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    let mut r = ChaCha8Rng::seed_from_u64(4);
    let params = HcltParams {
        states: 4,
        ..HcltParams::default()
    };
    let mut t = HcltTrainer::new(params, &dense, n, &freqs, None, &mut r, &Device::Cpu).unwrap();
    t.epoch(&mut r).unwrap();
    let whole = log_likelihoods(&t.hclt, &dense, n).unwrap();
    assert!(whole.iter().all(|ll| ll.is_finite() && *ll < 0.0));
    // Chunks of whole words, of parts of words, of one haplotype, and one chunk for all.
    for chunk in [64, 100, 1, 7, n, 10 * n] {
        let chunked = log_likelihoods_in_chunks(&t.hclt, &m, chunk).unwrap();
        assert_eq!(chunked, whole, "chunks of {chunk}");
    }
    let mean = mean_log_likelihood(&t.hclt, &m).unwrap();
    assert!((mean - whole.iter().sum::<f64>() / n as f64).abs() < 1e-12);
}
