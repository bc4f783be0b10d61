//! A stream of [`RawRecord`]s from VCF text or BCF, whole-file or through an index.

use std::fs::File;
use std::io::BufRead;
use std::path::Path;

use noodles_bcf as bcf;
use noodles_bgzf as bgzf;
use noodles_csi::BinningIndex;
use noodles_vcf as vcf;

use crate::bcf_in::BcfDecoder;
use crate::bgen_in::{self, BgenSource};
use crate::error::{ErrorKind, RecordProblem};
use crate::input::{self, InputFormat};
use crate::options::{ReadOptions, SampleSelection};
use crate::pgen_in::{self, PgenSource};
use crate::record::RawRecord;
use crate::region::{ChunkCursor, Region, plan_chunks};
use crate::vcf_text::{self, RecordParser, trim_newline};

/// An opened file: either records, or `.hapt` text for the `.hapt` reader.
pub(crate) enum Opened {
    Records(Box<Records>),
    Hapt(Box<dyn BufRead + Send>),
}

impl Opened {
    /// Allows or forbids the packed path of binary formats (allowed when opened).
    pub(crate) fn with_packed_path(mut self, packed: bool) -> Self {
        if let Opened::Records(records) = &mut self {
            match &mut records.source {
                Source::Pgen(source) => source.packed_path = packed,
                Source::Bgen(source) => source.packed_path = packed,
                _ => {}
            }
        }
        self
    }
}

/// Records plus what the header said.
pub(crate) struct Records {
    pub(crate) source: Source,
    pub(crate) format: InputFormat,
    /// Selected sample names, in output order.
    pub(crate) samples: Vec<String>,
    /// All sample names in the header.
    pub(crate) header_samples: usize,
    /// `##contig` IDs and lengths.
    pub(crate) contigs: Vec<(String, Option<u64>)>,
    /// `##genosynth…` header lines.
    pub(crate) metadata: Vec<(String, String)>,
    /// Parsed regions (empty = whole file).
    pub(crate) regions: Vec<Region>,
    /// Whether an index narrowed the reading.
    pub(crate) used_index: bool,
}

impl Records {
    /// Whether `rec` passes the region filter.
    pub(crate) fn in_regions(&self, rec: &RawRecord) -> bool {
        self.regions.is_empty()
            || self
                .regions
                .iter()
                .any(|r| r.overlaps(&rec.chrom, rec.pos, rec.reference.len()))
    }
}

/// Where records come from.
pub(crate) enum Source {
    Text {
        reader: Box<dyn BufRead + Send>,
        parser: RecordParser,
        line: Vec<u8>,
        line_no: u64,
        compressed: bool,
    },
    TextIndexed {
        reader: bgzf::io::Reader<File>,
        parser: RecordParser,
        line: Vec<u8>,
        cursor: ChunkCursor,
    },
    Bcf {
        reader: Box<bcf::io::Reader<Box<dyn BufRead + Send>>>,
        header: Box<vcf::Header>,
        decoder: BcfDecoder,
        record: bcf::Record,
        count: u64,
    },
    BcfIndexed {
        reader: Box<bcf::io::Reader<bgzf::io::Reader<File>>>,
        header: Box<vcf::Header>,
        decoder: BcfDecoder,
        record: bcf::Record,
        count: u64,
        cursor: ChunkCursor,
    },
    Pgen(Box<PgenSource>),
    Bgen(Box<BgenSource>),
}

fn record_error((record, problem): (String, RecordProblem)) -> ErrorKind {
    ErrorKind::Record { record, problem }
}

impl Source {
    /// Reads the next record into `rec`; `false` at the end.
    pub(crate) fn next(&mut self, rec: &mut RawRecord) -> Result<bool, ErrorKind> {
        match self {
            Source::Pgen(source) => source.next(rec),
            Source::Bgen(source) => source.next(rec),
            Source::Text {
                reader,
                parser,
                line,
                line_no,
                compressed,
            } => loop {
                line.clear();
                let n = reader
                    .read_until(b'\n', line)
                    .map_err(|e| input::decompress_error(e, *compressed))?;
                if n == 0 {
                    return Ok(false);
                }
                *line_no += 1;
                let text = trim_newline(line);
                if text.is_empty() {
                    continue;
                }
                if text[0] == b'#' {
                    return Err(ErrorKind::Record {
                        record: format!("line {line_no}"),
                        problem: RecordProblem::BadAlleles(
                            "a header line after the #CHROM line".into(),
                        ),
                    });
                }
                parser.parse(text, *line_no, rec).map_err(record_error)?;
                return Ok(true);
            },
            Source::TextIndexed {
                reader,
                parser,
                line,
                cursor,
            } => loop {
                let start = reader.virtual_position();
                if !cursor.inside(start) {
                    let Some(pos) = cursor.advance() else {
                        return Ok(false);
                    };
                    reader
                        .seek(pos)
                        .map_err(|e| input::decompress_error(e, true))?;
                    continue;
                }
                line.clear();
                let n = reader
                    .read_until(b'\n', line)
                    .map_err(|e| input::decompress_error(e, true))?;
                if n == 0 {
                    cursor.end = None;
                    continue;
                }
                let text = trim_newline(line);
                if text.is_empty() || text[0] == b'#' || !cursor.take(start) {
                    continue;
                }
                parser.parse(text, 0, rec).map_err(record_error)?;
                return Ok(true);
            },
            Source::Bcf {
                reader,
                header,
                decoder,
                record,
                count,
            } => {
                let n = reader
                    .read_record(record)
                    .map_err(|e| input::decompress_error(e, true))?;
                if n == 0 {
                    return Ok(false);
                }
                *count += 1;
                decoder
                    .decode(header, record, *count, rec)
                    .map_err(record_error)?;
                Ok(true)
            }
            Source::BcfIndexed {
                reader,
                header,
                decoder,
                record,
                count,
                cursor,
            } => loop {
                let start = reader.get_ref().virtual_position();
                if !cursor.inside(start) {
                    let Some(pos) = cursor.advance() else {
                        return Ok(false);
                    };
                    reader
                        .get_mut()
                        .seek(pos)
                        .map_err(|e| input::decompress_error(e, true))?;
                    continue;
                }
                let n = reader
                    .read_record(record)
                    .map_err(|e| input::decompress_error(e, true))?;
                if n == 0 {
                    cursor.end = None;
                    continue;
                }
                if !cursor.take(start) {
                    continue;
                }
                *count += 1;
                decoder
                    .decode(header, record, *count, rec)
                    .map_err(record_error)?;
                return Ok(true);
            },
        }
    }
}

/// Maps header sample names to output slots for a selection.
pub(crate) fn select_samples(
    names: &[String],
    selection: Option<&SampleSelection>,
) -> Result<(Vec<Option<u32>>, Vec<String>), ErrorKind> {
    let index: std::collections::HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut slots = vec![None; names.len()];
    let mut selected = Vec::new();
    match selection {
        None => {
            for (i, n) in names.iter().enumerate() {
                slots[i] = Some(i as u32);
                selected.push(n.clone());
            }
        }
        Some(SampleSelection::Include(list)) => {
            for name in list {
                let &i = index
                    .get(name.as_str())
                    .ok_or_else(|| ErrorKind::UnknownSample(name.clone()))?;
                if slots[i].is_none() {
                    slots[i] = Some(selected.len() as u32);
                    selected.push(name.clone());
                }
            }
        }
        Some(SampleSelection::Exclude(list)) => {
            let mut excluded = vec![false; names.len()];
            for name in list {
                let &i = index
                    .get(name.as_str())
                    .ok_or_else(|| ErrorKind::UnknownSample(name.clone()))?;
                excluded[i] = true;
            }
            for (i, n) in names.iter().enumerate() {
                if !excluded[i] {
                    slots[i] = Some(selected.len() as u32);
                    selected.push(n.clone());
                }
            }
        }
    }
    if selected.is_empty() && !names.is_empty() {
        return Err(ErrorKind::NoSamplesSelected);
    }
    Ok((slots, selected))
}

/// Opens a `.pgen` or `.bgen` (`format`) for reading records with `options`.
fn open_binary(
    path: &Path,
    format: InputFormat,
    options: &ReadOptions,
) -> Result<Opened, ErrorKind> {
    if input::is_stdio(path) {
        return Err(ErrorKind::Unsupported(
            "PLINK 2 and BGEN input cannot come from stdin: pass the file name".into(),
        ));
    }
    let regions = options.regions.clone();
    let mut used_index = false;
    let (source, names, contigs, metadata) = if format == InputFormat::Pgen {
        let opened = pgen_in::open(path)?;
        let (slots, samples) = select_samples(&opened.names, options.samples.as_ref())?;
        let mut source = Box::new(opened.source);
        source.select(slots, samples.len());
        (
            Source::Pgen(source),
            samples,
            opened.contigs,
            opened.metadata,
        )
    } else {
        let opened = bgen_in::open(path)?;
        let (slots, samples) = select_samples(&opened.names, options.samples.as_ref())?;
        let mut source = Box::new(opened.source);
        used_index = source.select(slots, samples.len(), &regions)?;
        (Source::Bgen(source), samples, Vec::new(), Vec::new())
    };
    let header_samples = match &source {
        Source::Pgen(s) => s.names().len(),
        Source::Bgen(s) => s.names().len(),
        _ => 0,
    };
    Ok(Opened::Records(Box::new(Records {
        source,
        format,
        samples: names,
        header_samples,
        contigs,
        metadata,
        regions,
        used_index,
    })))
}

/// Whether detected content `found` is what `--input-format` asked for.
fn matches_forced(found: InputFormat, forced: InputFormat) -> bool {
    match forced {
        InputFormat::Vcf | InputFormat::VcfBgzf | InputFormat::VcfGzip => matches!(
            found,
            InputFormat::Vcf | InputFormat::VcfBgzf | InputFormat::VcfGzip
        ),
        other => found == other,
    }
}

/// Opens `path` for reading records with `options` (regions, samples).
pub(crate) fn open(path: &Path, options: &ReadOptions) -> Result<Opened, ErrorKind> {
    let binary = match options.input_format {
        Some(f @ (InputFormat::Pgen | InputFormat::Bgen)) => Some(f),
        Some(_) => None,
        None if input::is_stdio(path) => None,
        None => InputFormat::binary(path),
    };
    if let Some(format) = binary {
        return open_binary(path, format, options);
    }
    let mut input = input::open(path, options.threads)?;
    if let Some(forced) = options.input_format {
        if forced == InputFormat::Hapt && input.format != InputFormat::Bcf {
            input.format = InputFormat::Hapt;
        } else if !matches_forced(input.format, forced) {
            return Err(ErrorKind::Unsupported(format!(
                "--input-format says {forced:?} but the content is {:?}\n  hint: leave --input-format out to detect the format from the file",
                input.format
            )));
        }
    }
    let regions = options.regions.clone();
    let indexable = !regions.is_empty() && !input::is_stdio(path);
    match input.format {
        InputFormat::Hapt => Ok(Opened::Hapt(input.reader)),
        InputFormat::Pgen | InputFormat::Bgen => open_binary(path, input.format, options),
        InputFormat::Vcf | InputFormat::VcfBgzf | InputFormat::VcfGzip => {
            let compressed = input.format != InputFormat::Vcf;
            let mut reader = input.reader;
            let mut line = Vec::new();
            let header = vcf_text::read_header(&mut reader, &mut line, compressed)?;
            let (slots, samples) = select_samples(&header.samples, options.samples.as_ref())?;
            let parser = RecordParser {
                names: header.samples.clone(),
                slots,
                selected: samples.len(),
            };
            let index = (indexable && input.format == InputFormat::VcfBgzf)
                .then(|| vcf::fs::read_associated_index(path).ok())
                .flatten();
            let (source, used_index) = match index {
                Some(index) => {
                    let names = index
                        .header()
                        .map(|h| h.reference_sequence_names().clone())
                        .unwrap_or_default();
                    let chunks = plan_chunks(&index, &regions, |c| {
                        names.iter().position(|n| n.as_slice() == c.as_bytes())
                    })?;
                    let reader = File::open(path)
                        .map(bgzf::io::Reader::new)
                        .map_err(ErrorKind::Open)?;
                    let cursor = ChunkCursor {
                        chunks,
                        ..Default::default()
                    };
                    (
                        Source::TextIndexed {
                            reader,
                            parser,
                            line,
                            cursor,
                        },
                        true,
                    )
                }
                None => (
                    Source::Text {
                        reader,
                        parser,
                        line,
                        line_no: header.lines as u64,
                        compressed,
                    },
                    false,
                ),
            };
            Ok(Opened::Records(Box::new(Records {
                source,
                format: input.format,
                samples,
                header_samples: header.samples.len(),
                contigs: header.contigs,
                metadata: header.metadata,
                regions,
                used_index,
            })))
        }
        InputFormat::Bcf => {
            let mut reader = bcf::io::Reader::from(input.reader);
            let header = reader.read_header().map_err(|e| ErrorKind::Header {
                line: 1,
                message: format!("BCF header: {e}"),
            })?;
            let names: Vec<String> = header.sample_names().iter().cloned().collect();
            let (slots, samples) = select_samples(&names, options.samples.as_ref())?;
            let decoder = BcfDecoder::new(&header, slots, samples.len());
            let contigs = header
                .contigs()
                .iter()
                .map(|(name, c)| (name.clone(), c.length().map(|l| l as u64)))
                .collect();
            let metadata = genosynth_metadata(&header);
            let csi_path = input::with_extension(path, "csi");
            let index = (indexable && csi_path.exists())
                .then(|| noodles_csi::fs::read(&csi_path).ok())
                .flatten();
            let (source, used_index) = match index {
                Some(index) => {
                    let contig_ids = header.string_maps().contigs().clone();
                    let chunks = plan_chunks(&index, &regions, |c| contig_ids.get_index_of(c))?;
                    let mut reader = File::open(path)
                        .map(bgzf::io::Reader::new)
                        .map(bcf::io::Reader::from)
                        .map_err(ErrorKind::Open)?;
                    reader.read_header().map_err(ErrorKind::Io)?;
                    let cursor = ChunkCursor {
                        chunks,
                        ..Default::default()
                    };
                    (
                        Source::BcfIndexed {
                            reader: Box::new(reader),
                            header: Box::new(header),
                            decoder,
                            record: bcf::Record::default(),
                            count: 0,
                            cursor,
                        },
                        true,
                    )
                }
                None => (
                    Source::Bcf {
                        reader: Box::new(reader),
                        header: Box::new(header),
                        decoder,
                        record: bcf::Record::default(),
                        count: 0,
                    },
                    false,
                ),
            };
            Ok(Opened::Records(Box::new(Records {
                source,
                format: InputFormat::Bcf,
                samples,
                header_samples: names.len(),
                contigs,
                metadata,
                regions,
                used_index,
            })))
        }
    }
}

/// The `##genosynth…` lines of a BCF header, as the text header has them.
fn genosynth_metadata(header: &vcf::Header) -> Vec<(String, String)> {
    use vcf::header::record::value::Collection;
    let mut out = Vec::new();
    for (key, collection) in header.other_records() {
        let key: &str = key.as_ref();
        if !key.starts_with("genosynth") {
            continue;
        }
        match collection {
            Collection::Unstructured(values) => {
                out.extend(values.iter().map(|v| (key.to_string(), v.clone())));
            }
            Collection::Structured(maps) => {
                for (id, map) in maps {
                    let fields: String = map
                        .other_fields()
                        .iter()
                        .map(|(k, v)| format!(",{}={v}", k.as_ref()))
                        .collect();
                    out.push((key.to_string(), format!("<ID={id}{fields}>")));
                }
            }
        }
    }
    out
}
