"""Fixed thresholds against the per-run rule, on every data set at once (docs/decisions.md).

For each fixed event-margin threshold, and for the default rule (--fdr 0.01 with its fallback),
runs the many-to-many benchmarks of run_all.py: mining, mining with bursts, Tatoeba Challenge
many-to-one, and the articles with and without bursts. One row per setting; the fallback
threshold is the fixed value that holds up across all of them.

    python benchmarks/choose_defaults.py            # needs ../shared/data (a few minutes)
"""

from __future__ import annotations

import run_all
from common import DATA, require

from aligner.settings import Settings
from embeddings import Encoder

THRESHOLDS = (None, 1.008, 1.010, 1.011, 1.012, 1.013, 1.014, 1.016, 1.018)


def main() -> None:
    require(DATA)
    encoder = Encoder(None)
    print("threshold\tmining F1\tbursts F1\tmany-to-one P\tR 1/3/4/5+\tarticles F1\tarticles+bursts F1")
    for threshold in THRESHOLDS:
        settings = Settings(threshold=threshold)
        mining = run_all.run_mining(encoder, 4, settings)
        bursts = run_all.run_mining_bursts(encoder, 4, settings)
        many = run_all.run_many_to_one(encoder, 4, settings)
        articles = run_all.run_articles(encoder, 4, settings)
        label = "rule" if threshold is None else f"{threshold:.3f}"
        print(f"{label}\t{mining['f1']:.3f} ({mining['threshold']})\t{bursts['f1']:.3f} ({bursts['threshold']})\t"
              f"{many['precision']:.3f}\t{many['recall_1']:.2f}/{many['recall_3']:.2f}/{many['recall_4']:.2f}/"
              f"{many['recall_5+']:.2f}\t{articles['plain_f1']:.3f}\t{articles['bursts_f1']:.3f}", flush=True)


if __name__ == "__main__":
    main()
