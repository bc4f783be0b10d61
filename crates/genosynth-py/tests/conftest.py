"""Shared fixtures: the bundled example and one small trained RBM for the whole session."""

from pathlib import Path

import pytest

import genosynth

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "805_SNP_1000G_real.train.vcf.gz"


@pytest.fixture(scope="session")
def example() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def real() -> genosynth.Haplotypes:
    return genosynth.read(EXAMPLE)


@pytest.fixture(scope="session")
def split(real):
    """1,000 people to train on, the other 252 held out."""
    names = real.samples
    return (
        genosynth.read(EXAMPLE, samples=names[:1000]),
        genosynth.read(EXAMPLE, samples=names[1000:]),
    )


@pytest.fixture(scope="session")
def model(split, tmp_path_factory):
    train, _ = split
    out = tmp_path_factory.mktemp("model") / "rbm"
    return genosynth.train(
        train, "rbm", out=out, epochs=3, seed=1, hidden_units=32, gibbs_steps=5, lr=0.05
    )
