//! The upward and downward passes of one block of 64 haplotypes, haplotypes in the lanes.
//!
//! Every message is stored state-major, `[state][haplotype]`, so each step is the same
//! operation on 64 contiguous f32 (four AVX-512 or eight AVX2 vectors) with per-state scalars
//! from the model broadcast: no per-haplotype loops and no horizontal sums, except the
//! expected counts, which are sums over the block's haplotypes (dot products of two rows).
//! The formulas are those of [`super::em`].

use super::Tree;
use super::bits::SiteBits;
use super::host::HostHclt;

/// Haplotypes per block: one word of bits per site.
pub(crate) const BLOCK: usize = 64;
/// Per-haplotype scale products are folded into the log below this, far above f64's floor.
const RESCALE: f64 = 1e-200;

/// One value per haplotype of a block.
type Lanes = [f32; BLOCK];

/// Per-block buffers: `m` and `u` (later `o`) of every site, `(sites, states)` rows of lanes.
pub(crate) struct Scratch {
    m: Vec<Lanes>,
    u: Vec<Lanes>,
    /// The downward pass's `o ⊙ m`, `w` and `o_c`, `(states)` rows each.
    om: Vec<Lanes>,
    w: Vec<Lanes>,
    oc: Vec<Lanes>,
    scale: [f64; BLOCK],
    /// Each haplotype's log-likelihood once [`upward`] has run.
    pub(crate) log: [f64; BLOCK],
}

impl Scratch {
    pub(crate) fn new(l: usize, k: usize) -> Self {
        Self {
            m: vec![[0.0; BLOCK]; l * k],
            u: vec![[0.0; BLOCK]; l * k],
            om: vec![[0.0; BLOCK]; k],
            w: vec![[0.0; BLOCK]; k],
            oc: vec![[0.0; BLOCK]; k],
            scale: [1.0; BLOCK],
            log: [0.0; BLOCK],
        }
    }
}

/// The bits of `x` as 0/1 lanes.
#[inline(always)]
fn bit_lanes(x: u64) -> Lanes {
    std::array::from_fn(|n| ((x >> n) & 1) as f32)
}

/// Divides each haplotype's column of `rows` by its sum and returns the sums.
#[inline(always)]
fn normalise(rows: &mut [Lanes]) -> Lanes {
    let mut sum = [0f32; BLOCK];
    for row in rows.iter() {
        for (s, &v) in sum.iter_mut().zip(row) {
            *s += v;
        }
    }
    let inv: Lanes = std::array::from_fn(|n| 1.0 / sum[n]);
    for row in rows.iter_mut() {
        for (v, &i) in row.iter_mut().zip(&inv) {
            *v *= i;
        }
    }
    sum
}

/// Raises entries of normalised messages to `floor` (a no-op at 0: one component).
#[inline(always)]
fn floor_at(rows: &mut [Lanes], floor: f32) {
    if floor > 0.0 {
        for row in rows.iter_mut() {
            for v in row.iter_mut() {
                *v = v.max(floor);
            }
        }
    }
}

/// Multiplies each haplotype's scale by `by`, folding it into the log before it leaves
/// f64's range (a hub of thousands of monomorphic sites).
#[inline(always)]
fn rescale(scale: &mut [f64; BLOCK], log: &mut [f64; BLOCK], by: &Lanes) {
    let mut out = false;
    for (s, &b) in scale.iter_mut().zip(by) {
        *s *= f64::from(b);
        out |= !(RESCALE..=1.0 / RESCALE).contains(s);
    }
    if out {
        for (s, l) in scale.iter_mut().zip(log.iter_mut()) {
            if !(RESCALE..=1.0 / RESCALE).contains(s) {
                *l += s.ln();
                *s = 1.0;
            }
        }
    }
}

/// `Σ_n x[n] y[n]`, in 16 partial sums (one AVX-512 vector) added pairwise.
#[inline(always)]
fn dot(x: &Lanes, y: &Lanes) -> f32 {
    let mut p = [0f32; 16];
    for (xs, ys) in x.chunks_exact(16).zip(y.chunks_exact(16)) {
        for ((p, &a), &b) in p.iter_mut().zip(xs).zip(ys) {
            *p += a * b;
        }
    }
    let p8: [f32; 8] = std::array::from_fn(|i| p[i] + p[i + 8]);
    let p4: [f32; 4] = std::array::from_fn(|i| p8[i] + p8[i + 4]);
    (p4[0] + p4[2]) + (p4[1] + p4[3])
}

/// The upward pass of block `w`: fills `s.m`, `s.u` and `s.log` (every lane; lanes past the
/// block's haplotypes hold an all-reference haplotype, never read).
#[inline(always)]
pub(crate) fn upward(h: &HostHclt, tree: &Tree, bits: &SiteBits, w: usize, s: &mut Scratch) {
    match h.k {
        // Constant state counts let the compiler unroll the loops over states.
        4 => upward_k(4, h, tree, bits, w, s),
        8 => upward_k(8, h, tree, bits, w, s),
        16 => upward_k(16, h, tree, bits, w, s),
        k => upward_k(k, h, tree, bits, w, s),
    }
}

#[inline(always)]
fn upward_k(k: usize, h: &HostHclt, tree: &Tree, bits: &SiteBits, w: usize, s: &mut Scratch) {
    s.scale = [1.0; BLOCK];
    s.log = [0.0; BLOCK];
    for &j in tree.order.iter().rev() {
        let alt = bit_lanes(bits.word(j, w));
        let b = &h.emission[j * k..(j + 1) * k];
        let mj = &mut s.m[j * k..(j + 1) * k];
        for (row, &b) in mj.iter_mut().zip(b) {
            let nb = 1.0 - b;
            for (v, &x) in row.iter_mut().zip(&alt) {
                *v = if x != 0.0 { b } else { nb };
            }
        }
        let children = &tree.children[j];
        for &c in children {
            let uc = &s.u[c * k..(c + 1) * k];
            for (row, urow) in mj.iter_mut().zip(uc) {
                for (v, &u) in row.iter_mut().zip(urow) {
                    *v *= u;
                }
            }
            if children.len() > 1 {
                // Many children could underflow f32 before the final normalisation.
                let sums = normalise(mj);
                rescale(&mut s.scale, &mut s.log, &sums);
                floor_at(mj, h.floor);
            }
        }
        let sums = normalise(mj);
        rescale(&mut s.scale, &mut s.log, &sums);
        floor_at(mj, h.floor);
        if tree.parent[j].is_none() {
            let mut z = [0f32; BLOCK];
            for (row, &p) in mj.iter().zip(&h.pi) {
                for (z, &v) in z.iter_mut().zip(row) {
                    *z += v * p;
                }
            }
            rescale(&mut s.scale, &mut s.log, &z);
            continue;
        }
        // u[a] = Σ_b T[a, b] m[b].
        let t = &h.transition[j * k * k..(j + 1) * k * k];
        let uj = &mut s.u[j * k..(j + 1) * k];
        for (a, u) in uj.iter_mut().enumerate() {
            *u = [0.0; BLOCK];
            for (mb, &tab) in mj.iter().zip(&t[a * k..(a + 1) * k]) {
                for (u, &m) in u.iter_mut().zip(mb) {
                    *u += tab * m;
                }
            }
        }
        let sums = normalise(uj);
        rescale(&mut s.scale, &mut s.log, &sums);
        floor_at(uj, h.floor);
    }
    for (l, &s) in s.log.iter_mut().zip(&s.scale) {
        *l += s.ln();
    }
}

/// The downward pass of block `w` (its first `rows` haplotypes) after [`upward`]: adds the
/// block's expected counts to `q`, `q1` and `pairs` (laid out as [`super::passes::Counts`]).
#[inline(always)]
#[allow(
    clippy::too_many_arguments,
    reason = "the pass's inputs and its three sums"
)]
pub(crate) fn downward(
    h: &HostHclt,
    tree: &Tree,
    bits: &SiteBits,
    (w, rows): (usize, usize),
    s: &mut Scratch,
    q: &mut [f32],
    q1: &mut [f32],
    pairs: &mut [f32],
) {
    match h.k {
        4 => downward_k(4, h, tree, bits, (w, rows), s, q, q1, pairs),
        8 => downward_k(8, h, tree, bits, (w, rows), s, q, q1, pairs),
        16 => downward_k(16, h, tree, bits, (w, rows), s, q, q1, pairs),
        k => downward_k(k, h, tree, bits, (w, rows), s, q, q1, pairs),
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments, reason = "as downward")]
fn downward_k(
    k: usize,
    h: &HostHclt,
    tree: &Tree,
    bits: &SiteBits,
    (w, rows): (usize, usize),
    s: &mut Scratch,
    q: &mut [f32],
    q1: &mut [f32],
    pairs: &mut [f32],
) {
    let root = tree.root();
    let Scratch {
        m,
        u,
        om,
        w: wv,
        oc,
        ..
    } = s;
    for &j in &tree.order {
        let alt = bit_lanes(bits.word(j, w));
        let mj = &m[j * k..(j + 1) * k];
        for (a, (om, mrow)) in om.iter_mut().zip(mj).enumerate() {
            if j == root {
                let p = h.pi[a];
                for (o, &m) in om.iter_mut().zip(mrow) {
                    *o = p * m;
                }
            } else {
                for ((o, &u), &m) in om.iter_mut().zip(&u[j * k + a]).zip(mrow) {
                    *o = u * m;
                }
            }
        }
        // The posterior of z_j is om normalised; counted for live lanes only.
        let mut sum = [0f32; BLOCK];
        for row in om.iter() {
            for (s, &v) in sum.iter_mut().zip(row) {
                *s += v;
            }
        }
        // Padding lanes past the block's haplotypes count 0.
        let inv: Lanes = std::array::from_fn(|n| if n < rows { 1.0 / sum[n] } else { 0.0 });
        let alt_inv: Lanes = std::array::from_fn(|n| alt[n] * inv[n]);
        for (a, row) in om.iter().enumerate() {
            q[j * k + a] += dot(row, &inv);
            q1[j * k + a] += dot(row, &alt_inv);
        }
        for &c in &tree.children[j] {
            let uc = &u[c * k..(c + 1) * k];
            // w: the parent's posterior without c's evidence.
            for ((w, o), uc) in wv.iter_mut().zip(om.iter()).zip(uc) {
                for ((w, &o), &u) in w.iter_mut().zip(o).zip(uc) {
                    *w = o / u;
                }
            }
            normalise(wv);
            let t = &h.transition[c * k * k..(c + 1) * k * k];
            for (b, o) in oc.iter_mut().enumerate() {
                *o = [0.0; BLOCK];
                for (wa, &tab) in wv.iter().zip(t[b..].iter().step_by(k)) {
                    for (o, &w) in o.iter_mut().zip(wa) {
                        *o += w * tab;
                    }
                }
            }
            let mc = &m[c * k..(c + 1) * k];
            let mut z = [0f32; BLOCK];
            for (o, mrow) in oc.iter().zip(mc) {
                for ((z, &o), &m) in z.iter_mut().zip(o).zip(mrow) {
                    *z += o * m;
                }
            }
            let f: Lanes = std::array::from_fn(|n| if n < rows { 1.0 / z[n] } else { 0.0 });
            let acc = &mut pairs[c * k * k..(c + 1) * k * k];
            for (wa, row) in wv.iter().zip(acc.chunks_exact_mut(k)) {
                let fa: Lanes = std::array::from_fn(|n| wa[n] * f[n]);
                for (p, mb) in row.iter_mut().zip(mc) {
                    *p += dot(&fa, mb);
                }
            }
            normalise(oc);
            floor_at(oc, h.floor);
            u[c * k..(c + 1) * k].copy_from_slice(oc);
        }
    }
}
