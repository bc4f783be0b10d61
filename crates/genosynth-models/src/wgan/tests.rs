//! Shape, gradient and learning tests of the convolutional WGAN-GP.

use candle_core::{DType, Device, Tensor, Var};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use genosynth_core::test_util::{figure, test_seed};

fn small_config(multiplier: f64) -> WganParams {
    WganParams {
        multiplier,
        batch_size: 6,
        ..WganParams::default()
    }
}

#[test]
fn generator_and_critic_blocks_have_the_documented_shapes() {
    let dev = Device::Cpu;
    let wgan = Wgan::new(805, 0, small_config(1.0), &dev, DType::F32, 1).unwrap();
    let layout = wgan.layout;
    assert_eq!(layout.padded, 1023);
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let (latent, noise) = wgan.generator_inputs(6, &mut rng).unwrap();
    assert_eq!(latent.dims(), &[6, 2, 4]);
    let shapes = wgan.generator.block_shapes(&latent, None, &noise).unwrap();
    assert_eq!(shapes.len(), layout.n_stages() + 1);
    assert_eq!(shapes[0], vec![6, 52, 3]);
    for s in 0..layout.n_stages() {
        assert_eq!(
            shapes[s + 1],
            vec![6, layout.generator_channels(Some(s)), (1 << (s + 3)) - 1]
        );
    }
    let out = wgan.generator.forward(&latent, None, &noise).unwrap();
    assert_eq!(out.dims(), &[6, 1, 1023]);
    let values = out.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    for (i, v) in values.iter().enumerate() {
        if i % 1023 >= 805 {
            assert_eq!(*v, 0.0, "padding position {} not masked", i % 1023);
        } else {
            assert!(*v > 0.0 && *v < 1.0);
        }
    }

    let packed = wgan.critic.pack_input(&out, None).unwrap();
    assert_eq!(packed.dims(), &[2, 3, 1023]);
    let shapes = wgan.critic.block_shapes(&packed).unwrap();
    assert_eq!(shapes.len(), layout.n_stages());
    for (s, shape) in shapes.iter().enumerate() {
        let len = (1 << (layout.k as usize - 1 - s)) - 1;
        assert_eq!(shape, &vec![2, layout.critic_channels(s), len]);
    }
    assert_eq!(shapes.last().unwrap()[2], 3);
    assert_eq!(wgan.critic.forward(&packed).unwrap().dims(), &[2, 1]);
}

#[test]
fn conditional_inputs_carry_label_channels() {
    let dev = Device::Cpu;
    let wgan = Wgan::new(30, 2, small_config(1.0), &dev, DType::F32, 1).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let (latent, noise) = wgan.generator_inputs(6, &mut rng).unwrap();
    let labels = wgan.one_hot(&[0, 1, 1, 0, 0, 1]).unwrap().unwrap();
    let out = wgan
        .generator
        .forward(&latent, Some(&labels), &noise)
        .unwrap();
    assert_eq!(out.dims(), &[6, 1, 31]);
    let packed = wgan.critic.pack_input(&out, Some(&labels)).unwrap();
    // 3 haplotype channels then 3 × 2 label channels, constant along the sequence.
    assert_eq!(packed.dims(), &[2, 9, 31]);
    let first = packed
        .narrow(1, 3, 6)
        .unwrap()
        .narrow(2, 0, 1)
        .unwrap()
        .flatten_all()
        .unwrap();
    assert_eq!(
        first.to_vec1::<f32>().unwrap(),
        vec![1., 0., 0., 1., 0., 1., 1., 0., 1., 0., 0., 1.]
    );
    // Changing only the label changes the generator's output.
    let other = wgan.one_hot(&[1, 0, 0, 1, 1, 0]).unwrap().unwrap();
    let out2 = wgan
        .generator
        .forward(&latent, Some(&other), &noise)
        .unwrap();
    let diff = (out - out2)
        .unwrap()
        .abs()
        .unwrap()
        .sum_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(diff > 1e-3);
}

/// A small f64 critic with a real input for gradient checks.
fn f64_critic(n_sites: usize) -> (Wgan, Tensor) {
    let dev = Device::Cpu;
    let config = WganParams {
        multiplier: 0.5,
        residual_blocks: 1,
        ..small_config(0.5)
    };
    let wgan = Wgan::new(n_sites, 0, config, &dev, DType::F64, 7).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let (latent, noise) = wgan.generator_inputs(6, &mut rng).unwrap();
    let x = wgan.generator.forward(&latent, None, &noise).unwrap();
    let packed = wgan.critic.pack_input(&x, None).unwrap();
    (wgan, packed)
}

#[test]
fn explicit_input_gradient_matches_autograd_and_finite_differences() {
    let (wgan, x) = f64_critic(13);
    let (_, cache) = wgan.critic.forward_cached(&x, |_| {}).unwrap();
    let ours = wgan.critic.input_gradient(&cache).unwrap();
    assert_eq!(ours.dims(), x.dims());

    // candle's own first-order gradient with respect to the input.
    let var = Var::from_tensor(&x).unwrap();
    let grads = wgan
        .critic
        .forward(&var)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let autograd = grads.get(&var).unwrap();
    let max_err = (&ours - autograd)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap();
    assert!(max_err.to_scalar::<f64>().unwrap() < 1e-10);

    // Central finite differences on every input entry.
    let base = x.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    let ours = ours.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    let h = 1e-6;
    let score = |v: &[f64]| {
        let t = Tensor::from_vec(v.to_vec(), x.dims(), &Device::Cpu).unwrap();
        wgan.critic
            .forward(&t)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    };
    for i in 0..base.len() {
        let mut plus = base.clone();
        plus[i] += h;
        let mut minus = base.clone();
        minus[i] -= h;
        let fd = (score(&plus) - score(&minus)) / (2.0 * h);
        assert!(
            (fd - ours[i]).abs() < 1e-6 * (1.0 + fd.abs()),
            "entry {i}: fd {fd} explicit {}",
            ours[i]
        );
    }
}

#[test]
fn gradient_penalty_parameter_gradients_match_finite_differences() {
    let (wgan, x) = f64_critic(13);
    let penalty = |w: &Wgan| {
        let (_, cache) = w.critic.forward_cached(&x, |_| {}).unwrap();
        let g = w.critic.input_gradient(&cache).unwrap();
        let norm = (g.sqr().unwrap().sum((1, 2)).unwrap() + 1e-12)
            .unwrap()
            .sqrt()
            .unwrap();
        (norm - 1.0).unwrap().sqr().unwrap().mean_all().unwrap()
    };
    let grads = penalty(&wgan).backward().unwrap();
    let vars = wgan.critic_vars.data().lock().unwrap().clone();
    let mut checked = 0;
    for name in [
        "critic.stage0.down.conv",
        "critic.stage1.res0.conv",
        "critic.stage1.down.ln.gamma",
        "critic.linear.weight",
    ] {
        let var = &vars[name];
        let analytic = grads
            .get(var)
            .unwrap_or_else(|| panic!("no gradient for {name}"));
        let analytic = analytic.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let original = var
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        for i in [0, original.len() / 2, original.len() - 1] {
            let h = 1e-6;
            let at = |delta: f64| {
                let mut v = original.clone();
                v[i] += delta;
                var.set(&Tensor::from_vec(v, var.dims(), &Device::Cpu).unwrap())
                    .unwrap();
                penalty(&wgan).to_scalar::<f64>().unwrap()
            };
            let fd = (at(h) - at(-h)) / (2.0 * h);
            var.set(&Tensor::from_vec(original.clone(), var.dims(), &Device::Cpu).unwrap())
                .unwrap();
            assert!(
                (fd - analytic[i]).abs() < 1e-5 * (1.0 + fd.abs()),
                "{name}[{i}]: fd {fd} autograd {}",
                analytic[i]
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
}

#[test]
fn same_seed_gives_the_same_weights_and_samples() {
    let dev = Device::Cpu;
    let a = Wgan::new(20, 0, small_config(1.0), &dev, DType::F32, 5).unwrap();
    let b = Wgan::new(20, 0, small_config(1.0), &dev, DType::F32, 5).unwrap();
    let sa = a
        .generate(10, None, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    let sb = b
        .generate(10, None, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    assert_eq!(sa, sb);
    assert_eq!(sa.len(), 200);
}

#[test]
fn critic_learns_to_separate_real_from_a_fixed_generator() {
    let sites = 60;
    let data = super::testdata::mosaic(192, sites, 4, 0.03, 1);
    // No generator step: only the critic trains, against the untrained generator. Since the
    // real-score weights are normalised the Wasserstein estimate read 0.40 after 200 critic
    // steps and 3.5 after 400 with the authors' InstanceNorm critic, so the test runs 200
    // epochs (400 steps); the LayerNorm critic reads 0.12 in the first epoch, 6.6 in the last.
    let config = WganParams {
        multiplier: 4.0,
        n_critic: usize::MAX,
        lr: 2e-3,
        ..WganParams::default()
    };
    let wgan = Wgan::new(sites, 0, config, &Device::Cpu, DType::F32, 2).unwrap();
    let mut trainer = WganTrainer::new(wgan, &data, None).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let first = trainer.epoch(&mut rng).unwrap();
    let mut last = first;
    for _ in 0..200 {
        last = trainer.epoch(&mut rng).unwrap();
    }
    eprintln!("critic alone: {first:?} -> {last:?}");
    assert!(last.generator.is_nan(), "no generator step was due");
    assert!(
        last.wasserstein > 0.5 && last.wasserstein > first.wasserstein + 0.5,
        "{first:?} -> {last:?}"
    );
    assert!(last.gradient_penalty < first.gradient_penalty);
}

#[test]
fn tensors_and_optimizer_state_round_trip() {
    let sites = 20;
    let data = super::testdata::mosaic(12, sites, 2, 0.05, 1);
    let config = WganParams {
        multiplier: 1.0,
        n_critic: 1,
        batch_size: 6,
        ..WganParams::default()
    };
    let wgan = Wgan::new(sites, 0, config.clone(), &Device::Cpu, DType::F32, 2).unwrap();
    let mut trainer = WganTrainer::new(wgan, &data, None).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    trainer.epoch(&mut rng).unwrap();
    let weights: std::collections::HashMap<_, _> = trainer.wgan.tensors().into_iter().collect();
    let (opt, steps) = trainer.optimizer_state().unwrap();
    assert_eq!(steps, [2, 2]);
    let opt: std::collections::HashMap<_, _> = opt.into_iter().collect();
    let back = Wgan::from_tensors(sites, 0, config, &weights).unwrap();
    let mut resumed = WganTrainer::new(back, &data, None).unwrap();
    resumed.restore_optimizer(&opt, steps).unwrap();
    let mut rng2 = rng.clone();
    let a = trainer.epoch(&mut rng).unwrap();
    let b = resumed.epoch(&mut rng2).unwrap();
    assert_eq!(a, b);
    let sa = trainer
        .wgan
        .generate(7, None, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    let sb = resumed
        .wgan
        .generate(7, None, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    assert_eq!(sa, sb);
    let mut missing = weights.clone();
    missing.remove("critic.linear.bias");
    assert!(
        Wgan::from_tensors(
            sites,
            0,
            WganParams {
                multiplier: 1.0,
                ..WganParams::default()
            },
            &missing
        )
        .is_err()
    );
}

/// The authors' network (channel multiplier 10, Adam 5e-4, batch 96, PacGAN 3, λ 10) with the
/// critic's LayerNorm learns frequencies and LD from 30 linked sites in 300 critic steps; the
/// independent-sites floor has LD r -0.07. The seed sweep of docs/testing.md ("WGAN"; seeds
/// 1-10, one thread, as `cargo xtask seed-sweep --seeds 1..=10 --threads 1` runs it) passed
/// 10 of 10 with AF r 0.73-0.96 (median 0.88) and LD r 0.30-0.64 (median 0.41); this seed
/// gives 0.97 / 0.85. With the authors' InstanceNorm, seeds 1-4 had not learned LD after
/// 1,200 critic steps (issue 29).
#[test]
fn wgan_learns_frequencies_and_ld_beyond_the_independent_sites_floor() {
    use super::testdata::{frequencies, independent_sites, ld_profile, near_pairs, pearson};
    let (n, sites) = (960, 30);
    let data = super::testdata::mosaic(n, sites, 4, 0.03, 1);
    let config = WganParams {
        // 2 critic steps per generator step, not the authors' 10: the generator is the slower
        // learner once the critic sees the level, and the test's time is the critic's steps.
        n_critic: 2,
        ..WganParams::default()
    };
    let wgan = Wgan::new(sites, 0, config, &Device::Cpu, DType::F32, test_seed(2)).unwrap();
    let mut trainer = WganTrainer::new(wgan, &data, None).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(test_seed(3));
    for _ in 0..30 {
        trainer.epoch(&mut rng).unwrap();
    }
    let ags: Vec<f32> = trainer
        .wgan
        .generate(n, None, &mut ChaCha8Rng::seed_from_u64(test_seed(9)))
        .unwrap()
        .into_iter()
        .map(f32::from)
        .collect();
    let pairs = near_pairs(sites, 8);
    let real_f = frequencies(&data, sites);
    let real_ld = ld_profile(&data, sites, &pairs);
    let floor = independent_sites(&real_f, n, 3);
    let floor_r = pearson(&real_ld, &ld_profile(&floor, sites, &pairs));
    let af_r = pearson(&real_f, &frequencies(&ags, sites));
    let ld_r = pearson(&real_ld, &ld_profile(&ags, sites, &pairs));
    eprintln!("WGAN-GP: AF r {af_r:.3}; LD r {ld_r:.3} (independent sites {floor_r:.3})");
    figure("AF r", af_r);
    figure("LD r", ld_r);
    figure("LD r floor", floor_r);
    assert!(af_r > 0.6, "AF r {af_r}");
    assert!(
        ld_r > 0.2 && ld_r > floor_r + 0.25,
        "LD r {ld_r}, floor {floor_r}"
    );
}
