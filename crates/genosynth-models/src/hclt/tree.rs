//! The Chow-Liu tree of the sites: the spanning tree of maximum total mutual information.

use candle_core::Tensor;

use crate::Result;

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

    /// The Chow-Liu tree of the haplotypes in `data_t` (`(sites, haplotypes)`, 0/1), rooted at
    /// site 0. Frequencies are smoothed by half a count, so a monomorphic site still has a
    /// defined (zero) mutual information.
    pub(crate) fn chow_liu(data_t: &Tensor) -> Result<Self> {
        let (l, n) = data_t.dims2()?;
        let counts: Vec<f32> = data_t
            .matmul(&data_t.t()?)?
            .to_device(&candle_core::Device::Cpu)?
            .flatten_all()?
            .to_vec1()?;
        let total = n as f64 + 1.0;
        let p1: Vec<f64> = (0..l)
            .map(|i| (f64::from(counts[i * l + i]) + 0.5) / total)
            .collect();
        let mi = |i: usize, j: usize| -> f64 {
            let p11 = (f64::from(counts[i * l + j]) + 0.25) / total;
            let cells = [
                (p11, p1[i], p1[j]),
                (p1[i] - p11, p1[i], 1.0 - p1[j]),
                (p1[j] - p11, 1.0 - p1[i], p1[j]),
                (1.0 - p1[i] - p1[j] + p11, 1.0 - p1[i], 1.0 - p1[j]),
            ];
            cells
                .iter()
                .map(|&(pab, pa, pb)| {
                    let pab = pab.max(1e-12);
                    pab * (pab / (pa * pb)).ln()
                })
                .sum()
        };
        // Prim's algorithm on the complete graph, O(sites²).
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
                .expect("a site left");
            in_tree[next] = true;
            parent[next] = Some(best_from[next]);
            current = next;
        }
        Ok(Self::from_parent_links(parent))
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

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn linked_sites_become_parent_and_child() {
        // Sites 0,2 identical, 1,3 identical, 0 and 1 independent: the tree must link 0–2 and
        // 1–3, then join the two pairs.
        let rows: Vec<[f32; 4]> = (0..64)
            .map(|i| {
                let (a, b) = ((i % 2) as f32, ((i / 2) % 2) as f32);
                [a, b, a, b]
            })
            .collect();
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let data_t = Tensor::from_vec(flat, (64, 4), &Device::Cpu)
            .unwrap()
            .t()
            .unwrap()
            .contiguous()
            .unwrap();
        let tree = Tree::chow_liu(&data_t).unwrap();
        assert_eq!(tree.parent[2], Some(0));
        assert!(
            tree.parent[3] == Some(1) || tree.parent[1] == Some(3),
            "{tree:?}"
        );
        assert_eq!(tree.order.len(), 4);
        assert_eq!(Tree::from_parents(&tree.parents_f32()).unwrap(), tree);
    }

    #[test]
    fn bad_parent_vectors_are_refused() {
        assert!(Tree::from_parents(&[-1.0, 0.0, 1.0]).is_ok());
        assert!(Tree::from_parents(&[-1.0, -1.0]).is_err());
        assert!(Tree::from_parents(&[1.0, 0.0, -1.0]).is_err(), "a cycle");
        assert!(Tree::from_parents(&[-1.0, 7.0]).is_err());
    }
}
