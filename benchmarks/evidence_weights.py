"""Where the evidence's weights come from: every tweet's best candidate in three public pools,
labelled, and one logistic regression of "same event" on the event margin and the evidence.

    python benchmarks/evidence_weights.py

Pools (../shared/data; the same as benchmarks/run_all.py): mining (FLORES + elNER Greek against
FLORES + UK MP tweets, true = the FLORES line's own translation), null (elNER against the MP
tweets: nothing is true) and the articles with bursts (seed and examples/, hand labels). Each
tweet's best candidate at an event margin of at least 1 (where the decision looks) is a row with:
event margin - 1, shared name or number (0/1), clash (0/1), token agreement - TOKEN_CENTER.

Prints how often each signal occurs among true and partnerless pairs (its likelihood ratio on its
own), the joint fit in log-odds (what aligner/scoring/evidence uses), the rate at which one unit of
log-odds trades against event margin in that fit, and the fixed rule at other rates and thresholds
on the runs where it decides (how aligner/decide/threshold's FALLBACK_THRESHOLD and MARGIN_PER_LOG_ODDS
were chosen).
"""

from __future__ import annotations

import numpy as np
from common import DATA, align_streams, article_sets, flores_units, mining_pools, null_set, require

from aligner.annotation.calibrate import fit_logistic
from aligner.api import align
from aligner.decide.threshold import FALLBACK_THRESHOLD, MARGIN_PER_LOG_ODDS
from aligner.scoring.content import embedding_text
from aligner.scoring.evidence import CLASH, SHARED, TOKEN_CENTER, TOKEN_SLOPE, gather, with_token_agreement
from aligner.settings import Settings
from embeddings import Encoder

SHOW_BEST = Settings(include_rejected=True, show=1)


def labelled_rows(encoder: Encoder) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per pool: (features, same event) of each tweet's best candidate at event margin >= 1, with
    all its evidence (a run computes token agreement only where it can change the decision)."""
    greek, tweets, eng = mining_pools()
    documents, labels, _, bursty, burst_labels, _ = article_sets()
    runs = {"mining": (align_streams(encoder, greek, flores_units(eng) + tweets, SHOW_BEST),
                       lambda p: p.greek.id == p.english.id),
            "null": (align_streams(encoder, *null_set(), SHOW_BEST), lambda p: False),
            "articles": (align(documents, settings=SHOW_BEST, encoder=encoder),
                         lambda p: p.greek.id in labels.get(p.english.id, ())),
            "articles with bursts": (align(bursty, settings=SHOW_BEST, encoder=encoder),
                                     lambda p: p.greek.id in burst_labels.get(p.english.id, ()))}
    out = {}
    for name, (result, true) in runs.items():
        best = [p for p in result.pairs if p.rank == 1 and p.event_margin >= 1 and not p.flags]
        texts = [(embedding_text(p.english.text), p.greek.text) for p in best]
        evidence = with_token_agreement(gather(texts, [p.evidence.date_gap_days for p in best]), texts,
                                        encoder.token_vectors)
        x = np.array([[p.event_margin - 1, e.mentions.shared, e.mentions.clash, e.token_agreement - TOKEN_CENTER,
                       e.log_odds] for p, e in zip(best, evidence)], dtype=float)
        out[name] = (x, np.array([true(p) for p in best], dtype=bool))
    return out


def main() -> None:
    require(DATA)
    rows = labelled_rows(Encoder(None))
    print("| pool | best candidates | true | shared name/number (true / none) | clash (true / none) | "
          "token agreement median (true / none) |")
    print("|---|---|---|---|---|---|")
    for name, (x, y) in rows.items():
        def rate(column: int, group: np.ndarray) -> str:
            return f"{x[group, column].mean():.3f}" if group.any() else "-"

        def median(group: np.ndarray) -> str:
            return f"{np.median(x[group, 3]) + TOKEN_CENTER:.3f}" if group.any() else "-"
        print(f"| {name} | {len(y)} | {int(y.sum())} | {rate(1, y)} / {rate(1, ~y)} | {rate(2, y)} / {rate(2, ~y)} | "
              f"{median(y)} / {median(~y)} |")
    fitted = [name for name in rows if name != "articles"]  # the bursty articles hold the plain ones
    x = np.vstack([rows[name][0][:, :4] for name in fitted])
    y = np.concatenate([rows[name][1] for name in fitted]).astype(float)
    w = fit_logistic(x, y, l2=1e-6)
    print(f"\njoint fit on {len(y)} rows ({int(y.sum())} true), log-odds per unit:")
    print(f"  event margin {w[1]:.1f}; shared {w[2]:+.2f} (aligner/scoring/evidence: {SHARED:+.2f}); "
          f"clash {w[3]:+.2f} ({CLASH:+.2f}); token agreement {w[4]:.1f} per unit ({TOKEN_SLOPE:.1f})")
    print(f"  one log-odds unit = {1 / w[1]:.4f} event margin (aligner/decide/threshold: MARGIN_PER_LOG_ODDS)")
    without = fit_logistic(x[:, :1], y, l2=1e-6)
    for label, columns, weights in (("margin alone", [0], without), ("margin and evidence", [0, 1, 2, 3], w)):
        score = x[:, columns] @ weights[1:]
        print(f"  AUC of {label}: {_auc(score[y == 1], score[y == 0]):.3f}")
    print("\nThe fixed rule (event margin + log-odds x rate >= threshold) on the runs where it decides; "
          "true / false accepted:\n")
    decided = ("null", "articles", "articles with bursts")
    print("| rate (margin per log-odds) | threshold | " + " | ".join(decided) + " |")
    print("|---|---|" + "---|" * len(decided))
    for rate in (1 / w[1], 1 / 150, 1 / 100, 1 / 70, 1 / 50):
        for threshold in (1.012, 1.015, 1.018, 1.020):
            cells = []
            for name in decided:
                x, true = rows[name]
                accepted = x[:, 0] + 1 + x[:, 4] * rate >= threshold
                cells.append(f"{int((accepted & true).sum())} / {int((accepted & ~true).sum())}")
            chosen = " (default)" if abs(rate - MARGIN_PER_LOG_ODDS) < 1e-9 and threshold == FALLBACK_THRESHOLD else ""
            print(f"| 1/{1 / rate:.0f} | {threshold}{chosen} | " + " | ".join(cells) + " |")


def _auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(a true pair scores above a partnerless one), ties counted half."""
    both = np.r_[positive, negative]
    order = both.argsort(kind="stable")
    ranks = np.empty(len(both))
    ranks[order] = np.arange(1, len(both) + 1)
    for value in np.unique(both):  # average ranks over ties
        tied = both == value
        ranks[tied] = ranks[tied].mean()
    above = ranks[:len(positive)].sum() - len(positive) * (len(positive) + 1) / 2
    return float(above / (len(positive) * len(negative)))


if __name__ == "__main__":
    main()
