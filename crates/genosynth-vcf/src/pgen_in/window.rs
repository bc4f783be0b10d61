//! A window on the `.pgen`: records are slices of one buffer that `read` fills straight from
//! the file, so each byte is copied once (by the kernel), not again into a record buffer.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// Bytes read per system call (the window also grows to fit one record, however long).
const WINDOW: usize = 1 << 20;

pub(super) struct FileWindow {
    file: File,
    buf: Vec<u8>,
    /// The next unread byte of `buf`.
    start: usize,
    /// The end of the bytes read into `buf`.
    end: usize,
    /// The file offset of `buf[end]`.
    file_pos: u64,
}

impl FileWindow {
    /// A window on `file` from its current offset.
    pub(super) fn new(mut file: File) -> io::Result<Self> {
        let file_pos = file.stream_position()?;
        Ok(Self {
            file,
            buf: Vec::new(),
            start: 0,
            end: 0,
            file_pos,
        })
    }

    /// Moves to file offset `offset`, inside the window when it is there.
    pub(super) fn seek(&mut self, offset: u64) -> io::Result<()> {
        let begin = self.file_pos - self.end as u64;
        if (begin..=self.file_pos).contains(&offset) {
            self.start = (offset - begin) as usize;
            return Ok(());
        }
        self.file.seek(SeekFrom::Start(offset))?;
        (self.start, self.end, self.file_pos) = (0, 0, offset);
        Ok(())
    }

    /// The next `len` bytes; an `UnexpectedEof` error when the file ends first.
    pub(super) fn take(&mut self, len: usize) -> io::Result<&[u8]> {
        if self.end - self.start < len {
            self.buf.copy_within(self.start..self.end, 0);
            (self.end, self.start) = (self.end - self.start, 0);
            if self.buf.len() < len.max(WINDOW) {
                self.buf.resize(len.max(WINDOW), 0);
            }
            while self.end < len {
                match self.file.read(&mut self.buf[self.end..]) {
                    Ok(0) => {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "failed to fill whole buffer",
                        ));
                    }
                    Ok(n) => {
                        self.end += n;
                        self.file_pos += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let record = &self.buf[self.start..self.start + len];
        self.start += len;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_seeks_and_ends() {
        let dir = std::env::temp_dir().join(format!("genosynth-window-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.bin");
        let bytes: Vec<u8> = (0..3 * WINDOW + 17).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let mut w = FileWindow::new(File::open(&path).unwrap()).unwrap();
        assert_eq!(w.take(10).unwrap(), &bytes[..10]);
        // A record longer than the window, then one across a refill.
        assert_eq!(w.take(WINDOW + 5).unwrap(), &bytes[10..WINDOW + 15]);
        assert_eq!(
            w.take(WINDOW).unwrap(),
            &bytes[WINDOW + 15..2 * WINDOW + 15]
        );
        // Back inside the window, then far ahead and back to the start.
        w.seek(WINDOW as u64 + 20).unwrap();
        assert_eq!(w.take(3).unwrap(), &bytes[WINDOW + 20..WINDOW + 23]);
        w.seek(3 * WINDOW as u64).unwrap();
        assert_eq!(w.take(17).unwrap(), &bytes[3 * WINDOW..]);
        assert_eq!(w.take(1).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        w.seek(0).unwrap();
        assert_eq!(w.take(4).unwrap(), &bytes[..4]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
