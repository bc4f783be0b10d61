"""The workflow's genome-wide summary: `{outdir}/summary.json` and `summary.html`, and its
privacy gate (`{outdir}/privacy.json`).

Per chromosome and run (the main run and, with `baseline: true`, the unconditioned baseline):
sites, windows, the eval verdict and its checks (with their 95% intervals), the likelihood attack
on the run's model, the chromosome-scale figures (segment privacy loss, detection AUC, kinship
pairs per degree bin against what held-out people show), and the time and peak memory of every
job (Snakemake `benchmark:` files). With stratified conditioning, the same per stratum: its AGs
and model judged on its own held-out people; with an hclt and `conditioning: labels`, per label:
its AGs and the shared model's likelihood attack on the label's own people. Across chromosomes:
how often an AG keeps one ancestry (its nearest real population in PCA space, from `genosynth
eval --panel`'s report.json `ancestry`), for the main run and the baseline, against the agreement
expected by chance from each chromosome's population shares (a run whose AGs all land in one
population agrees perfectly and means nothing), with the same assignment on held-out real people
as the yardstick. summary_html.py renders the page.
"""

import csv
import glob
import json
import os
import sys
from collections import defaultdict

from summary_html import DEGREES, fmt as _fmt, render_html

RUNS = (("main", ""), ("baseline", "baseline"))
# Verdict checks that measure a leak of the training people; one that fails stops the run at
# the privacy gate unless the config accepts the risk. (`accepted_privacy_risk` fails whenever
# the risk was accepted: it records the decision, it is not a new leak.)
PRIVACY_CHECKS = (
    "likelihood_attack_auc",
    "likelihood_attack_tpr_at_1pct_fpr",
    "membership_auc",
    "privacy_loss",
    "exact_copy_share",
    "segment_privacy_loss",
    "kinship_close_relatives",
)


def read_benchmark(path: str) -> dict:
    """Seconds and peak RSS (MiB) of one job from its Snakemake benchmark TSV."""
    with open(path) as f:
        row = next(csv.DictReader(f, delimiter="\t"))
    def number(key):
        value = row.get(key, "NA")
        return float(value) if value not in ("NA", "-", "") else None

    # cpu_time: CPU seconds of the job's processes; on a shared machine the fairer figure.
    return {"s": float(row["s"]), "max_rss_mib": number("max_rss"), "cpu_s": number("cpu_time")}


def job_costs(root: str, chrom: str) -> dict:
    """Time and memory per step of one chromosome: windows summed and maxed, other steps as is.

    A stratified main run's costs include its strata's jobs (ROOT/strata/LABEL/benchmarks)."""
    costs = {}
    benches = [os.path.join(root, "benchmarks")] + sorted(glob.glob(f"{root}/strata/*/benchmarks"))

    def paths(*patterns):
        return sorted(p for bench in benches for pattern in patterns for p in glob.glob(f"{bench}/{pattern}"))

    model = [read_benchmark(p) for p in paths(f"train/{chrom}.tsv")]
    if model:
        # One model per chromosome (and stratum): hclt.
        costs["train"] = cost_of(model, longest=True)
    windows = [read_benchmark(p) for p in paths(f"train/{chrom}/*.tsv")]
    if windows:
        costs["train_windows"] = cost_of(windows, longest=True)
    for step in ("subset", "stitch", "generate", "concat", "merge", "eval"):
        # {chrom}.tsv, {chrom}.{part}.tsv (subset) or {chrom}/{k}.tsv (per-segment generate)
        found = paths(f"{step}/{chrom}.tsv", f"{step}/{chrom}.*.tsv", f"{step}/{chrom}/*.tsv")
        if found:
            costs[step] = cost_of([read_benchmark(p) for p in found])
    return costs


def cost_of(rows: list, longest: bool = False) -> dict:
    """Jobs, wall and CPU seconds in total and peak memory of benchmark rows; with `longest`,
    also the longest job's seconds (training, where one slow model bounds the run)."""
    cost = {"jobs": len(rows), "total_s": round(sum(r["s"] for r in rows), 2)}
    if longest:
        cost["max_s"] = round(max(r["s"] for r in rows), 2)
    cost["cpu_s"] = round(sum(r["cpu_s"] or 0 for r in rows), 2)
    cost["max_rss_mib"] = max((r["max_rss_mib"] or 0) for r in rows)
    return cost


# The least share of labelled AGs whose nearest real population is their label, on every
# chromosome (the chromosome-scale issue's ancestry target).
LABEL_AGREEMENT_MIN = 0.9


def ancestry_measure(tables: dict) -> dict:
    """Agreement of each AG's assigned population across chromosomes (and with its label).

    `tables`: per chromosome, {"ag": {sample: (label or ".", assigned)}}. Chance: the agreement
    of independent assignments with each chromosome's shares, Σ_k Π_c p_c(k); kappa: how far
    the observed agreement goes from chance towards 1 (0 = chance, 1 = every AG one ancestry).
    """
    chroms = list(tables)
    ags = sorted(set.intersection(*(set(t["ag"]) for t in tables.values())))
    same_everywhere = sum(len({tables[c]["ag"][s][1] for c in chroms}) == 1 for s in ags)
    shares = {
        c: {k: n / len(ags) for k, n in _count(tables[c]["ag"][s][1] for s in ags).items()} for c in chroms
    }
    populations = sorted({k for c in chroms for k in shares[c]})

    def chance(cs):
        total = 0.0
        for k in populations:
            product = 1.0
            for c in cs:
                product *= shares[c].get(k, 0.0)
            total += product
        return total

    def kappa(observed, expected):
        return round((observed - expected) / (1 - expected), 4) if expected < 1 else None

    pairs = [(a, b) for i, a in enumerate(chroms) for b in chroms[i + 1 :]]
    pair_agreement, pair_kappa = {}, {}
    for a, b in pairs:
        observed = sum(tables[a]["ag"][s][1] == tables[b]["ag"][s][1] for s in ags) / len(ags)
        pair_agreement[f"{a}~{b}"] = round(observed, 4)
        pair_kappa[f"{a}~{b}"] = kappa(observed, chance((a, b)))
    everywhere = same_everywhere / len(ags) if ags else None
    expected = chance(chroms) if ags else None
    result = {
        "ags": len(ags),
        "same_population_on_every_chromosome": round(everywhere, 4) if ags else None,
        "chance_same_population": round(expected, 4) if ags else None,
        "kappa": kappa(everywhere, expected) if ags else None,
        "pairwise_agreement": pair_agreement,
        "pairwise_kappa": pair_kappa,
        "assigned_counts": {
            c: dict(sorted(_count(v[1] for v in tables[c]["ag"].values()).items())) for c in chroms
        },
    }
    labelled = [s for s in ags if tables[chroms[0]]["ag"][s][0] != "."]
    if labelled:
        result["matches_label"] = {
            c: round(sum(tables[c]["ag"][s][0] == tables[c]["ag"][s][1] for s in labelled) / len(labelled), 4)
            for c in chroms
        }
        worst = min(result["matches_label"].values())
        # A labelled AG of another population's ancestry is mislabelled data, whatever its
        # other figures say (a stratum's model that borrows the other strata's frequencies).
        result["label_check"] = {
            "value": worst,
            "bound": LABEL_AGREEMENT_MIN,
            "status": "pass" if worst >= LABEL_AGREEMENT_MIN else "fail",
        }
        labels_per_chrom = {c: {s: tables[c]["ag"][s][0] for s in labelled} for c in chroms}
        result["labels_identical_across_chromosomes"] = all(
            labels_per_chrom[c] == labels_per_chrom[chroms[0]] for c in chroms
        )
    return result


def eval_ancestry_table(report: dict):
    """report.json's ancestry as {"ag": {sample: (label or ".", assigned)}, "holdout_agreement":
    share of held-out people assigned to their own population}, or None without one."""
    ancestry = report.get("ancestry") or {}
    samples = ancestry.get("samples")
    if not samples:
        return None
    return {
        "ag": {s["sample"]: (s.get("label") or ".", s["population"]) for s in samples},
        "holdout_agreement": ancestry.get("holdout_agreement"),
    }


def _count(values) -> dict:
    counts = defaultdict(int)
    for v in values:
        counts[v] += 1
    return dict(counts)


def likelihood_attack(report: dict):
    """report.json's likelihood attack on the model (members: its training people; non-members:
    the held-out people), or None when eval had no model with a likelihood."""
    attack = (report.get("privacy") or {}).get("likelihood_attack")
    if not attack:
        return None
    keys = ("score", "members", "non_members", "auc", "auc_ci95", "tpr_at_1pct_fpr",
            "tpr_at_1pct_fpr_ci95", "tpr_at_0_1pct_fpr")
    return {k: attack.get(k) for k in keys}


def chromosome_figures(report: dict) -> dict:
    """The chromosome-scale figures with their 95% intervals: segment privacy loss, the
    classifier two-sample test's AUC, and kinship pairs per KING degree bin for AGs × train
    against holdout × train (and AGs × holdout). A figure eval did not compute is None."""
    segments = report.get("segments") or {}
    detection = report.get("detection") or {}
    kinship = report.get("kinship") or {}

    def bins(comparison):
        if not comparison:
            return None
        return {"pairs": comparison["pairs"], **dict(zip(DEGREES, comparison["degree_counts"]))}

    return {
        "segment_privacy_loss": {
            "value": segments.get("privacy_loss"),
            "ci95": (report.get("uncertainty") or {}).get("segment_privacy_loss"),
        },
        "detection_auc": {"value": detection.get("auc"), "ci95": detection.get("ci95")},
        "kinship": {
            "ags_train": bins(kinship.get("synthetic_train")),
            "ags_holdout": bins(kinship.get("synthetic_holdout")),
            "holdout_train": bins(kinship.get("holdout_train")),
        },
    }


def chromosome_entry(root: str, chrom: str, report: dict) -> dict:
    """One report's verdict, checks, likelihood attack, people and job costs."""
    inputs = report.get("inputs") or {}
    return {
        "verdict": report["verdict"]["overall"],
        "checks": {
            c["name"]: {
                "value": c["value"],
                "reference": c.get("reference"),
                "status": c["status"],
                "threshold": c.get("threshold"),
                "ci95": c.get("ci95"),
                "certified": c.get("certified"),
            }
            for c in report["verdict"]["checks"]
        },
        "likelihood_attack": likelihood_attack(report),
        # The stratum model's alleles not learned (private_allele_min_count), or None.
        "private_alleles": report.get("private_alleles"),
        "figures": chromosome_figures(report),
        "haplotypes": {
            "train": inputs.get("train_haplotypes"),
            "holdout": inputs.get("holdout_haplotypes"),
            "ags": inputs.get("synthetic_haplotypes"),
        },
        "costs": job_costs(root, chrom),
    }


def read_report(root: str, chrom: str) -> dict:
    with open(f"{root}/reports/{chrom}/report.json") as f:
        return json.load(f)


def summarize(outdir: str, chroms: list[str], config: dict) -> dict:
    summary = {"config": config, "chromosomes": {}, "runs": {}}
    for chrom in chroms:
        plan_path = f"{outdir}/plan/{chrom}.json"
        if os.path.isfile(plan_path):
            with open(plan_path) as f:
                plan = json.load(f)
            summary["chromosomes"][chrom] = {"sites": plan["n_sites"], "windows": len(plan["windows"])}
        else:
            # One model per chromosome (hclt): no plan, no windows.
            sites = read_report(outdir, chrom)["distances"]["n_sites"]
            summary["chromosomes"][chrom] = {"sites": sites, "windows": 0}
    for run, sub in RUNS:
        root = os.path.join(outdir, sub) if sub else outdir
        if not os.path.isfile(f"{root}/reports/{chroms[0]}/report.json"):
            continue
        per_chrom, tables = {}, {}
        for chrom in chroms:
            report = read_report(root, chrom)
            table = eval_ancestry_table(report)
            if table is not None:
                tables[chrom] = table
            per_chrom[chrom] = chromosome_entry(root, chrom, report)
        entry = {"chromosomes": per_chrom}
        if run == "main":
            strata = {}
            for label_root in sorted(glob.glob(f"{outdir}/strata/*")):
                if all(os.path.isfile(f"{label_root}/reports/{c}/report.json") for c in chroms):
                    strata[os.path.basename(label_root)] = {
                        c: chromosome_entry(label_root, c, read_report(label_root, c)) for c in chroms
                    }
            if strata:
                entry["strata"] = strata
        if len(tables) == len(chroms):
            entry["ancestry"] = ancestry_measure(tables)
            if "label_check" in entry["ancestry"]:
                entry["ancestry"]["label_check"]["advice"] = label_advice(config)
            entry["ancestry"]["holdout_assignment_accuracy"] = {
                c: t["holdout_agreement"] for c, t in tables.items()
            }
        summary["runs"][run] = entry
    if os.path.isfile(f"{outdir}/labels.json"):
        with open(f"{outdir}/labels.json") as f:
            summary["labels"] = json.load(f)
    return summary


def judged_places(summary: dict):
    """(where, chromosome, entry) for every report: each run's chromosomes and each stratum's."""
    for run, entry in summary["runs"].items():
        for chrom, c in entry["chromosomes"].items():
            yield f"{run} run", chrom, c
        for label, chroms in entry.get("strata", {}).items():
            for chrom, c in chroms.items():
                yield f"stratum {label}", chrom, c


def leaks(summary: dict) -> list[str]:
    """Every failed privacy check, as `stratum AFR, chr1: likelihood_attack_auc 0.97 (pass ≤ 0.6, ...)`."""
    found = []
    for where, chrom, c in judged_places(summary):
        for name in PRIVACY_CHECKS:
            check = c["checks"].get(name)
            if check and check["status"] == "fail":
                bound = f" ({check['threshold']})" if check.get("threshold") else ""
                found.append(f"{where}, {chrom}: {name} {_fmt(check['value'])}{bound}")
    return found


def strata_borrow(config: dict) -> bool:
    """Whether each stratum's hclt borrows from the other strata (`--reference`), as the
    Snakefile's STRATUM_REFERENCE decides."""
    return bool(config.get("model") == "hclt" and config.get("conditioning", "stratified") == "stratified"
                and config.get("stratum_reference", True))


def label_advice(config: dict) -> str:
    """Why labelled AGs may not resemble their label, where the config says: strata that
    borrow the other strata's frequencies take their ancestry."""
    borrows = strata_borrow(config)
    if borrows and config.get("reference_frequency_weight", 0) == "borrow":
        return ("each stratum borrows the other strata's frequencies "
                "(reference_frequency_weight: borrow); 0 keeps its own")
    return "the model does not keep each label's ancestry (docs/model-choice.md compares them)"


def private_allele_advice(summary: dict, found: list[str]) -> str:
    """What private_allele_min_count could still do when a stratum that borrows a reference
    leaks: the alleles the other strata lack carry most of its likelihood attack."""
    config = summary.get("config", {})
    borrows = strata_borrow(config)
    if not borrows or not any(leak.startswith("stratum ") for leak in found):
        return ""
    count = config.get("private_allele_min_count", 5)
    if count == 0:
        return "private_allele_min_count: 5 (0 learns every allele the other strata lack), "
    return f"a larger private_allele_min_count than {count} (fewer of the population's rare alleles), "


def privacy_gate(summary_path: str, out_path: str, accept: bool):
    """Judges the run's privacy from its summary: returns the error message when a model leaks
    and the risk is not accepted (nothing is written), else writes the decision to `out_path`
    and returns None."""
    with open(summary_path) as f:
        summary = json.load(f)
    found = leaks(summary)
    if found and not accept:
        return (
            f"privacy gate: {len(found)} privacy check(s) failed on held-out people the models "
            "never saw; the AGs of these models expose their training people:\n  "
            + "\n  ".join(found)
            + f"\nFigures: {os.path.dirname(summary_path) or '.'}/summary.html. Model more people per "
            "model (a coarser label_column, or conditioning on a shared model), regularise it "
            f"(train_args: fewer states, stronger priors), {private_allele_advice(summary, found)}"
            "or set accept_privacy_risk: true to keep these AGs anyway (recorded in privacy.json)."
        )
    accepted_at_training = sorted(
        {f"{where}, {chrom}" for where, chrom, c in judged_places(summary) if "accepted_privacy_risk" in c["checks"]}
    )
    record = {
        "passed": not found,
        "accept_privacy_risk": bool(accept),
        "leaks": found,
        "accepted_at_training": accepted_at_training,
        "checks": list(PRIVACY_CHECKS),
    }
    with open(out_path + ".tmp", "w") as f:
        f.write(json.dumps(record, indent=2))
    os.replace(out_path + ".tmp", out_path)
    return None


def write(outdir: str, chroms: list[str], config: dict, json_path: str, html_path: str) -> None:
    """Writes both files (each through a temp file, renamed when complete)."""
    summary = summarize(outdir, chroms, config)
    for run, entry in summary["runs"].items():
        check = entry.get("ancestry", {}).get("label_check")
        if check and check["status"] == "fail":
            print(
                f"warning: {run} run: only {check['value']:.0%} of the labelled AGs resemble their "
                f"label's population on the worst chromosome (the target is {check['bound']:.0%}): "
                f"{check['advice']}",
                file=sys.stderr,
            )
    for path, text in ((json_path, json.dumps(summary, indent=2)), (html_path, render_html(summary))):
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
