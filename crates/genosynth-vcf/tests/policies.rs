//! The read policies on small VCF literals.

use genosynth_core::Ploidy;
use genosynth_vcf::{
    ErrorKind, MissingPolicy, MultiallelicPolicy, ReadOptions, RecordProblem, SampleSelection,
    inspect, read,
};

const HEAD: &str =
    "##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\tM\n";

fn file(body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.vcf");
    std::fs::write(&path, format!("{HEAD}{body}")).unwrap();
    (dir, path)
}

fn kind(body: &str, options: &ReadOptions) -> ErrorKind {
    let (_dir, path) = file(body);
    read(&path, options).unwrap_err().kind
}

#[test]
fn mixed_ploidy_and_indels_are_read() {
    let (_d, path) = file(
        "1\t10\trs1\tA\tG\t.\t.\t.\tGT\t0|1\t1|1\t1\n\
         1\t20\t.\tAT\tA\t.\t.\t.\tGT\t1|0\t0|0\t0\n",
    );
    let h = read(&path, &ReadOptions::default()).unwrap();
    let m = &h.matrix;
    assert_eq!(m.n_haplotypes(), 5);
    assert_eq!(m.samples()[2].ploidy, Ploidy::Haploid);
    assert_eq!(m.allele_counts(), vec![4, 1]);
    assert_eq!(m.sites()[0].id.as_deref(), Some("rs1"));
    let snps = ReadOptions {
        snps_only: true,
        ..Default::default()
    };
    let h = read(&path, &snps).unwrap();
    assert_eq!((h.matrix.n_sites(), h.report.non_snps_dropped), (1, 1));
}

#[test]
fn multiallelic_error_split_drop() {
    let body =
        "1\t10\t.\tA\tG,T\t.\t.\t.\tGT\t0|2\t1|2\t0\n1\t20\t.\tC\tT\t.\t.\t.\tGT\t0|1\t0|0\t1\n";
    match kind(body, &ReadOptions::default()) {
        ErrorKind::Record {
            record,
            problem: RecordProblem::Multiallelic { alts },
        } => {
            assert_eq!((record.as_str(), alts.as_str()), ("1:10", "G,T"));
        }
        other => panic!("{other}"),
    }
    let (_d, path) = file(body);
    let split = ReadOptions {
        multiallelic: MultiallelicPolicy::Split,
        ..Default::default()
    };
    let m = read(&path, &split).unwrap().matrix;
    assert_eq!(m.n_sites(), 3);
    // Haplotypes: A0 A1 B0 B1 M. ALT 1 (G) at site 0, ALT 2 (T) at site 1.
    assert_eq!(
        m.column(0).collect::<Vec<_>>(),
        [false, false, true, false, false]
    );
    assert_eq!(
        m.column(1).collect::<Vec<_>>(),
        [false, true, false, true, false]
    );
    let drop = ReadOptions {
        multiallelic: MultiallelicPolicy::Drop,
        ..Default::default()
    };
    let h = read(&path, &drop).unwrap();
    assert_eq!((h.matrix.n_sites(), h.report.multiallelic_dropped), (1, 1));
}

#[test]
fn unphased_heterozygous_is_an_error_counted_over_the_file() {
    let body =
        "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0/0\t0/1\t1\n1\t20\t.\tC\tT\t.\t.\t.\tGT\t1/0\t1/1\t0\n";
    match kind(body, &ReadOptions::default()) {
        ErrorKind::Unphased {
            record,
            sample,
            genotype,
            count,
        } => {
            assert_eq!(
                (record.as_str(), sample.as_str(), genotype.as_str(), count),
                ("1:10", "B", "0/1", 2)
            );
        }
        other => panic!("{other}"),
    }
}

#[test]
fn missing_is_an_error_or_filled_with_the_major_allele() {
    let body =
        "1\t10\t.\tA\tG\t.\t.\t.\tGT\t1|1\t.|1\t.\n1\t20\t.\tC\tT\t.\t.\t.\tGT\t0|0\t0|1\t0\n";
    match kind(body, &ReadOptions::default()) {
        ErrorKind::Missing {
            record,
            sample,
            count,
        } => {
            assert_eq!((record.as_str(), sample.as_str(), count), ("1:10", "B", 2));
        }
        other => panic!("{other}"),
    }
    let (_d, path) = file(body);
    let major = ReadOptions {
        missing: MissingPolicy::Major,
        ..Default::default()
    };
    let h = read(&path, &major).unwrap();
    assert_eq!(h.report.missing_filled, 2);
    assert_eq!(h.matrix.allele_counts(), vec![5, 1]);
}

#[test]
fn order_and_structure_errors() {
    let unsorted =
        "1\t20\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n1\t10\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n";
    assert!(matches!(
        kind(unsorted, &ReadOptions::default()),
        ErrorKind::Record {
            problem: RecordProblem::Unsorted { .. },
            ..
        }
    ));
    let dup =
        "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n1\t10\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n";
    assert!(matches!(
        kind(dup, &ReadOptions::default()),
        ErrorKind::Record {
            problem: RecordProblem::Duplicate,
            ..
        }
    ));
    // Same position, different alleles (an indel beside a SNP) is fine.
    let (_d, path) = file(
        "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n1\t10\t.\tA\tAT\t.\t.\t.\tGT\t0|1\t0|0\t0\n",
    );
    assert_eq!(
        read(&path, &ReadOptions::default())
            .unwrap()
            .matrix
            .n_sites(),
        2
    );
    let chrom_back = "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n2\t5\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n1\t20\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n";
    assert!(matches!(
        kind(chrom_back, &ReadOptions::default()),
        ErrorKind::Record {
            problem: RecordProblem::Unsorted { .. },
            ..
        }
    ));
    let ploidy =
        "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0|0\t0|0\t0\n1\t20\t.\tA\tG\t.\t.\t.\tGT\t0\t0|0\t0\n";
    assert!(matches!(
        kind(ploidy, &ReadOptions::default()),
        ErrorKind::Record {
            problem: RecordProblem::Ploidy { .. },
            ..
        }
    ));
    assert!(matches!(
        kind("", &ReadOptions::default()),
        ErrorKind::NoRecords
    ));
}

#[test]
fn sample_selection_and_regions() {
    let (_d, path) = file(
        "1\t10\t.\tA\tG\t.\t.\t.\tGT\t0|1\t1|1\t1\n1\t20\t.\tC\tT\t.\t.\t.\tGT\t1|0\t0|0\t0\n2\t5\t.\tC\tT\t.\t.\t.\tGT\t1|0\t0|0\t0\n",
    );
    let opts = ReadOptions {
        samples: Some(SampleSelection::parse_list("M,A")),
        regions: vec!["1:15-30".parse().unwrap(), "2".parse().unwrap()],
        ..Default::default()
    };
    let m = read(&path, &opts).unwrap().matrix;
    let names: Vec<&str> = m.samples().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["M", "A"]);
    assert_eq!(m.n_sites(), 2);
    let opts = ReadOptions {
        samples: Some(SampleSelection::parse_list("^B")),
        ..Default::default()
    };
    assert_eq!(read(&path, &opts).unwrap().matrix.n_haplotypes(), 3);
    let opts = ReadOptions {
        samples: Some(SampleSelection::parse_list("Z")),
        ..Default::default()
    };
    assert!(matches!(
        read(&path, &opts).unwrap_err().kind,
        ErrorKind::UnknownSample(_)
    ));
}

#[test]
fn inspect_counts_without_failing() {
    let (_d, path) = file(
        "1\t10\t.\tA\tG,T\t.\t.\t.\tGT\t0|2\t1/0\t.\n1\t20\t.\tC\tCT\t.\t.\t.\tGT\t1|0\t0|0\t0\n",
    );
    let info = inspect(&path, &ReadOptions::default()).unwrap();
    assert_eq!((info.records, info.sites, info.sites_if_split), (2, 1, 3));
    assert_eq!((info.multiallelic_records, info.non_snp_records), (1, 1));
    assert_eq!((info.unphased_heterozygous, info.missing_genotypes), (1, 1));
    assert_eq!(
        (info.samples, info.haplotypes, info.haploid_samples),
        (3, 5, 1)
    );
}
