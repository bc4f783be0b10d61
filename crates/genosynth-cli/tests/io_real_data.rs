//! End-to-end I/O on the real 1000 Genomes files in `../shared/data/1000g/` (skipped with a
//! message when absent), compared with bcftools (skipped with a message when not installed).

mod common;

use std::io::Read;
use std::path::Path;
use std::process::Stdio;

use common::*;

const REGION: &str = "1:48600000-48700000";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn info_json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["info", "--json", s(path)];
    args.extend_from_slice(extra);
    serde_json::from_slice(&genosynth_ok(&args).stdout).unwrap()
}

fn count_lines(text: &str) -> usize {
    text.lines().count()
}

#[test]
fn thousand_genomes_805_counts_and_allele_counts_match_bcftools() {
    let Some(input) = shared_data("805_SNP_1000G_real.train.vcf.gz") else {
        return;
    };
    let info = info_json(&input, &[]);
    assert_eq!(info["records"], 805);
    assert_eq!(info["sites"], 805);
    assert_eq!(info["samples"], 1252);
    assert_eq!(info["haplotypes"], 2504);
    assert_eq!(info["phased_fraction"], 1.0);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.vcf");
    genosynth_ok(&["convert", s(&input), "-o", s(&out), "-q"]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("##fileformat=VCFv4.3\n"));
    assert!(text.contains("\n##source=genosynth "));
    assert!(text.contains("\n##genosynthCommand="));
    assert!(text.contains("\n##contig=<ID=1,length=249240544>\n"));
    if !has_bcftools() {
        return;
    }
    let ours = bcftools_clean(&["query", "-f", "%AC\t%AN\n", s(&out)]);
    let reference = sh(&format!(
        "bcftools +fill-tags {} -- -t AC,AN | bcftools query -f '%AC\\t%AN\\n'",
        s(&input)
    ));
    assert_eq!(count_lines(&ours), 805);
    assert_eq!(ours, reference);
    assert_eq!(bcftools_gts(&out), bcftools_gts(&input));
}

#[test]
fn agbl4_policies_match_bcftools_counts() {
    let Some(input) = shared_data("AGBL4.train.vcf.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.bcf");

    // Default: the first multiallelic record stops reading, and nothing is written.
    let result = genosynth()
        .args(["convert", s(&input), "-o", s(&out)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(
        stderr.contains("record 1:48538716: multiallelic record (ALT A,T)"),
        "{stderr}"
    );
    assert!(!out.exists());

    let info = info_json(&input, &[]);
    assert_eq!(info["records"], 4531);
    assert_eq!(info["multiallelic_records"], 60);
    if !has_bcftools() {
        return;
    }
    let f = s(&input);
    let cases: [(&[&str], String); 4] = [
        (
            &["--multiallelic", "split"],
            format!("bcftools norm -m- {f} | bcftools view -H"),
        ),
        (
            &["--multiallelic", "drop"],
            format!("bcftools view -H -m2 -M2 {f}"),
        ),
        (
            &["--multiallelic", "split", "--snps-only"],
            format!("bcftools norm -m- {f} | bcftools view -H -v snps"),
        ),
        (
            &["--multiallelic", "drop", "--snps-only"],
            format!("bcftools view -H -m2 -M2 -v snps {f}"),
        ),
    ];
    for (flags, bcftools) in cases {
        let mut args = vec!["convert", f, "-o", s(&out), "-q"];
        args.extend_from_slice(flags);
        genosynth_ok(&args);
        let ours = bcftools_gts(&out);
        let expected = sh(&format!("{bcftools} 2>/dev/null | wc -l"));
        assert_eq!(
            count_lines(&ours),
            expected.trim().parse::<usize>().unwrap(),
            "{flags:?}"
        );
    }
    // Split genotypes equal bcftools norm -m-, record by record.
    genosynth_ok(&["convert", f, "-o", s(&out), "-q", "--multiallelic", "split"]);
    let reference = sh(&format!(
        "bcftools norm -m- {f} 2>/dev/null | bcftools query -f '%CHROM:%POS:%REF:%ALT[\\t%GT]\\n'"
    ));
    assert_eq!(bcftools_gts(&out), reference);
}

#[test]
fn round_trip_through_every_format_keeps_every_genotype() {
    let Some(input) = shared_data("AGBL4.train.vcf.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    let steps = [
        (
            s(&input).to_string(),
            p("a.bcf"),
            vec!["--multiallelic", "split", "--write-index"],
        ),
        (
            s(&p("a.bcf")).to_string(),
            p("b.vcf.gz"),
            vec!["--write-index"],
        ),
        (s(&p("b.vcf.gz")).to_string(), p("c.hapt"), vec![]),
        (s(&p("c.hapt")).to_string(), p("d.vcf"), vec![]),
        (
            s(&p("d.vcf")).to_string(),
            p("e.bcf"),
            vec!["-O", "u", "--write-index"],
        ),
    ];
    for (from, to, flags) in &steps {
        let mut args = vec!["convert", from.as_str(), "-o", s(to), "-q"];
        args.extend(flags.iter().copied());
        genosynth_ok(&args);
    }
    assert!(p("a.bcf.csi").exists() && p("b.vcf.gz.tbi").exists() && p("e.bcf.csi").exists());
    assert!(p("c.sites").exists(), ".hapt writes its sites beside it");
    // The .hapt step keeps genotypes and sites: reading it back equals the BCF.
    let hapt = info_json(&p("c.hapt"), &[]);
    assert_eq!(hapt["sites"], 4594);
    assert_eq!(hapt["haplotypes"], 2504);
    if !has_bcftools() {
        return;
    }
    let reference = sh(&format!(
        "bcftools norm -m- {} 2>/dev/null | bcftools query -f '%CHROM:%POS:%REF:%ALT[\\t%GT]\\n'",
        s(&input)
    ));
    for file in ["a.bcf", "b.vcf.gz", "d.vcf", "e.bcf"] {
        assert_eq!(bcftools_gts(&p(file)), reference, "{file}");
    }
    // Our indexes answer region queries like freshly built ones, and rebuilding them is clean.
    for file in ["a.bcf", "b.vcf.gz", "e.bcf"] {
        let via_ours = bcftools_clean(&["view", "-H", "-r", REGION, s(&p(file))]);
        let streamed = bcftools_clean(&["view", "-H", "-t", REGION, s(&p(file))]);
        assert!(count_lines(&via_ours) > 100);
        assert_eq!(via_ours, streamed, "{file}");
    }
    bcftools_clean(&["index", "-f", s(&p("a.bcf"))]);
    bcftools_clean(&["index", "-f", s(&p("e.bcf"))]);
    run_ok(std::process::Command::new("tabix").args(["-f", "-p", "vcf", s(&p("b.vcf.gz"))]));
}

#[test]
fn regions_and_samples_match_bcftools() {
    let Some(input) = shared_data("AGBL4.train.vcf.gz") else {
        return;
    };
    if !has_bcftools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.vcf.gz");
    let samples_file = dir.path().join("samples.txt");
    std::fs::write(&samples_file, "train_0003\ntrain_0001\n").unwrap();
    let exclude = format!("^{}", s(&samples_file));
    let regions_file = dir.path().join("regions.tsv");
    std::fs::write(
        &regions_file,
        "1\t48550000\t48600000\n1\t49000000\t49100000\n",
    )
    .unwrap();
    let regions_file = s(&regions_file).to_string();
    let cases: [(&[&str], &[&str]); 4] = [
        (&["-R", &regions_file], &["-R", &regions_file]),
        (&["-r", REGION], &["-r", REGION]),
        (
            &["-r", REGION, "-s", "train_0005,train_0002"],
            &["-r", REGION, "-s", "train_0005,train_0002"],
        ),
        (
            &[
                "-r",
                "1:48500000-48600000,1:48900000-49000000",
                "-S",
                &exclude,
            ],
            &[
                "-r",
                "1:48500000-48600000,1:48900000-49000000",
                "-S",
                &exclude,
            ],
        ),
    ];
    for (ours, theirs) in cases {
        let mut args = vec![
            "convert",
            s(&input),
            "-o",
            s(&out),
            "-q",
            "--multiallelic",
            "drop",
        ];
        args.extend_from_slice(ours);
        genosynth_ok(&args);
        let mut b = vec!["view", "-m2", "-M2"];
        b.extend_from_slice(theirs);
        b.push(s(&input));
        let reference = sh(&format!(
            "bcftools {} | bcftools query -f '%CHROM:%POS:%REF:%ALT[\\t%GT]\\n'",
            b.join(" ")
        ));
        let got = bcftools_gts(&out);
        assert!(count_lines(&got) > 50, "{ours:?}");
        assert_eq!(got, reference, "{ours:?}");
    }
}

#[test]
fn stdin_input_and_closed_stdout_are_quiet() {
    let input = example_vcf();
    // `-` reads stdin, detecting BGZF from the bytes.
    let file = std::fs::File::open(&input).unwrap();
    let out = run_ok(
        genosynth()
            .args(["convert", "-", "-O", "v", "-o", "-", "-q"])
            .stdin(file),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 805);
    // A reader that stops early (`| head`) does not make genosynth report an error.
    let mut child = genosynth()
        .args(["convert", s(&input), "-O", "v", "-o", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn split_is_by_individual_seeded_and_stratified() {
    let input = example_vcf();
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    // A synthetic panel: every third sample in a small population.
    let names = genosynth_ok(&["convert", s(&input), "-O", "v", "-o", "-", "-q"]).stdout;
    let header = String::from_utf8(names).unwrap();
    let chrom_line = header
        .lines()
        .find(|l| l.starts_with("#CHROM"))
        .unwrap()
        .to_string();
    let samples: Vec<&str> = chrom_line.split('\t').skip(9).collect();
    let panel: String = std::iter::once("sample\tpop\tsuper_pop\tgender\n".to_string())
        .chain(samples.iter().enumerate().map(|(i, n)| {
            format!(
                "{n}\t{}\tX\tmale\n",
                if i % 3 == 0 { "SMALL" } else { "BIG" }
            )
        }))
        .collect();
    std::fs::write(p("panel.tsv"), panel).unwrap();
    for run in ["1", "2"] {
        genosynth_ok(&[
            "split",
            s(&input),
            "--train-fraction",
            "0.8",
            "--seed",
            "42",
            "-o",
            s(&p(&format!("train{run}.vcf.gz"))),
            "--holdout-out",
            s(&p(&format!("hold{run}.bcf"))),
            "--panel",
            s(&p("panel.tsv")),
            "--write-index",
            "-q",
        ]);
    }
    let sample_names = |f: &str| -> Vec<String> {
        let header = genosynth_ok(&["convert", s(&p(f)), "-O", "v", "-o", "-", "-q"]).stdout;
        let header = String::from_utf8(header).unwrap();
        let line = header.lines().find(|l| l.starts_with("#CHROM")).unwrap();
        line.split('\t').skip(9).map(str::to_string).collect()
    };
    let (train, hold) = (sample_names("train1.vcf.gz"), sample_names("hold1.bcf"));
    assert_eq!(
        train,
        sample_names("train2.vcf.gz"),
        "same seed, same split"
    );
    assert_eq!(hold, sample_names("hold2.bcf"));
    assert_eq!(train.len() + hold.len(), 1252);
    assert!(train.iter().all(|t| !hold.contains(t)));
    let small = |list: &[String]| {
        list.iter()
            .filter(|n| samples.iter().position(|s| s == n).unwrap() % 3 == 0)
            .count()
    };
    assert_eq!(
        small(&train),
        (418.0f64 * 0.8).round() as usize,
        "stratified by population"
    );
    assert!(p("train1.vcf.gz.tbi").exists() && p("hold1.bcf.csi").exists());
}

#[test]
fn info_example_works_on_a_fresh_clone() {
    let out = genosynth_ok(&["info", "--example"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("samples               1252"), "{text}");
    assert!(text.contains("haplotypes            2504"), "{text}");
    assert!(text.contains("805 biallelic"), "{text}");
}
