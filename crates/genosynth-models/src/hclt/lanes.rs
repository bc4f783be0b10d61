//! The upward and downward passes of one block of 64 haplotypes, haplotypes in the lanes.
//!
//! Every message is stored state-major, `[state][haplotype]`, so each step is the same
//! operation on 64 contiguous f32 (four AVX-512 or eight AVX2 vectors) with per-state scalars
//! from the model broadcast: no per-haplotype loops and no horizontal sums, except the
//! expected counts, which are sums over the block's haplotypes (dot products of two rows).
//! Rows are kept by breadth-first position ([`super::breadth`]): the upward pass reads and
//! writes them backwards, the downward pass forwards, and a node's children are adjacent rows.
//! The formulas are those of [`super::em`], in the same order.

use super::bits::SiteBits;
use super::breadth::Breadth;

/// Haplotypes per block: one word of bits per site.
pub(crate) const BLOCK: usize = 64;
/// Per-haplotype scale products are folded into the log below this, far above f64's floor.
const RESCALE: f64 = 1e-200;

/// One value per haplotype of a block.
type Lanes = [f32; BLOCK];

/// Lanes stored on a cache line of their own, so no vector load straddles two lines.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Row(Lanes);

impl std::ops::Deref for Row {
    type Target = Lanes;
    fn deref(&self) -> &Lanes {
        &self.0
    }
}

impl std::ops::DerefMut for Row {
    fn deref_mut(&mut self) -> &mut Lanes {
        &mut self.0
    }
}

impl<'a> IntoIterator for &'a Row {
    type Item = &'a f32;
    type IntoIter = std::slice::Iter<'a, f32>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Per-block buffers by breadth-first position: `m` and `u` of every site, `(positions,
/// states)` rows of lanes.
pub(crate) struct Scratch {
    /// The block's word of alleles at each position.
    alt: Vec<u64>,
    m: Vec<Row>,
    /// `u` upward; downward, once the parent is done, the node's `o ⊙ m`.
    u: Vec<Row>,
    /// The downward pass's `w` and `o_c`, `(states)` rows each.
    w: Vec<Row>,
    oc: Vec<Row>,
    scale: [f64; BLOCK],
    /// Each haplotype's log-likelihood once [`upward`] has run.
    pub(crate) log: [f64; BLOCK],
}

impl Scratch {
    pub(crate) fn new(l: usize, k: usize) -> Self {
        Self {
            alt: vec![0; l],
            m: vec![Row([0.0; BLOCK]); l * k],
            u: vec![Row([0.0; BLOCK]); l * k],
            w: vec![Row([0.0; BLOCK]); k],
            oc: vec![Row([0.0; BLOCK]); k],
            scale: [1.0; BLOCK],
            log: [0.0; BLOCK],
        }
    }

    /// Gathers word `w` (haplotypes `64w..64w+63`) of every site of `bits` by position.
    pub(crate) fn gather(&mut self, b: &Breadth, bits: &SiteBits, w: usize) {
        for (x, &j) in self.alt.iter_mut().zip(b.sites()) {
            *x = bits.word(j, w);
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
fn normalise(rows: &mut [Row]) -> Lanes {
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
fn floor_at(rows: &mut [Row], floor: f32) {
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

/// The upward pass of the block in `s` ([`Scratch::gather`]): fills `s.m`, `s.u` and `s.log`
/// (every lane; lanes past the block's haplotypes hold an all-reference haplotype, never read).
#[inline(always)]
pub(crate) fn upward(h: &Breadth, s: &mut Scratch) {
    match h.k {
        // Constant state counts let the compiler unroll the loops over states.
        4 => upward_k(4, h, s),
        8 => upward_k(8, h, s),
        16 => upward_k(16, h, s),
        k => upward_k(k, h, s),
    }
}

#[inline(always)]
fn upward_k(k: usize, h: &Breadth, s: &mut Scratch) {
    s.scale = [1.0; BLOCK];
    s.log = [0.0; BLOCK];
    for p in (0..h.len()).rev() {
        let alt = bit_lanes(s.alt[p]);
        let b = &h.emission[p * k..(p + 1) * k];
        let nb = &h.emission_ref[p * k..(p + 1) * k];
        let mp = &mut s.m[p * k..(p + 1) * k];
        for ((row, &b), &nb) in mp.iter_mut().zip(b).zip(nb) {
            for (v, &x) in row.iter_mut().zip(&alt) {
                *v = if x != 0.0 { b } else { nb };
            }
        }
        let children = h.children(p);
        let many = children.len() > 1;
        for c in children {
            let uc = &s.u[c * k..(c + 1) * k];
            for (row, urow) in mp.iter_mut().zip(uc) {
                for (v, &u) in row.iter_mut().zip(urow) {
                    *v *= u;
                }
            }
            if many {
                // Many children could underflow f32 before the final normalisation.
                let sums = normalise(mp);
                rescale(&mut s.scale, &mut s.log, &sums);
                floor_at(mp, h.floor);
            }
        }
        let sums = normalise(mp);
        rescale(&mut s.scale, &mut s.log, &sums);
        floor_at(mp, h.floor);
        if p == 0 {
            let mut z = [0f32; BLOCK];
            for (row, &pi) in mp.iter().zip(&h.pi) {
                for (z, &v) in z.iter_mut().zip(row) {
                    *z += v * pi;
                }
            }
            rescale(&mut s.scale, &mut s.log, &z);
            continue;
        }
        // u[a] = Σ_b T[a, b] m[b].
        let t = &h.transition[p * k * k..(p + 1) * k * k];
        let up = &mut s.u[p * k..(p + 1) * k];
        for (a, u) in up.iter_mut().enumerate() {
            u.0 = [0.0; BLOCK];
            for (mb, &tab) in mp.iter().zip(&t[a * k..(a + 1) * k]) {
                for (u, &m) in u.iter_mut().zip(mb) {
                    *u += tab * m;
                }
            }
        }
        let sums = normalise(up);
        rescale(&mut s.scale, &mut s.log, &sums);
        floor_at(up, h.floor);
    }
    for (l, &s) in s.log.iter_mut().zip(&s.scale) {
        *l += s.ln();
    }
}

/// The downward pass of the block in `s` (its first `rows` haplotypes) after [`upward`]: adds
/// the block's expected counts to `q`, `q1` and `pairs`, kept by position (the layout of
/// [`super::passes::Counts`] with positions for sites).
#[inline(always)]
pub(crate) fn downward(
    h: &Breadth,
    rows: usize,
    s: &mut Scratch,
    q: &mut [f32],
    q1: &mut [f32],
    pairs: &mut [f32],
) {
    match h.k {
        4 => downward_k(4, h, rows, s, q, q1, pairs),
        8 => downward_k(8, h, rows, s, q, q1, pairs),
        16 => downward_k(16, h, rows, s, q, q1, pairs),
        k => downward_k(k, h, rows, s, q, q1, pairs),
    }
}

#[inline(always)]
fn downward_k(
    k: usize,
    h: &Breadth,
    rows: usize,
    s: &mut Scratch,
    q: &mut [f32],
    q1: &mut [f32],
    pairs: &mut [f32],
) {
    let Scratch {
        alt: words,
        m,
        u,
        w: wv,
        oc,
        ..
    } = s;
    if h.len() == 0 {
        return;
    }
    // The root's o ⊙ m, with o = π.
    for ((om, mrow), &pi) in u[..k].iter_mut().zip(&m[..k]).zip(&h.pi) {
        for (o, &m) in om.iter_mut().zip(mrow) {
            *o = pi * m;
        }
    }
    for p in 0..h.len() {
        let alt = bit_lanes(words[p]);
        let children = h.children(p);
        let (done, below) = u.split_at_mut(children.start * k);
        let om = &done[p * k..(p + 1) * k];
        // The posterior of z_p is om normalised; counted for live lanes only.
        let mut sum = [0f32; BLOCK];
        for row in om {
            for (s, &v) in sum.iter_mut().zip(row) {
                *s += v;
            }
        }
        // Padding lanes past the block's haplotypes count 0.
        let inv: Lanes = std::array::from_fn(|n| if n < rows { 1.0 / sum[n] } else { 0.0 });
        let alt_inv: Lanes = std::array::from_fn(|n| alt[n] * inv[n]);
        for (a, row) in om.iter().enumerate() {
            q[p * k + a] += dot(row, &inv);
            q1[p * k + a] += dot(row, &alt_inv);
        }
        for (i, c) in children.enumerate() {
            let uc = &mut below[i * k..(i + 1) * k];
            // w: the parent's posterior without c's evidence.
            for ((w, o), uc) in wv.iter_mut().zip(om).zip(uc.iter()) {
                for ((w, &o), &u) in w.iter_mut().zip(o).zip(uc) {
                    *w = o / u;
                }
            }
            normalise(wv);
            let t = &h.transition[c * k * k..(c + 1) * k * k];
            for (b, o) in oc.iter_mut().enumerate() {
                o.0 = [0.0; BLOCK];
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
                for (pair, mb) in row.iter_mut().zip(mc) {
                    *pair += dot(&fa, mb);
                }
            }
            normalise(oc);
            floor_at(oc, h.floor);
            // c's o ⊙ m, read when the pass reaches c.
            for ((u, o), mrow) in uc.iter_mut().zip(oc.iter()).zip(mc) {
                for ((u, &o), &m) in u.iter_mut().zip(o).zip(mrow) {
                    *u = o * m;
                }
            }
        }
    }
}
