//! The prior towards a model of reference people: how far it pulls, and what it refuses.

use candle_core::Device;
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::{figure, test_seed};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::tests::named_blocks as blocks;
use super::*;
use crate::{DeviceChoice, Error, ModelParams, RbmParams, TrainConfig, TrainOptions, train};

/// A model of `own` shrunk towards `reference` with `weight` after 15 EM iterations, and the
/// stream it continues on; with `own_frequencies`, the prior at `own`'s frequencies.
fn shrunk(
    own: &HaplotypeMatrix,
    reference: &HaplotypeMatrix,
    (weight, frequency_weight): (f32, Option<f32>),
    cache: Option<&ReferenceCache>,
) -> (HcltTrainer, ChaCha8Rng) {
    let params = HcltParams {
        states: 4,
        chunk: 64,
        reference_weight: weight,
        frequency_weight,
        ..HcltParams::default()
    };
    let freqs: Vec<f32> = own.allele_frequencies().iter().map(|&f| f as f32).collect();
    let seed = test_seed(11);
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut t = HcltTrainer::with_reference(
        params,
        own,
        &freqs,
        reference,
        cache,
        None,
        (seed, &mut r),
        &Device::Cpu,
    )
    .unwrap();
    for _ in 0..15 {
        t.epoch(&mut r).unwrap();
    }
    (t, r)
}

/// Block frequencies of 20,000 AGs of a model of `own` shrunk towards `reference` with `weight`
/// (sampling noise one sd 0.0035, so the model's own error shows).
fn shrunk_frequencies(
    own: &HaplotypeMatrix,
    reference: &HaplotypeMatrix,
    weight: (f32, Option<f32>),
) -> Vec<f64> {
    let (t, mut r) = shrunk(own, reference, weight, None);
    let l = own.n_sites();
    let ags = t.hclt.sample(20_000, None, &mut r).unwrap();
    (0..l / 3)
        .map(|b| ags.chunks(l).filter(|h| h[b * 3] == 1).count() as f64 / 20_000.0)
        .collect()
}

#[test]
fn own_people_keep_one_part_in_one_plus_the_weight() {
    let own = blocks("S", 60, &[0.1, 0.9], 1);
    let reference = blocks("R", 600, &[0.6, 0.3], 2);
    let (f_own, f_ref) = (own.allele_frequencies(), reference.allele_frequencies());
    for weight in [0.0f32, 4.0] {
        let got = shrunk_frequencies(&own, &reference, (weight, None));
        for (b, f) in got.iter().enumerate() {
            let w = f64::from(weight);
            let want = (f_own[b * 3] + w * f_ref[b * 3]) / (1.0 + w);
            figure(
                &format!("weight {weight} block {b} frequency error"),
                (f - want).abs(),
            );
            // Seeds 0-20, 1 and 2 threads (docs/testing.md): 0.000-0.017 at weight 0,
            // 0.001-0.048 at 4. Each parameter row keeps 1/(1+w) of its own counts; a block's
            // frequency is a product of rows, which shrinks it a little less. No reference
            // misses by 0.43, weight 1 by 0.16.
            let tolerance = if weight == 0.0 { 0.05 } else { 0.07 };
            assert!(
                (f - want).abs() < tolerance,
                "weight {weight}, block {b}: {f} vs {want}"
            );
        }
    }
}

#[test]
fn each_site_keeps_its_own_frequency_shrunk_by_the_frequency_weight_at_any_weight() {
    let own = blocks("S", 60, &[0.1, 0.9], 1);
    let reference = blocks("R", 600, &[0.6, 0.3], 2);
    let (f_own, f_ref) = (own.allele_frequencies(), reference.allele_frequencies());
    for (weight, frequency_weight) in [(0.0f32, 0.0f32), (4.0, 0.0), (16.0, 0.0), (4.0, 1.0)] {
        let got = shrunk_frequencies(&own, &reference, (weight, Some(frequency_weight)));
        for (b, f) in got.iter().enumerate() {
            let (w, fw) = (f64::from(weight), f64::from(frequency_weight));
            // The prior sits at the shrunk frequency and the own data keeps 1 / (1 + w).
            let prior = (f_own[b * 3] + fw * f_ref[b * 3]) / (1.0 + fw);
            let want = (f_own[b * 3] + w * prior) / (1.0 + w);
            figure(
                &format!("weight {weight}, frequency weight {fw}, block {b} error"),
                (f - want).abs(),
            );
            // Borrowing the reference's frequencies misses the own ones by 0.40 at weight 4
            // (the test above).
            assert!(
                (f - want).abs() < 0.07,
                "weight {weight}, frequency weight {fw}, block {b}: {f} vs {want}"
            );
        }
    }
}

#[test]
fn own_frequency_emissions_give_each_site_its_target_under_the_state_marginals() {
    let own = blocks("S", 40, &[0.2, 0.7, 0.05], 7);
    let reference = blocks("R", 200, &[0.6, 0.3, 0.5], 8);
    let (t, _) = shrunk(&reference, &own, (0.0, None), None);
    let host = super::host::HostHclt::of(&t.hclt).unwrap();
    let k = host.k;
    let targets: Vec<f32> = (0..own.n_sites())
        .map(|j| [0.0, 0.02, 0.5, 0.98, 1.0][j % 5])
        .collect();
    let e = super::prior::own_frequency_emissions(&host, &t.hclt.tree, (&targets, 0.0), 80);
    // The marginals, carried down the tree as the function documents, read independently here
    // by sampling: 40,000 haplotypes from the model with the new emissions.
    let mut moved = t.hclt.clone();
    let narrow: Vec<f32> = e.iter().map(|&v| v as f32).collect();
    moved.emission =
        candle_core::Tensor::from_vec(narrow, (own.n_sites(), k), &Device::Cpu).unwrap();
    let n = 40_000;
    let mut r = ChaCha8Rng::seed_from_u64(test_seed(3));
    let ags = moved.sample(n, Some(1.0), &mut r).unwrap();
    let l = own.n_sites();
    for (j, &target) in targets.iter().enumerate() {
        let want = f64::from(target).clamp(0.5 / 80.0, 1.0 - 0.5 / 80.0);
        let got = ags.chunks(l).filter(|h| h[j] == 1).count() as f64 / n as f64;
        figure(&format!("site {j} frequency error"), (got - want).abs());
        // Sampling sd at most 0.0025.
        assert!((got - want).abs() < 0.012, "site {j}: {got} vs {want}");
    }
    // The states keep their order at every site: a shift of the log-odds, not a new row.
    for j in 0..l {
        let before = &host.emission[j * k..(j + 1) * k];
        let after = &e[j * k..(j + 1) * k];
        for a in 0..k {
            for b in 0..k {
                if before[a] < before[b] {
                    assert!(after[a] <= after[b], "site {j}: states {a}, {b} swapped");
                }
            }
        }
    }
}

#[test]
fn a_reference_is_refused_for_other_models_other_sites_and_shared_people() {
    let own = blocks("S", 20, &[0.2, 0.7], 3);
    let config = |model| TrainConfig {
        model,
        epochs: 1,
        seed: 1,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
    let hclt = config(ModelParams::Hclt(HcltParams::default()));
    let dir = tempfile::tempdir().unwrap();
    let attempt = |reference: &HaplotypeMatrix, config: &TrainConfig, name: &str| {
        let model_dir = dir.path().join(name);
        let options = TrainOptions {
            reference: Some(reference),
            ..TrainOptions::new(&model_dir)
        };
        train(&own, config, options).unwrap_err()
    };
    let others = blocks("R", 20, &[0.2, 0.7], 4);
    let rbm = config(ModelParams::Rbm(RbmParams::default()));
    assert!(
        matches!(attempt(&others, &rbm, "rbm"), Error::InvalidConfig { .. }),
        "an RBM takes no reference"
    );
    let wider = blocks("R", 20, &[0.2, 0.7, 0.5], 4);
    let err = attempt(&wider, &hclt, "sites").to_string();
    assert!(err.contains("9 sites") && err.contains("6"), "{err}");
    let err = attempt(&own, &hclt, "same").to_string();
    assert!(err.contains("both a training"), "{err}");
}

#[test]
fn a_cached_reference_model_trains_the_same_model_at_every_weight() {
    let own = blocks("S", 30, &[0.1, 0.9], 5);
    let reference = blocks("R", 200, &[0.6, 0.3], 6);
    let emission = |t: &HcltTrainer| {
        t.hclt
            .emission
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
    };
    let cache = ReferenceCache::default();
    for weight in [1.0f32, 4.0, 1.0] {
        let (cached, _) = shrunk(&own, &reference, (weight, Some(0.0)), Some(&cache));
        let (fresh, _) = shrunk(&own, &reference, (weight, Some(0.0)), None);
        assert_eq!(emission(&cached), emission(&fresh), "weight {weight}");
    }
    let (one, _) = shrunk(&own, &reference, (1.0, Some(0.0)), Some(&cache));
    let (four, _) = shrunk(&own, &reference, (4.0, Some(0.0)), Some(&cache));
    assert_ne!(emission(&one), emission(&four), "the weight still matters");
}
