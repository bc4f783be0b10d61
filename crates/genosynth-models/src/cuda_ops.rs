//! genosynth's own CUDA kernels, compiled once per process with NVRTC: the fused Adam update
//! and the RBM's Bernoulli draw.
//!
//! The minibatch loops are bound by kernel launches, not arithmetic. Written as tensor ops, one
//! Adam update was about a dozen launches and as many temporary buffers per parameter (three
//! optimizer steps per GAN minibatch), and one Bernoulli draw of the RBM's Gibbs chain five.

use std::sync::{Arc, Mutex, OnceLock};

use candle_core::cuda_backend::cudarc::driver::{
    CudaSlice, CudaStream, LaunchConfig, PushKernelArg,
};
use candle_core::cuda_backend::{CudaDevice, WrapErr};
use candle_core::{CudaStorage, InplaceOp2, Layout};

const ADAM: &str = "genosynth_adam_f32";
const BERNOULLI: &str = "genosynth_bernoulli_sigmoid_f32";
const MODULE: &str = "genosynth_ops";
const SOURCE: &str = r#"
extern "C" __global__ void genosynth_adam_f32(
    float* p, const float* g, float* m, float* v, unsigned int n,
    float alpha, float l2, float b1, float b2, float eps)
{
    for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float gi = g[i] + l2 * p[i];
        float mi = b1 * m[i] + (1.0f - b1) * gi;
        float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= alpha * mi / (sqrtf(vi) + eps);
    }
}

// x[r, c] <- 1 if u[r, c] < sigmoid(x[r, c] + bias[c]) else 0, for `n` values in rows of `cols`.
extern "C" __global__ void genosynth_bernoulli_sigmoid_f32(
    float* x, const float* bias, const float* u, unsigned int n, unsigned int cols)
{
    for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float p = 1.0f / (1.0f + expf(-(x[i] + bias[i % cols])));
        x[i] = u[i] < p ? 1.0f : 0.0f;
    }
}
"#;

/// The kernel's PTX, compiled on first use (`Err`: why NVRTC could not).
fn ptx() -> Result<&'static str, String> {
    static PTX: OnceLock<Result<String, String>> = OnceLock::new();
    PTX.get_or_init(|| {
        candle_core::cuda_backend::cudarc::nvrtc::compile_ptx(SOURCE)
            .map(|p| p.to_src())
            .map_err(|e| format!("NVRTC could not compile genosynth's CUDA kernels: {e}"))
    })
    .as_deref()
    .map_err(Clone::clone)
}

/// Whether the kernels compile and load on `dev` (else Adam and the RBM fall back to tensor
/// ops).
pub(crate) fn available(dev: &CudaDevice) -> Result<(), String> {
    let ptx = ptx()?;
    for name in [ADAM, BERNOULLI] {
        dev.get_or_load_custom_func(name, MODULE, ptx)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Whether the kernels run on `dev`; says once why not.
pub(crate) fn usable(dev: &CudaDevice) -> bool {
    static WARNED: std::sync::Once = std::sync::Once::new();
    match available(dev) {
        Ok(()) => true,
        Err(e) => {
            WARNED.call_once(|| eprintln!("warning: {e}; training runs as tensor ops (slower)"));
            false
        }
    }
}

/// First and second moments of one parameter, on its GPU.
pub(crate) struct CudaMoments {
    m: CudaSlice<f32>,
    v: CudaSlice<f32>,
    stream: Arc<CudaStream>,
}

impl CudaMoments {
    /// Zero moments for `n` values on `dev`.
    pub(crate) fn zeros(dev: &CudaDevice, n: usize) -> candle_core::Result<Self> {
        Ok(Self {
            m: dev.alloc_zeros::<f32>(n)?,
            v: dev.alloc_zeros::<f32>(n)?,
            stream: dev.cuda_stream(),
        })
    }

    /// Moments copied from the host.
    pub(crate) fn from_host(dev: &CudaDevice, m: &[f32], v: &[f32]) -> candle_core::Result<Self> {
        let stream = dev.cuda_stream();
        Ok(Self {
            m: stream.clone_htod(m).w()?,
            v: stream.clone_htod(v).w()?,
            stream,
        })
    }

    /// `(m, v)` copied to the host.
    pub(crate) fn to_host(&self) -> candle_core::Result<(Vec<f32>, Vec<f32>)> {
        Ok((
            self.stream.clone_dtoh(&self.m).w()?,
            self.stream.clone_dtoh(&self.v).w()?,
        ))
    }
}

/// The update `p -= α·m/(√v+ε)` with the moments updated from `g + 2λp`, in place.
pub(crate) struct FusedAdamCuda<'a> {
    pub(crate) moments: Mutex<&'a mut CudaMoments>,
    pub(crate) alpha: f32,
    pub(crate) l2_grad: f32,
    pub(crate) beta1: f32,
    pub(crate) beta2: f32,
    pub(crate) epsilon: f32,
}

impl InplaceOp2 for FusedAdamCuda<'_> {
    fn name(&self) -> &'static str {
        "fused-adam-cuda"
    }

    fn cpu_fwd(
        &self,
        _: &mut candle_core::CpuStorage,
        _: &Layout,
        _: &candle_core::CpuStorage,
        _: &Layout,
    ) -> candle_core::Result<()> {
        candle_core::bail!("fused-adam-cuda: the CPU has its own fused update")
    }

    fn cuda_fwd(
        &self,
        dst: &mut CudaStorage,
        dst_l: &Layout,
        grad: &CudaStorage,
        grad_l: &Layout,
    ) -> candle_core::Result<()> {
        let (Some((p0, p1)), Some((g0, g1))) =
            (dst_l.contiguous_offsets(), grad_l.contiguous_offsets())
        else {
            candle_core::bail!("fused-adam-cuda: tensors must be contiguous");
        };
        let n = p1 - p0;
        let mut guard = self.moments.lock().expect("adam moments lock");
        let moments = &mut **guard;
        if g1 - g0 != n || moments.m.len() != n {
            candle_core::bail!("fused-adam-cuda: {n} parameters, {} gradients", g1 - g0);
        }
        let ptx = ptx().map_err(candle_core::Error::msg)?;
        // Loaded once per device, then looked up in candle's module cache.
        let func = dst.device.get_or_load_custom_func(ADAM, MODULE, ptx)?;
        let grad = grad.as_cuda_slice::<f32>()?.slice(g0..g1);
        let mut param = dst.as_cuda_slice_mut::<f32>()?.slice_mut(p0..p1);
        let n = u32::try_from(n).map_err(|_| candle_core::Error::msg("parameter too large"))?;
        let mut builder = func.builder();
        builder.arg(&mut param);
        builder.arg(&grad);
        builder.arg(&mut moments.m);
        builder.arg(&mut moments.v);
        builder.arg(&n);
        builder.arg(&self.alpha);
        builder.arg(&self.l2_grad);
        builder.arg(&self.beta1);
        builder.arg(&self.beta2);
        builder.arg(&self.epsilon);
        // SAFETY: the kernel reads `n` values of `grad` and reads and writes `n` values of
        // `param`, `m` and `v`, each a distinct buffer of at least `n` f32s (checked above);
        // the argument list matches its signature.
        unsafe { builder.launch(LaunchConfig::for_num_elems(n)) }.w()?;
        Ok(())
    }
}

/// Bernoulli draws with probability σ(x + bias) replacing `x` (rows × cols), given uniform
/// draws `u` of the same shape.
pub(crate) struct BernoulliSigmoidCuda;

impl candle_core::InplaceOp3 for BernoulliSigmoidCuda {
    fn name(&self) -> &'static str {
        "bernoulli-sigmoid-cuda"
    }

    fn cpu_fwd(
        &self,
        _: &mut candle_core::CpuStorage,
        _: &Layout,
        _: &candle_core::CpuStorage,
        _: &Layout,
        _: &candle_core::CpuStorage,
        _: &Layout,
    ) -> candle_core::Result<()> {
        candle_core::bail!("bernoulli-sigmoid-cuda: the CPU has its own fused draw")
    }

    fn cuda_fwd(
        &self,
        dst: &mut CudaStorage,
        dst_l: &Layout,
        bias: &CudaStorage,
        bias_l: &Layout,
        u: &CudaStorage,
        u_l: &Layout,
    ) -> candle_core::Result<()> {
        let (Some((x0, x1)), Some((b0, b1)), Some((u0, u1))) = (
            dst_l.contiguous_offsets(),
            bias_l.contiguous_offsets(),
            u_l.contiguous_offsets(),
        ) else {
            candle_core::bail!("bernoulli-sigmoid-cuda: contiguous tensors expected");
        };
        let (n, cols) = (x1 - x0, b1 - b0);
        if cols == 0 || n % cols != 0 || u1 - u0 != n {
            candle_core::bail!("bernoulli-sigmoid-cuda: {n} values for rows of {cols}");
        }
        let ptx = ptx().map_err(candle_core::Error::msg)?;
        let func = dst.device.get_or_load_custom_func(BERNOULLI, MODULE, ptx)?;
        let bias = bias.as_cuda_slice::<f32>()?.slice(b0..b1);
        let u = u.as_cuda_slice::<f32>()?.slice(u0..u1);
        let mut x = dst.as_cuda_slice_mut::<f32>()?.slice_mut(x0..x1);
        let too_large = |_| candle_core::Error::msg("bernoulli-sigmoid-cuda: tensor too large");
        let (n, cols) = (
            u32::try_from(n).map_err(too_large)?,
            u32::try_from(cols).map_err(too_large)?,
        );
        let mut builder = func.builder();
        builder.arg(&mut x);
        builder.arg(&bias);
        builder.arg(&u);
        builder.arg(&n);
        builder.arg(&cols);
        // SAFETY: the kernel reads and writes `n` values of `x`, reads `n` of `u` and `cols` of
        // `bias` (sizes checked above); the argument list matches its signature.
        unsafe { builder.launch(LaunchConfig::for_num_elems(n)) }.w()?;
        Ok(())
    }
}
