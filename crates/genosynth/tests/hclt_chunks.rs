//! An HCLT generation made in chunks, guarded or not, is the same as one made at once: each
//! haplotype of a draw is drawn, and redrawn, from its own stream.

use std::sync::atomic::AtomicBool;

use genosynth::{Chunk, MinDistance, generate_chunked, generate_guarded};
use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::TestPopulation;
use genosynth_models::{
    Checkpoint, DeviceChoice, GenerateOptions, HcltParams, ModelParams, TrainConfig, TrainOptions,
};

fn trained() -> (HaplotypeMatrix, Checkpoint) {
    let fit = TestPopulation {
        people: 80,
        blocks: 16,
        ..TestPopulation::default()
    }
    .generate(2);
    let config = TrainConfig {
        model: ModelParams::Hclt(HcltParams {
            states: 4,
            ..HcltParams::default()
        }),
        epochs: 5,
        seed: 5,
        device: DeviceChoice::Cpu,
        save_every: 0,
        dp: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m");
    genosynth_models::train(&fit, &config, TrainOptions::new(&out)).unwrap();
    (fit, Checkpoint::load(&out).unwrap())
}

/// The chunks of one generation, stacked back into one matrix of haplotypes.
fn in_chunks(
    model: &Checkpoint,
    options: &GenerateOptions,
    chunk: usize,
    guard: Option<(&HaplotypeMatrix, MinDistance)>,
) -> (Vec<u64>, usize) {
    let (mut words, mut redrawn, mut expected_first) = (Vec::new(), 0, 0);
    let done = generate_chunked::<genosynth::Error>(
        model,
        options,
        chunk,
        None,
        guard,
        &AtomicBool::new(false),
        &mut |c: Chunk| {
            assert_eq!(c.first, expected_first);
            expected_first += c.matrix.n_haplotypes();
            words.extend_from_slice(c.matrix.words());
            Ok(())
        },
    )
    .unwrap();
    if let Some(g) = done.guard {
        redrawn = g.redrawn;
    }
    assert_eq!(done.haplotypes, options.n_haplotypes);
    (words, redrawn)
}

#[test]
fn hclt_chunks_of_any_size_draw_the_same_ags_guarded_or_not() {
    let (fit, model) = trained();
    let options = GenerateOptions {
        n_haplotypes: 150,
        seed: 11,
        device: DeviceChoice::Cpu,
        gibbs_steps: None,
    };
    let whole = genosynth_models::generate(&model, &options).unwrap().matrix;
    for chunk in [1, 7, 64, 150, 1000] {
        let (words, _) = in_chunks(&model, &options, chunk, None);
        assert_eq!(words, whole.words(), "chunks of {chunk}");
    }
    // A threshold that some AGs break (this population has few distinct haplotypes), so the
    // guard's redraws are exercised.
    let min = MinDistance::Sites(2);
    let (guarded, report) = generate_guarded(&model, &options, None, &fit, min).unwrap();
    assert!(report.redrawn > 0, "the guard redrew nothing: no test");
    assert_ne!(guarded.words(), whole.words());
    for chunk in [7, 64, 150] {
        let (words, redrawn) = in_chunks(&model, &options, chunk, Some((&fit, min)));
        assert_eq!(words, guarded.words(), "guarded chunks of {chunk}");
        assert_eq!(redrawn, report.redrawn, "guarded chunks of {chunk}");
    }
    // Another seed, other AGs.
    let other = GenerateOptions {
        seed: 12,
        ..options
    };
    assert_ne!(in_chunks(&model, &other, 64, None).0, whole.words());
}
