"""Shared test helpers: where ../shared is, and skipping cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data"
SEED = SHARED / "seeds" / "000_7a4eea344678cd8c.txt"


def require_shared(relative: str) -> Path:
    """Path under ../shared, or skip the test with the reason a user without it will read."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (evaluation data lives in ../shared beside the repository; CI has it)")
    return path


def require_shared_data(name: str) -> Path:
    """``../shared/data/<name>``, or skip with a clear reason."""
    return require_shared(f"data/{name}")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (skips the test when it is absent)."""
    return require_shared(".")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data`` (skips the test when it is absent)."""
    return require_shared("data")


@pytest.fixture(scope="session")
def encoder():
    """The bundled default model, loaded once per test session."""
    from embeddings import Encoder

    return Encoder()
