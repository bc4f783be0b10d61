//! Phased PLINK 2 output (`-O p`, `.pgen`) read by the reference, plink2: its allele
//! frequencies and counts equal genosynth's, and `plink2 --export vcf` gives back every phased
//! genotype. Skipped with a message without plink2 (failing instead under
//! `GENOSYNTH_REQUIRE_PLINK2=1`, as `.ci/run` sets) or without `../shared` data (failing under
//! `GENOSYNTH_REQUIRE_SHARED=1`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use genosynth_core::HaplotypeMatrix;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `plink2 ARGS --out OUT` (small memory, one thread: quiet on any machine); returns `OUT`.
fn plink2(args: &[&str], out: &Path) -> PathBuf {
    run_ok(
        Command::new("plink2")
            .args(args)
            .args(["--memory", "1024", "--threads", "1", "--out"])
            .arg(out),
    );
    out.to_path_buf()
}

fn read_matrix(path: &Path) -> HaplotypeMatrix {
    genosynth_vcf::read(path, &genosynth_vcf::ReadOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .matrix
}

/// The body lines of a `plink2` table, split into fields (header checked).
fn table(path: &Path, header: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{}", path.display());
    lines
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// CHROM, POS, ID, REF, ALT and the GT strings of every record of a VCF (text or gzip).
fn genotype_lines(vcf: &Path) -> Vec<String> {
    sh(&format!("gzip -dcf '{}'", s(vcf)))
        .lines()
        .filter(|l| !l.starts_with("##"))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let mut kept = f[..5].to_vec();
            kept.extend_from_slice(&f[9..]);
            kept.join("\t")
        })
        .collect()
}

#[test]
fn thousand_genomes_pgen_matches_plink2_frequencies_and_phased_export() {
    let Some(input) = shared_data("805_SNP_1000G_real.train.vcf.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pgen = dir.path().join("real.pgen");
    genosynth_ok(&["convert", s(&input), "-o", s(&pgen), "-q"]);
    assert_eq!(
        dir_entries(dir.path()),
        ["real.pgen", "real.psam", "real.pvar"]
    );
    let pvar = std::fs::read_to_string(dir.path().join("real.pvar")).unwrap();
    assert!(pvar.starts_with("##source=genosynth "), "{pvar}");
    assert!(pvar.contains("\n##genosynthCommand="), "{pvar}");
    assert!(pvar.contains(
        "\n##contig=<ID=1,length=249240544>\n#CHROM\tPOS\tID\tREF\tALT\n1\t1\trs0\tA\tG\n"
    ));
    let psam = std::fs::read_to_string(dir.path().join("real.psam")).unwrap();
    assert!(psam.starts_with("#IID\tSEX\ntrain_0000\tNA\n"), "{psam}");
    assert_eq!(psam.lines().count(), 1 + 1252);
    if !has_plink2() {
        return;
    }
    let prefix = dir.path().join("real");
    let work = tempfile::tempdir().unwrap();
    plink2(
        &["--pfile", s(&prefix), "--validate"],
        &work.path().join("v"),
    );

    let ours = read_matrix(&input);
    let sites = ours.sites().as_slice();
    let frequencies = ours.allele_frequencies();
    let afreq = plink2(&["--pfile", s(&prefix), "--freq"], &work.path().join("f"));
    let rows = table(
        &afreq.with_extension("afreq"),
        "#CHROM\tID\tREF\tALT\tALT_FREQS\tOBS_CT",
    );
    assert_eq!(rows.len(), 805);
    for ((row, site), ours) in rows.iter().zip(sites).zip(&frequencies) {
        let id = site.id.as_deref().unwrap_or(".");
        assert_eq!(
            row[..4],
            [&site.chrom, id, &site.reference, &site.alternate]
        );
        // plink2 prints six significant digits.
        let theirs: f64 = row[4].parse().unwrap();
        assert!(
            (theirs - ours).abs() <= 5e-6 * ours.max(1e-3),
            "{site}: plink2 {theirs}, genosynth {ours}"
        );
        assert_eq!(row[5], "2504", "{site}: observed alleles");
    }
    let counts = plink2(
        &["--pfile", s(&prefix), "--freq", "counts"],
        &work.path().join("c"),
    );
    let rows = table(
        &counts.with_extension("acount"),
        "#CHROM\tID\tREF\tALT\tALT_CTS\tOBS_CT",
    );
    let theirs: Vec<u32> = rows.iter().map(|r| r[4].parse().unwrap()).collect();
    assert_eq!(theirs, ours.allele_counts());

    let back = plink2(
        &["--pfile", s(&prefix), "--export", "vcf"],
        &work.path().join("back"),
    )
    .with_extension("vcf");
    assert_eq!(genotype_lines(&back), genotype_lines(&input));
    assert_eq!(read_matrix(&back), ours);
}

/// A 2-epoch RBM on the bundled example.
fn train_small(dir: &Path) -> PathBuf {
    let model = dir.join("rbm");
    run_ok(
        genosynth()
            .arg("train")
            .arg(example_vcf())
            .args(["--model", "rbm", "--epochs", "2", "--gibbs-steps", "2"])
            .args(["--device", "cpu", "-q", "-o"])
            .arg(&model),
    );
    model
}

#[test]
fn generate_and_synth_write_pgen_by_letter_or_extension() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_small(dir.path());
    let out = tempfile::tempdir().unwrap();
    let generate = |extra: &[&str], output: &Path| {
        run_ok(
            genosynth()
                .arg("generate")
                .arg(&model)
                .args(["-n", "20", "--seed", "5", "--device", "cpu", "-q"])
                .args(extra)
                .arg("-o")
                .arg(output),
        )
    };
    let vcf = out.path().join("a.vcf");
    generate(&[], &vcf);
    generate(&["-O", "p"], &out.path().join("a.pgen"));
    generate(&[], &out.path().join("b.pgen"));
    assert_eq!(
        dir_entries(out.path()),
        [
            "a.pgen", "a.psam", "a.pvar", "a.vcf", "b.pgen", "b.psam", "b.pvar"
        ]
    );
    assert_eq!(
        std::fs::read(out.path().join("a.pgen")).unwrap(),
        std::fs::read(out.path().join("b.pgen")).unwrap()
    );
    let pvar = std::fs::read_to_string(out.path().join("a.pvar")).unwrap();
    assert!(pvar.contains("\n##genosynthSeed=5\n"), "{pvar}");
    assert!(
        pvar.contains("\n##genosynthModel=<ID=model,kind=rbm,"),
        "{pvar}"
    );
    let psam = std::fs::read_to_string(out.path().join("a.psam")).unwrap();
    assert!(psam.starts_with("#IID\tSEX\nAG_000001\tNA\n"), "{psam}");
    assert_eq!(psam.lines().count(), 1 + 10);

    let ags = out.path().join("ags.pgen");
    run_ok(
        genosynth()
            .arg("synth")
            .arg(example_vcf())
            .args(["--preset", "quick", "--model", "rbm", "--epochs", "1"])
            .args(["-n", "10", "--device", "cpu", "-q", "-O", "p", "-o"])
            .arg(&ags),
    );
    for f in ["ags.pgen", "ags.pvar", "ags.psam"] {
        assert!(out.path().join(f).is_file(), "{f}");
    }
    if !has_plink2() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let back = plink2(
        &["--pfile", s(&out.path().join("a")), "--export", "vcf"],
        &work.path().join("a"),
    )
    .with_extension("vcf");
    assert_eq!(genotype_lines(&back), genotype_lines(&vcf));
    assert_eq!(read_matrix(&back), read_matrix(&vcf));
    plink2(
        &["--pfile", s(&out.path().join("ags")), "--validate"],
        &work.path().join("v"),
    );
}

#[test]
fn pgen_output_needs_a_pgen_name_and_no_index() {
    let dir = tempfile::tempdir().unwrap();
    let fails = |args: &[&str], message: &str| {
        let out = genosynth().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    };
    let example = example_vcf();
    let vcf_name = dir.path().join("out.vcf");
    let pgen_name = dir.path().join("out.pgen");
    fails(
        &["convert", s(&example), "-O", "p", "-o", s(&vcf_name)],
        "name it X.pgen (X.pvar and X.psam are written beside it)",
    );
    fails(&["convert", s(&example), "-O", "p"], "not stdout");
    fails(
        &["convert", s(&example), "-o", s(&pgen_name), "--write-index"],
        "PLINK 2 output cannot be indexed",
    );
    // synth refuses before training.
    fails(
        &[
            "synth",
            s(&example),
            "-O",
            "p",
            "-o",
            s(&dir.path().join("ags")),
        ],
        "ags: cannot write: PLINK 2 output is three files: name it X.pgen",
    );
    fails(&["convert", s(&example), "-O", "x"], "p (PLINK 2 .pgen)");
    assert!(dir_entries(dir.path()).is_empty());
}
