//! Longest shared segments with the positional Burrows–Wheeler transform (Durbin 2014): for
//! each query haplotype, the longest run of consecutive sites on which it is identical to some
//! haplotype of a reference class, in one pass over the sites, linear in haplotypes × sites
//! and with memory linear in haplotypes (no pairwise matrix).
//!
//! All haplotypes (references and queries) are sorted together by their reversed prefixes; the
//! longest match ending at a site between a haplotype and any member of a class is the match
//! with the nearest member of that class above or below it in that order, read off the
//! divergence array.
//!
//! The sites are cut into blocks run in parallel: a block first sorts through the sites before
//! it without reading matches (about a third of the cost of a site read), so it starts from
//! the exact order and divergences, and the blocks' longest segments merge exactly.

use genosynth_core::HaplotypeMatrix;
use rayon::prelude::*;

/// Up to this many reference classes per pass.
pub(crate) const MAX_CLASSES: usize = 4;

/// Cost of sorting through a site without reading matches, relative to a site read (from a
/// profile on 3·10⁴ haplotypes; it sets where the blocks are cut, not what they find).
const SORT_ONLY_COST: f64 = 0.3;

/// One haplotype of a pass: where it lives, its reference classes and which classes it queries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    /// Index of its matrix in the pass's `sets`.
    pub set: usize,
    /// Its row in that matrix.
    pub row: usize,
    /// Bit `c` set: it belongs to reference class `c` (none: it is only a query).
    pub classes: u8,
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
    /// Longest span in base pairs of any shared segment (`last − first + 1`; 0 when none).
    pub bp: u64,
}

impl Longest {
    /// Folds in the same query's result from later sites (ties keep the earlier segment).
    fn merge_later(&mut self, later: Longest) {
        if later.sites > self.sites {
            (self.sites, self.first_site) = (later.sites, later.first_site);
        }
        self.bp = self.bp.max(later.bp);
    }
}

/// For each member, its longest segment with each class in its `targets` (index = class;
/// classes it does not target stay zero). Segments never cross a chromosome boundary. All
/// `sets` must have the same sites. Runs in as many site blocks as rayon has threads.
pub(crate) fn longest_segments(
    sets: &[&HaplotypeMatrix],
    members: &[Member],
) -> Vec<[Longest; MAX_CLASSES]> {
    longest_segments_in_blocks(sets, members, rayon::current_num_threads())
}

/// [`longest_segments`] over `blocks` site blocks (fewer when there are too few sites).
pub(crate) fn longest_segments_in_blocks(
    sets: &[&HaplotypeMatrix],
    members: &[Member],
    blocks: usize,
) -> Vec<[Longest; MAX_CLASSES]> {
    let n = members.len();
    let Some(first) = sets.first() else {
        return vec![[Longest::default(); MAX_CLASSES]; n];
    };
    let pass = Pass::new(sets, members, first.sites());
    let cuts = block_cuts(pass.pos.len(), blocks);
    let results: Vec<Vec<[Longest; MAX_CLASSES]>> =
        cuts.par_windows(2).map(|w| pass.run(w[0], w[1])).collect();
    let mut results = results.into_iter();
    let mut best = results
        .next()
        .unwrap_or_else(|| vec![[Longest::default(); MAX_CLASSES]; n]);
    for later in results {
        for (b, l) in best.iter_mut().zip(later) {
            for (b, l) in b.iter_mut().zip(l) {
                b.merge_later(l);
            }
        }
    }
    best
}

/// Block boundaries (multiples of 64 sites, first 0, last `n_sites`) that give every block the
/// same work: block `t` sorts through `cuts[t]` sites and reads `cuts[t + 1] − cuts[t]`.
fn block_cuts(n_sites: usize, blocks: usize) -> Vec<usize> {
    let blocks = blocks.clamp(1, n_sites.div_ceil(64).max(1));
    // Equal work C per block: cut[t + 1] = cut[t] · (1 − r) + C, so n = C · Σ (1 − r)^t.
    let keep = 1.0 - SORT_ONLY_COST;
    let total: f64 = (0..blocks).map(|t| keep.powi(t as i32)).sum();
    let per_block = n_sites as f64 / total;
    let mut cuts = vec![0usize];
    let mut at = 0.0;
    for _ in 1..blocks {
        at = at * keep + per_block;
        let cut = ((at / 64.0).round() as usize * 64).clamp(*cuts.last().unwrap_or(&0), n_sites);
        cuts.push(cut);
    }
    cuts.push(n_sites);
    cuts.dedup();
    if cuts.len() == 1 {
        cuts.push(n_sites);
    }
    cuts
}

/// What every block of a pass reads.
struct Pass<'a> {
    sets: &'a [&'a HaplotypeMatrix],
    members: &'a [Member],
    /// Per member: classes in the low four bits, targets in the high four.
    flags: Vec<u8>,
    pos: Vec<u64>,
    /// Whether a site starts a new chromosome (the first site does not).
    new_chrom: Vec<bool>,
}

/// The order and divergences after a site, the buffers the next site is sorted into, and the
/// matches being read.
struct State {
    order: Vec<u32>,
    div: Vec<u32>,
    next_order: Vec<u32>,
    next_div: Vec<u32>,
    ones_order: Vec<u32>,
    ones_div: Vec<u32>,
    /// Each member's 64 alleles around the current site.
    words: Vec<u64>,
    /// Per place in the order: where the match with the nearest member of each class above
    /// starts (top-down sweep, read by the bottom-up one).
    above: Vec<[u32; MAX_CLASSES]>,
    /// Per member and target class: the start of the match ending at the site read last
    /// ([`OPEN_NONE`]: none). Its length is recorded only when it stops growing.
    open: Vec<[u32; MAX_CLASSES]>,
    best: Vec<[Longest; MAX_CLASSES]>,
}

/// No match open.
const OPEN_NONE: u32 = u32::MAX;

impl<'a> Pass<'a> {
    fn new(
        sets: &'a [&'a HaplotypeMatrix],
        members: &'a [Member],
        sites: &genosynth_core::Sites,
    ) -> Self {
        let n_sites = sites.len();
        Self {
            sets,
            members,
            flags: members
                .iter()
                .map(|m| (m.classes & 0xf) | (m.targets << 4))
                .collect(),
            pos: (0..n_sites).map(|k| sites[k].pos).collect(),
            new_chrom: (0..n_sites)
                .map(|k| k > 0 && sites[k].chrom != sites[k - 1].chrom)
                .collect(),
        }
    }

    fn load_words(&self, state: &mut State, w: usize) {
        for (word, m) in state.words.iter_mut().zip(self.members) {
            let set = self.sets[m.set];
            *word = set.words()[m.row * set.words_per_row() + w];
        }
    }

    /// Sorts through sites `0..from` and reads the matches ending at `from..to`.
    fn run(&self, from: usize, to: usize) -> Vec<[Longest; MAX_CLASSES]> {
        let n = self.members.len();
        let mut state = State {
            order: (0..n as u32).collect(),
            div: vec![0; n],
            next_order: vec![0; n],
            next_div: vec![0; n],
            ones_order: vec![0; n],
            ones_div: vec![0; n],
            words: vec![0; n],
            above: vec![[0; MAX_CLASSES]; n],
            open: vec![[OPEN_NONE; MAX_CLASSES]; n],
            best: vec![[Longest::default(); MAX_CLASSES]; n],
        };
        for k in 0..to {
            if k % 64 == 0 {
                self.load_words(&mut state, k / 64);
            }
            if k > from {
                self.sort_site::<true>(&mut state, k);
                self.bottom_up(&mut state, k - 1);
            } else {
                self.sort_site::<false>(&mut state, k);
            }
            std::mem::swap(&mut state.order, &mut state.next_order);
            std::mem::swap(&mut state.div, &mut state.next_div);
        }
        if to > from {
            let mut reader = TopDown::new(to - 1);
            for (i, (&h, &d)) in state.order.iter().zip(&state.div).enumerate() {
                state.above[i] = reader.step(self, h, d);
            }
            self.bottom_up(&mut state, to - 1);
            // Matches still growing at the block's last site end there (for this block).
            for (h, open) in state.open.iter().enumerate() {
                for (c, &start) in open.iter().enumerate() {
                    self.close(&mut state.best[h][c], start, to);
                }
            }
        }
        state.best
    }

    /// Durbin's algorithm 2 at site `k` (a stable, branch-free partition by allele, the
    /// divergences carried) into the state's next buffers; with `READ`, in the same sweep,
    /// the top-down starts of the matches ending at `k − 1`.
    fn sort_site<const READ: bool>(&self, state: &mut State, k: usize) {
        let State {
            order,
            div,
            next_order,
            next_div,
            ones_order,
            ones_div,
            words,
            above,
            ..
        } = state;
        let bit = k % 64;
        let reset = if self.new_chrom[k] { k as u32 } else { 0 };
        let (mut p, mut q) = (k as u32 + 1, k as u32 + 1);
        let (mut zeros, mut ones) = (0usize, 0usize);
        let mut reader = TopDown::new(k.wrapping_sub(1));
        for (i, (&h, &d)) in order.iter().zip(div.iter()).enumerate() {
            if READ {
                above[i] = reader.step(self, h, d);
            }
            let d = d.max(reset);
            p = p.max(d);
            q = q.max(d);
            let one = (words[h as usize] >> bit) & 1;
            next_order[zeros] = h;
            next_div[zeros] = p;
            ones_order[ones] = h;
            ones_div[ones] = q;
            zeros += (one ^ 1) as usize;
            ones += one as usize;
            // The run of the allele just placed restarts (Durbin: p or q back to 0).
            let keep_p = (one as u32).wrapping_neg();
            p &= keep_p;
            q &= !keep_p;
        }
        next_order[zeros..].copy_from_slice(&ones_order[..ones]);
        next_div[zeros..].copy_from_slice(&ones_div[..ones]);
    }

    /// For every query, the match ending at site `k` with the nearest member of each target
    /// class below it (it starts at `max(div[i+1..=j])`) or above it (from the top-down
    /// sweep): the earlier start is the longest match. A match that stopped growing is
    /// recorded.
    fn bottom_up(&self, state: &mut State, k: usize) {
        let none = k as u32 + 1;
        let mut start = [none; MAX_CLASSES];
        let State {
            order,
            div,
            above,
            open,
            best,
            ..
        } = state;
        for ((&h, &d), above) in order.iter().zip(div.iter()).zip(above.iter()).rev() {
            let f = self.flags[h as usize];
            for c in bits(f >> 4) {
                let s = start[c].min(above[c]);
                let s = if s >= none { OPEN_NONE } else { s };
                let o = &mut open[h as usize][c];
                if *o != s {
                    // The open match ended at k − 1.
                    self.close(&mut best[h as usize][c], *o, k);
                    *o = s;
                }
            }
            for s in &mut start {
                *s = (*s).max(d);
            }
            for c in bits(f & 0xf) {
                start[c] = d;
            }
        }
    }

    /// Records a match from site `start` to site `end − 1` ([`OPEN_NONE`]: nothing).
    fn close(&self, best: &mut Longest, start: u32, end: usize) {
        if start == OPEN_NONE {
            return;
        }
        let len = end as u32 - start;
        if len > best.sites {
            (best.sites, best.first_site) = (len, start);
        }
        let bp = self.pos[end - 1].saturating_sub(self.pos[start as usize]) + 1;
        best.bp = best.bp.max(bp);
    }
}

/// Top-down sweep over the order after site `k`: the match with the nearest member `j` of a
/// class above `i` starts at `max(div[j+1..=i])` (`k + 1`: no member above).
struct TopDown {
    start: [u32; MAX_CLASSES],
}

impl TopDown {
    fn new(k: usize) -> Self {
        Self {
            start: [k.wrapping_add(1) as u32; MAX_CLASSES],
        }
    }

    /// The starts for the member at the next place, `h`, with divergence `d`.
    #[inline(always)]
    fn step(&mut self, pass: &Pass<'_>, h: u32, d: u32) -> [u32; MAX_CLASSES] {
        for s in &mut self.start {
            *s = (*s).max(d);
        }
        let here = self.start;
        for c in bits(pass.flags[h as usize] & 0xf) {
            self.start[c] = 0;
        }
        here
    }
}

/// The set bits of a class mask.
#[inline(always)]
fn bits(mask: u8) -> impl Iterator<Item = usize> {
    let mut m = mask & 0xf;
    std::iter::from_fn(move || {
        (m != 0).then(|| {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            c
        })
    })
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

    /// All pairs, all sites: the longest identical run (sites, and bp span) of `q` with `r`,
    /// and where the first of the longest runs starts.
    fn brute(m: &HaplotypeMatrix, q: usize, r: &HaplotypeMatrix, j: usize) -> (u32, u64, u32) {
        let sites = m.sites();
        let (mut best, mut best_bp, mut start) = (0u32, 0u64, None::<usize>);
        let mut first = 0;
        for s in 0..m.n_sites() {
            if s > 0 && sites[s].chrom != sites[s - 1].chrom {
                start = None;
            }
            if m.get(q, s) == r.get(j, s) {
                let st = *start.get_or_insert(s);
                if (s - st + 1) as u32 > best {
                    (best, first) = ((s - st + 1) as u32, st as u32);
                }
                best_bp = best_bp.max(sites[s].pos - sites[st].pos + 1);
            } else {
                start = None;
            }
        }
        (best, best_bp, first)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Against all pairs over all sites, with ties, duplicates and matches that run to the
        /// last site; some member of the class shares the segment reported at that place.
        #[test]
        fn longest_segments_match_brute_force(
            n_ref in 1usize..30, n_query in 1usize..20, n_sites in 1usize..300, seed in any::<u64>()
        ) {
            let all = mosaic(n_ref + n_query, n_sites, seed);
            let refs = all.select_haplotypes(&(0..n_ref).collect::<Vec<_>>()).unwrap();
            let queries = all
                .select_haplotypes(&(n_ref..n_ref + n_query).collect::<Vec<_>>())
                .unwrap();
            // Class 0: the even references, class 1: the odd ones; queries target both, and
            // references target the other class.
            let mut members: Vec<Member> = (0..n_ref)
                .map(|row| Member { set: 0, row, classes: 1 << (row % 2), targets: 1 << (1 - row % 2) })
                .collect();
            members.extend((0..n_query).map(|row| Member { set: 1, row, classes: 0, targets: 0b11 }));
            // Class 2: every third reference (so some are in two classes); queries target it.
            for m in members.iter_mut() {
                if m.set == 0 && m.row % 3 == 0 {
                    m.classes |= 0b100;
                }
                if m.set == 1 {
                    m.targets |= 0b100;
                }
            }
            let best = longest_segments_in_blocks(&[&refs, &queries], &members, 1);
            // Site blocks sorted through in parallel give exactly the one-block answer.
            for blocks in 2..=4 {
                prop_assert_eq!(&longest_segments_in_blocks(&[&refs, &queries], &members, blocks), &best);
            }
            for (i, m) in members.iter().enumerate() {
                let me = if m.set == 0 { &refs } else { &queries };
                for c in bits(m.targets) {
                    let in_class = |j: usize| members[j].classes >> c & 1 == 1;
                    // Ties: the earliest of the longest segments.
                    let (sites, bp, first) = (0..n_ref)
                        .filter(|&j| in_class(j))
                        .map(|j| brute(me, m.row, &refs, j))
                        .fold((0, 0, 0), |(a, b, f), (x, y, g)| match x.cmp(&a) {
                            std::cmp::Ordering::Greater => (x, b.max(y), g),
                            std::cmp::Ordering::Equal => (a, b.max(y), f.min(g)),
                            std::cmp::Ordering::Less => (a, b.max(y), f),
                        });
                    let got = best[i][c];
                    prop_assert_eq!((got.sites, got.bp), (sites, bp), "member {} class {}", i, c);
                    if sites > 0 {
                        prop_assert_eq!(got.first_site, first, "member {} class {}", i, c);
                    }
                    if sites > 0 {
                        let range = got.first_site as usize..(got.first_site + got.sites) as usize;
                        let shared = (0..n_ref).filter(|&j| in_class(j)).any(|j| {
                            range.clone().all(|s| me.get(m.row, s) == refs.get(j, s))
                        });
                        prop_assert!(shared, "member {} class {}: no partner", i, c);
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
                classes: u8::from(row == 0),
                targets: 1,
            })
            .collect();
        let copy = Member {
            set: 1,
            row: 0,
            classes: 0,
            targets: 0b11,
        };
        let mut all = members.clone();
        all.push(copy);
        let best = longest_segments(&[&m, &m], &all);
        // The copy of row 0 matches it across the first chromosome (segments stop at the
        // chromosome boundary); class 1 has no member.
        assert_eq!(best[6][0].sites, 100);
        assert_eq!(best[6][0].first_site, 0);
        assert_eq!(best[6][1], Longest::default());
        assert_eq!(best[0][0], Longest::default(), "never matched with itself");
    }
}
