//! The probability block of a BGEN v1.2 layout-2 variant (after decompression) to one genotype
//! per sample: hard calls only, so every probability must be 0 or 1 at the stored bit depth.

use crate::bytes::{Bytes, Short};
use crate::record::{Gt, MAX_ALTS, MISSING};

/// Why a probability block could not be used.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ProbError {
    Malformed(Short),
    /// Sample `sample` (file index) has probabilities that are not a hard call.
    NotHardCall {
        sample: usize,
        values: String,
    },
    /// Sample `sample` has ploidy `ploidy` (only 1 and 2 are supported).
    Ploidy {
        sample: usize,
        ploidy: u8,
    },
    /// An unphased record with more than two alleles.
    UnphasedMultiallelic,
}

impl From<Short> for ProbError {
    fn from(s: Short) -> Self {
        Self::Malformed(s)
    }
}

/// The `bits`-bit value at bit `at` of `data` (the caller checked the length).
#[inline]
fn value(data: &[u8], at: usize, bits: u32) -> u32 {
    if bits == 8 {
        return u32::from(data[at / 8]);
    }
    let byte = at / 8;
    let mut window = [0u8; 8];
    let end = (byte + 8).min(data.len());
    window[..end - byte].copy_from_slice(&data[byte..end]);
    let word = u64::from_le_bytes(window) >> (at % 8);
    (word & ((1u64 << bits) - 1)) as u32
}

/// Decodes a block with `n` samples and `k` alleles into `out` (one [`Gt`] per sample).
pub(crate) fn decode(data: &[u8], n: usize, k: usize, out: &mut Vec<Gt>) -> Result<(), ProbError> {
    let mut b = Bytes::new(data);
    let stored_n = b.u32("sample count")? as usize;
    let stored_k = b.u16("allele count")? as usize;
    if stored_n != n || stored_k != k {
        return Err(format!(
            "probability block for {stored_n} samples and {stored_k} alleles, expected {n} and {k}"
        )
        .into());
    }
    if k < 2 || k - 1 > MAX_ALTS {
        return Err(format!("{k} alleles (2 to {} supported)", MAX_ALTS + 1).into());
    }
    let _min_ploidy = b.u8("minimum ploidy")?;
    let max_ploidy = b.u8("maximum ploidy")?;
    if max_ploidy > 63 {
        return Err(format!("maximum ploidy {max_ploidy}").into());
    }
    let ploidy = b.take(n, "ploidy bytes")?;
    let phased = match b.u8("phased flag")? {
        0 => false,
        1 => true,
        other => return Err(format!("phased flag {other} (0 or 1)").into()),
    };
    let bits = u32::from(b.u8("bit depth")?);
    if !(1..=32).contains(&bits) {
        return Err(format!("bit depth {bits} (1 to 32)").into());
    }
    if !phased && k > 2 {
        return Err(ProbError::UnphasedMultiallelic);
    }
    let per_copy = |z: usize| if phased { z * (k - 1) } else { z };
    let total: usize = ploidy.iter().map(|&p| per_copy(usize::from(p & 63))).sum();
    let data = b.take((total * bits as usize).div_ceil(8), "probabilities")?;
    if b.remaining() != 0 {
        return Err(format!("{} bytes after the probabilities", b.remaining()).into());
    }
    let one = ((1u64 << bits) - 1) as u32;
    out.clear();
    let mut at = 0usize;
    let mut stored = Vec::with_capacity(k);
    for (i, &p) in ploidy.iter().enumerate() {
        let z = p & 63;
        let missing = p & 0x80 != 0;
        if z == 0 || z > 2 {
            return Err(ProbError::Ploidy {
                sample: i,
                ploidy: z,
            });
        }
        let mut gt = Gt {
            alleles: [MISSING; 2],
            ploidy: z,
            phased: phased || z == 1,
        };
        let n_values = per_copy(usize::from(z));
        if missing {
            at += n_values * bits as usize;
            out.push(gt);
            continue;
        }
        let not_hard = |stored: &[u32]| ProbError::NotHardCall {
            sample: i,
            values: stored
                .iter()
                .map(|&v| format!("{:.4}", f64::from(v) / f64::from(one)))
                .collect::<Vec<_>>()
                .join(","),
        };
        if phased && k == 2 {
            // The common case (UK Biobank): one stored probability per haplotype.
            for h in 0..usize::from(z) {
                let v = value(data, at, bits);
                at += bits as usize;
                gt.alleles[h] = match v {
                    0 => 1,
                    v if v == one => 0,
                    v => return Err(not_hard(&[v])),
                };
            }
        } else if phased {
            for h in 0..usize::from(z) {
                stored.clear();
                for _ in 0..k - 1 {
                    stored.push(value(data, at, bits));
                    at += bits as usize;
                }
                gt.alleles[h] = hard_allele(&stored, one).ok_or_else(|| not_hard(&stored))?;
            }
        } else {
            // Unphased, two alleles: P(hom first), P(het) for diploids; P(first) for haploids.
            stored.clear();
            for _ in 0..z {
                stored.push(value(data, at, bits));
                at += bits as usize;
            }
            gt.alleles = match (z, stored.as_slice()) {
                (1, [v]) if *v == one => [0, MISSING],
                (1, [0]) => [1, MISSING],
                (2, [v, 0]) if *v == one => [0, 0],
                (2, [0, v]) if *v == one => [0, 1],
                (2, [0, 0]) => [1, 1],
                _ => return Err(not_hard(&stored)),
            };
        }
        if z == 1 {
            gt.alleles[1] = 0;
        }
        out.push(gt);
    }
    Ok(())
}

/// Haplotype bits of a block with `n` samples in the form UK Biobank ships (two alleles,
/// phased, 8 bits, every sample diploid and called, every probability 0 or 255): bit `2s + c`
/// of `out` is copy `c` of sample `s`, 1 = ALT (the stored probability of the first allele is
/// 0). `false`, with `out` unspecified, for any other block: [`decode`] then reports or
/// decodes it sample by sample.
pub(crate) fn haplotype_bits(data: &[u8], n: usize, out: &mut Vec<u64>) -> bool {
    let header = 4 + 2 + 2 + n + 2;
    let Some(probs) = data.get(header..) else {
        return false;
    };
    let fixed = data[..4] == (n as u32).to_le_bytes()
        && data[4..6] == 2u16.to_le_bytes()
        && data[8..8 + n].iter().all(|&p| p == 2)
        && data[8 + n..header] == [1, 8]
        && probs.len() == 2 * n;
    if !fixed {
        return false;
    }
    out.clear();
    for chunk in probs.chunks(64) {
        let Some(word) = zero_bytes(chunk) else {
            return false;
        };
        out.push(word);
    }
    true
}

/// Bit `j` set where `chunk[j]` (at most 64 bytes) is 0; `None` unless every byte is 0 or 255.
fn zero_bytes(chunk: &[u8]) -> Option<u64> {
    #[cfg(target_arch = "x86_64")]
    if chunk.len() == 64 {
        use std::arch::x86_64::{
            _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
        };
        let (mut zeros, mut ones) = (0u64, 0u64);
        for (q, part) in chunk.chunks_exact(16).enumerate() {
            // SAFETY: SSE2 is part of x86-64; `part` holds 16 readable bytes.
            let (z, o) = unsafe {
                let v = _mm_loadu_si128(part.as_ptr().cast());
                (
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(0))),
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(-1))),
                )
            };
            zeros |= u64::from(z as u16) << (16 * q);
            ones |= u64::from(o as u16) << (16 * q);
        }
        return (zeros | ones == u64::MAX).then_some(zeros);
    }
    let mut word = 0u64;
    for (j, &b) in chunk.iter().enumerate() {
        match b {
            0 => word |= 1 << j,
            255 => {}
            _ => return None,
        }
    }
    Some(word)
}

/// The allele a haplotype carries with probability 1, given the stored K-1 probabilities
/// (the last allele's is implied); `None` unless they are all 0 but at most one at `one`.
fn hard_allele(stored: &[u32], one: u32) -> Option<u8> {
    let mut allele = stored.len();
    for (a, &v) in stored.iter().enumerate() {
        if v == one && allele == stored.len() {
            allele = a;
        } else if v != 0 {
            return None;
        }
    }
    Some(allele as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(n: u32, ploidy: &[u8], phased: u8, bits: u8, probs: &[u8]) -> Vec<u8> {
        let mut b = n.to_le_bytes().to_vec();
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(&[1, 2]);
        b.extend_from_slice(ploidy);
        b.extend_from_slice(&[phased, bits]);
        b.extend_from_slice(probs);
        b
    }

    #[test]
    fn phased_hard_calls_at_8_bits() {
        let mut out = Vec::new();
        // Sample 0: 0|1 (P(first allele) 1 then 0); sample 1 missing; sample 2 haploid ALT.
        let data = block(3, &[2, 0x82, 1], 1, 8, &[255, 0, 0, 0, 0]);
        decode(&data, 3, 2, &mut out).unwrap();
        let text: Vec<String> = out.iter().map(Gt::text).collect();
        assert_eq!(text, ["0|1", ".|.", "1"]);
    }

    #[test]
    fn packed_bits_equal_the_decoded_calls() {
        // 70 samples (a full 64-byte chunk and a tail), every copy pattern.
        let n = 70;
        let probs: Vec<u8> = (0..2 * n)
            .map(|j| if (j * 7 + j / 3) % 4 == 0 { 0 } else { 255 })
            .collect();
        let data = block(n as u32, &vec![2; n], 1, 8, &probs);
        let mut bits = Vec::new();
        assert!(haplotype_bits(&data, n, &mut bits));
        let mut calls = Vec::new();
        decode(&data, n, 2, &mut calls).unwrap();
        for (s, gt) in calls.iter().enumerate() {
            for c in 0..2 {
                let h = 2 * s + c;
                assert_eq!(bits[h / 64] >> (h % 64) & 1 == 1, gt.alleles[c] == 1, "{s}");
            }
        }
        // Anything else is left to the per-sample decoder.
        let mut dosage = probs.clone();
        dosage[65] = 200;
        for other in [
            block(n as u32, &vec![2; n], 1, 8, &dosage),
            block(n as u32, &vec![2; n], 0, 8, &probs),
            block(
                n as u32,
                &[&[0x82][..], &vec![2; n - 1]].concat(),
                1,
                8,
                &probs,
            ),
            block(n as u32, &vec![2; n], 1, 8, &probs[1..]),
        ] {
            assert!(!haplotype_bits(&other, n, &mut bits));
        }
        assert!(!haplotype_bits(&data[..20], n, &mut bits));
    }

    #[test]
    fn dosages_and_bad_ploidy_are_errors() {
        let mut out = Vec::new();
        let data = block(1, &[2], 1, 8, &[200, 0]);
        assert!(matches!(
            decode(&data, 1, 2, &mut out),
            Err(ProbError::NotHardCall { sample: 0, .. })
        ));
        let data = block(1, &[3], 1, 8, &[0, 0, 0]);
        assert!(matches!(
            decode(&data, 1, 2, &mut out),
            Err(ProbError::Ploidy { ploidy: 3, .. })
        ));
        // Unphased het at 1 bit: P(hom)=0, P(het)=1.
        let data = block(1, &[2], 0, 1, &[0b10]);
        decode(&data, 1, 2, &mut out).unwrap();
        assert_eq!(out[0].text(), "0/1");
        assert!(decode(&data[..data.len() - 1], 1, 2, &mut out).is_err());
    }
}
