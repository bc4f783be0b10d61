//! A bounds-checked little-endian reader over a byte slice, for the binary formats (PGEN,
//! BGEN): every read past the end is an error, never a panic.

/// Reads little-endian values from `data`, advancing `pos`.
#[derive(Debug, Clone)]
pub(crate) struct Bytes<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

/// What a truncated or malformed binary structure reports.
pub(crate) type Short = String;

impl<'a> Bytes<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Short> {
        if n > self.remaining() {
            return Err(format!(
                "truncated {what}: {n} bytes needed, {} left",
                self.remaining()
            ));
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, Short> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &str) -> Result<u16, Short> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32, Short> {
        Ok(self.uint(4, what)? as u32)
    }

    /// An unsigned integer of `width` (1 to 8) bytes.
    pub(crate) fn uint(&mut self, width: usize, what: &str) -> Result<u64, Short> {
        let b = self.take(width, what)?;
        Ok(b.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))
    }

    /// A base-128 varint of at most 31 bits (PGEN difflists).
    pub(crate) fn varint31(&mut self, what: &str) -> Result<u32, Short> {
        let mut value: u64 = 0;
        for shift in (0..35).step_by(7) {
            let b = self.u8(what)?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return u32::try_from(value)
                    .ok()
                    .filter(|v| *v < 1 << 31)
                    .ok_or_else(|| format!("{what}: varint out of range"));
            }
        }
        Err(format!("{what}: varint longer than 5 bytes"))
    }
}

/// Bit `i` of a little-endian bit array.
pub(crate) fn bit(bits: &[u8], i: usize) -> bool {
    bits[i / 8] >> (i % 8) & 1 == 1
}

/// The `width`-bit value `i` of a packed little-endian array (`width` 1, 2, 4 or 8).
pub(crate) fn packed(bits: &[u8], i: usize, width: usize) -> u8 {
    let at = i * width;
    (bits[at / 8] >> (at % 8)) & ((1u16 << width) - 1) as u8
}

/// Set bits in `words` (the popcnt instruction where the CPU has it).
pub(crate) fn ones(words: &[u64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports popcnt, checked just above.
            return unsafe { ones_popcnt(words) };
        }
    }
    ones_with(words)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn ones_popcnt(words: &[u64]) -> u64 {
    ones_with(words)
}

#[inline(always)]
fn ones_with(words: &[u64]) -> u64 {
    let mut n = 0;
    for w in words {
        n += u64::from(w.count_ones());
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_varints() {
        let mut b = Bytes::new(&[1, 2, 0x88, 0x27, 0xff]);
        assert_eq!(b.u16("x").unwrap(), 0x0201);
        assert_eq!(b.varint31("x").unwrap(), 5000);
        assert!(b.varint31("x").is_err());
        assert!(b.u8("x").is_err());
        assert_eq!(packed(&[0b1110_0100], 2, 2), 2);
        assert!(bit(&[0b10], 1));
        assert_eq!(ones(&[0b1011, u64::MAX]), 67);
    }
}
