#!/usr/bin/env python3
"""Checks a finished workflow run with bcftools and its summary.json (the workflow tests).

For every chromosome: the AGs' VCF has its .tbi, as many sites as the training file, n_ags
samples named AG_..., only phased diploid genotypes; the eval report exists; with a panel, the
AGs' panel labels every AG sample (stratified: with its stratum's label, as its name says). The
summary lists every chromosome with a verdict and, with a panel, the ancestry measure of both
runs, and the AG labels are the same on every chromosome. With a model that has a likelihood
(hclt), every stratum (or the run; with `conditioning: labels` the run and every label, on the
label's own people) has its likelihood attack on its own held-out people in summary.json and
summary.html; privacy.json records the privacy gate's decision.

    check_outputs.py OUTDIR --chromosomes chr1 chr2
"""

import argparse
import json
import os
import subprocess
import sys


def bcftools(*args: str) -> str:
    return subprocess.run(["bcftools", *args], capture_output=True, text=True, check=True).stdout


def fail(message: str) -> None:
    sys.exit(f"error: {message}")


def check_chromosome(outdir: str, chrom: str, n_ags: int) -> None:
    ags = f"{outdir}/ags/{chrom}.vcf.gz"
    if not os.path.isfile(ags + ".tbi"):
        fail(f"{ags}.tbi missing")
    # Sites: from the index of the AGs and of the training file they were modelled on.
    counts = {
        line.split("\t")[0]: int(line.split("\t")[2]) for line in bcftools("index", "-s", ags).splitlines()
    }
    train_counts = {
        line.split("\t")[0]: int(line.split("\t")[2])
        for line in bcftools("index", "-s", f"{outdir}/data/{chrom}.train.vcf.gz").splitlines()
    }
    if list(counts) != [chrom] or counts[chrom] != train_counts[chrom]:
        fail(f"{ags}: sites per contig {counts}, expected {chrom}: {train_counts[chrom]}")
    samples = bcftools("query", "-l", ags).split()
    if len(samples) != n_ags or not all(s.startswith("AG_") for s in samples):
        fail(f"{ags}: {len(samples)} samples ({samples[:3]}...), expected {n_ags} AG_ samples")
    genotypes = bcftools("query", "-f", "[%GT\\n]", ags).split()
    unphased = [gt for gt in genotypes if len(gt) != 3 or gt[1] != "|" or gt[0] not in "01" or gt[2] not in "01"]
    if unphased or len(genotypes) != n_ags * counts[chrom]:
        fail(f"{ags}: {len(unphased)} genotypes not phased biallelic diploid (first: {unphased[:3]})")
    if not os.path.isfile(f"{outdir}/reports/{chrom}/report.json"):
        fail(f"{outdir}/reports/{chrom}/report.json missing")
    print(f"check: {ags}: {counts[chrom]} sites, {len(samples)} AGs, all phased, indexed")
    return samples


def check_ag_panel(outdir: str, chrom: str, samples: list[str], conditioning: str) -> dict:
    """The AGs' labels (OUT.panel): one per AG sample; stratified AGs are named by their label."""
    path = f"{outdir}/ags/{chrom}.vcf.gz.panel"
    if not os.path.isfile(path):
        fail(f"{path} missing: the AGs' labels")
    with open(path) as f:
        rows = [line.split() for line in f.read().splitlines()[1:] if line.strip()]
    labels = {row[0]: row[1] for row in rows}
    if sorted(labels) != sorted(samples):
        fail(f"{path}: labels {len(labels)} samples, the VCF has {len(samples)}")
    if conditioning == "stratified":
        wrong = [s for s, l in labels.items() if not s.startswith(f"AG_{l}_")]
        if wrong:
            fail(f"{path}: {wrong[0]} is labelled {labels[wrong[0]]} but drawn from another stratum")
    return labels


def check_likelihood_attack(outdir: str, summary: dict, chromosomes: list[str]) -> None:
    """hclt: each model judged by its own likelihood on its own held-out people (per stratum
    when stratified), shown in the summary; the privacy gate's decision recorded."""
    config = summary["config"]
    conditioning = config.get("conditioning", "stratified") if config.get("panel") else "none"
    if config["model"] == "hclt":
        main_run = summary["runs"]["main"]
        # Stratified: each stratum's own model; labels: the shared model on everyone and on
        # each label's own people.
        judged = {} if conditioning == "stratified" else {"main run": main_run["chromosomes"]}
        if conditioning != "none":
            strata = main_run.get("strata", {})
            if sorted(strata) != sorted(summary["labels"]["people"]):
                fail(f"summary.json: strata {sorted(strata)}, expected {sorted(summary['labels']['people'])}")
            judged.update({f"stratum {label}": chroms for label, chroms in strata.items()})
        for where, chroms in judged.items():
            for chrom in chromosomes:
                attack = chroms[chrom].get("likelihood_attack") or {}
                if not isinstance(attack.get("auc"), float) or not attack.get("members") or not attack.get("non_members"):
                    fail(f"summary.json: {where} {chrom} has no likelihood attack on held-out people: {attack}")
                if conditioning == "labels" and where != "main run" and attack["members"] >= main_run["chromosomes"][chrom]["likelihood_attack"]["members"]:
                    fail(f"summary.json: {where} {chrom}: {attack['members']} members, not the label's people alone")
                print(
                    f"check: {where} {chrom}: likelihood attack AUC {attack['auc']:.2f} "
                    f"({attack['members']} members, {attack['non_members']} held out; {attack['score']})"
                )
        with open(f"{outdir}/summary.html") as f:
            page = f.read()
        if conditioning != "none" and "likelihood attack AUC" not in page:
            fail("summary.html: no per-stratum likelihood attack column")
    if not os.path.isfile(f"{outdir}/privacy.json"):
        fail(f"{outdir}/privacy.json missing: the privacy gate did not record its decision")
    with open(f"{outdir}/privacy.json") as f:
        gate = json.load(f)
    if gate["leaks"] and not gate["accept_privacy_risk"]:
        fail(f"privacy.json: leaks {gate['leaks']} passed the gate without accept_privacy_risk")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--chromosomes", nargs="+", required=True)
    args = parser.parse_args(argv)
    with open(f"{args.outdir}/summary.json") as f:
        summary = json.load(f)
    n_ags = summary["config"]["n_ags"]
    conditioning = summary["config"].get("conditioning", "stratified")
    labels = []
    for chrom in args.chromosomes:
        samples = check_chromosome(args.outdir, chrom, n_ags)
        if summary["config"].get("panel"):
            labels.append(check_ag_panel(args.outdir, chrom, samples, conditioning))
    if any(l != labels[0] for l in labels):
        fail("the AGs' panels differ between chromosomes: an AG must keep one label")
    main_run = summary["runs"].get("main")
    if main_run is None or sorted(main_run["chromosomes"]) != sorted(args.chromosomes):
        fail(f"summary.json: the main run does not list {args.chromosomes}")
    for chrom, entry in main_run["chromosomes"].items():
        if entry["verdict"] not in ("pass", "warn", "fail") or not (
            {"train_windows", "train"} & set(entry["costs"])
        ):
            fail(f"summary.json: {chrom} lacks a verdict or the training jobs' costs: {entry}")
    if summary["config"].get("panel"):
        ancestry = main_run.get("ancestry")
        if ancestry is None or ancestry["ags"] != n_ags:
            fail(f"summary.json: no ancestry measure over {n_ags} AGs: {ancestry}")
        if "labels" in summary and ancestry.get("labels_identical_across_chromosomes") is not True:
            fail("summary.json: the AGs' labels differ between chromosomes")
        if summary["config"].get("baseline") and "ancestry" not in summary["runs"].get("baseline", {}):
            fail("summary.json: baseline run without its ancestry measure")
        baseline = summary["runs"].get("baseline", {}).get("ancestry", {})
        print(
            f"check: ancestry kept on every chromosome ({conditioning}): "
            f"{ancestry['same_population_on_every_chromosome']} (chance "
            f"{ancestry['chance_same_population']}, kappa {ancestry['kappa']}); baseline "
            f"{baseline.get('same_population_on_every_chromosome')} (kappa {baseline.get('kappa')})"
        )
    if not os.path.isfile(f"{args.outdir}/summary.html"):
        fail(f"{args.outdir}/summary.html missing")
    check_likelihood_attack(args.outdir, summary, args.chromosomes)
    print(f"check: {args.outdir}: all outputs present and consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
