"""Greek sentence segmentation with character offsets into the original (pre-NFC) text.

`sentencex` gives the base split (it already knows `;` as the Greek question mark, decimal
commas, thousands dots and «...», είπε quotations). On top of it we merge the splits it gets
wrong in Greek news: abbreviations that precede a name or number (κ., Αγ., ν., π.χ.), initials
(Κ. Μητσοτάκης), dotted acronyms (Η.Π.Α.), and any "sentence" that starts in lower case
(εκατ. ευρώ, χλμ. από). We also split after a typographic ellipsis (…) followed by a capital,
which sentencex does not. `benchmarks/segmentation.py` measures both on elNER.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sentencex import segment

# Abbreviations that are (almost) never the end of a sentence: a name, number or noun follows.
# Abbreviations that can end a sentence (κ.ά., κ.λπ., χλμ., εκατ.) need no entry: they are only
# merged when the next piece starts in lower case, which the generic rule below already does.
NON_FINAL_ABBREVIATIONS: frozenset[str] = frozenset(
    a.casefold() for a in (
        "κ.", "κκ.", "κ.κ.", "κα.", "δρ.", "αγ.", "καθ.", "ν.", "π.δ.", "παρ.", "αρ.", "άρθ.",
        "σελ.", "βλ.", "π.χ.", "λ.χ.", "δηλ.", "στ.", "οδ.", "λεωφ.", "υπ.", "βουλ.", "ευρωβ.",
        "πρ.", "αντιστρ.", "υποστρ.", "ταξ.", "σμχος.", "ανθ.", "υπολ.", "συντ.", "αριθ.",
        "τηλ.", "φ.", "mr.", "mrs.", "ms.", "dr.", "st.", "no.", "vs.", "prof.", "gen.",
    )
)

_LAST_TOKEN = re.compile(r"(\S+)\s*$")
# A single letter with a dot at the end of a piece: an initial (Κ.) or part of an acronym (Η.Π.Α.).
_ENDS_WITH_LETTER_DOT = re.compile(r"(?:^|[\s(«\"'“])(\w)\.\s*$")
_ENDS_WITH_INITIAL = re.compile(r"(?:^|[\s(«\"'“])([^\W\d_])\.\s*$")
_STARTS_WITH_LETTER_DOT = re.compile(r"^\s*[^\W\d_]\.")
_ELLIPSIS_SPLIT = re.compile(r"…\s+(?=[«\"“(]?[Α-ΩΆΈΉΊΌΎΏA-Z])")


@dataclass(frozen=True)
class Sentence:
    """One sentence: NFC ``text`` and ``[start, end)`` offsets into the original string."""

    text: str
    start: int
    end: int


def has_greek(text: str) -> bool:
    """True if the text holds at least one Greek letter."""
    return any(_is_greek_letter(c) for c in text)


def _is_greek_letter(c: str) -> bool:
    o = ord(c)
    return (0x0370 <= o <= 0x03FF or 0x1F00 <= o <= 0x1FFF) and c.isalpha()


def _starts_lower(text: str) -> bool:
    s = text.lstrip(" \t\r\n«\"“'(-–—")
    return bool(s) and s[0].isalpha() and s[0].islower()


def _should_merge(prev: str, nxt: str) -> bool:
    """Whether sentencex's boundary between ``prev`` and ``nxt`` is a false one."""
    if not prev.strip() or not nxt.strip():
        return False
    if "\n\n" in prev[len(prev.rstrip()):]:
        return False  # a blank line is always a boundary
    if _starts_lower(nxt):
        return True  # Greek news sentences start with a capital; lower case means a false stop
    m = _LAST_TOKEN.search(prev)
    last = m.group(1).casefold() if m else ""
    last = last.lstrip("(«\"“'")
    if last in NON_FINAL_ABBREVIATIONS:
        return True
    if _ENDS_WITH_LETTER_DOT.search(prev) and _STARTS_WITH_LETTER_DOT.match(nxt):
        return True  # Η. | Π.Α.
    m = _ENDS_WITH_INITIAL.search(prev)
    if m and m.group(1).isupper() and not _ends_acronym(prev):
        return True  # initial before a surname: Κ. Μητσοτάκης
    return False


def _ends_acronym(prev: str) -> bool:
    """A piece ending like ``Η.Π.Α.`` ends an acronym, which may well end the sentence."""
    return bool(re.search(r"\w\.\w\.\s*$", prev))


_OPENERS = "«“"
_QUOTES = "«»“”\""
_MASK = str.maketrans({q: " " for q in _QUOTES})


def _raw_pieces(text: str) -> list[tuple[int, int]]:
    """sentencex's split as ``(start, end)`` offsets into ``text`` (pieces keep their spaces)."""
    pieces = segment("el", text) if text else []
    spans: list[tuple[int, int]] = []
    pos = 0
    for p in pieces:
        # sentencex returns consecutive slices; find() keeps us right even if it ever drops text.
        i = pos if text.startswith(p, pos) else text.find(p, pos)
        if i < 0:
            continue
        if i > pos and spans:
            spans[-1] = (spans[-1][0], i)
        spans.append((i, i + len(p)))
        pos = i + len(p)
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def quoted_regions(text: str) -> list[tuple[int, int]]:
    """``(open, close)`` positions of the quotations that close within ``text``.

    «» and “” nest (a stack each); ASCII " pairs up in order. An opener that never closes
    protects nothing: a stray or paragraph-spanning « must not glue the rest of the text
    into one sentence, which is what sentencex's own quote rule does.
    """
    regions: list[tuple[int, int]] = []
    stacks: dict[str, list[int]] = {"«": [], "“": []}
    pair = {"»": "«", "”": "“"}
    ascii_open: int | None = None
    for i, c in enumerate(text):
        if c in stacks:
            stacks[c].append(i)
        elif c in pair and stacks[pair[c]]:
            regions.append((stacks[pair[c]].pop(), i))
        elif c == '"':
            if ascii_open is None:
                ascii_open = i
            else:
                regions.append((ascii_open, i))
                ascii_open = None
    return regions


def _boundaries(text: str) -> list[int]:
    """Sentence starts (besides 0): sentencex on the text with quote marks masked, then
    opening quotes moved to the sentence they open, then no cut inside a closed quotation."""
    masked = text.translate(_MASK)
    starts = [s for s, _ in _raw_pieces(masked)][1:]
    moved = []
    for b in starts:
        j = b
        while j > 0 and (text[j - 1].isspace() or text[j - 1] in _OPENERS or text[j - 1] == '"'):
            j -= 1
        run = text[j:b]
        k = next((i for i, c in enumerate(run) if c in _OPENERS or c == '"'), None)
        # An ASCII " right after the full stop closes the quote; one after a space opens it.
        if k is not None and (run[k] != '"' or k > 0 or j == 0):
            b = j + k
        moved.append(b)
    regions = quoted_regions(text)
    return [b for b in moved if not any(o < b <= c for o, c in regions)]


def split_spans(text: str, *, fixes: bool = True, merge_non_greek: bool = False) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (already NFC) as ``(start, end)``, whitespace trimmed.

    ``fixes=False`` gives sentencex alone (for the benchmark). ``merge_non_greek`` joins a
    piece with no Greek letters to its neighbour: an English sentence quoted in a Greek
    paragraph belongs to the Greek statement around it.
    """
    if not fixes:
        spans = _raw_pieces(text)
    else:
        cuts = [0] + _boundaries(text) + [len(text)]
        raw = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
        merged: list[tuple[int, int]] = []
        for s, e in raw:
            if merged and _should_merge(text[merged[-1][0]:merged[-1][1]], text[s:e]):
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        spans = []
        for s, e in merged:
            cut = s
            for m in _ELLIPSIS_SPLIT.finditer(text, s, e):
                spans.append((cut, m.end()))
                cut = m.end()
            spans.append((cut, e))
    if merge_non_greek:
        spans = _merge_non_greek(text, spans)
    out = []
    for s, e in spans:
        piece = text[s:e]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if e - trail > s + lead:
            out.append((s + lead, e - trail))
    return out


def _merge_non_greek(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pending_start: int | None = None  # non-Greek pieces before the first Greek one
    for s, e in spans:
        if has_greek(text[s:e]):
            start = pending_start if pending_start is not None else s
            pending_start = None
            out.append((start, e))
        elif out:
            out[-1] = (out[-1][0], e)
        elif pending_start is None:
            pending_start = s
    if pending_start is not None:
        out.append((pending_start, spans[-1][1]))
    return out


def nfc_map(original: str) -> tuple[str, list[int], list[int]]:
    """NFC-normalise ``original`` and map every NFC character back to it.

    Returns ``(nfc, starts, ends)``: NFC character ``j`` comes from ``original[starts[j]:ends[j]]``.
    The text is cut into runs that normalise independently (a starter and its combining marks,
    widened while normalising two runs together differs from normalising them apart), so
    NFC(original[starts[a]:ends[b-1]]) is exactly the NFC text of those runs.
    """
    if unicodedata.is_normalized("NFC", original):
        idx = list(range(len(original)))
        return original, idx, [i + 1 for i in idx]
    # Runs start at characters with combining class 0.
    cuts = [i for i, c in enumerate(original) if i == 0 or unicodedata.combining(c) == 0]
    cuts.append(len(original))
    groups: list[tuple[int, int, str]] = []  # (orig start, orig end, nfc)
    for a, b in zip(cuts, cuts[1:]):
        chunk_nfc = unicodedata.normalize("NFC", original[a:b])
        if groups:
            ga, _gb, gn = groups[-1]
            joined = unicodedata.normalize("NFC", original[ga:b])
            if joined != gn + chunk_nfc:  # composition across the cut (e.g. Hangul jamo)
                groups[-1] = (ga, b, joined)
                continue
        groups.append((a, b, chunk_nfc))
    parts, starts, ends = [], [], []
    for a, b, n in groups:
        parts.append(n)
        starts.extend([a] * len(n))
        ends.extend([b] * len(n))
    return "".join(parts), starts, ends


def split_sentences(original: str, *, base: int = 0, fixes: bool = True,
                    merge_non_greek: bool = True) -> list[Sentence]:
    """Segment ``original`` into NFC sentences whose offsets (plus ``base``) point into it.

    ``unicodedata.normalize("NFC", original[s.start - base:s.end - base]) == s.text`` holds for
    every sentence (up to surrounding whitespace).
    """
    nfc, starts, ends = nfc_map(original)
    out = []
    for a, b in split_spans(nfc, fixes=fixes, merge_non_greek=merge_non_greek):
        o_start, o_end = starts[a], ends[b - 1]
        text = unicodedata.normalize("NFC", original[o_start:o_end]).strip()
        if text:
            out.append(Sentence(text, base + o_start, base + o_end))
    return out
