//! Biobank inputs checked against the field's tool: Debian plink2 converts the real 1000 Genomes
//! VCFs to PLINK 2 (`--make-pgen`, also with a zstd `.pvar.zst`) and to BGEN v1.2
//! (`--export bgen-1.2 bits=8 ref-first`), and genosynth must read the same haplotypes, sample
//! IDs, positions and alleles from them as from the VCF. Skipped with a message without plink2
//! (failing under `GENOSYNTH_REQUIRE_PLINK2=1`) or without `../shared` data (failing under
//! `GENOSYNTH_REQUIRE_SHARED=1`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use genosynth_core::HaplotypeMatrix;
use genosynth_vcf::{MultiallelicPolicy, ReadOptions, Region, SampleSelection};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `plink2 --vcf VCF ARGS --out OUT` (small memory, one thread); returns `OUT`.
fn plink2(vcf: &Path, args: &[&str], out: &Path) -> PathBuf {
    run_ok(
        Command::new("plink2")
            .arg("--vcf")
            .arg(vcf)
            .args(args)
            .args(["--memory", "1024", "--threads", "1", "--out"])
            .arg(out),
    );
    out.to_path_buf()
}

fn read(path: &Path, options: &ReadOptions) -> HaplotypeMatrix {
    genosynth_vcf::read(path, options)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .matrix
}

fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}.{ext}", s(prefix)))
}

/// Both files and the VCF, read with `options`, give identical matrices (haplotypes, sample
/// names, and sites: chromosome, position, ID, REF, ALT).
fn assert_same(vcf: &Path, other: &Path, options: &ReadOptions) {
    let ours = read(vcf, options);
    let theirs = read(other, options);
    assert_eq!(theirs.samples(), ours.samples(), "{}", other.display());
    assert_eq!(theirs.sites(), ours.sites(), "{}", other.display());
    assert_eq!(theirs, ours, "{}", other.display());
}

/// The packed decoding of biallelic PGEN records and BGEN blocks gives bit for bit what
/// decoding every sample into a genotype gives: the matrix, the report and `info`'s counts (or
/// the same error).
fn assert_packed_path_matches(pgen: &Path, options: &ReadOptions) {
    let packed = genosynth_vcf::read(pgen, options).map_err(|e| e.to_string());
    let per_sample = genosynth_vcf::per_sample::read(pgen, options).map_err(|e| e.to_string());
    match (&packed, &per_sample) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.matrix.samples(), b.matrix.samples());
            assert_eq!(a.matrix.sites(), b.matrix.sites());
            assert_eq!(a.matrix, b.matrix, "{}", pgen.display());
            assert_eq!(a.report, b.report);
        }
        _ => assert_eq!(packed.err(), per_sample.err(), "{}", pgen.display()),
    }
    let info = genosynth_vcf::inspect(pgen, options).unwrap();
    assert_eq!(
        info,
        genosynth_vcf::per_sample::inspect(pgen, options).unwrap()
    );
}

#[test]
fn packed_paths_match_the_per_sample_path() {
    let (Some(snps), Some(agbl4)) = (
        shared_data("805_SNP_1000G_real.train.vcf.gz"),
        shared_data("AGBL4.train.vcf.gz"),
    ) else {
        return;
    };
    if !has_plink2() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let part = ReadOptions {
        regions: vec![Region::parse("1:100-300").unwrap()],
        samples: Some(SampleSelection::parse_list(
            "train_0007,train_0003,train_0100",
        )),
        ..Default::default()
    };
    let split = ReadOptions {
        multiallelic: MultiallelicPolicy::Split,
        ..Default::default()
    };
    let others = ReadOptions {
        samples: Some(SampleSelection::parse_list("^train_0001,train_0002")),
        ..split.clone()
    };
    // plink2's records (difflists, LD compression, patches) and genosynth's own (plain).
    let p805 = with_ext(
        &plink2(&snps, &["--make-pgen"], &dir.path().join("p")),
        "pgen",
    );
    let own = dir.path().join("own.pgen");
    genosynth_ok(&["convert", s(&snps), "-o", s(&own), "-q"]);
    let pagbl4 = with_ext(
        &plink2(&agbl4, &["--make-pgen"], &dir.path().join("a")),
        "pgen",
    );
    let bgen = |vcf: &Path, name: &str| {
        let args = [
            "--max-alleles",
            "2",
            "--export",
            "bgen-1.2",
            "bits=8",
            "ref-first",
        ];
        with_ext(&plink2(vcf, &args, &dir.path().join(name)), "bgen")
    };
    let (b805, bagbl4) = (bgen(&snps, "b"), bgen(&agbl4, "c"));
    for options in [&ReadOptions::default(), &part, &split, &others] {
        for pgen in [&p805, &own, &pagbl4, &b805, &bagbl4] {
            assert_packed_path_matches(pgen, options);
        }
    }
    // The regions and samples keep what they say (not a vacuous comparison).
    let m = read(&p805, &part);
    assert_eq!(
        (m.samples().len(), m.samples()[0].name.as_str()),
        (3, "train_0007")
    );
    assert!(m.n_sites() > 0 && m.n_sites() < 805);
}

#[test]
fn thousand_genomes_805_snps_read_the_same_from_pgen_and_bgen() {
    let Some(vcf) = shared_data("805_SNP_1000G_real.train.vcf.gz") else {
        return;
    };
    if !has_plink2() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pfile = plink2(&vcf, &["--make-pgen"], &dir.path().join("p"));
    let bfile = plink2(
        &vcf,
        &["--export", "bgen-1.2", "bits=8", "ref-first"],
        &dir.path().join("b"),
    );
    let pgen = with_ext(&pfile, "pgen");
    let bgen = with_ext(&bfile, "bgen");
    let all = ReadOptions::default();
    assert_same(&vcf, &pgen, &all);
    assert_same(&vcf, &bgen, &all);
    // Without the .sample file the IDs embedded in the .bgen are used.
    std::fs::remove_file(with_ext(&bfile, "sample")).unwrap();
    assert_same(&vcf, &bgen, &all);

    // Regions and sample subsets select the same part.
    let part = ReadOptions {
        regions: vec![Region::parse("1:100-300").unwrap()],
        samples: Some(SampleSelection::parse_list("train_0007,train_0003")),
        ..Default::default()
    };
    assert_same(&vcf, &pgen, &part);
    assert_same(&vcf, &bgen, &part);

    // The CLI detects both and converts them to VCF and back out to PLINK 2.
    let out = dir.path().join("from_bgen.vcf.gz");
    genosynth_ok(&["convert", s(&bgen), "-o", s(&out), "-q"]);
    assert_eq!(read(&out, &all), read(&vcf, &all));
    let again = dir.path().join("again.pgen");
    genosynth_ok(&["convert", s(&pgen), "-o", s(&again), "-q"]);
    assert_eq!(read(&again, &all), read(&vcf, &all));
    let info = genosynth_ok(&["info", s(&pgen)]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("PLINK 2"), "{text}");
    // --input-format names a format the extension does not.
    let renamed = dir.path().join("renamed.dat");
    std::fs::copy(&bgen, &renamed).unwrap();
    let info = genosynth_ok(&["info", "--input-format", "bgen", s(&renamed)]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("BGEN"), "{text}");
    let wrong = genosynth()
        .args(["info", "--input-format", "vcf", s(&renamed)])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
}

#[test]
fn agbl4_reads_the_same_from_pgen_pvar_zst_and_bgen() {
    let Some(vcf) = shared_data("AGBL4.train.vcf.gz") else {
        return;
    };
    if !has_plink2() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 60 multiallelic records: PLINK 2 keeps them (patched records); split them on reading.
    let pfile = plink2(&vcf, &["--make-pgen", "vzs"], &dir.path().join("p"));
    assert!(with_ext(&pfile, "pvar.zst").exists());
    let split = ReadOptions {
        multiallelic: MultiallelicPolicy::Split,
        ..Default::default()
    };
    assert_same(&vcf, &with_ext(&pfile, "pgen"), &split);
    let strict = genosynth_vcf::read(&with_ext(&pfile, "pgen"), &ReadOptions::default());
    let message = strict.unwrap_err().to_string();
    assert!(message.contains("multiallelic record"), "{message}");

    // plink2 exports biallelic BGEN only.
    let bfile = plink2(
        &vcf,
        &[
            "--max-alleles",
            "2",
            "--export",
            "bgen-1.2",
            "bits=8",
            "ref-first",
        ],
        &dir.path().join("b"),
    );
    let drop = ReadOptions {
        multiallelic: MultiallelicPolicy::Drop,
        ..Default::default()
    };
    let ours = read(&vcf, &drop);
    let theirs = read(&with_ext(&bfile, "bgen"), &ReadOptions::default());
    assert_eq!(theirs, ours);
}
