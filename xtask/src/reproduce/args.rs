//! `cargo xtask reproduce` arguments: the mode (how long to train) and which models and data
//! sets to run.

use std::path::PathBuf;

use anyhow::{Context, bail};

use super::MODELS;
use super::data::{Dataset, discover};

/// How long to train: the paper's epochs, a quick run for a laptop, or a CI smoke run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Paper,
    Quick,
    Smoke,
}

impl Mode {
    pub(super) fn name(self) -> &'static str {
        match self {
            Mode::Paper => "paper",
            Mode::Quick => "quick",
            Mode::Smoke => "smoke",
        }
    }

    /// Epochs for (GAN, RBM). Paper: 20,000 and 800 (Yelmen et al. 2021). Quick: the RBM at
    /// the `synth` quick preset's length and the GAN for about as long in wall time. Smoke:
    /// short runs that still leave the independent-sites floor clearly behind on LD. The
    /// measurements behind both: docs/measured-choices.md.
    pub(super) fn epochs(self) -> (usize, usize) {
        match self {
            Mode::Paper => (20_000, 800),
            Mode::Quick => (200, 80),
            Mode::Smoke => (60, 40),
        }
    }

    /// Epochs of one of [`MODELS`].
    pub(super) fn model_epochs(self, model: &str) -> usize {
        let (gan, rbm) = self.epochs();
        if model == "gan" { gan } else { rbm }
    }

    /// AGBL4 costs far more per epoch with the dense 2021 models (docs/measured-choices.md):
    /// only the paper-length run includes it unless `--datasets` asks for it.
    pub(super) fn includes_agbl4(self) -> bool {
        self == Mode::Paper
    }

    /// The document this mode writes (none for smoke); its plots go in the folder of the same
    /// name without `.md`.
    pub(super) fn doc(self) -> Option<&'static str> {
        match self {
            Mode::Paper => Some("docs/reproduction-paper.md"),
            Mode::Quick => Some("docs/reproduction.md"),
            Mode::Smoke => None,
        }
    }

    pub(super) fn flag(self) -> &'static str {
        match self {
            Mode::Paper => "",
            Mode::Quick => " --quick",
            Mode::Smoke => " --smoke",
        }
    }
}

pub(super) struct Options {
    pub(super) mode: Mode,
    pub(super) device: String,
    pub(super) datasets: Vec<Dataset>,
    /// Subset of [`MODELS`], in table order.
    pub(super) models: Vec<&'static str>,
    pub(super) out: PathBuf,
    /// Keep the split and continue the model checkpoints already in `out`.
    pub(super) resume: bool,
    /// Seed of training and generation (the split and the floor keep `harness::SEED`, so the
    /// data stay fixed while `--seed` varies the runs, as a seed sweep does).
    pub(super) seed: u64,
    /// The arguments as given, for the document's command line.
    pub(super) args: Vec<String>,
}

pub(super) const USAGE: &str =
    "usage: cargo xtask reproduce [--quick | --smoke] [--models gan,rbm] [--datasets 805,agbl4]
                         [--device auto|cpu|cuda[:N]] [--out DIR] [--resume] [--seed S]
       cargo xtask reproduce --frontier [--models LIST] [--datasets 805,agbl4] [--epochs N]
                         [--out DIR] [--resume]

paper (default): GAN 20,000 epochs, RBM 800 epochs, 805 SNPs and AGBL4, writes
docs/reproduction-paper.md; --quick: under 15 min on 2 cores, 805 SNPs, writes
docs/reproduction.md; --smoke: CI guard (fails when a model does not beat the
independent-sites floor on LD). --models and --datasets run a subset; the document
then holds only that subset. --resume keeps the split in --out (default
target/reproduce) and continues its model checkpoints (saved every 100 epochs), so
an interrupted paper-length run goes on where it stopped. --seed S trains and generates
with seed S (default 42) on the same split. --frontier: every model under
checkpoint selection on held-out people -> docs/reproduction-frontier.md.";

/// Parses the arguments; `None` when help was asked for (and printed).
pub(super) fn parse(args: &[String]) -> anyhow::Result<Option<Options>> {
    let mut mode = Mode::Paper;
    let mut device = "auto".to_string();
    let mut out = crate::bench::cargo_target_dir().join("reproduce");
    let mut models: Vec<&'static str> = MODELS.to_vec();
    let mut wanted_datasets: Option<Vec<String>> = None;
    let mut resume = false;
    let mut seed = crate::harness::SEED;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => mode = Mode::Quick,
            "--smoke" => mode = Mode::Smoke,
            "--resume" => resume = true,
            "--seed" => {
                let v = it.next().context("--seed needs a value")?;
                seed = v
                    .parse()
                    .with_context(|| format!("--seed {v:?} is not a non-negative integer"))?;
            }
            "--device" => device = it.next().context("--device needs a value")?.clone(),
            "--out" => out = PathBuf::from(it.next().context("--out needs a value")?),
            "--models" => {
                let list = it.next().context("--models needs a value, e.g. gan,rbm")?;
                models = parse_models(list)?;
            }
            "--datasets" => {
                let list = it
                    .next()
                    .context("--datasets needs a value, e.g. 805,agbl4")?;
                let names: Vec<String> = list.split(',').map(|d| d.trim().to_lowercase()).collect();
                if let Some(bad) = names
                    .iter()
                    .find(|d| !["805", "agbl4"].contains(&d.as_str()))
                {
                    bail!("unknown data set {bad:?} in --datasets (expected 805, agbl4)");
                }
                wanted_datasets = Some(names);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => bail!("unknown argument {other:?} (see cargo xtask reproduce --help)"),
        }
    }
    let datasets = discover(wanted_datasets.as_deref(), mode.includes_agbl4())?;
    Ok(Some(Options {
        mode,
        device,
        datasets,
        models,
        out,
        resume,
        seed,
        args: args.to_vec(),
    }))
}

/// `gan,rbm` as a subset of [`MODELS`], in table order, without repeats.
fn parse_models(list: &str) -> anyhow::Result<Vec<&'static str>> {
    let mut models = list
        .split(',')
        .map(|m| {
            MODELS
                .into_iter()
                .find(|k| *k == m.trim())
                .with_context(|| format!("unknown model {m:?} in --models (expected gan, rbm)"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    models.sort_by_key(|m| MODELS.iter().position(|k| k == m));
    models.dedup();
    Ok(models)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_come_in_table_order_once() {
        assert_eq!(parse_models("rbm, gan,rbm").unwrap(), ["gan", "rbm"]);
        let err = parse_models("gan,vae").unwrap_err().to_string();
        assert!(err.contains("unknown model \"vae\""), "{err}");
    }

    #[test]
    fn help_is_not_an_error() {
        assert!(parse(&["--help".to_string()]).unwrap().is_none());
        assert!(parse(&["--bogus".to_string()]).is_err());
    }
}
