//! Times the evaluation on generated haplotypes of any size (no files): AATS + DCR (+ the
//! membership attack with `--holdout N`) alone and the full `evaluate`, with peak memory. The
//! bench harness (`cargo xtask bench eval`) times real files; this example answers "does it
//! scale" quickly.
//!
//! ```text
//! cargo run --release -p genosynth-eval --example eval_scale -- 2504 2504 805
//! cargo run --release -p genosynth-eval --example eval_scale -- 20000 20000 10000 --privacy-only
//! cargo run --release -p genosynth-eval --example eval_scale -- 100000 100000 10000 --privacy-only --holdout 20000
//! cargo run --release -p genosynth-eval --example eval_scale -- 10000 10000 100000 --part detection
//! cargo run --release -p genosynth-eval --example eval_scale -- 10000 10000 100000 --part segments
//! cargo run --release -p genosynth-eval --example eval_scale -- 10000 10000 100000 --part kinship
//! cargo run --release -p genosynth-eval --example eval_scale -- 20000 20000 0 --privacy-only --holdout 10000 --haplotypes msprime.bin
//! ```
//!
//! `--haplotypes FILE` takes the sets from a file instead (train, then synthetic, then holdout
//! rows): two little-endian u64 (haplotypes, sites), then each row's packed words
//! (`HaplotypeMatrix` layout), e.g. an msprime cohort written with numpy.

use std::time::Instant;

use genosynth_core::{HaplotypeMatrix, Ploidy, Sample, Site, Sites};
use genosynth_eval::privacy::{passes, privacy_stats};
use genosynth_eval::{
    EvalInput, Settings, detection_stats, evaluate, fit_pca, kinship_stats, segment_stats,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Haplotypes copied from a few founders with mutations, packed directly (no dense buffer).
fn population(n: usize, sites: usize, seed: u64) -> HaplotypeMatrix {
    // Founders are shared by every set (one population); descendants differ by seed.
    let mut founder_rng = ChaCha8Rng::seed_from_u64(0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let wpr = sites.div_ceil(64);
    let founders: Vec<Vec<u64>> = (0..20)
        .map(|_| {
            (0..wpr)
                .map(|_| founder_rng.random::<u64>() & founder_rng.random::<u64>())
                .collect()
        })
        .collect();
    let mut words = Vec::with_capacity(n * wpr);
    for _ in 0..n {
        let f = &founders[rng.random_range(0..founders.len())];
        // ~3% of sites mutated.
        words.extend(f.iter().map(|w| {
            w ^ (rng.random::<u64>()
                & rng.random::<u64>()
                & rng.random::<u64>()
                & rng.random::<u64>()
                & rng.random::<u64>())
        }));
    }
    let s: Sites = (1..=sites as u64)
        .map(|p| Site::new("1", p * 10, "A", "G"))
        .collect();
    HaplotypeMatrix::from_words(s, Sample::numbered("h", n / 2, Ploidy::Diploid), words)
        .expect("sizes agree")
}

/// Rows `from..from + n` of a `--haplotypes` file.
fn from_file(path: &str, from: usize, n: usize) -> HaplotypeMatrix {
    let bytes = std::fs::read(path).expect("readable --haplotypes file");
    let words: Vec<u64> = bytes
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("eight bytes")))
        .collect();
    let (total, sites) = (words[0] as usize, words[1] as usize);
    let wpr = sites.div_ceil(64);
    assert!(from + n <= total, "the file has {total} haplotypes");
    let rows = words[2 + from * wpr..2 + (from + n) * wpr].to_vec();
    let s: Sites = (1..=sites as u64)
        .map(|p| Site::new("1", p * 10, "A", "G"))
        .collect();
    HaplotypeMatrix::from_words(s, Sample::numbered("h", n / 2, Ploidy::Diploid), rows)
        .expect("sizes agree")
}

/// CPU seconds (user + system) of this process so far, from /proc (ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<&str> = s.rsplit(')').next()?.split_whitespace().collect();
            Some((fields[11].parse::<f64>().ok()? + fields[12].parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// FNV-1a over formatted text: a digest of every figure and pass, to check that a change to
/// the kernels leaves the results bit for bit the same.
struct Digest(u64);

impl std::fmt::Write for Digest {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for b in s.bytes() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        Ok(())
    }
}

fn digest(value: &impl std::fmt::Debug) -> u64 {
    use std::fmt::Write;
    let mut d = Digest(0xcbf2_9ce4_8422_2325);
    write!(d, "{value:?}").expect("digest never fails");
    d.0
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (n_train, n_syn, n_sites) = (num(0, 2504), num(1, 2504), num(2, 805));
    let privacy_only = args.iter().any(|a| a == "--privacy-only");
    let file = args
        .iter()
        .position(|a| a == "--haplotypes")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let (train, synthetic) = match &file {
        Some(f) => (from_file(f, 0, n_train), from_file(f, n_train, n_syn)),
        None => (
            population(n_train, n_sites, 1),
            population(n_syn, n_sites, 2),
        ),
    };
    let n_sites = train.n_sites();
    println!(
        "{n_train} train x {n_syn} synthetic haplotypes x {n_sites} sites, {} threads",
        rayon::current_num_threads()
    );
    let part = args
        .iter()
        .position(|a| a == "--part")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    if matches!(part, Some("segments" | "kinship")) {
        // One chromosome-scale privacy figure alone, AGs against train and a holdout of the
        // AGs' size (and holdout against train), as `evaluate` runs it.
        let holdout = population(n_syn, n_sites, 3);
        let t = Instant::now();
        let figure = if part == Some("segments") {
            let s = segment_stats(&train, &synthetic, Some(&holdout), None, 1);
            format!(
                "segment privacy loss {:.4}",
                s.privacy_loss.unwrap_or(f64::NAN)
            )
        } else {
            let k = kinship_stats(&train, &synthetic, Some(&holdout)).expect("diploid");
            format!(
                "{} + {} + {} pairs, max kinship {:.3}",
                k.synthetic_train.pairs,
                k.synthetic_holdout.map_or(0, |c| c.pairs),
                k.holdout_train.map_or(0, |c| c.pairs),
                k.synthetic_train.max
            )
        };
        println!(
            "{}: {:.3} s, {figure}, peak RSS {:.0} MiB",
            part.unwrap_or_default(),
            t.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
        return;
    }
    if part == Some("detection") || args.iter().any(|a| a == "--detection-only") {
        // The classifier two-sample test of the AGs against a holdout of the AGs' size.
        let holdout = population(n_syn, n_sites, 3);
        let t = Instant::now();
        let pca = fit_pca(&train, 6, 1);
        println!("PCA fit: {:.3} s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        let d = detection_stats(&holdout, &synthetic, &pca, 1);
        println!(
            "classifier two-sample test: {:.3} s, AUC {:.4} ({}), peak RSS {:.0} MiB",
            t.elapsed().as_secs_f64(),
            d.auc,
            d.best,
            peak_rss_mib()
        );
        return;
    }
    // With `--holdout N`: AATS, DCR and the membership attack against a holdout of N.
    let holdout = args
        .iter()
        .position(|a| a == "--holdout")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .map(|n| match &file {
            Some(f) => from_file(f, n_train + n_syn, n),
            None => population(n, n_sites, 3),
        });
    let (t, c) = (Instant::now(), cpu_seconds());
    let p = passes(&train, &synthetic, holdout.as_ref(), 10, 1);
    let privacy = privacy_stats(&p);
    println!(
        "AATS + DCR + membership ({} all-pairs passes{}): {:.3} s (CPU {:.2} s), AATS {:.4}, \
         membership AUC {:.4}, peak RSS {:.0} MiB",
        if holdout.is_some() { 6 } else { 3 },
        holdout.as_ref().map_or(String::new(), |h| format!(
            ", holdout of {}",
            h.n_haplotypes()
        )),
        t.elapsed().as_secs_f64(),
        cpu_seconds() - c,
        privacy.aats_train.aats.mean,
        privacy.membership_auc.unwrap_or(f64::NAN),
        peak_rss_mib()
    );
    // Exact figures and digests (after the timing): equal before and after a kernel change.
    println!(
        "figures: AA_truth {:?}, AA_syn {:?}, DCR median {:?}, membership AUC {:?}; \
         privacy digest {:016x}, passes digest {:016x}",
        privacy.aats_train.aa_truth.mean,
        privacy.aats_train.aa_syn.mean,
        privacy.dcr.to_train.median,
        privacy.membership_auc,
        digest(&privacy),
        digest(&(&p.train, &p.synthetic, &p.train_synthetic, &p.holdout))
    );
    drop(p);
    if privacy_only {
        return;
    }
    let t = Instant::now();
    let report = evaluate(&EvalInput {
        train: &train,
        synthetic: &synthetic,
        holdout: None,
        panel: None,
        synthetic_panel: None,
        genetic_map: None,
        settings: Settings::default(),
        stop: None,
    })
    .expect("valid input");
    println!(
        "full evaluate: {:.3} s, verdict {:?}, peak RSS {:.0} MiB",
        t.elapsed().as_secs_f64(),
        report.verdict.overall,
        peak_rss_mib()
    );
}
