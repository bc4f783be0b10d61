//! The pipeline's events ([`genosynth::Event`]) as the [`Printer`](crate::printer::Printer)
//! shows them: status lines, the epoch bar of training and the step bar of the evaluation.
//! Every command that runs a pipeline step reports through one [`Reporter`].

use std::time::Instant;

use genosynth::{Event, Progress};
use genosynth_models::{SelectionState, TrainSummary};

use crate::Context;
use crate::commands::selection::validation_text;
use crate::printer;

/// Shows pipeline events on stderr.
pub(crate) struct Reporter<'a> {
    ctx: &'a Context,
    /// The epoch bar, and whether the first epoch is still to come (a resumed run starts the
    /// bar where the checkpoint left off).
    training: Option<(printer::Progress, bool)>,
    /// The evaluation's step bar and when it started.
    evaluation: Option<(printer::Progress, Instant)>,
    /// The bar of a chunked generation.
    drawing: Option<printer::Progress>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(ctx: &'a Context) -> Self {
        Self {
            ctx,
            training: None,
            evaluation: None,
            drawing: None,
        }
    }
}

impl Progress for Reporter<'_> {
    fn event(&mut self, event: Event<'_>) {
        let printer = &self.ctx.printer;
        match event {
            Event::Read { path, report } => {
                printer.info(format!("read {}: {}", path.display(), report.summary()));
            }
            Event::HeldOut { split, people } => printer.info(format!(
                "holding out {} of {people} people ({} haplotypes) for validation: never trained on, used to choose the checkpoint and to judge privacy",
                split.validation.samples().len(),
                split.validation.n_haplotypes()
            )),
            Event::TrainingStarted {
                config,
                haplotypes,
                sites,
                device,
            } => {
                printer.info(format!(
                    "training {} on {haplotypes} haplotypes × {sites} sites for {} epochs, device: {device}",
                    config.model.kind(),
                    config.epochs,
                ));
                let bar = printer.progress(Some(config.epochs as u64), "train", "epochs");
                self.training = Some((bar, true));
            }
            Event::Epoch(r) => {
                if let Some((bar, first)) = &mut self.training {
                    if std::mem::take(first) && r.epoch > 1 {
                        bar.resume_at(r.epoch as u64 - 1);
                    }
                    bar.update(
                        r.epoch as u64,
                        format!(
                            "{} {:.2} s/epoch{}",
                            r.losses_text(),
                            r.seconds,
                            validation_text(r)
                        ),
                    );
                }
            }
            Event::Trained { summary, dir } => {
                if let Some((bar, _)) = self.training.take() {
                    bar.finish();
                }
                print_trained(summary, dir, self.ctx);
            }
            Event::ReferenceWeightTried {
                weight,
                missed,
                next,
                folds,
                people,
            } => match (missed.is_empty(), next) {
                (true, _) if folds > 1 => printer.info(format!(
                    "reference weight {weight}: within the privacy bounds on {folds} folds of {people} people trained on; kept"
                )),
                (true, _) => printer.info(format!(
                    "reference weight {weight}: within the privacy bounds on the validation people; kept"
                )),
                (false, Some(next)) => printer.info(format!(
                    "reference weight {weight}: {}; trying {next}",
                    missed.join("; ")
                )),
                (false, None) => printer.info(format!(
                    "reference weight {weight}, the largest tried: {}",
                    missed.join("; ")
                )),
            },
            Event::ReferenceWeightInterrupted {
                weight,
                rung,
                rungs,
            } => printer.info(format!(
                "reference weight ladder interrupted at weight {weight} (rung {rung} of {rungs}), before it was judged; --resume with the same --reference continues the ladder from this rung"
            )),
            Event::Sampling { checkpoint } if checkpoint.epoch != checkpoint.meta.epochs_done => {
                printer.info(format!(
                    "sampling epoch {} of {}, chosen on validation people (--last for epoch {})",
                    checkpoint.epoch, checkpoint.meta.epochs_done, checkpoint.meta.epochs_done
                ));
            }
            Event::Generated { guard, device } => match (guard, device) {
                (Some(report), _) => printer.info(format!(
                    "guard: every AG is at least {} sites from every training haplotype{}; {} redrawn",
                    report.threshold,
                    if report.auto { " (auto)" } else { "" },
                    report.redrawn
                )),
                (None, Some(device)) => printer.debug(format!("generated on {device}")),
                (None, None) => {}
            },
            Event::Drawn { haplotypes, total } => {
                let bar = self.drawing.get_or_insert_with(|| {
                    printer.progress(Some(total as u64), "generating", "haplotypes")
                });
                bar.update(haplotypes as u64, "");
                if haplotypes >= total
                    && let Some(bar) = self.drawing.take()
                {
                    bar.finish();
                }
            }
            Event::Wrote {
                path,
                samples,
                haplotypes,
                sites,
            } if path.as_os_str() != "-" => {
                printer.info(format!(
                    "wrote {} ({samples} AG samples, {haplotypes} haplotypes, {sites} sites)",
                    path.display(),
                ));
            }
            Event::Fidelity {
                af,
                ld,
                sites,
                windows,
            } => printer.info(format!(
                "fidelity (AGs vs training): allele-frequency r = {af:.4}, LD r² correlation (median of {windows} windows of {sites} sites) = {ld:.4}"
            )),
            Event::EvalStarted { steps } => {
                let bar = printer.progress(Some(steps), "eval", "steps");
                self.evaluation = Some((bar, Instant::now()));
            }
            Event::EvalStep { step, name } => {
                if let Some((bar, started)) = &mut self.evaluation {
                    bar.suspend(|| {
                        printer.debug(format!("{:.2}s: {name}", started.elapsed().as_secs_f64()))
                    });
                    bar.update(step, name);
                }
            }
            Event::EvalFinished { steps } => {
                if let Some((mut bar, _)) = self.evaluation.take() {
                    bar.update(steps, "done");
                    bar.finish();
                }
            }
            _ => {}
        }
    }
}

/// How training ended: stopped (and how to continue) or done, the checkpoint selection chose,
/// and the DP-SGD guarantee.
fn print_trained(summary: &TrainSummary, dir: &std::path::Path, ctx: &Context) {
    if summary.stopped {
        ctx.printer.warn(format!(
            "interrupted: checkpoint saved at epoch {} in {}; continue with --resume",
            summary.epochs_done,
            dir.display()
        ));
    } else {
        ctx.printer.info(format!(
            "trained {} epochs ({} in total, {:.2} s/epoch on {}){}; model in {}",
            summary.epochs_run,
            summary.epochs_done,
            summary.seconds_per_epoch,
            summary.device,
            if summary.early_stopped {
                ", stopped early: no better checkpoint for --patience validations"
            } else {
                ""
            },
            dir.display()
        ));
    }
    if let Some(p) = &summary.private_alleles {
        ctx.printer.info(format!(
            "private alleles not learned: {} alleles at {} sites (no reference person and fewer \
             than {} of the input's haplotypes carry them, none included; sites kept, not \
             modelled, the reference allele in the AGs)",
            p.alleles, p.sites, p.min_count
        ));
    }
    if let Some(state) = &summary.selection {
        print_selection(state, ctx);
    }
    crate::commands::dp::print_privacy(summary, ctx);
}

/// Which checkpoint selection chose, and whether it is within the privacy bounds.
fn print_selection(state: &SelectionState, ctx: &Context) {
    let (Some(epoch), Some(best)) = (state.best_epoch, &state.best) else {
        return;
    };
    ctx.printer.info(format!(
        "selected epoch {epoch} on the validation people: AA_truth {:.3}, AA_syn {:.3}, privacy loss {:.3}, membership AUC {:.3}, LD r² correlation {:.3}",
        best.aa_truth, best.aa_syn, best.privacy_loss, best.membership_auc, best.ld_r2
    ));
    match (best.likelihood_auc, &best.likelihood_population) {
        (Some(auc), None) => ctx.printer.info(format!(
            "likelihood attack at the selected epoch: AUC {auc:.3}, TPR at 1% FPR {}",
            genosynth_eval::tpr_text(best.likelihood_tpr, state.validation_samples.len(), 0.01)
        )),
        // Each population's members against its own non-members: the worst one judges.
        (Some(auc), Some(population)) => ctx.printer.info(format!(
            "likelihood attack at the selected epoch, on each population's people apart: \
             highest AUC {auc:.3} ({population}), TPR at 1% FPR {}",
            best.likelihood_tpr.map_or_else(
                || format!(
                    "not resolvable (each population has fewer than {} validation people)",
                    genosynth_core::non_members_needed(0.01)
                ),
                |t| format!("{t:.3}")
            )
        )),
        (None, _) => {}
    }
}

/// Says loudly that AGs are written from a model outside the privacy bounds.
pub(crate) fn warn_privacy_risk(risk: &genosynth_eval::PrivacyRisk, ctx: &Context) {
    ctx.printer.warn(format!(
        "--accept-privacy-risk: writing AGs of a model outside the privacy bounds ({}); recorded in their ##genosynthPrivacyRisk header and the report",
        risk.failed.join("; ")
    ));
}
