//! `evaluate`, `write_report` and the `Report` class over genosynth-eval.
//!
//! `report.html` is drawn from data that `report.json` leaves out (PCA coordinates, population
//! labels), so a `Report` keeps the library's report struct: it reads like the `report.json`
//! dict (`report["verdict"]`, `.keys()`, `.to_dict()`), and `write_report` writes both files
//! from it exactly as `genosynth eval` does.

use std::path::PathBuf;

use genosynth_eval::{EvalInput, Settings};
use pyo3::exceptions::{PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::errors;
use crate::haplotypes::Haplotypes;
use crate::model::{Model, to_python};

/// The evaluation of a set of AGs: the content of `report.json`, read-only.
#[pyclass(module = "genosynth", frozen, mapping)]
pub(crate) struct Report {
    report: genosynth_eval::Report,
    dict: PyOnceLock<Py<PyDict>>,
}

impl Report {
    /// `report.json` as a Python dict, made once.
    fn dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.dict
            .get_or_try_init(py, || {
                Ok(to_python(py, &self.report)?.cast_into::<PyDict>()?.unbind())
            })
            .map(|d| d.bind(py).clone())
    }
}

#[pymethods]
impl Report {
    /// A new dict with the content of `report.json` (nested dicts and lists).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.report)
    }

    /// `report.json` as text (pretty-printed, as written).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string_pretty(&self.report)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
    }

    /// The overall verdict: `pass`, `warn` or `fail`.
    #[getter]
    fn verdict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.dict(py)?
            .get_item("verdict")?
            .expect("every report has a verdict")
            .get_item("overall")
    }

    /// The top-level keys of `report.json`.
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.dict(py)?.keys().into_any())
    }

    /// `(key, value)` pairs of the top level.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.dict(py)?.items().into_any())
    }

    /// The values of the top level.
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.dict(py)?.values().into_any())
    }

    /// `report[key]`, or `default` when absent.
    #[pyo3(signature = (key, default = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(self.dict(py)?.get_item(key)?.or(default))
    }

    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        self.dict(py)?
            .get_item(key)?
            .ok_or_else(|| PyKeyError::new_err(key.to_string()))
    }

    fn __contains__(&self, py: Python<'_>, key: &str) -> PyResult<bool> {
        self.dict(py)?.contains(key)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.dict(py)?.keys().into_any().try_iter()?.into_any())
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.dict(py)?.len())
    }

    fn __repr__(&self) -> String {
        let inputs = &self.report.inputs;
        format!(
            "Report(verdict={:?}, train={}, synthetic={}, holdout={}, sites={})",
            format!("{:?}", self.report.verdict.overall).to_lowercase(),
            inputs.train_haplotypes,
            inputs.synthetic_haplotypes,
            inputs
                .holdout_haplotypes
                .map_or("None".to_string(), |n| n.to_string()),
            inputs.sites.common
        )
    }
}

/// Evaluates AGs (`synthetic`) against the haplotypes the model was trained on (`train`) and,
/// when given, real haplotypes it never saw (`holdout`): fidelity (allele frequencies, LD,
/// distances, PCA, 3-point correlations, haplotype frequencies, Fst, LD in `ld_windows` windows
/// along the chromosome), privacy (AATS, DCR, copies, membership inference, privacy loss,
/// shared segments, KING kinship, with 95% bootstrap intervals over people), the classifier
/// two-sample test (with a holdout) and a verdict, as `genosynth eval`.
///
/// `model`: the `Model` the AGs came from adds its checkpoint selection, DP guarantee, one LD
/// window centred on each of its joins (a stitched CRBM) and (with a holdout) the likelihood
/// attack, whose members are the haplotypes the model was trained on (`train` without the
/// validation people that chose its checkpoint); when `train` is not the model's training data
/// the attack is left out with a `UserWarning`, as `genosynth eval --model` warns.
/// `genetic_map`: the path of a genetic map (PLINK or HapMap layout, plain or gzipped), which
/// adds segment lengths in cM. The other options are `genosynth eval`'s.
#[pyfunction]
#[pyo3(signature = (train, synthetic, holdout = None, *, model = None, seed = 42, max_haplotypes = None, aats_repeats = 10, ld_window = 100, ld_windows = 20, n_triplets = 2000, triplet_window = 20, haplotype_windows = None, pca_components = 6, genetic_map = None))]
#[allow(
    clippy::too_many_arguments,
    reason = "the keyword arguments of one Python function"
)]
pub(crate) fn evaluate(
    py: Python<'_>,
    train: &Haplotypes,
    synthetic: &Haplotypes,
    holdout: Option<&Haplotypes>,
    model: Option<&Model>,
    seed: u64,
    max_haplotypes: Option<usize>,
    aats_repeats: usize,
    ld_window: usize,
    ld_windows: usize,
    n_triplets: usize,
    triplet_window: usize,
    haplotype_windows: Option<Vec<usize>>,
    pca_components: usize,
    genetic_map: Option<PathBuf>,
) -> PyResult<Report> {
    let genetic_map = genetic_map
        .as_deref()
        .map(genosynth_vcf::read_genetic_map)
        .transpose()
        .map_err(errors::vcf)?;
    let settings = Settings {
        seed,
        max_haplotypes,
        aats_repeats,
        ld_window,
        ld_windows,
        // The model's own joins (a stitched CRBM's windows): one more LD window on each.
        model_boundaries: model
            .map(|m| genosynth::checkpoint_boundaries(m.checkpoint()))
            .unwrap_or_default(),
        n_triplets,
        triplet_window,
        haplotype_windows: haplotype_windows
            .unwrap_or_else(|| Settings::default().haplotype_windows),
        pca_components,
        ..Settings::default()
    };
    let input = EvalInput {
        train: &train.matrix,
        synthetic: &synthetic.matrix,
        holdout: holdout.map(|h| &h.matrix),
        panel: None,
        synthetic_panel: None,
        genetic_map: genetic_map.as_ref(),
        settings,
        stop: None,
    };
    let checkpoint = model.map(Model::checkpoint);
    let (report, warning) =
        py.detach(|| -> PyResult<(genosynth_eval::Report, Option<String>)> {
            let provenance = genosynth::provenance(checkpoint, &synthetic.metadata);
            let (likelihood_attack, warning) = match (checkpoint, holdout) {
                (Some(ck), Some(holdout)) => {
                    match genosynth::trained_model_attack(ck, &train.matrix, &holdout.matrix, seed)
                    {
                        Ok(attack) => (attack, None),
                        Err(e) => (
                            None,
                            Some(format!("likelihood attack left out: {}", errors::chain(&e))),
                        ),
                    }
                }
                _ => (None, None),
            };
            // The facade's evaluation, as `genosynth eval`: it adds the annotations and judges them.
            let annotations = genosynth::Annotations {
                selection: provenance.selection,
                guard: provenance.guard,
                differential_privacy: provenance.differential_privacy,
                likelihood_attack,
                privacy_risk: provenance.privacy_risk,
                private_alleles: provenance.private_alleles,
            };
            let report =
                genosynth::evaluate(&input, annotations, &mut |_: genosynth::Event<'_>| {})
                    .map_err(errors::pipeline)?;
            Ok((report, warning))
        })?;
    if let Some(warning) = warning {
        let message =
            std::ffi::CString::new(warning.replace('\0', " ")).expect("NUL bytes were replaced");
        PyErr::warn(
            py,
            &py.get_type::<pyo3::exceptions::PyUserWarning>(),
            &message,
            1,
        )?;
    }
    Ok(Report {
        report,
        dict: PyOnceLock::new(),
    })
}

/// Writes `report.json` and the self-contained `report.html` of a `Report` into `directory`
/// (created if needed), atomically, as `genosynth eval -o` does.
#[pyfunction]
pub(crate) fn write_report(
    py: Python<'_>,
    report: &Bound<'_, PyAny>,
    directory: PathBuf,
) -> PyResult<()> {
    let report = report.cast::<Report>().map_err(|_| {
        PyTypeError::new_err(
            "write_report needs the Report that evaluate() returned (report.html is drawn from data that a report.json dict leaves out)",
        )
    })?;
    let report = &report.get().report;
    py.detach(|| genosynth::write_report(&directory, report))
        .map_err(errors::pipeline)
}
