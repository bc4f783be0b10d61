//! What the pipeline tells its caller while it runs: one [`Event`] per step, handed to a
//! [`Progress`] (any `FnMut(Event)` closure is one), so a CLI can draw bars and a notebook
//! can log without the pipeline knowing either.

use std::path::Path;

use genosynth_models::{Checkpoint, EpochReport, TrainConfig, TrainSummary};
use genosynth_vcf::ReadReport;

use crate::{GuardReport, ValidationSplit};

/// One step of the pipeline, as it happens.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Haplotypes were read from `path`.
    Read {
        /// The file.
        path: &'a Path,
        /// What reading kept and dropped.
        report: &'a ReadReport,
    },
    /// People were held out of training for validation.
    HeldOut {
        /// The split.
        split: &'a ValidationSplit,
        /// People in the data before the split.
        people: usize,
    },
    /// Training starts.
    TrainingStarted {
        /// Its configuration.
        config: &'a TrainConfig,
        /// Haplotypes trained on.
        haplotypes: usize,
        /// Sites of each haplotype.
        sites: usize,
        /// The device chosen, e.g. `cpu (2 threads)`.
        device: &'a str,
    },
    /// An epoch ended.
    Epoch(&'a EpochReport),
    /// Training ended (`summary.stopped`: the stop flag ended it early).
    Trained {
        /// How it went.
        summary: &'a TrainSummary,
        /// The model directory.
        dir: &'a Path,
    },
    /// `auto` reference weight: a model with `weight` was trained and its selected checkpoint
    /// judged on the validation people (or, with weight folds, the mean of its folds').
    ReferenceWeightTried {
        /// The HCLT's reference weight.
        weight: f32,
        /// The privacy bounds its selected checkpoint missed (empty: it met them and is kept).
        missed: &'a [String],
        /// The weight tried next, if any (none: this model is kept).
        next: Option<f32>,
        /// Folds it was judged on (1: the validation people alone).
        folds: usize,
        /// People those folds hold out in all.
        people: usize,
    },
    /// `auto` reference weight: the stop flag ended the ladder in the rung of `weight`, before
    /// it was judged; a resumed run continues the ladder from that rung.
    ReferenceWeightInterrupted {
        /// The HCLT's reference weight of the rung.
        weight: f32,
        /// Its place in the ladder (1: the first rung).
        rung: usize,
        /// Rungs in the ladder.
        rungs: usize,
    },
    /// The checkpoint about to be sampled (selection may have chosen an earlier epoch).
    Sampling {
        /// The checkpoint.
        checkpoint: &'a Checkpoint,
    },
    /// AGs were drawn.
    Generated {
        /// What the generation guard did, when it ran.
        guard: Option<&'a GuardReport>,
        /// The device they were drawn on (without the guard).
        device: Option<&'a str>,
    },
    /// A chunk of AGs was drawn and handed to the writer.
    Drawn {
        /// Haplotypes drawn so far.
        haplotypes: usize,
        /// Haplotypes to draw in all.
        total: usize,
    },
    /// AGs were written to `path` (`-`: stdout).
    Wrote {
        /// The output.
        path: &'a Path,
        /// AG samples written.
        samples: usize,
        /// AG haplotypes written.
        haplotypes: usize,
        /// Sites of each.
        sites: usize,
    },
    /// `synth`'s first look at the AGs against the training haplotypes.
    Fidelity {
        /// Allele-frequency correlation.
        af: f64,
        /// LD r² correlation: the median over `windows` windows of `sites` sites spread along
        /// the chromosome (the verdict's and checkpoint selection's figure).
        ld: f64,
        /// Sites per LD window.
        sites: usize,
        /// LD windows.
        windows: usize,
    },
    /// The evaluation starts, in `steps` steps.
    EvalStarted {
        /// Number of [`Event::EvalStep`]s a complete evaluation reports.
        steps: u64,
    },
    /// An evaluation step starts.
    EvalStep {
        /// 0-based step number.
        step: u64,
        /// Its name, e.g. `pairwise distances`.
        name: &'a str,
    },
    /// The evaluation ended (completed, failed or stopped) after `steps` steps.
    EvalFinished {
        /// Steps started.
        steps: u64,
    },
}

/// Receives the pipeline's [`Event`]s.
pub trait Progress {
    /// Called once per event, in order.
    fn event(&mut self, event: Event<'_>);
}

impl<F: FnMut(Event<'_>)> Progress for F {
    fn event(&mut self, event: Event<'_>) {
        self(event)
    }
}
