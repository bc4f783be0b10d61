#!/usr/bin/env python3
"""Reference values for genosynth-eval, computed with numpy / scipy / scikit-learn / scikit-allel.

Usage:
    python3 tests/reference/reference.py --make-fixtures   # rewrite fixtures/*.txt from the bundled example
    python3 tests/reference/reference.py --out expected.json

Fixtures are small 0/1 text matrices (one haplotype per line, one character per site) cut from
examples/805_SNP_1000G_real.train.vcf.gz: `train.txt`, `holdout.txt` (other real haplotypes) and
`synthetic.txt` (real haplotypes with a few alleles flipped, so it resembles but does not copy
train). The Rust test crates/genosynth-eval/tests/reference.rs computes the same statistics and compares with
fixtures/expected.json to 1e-6 (PCA up to the sign of each component).
"""

import argparse
import gzip
import json
import os

import allel
import numpy as np
import sklearn
from scipy.spatial.distance import cdist
from scipy.stats import wasserstein_distance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import PredefinedSplit, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# k-NN scores with ties at the k-th distance counted by their share (genosynth's rule).
from detection_reference import neighbour_scores_by_share

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "805_SNP_1000G_real.train.vcf.gz")
N_SITES = 48
N_COMPONENTS = 4
# The classifier two-sample test: folds dealt round-robin over each set's haplotypes (one
# haplotype per person in the fixtures), learners as genosynth-eval's classifier.rs.
FOLDS = 5
LOGISTIC_C = 1.0
NEIGHBOURS = 15


def read_example():
    rows = []
    with gzip.open(EXAMPLE, "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            gts = line.rstrip("\n").split("\t")[9:]
            rows.append([int(a) for gt in gts for a in gt.split("|")])
            if len(rows) == 200:
                break
    return np.array(rows, dtype=np.uint8).T  # haplotypes x sites


def make_fixtures():
    h = read_example()
    rng = np.random.default_rng(7)
    # Sites polymorphic enough to make every statistic defined, plus one monomorphic column
    # (the Patterson scale is undefined there; both implementations must drop it).
    freq = h.mean(axis=0)
    sites = np.where((freq > 0.05) & (freq < 0.95))[0][: N_SITES - 1]
    mono = np.where(freq == 0)[0][:1]
    cols = np.sort(np.concatenate([sites, mono]))
    order = rng.permutation(h.shape[0])
    train = h[order[:60]][:, cols]
    holdout = h[order[60:100]][:, cols]
    synthetic = h[order[100:160]][:, cols].copy()
    flip = rng.random(synthetic.shape) < 0.03
    synthetic[flip] ^= 1
    synthetic[:, cols == mono[0]] = 0 if len(mono) else synthetic[:, cols == mono[0]]
    synthetic[5] = train[5]  # one exact copy
    for name, m in [("train", train), ("holdout", holdout), ("synthetic", synthetic)]:
        with open(os.path.join(FIXTURES, name + ".txt"), "w") as f:
            for row in m:
                f.write("".join(str(int(v)) for v in row) + "\n")


def load(name):
    with open(os.path.join(FIXTURES, name + ".txt")) as f:
        return np.array([[int(c) for c in line.strip()] for line in f if line.strip()], dtype=np.float64)


def r2_upper(m):
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.corrcoef(m.T) ** 2
    iu = np.triu_indices(m.shape[1], k=1)
    return c[iu]


def nan_pearson(a, b):
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def nearest_within(m):
    d = cdist(m, m, "cityblock")
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1)


def aats(real, syn):
    d_tt = nearest_within(real)
    d_ss = nearest_within(syn)
    d_ts_matrix = cdist(real, syn, "cityblock")
    d_ts = d_ts_matrix.min(axis=1)
    d_st = d_ts_matrix.min(axis=0)
    aa_truth = float(np.mean(d_ts > d_tt))
    aa_syn = float(np.mean(d_st > d_ss))
    return {
        "aa_truth": aa_truth,
        "aa_syn": aa_syn,
        "aats": (aa_truth + aa_syn) / 2,
        "nearest_median": [float(np.median(d)) for d in (d_tt, d_ts, d_st, d_ss)],
    }


def pairwise_within(m):
    d = cdist(m, m, "cityblock")
    return d[np.triu_indices(m.shape[0], k=1)]


def detection(train, holdout, syn):
    """Cross-validated AUC of telling AGs (1) from holdout haplotypes (0): dosages at the sites
    polymorphic in the two sets, then the coordinates on the train-fitted PCs."""
    keep = (train.mean(axis=0) > 0) & (train.mean(axis=0) < 1)
    _, model = allel.pca(np.ascontiguousarray(train[:, keep].T), n_components=N_COMPONENTS,
                         scaler="patterson", ploidy=1)
    both = np.r_[syn, holdout]
    poly = (both.mean(axis=0) > 0) & (both.mean(axis=0) < 1)
    pcs = model.transform(np.ascontiguousarray(both[:, keep].T))
    x = np.c_[both[:, poly], pcs]
    y = np.r_[np.ones(len(syn)), np.zeros(len(holdout))]
    folds = np.r_[np.arange(len(syn)) % FOLDS, np.arange(len(holdout)) % FOLDS]
    cv = PredefinedSplit(folds)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(C=LOGISTIC_C, tol=1e-12, max_iter=100000))
    lr = cross_val_predict(logistic, x, y, cv=cv, method="decision_function")
    knn = KNeighborsClassifier(n_neighbors=NEIGHBOURS)
    kn = cross_val_predict(knn, x, y, cv=cv, method="predict_proba")[:, 1]
    share = neighbour_scores_by_share(x, y, folds, NEIGHBOURS)
    return {
        "site_features": int(poly.sum()),
        "logistic_scores": lr.tolist(),
        "logistic_auc": float(roc_auc_score(y, lr)),
        "neighbours_scores": share.tolist(),
        "neighbours_auc": float(roc_auc_score(y, share)),
        "neighbours_auc_sklearn": float(roc_auc_score(y, kn)),
    }


def compute():
    train, holdout, syn = load("train"), load("holdout"), load("synthetic")
    out = {
        "af_train": train.mean(axis=0).tolist(),
        "af_synthetic": syn.mean(axis=0).tolist(),
        "af_pearson": float(np.corrcoef(train.mean(axis=0), syn.mean(axis=0))[0, 1]),
    }
    r2_t, r2_s = r2_upper(train), r2_upper(syn)
    out["r2_train"] = [None if not np.isfinite(v) else float(v) for v in r2_t]
    out["ld_r2_pearson"] = nan_pearson(r2_t, r2_s)

    # PCA exactly as scikit-allel, on haplotypes (ploidy 1), monomorphic train sites removed.
    keep = (train.mean(axis=0) > 0) & (train.mean(axis=0) < 1)
    gn = np.ascontiguousarray(train[:, keep].T)  # sites x haplotypes, float64
    coords, model = allel.pca(gn, n_components=N_COMPONENTS, scaler="patterson", ploidy=1)
    out["pca_sites_used"] = int(keep.sum())
    out["pca_coords_train"] = coords.tolist()
    out["pca_coords_synthetic"] = model.transform(np.ascontiguousarray(syn[:, keep].T)).tolist()
    out["pca_explained_variance_ratio"] = model.explained_variance_ratio_.tolist()

    # Hudson Fst, ratio of sums, haplotypes as haploid allele counts.
    def ac(m):
        alt = m.sum(axis=0).astype(int)
        return np.stack([m.shape[0] - alt, alt], axis=1)

    num, den = allel.hudson_fst(ac(train), ac(syn))
    out["hudson_fst_train_synthetic"] = float(np.nansum(num) / np.nansum(den))
    num, den = allel.hudson_fst(ac(train), ac(holdout))
    out["hudson_fst_train_holdout"] = float(np.nansum(num) / np.nansum(den))

    out["aats_train_synthetic"] = aats(train, syn)

    d_train = cdist(train, syn, "cityblock").min(axis=1)
    d_holdout = cdist(holdout, syn, "cityblock").min(axis=1)
    labels = np.r_[np.ones(len(d_train)), np.zeros(len(d_holdout))]
    out["membership_auc"] = float(roc_auc_score(labels, -np.r_[d_train, d_holdout]))
    fpr, tpr, _ = roc_curve(labels, -np.r_[d_train, d_holdout], drop_intermediate=False)
    out["membership_tpr_at_fpr"] = {str(t): float(tpr[fpr <= t].max()) for t in (0.01, 0.1)}
    out["dcr_train"] = cdist(syn, train, "cityblock").min(axis=1).tolist()
    out["exact_copies"] = int((cdist(syn, train, "cityblock").min(axis=1) == 0).sum())
    out["wasserstein_within"] = float(wasserstein_distance(pairwise_within(train), pairwise_within(syn)))
    out["detection"] = detection(train, holdout, syn)
    out["versions"] = {
        "numpy": np.__version__,
        "scikit-allel": allel.__version__,
        "scikit-learn": sklearn.__version__,
    }
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--make-fixtures", action="store_true")
    parser.add_argument("--out", default=os.path.join(FIXTURES, "expected.json"))
    args = parser.parse_args()
    if args.make_fixtures:
        make_fixtures()
    with open(args.out, "w") as f:
        json.dump(compute(), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
