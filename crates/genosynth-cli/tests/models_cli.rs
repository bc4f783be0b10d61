//! End-to-end tests of `genosynth train | generate | synth` on the bundled 805-SNP example.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{
    example_vcf as example, genosynth, has_bcftools as bcftools_available, run_ok as run,
};

fn bcftools(args: &[&str], file: &Path) -> String {
    let out = Command::new("bcftools")
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "bcftools {args:?} {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A 2-epoch RBM (cheap) on the example.
fn train_small(dir: &Path) -> PathBuf {
    let model = dir.join("rbm");
    let out = run(genosynth()
        .arg("train")
        .arg(example())
        .args([
            "--model",
            "rbm",
            "--epochs",
            "2",
            "--gibbs-steps",
            "2",
            "--device",
            "cpu",
        ])
        .args(["--save-every", "1", "-o"])
        .arg(&model));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("device: cpu ("), "{stderr}");
    assert!(stderr.contains("trained 2 epochs"), "{stderr}");
    model
}

#[test]
fn train_writes_a_checkpoint_and_resume_continues_it() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_small(dir.path());
    for f in [
        "model.safetensors",
        "optimizer.safetensors",
        "model.json",
        "history.jsonl",
    ] {
        assert!(model.join(f).is_file(), "{f} missing");
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("model.json")).unwrap()).unwrap();
    assert_eq!(meta["model"]["kind"], "rbm");
    assert_eq!(meta["epochs_done"], 2);
    assert_eq!(meta["model"]["gibbs_steps"], 2);
    assert_eq!(meta["sites"].as_array().unwrap().len(), 805);
    assert_eq!(meta["training"]["n_haplotypes"], 2504);
    let history = std::fs::read_to_string(model.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 2);

    // Without --resume an existing model is not overwritten.
    let out = genosynth()
        .arg("train")
        .arg(example())
        .args(["--model", "rbm", "--epochs", "3", "-o"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resume"));

    // A resuming command that asks for other hyperparameters or another seed is refused,
    // naming them, and the checkpoint is left as it was.
    for (asked, named) in [
        (
            ["--model", "rbm", "--gibbs-steps", "5"],
            "gibbs_steps 5 (model.json: 2)",
        ),
        (
            ["--model", "rbm", "--seed", "7"],
            "--seed 7 (model.json: 42)",
        ),
        (
            ["--model", "hclt", "--save-every", "1"],
            "--model hclt (model.json: rbm)",
        ),
    ] {
        let out = genosynth()
            .arg("train")
            .arg(example())
            .args(asked)
            .args(["--epochs", "3", "--device", "cpu", "--resume", "-o"])
            .arg(&model)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{asked:?}: {stderr}");
        assert!(stderr.contains(named), "{asked:?}: {stderr}");
        assert!(stderr.contains("another directory"), "{stderr}");
    }
    let history = std::fs::read_to_string(model.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 2);

    // Left at their defaults, or given as recorded, the flags are no conflict.
    run(genosynth()
        .arg("train")
        .arg(example())
        .args([
            "--model", "rbm", "--epochs", "3", "--device", "cpu", "--resume", "-o",
        ])
        .arg(&model));
    run(genosynth()
        .arg("train")
        .arg(example())
        .args(["--model", "rbm", "--gibbs-steps", "2", "--epochs", "4"])
        .args(["--device", "cpu", "--resume", "-o"])
        .arg(&model));
    let history = std::fs::read_to_string(model.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 4);
}

#[test]
fn generate_is_seeded_and_bcftools_reads_it_at_the_checkpoint_sites() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_small(dir.path());
    let generate = |seed: &str, name: &str| {
        let path = dir.path().join(name);
        run(genosynth()
            .arg("generate")
            .arg(&model)
            .args(["-n", "20", "--seed", seed, "--device", "cpu", "-o"])
            .arg(&path));
        path
    };
    let a = generate("3", "a.vcf.gz");
    let b = generate("3", "b.vcf.gz");
    let c = generate("4", "c.vcf.gz");
    if !bcftools_available() {
        return;
    }
    let gts = |p: &Path| bcftools(&["query", "-f", "[%GT ]\\n"], p);
    assert_eq!(gts(&a), gts(&b), "same seed, same AGs");
    assert_ne!(gts(&a), gts(&c), "another seed, other AGs");
    assert!(
        gts(&a).lines().next().unwrap().contains('|'),
        "phased genotypes"
    );

    let sites = |p: &Path| bcftools(&["query", "-f", "%CHROM:%POS:%REF:%ALT\\n"], p);
    assert_eq!(sites(&a), sites(&example()));
    let samples = bcftools(&["query", "-l"], &a);
    assert_eq!(samples.lines().count(), 10);
    assert_eq!(samples.lines().next(), Some("AG_000001"));
    let header = bcftools(&["view", "-h"], &a);
    assert!(
        header.contains("##genosynthModel=<ID=model,kind=rbm,epochs=2,"),
        "{header}"
    );
    assert!(header.contains("##genosynthSeed=3"), "{header}");
    bcftools(
        &[
            "view",
            "-Ob",
            "-o",
            dir.path().join("x.bcf").to_str().unwrap(),
        ],
        &a,
    );

    // Haploid output: one sample per haplotype.
    let h = dir.path().join("h.vcf");
    run(genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "5", "--ploidy", "1", "-O", "v", "-o"])
        .arg(&h));
    assert_eq!(bcftools(&["query", "-l"], &h).lines().count(), 5);

    // Another sample name prefix: the same AGs under names that can share a file with others'.
    let p = dir.path().join("p.vcf");
    run(genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "5", "--ploidy", "1", "--sample-prefix", "AG_EUR_"])
        .args(["-O", "v", "-o"])
        .arg(&p));
    let names = bcftools(&["query", "-l"], &p);
    assert_eq!(names.lines().next(), Some("AG_EUR_000001"));
    assert_eq!(gts(&p), gts(&h));
    let bad = genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "4", "--sample-prefix", "AG EUR", "-o"])
        .arg(dir.path().join("bad.vcf"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "{stderr}");
    assert!(stderr.contains("sample name prefix"), "{stderr}");
    assert!(!dir.path().join("bad.vcf").exists(), "no partial output");
}

#[test]
fn generate_streams_chunks_into_indexed_vcf_and_bcf() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_small(dir.path());
    let generate = |chunk: &str, name: &str| {
        let path = dir.path().join(name);
        run(genosynth()
            .arg("generate")
            .arg(&model)
            .args([
                "-n",
                "22",
                "--seed",
                "5",
                "--device",
                "cpu",
                "--write-index",
            ])
            .args(["--chunk", chunk, "-o"])
            .arg(&path));
        path
    };
    // 22 haplotypes in chunks of 3 (the last of 1) and of 1; one chunk of 22 either way.
    let vcf = generate("3", "a.vcf.gz");
    let bcf = generate("1", "a.bcf");
    let whole = generate("22", "w.vcf.gz");
    let whole_again = generate("1000", "w2.vcf.gz");
    assert!(dir.path().join("a.vcf.gz.tbi").is_file());
    assert!(dir.path().join("a.bcf.csi").is_file());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".genosynth-"))
        .collect();
    assert!(leftovers.is_empty(), "spill files left: {leftovers:?}");

    // Chunk 0 is refused before anything is written.
    let out = genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "4", "--chunk", "0", "-o"])
        .arg(dir.path().join("zero.vcf.gz"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--chunk"), "{stderr}");
    assert!(!dir.path().join("zero.vcf.gz").exists());

    if !bcftools_available() {
        return;
    }
    for file in [&vcf, &bcf] {
        let samples = bcftools(&["query", "-l"], file);
        assert_eq!(samples.lines().count(), 11, "{}", file.display());
        assert_eq!(samples.lines().last(), Some("AG_000011"));
        // The index answers: every record counted, a region query works.
        let counted = bcftools(&["index", "-n"], file);
        assert_eq!(counted.trim(), "805", "{}", file.display());
        let region = bcftools(&["view", "-H", "-r", "1"], file);
        assert_eq!(region.lines().count(), 805);
    }
    let gts = |p: &Path| bcftools(&["query", "-f", "[%GT ]\\n"], p);
    assert_eq!(gts(&whole), gts(&whole_again), "a single chunk is one draw");
    assert_eq!(
        gts(&vcf),
        gts(&generate("3", "again.vcf.gz")),
        "same seed and chunk"
    );
    // INFO/AC, computed over every chunk's slice of a site, counts that site's ALT calls.
    for line in bcftools(&["query", "-f", "%INFO/AC\\t[%GT ]\\n"], &vcf).lines() {
        let (ac, gts) = line.split_once('\t').unwrap();
        let alts = gts.chars().filter(|&c| c == '1').count();
        assert_eq!(ac.parse::<usize>().unwrap(), alts, "{line}");
    }
}

#[test]
fn synth_trains_generates_and_reports_fidelity() {
    let dir = tempfile::tempdir().unwrap();
    let ags = dir.path().join("ags.bcf");
    let out = run(genosynth()
        .arg("synth")
        .arg(example())
        .args([
            "--model", "gan", "--epochs", "1", "-n", "100", "--device", "cpu", "-o",
        ])
        .arg(&ags));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("allele-frequency r = "), "{stderr}");
    assert!(stderr.contains("LD r² correlation (median of "), "{stderr}");
    // The evaluation's summary is printed without --report too (no report files then).
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("aa_truth"), "{stdout}");
    assert!(stdout.contains("AATS halves: "), "{stdout}");
    assert!(stdout.contains("verdict: "), "{stdout}");
    assert!(ags.is_file());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the AGs are written"
    );
    if bcftools_available() {
        assert_eq!(bcftools(&["query", "-l"], &ags).lines().count(), 50);
    }
}

/// The quick preset starts the RBM's weights at 0.1 unless `--init-std` says otherwise; the
/// checkpoint records which.
#[test]
fn synth_quick_preset_sets_the_rbm_initial_weights_unless_given() {
    let dir = tempfile::tempdir().unwrap();
    let init_std = |name: &str, extra: &[&str]| -> f64 {
        let model = dir.path().join(name);
        run(genosynth()
            .arg("synth")
            .arg(example())
            .args([
                "--preset", "quick", "--model", "rbm", "--epochs", "1", "-n", "10", "--device",
                "cpu",
            ])
            .args(extra)
            .arg("--model-dir")
            .arg(&model)
            .arg("-o")
            .arg(dir.path().join(format!("{name}.vcf"))));
        let text = std::fs::read_to_string(model.join("model.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        fn find(v: &serde_json::Value) -> Option<f64> {
            match v {
                serde_json::Value::Object(map) => map
                    .get("init_std")
                    .and_then(serde_json::Value::as_f64)
                    .or_else(|| map.values().find_map(find)),
                _ => None,
            }
        }
        find(&json).expect("model.json records init_std")
    };
    assert!((init_std("quick", &[]) - 0.1).abs() < 1e-7);
    assert!((init_std("given", &["--init-std", "0.0001"]) - 1e-4).abs() < 1e-9);
}

#[test]
fn bad_model_directories_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = genosynth()
        .arg("generate")
        .arg(dir.path())
        .args(["-n", "4", "-o"])
        .arg(dir.path().join("x.vcf"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("model.json is missing"), "{stderr}");

    let model = train_small(dir.path());
    std::fs::write(model.join("model.safetensors"), b"garbage").unwrap();
    let out = genosynth()
        .arg("generate")
        .arg(&model)
        .args(["-n", "4", "-o"])
        .arg(dir.path().join("x.vcf"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("model.safetensors is unreadable"),
        "{stderr}"
    );
    assert!(!dir.path().join("x.vcf").exists(), "no output on error");

    let out = genosynth()
        .arg("train")
        .arg(example())
        .args(["--device", "tpu", "-o"])
        .arg(dir.path().join("m2"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("device tpu"));
}
