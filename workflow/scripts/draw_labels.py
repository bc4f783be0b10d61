#!/usr/bin/env python3
"""Draws the AGs' population labels once for the whole genome (the workflow's `labels` rule).

Every chromosome is then generated with the same `--population` counts, so AG_000001 has the
same label on chr1 and chr22. Counts come from the config (`population_counts`, people per label)
or are drawn, seeded, in the proportions of the training people's labels in the panel. For
stratified conditioning, --strata-dir gets, per drawn label, its training people (LABEL.txt, a
sample list for `genosynth convert -S`), its held-out people (LABEL.holdout.txt, with
--holdout-list: the people its model is judged on) and its AGs' haplotype count
(LABEL.haplotypes).

    draw_labels.py --panel panel.txt --train-list train.txt --holdout-list holdout.txt \
        --column super_pop --n-ags 300 --seed 1 -o labels.json --population-out labels.population \
        --strata-dir strata
"""

import argparse
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from config_check import panel_labels  # noqa: E402


def draw(labels_of_train: list[str], n_ags: int, seed: int) -> dict[str, int]:
    """People per label: a multinomial draw of n_ags in the training labels' proportions."""
    names = sorted(set(labels_of_train))
    shares = np.array([labels_of_train.count(name) for name in names], dtype=float)
    shares /= shares.sum()
    counts = np.random.default_rng(seed).multinomial(n_ags, shares)
    return {name: int(n) for name, n in zip(names, counts) if n > 0}


def people_by_label(counts: dict[str, int], train_labels: dict[str, str]) -> dict[str, list[str]]:
    """Each label with AGs and its training people (sample -> label in `train_labels`)."""
    return {label: [s for s, l in train_labels.items() if l == label] for label in counts}


def write_strata(
    folder: str, counts: dict[str, int], people: dict[str, list[str]], held_out: dict[str, list[str]] | None = None
) -> None:
    """Per label with AGs: LABEL.txt (its training people), LABEL.haplotypes (2 per AG) and,
    with `held_out`, LABEL.holdout.txt (its held-out people, maybe none). Every label is checked
    before any file is written."""
    for label, n in counts.items():
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", label) or label.startswith("."):
            sys.exit(f"error: label {label!r} cannot name a stratum folder (letters, digits, _ . - only)")
        if not people[label]:
            sys.exit(f"error: label {label} has {n} AGs but no training people to model them on")
    os.makedirs(folder, exist_ok=True)
    for label, n in counts.items():
        write_atomic(os.path.join(folder, f"{label}.txt"), "".join(f"{s}\n" for s in people[label]))
        write_atomic(os.path.join(folder, f"{label}.haplotypes"), f"{2 * n}\n")
        if held_out is not None:
            write_atomic(os.path.join(folder, f"{label}.holdout.txt"), "".join(f"{s}\n" for s in held_out[label]))


def write_atomic(path: str, text: str) -> None:
    """Writes `text` to a temporary file renamed to `path` when complete."""
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panel", required=True)
    parser.add_argument("--train-list", required=True, help="training people, one per line")
    parser.add_argument("--holdout-list", help="held-out people, one per line: each stratum's own")
    parser.add_argument("--column", default="super_pop", choices=("super_pop", "pop"))
    parser.add_argument("--n-ags", type=int, required=True, help="AG people (diploid)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--counts", help="JSON object of people per label, instead of drawing")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--population-out", help="also write generate's --population argument here")
    parser.add_argument("--strata-dir", help="also write each label's training people and AG haplotypes here")
    parser.add_argument(
        "--warn-below",
        type=int,
        default=0,
        help="warn about each label with fewer training people than this (a stratum too small to model alone)",
    )
    args = parser.parse_args(argv)

    labels = panel_labels(args.panel, args.column)
    with open(args.train_list) as f:
        train = [line.strip() for line in f if line.strip()]
    missing = [s for s in train if s not in labels]
    if missing:
        sys.exit(f"error: {args.train_list}: {len(missing)} people not in {args.panel} (first: {missing[0]})")
    if args.counts:
        counts = {k: int(v) for k, v in json.loads(args.counts).items() if int(v) > 0}
        source = "config population_counts"
    else:
        counts = draw([labels[s] for s in train], args.n_ags, args.seed)
        source = f"drawn in the training people's proportions (seed {args.seed})"
    # generate's --population counts haplotypes: two per diploid AG.
    population = ",".join(f"{label}={2 * n}" for label, n in counts.items())
    # What each label's AGs are modelled on (stratified: its own model's people; few people
    # make a small model, the privacy figures of which the eval reports).
    people = people_by_label(counts, {s: labels[s] for s in train})
    held_out = None
    if args.holdout_list:
        with open(args.holdout_list) as f:
            holdout = [line.strip() for line in f if line.strip()]
        missing = [s for s in holdout if s not in labels]
        if missing:
            sys.exit(f"error: {args.holdout_list}: {len(missing)} people not in {args.panel} (first: {missing[0]})")
        held_out = people_by_label(counts, {s: labels[s] for s in holdout})
    if args.strata_dir:
        write_strata(args.strata_dir, counts, people, held_out)
    training_people = {label: len(members) for label, members in people.items()}
    small = {label: n for label, n in training_people.items() if n < args.warn_below}
    for label, n in small.items():
        print(
            f"warning: stratum {label} has {n} training people, fewer than {args.warn_below}: a model of"
            " so few people memorises them (docs/privacy.md), even borrowing from the other strata"
            " (stratum_reference), and is likely refused; model more people per label (a coarser"
            " label_column) or see docs/model-choice.md for the shared model (conditioning: labels)",
            file=sys.stderr,
        )
    result = {
        "label_column": args.column,
        "people": counts,
        "source": source,
        "population_arg": population,
        "training_people": training_people,
    }
    if small:
        result["too_small_to_model_alone"] = sorted(small)
    if held_out is not None:
        result["holdout_people"] = {label: len(members) for label, members in held_out.items()}
    write_atomic(args.output, json.dumps(result, indent=2))
    if args.population_out:
        write_atomic(args.population_out, population + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
