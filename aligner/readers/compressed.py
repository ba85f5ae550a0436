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
import sys
import zlib
from pathlib import Path
from typing import IO, Any

import zstandard

COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}
_MAGIC = ((b"\x1f\x8b", ".gz"), (b"BZh", ".bz2"), (b"\xfd7zXZ\x00", ".xz"), (b"\x28\xb5\x2f\xfd", ".zst"))
# What the decompressors raise on damaged or cut data (EOFError: the stream ended inside a block;
# OSError: gzip's "not a gzipped file", bz2's "invalid data stream", and read errors).
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
        source = path
        if not compression:
            return path.open("rb")
    if compression == ".gz":
        return gzip.open(source, "rb")  # type: ignore[return-value]
    if compression == ".bz2":
        return bz2.open(source, "rb")  # type: ignore[return-value]
    if compression == ".xz":
        return lzma.open(source, "rb")  # type: ignore[return-value]
    if compression == ".zst":
        return io.BufferedReader(_Zstd(source))
    return source


class _Zstd(io.RawIOBase):
    """Zstandard frames one after another, as the ``zstd`` tool writes them. zstandard's own
    stream reader ends quietly when the data stops inside a frame; this one raises EOFError then,
    as gzip, bz2 and lzma do, so a file cut short is never taken for a whole one."""

    def __init__(self, source: Path | IO[bytes]) -> None:
        self._owns = isinstance(source, Path)
        self._raw: IO[bytes] = source.open("rb") if isinstance(source, Path) else source
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
        if self._owns and not self.closed:
            self._raw.close()
        super().close()
