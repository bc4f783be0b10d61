//! Seeded randomness: every random draw comes from ChaCha8 streams derived from `--seed`, so
//! CPU runs are bit-reproducible and a resumed run continues the exact sequence.

use candle_core::{Device, Tensor};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::Result;

/// Stream of the initial weights.
pub(crate) const STREAM_INIT: u64 = 0;
/// Stream of the training loop (shuffling, noise, labels, Gibbs sampling seeds).
pub(crate) const STREAM_TRAIN: u64 = 1;
/// Stream of the noise subtracted once from the real GAN inputs.
pub(crate) const STREAM_INPUT_NOISE: u64 = 2;
/// Stream of the AGs generated to validate a checkpoint (seeded per epoch).
pub(crate) const STREAM_VALIDATE: u64 = 4;
/// The HCLT's model of the reference people.
pub(crate) const STREAM_REFERENCE: u64 = 5;

/// A position in a ChaCha8 stream, stored in `model.json` so `--resume` continues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    /// The `--seed` the stream was derived from.
    pub seed: u64,
    /// ChaCha stream number.
    pub stream: u64,
    /// Word position in the stream (a u128, written as a decimal string for JSON).
    pub word_pos: String,
}

/// A seeded ChaCha8 generator on a stream.
pub(crate) fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// Where a generator stands.
pub(crate) fn save_state(seed: u64, r: &ChaCha8Rng) -> RngState {
    RngState {
        seed,
        stream: r.get_stream(),
        word_pos: r.get_word_pos().to_string(),
    }
}

/// The generator at a saved position; `None` when the position does not parse.
pub(crate) fn restore_state(state: &RngState) -> Option<ChaCha8Rng> {
    let pos: u128 = state.word_pos.parse().ok()?;
    let mut r = rng(state.seed, state.stream);
    r.set_word_pos(pos);
    Some(r)
}

/// A random permutation of `0..n`.
pub(crate) fn permutation(r: &mut ChaCha8Rng, n: usize) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..n as u32).collect();
    idx.shuffle(r);
    idx
}

/// Seeds a GPU's own generator from `r` (nothing on the CPU, whose draws all come from `r`).
///
/// Called once per epoch or sampling call: seeding re-creates the device generator, far too
/// slow per draw. GPU runs are therefore reproducible only statistically.
pub(crate) fn seed_device(device: &Device, r: &mut ChaCha8Rng) -> Result<()> {
    if !device.is_cpu() {
        device.set_seed(r.random())?;
    }
    Ok(())
}

/// `rows × cols` standard normal values as a tensor on `device`.
pub(crate) fn normal(
    r: &mut ChaCha8Rng,
    rows: usize,
    cols: usize,
    device: &Device,
) -> Result<Tensor> {
    let v: Vec<f32> = (0..rows * cols).map(|_| r.sample(StandardNormal)).collect();
    Ok(Tensor::from_vec(v, (rows, cols), device)?)
}

/// `rows × cols` values uniform in `[lo, hi)` as a tensor on `device`.
pub(crate) fn uniform(
    r: &mut ChaCha8Rng,
    rows: usize,
    cols: usize,
    lo: f32,
    hi: f32,
    device: &Device,
) -> Result<Tensor> {
    let v: Vec<f32> = (0..rows * cols)
        .map(|_| lo + (hi - lo) * r.random::<f32>())
        .collect();
    Ok(Tensor::from_vec(v, (rows, cols), device)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_state_continues_the_same_sequence() {
        let mut a = rng(7, STREAM_TRAIN);
        let _: Vec<u32> = (0..13).map(|_| a.random()).collect();
        let state = save_state(7, &a);
        let mut b = restore_state(&state).unwrap();
        let xa: Vec<u64> = (0..100).map(|_| a.random()).collect();
        let xb: Vec<u64> = (0..100).map(|_| b.random()).collect();
        assert_eq!(xa, xb);
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<RngState>(&json).unwrap(), state);
    }

    #[test]
    fn streams_differ() {
        let a: u64 = rng(1, STREAM_INIT).random();
        let b: u64 = rng(1, STREAM_TRAIN).random();
        assert_ne!(a, b);
        let p = permutation(&mut rng(3, 0), 50);
        let mut s = p.clone();
        s.sort();
        assert_eq!(s, (0..50).collect::<Vec<u32>>());
        assert_ne!(p, s);
    }
}
