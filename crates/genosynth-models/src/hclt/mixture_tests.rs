//! The HCLT mixture (`components` > 1): one component is the plain HCLT, EM keeps the
//! components apart, and a mixture draws each haplotype from one population's component.

use candle_core::{Device, Tensor};
use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::bits::SiteBits;
use super::*;
use genosynth_core::test_util::{figure, test_seed};

/// `n` haplotypes, half from a population with alternate-allele frequency 0.15 at each of
/// `l` sites and half from one with 0.85, sites independent within a population.
fn two_populations(n: usize, l: usize, seed: u64) -> HaplotypeMatrix {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let mut alleles = Vec::with_capacity(n * l);
    for i in 0..n {
        let f = if i < n / 2 { 0.15 } else { 0.85 };
        alleles.extend((0..l).map(|_| u8::from(r.random_bool(f))));
    }
    let sites: Sites = (0..l)
        .map(|i| Site::new("1", 10 + i as u64, "A", "G"))
        .collect();
    HaplotypeMatrix::from_dense_u8(
        &alleles,
        sites,
        Sample::numbered("P", n / 2, Ploidy::Diploid),
    )
    .unwrap()
}

fn trainer(m: &HaplotypeMatrix, params: HcltParams, seed: u64) -> HcltTrainer {
    let dense = m.to_dense_f32();
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    HcltTrainer::new(
        params,
        &dense,
        m.n_haplotypes(),
        &freqs,
        None,
        &mut r,
        &Device::Cpu,
    )
    .unwrap()
}

fn host(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

/// A two-component model whose root never picks the second component has, for every
/// haplotype, the log-likelihood of the one-component model in its first block.
#[test]
fn one_component_is_the_plain_hclt() {
    let m = two_populations(120, 12, 1);
    let dense = m.to_dense_f32();
    let single = HcltParams {
        states: 3,
        chunk: 64,
        ..HcltParams::default()
    };
    let mut t = trainer(&m, single.clone(), 2);
    let mut r = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..3 {
        t.epoch(&mut r).unwrap();
    }
    let one = &t.hclt;
    let (l, k) = (one.tree.len(), 3);
    let (pi, tr, em) = (host(&one.pi), host(&one.transition), host(&one.emission));
    // Block 0 holds the trained model; block 1 arbitrary but valid, with root mass 0.
    let kk = 2 * k;
    let mut pi2 = vec![0f32; kk];
    pi2[..k].copy_from_slice(&pi);
    let mut tr2 = vec![0f32; l * kk * kk];
    let mut em2 = vec![0.5f32; l * kk];
    for j in 0..l {
        for a in 0..k {
            for b in 0..k {
                tr2[(j * kk + a) * kk + b] = tr[(j * k + a) * k + b];
                tr2[(j * kk + k + a) * kk + k + b] = 1.0 / k as f32;
            }
            em2[j * kk + a] = em[j * k + a];
            em2[j * kk + k + a] = 0.1 + 0.2 * a as f32;
        }
    }
    let dev = Device::Cpu;
    let two = Hclt {
        params: HcltParams {
            components: 2,
            ..single
        },
        tree: Tree::from_parents(&one.tree.parents_f32()).unwrap(),
        pi: Tensor::from_vec(pi2, kk, &dev).unwrap(),
        transition: Tensor::from_vec(tr2, (l, kk, kk), &dev).unwrap(),
        emission: Tensor::from_vec(em2, (l, kk), &dev).unwrap(),
        not_modelled: Vec::new(),
    };
    let n = m.n_haplotypes();
    let a = em::log_likelihoods(one, &dense, n).unwrap();
    let b = em::log_likelihoods(&two, &dense, n).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-4 * (1.0 + x.abs()), "{x} vs {y}");
    }
}

/// EM never moves probability between components: transitions across blocks stay exactly
/// zero, also with the transition pseudo-count, and the log-likelihood never falls.
#[test]
fn em_keeps_the_components_apart() {
    let m = two_populations(200, 16, 4);
    let params = HcltParams {
        states: 3,
        components: 3,
        chunk: 64,
        ..HcltParams::default()
    };
    let mut t = trainer(&m, params.clone(), 5);
    let mut r = ChaCha8Rng::seed_from_u64(6);
    let mut last = f64::NEG_INFINITY;
    for _ in 0..8 {
        let ll = t.epoch(&mut r).unwrap()[0];
        assert!(ll >= last - 1e-3, "log-likelihood fell: {last} -> {ll}");
        last = ll;
    }
    let kk = params.hidden();
    let tr = host(&t.hclt.transition);
    let root = t.hclt.tree.root();
    for (i, &v) in tr.iter().enumerate() {
        let (a, b) = ((i / kk) % kk, i % kk);
        // The root's row is unused (its states come from the root distribution).
        if i / (kk * kk) != root && !params.same_component(a, b) {
            assert_eq!(v, 0.0, "transition {a} -> {b} at site {}", i / (kk * kk));
        }
    }
}

/// Two populations whose sites are independent within each: a two-component mixture draws
/// each haplotype from one of them (its alternate-allele share near 0.15 or 0.85, rarely in
/// between) and weighs them about equally.
#[test]
fn a_mixture_draws_each_haplotype_from_one_population() {
    let seed = test_seed(0);
    let (l, n) = (24, 400);
    let m = two_populations(n, l, 10 + seed);
    let fit = |components: usize| {
        let params = HcltParams {
            states: 2,
            components,
            chunk: 128,
            ..HcltParams::default()
        };
        let mut t = trainer(&m, params, 20 + seed);
        let mut r = ChaCha8Rng::seed_from_u64(30 + seed);
        for _ in 0..30 {
            t.epoch(&mut r).unwrap();
        }
        t.hclt
    };
    let mixture = fit(2);
    let mut r = ChaCha8Rng::seed_from_u64(40 + seed);
    let ags = mixture.sample(2000, Some(1.0), &mut r).unwrap();
    let shares: Vec<f64> = ags
        .chunks(l)
        .map(|h| h.iter().map(|&a| f64::from(a)).sum::<f64>() / l as f64)
        .collect();
    let low = shares.iter().filter(|&&s| s < 0.35).count() as f64 / 2000.0;
    let high = shares.iter().filter(|&&s| s > 0.65).count() as f64 / 2000.0;
    figure("mixed share", 1.0 - low - high);
    figure("weight error", (low - 0.5).abs());
    assert!(low + high > 0.95, "mixed haplotypes: {}", 1.0 - low - high);
    assert!((low - 0.5).abs() < 0.1, "population weights {low} / {high}");
}

/// Clusters of the haplotypes on their principal components find the two populations without
/// a panel: one component starts near each population's frequencies, weighed about equally.
#[test]
fn the_cluster_start_finds_the_populations() {
    let seed = test_seed(0);
    let (l, n) = (40, 300);
    let m = two_populations(n, l, 50 + seed);
    let bits = SiteBits::from_matrix(&m, 0..n);
    let mut r = ChaCha8Rng::seed_from_u64(60 + seed);
    let start = clusters::component_start(&bits, 2, &mut r);
    let means: Vec<f32> = start
        .frequencies
        .chunks(l)
        .map(|f| f.iter().sum::<f32>() / l as f32)
        .collect();
    let (low, high) = (means[0].min(means[1]), means[0].max(means[1]));
    figure("low start error", f64::from((low - 0.15).abs()));
    figure("high start error", f64::from((high - 0.85).abs()));
    figure("share error", f64::from((start.shares[0] - 0.5).abs()));
    assert!(
        (low - 0.15).abs() < 0.05 && (high - 0.85).abs() < 0.05,
        "{means:?}"
    );
    assert!((start.shares[0] - 0.5).abs() < 0.05, "{:?}", start.shares);
}

/// From the cluster start the mixture separates the populations in its first EM iteration: its
/// AGs are already unmixed, where a random start's are not yet.
#[test]
fn the_cluster_start_separates_the_components_at_once() {
    let seed = test_seed(0);
    let (l, n) = (24, 400);
    let m = two_populations(n, l, 70 + seed);
    let unmixed = |cluster_start: bool| {
        let params = HcltParams {
            states: 2,
            components: 2,
            chunk: 128,
            cluster_start,
            ..HcltParams::default()
        };
        let mut t = trainer(&m, params, 80 + seed);
        let mut r = ChaCha8Rng::seed_from_u64(90 + seed);
        t.epoch(&mut r).unwrap();
        let ags = t.hclt.sample(2000, Some(1.0), &mut r).unwrap();
        ags.chunks(l)
            .map(|h| h.iter().map(|&a| f64::from(a)).sum::<f64>() / l as f64)
            .filter(|&s| !(0.35..=0.65).contains(&s))
            .count() as f64
            / 2000.0
    };
    let (clustered, random) = (unmixed(true), unmixed(false));
    figure("unmixed, cluster start", clustered);
    figure("unmixed, random start", random);
    assert!(clustered > 0.95, "cluster start: {clustered} unmixed");
    assert!(
        clustered > random,
        "cluster start {clustered}, random {random}"
    );
}

/// In a mixture the emission prior pulls each state towards its own component's frequency, not
/// the site's: a strong prior smooths the states within each population but keeps the two
/// populations at 0.15 and 0.85 instead of pulling both towards the pooled 0.5.
#[test]
fn the_emission_prior_keeps_the_components_apart() {
    let seed = test_seed(0);
    let (l, n) = (24, 400);
    let m = two_populations(n, l, 100 + seed);
    let params = HcltParams {
        states: 2,
        components: 2,
        chunk: 128,
        emission_prior: 200.0,
        ..HcltParams::default()
    };
    let mut t = trainer(&m, params, 110 + seed);
    let mut r = ChaCha8Rng::seed_from_u64(120 + seed);
    for _ in 0..10 {
        t.epoch(&mut r).unwrap();
    }
    let em = host(&t.hclt.emission);
    // Each component's mean emission over its states and sites.
    let means: Vec<f32> = (0..2)
        .map(|c| {
            let sum: f32 = (0..l)
                .flat_map(|j| (0..2).map(move |a| j * 4 + c * 2 + a))
                .map(|i| em[i])
                .sum();
            sum / (2 * l) as f32
        })
        .collect();
    let (low, high) = (means[0].min(means[1]), means[0].max(means[1]));
    figure("low component frequency", f64::from(low));
    figure("high component frequency", f64::from(high));
    assert!(low < 0.25 && high > 0.75, "component frequencies {means:?}");
}

/// With a panel, component `g` starts from the people labelled `g` and stays theirs: AGs drawn
/// within a component carry its population's frequencies (the labels here run against the
/// populations' order, so the start cannot be the clusters').
#[test]
fn a_labelled_mixture_draws_each_label_from_its_own_component() {
    let seed = test_seed(0);
    let (l, n) = (24, 400);
    let m = two_populations(n, l, 110 + seed);
    let labels: Vec<usize> = (0..n).map(|i| usize::from(i < n / 2)).collect();
    let params = HcltParams {
        states: 2,
        components: 2,
        chunk: 128,
        ..HcltParams::default()
    };
    let freqs: Vec<f32> = m.allele_frequencies().iter().map(|&f| f as f32).collect();
    let mut r = ChaCha8Rng::seed_from_u64(120 + seed);
    let mut t =
        HcltTrainer::from_labelled_matrix(params, &m, &labels, &freqs, &mut r, &Device::Cpu)
            .unwrap();
    for _ in 0..3 {
        t.epoch(&mut r).unwrap();
    }
    let rows: Vec<usize> = (0..1000).collect();
    let mean_share = |component: usize| {
        let words = t
            .hclt
            .sample_rows(7, &rows, Some(&vec![component; rows.len()]), Some(1.0))
            .unwrap();
        let alt: u32 = words.iter().map(|w| w.count_ones()).sum();
        f64::from(alt) / (rows.len() * l) as f64
    };
    // Label 1 is the first half: the population at 0.15.
    let (one, zero) = (mean_share(1), mean_share(0));
    figure("label 1 error", (one - 0.15).abs());
    figure("label 0 error", (zero - 0.85).abs());
    assert!((one - 0.15).abs() < 0.04, "label 1 draws at {one}");
    assert!((zero - 0.85).abs() < 0.04, "label 0 draws at {zero}");
}

/// A component alone is the mixture given its label: the mixture's log-likelihood of every
/// haplotype is log Σ_c w_c p(x | c) over the components' scores and their root weights.
#[test]
fn components_alone_add_up_to_the_mixture() {
    let seed = test_seed(0);
    let m = two_populations(200, 16, 130 + seed);
    let params = HcltParams {
        states: 3,
        components: 2,
        chunk: 64,
        ..HcltParams::default()
    };
    let mut t = trainer(&m, params, 140 + seed);
    let mut r = ChaCha8Rng::seed_from_u64(150 + seed);
    for _ in 0..5 {
        t.epoch(&mut r).unwrap();
    }
    let (dense, n) = (m.to_dense_f32(), m.n_haplotypes());
    let whole = em::log_likelihoods(&t.hclt, &dense, n).unwrap();
    let pi = host(&t.hclt.pi);
    let parts: Vec<Vec<f64>> = (0..2)
        .map(|c| {
            let one = t.hclt.component(c).unwrap();
            assert_eq!(one.params.hidden(), 3);
            em::log_likelihoods(&one, &dense, n).unwrap()
        })
        .collect();
    for (i, &ll) in whole.iter().enumerate() {
        let sum: f64 = (0..2)
            .map(|c| f64::from(pi[3 * c..3 * c + 3].iter().sum::<f32>()) * parts[c][i].exp())
            .sum();
        assert!(
            (sum.ln() - ll).abs() < 1e-3 * (1.0 + ll.abs()),
            "haplotype {i}: {ll} against {}",
            sum.ln()
        );
    }
    assert!(t.hclt.component(2).is_err());
}
