//! `genosynth generate` written as it samples: chunks of AGs from the facade's
//! `generate_chunked` go straight into genosynth-vcf's `StreamWriter`, so memory is bounded by
//! a chunk (and the writer's spill batch), not by `-n`.

use anyhow::Context as _;
use genosynth_core::{Ploidy, Sample};
use genosynth_models::{Checkpoint, DeviceChoice, GenerateOptions};

use crate::Context;
use crate::commands::generate::{Guard, OutputArgs, contigs_of, model_header};
use crate::commands::io_args::{checked_output_format, write_options};
use crate::commands::population::{ag_panel_path, write_ag_panel};

/// What one streamed generation needs besides the checkpoint and the output flags.
pub(crate) struct Plan<'a> {
    /// Haplotypes to draw.
    pub(crate) n: usize,
    /// One label per haplotype for a conditional model.
    pub(crate) labels: Option<&'a [usize]>,
    pub(crate) seed: u64,
    pub(crate) device: DeviceChoice,
    /// Haplotypes per chunk.
    pub(crate) chunk: usize,
}

/// Samples `plan.n` haplotypes chunk by chunk and writes them as they come; `false` when
/// Ctrl-C stopped it (nothing written).
pub(crate) fn generate_streaming(
    checkpoint: &Checkpoint,
    plan: &Plan<'_>,
    out: &OutputArgs,
    guard: Option<Guard<'_>>,
    ctx: &Context,
) -> anyhow::Result<bool> {
    let n = plan.n;
    let format = checked_output_format(out.output_type.as_deref(), &out.output)?;
    anyhow::ensure!(
        out.ploidy == 1 || n.is_multiple_of(2),
        "-n {n}: an odd number of haplotypes cannot pair into diploid samples (use --ploidy 1)"
    );
    let samples = if out.ploidy == 2 {
        Sample::numbered("AG_", n / 2, Ploidy::Diploid)
    } else {
        Sample::numbered("AG_", n, Ploidy::Haploid)
    };
    // The AGs' panel names the samples after the data is written.
    let panel_samples = plan.labels.is_some().then(|| samples.clone());
    let sites = checkpoint.sites();
    let mut write = write_options(ctx, format, out.write_index, contigs_of(&sites));
    write.metadata = vec![
        (
            "genosynthModel".to_string(),
            model_header(checkpoint, &checkpoint.dir),
        ),
        ("genosynthSeed".to_string(), plan.seed.to_string()),
    ];
    let writing = || format!("writing {}", out.output.display());
    let mut writer = genosynth_vcf::StreamWriter::create(&out.output, sites, samples, &write)
        .with_context(writing)?;
    let options = GenerateOptions {
        n_haplotypes: n,
        seed: plan.seed,
        device: plan.device,
        gibbs_steps: out.sample_gibbs_steps,
    };
    let mut progress = ctx
        .printer
        .progress(Some(n as u64), "generating", "haplotypes");
    let guard = guard.map(|g| (g.train, g.min_distance));
    let done = genosynth::generate_chunked::<anyhow::Error>(
        checkpoint,
        &options,
        plan.chunk,
        plan.labels,
        guard,
        &ctx.stop,
        &mut |chunk| {
            writer.push(&chunk.matrix)?;
            progress.update(writer.pushed() as u64, "");
            Ok(())
        },
    );
    let done = match done {
        Err(e) if is_interrupted(&e) => return Ok(false),
        other => other.with_context(|| format!("sampling from {}", checkpoint.dir.display()))?,
    };
    progress.finish();
    if done.stopped {
        return Ok(false);
    }
    ctx.printer.debug(format!(
        "generated on {} in {} chunks of at most {}",
        done.device, done.chunks, plan.chunk
    ));
    if let Some(g) = &done.guard {
        ctx.printer.info(format!(
            "guard: every AG is at least {} sites from every training haplotype{}; {} redrawn",
            g.threshold,
            if g.auto { " (auto)" } else { "" },
            g.redrawn
        ));
        writer.add_metadata("genosynthGuard", g.header_value());
    }
    if let Some(p) = &checkpoint.meta.privacy {
        writer.add_metadata("genosynthDp", genosynth::dp_header(p));
    }
    let (n_samples, n_sites) = (n / usize::from(out.ploidy), checkpoint.meta.sites.len());
    match writer.finish() {
        Err(e) if e.is_interrupted() => return Ok(false),
        other => other.with_context(writing)?,
    }
    if let (Some(labels), Some(samples), Some(path)) =
        (plan.labels, panel_samples, ag_panel_path(&out.output))
    {
        write_ag_panel(&path, &samples, labels, checkpoint)?;
    }
    if out.output.as_os_str() != "-" {
        ctx.printer.info(format!(
            "wrote {} ({n_samples} AG samples, {n} haplotypes, {n_sites} sites)",
            out.output.display(),
        ));
    }
    Ok(true)
}

/// Whether a writer error in the chain is Ctrl-C.
fn is_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<genosynth_vcf::Error>()
            .is_some_and(genosynth_vcf::Error::is_interrupted)
    })
}
