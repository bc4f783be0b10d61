//! Inputs the bench makes itself: scaled copies of real files and mosaic haplotype sets.
//!
//! xtask stays free of VCF libraries: it reads genotypes with `bcftools query` and writes VCF text
//! into `bgzip`, which is also what a user would do by hand.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, bail, ensure};

use super::measure::output;

/// Phased biallelic haplotypes of a VCF: the site columns and a site-major 0/1 matrix.
pub(crate) struct Haplotypes {
    /// `CHROM POS ID REF ALT` of each site, tab-separated.
    pub(crate) sites: Vec<String>,
    pub(crate) n_haplotypes: usize,
    /// `alleles[site * n_haplotypes + haplotype]`, 0 or 1.
    pub(crate) alleles: Vec<u8>,
}

/// Reads a phased diploid biallelic VCF with `bcftools query`.
pub(crate) fn read_haplotypes(vcf: &Path) -> anyhow::Result<Haplotypes> {
    let text = output(
        Command::new("bcftools")
            .args(["query", "-f", "%CHROM\t%POS\t%ID\t%REF\t%ALT[\t%GT]\n"])
            .arg(vcf),
    )?;
    let mut sites = Vec::new();
    let mut alleles = Vec::new();
    let mut n_haplotypes = 0;
    for line in text.lines() {
        let mut fields = line.splitn(6, '\t');
        let fixed: Vec<&str> = fields.by_ref().take(5).collect();
        let gts = fields.next().unwrap_or_default();
        let before = alleles.len();
        for gt in gts.split('\t') {
            for a in gt.split(['|', '/']) {
                alleles.push(match a {
                    "0" => 0,
                    "1" => 1,
                    other => bail!(
                        "{}: {} {}: genotype allele {other:?} is not 0/1",
                        vcf.display(),
                        fixed[0],
                        fixed[1]
                    ),
                });
            }
        }
        let n = alleles.len() - before;
        ensure!(
            sites.is_empty() || n == n_haplotypes,
            "{}: ragged genotype rows",
            vcf.display()
        );
        n_haplotypes = n;
        sites.push(fixed.join("\t"));
    }
    ensure!(!sites.is_empty(), "{}: no records", vcf.display());
    Ok(Haplotypes {
        sites,
        n_haplotypes,
        alleles,
    })
}

/// SplitMix64: a tiny seeded generator so the bench's inputs are the same on every run.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Mosaic haplotypes: each new haplotype copies a real one and switches to another at each site
/// with probability `switch`, flipping alleles with probability `mutation` (a Li–Stephens-like
/// copy process). Sites beyond the real ones reuse the real columns in tiles, with the source
/// haplotypes of each tile permuted, so LD stays realistic at any size.
pub(crate) struct MosaicSpec {
    pub(crate) n_haplotypes: usize,
    pub(crate) n_sites: usize,
    pub(crate) switch: f64,
    pub(crate) mutation: f64,
    pub(crate) seed: u64,
}

/// Writes a mosaic set as a BGZF VCF (diploid, phased; samples `{prefix}_000001`...).
pub(crate) fn write_mosaic_vcf(
    real: &Haplotypes,
    spec: &MosaicSpec,
    prefix: &str,
    out: &Path,
    threads: usize,
) -> anyhow::Result<()> {
    ensure!(
        spec.n_haplotypes.is_multiple_of(2),
        "mosaic sets are diploid: even haplotype count"
    );
    let mut rng = SplitMix64::new(spec.seed);
    let n_real = real.n_haplotypes;
    let tiles = spec.n_sites.div_ceil(real.sites.len());
    // Each tile permutes which real haplotype a source index means.
    let offsets: Vec<usize> = (0..tiles)
        .map(|t| if t == 0 { 0 } else { rng.below(n_real) })
        .collect();
    let mut source: Vec<usize> = (0..spec.n_haplotypes).map(|_| rng.below(n_real)).collect();
    let samples = spec.n_haplotypes / 2;
    write_bgzf(out, threads, |w| {
        writeln!(w, "##fileformat=VCFv4.2")?;
        let contig = real.sites[0].split('\t').next().unwrap_or("1");
        writeln!(w, "##contig=<ID={contig}>")?;
        writeln!(
            w,
            "##source=genosynth-xtask-bench mosaic seed={}",
            spec.seed
        )?;
        writeln!(
            w,
            "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">"
        )?;
        write!(w, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")?;
        for s in 1..=samples {
            write!(w, "\t{prefix}_{s:06}")?;
        }
        writeln!(w)?;
        let mut line = Vec::with_capacity(samples * 4 + 64);
        for site in 0..spec.n_sites {
            let tile = site / real.sites.len();
            let col = site % real.sites.len();
            let fixed: Vec<&str> = real.sites[col].split('\t').collect();
            let pos = tile * 1_000_000 + fixed[1].parse::<usize>().unwrap_or(col + 1);
            line.clear();
            write!(
                line,
                "{}\t{pos}\t.\t{}\t{}\t.\tPASS\t.\tGT",
                fixed[0], fixed[3], fixed[4]
            )?;
            for (h, src) in source.iter_mut().enumerate() {
                if rng.unit() < spec.switch {
                    *src = rng.below(n_real);
                }
                let real_h = (*src + offsets[tile]) % n_real;
                let mut a = real.alleles[col * n_real + real_h];
                if rng.unit() < spec.mutation {
                    a ^= 1;
                }
                line.push(if h % 2 == 0 { b'\t' } else { b'|' });
                line.push(b'0' + a);
            }
            line.push(b'\n');
            w.write_all(&line)?;
        }
        Ok(())
    })
}

/// Copies a VCF with every sample repeated `copies` times (names suffixed `_rK`): more
/// haplotypes, same sites and allele frequencies.
pub(crate) fn replicate_samples(
    input: &Path,
    copies: usize,
    out: &Path,
    threads: usize,
) -> anyhow::Result<()> {
    let mut child = Command::new("bgzip")
        .args(["-dc"])
        .arg(input)
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run bgzip -dc")?;
    let reader = BufReader::with_capacity(1 << 20, child.stdout.take().context("bgzip stdout")?);
    write_bgzf(out, threads, |w| {
        for line in reader.lines() {
            let line = line?;
            if line.starts_with("##") {
                writeln!(w, "{line}")?;
                continue;
            }
            let mut fields = line.splitn(10, '\t');
            let fixed: Vec<&str> = fields.by_ref().take(9).collect();
            let samples = fields.next().unwrap_or_default();
            w.write_all(fixed.join("\t").as_bytes())?;
            if line.starts_with('#') {
                for k in 0..copies {
                    for name in samples.split('\t') {
                        write!(w, "\t{name}_r{k}")?;
                    }
                }
            } else {
                for _ in 0..copies {
                    w.write_all(b"\t")?;
                    w.write_all(samples.as_bytes())?;
                }
            }
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    let status = child.wait()?;
    ensure!(
        status.success(),
        "bgzip -dc {} failed ({status})",
        input.display()
    );
    Ok(())
}

/// Streams text into `bgzip -c > out` (atomically: a temporary name, renamed at the end), then
/// indexes it with `tabix`.
fn write_bgzf(
    out: &Path,
    threads: usize,
    body: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let tmp = out.with_extension("tmp.gz");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut child = Command::new("bgzip")
        .args(["-c", "-@", &threads.to_string()])
        .stdin(Stdio::piped())
        .stdout(file)
        .spawn()
        .context("cannot run bgzip (install tabix)")?;
    {
        let stdin = child.stdin.take().context("bgzip stdin")?;
        let mut w = BufWriter::with_capacity(1 << 20, stdin);
        body(&mut w)?;
        w.flush()?;
    }
    let status = child.wait()?;
    ensure!(
        status.success(),
        "bgzip failed writing {} ({status})",
        out.display()
    );
    std::fs::rename(&tmp, out)?;
    output(Command::new("tabix").args(["-f", "-p", "vcf"]).arg(out))?;
    Ok(())
}
