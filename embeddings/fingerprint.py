"""Content hashes of model folders: for provenance in outputs and as the embedding-cache key.

A folder we build (the bundled model) carries a manifest of its files' sizes, hashes and
modification times. While sizes and times still match, the manifest stands in for hashing
hundreds of megabytes of weights on every run; when they differ, the files are hashed again.
That trust is checked where it matters: before a process loads the weights to embed with them,
``content_fingerprint`` hashes the bytes and names the files that rotted behind the manifest.
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


_hashed: dict[tuple, dict[str, list]] = {}  # (folder, its files' identities) -> file_manifest


def hashed_manifest(folder: Path) -> dict[str, list]:
    """``file_manifest(folder)``, hashed once per process for each state of the files: a file
    replaced or written to (even with its time set back: the ctime moves) is hashed again."""
    state = (folder, tuple((relative, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
                           for relative, path in _files(folder) for stat in [path.stat()]))
    if state not in _hashed:
        _hashed[state] = file_manifest(folder)
    return _hashed[state]


def _fingerprint(name: str, manifest: dict[str, list]) -> str:
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return f"{name}@{digest[:16]}"


def folder_fingerprint(name: str, folder: Path) -> str:
    """``name@hash``: the hash covers the config, tokenizer and weight files, byte for byte.

    Cheap where the folder has a manifest: see ``content_fingerprint`` for the hashed truth.
    """
    return _fingerprint(name, verified_manifest(folder) or hashed_manifest(folder))


def content_fingerprint(name: str, folder: Path) -> tuple[str, list[str]]:
    """The fingerprint of the bytes on disk, and the files whose bytes differ from a manifest
    that still vouches for them (size and time unchanged: damage in place, such as bit rot)."""
    actual = hashed_manifest(folder)
    vouched = verified_manifest(folder) or actual
    changed = sorted(relative for relative in vouched.keys() | actual.keys()
                     if vouched.get(relative) != actual.get(relative))
    return _fingerprint(name, actual), changed
