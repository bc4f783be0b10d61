//! Regions of a `.bgen` through a bgenix index (`X.bgen.bgi`): the same haplotypes as the scan
//! without it, and a stale or unreadable index is a specific error, never a silent misread.
//!
//! The index is built here with bgenix's documented schema (the `Variant` table `WITHOUT
//! ROWID`, and `Metadata`), walking the bundled example's variant headers for their offsets.

use std::fs;
use std::path::{Path, PathBuf};

use genosynth_vcf::{ErrorKind, ReadOptions, Region, read};
use rusqlite::Connection;

/// One indexed variant: chromosome, position, rsid, alleles, byte offset and size.
struct Entry {
    chrom: String,
    pos: u32,
    rsid: String,
    alleles: Vec<String>,
    at: u64,
    size: u64,
}

fn u16_at(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// Every variant of a layout-2 `.bgen`, walking the headers (BGEN v1.2 spec).
fn entries(bgen: &[u8]) -> Vec<Entry> {
    let n_variants = u32_at(bgen, 8);
    let mut at = u32_at(bgen, 0) + 4;
    let mut out = Vec::new();
    for _ in 0..n_variants {
        let start = at;
        let string = |width: usize, at: &mut usize| {
            let len = if width == 2 {
                u16_at(bgen, *at)
            } else {
                u32_at(bgen, *at)
            };
            let s = String::from_utf8(bgen[*at + width..*at + width + len].to_vec()).unwrap();
            *at += width + len;
            s
        };
        let _varid = string(2, &mut at);
        let rsid = string(2, &mut at);
        let chrom = string(2, &mut at);
        let pos = u32_at(bgen, at) as u32;
        let k = u16_at(bgen, at + 4);
        at += 6;
        let alleles = (0..k).map(|_| string(4, &mut at)).collect();
        at += 4 + u32_at(bgen, at);
        out.push(Entry {
            chrom,
            pos,
            rsid,
            alleles,
            at: start as u64,
            size: (at - start) as u64,
        });
    }
    assert_eq!(at, bgen.len(), "the walk ends at the end of the file");
    out
}

/// Writes `bgen`'s index as bgenix does; `file_size` goes into its `Metadata`.
fn bgenix_index(bgi: &Path, bgen: &[u8], file_size: u64) {
    let db = Connection::open(bgi).unwrap();
    db.execute_batch(
        "CREATE TABLE Metadata (filename TEXT NOT NULL, file_size INT NOT NULL, \
         last_write_time INT NOT NULL, first_1000_bytes BLOB NOT NULL, \
         index_creation_time INT NOT NULL);
         CREATE TABLE Variant (chromosome TEXT NOT NULL, position INT NOT NULL, \
         rsid TEXT NOT NULL, number_of_alleles INT NOT NULL, allele1 TEXT NOT NULL, \
         allele2 TEXT NULL, file_start_position INT NOT NULL, size_in_bytes INT NOT NULL, \
         PRIMARY KEY (chromosome, position, rsid, allele1, allele2, file_start_position)) \
         WITHOUT ROWID;",
    )
    .unwrap();
    db.execute(
        "INSERT INTO Metadata VALUES ('x.bgen', ?1, 0, ?2, 0)",
        (file_size as i64, &bgen[..1000]),
    )
    .unwrap();
    for e in entries(bgen) {
        db.execute(
            "INSERT INTO Variant VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            (
                &e.chrom,
                e.pos,
                &e.rsid,
                e.alleles.len() as i64,
                &e.alleles[0],
                e.alleles.get(1),
                e.at as i64,
                e.size as i64,
            ),
        )
        .unwrap();
    }
}

/// The bundled example copied into `dir` (with its `.sample`).
fn example_in(dir: &Path) -> (PathBuf, Vec<u8>) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let bytes = fs::read(examples.join("805_SNP_1000G_real.bgen")).unwrap();
    let bgen = dir.join("x.bgen");
    fs::write(&bgen, &bytes).unwrap();
    fs::copy(
        examples.join("805_SNP_1000G_real.sample"),
        dir.join("x.sample"),
    )
    .unwrap();
    (bgen, bytes)
}

fn with_regions(regions: &[&str]) -> ReadOptions {
    ReadOptions {
        regions: regions.iter().map(|r| Region::parse(r).unwrap()).collect(),
        ..ReadOptions::default()
    }
}

#[test]
fn an_index_reads_the_regions_as_the_scan_does() {
    let plain = tempfile::tempdir().unwrap();
    let indexed = tempfile::tempdir().unwrap();
    let (scan_path, bytes) = example_in(plain.path());
    let (bgen, _) = example_in(indexed.path());
    bgenix_index(
        &indexed.path().join("x.bgen.bgi"),
        &bytes,
        bytes.len() as u64,
    );

    let all = read(&scan_path, &ReadOptions::default()).unwrap();
    let sites = all.matrix.sites();
    let pos = |i: usize| sites.get(i).unwrap().pos;
    let (c, a) = (sites.get(100).unwrap().chrom.clone(), pos(100));
    // Two regions, given out of order, one of them a single site, one starting mid-gap.
    let regions = [
        format!("{c}:{}-{}", pos(600) + 1, pos(650)),
        format!("{c}:{a}-{}", pos(199)),
        format!("{c}:{}-{}", pos(400), pos(400)),
    ];
    let regions: Vec<&str> = regions.iter().map(String::as_str).collect();
    let options = with_regions(&regions);

    let scanned = read(&scan_path, &options).unwrap();
    let via_index = read(&bgen, &options).unwrap();
    assert!(!scanned.report.used_index);
    assert!(
        via_index.report.used_index,
        "the .bgi beside the file is used"
    );
    assert_eq!(via_index.matrix, scanned.matrix);
    let expected: Vec<usize> = (100..200).chain([400]).chain(601..651).collect();
    assert_eq!(
        via_index.matrix,
        all.matrix.select_sites(&expected).unwrap()
    );

    // Without regions the index is not needed: the whole file, in order.
    let whole = read(&bgen, &ReadOptions::default()).unwrap();
    assert!(!whole.report.used_index);
    assert_eq!(whole.matrix, all.matrix);

    // A region on another chromosome finds nothing, as the scan does.
    let elsewhere = read(&bgen, &with_regions(&["22:1-1000000000"]));
    let scan_elsewhere = read(&scan_path, &with_regions(&["22:1-1000000000"]));
    assert_eq!(
        elsewhere.map(|h| h.matrix.n_sites()).ok(),
        scan_elsewhere.map(|h| h.matrix.n_sites()).ok()
    );
}

#[test]
fn a_stale_or_unreadable_index_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (bgen, bytes) = example_in(dir.path());
    let bgi = dir.path().join("x.bgen.bgi");
    let options = with_regions(&["1:1-1000000000"]);
    let kind = |e: genosynth_vcf::Error| e.kind.to_string();

    // An index of another version of the file (bgenix's Metadata says so).
    bgenix_index(&bgi, &bytes, bytes.len() as u64 + 1);
    let message = kind(read(&bgen, &options).unwrap_err());
    assert!(
        message.contains("x.bgen.bgi") && message.contains("indexes another file"),
        "{message}"
    );
    assert!(message.contains("bgenix -g X.bgen -index"), "{message}");

    // Not an SQLite database at all.
    fs::write(&bgi, b"not an index, just text").unwrap();
    let err = read(&bgen, &options).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Companion { .. }), "{err}");
    let message = kind(err);
    assert!(message.contains("not a readable bgenix index"), "{message}");
}
