//! Seconds per training epoch of both models at the paper's sizes (805 sites, 2,504
//! haplotypes), on structured synthetic data: speed does not depend on the allele values.
//!
//! `cargo bench -p genosynth-models --bench epoch` (set `RAYON_NUM_THREADS` to pin threads;
//! `GENOSYNTH_BENCH_EPOCHS` for more epochs). The side-by-side comparison with Keras and
//! PyTorch is `cargo xtask bench train`.

use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::TestPopulation;
use genosynth_models::{
    DeviceChoice, EpochReport, ModelKind, ModelParams, TrainConfig, TrainOptions, train,
};

fn data() -> HaplotypeMatrix {
    // 40 founder haplotypes copied with mutation noise: realistic sparsity and LD.
    TestPopulation {
        people: 2504 / 2,
        blocks: 805,
        block_size: 1,
        founders: 40,
        founder_alt_frequency: 0.2,
        switch_rate: 0.0,
        mutation_rate: 0.01,
    }
    .generate(5)
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
