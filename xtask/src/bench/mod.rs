//! `cargo xtask bench [io|train|eval|generate|plink|biobank|all] [options]`: genosynth side by side with
//! the tools the field uses, written to `docs/benchmarks.md`.
//!
//! Every figure comes from running the release `genosynth` binary and the reference tool on the
//! same input, on this machine, in the same invocation. The bench installs its references itself
//! (a Python venv in `~/.cache/genosynth-bench`, Debian's `plink2`) and skips a row, saying why,
//! when one cannot be had. Each sub-bench rewrites its own section of the document; `all` rewrites
//! them all. Never run in CI (minutes to hours); `--check` is the cheap CI-side check that the
//! document is complete and was written by this version of the bench.

mod biobank;
mod chromosome;
mod data;
mod doc;
pub(crate) mod environment;
mod eval;
mod eval_parts;
mod generate;
mod io;
mod measure;
mod plink;
mod python;
mod table;
mod train;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

pub(crate) use self::environment::Environment;

pub(crate) const USAGE: &str =
    "usage: cargo xtask bench [io|train|eval|generate|plink|biobank|all] [options]

Runs genosynth (release build) side by side with bcftools, the Keras/PyTorch reference models,
numpy/scikit-allel and plink2 on the same data and machine (biobank: 10⁵ simulated people as
.pgen/.bgen), and rewrites the matching section of
docs/benchmarks.md (`all`: every section). Slow: minutes per section, never run in CI.

options:
  --threads N        threads for both sides (default: all cores)
  --gan-epochs N     GAN epochs per side for `train` (default 20: speed only, the GAN needs
                     thousands of epochs for LD)
  --rbm-epochs N     RBM epochs per side for `train` (default 80: `genosynth synth`'s quick
                     preset, chosen from measured LD curves)
  --repeat N         runs per I/O and eval measurement, the median is kept (default 3)
  --no-scale         skip the large scaled inputs (io 100,000 haplotypes, eval 20,000 x 10,000)
  --people N         simulated people for `biobank` (default 100000)
  --device D         passed to `genosynth train` (cpu, cuda, ...); a CUDA build needs --features
  --features F       cargo features for the genosynth build (e.g. cuda)
  --work DIR         scratch directory (default target/bench)
  --check            only check that docs/benchmarks.md has every section from this bench version
";

/// Which benches to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    Io,
    Train,
    Eval,
    Generate,
    Plink,
    Biobank,
}

const ALL: [Which; 6] = [
    Which::Io,
    Which::Train,
    Which::Eval,
    Which::Generate,
    Which::Plink,
    Which::Biobank,
];

/// Parsed command-line options shared by every bench.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) threads: usize,
    pub(crate) gan_epochs: usize,
    pub(crate) rbm_epochs: usize,
    pub(crate) repeat: usize,
    pub(crate) scale: bool,
    pub(crate) biobank_people: usize,
    pub(crate) device: Option<String>,
    pub(crate) features: Option<String>,
    pub(crate) work: PathBuf,
}

/// What every bench needs: options, the binary under test, input data, the environment.
pub(crate) struct Bench {
    pub(crate) opts: Options,
    pub(crate) genosynth: PathBuf,
    pub(crate) env: Environment,
}

impl Bench {
    /// The 805-SNP training set: the shared copy when present, else the bundled one (same file).
    pub(crate) fn snp805(&self) -> PathBuf {
        let shared = Path::new("../shared/data/1000g/805_SNP_1000G_real.train.vcf.gz");
        if shared.exists() {
            shared.to_path_buf()
        } else {
            PathBuf::from("examples/805_SNP_1000G_real.train.vcf.gz")
        }
    }

    /// The AGBL4 region (chr1, 4,531 records), present only where `../shared` is.
    pub(crate) fn agbl4(&self) -> Option<PathBuf> {
        let p = Path::new("../shared/data/1000g/AGBL4.train.vcf.gz");
        p.exists().then(|| p.to_path_buf())
    }

    /// A scratch path under the work directory (created on demand).
    pub(crate) fn work_path(&self, name: &str) -> anyhow::Result<PathBuf> {
        std::fs::create_dir_all(&self.opts.work)
            .with_context(|| format!("cannot create {}", self.opts.work.display()))?;
        Ok(self.opts.work.join(name))
    }

    /// A `genosynth` command with `--threads` and `--quiet` set.
    pub(crate) fn genosynth(&self) -> Command {
        let mut cmd = Command::new(&self.genosynth);
        cmd.arg("--quiet")
            .arg("--threads")
            .arg(self.opts.threads.to_string());
        cmd
    }
}

/// Entry point of `cargo xtask bench`.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let (which, opts, check) = parse(args)?;
    let doc_path = Path::new("docs/benchmarks.md");
    if check {
        return doc::check(doc_path);
    }
    let genosynth = build_genosynth(opts.features.as_deref())?;
    let env = Environment::detect(&genosynth, opts.threads)?;
    let bench = Bench {
        opts,
        genosynth,
        env,
    };
    eprintln!("bench: {}", bench.env.one_line());
    for w in which {
        eprintln!("bench: running {}", name(w));
        let load_before = environment::load_average();
        let mut section = match w {
            Which::Io => io::run(&bench),
            Which::Train => train::run(&bench),
            Which::Eval => eval::run(&bench),
            Which::Generate => generate::run(&bench),
            Which::Plink => plink::run(&bench),
            Which::Biobank => biobank::run(&bench),
        }
        .with_context(|| format!("bench {}", name(w)))?;
        let load_after = environment::load_average();
        // The bench itself accounts for about `threads` of the load.
        let busy = load_before.max(load_after) - bench.opts.threads as f64;
        if busy > 1.0 {
            section.note(format!(
                "Busy machine: 1-minute load average {load_before:.1} before and {load_after:.1} after \
                 this section on {} cores, so other work competed with both sides; absolute times \
                 are inflated and the ratios only indicative. Rerun on a quiet machine for clean figures.",
                bench.env.cores
            ));
        }
        doc::update(doc_path, name(w), &section, &bench.env)?;
        eprintln!(
            "bench: wrote the {} section of {}",
            name(w),
            doc_path.display()
        );
    }
    Ok(())
}

pub(crate) fn name(w: Which) -> &'static str {
    match w {
        Which::Io => "io",
        Which::Train => "train",
        Which::Eval => "eval",
        Which::Generate => "generate",
        Which::Plink => "plink",
        Which::Biobank => "biobank",
    }
}

fn parse(args: &[String]) -> anyhow::Result<(Vec<Which>, Options, bool)> {
    let mut which = Vec::new();
    let mut check = false;
    let mut opts = Options {
        threads: std::thread::available_parallelism().map_or(1, usize::from),
        gan_epochs: 20,
        rbm_epochs: 80,
        repeat: 3,
        scale: true,
        biobank_people: 100_000,
        device: None,
        features: None,
        work: cargo_target_dir().join("bench"),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value\n\n{USAGE}"))
        };
        let number = |flag: &str, v: String| -> anyhow::Result<usize> {
            match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => bail!("{flag} takes a positive integer, got {v:?}"),
            }
        };
        match arg.as_str() {
            "io" => which.push(Which::Io),
            "train" => which.push(Which::Train),
            "eval" => which.push(Which::Eval),
            "generate" => which.push(Which::Generate),
            "plink" => which.push(Which::Plink),
            "biobank" => which.push(Which::Biobank),
            "all" => which.extend(ALL),
            "--threads" => opts.threads = number(arg, value(arg)?)?,
            "--gan-epochs" => opts.gan_epochs = number(arg, value(arg)?)?,
            "--rbm-epochs" => opts.rbm_epochs = number(arg, value(arg)?)?,
            "--repeat" => opts.repeat = number(arg, value(arg)?)?,
            "--no-scale" => opts.scale = false,
            "--people" => opts.biobank_people = number(arg, value(arg)?)?,
            "--device" => opts.device = Some(value(arg)?),
            "--features" => opts.features = Some(value(arg)?),
            "--work" => opts.work = PathBuf::from(value(arg)?),
            "--check" => check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown bench argument {other:?}\n\n{USAGE}"),
        }
    }
    if which.is_empty() && !check {
        bail!("name a bench to run\n\n{USAGE}");
    }
    which.dedup();
    Ok((which, opts, check))
}

/// Where cargo puts build outputs: `$CARGO_TARGET_DIR` or `target/`.
/// The cargo target directory, absolute: a relative `CARGO_TARGET_DIR` would otherwise mean
/// another place for each child that runs in a package directory (criterion does).
pub(crate) fn cargo_target_dir() -> PathBuf {
    let dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    std::path::absolute(&dir).unwrap_or(dir)
}

/// Builds the release binary the user would install and returns its path.
pub(crate) fn build_genosynth(features: Option<&str>) -> anyhow::Result<PathBuf> {
    eprintln!("bench: building genosynth (release)");
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args([
        "build",
        "--release",
        "--package",
        "genosynth-cli",
        "--bin",
        "genosynth",
    ]);
    if let Some(f) = features {
        cmd.args(["--features", f]);
    }
    let status = cmd.status().context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build --release --package genosynth-cli failed ({status})");
    }
    let bin = cargo_target_dir().join("release").join("genosynth");
    if !bin.exists() {
        bail!("cargo build succeeded but {} is missing", bin.display());
    }
    Ok(std::path::absolute(&bin)?)
}
