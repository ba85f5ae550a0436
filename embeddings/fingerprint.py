"""Content hashes of model folders: for provenance in outputs and as the embedding-cache key."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_manifest(folder: Path, exclude: set[str] = frozenset()) -> dict[str, list]:
    """``{relative path: [size, sha256]}`` for every file under ``folder`` (links followed)."""
    manifest = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative not in exclude and not relative.startswith("."):
            manifest[relative] = [path.stat().st_size, file_sha256(path)]
    return manifest


def folder_fingerprint(name: str, folder: Path) -> str:
    """``name@hash``: the hash covers the config, tokenizer and weight files, byte for byte."""
    manifest = file_manifest(folder, exclude={"README.md", "aligner-manifest.json"})
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return f"{name}@{digest[:16]}"
