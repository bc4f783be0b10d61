//! Python bindings of genosynth: the extension module `genosynth._genosynth` that the Python
//! package `genosynth` (`python/genosynth/__init__.py`) re-exports.
//!
//! Built into an abi3 wheel by maturin (`pip install ./crates/genosynth-py`); the API is
//! documented in `docs/python.md` and typed in `python/genosynth/__init__.pyi`:
//!
//! - [`read`](io::read) / [`write`](io::write) and the [`Haplotypes`](haplotypes::Haplotypes)
//!   class (numpy genotypes, sites, samples), over genosynth-vcf and genosynth-core;
//! - [`train`](model::train) / [`load`](model::load) and the [`Model`](model::Model) class,
//!   over genosynth-models and the `genosynth` facade (selection on held-out people, guard);
//! - [`evaluate`](report::evaluate) / [`write_report`](report::write_report) and the
//!   [`Report`](report::Report) class, over genosynth-eval.
//!
//! Long calls release the GIL; errors become `ValueError` (bad input or settings), `OSError`
//! (files) or `RuntimeError` (computation), with the library's message ([`errors`]).

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
    m.add_function(wrap_pyfunction!(io::read, m)?)?;
    m.add_function(wrap_pyfunction!(io::write, m)?)?;
    m.add_function(wrap_pyfunction!(model::train, m)?)?;
    m.add_function(wrap_pyfunction!(model::load, m)?)?;
    m.add_function(wrap_pyfunction!(report::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(report::write_report, m)?)?;
    Ok(())
}
