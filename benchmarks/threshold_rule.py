"""The per-run threshold rule against every fixed threshold, on mining pools of other shapes.

For each pool (FLORES English lines among UK MP tweets, Greek FLORES among elNER newswire, with
sizes and distractors varied), one run of `align()` at the defaults gives the rule's threshold and
the F1 of the pairs it accepted; each tweet's best candidate (include_rejected) gives the F1 any
fixed threshold on the event margin would have had (`decide`, mode best, evidence left out). The
rule should land near the best fixed threshold on every pool, not on one.

    python benchmarks/threshold_rule.py            # needs ../shared/data (about 3 minutes)
"""

from __future__ import annotations

import numpy as np
from common import DATA, align_streams, flores_units, mining_pools, require

from aligner.annotation.evaluate import counts
from aligner.decide.threshold import Threshold, decide
from aligner.output.pairs import Pair
from aligner.scoring.match import Candidates
from aligner.settings import Settings
from embeddings import Encoder

FIXED = np.round(np.arange(1.000, 1.0301, 0.0025), 4)


def f1(pairs: list[Pair], accepted: np.ndarray, gold: int) -> float:
    """F1 of the ``accepted`` pairs against the ``gold`` true ones (FLORES line i with line i)."""
    true = np.array([p.english.id == p.greek.id for p in pairs], dtype=bool)
    return counts(accepted, true, extra_positives=gold - int(true.sum())).f1


def at_fixed(pairs: list[Pair], threshold: float) -> np.ndarray:
    """What `decide` accepts among ``pairs`` (one per tweet: its best candidate) at a fixed
    ``threshold`` on the event margin, in mode best, the evidence left out."""
    def column(name: str) -> np.ndarray:
        return np.array([getattr(p, name) for p in pairs], dtype=float)
    candidates = Candidates(tweet=np.arange(len(pairs)),
                            statement=np.unique([p.greek.id for p in pairs], return_inverse=True)[1],
                            cosine=column("cosine"), margin=column("margin"), event_margin=column("event_margin"),
                            rank=np.array([p.rank for p in pairs]))
    return decide(candidates, threshold=Threshold(float(threshold), "manual", "a fixed threshold"), mode="best",
                  eligible=np.array([not p.flags for p in pairs], dtype=bool))


def main() -> None:
    require(DATA)
    encoder = Encoder(None)
    greek, tweets, eng = mining_pools()
    flores_greek = [g for g in greek if g["id"].startswith("flores:")]
    pools = {"FLORES + 1,000 MP tweets": (greek, len(eng), len(tweets)),
             "FLORES + 300 MP tweets": (greek, len(eng), 300),
             "FLORES + 100 MP tweets": (greek, len(eng), 100),
             "500 FLORES lines + 1,000 MP": (greek, 500, len(tweets)),
             "200 FLORES lines + 1,000 MP": (greek, 200, len(tweets)),
             "FLORES + MP, no elNER distractors": (flores_greek, len(eng), len(tweets))}
    print("pool\trule's threshold\trule F1\tbest fixed F1\tat\tF1 at 1.014 (the old fixed default)")
    for name, (pool, lines, distractors) in pools.items():
        english = flores_units(eng[:lines]) + tweets[:distractors]
        result = align_streams(encoder, pool, english, Settings(include_rejected=True, show=1))
        pairs, rule = result.pairs, result.stats.threshold
        best = max((f1(pairs, at_fixed(pairs, t), lines), t) for t in FIXED)
        print(f"{name}\t{rule.value:.4f} ({rule.rule})\t{f1(pairs, np.array([p.accepted for p in pairs]), lines):.3f}\t"
              f"{best[0]:.3f}\t{best[1]:.4f}\t{f1(pairs, at_fixed(pairs, 1.014), lines):.3f}", flush=True)


if __name__ == "__main__":
    main()
