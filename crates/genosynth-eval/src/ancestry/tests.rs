//! Ancestry assignment on a structured population whose answer is known.

use genosynth_core::{HaplotypeMatrix, Panel, Ploidy, Sample, Site, Sites};
use rand::{Rng, SeedableRng};

use super::*;

const POPS: [&str; 3] = ["AAA", "BBB", "CCC"];

/// Diploid samples, each of `pops[i]`: population `p` carries ALT at frequency 0.85 on sites
/// `30p..30p+30` and 0.1 elsewhere (90 sites).
fn people(prefix: &str, pops: &[usize], seed: u64) -> HaplotypeMatrix {
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut values = Vec::new();
    for &p in pops {
        for _ in 0..2 {
            for s in 0..90 {
                let f = if s / 30 == p { 0.85 } else { 0.1 };
                values.push(u8::from(r.random_bool(f)));
            }
        }
    }
    let sites: Sites = (0..90u64)
        .map(|i| Site::new("1", i + 1, "A", "G"))
        .collect();
    let samples = Sample::numbered(prefix, pops.len(), Ploidy::Diploid);
    HaplotypeMatrix::from_dense_u8(&values, sites, samples).unwrap()
}

fn panel(m: &HaplotypeMatrix, pops: &[usize]) -> Panel {
    let mut text = String::from("sample\tpop\tsuper_pop\tgender\n");
    for (s, &p) in m.samples().iter().zip(pops) {
        text.push_str(&format!("{}\t{}\tALL\tunknown\n", s.name, POPS[p]));
    }
    Panel::parse(&text).unwrap()
}

#[test]
fn ags_are_assigned_to_the_population_they_were_drawn_from() {
    let real_pops: Vec<usize> = (0..60).map(|i| i % 3).collect();
    let real = people("R", &real_pops, 1);
    let real_panel = panel(&real, &real_pops);
    // 10 AGs like BBB, 5 like AAA, none like CCC.
    let ag_pops: Vec<usize> = (0..15).map(|i| if i < 10 { 1 } else { 0 }).collect();
    let ags = people("AG_", &ag_pops, 2);
    // Their own labels, one of them wrong on purpose.
    let mut labels = ag_pops.clone();
    labels[0] = 2;
    let ag_panel = panel(&ags, &labels);

    let a = assign_ancestry(&real, &real_panel, &ags, Some(&ag_panel), None, 4, 7).unwrap();
    assert_eq!(a.components, 4);
    assert_eq!(
        a.real_agreement, 1.0,
        "clear structure: every real person recovered"
    );
    let assigned: Vec<&str> = a.samples.iter().map(|s| s.population.as_str()).collect();
    let expected: Vec<&str> = ag_pops.iter().map(|&p| POPS[p]).collect();
    assert_eq!(assigned, expected);
    assert_eq!(a.samples[0].label.as_deref(), Some("CCC"));
    assert_eq!(a.label_agreement, Some(14.0 / 15.0));
    assert!(
        a.samples
            .iter()
            .all(|s| s.distance.is_finite() && s.distance >= 0.0)
    );

    let shares: Vec<(&str, usize, usize)> = a
        .populations
        .iter()
        .map(|p| (p.population.as_str(), p.real_samples, p.synthetic_samples))
        .collect();
    assert_eq!(shares, [("AAA", 20, 5), ("BBB", 20, 10), ("CCC", 20, 0)]);
    let total: f64 = a.populations.iter().map(|p| p.synthetic_share).sum();
    assert!((total - 1.0).abs() < 1e-12);
    assert!((a.populations[1].synthetic_share - 10.0 / 15.0).abs() < 1e-12);
}

#[test]
fn one_assignment_per_sample_from_the_mean_of_its_haplotypes() {
    let real_pops: Vec<usize> = (0..60).map(|i| i % 3).collect();
    let real = people("R", &real_pops, 3);
    let real_panel = panel(&real, &real_pops);
    // One AG haplotype like AAA, one like CCC, as haploid samples: two assignments...
    let halves = people("H", &[0, 2], 4);
    let haploid = halves
        .select_haplotypes(&[0, 2])
        .unwrap()
        .with_samples(Sample::numbered("X", 2, Ploidy::Haploid))
        .unwrap();
    let a = assign_ancestry(&real, &real_panel, &haploid, None, None, 4, 7).unwrap();
    assert_eq!(a.samples.len(), 2);
    assert_eq!(a.samples[0].population, "AAA");
    assert_eq!(a.samples[1].population, "CCC");
    assert_eq!(a.label_agreement, None);
    // ...paired into one diploid sample: one assignment, its point between the two.
    let diploid = haploid
        .with_samples(Sample::numbered("D", 1, Ploidy::Diploid))
        .unwrap();
    let d = assign_ancestry(&real, &real_panel, &diploid, None, None, 4, 7).unwrap();
    assert_eq!(d.samples.len(), 1);
    assert_eq!(d.samples[0].sample, "D000001");
}

#[test]
fn held_out_people_measure_the_rule_on_people_it_was_not_fitted_on() {
    let real_pops: Vec<usize> = (0..60).map(|i| i % 3).collect();
    let real = people("R", &real_pops, 1);
    let hold_pops: Vec<usize> = (0..12).map(|i| i % 3).collect();
    let holdout = people("H", &hold_pops, 8);
    // One panel names both groups; one held-out person is listed under the wrong population,
    // and one is not listed at all (not counted).
    let mut text = String::from("sample\tpop\tsuper_pop\tgender\n");
    for (m, pops) in [(&real, &real_pops), (&holdout, &hold_pops)] {
        for (i, (s, &p)) in m.samples().iter().zip(pops.iter()).enumerate() {
            let p = if s.name.starts_with('H') && i == 0 {
                1
            } else {
                p
            };
            if !(s.name.starts_with('H') && i == 11) {
                text.push_str(&format!("{}\t{}\tALL\tunknown\n", s.name, POPS[p]));
            }
        }
    }
    let real_panel = Panel::parse(&text).unwrap();
    let a = assign_ancestry(&real, &real_panel, &holdout, None, Some(&holdout), 4, 7).unwrap();
    assert_eq!(a.real_agreement, 1.0);
    assert_eq!(a.holdout_agreement, Some(10.0 / 11.0));
    let none = assign_ancestry(&real, &real_panel, &holdout, None, None, 4, 7).unwrap();
    assert_eq!(none.holdout_agreement, None);
}

#[test]
fn no_labelled_real_sample_means_no_assignment() {
    let real = people("R", &[0, 1, 2], 5);
    let other = Panel::parse("sample\tpop\nNOBODY\tAAA\n").unwrap();
    assert!(assign_ancestry(&real, &other, &real, None, None, 2, 1).is_none());
}

#[test]
fn ags_labelled_by_super_population_are_judged_by_super_population() {
    // Real populations AAA and BBB form super-population SUP1, CCC is SUP2.
    let real_pops: Vec<usize> = (0..60).map(|i| i % 3).collect();
    let real = people("R", &real_pops, 1);
    let mut text = String::from("sample\tpop\tsuper_pop\tgender\n");
    for (s, &p) in real.samples().iter().zip(&real_pops) {
        let sup = if p == 2 { "SUP2" } else { "SUP1" };
        text.push_str(&format!("{}\t{}\t{sup}\tunknown\n", s.name, POPS[p]));
    }
    let real_panel = Panel::parse(&text).unwrap();
    let ag_pops = [0, 1, 2, 2];
    let ags = people("AG_", &ag_pops, 2);
    let mut ag_text = String::from("sample\tpop\n");
    for (s, sup) in ags.samples().iter().zip(["SUP1", "SUP1", "SUP2", "SUP1"]) {
        ag_text.push_str(&format!("{}\t{sup}\n", s.name));
    }
    let ag_panel = Panel::parse(&ag_text).unwrap();

    let a = assign_ancestry(&real, &real_panel, &ags, Some(&ag_panel), None, 4, 7).unwrap();
    assert_eq!(a.level, "super_population");
    let assigned: Vec<&str> = a.samples.iter().map(|s| s.population.as_str()).collect();
    assert_eq!(assigned, ["SUP1", "SUP1", "SUP2", "SUP2"]);
    assert_eq!(a.label_agreement, Some(0.75));
    // Labels that are populations keep the population level.
    let b = assign_ancestry(
        &real,
        &real_panel,
        &ags,
        Some(&panel(&ags, &ag_pops)),
        None,
        4,
        7,
    )
    .unwrap();
    assert_eq!(b.level, "population");
}
