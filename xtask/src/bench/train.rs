//! `bench train`: seconds per epoch of the 2021 GAN and RBM, genosynth vs the authors'
//! frameworks (Keras for the GAN, PyTorch for the RBM), and the LD quality each reaches after the
//! same number of epochs (issue 4's target: ≥ 5x faster per epoch at equal quality).

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::Bench;
use super::measure::{Measurement, measure};
use super::python::{self, Python};
use super::table::{Section, num, secs, speedup};

/// Figures of one training run, ours or a reference's.
struct TrainRun {
    implementation: String,
    epochs: usize,
    epoch_seconds: Vec<f64>,
    ld_r2: f64,
    af_r: f64,
    wall: Option<Measurement>,
}

impl TrainRun {
    /// Median epoch time after the first (which pays tracing, allocation and warm-up).
    fn steady(&self) -> f64 {
        let mut t: Vec<f64> = self
            .epoch_seconds
            .iter()
            .skip(usize::from(self.epoch_seconds.len() > 1))
            .copied()
            .collect();
        t.sort_by(f64::total_cmp);
        t.get(t.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

pub(crate) fn run(bench: &Bench) -> anyhow::Result<Section> {
    let mut section = Section::new(
        "Training: seconds per epoch and LD quality (genosynth vs Keras / PyTorch)",
        &[
            "model",
            "implementation",
            "epochs",
            "s/epoch (median after 1st)",
            "1st epoch",
            "reference / genosynth",
            "LD r² corr (400 sites)",
            "AF r",
        ],
    );
    let data = bench.snp805();
    let threads = bench.opts.threads;
    let device = bench.opts.device.clone().unwrap_or_else(|| "cpu".into());
    section.intro.push(format!(
        "Input: `{}` (2,504 haplotypes × 805 SNPs). Paper architectures and defaults on both sides \
         (GAN: latent 600, G 670/731/805, D 402/268/1, batch 32, 78 batches/epoch; RBM: 500 hidden, \
         minibatch 500, 50 Gibbs steps from random chains, lr 0.01). {threads} threads on both sides; \
         genosynth on `--device {device}`. After training each side samples 2,504 AGs and the same \
         Python function scores them: Pearson correlation of pairwise r² over the first 400 sites \
         (LD) and of allele frequencies (AF), against the training data. The RBM runs {} epochs (the \
         default is `genosynth synth`'s quick preset), long enough for LD quality to compare; the \
         GAN's short run compares speed only. Python references run with `OMP_WAIT_POLICY=PASSIVE`.",
        data.display(),
        bench.opts.rbm_epochs
    ));
    let python = python::ensure("requirements-train.txt");
    if let Err(err) = &python {
        section.note(format!("reference rows skipped: {err:#}"));
    }
    let py = python.as_ref().ok();
    for (model, epochs, script) in [
        ("gan", bench.opts.gan_epochs, "gan_keras.py"),
        ("rbm", bench.opts.rbm_epochs, "rbm_torch.py"),
    ] {
        let ours = train_ours(bench, model, epochs, &data, py);
        let reference = match py {
            Some(py) => train_reference(bench, py, script, epochs, &data, &[]),
            None => Err(anyhow::anyhow!("no Python environment")),
        };
        let ref_steady = reference.as_ref().map_or(f64::NAN, TrainRun::steady);
        match &ours {
            Ok(o) => section.row(row(model, o, speedup(ref_steady, o.steady()))),
            Err(err) => section.skipped(&format!("{model}: genosynth"), &format!("{err:#}")),
        }
        match &reference {
            Ok(r) => section.row(row(model, r, "1 (reference)".into())),
            Err(err) => section.skipped(&format!("{model}: {script}"), &format!("{err:#}")),
        }
        if let Ok(o) = &ours
            && let Some(m) = o.wall
        {
            section.note(format!(
                "genosynth {model}: whole `train` command {} wall, {} CPU, peak RSS {}.",
                secs(m.wall_s),
                secs(m.cpu_s),
                super::table::bytes(m.max_rss)
            ));
        }
    }
    // The loop of docs/performance-notes.md calls Keras' predict() per batch, which builds a
    // data pipeline each call: a slower baseline than the authors' predict_on_batch. Timing only.
    if let Some(py) = py {
        let epochs = bench.opts.gan_epochs.min(5);
        match train_reference(
            bench,
            py,
            "gan_keras.py",
            epochs,
            &data,
            &["--predict-call", "predict"],
        ) {
            Ok(r) => section.row(row("gan", &r, "timing only".into())),
            Err(err) => section.skipped(
                "gan: gan_keras.py --predict-call predict",
                &format!("{err:#}"),
            ),
        }
        section.note(format!(
            "Versions: tensorflow-cpu {}, keras {}, torch {}, numpy {}.",
            py.version_of("tensorflow"),
            py.version_of("keras"),
            py.version_of("torch"),
            py.version_of("numpy")
        ));
    }
    section.note(
        "Equal quality means the LD column at the same epoch count; the paper trained 20,000 GAN \
         epochs and 800 RBM epochs, so short runs compare speed, not final quality.",
    );
    Ok(section)
}

fn row(model: &str, r: &TrainRun, ratio: String) -> Vec<String> {
    vec![
        model.to_uppercase(),
        r.implementation.clone(),
        r.epochs.to_string(),
        secs(r.steady()),
        r.epoch_seconds.first().map_or("—".into(), |s| secs(*s)),
        ratio,
        num(r.ld_r2, 3),
        num(r.af_r, 3),
    ]
}

fn train_ours(
    bench: &Bench,
    model: &str,
    epochs: usize,
    data: &Path,
    py: Option<&Python>,
) -> anyhow::Result<TrainRun> {
    let dir = bench.work_path(&format!("train-{model}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut cmd = bench.genosynth();
    cmd.arg("train")
        .arg(data)
        .args([
            "--model",
            model,
            "--epochs",
            &epochs.to_string(),
            "--seed",
            "1",
            "-o",
        ])
        .arg(&dir);
    if let Some(d) = &bench.opts.device {
        cmd.args(["--device", d]);
    }
    eprintln!("bench:   genosynth train --model {model} --epochs {epochs}");
    let wall = measure(&cmd)?;
    let epoch_seconds = history_seconds(&dir.join("history.jsonl"))?;
    let ags = bench.work_path(&format!("train-{model}.ags.vcf.gz"))?;
    let mut generate = bench.genosynth();
    generate
        .arg("generate")
        .arg(&dir)
        .args(["-n", "2504", "--seed", "1", "-o"])
        .arg(&ags);
    measure(&generate)?;
    let (ld_r2, af_r) = match py {
        Some(py) => quality(bench, py, data, &ags)?,
        None => (f64::NAN, f64::NAN),
    };
    Ok(TrainRun {
        implementation: format!(
            "genosynth (candle, {})",
            bench.opts.device.as_deref().unwrap_or("cpu")
        ),
        epochs,
        epoch_seconds,
        ld_r2,
        af_r,
        wall: Some(wall),
    })
}

/// Per-epoch seconds from `history.jsonl`: the first numeric field named like a time.
fn history_seconds(path: &Path) -> anyhow::Result<Vec<f64>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let v: Value = serde_json::from_str(line)
            .with_context(|| format!("{}: line {}", path.display(), i + 1))?;
        let obj = v
            .as_object()
            .with_context(|| format!("{}: line {} is not an object", path.display(), i + 1))?;
        let secs = [
            "seconds",
            "epoch_seconds",
            "time_s",
            "seconds_per_epoch",
            "elapsed_s",
            "time",
            "duration_s",
        ]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_f64))
        .with_context(|| format!("{}: line {} has no epoch time field", path.display(), i + 1))?;
        out.push(secs);
    }
    anyhow::ensure!(!out.is_empty(), "{} is empty", path.display());
    Ok(out)
}

fn train_reference(
    bench: &Bench,
    py: &Python,
    script: &str,
    epochs: usize,
    data: &Path,
    extra: &[&str],
) -> anyhow::Result<TrainRun> {
    let variant = if extra.is_empty() { "" } else { ".variant" };
    let out = bench.work_path(&format!("{}{variant}.json", script.trim_end_matches(".py")))?;
    let mut cmd = py.command(script);
    cmd.arg("--input")
        .arg(std::path::absolute(data)?)
        .args([
            "--epochs",
            &epochs.to_string(),
            "--threads",
            &bench.opts.threads.to_string(),
            "--seed",
            "1",
            "--out",
        ])
        .arg(&out)
        .args(extra);
    eprintln!("bench:   {script} --epochs {epochs} {}", extra.join(" "));
    let wall = measure(&cmd)?;
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out)?)
        .with_context(|| format!("{}", out.display()))?;
    let f = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let implementation = v
        .get("implementation")
        .and_then(Value::as_str)
        .unwrap_or(script)
        .to_string();
    Ok(TrainRun {
        implementation,
        epochs,
        epoch_seconds: v
            .get("epoch_seconds")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default(),
        ld_r2: if extra.is_empty() {
            f("ld_r2_correlation")
        } else {
            f64::NAN
        },
        af_r: if extra.is_empty() {
            f("af_correlation")
        } else {
            f64::NAN
        },
        wall: Some(wall),
    })
}

/// LD and AF quality of an AG file, scored by the same Python function as the references.
fn quality(bench: &Bench, py: &Python, train: &Path, ags: &Path) -> anyhow::Result<(f64, f64)> {
    let out = bench.work_path(&format!(
        "{}.quality.json",
        ags.file_name().unwrap_or_default().to_string_lossy()
    ))?;
    let mut cmd = py.command("haplo.py");
    cmd.arg("--train")
        .arg(std::path::absolute(train)?)
        .arg("--synthetic")
        .arg(ags)
        .arg("--out")
        .arg(&out);
    measure(&cmd)?;
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out)?)?;
    let f = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    Ok((f("ld_r2_correlation"), f("af_correlation")))
}
