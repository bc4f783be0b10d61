//! One PGEN variant record to one genotype per sample: the main track (all seven stored forms,
//! difflists and LD compression included), the multiallelic patches (aux track 1) and the
//! hardcall-phase track (aux track 2), as `pgen_spec.tex` of plink-ng defines them.
//!
//! Every read is bounds-checked: a truncated or corrupt record is an error, never a panic.

use super::main_track::{Base, MainTrack};
use crate::bytes::{Bytes, Short, bit, packed};
use crate::record::{Gt, MAX_ALTS, MISSING};

/// Why a record could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The record carries dosages (imputed data), not only hard calls.
    Dosage,
    /// The bytes do not follow the format.
    Malformed(Short),
}

impl From<Short> for DecodeError {
    fn from(s: Short) -> Self {
        Self::Malformed(s)
    }
}

/// Decodes records in file order (LD-compressed records refer to the previous plain one).
#[derive(Debug)]
pub(crate) struct RecordDecoder {
    /// The main track of the current record, as 2-bit words.
    pub(super) main: MainTrack,
    /// Where the main track of the current record ended.
    main_end: usize,
}

impl RecordDecoder {
    pub(crate) fn new(n_samples: usize) -> Self {
        Self {
            main: MainTrack::new(n_samples),
            main_end: 0,
        }
    }

    /// Forgets the LD base (a new block of 2^16 variants starts).
    pub(crate) fn new_block(&mut self) {
        self.main.base = Base::None;
    }

    /// Decodes the record of type `kind` with `allele_ct` alleles into `out` (one per sample).
    #[cfg(test)]
    pub(crate) fn decode(
        &mut self,
        kind: u8,
        data: &[u8],
        allele_ct: usize,
        out: &mut Vec<Gt>,
    ) -> Result<(), DecodeError> {
        self.decode_main(kind, data)?;
        self.expand(kind, data, allele_ct, out)
    }

    /// Decodes the main track of the record of type `kind` (the first step of every path).
    pub(crate) fn decode_main(&mut self, kind: u8, data: &[u8]) -> Result<(), DecodeError> {
        if kind & 0xe0 != 0 {
            return Err(DecodeError::Dosage);
        }
        let mut b = Bytes::new(data);
        self.main.read(kind & 7, &mut b)?;
        self.main_end = b.pos;
        Ok(())
    }

    /// Haplotype bits of a biallelic record whose main track [`Self::decode_main`] read: see
    /// [`MainTrack::haplotype_bits`]; `false` when the per-sample path must take it.
    pub(crate) fn haplotype_bits(&self, kind: u8, data: &[u8], out: &mut Vec<u64>) -> bool {
        kind & 8 == 0
            && self
                .main
                .haplotype_bits(kind & 0x10 != 0, &data[self.main_end..], out)
    }

    /// One genotype per sample from the main track [`Self::decode_main`] read, the
    /// multiallelic patches and the phase track.
    pub(crate) fn expand(
        &self,
        kind: u8,
        data: &[u8],
        allele_ct: usize,
        out: &mut Vec<Gt>,
    ) -> Result<(), DecodeError> {
        let mut b = Bytes::new(data);
        b.pos = self.main_end;
        out.clear();
        out.extend((0..self.main.n).map(|i| Gt {
            alleles: match self.main.code(i) {
                0 => [0, 0],
                1 => [0, 1],
                2 => [1, 1],
                _ => [MISSING, MISSING],
            },
            ploidy: 2,
            phased: true,
        }));
        if kind & 8 != 0 {
            if allele_ct < 3 {
                return Err("multiallelic patch in a record the .pvar gives two alleles"
                    .to_string()
                    .into());
            }
            if allele_ct - 1 > MAX_ALTS {
                return Err(format!("{allele_ct} alleles (at most {MAX_ALTS} ALTs)").into());
            }
            self.patches(&mut b, allele_ct, out)?;
        }
        // Without a phase track every het is unphased; the track marks the phased ones.
        for gt in out.iter_mut() {
            gt.phased = gt.alleles[0] == gt.alleles[1];
        }
        if kind & 0x10 != 0 {
            phase_track(&mut b, out)?;
        }
        if b.remaining() != 0 {
            return Err(format!("{} unexpected bytes after the record", b.remaining()).into());
        }
        Ok(())
    }

    /// Aux track 1: which het calls are REF/ALTk (k ≥ 2) and which hom-ALT calls involve ALT2+.
    fn patches(&self, b: &mut Bytes<'_>, allele_ct: usize, out: &mut [Gt]) -> Result<(), Short> {
        let modes = b.u8("multiallelic patch header")?;
        let cat1: Vec<usize> = (0..self.main.n)
            .filter(|&i| self.main.code(i) == 1)
            .collect();
        if modes & 15 != 15 {
            let chosen = self.patch_set(b, modes & 15, &cat1, 1)?;
            let width = match allele_ct {
                3 => 0,
                4 => 1,
                5 | 6 => 2,
                7..=18 => 4,
                _ => 8,
            };
            let vals = b.take(
                (chosen.len() * width).div_ceil(8),
                "multiallelic het values",
            )?;
            for (j, &s) in chosen.iter().enumerate() {
                let alt = if width == 0 {
                    2
                } else {
                    packed(vals, j, width) as usize + 2
                };
                if alt >= allele_ct {
                    return Err(format!("allele {alt} beyond the {allele_ct} alleles"));
                }
                out[s].alleles = [0, alt as u8];
            }
        }
        let cat2: Vec<usize> = (0..self.main.n)
            .filter(|&i| self.main.code(i) == 2)
            .collect();
        if modes >> 4 != 15 {
            let chosen = self.patch_set(b, modes >> 4, &cat2, 2)?;
            if allele_ct == 3 {
                let vals = b.take(chosen.len().div_ceil(8), "multiallelic hom values")?;
                for (j, &s) in chosen.iter().enumerate() {
                    out[s].alleles = if bit(vals, j) { [2, 2] } else { [1, 2] };
                }
            } else {
                let width = match allele_ct {
                    ..6 => 2,
                    6..18 => 4,
                    _ => 8,
                };
                let vals = b.take(
                    (chosen.len() * 2 * width).div_ceil(8),
                    "multiallelic values",
                )?;
                for (j, &s) in chosen.iter().enumerate() {
                    let lo = packed(vals, 2 * j, width) as usize + 1;
                    let hi = packed(vals, 2 * j + 1, width) as usize + 1;
                    if lo > hi || hi >= allele_ct || hi == 1 {
                        return Err(format!("bad multiallelic genotype {lo}/{hi}"));
                    }
                    out[s].alleles = [lo as u8, hi as u8];
                }
            }
        }
        Ok(())
    }

    /// The samples of category `cat` (`members`, in order) that a patch set names.
    fn patch_set(
        &self,
        b: &mut Bytes<'_>,
        mode: u8,
        members: &[usize],
        cat: u8,
    ) -> Result<Vec<usize>, Short> {
        match mode {
            0 => {
                let bits = b.take(members.len().div_ceil(8), "multiallelic patch bits")?;
                Ok(members
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| bit(bits, j))
                    .map(|(_, &s)| s)
                    .collect())
            }
            1 => {
                let mut ids = Vec::new();
                difflist(b, self.main.n, self.main.id_width, false, |id, _| {
                    ids.push(id)
                })?;
                if let Some(&s) = ids.iter().find(|&&s| self.main.code(s) != cat) {
                    return Err(format!(
                        "multiallelic patch names sample {s} outside category {cat}"
                    ));
                }
                Ok(ids)
            }
            other => Err(format!("reserved multiallelic patch format {other}")),
        }
    }
}

/// Reads a difflist (PGEN spec 'Difflists'): calls `f(sample, value)` for each entry, the value
/// 0 when the list stores sample IDs only.
pub(super) fn difflist(
    b: &mut Bytes<'_>,
    n: usize,
    id_width: usize,
    with_values: bool,
    mut f: impl FnMut(usize, u8),
) -> Result<(), Short> {
    let len = b.varint31("difflist length")? as usize;
    if len == 0 {
        return Ok(());
    }
    if len > n {
        return Err(format!("difflist of {len} entries for {n} samples"));
    }
    let groups = len.div_ceil(64);
    let starts = b.take(groups * id_width, "difflist group starts")?;
    b.take(groups - 1, "difflist group sizes")?;
    let values = if with_values {
        b.take(len.div_ceil(4), "difflist values")?
    } else {
        &[]
    };
    let mut previous: Option<usize> = None;
    for k in 0..len {
        let id = if k % 64 == 0 {
            let at = (k / 64) * id_width;
            Bytes::new(&starts[at..at + id_width]).uint(id_width, "difflist start")? as usize
        } else {
            let step = b.varint31("difflist delta")? as usize;
            previous.unwrap_or(0) + step
        };
        if id >= n || previous.is_some_and(|p| id <= p) {
            return Err(format!(
                "difflist sample index {id} out of order or beyond {n}"
            ));
        }
        previous = Some(id);
        f(id, if with_values { packed(values, k, 2) } else { 0 });
    }
    Ok(())
}

/// Aux track 2: the phase of each heterozygous call, in sample order.
fn phase_track(b: &mut Bytes<'_>, out: &mut [Gt]) -> Result<(), Short> {
    let is_het = |gt: &Gt| {
        let [x, y] = gt.alleles;
        x != y && x != MISSING && y != MISSING
    };
    let n_hets = out.iter().filter(|gt| is_het(gt)).count();
    if n_hets == 0 {
        return Err("phase track in a record without heterozygous calls".into());
    }
    let head = b.take((1 + n_hets).div_ceil(8), "phase track")?;
    let (present, info, offset): (Option<&[u8]>, &[u8], usize) = if bit(head, 0) {
        let n_phased = (0..n_hets).filter(|&j| bit(head, 1 + j)).count();
        let info = b.take(n_phased.div_ceil(8), "phase bits")?;
        (Some(head), info, 0)
    } else {
        (None, head, 1)
    };
    let (mut j, mut next) = (0, 0);
    for gt in out.iter_mut().filter(|gt| is_het(gt)) {
        let phased = present.is_none_or(|p| bit(p, 1 + j));
        j += 1;
        gt.phased = phased;
        if phased {
            if bit(info, offset + next) {
                gt.alleles.swap(0, 1);
            }
            next += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(out: &[Gt]) -> Vec<String> {
        out.iter().map(Gt::text).collect()
    }

    #[test]
    fn plain_record_with_phase() {
        // Samples: 0/0, 0|1 (unswapped), 1|0 (swapped), ./.
        let mut d = RecordDecoder::new(4);
        let mut out = Vec::new();
        let genovec = 0b11_01_01_00;
        d.decode(0x10, &[genovec, 0b100], 2, &mut out).unwrap();
        assert_eq!(calls(&out), ["0|0", "0|1", "1|0", ".|."]);
    }

    #[test]
    fn phasepresent_marks_unphased_hets() {
        let mut d = RecordDecoder::new(2);
        let mut out = Vec::new();
        // Both het; phasepresent on, only the second phased, and swapped.
        d.decode(0x10, &[0b0101, 0b101, 0b1], 2, &mut out).unwrap();
        assert_eq!(calls(&out), ["0/1", "1|0"]);
    }

    #[test]
    fn difflist_and_ld_records() {
        let mut d = RecordDecoder::new(300);
        let mut out = Vec::new();
        // Type 4: all hom REF except sample 5 (hom ALT) and 299 (missing); 2-byte IDs.
        let rec: [u8; 6] = [
            2,
            5,
            0,
            0b11_10,
            (294 % 128) as u8 | 0x80,
            (294 / 128) as u8,
        ];
        d.decode(4, &rec, 2, &mut out).unwrap();
        assert_eq!(out[5].text(), "1|1");
        assert_eq!(out[299].text(), ".|.");
        assert_eq!(out[0].text(), "0|0");
        // Type 3: the previous record inverted, sample 0 patched to hom ALT before inverting.
        d.decode(3, &[1, 0, 0, 0b10], 2, &mut out).unwrap();
        assert_eq!((out[0].text(), out[5].text()), ("0|0".into(), "0|0".into()));
        assert_eq!(
            (out[1].text(), out[299].text()),
            ("1|1".into(), ".|.".into())
        );
    }

    #[test]
    fn rejects_dosage_and_truncation() {
        let mut d = RecordDecoder::new(4);
        let mut out = Vec::new();
        assert_eq!(d.decode(0x20, &[0], 2, &mut out), Err(DecodeError::Dosage));
        assert!(d.decode(0, &[], 2, &mut out).is_err());
        assert!(d.decode(2, &[0], 2, &mut out).is_err(), "LD without a base");
        assert!(
            d.decode(0x10, &[0], 2, &mut out).is_err(),
            "phase without hets"
        );
    }

    #[test]
    fn multiallelic_patches() {
        // Three samples het (0/1 in the main track), one hom ALT; 3 alleles.
        let mut d = RecordDecoder::new(4);
        let mut out = Vec::new();
        // modes: cat1 bitarray (0), cat2 bitarray (0); cat1 bits: second het is 0/2;
        // cat2 bits: the hom is patched, value bit set = 2/2.
        let rec = [0b10_01_01_01, 0x00, 0b010, 0b1, 0b1];
        d.decode(8, &rec, 3, &mut out).unwrap();
        assert_eq!(calls(&out), ["0/1", "0/2", "0/1", "2|2"]);
    }
}
