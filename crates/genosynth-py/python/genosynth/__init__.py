"""genosynth: artificial genomes from phased haplotypes.

Read and write VCF, BCF, ``.hapt`` and phased PLINK 2 files as numpy arrays, train generative
models (RBM, GAN, WGAN, CRBM, HCLT), sample artificial genomes (AGs) and evaluate their
fidelity and privacy. The work is done by the genosynth Rust library; long calls release the
GIL. See docs/python.md in the repository for a guide with tested examples.
"""

from collections.abc import Mapping

from ._genosynth import (
    Haplotypes,
    Model,
    PrivacyRiskError,
    Report,
    __version__,
    evaluate,
    load,
    read,
    train,
    write,
    write_report,
)

# A Report reads like the report.json dict; `isinstance(report, Mapping)` says so.
Mapping.register(Report)

__all__ = [
    "Haplotypes",
    "Model",
    "PrivacyRiskError",
    "Report",
    "__version__",
    "evaluate",
    "load",
    "read",
    "train",
    "write",
    "write_report",
]
