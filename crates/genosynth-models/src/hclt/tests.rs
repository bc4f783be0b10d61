use std::collections::HashMap;

use candle_core::{Device, Tensor};
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::test_seed::{figure, test_seed};
use crate::{
    Checkpoint, DeviceChoice, GenerateOptions, ModelParams, TrainConfig, TrainOptions, generate,
    train,
};

/// `n` haplotypes over `blocks` independent blocks of 3 identical sites at `freq`.
fn blocks(n: usize, freqs: &[f64], seed: u64) -> HaplotypeMatrix {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut alleles = Vec::new();
    for _ in 0..n {
        for &f in freqs {
            alleles.extend([r.random_bool(f) as u8; 3]);
        }
    }
    let sites: Sites = (0..freqs.len() * 3)
        .map(|i| Site::new("1", 10 + i as u64, "A", "G"))
        .collect();
    HaplotypeMatrix::from_dense_u8(
        &alleles,
        sites,
        Sample::numbered("S", n / 2, Ploidy::Diploid),
    )
    .unwrap()
}

fn small() -> HcltParams {
    HcltParams {
        states: 4,
        chunk: 64,
        ..HcltParams::default()
    }
}

/// The upward pass's likelihood equals the sum over every hidden configuration.
#[test]
fn likelihood_matches_brute_force_enumeration() {
    let m = blocks(40, &[0.3, 0.6], 1);
    let dense = m.to_dense_f32();
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    let mut r = ChaCha8Rng::seed_from_u64(2);
    let params = HcltParams {
        states: 3,
        ..small()
    };
    let mut t = HcltTrainer::new(params, &dense, 40, &freqs, None, &mut r, &Device::Cpu).unwrap();
    t.epoch(&mut r).unwrap(); // parameters away from their symmetric start
    let h = &t.hclt;
    let (l, k) = (h.tree.len(), h.params.states);
    let pi: Vec<f32> = h.pi.to_vec1().unwrap();
    let tr: Vec<f32> = h.transition.flatten_all().unwrap().to_vec1().unwrap();
    let b: Vec<f32> = h.emission.flatten_all().unwrap().to_vec1().unwrap();
    let mut brute = 0.0;
    for x in dense.chunks(l) {
        let mut p = 0.0f64;
        for code in 0..k.pow(l as u32) {
            let z: Vec<usize> = (0..l).map(|j| code / k.pow(j as u32) % k).collect();
            let mut q = 1.0f64;
            for j in 0..l {
                q *= f64::from(match h.tree.parent[j] {
                    None => pi[z[j]],
                    Some(par) => tr[(j * k + z[par]) * k + z[j]],
                });
                let e = b[j * k + z[j]];
                q *= f64::from(if x[j] == 1.0 { e } else { 1.0 - e });
            }
            p += q;
        }
        brute += p.ln();
    }
    let ours = em::mean_log_likelihood(h, &dense, 40).unwrap();
    assert!(
        (ours - brute / 40.0).abs() < 1e-3,
        "{ours} vs {}",
        brute / 40.0
    );
}

/// EM never lowers the penalised likelihood much, and the fitted model learns linked blocks.
#[test]
fn em_learns_block_frequencies_and_linkage() {
    let m = blocks(600, &[0.15, 0.5, 0.7], 3);
    let dense = m.to_dense_f32();
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    let mut r = ChaCha8Rng::seed_from_u64(test_seed(4));
    let mut t = HcltTrainer::new(small(), &dense, 600, &freqs, None, &mut r, &Device::Cpu).unwrap();
    let lls: Vec<f64> = (0..15).map(|_| t.epoch(&mut r).unwrap()[0]).collect();
    assert!(lls.windows(2).all(|w| w[1] > w[0] - 0.05), "{lls:?}");
    figure("log-likelihood gain", lls[14] - lls[0]);
    figure(
        "largest log-likelihood drop",
        lls.windows(2).map(|w| w[0] - w[1]).fold(f64::MIN, f64::max),
    );
    assert!(lls[14] > lls[0] + 0.5, "{lls:?}");
    let ags = t.hclt.sample(4000, None, &mut r).unwrap();
    let l = m.n_sites();
    // The training data's own block frequencies (600 draws of the nominal ones).
    let data = m.allele_frequencies();
    for (j, want) in [data[0], data[3], data[6]].into_iter().enumerate() {
        let block: Vec<&[u8]> = ags.chunks(l).map(|h| &h[j * 3..j * 3 + 3]).collect();
        let f = block.iter().filter(|s| s[0] == 1).count() as f64 / 4000.0;
        let linked = block
            .iter()
            .filter(|s| s[0] == s[1] && s[1] == s[2])
            .count();
        figure(&format!("block {j} frequency error"), (f - want).abs());
        figure(&format!("block {j} linked share"), linked as f64 / 4000.0);
        assert!((f - want).abs() < 0.04, "block {j}: {f} vs {want}");
        assert!(
            linked as f64 > 0.97 * 4000.0,
            "block {j}: {linked} of 4000 linked"
        );
    }
}

#[test]
fn tensors_round_trip_and_resume_is_exact() {
    let m = blocks(200, &[0.2, 0.5, 0.4, 0.8], 5);
    let model = ModelParams::Hclt(small());
    let config = |epochs| TrainConfig {
        model: model.clone(),
        epochs,
        seed: 7,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let (whole, part) = (dir.path().join("whole"), dir.path().join("part"));
    train(&m, &config(6), TrainOptions::new(&whole)).unwrap();
    train(&m, &config(2), TrainOptions::new(&part)).unwrap();
    let resume = TrainOptions {
        resume: true,
        ..TrainOptions::new(&part)
    };
    train(&m, &config(6), resume).unwrap();
    let options = GenerateOptions {
        n_haplotypes: 50,
        seed: 3,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let (a, b) = (
        Checkpoint::load(&whole).unwrap(),
        Checkpoint::load(&part).unwrap(),
    );
    assert_eq!(
        generate(&a, &options).unwrap().matrix.to_dense_u8(),
        generate(&b, &options).unwrap().matrix.to_dense_u8()
    );
    let hclt = Hclt::from_tensors(small(), 12, &a.weights).unwrap();
    let names: HashMap<String, Tensor> = hclt.tensors().into_iter().collect();
    for (name, t) in &a.weights {
        let diff = (t - &names[name])
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap();
        assert_eq!(diff.to_scalar::<f32>().unwrap(), 0.0, "{name}");
    }
}

#[test]
fn bad_hyperparameters_are_refused() {
    for (p, flag) in [
        (
            HcltParams {
                states: 1,
                ..small()
            },
            "hclt-states",
        ),
        (
            HcltParams {
                emission_prior: 0.0,
                ..small()
            },
            "emission-prior",
        ),
        (
            HcltParams {
                temperature: -1.0,
                ..small()
            },
            "temperature",
        ),
    ] {
        let err = p.validate().unwrap_err().to_string();
        assert!(err.contains(flag), "{err}");
    }
}
