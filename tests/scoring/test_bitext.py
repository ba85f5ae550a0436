"""Bitext retrieval: the pure function on constructed vectors, and the CLI on a small file pair."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from aligner.cli import app
from aligner.scoring.bitext import accuracy, retrieval_accuracy


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_margin_fixes_a_hub():
    """Every source shares a topic direction u; target 0 is mostly u (a "hub"), so plain cosine
    retrieves it for every source, while the margin discounts it for being near everyone."""
    n = 12
    eye = np.eye(2 * n + 1)
    u = eye[-1]
    src = unit(np.stack([eye[i] + 0.8 * u for i in range(n)]))
    tgt = unit(np.stack([u + 0.3 * eye[0]] + [eye[i] + eye[n + i] for i in range(1, n)]))
    result = retrieval_accuracy(src, tgt, k=4)
    assert set(result) == {f"{way}_{score}" for way in ("src_to_tgt", "tgt_to_src")
                           for score in ("cosine", "margin", "event_margin")}
    assert result["src_to_tgt_cosine"] == pytest.approx(1 / n)  # only row 0 finds its own line
    assert result["src_to_tgt_margin"] == result["src_to_tgt_event_margin"] == 1.0
    assert retrieval_accuracy(src, src, k=4) == {key: 1.0 for key in result}


def test_identical_texts_count_as_found():
    assert accuracy(np.array([1, 0, 2])) == pytest.approx(1 / 3)
    assert accuracy(np.array([1, 0, 2]), ["same", "same", "other"]) == 1.0


GREEK = ["Ο σεισμός έγινε αισθητός σε όλη την Κρήτη.", "Τα πλοία μένουν δεμένα λόγω απεργίας.",
         "Τα σχολεία του Βόλου θα μείνουν κλειστά την Παρασκευή.", "Η φωτιά έφτασε στα σπίτια του Διονύσου."]
ENGLISH = ["The earthquake was felt across Crete.", "Ships stay in port because of a strike.",
           "Schools in Volos will stay closed on Friday.", "The fire reached the houses of Dionysos."]


@pytest.mark.slow
def test_cli_json(tmp_path):
    (tmp_path / "el.txt").write_text("\n".join(GREEK) + "\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("\n".join(ENGLISH) + "\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["benchmark", "bitext", str(tmp_path / "el.txt"), str(tmp_path / "en.txt"),
                                   "--json", "--k", "2"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["pairs"] == 4 and result["k"] == 2
    assert result["src_to_tgt_cosine"] == result["tgt_to_src_margin"] == 1.0


def test_cli_not_parallel(tmp_path):
    (tmp_path / "a.txt").write_text("one\ntwo\n")
    (tmp_path / "b.txt").write_text("one\n")
    out = CliRunner().invoke(app, ["benchmark", "bitext", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert out.exit_code == 2 and "not line-parallel" in out.output
