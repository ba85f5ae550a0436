"""Build SentencePiece's "precompiled charsmap": the normaliser format that `tokenizers` reads.

Layout: a little-endian u32 with the trie's size in bytes, the trie as a darts-clone
double array of u32 units, then the replacement strings, each NUL-terminated. A key's
leaf holds the byte offset of its replacement. Unit bits (darts-clone): label in bits
0-7, "has leaf" in bit 8, offset to the children's base in bits 10-31; a leaf unit
holds its value with bit 31 set, so it never matches a label.
"""

from __future__ import annotations

import struct

_BLOCK = 256  # children of one node stay inside one 256-unit block (positions are base ^ label)


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Serialise ``{source: replacement}`` so that `normalizers.Precompiled` applies it."""
    replacements = bytearray()
    values: dict[bytes, int] = {}
    for source in sorted(mapping):
        values[source.encode("utf-8")] = len(replacements)
        replacements += mapping[source].encode("utf-8") + b"\0"
    units = _double_array(values)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(replacements)


def _double_array(values: dict[bytes, int]) -> list[int]:
    """Place a byte trie of ``values`` into a darts-clone double array."""
    root: dict = {}
    for key, value in values.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value  # None marks "a key ends here"

    units = [0] * _BLOCK
    used = bytearray(_BLOCK)
    used[0] = 1
    bases: set[int] = set()
    search_from = 1
    pending = [(root, 0)]
    while pending:
        node, pos = pending.pop()
        labels = sorted(0 if label is None else label for label in node)
        if not labels:
            continue
        while used[search_from]:
            search_from += 1
        base = _free_base(labels, used, bases, search_from)
        bases.add(base)
        while len(units) <= base | (_BLOCK - 1):
            units.extend([0] * _BLOCK)
            used.extend(bytes(_BLOCK))
        units[pos] |= (pos ^ base) << 10
        for label in labels:
            used[base ^ label] = 1
        if None in node:
            units[pos] |= 1 << 8
            units[base] = node[None] | (1 << 31)
        for label, child in node.items():
            if label is not None:
                units[base ^ label] = label
                pending.append((child, base ^ label))
    return units


def _free_base(labels: list[int], used: bytearray, bases: set[int], start: int) -> int:
    """First base (unused as a base, not 0) whose child slots are all free."""
    position = start
    while True:
        base = position ^ labels[0]
        if base and base not in bases and all(
                (base ^ label) >= len(used) or not used[base ^ label] for label in labels):
            return base
        position += 1
        while position < len(used) and used[position]:
            position += 1
