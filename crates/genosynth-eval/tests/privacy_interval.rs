//! The bootstrap interval of privacy loss measures the figure as reported: at equal set sizes.
//! Measured at the whole sets' sizes, AGs far from every real person (an HCLT leaning on other
//! populations' people: a 40-person stratum of the 805-SNP set judged on 240 test people read
//! [0.017, 0.017]) are nearer to another AG than to the training set exactly when they are
//! nearer to one than to the much larger holdout, whichever people a replicate draws: the two
//! halves cancelled in every replicate and the interval collapsed onto the reported value. It
//! must span about as much as other holdouts of the same size move the figure.

use genosynth_core::test_util::TestPopulation;
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample};
use genosynth_eval::privacy::{passes, privacy_stats};
use genosynth_eval::{EvalInput, Settings, evaluate};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

const TRAINED: usize = 32;
const HOLDOUT: usize = 240;
const AGS: usize = 40;

/// `people` people over 200 sites descending from `founders` founder haplotypes.
fn population(people: usize, founders: usize, seed: u64) -> HaplotypeMatrix {
    TestPopulation {
        people,
        blocks: 200,
        block_size: 1,
        founders,
        switch_rate: 0.3,
        mutation_rate: 0.05,
        ..TestPopulation::default()
    }
    .generate(seed)
}

/// `HOLDOUT` people of `all` past the trained ones, drawn with `seed`.
fn holdout(all: &HaplotypeMatrix, seed: u64) -> HaplotypeMatrix {
    let mut people: Vec<usize> = (TRAINED..all.samples().len()).collect();
    people.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut drawn = people[..HOLDOUT].to_vec();
    drawn.sort_unstable();
    all.select_samples(&drawn).unwrap()
}

#[test]
fn privacy_loss_interval_spans_what_other_holdouts_read() {
    for seed in [1, 2, 3] {
        // Real people of few founders; AGs of many others: far from every real person.
        let all = population(600, 4, seed);
        let train = all
            .select_samples(&(0..TRAINED).collect::<Vec<_>>())
            .unwrap();
        // Each AG sample carries one haplotype twice, as a sampler that repeats itself does:
        // every AG has a twin nearer than any real person, on both sides, at the whole sets'
        // sizes; equal-size subsamples part some twins.
        let twice: Vec<usize> = (0..2 * AGS).map(|h| h / 2).collect();
        let ags = population(AGS, 40, seed + 100)
            .select_haplotypes(&twice)
            .unwrap()
            .with_samples(Sample::numbered("AG", AGS, Ploidy::Diploid))
            .unwrap();
        let report = evaluate(&EvalInput {
            train: &train,
            synthetic: &ags,
            holdout: Some(&holdout(&all, seed)),
            panel: None,
            synthetic_panel: None,
            genetic_map: None,
            settings: Settings {
                seed,
                n_triplets: 100,
                ..Settings::default()
            },
            stop: None,
        })
        .unwrap();
        let loss = report.privacy.privacy_loss.unwrap();
        let [lo, hi] = report.uncertainty.privacy_loss.unwrap();
        // The same people judged on other holdouts of the same size.
        let others: Vec<f64> = (100..120)
            .map(|k| {
                let h = holdout(&all, seed * 1000 + k);
                privacy_stats(&passes(&train, &ags, Some(&h), 10, seed))
                    .privacy_loss
                    .unwrap()
            })
            .collect();
        let mean = others.iter().sum::<f64>() / others.len() as f64;
        let sd = (others.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
            / (others.len() - 1) as f64)
            .sqrt();
        let aats = report.privacy.aats_train;
        eprintln!(
            "seed {seed}: privacy loss {loss:.4} in [{lo:.4}, {hi:.4}]; other holdouts \
             {mean:.4} ± {sd:.4}; AATS halves {:.3} / {:.3}",
            aats.aa_truth.mean, aats.aa_syn.mean
        );
        assert!(lo <= loss && loss <= hi, "seed {seed}");
        // A 95% interval spans about 4 sd; other holdouts drawn from 568 people move less
        // than independent ones would.
        assert!(
            hi - lo >= 2.0 * sd,
            "seed {seed}: width {} < 2 × {sd}",
            hi - lo
        );
    }
}
