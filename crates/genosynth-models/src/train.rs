//! The training loop shared by both models: epochs, observer, stop flag, checkpoints, resume.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use genosynth_core::HaplotypeMatrix;

use crate::checkpoint::{
    self, Checkpoint, FORMAT_VERSION, GENOSYNTH_VERSION, ModelMeta, Snapshot, TrainingData,
};
use crate::config::TrainConfig;
use crate::device::select_device;
use crate::model::{Trainer, TrainingSet};
use crate::rng::{self, STREAM_INIT, STREAM_TRAIN};
use crate::{Error, Result};

/// What happened in one epoch, passed to the observer.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    /// 1-based number of the epoch just finished.
    pub epoch: usize,
    /// The epoch training stops at.
    pub epochs: usize,
    /// Wall-clock seconds of this epoch.
    pub seconds: f64,
    /// Named figures of the epoch: GAN `d_loss_real`, `d_loss_fake`, `g_loss`; RBM
    /// `reconstruction_error`.
    pub losses: Vec<(&'static str, f64)>,
    /// Whether a checkpoint was written after this epoch.
    pub saved: bool,
}

impl EpochReport {
    /// The `history.jsonl` line.
    pub fn to_json(&self) -> String {
        let mut obj = serde_json::Map::new();
        obj.insert("epoch".into(), self.epoch.into());
        obj.insert("seconds".into(), round6(self.seconds).into());
        for (name, v) in &self.losses {
            obj.insert((*name).into(), (*v).into());
        }
        serde_json::Value::Object(obj).to_string()
    }

    /// `d_loss_real=0.693 d_loss_fake=0.690 g_loss=0.702` for progress lines.
    pub fn losses_text(&self) -> String {
        self.losses
            .iter()
            .map(|(n, v)| format!("{n}={v:.4}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// How a training run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    /// Epochs done in total (including those before a resume).
    pub epochs_done: usize,
    /// Epochs this call ran.
    pub epochs_run: usize,
    /// Whether the stop flag ended training early (the checkpoint is saved).
    pub stopped: bool,
    /// The device used, e.g. `cpu (2 threads)`.
    pub device: String,
    /// Mean seconds per epoch of this call (0 when none ran).
    pub seconds_per_epoch: f64,
    /// The last epoch's figures.
    pub last: Option<EpochReport>,
}

/// Trains a model on `matrix` and keeps a checkpoint in `out_dir`.
///
/// With `resume`, `out_dir` must hold a checkpoint of the same data; its hyperparameters, seed
/// and random stream are used (those in `config` are ignored, except `epochs`, `device` and
/// `save_every`), and training continues to `config.epochs` in total. On the CPU, a resumed
/// run reaches the same weights bit for bit as an uninterrupted one with the same thread count.
/// Without `resume`, `out_dir` must not hold a checkpoint already.
///
/// `observer` is called after every epoch; when `stop` becomes true the current epoch
/// finishes, the checkpoint is saved and the function returns with `stopped` set.
pub fn train(
    matrix: &HaplotypeMatrix,
    config: &TrainConfig,
    out_dir: &Path,
    resume: bool,
    observer: &mut dyn FnMut(&EpochReport),
    stop: &AtomicBool,
) -> Result<TrainSummary> {
    let device = select_device(config.device)?;
    let dev = &device.device;
    if matrix.n_sites() == 0 {
        return Err(Error::Data("no sites to train on".to_string()));
    }
    if matrix.n_haplotypes() < 2 {
        return Err(Error::Data(format!(
            "{} haplotypes; at least 2 are needed",
            matrix.n_haplotypes()
        )));
    }
    let training = TrainingData::of(matrix);
    let previous = if resume {
        let ck = Checkpoint::load(out_dir)?;
        if ck.meta.training != training || ck.meta.sites.as_slice() != matrix.sites().as_slice() {
            return Err(Error::ResumeMismatch {
                dir: out_dir.to_path_buf(),
                reason: format!(
                    "trained on {} haplotypes × {} sites (hash {}), this input has {} × {} (hash {})",
                    ck.meta.training.n_haplotypes,
                    ck.meta.training.n_sites,
                    &ck.meta.training.matrix_blake3[..16.min(ck.meta.training.matrix_blake3.len())],
                    training.n_haplotypes,
                    training.n_sites,
                    &training.matrix_blake3[..16]
                ),
            });
        }
        Some(ck)
    } else {
        if checkpoint::is_checkpoint(out_dir) {
            return Err(Error::checkpoint(
                out_dir,
                "already holds a model; pass --resume to continue it or choose another directory",
            ));
        }
        config.model.validate()?;
        None
    };

    let dense = matrix.to_dense_f32();
    let frequencies: Vec<f32> = matrix
        .allele_frequencies()
        .iter()
        .map(|&f| f as f32)
        .collect();
    let data = TrainingSet {
        dense: &dense,
        n_haplotypes: matrix.n_haplotypes(),
        frequencies: &frequencies,
    };
    let (params, seed) = match &previous {
        Some(ck) => (ck.meta.model.clone(), ck.meta.seed),
        None => (config.model.clone(), config.seed),
    };
    let mut init_rng = rng::rng(seed, STREAM_INIT);
    let (mut trainer, mut train_rng, mut epochs_done, mut history) = match previous {
        Some(ck) => {
            let mut t =
                Trainer::build(&params, &data, Some(&ck.weights), seed, dev, &mut init_rng)?;
            let opt = ck.optimizer()?;
            t.restore_optimizer(&opt, ck.meta.adam_steps)
                .map_err(|r| Error::checkpoint(out_dir, format!("optimizer.safetensors: {r}")))?;
            let r = rng::restore_state(&ck.meta.rng)
                .ok_or_else(|| Error::checkpoint(out_dir, "model.json: bad rng word_pos"))?;
            let mut history = ck.history;
            history.truncate(ck.meta.epochs_done);
            (t, r, ck.meta.epochs_done, history)
        }
        None => {
            let t = Trainer::build(&params, &data, None, seed, dev, &mut init_rng)?;
            (t, rng::rng(seed, STREAM_TRAIN), 0, Vec::new())
        }
    };
    let names = trainer.loss_names();
    let mut meta = ModelMeta {
        format_version: FORMAT_VERSION,
        genosynth_version: GENOSYNTH_VERSION.to_string(),
        model: params.clone(),
        epochs_done,
        seed,
        rng: rng::save_state(seed, &train_rng),
        adam_steps: None,
        device: device.description.clone(),
        training,
        sites: matrix.sites().as_slice().to_vec(),
    };
    let save = |trainer: &Trainer,
                meta: &mut ModelMeta,
                epochs_done: usize,
                r,
                history: &[String]|
     -> Result<()> {
        let (optimizer, adam_steps) = trainer.optimizer_state()?;
        meta.epochs_done = epochs_done;
        meta.rng = r;
        meta.adam_steps = adam_steps;
        checkpoint::save(
            out_dir,
            &Snapshot {
                meta,
                weights: trainer.weights(),
                optimizer,
                history,
            },
        )
    };

    let started = Instant::now();
    let first = epochs_done;
    let mut last = None;
    let mut stopped = false;
    let mut saved_at = None;
    while epochs_done < config.epochs {
        if stop.load(Ordering::Relaxed) {
            stopped = true;
            break;
        }
        let t0 = Instant::now();
        let losses = trainer.epoch(&mut train_rng)?;
        epochs_done += 1;
        let mut report = EpochReport {
            epoch: epochs_done,
            epochs: config.epochs,
            seconds: t0.elapsed().as_secs_f64(),
            losses: names.iter().copied().zip(losses).collect(),
            saved: false,
        };
        history.push(report.to_json());
        if config.save_every > 0 && epochs_done % config.save_every == 0 {
            save(
                &trainer,
                &mut meta,
                epochs_done,
                rng::save_state(seed, &train_rng),
                &history,
            )?;
            saved_at = Some(epochs_done);
            report.saved = true;
        }
        observer(&report);
        last = Some(report);
    }
    if saved_at != Some(epochs_done) || !checkpoint::is_checkpoint(out_dir) {
        save(
            &trainer,
            &mut meta,
            epochs_done,
            rng::save_state(seed, &train_rng),
            &history,
        )?;
    }
    let run = epochs_done - first;
    Ok(TrainSummary {
        epochs_done,
        epochs_run: run,
        stopped,
        device: device.description,
        seconds_per_epoch: if run > 0 {
            started.elapsed().as_secs_f64() / run as f64
        } else {
            0.0
        },
        last,
    })
}
