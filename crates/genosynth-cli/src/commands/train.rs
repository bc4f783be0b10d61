//! `genosynth train`: fit one of the five models (gan, rbm, wgan, crbm, hclt) to phased
//! haplotypes and keep a checkpoint directory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use genosynth_models::{
    Checkpoint, CrbmParams, DeviceChoice, GanParams, HcltParams, ModelKind, ModelParams, RbmParams,
    TrainConfig, WganParams,
};

use genosynth::{ReferenceWeight, TrainJob};

use crate::Context;
use crate::commands::dp::DpArgs;
use crate::commands::io_args::InputArgs;
use crate::commands::population::{self, LabelColumn};
use crate::commands::resume_flags;
use crate::commands::selection::{SelectionArgs, SelectionGuardArgs};
use crate::commands::window::{WindowArgs, WindowJob};
use crate::reporter::Reporter;

/// Train one of five models on phased haplotypes; the model goes to a checkpoint directory.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Input VCF, VCF.gz, BCF, .hapt, PLINK 2 .pgen or BGEN .bgen with phased haplotypes (`-` = stdin, VCF/BCF only).
    input: PathBuf,
    /// Model directory (model.safetensors, optimizer.safetensors, model.json, history.jsonl).
    #[arg(short = 'o', long = "output", value_name = "MODEL_DIR")]
    output: PathBuf,
    #[command(flatten)]
    run: RunArgs,
    /// Continue the checkpoint in MODEL_DIR (same data) up to --epochs in total; its
    /// hyperparameters and seed are used (a flag asking for other values is refused).
    #[arg(long)]
    resume: bool,
    /// Population panel (1000 Genomes layout: sample pop super_pop gender) whose labels make
    /// a conditional wgan or crbm, or an hclt mixture with one component per label started
    /// from its people (--hclt-components left at 1 becomes the number of labels);
    /// `generate --population` then draws AGs per label (an hclt's from their component).
    #[arg(long, value_name = "FILE")]
    panel: Option<PathBuf>,
    /// Panel column used as the label.
    #[arg(long, value_enum, default_value_t = LabelColumn::SuperPop, requires = "panel")]
    label_column: LabelColumn,
    /// Other people at the same sites (none of the input's) for a small training set to
    /// borrow strength from: the hclt shrinks towards a model of them
    /// (--reference-weight; docs/privacy.md).
    #[arg(long, value_name = "FILE")]
    reference: Option<PathBuf>,
    #[command(flatten, next_help_heading = "Input")]
    input_args: InputArgs,
    #[command(
        flatten,
        next_help_heading = "One window of a chromosome (genosynth plan)"
    )]
    window: WindowArgs,
    #[command(flatten)]
    selection: SelectionArgs,
    #[command(flatten)]
    selection_guard: SelectionGuardArgs,
    #[command(flatten)]
    dp: DpArgs,
    // One heading per model, after the shared options.
    #[command(flatten)]
    hyper: HyperArgs,
}

/// `train --help`: the five models and which to pick (figures: README.md and
/// docs/reproduction-frontier.md, measured on the 805-SNP 1000 Genomes set).
pub(crate) const WHICH_MODEL: &str = "\
Train one of five models on phased haplotypes; the model goes to a checkpoint directory.

Which model (--model):
  hclt  hidden Chow-Liu tree, exact likelihood, trained by EM (an epoch is one
        EM iteration): the most realistic AGs per CPU second (805 SNPs: 20 s on
        2 cores), but leaks measurably more than rbm; the default of `synth`.
  rbm   restricted Boltzmann machine (Yelmen et al. 2021): private but noisy.
  gan   dense GAN (Yelmen et al. 2021), the paper's main model and the default
        here: slow to converge (the paper ran 20,000 epochs).
  wgan  convolutional WGAN-GP (Yelmen et al. 2023): long regions, 10k-65k sites.
  crbm  conditional RBM over chained windows (Yelmen et al. 2023): any length,
        whole chromosomes in windows (see `plan`, --window-index and `stitch`).
With --validation-fraction, people are held out to choose the checkpoint; check
the privacy figures with `genosynth eval` before sharing AGs.

Options are grouped: shared ones first, then one group per model; a model reads
only its own group.";

/// Model kind, length, seed and device.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RunArgs {
    /// Model: gan (dense GAN), rbm (restricted Boltzmann machine), wgan (convolutional
    /// WGAN-GP for long inputs), crbm (conditional RBM over chained windows, any length) or
    /// hclt (hidden Chow-Liu tree: exact likelihood, trained by EM; an epoch is one EM
    /// iteration).
    #[arg(long, value_enum, default_value_t = Model::Gan)]
    pub(crate) model: Model,
    /// Epochs in total (default: the paper's, 20000 for gan and 800 for rbm).
    #[arg(long, value_name = "N")]
    pub(crate) epochs: Option<usize>,
    /// Seed of every random draw; CPU runs with the same seed and --threads repeat exactly on
    /// the same CPU model (on another CPU: the same distribution, not the same bits).
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub(crate) seed: u64,
    /// Where to compute: auto (CUDA if built with it and a GPU answers, else CPU), cpu,
    /// cuda, cuda:N.
    #[arg(long, default_value = "auto", value_name = "D")]
    pub(crate) device: String,
    /// Write a checkpoint every N epochs (0 = only at the end).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub(crate) save_every: usize,
}

/// `--model` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Model {
    Gan,
    Rbm,
    Wgan,
    Crbm,
    Hclt,
}

impl From<Model> for ModelKind {
    fn from(m: Model) -> Self {
        match m {
            Model::Gan => ModelKind::Gan,
            Model::Rbm => ModelKind::Rbm,
            Model::Wgan => ModelKind::Wgan,
            Model::Crbm => ModelKind::Crbm,
            Model::Hclt => ModelKind::Hclt,
        }
    }
}

/// Every hyperparameter, with the defaults of the authors' code.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct HyperArgs {
    /// GAN: size of the Gaussian latent vector.
    #[arg(long, default_value_t = GanParams::default().latent_size, value_name = "N", help_heading = "GAN (--model gan)")]
    latent_size: usize,
    /// GAN: generator hidden layers have ⌊sites / D⌋ units.
    #[arg(long, value_delimiter = ',', num_args = 2, default_values_t = GanParams::default().generator_divisors, value_name = "D1,D2", help_heading = "GAN (--model gan)")]
    generator_divisors: Vec<f64>,
    /// GAN: discriminator hidden layers have ⌊sites / D⌋ units.
    #[arg(long, value_delimiter = ',', num_args = 2, default_values_t = GanParams::default().discriminator_divisors, value_name = "D1,D2", help_heading = "GAN (--model gan)")]
    discriminator_divisors: Vec<f64>,
    /// GAN: negative slope of the LeakyReLU activations.
    #[arg(long, default_value_t = GanParams::default().leaky_slope, value_name = "A", help_heading = "GAN (--model gan)")]
    leaky_slope: f32,
    /// GAN: L2 penalty (Keras l2) on hidden-layer kernels.
    #[arg(long, default_value_t = GanParams::default().l2, value_name = "L", help_heading = "GAN (--model gan)")]
    gan_l2: f32,
    /// GAN: Adam learning rate of the discriminator.
    #[arg(long, default_value_t = GanParams::default().discriminator_lr, value_name = "LR", help_heading = "GAN (--model gan)")]
    discriminator_lr: f32,
    /// GAN: Adam learning rate of the generator.
    #[arg(long, default_value_t = GanParams::default().generator_lr, value_name = "LR", help_heading = "GAN (--model gan)")]
    generator_lr: f32,
    /// GAN: haplotypes per minibatch.
    #[arg(long, default_value_t = GanParams::default().batch_size, value_name = "N", help_heading = "GAN (--model gan)")]
    gan_batch_size: usize,
    /// GAN: real inputs become x − U(0, A), drawn once.
    #[arg(long, default_value_t = GanParams::default().real_input_noise, value_name = "A", help_heading = "GAN (--model gan)")]
    real_input_noise: f32,
    /// GAN: real labels are 1 − U(0, A) per minibatch.
    #[arg(long, default_value_t = GanParams::default().real_label_noise, value_name = "A", help_heading = "GAN (--model gan)")]
    real_label_noise: f32,
    /// GAN: Adam β1.
    #[arg(long, default_value_t = GanParams::default().beta1, value_name = "B", help_heading = "GAN (--model gan)")]
    adam_beta1: f32,
    /// GAN: Adam β2.
    #[arg(long, default_value_t = GanParams::default().beta2, value_name = "B", help_heading = "GAN (--model gan)")]
    adam_beta2: f32,
    /// GAN: Adam ε.
    #[arg(long, default_value_t = GanParams::default().epsilon, value_name = "E", help_heading = "GAN (--model gan)")]
    adam_epsilon: f32,
    /// GAN: decay of the moving average of the generator's weights that generates AGs
    /// (0: the live weights, as in the paper).
    #[arg(long, default_value_t = GanParams::default().generator_ema, value_name = "D", help_heading = "GAN (--model gan)")]
    generator_ema: f32,
    /// GAN: weight γ of the R1 penalty γ/2·‖∇D(x)‖² on real haplotypes (0: none, as in the
    /// paper).
    #[arg(long, default_value_t = GanParams::default().r1_penalty, value_name = "G", help_heading = "GAN (--model gan)")]
    r1_penalty: f32,

    /// RBM: number of hidden units.
    #[arg(long, default_value_t = RbmParams::default().hidden_units, value_name = "N", help_heading = "RBM (--model rbm)")]
    hidden_units: usize,
    /// RBM: SGD learning rate.
    #[arg(long, default_value_t = RbmParams::default().lr, value_name = "LR", help_heading = "RBM (--model rbm)")]
    rbm_lr: f32,
    /// RBM: haplotypes per minibatch.
    #[arg(long, default_value_t = RbmParams::default().batch_size, value_name = "N", help_heading = "RBM (--model rbm)")]
    rbm_batch_size: usize,
    /// RBM: negative chains per minibatch.
    #[arg(long, default_value_t = RbmParams::default().chains, value_name = "N", help_heading = "RBM (--model rbm)")]
    chains: usize,
    /// RBM and CRBM: Gibbs steps of the negative phase (and of sampling).
    #[arg(long, default_value_t = RbmParams::default().gibbs_steps, value_name = "K", help_heading = "RBM (--model rbm)")]
    gibbs_steps: usize,
    /// RBM: keep the chains between minibatches (PCD) instead of restarting them at random.
    #[arg(long, help_heading = "RBM (--model rbm)")]
    persistent: bool,
    /// RBM: L2 penalty on the weights.
    #[arg(long, default_value_t = RbmParams::default().l2, value_name = "L", help_heading = "RBM (--model rbm)")]
    rbm_l2: f32,
    /// RBM: standard deviation of the initial weights [default: 0.0001, the paper's; `synth
    /// --preset quick`: 0.1].
    #[arg(long, value_name = "S", help_heading = "RBM (--model rbm)")]
    init_std: Option<f32>,
    /// RBM: rate of the moving average of the hidden offset (centered gradient).
    #[arg(long, default_value_t = RbmParams::default().hidden_offset_rate, value_name = "R", help_heading = "RBM (--model rbm)")]
    hidden_offset_rate: f32,
    /// WGAN: channel multiplier; layer widths run from 52× down to 0.5× of it.
    #[arg(long, default_value_t = WganParams::default().multiplier, value_name = "M", help_heading = "WGAN (--model wgan)")]
    channel_multiplier: f64,
    /// WGAN: residual blocks per resolution in each network.
    #[arg(long, default_value_t = WganParams::default().residual_blocks, value_name = "N", help_heading = "WGAN (--model wgan)")]
    residual_blocks: usize,
    /// WGAN: haplotypes per critic sample (PacGAN packing).
    #[arg(long, default_value_t = WganParams::default().pack, value_name = "N", help_heading = "WGAN (--model wgan)")]
    pack: usize,
    /// WGAN: haplotypes per batch.
    #[arg(long, default_value_t = WganParams::default().batch_size, value_name = "N", help_heading = "WGAN (--model wgan)")]
    wgan_batch_size: usize,
    /// WGAN: critic steps per generator step.
    #[arg(long, default_value_t = WganParams::default().n_critic, value_name = "N", help_heading = "WGAN (--model wgan)")]
    n_critic: usize,
    /// WGAN: gradient-penalty weight.
    #[arg(long, default_value_t = WganParams::default().gp_weight, value_name = "W", help_heading = "WGAN (--model wgan)")]
    gp_weight: f64,
    /// WGAN: Adam learning rate of both networks (betas 0.5, 0.9).
    #[arg(long, default_value_t = WganParams::default().lr, value_name = "LR", help_heading = "WGAN (--model wgan)")]
    wgan_lr: f64,
    /// CRBM: sites per window; windows step by half a window (capped at the number of sites).
    #[arg(long, default_value_t = CrbmParams::default().window, value_name = "W", help_heading = "CRBM (--model crbm)")]
    window: usize,
    /// CRBM: hidden units per window.
    #[arg(long, default_value_t = CrbmParams::default().n_hidden, value_name = "N", help_heading = "CRBM (--model crbm)")]
    crbm_hidden_units: usize,
    /// CRBM: learning rate.
    #[arg(long, default_value_t = CrbmParams::default().lr, value_name = "LR", help_heading = "CRBM (--model crbm)")]
    crbm_lr: f64,
    /// CRBM: minibatch size (also the number of negative chains); Gibbs steps: --gibbs-steps.
    #[arg(long, default_value_t = CrbmParams::default().batch_size, value_name = "N", help_heading = "CRBM (--model crbm)")]
    crbm_batch_size: usize,
    /// HCLT: hidden states per site.
    #[arg(long, default_value_t = HcltParams::default().states, value_name = "K", help_heading = "HCLT (--model hclt)")]
    hclt_states: usize,
    /// HCLT: mixture components, each with --hclt-states states per site; the root's state
    /// picks one for the whole haplotype (population structure beyond a tree of local states).
    #[arg(long, default_value_t = HcltParams::default().components, value_name = "C", help_heading = "HCLT (--model hclt)")]
    hclt_components: usize,
    /// HCLT with --hclt-components above 1: start the components at random instead of from
    /// k-means clusters of the training people's leading principal components.
    #[arg(long, help_heading = "HCLT (--model hclt)")]
    hclt_random_start: bool,
    /// HCLT: pseudo-count pulling each state's allele frequency towards the site's.
    #[arg(long, default_value_t = HcltParams::default().emission_prior, value_name = "A", help_heading = "HCLT (--model hclt)")]
    emission_prior: f32,
    /// HCLT: pseudo-count added to every transition between hidden states.
    #[arg(long, default_value_t = HcltParams::default().transition_prior, value_name = "A", help_heading = "HCLT (--model hclt)")]
    transition_prior: f32,
    /// HCLT: sampling temperature of the emissions (below 1 sharpens each state's alleles).
    #[arg(long, default_value_t = HcltParams::default().temperature, value_name = "T", help_heading = "HCLT (--model hclt)")]
    temperature: f32,
    /// HCLT: haplotypes per E-step chunk (bounds memory; the result is the same).
    #[arg(long, default_value_t = HcltParams::default().chunk, value_name = "N", help_heading = "HCLT (--model hclt)")]
    hclt_chunk: usize,
    /// HCLT: the Chow-Liu tree links sites at most this many sites apart.
    #[arg(long, default_value_t = HcltParams::default().tree_band, value_name = "SITES", help_heading = "HCLT hyperparameters")]
    hclt_tree_band: usize,
    /// HCLT with --reference: the prior towards the reference model is worth W × the training
    /// haplotypes (the model keeps 1/(1+W) of its own data's weight). auto: of 0.5, 1, 2, 4, 8,
    /// the largest at or below 256 / training haplotypes, then (with validation people) the
    /// next ones in turn until a model's selected checkpoint meets the privacy bounds on them.
    #[arg(long, default_value_t = ReferenceWeight::Auto, value_name = "auto|W", help_heading = "HCLT hyperparameters")]
    reference_weight: ReferenceWeight,
    /// HCLT with --reference: borrow: the reference's allele frequencies come with its
    /// haplotype structure, both at --reference-weight (at 4-8 a small population's AGs take
    /// the reference's ancestry). F: the structure is borrowed at --reference-weight, but the
    /// prior's frequency at each site is (own + F × reference) / (1 + F); 0 keeps the
    /// population's own.
    #[arg(long, default_value = "borrow", value_name = "borrow|F", value_parser = parse_frequency_weight, help_heading = "HCLT hyperparameters")]
    reference_frequency_weight: FrequencyWeight,
    /// HCLT with --reference and --reference-weight auto: judge each weight on K folds instead
    /// of the validation people alone. A fold is a group of as many of the training people as
    /// there are validation people; its model trains on everyone else (as many people as the
    /// written model, the same reference model and seed) up to the epoch the written model's
    /// checkpoint was chosen at, and a weight is kept when the mean of the folds' privacy
    /// figures there meets the bounds. At most training / validation people (4 with a fifth
    /// held out); costs K more models per weight. 0: the validation people alone. The refusal
    /// still judges the written model on its validation people.
    #[arg(
        long,
        default_value_t = 0,
        value_name = "K",
        help_heading = "HCLT hyperparameters"
    )]
    pub(crate) weight_folds: usize,
    /// HCLT with --reference: a site whose alternate allele no reference haplotype carries and
    /// fewer than N of the input's haplotypes carry (validation people included; none
    /// included) is not modelled: the model's likelihood leaves it out and the AGs carry the
    /// reference allele there, the site kept. Such alleles are what the likelihood attack
    /// reads on small training sets (docs/privacy.md); the AGs then lack the population's own
    /// rarest alleles. 0: model every site. [default: 5 with --reference]
    #[arg(long, value_name = "N", help_heading = "HCLT hyperparameters")]
    private_allele_min_count: Option<usize>,
}

impl HyperArgs {
    /// `--private-allele-min-count`, or its default: 5 with reference people, 0 without.
    ///
    /// # Errors
    /// A count above 0 without `--reference` (there is nothing to compare the alleles with).
    pub(crate) fn private_allele_min_count(&self, reference: bool) -> anyhow::Result<usize> {
        match (self.private_allele_min_count, reference) {
            (None, true) => Ok(genosynth::DEFAULT_PRIVATE_ALLELE_MIN_COUNT),
            (None, false) => Ok(0),
            (Some(n), true) => Ok(n),
            // 0 is "off", which holds without reference people too (a workflow passes it
            // whatever its conditioning).
            (Some(0), false) => Ok(0),
            (Some(n), false) => anyhow::bail!(
                "--private-allele-min-count {n}: it masks the input's alleles that no reference \
                 person carries, so it needs --reference FILE (other people at the same sites); \
                 without one, leave it out"
            ),
        }
    }

    /// `--reference-weight`.
    pub(crate) fn reference_weight(&self) -> ReferenceWeight {
        self.reference_weight
    }

    /// `--init-std` when given.
    pub(crate) fn init_std(&self) -> Option<f32> {
        self.init_std
    }

    /// The hyperparameters of `kind` from these flags.
    pub(crate) fn params(&self, kind: ModelKind) -> ModelParams {
        match kind {
            ModelKind::Gan => ModelParams::Gan(GanParams {
                latent_size: self.latent_size,
                generator_divisors: [self.generator_divisors[0], self.generator_divisors[1]],
                discriminator_divisors: [
                    self.discriminator_divisors[0],
                    self.discriminator_divisors[1],
                ],
                leaky_slope: self.leaky_slope,
                l2: self.gan_l2,
                discriminator_lr: self.discriminator_lr,
                generator_lr: self.generator_lr,
                batch_size: self.gan_batch_size,
                real_input_noise: self.real_input_noise,
                real_label_noise: self.real_label_noise,
                beta1: self.adam_beta1,
                beta2: self.adam_beta2,
                epsilon: self.adam_epsilon,
                generator_ema: self.generator_ema,
                r1_penalty: self.r1_penalty,
            }),
            ModelKind::Rbm => ModelParams::Rbm(RbmParams {
                hidden_units: self.hidden_units,
                lr: self.rbm_lr,
                batch_size: self.rbm_batch_size,
                chains: self.chains,
                gibbs_steps: self.gibbs_steps,
                persistent: self.persistent,
                l2: self.rbm_l2,
                init_std: self.init_std.unwrap_or(RbmParams::default().init_std),
                hidden_offset_rate: self.hidden_offset_rate,
            }),
            ModelKind::Wgan => ModelParams::Wgan(WganParams {
                multiplier: self.channel_multiplier,
                residual_blocks: self.residual_blocks,
                pack: self.pack,
                batch_size: self.wgan_batch_size,
                n_critic: self.n_critic,
                gp_weight: self.gp_weight,
                lr: self.wgan_lr,
                ..WganParams::default()
            }),
            ModelKind::Crbm => ModelParams::Crbm(CrbmParams {
                window: self.window,
                n_hidden: self.crbm_hidden_units,
                lr: self.crbm_lr,
                batch_size: self.crbm_batch_size,
                gibbs_steps: self.gibbs_steps,
            }),
            ModelKind::Hclt => ModelParams::Hclt(HcltParams {
                states: self.hclt_states,
                emission_prior: self.emission_prior,
                transition_prior: self.transition_prior,
                temperature: self.temperature,
                chunk: self.hclt_chunk,
                tree_band: self.hclt_tree_band,
                reference_weight: match self.reference_weight {
                    ReferenceWeight::Fixed(w) => w,
                    // The ladder sets it per model (genosynth::train).
                    ReferenceWeight::Auto => HcltParams::default().reference_weight,
                },
                frequency_weight: self.reference_frequency_weight.0,
                components: self.hclt_components,
                cluster_start: !self.hclt_random_start,
            }),
        }
    }
}

pub(crate) fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let kind = ModelKind::from(args.run.model);
    let mut config = args.run.train_config(args.hyper.params(kind), None)?;
    config.dp = args.dp.config();
    // A resumed run keeps its checkpoint's hyperparameters, seed and validation people.
    let resumed = if args.resume && genosynth_models::is_checkpoint(&args.output) {
        Some(Checkpoint::load(&args.output)?.meta)
    } else {
        None
    };
    if let Some(meta) = &resumed {
        let asked = resume_flags::conflicts(&args.run, &config.model, meta);
        anyhow::ensure!(
            asked.is_empty(),
            "--resume: {} continues with the hyperparameters and seed in its model.json, and \
             this command asks for others: {}. Drop those flags to continue it, or train the \
             new settings into another directory",
            args.output.display(),
            asked.join(", ")
        );
    }
    let fraction = args.selection.fraction(0.0)?;
    let selection = args
        .selection_guard
        .apply(args.selection.selection(DEFAULT_VALIDATE_EVERY)?);
    if let (Some(index), Some(window_sites)) = (args.window.window_index, args.window.window_sites)
    {
        anyhow::ensure!(
            fraction.is_none(),
            "--validation-fraction cannot be used with --window-index: selection judges AGs of \
             the whole model; hold people out with `genosynth split` instead"
        );
        let panel = args
            .panel
            .as_deref()
            .map(genosynth_vcf::read_panel)
            .transpose()
            .context("--panel")?;
        let job = WindowJob {
            input: &args.input,
            input_args: &args.input_args,
            output: &args.output,
            resume: args.resume,
            panel: panel.as_ref(),
            label_column: args.label_column,
            index,
            window_sites,
        };
        return Ok(
            match crate::commands::window::train_window(&job, config, ctx)? {
                None => crate::commands::convert::interrupted(ctx),
                Some(s) if s.stopped => ExitCode::from(130),
                Some(_) => ExitCode::SUCCESS,
            },
        );
    }
    let private_allele_min_count = args
        .hyper
        .private_allele_min_count(args.reference.is_some())?;
    let mut reporter = Reporter::new(ctx);
    let options = args.input_args.read_options(ctx.stop.clone())?;
    let matrix = match genosynth::read_haplotypes(&args.input, &options, &mut reporter) {
        Err(e) if e.is_interrupted() => return Ok(crate::commands::convert::interrupted(ctx)),
        other => other?.matrix,
    };
    let reference = match &args.reference {
        Some(path) => match genosynth::read_haplotypes(path, &options, &mut reporter) {
            Err(e) if e.is_interrupted() => {
                return Ok(crate::commands::convert::interrupted(ctx));
            }
            other => Some(other.context("--reference")?.matrix),
        },
        None => None,
    };
    let panel = args
        .panel
        .as_deref()
        .map(genosynth_vcf::read_panel)
        .transpose()
        .context("--panel")?;
    let recorded = resumed.and_then(|meta| meta.selection);
    let split = match (recorded, fraction) {
        (Some(state), _) => {
            Some(genosynth::split_named(&matrix, &state.validation_samples).context("--resume")?)
        }
        (None, Some(_)) if args.resume => anyhow::bail!(
            "--validation-fraction: {} was trained without validation people; it cannot start selecting on resume",
            args.output.display()
        ),
        (None, f) => f
            .map(|f| {
                genosynth::hold_out(&matrix, f, config.seed, panel.as_ref(), &mut reporter)
                    .context("--validation-fraction")
            })
            .transpose()?,
    };
    let fit = split.as_ref().map_or(&matrix, |s| &s.fit);
    let labels = population::panel_labels(
        &config.model,
        panel.as_ref(),
        args.label_column,
        fit,
        split.is_some(),
    )?;
    // The validation people's labels: a labelled mixture's attack runs within each label.
    let heldout_labels = match (&labels, &split) {
        (Some(_), Some(s)) => population::panel_labels(
            &config.model,
            panel.as_ref(),
            args.label_column,
            &s.validation,
            true,
        )?,
        _ => None,
    };
    // A labelled hclt has one component per label: --hclt-components left at 1 means that many.
    if let (Some(l), ModelParams::Hclt(p)) = (&labels, &mut config.model)
        && p.components == 1
    {
        p.components = l.names.len();
    }
    let job = TrainJob {
        config: &config,
        dir: &args.output,
        resume: args.resume,
        labels: labels.as_ref(),
        heldout_labels: heldout_labels.as_ref(),
        selection: split.as_ref().map(|s| (s, &selection)),
        reference: reference.as_ref(),
        reference_weight: args.hyper.reference_weight(),
        weight_folds: args.hyper.weight_folds,
        private_allele_min_count,
    };
    let summary = genosynth::train(fit, &job, &mut reporter, &ctx.stop).map_err(with_flags)?;
    if summary.stopped {
        return Ok(ExitCode::from(130));
    }
    // The model stays for inspection; `generate` refuses it too without the flag.
    if let Some(risk) = genosynth::check_privacy(
        summary.selection.as_ref(),
        args.selection.accept_privacy_risk,
    )? {
        crate::reporter::warn_privacy_risk(&risk, ctx);
    }
    Ok(ExitCode::SUCCESS)
}

impl RunArgs {
    /// A validated training configuration from these flags; `default_epochs` overrides the
    /// paper's.
    pub(crate) fn train_config(
        &self,
        model: ModelParams,
        default_epochs: Option<usize>,
    ) -> anyhow::Result<TrainConfig> {
        let device: DeviceChoice = self.device.parse().context("--device")?;
        model.validate()?;
        let paper = TrainConfig::paper(model.kind());
        Ok(TrainConfig {
            model,
            epochs: self.epochs.or(default_epochs).unwrap_or(paper.epochs),
            seed: self.seed,
            device,
            save_every: self.save_every,
            dp: None,
        })
    }
}

/// Epochs between validations in `train` unless --validate-every says otherwise.
const DEFAULT_VALIDATE_EVERY: usize = 10;

/// Names the flag that fixes an error where the library can only name the value.
pub(crate) fn with_flags(err: genosynth::Error) -> anyhow::Error {
    match err {
        genosynth::Error::Models(genosynth_models::Error::CheckpointExists { dir }) => {
            anyhow::anyhow!(
                "checkpoint {}: already holds a model; pass --resume to continue it or choose another directory",
                dir.display()
            )
        }
        other => other.into(),
    }
}

/// `--reference-frequency-weight`: a weight, or `None` for `borrow`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrequencyWeight(Option<f32>);

fn parse_frequency_weight(s: &str) -> Result<FrequencyWeight, String> {
    if s.eq_ignore_ascii_case("borrow") {
        return Ok(FrequencyWeight(None));
    }
    match s.parse::<f32>() {
        Ok(f) if f >= 0.0 && f.is_finite() => Ok(FrequencyWeight(Some(f))),
        _ => Err(format!("{s} is neither borrow nor a weight >= 0")),
    }
}
