//! BCF records into [`RawRecord`]: noodles reads the record; the GT series is decoded here from
//! its raw bytes (typed int8/16/32 vectors), which is faster than noodles' generic values and
//! handles every integer width.

use noodles_bcf as bcf;
use noodles_vcf as vcf;
use noodles_vcf::variant::record::AlternateBases as _;

use crate::error::RecordProblem;
use crate::record::{Gt, MISSING, RawRecord};

/// Decodes BCF records for a header and sample selection.
pub(crate) struct BcfDecoder {
    pub(crate) names: Vec<String>,
    pub(crate) slots: Vec<Option<u32>>,
    pub(crate) selected: usize,
    /// The string-map index of `GT` (`None` if the header declares no GT).
    pub(crate) gt_key: Option<usize>,
}

type Problem = (String, RecordProblem);

fn bad(name: &str, message: impl Into<String>) -> Problem {
    (name.to_string(), RecordProblem::Bcf(message.into()))
}

impl BcfDecoder {
    pub(crate) fn new(header: &vcf::Header, slots: Vec<Option<u32>>, selected: usize) -> Self {
        Self {
            names: header.sample_names().iter().cloned().collect(),
            slots,
            selected,
            gt_key: header.string_maps().strings().get_index_of("GT"),
        }
    }

    /// Fills `rec` from a BCF record.
    pub(crate) fn decode(
        &self,
        header: &vcf::Header,
        record: &bcf::Record,
        index: u64,
        rec: &mut RawRecord,
    ) -> Result<(), Problem> {
        let at = format!("record {index}");
        let chrom = record
            .reference_sequence_name(header.string_maps())
            .map_err(|e| bad(&at, format!("bad CHROM: {e}")))?;
        rec.chrom.clear();
        rec.chrom.push_str(chrom);
        rec.pos = match record.variant_start() {
            Some(Ok(p)) => p.get() as u64,
            _ => return Err(bad(&at, "bad POS")),
        };
        let name = rec.name();
        rec.id.clear();
        let ids = record.ids();
        let ids = String::from_utf8_lossy(ids.as_ref());
        rec.id.push_str(if ids.is_empty() { "." } else { &ids });
        rec.reference.clear();
        rec.reference
            .push_str(&String::from_utf8_lossy(record.reference_bases().as_ref()));
        if rec.reference.is_empty() {
            return Err((name, RecordProblem::BadAlleles("empty REF".into())));
        }
        let alts = record.alternate_bases();
        let alts: Vec<&str> = alts
            .iter()
            .collect::<Result<_, _>>()
            .map_err(|e| bad(&name, format!("bad ALT: {e}")))?;
        rec.set_alt_list(alts.into_iter())
            .map_err(|p| (name.clone(), p))?;
        let n_alts = rec.n_alts();

        rec.gts.clear();
        rec.gts.resize(self.selected, Gt::default());
        if self.names.is_empty() {
            return Ok(());
        }
        let samples = record
            .samples()
            .map_err(|e| bad(&name, format!("bad sample data: {e}")))?;
        let n_samples = vcf::variant::record::Samples::len(&samples);
        if n_samples != self.names.len() {
            return Err((
                name,
                RecordProblem::ColumnCount {
                    expected: 9 + self.names.len(),
                    found: 9 + n_samples,
                },
            ));
        }
        let mut src: &[u8] = samples.as_ref();
        for _ in 0..samples.format_count() {
            let key = read_typed_int(&mut src).ok_or_else(|| bad(&name, "bad FORMAT key"))?;
            let (ty, len) =
                read_descriptor(&mut src).ok_or_else(|| bad(&name, "bad FORMAT type"))?;
            let width = match ty {
                1 | 7 => 1,
                2 => 2,
                3 | 5 => 4,
                0 => 0,
                _ => return Err(bad(&name, format!("unknown BCF type {ty}"))),
            };
            let size = width * len * n_samples;
            if src.len() < size {
                return Err(bad(&name, "truncated sample data"));
            }
            let (data, rest) = src.split_at(size);
            src = rest;
            if Some(key) == self.gt_key.map(|k| k as i64) {
                if !matches!(ty, 1..=3) {
                    return Err(bad(&name, "GT is not an integer vector"));
                }
                self.decode_gt(data, width, len, n_alts, &name, rec)?;
                return Ok(());
            }
        }
        Err((
            name,
            RecordProblem::NoGenotypeField("(BCF FORMAT without GT)".into()),
        ))
    }

    fn decode_gt(
        &self,
        data: &[u8],
        width: usize,
        len: usize,
        n_alts: usize,
        name: &str,
        rec: &mut RawRecord,
    ) -> Result<(), Problem> {
        let (end, missing) = match width {
            1 => (i8::MIN as i64 + 1, i8::MIN as i64),
            2 => (i16::MIN as i64 + 1, i16::MIN as i64),
            _ => (i32::MIN as i64 + 1, i32::MIN as i64),
        };
        for (i, sample) in data.chunks_exact(width * len).enumerate() {
            let Some(slot) = self.slots[i] else { continue };
            // Fast path: int8 diploid with both alleles called (nearly every genotype).
            if width == 1 && len == 2 && sample[0] as i8 >= 2 && sample[1] as i8 >= 2 {
                let (a, b) = ((sample[0] >> 1) - 1, (sample[1] >> 1) - 1);
                if usize::from(a.max(b)) <= n_alts {
                    rec.gts[slot as usize] = Gt {
                        alleles: [a, b],
                        ploidy: 2,
                        phased: sample[1] & 1 == 1,
                    };
                    continue;
                }
            }
            let mut gt = Gt::default();
            let mut copies = 0usize;
            for v in sample.chunks_exact(width) {
                let v = match width {
                    1 => i64::from(v[0] as i8),
                    2 => i64::from(i16::from_le_bytes([v[0], v[1]])),
                    _ => i64::from(i32::from_le_bytes([v[0], v[1], v[2], v[3]])),
                };
                if v == end || v == missing {
                    break;
                }
                let allele = (v >> 1) - 1;
                let allele = if allele < 0 {
                    MISSING
                } else if allele as usize > n_alts {
                    return Err((
                        name.to_string(),
                        RecordProblem::AlleleBeyondAlts {
                            sample: self.names[i].clone(),
                            allele: allele as u32,
                            alts: n_alts,
                        },
                    ));
                } else {
                    allele as u8
                };
                if copies < 2 {
                    gt.alleles[copies] = allele;
                }
                if copies == 1 {
                    gt.phased = v & 1 == 1;
                }
                copies += 1;
            }
            if copies == 0 {
                // An empty vector: missing.
                gt.alleles[0] = MISSING;
                copies = 1;
            }
            if copies > 2 {
                return Err((
                    name.to_string(),
                    RecordProblem::Ploidy {
                        sample: self.names[i].clone(),
                        message: format!(
                            "{copies} alleles; only haploid and diploid samples are supported"
                        ),
                    },
                ));
            }
            gt.ploidy = copies as u8;
            if copies == 1 {
                gt.phased = true;
            }
            rec.gts[slot as usize] = gt;
        }
        Ok(())
    }
}

/// Reads a typed integer (type byte with length 1, then the value).
fn read_typed_int(src: &mut &[u8]) -> Option<i64> {
    let (&b, rest) = src.split_first()?;
    *src = rest;
    if b >> 4 != 1 {
        return None;
    }
    read_int(src, b & 0x0f)
}

fn read_int(src: &mut &[u8], ty: u8) -> Option<i64> {
    let (v, n) = match ty {
        1 => (i64::from(*src.first()? as i8), 1),
        2 => (
            i64::from(i16::from_le_bytes(src.get(..2)?.try_into().ok()?)),
            2,
        ),
        3 => (
            i64::from(i32::from_le_bytes(src.get(..4)?.try_into().ok()?)),
            4,
        ),
        _ => return None,
    };
    *src = &src[n..];
    Some(v)
}

/// Reads a type descriptor: (type, length), with the overflow length for 15.
fn read_descriptor(src: &mut &[u8]) -> Option<(u8, usize)> {
    let (&b, rest) = src.split_first()?;
    *src = rest;
    let ty = b & 0x0f;
    let mut len = usize::from(b >> 4);
    if len == 15 {
        len = usize::try_from(read_typed_int(src)?).ok()?;
    }
    Some((ty, len))
}
