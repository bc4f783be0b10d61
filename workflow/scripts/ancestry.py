#!/usr/bin/env python3
"""Assigns every AG of one chromosome to its nearest real population in PCA space.

The PCA is fitted on the real training people's diploid genotypes (standardised by allele
frequency, as in Patterson et al. 2006); AGs and held-out people are projected onto the first
--components axes and take the label of the nearest population centroid. Held-out people, whose
labels are known, measure how well this assignment works on the chromosome. The summary then
compares each AG's assignment across chromosomes.

    ancestry.py --train train.vcf.gz --holdout holdout.vcf.gz --panel panel.txt \
        --column super_pop --ags ags.vcf.gz -o ancestry.tsv
"""

import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from config_check import panel_labels  # noqa: E402


def read_dosages(vcf: str) -> tuple[list[str], list[tuple[str, str, str, str]], np.ndarray]:
    """(samples, site keys, people x sites alt-allele counts) of a phased biallelic VCF."""
    samples = subprocess.run(
        ["bcftools", "query", "-l", vcf], capture_output=True, text=True, check=True
    ).stdout.split()
    out = subprocess.run(
        ["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n", vcf],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    keys, rows = [], []
    for line in out.splitlines():
        chrom, pos, ref, alt, gts = line.split("\t")
        # Phased diploid calls of one-digit alleles: 3 characters per sample ("0|1").
        codes = np.frombuffer(gts.encode(), dtype=np.uint8).reshape(len(samples), 3)
        alleles = codes[:, [0, 2]].astype(np.int16) - ord("0")
        if len(gts) != 3 * len(samples) or alleles.min() < 0 or alleles.max() > 1:
            sys.exit(f"error: {vcf} {chrom}:{pos}: expected phased biallelic genotypes, got {gts[:40]}")
        keys.append((chrom, pos, ref, alt))
        rows.append(alleles.sum(axis=1))
    return samples, keys, np.array(rows, dtype=np.float64).T


def aligned(keys_ref, keys_other, dosages_other):
    """The other file's dosages on the reference's sites (absent sites: NaN)."""
    index = {key: i for i, key in enumerate(keys_other)}
    result = np.full((dosages_other.shape[0], len(keys_ref)), np.nan)
    for j, key in enumerate(keys_ref):
        i = index.get(key)
        if i is not None:
            result[:, j] = dosages_other[:, i]
    return result


def assign(train, train_labels, others, components):
    """Nearest-centroid labels of each matrix in `others` in the train PCA space."""
    freq = train.mean(axis=0) / 2
    keep = (freq > 0) & (freq < 1)
    scale = np.sqrt(2 * freq[keep] * (1 - freq[keep]))
    centred = (train[:, keep] - 2 * freq[keep]) / scale
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    axes = axes[:components]
    names = sorted(set(train_labels))
    scores = centred @ axes.T
    label_array = np.array(train_labels)
    centroids = np.array([scores[label_array == n].mean(axis=0) for n in names])
    results = []
    for matrix in others:
        # Sites the other file lacks count as the training mean (zero after centring).
        x = np.where(np.isnan(matrix[:, keep]), 2 * freq[keep], matrix[:, keep])
        projected = ((x - 2 * freq[keep]) / scale) @ axes.T
        distance = ((projected[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        results.append([names[i] for i in distance.argmin(axis=1)])
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--holdout", required=True)
    parser.add_argument("--panel", required=True)
    parser.add_argument("--column", default="super_pop", choices=("super_pop", "pop"))
    parser.add_argument("--ags", required=True)
    parser.add_argument("--ags-panel", help="the AGs' labels (generate --population's OUT.panel)")
    parser.add_argument("--components", type=int, default=4)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)

    labels = panel_labels(args.panel, args.column)
    train_samples, keys, train = read_dosages(args.train)
    hold_samples, hold_keys, hold = read_dosages(args.holdout)
    ag_samples, ag_keys, ags = read_dosages(args.ags)
    ag_labels = {}
    if args.ags_panel:
        with open(args.ags_panel) as f:
            next(f)
            ag_labels = dict(line.split()[:2] for line in f if line.strip())
    hold_assigned, ag_assigned = assign(
        train,
        [labels[s] for s in train_samples],
        [aligned(keys, hold_keys, hold), aligned(keys, ag_keys, ags)],
        args.components,
    )
    tmp = args.output + ".tmp"
    with open(tmp, "w") as out:
        out.write("sample\tkind\tlabel\tassigned\n")
        for sample, assigned in zip(hold_samples, hold_assigned):
            out.write(f"{sample}\tholdout\t{labels[sample]}\t{assigned}\n")
        for sample, assigned in zip(ag_samples, ag_assigned):
            out.write(f"{sample}\tag\t{ag_labels.get(sample, '.')}\t{assigned}\n")
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
