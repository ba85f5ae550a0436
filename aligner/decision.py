"""Which candidates are accepted: the threshold rule and the selection modes.

The threshold adapts to each run without labels. Every tweet's best event margin comes from one
of two populations: tweets that report a statement of the run (scores well above 1) and tweets
that do not (a bell around 1: no closer to their best statement than to its neighbours). A
two-component Gaussian mixture fitted to the best scores estimates, for any threshold, the
expected share of tweets without a partner among those accepted (the false discovery rate);
the rule takes the lowest threshold whose estimate is within ``fdr``. The bell's place and width
come from the run itself, so the rule follows the scope, the data and the model. Where the
scores do not show two populations (too few tweets, or no gap between them) it falls back to a
fixed threshold measured on our benchmarks, and says so. docs/decisions.md has the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aligner.match import Candidates
from aligner.record import Rule
from aligner.settings import DEFAULT_FDR

MODES = ("best", "mutual", "all")
FALLBACK_THRESHOLD = 1.012
MIN_TWEETS = 50        # fewer best scores cannot show two populations
MIN_GROUP = 10         # tweets the fit must put in each population
MIN_SEPARATION = 2.0   # gap between the two means, in units of their pooled spread (docs/decisions.md)


@dataclass(frozen=True)
class Threshold:
    """The event-margin threshold of a run, which rule chose it, and why (for the summary)."""

    value: float
    rule: Rule  # min_precision: set by the api when a calibrated probability decided
    reason: str

    def describe(self) -> str:
        return f"threshold {self.value:.4f} ({self.rule}: {self.reason})"


@dataclass(frozen=True)
class Mixture:
    """Two Gaussians over best scores: ``[0]`` tweets without a partner, ``[1]`` with one."""

    weight: tuple[float, float]
    mean: tuple[float, float]
    sd: tuple[float, float]

    @property
    def separation(self) -> float:
        return (self.mean[1] - self.mean[0]) / float(np.hypot(*self.sd))

    def null_probability(self, scores: np.ndarray) -> np.ndarray:
        """P(no partner | best score), per score."""
        density = [w * _normal_pdf(scores, m, s) for w, m, s in zip(self.weight, self.mean, self.sd)]
        return density[0] / np.maximum(density[0] + density[1], np.finfo(float).tiny)


def fit_mixture(scores: np.ndarray, iterations: int = 300) -> Mixture:
    """EM for two Gaussians, started at the 5th and 75th percentiles (most runs have more
    tweets with partners than without, and the partnerless bell sits lowest)."""
    x = np.asarray(scores, dtype=float)
    mean = np.quantile(x, [0.05, 0.75])
    sd = np.full(2, max(x.std() / 3, 1e-6))
    weight = np.array([0.5, 0.5])
    for _ in range(iterations):
        density = np.stack([w * _normal_pdf(x, m, s) for w, m, s in zip(weight, mean, sd)]) + 1e-300
        resp = density / density.sum(axis=0)
        total = resp.sum(axis=1)
        weight = total / len(x)
        mean = (resp @ x) / total
        sd = np.sqrt((resp * (x - mean[:, None]) ** 2).sum(axis=1) / total) + 1e-6
    low, high = np.argsort(mean)
    return Mixture((float(weight[low]), float(weight[high])), (float(mean[low]), float(mean[high])),
                   (float(sd[low]), float(sd[high])))


def choose_threshold(best: np.ndarray, *, fdr: float = DEFAULT_FDR, manual: float | None = None,
                     fallback: float = FALLBACK_THRESHOLD) -> Threshold:
    """The threshold for a run whose tweets' best event margins are ``best`` (one per distinct
    tweet that has an eligible candidate)."""
    if manual is not None:
        return Threshold(float(manual), "manual", "--threshold")
    if len(best) < MIN_TWEETS:
        return Threshold(fallback, "fallback", f"{len(best)} tweets with candidates, too few to "
                                               f"estimate a false discovery rate (needs {MIN_TWEETS})")
    mixture = fit_mixture(best)
    if not (mixture.separation >= MIN_SEPARATION and min(mixture.weight) * len(best) >= MIN_GROUP):
        return Threshold(fallback, "fallback", f"the best scores do not split into tweets with and "
                                               f"without a partner (separation {mixture.separation:.2f}, "
                                               f"needs {MIN_SEPARATION}; smaller group "
                                               f"{min(mixture.weight) * len(best):.0f} tweets, needs {MIN_GROUP})")
    order = np.argsort(-best, kind="stable")
    estimated_fdr = np.cumsum(mixture.null_probability(best[order])) / np.arange(1, len(best) + 1)
    within = np.flatnonzero(estimated_fdr <= fdr)
    fit = (f"{len(best)} tweets' best scores, no-partner group at {mixture.mean[0]:.4f} "
           f"± {mixture.sd[0]:.4f}, {mixture.weight[0]:.0%} of tweets")
    if len(within) == 0:
        return Threshold(fallback, "fallback", f"no threshold keeps the estimated FDR within {fdr:g}; {fit}")
    return Threshold(float(best[order][within[-1]]), "fdr", f"estimated FDR {fdr:g}; {fit}")


def best_scores(candidates: Candidates, eligible: np.ndarray) -> np.ndarray:
    """Each tweet's highest event margin among its eligible candidates."""
    tweets, scores = candidates.tweet[eligible], candidates.event_margin[eligible]
    if len(tweets) == 0:
        return np.zeros(0)
    best = np.full(int(tweets.max()) + 1, -np.inf)
    np.maximum.at(best, tweets, scores.astype(float))
    return best[np.isfinite(best)]


def decide(candidates: Candidates, *, threshold: float, mode: str,
           eligible: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of accepted candidates.

    A candidate is accepted when its event margin reaches ``threshold``, both sides are eligible
    (see ``aligner.content``), and the mode agrees: ``best`` keeps a tweet's top-ranked
    statement, ``mutual`` also needs the tweet to be that statement's best tweet, ``all``
    keeps every candidate over the threshold (one tweet may report several statements).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    accepted = candidates.event_margin >= threshold
    if eligible is not None:
        accepted &= eligible
    if mode in ("best", "mutual"):
        accepted &= candidates.rank == 1
    if mode == "mutual":
        accepted &= _best_for_statement(candidates)
    return accepted


def _best_for_statement(candidates: Candidates) -> np.ndarray:
    """Each statement's highest-scoring tweets; copies of one tweet tie, and all of them count."""
    top = np.full(int(candidates.statement.max(initial=-1)) + 1, -np.inf, dtype=np.float32)
    np.maximum.at(top, candidates.statement, candidates.event_margin)
    return candidates.event_margin >= top[candidates.statement]


def _normal_pdf(x: np.ndarray, mean: float, sd: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi))
