"""A run's bulk kept in anonymous temporary files (under ``$TMPDIR``), so memory stays bounded.

`align()` reads every statement and tweet once into a `Spool` and looks up only the units it
needs afterwards (texts to embed, the sides of each output pair): memory holds one 8-byte
offset per unit. Many units are read at once in large sequential reads (iteration, slices,
`Spool.take`), and a column of values is a spool of its own, computed once. Vectors go to
`disk_array`s, memory-mapped. The files have no name, so they disappear when the run ends,
however it ends.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar, overload

import numpy as np

T = TypeVar("T")
V = TypeVar("V")


_BLOCK = 1 << 20  # bytes read at once when many units are wanted: a few reads per thousand units
_GAP = 1 << 16    # bytes between two wanted units read through rather than sought past
_ROWS = 4096      # units unpickled at a time when iterating


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
            return self.take(range(*row.indices(len(self))))
        start = self._offsets[row]  # IndexError past the end ends iteration
        self._file.seek(start)
        return pickle.loads(self._file.read(self._stop(row % len(self)) - start))

    def __iter__(self) -> Iterator[T]:
        """In order, a block of units per read (appending meanwhile is not seen)."""
        size = len(self)
        for start in range(0, size, _ROWS):
            yield from self.take(range(start, min(start + _ROWS, size)))

    def take(self, rows: Iterable[int]) -> list[T]:
        """``[self[row] for row in rows]``, with the wanted units read in few large sequential
        reads: one read per unit made a column of N texts N seeks and N small reads (issue 21)."""
        rows = [range(len(self))[row] for row in rows]  # negative rows counted from the end; IndexError
        wanted = sorted(set(rows))
        found: dict[int, T] = {}
        first = 0
        while first < len(wanted):
            last = first + 1  # the next wanted unit joins the read while it is near and the block small
            while (last < len(wanted) and self._offsets[wanted[last]] - self._stop(wanted[last - 1]) <= _GAP
                   and self._stop(wanted[last]) - self._offsets[wanted[first]] <= _BLOCK):
                last += 1
            found.update(self._read(wanted[first:last]))
            first = last
        return [found[row] for row in rows]

    def _read(self, rows: list[int]) -> Iterator[tuple[int, T]]:
        """The units of ``rows`` (ascending), from one read that spans them."""
        base = self._offsets[rows[0]]
        self._file.seek(base)
        block = memoryview(self._file.read(self._stop(rows[-1]) - base))
        for row in rows:
            yield row, pickle.loads(block[self._offsets[row] - base:self._stop(row) - base])

    def _stop(self, row: int) -> int:
        """Where unit ``row`` (not negative) ends in the file."""
        return self._offsets[row + 1] if row + 1 < len(self._offsets) else self._end

    def close(self) -> None:
        self._file.close()


def disk_array(rows: int, columns: int) -> np.ndarray:
    """A zero-filled float32 matrix memory-mapped from an anonymous temporary file."""
    if rows * columns == 0:  # mmap cannot map an empty file
        return np.zeros((rows, columns), dtype=np.float32)
    return np.memmap(tempfile.TemporaryFile(), dtype=np.float32, mode="w+", shape=(rows, columns))


def pick(items: Sequence[V], rows: np.ndarray) -> Sequence[V]:
    """A read-only view of ``items[rows[i]]``, looked up on access (a slice of a spool's rows in
    one `Spool.take`)."""
    return _Picked(items, rows)


class _Picked(Sequence[V]):
    def __init__(self, items: Sequence[V], rows: np.ndarray) -> None:
        self._items, self._rows = items, rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):
        if not isinstance(i, slice):
            return self._items[int(self._rows[i])]
        rows = self._rows[i].tolist()
        return self._items.take(rows) if isinstance(self._items, Spool) else [self._items[row] for row in rows]

    def __iter__(self) -> Iterator[V]:
        for start in range(0, len(self), _ROWS):
            yield from self[start:start + _ROWS]
