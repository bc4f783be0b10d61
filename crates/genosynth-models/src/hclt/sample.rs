//! Ancestral sampling of the hidden Chow-Liu tree, root to leaves, on the host.
//!
//! The parameters are small (sites × states² numbers), so they are copied to the host once
//! and each haplotype is drawn from its own ChaCha8 stream: the same seed gives the same
//! haplotypes whatever the device and thread count.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::Hclt;
use crate::Result;

impl Hclt {
    /// `n` haplotypes as 0/1 bytes, row-major, at `temperature` (the model's unless given).
    #[cfg(test)]
    pub(crate) fn sample(
        &self,
        n: usize,
        temperature: Option<f32>,
        r: &mut ChaCha8Rng,
    ) -> Result<Vec<u8>> {
        let l = self.tree.len();
        let rows: Vec<usize> = (0..n).collect();
        let words = self.sample_rows(r.random(), &rows, None, temperature)?;
        let per = l.div_ceil(64);
        Ok(words
            .chunks(per.max(1))
            .take(n)
            .flat_map(|row| (0..l).map(move |j| ((row[j / 64] >> (j % 64)) & 1) as u8))
            .collect())
    }

    /// Haplotypes `rows` (indices into one draw) of the draw with `seed`, bit-packed as
    /// `genosynth_core::HaplotypeMatrix` rows (`⌈sites / 64⌉` words each). Haplotype `i` comes
    /// from its own stream `(seed, i)`, so a draw made in parts, or a row redrawn alone, is
    /// the same as in one draw. With `components` (one per row), row `i`'s root state is drawn
    /// within component `components[i]` of a mixture: a haplotype of that component's people.
    pub(crate) fn sample_rows(
        &self,
        seed: u64,
        rows: &[usize],
        components: Option<&[usize]>,
        temperature: Option<f32>,
    ) -> Result<Vec<u64>> {
        let cpu = candle_core::Device::Cpu;
        let k = self.params.hidden();
        let l = self.tree.len();
        let pi: Vec<f32> = self.pi.to_device(&cpu)?.to_vec1()?;
        let transition: Vec<f32> = self.transition.to_device(&cpu)?.flatten_all()?.to_vec1()?;
        let t = temperature.unwrap_or(self.params.temperature);
        let emission: Vec<f32> = self
            .emission
            .to_device(&cpu)?
            .flatten_all()?
            .to_vec1::<f32>()?
            .into_iter()
            .map(|b| sharpen(b, t))
            .collect();
        let per = l.div_ceil(64);
        let mut out = vec![0u64; rows.len() * per];
        if per == 0 {
            return Ok(out);
        }
        let s = self.params.states;
        out.par_chunks_mut(per).enumerate().for_each_init(
            || vec![0usize; l],
            |z, (i, hap)| {
                let mut r = ChaCha8Rng::seed_from_u64(seed);
                r.set_stream(rows[i] as u64);
                // The root's states: all, or one component's block.
                let (root, offset) = match components {
                    Some(c) => (&pi[c[i] * s..(c[i] + 1) * s], c[i] * s),
                    None => (&pi[..], 0),
                };
                for &j in &self.tree.order {
                    z[j] = match self.tree.parent[j] {
                        None => offset + categorical(root, r.random::<f32>()),
                        Some(p) => categorical(
                            &transition[(j * k + z[p]) * k..(j * k + z[p] + 1) * k],
                            r.random::<f32>(),
                        ),
                    };
                    // Drawn at every site, so each stream stays the same; a site not
                    // modelled gets the reference allele.
                    let alt =
                        r.random::<f32>() < emission[j * k + z[j]] && !self.is_not_modelled(j);
                    hap[j / 64] |= u64::from(alt) << (j % 64);
                }
            },
        );
        Ok(out)
    }
}

/// `b^(1/t) / (b^(1/t) + (1 − b)^(1/t))`: the allele probability at temperature `t`.
fn sharpen(b: f32, t: f32) -> f32 {
    if t == 1.0 {
        return b;
    }
    let (a, c) = (
        b.max(1e-12).powf(1.0 / t),
        (1.0 - b).max(1e-12).powf(1.0 / t),
    );
    a / (a + c)
}

/// The index whose cumulative weight first exceeds `u` (weights sum to about 1).
fn categorical(weights: &[f32], u: f32) -> usize {
    let total: f32 = weights.iter().sum();
    let mut acc = 0.0;
    let target = u * total;
    for (i, &w) in weights.iter().enumerate() {
        acc += w;
        if target < acc {
            return i;
        }
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_drawn_in_parts_or_alone_equal_one_draw() {
        use crate::hclt::{HcltParams, Tree};
        let params = HcltParams {
            states: 4,
            ..HcltParams::default()
        };
        // A chain of 70 sites (two words a row), random parameters.
        let parents: Vec<f32> = (0..70).map(|j| j as f32 - 1.0).collect();
        let tree = Tree::from_parents(&parents).unwrap();
        let mut r = ChaCha8Rng::seed_from_u64(5);
        let freqs = vec![0.3f32; 70];
        let h = Hclt::init(
            params,
            tree,
            &freqs,
            None,
            &mut r,
            &candle_core::Device::Cpu,
        )
        .unwrap();
        let all: Vec<usize> = (0..300).collect();
        let whole = h.sample_rows(9, &all, None, None).unwrap();
        let mut parts = h.sample_rows(9, &all[..128], None, None).unwrap();
        parts.extend(h.sample_rows(9, &all[128..], None, None).unwrap());
        assert_eq!(parts, whole);
        let alone = h.sample_rows(9, &[17, 250], None, None).unwrap();
        assert_eq!(alone[..2], whole[34..36]);
        assert_eq!(alone[2..], whole[500..502]);
        assert_ne!(h.sample_rows(10, &all, None, None).unwrap(), whole);
    }

    #[test]
    fn temperature_sharpens_towards_the_likelier_allele() {
        assert_eq!(sharpen(0.7, 1.0), 0.7);
        assert!(sharpen(0.7, 0.5) > 0.7 && sharpen(0.3, 0.5) < 0.3);
        assert!((sharpen(0.5, 0.5) - 0.5).abs() < 1e-6);
        assert_eq!(categorical(&[0.2, 0.3, 0.5], 0.1), 0);
        assert_eq!(categorical(&[0.2, 0.3, 0.5], 0.45), 1);
        assert_eq!(categorical(&[0.2, 0.3, 0.5], 0.99), 2);
    }
}
