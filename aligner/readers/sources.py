"""Which files a run reads: files, directories, globs and ``-``, each named once with a unique
``rel`` (the start of its document ids; see `streams` on ids)."""

from __future__ import annotations

import glob
import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from aligner.errors import InputError
from aligner.readers.compressed import split_suffix
from aligner.readers.report import IngestReport

STREAM_SUFFIXES = (".txt", ".jsonl", ".ndjson", ".csv", ".html", ".htm", ".warc")  # what a directory is searched for
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Source:
    """One input: ``display`` names it in messages, ``rel`` starts its document ids."""

    display: str
    rel: str
    path: Path | None  # None: standard input
    suffix: str  # of the format: ".jsonl" for tweets.jsonl.gz
    compression: str = ""  # ".gz", ".bz2", ".xz", ".zst" or ""


def expand(paths: Iterable[str], report: IngestReport) -> list[Source]:
    """Files named by ``paths``: files as given, directories recursively (files with
    `STREAM_SUFFIXES`, sorted), glob patterns, and ``-`` for standard input. A file named twice
    is read once (and said in ``report``); ``rel`` is unique (see `streams` on ids)."""
    sources: list[Source] = []
    seen: set[str] = set()
    for src in _expand(paths, STREAM_SUFFIXES):
        real = os.path.realpath(src.path) if src.path is not None else "-"
        if real in seen:  # read twice, its items would be there twice under the same ids
            report.warn(f"{src.display}: named more than once, read once")
            continue
        seen.add(real)
        sources.append(src)
    if len({s.rel for s in sources}) < len(sources):
        files = [os.path.abspath(s.path) for s in sources if s.path is not None]
        root = os.path.commonpath([os.path.dirname(f) for f in files])
        sources = [s if s.path is None else
                   replace(s, rel=Path(os.path.relpath(os.path.abspath(s.path), root)).as_posix())
                   for s in sources]
    return sources


def _expand(paths: Iterable[str], suffixes: tuple[str, ...]) -> Iterator[Source]:
    for arg in paths:
        if arg == "-":
            yield Source("<stdin>", "stdin", None, "")
            continue
        p = Path(arg)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and split_suffix(f.name)[0] in suffixes)
            if not found:
                raise InputError(f"no {'/'.join(suffixes)} files in this directory (compressed or not)", path=arg)
            for f in found:
                yield Source(str(f), f.relative_to(p).as_posix(), f, *split_suffix(f.name))
        elif p.is_file():
            yield Source(arg, p.name, p, *split_suffix(p.name))
        elif _GLOB_CHARS & set(arg):
            matches = sorted(m for m in glob.glob(arg, recursive=True) if os.path.isfile(m))
            if not matches:
                raise InputError("no files match this pattern", path=arg)
            base = _glob_base(arg)
            for m in matches:
                yield Source(m, Path(os.path.relpath(m, base)).as_posix(), Path(m), *split_suffix(m))
        else:
            raise InputError("no such file or directory", path=arg)


def _glob_base(pattern: str) -> str:
    """The directory part of a glob before its first wildcard (ids are relative to it)."""
    parts = Path(pattern).parts
    fixed = list(itertools.takewhile(lambda s: not (_GLOB_CHARS & set(s)), parts))
    return str(Path(*fixed)) if fixed else "."
