//! Phased BGEN v1.2 and PLINK 2 input: hand-built files for every policy, round trips at every
//! bit depth and compression, and fuzzing with truncated and corrupted bytes (an error, never a
//! panic or a hang).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use genosynth_core::{HaplotypeMatrix, HaplotypeMatrixBuilder, Ploidy, Sample, Site};
use genosynth_vcf::{
    ErrorKind, MissingPolicy, MultiallelicPolicy, ReadOptions, RecordProblem, WriteOptions, read,
    write,
};
use proptest::prelude::*;

/// One BGEN variant: alleles and, per sample, ploidy byte and stored values.
struct Variant {
    pos: u32,
    alleles: Vec<&'static str>,
    phased: bool,
    bits: u8,
    ploidy: Vec<u8>,
    values: Vec<u32>,
}

/// A phased biallelic variant from each sample's two alleles (`9` = missing sample).
fn phased(pos: u32, bits: u8, calls: &[[u8; 2]]) -> Variant {
    let one = ((1u64 << bits) - 1) as u32;
    let mut ploidy = Vec::new();
    let mut values = Vec::new();
    for c in calls {
        ploidy.push(if c[0] == 9 { 0x82 } else { 2 });
        for &a in c {
            values.push(if a == 0 { one } else { 0 });
        }
    }
    Variant {
        pos,
        alleles: vec!["A", "G"],
        phased: true,
        bits,
        ploidy,
        values,
    }
}

fn probability_block(v: &Variant) -> Vec<u8> {
    let mut b = (v.ploidy.len() as u32).to_le_bytes().to_vec();
    b.extend_from_slice(&(v.alleles.len() as u16).to_le_bytes());
    b.extend_from_slice(&[1, 2]);
    b.extend_from_slice(&v.ploidy);
    b.extend_from_slice(&[u8::from(v.phased), v.bits]);
    let mut bits = vec![0u8; (v.values.len() * v.bits as usize).div_ceil(8)];
    for (i, &value) in v.values.iter().enumerate() {
        for j in 0..v.bits as usize {
            let at = i * v.bits as usize + j;
            if value >> j & 1 == 1 {
                bits[at / 8] |= 1 << (at % 8);
            }
        }
    }
    b.extend_from_slice(&bits);
    b
}

/// A BGEN v1.2 file (layout `layout`, compression 0 none, 1 zlib, 2 zstd).
fn bgen(names: &[&str], variants: &[Variant], compression: u32, layout: u32) -> Vec<u8> {
    let mut ids = Vec::new();
    for n in names {
        ids.extend_from_slice(&(n.len() as u16).to_le_bytes());
        ids.extend_from_slice(n.as_bytes());
    }
    let id_block = 8 + ids.len() as u32;
    let mut out = (20 + id_block).to_le_bytes().to_vec();
    out.extend_from_slice(&20u32.to_le_bytes());
    out.extend_from_slice(&(variants.len() as u32).to_le_bytes());
    out.extend_from_slice(&(names.len() as u32).to_le_bytes());
    out.extend_from_slice(b"bgen");
    out.extend_from_slice(&(compression | layout << 2 | 1 << 31).to_le_bytes());
    out.extend_from_slice(&id_block.to_le_bytes());
    out.extend_from_slice(&(names.len() as u32).to_le_bytes());
    out.extend_from_slice(&ids);
    for v in variants {
        let text = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u16).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        text(&mut out, "");
        text(&mut out, &format!("rs{}", v.pos));
        text(&mut out, "1");
        out.extend_from_slice(&v.pos.to_le_bytes());
        out.extend_from_slice(&(v.alleles.len() as u16).to_le_bytes());
        for a in &v.alleles {
            out.extend_from_slice(&(a.len() as u32).to_le_bytes());
            out.extend_from_slice(a.as_bytes());
        }
        let plain = probability_block(v);
        let packed = match compression {
            0 => plain.clone(),
            1 => {
                let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Default::default());
                z.write_all(&plain).unwrap();
                z.finish().unwrap()
            }
            _ => ruzstd::encoding::compress_to_vec(
                &plain[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
        };
        if compression == 0 {
            out.extend_from_slice(&(packed.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(packed.len() as u32 + 4).to_le_bytes());
            out.extend_from_slice(&(plain.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(&packed);
    }
    out
}

fn save(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn error(path: &Path, options: &ReadOptions) -> ErrorKind {
    read(path, options).unwrap_err().kind
}

const NAMES: [&str; 3] = ["s1", "s2", "s3"];

#[test]
fn bgen_every_bit_depth_and_compression_reads_the_calls() {
    let dir = tempfile::tempdir().unwrap();
    for compression in 0..3 {
        for bits in [1, 3, 8, 16, 31, 32] {
            let variants = [
                phased(10, bits, &[[0, 1], [1, 1], [1, 0]]),
                phased(20, bits, &[[0, 0], [0, 1], [0, 0]]),
            ];
            let path = save(
                dir.path(),
                "t.bgen",
                &bgen(&NAMES, &variants, compression, 2),
            );
            let h = read(&path, &ReadOptions::default()).unwrap();
            let m = &h.matrix;
            assert_eq!(
                m.n_haplotypes(),
                6,
                "bits {bits}, compression {compression}"
            );
            let column = |s: usize| (0..6).map(|h| m.get(h, s)).collect::<Vec<_>>();
            assert_eq!(column(0), [false, true, true, true, true, false]);
            assert_eq!(column(1), [false, false, false, true, false, false]);
            let site = &m.sites()[0];
            assert_eq!(
                (site.pos, site.reference.as_str(), site.alternate.as_str()),
                (10, "A", "G")
            );
            assert_eq!(site.id.as_deref(), Some("rs10"));
            assert_eq!(m.samples()[2].name, "s3");
        }
    }
}

#[test]
fn bgen_policies_name_the_variant_and_sample() {
    let dir = tempfile::tempdir().unwrap();
    let strict = ReadOptions::default();
    // An imputed dosage.
    let mut v = phased(10, 8, &[[0, 1], [1, 1], [1, 0]]);
    v.values[3] = 200;
    let path = save(dir.path(), "d.bgen", &bgen(&NAMES, &[v], 1, 2));
    match error(&path, &strict) {
        ErrorKind::Record {
            record,
            problem: RecordProblem::NotHardCalls(message),
        } => {
            assert_eq!(record, "1:10");
            assert!(
                message.contains("sample s2") && message.contains("0.7843"),
                "{message}"
            );
        }
        other => panic!("{other}"),
    }
    // Unphased: a het is an error (after counting them all), homs alone are fine.
    let unphased = |het: bool| Variant {
        pos: 10,
        alleles: vec!["A", "G"],
        phased: false,
        bits: 8,
        ploidy: vec![2, 2, 2],
        values: vec![255, 0, 0, 0, 0, u32::from(het) * 255],
    };
    let path = save(dir.path(), "u.bgen", &bgen(&NAMES, &[unphased(true)], 0, 2));
    match error(&path, &strict) {
        ErrorKind::Unphased {
            record,
            sample,
            count,
            ..
        } => assert_eq!((record.as_str(), sample.as_str(), count), ("1:10", "s3", 1)),
        other => panic!("{other}"),
    }
    let path = save(
        dir.path(),
        "h.bgen",
        &bgen(&NAMES, &[unphased(false)], 0, 2),
    );
    assert_eq!(read(&path, &strict).unwrap().matrix.allele_counts(), [4]);
    // Ploidy 3.
    let mut v = phased(10, 8, &[[0, 1], [1, 1], [1, 0]]);
    v.ploidy[0] = 3;
    v.values.insert(0, 255);
    let path = save(dir.path(), "p.bgen", &bgen(&NAMES, &[v], 0, 2));
    assert!(matches!(
        error(&path, &strict),
        ErrorKind::Record { problem: RecordProblem::Ploidy { sample, .. }, .. } if sample == "s1"
    ));
    // Missing calls: an error by default, filled with the major allele on request.
    let v = phased(10, 8, &[[9, 9], [1, 1], [1, 0]]);
    let path = save(dir.path(), "m.bgen", &bgen(&NAMES, &[v], 2, 2));
    assert!(matches!(
        error(&path, &strict),
        ErrorKind::Missing { count: 2, .. }
    ));
    let major = ReadOptions {
        missing: MissingPolicy::Major,
        ..Default::default()
    };
    assert_eq!(read(&path, &major).unwrap().report.missing_filled, 2);
    // Three alleles: an error, or split into two sites.
    let multi = Variant {
        pos: 10,
        alleles: vec!["A", "G", "T"],
        phased: true,
        bits: 8,
        ploidy: vec![2, 2, 2],
        // Per haplotype P(A), P(G); T implied.
        values: vec![255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255],
    };
    let path = save(dir.path(), "k.bgen", &bgen(&NAMES, &[multi], 1, 2));
    assert!(matches!(
        error(&path, &strict),
        ErrorKind::Record {
            problem: RecordProblem::Multiallelic { .. },
            ..
        }
    ));
    let split = ReadOptions {
        multiallelic: MultiallelicPolicy::Split,
        ..Default::default()
    };
    assert_eq!(read(&path, &split).unwrap().matrix.allele_counts(), [2, 2]);
    // Layout 1 holds no phase.
    let v = phased(10, 8, &[[0, 1], [1, 1], [1, 0]]);
    let path = save(dir.path(), "l.bgen", &bgen(&NAMES, &[v], 0, 1));
    assert!(matches!(error(&path, &strict), ErrorKind::Unsupported(_)));
}

/// A random diploid matrix.
fn matrix(n_samples: usize, n_sites: usize, seed: u64) -> HaplotypeMatrix {
    let samples = (0..n_samples)
        .map(|i| Sample::new(format!("id{i}"), Ploidy::Diploid))
        .collect();
    let mut b = HaplotypeMatrixBuilder::new(samples);
    let mut x = seed | 1;
    for s in 0..n_sites {
        let column: Vec<u8> = (0..2 * n_samples)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Sparse columns too, so plink-style difflists are exercised by plink2 tests.
                u8::from(x % 7 < (s % 4) as u64)
            })
            .collect();
        b.push_site(Site::new("2", 100 + s as u64, "C", "T"), &column)
            .unwrap();
    }
    b.finish()
}

#[test]
fn pgen_written_by_genosynth_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let m = matrix(37, 20, 5);
    let path = dir.path().join("x.pgen");
    write(&path, &m, &WriteOptions::default()).unwrap();
    assert_eq!(read(&path, &ReadOptions::default()).unwrap().matrix, m);
}

/// The bundled BGEN example (plink2's `--export bgen-1.2 bits=8 ref-first` of the bundled
/// VCF, see examples/README.md) reads as the VCF: haplotypes, sample IDs (`ID_2` of its
/// `.sample`), positions and alleles. Needs no plink2, so every machine checks the BGEN reader
/// on real haplotypes.
#[test]
fn the_bundled_bgen_example_reads_as_the_bundled_vcf() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let options = ReadOptions::default();
    let vcf = read(&examples.join("805_SNP_1000G_real.train.vcf.gz"), &options).unwrap();
    let bgen = read(&examples.join("805_SNP_1000G_real.bgen"), &options).unwrap();
    assert_eq!(bgen.matrix.samples(), vcf.matrix.samples());
    assert_eq!(bgen.matrix.sites(), vcf.matrix.sites());
    assert_eq!(bgen.matrix, vcf.matrix);
    assert_eq!(
        (bgen.matrix.n_haplotypes(), bgen.matrix.n_sites()),
        (2504, 805)
    );
}

/// A `.pgen` (mode 0x10, 8-bit types, 1-byte lengths) with these records, plus `.pvar` and
/// `.psam`.
fn pgen(dir: &Path, n: u32, records: &[(u8, Vec<u8>)], alts: &[&str]) -> PathBuf {
    let m = records.len();
    let mut out = vec![0x6c, 0x1b, 0x10];
    out.extend_from_slice(&(m as u32).to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.push(0x44);
    out.extend_from_slice(&((12 + 8 + 2 * m) as u64).to_le_bytes());
    out.extend(records.iter().map(|r| r.0));
    out.extend(records.iter().map(|r| r.1.len() as u8));
    for r in records {
        out.extend_from_slice(&r.1);
    }
    let path = save(dir, "f.pgen", &out);
    let mut pvar = String::from("#CHROM\tPOS\tID\tREF\tALT\n");
    for (i, alt) in alts.iter().enumerate() {
        pvar.push_str(&format!("1\t{}\t.\tA\t{alt}\n", 10 * (i + 1)));
    }
    save(dir, "f.pvar", pvar.as_bytes());
    let psam: String = (0..n).map(|i| format!("s{}\n", i + 1)).collect();
    save(dir, "f.psam", format!("#IID\n{psam}").as_bytes());
    path
}

#[test]
fn pgen_policies_name_the_variant_and_sample() {
    let dir = tempfile::tempdir().unwrap();
    let strict = ReadOptions::default();
    // Samples 0|1, 1|1, 1|0 (phase track: no phasepresent, second het swapped).
    let ok = (0x10, vec![0b01_10_01, 0b100]);
    let path = pgen(dir.path(), 3, std::slice::from_ref(&ok), &["G"]);
    assert_eq!(read(&path, &strict).unwrap().matrix.allele_counts(), [4]);
    // A het without phase.
    let path = pgen(dir.path(), 3, &[(0, vec![0b01_10_01])], &["G"]);
    assert!(matches!(
        error(&path, &strict),
        ErrorKind::Unphased { sample, count: 2, .. } if sample == "s1"
    ));
    // A missing call.
    let path = pgen(dir.path(), 3, &[(0, vec![0b00_10_11])], &["G"]);
    assert!(matches!(
        error(&path, &strict),
        ErrorKind::Missing { sample, count: 2, .. } if sample == "s1"
    ));
    // Two ALTs in the .pvar.
    let path = pgen(dir.path(), 3, std::slice::from_ref(&ok), &["G,T"]);
    assert!(matches!(
        error(&path, &strict),
        ErrorKind::Record {
            problem: RecordProblem::Multiallelic { .. },
            ..
        }
    ));
    // Dosages.
    let path = pgen(dir.path(), 3, &[(0x20, vec![0b01_10_01, 0])], &["G"]);
    assert!(matches!(
        error(&path, &strict),
        ErrorKind::Record {
            problem: RecordProblem::NotHardCalls(_),
            ..
        }
    ));
    // The .pvar and the .pgen disagree.
    let path = pgen(dir.path(), 3, std::slice::from_ref(&ok), &["G", "C"]);
    assert!(matches!(error(&path, &strict), ErrorKind::Malformed(_)));
}

#[test]
fn pgen_packed_and_per_sample_paths_agree_on_mixed_records() {
    let dir = tempfile::tempdir().unwrap();
    let records = [
        // 0|1, 1|1, 1|0: the packed path.
        (0x10, vec![0b01_10_01, 0b100]),
        // s1 missing, s2 hom ALT: the per-sample path (the missing policy).
        (0, vec![0b00_10_11]),
        // Three hets, the second unphased (phasepresent), the others 1|0 and 0|1.
        (0x10, vec![0b01_01_01, 0b1011, 0b01]),
        // All hom REF: the packed path again.
        (0, vec![0]),
    ];
    let with = |n: usize| pgen(dir.path(), 3, &records[..n], &["G", "T", "C", "A"][..n]);
    for (n, missing) in [
        (2, MissingPolicy::Error),
        (2, MissingPolicy::Major),
        (4, MissingPolicy::Major),
    ] {
        let path = with(n);
        let options = ReadOptions {
            missing,
            ..Default::default()
        };
        assert_packed_equals_per_sample(&path, &options);
        assert_eq!(
            genosynth_vcf::inspect(&path, &options).unwrap(),
            genosynth_vcf::per_sample::inspect(&path, &options).unwrap()
        );
    }
    // After a packed record, the unphased het is still reported by record and sample.
    let path = with(4);
    let options = ReadOptions {
        missing: MissingPolicy::Major,
        ..Default::default()
    };
    assert!(matches!(
        error(&path, &options),
        ErrorKind::Unphased { sample, count: 1, .. } if sample == "s2"
    ));
    let info = genosynth_vcf::inspect(&path, &options).unwrap();
    assert_eq!((info.unphased_heterozygous, info.missing_genotypes), (1, 1));
    let fine = read(&with(2), &options).unwrap();
    assert_eq!(fine.matrix.allele_counts(), [4, 2]);
    assert_eq!(fine.report.missing_filled, 2);
}

#[test]
fn bgen_packed_and_per_sample_paths_agree_after_a_haploid_sample() {
    let dir = tempfile::tempdir().unwrap();
    // s1 haploid ALT in the first variant; then every sample diploid (a packed block), which
    // must still be reported as a ploidy change for s1.
    let haploid = Variant {
        pos: 10,
        alleles: vec!["A", "G"],
        phased: true,
        bits: 8,
        ploidy: vec![1, 2, 2],
        values: vec![0, 255, 0, 0, 255],
    };
    let diploid = phased(20, 8, &[[0, 1], [1, 1], [0, 0]]);
    for (name, variants) in [
        (
            "d.bgen",
            vec![phased(5, 8, &[[1, 0], [0, 0], [0, 1]]), diploid],
        ),
        (
            "h.bgen",
            vec![haploid, phased(20, 8, &[[0, 1], [1, 1], [0, 0]])],
        ),
    ] {
        let path = save(dir.path(), name, &bgen(&NAMES, &variants, 1, 2));
        let options = ReadOptions::default();
        assert_packed_equals_per_sample(&path, &options);
        let info = genosynth_vcf::inspect(&path, &options).unwrap();
        assert_eq!(
            info,
            genosynth_vcf::per_sample::inspect(&path, &options).unwrap()
        );
        assert_eq!(info.ploidy_changes, u64::from(name == "h.bgen"));
    }
}

/// Reading `bytes` as `name` ends (with any result) and does not panic.
fn read_ends(dir: &Path, name: &str, bytes: &[u8]) {
    let path = save(dir, name, bytes);
    let _ = read(&path, &ReadOptions::default());
    let _ = genosynth_vcf::inspect(&path, &ReadOptions::default());
}

fn corrupt(mut bytes: Vec<u8>, cut: usize, flips: &[(usize, u8)]) -> Vec<u8> {
    for &(at, x) in flips {
        let i = at % bytes.len();
        bytes[i] ^= x;
    }
    bytes.truncate(cut % (bytes.len() + 1));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The packed path reads random files as the per-sample path does, across blocks of 64
    /// sites, with missing calls, unphased hets and multiallelic records split or dropped, or
    /// gives the same error.
    #[test]
    fn pgen_packed_path_equals_the_per_sample_path_on_random_files(
        seed in 1u64..u64::MAX,
        n in 1usize..300,
        m in 1usize..1200,
        odd in 0u8..4,
        multiallelic in 0usize..3,
        missing_major in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (records, alts) = random_records(n, m, seed, odd);
        let path = pgen(dir.path(), n as u32, &records, &alts);
        let options = ReadOptions {
            multiallelic: [
                MultiallelicPolicy::Error,
                MultiallelicPolicy::Drop,
                MultiallelicPolicy::Split,
            ][multiallelic],
            missing: if missing_major { MissingPolicy::Major } else { MissingPolicy::Error },
            ..Default::default()
        };
        assert_packed_equals_per_sample(&path, &options);
        let sites = read(&path, &options).map(|h| h.matrix.n_sites());
        let two_alts = alts.iter().filter(|a| a.len() > 1).count();
        match (odd, multiallelic) {
            (0, _) => prop_assert_eq!(sites.unwrap(), m),
            (1, _) if missing_major => prop_assert_eq!(sites.unwrap(), m),
            (3, 2) => prop_assert_eq!(sites.unwrap(), m + two_alts),
            (3, 1) if two_alts < m => prop_assert_eq!(sites.unwrap(), m - two_alts),
            _ => {}
        }
    }

    #[test]
    fn corrupt_pgen_is_an_error_not_a_panic(
        seed in 1u64..1000,
        cut in any::<usize>(),
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pgen");
        write(&path, &matrix(70, 12, seed), &WriteOptions::default()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        read_ends(dir.path(), "x.pgen", &corrupt(bytes, cut, &flips));
    }

    #[test]
    fn corrupt_bgen_is_an_error_not_a_panic(
        compression in 0u32..3,
        bits in 1u8..=32,
        cut in any::<usize>(),
        flips in proptest::collection::vec((any::<usize>(), 1u8..), 0..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let variants = [
            phased(10, bits, &[[0, 1], [1, 1], [1, 0]]),
            phased(20, bits, &[[9, 9], [0, 1], [0, 0]]),
        ];
        let bytes = bgen(&NAMES, &variants, compression, 2);
        read_ends(dir.path(), "x.bgen", &corrupt(bytes, cut, &flips));
    }
}

/// `m` random PGEN records for `n` samples: plain phased biallelic records (the packed path)
/// and, by `odd`, none else (0), one record with a missing call (1) or an unphased het (2)
/// (the per-sample path, then the missing or unphased policy), or one in 30 with two ALTs in
/// the `.pvar` (3: split into two sites, or dropped).
fn random_records(
    n: usize,
    m: usize,
    seed: u64,
    odd: u8,
) -> (Vec<(u8, Vec<u8>)>, Vec<&'static str>) {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (mut records, mut alts) = (Vec::new(), Vec::new());
    let special = (next() % m as u64) as usize;
    for v in 0..m {
        let frequency = next() % 4;
        let mut codes = vec![0u8; n.div_ceil(4)];
        let mut hets = 0;
        for i in 0..n {
            let r = next() % 8;
            let code = if odd == 1 && v == special && i == n / 2 {
                3
            } else if r < frequency {
                1 + (r % 2) as u8
            } else {
                0
            };
            hets += usize::from(code == 1);
            codes[i / 4] |= code << (2 * (i % 4));
        }
        let mut record = codes;
        let phased = hets > 0 && !(odd == 2 && v == special);
        if phased {
            // No phasepresent bit: every het phased, swapped where the bit is set.
            let mut track = vec![0u8; (1 + hets).div_ceil(8)];
            for j in 1..=hets {
                track[j / 8] |= ((next() % 2) as u8) << (j % 8);
            }
            record.extend(track);
        }
        records.push((if phased { 0x10 } else { 0 }, record));
        alts.push(if odd == 3 && next() % 30 == 0 {
            "G,T"
        } else {
            "G"
        });
    }
    (records, alts)
}

/// The packed path reads `path` as the per-sample path does: the same matrix and report, or
/// the same error.
fn assert_packed_equals_per_sample(path: &Path, options: &ReadOptions) {
    let packed = read(path, options).map(|h| (h.matrix, h.report));
    let per_sample = genosynth_vcf::per_sample::read(path, options).map(|h| (h.matrix, h.report));
    match (packed, per_sample) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (a, b) => assert_eq!(a.unwrap_err().to_string(), b.unwrap_err().to_string()),
    }
}
