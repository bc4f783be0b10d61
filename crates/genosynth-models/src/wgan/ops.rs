//! Differentiable building blocks of the convolutional WGAN-GP and their adjoints.
//!
//! candle 0.11 cannot differentiate `conv_transpose1d`, and has no second-order autograd, so
//! every operation here is written from ops whose first-order backward candle knows (conv1d,
//! pad, stack, reshape, narrow, broadcast arithmetic). The critic's input gradient is then an
//! ordinary tensor expression and the gradient penalty's parameter gradients come from one
//! first-order `backward`.
//!
//! Shapes: activations are `(batch, channels, length)`; kernels of `Conv1d` are
//! `(c_out, c_in, 3)`, kernels of `ConvTranspose1d` are `(c_in, c_out, 3)` (the PyTorch layouts).

use crate::Result;
use candle_core::Tensor;

/// Negative slope of every LeakyReLU (the authors' 0.01).
pub(super) const LEAKY_SLOPE: f64 = 0.01;

/// Epsilon of batch and layer normalisation (PyTorch's default).
pub(super) const NORM_EPS: f64 = 1e-5;

/// Conv1d with kernel 3, stride 1 and zero padding 1: `(B, c_in, L) -> (B, c_out, L)`.
pub(super) fn conv3_same(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    conv1d_unfolded(&x.pad_with_zeros(2, 1, 1)?, w, 1)
}

/// The adjoint of [`conv3_same`] with respect to its input: `(B, c_out, L) -> (B, c_in, L)`.
///
/// Equal to a stride-1 transposed convolution with the same kernel, written as a convolution
/// with the kernel's taps reversed and its channel axes swapped.
pub(super) fn conv3_same_adjoint(g: &Tensor, w: &Tensor) -> Result<Tensor> {
    conv3_same(g, &flip_taps(w)?.transpose(0, 1)?)
}

/// Conv1d with kernel 3, stride 2, no padding: `(B, c_in, 2M+1) -> (B, c_out, M)`.
pub(super) fn conv3_down(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    conv1d_unfolded(x, w, 2)
}

/// Transposed convolution with kernel 3, stride 2, no padding: `(B, c_in, L) -> (B, c_out, 2L+1)`,
/// for a kernel in the `ConvTranspose1d` layout `(c_in, c_out, 3)`.
///
/// Output position `2i` receives taps 0 (from input `i`) and 2 (from input `i-1`), position
/// `2i+1` only tap 1 (from input `i`); the even and odd outputs are two small convolutions that
/// are interleaved, which avoids both the zero-stuffed input and candle's non-differentiable
/// `conv_transpose1d`.
///
/// Given a `Conv1d` kernel `(c_out, c_in, 3)` of [`conv3_down`] it is that convolution's adjoint.
pub(super) fn conv3_up(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    let (b, _, l) = x.dims3()?;
    let wt = w.transpose(0, 1)?; // (c_out, c_in, 3) in conv1d layout
    let c_out = wt.dim(0)?;
    // even[i] = w0 · x[i] + w2 · x[i-1], i = 0..=L, over x padded by one zero on each side.
    let even_kernel = Tensor::cat(&[wt.narrow(2, 2, 1)?, wt.narrow(2, 0, 1)?], 2)?;
    let even = conv1d_unfolded(&x.pad_with_zeros(2, 1, 1)?, &even_kernel, 1)?; // (B, c_out, L+1)
    let odd = conv1d_unfolded(x, &wt.narrow(2, 1, 1)?, 1)?.pad_with_zeros(2, 0, 1)?; // (B, c_out, L+1)
    Ok(Tensor::stack(&[even, odd], 3)?
        .reshape((b, c_out, 2 * (l + 1)))?
        .narrow(2, 0, 2 * l + 1)?)
}

/// Valid (unpadded) convolution of `(B, C, L)` with a `(c_out, C, k)` kernel at stride 1 or 2,
/// as one 2-D matrix product over unfolded taps.
///
/// candle 0.11's CPU `conv_transpose1d` gives wrong results for batches larger than one on its
/// unpadded path, and `conv1d`'s backward pass uses it, so convolutions are built here from
/// narrow/stack/reshape/matmul, whose backward passes are plain.
fn conv1d_unfolded(x: &Tensor, w: &Tensor, stride: usize) -> Result<Tensor> {
    let (b, c, l) = x.dims3()?;
    let (c_out, c_w, k) = w.dims3()?;
    if c_w != c {
        return Err(crate::Error::compute(format!(
            "conv: input has {c} channels, kernel expects {c_w}"
        )));
    }
    let m = (l - k) / stride + 1;
    let taps = (0..k)
        .map(|j| {
            let span = x.narrow(2, j, (m - 1) * stride + 1)?;
            if stride == 1 {
                Ok(span)
            } else {
                Ok(span
                    .pad_with_zeros(2, 0, stride - 1)?
                    .reshape((b, c, m, stride))?
                    .narrow(3, 0, 1)?
                    .squeeze(3)?)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let cols = Tensor::stack(&taps, 2)? // (B, C, k, M)
        .reshape((b, c * k, m))?
        .transpose(0, 1)?
        .reshape((c * k, b * m))?;
    Ok(w.reshape((c_out, c * k))?
        .matmul(&cols)?
        .reshape((c_out, b, m))?
        .transpose(0, 1)?)
}

/// Reverses the kernel taps (last axis) of a 3-tap kernel.
fn flip_taps(w: &Tensor) -> Result<Tensor> {
    Ok(Tensor::cat(
        &[w.narrow(2, 2, 1)?, w.narrow(2, 1, 1)?, w.narrow(2, 0, 1)?],
        2,
    )?)
}

/// LeakyReLU(0.01) and its derivative mask (1 where the input is positive, 0.01 elsewhere).
///
/// The mask is detached: it is piecewise constant, so it carries no gradient.
pub(super) fn leaky_relu_with_mask(x: &Tensor) -> Result<(Tensor, Tensor)> {
    let positive = x.detach().ge(0.0)?.to_dtype(x.dtype())?;
    let mask = ((positive * (1.0 - LEAKY_SLOPE))? + LEAKY_SLOPE)?;
    Ok((x.mul(&mask)?, mask))
}

/// LeakyReLU(0.01).
pub(super) fn leaky_relu(x: &Tensor) -> Result<Tensor> {
    Ok(leaky_relu_with_mask(x)?.0)
}

/// What the backward pass of a layer normalisation needs.
#[derive(Debug, Clone)]
pub(super) struct NormCache {
    /// Normalised input, `(B, C, L)`.
    pub(super) x_hat: Tensor,
    /// `1 / sqrt(var + eps)`, `(B, 1, 1)`.
    pub(super) inv_std: Tensor,
}

/// Batch normalisation in training mode: statistics over batch and length per channel,
/// then `gamma * x_hat + beta` with `gamma`, `beta` of shape `(C,)`.
pub(super) fn batch_norm(x: &Tensor, gamma: &Tensor, beta: &Tensor) -> Result<Tensor> {
    let c = x.dim(1)?;
    let mean = x.mean_keepdim(2)?.mean_keepdim(0)?;
    let centred = x.broadcast_sub(&mean)?;
    let var = centred.sqr()?.mean_keepdim(2)?.mean_keepdim(0)?;
    let x_hat = centred.broadcast_div(&(var + NORM_EPS)?.sqrt()?)?;
    Ok(x_hat
        .broadcast_mul(&gamma.reshape((1, c, 1))?)?
        .broadcast_add(&beta.reshape((1, c, 1))?)?)
}

/// Mean over channels and positions of each sample: `(B, C, L) -> (B, 1, 1)`.
fn sample_mean(x: &Tensor) -> Result<Tensor> {
    Ok(x.mean_keepdim(2)?.mean_keepdim(1)?)
}

/// Layer normalisation of each sample over its channels and positions jointly, with a
/// per-channel affine `gamma`, `beta` of shape `(C,)`; returns the output and the cache for
/// [`layer_norm_adjoint`].
///
/// The critic's normalisation: unlike an instance normalisation (statistics per channel) it
/// keeps how the channels' levels differ, and so how many 1s a sample carries.
pub(super) fn layer_norm(x: &Tensor, gamma: &Tensor, beta: &Tensor) -> Result<(Tensor, NormCache)> {
    let c = x.dim(1)?;
    let centred = x.broadcast_sub(&sample_mean(x)?)?;
    let inv_std = (sample_mean(&centred.sqr()?)? + NORM_EPS)?
        .sqrt()?
        .recip()?;
    let x_hat = centred.broadcast_mul(&inv_std)?;
    let y = x_hat
        .broadcast_mul(&gamma.reshape((1, c, 1))?)?
        .broadcast_add(&beta.reshape((1, c, 1))?)?;
    Ok((y, NormCache { x_hat, inv_std }))
}

/// The adjoint of [`layer_norm`] with respect to its input:
/// `dx = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat))`, `dx_hat = g * gamma`,
/// means over each sample's channels and positions.
pub(super) fn layer_norm_adjoint(g: &Tensor, gamma: &Tensor, cache: &NormCache) -> Result<Tensor> {
    let c = g.dim(1)?;
    let g_hat = g.broadcast_mul(&gamma.reshape((1, c, 1))?)?;
    let mean_g = sample_mean(&g_hat)?;
    let mean_gx = sample_mean(&(&g_hat * &cache.x_hat)?)?;
    let inner = g_hat
        .broadcast_sub(&mean_g)?
        .sub(&cache.x_hat.broadcast_mul(&mean_gx)?)?;
    Ok(inner.broadcast_mul(&cache.inv_std)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Var};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    fn randn(shape: &[usize], rng: &mut ChaCha8Rng) -> Tensor {
        let n = shape.iter().product();
        let v: Vec<f64> = (0..n).map(|_| StandardNormal.sample(rng)).collect();
        Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
    }

    fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
        (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    }

    #[test]
    fn convolutions_match_candle_forward_ops() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let x = randn(&[2, 4, 7], &mut rng);
        let w = randn(&[4, 5, 3], &mut rng);
        let ours = conv3_up(&x, &w).unwrap();
        assert_eq!(ours.dims(), &[2, 5, 15]);
        // candle's own transposed convolution is only right for one sample at a time.
        for i in 0..2 {
            let xi = x.narrow(0, i, 1).unwrap();
            let theirs = xi.conv_transpose1d(&w, 0, 0, 2, 1, 1).unwrap();
            assert!(max_abs_diff(&ours.narrow(0, i, 1).unwrap(), &theirs) < 1e-12);
        }
        let ours_same = conv3_same(&x, &w.transpose(0, 1).unwrap().contiguous().unwrap()).unwrap();
        let theirs_same = x
            .conv1d(
                &w.transpose(0, 1).unwrap().contiguous().unwrap(),
                1,
                1,
                1,
                1,
            )
            .unwrap();
        assert!(max_abs_diff(&ours_same, &theirs_same) < 1e-12);
        let y = randn(&[2, 4, 15], &mut rng);
        let wd = w.transpose(0, 1).unwrap().contiguous().unwrap();
        let theirs_down = y.conv1d(&wd, 0, 2, 1, 1).unwrap();
        assert!(max_abs_diff(&conv3_down(&y, &wd).unwrap(), &theirs_down) < 1e-12);
    }

    #[test]
    fn adjoints_satisfy_the_inner_product_identity() {
        // <A x, y> == <x, A^T y> for both convolutions.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let w = randn(&[6, 4, 3], &mut rng);
        let x = randn(&[3, 4, 15], &mut rng);
        let y = randn(&[3, 6, 7], &mut rng);
        let lhs = (conv3_down(&x, &w).unwrap() * &y)
            .unwrap()
            .sum_all()
            .unwrap();
        let rhs = (&x * conv3_up(&y, &w).unwrap()).unwrap().sum_all().unwrap();
        let (l, r) = (
            lhs.to_scalar::<f64>().unwrap(),
            rhs.to_scalar::<f64>().unwrap(),
        );
        assert!((l - r).abs() < 1e-9 * l.abs().max(1.0), "{l} vs {r}");
        let y = randn(&[3, 6, 15], &mut rng);
        let lhs = (conv3_same(&x, &w).unwrap() * &y)
            .unwrap()
            .sum_all()
            .unwrap();
        let rhs = (&x * conv3_same_adjoint(&y, &w).unwrap())
            .unwrap()
            .sum_all()
            .unwrap();
        let (l, r) = (
            lhs.to_scalar::<f64>().unwrap(),
            rhs.to_scalar::<f64>().unwrap(),
        );
        assert!((l - r).abs() < 1e-9 * l.abs().max(1.0), "{l} vs {r}");
    }

    #[test]
    fn conv3_up_is_differentiable_in_input_and_kernel() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let x = Var::from_tensor(&randn(&[2, 3, 5], &mut rng)).unwrap();
        let w = Var::from_tensor(&randn(&[3, 2, 3], &mut rng)).unwrap();
        let y = conv3_up(&x, &w).unwrap().sqr().unwrap().sum_all().unwrap();
        let grads = y.backward().unwrap();
        assert!(grads.get(&x).is_some() && grads.get(&w).is_some());
    }

    #[test]
    fn layer_norm_adjoint_matches_autograd_and_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let x0 = randn(&[2, 3, 9], &mut rng);
        let x = Var::from_tensor(&x0).unwrap();
        let gamma = randn(&[3], &mut rng);
        let beta = randn(&[3], &mut rng);
        let g = randn(&[2, 3, 9], &mut rng);
        let (y, cache) = layer_norm(&x, &gamma, &beta).unwrap();
        let grads = (y * &g).unwrap().sum_all().unwrap().backward().unwrap();
        let autograd = grads.get(&x).unwrap();
        let ours = layer_norm_adjoint(&g, &gamma, &cache).unwrap();
        assert!(max_abs_diff(autograd, &ours) < 1e-10);
        assert_eq!(ours.dtype(), DType::F64);

        // Central finite differences of <g, layer_norm(x)> on every input entry.
        let base = x0.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let ours = ours.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let inner = |v: &[f64]| {
            let t = Tensor::from_vec(v.to_vec(), x0.dims(), &Device::Cpu).unwrap();
            let (y, _) = layer_norm(&t, &gamma, &beta).unwrap();
            (y * &g)
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f64>()
                .unwrap()
        };
        let h = 1e-6;
        for i in 0..base.len() {
            let (mut plus, mut minus) = (base.clone(), base.clone());
            plus[i] += h;
            minus[i] -= h;
            let fd = (inner(&plus) - inner(&minus)) / (2.0 * h);
            assert!(
                (fd - ours[i]).abs() < 1e-6 * (1.0 + fd.abs()),
                "entry {i}: fd {fd} ours {}",
                ours[i]
            );
        }
    }

    #[test]
    fn layer_norm_keeps_the_level_an_instance_norm_removes() {
        // Two samples whose channels differ only by a constant added to one channel: a
        // per-channel normalisation maps both to the same output, this one does not.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let a = randn(&[1, 2, 9], &mut rng);
        let shift = Tensor::from_vec(vec![0.0, 3.0], (1, 2, 1), &Device::Cpu).unwrap();
        let b = a.broadcast_add(&shift).unwrap();
        let ones = Tensor::ones(2, DType::F64, &Device::Cpu).unwrap();
        let zeros = Tensor::zeros(2, DType::F64, &Device::Cpu).unwrap();
        let (ya, _) = layer_norm(&a, &ones, &zeros).unwrap();
        let (yb, _) = layer_norm(&b, &ones, &zeros).unwrap();
        assert!(max_abs_diff(&ya, &yb) > 0.5);
    }
}
