//! The classifier two-sample test on real 1000 Genomes haplotypes (805 SNPs, 1,252 people)
//! split by person: AGs that are another sample of real people cannot be told from the holdout,
//! AGs drawn site by site at the training frequencies (no LD, no structure) are told apart.

use std::path::PathBuf;

use genosynth_core::HaplotypeMatrix;
use genosynth_core::test_util::{figure, test_seed};
use genosynth_eval::{DetectionStats, detection_stats, fit_pca};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The shared 805-SNP file; `None` (with a SKIP line) when absent, a failure when
/// `GENOSYNTH_REQUIRE_SHARED=1`.
fn real() -> Option<HaplotypeMatrix> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/1000g/805_SNP_1000G_real.train.vcf.gz");
    if !path.exists() {
        assert_ne!(
            std::env::var("GENOSYNTH_REQUIRE_SHARED").as_deref(),
            Ok("1"),
            "{} is absent and GENOSYNTH_REQUIRE_SHARED=1",
            path.display()
        );
        eprintln!("SKIP: {} is absent", path.display());
        return None;
    }
    let read = genosynth_vcf::read(&path, &genosynth_vcf::ReadOptions::default());
    Some(read.expect("the shared 805-SNP file reads").matrix)
}

/// Every site drawn on its own at `train`'s frequency: `people` diploid AGs.
fn independent_sites(train: &HaplotypeMatrix, people: usize, seed: u64) -> HaplotypeMatrix {
    let freqs = train.allele_frequencies();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let values: Vec<u8> = (0..2 * people * freqs.len())
        .map(|i| u8::from(rng.random_bool(freqs[i % freqs.len()])))
        .collect();
    let samples = genosynth_core::Sample::numbered("AG_", people, genosynth_core::Ploidy::Diploid);
    HaplotypeMatrix::from_dense_u8(&values, train.sites().clone(), samples).unwrap()
}

fn show(name: &str, d: &DetectionStats) {
    for l in &d.learners {
        figure(&format!("{name}_{}", l.name), l.auc);
    }
}

#[test]
fn real_people_pass_for_real_and_independent_sites_do_not() {
    let Some(all) = real() else { return };
    for default in [1, 2, 3] {
        let seed = test_seed(default);
        // Half the people train the PCA, a quarter are the holdout, a quarter play the AGs.
        let split = genosynth::split_validation(&all, 0.5, seed, None).unwrap();
        let rest = genosynth::split_validation(&split.validation, 0.5, seed + 1, None).unwrap();
        let (train, holdout, other) = (&split.fit, &rest.fit, &rest.validation);
        let pca = fit_pca(train, 6, seed);

        let real = detection_stats(holdout, other, &pca, seed);
        show("real_vs_real", &real);
        assert!(real.auc <= 0.6, "seed {seed}: {real:?}");
        assert!(real.ci95[0] <= 0.5 + 0.02, "seed {seed}: {real:?}");

        let ags = independent_sites(train, other.samples().len(), seed);
        let noise = detection_stats(holdout, &ags, &pca, seed);
        show("independent_sites", &noise);
        assert!(noise.auc >= 0.9, "seed {seed}: {noise:?}");
        assert!(noise.ci95[0] >= 0.85, "seed {seed}: {noise:?}");
        assert!(
            noise.site_features > 700 && noise.pc_features == 6,
            "{noise:?}"
        );
        assert_eq!(noise.holdout_haplotypes, noise.synthetic_haplotypes);
    }
}
