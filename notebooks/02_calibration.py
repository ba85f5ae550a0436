# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Calibration: what a score means and which threshold to use
#
# The loop: align with near misses, annotate, evaluate, calibrate, align again with the
# calibration. Annotations are simulated from data whose true pairs are known:
#
# - with `../shared/data` beside the repository: FLORES-200 sentence pairs (true pairs) mixed with
#   Greek newswire sentences (elNER) and UK MPs' tweets as distractors, the realistic mining set
#   of `docs/benchmarks.md`, in two disjoint halves: one to calibrate on, one to check on;
# - without it: the bundled examples, labelled by hand in examples/same_event.json (too few pairs to do more than
#   show the steps).
#
# Translations are easier to match than news and tweets about one event: read the figures as a
# demonstration of the method, and calibrate on your own annotations.

# %%
import csv
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from aligner.annotation.calibrate import check_precision, fit_records, scores_of
from aligner.annotation.evaluate import evaluate
from aligner.annotation.gold import Gold
from aligner.api import align
from aligner.decide.calibrated import load
from aligner.settings import Settings
from embeddings import Encoder

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
DATA = ROOT.parent / "shared" / "data"
WORK = Path(tempfile.mkdtemp())
encoder = Encoder()  # loaded once, passed to every align()
SHARED = (DATA / "flores200_devtest_ell_eng").is_dir()
print("data:", DATA if SHARED else "the bundled examples")


# %%
def lines(path):
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]


def write_jsonl(path, items):
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items), encoding="utf-8")
    return str(path)


def mining_pool(part, size=150):
    """Greek: FLORES lines + elNER sentences; English: the FLORES lines + MP tweets; one half each."""
    flores = DATA / "flores200_devtest_ell_eng"
    rows = range(part * size, (part + 1) * size)
    ell, eng = lines(flores / "ell_Grek.devtest"), lines(flores / "eng_Latn.devtest")
    news = lines(DATA / "elner_greek_news" / "elner4_dev.sentences.el.txt")[part * size:(part + 1) * size]
    with open(DATA / "mp_tweets_gr_en" / "en_combined.csv", encoding="utf-8", newline="") as handle:
        tweets = [row["full_text"] for row in csv.DictReader(handle)][part * size:(part + 1) * size]
    greek = [{"id": f"flores:{i}", "text": ell[i]} for i in rows] + \
        [{"id": f"news:{part}:{j}", "text": t} for j, t in enumerate(news)]
    english = [{"id": f"flores:{i}", "text": eng[i]} for i in rows] + \
        [{"id": f"tweet:{part}:{j}", "text": t} for j, t in enumerate(tweets)]
    return (write_jsonl(WORK / f"greek{part}.jsonl", greek), write_jsonl(WORK / f"english{part}.jsonl", english))


# Hand labels for the examples: each news tweet and the statements reporting the same event.
EXAMPLE_SAME_EVENT = json.loads((ROOT / "examples" / "same_event.json").read_text())["same_event"]


def run(part, settings):
    """Aligned records, their simulated annotations (what comes back from Label Studio/Prodigy)
    and the threshold the run chose."""
    if SHARED:
        greek, english = mining_pool(part)
        result = align(greek=[greek], english=[english], settings=settings, encoder=encoder)
        labels = {r["pair_id"]: "same_event" if r["greek"]["id"] == r["english"]["id"] else "unrelated"
                  for r in result.records()}
    else:
        result = align([ROOT / "examples"], settings=settings, encoder=encoder)
        labels = {r["pair_id"]: "same_event" if r["greek"]["id"] in EXAMPLE_SAME_EVENT.get(r["english"]["id"], ())
                  else "unrelated" for r in result.records()}
    return result.records(), Gold(labels, source="simulated annotations"), result.stats.threshold


records, gold, threshold = run(0, Settings(include_rejected=True))
print(threshold.describe())
print(len(records), "pairs,", sum(v == "same_event" for v in gold.labels.values()), "true")

# %% [markdown]
# ## Scores of true and false pairs

# %%
true = np.array([gold.labels[r["pair_id"]] == "same_event" for r in records])
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, score in zip(axes, ["event_score", "cosine"]):
    values = np.array([r["scores"][score] for r in records])
    bins = np.linspace(values.min(), values.max(), 30)
    ax.hist(values[~true], bins=bins, alpha=0.6, label="false pairs")
    ax.hist(values[true], bins=bins, alpha=0.6, label="true pairs")
    ax.set(xlabel=score, ylabel="pairs")
if threshold.mixture is None:  # the FDR rule's threshold is a probability, not a score
    axes[0].axvline(threshold.value, color="k", linestyle="--", label="the run's threshold")
axes[0].legend()
fig.tight_layout()

# %% [markdown]
# ## Evaluate: precision, recall, F1 and the precision-recall curves
#
# `evaluate` grades the accepted pairs, and draws for each score the curve "accept every pair
# scoring at least t" (whatever its rank).

# %%
evaluation = evaluate(records, gold)
print(evaluation.summary())

fig, ax = plt.subplots(figsize=(5, 4))
for name, curve in evaluation.curves.items():
    best = curve.best
    ax.plot(curve.recall, curve.precision, label=f"{name}: best F1 {best['f1']:.2f} at {best['threshold']:.3f}")
ax.set(xlabel="recall", ylabel="precision", ylim=(0, 1.02))
ax.legend()

# %% [markdown]
# ## Calibrate: from scores to P(same_event)
#
# A logistic regression on event margin, margin, cosine, 1/rank, event score and the evidence's log-odds
# (see `aligner/annotation/calibrate.py`), saved as plain
# JSON. `check_precision` shows what `--min-precision` would do: the probability cut it sets from
# the probabilities alone (as `align(..., min_precision=)` does), and the precision the gold measures
# there (the same table `aligner calibrate` prints).

# %%
calibration = fit_records(records, gold)
calibration.save(str(WORK / "calibration.json"))
print(json.dumps(load(str(WORK / "calibration.json")).to_json(), indent=1)[:600])

for wanted, cut, measured in check_precision(calibration, records, gold).rows:
    print(f"--min-precision {wanted}: accept probability >= {cut:.3f}; measured precision "
          f"{'nothing accepted' if measured is None else f'{measured:.3f}'}")
probability = calibration.predict(scores_of(records))

# %%
# Reliability: within bins of predicted probability, the share of true pairs.
bins = np.linspace(0, 1, 6)
which = np.clip(np.digitize(probability, bins) - 1, 0, 4)
for b in range(5):
    inside = which == b
    if inside.any():
        print(f"p in [{bins[b]:.1f}, {bins[b + 1]:.1f}): {inside.sum():4d} pairs, {true[inside].mean():.2f} true")

# %% [markdown]
# ## Align again with the calibration
#
# On the other half of the data (or the same examples without shared data), ask for an expected
# precision of 0.9 and check what the annotations say.

# %%
settings = Settings(include_rejected=True, calibration=str(WORK / "calibration.json"), min_precision=0.9)
records2, gold2, _ = run(1, settings)
again = evaluate(records2, gold2)
print(again.summary())
print(f"asked for precision 0.9, measured {again.same_event.precision:.3f}")
