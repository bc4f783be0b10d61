//! `read` and `write`: files to `Haplotypes` and back, through genosynth-vcf.

use std::path::PathBuf;

use genosynth_vcf::{
    MissingPolicy, MultiallelicPolicy, OutputFormat, ReadOptions, Region, SampleSelection,
    WriteOptions,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::errors;
use crate::haplotypes::Haplotypes;

/// Reads a VCF (plain, gzip or BGZF), BCF, `.hapt`, phased PLINK 2 (`X.pgen` with `X.pvar`
/// and `X.psam`) or phased BGEN v1.2 file into haplotypes.
///
/// `region`: `"chr1"`, `"chr1:100-200"` (1-based, inclusive), comma-separated or a list (the
/// index is used when there is one). `samples`: a list of names to keep, in that order, or a
/// bcftools-style string (`"A,B"`, `"^A,B"` to exclude). `multiallelic`: `"error"`,
/// `"split"` or `"drop"`; `missing`: `"error"` or `"major"`; `snps_only` drops indels;
/// `sites` gives the sites of a `.hapt` file. `input_format` (`"vcf"`, `"bcf"`, `"hapt"`,
/// `"pgen"`, `"bgen"`) overrides detection from the extension and content.
#[pyfunction]
#[pyo3(signature = (path, *, region = None, samples = None, multiallelic = "error", missing = "error", snps_only = false, sites = None, input_format = None))]
#[allow(
    clippy::too_many_arguments,
    reason = "the keyword arguments of one Python function"
)]
pub(crate) fn read(
    py: Python<'_>,
    path: PathBuf,
    region: Option<&Bound<'_, PyAny>>,
    samples: Option<&Bound<'_, PyAny>>,
    multiallelic: &str,
    missing: &str,
    snps_only: bool,
    sites: Option<PathBuf>,
    input_format: Option<&str>,
) -> PyResult<Haplotypes> {
    let input_format = input_format
        .map(|name| {
            genosynth_vcf::InputFormat::from_name(name).ok_or_else(|| {
                errors::value(format!(
                    "input_format={name:?}: expected \"vcf\", \"bcf\", \"hapt\", \"pgen\" or \"bgen\""
                ))
            })
        })
        .transpose()?;
    let options = ReadOptions {
        regions: regions(region)?,
        samples: samples.map(sample_selection).transpose()?,
        multiallelic: match multiallelic {
            "error" => MultiallelicPolicy::Error,
            "split" => MultiallelicPolicy::Split,
            "drop" => MultiallelicPolicy::Drop,
            other => {
                return Err(errors::value(format!(
                    "multiallelic={other:?}: expected \"error\", \"split\" or \"drop\""
                )));
            }
        },
        missing: match missing {
            "error" => MissingPolicy::Error,
            "major" => MissingPolicy::Major,
            other => {
                return Err(errors::value(format!(
                    "missing={other:?}: expected \"error\" or \"major\""
                )));
            }
        },
        snps_only,
        sites_file: sites,
        input_format,
        ..ReadOptions::default()
    };
    let read = py
        .detach(|| genosynth_vcf::read(&path, &options))
        .map_err(errors::vcf)?;
    Ok(Haplotypes::new(
        read.matrix,
        read.report.contigs,
        read.report.metadata,
    ))
}

/// Writes haplotypes to `path` in `format` (`"v"` VCF, `"z"` BGZF VCF, `"b"` BCF, `"u"`
/// uncompressed BCF, `"h"` `.hapt`, `"p"` phased PLINK 2; default: from the extension).
/// `index=True` also writes `.tbi` (VCF.gz) or `.csi` (BCF). Atomic: no partial file is left.
#[pyfunction]
#[pyo3(signature = (haplotypes, path, format = None, *, index = false))]
pub(crate) fn write(
    py: Python<'_>,
    haplotypes: &Haplotypes,
    path: PathBuf,
    format: Option<&str>,
    index: bool,
) -> PyResult<()> {
    let format = format
        .map(|letter| {
            OutputFormat::from_letter(letter).ok_or_else(|| {
                errors::value(format!(
                    "format {letter:?}: expected v (VCF), z (VCF.gz), b (BCF), u (uncompressed BCF), h (.hapt) or p (PLINK 2 .pgen)"
                ))
            })
        })
        .transpose()?;
    let options = WriteOptions {
        format,
        write_index: index,
        metadata: haplotypes.metadata.clone(),
        contig_lengths: haplotypes.contigs.clone(),
        ..WriteOptions::default()
    };
    py.detach(|| genosynth_vcf::write(&path, &haplotypes.matrix, &options))
        .map_err(errors::vcf)
}

/// Regions from a str (comma-separated) or a sequence of str, parsed like bcftools `-r`.
fn regions(region: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Region>> {
    let Some(region) = region else {
        return Ok(Vec::new());
    };
    let texts: Vec<String> = if let Ok(text) = region.cast::<PyString>() {
        text.to_cow()?
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect()
    } else {
        region
            .extract()
            .map_err(|_| PyTypeError::new_err("region must be a str or a list of str"))?
    };
    texts
        .iter()
        .map(|t| Region::parse(t).map_err(|e| PyValueError::new_err(format!("region {t:?}: {e}"))))
        .collect()
}

/// Samples from a bcftools-style str or a list of names to include.
fn sample_selection(samples: &Bound<'_, PyAny>) -> PyResult<SampleSelection> {
    if let Ok(text) = samples.cast::<PyString>() {
        return Ok(SampleSelection::parse_list(&text.to_cow()?));
    }
    samples
        .extract()
        .map(SampleSelection::Include)
        .map_err(|_| PyTypeError::new_err("samples must be a str or a list of str"))
}
