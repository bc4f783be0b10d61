//! The `.hapt` text format of the reference implementations (Yelmen et al. 2021): one haplotype
//! per line, `group id a1 a2 ...` with alleles 0/1, whitespace-separated. It carries no site
//! positions; they come from a `--sites` file or a companion file beside it.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};

use crate::error::ErrorKind;
use crate::input::{self, InputFormat};
use crate::options::{ReadOptions, SampleSelection, stopped};
use crate::read::{Haplotypes, ReadReport};
use crate::record::{RawRecord, is_snp};
use crate::source::{self, Opened};

/// The sites file written beside `X.hapt`: `X.sites`.
pub fn companion_sites_path(hapt: &Path) -> PathBuf {
    let name = hapt
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".hapt.gz")
        .or_else(|| name.strip_suffix(".hapt"))
        .unwrap_or(&name);
    hapt.with_file_name(format!("{stem}.sites"))
}

/// Files tried, in order, when a `.hapt` comes without `--sites`.
fn companions(hapt: &Path) -> Vec<PathBuf> {
    let sites = companion_sites_path(hapt);
    let stem = sites.with_extension("");
    let mut out = vec![sites];
    for ext in ["vcf.gz", "vcf", "bcf"] {
        out.push(stem.with_extension(ext));
    }
    out
}

/// Reads `.hapt` text; sites from `options.sites_file` or a companion file.
pub(crate) fn read(
    reader: Box<dyn BufRead + Send>,
    path: &Path,
    options: &ReadOptions,
) -> Result<Haplotypes, ErrorKind> {
    let sites_path = match &options.sites_file {
        Some(p) => p.clone(),
        None => companions(path)
            .into_iter()
            .find(|p| !input::is_stdio(path) && p.exists())
            .ok_or(ErrorKind::HaptNeedsSites)?,
    };
    let sites = read_sites(&sites_path)?;
    let (ids, words, n_sites) = read_rows(reader, options)?;
    if n_sites != sites.len() {
        return Err(ErrorKind::Sites {
            path: sites_path.display().to_string(),
            message: format!(
                "{} sites, but the .hapt lines have {n_sites} alleles",
                sites.len()
            ),
        });
    }
    let samples = pair_samples(&ids, options.hapt_haploid)?;
    let mut matrix = HaplotypeMatrix::from_words(sites, samples, words)?;
    let records_read = matrix.n_sites() as u64;
    let mut report = ReadReport {
        format: Some(InputFormat::Hapt),
        records_read,
        ..Default::default()
    };
    let regions = &options.regions;
    let keep: Vec<usize> = matrix
        .sites()
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            regions.is_empty()
                || regions
                    .iter()
                    .any(|r| r.overlaps(&s.chrom, s.pos, s.reference.len()))
        })
        .filter(|(_, s)| !options.snps_only || is_snp(&s.reference, &s.alternate))
        .map(|(i, _)| i)
        .collect();
    if keep.len() != matrix.n_sites() {
        report.non_snps_dropped = if options.snps_only {
            (matrix.n_sites() - keep.len()) as u64
        } else {
            0
        };
        if keep.is_empty() {
            return Err(ErrorKind::NoSitesKept(
                "no .hapt sites pass the region and SNP filters".into(),
            ));
        }
        matrix = matrix.select_sites(&keep)?;
    }
    if let Some(selection) = &options.samples {
        let names: Vec<String> = matrix.samples().iter().map(|s| s.name.clone()).collect();
        let (slots, selected) = source::select_samples(&names, Some(selection))?;
        let order: Vec<usize> = match selection {
            SampleSelection::Include(_) => selected
                .iter()
                .map(|n| {
                    names
                        .iter()
                        .position(|m| m == n)
                        .expect("selected from names")
                })
                .collect(),
            SampleSelection::Exclude(_) => {
                (0..names.len()).filter(|&i| slots[i].is_some()).collect()
            }
        };
        matrix = matrix.select_samples(&order)?;
    }
    report.sites_kept = matrix.n_sites();
    report.samples = matrix.samples().len();
    report.haplotypes = matrix.n_haplotypes();
    Ok(Haplotypes { matrix, report })
}

/// Parses the lines into ids and packed rows.
fn read_rows(
    mut reader: Box<dyn BufRead + Send>,
    options: &ReadOptions,
) -> Result<(Vec<String>, Vec<u64>, usize), ErrorKind> {
    let mut ids = Vec::new();
    let mut words: Vec<u64> = Vec::new();
    let mut n_sites: Option<usize> = None;
    let mut line = Vec::new();
    let mut line_no = 0;
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|e| input::decompress_error(e, true))?
            == 0
        {
            break;
        }
        line_no += 1;
        if line_no % 256 == 0 && stopped(&options.stop) {
            return Err(ErrorKind::Interrupted);
        }
        let bad = |message: String| ErrorKind::Hapt {
            line: line_no,
            message,
        };
        let mut tokens = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|t| !t.is_empty());
        let Some(_group) = tokens.next() else {
            continue;
        };
        let id = tokens
            .next()
            .ok_or_else(|| bad("expected `group id alleles...`".into()))?;
        let start = words.len();
        let mut n = 0usize;
        for t in tokens {
            let bit = match t {
                b"0" => 0u64,
                b"1" => 1u64,
                other => {
                    return Err(bad(format!(
                        "allele {} is {:?}; .hapt alleles are 0 or 1",
                        n + 1,
                        String::from_utf8_lossy(other)
                    )));
                }
            };
            if n.is_multiple_of(64) {
                words.push(0);
            }
            *words.last_mut().expect("pushed") |= bit << (n % 64);
            n += 1;
        }
        match n_sites {
            None => n_sites = Some(n),
            Some(expected) if expected != n => {
                return Err(bad(format!("{n} alleles, but line 1 has {expected}")));
            }
            Some(_) => {}
        }
        debug_assert_eq!(words.len() - start, n.div_ceil(64));
        ids.push(String::from_utf8_lossy(id).into_owned());
    }
    let n_sites = n_sites.ok_or(ErrorKind::NoRecords)?;
    if n_sites == 0 {
        return Err(ErrorKind::Hapt {
            line: 1,
            message: "no alleles after the id".into(),
        });
    }
    Ok((ids, words, n_sites))
}

/// Samples for haplotype ids: consecutive `X_A`/`X_B` (or `X_1`/`X_2`) lines become diploid
/// `X` and other lines haploid samples; without any such pair, consecutive lines pair up into
/// diploid samples named after the first line, or stay single with `haploid`.
fn pair_samples(ids: &[String], haploid: bool) -> Result<Vec<Sample>, ErrorKind> {
    let base = |id: &str, suffixes: [&str; 2]| -> Option<String> {
        suffixes
            .iter()
            .find_map(|s| id.strip_suffix(s).map(str::to_string))
    };
    let pair_at = |i: usize| -> Option<String> {
        let a = base(ids.get(i)?, ["_A", "_1"])?;
        (Some(&a) == base(ids.get(i + 1)?, ["_B", "_2"]).as_ref()).then_some(a)
    };
    let suffixed = (0..ids.len()).any(|i| pair_at(i).is_some());
    if haploid || suffixed {
        let mut samples = Vec::new();
        let mut i = 0;
        while i < ids.len() {
            match pair_at(i).filter(|_| !haploid) {
                Some(name) => {
                    samples.push(Sample::new(name, Ploidy::Diploid));
                    i += 2;
                }
                None => {
                    samples.push(Sample::new(ids[i].clone(), Ploidy::Haploid));
                    i += 1;
                }
            }
        }
        return Ok(samples);
    }
    if !ids.len().is_multiple_of(2) {
        return Err(ErrorKind::Hapt {
            line: ids.len(),
            message: format!(
                "{} haplotype lines cannot pair into diploid samples\n  hint: pass --ploidy 1 to read one haploid sample per line",
                ids.len()
            ),
        });
    }
    Ok(ids
        .chunks_exact(2)
        .map(|p| Sample::new(p[0].clone(), Ploidy::Diploid))
        .collect())
}

/// Reads sites from a VCF/BCF (one site per ALT) or a `CHROM POS [ID] REF ALT` table.
pub(crate) fn read_sites(path: &Path) -> Result<Sites, ErrorKind> {
    let bad = |message: String| ErrorKind::Sites {
        path: path.display().to_string(),
        message,
    };
    let mut probe = input::open(path, 1).map_err(|e| bad(e.to_string()))?;
    let head = probe.reader.fill_buf().map_err(|e| bad(e.to_string()))?;
    let is_vcf = probe.format == InputFormat::Bcf || head.starts_with(b"##fileformat=VCF");
    if is_vcf {
        let Opened::Records(mut records) =
            source::open(path, &ReadOptions::default()).map_err(|e| bad(e.to_string()))?
        else {
            return Err(bad("not a VCF/BCF".into()));
        };
        let mut sites = Vec::new();
        let mut rec = RawRecord::default();
        while records
            .source
            .next(&mut rec)
            .map_err(|e| bad(e.to_string()))?
        {
            for k in 0..rec.n_alts().max(1) {
                let alt = if rec.n_alts() == 0 { "." } else { rec.alt(k) };
                let mut site = Site::new(rec.chrom.clone(), rec.pos, rec.reference.clone(), alt);
                if rec.id != "." {
                    site = site.with_id(rec.id.clone());
                }
                sites.push(site);
            }
        }
        return Ok(Sites::from(sites));
    }
    let mut sites = Vec::new();
    for (i, line) in probe.reader.lines().enumerate() {
        let line = line.map_err(|e| bad(e.to_string()))?;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (chrom, pos, id, reference, alt) = match cols.as_slice() {
            [c, p, id, r, a, ..] => (*c, *p, Some(*id), *r, *a),
            [c, p, r, a] => (*c, *p, None, *r, *a),
            _ => {
                return Err(bad(format!(
                    "line {}: expected CHROM POS [ID] REF ALT",
                    i + 1
                )));
            }
        };
        let pos: u64 = pos
            .parse()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| bad(format!("line {}: bad POS {pos:?}", i + 1)))?;
        let mut site = Site::new(chrom, pos, reference, alt);
        if let Some(id) = id.filter(|&id| id != ".") {
            site = site.with_id(id);
        }
        sites.push(site);
    }
    if sites.is_empty() {
        return Err(bad("no sites".into()));
    }
    Ok(Sites::from(sites))
}

/// Writes the `.hapt` lines of `matrix`: diploid samples as `NAME_A`/`NAME_B`.
pub(crate) fn write_rows(
    out: &mut dyn Write,
    matrix: &HaplotypeMatrix,
    group: &str,
    stop: &Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
) -> Result<(), ErrorKind> {
    let mut line = Vec::with_capacity(matrix.n_sites() * 2 + 64);
    for h in 0..matrix.n_haplotypes() {
        if h % 256 == 0 && stopped(stop) {
            return Err(ErrorKind::Interrupted);
        }
        let id = matrix.haplotype_id(h);
        let sample = &matrix.samples()[id.sample as usize];
        let row = matrix.row(h);
        write_row(
            out,
            &mut line,
            group,
            sample,
            id.copy,
            row,
            matrix.n_sites(),
        )?;
    }
    Ok(())
}

/// Writes the `.hapt` line of copy `copy` of `sample`, its `n_sites` alleles packed in `row`;
/// `line` is a reused buffer.
pub(crate) fn write_row(
    out: &mut dyn Write,
    line: &mut Vec<u8>,
    group: &str,
    sample: &Sample,
    copy: u8,
    row: &[u64],
    n_sites: usize,
) -> Result<(), ErrorKind> {
    line.clear();
    line.extend_from_slice(group.as_bytes());
    line.push(b' ');
    line.extend_from_slice(sample.name.as_bytes());
    if sample.ploidy == Ploidy::Diploid {
        line.extend_from_slice(if copy == 0 { b"_A" } else { b"_B" });
    }
    for s in 0..n_sites {
        line.push(b' ');
        line.push(b'0' + ((row[s / 64] >> (s % 64)) & 1) as u8);
    }
    line.push(b'\n');
    out.write_all(line).map_err(ErrorKind::Io)
}

/// Writes a sites table (`#CHROM POS ID REF ALT`).
pub(crate) fn write_sites(out: &mut dyn Write, sites: &Sites) -> Result<(), ErrorKind> {
    let mut text = String::from("#CHROM\tPOS\tID\tREF\tALT\n");
    for s in sites {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            s.chrom,
            s.pos,
            s.id.as_deref().unwrap_or("."),
            s.reference,
            s.alternate
        ));
    }
    out.write_all(text.as_bytes()).map_err(ErrorKind::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_by_suffix_or_order() {
        let ids: Vec<String> = ["X_A", "X_B", "Y_A", "Y_B"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = pair_samples(&ids, false).unwrap();
        assert_eq!(s[1], Sample::new("Y", Ploidy::Diploid));
        let ids: Vec<String> = ["X_A", "X_B", "Z"].iter().map(|s| s.to_string()).collect();
        let s = pair_samples(&ids, false).unwrap();
        assert_eq!(s[1], Sample::new("Z", Ploidy::Haploid));
        let ids: Vec<String> = ["AG0", "AG1", "AG2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(pair_samples(&ids, false).is_err());
        assert_eq!(pair_samples(&ids, true).unwrap().len(), 3);
    }

    #[test]
    fn companion_names() {
        assert_eq!(
            companion_sites_path(Path::new("d/x.hapt")),
            Path::new("d/x.sites")
        );
        assert_eq!(
            companion_sites_path(Path::new("x.hapt.gz")),
            Path::new("x.sites")
        );
    }
}
