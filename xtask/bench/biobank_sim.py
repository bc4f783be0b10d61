#!/usr/bin/env python3
"""The simulated cohort of `cargo xtask bench biobank`: msprime's three-population out-of-Africa
model (workflow/scripts/simulate.py's demography), N people, the first S biallelic sites of one
chromosome, written as a bgzipped phased VCF.

tskit's write_vcf formats every genotype in Python (about 20 MB of output a minute at 10^5
people); here each site's line is assembled with numpy, so writing takes seconds, not the better
part of an hour.

    python biobank_sim.py --people 100000 --sites 10000 --seed 1 -o cohort.vcf.gz
"""

import argparse
import os
import subprocess
import sys

import msprime
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "workflow", "scripts"))
from simulate import MUTATION_RATE, POPULATIONS, RECOMBINATION_RATE, out_of_africa  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--people", type=int, required=True)
    p.add_argument("--sites", type=int, required=True)
    p.add_argument("--length-mb", type=float, default=2.0)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    per = -(-a.people // len(POPULATIONS))
    ts = msprime.sim_ancestry(
        samples={pop: per for pop, _ in POPULATIONS},
        demography=out_of_africa(),
        sequence_length=int(a.length_mb * 1e6),
        recombination_rate=RECOMBINATION_RATE,
        ploidy=2,
        random_seed=a.seed,
    )
    ts = msprime.sim_mutations(ts, rate=MUTATION_RATE, random_seed=a.seed)
    keep = [s.id for s in ts.sites() if len(s.mutations) == 1][: a.sites]
    drop = np.setdiff1d(np.arange(ts.num_sites), keep)
    ts = ts.delete_sites(drop)
    names = [f"{pop}{i + 1:06d}" for pop, _ in POPULATIONS for i in range(per)]
    tmp = a.output + ".tmp"
    with open(tmp, "wb") as out:
        bgzip = subprocess.Popen(["bgzip", "-@", "2", "-c"], stdin=subprocess.PIPE, stdout=out)
        w = bgzip.stdin
        w.write(b"##fileformat=VCFv4.2\n##source=genosynth bench biobank_sim.py (msprime)\n")
        w.write(b"##contig=<ID=chr1,length=%d>\n" % int(ts.sequence_length))
        w.write(b'##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        w.write(("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n").encode())
        n = ts.num_samples
        # Per person "a|b\t": 4 bytes, the last tab replaced by a newline.
        line = np.empty(2 * n, dtype=np.uint8)
        line[1::4] = ord("|")
        line[3::4] = ord("\t")
        line[-1] = ord("\n")
        last = -1
        for v in ts.variants():
            pos = int(v.site.position) + 1
            if pos == last:  # msprime's discrete genome never repeats a site; be safe anyway
                continue
            last = pos
            g = v.genotypes.astype(np.uint8) + ord("0")
            line[0::4] = g[0::2]
            line[2::4] = g[1::2]
            ref, alt = v.alleles[0], v.alleles[1]
            w.write(f"chr1\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t".encode())
            w.write(line.tobytes())
        w.close()
        if bgzip.wait() != 0:
            sys.exit("error: bgzip failed")
    os.replace(tmp, a.output)
    print(f"{a.output}: {ts.num_sites} sites, {len(names)} people", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
