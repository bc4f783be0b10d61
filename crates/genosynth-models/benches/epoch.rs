//! Seconds per training epoch of both models at the paper's sizes (805 sites, 2,504
//! haplotypes), on structured synthetic data: speed does not depend on the allele values.
//!
//! `cargo bench -p genosynth-models --bench epoch` (set `RAYON_NUM_THREADS` to pin threads;
//! `GENOSYNTH_BENCH_EPOCHS` for more epochs). The side-by-side comparison with Keras and
//! PyTorch is `cargo xtask bench train`.

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_models::{
    DeviceChoice, EpochReport, ModelKind, ModelParams, TrainConfig, TrainOptions, train,
};
use rand::{Rng, SeedableRng};

fn data() -> HaplotypeMatrix {
    let (haps, sites) = (2504usize, 805usize);
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    // 40 founder haplotypes copied with mutation noise: realistic sparsity and LD.
    let founders: Vec<Vec<u8>> = (0..40)
        .map(|_| (0..sites).map(|_| r.random_bool(0.2) as u8).collect())
        .collect();
    let mut alleles = Vec::with_capacity(haps * sites);
    for _ in 0..haps {
        let f = &founders[r.random_range(0..40)];
        alleles.extend(f.iter().map(|&a| a ^ r.random_bool(0.01) as u8));
    }
    let s: Sites = (1..=sites as u64)
        .map(|p| Site::new("1", p, "A", "G"))
        .collect();
    HaplotypeMatrix::from_dense_u8(
        &alleles,
        s,
        Sample::numbered("S", haps / 2, Ploidy::Diploid),
    )
    .expect("consistent sizes")
}

fn main() {
    let epochs: usize = std::env::var("GENOSYNTH_BENCH_EPOCHS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let device: DeviceChoice = std::env::var("GENOSYNTH_BENCH_DEVICE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DeviceChoice::Cpu);
    let matrix = data();
    let dir = tempfile::tempdir().expect("temp dir");
    for kind in [ModelKind::Gan, ModelKind::Rbm] {
        let config = TrainConfig {
            model: ModelParams::defaults(kind),
            epochs,
            seed: 1,
            device,
            save_every: 0,
            dp: None,
        };
        let out = dir.path().join(kind.name());
        let mut times = Vec::new();
        let mut observer = |r: &EpochReport| times.push(r.seconds);
        let options = TrainOptions {
            observer: Some(&mut observer),
            ..TrainOptions::new(&out)
        };
        let summary = train(&matrix, &config, options).expect("training runs");
        let best = times.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "{kind}: {epochs} epochs on {}: mean {:.3} s/epoch, best {best:.3} s/epoch",
            summary.device, summary.seconds_per_epoch
        );
    }
}
