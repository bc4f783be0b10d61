//! `cargo xtask small-strata`: do models of a few dozen people stay private? A stratum is n
//! people drawn (seeded) from one group: a PCA cluster of the 805-SNP set (`clusters`), or with
//! `--simulated` one population of the workflow's msprime out-of-Africa simulation
//! (`simulated`). Its test people are other people of that group (never seen, never used for
//! a choice), and the other groups' people are the reference a model may borrow from. Each
//! setting runs `genosynth synth` on the stratum (a fifth held out to choose the checkpoint),
//! then `genosynth eval --model` against the test people: likelihood attack, privacy loss,
//! distance membership AUC and fidelity. With `--write`, the table goes into docs/privacy.md
//! between the mode's markers.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};

use crate::frontier::targets::Figures;
use crate::harness::{evaluate_with, run_quiet};

mod clusters;
mod outcomes;
mod shared;
mod simulated;
mod table;

const USAGE: &str = "usage: cargo xtask small-strata [--sizes N,..] [--seeds S,..] [--weights W,..] [--out DIR] [--write]
       cargo xtask small-strata --simulated [--populations P,..|draw] [--length-mb L] [--test N] [--python PY] ...

Strata of the 805-SNP set's PCA clusters (or, with --simulated, of the simulation's
populations), `synth` with and without a reference of the other groups' people, judged on
each group's people the model never saw.
  --sizes N,..    stratum sizes in people (default 40,80,160,320; a size is capped at its
                  cluster's people minus 40, which stay for the test)
  --seeds S,..    seeds of the draw and of synth (default 1,2,3); with --simulated also of
                  the simulation (one per seed)
  --weights W,..  --reference-weight values (a number or auto); 0 = no reference, the
                  per-stratum model; shared = one mixture over the stratum and the
                  reference people, a component per group, the stratum's AGs drawn from
                  its own (default 0,auto)
  --strata N      clusters per size, smallest first among those with room (default 2)
  --synth-args A  more `synth` arguments for every setting, space-separated (e.g.
                  \"--temperature 1\"; shared passes them to `train`); runs go to their
                  own directories and the model column names them
  --out DIR       working directory (default target/small-strata, or
                  target/small-strata-simulated)
  --write         put the table into docs/privacy.md between its markers

--simulated: one chromosome of workflow/scripts/simulate.py (YRI, CEU, CHB) per size n and
seed, with n + --test people per population; a stratum is n people of one population, its
test people the other --test of that population, its reference the other two populations'
people.
  --populations P,..|draw  the populations to draw strata from (default YRI,CEU,CHB); draw:
                  one per seed, drawn with it
  --length-mb L   the chromosome's length (default 0.7: about 6,500-7,500 sites)
  --test N        test people per population (default 60)
  --python PY     a Python with msprime (default python3)";

/// How a stratum's model is trained: alone, with the reference at a weight (`synth
/// --reference-weight`), or within one mixture shared with the reference people.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Setting {
    Alone,
    Weight(f64),
    Auto,
    Shared,
}

impl std::str::FromStr for Setting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "shared" => Ok(Self::Shared),
            _ => match s.parse::<f64>() {
                Ok(0.0) => Ok(Self::Alone),
                Ok(w) if w > 0.0 && w.is_finite() => Ok(Self::Weight(w)),
                _ => Err(format!("{s} is neither auto, shared nor a weight >= 0")),
            },
        }
    }
}

impl Setting {
    /// Its directory and the weight column: `0`, `4`, `auto`.
    fn name(self) -> String {
        match self {
            Self::Alone => "0".to_string(),
            Self::Weight(w) => w.to_string(),
            Self::Auto => "auto".to_string(),
            Self::Shared => "shared".to_string(),
        }
    }
}

struct Options {
    sizes: Vec<usize>,
    seeds: Vec<u64>,
    weights: Vec<Setting>,
    strata: usize,
    /// More `synth` arguments for every run.
    synth_args: Vec<String>,
    out: PathBuf,
    write: bool,
    /// `--simulated`: strata of the simulation's populations instead of the clusters.
    simulated: Option<simulated::Simulation>,
}

fn list<T: std::str::FromStr>(flag: &str, v: Option<&String>) -> anyhow::Result<Vec<T>> {
    let v = v.with_context(|| format!("{flag} needs a value"))?;
    v.split(',')
        .map(|x| {
            x.trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{flag}: {x} is not a number"))
        })
        .collect()
}

fn parse(args: &[String]) -> anyhow::Result<Option<Options>> {
    let mut o = Options {
        sizes: vec![40, 80, 160, 320],
        seeds: vec![1, 2, 3],
        weights: vec![Setting::Alone, Setting::Auto],
        strata: 2,
        synth_args: Vec::new(),
        out: PathBuf::new(),
        write: false,
        simulated: None,
    };
    let (mut sim, mut is_simulated, mut sim_flags) = (simulated::Simulation::default(), false, 0);
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "--sizes" => o.sizes = list(arg, it.next())?,
            "--seeds" => o.seeds = list(arg, it.next())?,
            "--weights" => {
                let v = it.next().context("--weights needs a value")?;
                o.weights = v
                    .split(',')
                    .map(|w| {
                        w.trim()
                            .parse()
                            .map_err(|e: String| anyhow::anyhow!("--weights: {e}"))
                    })
                    .collect::<anyhow::Result<_>>()?;
            }
            "--strata" => o.strata = list::<usize>(arg, it.next())?[0],
            "--synth-args" => {
                let v = it.next().context("--synth-args needs a value")?;
                o.synth_args = v.split_whitespace().map(str::to_string).collect();
            }
            "--out" => out = Some(PathBuf::from(it.next().context("--out needs a directory")?)),
            "--write" => o.write = true,
            "--simulated" => is_simulated = true,
            flag @ ("--populations" | "--length-mb" | "--test" | "--python") => {
                let v = it.next().with_context(|| format!("{flag} needs a value"))?;
                sim.set(flag, v)?;
                sim_flags += 1;
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    ensure!(
        is_simulated || sim_flags == 0,
        "--populations, --length-mb, --test and --python need --simulated\n{USAGE}"
    );
    ensure!(
        !o.sizes.is_empty() && !o.seeds.is_empty(),
        "--sizes and --seeds need at least one value"
    );
    let dir = if is_simulated {
        "small-strata-simulated"
    } else {
        "small-strata"
    };
    o.out = out.unwrap_or_else(|| crate::bench::cargo_target_dir().join(dir));
    o.simulated = is_simulated.then_some(sim);
    Ok(Some(o))
}

/// One stratum: its group (a cluster's number, a population's name), its size and seed.
#[derive(Clone)]
struct Stratum {
    group: String,
    group_people: usize,
    n: usize,
    seed: u64,
}

/// The people of a stratum, by their index in the input: trained on, tested on, borrowed from
/// (and the group of each reference person).
#[derive(Debug)]
struct Drawn {
    train: Vec<usize>,
    test: Vec<usize>,
    reference: Vec<usize>,
    reference_groups: Vec<String>,
}

/// One measured setting.
struct Measured {
    stratum: Stratum,
    setting: Setting,
    /// The extra `synth` arguments it ran with (`--synth-args`), joined.
    variant: String,
    /// The reference weight the model was trained with (`auto`: the one it chose).
    weight: Option<f64>,
    figures: Figures,
    /// The selected checkpoint's likelihood-attack AUC on synth's validation people: what a
    /// choice of setting may look at (the test people's figures may not).
    validation_auc: Option<f64>,
    likelihood_auc: Option<f64>,
    /// Whether `synth` refuses the model without `--accept-privacy-risk`: its selected
    /// checkpoint misses a bound on its validation people.
    refused: bool,
    /// With `--weight-folds`: whether the kept rung's mean of folds missed a bound (what a
    /// refusal on the folds' figures would do).
    folds_missed: Option<bool>,
    af: Option<f64>,
    members: usize,
    non_members: usize,
}

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let Some(o) = parse(args)? else {
        return Ok(());
    };
    let genosynth = crate::harness::build_dev_genosynth(None)?;
    std::fs::create_dir_all(&o.out)?;
    let (rows, group, markers) = match &o.simulated {
        Some(sim) => (
            simulated::measure_all(&genosynth, &o, sim)?,
            "population",
            "small-strata-simulated",
        ),
        None => (
            clusters::measure_all(&genosynth, &o)?,
            "cluster",
            "small-strata",
        ),
    };
    let table = table::document(&rows, group);
    println!("{table}");
    if o.write {
        table::write_doc(markers, &table)?;
    }
    Ok(())
}

/// Writes the stratum's people of `input` (its VCF and its people's names) into `dir`, then
/// measures every setting of `o` on them.
fn measure_drawn(
    genosynth: &Path,
    o: &Options,
    (input, names): (&Path, &[String]),
    drawn: &Drawn,
    dir: &Path,
    stratum: &Stratum,
) -> anyhow::Result<Vec<Measured>> {
    std::fs::create_dir_all(dir)?;
    for (what, who) in [
        ("train", &drawn.train),
        ("test", &drawn.test),
        ("reference", &drawn.reference),
    ] {
        subset(genosynth, input, names, who, dir, what)?;
    }
    if o.weights.contains(&Setting::Shared) {
        shared::write_pooled(genosynth, (input, names), drawn, dir, stratum)?;
    }
    let mut rows = Vec::new();
    for &setting in &o.weights {
        let m = measure(genosynth, dir, stratum.clone(), setting, &o.synth_args)?;
        eprintln!("small-strata: {}", table::row(&m).join(" | "));
        rows.push(m);
    }
    Ok(rows)
}

/// Writes the people `who` of `input` to `dir/what.vcf.gz` with `genosynth convert`.
fn subset(
    genosynth: &Path,
    input: &Path,
    names: &[String],
    who: &[usize],
    dir: &Path,
    what: &str,
) -> anyhow::Result<()> {
    let out = dir.join(format!("{what}.vcf.gz"));
    if out.exists() {
        return Ok(());
    }
    let list = dir.join(format!("{what}.txt"));
    let text: String = who.iter().map(|&p| format!("{}\n", names[p])).collect();
    std::fs::write(&list, text)?;
    run_quiet(
        Command::new(genosynth)
            .arg("convert")
            .arg(input)
            .arg("-S")
            .arg(&list)
            .arg("-o")
            .arg(&out),
    )
}

/// `synth` on the stratum (with the reference when `weight > 0`; for `shared`, the mixture of
/// [`shared`]), then `eval --model` against its test people.
fn measure(
    genosynth: &Path,
    dir: &Path,
    stratum: Stratum,
    setting: Setting,
    synth_args: &[String],
) -> anyhow::Result<Measured> {
    let variant = synth_args.join(" ");
    let label = if variant.is_empty() {
        format!("w{}", setting.name())
    } else {
        format!("w{}-{}", setting.name(), crate::harness::slug(&variant))
    };
    let run = dir.join(&label);
    let (train, ags, model) = (
        dir.join("train.vcf.gz"),
        run.join("ags.vcf.gz"),
        run.join("model"),
    );
    if !ags.exists() {
        let _ = std::fs::remove_dir_all(&run);
        std::fs::create_dir_all(&run)?;
        if setting == Setting::Shared {
            shared::train_and_generate(genosynth, dir, &stratum, synth_args, (&model, &ags))?;
        } else {
            let mut synth = Command::new(genosynth);
            synth
                .arg("synth")
                .arg(&train)
                .arg("-o")
                .arg(&ags)
                .args(["--seed", &stratum.seed.to_string(), "--accept-privacy-risk"])
                .arg("--model-dir")
                .arg(&model)
                .args(synth_args);
            if setting != Setting::Alone {
                synth
                    .arg("--reference")
                    .arg(dir.join("reference.vcf.gz"))
                    .args(["--reference-weight", &setting.name()]);
            }
            run_quiet(&mut synth)?;
        }
    }
    // The members are the people trained on: synth held a fifth of the stratum out.
    let fit = run.join("fit.vcf.gz");
    if !fit.exists() {
        let held_out = validation_people(&model)?;
        let list = run.join("fit.txt");
        let text = std::fs::read_to_string(dir.join("train.txt"))?;
        let kept: String = text
            .lines()
            .filter(|name| !held_out.iter().any(|h| h == name))
            .map(|name| format!("{name}\n"))
            .collect();
        std::fs::write(&list, kept)?;
        run_quiet(
            Command::new(genosynth)
                .arg("convert")
                .arg(&train)
                .arg("-S")
                .arg(&list)
                .arg("-o")
                .arg(&fit),
        )?;
    }
    let extra = match setting {
        Setting::Shared => shared::eval_args(dir, &model, &stratum),
        _ => vec!["--model".to_string(), model.display().to_string()],
    };
    let test = dir.join("test.vcf.gz");
    let r = evaluate_with(
        genosynth,
        &run,
        &label,
        &fit,
        &ags,
        Some(&test),
        None,
        &extra,
    )?
    .report;
    let attack = r.privacy.likelihood_attack.as_ref();
    ensure!(
        attack.is_some(),
        "{}: no likelihood attack in the report",
        run.display()
    );
    Ok(Measured {
        figures: Figures::from_report(&r),
        validation_auc: selected_validation_auc(&model)?,
        refused: outcomes::refused_on_validation(&model)?,
        folds_missed: outcomes::folds_missed(&model)?,
        likelihood_auc: attack.map(|a| a.auc),
        af: Some(r.allele_frequencies.synthetic.pearson_r),
        members: attack.map_or(0, |a| a.members),
        non_members: attack.map_or(0, |a| a.non_members),
        weight: matches!(setting, Setting::Weight(_) | Setting::Auto)
            .then(|| trained_weight(&model))
            .transpose()?,
        stratum,
        setting,
        variant,
    })
}

/// The HCLT's reference weight in `model`'s model.json (what `auto` chose).
fn trained_weight(model: &Path) -> anyhow::Result<f64> {
    let path = model.join("model.json");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?,
    )?;
    meta.get("model")
        .and_then(|m| m.get("reference_weight"))
        .and_then(serde_json::Value::as_f64)
        .with_context(|| format!("{}: no model.reference_weight", path.display()))
}

/// The people `synth` held out of the stratum to choose the checkpoint on (model.json).
fn validation_people(model: &Path) -> anyhow::Result<Vec<String>> {
    let path = model.join("model.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let meta: serde_json::Value = serde_json::from_str(&text)?;
    let names = meta
        .get("selection")
        .and_then(|s| s.get("validation_samples"))
        .and_then(serde_json::Value::as_array)
        .with_context(|| format!("{}: no selection.validation_samples", path.display()))?;
    Ok(names
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect())
}

/// The likelihood-attack AUC of the selected checkpoint in `model`'s history.jsonl.
fn selected_validation_auc(model: &Path) -> anyhow::Result<Option<f64>> {
    let path = model.join("history.jsonl");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v.get("selected").and_then(serde_json::Value::as_bool) == Some(true))
        .and_then(|v| v.get("validation")?.get("likelihood_auc")?.as_f64()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_as_written() {
        let read = |s: &str| s.parse::<Setting>();
        assert_eq!(read("0"), Ok(Setting::Alone));
        assert_eq!(read("auto"), Ok(Setting::Auto));
        assert_eq!(read("shared"), Ok(Setting::Shared));
        assert_eq!(read("2.5"), Ok(Setting::Weight(2.5)));
        for s in ["-1", "nan", "inf", "share"] {
            assert!(read(s).is_err(), "{s}");
        }
        for s in [
            Setting::Alone,
            Setting::Auto,
            Setting::Shared,
            Setting::Weight(4.0),
        ] {
            assert_eq!(read(&s.name()), Ok(s));
        }
    }
}
