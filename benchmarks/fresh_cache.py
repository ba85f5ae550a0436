"""An empty vector cache that shares this machine's built and converted models, for benchmarks
that time runs from a cold cache: building and converting the model are one-offs, not part of
any run."""

from __future__ import annotations

from pathlib import Path


def fresh_cache(folder: Path) -> Path:
    """Make ``folder`` an embedding cache with no vectors and the default model ready; return it
    (set it as ALIGNER_CACHE_DIR)."""
    from embeddings import Encoder
    from embeddings.default_model import cache_root

    Encoder().model  # noqa: B018 - builds the model folder and its CTranslate2 conversion
    folder.mkdir(parents=True, exist_ok=True)
    for built in ("models", "ctranslate2"):
        if (cache_root() / built).is_dir():
            (folder / built).symlink_to(cache_root() / built)
    return folder
