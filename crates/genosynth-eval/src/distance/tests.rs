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
/// including sets whose sizes are not multiples of the kernel's groups and tiles, and rows
/// of fewer and of more words than a step's 64 distances (which the next step counts).
#[test]
fn kernels_agree() {
    for (na, nb, sites) in [
        (37, 301, 805),
        (300, 300, 130),
        (9, 17, 64),
        (70, 290, 4500),
    ] {
        let a = random_matrix(na, sites, 5);
        let b = random_matrix(nb, sites, 6);
        for within in [false, true] {
            let other = if within {
                RowSet::all(&a)
            } else {
                RowSet::all(&b)
            };
            let fast = scan_using(RowSet::all(&a), other, within, &[], true);
            let portable = scan_using(RowSet::all(&a), other, within, &[], false);
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
            let between = scan_batches(RowSet::all(&a), RowSet::all(&b), false, &runs, avx512);
            let inside = scan_batches(RowSet::all(&a), RowSet::all(&a),
                true, &within.iter().map(|&s| (s, s)).collect::<Vec<_>>(), avx512);
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
    let half: Vec<usize> = (0..75).step_by(2).collect();
    let third: Vec<usize> = (0..41).step_by(3).collect();
    let fifth: Vec<usize> = (0..75).step_by(5).collect();
    let runs: Vec<Run<'_>> = vec![
        (Some(&half), None),
        (None, Some(&third)),
        (Some(&half), Some(&third)),
        (Some(&fifth), Some(&third)),
    ];
    let within: Vec<Run<'_>> = vec![(Some(&half), Some(&half)), (Some(&fifth), Some(&fifth))];
    for sites in [333, 4500] {
        let a = tied_matrix(75, sites, 3);
        let b = tied_matrix(41, sites, 4);
        for (other, within, runs) in [(&b, false, &runs), (&a, true, &within)] {
            let fast = scan_batches(RowSet::all(&a), RowSet::all(other), within, runs, true);
            let portable = scan_batches(RowSet::all(&a), RowSet::all(other), within, runs, false);
            assert_eq!(fast, portable, "within {within}, {sites} sites");
        }
    }
}
