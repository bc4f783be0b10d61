//! [`write`]: a matrix to VCF, BGZF VCF, BCF, `.hapt` or PLINK 2, atomically.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use genosynth_core::{HaplotypeMatrix, Sample, Sites};
use noodles_bgzf as bgzf;
use noodles_bgzf::io::writer::CompressionLevel;

use crate::atomic::{parent_dir, temp_file};
use crate::encode::{
    Columns, MatrixColumns, bcf_header, header_text, write_bcf_records, write_vcf_records,
};
use crate::error::{Error, ErrorKind};
use crate::hapt;
use crate::input::{is_stdio, with_extension, worker_count};
use crate::options::{OutputFormat, WriteOptions};
use crate::pgen;

/// Writes `matrix` to `path` (`-` = stdout) in the format of `options` or of the extension.
///
/// Files are written atomically: into a temporary file in the target directory, flushed to
/// disk, then renamed over `path`; the index likewise. An error or a Ctrl-C (the stop flag)
/// leaves neither output nor temporary file. Writing without an index removes a stale
/// `.tbi`/`.csi` of an older file at `path`. Writing `.hapt` also writes the sites beside it
/// (`X.sites`, see [`companion_sites_path`](crate::companion_sites_path)). Writing PLINK 2
/// (`X.pgen`) also writes `X.pvar` and `X.psam`, all three renamed into place only once each
/// is complete; phase is kept (see [`OutputFormat::Pgen`]).
///
/// Samples come from the matrix: diploid samples are written `a|b`, haploid ones `a`; INFO
/// `AC`, `AN`, `AF` are computed from the written genotypes.
///
/// # Errors
/// An unwritable matrix (unsorted sites, repeated sample names), an unknown format, or an
/// I/O failure.
pub fn write(path: &Path, matrix: &HaplotypeMatrix, options: &WriteOptions) -> Result<(), Error> {
    write_kind(path, matrix, options).map_err(|kind| Error::new(path, kind))
}

/// The format `write` would use for `path`.
///
/// # Errors
/// No format given and none implied by the name, or PLINK 2 output to stdout or to a name
/// not ending in `.pgen` (checked here so that callers can refuse before long work).
pub fn output_format(path: &Path, options: &WriteOptions) -> Result<OutputFormat, Error> {
    let format = options
        .format
        .or_else(|| OutputFormat::from_path(path))
        .or_else(|| is_stdio(path).then_some(OutputFormat::Vcf))
        .ok_or_else(|| Error::new(path, ErrorKind::UnknownOutputFormat))?;
    if format == OutputFormat::Pgen {
        pgen::check_path(path).map_err(|kind| Error::new(path, kind))?;
    }
    Ok(format)
}

fn write_kind(
    path: &Path,
    matrix: &HaplotypeMatrix,
    options: &WriteOptions,
) -> Result<(), ErrorKind> {
    let format = output_format(path, options).map_err(|e| e.kind)?;
    let (sites, samples) = (matrix.sites(), matrix.samples());
    validate(sites, samples, format, options)?;
    let mut source = MatrixColumns(matrix);
    if is_stdio(path) {
        if options.write_index {
            return Err(ErrorKind::Unwritable(
                "cannot write an index for stdout".into(),
            ));
        }
        if format == OutputFormat::Hapt {
            encode_hapt(io::stdout(), matrix, options, false)?;
        } else {
            encode(format, io::stdout(), sites, samples, &mut source, options)?;
        }
        return Ok(());
    }
    let dir = output_dir(path)?;
    if format == OutputFormat::Pgen {
        return pgen::write(path, &dir, sites, samples, &mut source, options);
    }
    let data = temp_file(&dir)?;
    let gz = path.to_string_lossy().ends_with(".gz");
    let file = data.as_file().try_clone().map_err(ErrorKind::Io)?;
    let file = if format == OutputFormat::Hapt {
        encode_hapt(file, matrix, options, gz)?
    } else {
        encode(format, file, sites, samples, &mut source, options)?
    };
    file.sync_all().map_err(ErrorKind::Io)?;
    drop(file);
    persist_output(path, &dir, format, data, sites, options)
}

/// The directory of `path`, created if missing: `-o out/ags.vcf.gz` where `out/` does not
/// exist yet, as the temporary file must live beside the output for the final rename.
pub(crate) fn output_dir(path: &Path) -> Result<PathBuf, ErrorKind> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).map_err(ErrorKind::Open)?;
    Ok(dir)
}

/// Indexes the complete temporary file `data` if asked, writes a `.hapt`'s sites beside it,
/// then renames everything into place (unless Ctrl-C was pressed).
pub(crate) fn persist_output(
    path: &Path,
    dir: &Path,
    format: OutputFormat,
    data: tempfile::NamedTempFile,
    sites: &Sites,
    options: &WriteOptions,
) -> Result<(), ErrorKind> {
    let temp = || temp_file(dir);
    let mut index = None;
    if options.write_index {
        let ext = format.index_extension().ok_or_else(|| {
            ErrorKind::Unwritable(format!(
                "{format:?} output cannot be indexed (use -O z or -O b)"
            ))
        })?;
        let idx = temp()?;
        write_index(format, data.path(), idx.path())?;
        index = Some((idx, ext));
    }
    let mut sites_file = None;
    if format == OutputFormat::Hapt {
        let mut s = temp()?;
        hapt::write_sites(s.as_file_mut(), sites)?;
        s.as_file().sync_all().map_err(ErrorKind::Io)?;
        sites_file = Some(s);
    }
    if stopped_now(options) {
        return Err(ErrorKind::Interrupted);
    }
    data.persist(path).map_err(|e| ErrorKind::Io(e.error))?;
    // Any index beside `path` describes an older file now.
    for ext in ["tbi", "csi"] {
        let old = with_extension(path, ext);
        if old.exists() {
            let _ = std::fs::remove_file(&old);
        }
    }
    if let Some((idx, ext)) = index {
        idx.persist(with_extension(path, ext))
            .map_err(|e| ErrorKind::Io(e.error))?;
    }
    if let Some(s) = sites_file {
        s.persist(hapt::companion_sites_path(path))
            .map_err(|e| ErrorKind::Io(e.error))?;
    }
    Ok(())
}

fn stopped_now(options: &WriteOptions) -> bool {
    crate::options::stopped(&options.stop)
}

/// A multithreaded BGZF writer over `out`.
pub(crate) fn bgzf_writer<W: Write + Send + 'static>(
    out: W,
    level: CompressionLevel,
    options: &WriteOptions,
) -> bgzf::io::MultithreadedWriter<W> {
    bgzf::io::multithreaded_writer::Builder::default()
        .set_worker_count(worker_count(options.threads.max(1)))
        .set_compression_level(level)
        .build_from_writer(out)
}

/// Writes the VCF or BCF of `sites` × `samples` (genotypes from `source`) into `out` in
/// `format`; returns `out` after flushing.
pub(crate) fn encode<W: Write + Send + 'static>(
    format: OutputFormat,
    out: W,
    sites: &Sites,
    samples: &[Sample],
    source: &mut dyn Columns,
    options: &WriteOptions,
) -> Result<W, ErrorKind> {
    let header = header_text(sites, samples, options);
    match format {
        OutputFormat::Vcf => {
            let mut w = BufWriter::with_capacity(1 << 20, out);
            w.write_all(header.as_bytes()).map_err(ErrorKind::Io)?;
            write_vcf_records(&mut w, sites, samples, source, &options.stop)?;
            w.into_inner().map_err(|e| ErrorKind::Io(e.into_error()))
        }
        OutputFormat::VcfGz => {
            let mut w = bgzf_writer(out, CompressionLevel::default(), options);
            w.write_all(header.as_bytes()).map_err(ErrorKind::Io)?;
            write_vcf_records(&mut w, sites, samples, source, &options.stop)?;
            w.finish().map_err(ErrorKind::Io)
        }
        OutputFormat::Bcf | OutputFormat::BcfUncompressed => {
            let level = if format == OutputFormat::Bcf {
                CompressionLevel::default()
            } else {
                CompressionLevel::NONE
            };
            let mut w = bgzf_writer(out, level, options);
            w.write_all(&bcf_header(&header)).map_err(ErrorKind::Io)?;
            write_bcf_records(&mut w, sites, samples, source, &options.stop)?;
            w.finish().map_err(ErrorKind::Io)
        }
        OutputFormat::Hapt | OutputFormat::Pgen => Err(ErrorKind::Unwritable(format!(
            "{format:?} output is not written record by record"
        ))),
    }
}

/// The `haptGroup` metadata value (the first column of `.hapt` lines).
pub(crate) fn hapt_group(options: &WriteOptions) -> &str {
    options
        .metadata
        .iter()
        .find(|(k, _)| k == "haptGroup")
        .map_or("genosynth", |(_, v)| v.as_str())
}

/// Writes the `.hapt` lines of `matrix` into `out` (BGZF when `gz`); returns `out`.
fn encode_hapt<W: Write + Send + 'static>(
    out: W,
    matrix: &HaplotypeMatrix,
    options: &WriteOptions,
    gz: bool,
) -> Result<W, ErrorKind> {
    let group = hapt_group(options);
    if gz {
        let mut w = bgzf_writer(out, CompressionLevel::default(), options);
        hapt::write_rows(&mut w, matrix, group, &options.stop)?;
        w.finish().map_err(ErrorKind::Io)
    } else {
        let mut w = BufWriter::with_capacity(1 << 20, out);
        hapt::write_rows(&mut w, matrix, group, &options.stop)?;
        w.into_inner().map_err(|e| ErrorKind::Io(e.into_error()))
    }
}

/// Indexes the finished file at `data` into `dst` (`.tbi` for VCF.gz, `.csi` for BCF).
fn write_index(format: OutputFormat, data: &Path, dst: &Path) -> Result<(), ErrorKind> {
    let bad = |e: io::Error| ErrorKind::Unwritable(format!("cannot index: {e}"));
    match format {
        OutputFormat::VcfGz => match noodles_vcf::fs::index(data).map_err(bad)? {
            noodles_vcf::index::Index::Tabix(index) => {
                noodles_tabix::fs::write(dst, &index).map_err(bad)?
            }
            noodles_vcf::index::Index::Csi(_) => {
                return Err(ErrorKind::Unwritable(
                    "positions beyond 2^29 need a CSI index for VCF.gz; write BCF (-O b) instead"
                        .into(),
                ));
            }
        },
        _ => {
            let index = noodles_bcf::fs::index(data).map_err(bad)?;
            noodles_csi::fs::write(dst, &index).map_err(bad)?;
        }
    }
    File::open(dst)
        .and_then(|f| f.sync_all())
        .map_err(ErrorKind::Io)
}

const RESERVED_KEYS: [&str; 10] = [
    "fileformat",
    "INFO",
    "FORMAT",
    "FILTER",
    "contig",
    "ALT",
    "source",
    "genosynthCommand",
    "SAMPLE",
    "PEDIGREE",
];

/// Checks what VCF/BCF cannot represent before anything is written.
pub(crate) fn validate(
    sites: &Sites,
    samples: &[Sample],
    format: OutputFormat,
    options: &WriteOptions,
) -> Result<(), ErrorKind> {
    let bad = |m: String| Err(ErrorKind::Unwritable(m));
    let mut names = std::collections::HashSet::new();
    for s in samples {
        if s.name.is_empty() || s.name.contains(['\t', '\n', '\r', ' ']) {
            return bad(format!(
                "sample name {:?} is empty or contains whitespace",
                s.name
            ));
        }
        if !names.insert(s.name.as_str()) {
            return bad(format!("sample name {:?} is repeated", s.name));
        }
    }
    validate_metadata(options)?;
    if format == OutputFormat::Hapt {
        return Ok(());
    }
    if format == OutputFormat::Pgen {
        pgen::validate(sites, samples, options.write_index)?;
    }
    if format != OutputFormat::Pgen && samples.len() >= 1 << 24 {
        return bad("BCF holds fewer than 16,777,216 samples".into());
    }
    let mut finished: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut prev: Option<(&str, u64)> = None;
    for site in sites {
        let fields = [&site.chrom, &site.reference, &site.alternate];
        if fields
            .iter()
            .any(|f| f.is_empty() || f.contains(['\t', '\n', ' ', ',']))
        {
            return bad(format!(
                "site {site}: empty field or whitespace/comma in CHROM/REF/ALT"
            ));
        }
        if site.pos == 0 || site.pos > i32::MAX as u64 {
            return bad(format!("site {site}: position out of range"));
        }
        match prev {
            Some((c, p)) if c == site.chrom && site.pos < p => {
                return bad(format!("sites are not sorted: {site} after {c}:{p}"));
            }
            Some((c, _)) if c == site.chrom => {}
            Some((c, _)) => {
                finished.insert(c);
                if finished.contains(site.chrom.as_str()) {
                    return bad(format!(
                        "sites are not sorted: chromosome {} appears twice",
                        site.chrom
                    ));
                }
            }
            None => {}
        }
        prev = Some((&site.chrom, site.pos));
    }
    Ok(())
}

/// Metadata keys must be plain names that do not clash with the lines genosynth writes.
pub(crate) fn validate_metadata(options: &WriteOptions) -> Result<(), ErrorKind> {
    for (k, _) in &options.metadata {
        if k.is_empty()
            || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || RESERVED_KEYS.contains(&k.as_str())
        {
            return Err(ErrorKind::Unwritable(format!(
                "metadata key {k:?} is not a plain name or is reserved"
            )));
        }
    }
    Ok(())
}
