//! What the facade's integration tests share.

use std::path::Path;

use genosynth_core::HaplotypeMatrix;
use genosynth_models::{DeviceChoice, HcltParams, ModelParams, TrainConfig};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// The bundled 805-SNP example (1,252 people of the 1000 Genomes Project).
pub(crate) fn example() -> HaplotypeMatrix {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/805_SNP_1000G_real.train.vcf.gz");
    genosynth_vcf::read(&path, &genosynth_vcf::ReadOptions::default())
        .expect("the bundled example reads")
        .matrix
}

/// The example's people shuffled with `seed` and cut into consecutive groups of `sizes`
/// people, then one group of everyone left; each group keeps the file's order.
#[allow(dead_code)] // not every test file that shares this module draws groups
pub(crate) fn drawn_groups(seed: u64, sizes: &[usize]) -> Vec<HaplotypeMatrix> {
    let all = example();
    let mut people: Vec<usize> = (0..all.samples().len()).collect();
    people.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let select = |group: &[usize]| {
        let mut group = group.to_vec();
        group.sort_unstable();
        all.select_samples(&group).unwrap()
    };
    let mut rest = people.as_slice();
    let mut groups = Vec::with_capacity(sizes.len() + 1);
    for &n in sizes {
        let (group, tail) = rest.split_at(n);
        groups.push(select(group));
        rest = tail;
    }
    groups.push(select(rest));
    groups
}

/// An HCLT of `params` trained for `epochs` EM iterations on the CPU with `seed`, saved only
/// at the end, without DP: the runs these tests make.
#[allow(dead_code)] // not every test file that shares this module trains
pub(crate) fn hclt_on_cpu(params: HcltParams, epochs: usize, seed: u64) -> TrainConfig {
    TrainConfig {
        model: ModelParams::Hclt(params),
        epochs,
        seed,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    }
}
