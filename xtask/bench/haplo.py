"""Shared helpers of the reference scripts: load haplotypes, score LD quality, report JSON.

Every reference script reads the same VCF that genosynth reads and scores its artificial genomes
(AGs) with the same functions as ours, so a row of docs/benchmarks.md compares like with like.
"""

import json
import platform
import sys

import numpy as np


def load_haplotypes(path):
    """Phased biallelic GTs of a VCF as a (haplotypes, sites) uint8 matrix (sample-major rows).

    Rows are ordered sample 1 copy 1, sample 1 copy 2, sample 2 copy 1, ... as genosynth orders
    them. Multiallelic records are rejected: the reference scripts run on the 805-SNP set.
    """
    import allel

    callset = allel.read_vcf(path, fields=["calldata/GT", "variants/ALT"], alt_number=1)
    if callset is None:
        raise SystemExit(f"error: {path}: no records")
    gt = callset["calldata/GT"]  # (sites, samples, 2)
    if (gt < 0).any():
        raise SystemExit(f"error: {path}: missing genotypes")
    if (gt > 1).any():
        raise SystemExit(f"error: {path}: multiallelic genotypes")
    sites, samples, ploidy = gt.shape
    return np.ascontiguousarray(gt.transpose(1, 2, 0).reshape(samples * ploidy, sites).astype(np.uint8))


def load_hapt(path):
    """A `.hapt` file (`group id a1 a2 ...` per haplotype, as `genosynth convert -O hapt` writes)
    as a (haplotypes, sites) uint8 matrix; needs numpy only (the GPU machine has no scikit-allel)."""
    rows = []
    with open(path, encoding="ascii") as f:
        for line in f:
            fields = line.split()
            if fields:
                rows.append(np.frombuffer("".join(fields[2:]).encode("ascii"), dtype=np.uint8) - ord("0"))
    if not rows:
        raise SystemExit(f"error: {path}: no haplotypes")
    matrix = np.stack(rows)
    if matrix.max() > 1:
        raise SystemExit(f"error: {path}: alleles other than 0/1")
    return matrix


def load_matrix(path):
    """A haplotype matrix from a VCF/BCF file, a `.hapt` file or a `.npy` file a reference script
    wrote."""
    if path.endswith(".npy"):
        return np.load(path).astype(np.uint8)
    if path.endswith(".hapt"):
        return load_hapt(path)
    return load_haplotypes(path)


def r2_matrix(haplotypes):
    """Pairwise r² between the site columns (monomorphic sites give NaN rows/columns)."""
    x = haplotypes.astype(np.float64)
    x -= x.mean(axis=0)
    sd = np.sqrt((x * x).mean(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        x /= sd
        corr = (x.T @ x) / x.shape[0]
    return corr * corr


def ld_r2_correlation(real, synthetic, sites=400):
    """Pearson correlation of the pairwise r² values (upper triangle, first `sites` sites).

    Pairs where either set is monomorphic at a site are left out, as `genosynth synth` does.
    """
    sites = min(sites, real.shape[1])
    a = r2_matrix(real[:, :sites])
    b = r2_matrix(synthetic[:, :sites])
    upper = np.triu_indices(sites, k=1)
    a, b = a[upper], b[upper]
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 2:
        return float("nan")
    return float(np.corrcoef(a[keep], b[keep])[0, 1])


def af_correlation(real, synthetic):
    """Pearson correlation of the per-site alternate allele frequencies."""
    return float(np.corrcoef(real.mean(axis=0), synthetic.mean(axis=0))[0, 1])


def versions(*modules):
    """Python and module versions, for the environment line of a benchmark row."""
    out = {"python": platform.python_version()}
    for name in modules:
        module = sys.modules.get(name)
        if module is not None:
            out[name] = getattr(module, "__version__", "?")
    return out


def write_json(path, payload):
    """Write the result object the xtask reads back."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2)
        f.write("\n")


def main():
    """`python haplo.py --train T.vcf.gz --synthetic AGS.vcf.gz|.npy --out q.json`: LD and AF quality."""
    import argparse

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--train", required=True)
    p.add_argument("--synthetic", required=True)
    p.add_argument("--sites", type=int, default=400)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    real, synthetic = load_matrix(args.train), load_matrix(args.synthetic)
    if real.shape[1] != synthetic.shape[1]:
        raise SystemExit(f"error: {args.synthetic}: {synthetic.shape[1]} sites, {args.train} has {real.shape[1]}")
    write_json(
        args.out,
        {
            "ld_r2_correlation": ld_r2_correlation(real, synthetic, args.sites),
            "af_correlation": af_correlation(real, synthetic),
            "haplotypes": int(synthetic.shape[0]),
        },
    )


if __name__ == "__main__":
    main()
