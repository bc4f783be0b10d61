//! Sites left out of the model (`Hclt::not_modelled`, `--private-allele-min-count`): the
//! likelihood does not depend on their alleles, EM still climbs the likelihood of the rest,
//! the flags survive the model's files, and the AGs carry the reference allele there.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::{TestPopulation, test_seed};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;

fn population(seed: u64) -> HaplotypeMatrix {
    TestPopulation {
        people: 120,
        blocks: 40,
        block_size: 1,
        founders: 10,
        founder_alt_frequency: 0.3,
        switch_rate: 0.05,
        mutation_rate: 0.01,
    }
    .generate(seed)
}

/// Every fifth site, polymorphic ones among them, and the root's.
fn left_out(h: &Hclt) -> Vec<usize> {
    let mut sites: Vec<usize> = (0..h.tree.len()).step_by(5).collect();
    if !sites.contains(&h.tree.root()) {
        sites.push(h.tree.root());
    }
    sites
}

/// `m` with every allele at `sites` flipped.
fn flipped(m: &HaplotypeMatrix, sites: &[usize]) -> HaplotypeMatrix {
    let mut out = m.clone();
    for h in 0..out.n_haplotypes() {
        for &s in sites {
            out.set(h, s, !m.get(h, s));
        }
    }
    out
}

fn trained(m: &HaplotypeMatrix, seed: u64) -> HcltTrainer {
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let params = HcltParams {
        states: 4,
        chunk: 64,
        ..HcltParams::default()
    };
    let mut t = HcltTrainer::from_matrix(params, m, &freqs, None, &mut r, &Device::Cpu).unwrap();
    for _ in 0..3 {
        t.epoch(&mut r).unwrap();
    }
    t
}

#[test]
fn the_likelihood_does_not_depend_on_the_sites_left_out() {
    let m = population(test_seed(31));
    let mut h = trained(&m, test_seed(32)).hclt;
    let sites = left_out(&h);
    let other = flipped(&m, &sites);
    // Modelled, the flipped alleles change every likelihood (the test can fail).
    let (a, b) = (
        em::matrix_log_likelihoods(&h, &m).unwrap(),
        em::matrix_log_likelihoods(&h, &other).unwrap(),
    );
    assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() > 1e-3));
    h.set_not_modelled(&sites);
    let (a, b) = (
        em::matrix_log_likelihoods(&h, &m).unwrap(),
        em::matrix_log_likelihoods(&h, &other).unwrap(),
    );
    for (n, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!((x - y).abs() < 1e-9 * x.abs(), "haplotype {n}: {x} vs {y}");
    }
    // The tensor passes (the CUDA path, run here on the CPU) agree.
    let n = m.n_haplotypes();
    let (.., ll) = em::tensor_e_step(&h, &m.to_dense_f32(), n).unwrap();
    let (.., ll_other) = em::tensor_e_step(&h, &other.to_dense_f32(), n).unwrap();
    let sum: f64 = a.iter().sum();
    assert!((ll - sum).abs() < 1e-4 * sum.abs(), "{ll} vs {sum}");
    assert!(
        (ll - ll_other).abs() < 1e-4 * sum.abs(),
        "{ll} vs {ll_other}"
    );
    // Left out, the sites are marginalised: each likelihood is above the one with them in.
    let full = {
        let mut f = h.clone();
        f.set_not_modelled(&[]);
        em::matrix_log_likelihoods(&f, &m).unwrap()
    };
    assert!(a.iter().zip(&full).all(|(x, y)| x > y));
}

#[test]
fn em_climbs_the_likelihood_of_the_sites_modelled() {
    let m = population(test_seed(33));
    let mut t = trained(&m, test_seed(34));
    let sites = left_out(&t.hclt);
    t.hclt.set_not_modelled(&sites);
    let mut r = ChaCha8Rng::seed_from_u64(35);
    let lls: Vec<f64> = (0..15).map(|_| t.epoch(&mut r).unwrap()[0]).collect();
    // What EM reports is the likelihood that it, selection and the attacks score.
    let scored = em::mean_log_likelihood(&t.hclt, &m).unwrap();
    let next = t.epoch(&mut r).unwrap()[0];
    assert!((scored - next).abs() < 1e-3, "{scored} vs {next}");
    // The pseudo-counts pull each parameter a little: far below 0.05 nats a haplotype.
    assert!(lls.windows(2).all(|w| w[1] > w[0] - 0.05), "{lls:?}");
    assert!(lls[14] > lls[0], "{lls:?}");
}

#[test]
fn the_sites_left_out_survive_the_files_and_old_files_model_every_site() {
    let m = population(test_seed(36));
    let mut h = trained(&m, test_seed(37)).hclt;
    let l = h.tree.len();
    let old: HashMap<String, Tensor> = h.tensors().into_iter().collect();
    assert_eq!(old.len(), 4, "no flags written when every site is modelled");
    let read = Hclt::from_tensors(h.params.clone(), l, &old).unwrap();
    assert!(read.not_modelled.iter().all(|&f| !f));
    let sites = left_out(&h);
    h.set_not_modelled(&sites);
    let new: HashMap<String, Tensor> = h.tensors().into_iter().collect();
    let read = Hclt::from_tensors(h.params.clone(), l, &new).unwrap();
    assert_eq!(read.not_modelled, h.not_modelled);
    assert_eq!(
        em::matrix_log_likelihoods(&read, &m).unwrap(),
        em::matrix_log_likelihoods(&h, &m).unwrap()
    );
    let mut short = new.clone();
    short.insert(
        "hclt.not_modelled".into(),
        Tensor::zeros(l - 1, candle_core::DType::F32, &Device::Cpu).unwrap(),
    );
    let err = Hclt::from_tensors(h.params.clone(), l, &short)
        .err()
        .unwrap();
    assert!(err.contains("not_modelled"), "{err}");
}

#[test]
fn the_ags_carry_the_reference_allele_at_the_sites_left_out() {
    let m = population(test_seed(38));
    let mut h = trained(&m, test_seed(39)).hclt;
    let l = h.tree.len();
    let sites = left_out(&h);
    let mut r = ChaCha8Rng::seed_from_u64(40);
    let alt_at = |ags: &[u8], j: usize| ags.chunks(l).filter(|x| x[j] == 1).count();
    // Modelled, those sites get alternate alleles (the test can fail).
    let before = h.sample(2000, None, &mut r).unwrap();
    assert!(sites.iter().map(|&j| alt_at(&before, j)).sum::<usize>() > 100);
    h.set_not_modelled(&sites);
    let mut r = ChaCha8Rng::seed_from_u64(40);
    let after = h.sample(2000, None, &mut r).unwrap();
    for &j in &sites {
        assert_eq!(alt_at(&after, j), 0, "site {j}");
    }
    // Every other site is drawn as before: the streams are unchanged.
    for j in (0..l).filter(|j| !sites.contains(j)) {
        assert_eq!(alt_at(&after, j), alt_at(&before, j), "site {j}");
    }
    // A mixture's component keeps the sites left out.
    assert_eq!(h.component(0).unwrap().not_modelled, h.not_modelled);
}
