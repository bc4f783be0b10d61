//! KING-robust kinship on a population with known relatives: duplicates read 0.5, a child
//! (one haplotype from each parent) reads first degree with both parents, and the counts
//! `kinship_stats` reports agree with every pair's kinship. Agreement with `plink2
//! --make-king-table` pair by pair is checked once, in the facade's
//! `tests/chromosome_references.rs`, on real and simulated chromosomes with duplicated and
//! half-copied training people.

use genosynth_core::test_util::TestPopulation;
use genosynth_core::{Ploidy, Sample};
use genosynth_eval::{DEGREE_BOUNDS, kinship_matrix, kinship_stats};

#[test]
fn known_relatives_read_at_their_degree() {
    let real = TestPopulation {
        people: 30,
        blocks: 400,
        block_size: 1,
        founders: 40,
        switch_rate: 0.3,
        mutation_rate: 0.05,
        ..TestPopulation::default()
    }
    .generate(5);
    // "AGs": people 0..10 again (duplicates), children of 10×11, 12×13, … (one haplotype
    // from each parent: first degree), and people 20..30 unchanged.
    let parents = [(10, 11), (12, 13), (14, 15), (16, 17)];
    let mut rows: Vec<usize> = (0..20).collect();
    for (a, b) in parents {
        rows.extend([2 * a, 2 * b + 1]);
    }
    rows.extend(40..60);
    let ags = real
        .select_haplotypes(&rows)
        .unwrap()
        .with_samples(Sample::numbered("AG", rows.len() / 2, Ploidy::Diploid))
        .unwrap();
    let train = real.select_samples(&(0..20).collect::<Vec<_>>()).unwrap();

    let ours = kinship_matrix(&ags, &train).unwrap();
    let n_train = train.samples().len();
    let kinship = |ag: usize, person: usize| ours[ag * n_train + person];
    for p in 0..10 {
        let k = kinship(p, p);
        assert!(
            (k - 0.5).abs() < 1e-12,
            "AG {p} duplicates training person {p}: {k}"
        );
    }
    for (child, (a, b)) in (10..).zip(parents) {
        for parent in [a, b] {
            let k = kinship(child, parent);
            assert!(
                (DEGREE_BOUNDS[1]..DEGREE_BOUNDS[0]).contains(&k),
                "AG {child}, a child of training person {parent}: kinship {k}"
            );
        }
    }
    let mut degrees = [0u64; 4];
    for &k in &ours {
        if let Some(d) = DEGREE_BOUNDS.iter().position(|&b| k >= b) {
            degrees[d] += 1;
        }
    }
    let stats = kinship_stats(&train, &ags, None).unwrap();
    assert_eq!(stats.synthetic_train.degree_counts, degrees);
    assert!(degrees[0] >= 10, "the 10 duplicates: {degrees:?}");
    assert!(degrees[1] >= 8, "the 4 children × 2 parents: {degrees:?}");
    assert_eq!(stats.synthetic_train.queries_with_close_relative, 14);
    assert!((stats.synthetic_train.max - 0.5).abs() < 1e-12);
}
