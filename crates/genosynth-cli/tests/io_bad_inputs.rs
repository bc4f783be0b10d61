//! The bad-input corpus (`tests/data/bad/`, listed in its README.md): every file fails with a
//! specific message, a non-zero exit code, and leaves no output (nor temporary) file.

mod common;

use common::{dir_entries, genosynth, test_data};

/// Converts `file` (with `extra` flags) into an empty directory and checks the failure.
fn fails(file: &str, extra: &[&str], keywords: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let input = test_data(&format!("bad/{file}"));
    assert!(input.exists(), "missing corpus file {}", input.display());
    for out_name in ["out.vcf.gz", "out.bcf"] {
        let out = dir.path().join(out_name);
        let result = genosynth()
            .arg("convert")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .arg("--write-index")
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(!result.status.success(), "{file}: succeeded\n{stderr}");
        assert_eq!(result.status.code(), Some(1), "{file}: {stderr}");
        assert!(stderr.starts_with("error: "), "{file}: {stderr}");
        assert!(
            stderr.contains(file),
            "{file}: message does not name the file: {stderr}"
        );
        for k in keywords {
            assert!(stderr.contains(k), "{file}: expected {k:?} in:\n{stderr}");
        }
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert_eq!(
            dir_entries(dir.path()),
            Vec::<String>::new(),
            "{file}: left files behind"
        );
    }
}

macro_rules! bad {
    ($name:ident, $file:expr, [$($k:expr),*]) => {
        bad!($name, $file, [], [$($k),*]);
    };
    ($name:ident, $file:expr, [$($x:expr),*], [$($k:expr),*]) => {
        #[test]
        fn $name() {
            fails($file, &[$($x),*], &[$($k),*]);
        }
    };
}

bad!(
    multiallelic,
    "multiallelic.vcf",
    ["record 1:15", "multiallelic", "--multiallelic split"]
);
bad!(
    unphased,
    "unphased.vcf",
    [
        "record 1:20",
        "sample S1",
        "unphased genotype 0/1",
        "1 unphased",
        "SHAPEIT5"
    ]
);
bad!(
    missing_diploid,
    "missing_diploid.vcf",
    [
        "record 1:20",
        "sample S1",
        "missing genotype",
        "2 missing",
        "--missing major"
    ]
);
bad!(
    missing_haploid,
    "missing_haploid.vcf",
    ["record 1:20", "missing genotype", "1 missing"]
);
bad!(
    unsorted,
    "unsorted.vcf",
    ["record 1:10", "not sorted", "after 1:20", "bcftools sort"]
);
bad!(
    unsorted_chromosomes,
    "unsorted_chromosomes.vcf",
    ["record 1:20", "not sorted", "chromosome 1 appeared earlier"]
);
bad!(
    duplicate_record,
    "duplicate_record.vcf",
    ["record 1:10", "duplicate record"]
);
bad!(
    sample_count_mismatch,
    "sample_count_mismatch.vcf",
    ["record 1:20", "10 columns, expected 11"]
);
bad!(
    too_many_columns,
    "too_many_columns.vcf",
    ["record 1:20", "12 columns, expected 11"]
);
bad!(
    allele_beyond_alts,
    "allele_beyond_alts.vcf",
    ["record 1:20", "sample S1", "allele index 2", "1 ALT"]
);
bad!(bad_pos, "bad_pos.vcf", ["line 6", "bad POS \"2x0\""]);
bad!(zero_pos, "zero_pos.vcf", ["bad POS \"0\""]);
bad!(
    no_gt_in_format,
    "no_gt_in_format.vcf",
    ["record 1:10", "no GT field"]
);
bad!(
    bad_genotype,
    "bad_genotype.vcf",
    ["record 1:20", "sample S1", "bad genotype \"0|A\""]
);
bad!(
    triploid,
    "triploid.vcf",
    ["record 1:10", "3 alleles", "haploid and diploid"]
);
bad!(
    ploidy_change,
    "ploidy_change.vcf",
    ["record 1:20", "sample S1", "diploid in the first record"]
);
bad!(empty_alt, "empty_alt.vcf", ["record 1:10", "empty ALT"]);
bad!(header_only, "header_only.vcf", ["no records"]);
bad!(empty, "empty.vcf", ["file is empty"]);
bad!(
    missing_chrom_line,
    "missing_chrom_line.vcf",
    ["missing #CHROM header line"]
);
bad!(
    missing_fileformat,
    "missing_fileformat.vcf",
    ["header line 1", "##fileformat=VCF"]
);
bad!(no_samples, "no_samples.vcf", ["no samples"]);
bad!(
    duplicate_sample,
    "duplicate_sample.vcf",
    ["sample name \"S1\"", "repeated"]
);
bad!(
    not_vcf,
    "not_vcf.txt",
    ["not a VCF, BCF, .hapt, .pgen or .bgen file", "sample"]
);
bad!(
    binary_junk,
    "binary_junk.bin",
    ["not a VCF, BCF, .hapt, .pgen or .bgen file", "\\x00"]
);
bad!(
    truncated_bgzf,
    "truncated.vcf.gz",
    ["corrupt or truncated compressed data"]
);
bad!(
    corrupt_bgzf,
    "corrupt_bgzf.vcf.gz",
    ["corrupt or truncated compressed data"]
);
bad!(
    truncated_gzip,
    "truncated_gzip.vcf.gz",
    ["corrupt or truncated compressed data"]
);
bad!(truncated_bcf, "truncated.bcf", ["corrupt or truncated"]);
bad!(
    hapt_no_sites,
    "hapt_no_sites.hapt",
    ["carry no site positions", "--sites"]
);
bad!(
    hapt_bad_allele,
    "hapt_bad_allele.hapt",
    ["--sites", "tests/data/bad/hapt.sites.txt"],
    ["line 2", "allele 2 is \"2\"", "0 or 1"]
);
bad!(
    hapt_ragged,
    "hapt_ragged.hapt",
    ["--sites", "tests/data/bad/hapt.sites.txt"],
    ["line 2", "2 alleles, but line 1 has 3"]
);

/// Every corpus file has a test above and a line in the README.
#[test]
fn corpus_is_listed_in_the_readme() {
    let readme = std::fs::read_to_string(test_data("bad/README.md")).unwrap();
    let this = include_str!("io_bad_inputs.rs");
    let mut n = 0;
    for name in dir_entries(&test_data("bad")) {
        if name == "README.md" || name == "make.sh" || name == "hapt.sites.txt" {
            continue;
        }
        n += 1;
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is not in README.md"
        );
        assert!(this.contains(&format!("\"{name}\"")), "{name} has no test");
    }
    assert!(n >= 20, "only {n} corpus files");
}
