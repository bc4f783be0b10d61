//! Adam (Keras formulation) fused into one in-place pass over each parameter buffer.
//!
//! candle-nn's `AdamW` runs every element-wise update as its own tensor op that allocates a
//! new tensor; over ~1.9 M GAN parameters, three times per minibatch, that was more than half
//! of an epoch. On the CPU this module updates parameter, first and second moment in a single
//! loop over the parameter's storage (rayon over chunks; element-wise, so the result does not
//! depend on the thread count). On CUDA one kernel does the same (`cuda_ops`); tensor ops and
//! `Var::set` remain as the fallback where that kernel cannot be compiled.

use std::sync::Mutex;

use candle_core::{CpuStorage, InplaceOp2, Layout, Tensor, Var};
use rayon::prelude::*;

use crate::{Error, Result};

/// Adam hyperparameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdamConfig {
    pub(crate) lr: f32,
    pub(crate) beta1: f32,
    pub(crate) beta2: f32,
    pub(crate) epsilon: f32,
}

enum Moments {
    /// CPU: plain buffers updated in place with the parameter.
    Host { m: Vec<f32>, v: Vec<f32> },
    /// CUDA: device buffers updated in place by the fused kernel.
    #[cfg(feature = "cuda")]
    Cuda(crate::cuda_ops::CudaMoments),
    /// Any other device: tensors, replaced each step.
    Device { m: Tensor, v: Tensor },
}

impl Moments {
    fn zeros(var: &Var) -> Result<Self> {
        let n = var.elem_count();
        match var.device() {
            candle_core::Device::Cpu => Ok(Moments::Host {
                m: vec![0.0; n],
                v: vec![0.0; n],
            }),
            #[cfg(feature = "cuda")]
            candle_core::Device::Cuda(dev) if crate::cuda_ops::usable(dev) => {
                Ok(Moments::Cuda(crate::cuda_ops::CudaMoments::zeros(dev, n)?))
            }
            _ => Ok(Moments::Device {
                m: var.zeros_like()?,
                v: var.zeros_like()?,
            }),
        }
    }
}

struct Slot {
    var: Var,
    /// Coupled L2 (Keras `kernel_regularizer=l2(λ)` adds 2λ·w to the gradient).
    l2_grad: f32,
    moments: Moments,
}

/// Adam over a list of variables.
pub(crate) struct Adam {
    config: AdamConfig,
    step: u64,
    slots: Vec<Slot>,
}

impl Adam {
    /// One slot per variable, with its Keras-style L2 coefficient λ (0 for none).
    pub(crate) fn new(config: AdamConfig, vars: &[(Var, f32)]) -> Result<Self> {
        let slots = vars
            .iter()
            .map(|(var, l2)| {
                Ok(Slot {
                    var: var.clone(),
                    l2_grad: 2.0 * l2,
                    moments: Moments::zeros(var)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            config,
            step: 0,
            slots,
        })
    }

    /// Steps taken so far (the `t` of the bias correction).
    pub(crate) fn steps(&self) -> u64 {
        self.step
    }

    /// One update; `grads[i]` is the loss gradient of the i-th variable (without the L2 term).
    pub(crate) fn step(&mut self, grads: &[Tensor]) -> Result<()> {
        debug_assert_eq!(grads.len(), self.slots.len());
        self.step += 1;
        let c = self.config;
        let t = self.step as i32;
        let alpha = c.lr * (1.0 - c.beta2.powi(t)).sqrt() / (1.0 - c.beta1.powi(t));
        for (slot, grad) in self.slots.iter_mut().zip(grads) {
            match &mut slot.moments {
                Moments::Host { m, v } => {
                    let op = FusedAdam {
                        moments: Mutex::new((m, v)),
                        alpha,
                        l2_grad: slot.l2_grad,
                        config: c,
                    };
                    slot.var.inplace_op2(grad, &op)?;
                }
                #[cfg(feature = "cuda")]
                Moments::Cuda(moments) => {
                    let op = crate::cuda_ops::FusedAdamCuda {
                        moments: Mutex::new(moments),
                        alpha,
                        l2_grad: slot.l2_grad,
                        beta1: c.beta1,
                        beta2: c.beta2,
                        epsilon: c.epsilon,
                    };
                    slot.var.inplace_op2(grad, &op)?;
                }
                Moments::Device { m, v } => {
                    // Detached: the gradients come from forward passes over the variables, and
                    // moments that kept those graphs would chain every step's graph to the
                    // next (device memory grew until it ran out).
                    let p = slot.var.as_tensor().detach();
                    let grad = grad.detach();
                    let g = if slot.l2_grad > 0.0 {
                        (&grad + p.affine(slot.l2_grad as f64, 0.0)?)?
                    } else {
                        grad
                    };
                    *m = ((&*m * c.beta1 as f64)? + (&g * (1.0 - c.beta1) as f64)?)?;
                    *v = ((&*v * c.beta2 as f64)? + (g.sqr()? * (1.0 - c.beta2) as f64)?)?;
                    let update = (&*m / (v.sqrt()? + c.epsilon as f64)?)?;
                    let next = (p - (update * alpha as f64)?)?;
                    slot.var.set(&next)?;
                }
            }
        }
        Ok(())
    }

    /// The moments as host buffers, in variable order: `(m, v)` per variable.
    pub(crate) fn moments(&self) -> Result<Vec<(Vec<f32>, Vec<f32>)>> {
        self.slots
            .iter()
            .map(|s| match &s.moments {
                Moments::Host { m, v } => Ok((m.clone(), v.clone())),
                #[cfg(feature = "cuda")]
                Moments::Cuda(moments) => Ok(moments.to_host()?),
                Moments::Device { m, v } => Ok((
                    m.flatten_all()?.to_vec1::<f32>()?,
                    v.flatten_all()?.to_vec1::<f32>()?,
                )),
            })
            .collect()
    }

    /// Appends the moments as `{name}.adam_m` / `{name}.adam_v` tensors, one pair per variable
    /// in order: the layout of `optimizer.safetensors` for every model.
    pub(crate) fn push_moment_tensors<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
        out: &mut Vec<(String, Tensor)>,
    ) -> Result<()> {
        for ((m, v), name) in self.moments()?.into_iter().zip(names) {
            let len = m.len();
            let cpu = &candle_core::Device::Cpu;
            out.push((format!("{name}.adam_m"), Tensor::from_vec(m, len, cpu)?));
            out.push((format!("{name}.adam_v"), Tensor::from_vec(v, len, cpu)?));
        }
        Ok(())
    }

    /// Restores moments and step count saved by [`Adam::moments`].
    pub(crate) fn restore(&mut self, step: u64, moments: Vec<(Vec<f32>, Vec<f32>)>) -> Result<()> {
        if moments.len() != self.slots.len() {
            return Err(Error::Data(format!(
                "optimizer state has {} tensors, model has {}",
                moments.len(),
                self.slots.len()
            )));
        }
        for (slot, (m, v)) in self.slots.iter_mut().zip(moments) {
            let n = slot.var.elem_count();
            if m.len() != n || v.len() != n {
                return Err(Error::Data(format!(
                    "optimizer moment of {} values for a parameter of {n}",
                    m.len()
                )));
            }
            slot.moments = match &slot.moments {
                Moments::Host { .. } => Moments::Host { m, v },
                #[cfg(feature = "cuda")]
                Moments::Cuda(_) => {
                    let candle_core::Device::Cuda(dev) = slot.var.device() else {
                        unreachable!("CUDA moments belong to a CUDA variable")
                    };
                    Moments::Cuda(crate::cuda_ops::CudaMoments::from_host(dev, &m, &v)?)
                }
                Moments::Device { .. } => {
                    let shape = slot.var.shape().clone();
                    let dev = slot.var.device();
                    Moments::Device {
                        m: Tensor::from_vec(m, shape.clone(), dev)?,
                        v: Tensor::from_vec(v, shape, dev)?,
                    }
                }
            };
        }
        self.step = step;
        Ok(())
    }
}

/// The fused update `p -= α·m/(√v+ε)` with the moments updated from `g + 2λp`.
struct FusedAdam<'a> {
    moments: Mutex<(&'a mut Vec<f32>, &'a mut Vec<f32>)>,
    alpha: f32,
    l2_grad: f32,
    config: AdamConfig,
}

const CHUNK: usize = 16 * 1024;

impl InplaceOp2 for FusedAdam<'_> {
    fn name(&self) -> &'static str {
        "fused-adam"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        grad: &CpuStorage,
        grad_l: &Layout,
    ) -> candle_core::Result<()> {
        let (CpuStorage::F32(p), CpuStorage::F32(g)) = (dst, grad) else {
            candle_core::bail!("fused-adam: parameters and gradients must be f32");
        };
        let (Some((p0, p1)), Some((g0, g1))) =
            (dst_l.contiguous_offsets(), grad_l.contiguous_offsets())
        else {
            candle_core::bail!("fused-adam: tensors must be contiguous");
        };
        let p = &mut p[p0..p1];
        let g = &g[g0..g1];
        let mut guard = self.moments.lock().expect("adam moments lock");
        let (m, v) = &mut *guard;
        if p.len() != g.len() || m.len() != p.len() {
            candle_core::bail!("fused-adam: {} parameters, {} gradients", p.len(), g.len());
        }
        let (b1, b2, eps) = (self.config.beta1, self.config.beta2, self.config.epsilon);
        let (alpha, l2) = (self.alpha, self.l2_grad);
        p.par_chunks_mut(CHUNK)
            .zip(m.par_chunks_mut(CHUNK))
            .zip(v.par_chunks_mut(CHUNK))
            .zip(g.par_chunks(CHUNK))
            .for_each(|(((p, m), v), g)| {
                for i in 0..p.len() {
                    let gi = g[i] + l2 * p[i];
                    m[i] = b1 * m[i] + (1.0 - b1) * gi;
                    v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
                    p[i] -= alpha * m[i] / (v[i].sqrt() + eps);
                }
            });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    /// Reference: Keras Adam written out with tensor ops.
    fn check(dev: &Device) -> Result<()> {
        let cfg = AdamConfig {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        };
        let init = [0.5f32, -1.0, 2.0, 0.0, 3.0, -0.25];
        let var = Var::from_slice(&init, (2, 3), dev)?;
        let mut adam = Adam::new(cfg, &[(var.clone(), 1e-2)])?;
        let mut p: Vec<f64> = init.iter().map(|&x| x as f64).collect();
        let (mut m, mut v) = (vec![0f64; 6], vec![0f64; 6]);
        for t in 1..=5 {
            let g: Vec<f32> = (0..6).map(|i| (i as f32 - 2.5) * t as f32 * 0.1).collect();
            adam.step(&[Tensor::from_slice(&g, (2, 3), dev)?])?;
            let alpha = 0.01 * (1.0 - 0.999f64.powi(t)).sqrt() / (1.0 - 0.9f64.powi(t));
            for i in 0..6 {
                let gi = g[i] as f64 + 2e-2 * p[i];
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                p[i] -= alpha * m[i] / (v[i].sqrt() + 1e-7);
            }
        }
        let got = var.flatten_all()?.to_vec1::<f32>()?;
        for (a, b) in got.iter().zip(&p) {
            assert!((*a as f64 - b).abs() < 1e-5, "{got:?} vs {p:?}");
        }
        assert_eq!(adam.steps(), 5);
        let saved = adam.moments()?;
        assert!((saved[0].0[5] as f64 - m[5]).abs() < 1e-6);
        Ok(())
    }

    #[test]
    fn adam_matches_keras_formula_cpu() -> Result<()> {
        check(&Device::Cpu)
    }

    #[test]
    fn tensor_op_fallback_matches_and_keeps_no_graph() -> Result<()> {
        let cfg = AdamConfig {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        };
        let init = [0.5f32, -1.0, 2.0, 0.0];
        let (fused, ops) = (
            Var::new(&init, &Device::Cpu)?,
            Var::new(&init, &Device::Cpu)?,
        );
        let mut a = Adam::new(cfg, &[(fused.clone(), 1e-2)])?;
        let mut b = Adam::new(cfg, &[(ops.clone(), 1e-2)])?;
        b.slots[0].moments = Moments::Device {
            m: ops.zeros_like()?,
            v: ops.zeros_like()?,
        };
        for _ in 0..3 {
            // Gradients computed from the variables carry their graph, as the models' do.
            let ga = (fused.as_tensor() * 0.3)?.sin()?;
            let gb = (ops.as_tensor() * 0.3)?.sin()?;
            assert!(gb.track_op());
            a.step(&[ga])?;
            b.step(&[gb])?;
        }
        let Moments::Device { m, v } = &b.slots[0].moments else {
            unreachable!()
        };
        assert!(!m.track_op() && !v.track_op(), "moments keep a graph");
        let (pa, pb) = (fused.to_vec1::<f32>()?, ops.to_vec1::<f32>()?);
        for (x, y) in pa.iter().zip(&pb) {
            assert!((x - y).abs() < 1e-6, "{pa:?} vs {pb:?}");
        }
        Ok(())
    }

    #[cfg(feature = "cuda")]
    #[test]
    fn adam_matches_keras_formula_cuda() -> Result<()> {
        match crate::cuda_tests::cuda_or_skip() {
            Some(dev) => {
                let Device::Cuda(cuda) = &dev else {
                    unreachable!("a CUDA device")
                };
                // The fused kernel must run, not the tensor-op fallback.
                crate::cuda_ops::available(cuda).expect("fused Adam kernel");
                check(&dev)
            }
            None => Ok(()),
        }
    }
}
