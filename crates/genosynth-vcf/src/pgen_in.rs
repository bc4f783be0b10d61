//! PLINK 2 input: `X.pgen` with its hardcall-phase track, `X.pvar` (or `.pvar.zst`) and
//! `X.psam`, streamed record by record into [`RawRecord`]s so the VCF policies apply unchanged.
//!
//! Reads the storage modes plink2 writes for hard calls: `0x10`/`0x11` (variable-width
//! records with difflists, LD compression, multiallelic patches and phase) and `0x02`
//! (fixed-width, unphased). Dosage files, PLINK 1 `.bed` and external `.pgi` indexes are
//! refused with the plink2 command that makes a readable file.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use crate::bytes::Bytes;
use crate::error::{ErrorKind, RecordProblem};
use crate::plink_text::{Pvar, read_psam};
use crate::record::{Gt, RawRecord, every_sample_in_order};

mod decode;
mod main_track;
mod window;

pub(crate) use decode::{DecodeError, RecordDecoder};
use window::FileWindow;

/// Variants per header block.
const BLOCK: usize = 1 << 16;

fn malformed(message: impl Into<String>) -> ErrorKind {
    ErrorKind::Malformed(format!("PGEN {}", message.into()))
}

/// Where each record is and what type it has.
#[derive(Debug)]
struct Layout {
    n_variants: usize,
    n_samples: usize,
    /// Record type per variant (all 0 in fixed-width mode).
    types: Vec<u8>,
    /// Record length per variant.
    lengths: Vec<u32>,
    /// File offset of each block of 2^16 variants.
    block_offsets: Vec<u64>,
}

/// Parses the header of a `.pgen` read from `file` (`file_len` bytes).
fn read_layout(file: &mut dyn Read, file_len: u64) -> Result<Layout, ErrorKind> {
    let mut head = [0u8; 12];
    let got = read_up_to(file, &mut head)?;
    if got < 3 || head[..2] != [0x6c, 0x1b] {
        return Err(malformed("header: no magic bytes 6c 1b"));
    }
    let mode = head[2];
    match mode {
        0x01 => {
            return Err(ErrorKind::Unsupported(
                "a PLINK 1 .bed holds no phase\n  hint: genosynth needs phased haplotypes; phase the data (SHAPEIT5, Beagle) and pass a phased VCF/BCF, .pgen or .bgen".into(),
            ));
        }
        0x03 | 0x04 => return Err(ErrorKind::Unsupported(DOSAGE_HINT.into())),
        0x20 | 0x21 => {
            return Err(ErrorKind::Unsupported(
                "the PGEN index is in a separate .pgi file\n  hint: rewrite it with plink2 --pfile X --make-pgen --out Y".into(),
            ));
        }
        0x02 | 0x10 | 0x11 => {}
        other => {
            return Err(malformed(format!(
                "header: unknown storage mode {other:#04x}"
            )));
        }
    }
    if got < 12 {
        return Err(malformed("header: truncated"));
    }
    let m = u32::from_le_bytes(head[3..7].try_into().expect("4 bytes")) as usize;
    let n = u32::from_le_bytes(head[7..11].try_into().expect("4 bytes")) as usize;
    let control = head[11];
    if n == 0 || m == 0 {
        return Err(malformed(format!("header: {m} variants, {n} samples")));
    }
    if mode == 0x02 {
        let record = n.div_ceil(4);
        let nonref = if control >> 6 == 3 { m.div_ceil(8) } else { 0 };
        let start = (12 + nonref) as u64;
        if start + (m as u64) * record as u64 > file_len {
            return Err(malformed("file shorter than its header says"));
        }
        return Ok(Layout {
            n_variants: m,
            n_samples: n,
            types: vec![0; m],
            lengths: vec![record as u32; m],
            block_offsets: (0..m.div_ceil(BLOCK))
                .map(|b| start + (b * BLOCK * record) as u64)
                .collect(),
        });
    }
    if control & 15 > 7 {
        return Err(malformed(format!(
            "header: reserved control byte {control:#04x}"
        )));
    }
    let width = (control & 3) as usize + 1;
    let nibble_types = control & 4 == 0;
    let allele_bytes = ((control >> 4) & 3) as usize;
    let nonref_bits = control >> 6 == 3;
    let blocks = m.div_ceil(BLOCK);
    // The header is at most a few bytes per variant: bound it by the file before reading.
    let header_len = 8 * blocks + m * (2 + width + allele_bytes);
    if header_len as u64 > file_len {
        return Err(malformed("file shorter than its header says"));
    }
    let mut body = vec![0u8; 8 * blocks];
    file.read_exact(&mut body)
        .map_err(|_| malformed("header: truncated block offsets"))?;
    let block_offsets: Vec<u64> = body
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let mut types = Vec::with_capacity(m);
    let mut lengths = Vec::with_capacity(m);
    for b in 0..blocks {
        let k = (m - b * BLOCK).min(BLOCK);
        let size = if nibble_types { k.div_ceil(2) } else { k }
            + k * width
            + k * allele_bytes
            + if nonref_bits { k.div_ceil(8) } else { 0 };
        let mut buf = vec![0u8; size];
        file.read_exact(&mut buf)
            .map_err(|_| malformed("header: truncated record types and lengths"))?;
        let mut bytes = Bytes::new(&buf);
        let kinds = bytes
            .take(if nibble_types { k.div_ceil(2) } else { k }, "types")
            .map_err(malformed)?;
        for i in 0..k {
            types.push(if nibble_types {
                (kinds[i / 2] >> (4 * (i % 2))) & 15
            } else {
                kinds[i]
            });
        }
        for _ in 0..k {
            lengths.push(bytes.uint(width, "lengths").map_err(malformed)? as u32);
        }
    }
    Ok(Layout {
        n_variants: m,
        n_samples: n,
        types,
        lengths,
        block_offsets,
    })
}

fn read_up_to(file: &mut dyn Read, buf: &mut [u8]) -> Result<usize, ErrorKind> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ErrorKind::Io(e)),
        }
    }
    Ok(filled)
}

const DOSAGE_HINT: &str = "the .pgen stores dosages (imputed data), not only phased hard calls\n  hint: genosynth reads phased hard calls; drop the dosages with plink2 --pfile X --make-pgen erase-dosage --out Y (after checking the hard calls are what you want)";

/// A `.pgen` and its companions, read variant by variant.
pub(crate) struct PgenSource {
    layout: Layout,
    window: FileWindow,
    pvar: Pvar,
    decoder: RecordDecoder,
    /// Output slot per file sample (`None` = not selected).
    slots: Vec<Option<u32>>,
    names: Vec<String>,
    selected: usize,
    next_variant: usize,
    calls: Vec<Gt>,
    /// Whether biallelic records may take the packed path (`false` only to test the other).
    pub(crate) packed_path: bool,
    /// Whether the selection is every sample in file order.
    all_in_order: bool,
    /// Haplotype bits of every file sample, before the selection.
    all_bits: Vec<u64>,
    /// The longest record the format allows for these samples without dosages.
    max_record: u64,
}

/// What [`open`] found, for [`crate::source::Records`].
pub(crate) struct OpenedPgen {
    pub(crate) source: PgenSource,
    pub(crate) names: Vec<String>,
    pub(crate) contigs: Vec<(String, Option<u64>)>,
    pub(crate) metadata: Vec<(String, String)>,
}

/// Opens `path` (`X.pgen`) with `X.pvar` and `X.psam` beside it.
pub(crate) fn open(path: &Path) -> Result<OpenedPgen, ErrorKind> {
    let mut file = File::open(path).map_err(ErrorKind::Open)?;
    let file_len = file.metadata().map_err(ErrorKind::Io)?.len();
    let layout = read_layout(&mut BufReader::new(&mut file), file_len)?;
    let names = read_psam(path)?;
    if names.len() != layout.n_samples {
        return Err(malformed(format!(
            "the .pgen has {} samples but the .psam lists {}",
            layout.n_samples,
            names.len()
        )));
    }
    let mut pvar = Pvar::open(path)?;
    let contigs = std::mem::take(&mut pvar.contigs);
    let metadata = std::mem::take(&mut pvar.metadata);
    let n = layout.n_samples as u64;
    let source = PgenSource {
        decoder: RecordDecoder::new(layout.n_samples),
        max_record: 64 + 8 * n,
        layout,
        window: FileWindow::new(file).map_err(ErrorKind::Io)?,
        pvar,
        slots: Vec::new(),
        names: names.clone(),
        selected: 0,
        next_variant: 0,
        calls: Vec::new(),
        packed_path: true,
        all_in_order: false,
        all_bits: Vec::new(),
    };
    Ok(OpenedPgen {
        source,
        names,
        contigs,
        metadata,
    })
}

impl PgenSource {
    /// Keeps the samples `slots` selects (`selected` of them), in slot order.
    pub(crate) fn select(&mut self, slots: Vec<Option<u32>>, selected: usize) {
        self.all_in_order = every_sample_in_order(&slots, selected);
        self.slots = slots;
        self.selected = selected;
    }

    /// Reads the next variant into `rec`; `false` at the end.
    pub(crate) fn next(&mut self, rec: &mut RawRecord) -> Result<bool, ErrorKind> {
        let v = self.next_variant;
        let has_site = self.pvar.next(rec)?;
        if v == self.layout.n_variants {
            if has_site {
                return Err(malformed(format!(
                    "the .pgen has {v} variants but {} has more lines",
                    self.pvar.path.display()
                )));
            }
            return Ok(false);
        }
        if !has_site {
            return Err(malformed(format!(
                "the .pgen has {} variants but {} lists only {v}",
                self.layout.n_variants,
                self.pvar.path.display()
            )));
        }
        self.next_variant += 1;
        let record_err = |problem| ErrorKind::Record {
            record: rec.name(),
            problem,
        };
        let corrupt = |m: String| {
            record_err(RecordProblem::Corrupt(format!(
                "PGEN variant #{}: {m}",
                v + 1
            )))
        };
        if v.is_multiple_of(BLOCK) {
            self.decoder.new_block();
            let offset = self.layout.block_offsets[v / BLOCK];
            self.window.seek(offset).map_err(ErrorKind::Io)?;
        }
        let kind = self.layout.types[v];
        if kind & 0xe0 != 0 {
            return Err(record_err(RecordProblem::NotHardCalls(DOSAGE_HINT.into())));
        }
        let len = u64::from(self.layout.lengths[v]);
        if len > self.max_record {
            return Err(corrupt(format!("record length {len} is impossible")));
        }
        let data = self
            .window
            .take(len as usize)
            .map_err(|e| corrupt(format!("truncated file ({e})")))?;
        let allele_ct = rec.n_alts().max(1) + 1;
        let decode_error = |e| match e {
            DecodeError::Dosage => record_err(RecordProblem::NotHardCalls(DOSAGE_HINT.into())),
            DecodeError::Malformed(m) => corrupt(m),
        };
        self.decoder.decode_main(kind, data).map_err(decode_error)?;
        let packed = self.packed_path
            && allele_ct == 2
            && self.decoder.haplotype_bits(kind, data, &mut self.all_bits);
        if packed {
            rec.take_packed(
                &mut self.all_bits,
                self.all_in_order,
                &self.slots,
                self.selected,
            );
            return Ok(true);
        }
        self.decoder
            .expand(kind, data, allele_ct, &mut self.calls)
            .map_err(decode_error)?;
        rec.packed = false;
        rec.gts.clear();
        rec.gts.resize(self.selected, Gt::default());
        for (gt, slot) in self.calls.iter().zip(&self.slots) {
            if let Some(s) = slot {
                rec.gts[*s as usize] = *gt;
            }
        }
        Ok(true)
    }

    /// Sample names in file order.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }
}
