//! PLINK 2 output with phase kept: `X.pgen` (genotypes), `X.pvar` (sites), `X.psam` (samples).
//!
//! The `.pgen` follows the PGEN specification of plink-ng (`pgen_spec/pgen_spec.tex`) and what
//! `pgenlib_write.cc` writes with a backward seek:
//!
//! - header: magic `0x6c 0x1b`, storage mode `0x10` (variable-width records, needed for
//!   phase), variant count and sample count (`u32` LE), a control byte, one `u64` offset per
//!   block of 2^16 variants, then per block the record types (one byte each) and the record
//!   lengths (`w` bytes each, `w` the fewest bytes that hold the longest possible record);
//! - control byte: `w - 1`, plus 4 (8-bit record types, as phase is stored), plus `1 << 6`
//!   (no REF allele is provisional: they come from a VCF or a sites file);
//! - each record: type `0x00`, an uncompressed 2-bit genotype vector (0 = hom REF, 1 = het,
//!   2 = hom ALT; four samples a byte, low bits first), or type `0x10` when the site has
//!   heterozygous calls, followed by the hardcall-phase track: a first bit 0 (every het is
//!   phased, no phasepresent array), then one bit per het in sample order, set when the het is
//!   `1|0` (ALT on the first haplotype).
//!
//! Haploid samples are written as homozygous calls (`a` as `a|a`), the PLINK 2 convention:
//! plink2 counts them once on chrX for males, chrY and MT when the `.psam` sex says so, and
//! twice elsewhere. SEX is written `NA` (the matrix does not know it).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use genosynth_core::{Ploidy, Sample, Sites};

use crate::atomic::temp_file;
use crate::encode::{Blocks, Columns, first_rows, n_haplotypes};
use crate::error::ErrorKind;
use crate::options::{WriteOptions, stopped};

/// Variants per block of the header index.
const BLOCK: usize = 1 << 16;
/// The largest variant and sample counts pgenlib accepts.
const MAX_VARIANTS: usize = 0x7fff_fffd;
const MAX_SAMPLES: usize = 0x7fff_fffe;
/// Record type bit: hardcall phase track present.
const PHASED: u8 = 0x10;

/// `X.pgen` → (`X.pvar`, `X.psam`); `None` unless the name ends in `.pgen`.
fn companion_paths(pgen: &Path) -> Option<(PathBuf, PathBuf)> {
    let name = pgen.file_name()?.to_str()?;
    // Lowercase only: `plink2 --pfile X` opens `X.pgen`.
    let stem = name.strip_suffix(".pgen").filter(|s| !s.is_empty())?;
    Some((
        pgen.with_file_name(format!("{stem}.pvar")),
        pgen.with_file_name(format!("{stem}.psam")),
    ))
}

/// PLINK 2 output goes to `X.pgen`, `X.pvar` and `X.psam`: a name ending in `.pgen`.
pub(crate) fn check_path(path: &Path) -> Result<(PathBuf, PathBuf), ErrorKind> {
    if crate::input::is_stdio(path) {
        return Err(ErrorKind::Unwritable(
            "PLINK 2 output is three files, not stdout: pass -o X.pgen".into(),
        ));
    }
    companion_paths(path).ok_or_else(|| {
        ErrorKind::Unwritable(
            "PLINK 2 output is three files: name it X.pgen (X.pvar and X.psam are written beside it)"
                .into(),
        )
    })
}

/// What PLINK 2 cannot hold beyond what VCF cannot (checked by `write::validate` first).
pub(crate) fn validate(
    sites: &Sites,
    samples: &[Sample],
    write_index: bool,
) -> Result<(), ErrorKind> {
    let bad = |m: String| Err(ErrorKind::Unwritable(m));
    if write_index {
        return bad("PLINK 2 output cannot be indexed (use -O z or -O b)".into());
    }
    if sites.is_empty() || samples.is_empty() {
        return bad("PLINK 2 output needs at least one site and one sample".into());
    }
    if sites.len() > MAX_VARIANTS || samples.len() > MAX_SAMPLES {
        return bad("too many sites or samples for PLINK 2 (at most 2^31 - 3)".into());
    }
    for s in samples {
        if s.name == "0" || s.name.starts_with('#') {
            return bad(format!(
                "sample name {:?}: PLINK 2 reserves \"0\" and names starting with '#'",
                s.name
            ));
        }
    }
    Ok(())
}

/// Writes the three files atomically: temporary files in `dir`, renamed once all are complete.
pub(crate) fn write(
    path: &Path,
    dir: &Path,
    sites: &Sites,
    samples: &[Sample],
    source: &mut dyn Columns,
    options: &WriteOptions,
) -> Result<(), ErrorKind> {
    let (pvar_path, psam_path) = check_path(path)?;
    let pgen = temp_file(dir)?;
    write_pgen(
        pgen.as_file().try_clone().map_err(ErrorKind::Io)?,
        sites.len(),
        samples,
        source,
        options,
    )?;
    let pvar = temp_file(dir)?;
    write_text(pvar.as_file(), |w| write_pvar(w, sites, options))?;
    let psam = temp_file(dir)?;
    write_text(psam.as_file(), |w| write_psam(w, samples))?;
    if stopped(&options.stop) {
        return Err(ErrorKind::Interrupted);
    }
    for (temp, dst) in [(pgen, path), (pvar, &pvar_path), (psam, &psam_path)] {
        temp.persist(dst).map_err(|e| ErrorKind::Io(e.error))?;
    }
    Ok(())
}

/// Writes a text file through a buffer and syncs it.
fn write_text(
    file: &File,
    text: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ErrorKind> {
    let mut w = BufWriter::with_capacity(1 << 20, file);
    text(&mut w)
        .and_then(|()| w.flush())
        .and_then(|()| file.sync_all())
        .map_err(ErrorKind::Io)
}

/// Bytes of the genotype vector of one record.
fn genovec_bytes(n_samples: usize) -> usize {
    n_samples.div_ceil(4)
}

/// Bytes of each record length in the header: enough for the longest possible record
/// (every sample heterozygous).
fn length_width(n_samples: usize) -> usize {
    let longest = (genovec_bytes(n_samples) + 1 + n_samples / 8) as u64;
    (1..=4).find(|w| longest < 1u64 << (8 * w)).unwrap_or(4)
}

/// Header bytes before the first record.
fn header_len(n_variants: usize, width: usize) -> usize {
    12 + 8 * n_variants.div_ceil(BLOCK) + n_variants * (1 + width)
}

/// Writes the `.pgen`: a zeroed header, the records, then the header over the zeros.
pub(crate) fn write_pgen(
    file: File,
    m: usize,
    samples: &[Sample],
    source: &mut dyn Columns,
    options: &WriteOptions,
) -> Result<(), ErrorKind> {
    let n = samples.len();
    let width = length_width(n);
    let start = header_len(m, width);
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let io = ErrorKind::Io;
    out.write_all(&vec![0; start]).map_err(io)?;

    let mut types = Vec::with_capacity(m);
    let mut lengths = Vec::with_capacity(m);
    let mut encoder = Encoder::new(samples, source);
    for s in 0..m {
        if s.is_multiple_of(64) {
            if stopped(&options.stop) {
                return Err(ErrorKind::Interrupted);
            }
            encoder.blocks.gather(s / 64)?;
        }
        let (kind, record) = encoder.record(s % 64);
        out.write_all(record).map_err(io)?;
        types.push(kind);
        lengths.push(record.len() as u32);
    }

    let mut file = out
        .into_inner()
        .map_err(|e| ErrorKind::Io(e.into_error()))?;
    let header = header(n, width, &types, &lengths);
    debug_assert_eq!(header.len(), start);
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(&header).map_err(io)?;
    file.sync_all().map_err(io)
}

/// The header of a file whose records have these types and lengths.
fn header(n_samples: usize, width: usize, types: &[u8], lengths: &[u32]) -> Vec<u8> {
    let m = types.len();
    let mut h = Vec::with_capacity(header_len(m, width));
    h.extend_from_slice(&[0x6c, 0x1b, 0x10]);
    h.extend_from_slice(&(m as u32).to_le_bytes());
    h.extend_from_slice(&(n_samples as u32).to_le_bytes());
    h.push((width as u8 - 1) | 4 | (1 << 6));
    // Block offsets: the first record starts right after the header.
    let mut offset = header_len(m, width) as u64;
    for (b, block) in lengths.chunks(BLOCK).enumerate() {
        debug_assert_eq!(h.len(), 12 + 8 * b);
        h.extend_from_slice(&offset.to_le_bytes());
        offset += block.iter().map(|&l| u64::from(l)).sum::<u64>();
    }
    for (kinds, block) in types.chunks(BLOCK).zip(lengths.chunks(BLOCK)) {
        h.extend_from_slice(kinds);
        for l in block {
            h.extend_from_slice(&l.to_le_bytes()[..width]);
        }
    }
    h
}

/// Encodes the records of one block of 64 sites at a time.
struct Encoder<'c> {
    /// Each sample's first haplotype row and its ploidy.
    samples: Vec<(usize, Ploidy)>,
    /// The current block of 64 sites.
    blocks: Blocks<'c>,
    /// The record being built: genotype vector, then the phase track.
    record: Vec<u8>,
    /// Phase bits of the current record.
    phase: Vec<u8>,
}

impl<'c> Encoder<'c> {
    fn new(samples: &[Sample], source: &'c mut dyn Columns) -> Self {
        let n = samples.len();
        Self {
            samples: first_rows(samples),
            blocks: Blocks::new(source, n_haplotypes(samples)),
            record: Vec::with_capacity(genovec_bytes(n) + 1 + n / 8),
            phase: Vec::with_capacity(1 + n / 8),
        }
    }

    /// The record type and bytes of the site at bit `bit` of the gathered block.
    fn record(&mut self, bit: usize) -> (u8, &[u8]) {
        self.record.clear();
        self.record.resize(genovec_bytes(self.samples.len()), 0);
        // Bit 0 of the phase track: 0 = every het is phased (no phasepresent array).
        self.phase.clear();
        self.phase.push(0);
        let mut hets = 0usize;
        for (i, &(h, ploidy)) in self.samples.iter().enumerate() {
            let a = ((self.blocks.column[h] >> bit) & 1) as u8;
            let code = match ploidy {
                Ploidy::Haploid => 2 * a,
                Ploidy::Diploid => {
                    let b = ((self.blocks.column[h + 1] >> bit) & 1) as u8;
                    if a != b {
                        hets += 1;
                        if hets.is_multiple_of(8) {
                            self.phase.push(0);
                        }
                        // Set = "swapped", 1|0: ALT on the first haplotype.
                        self.phase[hets / 8] |= a << (hets % 8);
                    }
                    a + b
                }
            };
            self.record[i / 4] |= code << (2 * (i % 4));
        }
        if hets == 0 {
            return (0, &self.record);
        }
        self.record.extend_from_slice(&self.phase);
        (PHASED, &self.record)
    }
}

/// The `.pvar`: provenance and contig lines, then `#CHROM POS ID REF ALT`.
fn write_pvar(w: &mut dyn Write, sites: &Sites, options: &WriteOptions) -> std::io::Result<()> {
    writeln!(w, "##source=genosynth {}", env!("CARGO_PKG_VERSION"))?;
    if let Some(cmd) = &options.command_line {
        writeln!(w, "##genosynthCommand={}", crate::encode::one_line(cmd))?;
    }
    for (k, v) in &options.metadata {
        writeln!(w, "##{k}={}", crate::encode::one_line(v))?;
    }
    for chrom in sites.chromosomes() {
        writeln!(w, "{}", crate::encode::contig_line(chrom, options))?;
    }
    writeln!(w, "#CHROM\tPOS\tID\tREF\tALT")?;
    for site in sites {
        let id = site.id.as_deref().filter(|id| !id.is_empty());
        writeln!(
            w,
            "{}\t{}\t{}\t{}\t{}",
            site.chrom,
            site.pos,
            id.unwrap_or("."),
            site.reference,
            site.alternate
        )?;
    }
    Ok(())
}

/// The `.psam`: `#IID SEX`, SEX unknown (`NA`).
fn write_psam(w: &mut dyn Write, samples: &[Sample]) -> std::io::Result<()> {
    writeln!(w, "#IID\tSEX")?;
    for s in samples {
        writeln!(w, "{}\tNA", s.name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
