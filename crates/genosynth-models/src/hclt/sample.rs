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
    pub(crate) fn sample(
        &self,
        n: usize,
        temperature: Option<f32>,
        r: &mut ChaCha8Rng,
    ) -> Result<Vec<u8>> {
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
        let seed: u64 = r.random();
        let mut out = vec![0u8; n * l];
        out.par_chunks_mut(l).enumerate().for_each(|(row, hap)| {
            let mut r = ChaCha8Rng::seed_from_u64(seed);
            r.set_stream(row as u64);
            let mut z = vec![0usize; l];
            for &j in &self.tree.order {
                let weights = match self.tree.parent[j] {
                    None => &pi[..],
                    Some(p) => &transition[(j * k + z[p]) * k..(j * k + z[p] + 1) * k],
                };
                z[j] = categorical(weights, r.random::<f32>());
                hap[j] = u8::from(r.random::<f32>() < emission[j * k + z[j]]);
            }
        });
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
    fn temperature_sharpens_towards_the_likelier_allele() {
        assert_eq!(sharpen(0.7, 1.0), 0.7);
        assert!(sharpen(0.7, 0.5) > 0.7 && sharpen(0.3, 0.5) < 0.3);
        assert!((sharpen(0.5, 0.5) - 0.5).abs() < 1e-6);
        assert_eq!(categorical(&[0.2, 0.3, 0.5], 0.1), 0);
        assert_eq!(categorical(&[0.2, 0.3, 0.5], 0.45), 1);
        assert_eq!(categorical(&[0.2, 0.3, 0.5], 0.99), 2);
    }
}
