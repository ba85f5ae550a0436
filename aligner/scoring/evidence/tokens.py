"""Token agreement: how well the words of a tweet and of a statement find each other, from the
same model's last-layer token vectors (BERTScore's greedy matching, F1 of the two directions).

The sentence vector averages a text into its topic; token agreement asks whether each token has
a counterpart on the other side, so "a fire in Turkey" against a statement about a fire in
Attica loses on the place where the vectors of the two sentences do not.
"""

from __future__ import annotations

import numpy as np


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """BERTScore F1 of two texts' L2-normalised token vectors (rows); nan when a side has none."""
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    similarity = a @ b.T
    precision, recall = similarity.max(axis=1).mean(), similarity.max(axis=0).mean()
    return float(2 * precision * recall / (precision + recall)) if precision + recall > 0 else 0.0
