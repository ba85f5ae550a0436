"""Where things start in a valid JSON text, so that an item of a .json file read whole is named
by its line in messages and ids."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def skip_ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]  # "*": it always matches


def array_offsets(text: str, pos: int) -> Iterator[int]:
    """Where each element starts in the valid JSON array at ``text[pos]`` (for line numbers)."""
    pos = skip_ws(text, pos + 1)
    while text[pos] != "]":
        yield pos
        pos = skip_ws(text, _DECODER.raw_decode(text, pos)[1])
        if text[pos] == ",":
            pos = skip_ws(text, pos + 1)


def member_offset(text: str, pos: int, name: str) -> int:
    """Where the value of ``name`` starts in the valid JSON object at ``text[pos]`` (the last
    one, as ``json.loads`` keeps)."""
    found = pos
    pos = skip_ws(text, pos + 1)
    while text[pos] != "}":
        key, pos = _DECODER.raw_decode(text, pos)
        pos = skip_ws(text, skip_ws(text, pos) + 1)  # past the ":"
        if key == name:
            found = pos
        pos = skip_ws(text, _DECODER.raw_decode(text, pos)[1])
        if text[pos] == ",":
            pos = skip_ws(text, pos + 1)
    return found


def line_counter(text: str) -> Callable[[int], int]:
    """The line of an offset into ``text``, counted on from the last one asked (offsets grow)."""
    last = [0, 1]

    def line_at(pos: int) -> int:
        if pos < last[0]:
            last[:] = [0, 1]
        last[1] += text.count("\n", last[0], pos)
        last[0] = pos
        return last[1]
    return line_at
