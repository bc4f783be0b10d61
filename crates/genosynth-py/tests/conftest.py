"""Shared fixtures: the bundled example and one small trained RBM for the whole session."""

import os
from pathlib import Path

import pytest

import genosynth

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "805_SNP_1000G_real.train.vcf.gz"


def _test_seed(default: int) -> int:
    """`default`, or `default + 1000 × $GENOSYNTH_TEST_SEED` (the Rust tests' `test_seed`): the
    training seeds of tests that assert a figure, so a sweep can vary them (docs/testing.md)."""
    sweep = os.environ.get("GENOSYNTH_TEST_SEED", "").strip()
    return default + 1000 * int(sweep) if sweep else default


@pytest.fixture(scope="session")
def test_seed():
    return _test_seed


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
def model(split, tmp_path_factory, test_seed):
    train, _ = split
    out = tmp_path_factory.mktemp("model") / "rbm"
    return genosynth.train(
        train, "rbm", out=out, epochs=3, seed=test_seed(1), hidden_units=32, gibbs_steps=5,
        lr=0.05,
    )
