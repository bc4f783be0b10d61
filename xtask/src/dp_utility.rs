//! `cargo xtask dp-utility`: what DP-SGD costs in utility. On the 805-SNP example split
//! 80/20 by individual (seed 42, as the frontier), the RBM and the CRBM train on the 80% at
//! ε ∈ {1, 3, 8} (δ 1e-4) and without DP (ε = ∞) for the same epochs; each generates as many AGs as
//! training haplotypes (no guard: it reads the training people, which DP does not cover) and
//! is evaluated against the 20% test people with its model directory, so the report carries
//! ε and the likelihood attack. Writes the table and a plot into docs/privacy.md between
//! markers.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use plotters::prelude::*;

use crate::bench::environment::Environment;
use crate::frontier::targets::Figures;
use crate::harness::{
    Row, cell, evaluate_with, run_quiet, run_visible, split_80_20, summed_epoch_seconds,
};
use crate::reproduce::floor::ceiling_and_floor;

const DOC: &str = "docs/privacy.md";
const PLOT: &str = "docs/privacy-utility.svg";
const BEGIN: &str = "<!-- dp-utility:begin -->";
const END: &str = "<!-- dp-utility:end -->";
const SEED: u64 = 42;
const DELTA: &str = "1e-4";
/// The budgets measured; `None` is training without DP.
const BUDGETS: [Option<f64>; 4] = [Some(1.0), Some(3.0), Some(8.0), None];

/// A model measured at every budget.
struct Model {
    name: &'static str,
    label: &'static str,
    flags: &'static [&'static str],
}

/// The RBM as the frontier trains it; the CRBM in windows of 200 sites with 200 hidden units
/// each, its learning rate chosen among 0.01 and 0.1 on a fifth of the 80% held out (seed 7;
/// without DP, 100 epochs: LD r² correlation 0.000 and 0.465 on them).
const MODELS: [Model; 2] = [
    Model {
        name: "rbm",
        label: "RBM",
        flags: &["--init-std", "0.1"],
    },
    Model {
        name: "crbm",
        label: "CRBM",
        flags: &[
            "--window",
            "200",
            "--crbm-hidden-units",
            "200",
            "--gibbs-steps",
            "20",
            "--crbm-lr",
            "0.1",
        ],
    },
];

const USAGE: &str = "usage: cargo xtask dp-utility [--epochs N] [--out DIR] [--resume]

RBM and CRBM on the 805-SNP example at eps 1, 3, 8 (delta 1e-4) and without DP, judged on
held-out people; writes the table and docs/privacy-utility.svg into docs/privacy.md.
  --epochs N   epochs of every run (default 100)
  --out DIR    working directory (default target/dp-utility)
  --resume     keep trained models and AGs found in DIR; evaluate again";

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let mut epochs = 100usize;
    let mut out = crate::bench::cargo_target_dir().join("dp-utility");
    let mut resume = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--epochs" => epochs = it.next().context("--epochs needs N")?.parse()?,
            "--out" => out = PathBuf::from(it.next().context("--out needs a directory")?),
            "--resume" => resume = true,
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    let genosynth = crate::bench::build_genosynth(None)?;
    let env = Environment::detect(&genosynth, std::thread::available_parallelism()?.get())?;
    if out.exists() && !resume {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let input = example();
    let (train, test) = (out.join("train.vcf.gz"), out.join("test.vcf.gz"));
    if !(train.exists() && test.exists()) {
        split_80_20(&genosynth, &input, &[], &train, &test)?;
    }
    let matrix = genosynth_vcf::read(&train, &genosynth_vcf::ReadOptions::default())?.matrix;
    let n = matrix.n_haplotypes();
    let (ceiling, floor) = ceiling_and_floor(&genosynth, &out, &train, &test, &matrix)?;
    let mut rows = Vec::new();
    for model in &MODELS {
        for budget in BUDGETS {
            let run = Run {
                model,
                budget,
                epochs,
            };
            let row = private_run(&genosynth, &out, &train, &test, n, &run, resume)?;
            rows.push(Measured {
                model: model.label,
                budget,
                row,
            });
        }
    }
    let section = render(&rows, &ceiling, &floor, epochs, &env.one_line())?;
    splice(&section)?;
    eprintln!("dp-utility: wrote {DOC} and {PLOT}");
    Ok(())
}

fn example() -> PathBuf {
    let shared = Path::new("../shared/data/1000g/805_SNP_1000G_real.train.vcf.gz");
    if shared.exists() {
        shared.to_path_buf()
    } else {
        PathBuf::from("examples/805_SNP_1000G_real.train.vcf.gz")
    }
}

fn label(budget: Option<f64>) -> String {
    budget.map_or("no DP (ε = ∞)".to_string(), |e| format!("ε = {e}"))
}

/// The report of one model at one budget.
struct Measured {
    model: &'static str,
    budget: Option<f64>,
    row: Row,
}

/// One model at one budget.
struct Run<'a> {
    model: &'a Model,
    budget: Option<f64>,
    epochs: usize,
}

impl Run<'_> {
    fn label(&self) -> String {
        format!("{} {}", self.model.label, label(self.budget))
    }
}

/// Trains (unless a finished model is there on `--resume`), generates and evaluates one run.
fn private_run(
    genosynth: &Path,
    out: &Path,
    train: &Path,
    test: &Path,
    n: usize,
    run: &Run<'_>,
    resume: bool,
) -> anyhow::Result<Row> {
    let (budget, epochs) = (run.budget, run.epochs);
    let key = budget.map_or("inf".to_string(), |e| e.to_string());
    let model_dir = out.join(format!("{}-eps{key}", run.model.name));
    let ags = out.join(format!("{}-eps{key}.ags.vcf.gz", run.model.name));
    let done = resume && model_dir.join("model.json").exists() && ags.exists();
    if !done {
        if model_dir.exists() {
            std::fs::remove_dir_all(&model_dir)?;
        }
        eprintln!("dp-utility: {}, {epochs} epochs", run.label());
        let mut cmd = Command::new(genosynth);
        cmd.arg("train")
            .arg(train)
            .args(["--model", run.model.name, "--epochs", &epochs.to_string()])
            .args(run.model.flags)
            .args(["--save-every", "0"])
            .args(["--seed", &SEED.to_string(), "--device", "cpu", "-o"])
            .arg(&model_dir);
        if let Some(e) = budget {
            cmd.args(["--dp-epsilon", &e.to_string(), "--dp-delta", DELTA]);
        }
        run_visible(&mut cmd)?;
        let mut generate = Command::new(genosynth);
        generate
            .arg("generate")
            .arg(&model_dir)
            .args(["-n", &n.to_string(), "--seed", &SEED.to_string()])
            .args(["--device", "cpu", "-o"])
            .arg(&ags);
        run_quiet(&mut generate)?;
    }
    let train_s = summed_epoch_seconds(&model_dir)?;
    let model_flag = ["--model".to_string(), model_dir.display().to_string()];
    evaluate_with(
        genosynth,
        out,
        &run.label(),
        train,
        &ags,
        Some(test),
        Some(train_s),
        &model_flag,
    )
}

fn render(
    rows: &[Measured],
    ceiling: &Row,
    floor: &Row,
    epochs: usize,
    environment: &str,
) -> anyhow::Result<String> {
    let mut s = String::new();
    writeln!(
        s,
        "Generated by `cargo xtask dp-utility --epochs {epochs}` on {environment}. The 805-SNP \
         example split 80/20 by individual (seed {SEED}); the RBM (paper settings, initial weights \
         0.1) and the CRBM (windows of 200 sites, 200 hidden units each, 20 Gibbs steps, learning \
         rate 0.1) train {epochs} epochs (seed {SEED}) on the 80% with DP-SGD at δ = {DELTA} (noise \
         chosen for the epochs, default clip 100) or without DP; {n} AGs each, no guard; every \
         figure against the 20% test people. TPR columns: membership attacks' true-positive rate \
         at 1% false positives (distance: nearest AG; likelihood: the model's free energy).\n",
        n = rows
            .first()
            .map_or(0, |m| m.row.report.inputs.synthetic_haplotypes),
    )?;
    writeln!(
        s,
        "| run | ε spent | LD r² corr. | AA_truth | AA_syn | privacy loss | PCA W | AUC | TPR@1% distance | TPR@1% likelihood |"
    )?;
    writeln!(s, "|---|---|---|---|---|---|---|---|---|---|")?;
    let mut line = |name: &str, row: &Row| -> anyhow::Result<()> {
        let f = Figures::from_report(&row.report);
        writeln!(
            s,
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(f.epsilon, 2),
            cell(f.ld, 3),
            cell(f.aa_truth, 3),
            cell(f.aa_syn, 3),
            cell(f.loss, 3),
            cell(f.pca, 3),
            cell(f.auc, 3),
            cell(f.tpr_1pct, 3),
            cell(f.likelihood_tpr_1pct, 3),
        )?;
        Ok(())
    };
    for m in rows {
        line(&format!("{} {}", m.model, label(m.budget)), &m.row)?;
    }
    line("independent sites (floor)", floor)?;
    line("test people (ceiling)", ceiling)?;
    plot(rows, floor)?;
    writeln!(
        s,
        "\n![LD and likelihood-attack TPR per ε](privacy-utility.svg)"
    )?;
    Ok(s)
}

/// A plotted figure: its name and where it is read from.
type Series = (&'static str, fn(&Figures) -> Option<f64>);

/// LD r² correlation and the likelihood attack's TPR at 1% FPR per budget, one colour per
/// model, with the floor's LD.
fn plot(rows: &[Measured], floor: &Row) -> anyhow::Result<()> {
    let floor_ld = Figures::from_report(&floor.report).ld;
    let names: Vec<String> = BUDGETS
        .iter()
        .map(|b| b.map_or("∞".to_string(), |e| format!("{e}")))
        .collect();
    let x_of = |b: Option<f64>| BUDGETS.iter().position(|x| *x == b).unwrap_or(0) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "805 SNPs: LD and likelihood-attack success per ε",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5f64..(names.len() as f64 - 0.5), 0.0f64..1.0)?;
        chart
            .configure_mesh()
            .x_labels(names.len())
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("ε (δ = 1e-4)")
            .y_desc("value")
            .draw()?;
        let series: [Series; 2] = [
            ("LD r² correlation", |f| f.ld),
            ("TPR@1% likelihood attack", |f| f.likelihood_tpr_1pct),
        ];
        let colors = [RGBColor(31, 119, 180), RGBColor(44, 160, 44)];
        for (model, color) in MODELS.iter().zip(colors) {
            for (k, (name, get)) in series.iter().enumerate() {
                let pts: Vec<(f64, f64)> = rows
                    .iter()
                    .filter(|m| m.model == model.label)
                    .filter_map(|m| {
                        Some((x_of(m.budget), get(&Figures::from_report(&m.row.report))?))
                    })
                    .collect();
                let style = color.stroke_width(if k == 0 { 2 } else { 1 });
                let label = format!("{} {name}", model.label);
                if k == 0 {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), style))?
                        .label(label)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
                } else {
                    chart
                        .draw_series(DashedLineSeries::new(pts.clone(), 5, 3, style))?
                        .label(label)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 8, y)], color));
                }
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
            }
        }
        if let Some(ld) = floor_ld {
            let grey = RGBColor(150, 150, 150);
            chart
                .draw_series(DashedLineSeries::new(
                    [(-0.5, ld), (names.len() as f64 - 0.5, ld)],
                    6,
                    4,
                    grey.stroke_width(1),
                ))?
                .label("LD of the independent-sites floor")
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], grey));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::MiddleLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    std::fs::write(PLOT, svg).with_context(|| format!("cannot write {PLOT}"))
}

/// Replaces the text between the markers in docs/privacy.md.
fn splice(section: &str) -> anyhow::Result<()> {
    crate::harness::splice_between(DOC, BEGIN, END, section)
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_name_the_budget() {
        assert_eq!(super::label(Some(3.0)), "ε = 3");
        assert_eq!(super::label(None), "no DP (ε = ∞)");
    }
}
