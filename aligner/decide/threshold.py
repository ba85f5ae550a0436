"""Which candidates are accepted: the threshold rule, the evidence it weighs, and the modes.

The threshold adapts to each run without labels. Every tweet's best event margin comes from one
of two populations: tweets that report a statement of the run (scores well above 1) and tweets
that do not (a bell around 1: no closer to their best statement than to its neighbours). A
two-component Gaussian mixture fitted to the best scores estimates, for any threshold, the
expected share of tweets without a partner among those accepted (the false discovery rate);
the rule takes the lowest threshold whose estimate is within ``fdr``. The bell's place and width
come from the run itself, so the rule follows the scope, the data and the model. Where the
scores do not show two populations (too few tweets, or no gap between them) it falls back to a
fixed threshold measured on our benchmarks, and says so. docs/decisions.md has the figures.

The margin measures topic as much as event, so each candidate's evidence (`aligner.scoring.evidence`:
names and numbers, token agreement, dates) is added to it as a log-likelihood ratio. Under the
FDR rule a tweet's estimated probability of having no partner is the mixture's, with its odds
divided by the evidence's likelihood ratio; a fixed threshold (the fallback, or ``--threshold``)
is held against the ``event_score``: the event margin moved by the evidence at the rate the two
were fitted together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aligner.output.record import Rule
from aligner.scoring.match import Candidates
from aligner.settings import DEFAULT_FDR, MODES

# The fixed rule, for runs whose scores show no two groups (few tweets, document scope, pools with
# no partners): event_score >= FALLBACK_THRESHOLD, where one unit of evidence log-odds moves the
# event margin by MARGIN_PER_LOG_ODDS. Both chosen together on the runs where this rule decides
# (the no-partner pool, the articles plain and with bursts; docs/decisions.md). The joint fit of
# benchmarks/evidence_weights.py trades 1/219 of margin per unit, but its slope is set by FLORES
# translations, whose margins run far above tweets'; on tweets evidence must weigh more.
FALLBACK_THRESHOLD = 1.018
MARGIN_PER_LOG_ODDS = 1 / 100
# A statement no closer to the tweet than the tweet's average neighbour (ratio below 1) is never
# its event, whatever the evidence: names alone would otherwise lift topical neighbours.
MIN_EVENT_MARGIN = 1.0
MIN_TWEETS = 50        # fewer best scores cannot show two populations
MIN_GROUP = 10         # tweets the fit must put in each population
MIN_SEPARATION = 2.0   # gap between the two means, in units of their pooled spread (docs/decisions.md)


@dataclass(frozen=True)
class Threshold:
    """The threshold of a run, which rule chose it, and why (for the summary)."""

    value: float  # rule fdr: the highest null probability accepted; otherwise an event score
    rule: Rule    # min_precision: set by aligner.decide.accept when a calibrated probability decided
    reason: str
    mixture: Mixture | None = None  # rule fdr: the fit that the null probabilities come from

    def describe(self) -> str:
        if self.rule == "fdr":
            return (f"accepted up to an estimated probability of no partner of {self.value:.4f} "
                    f"({self.rule}: {self.reason})")
        if not np.isfinite(self.value):
            return f"nothing accepted ({self.rule}: {self.reason})"
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


def event_score(event_margin: np.ndarray, log_odds: np.ndarray) -> np.ndarray:
    """The event margin moved by the evidence: what a fixed threshold is held against."""
    return np.asarray(event_margin, dtype=float) + np.asarray(log_odds, dtype=float) * MARGIN_PER_LOG_ODDS


def null_probability(mixture: Mixture, event_margin: np.ndarray, log_odds: np.ndarray) -> np.ndarray:
    """P(no partner | event margin, evidence): the mixture's odds over the evidence's likelihood ratio."""
    prior = np.clip(mixture.null_probability(np.asarray(event_margin, dtype=float)), 1e-15, 1 - 1e-15)
    return 1 / (1 + np.exp(np.log1p(-prior) - np.log(prior) + np.asarray(log_odds, dtype=float)))


def choose_threshold(best: np.ndarray, log_odds: np.ndarray | None = None, *, fdr: float = DEFAULT_FDR,
                     manual: float | None = None) -> Threshold:
    """The threshold for a run whose tweets' best event margins are ``best`` (one per distinct
    tweet that has an eligible candidate), with those candidates' evidence ``log_odds``."""
    log_odds = np.zeros(len(best)) if log_odds is None else np.asarray(log_odds, dtype=float)
    if manual is not None:
        return Threshold(float(manual), "manual", "--threshold")
    if len(best) < MIN_TWEETS:
        return Threshold(FALLBACK_THRESHOLD, "fallback", f"{len(best)} tweets with candidates, too few to "
                                               f"estimate a false discovery rate (needs {MIN_TWEETS})")
    mixture = fit_mixture(best)
    if not (mixture.separation >= MIN_SEPARATION and min(mixture.weight) * len(best) >= MIN_GROUP):
        return Threshold(FALLBACK_THRESHOLD, "fallback", f"the best scores do not split into tweets with and "
                                               f"without a partner (separation {mixture.separation:.2f}, "
                                               f"needs {MIN_SEPARATION}; smaller group "
                                               f"{min(mixture.weight) * len(best):.0f} tweets, needs {MIN_GROUP})")
    null = null_probability(mixture, best, log_odds)
    order = np.argsort(null, kind="stable")
    estimated_fdr = np.cumsum(null[order]) / np.arange(1, len(best) + 1)
    within = np.flatnonzero(estimated_fdr <= fdr)
    fit = (f"{len(best)} tweets' best scores, no-partner group at {mixture.mean[0]:.4f} "
           f"± {mixture.sd[0]:.4f}, {mixture.weight[0]:.0%} of tweets; margin and evidence")
    if len(within) == 0:
        return Threshold(FALLBACK_THRESHOLD, "fallback", f"no threshold keeps the estimated FDR within {fdr:g}; {fit}")
    return Threshold(float(null[order][within[-1]]), "fdr", f"estimated FDR {fdr:g}; {fit}", mixture)


def best_rows(candidates: Candidates, eligible: np.ndarray) -> np.ndarray:
    """The row of each tweet's highest event margin among its eligible candidates (candidates are
    sorted by tweet, then event margin: the first eligible row of each tweet)."""
    rows = np.flatnonzero(eligible)
    tweets = candidates.tweet[rows]
    first = np.r_[True, tweets[1:] != tweets[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    return rows[first]


def in_play(candidates: Candidates, mode: str, eligible: np.ndarray | None = None) -> np.ndarray:
    """The candidates that some threshold could accept: eligible, what the mode keeps, and at
    least `MIN_EVENT_MARGIN`."""
    return decide(candidates, threshold=Threshold(-np.inf, "manual", "any"), mode=mode, eligible=eligible)


def undecided(candidates: Candidates, threshold: Threshold, log_odds: np.ndarray,
              spread: tuple[float, float]) -> np.ndarray:
    """The candidates whose decision under ``threshold`` would change if their evidence moved
    within ``spread`` (least, most) log-odds."""
    low, high = spread
    return _passes(candidates, threshold, log_odds + high) & ~_passes(candidates, threshold, log_odds + low)


def _passes(candidates: Candidates, threshold: Threshold, log_odds: np.ndarray) -> np.ndarray:
    """Under the FDR rule, a null probability at most the threshold's; otherwise an event score
    that reaches it."""
    if threshold.mixture is not None:
        return null_probability(threshold.mixture, candidates.event_margin, log_odds) <= threshold.value
    return event_score(candidates.event_margin, log_odds) >= threshold.value


def decide(candidates: Candidates, *, threshold: Threshold, mode: str, eligible: np.ndarray | None = None,
           log_odds: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of accepted candidates.

    A candidate is accepted when it passes ``threshold`` (under the FDR rule, its probability of
    no partner is at most the threshold's; otherwise its event score reaches it), both sides are
    eligible (see ``aligner.scoring.content``), and the mode agrees: ``best`` keeps a tweet's top-ranked
    statement, ``mutual`` also needs the tweet to be that statement's best tweet, ``all``
    keeps every candidate over the threshold (one tweet may report several statements).
    ``log_odds`` is each candidate's evidence (none: zero).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    accepted = _passes(candidates, threshold, np.zeros(len(candidates)) if log_odds is None else log_odds)
    accepted &= candidates.event_margin >= MIN_EVENT_MARGIN
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
