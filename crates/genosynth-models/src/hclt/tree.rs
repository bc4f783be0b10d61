//! The Chow-Liu tree of the sites: the spanning tree of maximum total mutual information.

use rayon::prelude::*;

use super::bits::{SiteBits, both};

/// Candidate edges scored per block of sites (16 bytes each): bounds the tree's memory.
const BLOCK_EDGES: usize = 1 << 22;

/// A rooted tree over the sites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tree {
    /// Each site's parent (`None` for the root).
    pub(crate) parent: Vec<Option<usize>>,
    /// Each site's children.
    pub(crate) children: Vec<Vec<usize>>,
    /// Breadth-first order from the root: every parent before its children.
    pub(crate) order: Vec<usize>,
}

impl Tree {
    /// The number of sites.
    pub(crate) fn len(&self) -> usize {
        self.parent.len()
    }

    /// The root site.
    pub(crate) fn root(&self) -> usize {
        self.order[0]
    }

    /// The Chow-Liu tree of the haplotypes in `bits`, over the pairs of sites at most `band`
    /// sites apart (linkage decays with distance), rooted at site 0: the maximum spanning tree
    /// of that sparse graph by Kruskal's algorithm. Pair counts are popcounts of ANDs, so the
    /// time is O(sites × band × haplotypes / 64). Edges are taken a block of sites at a time
    /// with the spanning forest so far (the forest of a graph plus new edges is the forest of
    /// the old forest plus those edges), so memory is O(sites + block × band). With `band` ≥
    /// sites − 1 it is the exact Chow-Liu tree. Frequencies are smoothed by half a count, so a
    /// monomorphic site still has a defined (zero) mutual information. Ties go to the lower
    /// site pair, which makes the tree unique.
    pub(crate) fn chow_liu(bits: &SiteBits, band: usize) -> Self {
        let l = bits.n_sites();
        let band = band.max(1);
        let counts = bits.counts();
        let n = bits.n_haplotypes();
        let block = (BLOCK_EDGES / band).max(1);
        let mut forest: Vec<(f64, u32, u32)> = Vec::new();
        for first in (0..l).step_by(block) {
            // Sites 1 apart are always candidates, so the graph is connected.
            let mut edges: Vec<(f64, u32, u32)> = (first..l.min(first + block))
                .into_par_iter()
                .flat_map_iter(|i| {
                    let counts = &counts;
                    let a = bits.site(i);
                    (i + 1..l.min(i + band + 1)).map(move |j| {
                        let c11 = both(a, bits.site(j));
                        let w = mutual_information(c11, counts[i], counts[j], n);
                        (w, i as u32, j as u32)
                    })
                })
                .collect();
            edges.append(&mut forest);
            edges.par_sort_unstable_by(|a, b| {
                b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
            });
            let mut sets = UnionFind::new(l);
            forest = edges
                .into_iter()
                .filter(|&(_, i, j)| sets.union(i as usize, j as usize))
                .collect();
        }
        let chosen: Vec<(usize, usize)> = forest
            .iter()
            .map(|&(_, i, j)| (i as usize, j as usize))
            .collect();
        Self::from_parent_links(orient(l, &chosen, 0))
    }

    /// The tree with these parents (exactly one root).
    fn from_parent_links(parent: Vec<Option<usize>>) -> Self {
        let l = parent.len();
        let mut children = vec![Vec::new(); l];
        for (j, p) in parent.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(j);
            }
        }
        let root = parent.iter().position(Option::is_none).unwrap_or(0);
        let mut order = Vec::with_capacity(l);
        order.push(root);
        let mut i = 0;
        while i < order.len() {
            order.extend_from_slice(&children[order[i]]);
            i += 1;
        }
        Self {
            parent,
            children,
            order,
        }
    }

    /// Parents as stored in a checkpoint (−1 for the root).
    pub(crate) fn parents_f32(&self) -> Vec<f32> {
        self.parent
            .iter()
            .map(|p| p.map_or(-1.0, |p| p as f32))
            .collect()
    }

    /// The tree of [`Tree::parents_f32`], checked: one root, every site reachable.
    pub(crate) fn from_parents(parents: &[f32]) -> std::result::Result<Self, String> {
        let l = parents.len();
        let parent: Vec<Option<usize>> = parents
            .iter()
            .map(|&p| {
                if p < 0.0 {
                    Ok(None)
                } else if p.fract() == 0.0 && (p as usize) < l {
                    Ok(Some(p as usize))
                } else {
                    Err(format!("hclt.parent holds {p}, not a site index"))
                }
            })
            .collect::<std::result::Result<_, _>>()?;
        if parent.iter().filter(|p| p.is_none()).count() != 1 {
            return Err("hclt.parent must have exactly one root (-1)".into());
        }
        let tree = Self::from_parent_links(parent);
        if tree.order.len() != l {
            return Err("hclt.parent does not form a tree (a cycle or an unreachable site)".into());
        }
        Ok(tree)
    }
}

/// Mutual information (nats) of two sites from their alternate-allele counts `ci`, `cj`, the
/// count carrying both `c11`, over `n` haplotypes, smoothed by half a count.
pub(crate) fn mutual_information(c11: u32, ci: u32, cj: u32, n: usize) -> f64 {
    let total = n as f64 + 1.0;
    let (pi, pj) = ((f64::from(ci) + 0.5) / total, (f64::from(cj) + 0.5) / total);
    let p11 = (f64::from(c11) + 0.25) / total;
    let cells = [
        (p11, pi, pj),
        (pi - p11, pi, 1.0 - pj),
        (pj - p11, 1.0 - pi, pj),
        (1.0 - pi - pj + p11, 1.0 - pi, 1.0 - pj),
    ];
    cells
        .iter()
        .map(|&(pab, pa, pb)| {
            let pab = pab.max(1e-12);
            pab * (pab / (pa * pb)).ln()
        })
        .sum()
}

/// Disjoint sets of sites, with path halving and union by size.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] as usize != x {
            let grand = self.parent[self.parent[x] as usize];
            self.parent[x] = grand;
            x = grand as usize;
        }
        x
    }

    /// Joins the sets of `a` and `b`; false when they were one already.
    fn union(&mut self, a: usize, b: usize) -> bool {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a as u32;
        self.size[a] += self.size[b];
        true
    }
}

/// Parent links of the spanning tree `edges` rooted at `root`, breadth-first (no recursion).
fn orient(l: usize, edges: &[(usize, usize)], root: usize) -> Vec<Option<usize>> {
    let mut degree = vec![0usize; l + 1];
    for &(a, b) in edges {
        degree[a + 1] += 1;
        degree[b + 1] += 1;
    }
    for i in 0..l {
        degree[i + 1] += degree[i];
    }
    let start = degree;
    let mut fill = start.clone();
    let mut neighbours = vec![0usize; 2 * edges.len()];
    for &(a, b) in edges {
        neighbours[fill[a]] = b;
        fill[a] += 1;
        neighbours[fill[b]] = a;
        fill[b] += 1;
    }
    let mut parent = vec![None; l];
    let mut seen = vec![false; l];
    let mut queue = std::collections::VecDeque::from([root]);
    seen[root] = true;
    while let Some(v) = queue.pop_front() {
        for &w in &neighbours[start[v]..start[v + 1]] {
            if !seen[w] {
                seen[w] = true;
                parent[w] = Some(v);
                queue.push_back(w);
            }
        }
    }
    parent
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The previous implementation, kept as the reference: counts from the full
    /// sites × sites product, Prim's algorithm on the complete graph from site 0.
    fn prim_on_complete_graph(dense: &[f32], n: usize, l: usize) -> Tree {
        let data_t = Tensor::from_slice(dense, (n, l), &Device::Cpu)
            .unwrap()
            .t()
            .unwrap()
            .contiguous()
            .unwrap();
        let counts: Vec<f32> = data_t
            .matmul(&data_t.t().unwrap())
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let c = |i: usize, j: usize| counts[i * l + j] as u32;
        let mi = |i: usize, j: usize| mutual_information(c(i, j), c(i, i), c(j, j), n);
        let mut parent = vec![None; l];
        let mut in_tree = vec![false; l];
        let mut best = vec![f64::NEG_INFINITY; l];
        let mut best_from = vec![0usize; l];
        let mut current = 0;
        in_tree[0] = true;
        for _ in 1..l {
            for j in 0..l {
                if !in_tree[j] {
                    let w = mi(current, j);
                    if w > best[j] {
                        best[j] = w;
                        best_from[j] = current;
                    }
                }
            }
            let next = (0..l)
                .filter(|&j| !in_tree[j])
                .max_by(|&a, &b| best[a].total_cmp(&best[b]).then(b.cmp(&a)))
                .unwrap();
            in_tree[next] = true;
            parent[next] = Some(best_from[next]);
            current = next;
        }
        Tree::from_parent_links(parent)
    }

    /// Haplotypes copied from a few founders with mutation noise: graded linkage, no ties.
    fn mosaic(n: usize, l: usize, seed: u64) -> Vec<f32> {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        let founders: Vec<Vec<bool>> = (0..6)
            .map(|_| (0..l).map(|_| r.random_bool(0.4)).collect())
            .collect();
        let mut out = Vec::with_capacity(n * l);
        for _ in 0..n {
            let mut f = r.random_range(0..founders.len());
            for j in 0..l {
                if r.random_bool(0.08) {
                    f = r.random_range(0..founders.len());
                }
                out.push(f32::from(founders[f][j] ^ r.random_bool(0.03)));
            }
        }
        out
    }

    #[test]
    fn full_band_equals_the_exact_chow_liu_tree() {
        for (seed, n, l) in [(1, 300, 40), (2, 129, 57), (3, 64, 25)] {
            let dense = mosaic(n, l, seed);
            let bits = SiteBits::from_dense(&dense, n, l);
            let exact = prim_on_complete_graph(&dense, n, l);
            assert_eq!(Tree::chow_liu(&bits, l - 1), exact, "seed {seed}");
            assert_eq!(Tree::chow_liu(&bits, 10 * l), exact, "seed {seed}");
            // Blocks of one site each: the forest carried between blocks loses nothing.
            assert_eq!(Tree::chow_liu(&bits, BLOCK_EDGES), exact, "seed {seed}");
        }
    }

    #[test]
    fn linked_sites_become_parent_and_child() {
        // Sites 0,2 identical, 1,3 identical, 0 and 1 independent: the tree must link 0–2 and
        // 1–3, then join the two pairs.
        let dense: Vec<f32> = (0..64)
            .flat_map(|i| {
                let (a, b) = ((i % 2) as f32, ((i / 2) % 2) as f32);
                [a, b, a, b]
            })
            .collect();
        let tree = Tree::chow_liu(&SiteBits::from_dense(&dense, 64, 4), 3);
        assert_eq!(tree.parent[2], Some(0));
        assert!(
            tree.parent[3] == Some(1) || tree.parent[1] == Some(3),
            "{tree:?}"
        );
        assert_eq!(tree.order.len(), 4);
        assert_eq!(Tree::from_parents(&tree.parents_f32()).unwrap(), tree);
    }

    #[test]
    fn long_chains_stars_and_monomorphic_sites_need_no_recursion() {
        // 100,000 sites, each a copy of the previous with one haplotype flipped: a chain.
        let (n, l) = (64, 100_000);
        let mut dense = vec![0f32; n * l];
        for j in 0..l {
            for h in 0..n {
                let previous = if j == 0 {
                    (h % 2) as f32
                } else {
                    dense[h * l + j - 1]
                };
                dense[h * l + j] = if h == j % n { 1.0 - previous } else { previous };
            }
        }
        let tree = Tree::chow_liu(&SiteBits::from_dense(&dense, n, l), 4);
        assert_eq!(tree.order.len(), l);
        assert_eq!(Tree::from_parents(&tree.parents_f32()).unwrap(), tree);
        // One site linked to 200 copies of itself, then 50 monomorphic sites.
        let l = 251;
        let dense: Vec<f32> = (0..n)
            .flat_map(|h| (0..l).map(move |j| if j < 201 { (h % 2) as f32 } else { 0.0 }))
            .collect();
        let tree = Tree::chow_liu(&SiteBits::from_dense(&dense, n, l), l);
        assert_eq!(tree.order.len(), l);
        assert!(tree.children[0].len() >= 200, "site 0 is the hub");
    }

    #[test]
    fn bad_parent_vectors_are_refused() {
        assert!(Tree::from_parents(&[-1.0, 0.0, 1.0]).is_ok());
        assert!(Tree::from_parents(&[-1.0, -1.0]).is_err());
        assert!(Tree::from_parents(&[1.0, 0.0, -1.0]).is_err(), "a cycle");
        assert!(Tree::from_parents(&[-1.0, 7.0]).is_err());
    }
}
