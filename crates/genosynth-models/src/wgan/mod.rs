//! Convolutional WGAN-GP for long haplotypes (Yelmen et al. 2023).
//!
//! Sites are padded to `2^k - 1` ([`Layout`]); a convolutional [`Generator`] upsamples a
//! `2 × 4` latent to that length, a convolutional [`Critic`] scores PacGAN-packed haplotypes,
//! and [`WganTrainer`] runs WGAN-GP with an exact gradient penalty whose input gradient is the
//! critic's explicit backward pass ([`Critic::input_gradient`]).

mod critic;
mod generator;
mod layout;
mod ops;
mod params;
mod train;

#[cfg(test)]
mod tests;

pub use train::WganParams;
pub(crate) use train::{Wgan, WganTrainer};

#[cfg(test)]
pub(crate) mod testdata;
