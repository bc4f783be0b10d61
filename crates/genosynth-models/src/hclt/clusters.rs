//! Starting points for the components of a mixture of HCLTs: clusters of the training
//! haplotypes on their leading principal components.
//!
//! From a random start the components of a mixture separate only after tens of EM iterations
//! (docs/model-choice.md), later than the privacy bounds let selection keep a checkpoint. Started
//! from clusters of the people, each component carries its cluster's allele frequencies from
//! the first iteration. No panel is needed: the clusters are k-means on the haplotypes'
//! coordinates along their leading axes of variation.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::bits::SiteBits;

/// Haplotypes and sites the clustering looks at, at most (evenly spaced): ancestry shows on
/// any few thousand of either, and this bounds its cost at chromosome scale.
const MAX_HAPLOTYPES: usize = 4096;
const MAX_SITES: usize = 8192;
/// Principal components the clusters are found on.
const AXES: usize = 4;
/// Subspace-iteration steps for the axes, and Lloyd steps of k-means.
const POWER_STEPS: usize = 30;
const LLOYD_STEPS: usize = 50;

/// Per component, the smoothed allele frequencies of one cluster of the training haplotypes
/// (`clusters × sites`, row-major) and the cluster's share of the haplotypes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ComponentStart {
    pub(crate) frequencies: Vec<f32>,
    pub(crate) shares: Vec<f32>,
}

/// Clusters the haplotypes of `bits` into `c` groups: k-means++ seeded from `r` on the
/// first [`AXES`] principal components of a strided subset, then each cluster's allele
/// frequencies over all sites of that subset's members.
pub(crate) fn component_start(bits: &SiteBits, c: usize, r: &mut ChaCha8Rng) -> ComponentStart {
    let (n, l) = (bits.n_haplotypes(), bits.n_sites());
    let rows: Vec<usize> = strided(n, MAX_HAPLOTYPES);
    let cols: Vec<usize> = strided(l, MAX_SITES);
    let (coords, d) = leading_axes(bits, &rows, &cols, r);
    let label = kmeans(&coords, rows.len(), d, c, r);
    group_start(bits, &rows, &label, c)
}

/// The start of a mixture whose component `g` models the haplotypes labelled `g` (a panel's
/// populations, `labels[i] < c` for haplotype `i`): each component at its label's allele
/// frequencies, the root at the labels' shares.
pub(crate) fn label_start(bits: &SiteBits, labels: &[usize], c: usize) -> ComponentStart {
    let rows: Vec<usize> = (0..bits.n_haplotypes()).collect();
    group_start(bits, &rows, labels, c)
}

/// Per group of `c`, the smoothed allele frequencies of its haplotypes (`rows[i]` is in group
/// `label[i]`) and its share of them.
fn group_start(bits: &SiteBits, rows: &[usize], label: &[usize], c: usize) -> ComponentStart {
    let l = bits.n_sites();
    let mut counts = vec![0.0f64; c * l];
    let mut sizes = vec![0.0f64; c];
    for &g in label {
        sizes[g] += 1.0;
    }
    for j in 0..l {
        for (&row, &g) in rows.iter().zip(label) {
            counts[g * l + j] += allele(bits, row, j);
        }
    }
    let frequencies = counts
        .iter()
        .enumerate()
        .map(|(i, &k)| ((k + 0.5) / (sizes[i / l] + 1.0)) as f32)
        .collect();
    let total: f64 = sizes.iter().sum();
    ComponentStart {
        frequencies,
        // An empty cluster still gets a little weight, so its component can win haplotypes.
        shares: sizes
            .iter()
            .map(|&s| ((s + 1.0) / (total + c as f64)) as f32)
            .collect(),
    }
}

/// Haplotype `row`'s allele at site `j`, as 0.0 or 1.0.
fn allele(bits: &SiteBits, row: usize, j: usize) -> f64 {
    f64::from(u8::from(bits.allele(j, row)))
}

/// At most `max` of `0..n`, evenly spaced.
fn strided(n: usize, max: usize) -> Vec<usize> {
    let step = n.div_ceil(max).max(1);
    (0..n).step_by(step).collect()
}

/// The coordinates (`rows.len() × d`, row-major, `d` ≤ [`AXES`]) of the rows on the leading
/// principal axes of the centred submatrix, by subspace iteration from a random start, and `d`.
fn leading_axes(
    bits: &SiteBits,
    rows: &[usize],
    cols: &[usize],
    r: &mut ChaCha8Rng,
) -> (Vec<f64>, usize) {
    let (n, m) = (rows.len(), cols.len());
    let d = AXES.min(m).min(n);
    let mut x = vec![0.0f64; n * m];
    for (i, &row) in rows.iter().enumerate() {
        for (j, &col) in cols.iter().enumerate() {
            x[i * m + j] = allele(bits, row, col);
        }
    }
    for j in 0..m {
        let mean = (0..n).map(|i| x[i * m + j]).sum::<f64>() / n as f64;
        for i in 0..n {
            x[i * m + j] -= mean;
        }
    }
    // v: d axes of length m, row-major.
    let mut v: Vec<f64> = (0..d * m).map(|_| r.random::<f64>() - 0.5).collect();
    orthonormalise(&mut v, m);
    let mut u = vec![0.0f64; n * d];
    for _ in 0..POWER_STEPS {
        project(&x, n, m, &v, &mut u);
        // v = Xᵀ u
        v.iter_mut().for_each(|e| *e = 0.0);
        for i in 0..n {
            let xi = &x[i * m..(i + 1) * m];
            for a in 0..d {
                let w = u[i * d + a];
                for (e, &xij) in v[a * m..(a + 1) * m].iter_mut().zip(xi) {
                    *e += w * xij;
                }
            }
        }
        orthonormalise(&mut v, m);
    }
    project(&x, n, m, &v, &mut u);
    (u, d)
}

/// `u = X vᵀ` for `n × m` `x` and `d × m` `v`.
fn project(x: &[f64], n: usize, m: usize, v: &[f64], u: &mut [f64]) {
    let d = v.len() / m.max(1);
    for i in 0..n {
        let xi = &x[i * m..(i + 1) * m];
        for a in 0..d {
            u[i * d + a] = xi
                .iter()
                .zip(&v[a * m..(a + 1) * m])
                .map(|(p, q)| p * q)
                .sum();
        }
    }
}

/// Gram–Schmidt on the rows (of length `m`) of `v`; a row that vanishes stays zero.
fn orthonormalise(v: &mut [f64], m: usize) {
    let d = v.len() / m.max(1);
    for a in 0..d {
        for b in 0..a {
            let dot: f64 = (0..m).map(|j| v[a * m + j] * v[b * m + j]).sum();
            for j in 0..m {
                v[a * m + j] -= dot * v[b * m + j];
            }
        }
        let norm = (0..m).map(|j| v[a * m + j].powi(2)).sum::<f64>().sqrt();
        if norm > 1e-12 {
            v[a * m..(a + 1) * m].iter_mut().for_each(|e| *e /= norm);
        }
    }
}

/// k-means++ of `n` points (`coords`, `d` coordinates each): each point's cluster among `c`.
fn kmeans(coords: &[f64], n: usize, d: usize, c: usize, r: &mut ChaCha8Rng) -> Vec<usize> {
    if d == 0 || n == 0 {
        // Nothing to cluster on: one cluster.
        return vec![0; n];
    }
    let point = |i: usize| &coords[i * d..(i + 1) * d];
    let dist = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| (p - q).powi(2)).sum::<f64>();
    let mut centres: Vec<Vec<f64>> = vec![point(r.random_range(0..n)).to_vec()];
    while centres.len() < c {
        let near: Vec<f64> = (0..n)
            .map(|i| {
                centres
                    .iter()
                    .map(|m| dist(point(i), m))
                    .fold(f64::MAX, f64::min)
            })
            .collect();
        let total: f64 = near.iter().sum();
        let next = if total > 0.0 {
            let target = r.random::<f64>() * total;
            let mut acc = 0.0;
            near.iter()
                .position(|&w| {
                    acc += w;
                    acc > target
                })
                .unwrap_or(n - 1)
        } else {
            r.random_range(0..n)
        };
        centres.push(point(next).to_vec());
    }
    let mut label = vec![0usize; n];
    for _ in 0..LLOYD_STEPS {
        let mut changed = false;
        for (i, g) in label.iter_mut().enumerate() {
            let best = (0..c)
                .min_by(|&a, &b| {
                    dist(point(i), &centres[a]).total_cmp(&dist(point(i), &centres[b]))
                })
                .unwrap_or(0);
            changed |= best != *g;
            *g = best;
        }
        for (g, centre) in centres.iter_mut().enumerate() {
            let members: Vec<usize> = (0..n).filter(|&i| label[i] == g).collect();
            if members.is_empty() {
                continue;
            }
            for (a, e) in centre.iter_mut().enumerate() {
                *e = members.iter().map(|&i| point(i)[a]).sum::<f64>() / members.len() as f64;
            }
        }
        if !changed {
            break;
        }
    }
    label
}
