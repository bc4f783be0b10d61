//! The `Haplotypes` class: a bit-packed `HaplotypeMatrix` seen from Python as numpy arrays.

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::errors;

/// The keys of `Haplotypes.sites`, in order.
const SITE_KEYS: [&str; 5] = ["chrom", "pos", "id", "ref", "alt"];

/// Phased haplotypes (rows) at biallelic sites (columns), with their samples.
///
/// Immutable: `genotypes` and `sites` are read-only numpy arrays made once; build a new object
/// with `Haplotypes.from_numpy` to change anything.
#[pyclass(module = "genosynth", frozen)]
pub(crate) struct Haplotypes {
    pub(crate) matrix: HaplotypeMatrix,
    /// `##contig` IDs and lengths of the file read, passed on when writing.
    pub(crate) contigs: Vec<(String, Option<u64>)>,
    /// `##genosynth…` header lines (of a file genosynth wrote, or of generated AGs).
    pub(crate) metadata: Vec<(String, String)>,
    genotypes: PyOnceLock<Py<PyAny>>,
    sites: PyOnceLock<Py<PyDict>>,
}

impl Haplotypes {
    /// Wraps a matrix.
    pub(crate) fn new(
        matrix: HaplotypeMatrix,
        contigs: Vec<(String, Option<u64>)>,
        metadata: Vec<(String, String)>,
    ) -> Self {
        Self {
            matrix,
            contigs,
            metadata,
            genotypes: PyOnceLock::new(),
            sites: PyOnceLock::new(),
        }
    }
}

/// A read-only numpy array over `bytes` with `dtype` and `shape`.
fn frozen_array<'py>(
    py: Python<'py>,
    bytes: &[u8],
    dtype: &str,
    shape: (usize, usize),
) -> PyResult<Bound<'py, PyAny>> {
    let np = py.import("numpy")?;
    let buffer = PyBytes::new(py, bytes);
    np.call_method1("frombuffer", (buffer, dtype))?
        .call_method1("reshape", (shape,))
}

#[pymethods]
impl Haplotypes {
    /// The alleles, haplotypes × sites, numpy `uint8` (0 = REF, 1 = ALT), read-only.
    #[getter]
    fn genotypes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.genotypes
            .get_or_try_init(py, || {
                let shape = (self.matrix.n_haplotypes(), self.matrix.n_sites());
                let dense = py.detach(|| self.matrix.to_dense_u8());
                Ok(frozen_array(py, &dense, "uint8", shape)?.unbind())
            })
            .map(|a| a.clone_ref(py))
    }

    /// The sites: a dict of numpy arrays `chrom`, `pos` (int64, 1-based), `id` (`.` when
    /// none), `ref`, `alt` (str arrays), one entry per column of `genotypes`.
    #[getter]
    fn sites(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        self.sites
            .get_or_try_init(py, || {
                let np = py.import("numpy")?;
                let sites = self.matrix.sites();
                let dict = PyDict::new(py);
                let strings = |f: &dyn Fn(&Site) -> &str| -> PyResult<Bound<'_, PyAny>> {
                    let list: Vec<&str> = sites.iter().map(f).collect();
                    let array = np.call_method1("array", (list, "str"))?;
                    array.call_method1("setflags", (false,))?;
                    Ok(array)
                };
                dict.set_item("chrom", strings(&|s| &s.chrom)?)?;
                let pos: Vec<u8> = sites
                    .iter()
                    .flat_map(|s| (s.pos as i64).to_ne_bytes())
                    .collect();
                let pos = frozen_array(py, &pos, "int64", (sites.len(), 1))?
                    .call_method1("reshape", (sites.len(),))?;
                dict.set_item("pos", pos)?;
                dict.set_item("id", strings(&|s| s.id.as_deref().unwrap_or("."))?)?;
                dict.set_item("ref", strings(&|s| &s.reference)?)?;
                dict.set_item("alt", strings(&|s| &s.alternate)?)?;
                Ok(dict.unbind())
            })
            .map(|d| d.clone_ref(py))
    }

    /// Sample names, one per individual (a diploid sample owns two consecutive rows).
    #[getter]
    fn samples(&self) -> Vec<String> {
        self.matrix
            .samples()
            .iter()
            .map(|s| s.name.clone())
            .collect()
    }

    /// Haplotypes per sample: an int when every sample has the same ploidy (2 for diploid
    /// data), else a list with one entry per sample.
    #[getter]
    fn ploidy(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let copies: Vec<usize> = self
            .matrix
            .samples()
            .iter()
            .map(|s| s.ploidy.copies())
            .collect();
        match copies.first() {
            Some(&first) if copies.iter().all(|&c| c == first) => {
                Ok(first.into_pyobject(py)?.into_any().unbind())
            }
            _ => Ok(PyList::new(py, copies)?.into_any().unbind()),
        }
    }

    /// Number of haplotypes (rows).
    #[getter]
    fn n_haplotypes(&self) -> usize {
        self.matrix.n_haplotypes()
    }

    /// Number of sites (columns).
    #[getter]
    fn n_sites(&self) -> usize {
        self.matrix.n_sites()
    }

    /// `##genosynth…` header lines of the file read (model, seed, guard, DP of AGs genosynth
    /// wrote) or of generated AGs, as a dict.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in &self.metadata {
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    /// ALT allele count per site (numpy int64), counted on the packed rows.
    fn allele_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let counts = py.detach(|| self.matrix.allele_counts());
        let bytes: Vec<u8> = counts
            .iter()
            .flat_map(|&c| i64::from(c).to_ne_bytes())
            .collect();
        frozen_array(py, &bytes, "int64", (counts.len(), 1))?
            .call_method1("reshape", (counts.len(),))
    }

    /// ALT allele frequency per site (numpy float64).
    fn allele_frequencies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let freqs = py.detach(|| self.matrix.allele_frequencies());
        let bytes: Vec<u8> = freqs.iter().flat_map(|f| f.to_ne_bytes()).collect();
        frozen_array(py, &bytes, "float64", (freqs.len(), 1))?
            .call_method1("reshape", (freqs.len(),))
    }

    /// Builds haplotypes from a 2-D array of 0/1 alleles (haplotypes × sites; integer or bool),
    /// a dict of sites (`chrom`, `pos`, `ref`, `alt`: one value per site, or one str for all;
    /// `id` optional) and sample names (`ploidy` haplotypes each, consecutive rows).
    #[staticmethod]
    #[pyo3(signature = (genotypes, sites, samples, ploidy = None))]
    fn from_numpy(
        py: Python<'_>,
        genotypes: &Bound<'_, PyAny>,
        sites: &Bound<'_, PyDict>,
        samples: Vec<String>,
        ploidy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let (alleles, rows, n_sites) = dense_alleles(py, genotypes)?;
        let sites = sites_from_dict(sites, n_sites)?;
        let samples = samples_with_ploidy(samples, ploidy)?;
        let from_samples: usize = samples.iter().map(|s| s.ploidy.copies()).sum();
        if from_samples != rows {
            return Err(errors::value(format!(
                "{} samples carry {from_samples} haplotypes but genotypes has {rows} rows",
                samples.len()
            )));
        }
        let matrix = py
            .detach(|| HaplotypeMatrix::from_dense_u8(&alleles, sites, samples))
            .map_err(errors::core)?;
        Ok(Self::new(matrix, Vec::new(), Vec::new()))
    }

    fn __len__(&self) -> usize {
        self.matrix.n_haplotypes()
    }

    fn __repr__(&self) -> String {
        format!(
            "Haplotypes({} haplotypes × {} sites, {} samples)",
            self.matrix.n_haplotypes(),
            self.matrix.n_sites(),
            self.matrix.samples().len()
        )
    }
}

/// `genotypes` as row-major `u8` alleles with its shape; refuses anything but 0/1 integers or
/// booleans in two dimensions.
fn dense_alleles(
    py: Python<'_>,
    genotypes: &Bound<'_, PyAny>,
) -> PyResult<(Vec<u8>, usize, usize)> {
    let np = py.import("numpy")?;
    let array = np.call_method1("asarray", (genotypes,))?;
    let shape: Vec<usize> = array.getattr("shape")?.extract()?;
    let [rows, cols] = shape[..] else {
        return Err(errors::value(format!(
            "genotypes must be 2-D (haplotypes × sites), got shape {shape:?}"
        )));
    };
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "b" | "u" | "i") {
        let dtype = array.getattr("dtype")?.str()?.to_string();
        return Err(errors::value(format!(
            "genotypes must hold integers or booleans (0 = REF, 1 = ALT), got dtype {dtype}"
        )));
    }
    if kind != "b" && rows > 0 && cols > 0 {
        let (min, max): (i64, u64) = (
            array.call_method0("min")?.extract()?,
            array.call_method0("max")?.extract()?,
        );
        if min < 0 || max > 1 {
            let bad = if min < 0 {
                min.to_string()
            } else {
                max.to_string()
            };
            return Err(errors::value(format!(
                "genotypes: value {bad} is not an allele (expected 0 or 1)"
            )));
        }
    }
    let bytes = np
        .call_method1("ascontiguousarray", (array, "uint8"))?
        .call_method0("tobytes")?;
    let bytes = bytes.cast::<PyBytes>()?;
    Ok((bytes.as_bytes().to_vec(), rows, cols))
}

/// One value per site for `key`: a sequence of `n` values, or a single str repeated.
fn column<'py>(
    sites: &Bound<'py, PyDict>,
    key: &str,
    n: usize,
) -> PyResult<Option<Vec<Bound<'py, PyAny>>>> {
    let Some(value) = sites.get_item(key)? else {
        return Ok(None);
    };
    if value.is_instance_of::<PyString>() {
        return Ok(Some(vec![value; n]));
    }
    let values: Vec<Bound<'py, PyAny>> = value
        .try_iter()
        .map_err(|_| PyTypeError::new_err(format!("sites[{key:?}] must be a sequence or a str")))?
        .collect::<PyResult<_>>()?;
    if values.len() != n {
        return Err(errors::value(format!(
            "sites[{key:?}] has {} values, genotypes has {n} sites",
            values.len()
        )));
    }
    Ok(Some(values))
}

/// Sites from the dict `from_numpy` takes.
fn sites_from_dict(sites: &Bound<'_, PyDict>, n: usize) -> PyResult<Sites> {
    for key in sites.keys() {
        let key: String = key.extract()?;
        if !SITE_KEYS.contains(&key.as_str()) {
            return Err(errors::value(format!(
                "sites: unknown key {key:?}; expected {}",
                SITE_KEYS.join(", ")
            )));
        }
    }
    let required = |key: &str| {
        column(sites, key, n)?.ok_or_else(|| errors::value(format!("sites: {key:?} is missing")))
    };
    let text = |values: Vec<Bound<'_, PyAny>>| -> PyResult<Vec<String>> {
        values.iter().map(|v| Ok(v.str()?.to_string())).collect()
    };
    let chrom = text(required("chrom")?)?;
    let reference = text(required("ref")?)?;
    let alternate = text(required("alt")?)?;
    let ids = column(sites, "id", n)?.map(text).transpose()?;
    let pos = required("pos")?
        .iter()
        .map(|p| {
            let pos: i64 = p.extract().map_err(|_| {
                errors::value(format!("sites[\"pos\"]: {p} is not an integer position"))
            })?;
            u64::try_from(pos).ok().filter(|&p| p > 0).ok_or_else(|| {
                errors::value(format!("sites[\"pos\"]: {pos} is not a 1-based position"))
            })
        })
        .collect::<PyResult<Vec<u64>>>()?;
    Ok((0..n)
        .map(|i| {
            let site = Site::new(
                chrom[i].clone(),
                pos[i],
                reference[i].clone(),
                alternate[i].clone(),
            );
            match ids.as_ref().map(|ids| ids[i].as_str()) {
                Some(id) if id != "." && !id.is_empty() => site.with_id(id),
                _ => site,
            }
        })
        .collect())
}

/// Samples named `names`, each with `ploidy` haplotypes (an int for all, a list per sample;
/// default 2).
fn samples_with_ploidy(
    names: Vec<String>,
    ploidy: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<Sample>> {
    let per_sample: Vec<usize> = match ploidy {
        None => vec![2; names.len()],
        Some(p) => match p.extract::<usize>() {
            Ok(k) => vec![k; names.len()],
            Err(_) => p.extract().map_err(|_| {
                PyTypeError::new_err("ploidy must be an int or a list of ints, one per sample")
            })?,
        },
    };
    if per_sample.len() != names.len() {
        return Err(errors::value(format!(
            "ploidy has {} entries for {} samples",
            per_sample.len(),
            names.len()
        )));
    }
    names
        .into_iter()
        .zip(per_sample)
        .map(|(name, copies)| {
            let ploidy = Ploidy::from_copies(copies).ok_or_else(|| {
                errors::value(format!(
                    "sample {name:?}: ploidy {copies} (expected 1 or 2)"
                ))
            })?;
            Ok(Sample::new(name, ploidy))
        })
        .collect()
}
