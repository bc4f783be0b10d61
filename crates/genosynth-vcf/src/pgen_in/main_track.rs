//! The main track of a PGEN record as plink2 holds it: 2 bits per sample (0 hom REF, 1 het,
//! 2 hom ALT, 3 missing), 32 samples per word, and the packed path that turns a biallelic,
//! fully phased record straight into haplotype bits, 64 haplotypes per word.

use super::decode::difflist;
use crate::bytes::{Bytes, Short, bit};

/// The low bit of every 2-bit code.
const LOW: u64 = 0x5555_5555_5555_5555;

/// One record's genotype codes, and the last plain record's for LD-compressed ones.
#[derive(Debug)]
pub(crate) struct MainTrack {
    pub(super) n: usize,
    /// Bytes per sample index in difflists.
    pub(super) id_width: usize,
    /// 2 bits per sample, little-endian; bits past the last sample are 0.
    words: Vec<u64>,
    /// Where the codes of the last record that was not LD-compressed are.
    pub(super) base: Base,
    /// The base, once an LD-compressed record has changed `words`.
    saved: Vec<u64>,
}

/// Where an LD-compressed record finds the record it differs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Base {
    /// Nowhere: a new block of variants started.
    None,
    /// In `words` (the last record was not LD-compressed): copied only when needed.
    InWords,
    /// In `saved`.
    Saved,
}

impl MainTrack {
    pub(super) fn new(n_samples: usize) -> Self {
        let bits = usize::BITS - n_samples.max(1).leading_zeros() - 1;
        Self {
            n: n_samples,
            id_width: 1 + bits as usize / 8,
            words: vec![0; n_samples.div_ceil(32)],
            base: Base::None,
            saved: Vec::new(),
        }
    }

    /// The code of sample `i`.
    pub(super) fn code(&self, i: usize) -> u8 {
        ((self.words[i / 32] >> (2 * (i % 32))) & 3) as u8
    }

    fn set(&mut self, i: usize, code: u8) {
        let shift = 2 * (i % 32);
        let w = &mut self.words[i / 32];
        *w = (*w & !(3 << shift)) | (u64::from(code & 3) << shift);
    }

    /// Clears the bits past the last sample.
    fn clear_tail(&mut self) {
        let tail = self.n % 32;
        if tail != 0
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << (2 * tail)) - 1;
        }
    }

    /// Reads the main track stored in `form` (the record type's low 3 bits).
    pub(super) fn read(&mut self, form: u8, b: &mut Bytes<'_>) -> Result<(), Short> {
        let n = self.n;
        match form {
            0 => {
                let bytes = b.take(n.div_ceil(4), "genotype array")?;
                let whole = bytes.chunks_exact(8);
                let tail = whole.remainder();
                for (w, chunk) in self.words.iter_mut().zip(whole) {
                    *w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
                }
                if !tail.is_empty() {
                    let mut le = [0u8; 8];
                    le[..tail.len()].copy_from_slice(tail);
                    self.words[bytes.len() / 8] = u64::from_le_bytes(le);
                }
                self.clear_tail();
            }
            1 => {
                let pair = b.u8("1-bit record header")?;
                let (lo, hi) = match pair {
                    1 => (0, 1),
                    2 => (0, 2),
                    3 => (0, 3),
                    5 => (1, 2),
                    6 => (1, 3),
                    9 => (2, 3),
                    other => return Err(format!("bad 1-bit record category byte {other}")),
                };
                let bits = b.take(n.div_ceil(8), "1-bit genotype array")?;
                for (w, chunk) in self.words.iter_mut().zip(bits.chunks(4)) {
                    let high = spread(match chunk.try_into() {
                        Ok(four) => u32::from_le_bytes(four),
                        Err(_) => chunk
                            .iter()
                            .rev()
                            .fold(0, |acc, &x| (acc << 8) | u32::from(x)),
                    });
                    // Codes are at most 3, so a code times a one-bit lane stays in its lane.
                    *w = high * hi + (LOW & !high) * lo;
                }
                self.clear_tail();
                self.patch_difflist(b)?;
            }
            2 | 3 => {
                match self.base {
                    Base::None => {
                        return Err(
                            "LD-compressed record without a previous record in its block".into(),
                        );
                    }
                    Base::InWords => {
                        self.saved.clone_from(&self.words);
                        self.base = Base::Saved;
                    }
                    Base::Saved => self.words.copy_from_slice(&self.saved),
                }
                self.patch_difflist(b)?;
                if form == 3 {
                    // Swap hom REF and hom ALT: flip the high bit where the low bit is 0.
                    for w in &mut self.words {
                        *w ^= (!*w & LOW) << 1;
                    }
                    self.clear_tail();
                }
                return Ok(());
            }
            4 | 6 | 7 => {
                self.words.fill(LOW * u64::from(form - 4));
                self.clear_tail();
                self.patch_difflist(b)?;
            }
            _ => return Err("reserved record type 5".into()),
        }
        self.base = Base::InWords;
        Ok(())
    }

    /// Applies a difflist of (sample, category) pairs.
    fn patch_difflist(&mut self, b: &mut Bytes<'_>) -> Result<(), Short> {
        let (n, width) = (self.n, self.id_width);
        difflist(b, n, width, true, |id, v| self.set(id, v))
    }

    /// The haplotype bits of this biallelic record, from the codes and `rest`, the bytes after
    /// the main track (the phase track when `has_phase`): bit `2s + c` of `out` is copy `c` of
    /// sample `s` (1 = ALT). `false`, with `out` unspecified, when a call is missing, a het
    /// is unphased or the rest does not parse: the per-sample path decides what to report.
    pub(super) fn haplotype_bits(&self, has_phase: bool, rest: &[u8], out: &mut Vec<u64>) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("popcnt")
                && std::arch::is_x86_feature_detected!("bmi2")
            {
                // SAFETY: the CPU supports popcnt and BMI2, checked just above.
                return unsafe { haplotype_bits_bmi2(&self.words, has_phase, rest, out) };
            }
        }
        haplotype_bits_with(&self.words, has_phase, rest, out, deposit)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt,bmi2")]
fn haplotype_bits_bmi2(words: &[u64], has_phase: bool, rest: &[u8], out: &mut Vec<u64>) -> bool {
    // The closure inherits this function's target features: PDEP is one instruction.
    haplotype_bits_with(words, has_phase, rest, out, |v, m| {
        std::arch::x86_64::_pdep_u64(v, m)
    })
}

/// [`MainTrack::haplotype_bits`] over the codes `words`, with `deposit` as PDEP: the low bits
/// of the first argument placed, in order, at the set bits of the second.
#[inline(always)]
fn haplotype_bits_with(
    words: &[u64],
    has_phase: bool,
    rest: &[u8],
    out: &mut Vec<u64>,
    deposit: impl Fn(u64, u64) -> u64,
) -> bool {
    let mut n_hets = 0usize;
    let mut missing = 0u64;
    for &w in words {
        let (lo, hi) = (w & LOW, (w >> 1) & LOW);
        missing |= lo & hi;
        n_hets += lo.count_ones() as usize;
    }
    if missing != 0 {
        return false;
    }
    out.clear();
    if n_hets == 0 {
        if has_phase || !rest.is_empty() {
            return false;
        }
        // hom ALT is code 2 (high bit only): both copies ALT.
        for &w in words {
            out.push(((w >> 1) & LOW) * 3);
        }
        return true;
    }
    let Some(swaps) = phase_bits(rest, has_phase, n_hets) else {
        return false;
    };
    // Plain loops, not iterator adapters: their code must inherit the caller's target features.
    let mut next = swaps.offset;
    for &w in words {
        let (het, hom_alt) = (w & LOW, (w >> 1) & LOW);
        // Phase bit set = 1|0: the first copy carries ALT.
        let k = het.count_ones() as usize;
        let swap = if k == 0 {
            0
        } else {
            deposit(bits_at(swaps.info, next, k), het)
        };
        next += k;
        let first = hom_alt | (het & swap);
        let second = hom_alt | (het & !swap);
        out.push(first | (second << 1));
    }
    true
}

/// PDEP in plain code: one step per set bit of `mask`.
fn deposit(mut value: u64, mask: u64) -> u64 {
    let (mut out, mut left) = (0, mask);
    while left != 0 {
        let low = left & left.wrapping_neg();
        if value & 1 == 1 {
            out |= low;
        }
        value >>= 1;
        left ^= low;
    }
    out
}

/// `k` (at most 32) bits of the little-endian bit array `bytes` from bit `start`; bits past
/// the end read as 0.
fn bits_at(bytes: &[u8], start: usize, k: usize) -> u64 {
    let at = start / 8;
    let word = match bytes.get(at..at + 8) {
        Some(b) => u64::from_le_bytes(b.try_into().expect("8 bytes")),
        None => {
            let mut le = [0u8; 8];
            let tail = bytes.get(at..).unwrap_or_default();
            le[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(le)
        }
    };
    (word >> (start % 8)) & ((1u64 << k) - 1)
}

/// The phase bits of a fully phased track for `n_hets` hets.
struct PhaseBits<'a> {
    info: &'a [u8],
    offset: usize,
}

/// Parses aux track 2 when every het is phased and nothing follows it; `None` otherwise.
fn phase_bits(rest: &[u8], has_phase: bool, n_hets: usize) -> Option<PhaseBits<'_>> {
    if !has_phase {
        return None;
    }
    let mut b = Bytes::new(rest);
    let head = b.take((1 + n_hets).div_ceil(8), "phase track").ok()?;
    let bits = if bit(head, 0) {
        if !(0..n_hets).all(|j| bit(head, 1 + j)) {
            return None;
        }
        PhaseBits {
            info: b.take(n_hets.div_ceil(8), "phase bits").ok()?,
            offset: 0,
        }
    } else {
        PhaseBits {
            info: head,
            offset: 1,
        }
    };
    (b.remaining() == 0).then_some(bits)
}

/// The 32 bits of `x` moved to the even bit positions of a word.
fn spread(x: u32) -> u64 {
    let mut x = u64::from(x);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & LOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_moves_bits_to_even_positions() {
        assert_eq!(spread(0b1011), 0b01_00_01_01);
        assert_eq!(spread(u32::MAX), LOW);
        assert_eq!(spread(1 << 31), 1 << 62);
    }

    #[test]
    fn packed_bits_follow_the_phase() {
        // Samples: 0|0, 0|1 (unswapped), 1|0 (swapped), 1|1.
        let mut m = MainTrack::new(4);
        m.read(0, &mut Bytes::new(&[0b10_01_01_00])).unwrap();
        let mut out = Vec::new();
        assert!(m.haplotype_bits(true, &[0b100], &mut out));
        assert_eq!(out, vec![0b11_01_10_00]);
        // Without a phase track the hets are unphased: the per-sample path reports them.
        assert!(!m.haplotype_bits(false, &[], &mut out));
        // One het unphased (phasepresent on, second bit clear).
        assert!(!m.haplotype_bits(true, &[0b011, 0], &mut out));
        // Trailing bytes are left to the per-sample path's error.
        assert!(!m.haplotype_bits(true, &[0b100, 0], &mut out));
    }

    #[test]
    fn deposit_and_bits_at_agree_with_their_definitions() {
        assert_eq!(deposit(0b101, 0b1011_0000), 0b1001_0000);
        assert_eq!(deposit(0b11, LOW), 0b101);
        assert_eq!(bits_at(&[0b1010_0000, 0b1], 5, 4), 0b1101);
        assert_eq!(bits_at(&[0xff; 3], 20, 8), 0b1111);
        assert_eq!(bits_at(&[0xff; 12], 3, 32), 0xffff_ffff);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("bmi2") {
            for (v, m) in [
                (0b101u64, 0b1011_0000u64),
                (u64::MAX, LOW),
                (0x1234, 0xf0f0_f0f0),
            ] {
                // SAFETY: BMI2 is present, checked above.
                assert_eq!(deposit(v, m), unsafe { std::arch::x86_64::_pdep_u64(v, m) });
            }
        }
    }

    #[test]
    fn missing_calls_leave_the_packed_path() {
        let mut m = MainTrack::new(3);
        m.read(0, &mut Bytes::new(&[0b11_00_00])).unwrap();
        assert!(!m.haplotype_bits(false, &[], &mut Vec::new()));
    }
}
