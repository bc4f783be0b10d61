//! VCF, BCF, `.hapt`, PLINK 2 and BGEN reading and VCF/BCF/`.hapt`/PLINK 2 writing for
//! genosynth haplotype matrices.
//!
//! This is the only genosynth crate that knows file formats. It reads phased genotypes into a
//! bit-packed [`genosynth_core::HaplotypeMatrix`] and writes matrices back, built on noodles
//! (headers, BCF records, BGZF, tabix/CSI indexes) with a hand-written GT parser and record
//! formatter for speed.
//!
//! - [`read`]: VCF (plain, gzip, BGZF), BCF or `.hapt` (`-` = stdin), format detected from the
//!   content; phased PLINK 2 (`X.pgen` + `X.pvar` + `X.psam`) and phased BGEN v1.2 (`X.bgen`),
//!   detected from the extension or magic bytes; regions through `.tbi`/`.csi`, sample
//!   subsets, and strict policies for multiallelic records, non-SNPs, unphased and missing
//!   genotypes ([`ReadOptions`]), the same for every format.
//! - [`write()`]: VCF, BGZF VCF, BCF, `.hapt` or phased PLINK 2 (`.pgen`/`.pvar`/`.psam`),
//!   atomically, with an optional index ([`WriteOptions`]).
//! - [`StreamWriter`]: the same files written chunk by chunk as haplotypes are made, in
//!   memory bounded by a batch of rows (site-major formats spill to a temporary file).
//! - [`inspect`]: counts every category of a file without refusing it (`genosynth info`).
//! - [`Region`] and [`read_regions_file`] (bcftools `-r`/`-R`, BED), [`read_panel`] /
//!   [`write_panel`] (population labels), and [`write_atomic`], the atomic file write every
//!   genosynth crate uses.
//!
//! Reading a VCF, keeping SNPs only and splitting multiallelic records (like
//! `bcftools norm -m- | bcftools view -v snps`), then writing BCF with a CSI index
//! (like `bcftools view -Ob --write-index`):
//!
//! ```
//! use genosynth_vcf::{read, write, MultiallelicPolicy, ReadOptions, WriteOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let input = dir.path().join("in.vcf");
//! std::fs::write(
//!     &input,
//!     "##fileformat=VCFv4.3\n\
//!      #CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tHG00096\tHG00097\n\
//!      1\t100\trs1\tA\tG,T\t.\tPASS\t.\tGT\t0|1\t2|0\n\
//!      1\t200\t.\tC\tCA\t.\tPASS\t.\tGT\t1|1\t0|0\n",
//! )?;
//! let options = ReadOptions {
//!     multiallelic: MultiallelicPolicy::Split,
//!     snps_only: true,
//!     ..Default::default()
//! };
//! let haplotypes = read(&input, &options)?;
//! let m = &haplotypes.matrix;
//! assert_eq!((m.n_haplotypes(), m.n_sites()), (4, 2)); // A>G and A>T; the indel is dropped
//! assert_eq!(m.allele_counts(), vec![1, 1]);
//!
//! let output = dir.path().join("out.bcf");
//! write(&output, m, &WriteOptions { write_index: true, ..Default::default() })?;
//! let again = read(&output, &ReadOptions::default())?;
//! assert_eq!(&again.matrix, m);
//! assert!(dir.path().join("out.bcf.csi").exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod assemble;
mod atomic;
mod bcf_in;
mod bgen_in;
mod bytes;
mod encode;
mod error;
mod genetic_map;
mod hapt;
mod input;
mod inspect;
mod options;
mod panel;
mod pgen;
mod pgen_in;
mod plink_text;
mod read;
mod record;
mod region;
mod source;
mod stream;
mod vcf_text;
mod write;

pub use atomic::write_atomic;
pub use error::{Error, ErrorKind, RecordProblem};
pub use genetic_map::read_genetic_map;
pub use hapt::companion_sites_path;
pub use input::InputFormat;
pub use inspect::{ChromSpan, FileInfo, MafSpectrum, inspect};
pub use options::{
    MissingPolicy, MultiallelicPolicy, OutputFormat, ReadOptions, SampleSelection, WriteOptions,
};
pub use panel::{companion_panel_path, read_panel, write_panel};
pub use read::{Haplotypes, ReadReport, read};
pub use region::{Region, read_regions_file};
pub use stream::StreamWriter;
pub use write::{output_format, write};

/// [`read`] and [`inspect`] with every record decoded sample by sample, the path the
/// packed decoding of PLINK 2 biallelic records must agree with bit for bit (for tests).
#[doc(hidden)]
pub mod per_sample {
    use std::path::Path;

    use crate::{Error, FileInfo, Haplotypes, ReadOptions};

    /// [`crate::read`] without the packed path.
    pub fn read(path: &Path, options: &ReadOptions) -> Result<Haplotypes, Error> {
        crate::read::read_kind(path, options, false).map_err(|k| Error::new(path, k))
    }

    /// [`crate::inspect`] without the packed path.
    pub fn inspect(path: &Path, options: &ReadOptions) -> Result<FileInfo, Error> {
        crate::inspect::inspect_kind(path, options, false).map_err(|k| Error::new(path, k))
    }
}
