//! Property tests: random matrices survive every output format, and garbage input is an error,
//! never a panic.

use std::path::Path;

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_vcf::{OutputFormat, ReadOptions, WriteOptions, read, write};
use proptest::prelude::*;

const ALLELES: [&str; 7] = ["A", "C", "G", "T", "AT", "GCC", "<DEL>"];

/// Random samples (mixed ploidy), sorted sites on two chromosomes, random alleles and bits.
fn matrix() -> impl Strategy<Value = HaplotypeMatrix> {
    let samples = prop::collection::vec(any::<bool>(), 1..6);
    let sites = prop::collection::vec((0usize..7, 1usize..7, 1u64..5, any::<bool>()), 1..140);
    (samples, sites, 0usize..140, any::<u64>()).prop_map(|(ploidies, raw_sites, split, seed)| {
        let samples: Vec<Sample> = ploidies
            .iter()
            .enumerate()
            .map(|(i, &diploid)| {
                let p = if diploid {
                    Ploidy::Diploid
                } else {
                    Ploidy::Haploid
                };
                Sample::new(format!("S{i}"), p)
            })
            .collect();
        let mut pos = 0;
        let sites: Sites = raw_sites
            .iter()
            .enumerate()
            .map(|(i, &(r, a, step, with_id))| {
                if i == split.min(raw_sites.len()) {
                    pos = 0;
                }
                pos += step;
                let chrom = if i < split { "1" } else { "chrX" };
                let reference = ALLELES[r % 6];
                let alt = ALLELES[(r + a) % 7];
                let alt = if alt == reference { "N" } else { alt };
                let site = Site::new(chrom, pos, reference, alt);
                if with_id {
                    site.with_id(format!("rs{i}"))
                } else {
                    site
                }
            })
            .collect();
        let n_hap: usize = samples.iter().map(|s| s.ploidy.copies()).sum();
        let mut state = seed | 1;
        let values: Vec<u8> = (0..n_hap * sites.len())
            .map(|_| {
                // xorshift: cheap reproducible bits without another strategy per value.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state & 1) as u8
            })
            .collect();
        HaplotypeMatrix::from_dense_u8(&values, sites, samples).unwrap()
    })
}

fn round_trip(m: &HaplotypeMatrix, dir: &Path, name: &str, format: OutputFormat) {
    let path = dir.join(name);
    let options = WriteOptions {
        format: Some(format),
        write_index: format.index_extension().is_some(),
        metadata: vec![("genosynthSeed".into(), "7".into())],
        ..Default::default()
    };
    write(&path, m, &options).unwrap();
    // A .hapt of haploid samples only has no _A/_B pairs to show it is not diploid data.
    let all_haploid = m.samples().iter().all(|s| s.ploidy == Ploidy::Haploid);
    let read_options = ReadOptions {
        hapt_haploid: format == OutputFormat::Hapt && all_haploid,
        ..Default::default()
    };
    let back = read(&path, &read_options).unwrap();
    assert_eq!(&back.matrix, m, "{name}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_format_round_trips(m in matrix()) {
        let dir = tempfile::tempdir().unwrap();
        round_trip(&m, dir.path(), "a.vcf", OutputFormat::Vcf);
        round_trip(&m, dir.path(), "a.vcf.gz", OutputFormat::VcfGz);
        round_trip(&m, dir.path(), "a.bcf", OutputFormat::Bcf);
        round_trip(&m, dir.path(), "u.bcf", OutputFormat::BcfUncompressed);
        round_trip(&m, dir.path(), "a.hapt", OutputFormat::Hapt);
        // Region queries through the index return exactly the sites inside.
        let chrom_x: Vec<usize> = m.sites().iter().enumerate()
            .filter(|(_, s)| s.chrom == "chrX").map(|(i, _)| i).collect();
        if !chrom_x.is_empty() {
            for file in ["a.vcf.gz", "a.bcf", "a.vcf"] {
                let opts = ReadOptions { regions: vec!["chrX".parse().unwrap()], ..Default::default() };
                let back = read(&dir.path().join(file), &opts).unwrap();
                prop_assert_eq!(&back.matrix, &m.select_sites(&chrom_x).unwrap());
            }
        }
    }

    #[test]
    fn random_bytes_are_errors_not_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.vcf");
        std::fs::write(&path, &bytes).unwrap();
        prop_assert!(read(&path, &ReadOptions::default()).is_err());
    }

    #[test]
    fn mutated_records_never_panic(
        cut in 0usize..200,
        byte in any::<u8>(),
        at in 0usize..200,
        gzip in any::<bool>(),
    ) {
        let mut text = b"##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n1\t5\t.\tA\tG\t.\tPASS\t.\tGT\t0|1\t1|1\n1\t9\trs2\tC\tT,G\t.\tPASS\t.\tGT:DP\t0|2:3\t1\n".to_vec();
        let len = text.len();
        text[len - 1 - at % 60] = byte;
        text.truncate(len - cut % 80);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.vcf");
        let bytes = if gzip {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&text).unwrap();
            let mut z = e.finish().unwrap();
            let keep = z.len() - (cut % 7);
            z.truncate(keep);
            z
        } else {
            text
        };
        std::fs::write(&path, &bytes).unwrap();
        let opts = ReadOptions {
            multiallelic: genosynth_vcf::MultiallelicPolicy::Split,
            missing: genosynth_vcf::MissingPolicy::Major,
            ..Default::default()
        };
        let _ = read(&path, &opts);
        let _ = genosynth_vcf::inspect(&path, &opts);
    }
}

/// `-o out/ags.vcf.gz` with no `out/` yet: the directory is created (the temporary file must
/// sit beside the output for the atomic rename), and nothing but the output is left there.
#[test]
fn writing_creates_a_missing_output_directory() {
    let sites = Sites::from(vec![
        Site::new("1", 5, "A", "G"),
        Site::new("1", 9, "C", "T"),
    ]);
    let samples = vec![Sample::new("S1", Ploidy::Diploid)];
    let m = HaplotypeMatrix::from_dense_u8(&[0, 1, 1, 1], sites, samples).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new").join("nested").join("ags.vcf.gz");
    write(&path, &m, &WriteOptions::default()).unwrap();
    let back = read(&path, &ReadOptions::default()).unwrap().matrix;
    assert_eq!(back.to_dense_u8(), m.to_dense_u8());
    let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, vec!["ags.vcf.gz".to_string()]);
}
