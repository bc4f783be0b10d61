"""read / write / from_numpy: shapes, dtypes, sites and round trips through every format."""

import numpy as np
import pytest

import genosynth


def test_read_example_shapes_and_dtypes(real):
    g = real.genotypes
    assert g.shape == (2504, 805) and g.dtype == np.uint8
    assert set(np.unique(g)) <= {0, 1}
    assert not g.flags.writeable
    assert real.ploidy == 2 and len(real.samples) == 1252 and len(real) == 2504
    assert (real.n_haplotypes, real.n_sites) == (2504, 805)
    sites = real.sites
    assert list(sites) == ["chrom", "pos", "id", "ref", "alt"]
    assert all(len(v) == 805 for v in sites.values())
    assert sites["pos"].dtype == np.int64 and (np.diff(sites["pos"]) > 0).all()
    assert sites["chrom"].dtype.kind == "U" and set(sites["chrom"]) == {"1"}
    assert (real.allele_counts() == g.sum(axis=0)).all()
    np.testing.assert_allclose(real.allele_frequencies(), g.mean(axis=0))


def test_read_region_and_samples(example, real):
    part = genosynth.read(example, region="1:1-100", samples="^" + ",".join(real.samples[:2]))
    assert part.n_sites == (real.sites["pos"] <= 100).sum()
    assert part.samples == real.samples[2:]
    assert (part.genotypes == real.genotypes[4:, : part.n_sites]).all()
    picked = genosynth.read(example, samples=[real.samples[5], real.samples[3]])
    assert picked.samples == [real.samples[5], real.samples[3]]
    assert (picked.genotypes[0] == real.genotypes[10]).all()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("x.vcf.gz", None), ("x.vcf", None), ("x.bcf", None), ("x.data", "u"), ("x.pgen", "p")],
)
def test_write_read_round_trip(real, tmp_path, name, fmt):
    path = tmp_path / name
    genosynth.write(real, path, fmt)
    if fmt == "p":
        assert all((tmp_path / f"x.{ext}").stat().st_size > 0 for ext in ("pgen", "pvar", "psam"))
        assert len((tmp_path / "x.psam").read_text().splitlines()) == 1 + 1252
    back = genosynth.read(path, input_format="pgen" if fmt == "p" else None)
    assert (back.genotypes == real.genotypes).all()
    assert back.samples == real.samples
    for key in ("chrom", "pos", "id", "ref", "alt"):
        assert (back.sites[key] == real.sites[key]).all(), key


def test_read_bgen_equals_the_vcf(example, real):
    """The bundled BGEN (plink2 `--export bgen-1.2 bits=8 ref-first` of the example) reads as the
    VCF does: haplotypes, sample ids, sites and alleles; regions and sample subsets too."""
    bgen = example.parent / "805_SNP_1000G_real.bgen"
    back = genosynth.read(bgen)
    assert (back.genotypes == real.genotypes).all()
    assert back.samples == real.samples
    for key in ("chrom", "pos", "id", "ref", "alt"):
        assert (back.sites[key] == real.sites[key]).all(), key
    part = genosynth.read(bgen, region="1:1-100", samples=[real.samples[5], real.samples[3]])
    n = (real.sites["pos"] <= 100).sum()
    assert part.n_sites == n and part.samples == [real.samples[5], real.samples[3]]
    assert (part.genotypes[0] == real.genotypes[10, :n]).all()
    assert (part.genotypes[2] == real.genotypes[6, :n]).all()


def test_read_rejects_an_unknown_input_format(example):
    with pytest.raises(ValueError, match="input_format"):
        genosynth.read(example, input_format="bed")


def test_write_index(real, tmp_path):
    genosynth.write(real, tmp_path / "x.vcf.gz", index=True)
    assert (tmp_path / "x.vcf.gz.tbi").is_file()


def test_from_numpy_write_read(tmp_path):
    rng = np.random.default_rng(0)
    g = rng.integers(0, 2, size=(6, 40), dtype=np.int64)
    sites = {"chrom": "2", "pos": np.arange(40) * 10 + 5, "ref": "A", "alt": "C"}
    h = genosynth.Haplotypes.from_numpy(g, sites, ["a", "b", "c"])
    assert h.ploidy == 2 and h.genotypes.dtype == np.uint8
    assert (h.genotypes == g).all()
    genosynth.write(h, tmp_path / "h.vcf.gz")
    back = genosynth.read(tmp_path / "h.vcf.gz")
    assert (back.genotypes == g).all() and back.samples == ["a", "b", "c"]
    assert (back.sites["pos"] == sites["pos"]).all() and set(back.sites["id"]) == {"."}
    haploid = genosynth.Haplotypes.from_numpy(g.astype(bool), sites, list("abcdef"), ploidy=1)
    assert haploid.ploidy == 1
    mixed = genosynth.Haplotypes.from_numpy(g[:3], sites, ["x", "y"], ploidy=[2, 1])
    assert mixed.ploidy == [2, 1]
    genosynth.write(mixed, tmp_path / "mixed.vcf")
    assert genosynth.read(tmp_path / "mixed.vcf").ploidy == [2, 1]


@pytest.mark.parametrize(
    ("genotypes", "sites", "samples", "message"),
    [
        ([[0, 2]], {"chrom": "1", "pos": [1, 2], "ref": "A", "alt": "G"}, ["a"], "value 2"),
        ([[0.0, 1.0]], {"chrom": "1", "pos": [1, 2], "ref": "A", "alt": "G"}, ["a"], "dtype"),
        ([0, 1], {"chrom": "1", "pos": [1, 2], "ref": "A", "alt": "G"}, ["a"], "2-D"),
        ([[0, 1]], {"chrom": "1", "pos": [1], "ref": "A", "alt": "G"}, ["a"], "has 1 values"),
        ([[0, 1]], {"chrom": "1", "pos": [1, 2], "ref": "A"}, ["a"], '"alt" is missing'),
        ([[0, 1]], {"chrom": "1", "pos": [0, 2], "ref": "A", "alt": "G"}, ["a"], "1-based"),
        ([[0, 1]], {"chrom": "1", "pos": [1, 2], "ref": "A", "alt": "G", "x": 1}, ["a"], "unknown key"),
        ([[0, 1]], {"chrom": "1", "pos": [1, 2], "ref": "A", "alt": "G"}, ["a"], "carry 2 haplotypes"),
    ],
)
def test_from_numpy_refuses_bad_input(genotypes, sites, samples, message):
    with pytest.raises(ValueError, match=message):
        genosynth.Haplotypes.from_numpy(np.array(genotypes), sites, samples)


def test_missing_file_is_os_error_naming_the_path(tmp_path):
    missing = tmp_path / "nope.vcf.gz"
    with pytest.raises(FileNotFoundError) as err:
        genosynth.read(missing)
    assert str(missing) in str(err.value) and "cannot open" in str(err.value)
    assert isinstance(err.value, OSError)


def test_bad_content_and_options_are_value_errors(tmp_path, example, real):
    bad = tmp_path / "bad.vcf"
    bad.write_text("hello\n")
    with pytest.raises(ValueError, match="not a VCF, BCF, .hapt, .pgen or .bgen file"):
        genosynth.read(bad)
    with pytest.raises(ValueError, match="multiallelic"):
        genosynth.read(example, multiallelic="keep")
    with pytest.raises(ValueError, match='sample "nobody" is not in the file'):
        genosynth.read(example, samples=["nobody"])
    with pytest.raises(ValueError, match="cannot tell the output format"):
        genosynth.write(real, tmp_path / "x.txt")
    with pytest.raises(ValueError, match="expected v \\(VCF\\)"):
        genosynth.write(real, tmp_path / "x.vcf", "q")
