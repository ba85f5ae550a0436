"""Pairs: ids stable and distinct across runs and files."""

from __future__ import annotations

from conftest import EXAMPLES

from aligner.api import align
from aligner.settings import Settings


def test_pair_ids_are_distinct_across_same_named_files(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_bytes((EXAMPLES / "storm_thessaly.txt").read_bytes())
    records = align([tmp_path / "a", tmp_path / "b"], settings=Settings(include_rejected=True)).records()
    assert len({r["pair_id"] for r in records}) == len(records) > 0
