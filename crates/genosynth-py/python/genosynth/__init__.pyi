"""Type stub of the genosynth package (the extension module genosynth._genosynth)."""

import os
import pathlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

_Path = Union[str, os.PathLike[str]]
_Format = Literal["v", "z", "b", "u", "h", "p"]

class PrivacyRiskError(RuntimeError):
    """A model whose checkpoint selection missed the privacy bounds; the message says which
    bound failed, by how much, and what to try."""

class Haplotypes:
    """Phased haplotypes (rows) at biallelic sites (columns), with their samples. Immutable."""

    @property
    def genotypes(self) -> npt.NDArray[np.uint8]:
        """Alleles, haplotypes x sites (0 = REF, 1 = ALT); read-only."""
    @property
    def sites(self) -> dict[str, npt.NDArray[Any]]:
        """``chrom``, ``pos`` (int64, 1-based), ``id`` (``.`` when none), ``ref``, ``alt``."""
    @property
    def samples(self) -> list[str]:
        """Sample names; a diploid sample owns two consecutive rows."""
    @property
    def ploidy(self) -> Union[int, list[int]]:
        """Haplotypes per sample: an int when uniform, else one entry per sample."""
    @property
    def n_haplotypes(self) -> int: ...
    @property
    def n_sites(self) -> int: ...
    @property
    def metadata(self) -> dict[str, str]:
        """``##genosynth...`` header lines (model, seed, guard, DP) of AGs."""
    def allele_counts(self) -> npt.NDArray[np.int64]:
        """ALT allele count per site."""
    def allele_frequencies(self) -> npt.NDArray[np.float64]:
        """ALT allele frequency per site."""
    @staticmethod
    def from_numpy(
        genotypes: npt.ArrayLike,
        sites: Mapping[str, Union[str, Sequence[Any], npt.ArrayLike]],
        samples: Sequence[str],
        ploidy: Union[int, Sequence[int], None] = None,
    ) -> Haplotypes:
        """Haplotypes from 0/1 alleles (haplotypes x sites), sites (``chrom``, ``pos``,
        ``ref``, ``alt``, optional ``id``; one value per site or one str for all) and sample
        names (``ploidy`` haplotypes each, default 2)."""
    def __len__(self) -> int: ...

class Model:
    """A trained model: a checkpoint directory loaded with its weights."""

    @property
    def kind(self) -> Literal["rbm", "gan", "wgan", "crbm", "hclt"]: ...
    @property
    def epochs(self) -> int:
        """Epochs trained in total."""
    @property
    def epoch(self) -> int:
        """The epoch whose weights are loaded (the chosen one under selection)."""
    @property
    def path(self) -> pathlib.Path: ...
    @property
    def params(self) -> dict[str, Any]:
        """Hyperparameters as model.json records them."""
    @property
    def privacy(self) -> Optional[dict[str, Any]]:
        """The DP-SGD guarantee of a private model (epsilon, delta, ...), else None."""
    @property
    def history(self) -> list[dict[str, Any]]:
        """One dict per epoch (losses, seconds, validation figures)."""
    def generate(
        self,
        n: Optional[int] = None,
        seed: int = 0,
        population: Union[Mapping[str, int], str, None] = None,
        *,
        ploidy: Literal[1, 2] = 2,
        device: str = "auto",
        gibbs_steps: Optional[int] = None,
        guard: Optional[Haplotypes] = None,
        min_distance: Union[int, Literal["auto"], None] = None,
        accept_privacy_risk: bool = False,
    ) -> Haplotypes:
        """Samples n artificial haplotypes (diploid samples AG_000001... with ploidy=2).
        Raises PrivacyRiskError for a model whose selection missed the privacy bounds unless
        accept_privacy_risk (then the risk is in the metadata's genosynthPrivacyRisk)."""

class Report(Mapping[str, Any]):
    """An evaluation: reads like the report.json dict."""

    @property
    def verdict(self) -> Literal["pass", "warn", "fail"]: ...
    def to_dict(self) -> dict[str, Any]:
        """A new dict with the content of report.json."""
    def to_json(self) -> str:
        """report.json as text."""
    def __getitem__(self, key: str) -> Any: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...

def read(
    path: _Path,
    *,
    region: Union[str, Sequence[str], None] = None,
    samples: Union[str, Sequence[str], None] = None,
    multiallelic: Literal["error", "split", "drop"] = "error",
    missing: Literal["error", "major"] = "error",
    snps_only: bool = False,
    sites: Optional[_Path] = None,
    input_format: Optional[Literal["vcf", "bcf", "hapt", "pgen", "bgen"]] = None,
) -> Haplotypes:
    """Reads a VCF, BCF, .hapt, PLINK 2 (.pgen/.pvar/.psam) or BGEN v1.2 file."""

def write(
    haplotypes: Haplotypes,
    path: _Path,
    format: Optional[_Format] = None,
    *,
    index: bool = False,
) -> None:
    """Writes VCF (v), BGZF VCF (z), BCF (b), uncompressed BCF (u), .hapt (h) or phased
    PLINK 2 (p); the format defaults to the extension."""

def train(
    haplotypes: Haplotypes,
    model: Literal["rbm", "gan", "wgan", "crbm", "hclt"] = "rbm",
    *,
    out: _Path,
    epochs: Optional[int] = None,
    seed: int = 0,
    device: str = "auto",
    progress: Optional[Callable[[int, int, dict[str, float]], object]] = None,
    save_every: Optional[int] = None,
    resume: bool = False,
    validation_fraction: Optional[float] = None,
    validate_every: int = 10,
    accept_privacy_risk: bool = False,
    **params: Any,
) -> Model:
    """Trains a model into the directory out; params are hyperparameters by their
    model.json names and dp_epsilon, dp_delta, dp_clip, dp_noise_multiplier. With
    validation_fraction, raises PrivacyRiskError when no checkpoint meets the privacy bounds
    (the model stays in out) unless accept_privacy_risk."""

def load(path: _Path, *, last: bool = False) -> Model:
    """Loads a model directory."""

def evaluate(
    train: Haplotypes,
    synthetic: Haplotypes,
    holdout: Optional[Haplotypes] = None,
    *,
    model: Optional[Model] = None,
    seed: int = 42,
    max_haplotypes: Optional[int] = None,
    aats_repeats: int = 10,
    ld_window: int = 100,
    ld_windows: int = 20,
    n_triplets: int = 2000,
    triplet_window: int = 20,
    haplotype_windows: Optional[Sequence[int]] = None,
    pca_components: int = 6,
    genetic_map: Optional[_Path] = None,
) -> Report:
    """Fidelity and privacy of AGs against their training haplotypes (and a holdout)."""

def write_report(report: Report, directory: _Path) -> None:
    """Writes report.json and report.html into directory."""
