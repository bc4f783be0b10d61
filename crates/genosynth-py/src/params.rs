//! `train(..., **params)`: keyword arguments to a model's hyperparameters and DP-SGD settings.
//!
//! The names are the fields of the model's parameter struct as `model.json` records them
//! (`hidden_units`, `lr`, `gibbs_steps`, ...): the defaults are serialised, each keyword
//! replaces one field, and the result is deserialised and validated by genosynth-models, so
//! the Python names cannot drift from the Rust ones.

use genosynth_models::{DpConfig, ModelKind, ModelParams};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use serde_json::{Map, Value};

use crate::errors;

/// The DP-SGD keywords, mapped to [`DpConfig`].
const DP_KEYS: [&str; 4] = ["dp_epsilon", "dp_delta", "dp_clip", "dp_noise_multiplier"];

/// Fields that are not hyperparameters a caller sets (population labels come from a panel).
const NOT_SETTABLE: [&str; 2] = ["kind", "labels"];

/// The model kind named `name`.
pub(crate) fn model_kind(name: &str) -> PyResult<ModelKind> {
    let kinds = [
        ModelKind::Rbm,
        ModelKind::Gan,
        ModelKind::Wgan,
        ModelKind::Crbm,
        ModelKind::Hclt,
    ];
    kinds.into_iter().find(|k| k.name() == name).ok_or_else(|| {
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        errors::value(format!(
            "unknown model {name:?}; expected one of {}",
            names.join(", ")
        ))
    })
}

/// The default hyperparameters of `kind` as a JSON object.
fn defaults(kind: ModelKind) -> Map<String, Value> {
    match serde_json::to_value(ModelParams::defaults(kind)) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("model parameters serialise to a JSON object"),
    }
}

/// The keyword names `train` accepts for `kind`, sorted.
pub(crate) fn valid_names(kind: ModelKind) -> Vec<String> {
    let mut names: Vec<String> = defaults(kind)
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| !NOT_SETTABLE.contains(&k.as_str()))
        .chain(DP_KEYS.iter().map(|k| k.to_string()))
        .collect();
    names.sort();
    names
}

/// Hyperparameters of `kind` with `params` applied, and the DP-SGD settings among them.
pub(crate) fn model_params(
    kind: ModelKind,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<(ModelParams, Option<DpConfig>)> {
    let mut fields = defaults(kind);
    let mut dp: [Option<f64>; 4] = [None; 4];
    for (key, value) in params.into_iter().flat_map(|d| d.iter()) {
        let key: String = key.extract()?;
        if let Some(i) = DP_KEYS.iter().position(|k| *k == key) {
            dp[i] = Some(
                value
                    .extract()
                    .map_err(|_| errors::value(format!("{key}={value}: expected a number")))?,
            );
            continue;
        }
        if NOT_SETTABLE.contains(&key.as_str()) || !fields.contains_key(&key) {
            return Err(errors::value(format!(
                "unknown parameter {key:?} for model {kind}; valid: {}",
                valid_names(kind).join(", ")
            )));
        }
        let json = to_json(&value)?;
        // Checked one at a time, so that a wrong type names its parameter.
        let mut alone = defaults(kind);
        alone.insert(key.clone(), json.clone());
        serde_json::from_value::<ModelParams>(Value::Object(alone))
            .map_err(|e| errors::value(format!("parameter {key}={value}: {e}")))?;
        fields.insert(key, json);
    }
    let model: ModelParams = serde_json::from_value(Value::Object(fields))
        .map_err(|e| errors::value(format!("parameters: {e}")))?;
    model.validate().map_err(errors::models)?;
    let dp = match dp {
        [None, None, None, None] => None,
        [Some(epsilon), Some(delta), clip, noise_multiplier] => Some(DpConfig {
            epsilon,
            delta,
            clip,
            noise_multiplier,
        }),
        _ => {
            return Err(errors::value(
                "DP-SGD needs both dp_epsilon and dp_delta (dp_clip and dp_noise_multiplier are optional)",
            ));
        }
    };
    Ok((model, dp))
}

/// A Python value (bool, int, float, str, None, list/tuple, dict with str keys, numpy scalar)
/// as JSON.
fn to_json(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        if let Ok(i) = value.extract::<i64>() {
            return Ok(i.into());
        }
        return Ok(value.extract::<u64>()?.into());
    }
    if value.is_instance_of::<PyFloat>() {
        let f: f64 = value.extract()?;
        return serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| errors::value(format!("{f} is not a finite number")));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(Value::String(value.extract()?));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in dict.iter() {
            map.insert(k.extract()?, to_json(&v)?);
        }
        return Ok(Value::Object(map));
    }
    // numpy scalars (np.int64(8), np.float32(0.1)) turn into Python numbers.
    if value.hasattr("item")?
        && value.hasattr("ndim")?
        && value.getattr("ndim")?.extract::<usize>()? == 0
    {
        return to_json(&value.call_method0("item")?);
    }
    if let Ok(items) = value.try_iter() {
        return items
            .map(|item| to_json(&item?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    Err(PyTypeError::new_err(format!(
        "cannot use a {} as a parameter value",
        value.get_type().name()?
    )))
}
