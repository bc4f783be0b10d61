//! One data set end to end: split, the two baselines, then train, generate and evaluate each
//! model.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use genosynth_eval::Report;

use super::args::Options;
use super::data::Dataset;
use super::floor::write_independent_sites;
use crate::harness::{
    Row, SEED, evaluate_with, finite, run_quiet, run_visible, slug, split_80_20,
    summed_epoch_seconds,
};

/// Every evaluated set of one data set: the ceiling, the floor, then the models.
pub(super) struct DatasetResult {
    pub(super) dataset: Dataset,
    pub(super) train_haplotypes: usize,
    pub(super) holdout_haplotypes: usize,
    pub(super) n_sites: usize,
    pub(super) rows: Vec<Row>,
}

impl DatasetResult {
    pub(super) fn floor(&self) -> &Row {
        &self.rows[1]
    }

    pub(super) fn models(&self) -> &[Row] {
        &self.rows[2..]
    }
}

pub(super) fn reproduce_dataset(
    genosynth: &Path,
    dataset: &Dataset,
    opts: &Options,
) -> anyhow::Result<DatasetResult> {
    let dir = opts.out.join(slug(dataset.name));
    if dir.exists() && !opts.resume {
        std::fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir)?;
    let train = dir.join("train.vcf.gz");
    let holdout = dir.join("holdout.vcf.gz");
    // The checkpoints being resumed were trained on this split: keep it.
    if opts.resume && train.exists() && holdout.exists() {
        eprintln!("reproduce [{}]: resuming, keeping the split", dataset.name);
    } else {
        eprintln!("reproduce [{}]: split 80/20 by individual", dataset.name);
        split_80_20(
            genosynth,
            &dataset.path,
            dataset.input_flags,
            &train,
            &holdout,
        )?;
    }

    let train_matrix = genosynth_vcf::read(&train, &genosynth_vcf::ReadOptions::default())
        .with_context(|| format!("cannot read {}", train.display()))?
        .matrix;
    let n_train = train_matrix.n_haplotypes();
    let floor = dir.join("independent.vcf.gz");
    write_independent_sites(&train_matrix, n_train, SEED, &floor)?;

    let mut rows = Vec::new();
    rows.push(evaluate_with(
        genosynth,
        &dir,
        "holdout (ceiling)",
        &train,
        &holdout,
        None,
        None,
        &[],
    )?);
    rows.push(evaluate_with(
        genosynth,
        &dir,
        "independent sites (floor)",
        &train,
        &floor,
        Some(&holdout),
        None,
        &[],
    )?);
    for &model in &opts.models {
        rows.push(train_generate_evaluate(
            genosynth, dataset, model, &train, &holdout, n_train, opts,
        )?);
    }
    // The ceiling row evaluates the holdout as the "synthetic" set.
    let holdout_haplotypes = rows[0].report.inputs.synthetic_haplotypes;
    Ok(DatasetResult {
        dataset: dataset.clone(),
        train_haplotypes: n_train,
        holdout_haplotypes,
        n_sites: train_matrix.n_sites(),
        rows,
    })
}

/// Trains `model` on `train`, generates `n_train` AGs and evaluates them against train and
/// `holdout`.
fn train_generate_evaluate(
    genosynth: &Path,
    dataset: &Dataset,
    model: &str,
    train: &Path,
    holdout: &Path,
    n_train: usize,
    opts: &Options,
) -> anyhow::Result<Row> {
    let dir = &opts.out.join(slug(dataset.name));
    let epochs = opts.mode.model_epochs(model);
    let model_dir = dir.join(format!("{model}-model"));
    let resume = opts.resume && model_dir.join("model.json").exists();
    eprintln!(
        "reproduce [{}]: train {model}, {epochs} epochs{}",
        dataset.name,
        if resume {
            " (resuming its checkpoint)"
        } else {
            ""
        }
    );
    let mut cmd = Command::new(genosynth);
    cmd.arg("train")
        .arg(train)
        .args(["--model", model, "--epochs", &epochs.to_string()])
        .args([
            "--seed",
            &opts.seed.to_string(),
            "--device",
            &opts.device,
            "-o",
        ])
        .arg(&model_dir);
    if model == "gan" {
        // The paper's GAN: without genosynth's R1 penalty and weight average (docs/testing.md).
        cmd.args(["--r1-penalty", "0", "--generator-ema", "0"]);
    }
    if resume {
        cmd.arg("--resume");
    }
    run_visible(&mut cmd)?;
    let train_s = summed_epoch_seconds(&model_dir)?;
    let ags = dir.join(format!("{model}.ags.vcf.gz"));
    let mut gen_cmd = Command::new(genosynth);
    gen_cmd
        .arg("generate")
        .arg(&model_dir)
        .args(["-n", &n_train.to_string(), "--seed", &opts.seed.to_string()])
        .args(["--device", &opts.device, "-o"])
        .arg(&ags);
    run_quiet(&mut gen_cmd)?;
    let label = format!("{} ({epochs} epochs)", model.to_uppercase());
    evaluate_with(
        genosynth,
        dir,
        &label,
        train,
        &ags,
        Some(holdout),
        Some(train_s),
        &[],
    )
}

/// The figures the reproduction tables and floor checks read from a report.
impl Row {
    pub(super) fn af_r(&self) -> Option<f64> {
        finite(self.report.allele_frequencies.synthetic.pearson_r)
    }

    pub(super) fn ld_r2(&self) -> Option<f64> {
        finite(self.report.ld.window.synthetic.pearson_r)
    }

    pub(super) fn triplet_r(&self) -> Option<f64> {
        finite(self.report.triplets.synthetic.pearson_r)
    }

    pub(super) fn pairwise_w(&self) -> Option<f64> {
        finite(self.report.distances.wasserstein_within)
    }

    /// Mean PCA Wasserstein distance over PC1 and PC2 (training sd).
    pub(super) fn pca_w(&self) -> Option<f64> {
        mean_pc12(&self.report)
    }

    /// Mean absolute gap between the AGs' and train's LD decay (mean r² by site distance).
    pub(super) fn ld_decay_gap(&self) -> Option<f64> {
        let ld = &self.report.ld;
        let gaps: Vec<f64> = ld
            .decay_train
            .by_sites
            .iter()
            .zip(&ld.decay_synthetic.by_sites)
            .filter_map(|(x, y)| finite((x - y).abs()))
            .collect();
        (!gaps.is_empty()).then(|| gaps.iter().sum::<f64>() / gaps.len() as f64)
    }
}

fn mean_pc12(r: &Report) -> Option<f64> {
    let first: Vec<f64> = r
        .pca
        .wasserstein_synthetic
        .iter()
        .take(2)
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    (!first.is_empty()).then(|| first.iter().sum::<f64>() / first.len() as f64)
}
