"""scikit-allel and msprime against genosynth (docs/python.md shows the same code)."""

import allel
import msprime
import numpy as np

import genosynth


def test_scikit_allel_counts_what_genosynth_counts(real):
    ha = allel.HaplotypeArray(real.genotypes.T)
    ac = ha.count_alleles()
    assert ac.shape == (805, 2)
    assert (ac[:, 1] == real.allele_counts()).all()
    assert (ac[:, 0] + ac[:, 1] == 2504).all()
    np.testing.assert_allclose(ac.to_frequencies()[:, 1], real.allele_frequencies())
    # Diploid genotypes pair consecutive haplotypes, as genosynth's samples do.
    gt = ha.to_genotypes(ploidy=2)
    assert gt.shape == (805, 1252, 2)


def test_msprime_simulation_trains_and_evaluates(tmp_path, test_seed):
    ts = msprime.sim_ancestry(samples=50, population_size=10_000, sequence_length=1_000_000,
                              recombination_rate=1e-8, random_seed=7)
    ts = msprime.sim_mutations(ts, rate=2e-8, random_seed=7, model=msprime.BinaryMutationModel())
    g = ts.genotype_matrix().T
    sites = {"chrom": "1", "pos": ts.tables.sites.position.astype(np.int64) + 1,
             "ref": "A", "alt": "T"}
    names = [f"tsk_{i}" for i in range(ts.num_individuals)]
    h = genosynth.Haplotypes.from_numpy(g, sites, names)
    assert h.genotypes.shape == (100, ts.num_sites) and h.ploidy == 2
    assert (h.allele_counts() == g.sum(axis=0)).all()
    genosynth.write(h, tmp_path / "sim.vcf.gz")
    assert (genosynth.read(tmp_path / "sim.vcf.gz").genotypes == g).all()
    train = genosynth.Haplotypes.from_numpy(g[:80], sites, names[:40])
    holdout = genosynth.Haplotypes.from_numpy(g[80:], sites, names[40:])
    model = genosynth.train(train, "rbm", out=tmp_path / "m", epochs=10, seed=test_seed(1),
                            hidden_units=16, batch_size=40, chains=40, gibbs_steps=5)
    report = genosynth.evaluate(train, model.generate(80, seed=2), holdout)
    assert report["inputs"]["sites"]["common"] == ts.num_sites
    assert report["inputs"]["holdout_haplotypes"] == 20
    assert report.verdict in ("pass", "warn", "fail")
