//! Every model on a CUDA device, checked against the same code on the CPU.
//!
//! Where all randomness comes from the host's ChaCha streams (GAN, WGAN: initial weights,
//! shuffling, latent noise), one epoch on the GPU must end with the CPU's weights up to float
//! rounding. Where the GPU draws its own Bernoulli noise (RBM, CRBM), the learned statistics
//! must match. The tests skip when no GPU answers, unless `GENOSYNTH_REQUIRE_CUDA=1` (the GPU
//! bundle's `run.sh` sets it), which turns a missing GPU into a failure.

use std::path::Path;

use candle_core::Device;
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    Checkpoint, CrbmParams, DeviceChoice, GanParams, GenerateOptions, ModelParams, RbmParams,
    TrainConfig, TrainOptions, WganParams, generate, train,
};

/// The first GPU, or `None` (after saying so) when none answers and none is required.
pub(crate) fn cuda_or_skip() -> Option<Device> {
    match Device::new_cuda(0) {
        Ok(dev) => Some(dev),
        Err(e) if std::env::var("GENOSYNTH_REQUIRE_CUDA").as_deref() == Ok("1") => {
            panic!("GENOSYNTH_REQUIRE_CUDA=1 but no CUDA device answers: {e}")
        }
        Err(e) => {
            eprintln!("SKIP: no CUDA device answers ({e})");
            None
        }
    }
}

/// Allele-1 frequency of each block of three perfectly linked sites.
const FREQUENCIES: [f64; 4] = [0.15, 0.3, 0.5, 0.7];
const BLOCK: usize = 3;

/// `n` haplotypes over independent blocks of [`BLOCK`] linked sites at `FREQUENCIES`.
fn blocks(n: usize, seed: u64) -> HaplotypeMatrix {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut alleles = Vec::with_capacity(n * FREQUENCIES.len() * BLOCK);
    for _ in 0..n {
        for &f in &FREQUENCIES {
            alleles.extend([r.random_bool(f) as u8; BLOCK]);
        }
    }
    let sites: Sites = (0..FREQUENCIES.len() * BLOCK)
        .map(|i| Site::new("1", 1000 + 10 * i as u64, "A", "G"))
        .collect();
    HaplotypeMatrix::from_dense_u8(
        &alleles,
        sites,
        Sample::numbered("S", n / 2, Ploidy::Diploid),
    )
    .expect("consistent sizes")
}

/// r² between two sites (0 when either is monomorphic).
fn r2(m: &HaplotypeMatrix, a: usize, b: usize) -> f64 {
    let n = m.n_haplotypes() as f64;
    let (mut pa, mut pb, mut pab) = (0.0, 0.0, 0.0);
    for h in 0..m.n_haplotypes() {
        let (x, y) = (
            f64::from(u8::from(m.get(h, a))),
            f64::from(u8::from(m.get(h, b))),
        );
        (pa, pb, pab) = (pa + x, pb + y, pab + x * y);
    }
    let (pa, pb, pab) = (pa / n, pb / n, pab / n);
    let var = pa * (1.0 - pa) * pb * (1.0 - pb);
    if var <= 0.0 {
        0.0
    } else {
        (pab - pa * pb).powi(2) / var
    }
}

/// Frequencies within `tol` of the blocks', mean r² within blocks > 0.8, across < 0.05.
fn assert_learned_blocks(ags: &HaplotypeMatrix, tol: f64) {
    for (s, f) in ags.allele_frequencies().iter().enumerate() {
        let want = FREQUENCIES[s / BLOCK];
        assert!(
            (f - want).abs() <= tol,
            "site {s}: frequency {f:.3}, expected {want} ± {tol}"
        );
    }
    let n = ags.n_sites();
    let (mut within, mut across) = (Vec::new(), Vec::new());
    for a in 0..n {
        for b in a + 1..n {
            let v = r2(ags, a, b);
            if a / BLOCK == b / BLOCK {
                within.push(v)
            } else {
                across.push(v)
            }
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&within) > 0.8,
        "mean r² within blocks {:.3}",
        mean(&within)
    );
    assert!(
        mean(&across) < 0.05,
        "mean r² across blocks {:.3}",
        mean(&across)
    );
}

fn train_on(
    data: &HaplotypeMatrix,
    model: &ModelParams,
    epochs: usize,
    device: DeviceChoice,
    dir: &Path,
) {
    let config = TrainConfig {
        model: model.clone(),
        epochs,
        seed: 3,
        device,
        save_every: 0,
        dp: None,
    };
    let summary = train(data, &config, TrainOptions::new(dir)).expect("training runs");
    assert_eq!(summary.epochs_done, epochs);
}

/// Largest absolute difference between the same-named weights of two checkpoints.
fn max_weight_difference(a: &Checkpoint, b: &Checkpoint) -> f32 {
    assert_eq!(a.weights.len(), b.weights.len());
    let mut worst = 0.0f32;
    for (name, ta) in &a.weights {
        let tb = &b.weights[name];
        assert_eq!(ta.dims(), tb.dims(), "{name}");
        let diff = (ta - tb)
            .and_then(|d| d.abs()?.flatten_all()?.max(0)?.to_scalar::<f32>())
            .expect("weights are f32 tensors on the CPU");
        worst = worst.max(diff);
    }
    worst
}

/// One epoch on the GPU and on the CPU from the same seed end with the same weights.
fn assert_epoch_matches_cpu(model: ModelParams, tol: f32) {
    if cuda_or_skip().is_none() {
        return;
    }
    let data = blocks(240, 11);
    let dir = tempfile::tempdir().unwrap();
    let (cpu, gpu) = (dir.path().join("cpu"), dir.path().join("gpu"));
    train_on(&data, &model, 1, DeviceChoice::Cpu, &cpu);
    train_on(&data, &model, 1, DeviceChoice::Cuda(0), &gpu);
    let (cpu, gpu) = (
        Checkpoint::load(&cpu).unwrap(),
        Checkpoint::load(&gpu).unwrap(),
    );
    let diff = max_weight_difference(&cpu, &gpu);
    assert!(
        diff < tol,
        "{}: weights differ by {diff} after one epoch",
        model.kind()
    );
}

#[test]
fn gan_epoch_on_cuda_matches_cpu() {
    let model = ModelParams::Gan(GanParams {
        latent_size: 16,
        generator_divisors: [0.25, 0.25],
        discriminator_divisors: [0.5, 1.0],
        ..GanParams::default()
    });
    assert_epoch_matches_cpu(model, 1e-3);
}

#[test]
fn wgan_epoch_on_cuda_matches_cpu() {
    let model = ModelParams::Wgan(WganParams {
        multiplier: 1.0,
        batch_size: 24,
        n_critic: 2,
        ..WganParams::default()
    });
    assert_epoch_matches_cpu(model, 1e-3);
}

#[test]
fn gan_generation_on_cuda_matches_cpu() {
    if cuda_or_skip().is_none() {
        return;
    }
    let data = blocks(240, 12);
    let model = ModelParams::Gan(GanParams {
        latent_size: 16,
        ..GanParams::default()
    });
    let dir = tempfile::tempdir().unwrap();
    train_on(&data, &model, 2, DeviceChoice::Cpu, dir.path());
    let checkpoint = Checkpoint::load(dir.path()).unwrap();
    let on = |device| {
        let options = GenerateOptions {
            n_haplotypes: 500,
            seed: 4,
            device,
            gibbs_steps: None,
        };
        generate(&checkpoint, &options)
            .unwrap()
            .matrix
            .to_dense_u8()
    };
    let (cpu, gpu) = (on(DeviceChoice::Cpu), on(DeviceChoice::Cuda(0)));
    // The latent noise comes from the host: only outputs within rounding of 0.5 may differ.
    let differing = cpu.iter().zip(&gpu).filter(|(a, b)| a != b).count();
    assert!(
        differing * 1000 <= cpu.len(),
        "{differing} of {} genotypes differ",
        cpu.len()
    );
}

/// 2,000 AGs generated on the GPU from `model` trained there for 300 epochs on `data`.
fn trained_and_sampled_on_cuda(data: &HaplotypeMatrix, model: &ModelParams) -> HaplotypeMatrix {
    let dir = tempfile::tempdir().unwrap();
    train_on(data, model, 300, DeviceChoice::Cuda(0), dir.path());
    let checkpoint = Checkpoint::load(dir.path()).unwrap();
    let options = GenerateOptions {
        n_haplotypes: 2000,
        seed: 9,
        device: DeviceChoice::Cuda(0),
        gibbs_steps: None,
    };
    generate(&checkpoint, &options).unwrap().matrix
}

#[test]
fn rbm_learns_on_cuda() {
    if cuda_or_skip().is_none() {
        return;
    }
    let data = blocks(400, 11);
    let model = ModelParams::Rbm(RbmParams {
        hidden_units: 16,
        batch_size: 100,
        chains: 100,
        gibbs_steps: 20,
        lr: 0.3,
        init_std: 0.01,
        ..RbmParams::default()
    });
    assert_learned_blocks(&trained_and_sampled_on_cuda(&data, &model), 0.06);
}

#[test]
fn crbm_learns_on_cuda() {
    if cuda_or_skip().is_none() {
        return;
    }
    let data = blocks(400, 13);
    let model = ModelParams::Crbm(CrbmParams {
        window: 6,
        n_hidden: 12,
        lr: 0.1,
        batch_size: 100,
        gibbs_steps: 20,
    });
    let ags = trained_and_sampled_on_cuda(&data, &model);
    for (s, f) in ags.allele_frequencies().iter().enumerate() {
        let want = FREQUENCIES[s / BLOCK];
        assert!(
            (f - want).abs() <= 0.08,
            "site {s}: frequency {f:.3}, expected {want}"
        );
    }
}

#[test]
fn rbm_bernoulli_kernel_draws_sigmoid_probabilities() {
    let Some(dev) = cuda_or_skip() else {
        return;
    };
    let candle_core::Device::Cuda(cuda) = &dev else {
        unreachable!("a CUDA device")
    };
    // The fused kernel must run, not the tensor-op fallback.
    crate::cuda_ops::available(cuda).expect("genosynth's CUDA kernels");
    let (rows, cols) = (8000, 40);
    let bias: Vec<f32> = (0..cols).map(|c| (c as f32 - 20.0) / 4.0).collect();
    let x = candle_core::Tensor::zeros((rows, cols), candle_core::DType::F32, &dev).unwrap();
    let b = candle_core::Tensor::from_vec(bias.clone(), cols, &dev).unwrap();
    let mut r = ChaCha8Rng::seed_from_u64(1);
    crate::rng::seed_device(&dev, &mut r).unwrap();
    let draws = crate::rbm::bernoulli(x, &b, &mut r)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    for (c, &bc) in bias.iter().enumerate() {
        let want = 1.0 / (1.0 + (-f64::from(bc)).exp());
        let column: Vec<f32> = draws.iter().map(|row| row[c]).collect();
        assert!(column.iter().all(|&v| v == 0.0 || v == 1.0));
        let got = column.iter().map(|&v| f64::from(v)).sum::<f64>() / rows as f64;
        assert!(
            (got - want).abs() < 0.02,
            "column {c}: {got:.3} vs σ(bias) {want:.3}"
        );
    }
}

#[test]
fn hclt_epoch_on_cuda_matches_cpu() {
    let model = ModelParams::Hclt(crate::HcltParams {
        states: 4,
        ..crate::HcltParams::default()
    });
    assert_epoch_matches_cpu(model, 1e-3);
}
