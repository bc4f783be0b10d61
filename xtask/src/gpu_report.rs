//! `cargo xtask gpu-bundle --report RESULTS.json...`: the GPU section of docs/benchmarks.md,
//! written from what the bundle's `run.sh` measured.
//!
//! Several results files may be given (a rerun of some steps with `--only`): each step is taken
//! from the last file that holds it, and the table says which run it came from.

use std::fs;
use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;

const START: &str = "<!-- gpu-bundle -->";
const END: &str = "<!-- /gpu-bundle -->";
const DOC: &str = "docs/benchmarks.md";

pub(crate) fn write(results: &[String]) -> anyhow::Result<()> {
    if results.is_empty() {
        bail!("--report needs at least one results.json");
    }
    let names: Vec<String> = results
        .iter()
        .map(|p| {
            Path::new(p)
                .file_stem()
                .map_or(p.clone(), |s| s.to_string_lossy().into_owned())
        })
        .collect();
    let runs: Vec<Value> = results
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).with_context(|| format!("cannot read {p}"))?;
            serde_json::from_str(&text).with_context(|| format!("{p} is not JSON"))
        })
        .collect::<anyhow::Result<_>>()?;
    for (run, path) in runs.iter().zip(results) {
        // A dry run's bundle is a dev build: its timings are not the release binary's.
        anyhow::ensure!(
            run["manifest"]["profile"] != "dev",
            "{path} comes from a dev-profile bundle (`gpu-bundle --dry-run`); time a release \
             bundle (`cargo xtask gpu-bundle` without --dry-run)"
        );
    }
    let section = render(&runs, &names)?;
    let doc = fs::read_to_string(DOC).with_context(|| format!("cannot read {DOC}"))?;
    let updated = match (doc.find(START), doc.find(END)) {
        (Some(s), Some(e)) if s < e => format!("{}{section}{}", &doc[..s], &doc[e + END.len()..]),
        _ => format!("{}\n{section}\n", doc.trim_end()),
    };
    let tmp = Path::new(DOC).with_extension("md.tmp");
    fs::write(&tmp, updated)?;
    fs::rename(&tmp, DOC)?;
    eprintln!("gpu-bundle: wrote the GPU section of {DOC}");
    Ok(())
}

/// The step `name` from the last run holding it, with that run's index.
fn step<'a>(runs: &'a [Value], name: &str) -> Option<(usize, &'a Value)> {
    runs.iter().enumerate().rev().find_map(|(i, r)| {
        r["steps"]
            .get(name)
            .filter(|s| s["status"] == "ok")
            .map(|s| (i, s))
    })
}

fn render(runs: &[Value], names: &[String]) -> anyhow::Result<String> {
    let last = runs.last().expect("at least one run");
    let env = step(runs, "environment")
        .map(|(_, s)| s)
        .context("no environment step")?;
    let cpu_ref = &last["manifest"]["cpu_reference"];
    let mut out = format!(
        "{START}\n## GPU: genosynth's CUDA build on one card (vs PyTorch on the same card)\n\n"
    );
    out.push_str(&format!(
        "Card: {}; PyTorch {}; host {} CPUs. Produced by `cargo xtask gpu-bundle` (release binaries with `--features cuda`, \
         built without a GPU) and `gpu-bundle/run.sh OUT` on the GPU machine, which has no Rust toolchain; this section by \
         `cargo xtask gpu-bundle --report OUT/results.json...`. Bundle commit {}. \
         s/epoch is the median epoch after the first (which loads kernels); PyTorch references are `xtask/bench/rbm_torch.py` \
         and `xtask/bench/gan_torch.py` (plain eager PyTorch, data and noise on the GPU) at the same batch sizes, run in \
         the same invocation. CPU figures are the `bench:train` rows above (2 threads).\n\n",
        env["gpu"].as_str().unwrap_or("?"),
        env["torch"].as_str().map_or("?".into(), |t| match t.split_whitespace().collect::<Vec<_>>()[..] {
            [version, cuda, _] => format!("{version} (CUDA {cuda})"),
            _ => t.to_string(),
        }),
        last["host"]["cpus"],
        last["manifest"]["commit"].as_str().unwrap_or("?"),
    ));
    out.push_str("| what | genosynth (CUDA) | PyTorch (CUDA) | PyTorch / genosynth | genosynth CPU | CPU / CUDA | run |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for (name, model, label) in [
        (
            "gan_805",
            "gan",
            "GAN, 805 SNPs, batch 32 (78 batches/epoch)",
        ),
        (
            "rbm_805",
            "rbm",
            "RBM, 805 SNPs, minibatch 500, 50 Gibbs steps",
        ),
    ] {
        let Some((run, ours)) = step(runs, name) else {
            continue;
        };
        let s = ours["seconds_per_epoch"].as_f64().unwrap_or(f64::NAN);
        let torch = step(runs, "torch_references").and_then(|(r, t)| {
            (r == run)
                .then(|| t[model]["seconds_per_epoch"].as_f64())
                .flatten()
        });
        let cpu = cpu_ref[model].as_f64();
        out.push_str(&format!(
            "| {label} | {} /epoch | {} | {} | {} | {} | {{run:{run}}} |\n",
            secs(s),
            torch.map_or("—".into(), |t| format!("{} /epoch", secs(t))),
            torch.map_or("—".into(), |t| format!("{:.2}×", t / s)),
            cpu.map_or("—".into(), |c| format!("{} /epoch", secs(c))),
            cpu.map_or("—".into(), |c| format!("{:.1}×", c / s)),
        ));
    }
    for (name, label) in [
        (
            "hclt_805",
            "HCLT, 805 SNPs, 8 states (an epoch is one EM iteration)",
        ),
        (
            "wgan_agbl4",
            "WGAN-GP, AGBL4 (4,471 biallelic sites, 2,504 haplotypes)",
        ),
        (
            "wgan_sim",
            "WGAN-GP, 65,535 simulated sites, 960 haplotypes (10 batches of 96)",
        ),
        (
            "crbm_10_windows",
            "CRBM, 65,535 simulated sites in 10 windows of 11,916, 960 haplotypes",
        ),
    ] {
        if let Some((run, s)) = step(runs, name) {
            let v = s["seconds_per_epoch"].as_f64().unwrap_or(f64::NAN);
            out.push_str(&format!(
                "| {label} | {} /epoch | — | — | — | — | {{run:{run}}} |\n",
                secs(v)
            ));
        }
    }
    for (name, label) in [("generate_gan", "GAN"), ("generate_rbm", "RBM")] {
        if let Some((run, s)) = step(runs, name) {
            out.push_str(&format!(
                "| generate {} AGs ({label}, BCF written) | {:.0} AGs/s | — | — | — | — | {{run:{run}}} |\n",
                s["haplotypes"], s["ags_per_second"].as_f64().unwrap_or(f64::NAN)
            ));
        }
    }
    out.push('\n');
    if let Some((run, t)) = step(runs, "tests") {
        let r = &t["results"]["genosynth_models"];
        let names: Vec<&str> = r["cuda_tests"]
            .as_object()
            .map_or(Vec::new(), |m| m.keys().map(String::as_str).collect());
        out.push_str(&format!(
            "- CUDA tests ({{run:{run}}}, `GENOSYNTH_REQUIRE_CUDA=1`): {} passed, {} failed: {}.\n",
            r["summary"][0][1].as_str().unwrap_or("?"),
            r["summary"][0][2].as_str().unwrap_or("?"),
            names.join(", ")
        ));
    }
    if let Some((run, f)) = step(runs, "fidelity") {
        let (g, c) = (&f["cuda"], &f["cpu"]);
        out.push_str(&format!(
            "- CUDA-trained AGs score like CPU-trained ones ({{run:{run}}}; `train --model rbm --epochs 80 --init-std 0.1 --seed 42` \
             on each device, 2,504 AGs, `genosynth eval` against the training data): AF r {:.3} vs {:.3}, LD r² correlation \
             {:.3} vs {:.3} (eval's whole-window LD), AA_truth/AA_syn {:.3}/{:.3} vs {:.3}/{:.3}; within tolerance \
             (LD ±{}, AF ±{}): {}.\n",
            g["af_r"].as_f64().unwrap_or(f64::NAN),
            c["af_r"].as_f64().unwrap_or(f64::NAN),
            g["ld_r2_correlation"].as_f64().unwrap_or(f64::NAN),
            c["ld_r2_correlation"].as_f64().unwrap_or(f64::NAN),
            g["aa_truth"].as_f64().unwrap_or(f64::NAN),
            g["aa_syn"].as_f64().unwrap_or(f64::NAN),
            c["aa_truth"].as_f64().unwrap_or(f64::NAN),
            c["aa_syn"].as_f64().unwrap_or(f64::NAN),
            f["tolerance"]["ld_r2_correlation"],
            f["tolerance"]["af_r"],
            if f["within_tolerance"] == true { "yes" } else { "no" },
        ));
    }
    if let Some((run, s)) = step(runs, "wgan_sim")
        && let Some(p) = s.get("projection")
    {
        out.push_str(&format!(
            "- WGAN-GP at 65,535 sites projected to the authors' run ({{run:{run}}}): {:.3} s per batch of 96 × {} batches \
             ({} haplotypes) × {} epochs = {:.1} h (target ≤ {} h; the authors report about 29 h).\n",
            p["seconds_per_batch"].as_f64().unwrap_or(f64::NAN),
            p["haplotypes"].as_u64().unwrap_or(0) / 96,
            p["haplotypes"],
            p["epochs"],
            p["hours"].as_f64().unwrap_or(f64::NAN),
            p["target_hours"],
        ));
    }
    if let Some((run, s)) = step(runs, "gan_805") {
        let v = s["seconds_per_epoch"].as_f64().unwrap_or(f64::NAN);
        out.push_str(&format!(
            "- The paper's 20,000 GAN epochs at this rate ({{run:{run}}}): {:.0} minutes (target ≤ 15 minutes, i.e. 45 ms/epoch).\n",
            v * 20_000.0 / 60.0
        ));
    }
    out.push_str(&format!(
        "- Runs (results files): {}.\n{END}",
        describe_runs(runs, names)
    ));
    // Runs are named by their results file.
    for (i, name) in names.iter().enumerate() {
        out = out.replace(&format!("{{run:{i}}}"), name);
    }
    Ok(out)
}

fn describe_runs(runs: &[Value], names: &[String]) -> String {
    runs.iter()
        .zip(names)
        .map(|(r, name)| {
            let steps: Vec<&str> = r["steps"]
                .as_object()
                .map_or(Vec::new(), |m| m.keys().map(String::as_str).collect());
            format!(
                "`{name}` ({:.0} s: {})",
                r["seconds"].as_f64().unwrap_or(0.0),
                steps.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}
