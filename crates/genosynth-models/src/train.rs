//! The training loop shared by every model: epochs, observer, stop flag, checkpoints,
//! resume, and validation on held-out people.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

use candle_core::Tensor;
use genosynth_core::HaplotypeMatrix;

use crate::checkpoint::{self, Checkpoint, Snapshot};
use crate::config::{ModelParams, TrainConfig};
use crate::crbm::chain::CrbmWindowPart;
use crate::crbm::part_trainer::PartTrainer;
use crate::device::select_device;
use crate::dp_sgd::DpSgd;
use crate::labels::HaplotypeLabels;
use crate::meta::{FORMAT_VERSION, GENOSYNTH_VERSION, ModelMeta};
use crate::model::{Trainer, TrainingSet};
use crate::private_alleles::{PrivateAlleles, mask_alleles, private_allele_sites};
use crate::rng::{self, STREAM_INIT, STREAM_TRAIN};
use crate::selection::SelectionState;
use crate::tensors::NamedTensors;
use crate::train_checks::{check_labels, check_reference, check_resume, check_resumed_mask};
use crate::training_data::TrainingData;
use crate::validate::validate;
use crate::{Error, Result};

pub use crate::train_options::{AttackScorer, EpochReport, TrainOptions, TrainSummary, Validation};

/// Trains a model on `matrix` and keeps a checkpoint in `options.model_dir`.
///
/// With `options.resume`, the directory must hold a checkpoint of the same data; its
/// hyperparameters, labels, seed and random stream are used (those in `config` are ignored,
/// except `epochs`, `device` and `save_every`), and training continues to `config.epochs` in
/// total. On the CPU, a resumed run reaches the same weights bit for bit as an uninterrupted
/// one with the same thread count. Without it, the directory must not hold a checkpoint
/// already.
///
/// The observer is called after every epoch; when the stop flag becomes true the current
/// epoch finishes, the checkpoint is saved and the function returns with `stopped` set.
///
/// With `config.dp`, training is DP-SGD ([`crate::DpConfig`]): the noise is planned for
/// `config.epochs` (or fixed), ε is reported as the `epsilon` figure of every epoch and
/// recorded in `model.json`, and training stops (`budget_spent`) before an epoch that would
/// exceed the budget. A resumed private run continues its own plan and accounting.
///
/// With `options.validation`, every `every` epochs the checkpoint is scored on the held-out
/// people and the best one kept (see [`Validation`]).
pub fn train(
    matrix: &HaplotypeMatrix,
    config: &TrainConfig,
    options: TrainOptions<'_>,
) -> Result<TrainSummary> {
    train_inner(matrix, config, options, None)
}

/// [`train`], or with `part` the training of one CRBM window whose sites `matrix` holds
/// ([`crate::train_crbm_window`]).
pub(crate) fn train_inner(
    matrix: &HaplotypeMatrix,
    config: &TrainConfig,
    options: TrainOptions<'_>,
    part: Option<&CrbmWindowPart>,
) -> Result<TrainSummary> {
    let TrainOptions {
        model_dir: out_dir,
        resume,
        labels,
        heldout_labels,
        mut observer,
        stop,
        mut validation,
        reference,
        reference_cache,
        private_allele_min_count,
    } = options;
    if let Some(v) = &validation {
        if v.every == 0 {
            return Err(Error::config("validate-every", "must be at least 1"));
        }
        if v.n_samples < 2 {
            return Err(Error::config("validation", "at least 2 AGs per validation"));
        }
    }
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
        check_resume(&ck, out_dir, &training, matrix, part, reference)?;
        Some(ck)
    } else {
        if checkpoint::is_checkpoint(out_dir) {
            return Err(Error::CheckpointExists {
                dir: out_dir.to_path_buf(),
            });
        }
        config.model.validate()?;
        check_labels(&config.model, labels)?;
        None
    };

    let heldout = validation.as_ref().and_then(|v| v.heldout);
    if let Some(r) = reference {
        check_reference(matrix, heldout, r, &config.model, config.dp.is_some())?;
    }
    // The model trains on `trained_on` (private alleles masked); selection scores `matrix`,
    // the people as they are, which is what an attacker holds.
    let masked = match reference {
        Some(r) if private_allele_min_count > 0 => {
            let input: Vec<&HaplotypeMatrix> = std::iter::once(matrix).chain(heldout).collect();
            let sites = private_allele_sites(&input, r, private_allele_min_count)?;
            let (masked, alleles) = mask_alleles(matrix, &sites);
            let record = PrivateAlleles {
                min_count: private_allele_min_count,
                sites: sites.len(),
                alleles,
            };
            Some((masked, record, sites))
        }
        _ => None,
    };
    if let Some(ck) = &previous {
        check_resumed_mask(ck, out_dir, masked.as_ref().map(|(_, r, _)| r))?;
    }
    let trained_on = masked.as_ref().map_or(matrix, |(m, _, _)| m);
    // The HCLT reads the packed matrix; a dense copy would be 32 times its size.
    let hclt = matches!(
        previous.as_ref().map_or(&config.model, |ck| &ck.meta.model),
        ModelParams::Hclt(_)
    );
    let dense = if hclt {
        Vec::new()
    } else {
        trained_on.to_dense_f32()
    };
    let frequencies: Vec<f32> = trained_on
        .allele_frequencies()
        .iter()
        .map(|&f| f as f32)
        .collect();
    let data = TrainingSet {
        matrix: trained_on,
        dense: &dense,
        n_haplotypes: trained_on.n_haplotypes(),
        frequencies: &frequencies,
        private: false,
        reference,
        reference_cache,
    };
    let previous_privacy = previous.as_ref().and_then(|ck| ck.meta.privacy.as_ref());
    if config.dp.is_some() && previous.is_some() && previous_privacy.is_none() {
        return Err(Error::config(
            "dp",
            "the checkpoint was trained without DP-SGD; a private run must be private from its \
             first epoch",
        ));
    }
    let model_params = previous.as_ref().map_or(&config.model, |ck| &ck.meta.model);
    let mut dp = DpSgd::plan(
        config.dp.as_ref(),
        previous_privacy,
        model_params,
        trained_on,
        config.epochs,
    )?;
    if dp.is_some() && validation.is_some() {
        return Err(Error::config(
            "validation",
            "selection compares AGs with the training people, which the DP-SGD guarantee does \
             not cover; train privately without selection and judge the AGs on held-out people",
        ));
    }
    // Under DP the model starts from data-free values: no allele frequency reaches it.
    let public_frequencies;
    let data = match dp {
        Some(_) => {
            public_frequencies = vec![0.5f32; frequencies.len()];
            TrainingSet {
                frequencies: &public_frequencies,
                private: true,
                ..data
            }
        }
        None => data,
    };
    let (params, labels, seed) = match &previous {
        Some(ck) => (ck.meta.model.clone(), ck.meta.labels.clone(), ck.meta.seed),
        None => (config.model.clone(), labels.cloned(), config.seed),
    };
    let mut init_rng = rng::rng(seed, STREAM_INIT);
    // Selection continues a resumed run's state (under the rule asked for now).
    let mut selection = validation.as_ref().map(|v| {
        let mut state = previous
            .as_ref()
            .and_then(|ck| ck.meta.selection.clone())
            .unwrap_or_else(|| v.state.clone());
        state.rule = v.state.rule;
        state
    });
    let mut best_weights: Option<NamedTensors> = match (&previous, &selection) {
        (Some(ck), Some(_)) => ck
            .best_weights()?
            .map(|w| w.into_iter().collect::<NamedTensors>()),
        _ => None,
    };
    let (mut trainer, mut train_rng, mut epochs_done, mut history) = match previous {
        Some(ck) => {
            let mut t = build_trainer(
                &params,
                labels.as_ref(),
                &data,
                Some(&ck.weights),
                seed,
                dev,
                &mut init_rng,
                part,
            )?;
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
            let t = build_trainer(
                &params,
                labels.as_ref(),
                &data,
                None,
                seed,
                dev,
                &mut init_rng,
                part,
            )?;
            (t, rng::rng(seed, STREAM_TRAIN), 0, Vec::new())
        }
    };
    // Not modelled, the masked sites leave the likelihood that EM climbs, selection and the
    // attacks score, and the AGs (a resumed model keeps them in its weights).
    if let Some((_, _, sites)) = &masked {
        trainer.leave_out_sites(sites);
    }
    let names = trainer.loss_names(dp.is_some());
    let mut meta = ModelMeta {
        format_version: FORMAT_VERSION,
        genosynth_version: GENOSYNTH_VERSION.to_string(),
        model: params.clone(),
        labels,
        epochs_done,
        seed,
        rng: rng::save_state(seed, &train_rng),
        adam_steps: None,
        device: device.description.clone(),
        training,
        sites: matrix.sites().as_slice().to_vec(),
        selection: selection.clone(),
        privacy: dp.as_ref().map(|d| d.record.clone()),
        window_part: part.cloned(),
        reference: reference.map(TrainingData::of),
        private_alleles: masked.as_ref().map(|(_, r, _)| r.clone()),
    };
    let save = |trainer: &Trainer,
                meta: &mut ModelMeta,
                epochs_done: usize,
                r,
                history: &[String],
                selection: &Option<SelectionState>,
                best: Option<&NamedTensors>|
     -> Result<()> {
        let (optimizer, adam_steps) = trainer.optimizer_state()?;
        meta.epochs_done = epochs_done;
        meta.rng = r;
        meta.adam_steps = adam_steps;
        meta.selection = selection.clone();
        checkpoint::save(
            out_dir,
            &Snapshot {
                meta,
                weights: trainer.weights(),
                optimizer,
                history,
                best,
            },
        )
    };

    let started = Instant::now();
    let first = epochs_done;
    let mut last = None;
    let mut stopped = false;
    let mut early_stopped = false;
    let mut saved_at = None;
    let mut budget_spent = false;
    while epochs_done < config.epochs {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            stopped = true;
            break;
        }
        if let Some(d) = &dp
            && !d.record.next_epoch_fits()?
        {
            budget_spent = true;
            break;
        }
        let t0 = Instant::now();
        let losses = trainer.epoch(&mut train_rng, dp.as_ref())?;
        epochs_done += 1;
        let mut losses: Vec<(&'static str, f64)> = names.iter().copied().zip(losses).collect();
        if let Some(d) = dp.as_mut() {
            d.record.record_epoch()?;
            losses.push(("epsilon", d.record.epsilon));
            meta.privacy = Some(d.record.clone());
        }
        let mut report = EpochReport {
            epoch: epochs_done,
            epochs: config.epochs,
            seconds: t0.elapsed().as_secs_f64(),
            losses,
            saved: false,
            validation: None,
            selected: false,
        };
        if let (Some(v), Some(state)) = (validation.as_mut(), selection.as_mut())
            && (epochs_done % v.every == 0 || epochs_done == config.epochs)
        {
            let scores = validate(&trainer, &meta, v, heldout_labels, matrix, seed, dev)?;
            report.selected = state.record(epochs_done, &scores);
            if report.selected {
                // Copies: a GAN's weights are its live variables, which Adam updates in place.
                best_weights = Some(
                    trainer
                        .weights()
                        .into_iter()
                        .map(|(n, t)| Ok((n, t.copy()?)))
                        .collect::<Result<_>>()?,
                );
            }
            report.validation = Some(scores);
            early_stopped = v.patience > 0 && state.since_best >= v.patience;
        }
        history.push(report.to_json());
        let due = config.save_every > 0 && epochs_done % config.save_every == 0;
        if due || early_stopped {
            save(
                &trainer,
                &mut meta,
                epochs_done,
                rng::save_state(seed, &train_rng),
                &history,
                &selection,
                best_weights.as_ref(),
            )?;
            saved_at = Some(epochs_done);
            report.saved = true;
        }
        if let Some(observer) = observer.as_mut() {
            observer(&report);
        }
        last = Some(report);
        if early_stopped {
            break;
        }
    }
    if saved_at != Some(epochs_done) || !checkpoint::is_checkpoint(out_dir) {
        save(
            &trainer,
            &mut meta,
            epochs_done,
            rng::save_state(seed, &train_rng),
            &history,
            &selection,
            best_weights.as_ref(),
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
        early_stopped,
        selection,
        budget_spent,
        privacy: dp.map(|d| d.record),
        private_alleles: meta.private_alleles,
    })
}
/// The model's trainer, or one CRBM window's when training a `part` of a chain.
#[allow(
    clippy::too_many_arguments,
    reason = "Trainer::build's arguments and the window"
)]
fn build_trainer(
    params: &ModelParams,
    labels: Option<&HaplotypeLabels>,
    data: &TrainingSet<'_>,
    weights: Option<&HashMap<String, Tensor>>,
    seed: u64,
    dev: &candle_core::Device,
    init_rng: &mut rand_chacha::ChaCha8Rng,
    part: Option<&CrbmWindowPart>,
) -> Result<Trainer> {
    match (part, params) {
        (Some(p), ModelParams::Crbm(c)) => Ok(Trainer::CrbmPart(PartTrainer::build(
            c,
            labels,
            p,
            data.dense,
            data.n_haplotypes,
            weights,
            seed,
            dev,
        )?)),
        (Some(_), other) => Err(Error::config(
            "window-index",
            format!("only a crbm trains chain windows (model: {})", other.kind()),
        )),
        (None, _) => Trainer::build(params, labels, data, weights, seed, dev, init_rng),
    }
}
