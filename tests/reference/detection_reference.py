#!/usr/bin/env python3
"""scikit-learn's cross-validated scores of the classifier two-sample test's learners on features
and folds that a Rust test wrote (crates/genosynth/tests/chromosome_references.rs).

Usage:
    python3 tests/reference/detection_reference.py FEATURES.tsv > scores.json

FEATURES.tsv: one row per haplotype, tab-separated: label (1 AG, 0 holdout), fold, then the
features. Prints {"logistic_scores", "logistic_auc", "neighbours_scores", "neighbours_auc"}:
`make_pipeline(StandardScaler(), LogisticRegression(C=1))` decision values over the predefined
folds, and 15-nearest-neighbour shares with ties at the 15th distance counted by their share
(genosynth's rule, as reference.py), each with its ROC AUC.
"""

import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import PredefinedSplit, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

LOGISTIC_C = 1.0
NEIGHBOURS = 15
# Test rows per block of the neighbour distances (memory stays small at thousands of features).
BLOCK = 16


def neighbour_scores_by_share(x, y, folds, k):
    out = np.empty(len(y))
    for f in np.unique(folds):
        fit, test = folds != f, folds == f
        a, labels = x[fit], y[fit]
        scores = []
        for b in np.array_split(x[test], max(1, int(test.sum()) // BLOCK)):
            d = ((b[:, None, :] - a[None, :, :]) ** 2).sum(axis=2)
            for row in d:
                kth = np.sort(row)[k - 1]
                nearer, tied = row < kth, row == kth
                share = labels[tied].mean()
                scores.append((labels[nearer].sum() + (k - nearer.sum()) * share) / k)
        out[test] = scores
    return out


def main():
    data = np.loadtxt(sys.argv[1], delimiter="\t", ndmin=2)
    y, folds, x = data[:, 0], data[:, 1].astype(int), data[:, 2:]
    logistic = make_pipeline(StandardScaler(), LogisticRegression(C=LOGISTIC_C, tol=1e-12, max_iter=100000))
    lr = cross_val_predict(logistic, x, y, cv=PredefinedSplit(folds), method="decision_function")
    share = neighbour_scores_by_share(x, y, folds, NEIGHBOURS)
    json.dump(
        {
            "logistic_scores": lr.tolist(),
            "logistic_auc": float(roc_auc_score(y, lr)),
            "neighbours_scores": share.tolist(),
            "neighbours_auc": float(roc_auc_score(y, share)),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
