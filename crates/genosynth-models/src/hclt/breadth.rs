//! The tree and the model's parameters renumbered by breadth-first position, the layout the
//! CPU passes ([`super::lanes`]) keep their per-site rows in.
//!
//! Position `p` is site `tree.order[p]`; the root is position 0, and the children of a node
//! are adjacent positions (the breadth-first order appends each node's children together). So
//! the upward pass walks the rows backwards and the downward pass forwards, each one stream
//! through memory, where site order made them jump across arrays of hundreds of megabytes.

use std::ops::Range;

use super::Tree;
use super::host::HostHclt;

/// An HCLT's structure and parameters by breadth-first position.
pub(crate) struct Breadth {
    pub(crate) k: usize,
    /// [`super::HcltParams::message_floor`].
    pub(crate) floor: f32,
    /// `(states)`.
    pub(crate) pi: Vec<f32>,
    /// The site at each position.
    site: Vec<usize>,
    /// The first child's position of each position, then one past the last position: the
    /// children of `p` are `child_start[p]..child_start[p + 1]`.
    child_start: Vec<usize>,
    /// `(positions, states)`, as [`HostHclt::emission`]: the factor of the alternate allele.
    pub(crate) emission: Vec<f32>,
    /// `(positions, states)`: the factor of the reference allele, `1 − emission`; both are 1
    /// at a site not modelled ([`HostHclt::not_modelled`]), which marginalises it.
    pub(crate) emission_ref: Vec<f32>,
    /// `(positions, states, states)`, as [`HostHclt::transition`] (the root's is unused).
    pub(crate) transition: Vec<f32>,
}

impl Breadth {
    /// `h` on `tree`, renumbered.
    pub(crate) fn new(h: &HostHclt, tree: &Tree) -> Self {
        let (l, k) = (tree.len(), h.k);
        let site = tree.order.clone();
        let mut position = vec![usize::MAX; l];
        for (p, &j) in site.iter().enumerate() {
            position[j] = p;
        }
        let mut child_start = Vec::with_capacity(l + 1);
        let mut next = 1;
        for &j in &site {
            child_start.push(next);
            for (i, &c) in tree.children[j].iter().enumerate() {
                assert_eq!(
                    position[c],
                    next + i,
                    "breadth-first order keeps siblings adjacent"
                );
            }
            next += tree.children[j].len();
        }
        child_start.push(next);
        assert_eq!(
            next,
            l.max(1),
            "every site is in the breadth-first order once"
        );
        let rows = |values: &[f32], width: usize| -> Vec<f32> {
            site.iter()
                .flat_map(|&j| values[j * width..(j + 1) * width].iter().copied())
                .collect()
        };
        let mut emission = rows(&h.emission, k);
        let mut emission_ref: Vec<f32> = emission.iter().map(|&b| 1.0 - b).collect();
        for (p, &j) in site.iter().enumerate() {
            if h.not_modelled.get(j).copied().unwrap_or(false) {
                emission[p * k..(p + 1) * k].fill(1.0);
                emission_ref[p * k..(p + 1) * k].fill(1.0);
            }
        }
        Self {
            k,
            floor: h.floor,
            pi: h.pi.clone(),
            emission,
            emission_ref,
            transition: rows(&h.transition, k * k),
            site,
            child_start,
        }
    }

    /// The number of positions (sites).
    pub(crate) fn len(&self) -> usize {
        self.site.len()
    }

    /// The site at each position.
    pub(crate) fn sites(&self) -> &[usize] {
        &self.site
    }

    /// The positions of `p`'s children.
    #[inline(always)]
    pub(crate) fn children(&self, p: usize) -> Range<usize> {
        self.child_start[p]..self.child_start[p + 1]
    }

    /// Adds rows of `width` values kept by position to `by_site`, kept by site.
    pub(crate) fn add_by_site(&self, by_site: &mut [f64], by_position: &[f32], width: usize) {
        for (&j, row) in self.site.iter().zip(by_position.chunks_exact(width)) {
            for (t, &v) in by_site[j * width..(j + 1) * width].iter_mut().zip(row) {
                *t += f64::from(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_breadth_first_with_siblings_adjacent() {
        // Root 2; its children 0 and 4; 0's children 1 and 3; 4's child 5.
        let parents = [2.0, 0.0, -1.0, 0.0, 2.0, 4.0];
        let tree = Tree::from_parents(&parents).unwrap();
        let k = 2;
        let emission: Vec<f32> = (0..6 * k).map(|i| i as f32).collect();
        let transition: Vec<f32> = (0..6 * k * k).map(|i| i as f32).collect();
        let h = HostHclt::new(k, 0.0, vec![0.5; k], transition, emission);
        let b = Breadth::new(&h, &tree);
        assert_eq!(b.sites(), &[2, 0, 4, 1, 3, 5]);
        let children: Vec<_> = (0..6).map(|p| b.children(p)).collect();
        assert_eq!(children, vec![1..3, 3..5, 5..6, 6..6, 6..6, 6..6]);
        // Position 2 is site 4: its emission row and transition block.
        assert_eq!(b.emission[2 * k..3 * k], [8.0, 9.0]);
        assert_eq!(b.transition[2 * k * k..3 * k * k], [16.0, 17.0, 18.0, 19.0]);
        let mut by_site = vec![0.0; 6 * k];
        b.add_by_site(&mut by_site, &b.emission, k);
        assert_eq!(
            by_site,
            h.emission.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()
        );
    }
}
