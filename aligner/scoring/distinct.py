"""Copies counted once (LASER's ``--unify``): texts that are the same once reduced to what the
model sees are embedded and scored once, and every copy gets the result.

A retweet (``RT @user: ...``), an outlet's copy with its own credit or link, and the same
sentence in two reports would otherwise fill each other's neighbourhoods and lower each
other's margins; folded, they are one text in every neighbourhood.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Distinct:
    """Rows folded into distinct texts: ``of_row[row]`` is the row's distinct id, and
    ``first_row[id]`` the first row with that text (ids in order of first appearance)."""

    of_row: np.ndarray
    first_row: np.ndarray

    @property
    def copies(self) -> int:
        """Rows beyond the first of each distinct text."""
        return len(self.of_row) - len(self.first_row)

    def rows(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every row of each distinct id in ``ids``, as (position in ``ids``, row), rows ascending."""
        order = np.argsort(self.of_row, kind="stable")
        count = np.bincount(self.of_row, minlength=len(self.first_row))
        start = np.cumsum(count) - count
        n = count[ids]
        position = np.repeat(np.arange(len(ids)), n)
        within = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        return position, order[start[ids[position]] + within]


def distinct(keys: Iterable[str]) -> Distinct:
    """Fold equal keys. Memory: one 16-byte digest per distinct key, not the texts."""
    seen: dict[bytes, int] = {}
    of_row, first_row = array("q"), array("q")
    for row, key in enumerate(keys):
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
        found = seen.setdefault(digest, len(seen))
        if found == len(first_row):
            first_row.append(row)
        of_row.append(found)
    return Distinct(np.array(of_row, dtype=np.int64), np.array(first_row, dtype=np.int64))
