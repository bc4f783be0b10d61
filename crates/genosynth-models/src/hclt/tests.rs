use std::collections::HashMap;

use candle_core::{Device, Tensor};
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::{
    Checkpoint, DeviceChoice, GenerateOptions, ModelParams, TrainConfig, TrainOptions, generate,
    train,
};
use genosynth_core::test_util::{figure, test_seed};

/// `n` haplotypes over independent blocks of 3 identical sites at `freqs`.
fn blocks(n: usize, freqs: &[f64], seed: u64) -> HaplotypeMatrix {
    named_blocks("S", n, freqs, seed)
}

/// [`blocks`] with people named `prefix…`.
pub(super) fn named_blocks(prefix: &str, n: usize, freqs: &[f64], seed: u64) -> HaplotypeMatrix {
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
        Sample::numbered(prefix, n / 2, Ploidy::Diploid),
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
    let ours = em::mean_log_likelihood(h, &m).unwrap();
    assert!(
        (ours - brute / 40.0).abs() < 1e-3,
        "{ours} vs {}",
        brute / 40.0
    );
}

/// The plain loops give the tensor version's log-likelihood and expected counts, across
/// blocks of 64 and chunks that do not divide the data, for a mixture too.
#[test]
fn plain_loops_match_the_tensor_passes() {
    let m = blocks(150, &[0.3, 0.6, 0.1, 0.8], 11);
    let dense = m.to_dense_f32();
    let (n, l) = (150, m.n_sites());
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    for (states, components) in [(3, 1), (8, 1), (3, 2)] {
        let mut r = ChaCha8Rng::seed_from_u64(12);
        let params = HcltParams {
            states,
            components,
            chunk: 100,
            ..small()
        };
        let k = params.hidden();
        let mut t =
            HcltTrainer::new(params, &dense, n, &freqs, None, &mut r, &Device::Cpu).unwrap();
        t.epoch(&mut r).unwrap();
        let h = &t.hclt;
        let (q, q1, pairs, ll) = em::tensor_e_step(h, &dense, n).unwrap();
        let host = super::host::HostHclt::of(h).unwrap();
        let bits = bits::SiteBits::from_dense(&dense, n, l);
        let c = passes::e_step(&host, &h.tree, &bits, 100);
        assert!(
            (c.log_likelihood - ll).abs() < 1e-3 * ll.abs(),
            "{} vs {ll}",
            c.log_likelihood
        );
        let close = |a: f64, b: f32| (a - f64::from(b)).abs() < 1e-3 * (1.0 + a.abs());
        assert!(c.states.iter().zip(&q).all(|(&a, &b)| close(a, b)));
        assert!(c.alt.iter().zip(&q1).all(|(&a, &b)| close(a, b)));
        for (j, want) in pairs.iter().enumerate() {
            let Some(want) = want else {
                assert_eq!(j, h.tree.root());
                continue;
            };
            for (i, &w) in want.iter().enumerate() {
                let got = c.pairs[j * k * k + i] * f64::from(host.transition[j * k * k + i]);
                assert!(close(got, w), "site {j}: {got} vs {w}");
            }
        }
        let each = em::log_likelihoods(h, &dense, n).unwrap();
        assert_eq!(each.len(), n);
        assert!((each.iter().sum::<f64>() - ll).abs() < 1e-3 * ll.abs());
    }
}

/// The log-prior that the pseudo-counts stand for (Beta on each emission, Dirichlet on each
/// transition row and the root), up to a constant: EM maximises likelihood plus this.
fn log_prior(h: &Hclt, freqs: &[f32], n: usize) -> f64 {
    let k = h.params.states;
    let (a, tp) = (
        f64::from(h.params.emission_prior),
        f64::from(h.params.transition_prior),
    );
    let b: Vec<f32> = h.emission.flatten_all().unwrap().to_vec1().unwrap();
    let t: Vec<f32> = h.transition.flatten_all().unwrap().to_vec1().unwrap();
    let pi: Vec<f32> = h.pi.to_vec1().unwrap();
    let mut total = 0.0;
    for (i, &b) in b.iter().enumerate() {
        let p = (f64::from(freqs[i / k]) * n as f64 + 0.5) / (n as f64 + 1.0);
        total += a * (p * f64::from(b).ln() + (1.0 - p) * (1.0 - f64::from(b)).ln());
    }
    let root = h.tree.root();
    for (i, &t) in t.iter().enumerate() {
        if i / (k * k) != root {
            total += tp * f64::from(t).ln();
        }
    }
    total + tp * pi.iter().map(|&p| f64::from(p).ln()).sum::<f64>()
}

/// EM never lowers what it maximises: the log-likelihood (plus the pseudo-counts' log-prior).
#[test]
fn em_never_lowers_the_log_likelihood() {
    let m = genosynth_core::test_util::TestPopulation {
        people: 150,
        blocks: 60,
        block_size: 1,
        founders: 12,
        founder_alt_frequency: 0.3,
        switch_rate: 0.05,
        mutation_rate: 0.01,
    }
    .generate(21);
    let dense = m.to_dense_f32();
    let n = m.n_haplotypes();
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    for (prior, seed) in [
        (1e-4, test_seed(22)),
        (HcltParams::default().emission_prior, test_seed(23)),
    ] {
        let params = HcltParams {
            states: 6,
            emission_prior: prior,
            transition_prior: prior.min(HcltParams::default().transition_prior),
            chunk: 128,
            ..HcltParams::default()
        };
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        let mut t =
            HcltTrainer::new(params, &dense, n, &freqs, None, &mut r, &Device::Cpu).unwrap();
        let mut objective = Vec::new();
        for _ in 0..25 {
            let penalty = log_prior(&t.hclt, &freqs, n);
            let ll = t.epoch(&mut r).unwrap()[0] * n as f64;
            objective.push(ll + penalty);
        }
        let drop = objective
            .windows(2)
            .map(|w| w[0] - w[1])
            .fold(f64::MIN, f64::max);
        figure(&format!("prior {prior}: largest objective drop"), drop);
        figure(
            &format!("prior {prior}: gain"),
            objective[24] - objective[0],
        );
        // f32 sums over ~300 haplotypes × 60 sites: rounding far below 0.01 nats.
        assert!(
            objective.windows(2).all(|w| w[1] >= w[0] - 0.01),
            "prior {prior}: {objective:?}"
        );
        assert!(objective[24] > objective[0] + 100.0, "{objective:?}");
    }
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

/// Seconds per E-step of the tensor passes and of the plain loops on the same model and data
/// of AGBL4's shape (4,594 sites × 2,004 haplotypes, default states): a ratio that holds on a
/// loaded machine, since the two run in turn. `cargo test -p genosynth-models --lib
/// e_step_speed -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a test"]
fn e_step_speed_plain_loops_against_tensors() {
    let m = genosynth_core::test_util::TestPopulation {
        people: 1002,
        blocks: 4594,
        block_size: 1,
        founders: 40,
        founder_alt_frequency: 0.2,
        switch_rate: 0.01,
        mutation_rate: 0.01,
    }
    .generate(31);
    let dense = m.to_dense_f32();
    let (n, l) = (m.n_haplotypes(), m.n_sites());
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    let mut r = ChaCha8Rng::seed_from_u64(32);
    let start = std::time::Instant::now();
    let t = HcltTrainer::new(
        HcltParams::default(),
        &dense,
        n,
        &freqs,
        None,
        &mut r,
        &Device::Cpu,
    )
    .unwrap();
    println!("bits + tree: {:.2} s", start.elapsed().as_secs_f64());
    let h = &t.hclt;
    let bits = bits::SiteBits::from_dense(&dense, n, l);
    for _ in 0..2 {
        let start = std::time::Instant::now();
        let (_, _, _, ll) = em::tensor_e_step(h, &dense, n).unwrap();
        let tensors = start.elapsed().as_secs_f64();
        let start = std::time::Instant::now();
        let host = super::host::HostHclt::of(h).unwrap();
        let c = passes::e_step(&host, &h.tree, &bits, h.params.chunk);
        let loops = start.elapsed().as_secs_f64();
        let k = h.params.states as f64;
        let flops = (6.0 * k * k + 15.0 * k) * (n * l) as f64;
        println!(
            "tensors {tensors:.2} s, plain loops {loops:.2} s ({:.1}x, ~{:.1} GFLOP/s); \
             log-likelihood {ll:.1} vs {:.1}",
            tensors / loops,
            flops / loops / 1e9,
            c.log_likelihood
        );
    }
}

/// Checkpoints written before the tree band existed read with the default band.
#[test]
fn hyperparameters_without_a_tree_band_read_as_the_default() {
    let old = r#"{"states":8,"emission_prior":1.0,"transition_prior":0.1,"temperature":0.95,"chunk":1024}"#;
    let p: HcltParams = serde_json::from_str(old).unwrap();
    assert_eq!(p, HcltParams::default());
}

/// Thousands of sites that do not vary in the training people (a stratum of a cohort) hang
/// off one node of the tree; the product of their scale factors must be folded into the log
/// before it leaves f64's range, or every likelihood reads -inf and the attack sees only ties.
#[test]
fn a_hub_of_thousands_of_monomorphic_sites_keeps_finite_likelihoods() {
    let n = 40;
    let varying = blocks(n, &[0.3, 0.6], 3);
    let (v, mono) = (varying.n_sites(), 5000);
    let l = v + mono;
    let dense: Vec<f32> = varying
        .to_dense_f32()
        .chunks(v)
        .flat_map(|row| row.iter().copied().chain(std::iter::repeat_n(0.0, mono)))
        .collect();
    let freqs: Vec<f32> = (0..l)
        .map(|j| (0..n).map(|i| dense[i * l + j]).sum::<f32>() / n as f32)
        .collect();
    let mut r = ChaCha8Rng::seed_from_u64(4);
    let mut t = HcltTrainer::new(small(), &dense, n, &freqs, None, &mut r, &Device::Cpu).unwrap();
    t.epoch(&mut r).unwrap();
    let each = em::log_likelihoods(&t.hclt, &dense, n).unwrap();
    assert!(each.iter().all(|ll| ll.is_finite()), "{:?}", &each[..4]);
    // Two blocks of 3 linked sites cost a few nats; the monomorphic sites nearly nothing each.
    let mean = each.iter().sum::<f64>() / n as f64;
    assert!(
        mean < 0.0 && mean > -0.05 * mono as f64,
        "mean log-likelihood {mean}"
    );
}
