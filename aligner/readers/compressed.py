"""Compressed inputs: ``.gz``, ``.bz2``, ``.xz`` and ``.zst``, read as the bytes inside them.

Every reader opens its files with ``open_input``, so any input can be compressed: the format is
named by the suffix before the compression suffix (``tweets.jsonl.gz`` is JSON Lines).
Standard input is recognised by its first bytes instead. A stream that is cut short or damaged
raises one of ``DAMAGED`` while it is read; readers turn that into an InputError at the line or
record where it happened.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import sys
import zlib
from pathlib import Path
from typing import IO, Any, cast

import zstandard

COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}
# A compressed input may give at most this many times the bytes read of it, past a first
# MIN_EXPANDED bytes: text compresses 3-15 times; a "bomb" (gigabytes of one byte) thousands of
# times, and would fill memory before a single line ends. ALIGNER_MAX_EXPANSION raises it.
MAX_EXPANSION = 100
MIN_EXPANDED = 64 << 20
_MAGIC = ((b"\x1f\x8b", ".gz"), (b"BZh", ".bz2"), (b"\xfd7zXZ\x00", ".xz"), (b"\x28\xb5\x2f\xfd", ".zst"))


class Expanded(OSError):
    """A compressed input that gives far more bytes than it holds (see MAX_EXPANSION)."""


# What the decompressors raise on damaged or cut data (EOFError: the stream ended inside a block;
# OSError: gzip's "not a gzipped file", bz2's "invalid data stream", and read errors; Expanded).
DAMAGED = (EOFError, OSError, zlib.error, lzma.LZMAError, zstandard.ZstdError)


def split_suffix(name: str) -> tuple[str, str]:
    """``(format suffix, compression suffix)``, lower case: ``("x.jsonl.gz")`` -> ``(".jsonl", ".gz")``,
    ``"x.txt"`` -> ``(".txt", "")``."""
    path = Path(name)
    compression = path.suffix.lower() if path.suffix.lower() in COMPRESSIONS else ""
    if compression:
        path = path.with_suffix("")
    return path.suffix.lower(), compression


def open_input(path: Path | None, compression: str = "") -> IO[bytes]:
    """The decompressed bytes of ``path`` (``compression`` from ``split_suffix``), or of standard
    input (None), whose compression is recognised from its first bytes. Closing the stream
    closes the file, never standard input."""
    if path is None:
        raw = sys.stdin.buffer
        if not hasattr(raw, "peek"):  # a BytesIO put there by a test or an embedding program
            raw = io.BufferedReader(raw)  # type: ignore[arg-type]
        head = raw.peek(6)[:6]  # type: ignore[attr-defined]
        compression = next((suffix for magic, suffix in _MAGIC if head.startswith(magic)), "")
        source: Any = raw
    else:
        if not compression:
            return path.open("rb")
        source = path.open("rb")
    if not compression:
        return source
    counted = _Counted(source, owns=path is not None)
    readable = cast(IO[bytes], counted)
    if compression == ".gz":
        inner: Any = gzip.open(readable, "rb")
    elif compression == ".bz2":
        inner = bz2.open(readable, "rb")
    elif compression == ".xz":
        inner = lzma.open(readable, "rb")
    else:
        inner = io.BufferedReader(_Zstd(readable))
    return io.BufferedReader(_Capped(inner, counted))


class _Counted(io.RawIOBase):
    """The compressed bytes, counted as the decompressor reads them."""

    def __init__(self, raw: IO[bytes], owns: bool) -> None:
        self._raw, self._owns, self.count = raw, owns, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[:len(data)] = data
        self.count += len(data)
        return len(data)

    def close(self) -> None:
        if self._owns and not self.closed:
            self._raw.close()
        super().close()


class _Capped(io.RawIOBase):
    """Decompressed bytes, stopped with `Expanded` when they outgrow the compressed ones read."""

    def __init__(self, inner: IO[bytes], counted: _Counted) -> None:
        self._inner, self._counted, self.count = inner, counted, 0
        self._ratio = float(os.environ.get("ALIGNER_MAX_EXPANSION") or MAX_EXPANSION)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self.count += len(data)
        if self.count > MIN_EXPANDED and self.count > self._ratio * max(self._counted.count, 1):
            raise Expanded(f"it decompresses to over {self.count >> 20} MB, more than {self._ratio:g} times "
                           f"the {self._counted.count} bytes it holds (a compression bomb?); "
                           "ALIGNER_MAX_EXPANSION raises the limit")
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
            self._counted.close()
        super().close()


class _Zstd(io.RawIOBase):
    """Zstandard frames one after another, as the ``zstd`` tool writes them. zstandard's own
    stream reader ends quietly when the data stops inside a frame; this one raises EOFError then,
    as gzip, bz2 and lzma do, so a file cut short is never taken for a whole one."""

    def __init__(self, source: IO[bytes]) -> None:
        self._raw = source
        self._context = zstandard.ZstdDecompressor()
        self._frame = self._context.decompressobj()
        self._in_frame = False
        self._pending = b""  # compressed bytes read past the end of the last frame
        self._out = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._out:
            if self._frame.eof:  # the next frame starts right after this one, if there is one
                self._pending, self._frame = self._frame.unused_data, self._context.decompressobj()
                self._in_frame = False
            data, self._pending = self._pending or self._raw.read(1 << 16), b""
            if not data:
                if self._in_frame:
                    raise EOFError("zstd data ended inside a frame (the file is cut short)")
                return 0
            self._in_frame = True
            self._out = memoryview(self._frame.decompress(data))
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()
