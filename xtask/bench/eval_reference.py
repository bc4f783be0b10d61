"""Reference: the statistics of `genosynth eval` in numpy / scipy / scikit-allel / scikit-learn.

Written the way a careful user of these libraries would: vectorised numpy, scikit-allel for PCA
(Patterson scaling) and Hudson Fst, scipy for Wasserstein distances, scikit-learn for ROC AUC, and
all-pairs Hamming distances as one BLAS product per pair of sets (d = |x| + |y| - 2 x.y, exact in
float32 below 2^24 sites) rather than a slow per-pair loop, so the comparison is against a strong
baseline.

Statistics (real vs synthetic; with --holdout also holdout vs train, privacy loss, DCR to holdout
and membership AUC): allele frequencies (r, RMSE, max |diff|, folded SFS); LD r² window
correlation and decay by site distance; pairwise Hamming distance distributions within/between
and their Wasserstein distances; PCA on real (Patterson), synthetic projected, Wasserstein per PC;
3-point connected correlations; haplotype frequencies in sliding windows of 5/10/20 sites; Hudson
Fst; AATS (ties as 0 and as 1/2, tie rate), DCR, NNDR, exact copies.

Usage: python eval_reference.py --train T.vcf.gz --synthetic S.vcf.gz [--holdout H.vcf.gz] --out r.json
"""

import argparse
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", required=True)
    p.add_argument("--synthetic", required=True)
    p.add_argument("--holdout")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--ld-window", type=int, default=400)
    p.add_argument("--max-site-distance", type=int, default=100)
    p.add_argument("--triplets", type=int, default=5000)
    p.add_argument("--triplet-window", type=int, default=20)
    p.add_argument("--out", required=True)
    return p.parse_args()


def hamming(a, b):
    """All-pairs Hamming distances of two 0/1 matrices as one BLAS product."""
    import numpy as np

    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    d = a32.sum(1)[:, None] + b32.sum(1)[None, :] - 2.0 * (a32 @ b32.T)
    return np.rint(d).astype(np.int32)


def nearest(d, exclude_diagonal):
    """Nearest and second-nearest distance of each row."""
    import numpy as np

    if exclude_diagonal:
        d = d.copy()
        np.fill_diagonal(d, np.iinfo(d.dtype).max)
    part = np.partition(d, 1, axis=1)
    return part[:, 0], part[:, 1]


def aats(d_tt, d_ss, d_ts):
    """Nearest-neighbour adversarial accuracy (Yale et al.) of equal-size sets T and S."""
    import numpy as np

    n_tt, _ = nearest(d_tt, True)
    n_ss, _ = nearest(d_ss, True)
    n_ts = d_ts.min(axis=1)  # each T to its nearest S
    n_st = d_ts.min(axis=0)  # each S to its nearest T
    aa_truth = np.mean(n_ts > n_tt)
    aa_syn = np.mean(n_st > n_ss)
    ties = (np.sum(n_ts == n_tt) + np.sum(n_st == n_ss)) / (2 * len(n_tt))
    half_truth = aa_truth + 0.5 * np.mean(n_ts == n_tt)
    half_syn = aa_syn + 0.5 * np.mean(n_st == n_ss)
    return {
        "aa_truth": float(aa_truth),
        "aa_syn": float(aa_syn),
        "aats": float((aa_truth + aa_syn) / 2),
        "aats_ties_half": float((half_truth + half_syn) / 2),
        "tie_rate": float(ties),
    }


def privacy(train, synthetic, holdout, rng):
    """AATS (subsampled to equal sizes), DCR, NNDR, exact copies, membership AUC."""
    import numpy as np

    n = min(len(train), len(synthetic))
    t = train[rng.choice(len(train), n, replace=False)] if len(train) > n else train
    s = synthetic[rng.choice(len(synthetic), n, replace=False)] if len(synthetic) > n else synthetic
    d_ts = hamming(t, s)
    out = {"aats_train": aats(hamming(t, t), hamming(s, s), d_ts)}
    d_st_full = hamming(synthetic, train)
    dcr_train, second = nearest(d_st_full, False)
    with np.errstate(divide="ignore", invalid="ignore"):
        nndr = np.where(second > 0, dcr_train / second, 0.0)
    out["dcr_train_median"] = float(np.median(dcr_train))
    out["nndr_median"] = float(np.median(nndr))
    out["exact_copies"] = int(np.sum(dcr_train == 0))
    if holdout is not None:
        from sklearn.metrics import roc_auc_score

        m = min(len(holdout), len(synthetic))
        h = holdout[:m]
        s_h = synthetic[rng.choice(len(synthetic), m, replace=False)] if len(synthetic) > m else synthetic
        out["aats_holdout"] = aats(hamming(h, h), hamming(s_h, s_h), hamming(h, s_h))
        out["privacy_loss"] = out["aats_holdout"]["aats"] - out["aats_train"]["aats"]
        dcr_holdout = hamming(synthetic, holdout).min(axis=1)
        out["dcr_holdout_median"] = float(np.median(dcr_holdout))
        out["dcr_median_ratio"] = float(np.median(dcr_train) / max(np.median(dcr_holdout), 1e-12))
        d_th = hamming(train, holdout).min(axis=1)
        p1, p5 = np.percentile(d_th, [1, 5])
        out["share_closer_than_p1"] = float(np.mean(dcr_train < p1))
        out["share_closer_than_p5"] = float(np.mean(dcr_train < p5))
        out["holdout_exact_copies_of_train"] = int(np.sum(hamming(holdout, train).min(axis=1) == 0))
        score_train = -d_st_full.min(axis=0)
        score_holdout = -hamming(holdout, synthetic).min(axis=1)
        labels = np.r_[np.ones(len(score_train)), np.zeros(len(score_holdout))]
        out["membership_auc"] = float(roc_auc_score(labels, np.r_[score_train, score_holdout]))
    return out


def fidelity(real, synthetic, positions, args, rng):
    """Every non-privacy statistic of one real/synthetic pair."""
    import allel
    import numpy as np
    from scipy.stats import wasserstein_distance

    import haplo

    out = {}
    fr, fs = real.mean(0), synthetic.mean(0)
    out["af_r"] = float(np.corrcoef(fr, fs)[0, 1])
    out["af_rmse"] = float(np.sqrt(np.mean((fr - fs) ** 2)))
    out["af_max_abs_diff"] = float(np.max(np.abs(fr - fs)))
    maf = lambda f: np.minimum(f, 1 - f)  # noqa: E731
    out["sfs_real"] = np.histogram(maf(fr), bins=10, range=(0, 0.5))[0].tolist()
    out["sfs_synthetic"] = np.histogram(maf(fs), bins=10, range=(0, 0.5))[0].tolist()

    out["ld_r2_correlation"] = haplo.ld_r2_correlation(real, synthetic, args.ld_window)
    r2r, r2s = haplo.r2_matrix(real), haplo.r2_matrix(synthetic)
    n_sites = real.shape[1]
    decay_r, decay_s, decay_bp = [], [], []
    for k in range(1, min(args.max_site_distance, n_sites - 1) + 1):
        decay_r.append(float(np.nanmean(np.diagonal(r2r, k))))
        decay_s.append(float(np.nanmean(np.diagonal(r2s, k))))
    out["ld_decay_gap"] = float(np.nanmean(np.abs(np.array(decay_r) - np.array(decay_s))))
    gaps = np.abs(positions[:, None] - positions[None, :])
    edges = np.unique(np.quantile(gaps[np.triu_indices(n_sites, 1)], np.linspace(0, 1, 21)))
    iu = np.triu_indices(n_sites, 1)
    bins = np.digitize(gaps[iu], edges[1:-1])
    for r2, name in ((r2r, "real"), (r2s, "synthetic")):
        vals = r2[iu]
        decay_bp.append([float(np.nanmean(vals[bins == b])) if np.any(bins == b) else None for b in range(len(edges) - 1)])
    out["ld_decay_bp"] = decay_bp

    d_rr, d_ss, d_rs = hamming(real, real), hamming(synthetic, synthetic), hamming(real, synthetic)
    within_r = d_rr[np.triu_indices(len(real), 1)]
    within_s = d_ss[np.triu_indices(len(synthetic), 1)]
    out["distance_w_within"] = float(wasserstein_distance(within_r, within_s))
    out["distance_w_between"] = float(wasserstein_distance(within_r, d_rs.ravel()))

    # PCA on real haplotypes (sites x haplotypes allele counts, Patterson scaling), synthetic projected.
    # Sites monomorphic in real have no Patterson scale and are left out.
    poly = (fr > 0) & (fr < 1)
    coords_r, model = allel.pca(real[:, poly].T, n_components=6, scaler="patterson", ploidy=1)
    coords_s = model.transform(synthetic[:, poly].T)
    out["pca_wasserstein"] = [float(wasserstein_distance(coords_r[:, k], coords_s[:, k])) for k in range(6)]

    # 3-point connected correlations of random triplets within a window.
    w = min(args.triplet_window, n_sites)
    first = rng.integers(0, n_sites - w + 1, size=args.triplets)
    trip = np.sort(np.stack([first + rng.choice(w, 3, replace=False) for first in first]), axis=1)
    c3 = []
    for m in (real, synthetic):
        x = m.astype(np.float64) - m.mean(0)
        c3.append(np.mean(x[:, trip[:, 0]] * x[:, trip[:, 1]] * x[:, trip[:, 2]], axis=0))
    out["three_point_r"] = float(np.corrcoef(c3[0], c3[1])[0, 1])

    # Haplotype frequencies in sliding windows.
    hap = {}
    for size in (5, 10, 20):
        weights = (1 << np.arange(size, dtype=np.int64))
        rs, unseen, total = [], 0, 0
        for start in range(0, n_sites - size + 1, size):
            kr = real[:, start : start + size] @ weights
            ks = synthetic[:, start : start + size] @ weights
            ur, cr = np.unique(kr, return_counts=True)
            us, cs = np.unique(ks, return_counts=True)
            keys = np.union1d(ur, us)
            fr_w = np.zeros(len(keys))
            fs_w = np.zeros(len(keys))
            fr_w[np.searchsorted(keys, ur)] = cr / len(kr)
            fs_w[np.searchsorted(keys, us)] = cs / len(ks)
            if len(keys) > 1:
                rs.append(np.corrcoef(fr_w, fs_w)[0, 1])
            unseen += int(np.sum(~np.isin(ks, ur)))
            total += len(ks)
        hap[str(size)] = {"mean_r": float(np.nanmean(rs)), "unseen_share": unseen / total}
    out["haplotype_windows"] = hap

    ac_r = np.stack([len(real) - real.sum(0), real.sum(0)], axis=1)
    ac_s = np.stack([len(synthetic) - synthetic.sum(0), synthetic.sum(0)], axis=1)
    num, den = allel.hudson_fst(ac_r, ac_s)
    out["fst_hudson"] = float(np.sum(num) / np.sum(den))
    return out


def main():
    args = parse_args()
    import os

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import allel
    import numpy as np

    import haplo

    timings = {}
    start = time.perf_counter()
    callset = allel.read_vcf(args.train, fields=["variants/POS"])
    positions = callset["variants/POS"].astype(np.int64)
    train = haplo.load_matrix(args.train)
    synthetic = haplo.load_matrix(args.synthetic)
    holdout = haplo.load_matrix(args.holdout) if args.holdout else None
    timings["load"] = time.perf_counter() - start

    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    result = {"fidelity": fidelity(train, synthetic, positions, args, rng)}
    if holdout is not None:
        result["holdout_fidelity"] = fidelity(train, holdout, positions, args, rng)
    timings["fidelity"] = time.perf_counter() - start
    start = time.perf_counter()
    result["privacy"] = privacy(train, synthetic, holdout, rng)
    timings["privacy"] = time.perf_counter() - start
    result["seconds"] = timings
    result["shape"] = {"train": list(train.shape), "synthetic": list(synthetic.shape)}
    result["versions"] = haplo.versions("numpy", "scipy", "allel", "sklearn")
    haplo.write_json(args.out, result)


if __name__ == "__main__":
    main()
