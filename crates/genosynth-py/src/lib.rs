//! Python bindings of genosynth: the extension module `genosynth._genosynth` that the Python
//! package `genosynth` (`python/genosynth/__init__.py`) re-exports.
//!
//! Built into an abi3 wheel by maturin (`pip install ./crates/genosynth-py`); the API is
//! documented in `docs/python.md` and typed in `python/genosynth/__init__.pyi`:
//!
//! - `read` / `write` and the `Haplotypes` class (numpy genotypes, sites, samples), over
//!   genosynth-vcf and genosynth-core (`io.rs`, `haplotypes.rs`);
//! - `train` / `load` and the `Model` class, over genosynth-models and the `genosynth` facade
//!   (selection on held-out people, the guard) (`model.rs`, `params.rs`);
//! - `evaluate` / `write_report` and the `Report` class, over genosynth-eval (`report.rs`).
//!
//! Long calls release the GIL; errors become `ValueError` (bad input or settings), `OSError`
//! (files) or `RuntimeError` (computation), with the library's message (`errors.rs`).

mod errors;
mod haplotypes;
mod io;
mod model;
mod params;
mod report;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _genosynth(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<haplotypes::Haplotypes>()?;
    m.add_class::<model::Model>()?;
    m.add_class::<report::Report>()?;
    m.add(
        "PrivacyRiskError",
        m.py().get_type::<errors::PrivacyRiskError>(),
    )?;
    m.add_function(wrap_pyfunction!(io::read, m)?)?;
    m.add_function(wrap_pyfunction!(io::write, m)?)?;
    m.add_function(wrap_pyfunction!(model::train, m)?)?;
    m.add_function(wrap_pyfunction!(model::load, m)?)?;
    m.add_function(wrap_pyfunction!(report::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(report::write_report, m)?)?;
    Ok(())
}
