"""The workflow's genome-wide summary: `{outdir}/summary.json` and `summary.html`.

Per chromosome and run (the main run and, with `baseline: true`, the unconditioned baseline):
sites, windows, the eval verdict and its checks, and the time and peak memory of every job
(Snakemake `benchmark:` files). Across chromosomes: how often an AG keeps one ancestry (its
nearest real population in PCA space, from `genosynth eval --panel`'s report.json `ancestry`),
for the main run and the baseline, against the agreement expected by chance from each
chromosome's population shares (a run whose AGs all land in one population agrees perfectly and
means nothing), with the same assignment on held-out real people as the yardstick.
"""

import csv
import glob
import html
import json
import os
from collections import defaultdict

RUNS = (("main", ""), ("baseline", "baseline"))


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

    windows = [read_benchmark(p) for p in paths(f"train/{chrom}/*.tsv")]
    if windows:
        costs["train_windows"] = {
            "jobs": len(windows),
            "total_s": round(sum(w["s"] for w in windows), 2),
            "max_s": round(max(w["s"] for w in windows), 2),
            "cpu_s": round(sum(w["cpu_s"] or 0 for w in windows), 2),
            "max_rss_mib": max((w["max_rss_mib"] or 0) for w in windows),
        }
    for step in ("subset", "stitch", "generate", "concat", "merge", "eval"):
        # {chrom}.tsv, {chrom}.{part}.tsv (subset) or {chrom}/{k}.tsv (per-segment generate)
        found = paths(f"{step}/{chrom}.tsv", f"{step}/{chrom}.*.tsv", f"{step}/{chrom}/*.tsv")
        if found:
            rows = [read_benchmark(p) for p in found]
            costs[step] = {
                "jobs": len(rows),
                "total_s": round(sum(r["s"] for r in rows), 2),
                "cpu_s": round(sum(r["cpu_s"] or 0 for r in rows), 2),
                "max_rss_mib": max((r["max_rss_mib"] or 0) for r in rows),
            }
    return costs


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


def summarize(outdir: str, chroms: list[str], config: dict) -> dict:
    summary = {"config": config, "chromosomes": {}, "runs": {}}
    for chrom in chroms:
        with open(f"{outdir}/plan/{chrom}.json") as f:
            plan = json.load(f)
        summary["chromosomes"][chrom] = {"sites": plan["n_sites"], "windows": len(plan["windows"])}
    for run, sub in RUNS:
        root = os.path.join(outdir, sub) if sub else outdir
        if not os.path.isfile(f"{root}/reports/{chroms[0]}/report.json"):
            continue
        per_chrom, tables = {}, {}
        for chrom in chroms:
            with open(f"{root}/reports/{chrom}/report.json") as f:
                report = json.load(f)
            table = eval_ancestry_table(report)
            if table is not None:
                tables[chrom] = table
            per_chrom[chrom] = {
                "verdict": report["verdict"]["overall"],
                "checks": {
                    c["name"]: {
                        "value": c["value"],
                        "reference": c.get("reference"),
                        "status": c["status"],
                        "ci95": c.get("ci95"),
                        "certified": c.get("certified"),
                    }
                    for c in report["verdict"]["checks"]
                },
                "costs": job_costs(root, chrom),
            }
        entry = {"chromosomes": per_chrom}
        if len(tables) == len(chroms):
            entry["ancestry"] = ancestry_measure(tables)
            entry["ancestry"]["holdout_assignment_accuracy"] = {
                c: t["holdout_agreement"] for c, t in tables.items()
            }
        summary["runs"][run] = entry
    if os.path.isfile(f"{outdir}/labels.json"):
        with open(f"{outdir}/labels.json") as f:
            summary["labels"] = json.load(f)
    return summary


def render_html(summary: dict) -> str:
    """One self-contained page: a table per run, the ancestry measure, the config."""
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>genosynth genome summary</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#eee}"
        ".pass{color:#060}.warn{color:#a60}.fail{color:#b00}</style></head><body>",
        "<h1>genosynth: genome-wide summary</h1>",
    ]
    for run, entry in summary["runs"].items():
        parts.append(f"<h2>{e(run)} run</h2>")
        chroms = entry["chromosomes"]
        checks = sorted({name for c in chroms.values() for name in c["checks"]})
        head = ["chromosome", "sites", "windows", "verdict", *checks,
                "train jobs", "train s (sum / max)", "train CPU s (sampled, undercounts)", "train max RSS MiB", "generate s", "eval s", "eval max RSS MiB"]
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
        for chrom, c in chroms.items():
            info = summary["chromosomes"][chrom]
            costs = c["costs"]
            train = costs.get("train_windows", {})
            gen = costs.get("generate", costs.get("concat", {}))
            ev = costs.get("eval", {})
            cells = [e(chrom), info["sites"], info["windows"], f"<span class='{c['verdict']}'>{c['verdict']}</span>"]
            for name in checks:
                check = c["checks"].get(name)
                if not check:
                    cells.append("-")
                    continue
                ci = check.get("ci95")
                interval = f" ({_fmt(ci[0])}–{_fmt(ci[1])})" if ci else ""
                uncertain = " not certified" if check.get("certified") is False else ""
                cells.append(
                    f"<span class='{check['status']}'>{_fmt(check['value'])}{interval}{uncertain}</span>"
                )
            cells += [
                train.get("jobs", "-"),
                f"{_fmt(train.get('total_s'))} / {_fmt(train.get('max_s'))}",
                _fmt(train.get("cpu_s")),
                _fmt(train.get("max_rss_mib")),
                _fmt(gen.get("total_s")),
                _fmt(ev.get("total_s")),
                _fmt(ev.get("max_rss_mib")),
            ]
            parts.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
        parts.append("</table>")
        if "ancestry" in entry:
            a = entry["ancestry"]
            parts.append(
                f"<p>Ancestry: {_pct(a['same_population_on_every_chromosome'])} of {a['ags']} AGs are "
                "assigned the same population on every chromosome (nearest real population centroid in "
                f"PCA space), against {_pct(a['chance_same_population'])} by chance "
                f"(kappa {_fmt(a['kappa'])}); pairwise {_per_chrom(a['pairwise_agreement'])}."
            )
            if "matches_label" in a:
                parts.append(f" Assigned to their own label: {_per_chrom(a['matches_label'])}.")
            parts.append(
                " Held-out real people assigned to their own population: "
                f"{_per_chrom(a['holdout_assignment_accuracy'])}.</p>"
            )
    if "labels" in summary:
        labels = summary["labels"]
        trained_on = labels.get("training_people") or {}
        rows = "".join(
            f"<tr><td>{e(label)}</td><td>{n}</td><td>{trained_on.get(label, '-')}</td></tr>"
            for label, n in labels["people"].items()
        )
        parts.append(
            "<h2>AG labels</h2><table><tr><th>label</th><th>AG people</th>"
            f"<th>training people with it</th></tr>{rows}</table><p>{e(labels['source'])}</p>"
        )
    parts.append(f"<h2>Config</h2><pre>{e(json.dumps(summary['config'], indent=2))}</pre></body></html>")
    return "".join(parts)


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _per_chrom(values: dict) -> str:
    return html.escape(", ".join(f"{k} {_pct(v)}" for k, v in values.items()))


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def write(outdir: str, chroms: list[str], config: dict, json_path: str, html_path: str) -> None:
    """Writes both files (each through a temp file, renamed when complete)."""
    summary = summarize(outdir, chroms, config)
    for path, text in ((json_path, json.dumps(summary, indent=2)), (html_path, render_html(summary))):
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
