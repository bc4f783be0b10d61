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

/// Through `train` with reference people and `private_allele_min_count`, the model's files
/// (`load`), scoring and `generate` agree on the sites left out.
#[test]
fn a_trained_model_leaves_its_private_allele_sites_out_of_scores_and_ags() {
    use crate::{
        Checkpoint, DeviceChoice, GenerateOptions, ModelParams, TrainConfig, TrainOptions,
        generate, haplotype_scores, private_allele_sites, train,
    };
    let all = population(test_seed(41));
    let pick = |r: std::ops::Range<usize>| all.select_samples(&r.collect::<Vec<_>>()).unwrap();
    let (mut people, mut reference) = (pick(0..40), pick(40..120));
    // Sites 0-5: no reference person carries the alternate allele; sites 0-3 carried by 0-3
    // of the people's haplotypes, 4 and 5 by many.
    for s in 0..6 {
        for h in 0..reference.n_haplotypes() {
            reference.set(h, s, false);
        }
        for h in 0..people.n_haplotypes() {
            people.set(h, s, if s < 4 { h < s } else { h % 3 == 0 });
        }
    }
    let sites = private_allele_sites(&[&people], &reference, 5).unwrap();
    assert_eq!(sites, vec![0, 1, 2, 3]);
    let config = TrainConfig {
        model: ModelParams::Hclt(HcltParams {
            states: 4,
            chunk: 64,
            ..HcltParams::default()
        }),
        epochs: 3,
        seed: 5,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let options = TrainOptions {
        reference: Some(&reference),
        private_allele_min_count: 5,
        ..TrainOptions::new(dir.path())
    };
    train(&people, &config, options).unwrap();
    let model = Checkpoint::load(dir.path()).unwrap();
    assert_eq!(model.meta.private_alleles.as_ref().unwrap().sites, 4);
    let h = Hclt::from_tensors(
        HcltParams {
            states: 4,
            chunk: 64,
            ..HcltParams::default()
        },
        people.n_sites(),
        &model.weights,
    )
    .unwrap();
    let flags: Vec<usize> = (0..people.n_sites())
        .filter(|&j| h.is_not_modelled(j))
        .collect();
    assert_eq!(flags, sites);
    let score = |m: &HaplotypeMatrix| haplotype_scores(&model, m).unwrap().unwrap().1;
    assert_eq!(score(&people), score(&flipped(&people, &sites)));
    assert_ne!(score(&people), score(&flipped(&people, &[4])));
    let options = GenerateOptions {
        n_haplotypes: 400,
        seed: 6,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let ags = generate(&model, &options).unwrap().matrix;
    for h in 0..ags.n_haplotypes() {
        assert!(sites.iter().all(|&s| !ags.get(h, s)), "AG {h}");
    }
    assert!((0..ags.n_haplotypes()).any(|h| ags.get(h, 4)));
}
