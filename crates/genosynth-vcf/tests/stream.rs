//! The streaming writer writes the same bytes as `write` for the same haplotypes, whatever the
//! chunk and spill sizes, leaves nothing behind when stopped or left unfinished, and refuses
//! what does not add up.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_vcf::{ErrorKind, StreamWriter, WriteOptions, write};

/// Mixed-ploidy samples, 150 sites (a partial last word) on two chromosomes, xorshift bits.
fn matrix(n_samples: usize, seed: u64) -> HaplotypeMatrix {
    let samples: Vec<Sample> = (0..n_samples)
        .map(|i| {
            let ploidy = if i % 3 == 2 {
                Ploidy::Haploid
            } else {
                Ploidy::Diploid
            };
            Sample::new(format!("AG_{i}"), ploidy)
        })
        .collect();
    let sites: Sites = (0..150u64)
        .map(|i| {
            let chrom = if i < 100 { "1" } else { "2" };
            Site::new(chrom, 10 + 7 * i, "A", "G").with_id(format!("rs{i}"))
        })
        .collect();
    let n_hap: usize = samples.iter().map(|s| s.ploidy.copies()).sum();
    let mut state = seed | 1;
    let values: Vec<u8> = (0..n_hap * sites.len())
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            u8::from(state.is_multiple_of(5))
        })
        .collect();
    HaplotypeMatrix::from_dense_u8(&values, sites, samples).unwrap()
}

fn options() -> WriteOptions {
    WriteOptions {
        threads: 2,
        metadata: vec![("genosynthSeed".into(), "7".into())],
        ..Default::default()
    }
}

/// Streams `m` in chunks of `chunk` rows, spilling every `spill` rows (None = default).
fn stream(path: &Path, m: &HaplotypeMatrix, chunk: usize, spill: Option<usize>) {
    let mut options = options();
    options.metadata.clear();
    let mut w = StreamWriter::create(path, m.sites().clone(), m.samples().to_vec(), &options)
        .expect("create");
    if let Some(rows) = spill {
        w.set_spill_rows(rows);
    }
    let rows: Vec<usize> = (0..m.n_haplotypes()).collect();
    for part in rows.chunks(chunk) {
        let sub = m.select_haplotypes(part).unwrap();
        w.push(&sub).expect("push");
    }
    // Known only at the end, like the guard's report: still in the header.
    w.add_metadata("genosynthSeed", "7");
    w.finish().expect("finish");
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_format_matches_write_for_any_chunk_and_spill_size() {
    let m = matrix(23, 5); // 38 rows
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "x.vcf",
        "x.vcf.gz",
        "x.bcf",
        "x.hapt",
        "x.hapt.gz",
        "x.pgen",
    ] {
        let reference = dir.path().join(format!("ref-{name}"));
        write(&reference, &m, &options()).unwrap();
        for (chunk, spill) in [
            (1, None),
            (5, Some(3)),
            (7, Some(1)),
            (38, Some(16)),
            (9, None),
        ] {
            let sub = dir.path().join(format!("c{chunk}"));
            let out = sub.join(name);
            stream(&out, &m, chunk, spill);
            assert_eq!(
                bytes(&out),
                bytes(&reference),
                "{name}, chunks of {chunk}, spills of {spill:?}"
            );
            if name.ends_with(".pgen") {
                for ext in ["pvar", "psam"] {
                    assert_eq!(
                        bytes(&out.with_extension(ext)),
                        bytes(&reference.with_extension(ext)),
                        "{name} .{ext}"
                    );
                }
            }
            if name.starts_with("x.hapt") {
                assert_eq!(
                    bytes(&sub.join("x.sites")),
                    bytes(&dir.path().join("ref-x.sites"))
                );
            }
            // Only the outputs remain: no spill or temporary file.
            let leftovers: Vec<_> = std::fs::read_dir(&sub)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".genosynth-"))
                .collect();
            assert!(leftovers.is_empty(), "{leftovers:?}");
            std::fs::remove_dir_all(&sub).unwrap();
        }
    }
}

#[test]
fn indexes_match_write() {
    let m = matrix(10, 9);
    let dir = tempfile::tempdir().unwrap();
    for (name, index) in [("x.vcf.gz", "x.vcf.gz.tbi"), ("x.bcf", "x.bcf.csi")] {
        let options = WriteOptions {
            write_index: true,
            ..options()
        };
        write(&dir.path().join("ref").join(name), &m, &options).unwrap();
        let out = dir.path().join("s").join(name);
        let mut w =
            StreamWriter::create(&out, m.sites().clone(), m.samples().to_vec(), &options).unwrap();
        w.push(&m.select_haplotypes(&[0, 1, 2]).unwrap()).unwrap();
        let rest: Vec<usize> = (3..m.n_haplotypes()).collect();
        w.push(&m.select_haplotypes(&rest).unwrap()).unwrap();
        w.finish().unwrap();
        assert_eq!(
            bytes(&dir.path().join("s").join(index)),
            bytes(&dir.path().join("ref").join(index))
        );
    }
}

#[test]
fn packed_words_with_dirty_tail_bits_are_cleaned() {
    let m = matrix(4, 3);
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("ref.vcf");
    write(&reference, &m, &options()).unwrap();
    let mut words = m.words().to_vec();
    let wpr = m.words_per_row();
    for row in words.chunks_exact_mut(wpr) {
        row[wpr - 1] |= !0 << (150 % 64); // bits past site 150
    }
    let out = dir.path().join("s.vcf");
    let mut w =
        StreamWriter::create(&out, m.sites().clone(), m.samples().to_vec(), &options()).unwrap();
    w.set_spill_rows(2);
    w.push_words(&words).unwrap();
    w.finish().unwrap();
    assert_eq!(bytes(&out), bytes(&reference));
}

#[test]
fn wrong_row_counts_and_sites_are_refused_and_leave_nothing() {
    let m = matrix(4, 3);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.bcf");
    let new =
        || StreamWriter::create(&out, m.sites().clone(), m.samples().to_vec(), &options()).unwrap();
    // Too few rows at finish.
    let mut w = new();
    w.push(&m.select_haplotypes(&[0, 1]).unwrap()).unwrap();
    let err = w.finish().unwrap_err();
    assert!(err.to_string().contains("2 rows pushed"), "{err}");
    // Too many rows.
    let mut w = new();
    w.push(&m).unwrap();
    let err = w.push(&m.select_haplotypes(&[0]).unwrap()).unwrap_err();
    assert!(err.to_string().contains("samples take"), "{err}");
    drop(w);
    // Other sites.
    let mut w = new();
    let fewer = m.select_sites(&[0, 1, 2]).unwrap();
    assert!(w.push(&fewer).is_err());
    // Not whole rows.
    assert!(w.push_words(&[0; 4]).is_err());
    drop(w);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn stop_flag_interrupts_and_leaves_nothing() {
    let m = matrix(6, 1);
    let dir = tempfile::tempdir().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let options = WriteOptions {
        stop: Some(stop.clone()),
        ..options()
    };
    for name in ["x.vcf.gz", "x.hapt"] {
        let out = dir.path().join(name);
        let mut w =
            StreamWriter::create(&out, m.sites().clone(), m.samples().to_vec(), &options).unwrap();
        w.push(&m.select_haplotypes(&[0, 1]).unwrap()).unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let err = w.push(&m.select_haplotypes(&[2]).unwrap()).unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Interrupted), "{err}");
        drop(w);
        stop.store(false, std::sync::atomic::Ordering::Relaxed);
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn create_refuses_what_write_refuses() {
    let m = matrix(3, 1);
    let dir = tempfile::tempdir().unwrap();
    let mut twice = m.samples().to_vec();
    twice[1].name = twice[0].name.clone();
    let err = StreamWriter::create(
        &dir.path().join("x.vcf"),
        m.sites().clone(),
        twice,
        &options(),
    )
    .err()
    .expect("repeated names refused");
    assert!(err.to_string().contains("repeated"), "{err}");
    let indexed = WriteOptions {
        write_index: true,
        ..options()
    };
    assert!(
        StreamWriter::create(
            Path::new("-"),
            m.sites().clone(),
            m.samples().to_vec(),
            &indexed
        )
        .is_err()
    );
    assert!(
        StreamWriter::create(
            &dir.path().join("x.txt"),
            m.sites().clone(),
            m.samples().to_vec(),
            &options()
        )
        .is_err()
    );
}
