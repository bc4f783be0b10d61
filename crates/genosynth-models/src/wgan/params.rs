//! Seeded parameter creation: candle's CPU initialisers draw from an unseeded thread RNG, so
//! every WGAN weight is drawn here from a `ChaCha8Rng` and registered in a `VarMap` by name
//! (which is what checkpoints save and load).

use crate::Result;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// How a parameter starts.
#[derive(Debug, Clone, Copy)]
pub(super) enum ParamInit {
    /// Every entry equal to the value.
    Const(f32),
    /// Kaiming-uniform (PyTorch's default for conv/linear): U(-b, b), `b = 1/sqrt(fan_in)`.
    KaimingUniform {
        /// Inputs feeding one output (`c_in × kernel` for a convolution).
        fan_in: usize,
    },
    /// N(0, std²).
    Normal {
        /// Standard deviation.
        std: f32,
    },
}

/// Creates parameters with a shared seeded RNG, in call order (so the same seed and the same
/// architecture give the same weights).
pub(super) struct ParamMaker<'a> {
    /// Where parameters are registered.
    pub(super) varmap: &'a VarMap,
    /// Device of the parameters.
    pub(super) device: &'a Device,
    /// Random source for the initial values.
    pub(super) rng: &'a mut ChaCha8Rng,
    /// Floating-point type of the parameters (F32 for training, F64 in gradient checks).
    pub(super) dtype: DType,
}

impl ParamMaker<'_> {
    /// Creates (or, when already present e.g. after loading, returns) parameter `name`.
    pub(super) fn get(&mut self, name: &str, shape: &[usize], init: ParamInit) -> Result<Tensor> {
        let n: usize = shape.iter().product();
        let values: Vec<f32> = match init {
            ParamInit::Const(v) => vec![v; n],
            ParamInit::KaimingUniform { fan_in } => {
                let bound = 1.0 / (fan_in.max(1) as f32).sqrt();
                (0..n)
                    .map(|_| self.rng.random_range(-bound..bound))
                    .collect()
            }
            ParamInit::Normal { std } => (0..n)
                .map(|_| std * Distribution::<f32>::sample(&StandardNormal, self.rng))
                .collect::<Vec<f32>>(),
        };
        let mut data = self.varmap.data().lock().expect("varmap lock poisoned");
        if let Some(existing) = data.get(name) {
            if existing.dims() != shape {
                return Err(crate::Error::compute(format!(
                    "tensor {name} has shape {:?}, expected {shape:?}",
                    existing.dims()
                )));
            }
            return Ok(existing.as_tensor().clone());
        }
        let var =
            Var::from_tensor(&Tensor::from_vec(values, shape, self.device)?.to_dtype(self.dtype)?)?;
        let t = var.as_tensor().clone();
        data.insert(name.to_string(), var);
        Ok(t)
    }
}
