"""A run's bulk kept in anonymous temporary files (under ``$TMPDIR``), so memory stays bounded.

`align()` reads every statement and tweet once into a `Spool` and looks up only the units it
needs afterwards (texts to embed, the sides of each output pair): memory holds one 8-byte
offset per unit. Vectors go to `disk_array`s, memory-mapped. The files have no name, so they
disappear when the run ends, however it ends.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar, overload

import numpy as np

T = TypeVar("T")
V = TypeVar("V")


class Spool(Sequence[T]):
    """Items pickled one after another into an anonymous temporary file."""

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._file = tempfile.TemporaryFile()
        self._offsets = array("q")
        self._end = 0
        self.extend(items)

    def append(self, item: T) -> None:
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(self._end)
        self._file.write(data)
        self._offsets.append(self._end)
        self._end += len(data)

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, row: int) -> T: ...
    @overload
    def __getitem__(self, row: slice) -> list[T]: ...

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        self._file.seek(self._offsets[row])  # IndexError past the end ends iteration
        return pickle.load(self._file)

    def column(self, value: Callable[[T], V]) -> Sequence[V]:
        """A read-only view: ``value(item)`` for each item, computed on access."""
        return _Column(self, value)

    def close(self) -> None:
        self._file.close()


class _Column(Sequence[V], Generic[T, V]):
    def __init__(self, items: Sequence[T], value: Callable[[T], V]) -> None:
        self._items, self._value = items, value

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self._value(item) for item in self._items[row]]
        return self._value(self._items[row])


def disk_array(rows: int, columns: int) -> np.ndarray:
    """A zero-filled float32 matrix memory-mapped from an anonymous temporary file."""
    if rows * columns == 0:  # mmap cannot map an empty file
        return np.zeros((rows, columns), dtype=np.float32)
    return np.memmap(tempfile.TemporaryFile(), dtype=np.float32, mode="w+", shape=(rows, columns))


def pick(items: Sequence[V], rows: np.ndarray) -> Sequence[V]:
    """A read-only view of ``items[rows[i]]``, looked up on access."""
    return _Column(range(len(rows)), lambda i: items[int(rows[i])])
