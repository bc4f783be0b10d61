"""summary.html: the workflow summary (summarize.py's summary.json) as one self-contained page.

A table per run and chromosome (verdict, every check with its 95% interval, job costs), the
chromosome-scale figures (segments, detection, kinship), per stratum (or per label of an hclt
with labels) each model judged on its own held-out people with its likelihood attack, the
ancestry measure across chromosomes, the AGs' labels and the config.
"""

import html
import json

# KING degree bins of report.json's kinship counts, closest first.
DEGREES = ("duplicate", "first", "second", "third")


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
            train = costs.get("train_windows", costs.get("train", {}))
            gen = costs.get("generate", costs.get("concat", {}))
            ev = costs.get("eval", {})
            cells = [e(chrom), info["sites"], info["windows"], f"<span class='{c['verdict']}'>{c['verdict']}</span>"]
            for name in checks:
                check = c["checks"].get(name)
                if not check:
                    cells.append("-")
                    continue
                ci = check.get("ci95")
                interval = f" ({fmt(ci[0])}–{fmt(ci[1])})" if ci else ""
                uncertain = " not certified" if check.get("certified") is False else ""
                cells.append(
                    f"<span class='{check['status']}'>{fmt(check['value'])}{interval}{uncertain}</span>"
                )
            cells += [
                train.get("jobs", "-"),
                f"{fmt(train.get('total_s'))} / {fmt(train.get('max_s'))}",
                fmt(train.get("cpu_s")),
                fmt(train.get("max_rss_mib")),
                fmt(gen.get("total_s")),
                fmt(ev.get("total_s")),
                fmt(ev.get("max_rss_mib")),
            ]
            parts.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
        parts.append("</table>")
        parts.append(render_figures([((chrom,), c) for chrom, c in chroms.items()], ("chromosome",)))
        if "strata" in entry:
            labels = summary["config"].get("conditioning") == "labels"
            parts.append(render_strata(entry["strata"], labels))
            rows = [((label, chrom), c) for label, cs in entry["strata"].items() for chrom, c in cs.items()]
            parts.append(render_figures(rows, ("stratum", "chromosome")))
        if "ancestry" in entry:
            a = entry["ancestry"]
            parts.append(
                f"<p>Ancestry: {pct(a['same_population_on_every_chromosome'])} of {a['ags']} AGs are "
                "assigned the same population on every chromosome (nearest real population centroid in "
                f"PCA space), against {pct(a['chance_same_population'])} by chance "
                f"(kappa {fmt(a['kappa'])}); pairwise {per_chrom(a['pairwise_agreement'])}."
            )
            if "matches_label" in a:
                parts.append(f" Assigned to their own label: {per_chrom(a['matches_label'])}.")
            check = a.get("label_check")
            if check and check["status"] == "fail":
                parts.append(
                    f" <b>Label check: fail</b> ({fmt(check['value'])} &lt; {fmt(check['bound'])}): "
                    "AGs carry a label whose population they do not resemble: "
                    f"{e(check.get('advice', ''))}."
                )
            parts.append(
                " Held-out real people assigned to their own population: "
                f"{per_chrom(a['holdout_assignment_accuracy'])}.</p>"
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


# The figures of the per-stratum table, by verdict check name.
STRATUM_FIGURES = (
    ("ld_r2_correlation", "LD r² corr"),
    ("pca_wasserstein_pc1_pc2", "PCA W (PC1–2)"),
    ("aa_syn", "AA_syn"),
    ("privacy_loss", "privacy loss"),
    ("membership_auc", "membership AUC"),
    ("likelihood_attack_auc", "likelihood attack AUC"),
    ("segment_privacy_loss", "segment privacy loss"),
    ("detection_auc", "detection AUC"),
    ("kinship_close_relatives", "kinship: close AG × train pairs"),
)


def render_figures(rows: list, keys: tuple) -> str:
    """Per chromosome (and stratum): segment privacy loss and detection AUC with their 95%
    intervals, and kinship pairs per degree bin, AGs × train beside holdout × train."""
    e = html.escape
    head = [*keys, "segment privacy loss (95% interval)", "detection AUC (95% interval)",
            "kinship AGs × train: pairs, dup / 1st / 2nd / 3rd",
            "AGs × holdout", "holdout × train (real unseen people)"]
    body = []
    for key, c in rows:
        f = c.get("figures")
        if not f:
            continue
        cells = [e(k) for k in key]
        for name in ("segment_privacy_loss", "detection_auc"):
            ci = f[name]["ci95"]
            interval = f" ({fmt(ci[0])}–{fmt(ci[1])})" if ci else ""
            cells.append(f"{fmt(f[name]['value'])}{interval}")
        for side in ("ags_train", "ags_holdout", "holdout_train"):
            b = f["kinship"][side]
            cells.append("-" if b is None else f"{b['pairs']}: " + " / ".join(str(b[d]) for d in DEGREES))
        body.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    if not body:
        return ""
    return (
        "<h3>Segments, distinguishability and kinship</h3><p>Segment privacy loss: share of AGs whose "
        "longest segment shared with training people is longer than with as many unseen people, − 0.5. "
        "Detection AUC: can a classifier tell AGs from held-out people (0.5: no). Kinship: KING-robust "
        "pairs per degree bin; read AGs × train against holdout × train and AGs × holdout.</p><table><tr>"
        + "".join(f"<th>{e(h)}</th>" for h in head)
        + "</tr>"
        + "".join(body)
        + "</table>"
    )


def render_strata(strata: dict, labels: bool = False) -> str:
    """One row per stratum and chromosome: its model judged on its own held-out people. With
    `labels` (hclt with `conditioning: labels`), one row per label: its AGs, and the shared
    model's likelihood attack on that label's people, judged on its own held-out people."""
    e = html.escape
    head = ["label" if labels else "stratum", "chromosome", "train / held-out haplotypes", "verdict",
            *(title for _, title in STRATUM_FIGURES), "likelihood TPR at 1% FPR", "attack score",
            "private alleles not learned", "train s"]
    rows = []
    for label, chroms in strata.items():
        for chrom, c in chroms.items():
            people = c.get("haplotypes") or {}
            attack = c.get("likelihood_attack")
            cells = [e(label), e(chrom), f"{fmt(people.get('train'))} / {fmt(people.get('holdout'))}",
                     f"<span class='{c['verdict']}'>{c['verdict']}</span>"]
            for name, _ in STRATUM_FIGURES:
                check = c["checks"].get(name)
                ci = check.get("ci95") if check else None
                interval = f" ({fmt(ci[0])}–{fmt(ci[1])})" if ci else ""
                cells.append(
                    f"<span class='{check['status']}'>{fmt(check['value'])}{interval}</span>" if check else "-"
                )
            if attack is None:
                tpr = "no likelihood"
            elif attack.get("tpr_at_1pct_fpr") is None:
                tpr = f"not resolvable ({attack.get('non_members')} held-out people; 1% needs 100)"
            else:
                ci = attack.get("tpr_at_1pct_fpr_ci95")
                tpr = fmt(attack["tpr_at_1pct_fpr"]) + (f" ({fmt(ci[0])}–{fmt(ci[1])})" if ci else "")
            costs = c["costs"].get("train", c["costs"].get("train_windows", {}))
            masked = c.get("private_alleles")
            masked = (f"{masked['alleles']} alleles at {masked['sites']} sites (fewer than "
                      f"{masked['min_count']} copies, none in the reference)" if masked else "-")
            cells += [e(tpr), e(attack["score"]) if attack else "-", e(masked), fmt(costs.get("total_s"))]
            rows.append("<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    title = (
        "Per label: its AGs, and the shared model's likelihood attack on the label's people, "
        "judged on its own held-out people"
        if labels
        else "Per stratum: each model on its own held-out people"
    )
    return (
        f"<h3>{e(title)}</h3><table><tr>"
        + "".join(f"<th>{e(h)}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )


def pct(value) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def per_chrom(values: dict) -> str:
    return html.escape(", ".join(f"{k} {pct(v)}" for k, v in values.items()))


def fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
