//! Sizes of the convolutional WGAN: padded length, resolutions and channels of every block.

use crate::Result;
use candle_core::{Device, Tensor};

/// Length of the generator's latent noise (positions), as in the authors' code.
pub(super) const LATENT_POSITIONS: usize = 4;
/// Channels of the latent noise and of the fresh noise concatenated at every generator block.
pub(super) const NOISE_CHANNELS: usize = 2;
/// Shortest resolution of both networks (`2^2 - 1`): the latent is brought to it first.
pub(super) const BASE_LENGTH: usize = 3;
/// Widest layer, in multiples of the channel multiplier.
pub(super) const WIDEST: f64 = 52.0;
/// Narrowest layer, in multiples of the channel multiplier.
pub(super) const NARROWEST: f64 = 0.5;

/// How `n_sites` real sites sit in the padded sequence of `2^k - 1` positions.
///
/// The real sites occupy positions `0..n_sites`; positions `n_sites..padded` are padding, zero in
/// the real data and multiplied by zero in the generator's output (see [`Layout::mask`]), so
/// the critic cannot tell real from fake there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Layout {
    /// Number of real sites.
    pub(crate) n_sites: usize,
    /// `k` with `padded = 2^k - 1`.
    pub(crate) k: u32,
    /// Padded length `2^k - 1`.
    pub(crate) padded: usize,
    /// Channel multiplier (the authors' 10).
    pub(crate) multiplier: f64,
}

impl Layout {
    /// The smallest `2^k - 1 >= max(n_sites, 7)` (at least one upsampling block).
    pub(crate) fn new(n_sites: usize, multiplier: f64) -> Self {
        let mut k = 3;
        while (1usize << k) - 1 < n_sites {
            k += 1;
        }
        Self {
            n_sites,
            k,
            padded: (1 << k) - 1,
            multiplier,
        }
    }

    /// Number of resolution stages (generator upsampling blocks = critic downsampling blocks).
    pub(crate) fn n_stages(&self) -> usize {
        self.k as usize - 2
    }

    /// Sequence length after generator stage `s` (= before critic stage `n_stages - 1 - s`):
    /// `2^(s+3) - 1`.
    pub(crate) fn stage_length(&self, s: usize) -> usize {
        (1 << (s + 3)) - 1
    }

    /// Generator channels after stage `s`; `s = None` is the latent projection.
    ///
    /// Channels narrow geometrically from `52 × multiplier` (the latent projection) to
    /// `0.5 × multiplier` (the last block), at least one channel.
    pub(crate) fn generator_channels(&self, s: Option<usize>) -> usize {
        let steps = self.n_stages() as f64;
        let t = s.map_or(0.0, |s| (s + 1) as f64 / steps);
        let c = self.multiplier * WIDEST * (NARROWEST / WIDEST).powf(t);
        (c.round() as usize).max(1)
    }

    /// Critic channels after critic stage `s` (the mirror of the generator: stage 0 reads the
    /// full-length input and has the generator's last width).
    pub(crate) fn critic_channels(&self, s: usize) -> usize {
        self.generator_channels(Some(self.n_stages() - 1 - s))
    }

    /// `(1, 1, padded)` tensor with 1 on real sites and 0 on padding.
    pub(crate) fn mask(&self, device: &Device) -> Result<Tensor> {
        let v: Vec<f32> = (0..self.padded)
            .map(|i| if i < self.n_sites { 1.0 } else { 0.0 })
            .collect();
        Ok(Tensor::from_vec(v, (1, 1, self.padded), device)?)
    }

    /// Pads row-major `rows × n_sites` 0/1 values to `rows × padded` with zeros.
    pub(crate) fn pad_rows(&self, values: &[f32]) -> Vec<f32> {
        let rows = values.len() / self.n_sites.max(1);
        let mut out = vec![0.0; rows * self.padded];
        for (src, dst) in values
            .chunks_exact(self.n_sites)
            .zip(out.chunks_exact_mut(self.padded))
        {
            dst[..self.n_sites].copy_from_slice(src);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_is_the_smallest_power_of_two_minus_one() {
        assert_eq!(Layout::new(805, 10.0).padded, 1023);
        assert_eq!(Layout::new(1023, 10.0).padded, 1023);
        assert_eq!(Layout::new(1024, 10.0).padded, 2047);
        assert_eq!(Layout::new(10_000, 10.0).padded, 16_383);
        assert_eq!(Layout::new(65_535, 10.0).padded, 65_535);
        assert_eq!(Layout::new(1, 10.0).padded, 7);
        let l = Layout::new(805, 10.0);
        assert_eq!(l.n_stages(), 8);
        assert_eq!(l.stage_length(l.n_stages() - 1), 1023);
        assert_eq!(l.stage_length(0), 7);
    }

    #[test]
    fn channels_narrow_from_52_to_half_the_multiplier() {
        let l = Layout::new(1023, 10.0);
        assert_eq!(l.generator_channels(None), 520);
        assert_eq!(l.generator_channels(Some(l.n_stages() - 1)), 5);
        let widths: Vec<usize> = (0..l.n_stages())
            .map(|s| l.generator_channels(Some(s)))
            .collect();
        assert!(widths.windows(2).all(|w| w[0] > w[1]), "{widths:?}");
        assert_eq!(l.critic_channels(0), 5);
        assert_eq!(
            l.critic_channels(l.n_stages() - 1),
            l.generator_channels(Some(0))
        );
    }

    #[test]
    fn mask_and_padding_cover_exactly_the_real_sites() {
        let l = Layout::new(5, 1.0);
        assert_eq!(l.padded, 7);
        let m = l
            .mask(&Device::Cpu)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(m, vec![1., 1., 1., 1., 1., 0., 0.]);
        let padded = l.pad_rows(&[1., 0., 1., 0., 1., 0., 1., 1., 1., 1.]);
        assert_eq!(
            padded,
            vec![1., 0., 1., 0., 1., 0., 0., 0., 1., 1., 1., 1., 0., 0.]
        );
    }
}
