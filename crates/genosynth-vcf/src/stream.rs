//! [`StreamWriter`]: haplotypes written as they are made, chunk by chunk, in memory bounded
//! by a batch of rows rather than by the number of haplotypes.
//!
//! VCF, BCF and `.pgen` are site-major (one record holds every sample), so rows cannot be
//! appended as they come. They are buffered in batches; each full batch is transposed to
//! block-major order (for each block of 64 sites, one word per row) and appended to a spill
//! file beside the output. [`StreamWriter::finish`] then writes the records site block by
//! site block, reading every batch's slice of that block, through the same encoders as
//! [`crate::write()`]. `.hapt` is haplotype-major: its lines are written as rows arrive.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use genosynth_core::{HaplotypeMatrix, Sample, Sites};
use noodles_bgzf::io::writer::CompressionLevel;

use crate::atomic::temp_file;
use crate::encode::{Columns, n_haplotypes};
use crate::error::{Error, ErrorKind};
use crate::input::is_stdio;
use crate::options::{OutputFormat, WriteOptions, stopped};
use crate::write::{
    bgzf_writer, encode, hapt_group, output_dir, output_format, persist_output, validate,
    validate_metadata,
};
use crate::{hapt, pgen};

/// Bytes of rows buffered before a batch is spilled (the writer's memory, besides one
/// column of `haplotypes` words and one record while merging).
const SPILL_BATCH_BYTES: usize = 64 << 20;

/// Writes haplotypes to VCF, BGZF VCF, BCF, `.hapt` or PLINK 2 as they arrive in chunks
/// ([`push`](Self::push)), in bounded memory; the file appears only when
/// [`finish`](Self::finish) succeeds.
///
/// The output is the same bytes [`crate::write()`] writes for the matrix of all rows pushed,
/// with the writer's samples, whatever the chunk sizes. Temporary files (the output's and the
/// spill file of site-major formats, both in the output's directory; the spill of stdout
/// output in the system's temporary directory) are removed on success, on error, on Ctrl-C
/// (the options' stop flag) and when the writer is dropped unfinished.
///
/// ```
/// use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
/// use genosynth_vcf::{StreamWriter, WriteOptions};
///
/// let dir = tempfile::tempdir()?;
/// let sites: Sites = (1..=3).map(|p| Site::new("1", p * 10, "A", "G")).collect();
/// let samples = Sample::numbered("AG_", 2, Ploidy::Diploid);
/// let path = dir.path().join("ags.vcf.gz");
/// let mut writer = StreamWriter::create(&path, sites.clone(), samples, &WriteOptions::default())?;
/// for chunk in [[1u8, 0, 1, 0, 0, 0].as_slice(), &[1, 1, 1, 0, 1, 0]] {
///     let rows = HaplotypeMatrix::from_dense_u8(
///         chunk,
///         sites.clone(),
///         Sample::numbered("x", 2, Ploidy::Haploid),
///     )?;
///     writer.push(&rows)?;
/// }
/// writer.finish()?;
/// let back = genosynth_vcf::read(&path, &Default::default())?.matrix;
/// assert_eq!(back.samples().len(), 2);
/// assert_eq!(back.allele_counts(), vec![2, 2, 2]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct StreamWriter {
    path: PathBuf,
    format: OutputFormat,
    options: WriteOptions,
    sites: Sites,
    samples: Vec<Sample>,
    n_haplotypes: usize,
    pushed: usize,
    sink: Sink,
}

/// Where pushed rows go.
enum Sink {
    /// Site-major formats: batches of rows spilled block-major, merged by `finish`.
    Spill(Spill),
    /// `.hapt`: one line per row as it arrives.
    Hapt(HaptLines),
}

impl StreamWriter {
    /// Starts writing `path` (`-` = stdout) for `samples` (ploidy decides how many rows each
    /// takes) at `sites`; the format comes from `options` or the extension, as in
    /// [`crate::write()`], which also says how samples and INFO are written.
    ///
    /// # Errors
    /// What [`crate::write()`] refuses before writing (format, names, sort order, an index
    /// for stdout), or the temporary file cannot be made.
    pub fn create(
        path: &Path,
        sites: Sites,
        samples: Vec<Sample>,
        options: &WriteOptions,
    ) -> Result<Self, Error> {
        let err = |kind| Error::new(path, kind);
        let format = output_format(path, options)?;
        validate(&sites, &samples, format, options).map_err(err)?;
        if is_stdio(path) && options.write_index {
            return Err(err(ErrorKind::Unwritable(
                "cannot write an index for stdout".into(),
            )));
        }
        let dir = if is_stdio(path) {
            std::env::temp_dir()
        } else {
            output_dir(path).map_err(err)?
        };
        let sink = if format == OutputFormat::Hapt {
            Sink::Hapt(HaptLines::create(path, &dir, options).map_err(err)?)
        } else {
            Sink::Spill(Spill::create(&dir, sites.len()).map_err(err)?)
        };
        Ok(Self {
            path: path.to_path_buf(),
            format,
            options: options.clone(),
            n_haplotypes: n_haplotypes(&samples),
            sites,
            samples,
            pushed: 0,
            sink,
        })
    }

    /// The format being written.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Rows pushed so far.
    pub fn pushed(&self) -> usize {
        self.pushed
    }

    /// Rows the samples take: what must be pushed before [`finish`](Self::finish).
    pub fn n_haplotypes(&self) -> usize {
        self.n_haplotypes
    }

    /// Rows buffered before each spill (default: as many as fit in 64 MiB); fewer rows mean
    /// less memory and more reads while merging. Ignored by `.hapt`.
    pub fn set_spill_rows(&mut self, rows: usize) {
        if let Sink::Spill(spill) = &mut self.sink {
            spill.batch_rows = rows.max(1);
        }
    }

    /// Adds a `##key=value` header line (for what is known only once every row is made,
    /// e.g. what a guard redrew); VCF, BCF and `.pvar` headers are written by `finish`.
    pub fn add_metadata(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.options.metadata.push((key.into(), value.into()));
    }

    /// Appends the rows of `chunk`, the next haplotypes in order (its sample names are not
    /// used: rows take the writer's samples in turn).
    ///
    /// # Errors
    /// Sites other than the writer's, more rows than the samples take, Ctrl-C, or I/O.
    pub fn push(&mut self, chunk: &HaplotypeMatrix) -> Result<(), Error> {
        if chunk.sites() != &self.sites {
            return Err(self.error(ErrorKind::Unwritable(format!(
                "a chunk has {} sites, not the writer's {} (or other sites)",
                chunk.n_sites(),
                self.sites.len()
            ))));
        }
        self.push_words(chunk.words())
    }

    /// Appends packed rows (`rows × ⌈sites / 64⌉` words, row-major, bit `s % 64` of word
    /// `s / 64` the allele at site `s`, as [`HaplotypeMatrix::words`]).
    ///
    /// # Errors
    /// A length that is not whole rows, more rows than the samples take, Ctrl-C, or I/O.
    pub fn push_words(&mut self, words: &[u64]) -> Result<(), Error> {
        let wpr = self.sites.len().div_ceil(64);
        let rows = words.len().checked_div(wpr).unwrap_or(0);
        if wpr == 0 || !words.len().is_multiple_of(wpr) {
            return Err(self.error(ErrorKind::Unwritable(format!(
                "{} words are not whole rows of {wpr} words",
                words.len()
            ))));
        }
        if self.pushed + rows > self.n_haplotypes {
            return Err(self.error(ErrorKind::Unwritable(format!(
                "{} rows pushed, but the {} samples take {}",
                self.pushed + rows,
                self.samples.len(),
                self.n_haplotypes
            ))));
        }
        if stopped(&self.options.stop) {
            return Err(self.error(ErrorKind::Interrupted));
        }
        let result = match &mut self.sink {
            Sink::Spill(spill) => spill.push(words, rows),
            Sink::Hapt(lines) => lines.push(words, &self.samples, self.sites.len()),
        };
        result.map_err(|kind| self.error(kind))?;
        self.pushed += rows;
        Ok(())
    }

    /// Writes the records (site-major formats), the index if asked, and renames the output
    /// into place.
    ///
    /// # Errors
    /// Fewer rows pushed than the samples take, a bad metadata key, Ctrl-C, or I/O; nothing
    /// is left behind.
    pub fn finish(self) -> Result<(), Error> {
        let err = |kind| Error::new(&self.path, kind);
        if self.pushed != self.n_haplotypes {
            return Err(err(ErrorKind::Unwritable(format!(
                "{} rows pushed, but the {} samples take {}",
                self.pushed,
                self.samples.len(),
                self.n_haplotypes
            ))));
        }
        validate_metadata(&self.options).map_err(err)?;
        match self.sink {
            Sink::Hapt(lines) => lines
                .finish(&self.path, self.format, &self.sites, &self.options)
                .map_err(err),
            Sink::Spill(spill) => merge(
                spill,
                &self.path,
                self.format,
                &self.sites,
                &self.samples,
                &self.options,
            )
            .map_err(err),
        }
    }

    fn error(&self, kind: ErrorKind) -> Error {
        Error::new(&self.path, kind)
    }
}

/// Writes the spilled rows as records through the encoders of [`crate::write()`].
fn merge(
    mut spill: Spill,
    path: &Path,
    format: OutputFormat,
    sites: &Sites,
    samples: &[Sample],
    options: &WriteOptions,
) -> Result<(), ErrorKind> {
    spill.flush()?;
    let mut columns = spill.columns()?;
    if is_stdio(path) {
        encode(format, io::stdout(), sites, samples, &mut columns, options)?;
        return Ok(());
    }
    let dir = output_dir(path)?;
    if format == OutputFormat::Pgen {
        return pgen::write(path, &dir, sites, samples, &mut columns, options);
    }
    let data = temp_file(&dir)?;
    let file = data.as_file().try_clone().map_err(ErrorKind::Io)?;
    let file = encode(format, file, sites, samples, &mut columns, options)?;
    file.sync_all().map_err(ErrorKind::Io)?;
    drop(file);
    drop(columns);
    persist_output(path, &dir, format, data, sites, options)
}

/// Rows spilled in batches, each batch block-major: for block `b`, one word per row.
struct Spill {
    file: tempfile::NamedTempFile,
    out: BufWriter<File>,
    n_sites: usize,
    words_per_row: usize,
    /// Rows per batch.
    batch_rows: usize,
    /// Rows waiting, row-major.
    batch: Vec<u64>,
    /// Each spilled batch: its byte offset and rows.
    batches: Vec<(u64, usize)>,
    offset: u64,
}

impl Spill {
    fn create(dir: &Path, n_sites: usize) -> Result<Self, ErrorKind> {
        let words_per_row = n_sites.div_ceil(64);
        let file = temp_file(dir)?;
        let out = BufWriter::with_capacity(1 << 20, file.reopen().map_err(ErrorKind::Io)?);
        Ok(Self {
            file,
            out,
            n_sites,
            words_per_row,
            batch_rows: (SPILL_BATCH_BYTES / (8 * words_per_row.max(1))).max(1),
            batch: Vec::new(),
            batches: Vec::new(),
            offset: 0,
        })
    }

    fn push(&mut self, words: &[u64], rows: usize) -> Result<(), ErrorKind> {
        let wpr = self.words_per_row;
        let mut taken = 0;
        while taken < rows {
            let room = self.batch_rows - self.batch.len() / wpr;
            let take = room.min(rows - taken);
            self.batch
                .extend_from_slice(&words[taken * wpr..(taken + take) * wpr]);
            taken += take;
            if self.batch.len() / wpr == self.batch_rows {
                self.spill_batch()?;
            }
        }
        Ok(())
    }

    /// Writes the waiting rows block-major and empties the batch.
    fn spill_batch(&mut self) -> Result<(), ErrorKind> {
        let wpr = self.words_per_row;
        let rows = self.batch.len() / wpr;
        if rows == 0 {
            return Ok(());
        }
        let mut block = Vec::with_capacity(rows * 8);
        for b in 0..wpr {
            block.clear();
            for r in 0..rows {
                block.extend_from_slice(&self.batch[r * wpr + b].to_le_bytes());
            }
            self.out.write_all(&block).map_err(ErrorKind::Io)?;
        }
        self.batches.push((self.offset, rows));
        self.offset += (rows * wpr * 8) as u64;
        self.batch.clear();
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        self.spill_batch()?;
        self.batch = Vec::new();
        self.out.flush().map_err(ErrorKind::Io)
    }

    /// The spilled rows as site blocks, for the encoders.
    fn columns(&self) -> Result<SpillColumns<'_>, ErrorKind> {
        Ok(SpillColumns {
            file: self.file.reopen().map_err(ErrorKind::Io)?,
            batches: &self.batches,
            tail_mask: match self.n_sites % 64 {
                0 => u64::MAX,
                tail => (1 << tail) - 1,
            },
            last_block: self.words_per_row.saturating_sub(1),
            buf: Vec::new(),
        })
    }
}

/// Reads block `b` of every batch: `rows` words at `offset + b × rows × 8`.
struct SpillColumns<'s> {
    file: File,
    batches: &'s [(u64, usize)],
    /// Bits past the last site are zero in matrices, but rows pushed as words may carry
    /// any: they are cleared while reading back, so the encoders see clean words.
    tail_mask: u64,
    last_block: usize,
    buf: Vec<u8>,
}

impl Columns for SpillColumns<'_> {
    fn gather(&mut self, block: usize, column: &mut [u64]) -> Result<(), ErrorKind> {
        let mask = if block == self.last_block {
            self.tail_mask
        } else {
            u64::MAX
        };
        let mut start = 0;
        for &(offset, rows) in self.batches {
            self.buf.resize(rows * 8, 0);
            self.file
                .seek(SeekFrom::Start(offset + (block * rows * 8) as u64))
                .and_then(|_| self.file.read_exact(&mut self.buf))
                .map_err(ErrorKind::Io)?;
            for (w, bytes) in column[start..start + rows]
                .iter_mut()
                .zip(self.buf.chunks_exact(8))
            {
                *w = u64::from_le_bytes(bytes.try_into().expect("8 bytes")) & mask;
            }
            start += rows;
        }
        debug_assert_eq!(start, column.len());
        Ok(())
    }
}

/// `.hapt` lines written as rows arrive: into a temporary file beside the output, or stdout.
struct HaptLines {
    data: Option<tempfile::NamedTempFile>,
    out: HaptOut,
    group: String,
    line: Vec<u8>,
    /// The sample and copy of the next row.
    next: (usize, u8),
}

enum HaptOut {
    Plain(BufWriter<Box<dyn Write + Send>>),
    Bgzf(noodles_bgzf::io::MultithreadedWriter<Box<dyn Write + Send>>),
}

impl HaptLines {
    fn create(path: &Path, dir: &Path, options: &WriteOptions) -> Result<Self, ErrorKind> {
        let (data, target): (_, Box<dyn Write + Send>) = if is_stdio(path) {
            (None, Box::new(io::stdout()))
        } else {
            let data = temp_file(dir)?;
            let file = data.as_file().try_clone().map_err(ErrorKind::Io)?;
            (Some(data), Box::new(file))
        };
        let out = if path.to_string_lossy().ends_with(".gz") {
            HaptOut::Bgzf(bgzf_writer(target, CompressionLevel::default(), options))
        } else {
            HaptOut::Plain(BufWriter::with_capacity(1 << 20, target))
        };
        Ok(Self {
            data,
            out,
            group: hapt_group(options).to_string(),
            line: Vec::new(),
            next: (0, 0),
        })
    }

    /// Writes the next rows (of the writer's samples, in order) from packed `words`.
    fn push(&mut self, words: &[u64], samples: &[Sample], n_sites: usize) -> Result<(), ErrorKind> {
        let wpr = n_sites.div_ceil(64);
        let (mut sample, mut copy) = self.next;
        let out: &mut dyn Write = match &mut self.out {
            HaptOut::Plain(w) => w,
            HaptOut::Bgzf(w) => w,
        };
        for row in words.chunks_exact(wpr) {
            let s = &samples[sample];
            hapt::write_row(out, &mut self.line, &self.group, s, copy, row, n_sites)?;
            copy += 1;
            if usize::from(copy) == s.ploidy.copies() {
                (sample, copy) = (sample + 1, 0);
            }
        }
        self.next = (sample, copy);
        Ok(())
    }

    fn finish(
        self,
        path: &Path,
        format: OutputFormat,
        sites: &Sites,
        options: &WriteOptions,
    ) -> Result<(), ErrorKind> {
        match self.out {
            HaptOut::Plain(w) => {
                w.into_inner().map_err(|e| ErrorKind::Io(e.into_error()))?;
            }
            HaptOut::Bgzf(mut w) => {
                w.finish().map_err(ErrorKind::Io)?;
            }
        }
        let Some(data) = self.data else {
            return Ok(());
        };
        data.as_file().sync_all().map_err(ErrorKind::Io)?;
        persist_output(path, &output_dir(path)?, format, data, sites, options)
    }
}
