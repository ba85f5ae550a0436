"""Every option of a run: its name, default and check, written once. The CLI's options take their
defaults and choices from here, and the record's decision block its types."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from aligner.errors import InputError
from embeddings.backends import BACKENDS, PRECISIONS

Scope = Literal["document", "corpus"]
Mode = Literal["best", "mutual", "all"]
EncodingErrors = Literal["strict", "replace"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
MODES: tuple[Mode, ...] = get_args(Mode)
ENCODING_ERRORS: tuple[EncodingErrors, ...] = get_args(EncodingErrors)

# Defaults chosen by measurement (benchmarks/choose_defaults.py, benchmarks/threshold_rule.py; docs/decisions.md):
DEFAULT_K = 4
DEFAULT_MODE: Mode = "best"
DEFAULT_FDR = 0.01  # the threshold rule's target (aligner.decide.threshold)


@dataclass(frozen=True)
class Settings:
    """How to align. ``scope=None`` means ``document`` for articles, ``corpus`` for streams."""

    model: str | None = None
    scope: Scope | None = None
    k: int = DEFAULT_K
    threshold: float | None = None      # a fixed event-score threshold; None: chosen per run for `fdr`
    fdr: float = DEFAULT_FDR            # estimated share of accepted tweets without a partner
    mode: Mode = DEFAULT_MODE
    window_days: float | None = None
    include_rejected: bool = False
    show: int = DEFAULT_K               # with include_rejected: each tweet's best candidates written (not k)
    include_non_english: bool = False
    index: str | None = None  # a FAISS index_factory string; None picks by pool size
    errors: EncodingErrors = "strict"
    skip_bad_lines: bool = False
    calibration: str | None = None      # a calibration JSON (aligner calibrate): adds scores.probability
    min_precision: float | None = None  # with calibration: accept by probability for this expected precision
    cache: bool = True                  # reuse vectors from the embedding cache (embeddings.cache)
    precision: str | None = None        # encoder precision, fp32 or int8; None: the backend's measured best
    backend: str | None = None          # ctranslate2 or torch; None: CTranslate2 on a CPU where it runs the model

    def __post_init__(self) -> None:
        """Bad values fail here, in one line, before anything is read or embedded."""
        for name, value, allowed in (("mode", self.mode, MODES),
                                     ("scope", self.scope, (*SCOPES, None)),
                                     ("encoding errors", self.errors, ENCODING_ERRORS),
                                     ("precision", self.precision, (*PRECISIONS, None)),
                                     ("backend", self.backend, (*BACKENDS, None))):
            if value not in allowed:
                raise InputError(f"{name} must be one of {', '.join(a for a in allowed if a)}, not {value!r}")
        if not (isinstance(self.k, int) and self.k >= 1):
            raise InputError(f"k must be a whole number of neighbours, at least 1, not {self.k!r}")
        if not (isinstance(self.show, int) and self.show >= 0):
            raise InputError(f"show must be a whole number of candidates, at least 0, not {self.show!r}")
        if self.threshold is not None and not math.isfinite(self.threshold):
            raise InputError(f"threshold must be a finite number, not {self.threshold}")
        if not 0 < self.fdr < 1:
            raise InputError(f"fdr must be between 0 and 1, not {self.fdr}")
        if self.window_days is not None and not (math.isfinite(self.window_days) and self.window_days >= 0):
            raise InputError(f"window must be a finite number of days, at least 0, not {self.window_days}")
        if self.min_precision is not None and not 0 < self.min_precision <= 1:
            raise InputError(f"min precision must be in (0, 1], not {self.min_precision}")
        if self.min_precision is not None and not self.calibration:
            raise InputError("--min-precision needs --calibration (a file from `aligner calibrate`)")
