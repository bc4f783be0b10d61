"""Simulated haplotypes for the GPU bundle's long-input timings (numpy only).

The device machine has no msprime and no network, and 65,535 real sites would not fit the bundle,
so the long inputs are made there. Haplotypes are mosaics of founder haplotypes (a Li and Stephens
copying process): each founder carries alleles at frequencies drawn from a neutral 1/x site
frequency spectrum, each haplotype switches founder with probability `--switch` per site, and
alleles mutate with probability `--mutation`. That gives linkage decaying with distance and a
realistic excess of rare alleles: the work per epoch of a model does not depend on the data, but
degenerate data (monomorphic sites) would hide costs. Timing only; the tests' msprime data is
the reference for statistics.

Writes X.hapt (`group id a1 a2 ...`) and X.sites (`#CHROM POS ID REF ALT`), which genosynth reads.

Usage: python simulate.py --sites 65535 --haplotypes 960 --seed 1 -o sim.hapt
"""

import argparse

import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sites", type=int, required=True)
    p.add_argument("--haplotypes", type=int, required=True, help="an even number (diploid samples)")
    p.add_argument("--founders", type=int, default=40)
    p.add_argument("--switch", type=float, default=0.002)
    p.add_argument("--mutation", type=float, default=0.001)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", required=True, help="X.hapt; X.sites is written beside it")
    args = p.parse_args()
    if args.haplotypes < 2 or args.haplotypes % 2:
        raise SystemExit("error: --haplotypes must be a positive even number")
    if not args.output.endswith(".hapt"):
        raise SystemExit("error: --output must end in .hapt")

    rng = np.random.default_rng(args.seed)
    n, m = args.haplotypes, args.sites
    # Neutral SFS: density ∝ 1/x on [1/(2n), 1/2], drawn by inverse transform of log-uniform.
    lo, hi = 1.0 / (2 * n), 0.5
    freq = np.exp(rng.uniform(np.log(lo), np.log(hi), size=m))
    founders = (rng.random((args.founders, m)) < freq).astype(np.uint8)

    # Founder index per (haplotype, site): a new random founder at each switch.
    switches = rng.random((n, m)) < args.switch
    switches[:, 0] = True
    draws = rng.integers(0, args.founders, size=(n, m), dtype=np.int16)
    segment = np.maximum.accumulate(np.where(switches, np.arange(m), 0), axis=1)
    source = np.take_along_axis(draws, segment, axis=1)
    haplotypes = founders[source, np.arange(m)]
    haplotypes ^= (rng.random((n, m)) < args.mutation).astype(np.uint8)

    # Text rows: "group id" then alleles separated by spaces.
    body = np.full((n, 2 * m), ord(" "), dtype=np.uint8)
    body[:, 0::2] = haplotypes + ord("0")
    body[:, -1] = ord("\n")
    with open(args.output, "wb") as f:
        for h in range(n):
            f.write(f"sim SIM_{h // 2 + 1}_{h % 2 + 1} ".encode())
            f.write(body[h].tobytes())
    sites = args.output[: -len(".hapt")] + ".sites"
    with open(sites, "w") as f:
        f.write("#CHROM\tPOS\tID\tREF\tALT\n")
        for i in range(m):
            f.write(f"1\t{100 * (i + 1)}\tsim{i + 1}\tA\tG\n")


if __name__ == "__main__":
    main()
