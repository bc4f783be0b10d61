//! `--reference-frequency-weight` from the command line: borrow by default, a weight recorded in
//! model.json, the AGs' frequencies following the training people's, and a bad value refused.

use std::path::Path;
use std::process::Output;

mod common;

use common::{example_vcf as example, genosynth, json, split_example};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A quick `synth` of an HCLT on `input` borrowing from `reference` at weight 8, with `extra`
/// flags, into `dir/NAME.vcf` (model kept in `dir/NAME`).
fn synth(input: &Path, reference: &Path, dir: &Path, name: &str, extra: &[&str]) -> Output {
    genosynth()
        .arg("synth")
        .arg(input)
        .args(["--model", "hclt", "--hclt-states", "4", "--epochs", "6"])
        .args(["--validate-every", "3", "--device", "cpu", "--seed", "3"])
        .args(["--reference-weight", "8", "--haplotypes", "2000"])
        .args([
            "--accept-privacy-risk",
            "--min-distance",
            "0",
            "--reference",
        ])
        .arg(reference)
        .arg("--model-dir")
        .arg(dir.join(name))
        .args(extra)
        .arg("-o")
        .arg(dir.join(format!("{name}.vcf")))
        .output()
        .unwrap()
}

/// Alternate-allele frequency per site of a plain VCF's haplotypes (GT only, biallelic).
fn frequencies(vcf: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(vcf).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let calls: Vec<&str> = l.split('\t').skip(9).collect();
            let alt = calls.iter().map(|c| c.matches('1').count()).sum::<usize>();
            alt as f64 / (2 * calls.len()) as f64
        })
        .collect()
}

fn mean_abs(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64
}

#[test]
fn own_frequencies_follow_the_training_people_and_borrow_follows_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("own.vcf");
    let people = dir.path().join("rest.vcf");
    split_example("0.07", "1", &own, &people);
    // Another population: the other people with every second site's alleles swapped, so
    // the two differ in frequency (1 - f against f) with the same linkage.
    let text = std::fs::read_to_string(&people).unwrap();
    let mut site = 0;
    let swapped: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                return l.to_string();
            }
            site += 1;
            if site % 2 == 1 {
                return l.to_string();
            }
            let mut fields: Vec<String> = l.split('\t').map(str::to_string).collect();
            for call in &mut fields[9..] {
                *call = call.replace('0', "x").replace('1', "0").replace('x', "1");
            }
            fields.join("\t")
        })
        .collect();
    let rest = dir.path().join("other.vcf");
    std::fs::write(&rest, swapped.join("\n") + "\n").unwrap();
    let f_own = frequencies(&own);
    let f_ref = frequencies(&rest);
    let gap = mean_abs(&f_own, &f_ref);
    assert!(gap > 0.15, "the two groups differ: {gap}");

    let borrow = synth(&own, &rest, dir.path(), "borrow", &[]);
    assert!(borrow.status.success(), "{}", stderr(&borrow));
    let model = &json(&dir.path().join("borrow/model.json"))["model"];
    assert!(
        model["frequency_weight"].is_null(),
        "borrow is the default: {model}"
    );
    let kept = synth(
        &own,
        &rest,
        dir.path(),
        "own",
        &["--reference-frequency-weight", "0"],
    );
    assert!(kept.status.success(), "{}", stderr(&kept));
    let model = &json(&dir.path().join("own/model.json"))["model"];
    assert_eq!(model["frequency_weight"], 0.0, "{model}");

    let borrowed = frequencies(&dir.path().join("borrow.vcf"));
    let owned = frequencies(&dir.path().join("own.vcf"));
    let (b_own, b_ref) = (mean_abs(&borrowed, &f_own), mean_abs(&borrowed, &f_ref));
    let (o_own, o_ref) = (mean_abs(&owned, &f_own), mean_abs(&owned, &f_ref));
    eprintln!(
        "borrow: {b_own:.3} from own, {b_ref:.3} from reference; own: {o_own:.3}, {o_ref:.3}"
    );
    // At weight 8 borrowed frequencies sit near the reference's; kept ones near the people's.
    assert!(b_ref < b_own, "borrow {b_ref} vs {b_own}");
    assert!(o_own < o_ref, "own {o_own} vs {o_ref}");
    assert!(o_own < 0.5 * b_own, "own {o_own} vs borrow {b_own}");
}

#[test]
fn a_bad_frequency_weight_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["-0.5", "lots", "inf"] {
        let out = genosynth()
            .arg("synth")
            .arg(example())
            .arg(format!("--reference-frequency-weight={bad}"))
            .arg("-o")
            .arg(dir.path().join("ags.vcf"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("neither borrow nor a weight >= 0"),
            "{bad}: {}",
            stderr(&out)
        );
        assert!(!dir.path().join("ags.vcf").exists());
    }
}
