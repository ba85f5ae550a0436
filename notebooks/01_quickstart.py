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
# # Quickstart: align the bundled examples
#
# Four short Greek wire reports, each with English tweets embedded in the seed format. We align
# every tweet with the Greek statements of its article, look at the pairs as a table and at how
# the scores are distributed. Runs offline with the bundled model (first use converts it into
# the cache, about a minute). Open with `jupytext --to notebook 01_quickstart.py`, or run it as
# a script.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from aligner.api import align
from aligner.settings import Settings

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
EXAMPLES = ROOT / "examples"
sorted(p.name for p in EXAMPLES.glob("*.txt"))

# %% [markdown]
# `include_rejected=True` keeps each tweet's best few rejected candidates too: they are what
# shows where the threshold sits, and what annotators should see.

# %%
result = align([EXAMPLES], settings=Settings(include_rejected=True))
print(result.stats.summary())
print("model:", result.model["fingerprint"])

# %% [markdown]
# ## The pairs as a table

# %%
pd.set_option("display.max_colwidth", 70)
table = result.to_dataframe()
columns = ["accepted", "event", "scores.event_margin", "scores.margin", "scores.cosine", "scores.rank",
           "greek.text", "english.text"]
table[table["accepted"]][columns]

# %%
# A tweet with no partner in its article: its best candidate is rejected.
best = table[table["scores.rank"] == 1]
best[~best["accepted"]][columns]

# %% [markdown]
# ## Score distributions
#
# The ratio margin compares a pair's cosine with how close each side is to its neighbours: above
# 1 means "closer to each other than to the rest". Cosines of unrelated short texts are high
# (0.75-0.85 here), which is why the matcher decides on a margin. The event margin is the same
# ratio with a burst (rewordings and copies of one report) counted once; the event score moves it
# by the evidence (names and numbers, token agreement, dates: the `evidence` columns). The run
# picks its threshold from the scores themselves, or falls back to a fixed one on the event
# score, and says which.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, score in zip(axes, ["scores.event_score", "scores.cosine"]):
    ax.hist([table.loc[table["accepted"], score], table.loc[~table["accepted"], score]],
            bins=20, stacked=True, label=["accepted", "rejected"])
    ax.set(xlabel=score.split(".")[1], ylabel="pairs")
if result.stats.threshold.mixture is None:  # a fixed threshold is on the event score
    axes[0].axvline(result.stats.threshold.value, color="k", linestyle="--", label="threshold")
axes[0].legend()
fig.tight_layout()

# %% [markdown]
# ## See the events
#
# The same report as `aligner report pairs.jsonl -o report.html`: events as cards with the
# evidence highlighted, the near-misses, the score distribution, and a search box.

# %%
from IPython.display import HTML

from aligner.annotation.report import html

HTML(html(result.records()))

# %% [markdown]
# ## Export for annotation
#
# The same records go to Label Studio (tasks plus a labeling config) or Prodigy; the annotated
# files come back to `aligner evaluate` and `aligner calibrate` (see `02_calibration`).

# %%
import tempfile

from aligner.annotation.export import write

out = Path(tempfile.mkdtemp())
written = write(result.records(), str(out / "tasks.json"), "labelstudio")
written += write(result.records(), str(out / "tasks.jsonl"), "prodigy")
[p.name for p in written]
