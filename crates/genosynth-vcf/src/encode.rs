//! Encoding a matrix as VCF text and BCF records, by hand, site by site.
//!
//! Sites are read 64 at a time: one strided pass gathers each haplotype's word for the block,
//! then every site of the block reads bits from that contiguous buffer.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Sites};

use crate::error::ErrorKind;
use crate::options::{WriteOptions, stopped};

/// The INFO/FORMAT dictionary order the header below creates (PASS is always 0).
const KEY_AC: u8 = 1;
const KEY_AN: u8 = 2;
const KEY_AF: u8 = 3;
const KEY_GT: u8 = 4;

/// `##contig=<ID=chrom>`, with `,length=L` when the options know it (no newline).
pub(crate) fn contig_line(chrom: &str, options: &WriteOptions) -> String {
    let length = options
        .contig_lengths
        .iter()
        .find(|(c, _)| c == chrom)
        .and_then(|(_, l)| *l);
    match length {
        Some(l) => format!("##contig=<ID={chrom},length={l}>"),
        None => format!("##contig=<ID={chrom}>"),
    }
}

/// The VCF header text, through the `#CHROM` line (with newline).
pub(crate) fn header_text(sites: &Sites, samples: &[Sample], options: &WriteOptions) -> String {
    let mut h = String::from("##fileformat=VCFv4.3\n");
    h.push_str("##FILTER=<ID=PASS,Description=\"All filters passed\">\n");
    h.push_str("##INFO=<ID=AC,Number=A,Type=Integer,Description=\"Allele count in genotypes\">\n");
    h.push_str("##INFO=<ID=AN,Number=1,Type=Integer,Description=\"Total number of alleles in called genotypes\">\n");
    h.push_str("##INFO=<ID=AF,Number=A,Type=Float,Description=\"Allele frequency\">\n");
    h.push_str("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n");
    for chrom in sites.chromosomes() {
        h.push_str(&contig_line(chrom, options));
        h.push('\n');
    }
    h.push_str(&format!(
        "##source=genosynth {}\n",
        env!("CARGO_PKG_VERSION")
    ));
    if let Some(cmd) = &options.command_line {
        h.push_str(&format!("##genosynthCommand={}\n", one_line(cmd)));
    }
    for (k, v) in &options.metadata {
        h.push_str(&format!("##{k}={}\n", one_line(v)));
    }
    h.push_str("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT");
    for s in samples {
        h.push('\t');
        h.push_str(&s.name);
    }
    h.push('\n');
    h
}

/// A header value on one line: newlines become spaces.
pub(crate) fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Where the genotypes of a block of 64 sites come from: a matrix in memory, or the spill
/// file of a streamed write ([`crate::StreamWriter`]).
pub(crate) trait Columns {
    /// Fills `column[h]` with haplotype `h`'s word of site block `block`.
    fn gather(&mut self, block: usize, column: &mut [u64]) -> Result<(), ErrorKind>;
}

/// The blocks of a matrix in memory: one strided pass per block.
pub(crate) struct MatrixColumns<'m>(pub(crate) &'m HaplotypeMatrix);

impl Columns for MatrixColumns<'_> {
    fn gather(&mut self, block: usize, column: &mut [u64]) -> Result<(), ErrorKind> {
        let wpr = self.0.words_per_row();
        let words = self.0.words();
        for (h, w) in column.iter_mut().enumerate() {
            *w = words[h * wpr + block];
        }
        Ok(())
    }
}

/// Iterates sites in blocks of 64, giving each site's alleles as bits of a gathered word.
pub(crate) struct Blocks<'c> {
    source: &'c mut dyn Columns,
    /// Haplotype `h`'s word for the current block.
    pub(crate) column: Vec<u64>,
}

impl<'c> Blocks<'c> {
    pub(crate) fn new(source: &'c mut dyn Columns, n_haplotypes: usize) -> Self {
        Self {
            source,
            column: vec![0; n_haplotypes],
        }
    }

    pub(crate) fn gather(&mut self, block: usize) -> Result<(), ErrorKind> {
        self.source.gather(block, &mut self.column)
    }

    /// Alleles at bit `bit` of the block: count of ALT.
    fn alt_count(&self, bit: usize) -> u32 {
        self.column.iter().map(|w| ((w >> bit) & 1) as u32).sum()
    }
}

/// For each sample, the row of its first haplotype.
pub(crate) fn first_rows(samples: &[Sample]) -> Vec<(usize, Ploidy)> {
    let mut out = Vec::with_capacity(samples.len());
    let mut h = 0;
    for s in samples {
        out.push((h, s.ploidy));
        h += s.ploidy.copies();
    }
    out
}

/// Haplotype rows of `samples`.
pub(crate) fn n_haplotypes(samples: &[Sample]) -> usize {
    samples.iter().map(|s| s.ploidy.copies()).sum()
}

/// Formats AF the way bcftools does (`%g`-like, shortest f32 form).
fn push_af(line: &mut Vec<u8>, ac: u32, an: u32) {
    if an == 0 {
        line.push(b'.');
    } else {
        let _ = write!(line, "{}", ac as f32 / an as f32);
    }
}

/// Writes the VCF records of `sites` × `samples`, genotypes from `source`, to `out`.
pub(crate) fn write_vcf_records(
    out: &mut dyn Write,
    sites: &Sites,
    samples: &[Sample],
    source: &mut dyn Columns,
    stop: &Option<Arc<AtomicBool>>,
) -> Result<(), ErrorKind> {
    let n_hap = n_haplotypes(samples);
    let mut blocks = Blocks::new(source, n_hap);
    let rows = first_rows(samples);
    let an = n_hap as u32;
    let mut line = Vec::with_capacity(n_hap * 2 + 256);
    for (s, site) in sites.iter().enumerate() {
        let bit = s % 64;
        if bit == 0 {
            if stopped(stop) {
                return Err(ErrorKind::Interrupted);
            }
            blocks.gather(s / 64)?;
        }
        let ac = blocks.alt_count(bit);
        line.clear();
        let _ = write!(
            line,
            "{}\t{}\t{}\t{}\t{}\t.\tPASS\tAC={ac};AN={an};AF=",
            site.chrom,
            site.pos,
            site.id.as_deref().unwrap_or("."),
            site.reference,
            site.alternate
        );
        push_af(&mut line, ac, an);
        line.extend_from_slice(b"\tGT");
        for &(h, ploidy) in &rows {
            let a = b'0' + ((blocks.column[h] >> bit) & 1) as u8;
            line.push(b'\t');
            line.push(a);
            if ploidy == Ploidy::Diploid {
                line.push(b'|');
                line.push(b'0' + ((blocks.column[h + 1] >> bit) & 1) as u8);
            }
        }
        line.push(b'\n');
        out.write_all(&line).map_err(ErrorKind::Io)?;
    }
    Ok(())
}

/// The BCF file header: magic, then the VCF header text with a NUL.
pub(crate) fn bcf_header(text: &str) -> Vec<u8> {
    let mut out = b"BCF\x02\x02".to_vec();
    out.extend_from_slice(&((text.len() + 1) as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.push(0);
    out
}

fn typed_int(buf: &mut Vec<u8>, v: i32) {
    if (-120..=127).contains(&v) {
        buf.push(0x11);
        buf.push(v as i8 as u8);
    } else if (-32760..=32767).contains(&v) {
        buf.push(0x12);
        buf.extend_from_slice(&(v as i16).to_le_bytes());
    } else {
        buf.push(0x13);
        buf.extend_from_slice(&v.to_le_bytes());
    }
}

fn typed_str(buf: &mut Vec<u8>, s: &[u8]) {
    if s.len() < 15 {
        buf.push(((s.len() as u8) << 4) | 7);
    } else {
        buf.push(0xf7);
        typed_int(buf, s.len() as i32);
    }
    buf.extend_from_slice(s);
}

/// Writes the BCF records of `sites` × `samples` to `out` (contig IDs in order of first
/// appearance, matching the `##contig` lines of [`header_text`]).
pub(crate) fn write_bcf_records(
    out: &mut dyn Write,
    sites: &Sites,
    samples: &[Sample],
    source: &mut dyn Columns,
    stop: &Option<Arc<AtomicBool>>,
) -> Result<(), ErrorKind> {
    let n_hap = n_haplotypes(samples);
    let mut blocks = Blocks::new(source, n_hap);
    let rows = first_rows(samples);
    let chroms = sites.chromosomes();
    let max_ploidy = if samples.iter().any(|s| s.ploidy == Ploidy::Diploid) {
        2u8
    } else {
        1u8
    };
    let an = n_hap as u32;
    let n_samples = samples.len() as u32;
    let mut shared = Vec::with_capacity(256);
    let mut indiv = Vec::with_capacity(rows.len() * 2 + 8);
    let mut chrom_id = 0usize;
    for (s, site) in sites.iter().enumerate() {
        let bit = s % 64;
        if bit == 0 {
            if stopped(stop) {
                return Err(ErrorKind::Interrupted);
            }
            blocks.gather(s / 64)?;
        }
        if chroms[chrom_id] != site.chrom {
            chrom_id = chroms
                .iter()
                .position(|c| *c == site.chrom)
                .expect("chromosome listed");
        }
        let ac = blocks.alt_count(bit);
        shared.clear();
        shared.extend_from_slice(&(chrom_id as i32).to_le_bytes());
        shared.extend_from_slice(&((site.pos - 1) as i32).to_le_bytes());
        shared.extend_from_slice(&(site.reference.len() as i32).to_le_bytes());
        shared.extend_from_slice(&0x7F80_0001u32.to_le_bytes()); // QUAL missing
        shared.extend_from_slice(&((2u32 << 16) | 3).to_le_bytes()); // 2 alleles, 3 INFO
        shared.extend_from_slice(&((1u32 << 24) | n_samples).to_le_bytes()); // 1 FORMAT
        typed_str(&mut shared, site.id.as_deref().unwrap_or("").as_bytes());
        typed_str(&mut shared, site.reference.as_bytes());
        typed_str(&mut shared, site.alternate.as_bytes());
        shared.extend_from_slice(&[0x11, 0x00]); // FILTER PASS
        shared.extend_from_slice(&[0x11, KEY_AC]);
        typed_int(&mut shared, ac as i32);
        shared.extend_from_slice(&[0x11, KEY_AN]);
        typed_int(&mut shared, an as i32);
        shared.extend_from_slice(&[0x11, KEY_AF, 0x15]);
        let af = if an == 0 {
            f32::from_bits(0x7F80_0001)
        } else {
            ac as f32 / an as f32
        };
        shared.extend_from_slice(&af.to_le_bytes());

        indiv.clear();
        indiv.extend_from_slice(&[0x11, KEY_GT, (max_ploidy << 4) | 1]);
        for &(h, ploidy) in &rows {
            let a = ((blocks.column[h] >> bit) & 1) as u8;
            indiv.push((a + 1) << 1);
            match ploidy {
                Ploidy::Diploid => {
                    let b = ((blocks.column[h + 1] >> bit) & 1) as u8;
                    indiv.push(((b + 1) << 1) | 1);
                }
                Ploidy::Haploid if max_ploidy == 2 => indiv.push(0x81), // vector end
                Ploidy::Haploid => {}
            }
        }
        out.write_all(&(shared.len() as u32).to_le_bytes())
            .and_then(|()| out.write_all(&(indiv.len() as u32).to_le_bytes()))
            .and_then(|()| out.write_all(&shared))
            .and_then(|()| out.write_all(&indiv))
            .map_err(ErrorKind::Io)?;
    }
    Ok(())
}
