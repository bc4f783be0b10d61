//! Unit tests of the PLINK 2 writer: a hand-checked file, the header index, refusals, and a
//! decoder that reads random matrices back.

use super::*;
use crate::options::OutputFormat;
use genosynth_core::HaplotypeMatrix;
use genosynth_core::{Sample, Site, Sites};
use proptest::prelude::*;

fn matrix(samples: Vec<Sample>, sites: Vec<Site>, rows: &[&[u8]]) -> HaplotypeMatrix {
    let values: Vec<u8> = rows.concat();
    HaplotypeMatrix::from_dense_u8(&values, sites.into_iter().collect::<Sites>(), samples)
        .expect("valid matrix")
}

/// Two sites; S1 = 1|0, S2 = 0|1, S3 haploid ALT at the first, all REF at the second.
fn tiny() -> HaplotypeMatrix {
    matrix(
        vec![
            Sample::new("S1", Ploidy::Diploid),
            Sample::new("S2", Ploidy::Diploid),
            Sample::new("S3", Ploidy::Haploid),
        ],
        vec![
            Site::new("1", 100, "A", "G").with_id("rs1"),
            Site::new("1", 200, "C", "T"),
        ],
        &[&[1, 0], &[0, 0], &[0, 0], &[1, 0], &[1, 0]],
    )
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn write_to(dir: &Path, name: &str, m: &HaplotypeMatrix) -> Result<(), crate::Error> {
    let options = WriteOptions {
        format: Some(OutputFormat::Pgen),
        ..Default::default()
    };
    crate::write(&dir.join(name), m, &options)
}

#[test]
fn tiny_file_is_byte_exact() {
    let dir = tempfile::tempdir().unwrap();
    write_to(dir.path(), "t.pgen", &tiny()).unwrap();
    let bytes = std::fs::read(dir.path().join("t.pgen")).unwrap();
    #[rustfmt::skip]
    let expected = [
        0x6c, 0x1b, 0x10,       // magic, variable-width records
        2, 0, 0, 0,             // 2 variants
        3, 0, 0, 0,             // 3 samples
        0x44,                   // 1-byte lengths, 8-bit types, no provisional REF
        24, 0, 0, 0, 0, 0, 0, 0, // block 0 starts at byte 24
        0x10, 0x00,             // types: phased hets, plain
        2, 1,                   // lengths
        // site 1: S1 het, S2 het, S3 hom ALT (2); phase bits: all-phased 0, 1|0 = 1, 0|1 = 0
        0b0010_0101, 0b0000_0010,
        // site 2: all hom REF
        0x00,
    ];
    assert_eq!(bytes, expected);
    let pvar = std::fs::read_to_string(dir.path().join("t.pvar")).unwrap();
    assert!(pvar.starts_with("##source=genosynth "));
    assert!(pvar.ends_with(
        "##contig=<ID=1>\n#CHROM\tPOS\tID\tREF\tALT\n1\t100\trs1\tA\tG\n1\t200\t.\tC\tT\n"
    ));
    let psam = std::fs::read_to_string(dir.path().join("t.psam")).unwrap();
    assert_eq!(psam, "#IID\tSEX\nS1\tNA\nS2\tNA\nS3\tNA\n");
    assert_eq!(names(dir.path()), ["t.pgen", "t.psam", "t.pvar"]);
}

#[test]
fn record_lengths_widen_with_samples() {
    assert_eq!(length_width(1), 1);
    // 4 bytes of genotypes + 1 + 2 of phase = 7.
    assert_eq!(length_width(16), 1);
    // 183 samples: 46 + 1 + 22 = 69; 680 samples: 170 + 1 + 85 = 256 needs 2 bytes.
    assert_eq!(length_width(679), 1);
    assert_eq!(length_width(680), 2);
    assert_eq!(length_width(200_000), 3);
    assert_eq!(length_width(MAX_SAMPLES), 4);
}

#[test]
fn header_indexes_each_block_of_65536_variants() {
    let m = BLOCK + 5;
    let types = vec![0u8; m];
    let lengths = vec![3u32; m];
    let h = header(10, 1, &types, &lengths);
    assert_eq!(h.len(), 12 + 16 + 2 * m);
    assert_eq!(&h[3..7], &(m as u32).to_le_bytes());
    let first = u64::from_le_bytes(h[12..20].try_into().unwrap());
    let second = u64::from_le_bytes(h[20..28].try_into().unwrap());
    assert_eq!(first, h.len() as u64);
    assert_eq!(second, first + 3 * BLOCK as u64);
    // Block 0: 65536 types then 65536 lengths; block 1 follows.
    assert_eq!(h[28 + BLOCK], 3);
    assert_eq!(h[28 + 2 * BLOCK..28 + 2 * BLOCK + 5], [0; 5]);
}

#[test]
fn refuses_what_plink2_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let m = tiny();
    let err = write_to(dir.path(), "t.pvar2", &m).unwrap_err();
    assert!(err.to_string().contains("name it X.pgen"), "{err}");
    let err = crate::write(
        Path::new("-"),
        &m,
        &WriteOptions {
            format: Some(OutputFormat::Pgen),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("not stdout"), "{err}");
    let zero = m
        .clone()
        .with_samples(vec![
            Sample::new("0", Ploidy::Diploid),
            Sample::new("S2", Ploidy::Diploid),
            Sample::new("S3", Ploidy::Haploid),
        ])
        .unwrap();
    let err = write_to(dir.path(), "t.pgen", &zero).unwrap_err();
    assert!(err.to_string().contains("reserves \"0\""), "{err}");
    let indexed = WriteOptions {
        write_index: true,
        ..Default::default()
    };
    assert!(crate::write(&dir.path().join("t.pgen"), &m, &indexed).is_err());
    assert!(names(dir.path()).is_empty());
}

#[test]
fn stop_flag_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let options = WriteOptions {
        stop: Some(std::sync::Arc::new(true.into())),
        ..Default::default()
    };
    let err = crate::write(&dir.path().join("t.pgen"), &tiny(), &options).unwrap_err();
    assert!(err.is_interrupted());
    assert!(names(dir.path()).is_empty());
}

/// Decodes the records this writer produces (types 0 and 0x10) back to haplotype rows.
fn decode(bytes: &[u8], ploidies: &[Ploidy]) -> Vec<Vec<u8>> {
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    assert_eq!(bytes[..3], [0x6c, 0x1b, 0x10]);
    let (m, n) = (u32_at(3), u32_at(7));
    assert_eq!(n, ploidies.len());
    let ctrl = bytes[11];
    assert_eq!(ctrl & !3, 0x44);
    let width = usize::from(ctrl & 3) + 1;
    let mut at = 12 + 8 * m.div_ceil(BLOCK);
    let mut kinds = vec![];
    let mut lengths = vec![];
    for b in 0..m.div_ceil(BLOCK) {
        let size = BLOCK.min(m - b * BLOCK);
        kinds.extend_from_slice(&bytes[at..at + size]);
        at += size;
        for _ in 0..size {
            let mut l = [0u8; 4];
            l[..width].copy_from_slice(&bytes[at..at + width]);
            lengths.push(u32::from_le_bytes(l) as usize);
            at += width;
        }
    }
    let n_hap: usize = ploidies.iter().map(|p| p.copies()).sum();
    let mut rows = vec![vec![0u8; m]; n_hap];
    for s in 0..m {
        let record = &bytes[at..at + lengths[s]];
        at += lengths[s];
        let geno = |i: usize| (record[i / 4] >> (2 * (i % 4))) & 3;
        let track = &record[n.div_ceil(4)..];
        assert_eq!(kinds[s] == PHASED, !track.is_empty());
        let bit = |k: usize| (track[k / 8] >> (k % 8)) & 1;
        let (mut h, mut het) = (0, 0);
        for (i, p) in ploidies.iter().enumerate() {
            let g = geno(i);
            match p {
                Ploidy::Haploid => {
                    assert!(g == 0 || g == 2, "haploid written homozygous");
                    rows[h][s] = g / 2;
                }
                Ploidy::Diploid if g == 1 => {
                    het += 1;
                    let first = bit(het);
                    (rows[h][s], rows[h + 1][s]) = (first, 1 - first);
                }
                Ploidy::Diploid => (rows[h][s], rows[h + 1][s]) = (g / 2, g / 2),
            }
            h += p.copies();
        }
        if het > 0 {
            assert_eq!(bit(0), 0, "every het phased");
            assert_eq!(track.len(), 1 + het / 8);
        }
    }
    assert_eq!(at, bytes.len(), "no trailing bytes");
    rows
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn random_matrices_decode_back(
        ploidies in prop::collection::vec(any::<bool>(), 1..40),
        n_sites in 1usize..150,
        seed in any::<u64>(),
    ) {
        let samples: Vec<Sample> = ploidies
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                Sample::new(format!("S{i}"), if d { Ploidy::Diploid } else { Ploidy::Haploid })
            })
            .collect();
        let sites: Vec<Site> = (1..=n_sites as u64).map(|p| Site::new("2", p, "A", "C")).collect();
        let n_hap: usize = samples.iter().map(|s| s.ploidy.copies()).sum();
        let mut state = seed | 1;
        let rows: Vec<Vec<u8>> = (0..n_hap)
            .map(|_| {
                (0..n_sites)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state & 1) as u8
                    })
                    .collect()
            })
            .collect();
        let row_refs: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        let m = matrix(samples.clone(), sites, &row_refs);
        let dir = tempfile::tempdir().unwrap();
        write_to(dir.path(), "r.pgen", &m).unwrap();
        let bytes = std::fs::read(dir.path().join("r.pgen")).unwrap();
        let p: Vec<Ploidy> = samples.iter().map(|s| s.ploidy).collect();
        prop_assert_eq!(decode(&bytes, &p), rows);
    }
}
