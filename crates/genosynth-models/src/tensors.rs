//! Named tensor lists and checked look-ups for checkpoints.

use std::collections::HashMap;

use candle_core::Tensor;

/// Tensors with their safetensors names, in a stable order.
pub(crate) type NamedTensors = Vec<(String, Tensor)>;

/// The tensor `name` with exactly `dims`, or a message saying what is wrong.
pub(crate) fn take(
    tensors: &HashMap<String, Tensor>,
    name: &str,
    dims: &[usize],
) -> Result<Tensor, String> {
    let t = tensors
        .get(name)
        .ok_or_else(|| format!("tensor {name} is missing"))?;
    if t.dims() != dims {
        return Err(format!(
            "tensor {name} has shape {:?}, expected {dims:?}",
            t.dims()
        ));
    }
    if t.dtype() != candle_core::DType::F32 {
        return Err(format!("tensor {name} is {:?}, expected f32", t.dtype()));
    }
    Ok(t.clone())
}
