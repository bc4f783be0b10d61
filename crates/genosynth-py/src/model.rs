//! `train`, `load` and the `Model` class: genosynth-models and the facade's selection and guard.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use genosynth::parse_population_counts;
use genosynth::{MinDistance, Selection};
use genosynth_core::{Ploidy, Sample};
use genosynth_models::conditional::{checkpoint_labels, expand_counts};
use genosynth_models::{
    Checkpoint, DeviceChoice, EpochReport, GenerateOptions, TrainConfig, TrainOptions,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::errors;
use crate::haplotypes::Haplotypes;
use crate::params::{model_kind, model_params};

/// A trained model: a checkpoint directory loaded with its weights.
#[pyclass(module = "genosynth", frozen)]
pub(crate) struct Model {
    checkpoint: Checkpoint,
}

/// `value` (any serialisable library struct) as a Python object, through JSON.
pub(crate) fn to_python<'py>(
    py: Python<'py>,
    value: &impl serde::Serialize,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

fn device(name: &str) -> PyResult<DeviceChoice> {
    name.parse().map_err(errors::models)
}

/// Trains `model` on `haplotypes`, keeping the checkpoint in the directory `out`.
///
/// `epochs`: the paper's default for the model when `None`. `**params`: hyperparameters by
/// their `model.json` names (`hidden_units=`, `lr=`, `gibbs_steps=`, ...) and DP-SGD
/// (`dp_epsilon=`, `dp_delta=`, `dp_clip=`, `dp_noise_multiplier=`). With
/// `validation_fraction`, that share of the people is held out and the checkpoint chosen on
/// them every `validate_every` epochs is the one `load`/`generate` use (as `genosynth synth`).
/// When no validated checkpoint meets the privacy bounds, `PrivacyRiskError` is raised (the
/// model stays in `out` for inspection; `generate` refuses it too) unless
/// `accept_privacy_risk`.
/// `progress(epoch, epochs, losses)` is called after every epoch; an exception in it or
/// Ctrl-C stops training after the current epoch (the checkpoint is saved) and is raised.
#[pyfunction]
#[pyo3(signature = (haplotypes, model = "rbm", *, out, epochs = None, seed = 0, device = "auto", progress = None, save_every = None, resume = false, validation_fraction = None, validate_every = 10, accept_privacy_risk = false, **params))]
#[allow(
    clippy::too_many_arguments,
    reason = "the keyword arguments of one Python function"
)]
pub(crate) fn train(
    py: Python<'_>,
    haplotypes: &Haplotypes,
    model: &str,
    out: PathBuf,
    epochs: Option<usize>,
    seed: u64,
    device: &str,
    progress: Option<Py<PyAny>>,
    save_every: Option<usize>,
    resume: bool,
    validation_fraction: Option<f64>,
    validate_every: usize,
    accept_privacy_risk: bool,
    params: Option<&Bound<'_, PyDict>>,
) -> PyResult<Model> {
    let kind = model_kind(model)?;
    let (params, dp) = model_params(kind, params)?;
    let paper = TrainConfig::paper(kind);
    let config = TrainConfig {
        model: params,
        epochs: epochs.unwrap_or(paper.epochs),
        seed,
        device: self::device(device)?,
        save_every: save_every.unwrap_or(paper.save_every),
        dp,
    };
    let split = validation_fraction
        .map(|f| genosynth::split_validation(&haplotypes.matrix, f, seed, None))
        .transpose()
        .map_err(errors::pipeline)?;
    let stop = AtomicBool::new(false);
    let mut failure: Option<PyErr> = None;
    let mut observer = |report: &EpochReport| {
        if failure.is_some() {
            return;
        }
        Python::attach(|py| {
            if let Err(e) = observe(py, report, progress.as_ref()) {
                failure = Some(e);
                stop.store(true, Ordering::SeqCst);
            }
        });
    };
    let trained = py.detach(|| {
        let options = TrainOptions {
            resume,
            observer: Some(&mut observer),
            stop: Some(&stop),
            ..TrainOptions::new(&out)
        };
        match &split {
            None => genosynth_models::train(&haplotypes.matrix, &config, options)
                .map_err(genosynth::Error::from),
            Some(split) => {
                let selection = Selection {
                    every: validate_every,
                    ..Selection::default()
                };
                genosynth::train_selected(split, &config, &selection, options)
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    trained.map_err(errors::pipeline)?;
    let model = load(py, out, false)?;
    genosynth::check_privacy(
        model.checkpoint.meta.selection.as_ref(),
        accept_privacy_risk,
    )
    .map_err(errors::pipeline)?;
    Ok(model)
}

/// Ctrl-C and the progress callback after an epoch.
fn observe(py: Python<'_>, report: &EpochReport, progress: Option<&Py<PyAny>>) -> PyResult<()> {
    py.check_signals()?;
    if let Some(callback) = progress {
        let losses = PyDict::new(py);
        for (name, value) in &report.losses {
            losses.set_item(name, value)?;
        }
        callback
            .bind(py)
            .call1((report.epoch, report.epochs, losses))?;
    }
    Ok(())
}

/// Loads a model directory written by `train` (or `genosynth train`/`synth`): the checkpoint
/// chosen on held-out people when training chose one, else the last (`last=True`: always the
/// last).
#[pyfunction]
#[pyo3(signature = (path, *, last = false))]
pub(crate) fn load(py: Python<'_>, path: PathBuf, last: bool) -> PyResult<Model> {
    let checkpoint = py
        .detach(|| {
            if last {
                Checkpoint::load(&path)
            } else {
                Checkpoint::load_selected(&path)
            }
        })
        .map_err(errors::models)?;
    Ok(Model { checkpoint })
}

#[pymethods]
impl Model {
    /// `rbm`, `gan`, `wgan`, `crbm` or `hclt`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.checkpoint.kind().name()
    }

    /// Epochs trained in total.
    #[getter]
    fn epochs(&self) -> usize {
        self.checkpoint.meta.epochs_done
    }

    /// The epoch whose weights are loaded (the chosen one when training selected on held-out
    /// people).
    #[getter]
    fn epoch(&self) -> usize {
        self.checkpoint.epoch
    }

    /// The model directory.
    #[getter]
    fn path(&self) -> PathBuf {
        self.checkpoint.dir.clone()
    }

    /// The hyperparameters, as `model.json` records them.
    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.checkpoint.meta.model)
    }

    /// The DP-SGD guarantee (ε, δ, noise multiplier, ...) of a private model, else `None`.
    #[getter]
    fn privacy<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.checkpoint
            .meta
            .privacy
            .as_ref()
            .map(|p| to_python(py, p))
            .transpose()
    }

    /// `history.jsonl`: one dict per epoch (losses, seconds, validation figures).
    #[getter]
    fn history<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let json = py.import("json")?;
        let rows = self
            .checkpoint
            .history
            .iter()
            .map(|line| json.call_method1("loads", (line,)))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }

    /// Samples `n` artificial haplotypes (`ploidy=2`: paired into diploid samples `AG_000001`,
    /// ...). `population` (`{"EUR": 500, "AFR": 500}` or `"EUR=500,AFR=500"`) draws per label
    /// from a model trained with a panel. `guard`: the training haplotypes, which every AG
    /// must stay `min_distance` sites away from (`"auto"`: the 1st percentile of their own
    /// nearest-neighbour distances); nearer AGs are redrawn. A model whose selection missed
    /// the privacy bounds raises `PrivacyRiskError` unless `accept_privacy_risk` (then the
    /// risk is recorded in the AGs' `genosynthPrivacyRisk` metadata).
    #[pyo3(signature = (n = None, seed = 0, population = None, *, ploidy = 2, device = "auto", gibbs_steps = None, guard = None, min_distance = None, accept_privacy_risk = false))]
    #[allow(
        clippy::too_many_arguments,
        reason = "the keyword arguments of one Python method"
    )]
    fn generate(
        &self,
        py: Python<'_>,
        n: Option<usize>,
        seed: u64,
        population: Option<&Bound<'_, PyAny>>,
        ploidy: u8,
        device: &str,
        gibbs_steps: Option<usize>,
        guard: Option<&Haplotypes>,
        min_distance: Option<&Bound<'_, PyAny>>,
        accept_privacy_risk: bool,
    ) -> PyResult<Haplotypes> {
        let ck = &self.checkpoint;
        let risk = genosynth::check_privacy(ck.meta.selection.as_ref(), accept_privacy_risk)
            .map_err(errors::pipeline)?;
        let (n, labels) = match population {
            None => (
                n.ok_or_else(|| errors::value("n is required without population"))?,
                None,
            ),
            Some(spec) => {
                let labels = self.labels(spec)?;
                if n.is_some_and(|n| n != labels.len()) {
                    return Err(errors::value(format!(
                        "n={} but population asks for {} haplotypes",
                        n.unwrap_or_default(),
                        labels.len()
                    )));
                }
                (labels.len(), Some(labels))
            }
        };
        if !matches!(ploidy, 1 | 2) || (ploidy == 2 && !n.is_multiple_of(2)) {
            return Err(errors::value(format!(
                "n={n}, ploidy={ploidy}: ploidy must be 1 or 2, and n even for diploid samples"
            )));
        }
        let options = GenerateOptions {
            n_haplotypes: n,
            seed,
            device: self::device(device)?,
            gibbs_steps,
        };
        let min_distance = match min_distance {
            None => MinDistance::Auto,
            Some(d) if d.is_instance_of::<PyString>() => {
                let text: String = d.extract()?;
                text.parse().map_err(errors::value)?
            }
            Some(d) => MinDistance::Sites(d.extract()?),
        };
        let mut metadata = vec![("genosynthSeed".to_string(), seed.to_string())];
        let matrix = py.detach(|| -> Result<_, genosynth::Error> {
            Ok(match guard {
                Some(train) => {
                    let (m, report) = genosynth::generate_guarded(
                        ck,
                        &options,
                        labels.as_deref(),
                        &train.matrix,
                        min_distance,
                    )?;
                    metadata.push(("genosynthGuard".to_string(), report.header_value()));
                    m
                }
                None => match &labels {
                    Some(l) => genosynth_models::generate_labelled(ck, &options, l)?.matrix,
                    None => genosynth_models::generate(ck, &options)?.matrix,
                },
            })
        });
        let mut matrix = matrix.map_err(errors::pipeline)?;
        if ploidy == 2 {
            matrix = matrix
                .with_samples(Sample::numbered("AG_", n / 2, Ploidy::Diploid))
                .map_err(errors::core)?;
        }
        if let Some(p) = &ck.meta.privacy {
            metadata.push(("genosynthDp".to_string(), genosynth::dp_header(p)));
        }
        if let Some(risk) = &risk {
            metadata.push((
                "genosynthPrivacyRisk".to_string(),
                genosynth::risk_header(risk),
            ));
        }
        let contigs = matrix
            .sites()
            .chromosomes()
            .into_iter()
            .map(|c| (c.to_string(), None))
            .collect();
        Ok(Haplotypes::new(matrix, contigs, metadata))
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(kind={:?}, epoch={} of {}, path={:?})",
            self.kind(),
            self.checkpoint.epoch,
            self.checkpoint.meta.epochs_done,
            self.checkpoint.dir.display().to_string()
        )
    }
}

impl Model {
    /// The checkpoint, for `evaluate(model=...)`.
    pub(crate) fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// One label index per haplotype for a `population` dict or `POP=N,...` string.
    fn labels(&self, spec: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
        let Some(labels) = checkpoint_labels(&self.checkpoint) else {
            return Err(errors::value(format!(
                "population: {} was trained without population labels",
                self.checkpoint.dir.display()
            )));
        };
        let spec: String = match spec.cast::<PyDict>() {
            Ok(dict) => dict
                .iter()
                .map(|(k, v)| Ok(format!("{}={}", k.str()?, v.str()?)))
                .collect::<PyResult<Vec<_>>>()?
                .join(","),
            Err(_) => spec.extract()?,
        };
        let counts = parse_population_counts(&spec, &labels.names)
            .map_err(|e| errors::value(e.to_string()))?;
        Ok(expand_counts(&counts))
    }
}
