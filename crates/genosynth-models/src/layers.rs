//! Dense layers and the element-wise pieces the models share, written as candle tensor ops so
//! the same code runs on CPU and CUDA. Backward passes are explicit (no autograd graph): the
//! models are small fixed stacks, and writing the three products per layer out avoids building
//! and walking a graph per minibatch and computing gradients nobody needs (a frozen
//! discriminator's weights, the data's input gradient).

use candle_core::{DType, Device, Module, Tensor, Var};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::Result;

/// A fully connected layer `y = x · Wᵀ + b`, weight `(out, in)` as in candle-nn's `Linear`.
pub(crate) struct Dense {
    pub(crate) weight: Var,
    pub(crate) bias: Var,
}

/// Gradients of one dense layer and of its input.
pub(crate) struct DenseGrads {
    pub(crate) weight: Option<Tensor>,
    pub(crate) bias: Option<Tensor>,
    pub(crate) input: Option<Tensor>,
}

impl Dense {
    /// Keras' default initialisation: Glorot-uniform kernel, zero bias.
    pub(crate) fn glorot(
        r: &mut ChaCha8Rng,
        inputs: usize,
        outputs: usize,
        dev: &Device,
    ) -> Result<Self> {
        let limit = (6.0 / (inputs + outputs) as f32).sqrt();
        let w: Vec<f32> = (0..inputs * outputs)
            .map(|_| r.random_range(-limit..limit))
            .collect();
        Ok(Self {
            weight: Var::from_vec(w, (outputs, inputs), dev)?,
            bias: Var::zeros(outputs, DType::F32, dev)?,
        })
    }

    /// Wraps existing tensors (a loaded checkpoint).
    pub(crate) fn from_tensors(weight: &Tensor, bias: &Tensor) -> Result<Self> {
        Ok(Self {
            weight: Var::from_tensor(weight)?,
            bias: Var::from_tensor(bias)?,
        })
    }

    /// Given `dy = ∂L/∂y` (batch × out) and the layer input `x`, the wanted gradients.
    pub(crate) fn backward(
        &self,
        x: &Tensor,
        dy: &Tensor,
        weights: bool,
        input: bool,
    ) -> Result<DenseGrads> {
        let (weight, bias) = if weights {
            (Some(dy.t()?.matmul(x)?), Some(dy.sum(0)?))
        } else {
            (None, None)
        };
        let input = if input {
            Some(dy.matmul(self.weight.as_tensor())?)
        } else {
            None
        };
        Ok(DenseGrads {
            weight,
            bias,
            input,
        })
    }
}

impl Module for Dense {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }
}

/// LeakyReLU: `max(x, slope·x)` for `slope < 1`.
pub(crate) fn leaky_relu(x: &Tensor, slope: f32) -> Result<Tensor> {
    Ok(x.maximum(&(x * slope as f64)?)?)
}

/// `dy ⊙ leaky_relu'(x)`: `dy` where `x > 0`, `slope·dy` elsewhere.
pub(crate) fn leaky_relu_backward(x: &Tensor, dy: &Tensor, slope: f32) -> Result<Tensor> {
    let d = x
        .gt(0.0)?
        .to_dtype(DType::F32)?
        .affine((1.0 - slope) as f64, slope as f64)?;
    Ok((dy * d)?)
}

/// Mean binary cross-entropy of `sigmoid(logits)` against `targets`, computed from the
/// logits for stability: `softplus(z) − t·z`.
pub(crate) fn bce_with_logits(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    let softplus = (logits.relu()? + ((logits.abs()?.neg()?.exp()? + 1.0)?.log()?))?;
    Ok((softplus - (targets * logits)?)?.mean_all()?)
}

/// `∂ mean BCE / ∂ logits = (σ(z) − t) / batch`.
pub(crate) fn bce_logits_grad(logits: &Tensor, targets: &Tensor) -> Result<Tensor> {
    let batch = logits.dim(0)? as f64;
    Ok(((candle_nn::ops::sigmoid(logits)? - targets)? / batch)?)
}

/// Copies of `layers` (new variables).
pub(crate) fn copy_layers(layers: &[Dense; 3]) -> Result<[Dense; 3]> {
    let copy =
        |l: &Dense| Dense::from_tensors(&l.weight.as_tensor().copy()?, &l.bias.as_tensor().copy()?);
    Ok([copy(&layers[0])?, copy(&layers[1])?, copy(&layers[2])?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Finite differences on a tiny 2-layer network check the explicit backward pass.
    fn check_gradients(dev: &Device) -> Result<()> {
        let mut r = ChaCha8Rng::seed_from_u64(1);
        let l1 = Dense::glorot(&mut r, 4, 3, dev)?;
        let l2 = Dense::glorot(&mut r, 3, 1, dev)?;
        let x = Tensor::from_vec(
            (0..8).map(|i| (i as f32 * 0.37).sin()).collect::<Vec<_>>(),
            (2, 4),
            dev,
        )?;
        let t = Tensor::from_slice(&[0.9f32, 0.0], (2, 1), dev)?;
        let loss = |l1: &Dense| -> Result<f64> {
            let a = l1.forward(&x)?;
            let h = leaky_relu(&a, 0.01)?;
            let z = l2.forward(&h)?;
            Ok(bce_with_logits(&z, &t)?.to_scalar::<f32>()? as f64)
        };
        let a = l1.forward(&x)?;
        let h = leaky_relu(&a, 0.01)?;
        let z = l2.forward(&h)?;
        let dz = bce_logits_grad(&z, &t)?;
        let dh = l2.backward(&h, &dz, false, true)?.input.unwrap();
        let da = leaky_relu_backward(&a, &dh, 0.01)?;
        let g = l1.backward(&x, &da, true, false)?;
        let gw = g.weight.unwrap().flatten_all()?.to_vec1::<f32>()?;
        let w0 = l1.weight.flatten_all()?.to_vec1::<f32>()?;
        let eps = 1e-2f32;
        for i in [0usize, 5, 11] {
            let mut wp = w0.clone();
            wp[i] += eps;
            l1.weight.set(&Tensor::from_slice(&wp, (3, 4), dev)?)?;
            let up = loss(&l1)?;
            wp[i] -= 2.0 * eps;
            l1.weight.set(&Tensor::from_slice(&wp, (3, 4), dev)?)?;
            let down = loss(&l1)?;
            let numeric = (up - down) / (2.0 * eps as f64);
            assert!(
                (numeric - gw[i] as f64).abs() < 1e-3,
                "w[{i}]: {numeric} vs {}",
                gw[i]
            );
        }
        Ok(())
    }

    #[test]
    fn explicit_backward_matches_finite_differences_cpu() -> Result<()> {
        check_gradients(&Device::Cpu)
    }

    #[cfg(feature = "cuda")]
    #[test]
    fn explicit_backward_matches_finite_differences_cuda() -> Result<()> {
        match crate::cuda_tests::cuda_or_skip() {
            Some(dev) => check_gradients(&dev),
            None => Ok(()),
        }
    }

    #[test]
    fn bce_matches_direct_formula() -> Result<()> {
        let z = Tensor::from_slice(&[2.0f32, -1.0], (2, 1), &Device::Cpu)?;
        let t = Tensor::from_slice(&[1.0f32, 0.0], (2, 1), &Device::Cpu)?;
        let got = bce_with_logits(&z, &t)?.to_scalar::<f32>()? as f64;
        let s = |x: f64| 1.0 / (1.0 + (-x).exp());
        let want = -((s(2.0)).ln() + (1.0 - s(-1.0)).ln()) / 2.0;
        assert!((got - want).abs() < 1e-6);
        Ok(())
    }
}
