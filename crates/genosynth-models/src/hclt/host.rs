//! The HCLT's parameters copied to the host as plain arrays: what the CPU passes
//! ([`super::passes`], [`super::lanes`]) and the prior read.

use super::Hclt;
use crate::Result;

/// The model's parameters on the host, row-major.
pub(crate) struct HostHclt {
    pub(crate) k: usize,
    /// [`super::HcltParams::message_floor`].
    pub(crate) floor: f32,
    /// `(states)`.
    pub(crate) pi: Vec<f32>,
    /// `T_j[a, b] = p(z_j = b | z_parent = a)`, `(sites, states, states)`.
    pub(crate) transition: Vec<f32>,
    /// `p(x_j = 1 | z_j = a)`, `(sites, states)`.
    pub(crate) emission: Vec<f32>,
    /// [`Hclt::not_modelled`] (empty: every site modelled).
    pub(crate) not_modelled: Vec<bool>,
}

impl HostHclt {
    pub(crate) fn new(
        k: usize,
        floor: f32,
        pi: Vec<f32>,
        transition: Vec<f32>,
        emission: Vec<f32>,
    ) -> Self {
        Self {
            k,
            floor,
            pi,
            transition,
            emission,
            not_modelled: Vec::new(),
        }
    }

    /// The parameters of `h`, copied to the host.
    pub(crate) fn of(h: &Hclt) -> Result<Self> {
        let cpu = candle_core::Device::Cpu;
        Ok(Self {
            not_modelled: h.not_modelled.clone(),
            ..Self::new(
                h.params.hidden(),
                h.params.message_floor(),
                h.pi.to_device(&cpu)?.to_vec1()?,
                h.transition.to_device(&cpu)?.flatten_all()?.to_vec1()?,
                h.emission.to_device(&cpu)?.flatten_all()?.to_vec1()?,
            )
        })
    }
}
