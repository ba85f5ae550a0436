"""Content hashes of model folders: for provenance in outputs and as the embedding-cache key.

A folder we build (the bundled model) carries a manifest of its files' sizes, hashes and
modification times. While sizes and times still match, the manifest stands in for hashing
hundreds of megabytes of weights on every run; when they differ, the files are hashed again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

MANIFEST = "aligner-manifest.json"
_CHUNK = 1 << 20
_NOT_MODEL_FILES = {"README.md", MANIFEST}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: Path) -> list[tuple[str, Path]]:
    return [(path.relative_to(folder).as_posix(), path) for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name not in _NOT_MODEL_FILES
            and not path.relative_to(folder).as_posix().startswith(".")]


def file_manifest(folder: Path) -> dict[str, list]:
    """``{relative path: [size, sha256]}`` for every model file under ``folder`` (links followed)."""
    return {relative: [path.stat().st_size, file_sha256(path)] for relative, path in _files(folder)}


def write_manifest(folder: Path) -> None:
    """Record each file's size, hash and modification time; written last, after every file."""
    entries = {relative: [path.stat().st_size, file_sha256(path), path.stat().st_mtime_ns]
               for relative, path in _files(folder)}
    (folder / MANIFEST).write_text(json.dumps(entries, indent=1, sort_keys=True))


def verified_manifest(folder: Path) -> dict[str, list] | None:
    """The folder's ``{path: [size, sha256]}`` if it matches its manifest, else None.

    Files whose size and modification time are unchanged are trusted; others are hashed.
    """
    try:
        recorded = {relative: (int(size), str(sha), int(mtime)) for relative, (size, sha, mtime)
                    in json.loads((folder / MANIFEST).read_text()).items()}
    except (OSError, ValueError, TypeError, AttributeError):  # missing, partial or older format
        return None
    present = dict(_files(folder))
    if set(present) != set(recorded):
        return None
    for relative, (size, sha, mtime) in recorded.items():
        stat = present[relative].stat()
        if stat.st_size != size:
            return None
        if stat.st_mtime_ns != mtime and file_sha256(present[relative]) != sha:
            return None
    return {relative: [size, sha] for relative, (size, sha, _) in recorded.items()}


def folder_fingerprint(name: str, folder: Path) -> str:
    """``name@hash``: the hash covers the config, tokenizer and weight files, byte for byte."""
    manifest = verified_manifest(folder) or file_manifest(folder)
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return f"{name}@{digest[:16]}"
