//! Tests of the streamed passes: against brute force, and the two kernels against each other.

use super::*;
use genosynth_core::{Ploidy, Sample, Site, Sites};
use proptest::prelude::*;

fn random_matrix(n_hap: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
    let mut x = seed | 1;
    let v: Vec<u8> = (0..n_hap * n_sites)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.is_multiple_of(3) as u8
        })
        .collect();
    let sites: Sites = (0..n_sites)
        .map(|i| Site::new("1", i as u64 + 1, "A", "C"))
        .collect();
    HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("h", n_hap, Ploidy::Haploid))
        .unwrap()
}

fn brute(a: &HaplotypeMatrix, b: &HaplotypeMatrix, i: usize, skip_self: bool) -> (u32, u32) {
    let mut d: Vec<u32> = (0..b.n_haplotypes())
        .filter(|&j| !(skip_self && j == i))
        .map(|j| genosynth_core::hamming_words(a.row(i), b.row(j)))
        .collect();
    d.sort_unstable();
    (d[0], d.get(1).copied().unwrap_or(u32::MAX))
}

proptest! {
    #[test]
    fn streamed_nearest_equals_brute_force(na in 2usize..90, nb in 2usize..90,
                                           sites in 1usize..1100, seed in any::<u64>()) {
        let a = random_matrix(na, sites, seed);
        let b = random_matrix(nb, sites, seed.wrapping_add(99));
        let between = scan_between(RowSet::all(&a), RowSet::all(&b));
        for i in 0..na {
            let (d1, d2) = brute(&a, &b, i, false);
            prop_assert_eq!((between.first[i].distance, between.first[i].second), (d1, d2));
            let j = between.first[i].index as usize;
            prop_assert_eq!(a.hamming(0, 0), 0);
            prop_assert_eq!(genosynth_core::hamming_words(a.row(i), b.row(j)), d1);
        }
        for j in 0..nb {
            let (d1, d2) = brute(&b, &a, j, false);
            prop_assert_eq!((between.second[j].distance, between.second[j].second), (d1, d2));
        }
        prop_assert_eq!(between.histogram.iter().sum::<u64>(), (na * nb) as u64);
        let within = scan_within(RowSet::all(&a));
        for i in 0..na {
            let (d1, d2) = brute(&a, &a, i, true);
            prop_assert_eq!((within.first[i].distance, within.first[i].second), (d1, d2));
            prop_assert_ne!(within.first[i].index as usize, i);
        }
        prop_assert_eq!(within.histogram.iter().sum::<u64>(), (na * (na - 1) / 2) as u64);
    }
}

/// The AVX-512 kernel (where this CPU has it) and the portable one give the same passes,
/// including sets whose sizes are not multiples of the kernel's groups and tiles.
#[test]
fn kernels_agree() {
    for (na, nb, sites) in [(37, 301, 805), (300, 300, 130), (9, 17, 64)] {
        let a = random_matrix(na, sites, 5);
        let b = random_matrix(nb, sites, 6);
        for within in [false, true] {
            let other = if within {
                RowSet::all(&a)
            } else {
                RowSet::all(&b)
            };
            let fast = scan_using(RowSet::all(&a), other, within, &[], true, false);
            let portable = scan_using(RowSet::all(&a), other, within, &[], false, false);
            assert_eq!(fast, portable, "{na} x {nb} x {sites}, within {within}");
        }
    }
}

#[test]
fn distance_matrix_is_symmetric_with_zero_diagonal() {
    let a = random_matrix(40, 100, 7);
    let ab = scan_between(RowSet::all(&a), RowSet::all(&a));
    // Against itself every row's nearest is at distance 0 (itself) ...
    assert!(ab.first.iter().all(|n| n.distance == 0));
    // ... and the between-set histogram counts each off-diagonal pair twice.
    let within = scan_within(RowSet::all(&a));
    for d in 1..within.histogram.len() {
        assert_eq!(ab.histogram[d], 2 * within.histogram[d]);
    }
    assert_eq!(ab.histogram[0], 40 + 2 * within.histogram[0]);
    for i in 0..40 {
        for j in 0..40 {
            assert_eq!(a.hamming(i, j), a.hamming(j, i));
        }
    }
}

/// Brute force: the nearest distance from each row of `rows_a` to the rows of `rows_b` (self
/// excluded when `same`), in `rows_a`'s order.
fn brute_runs(
    a: &HaplotypeMatrix,
    b: &HaplotypeMatrix,
    rows_a: &[usize],
    rows_b: &[usize],
    same: bool,
) -> Vec<u32> {
    rows_a
        .iter()
        .map(|&i| {
            rows_b
                .iter()
                .filter(|&&j| !(same && i == j))
                .map(|&j| genosynth_core::hamming_words(a.row(i), b.row(j)))
                .min()
                .unwrap_or(u32::MAX)
        })
        .collect()
}

/// A matrix whose rows repeat a few distinct ones: every distance is tied many times.
fn tied_matrix(n_hap: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
    let distinct = random_matrix(5, n_sites, seed);
    let rows: Vec<usize> = (0..n_hap).map(|i| (i * 7 + seed as usize) % 5).collect();
    distinct.select_haplotypes(&rows).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Runs (subsampled AATS repeats) get the same nearest distances as brute force over
    /// their subsets, within a set and between sets, with either kernel, ties included.
    #[test]
    fn runs_equal_brute_force_on_their_subsets(na in 2usize..70, nb in 2usize..70,
                                               sites in 1usize..700, seed in any::<u64>(),
                                               tied in any::<bool>(), n_runs in 1usize..70) {
        let make = |n, s| if tied { tied_matrix(n, sites, s) } else { random_matrix(n, sites, s) };
        let (a, b) = (make(na, seed), make(nb, seed.wrapping_add(1)));
        let pick = |n: usize, k: usize| -> Option<Vec<usize>> {
            // Every third run uses the whole set; the others about half of it.
            (!k.is_multiple_of(3))
                .then(|| (0..n).filter(|i| (i * 31 + k * 17 + seed as usize).is_multiple_of(2)).collect())
        };
        let subsets: Vec<(_, _)> =
            (0..n_runs).map(|k| (pick(na, k), pick(nb, k + 1))).collect();
        let all = |n: usize| (0..n).collect::<Vec<_>>();
        let rows = |s: &Option<Vec<usize>>, n| s.clone().unwrap_or_else(|| all(n));
        let runs: Vec<Run<'_>> = subsets.iter().map(|(x, y)| (x.as_deref(), y.as_deref())).collect();
        let within: Vec<Option<&[usize]>> = subsets.iter().map(|(x, _)| x.as_deref()).collect();
        for avx512 in [true, false] {
            let between = scan_batches(RowSet::all(&a), RowSet::all(&b), false, &runs, avx512, false);
            let inside = scan_batches(RowSet::all(&a), RowSet::all(&a),
                true, &within.iter().map(|&s| (s, s)).collect::<Vec<_>>(), avx512, false);
            prop_assert_eq!(between.runs.len(), n_runs);
            for (k, (x, y)) in subsets.iter().enumerate() {
                let (ra, rb) = (rows(x, na), rows(y, nb));
                let got: Vec<u32> = ra.iter().map(|&i| between.runs[k].first[i]).collect();
                prop_assert_eq!(got, brute_runs(&a, &b, &ra, &rb, false));
                let got: Vec<u32> = rb.iter().map(|&j| between.runs[k].second[j]).collect();
                prop_assert_eq!(got, brute_runs(&b, &a, &rb, &ra, false));
                let got: Vec<u32> = ra.iter().map(|&i| inside.runs[k].first[i]).collect();
                prop_assert_eq!(got, brute_runs(&a, &a, &ra, &ra, true));
                // Rows outside the subset have no distance in the run.
                for i in (0..na).filter(|i| !ra.contains(i)) {
                    prop_assert_eq!(between.runs[k].first[i], u32::MAX);
                }
            }
        }
    }
}

/// Both kernels give identical passes, runs included, on data full of ties.
#[test]
fn kernels_agree_with_ties_and_runs() {
    let a = tied_matrix(75, 333, 3);
    let b = tied_matrix(41, 333, 4);
    let half: Vec<usize> = (0..75).step_by(2).collect();
    let third: Vec<usize> = (0..41).step_by(3).collect();
    let runs: Vec<Run<'_>> = vec![
        (Some(&half), None),
        (None, Some(&third)),
        (Some(&half), Some(&third)),
    ];
    let within: Vec<Run<'_>> = vec![(Some(&half), Some(&half))];
    for (other, within, runs) in [(&b, false, &runs), (&a, true, &within)] {
        let fast = scan_batches(
            RowSet::all(&a),
            RowSet::all(other),
            within,
            runs,
            true,
            false,
        );
        let portable = scan_batches(
            RowSet::all(&a),
            RowSet::all(other),
            within,
            runs,
            false,
            false,
        );
        assert_eq!(fast, portable, "within {within}");
    }
}

/// Rows descended from `clusters` random founders with about 1 site in 100 flipped: near pairs
/// within a cluster, far pairs across, so a pruning pass abandons most pairs across clusters.
/// Every matrix of the same `n_sites` shares the founders; `seed` draws the descendants.
fn clustered_matrix(n_hap: usize, n_sites: usize, clusters: usize, seed: u64) -> HaplotypeMatrix {
    let founders = random_matrix(clusters, n_sites, 1234);
    let noise = random_matrix(n_hap, n_sites, seed.wrapping_add(7));
    let mut x = seed | 1;
    let v: Vec<u8> = (0..n_hap)
        .flat_map(|i| {
            // Founders interleaved: only the pass's sorting puts near rows side by side.
            let f = (i * 13 + seed as usize) % clusters;
            (0..n_sites)
                .map(|s| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let flip = x.is_multiple_of(32) && noise.get(i, s);
                    u8::from(founders.get(f, s) ^ flip)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let sites: Sites = (0..n_sites)
        .map(|i| Site::new("1", i as u64 + 1, "A", "C"))
        .collect();
    HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("h", n_hap, Ploidy::Haploid))
        .unwrap()
}

/// `scan` with the figures a pruning pass drops (histogram, abandoned count) cleared.
fn neighbours_only(mut scan: PairScan) -> PairScan {
    scan.histogram.clear();
    scan.abandoned = 0;
    scan
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A pass that abandons far pairs early finds the same neighbours (indices of ties
    /// included) and run minima as the full pass, with either kernel, on clustered data
    /// (pruning fires), ties and plain random data.
    #[test]
    fn pruned_pass_equals_full_pass(na in 2usize..160, nb in 2usize..60,
                                    sites in 900usize..2600, seed in any::<u64>(),
                                    kind in 0usize..3, clusters in 1usize..6,
                                    n_runs in 0usize..12) {
        let make = |n, s| match kind {
            0 => clustered_matrix(n, sites, clusters, s),
            1 => tied_matrix(n, sites, s),
            _ => random_matrix(n, sites, s),
        };
        let (a, b) = (make(na, seed), make(nb, seed.wrapping_add(1)));
        let pick = |n: usize, k: usize| -> Option<Vec<usize>> {
            (!k.is_multiple_of(3))
                .then(|| (0..n).filter(|i| (i * 31 + k * 17 + seed as usize).is_multiple_of(3)).collect())
        };
        let subsets: Vec<(_, _)> =
            (0..n_runs).map(|k| (pick(na, k), pick(nb, k + 1))).collect();
        let runs: Vec<Run<'_>> = subsets.iter().map(|(x, y)| (x.as_deref(), y.as_deref())).collect();
        let full = scan_batches(RowSet::all(&a), RowSet::all(&b), false, &runs, false, false);
        for avx512 in [true, false] {
            let pruned = scan_batches(RowSet::all(&a), RowSet::all(&b), false, &runs, avx512, true);
            prop_assert!(pruned.histogram.is_empty());
            prop_assert!(pruned.abandoned < (na * nb) as u64);
            prop_assert_eq!(neighbours_only(pruned), neighbours_only(full.clone()));
        }
    }
}

/// On clustered data both kernels abandon pairs (and still agree with the full pass); where
/// every pair is at the same distance no bound is ever exceeded and nothing is abandoned.
#[test]
fn pruning_fires_on_clusters_and_never_on_equal_distances() {
    // Enough query rows for several blocks: a block's first columns have no bound yet.
    let a = clustered_matrix(320, 5000, 4, 11);
    // Several tiles of columns: a row's bound holds from its second tile on.
    let b = clustered_matrix(1000, 5000, 4, 12);
    let half: Vec<usize> = (0..1000).step_by(2).collect();
    let runs: Vec<Run<'_>> = vec![(None, Some(&half)), (Some(&half[..100]), None)];
    let full = scan_batches(RowSet::all(&a), RowSet::all(&b), false, &runs, true, false);
    for avx512 in [true, false] {
        let pruned = scan_batches(RowSet::all(&a), RowSet::all(&b), false, &runs, avx512, true);
        // Three in four pairs are across clusters; past the first tile and block, abandoned.
        assert!(
            pruned.abandoned > 70 * 300 / 2,
            "{} abandoned",
            pruned.abandoned
        );
        assert_eq!(neighbours_only(pruned), neighbours_only(full.clone()));
    }
    let same = tied_matrix(40, 3000, 0)
        .select_haplotypes(&[0; 40])
        .unwrap();
    let full = scan_batches(
        RowSet::all(&same),
        RowSet::all(&same),
        false,
        &[],
        true,
        false,
    );
    for avx512 in [true, false] {
        let pruned = scan_batches(
            RowSet::all(&same),
            RowSet::all(&same),
            false,
            &[],
            avx512,
            true,
        );
        assert_eq!(pruned.abandoned, 0);
        assert_eq!(neighbours_only(pruned), neighbours_only(full.clone()));
    }
}
