//! BGEN v1.2 input (layout 2; uncompressed, zlib or zstd blocks; any bit depth), streamed
//! variant by variant into [`RawRecord`]s so the VCF policies apply unchanged.
//!
//! The first allele of each variant is REF (UK Biobank, QCTOOL and bgenix; plink2 writes it so
//! with `--export bgen-1.2 ref-first`). Sample IDs come from `X.sample` beside `X.bgen` when
//! there is one, otherwise from the IDs embedded in the file. With regions, variants outside
//! them are skipped without decompressing their genotypes, and with a bgenix index beside the
//! file (`X.bgen.bgi`) only the variants it lists in the regions are read.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, RecordProblem};
use crate::plink_text::{beside, read_oxford_sample};
use crate::record::{Gt, RawRecord, every_sample_in_order};
use crate::region::Region;

mod index;
mod probs;

pub(crate) use probs::{ProbError, decode as decode_probabilities};

fn malformed(message: impl Into<String>) -> ErrorKind {
    ErrorKind::Malformed(format!("BGEN {}", message.into()))
}

/// A `.bgen` read variant by variant.
pub(crate) struct BgenSource {
    path: PathBuf,
    reader: BufReader<File>,
    /// The file's size.
    len: u64,
    /// Bytes left in the file after the reader's position.
    left: u64,
    /// With an index and regions: the offsets of the variants still to read.
    indexed: Option<std::vec::IntoIter<u64>>,
    n_variants: u32,
    n_samples: usize,
    /// 0 none, 1 zlib, 2 zstd.
    compression: u32,
    next_variant: u32,
    slots: Vec<Option<u32>>,
    selected: usize,
    names: Vec<String>,
    regions: Vec<Region>,
    packed: Vec<u8>,
    plain: Vec<u8>,
    calls: Vec<Gt>,
    alleles: Vec<String>,
    /// Whether biallelic blocks may take the packed path (`false` only to test the other).
    pub(crate) packed_path: bool,
    /// Whether the selection is every sample in file order.
    all_in_order: bool,
    /// Whether the first record read had every selected sample diploid: packed records are
    /// all diploid, so after a haploid sample the per-sample path reports ploidy changes.
    diploid: Option<bool>,
    /// Haplotype bits of every file sample, before the selection.
    all_bits: Vec<u64>,
    inflater: libdeflater::Decompressor,
}

/// What [`open`] found.
pub(crate) struct OpenedBgen {
    pub(crate) source: BgenSource,
    pub(crate) names: Vec<String>,
}

impl BgenSource {
    fn bytes(&mut self, n: u64, what: &str) -> Result<(), ErrorKind> {
        if n > self.left {
            return Err(malformed(format!("truncated {what}")));
        }
        self.packed.resize(n as usize, 0);
        self.reader
            .read_exact(&mut self.packed)
            .map_err(|_| malformed(format!("truncated {what}")))?;
        self.left -= n;
        Ok(())
    }

    fn uint(&mut self, width: u64, what: &str) -> Result<u64, ErrorKind> {
        self.bytes(width, what)?;
        Ok(self
            .packed
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// A string with a `width`-byte length prefix.
    fn string(&mut self, width: u64, what: &str) -> Result<String, ErrorKind> {
        let len = self.uint(width, what)?;
        self.bytes(len, what)?;
        String::from_utf8(std::mem::take(&mut self.packed))
            .map_err(|_| malformed(format!("{what} is not UTF-8")))
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<(), ErrorKind> {
        if n > self.left {
            return Err(malformed(format!("truncated {what}")));
        }
        self.reader.seek_relative(n as i64).map_err(ErrorKind::Io)?;
        self.left -= n;
        Ok(())
    }

    /// Keeps the samples `slots` selects (`selected` of them), in slot order, and the variants
    /// in `regions` (all when empty). Returns whether a bgenix index will find them.
    pub(crate) fn select(
        &mut self,
        slots: Vec<Option<u32>>,
        selected: usize,
        regions: &[Region],
    ) -> Result<bool, ErrorKind> {
        self.all_in_order = every_sample_in_order(&slots, selected);
        self.slots = slots;
        self.selected = selected;
        self.regions = regions.to_vec();
        let bgi = index::beside(&self.path).filter(|_| !regions.is_empty());
        if let Some(bgi) = bgi {
            let mut head = Vec::with_capacity(1000);
            File::open(&self.path)
                .and_then(|f| f.take(1000).read_to_end(&mut head))
                .map_err(ErrorKind::Io)?;
            let offsets = index::offsets(&bgi, self.len, &head, regions)?;
            self.indexed = Some(offsets.into_iter());
        }
        Ok(self.indexed.is_some())
    }

    /// Moves to the variant starting at byte `at` (from the index).
    fn seek_to(&mut self, at: u64) -> Result<(), ErrorKind> {
        self.reader
            .seek(SeekFrom::Start(at))
            .map_err(ErrorKind::Io)?;
        self.left = self.len - at;
        Ok(())
    }

    /// Sample names in file order.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Reads the next variant (in the regions, when there are any) into `rec`.
    pub(crate) fn next(&mut self, rec: &mut RawRecord) -> Result<bool, ErrorKind> {
        loop {
            if let Some(offsets) = &mut self.indexed {
                let Some(at) = offsets.next() else {
                    return Ok(false);
                };
                self.seek_to(at)?;
            } else if self.next_variant == self.n_variants {
                return Ok(false);
            }
            self.next_variant += 1;
            // With an index the ordinal is of the variants read, not of the file's.
            let v = self.next_variant;
            let varid = self.string(2, "variant ID")?;
            let rsid = self.string(2, "rsid")?;
            rec.chrom = self.string(2, "chromosome")?;
            rec.pos = self.uint(4, "position")?;
            let k = self.uint(2, "allele count")? as usize;
            if k == 0 {
                return Err(malformed(format!("variant #{v} has no alleles")));
            }
            self.alleles.clear();
            for _ in 0..k {
                let allele = self.string(4, "allele")?;
                self.alleles.push(allele);
            }
            rec.id = [rsid, varid]
                .into_iter()
                .find(|s| !s.is_empty() && s != ".")
                .unwrap_or_else(|| ".".into());
            rec.reference = self.alleles[0].clone();
            let name = rec.name();
            rec.set_alt_list(self.alleles[1..].iter().map(String::as_str))
                .map_err(|problem| ErrorKind::Record {
                    record: name.clone(),
                    problem,
                })?;
            let block = self.uint(4, "genotype block length")?;
            if rec.pos == 0 {
                return Err(record_corrupt(&name, v, "position 0".into()));
            }
            let wanted = self.regions.is_empty()
                || self
                    .regions
                    .iter()
                    .any(|r| r.overlaps(&rec.chrom, rec.pos, rec.reference.len()));
            if !wanted {
                self.skip(block, "genotype block")?;
                continue;
            }
            self.genotypes(block, k, v, &name, rec)?;
            return Ok(true);
        }
    }

    fn genotypes(
        &mut self,
        block: u64,
        k: usize,
        v: u32,
        name: &str,
        rec: &mut RawRecord,
    ) -> Result<(), ErrorKind> {
        let corrupt = |m: String| record_corrupt(name, v, m);
        if self.compression == 0 {
            self.bytes(block, "genotype block")?;
            std::mem::swap(&mut self.packed, &mut self.plain);
        } else {
            if block < 4 {
                return Err(corrupt(format!("genotype block of {block} bytes")));
            }
            let size = self.uint(4, "uncompressed size")?;
            self.bytes(block - 4, "genotype block")?;
            self.plain.clear();
            if self.compression == 1 {
                // Deflate expands at most ~1032×: a larger size is corrupt, not a reason to
                // allocate it.
                if size > 1100 * block + 1024 {
                    return Err(corrupt(format!("uncompressed size {size} is impossible")));
                }
                self.plain.resize(size as usize, 0);
                let got = self
                    .inflater
                    .zlib_decompress(&self.packed, &mut self.plain)
                    .map_err(|e| corrupt(format!("cannot decompress ({e:?})")))?;
                self.plain.truncate(got);
            } else {
                ruzstd::decoding::StreamingDecoder::new(&self.packed[..])
                    .map_err(std::io::Error::other)
                    .and_then(|d| d.take(size).read_to_end(&mut self.plain))
                    .map_err(|e| corrupt(format!("cannot decompress ({e})")))?;
            }
            if self.plain.len() as u64 != size {
                return Err(corrupt(format!(
                    "{} bytes decompressed, the block says {size}",
                    self.plain.len()
                )));
            }
        }
        if self.packed_path
            && self.diploid != Some(false)
            && k == 2
            && probs::haplotype_bits(&self.plain, self.n_samples, &mut self.all_bits)
        {
            self.diploid.get_or_insert(true);
            rec.take_packed(
                &mut self.all_bits,
                self.all_in_order,
                &self.slots,
                self.selected,
            );
            return Ok(());
        }
        rec.packed = false;
        let sample = |i: usize| self.names[i].clone();
        let problem = match decode_probabilities(&self.plain, self.n_samples, k, &mut self.calls) {
            Ok(()) => None,
            Err(ProbError::Malformed(m)) => return Err(corrupt(m)),
            Err(ProbError::NotHardCall { sample: i, values }) => {
                Some(RecordProblem::NotHardCalls(format!(
                    "sample {}: allele probabilities {values} are not 0 or 1 (imputed dosages, not phased hard calls)\n  hint: genosynth needs phased haplotypes; use the phased (not imputed) release, or round the probabilities to hard calls first (e.g. plink2 --bgen X.bgen ref-first --hard-call-threshold 0.49 --export vcf)",
                    sample(i)
                )))
            }
            Err(ProbError::Ploidy { sample: i, ploidy }) => Some(RecordProblem::Ploidy {
                sample: sample(i),
                message: format!("ploidy {ploidy}; only haploid and diploid samples are supported"),
            }),
            Err(ProbError::UnphasedMultiallelic) => Some(RecordProblem::NotHardCalls(
                "unphased record with more than two alleles\n  hint: phase the data first (SHAPEIT5, Beagle or Eagle); genosynth needs haplotypes".into(),
            )),
        };
        if let Some(problem) = problem {
            return Err(ErrorKind::Record {
                record: name.to_string(),
                problem,
            });
        }
        rec.gts.clear();
        rec.gts.resize(self.selected, Gt::default());
        for (gt, slot) in self.calls.iter().zip(&self.slots) {
            if let Some(s) = slot {
                rec.gts[*s as usize] = *gt;
            }
        }
        if self.diploid.is_none() {
            self.diploid = Some(rec.gts.iter().all(|g| g.ploidy == 2));
        }
        Ok(())
    }
}

fn record_corrupt(name: &str, v: u32, message: String) -> ErrorKind {
    ErrorKind::Record {
        record: name.to_string(),
        problem: RecordProblem::Corrupt(format!("BGEN variant #{v}: {message}")),
    }
}

/// Opens `path` and reads its header and sample IDs.
pub(crate) fn open(path: &Path) -> Result<OpenedBgen, ErrorKind> {
    let file = File::open(path).map_err(ErrorKind::Open)?;
    let len = file.metadata().map_err(ErrorKind::Io)?.len();
    let mut s = BgenSource {
        path: path.to_path_buf(),
        reader: BufReader::with_capacity(1 << 20, file),
        len,
        left: len,
        indexed: None,
        n_variants: 0,
        n_samples: 0,
        compression: 0,
        next_variant: 0,
        slots: Vec::new(),
        selected: 0,
        names: Vec::new(),
        regions: Vec::new(),
        packed: Vec::new(),
        plain: Vec::new(),
        calls: Vec::new(),
        alleles: Vec::new(),
        packed_path: true,
        all_in_order: false,
        diploid: None,
        all_bits: Vec::new(),
        inflater: libdeflater::Decompressor::new(),
    };
    let offset = s.uint(4, "header")?;
    let header_len = s.uint(4, "header")?;
    if header_len < 20 || header_len > offset {
        return Err(malformed(format!(
            "header length {header_len} with variants at offset {offset}"
        )));
    }
    s.n_variants = s.uint(4, "header")? as u32;
    s.n_samples = s.uint(4, "header")? as usize;
    s.bytes(4, "header")?;
    if s.packed != b"bgen" && s.packed != [0; 4] {
        return Err(malformed("header: no \"bgen\" magic"));
    }
    s.skip(header_len - 20, "header")?;
    let flags = s.uint(4, "header")?;
    s.compression = (flags & 3) as u32;
    let layout = (flags >> 2) & 15;
    if s.compression == 3 {
        return Err(malformed("header: unknown compression 3"));
    }
    match layout {
        2 => {}
        1 => {
            return Err(ErrorKind::Unsupported(
                "BGEN layout 1 (v1.1) stores no phase\n  hint: genosynth needs phased haplotypes; use phased BGEN v1.2 or a phased VCF/BCF".into(),
            ));
        }
        other => return Err(malformed(format!("header: unknown layout {other}"))),
    }
    let mut embedded = Vec::new();
    if flags >> 31 == 1 {
        let block_len = s.uint(4, "sample ID block")?;
        if header_len + block_len > offset {
            return Err(malformed("sample ID block overlaps the variants"));
        }
        let count = s.uint(4, "sample ID block")? as usize;
        if count != s.n_samples {
            return Err(malformed(format!(
                "{count} sample IDs for {} samples",
                s.n_samples
            )));
        }
        for _ in 0..count {
            embedded.push(s.string(2, "sample ID")?);
        }
    }
    // The variants start `offset` bytes after the first four.
    let at = len - s.left;
    if offset + 4 < at {
        return Err(malformed("sample IDs run past the first variant"));
    }
    s.skip(offset + 4 - at, "header")?;
    let sample_file = beside(path, ".bgen", ".sample").filter(|p| p.exists());
    let names = match sample_file {
        Some(file) => {
            let names = read_oxford_sample(&file)?;
            if names.len() != s.n_samples {
                return Err(ErrorKind::Companion {
                    path: file.display().to_string(),
                    message: format!("{} samples, but the .bgen has {}", names.len(), s.n_samples),
                });
            }
            names
        }
        None if !embedded.is_empty() => embedded,
        None => {
            return Err(malformed(
                "the file embeds no sample IDs and there is no X.sample beside it\n  hint: put the Oxford .sample file next to it as X.sample",
            ));
        }
    };
    if s.n_samples == 0 {
        return Err(ErrorKind::NoSamples);
    }
    s.names = names.clone();
    Ok(OpenedBgen { source: s, names })
}
