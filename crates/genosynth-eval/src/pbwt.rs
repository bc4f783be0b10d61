//! Longest shared segments with the positional Burrows–Wheeler transform (Durbin 2014): for
//! each query haplotype, the longest run of consecutive sites on which it is identical to some
//! haplotype of a reference class, in one pass over the sites, linear in haplotypes × sites
//! and with memory linear in haplotypes (no pairwise matrix).
//!
//! All haplotypes (references and queries) are sorted together by their reversed prefixes; the
//! longest match ending at a site between a haplotype and any member of a class is the match
//! with the nearest member of that class above or below it in that order, read off the
//! divergence array.

use genosynth_core::HaplotypeMatrix;

/// Up to this many reference classes per pass.
pub(crate) const MAX_CLASSES: usize = 4;

/// No class: the haplotype is only a query.
pub(crate) const NO_CLASS: u8 = u8::MAX;

/// One haplotype of a pass: where it lives, its reference class and which classes it queries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    /// Index of its matrix in the pass's `sets`.
    pub set: usize,
    /// Its row in that matrix.
    pub row: usize,
    /// Reference class it belongs to ([`NO_CLASS`] for none).
    pub class: u8,
    /// Bit `c` set: find its longest segment shared with class `c` (never with itself).
    pub targets: u8,
}

/// The longest segment a query shares with a reference class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Longest {
    /// Length in sites (0 when no site is shared).
    pub sites: u32,
    /// First site of the longest segment (in sites; the earliest when several tie).
    pub first_site: u32,
    /// Index into the pass's members of a reference haplotype sharing it.
    pub partner: u32,
    /// Longest span in base pairs of any shared segment (`last − first + 1`; 0 when none).
    pub bp: u64,
}

/// For each member, its longest segment with each class in its `targets` (index = class;
/// classes it does not target stay zero). Segments never cross a chromosome boundary. All
/// `sets` must have the same sites.
pub(crate) fn longest_segments(
    sets: &[&HaplotypeMatrix],
    members: &[Member],
) -> Vec<[Longest; MAX_CLASSES]> {
    let n = members.len();
    let mut best = vec![[Longest::default(); MAX_CLASSES]; n];
    let Some(first) = sets.first() else {
        return best;
    };
    let sites = first.sites();
    let n_sites = sites.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut div: Vec<u32> = vec![0; n];
    let (mut a0, mut a1) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut d0, mut d1) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut words = vec![0u64; n];
    for k in 0..n_sites {
        if k % 64 == 0 {
            let w = k / 64;
            for (word, m) in words.iter_mut().zip(members) {
                let set = sets[m.set];
                *word = set.words()[m.row * set.words_per_row() + w];
            }
        }
        if k > 0 && sites[k].chrom != sites[k - 1].chrom {
            div.fill(k as u32);
        }
        // Durbin's algorithm 2: stable partition by the allele at k, divergences carried.
        let bit = k % 64;
        let next = k as u32 + 1;
        let (mut p, mut q) = (next, next);
        a0.clear();
        a1.clear();
        d0.clear();
        d1.clear();
        for (&h, &d) in order.iter().zip(&div) {
            p = p.max(d);
            q = q.max(d);
            if (words[h as usize] >> bit) & 1 == 0 {
                a0.push(h);
                d0.push(p);
                p = 0;
            } else {
                a1.push(h);
                d1.push(q);
                q = 0;
            }
        }
        order.clear();
        order.extend_from_slice(&a0);
        order.extend_from_slice(&a1);
        div.clear();
        div.extend_from_slice(&d0);
        div.extend_from_slice(&d1);
        record_matches(&order, &div, members, k, sites, &mut best);
    }
    best
}

/// Reads, for every query at its place in the order after site `k`, the match ending at `k`
/// with the nearest member of each target class above and below.
fn record_matches(
    order: &[u32],
    div: &[u32],
    members: &[Member],
    k: usize,
    sites: &genosynth_core::Sites,
    best: &mut [[Longest; MAX_CLASSES]],
) {
    let none = k as u32 + 1;
    let mut update = |h: usize, c: usize, start: u32, partner: u32| {
        if start > k as u32 {
            return;
        }
        let b = &mut best[h][c];
        let len = k as u32 + 1 - start;
        if len > b.sites {
            b.sites = len;
            b.first_site = start;
            b.partner = partner;
        }
        let bp = sites[k].pos.saturating_sub(sites[start as usize].pos) + 1;
        b.bp = b.bp.max(bp);
    };
    // Top-down: the match with the nearest member j above i starts at max(div[j+1..=i]).
    let mut start = [none; MAX_CLASSES];
    let mut who = [0u32; MAX_CLASSES];
    for (&h, &d) in order.iter().zip(div) {
        let m = &members[h as usize];
        for s in &mut start {
            *s = (*s).max(d);
        }
        for c in targets(m.targets) {
            update(h as usize, c, start[c], who[c]);
        }
        if m.class != NO_CLASS {
            start[m.class as usize] = 0;
            who[m.class as usize] = h;
        }
    }
    // Bottom-up: with the nearest member j below i, at max(div[i+1..=j]).
    let mut start = [none; MAX_CLASSES];
    for (&h, &d) in order.iter().zip(div).rev() {
        let m = &members[h as usize];
        for c in targets(m.targets) {
            update(h as usize, c, start[c], who[c]);
        }
        for (c, s) in start.iter_mut().enumerate() {
            if m.class as usize == c {
                *s = d;
                who[c] = h;
            } else {
                *s = (*s).max(d);
            }
        }
    }
}

fn targets(mask: u8) -> impl Iterator<Item = usize> {
    (0..MAX_CLASSES).filter(move |c| mask >> c & 1 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use genosynth_core::{Ploidy, Sample, Site, Sites};
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Haplotypes copied from a few founders with recombination and mutation: long shared
    /// segments and many ties, over two chromosomes.
    #[allow(clippy::needless_range_loop)] // the founder copied switches along the sites
    fn mosaic(n: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let founders: Vec<Vec<u8>> = (0..4)
            .map(|_| (0..n_sites).map(|_| rng.random_bool(0.4) as u8).collect())
            .collect();
        let mut v = Vec::with_capacity(n * n_sites);
        for _ in 0..n {
            let mut f = rng.random_range(0..4);
            for s in 0..n_sites {
                if rng.random_bool(0.05) {
                    f = rng.random_range(0..4);
                }
                v.push(founders[f][s] ^ rng.random_bool(0.02) as u8);
            }
        }
        let sites: Sites = (0..n_sites)
            .map(|s| {
                let chrom = if s < n_sites * 2 / 3 { "1" } else { "2" };
                Site::new(chrom, 10 + 7 * s as u64 + s as u64 % 5, "A", "G")
            })
            .collect();
        HaplotypeMatrix::from_dense_u8(&v, sites, Sample::numbered("h", n, Ploidy::Haploid))
            .unwrap()
    }

    /// All pairs, all sites: the longest identical run (sites, and bp span) of `q` with `r`.
    fn brute(m: &HaplotypeMatrix, q: usize, r: &HaplotypeMatrix, j: usize) -> (u32, u64) {
        let sites = m.sites();
        let (mut best, mut best_bp, mut start) = (0u32, 0u64, None::<usize>);
        for s in 0..m.n_sites() {
            if s > 0 && sites[s].chrom != sites[s - 1].chrom {
                start = None;
            }
            if m.get(q, s) == r.get(j, s) {
                let st = *start.get_or_insert(s);
                best = best.max((s - st + 1) as u32);
                best_bp = best_bp.max(sites[s].pos - sites[st].pos + 1);
            } else {
                start = None;
            }
        }
        (best, best_bp)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Against all pairs over all sites, with ties, duplicates and matches that run to the
        /// last site; the partner reported shares a segment that long at that place.
        #[test]
        fn longest_segments_match_brute_force(
            n_ref in 1usize..30, n_query in 1usize..20, n_sites in 1usize..200, seed in any::<u64>()
        ) {
            let all = mosaic(n_ref + n_query, n_sites, seed);
            let refs = all.select_haplotypes(&(0..n_ref).collect::<Vec<_>>()).unwrap();
            let queries = all
                .select_haplotypes(&(n_ref..n_ref + n_query).collect::<Vec<_>>())
                .unwrap();
            // Class 0: the even references, class 1: the odd ones; queries target both, and
            // references target the other class.
            let mut members: Vec<Member> = (0..n_ref)
                .map(|row| Member { set: 0, row, class: (row % 2) as u8, targets: 1 << (1 - row % 2) })
                .collect();
            members.extend((0..n_query).map(|row| Member { set: 1, row, class: NO_CLASS, targets: 0b11 }));
            let best = longest_segments(&[&refs, &queries], &members);
            for (i, m) in members.iter().enumerate() {
                let me = if m.set == 0 { &refs } else { &queries };
                for c in targets(m.targets) {
                    let (sites, bp) = (0..n_ref)
                        .filter(|j| j % 2 == c)
                        .map(|j| brute(me, m.row, &refs, j))
                        .fold((0, 0), |(a, b), (x, y)| (a.max(x), b.max(y)));
                    let got = best[i][c];
                    prop_assert_eq!((got.sites, got.bp), (sites, bp), "member {} class {}", i, c);
                    if sites > 0 {
                        let p = members[got.partner as usize];
                        prop_assert_eq!(p.class as usize, c);
                        for s in got.first_site..got.first_site + got.sites {
                            prop_assert_eq!(me.get(m.row, s as usize), refs.get(p.row, s as usize));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_copy_shares_every_site_and_no_reference_shares_nothing() {
        let m = mosaic(6, 150, 3);
        let members: Vec<Member> = (0..6)
            .map(|row| Member {
                set: 0,
                row,
                class: if row == 0 { 0 } else { NO_CLASS },
                targets: 1,
            })
            .collect();
        let copy = Member {
            set: 1,
            row: 0,
            class: NO_CLASS,
            targets: 0b11,
        };
        let mut all = members.clone();
        all.push(copy);
        let best = longest_segments(&[&m, &m], &all);
        // The copy of row 0 matches it across the first chromosome (segments stop at the
        // chromosome boundary); class 1 has no member.
        assert_eq!(best[6][0].sites, 100);
        assert_eq!(best[6][0].partner, 0);
        assert_eq!(best[6][1], Longest::default());
        assert_eq!(best[0][0], Longest::default(), "never matched with itself");
    }
}
