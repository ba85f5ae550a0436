"""Every option of a run, with its default, in one place that the CLI and the API share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Scope = Literal["document", "corpus"]
Mode = Literal["best", "mutual", "all"]

# Defaults chosen by measurement (benchmarks/many_to_many.py; docs/decisions.md):
DEFAULT_K = 4
DEFAULT_MODE: Mode = "best"
DEFAULT_FDR = 0.01  # the threshold rule's target (aligner.decision)


@dataclass(frozen=True)
class Settings:
    """How to align. ``scope=None`` means ``document`` for articles, ``corpus`` for streams."""

    model: str | None = None
    scope: Scope | None = None
    k: int = DEFAULT_K
    threshold: float | None = None      # a fixed event-margin threshold; None: chosen per run for `fdr`
    fdr: float = DEFAULT_FDR            # estimated share of accepted tweets without a partner
    mode: Mode = DEFAULT_MODE
    window_days: float | None = None
    include_rejected: bool = False
    include_non_english: bool = False
    index: str | None = None  # a FAISS index_factory string; None picks by pool size
    errors: Literal["strict", "replace"] = "strict"
    skip_bad_lines: bool = False
    calibration: str | None = None      # a calibration JSON (aligner calibrate): adds scores.probability
    min_precision: float | None = None  # with calibration: accept by probability for this expected precision
    cache: bool = True                  # reuse vectors from the embedding cache (embeddings.cache)
    precision: str | None = None        # encoder precision, fp32 or int8; None: the measured default
