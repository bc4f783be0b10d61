//! The text companions of binary genotype files: PLINK 2 `.pvar` (or `.pvar.zst`) and `.psam`,
//! and the Oxford `.sample` of BGEN.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::ErrorKind;
use crate::record::RawRecord;

fn companion(path: &Path, message: impl Into<String>) -> ErrorKind {
    ErrorKind::Companion {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// `X.pgen` → `X` + `ext` beside it (`X.dat` read as PLINK 2 → `X` + `ext` too).
pub(crate) fn beside(path: &Path, strip: &str, ext: &str) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(strip)
        .or_else(|| name.strip_suffix(&strip.to_ascii_uppercase()))
        .or_else(|| path.file_stem()?.to_str())?;
    Some(path.with_file_name(format!("{stem}{ext}")))
}

/// Opens a text file, undoing zstd when the name ends in `.zst`.
fn open_text(path: &Path) -> Result<Box<dyn BufRead + Send>, ErrorKind> {
    let file = File::open(path).map_err(|e| companion(path, format!("cannot open: {e}")))?;
    if path.extension().is_some_and(|e| e == "zst") {
        let decoder = ruzstd::decoding::StreamingDecoder::new(file)
            .map_err(|e| companion(path, format!("not zstd: {e}")))?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
    }
}

fn read_line(reader: &mut dyn BufRead, line: &mut String, path: &Path) -> Result<bool, ErrorKind> {
    line.clear();
    let n = reader
        .read_line(line)
        .map_err(|e| companion(path, format!("read error: {e}")))?;
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(n > 0)
}

/// Streams the variants of a `.pvar` (or a headerless `.bim`) in file order.
pub(crate) struct Pvar {
    pub(crate) path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    line: String,
    line_no: usize,
    /// Column of CHROM, POS, ID, REF, ALT.
    cols: [usize; 5],
    /// A data line read while looking for the header.
    pending: bool,
    pub(crate) contigs: Vec<(String, Option<u64>)>,
    pub(crate) metadata: Vec<(String, String)>,
}

impl Pvar {
    /// Opens `X.pvar` or `X.pvar.zst` beside `X.pgen` and reads its header.
    pub(crate) fn open(pgen: &Path) -> Result<Self, ErrorKind> {
        let candidates = [".pvar", ".pvar.zst", ".bim"]
            .map(|ext| beside(pgen, ".pgen", ext).filter(|p| p.exists()));
        let path = candidates.into_iter().flatten().next().ok_or_else(|| {
            companion(
                pgen,
                "no X.pvar, X.pvar.zst or X.bim beside X.pgen (PLINK 2 input is three files)",
            )
        })?;
        let mut reader = open_text(&path)?;
        let mut line = String::new();
        let mut contigs = Vec::new();
        let mut metadata = Vec::new();
        let mut line_no = 0;
        // A headerless file is a .bim: CHROM ID CM POS ALT REF.
        let mut cols = [0, 3, 1, 5, 4];
        let mut pending = false;
        while read_line(&mut reader, &mut line, &path)? {
            line_no += 1;
            if let Some(meta) = line.strip_prefix("##") {
                if let Some(body) = meta.strip_prefix("contig=<") {
                    let field = |key: &str| {
                        body.trim_end_matches('>')
                            .split(',')
                            .find_map(|kv| kv.strip_prefix(key))
                            .map(str::to_string)
                    };
                    if let Some(id) = field("ID=") {
                        contigs.push((id, field("length=").and_then(|l| l.parse().ok())));
                    }
                } else if meta.starts_with("genosynth")
                    && let Some((k, v)) = meta.split_once('=')
                {
                    metadata.push((k.to_string(), v.to_string()));
                }
                continue;
            }
            if let Some(header) = line.strip_prefix('#') {
                let names: Vec<&str> = header.split_ascii_whitespace().collect();
                for (slot, want) in cols.iter_mut().zip(["CHROM", "POS", "ID", "REF", "ALT"]) {
                    *slot = names.iter().position(|n| *n == want).ok_or_else(|| {
                        companion(&path, format!("header line {line_no} has no {want} column"))
                    })?;
                }
                break;
            }
            if !line.trim().is_empty() {
                pending = true;
                break;
            }
        }
        Ok(Self {
            path,
            reader,
            line,
            line_no,
            cols,
            pending,
            contigs,
            metadata,
        })
    }

    /// Fills the site fields of `rec` from the next variant; `false` at the end.
    pub(crate) fn next(&mut self, rec: &mut RawRecord) -> Result<bool, ErrorKind> {
        loop {
            if self.pending {
                self.pending = false;
            } else {
                if !read_line(&mut self.reader, &mut self.line, &self.path)? {
                    return Ok(false);
                }
                self.line_no += 1;
            }
            if !self.line.trim().is_empty() {
                break;
            }
        }
        let fields: Vec<&str> = self.line.split_ascii_whitespace().collect();
        let field = |i: usize| fields.get(self.cols[i]).copied();
        let bad = |m: String| companion(&self.path, format!("line {}: {m}", self.line_no));
        let (Some(chrom), Some(pos), Some(id), Some(reference), Some(alt)) =
            (field(0), field(1), field(2), field(3), field(4))
        else {
            return Err(bad(format!("{} fields, too few", fields.len())));
        };
        rec.chrom.clear();
        rec.chrom.push_str(chrom);
        rec.pos = pos
            .parse()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| bad(format!("bad POS {pos:?}")))?;
        rec.id.clear();
        rec.id.push_str(id);
        rec.reference.clear();
        rec.reference.push_str(reference);
        rec.set_alts(alt).map_err(|p| bad(p.to_string()))?;
        Ok(true)
    }
}

/// Sample IDs (IID) of `X.psam` (or a headerless `.fam`) beside `X.pgen`.
pub(crate) fn read_psam(pgen: &Path) -> Result<Vec<String>, ErrorKind> {
    let path = [".psam", ".fam"]
        .into_iter()
        .filter_map(|ext| beside(pgen, ".pgen", ext))
        .find(|p| p.exists())
        .ok_or_else(|| companion(pgen, "no X.psam or X.fam beside X.pgen"))?;
    let mut text = String::new();
    open_text(&path)?
        .read_to_string(&mut text)
        .map_err(|e| companion(&path, format!("read error: {e}")))?;
    // .fam: FID IID ...; a #FID header keeps IID second, a #IID header puts it first.
    let mut iid = 1;
    let mut names = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(header) = line.strip_prefix('#') {
            iid = header
                .split_ascii_whitespace()
                .position(|c| c == "IID")
                .ok_or_else(|| companion(&path, format!("header line {} has no IID", i + 1)))?;
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let name = line
            .split_ascii_whitespace()
            .nth(iid)
            .ok_or_else(|| companion(&path, format!("line {}: no IID column", i + 1)))?;
        names.push(name.to_string());
    }
    Ok(names)
}

/// Sample IDs of an Oxford `.sample` file: the ID_2 column (plink2 and UK Biobank write the
/// sample's ID there), after the two header lines.
pub(crate) fn read_oxford_sample(path: &Path) -> Result<Vec<String>, ErrorKind> {
    let text =
        std::fs::read_to_string(path).map_err(|e| companion(path, format!("cannot read: {e}")))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let cols: Vec<&str> = header.split_ascii_whitespace().collect();
    let id = match cols.as_slice() {
        ["ID_1", "ID_2", ..] => 1,
        ["ID", ..] | ["ID_1", ..] => 0,
        _ => {
            return Err(companion(
                path,
                "line 1 does not start with ID_1 ID_2 (an Oxford .sample file)",
            ));
        }
    };
    lines.next();
    let mut names = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let name = line
            .split_ascii_whitespace()
            .nth(id)
            .ok_or_else(|| companion(path, format!("line {}: no sample ID", i + 3)))?;
        names.push(name.to_string());
    }
    Ok(names)
}
