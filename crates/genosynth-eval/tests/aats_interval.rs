//! The bootstrap intervals of AATS's two halves measure the figures as reported: at equal set
//! sizes, averaged over the subsampled repeats. Measured at the whole sets' sizes, AGs that
//! each carry one haplotype twice (a sampler that repeats itself), five times as many as the
//! training haplotypes, all have a twin nearer than any real person, whichever people a
//! replicate draws: AA_syn read 1 in every replicate and its interval collapsed onto the
//! reported figure, which the equal-size subsamples (parting most twins) put well below 1.
//! Each interval must span about as much as other draws of the same sizes move the figure.

use genosynth_core::test_util::TestPopulation;
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample};
use genosynth_eval::privacy::{passes, privacy_stats};
use genosynth_eval::{EvalInput, Settings, evaluate};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

const PEOPLE: usize = 1000;
const TRAINED: usize = 32;
const AGS: usize = 160;

/// `PEOPLE` people over 200 sites of one population.
fn population(seed: u64) -> HaplotypeMatrix {
    TestPopulation {
        people: PEOPLE,
        blocks: 200,
        block_size: 1,
        founders: 8,
        switch_rate: 0.3,
        mutation_rate: 0.05,
        ..TestPopulation::default()
    }
    .generate(seed)
}

/// `TRAINED` training people of `all` and `AGS` AG samples, each the first haplotype of
/// another person carried twice, drawn with `seed`.
fn draw(all: &HaplotypeMatrix, seed: u64) -> (HaplotypeMatrix, HaplotypeMatrix) {
    let mut people: Vec<usize> = (0..PEOPLE).collect();
    people.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut train = people[..TRAINED].to_vec();
    train.sort_unstable();
    let twice: Vec<usize> = (0..2 * AGS).map(|h| 2 * people[TRAINED + h / 2]).collect();
    let ags = all
        .select_haplotypes(&twice)
        .unwrap()
        .with_samples(Sample::numbered("AG", AGS, Ploidy::Diploid))
        .unwrap();
    (all.select_samples(&train).unwrap(), ags)
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (x.len() - 1) as f64;
    (mean, var.sqrt())
}

#[test]
fn aats_half_intervals_span_what_other_draws_of_the_people_read() {
    let mut missed = Vec::new();
    for seed in [1, 2, 3] {
        let all = population(seed);
        let (train, ags) = draw(&all, seed);
        let report = evaluate(&EvalInput {
            train: &train,
            synthetic: &ags,
            holdout: None,
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
        let aats = report.privacy.aats_train;
        assert_eq!(aats.set_size, 2 * TRAINED);
        // Other training people and other AGs of the same sizes from the same population.
        let (truth, syn): (Vec<f64>, Vec<f64>) = (100..120)
            .map(|k| {
                let (t, s) = draw(&all, seed * 1000 + k);
                let a = privacy_stats(&passes(&t, &s, None, 10, seed)).aats_train;
                (a.aa_truth.mean, a.aa_syn.mean)
            })
            .unzip();
        let u = &report.uncertainty;
        for (name, figure, [lo, hi], others) in [
            ("aa_truth", aats.aa_truth.mean, u.aa_truth, &truth),
            ("aa_syn", aats.aa_syn.mean, u.aa_syn, &syn),
        ] {
            let (mean, sd) = mean_sd(others);
            eprintln!(
                "seed {seed}: {name} {figure:.4} in [{lo:.4}, {hi:.4}]; other draws \
                 {mean:.4} ± {sd:.4}"
            );
            if !(lo <= figure && figure <= hi) {
                missed.push(format!("seed {seed}: {name} outside its interval"));
            }
            // A 95% interval spans about 4 sd; draws from 1,000 people overlap, which narrows
            // their spread, and the bootstrap keeps nearest neighbours fixed, which narrows it.
            if hi - lo < 2.0 * sd {
                missed.push(format!("seed {seed}: {name} width {} < 2 × {sd}", hi - lo));
            }
        }
    }
    assert!(missed.is_empty(), "{missed:?}");
}
