"""Shared test helpers: where ../shared is, and skipping cleanly when it is absent."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the repository
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
SEED = SHARED / "seeds" / "000_7a4eea344678cd8c.txt"


def one_line_error(args: list[str]) -> str:
    """Run the CLI and check that it failed the way a user's mistake should: exit 2, one line on
    stderr. Returns that line."""
    from typer.testing import CliRunner

    from aligner.cli import app

    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, (args, result.output)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


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
def encoder():
    """The bundled default model, loaded once per test session."""
    from embeddings import Encoder

    return Encoder()


def numbered_lines(path: Path, template: str, count: int) -> Path:
    """A text file of ``count`` distinct lines, ``template`` with ``{i}`` numbered: many texts to embed."""
    path.write_text("".join(template.format(i=i) + "\n" for i in range(count)), encoding="utf-8")
    return path


def require_ray():
    """The ``ray`` module, or skip: the Ray engine is the optional ``[ray]`` extra. CI sets
    ALIGNER_TEST_RAY=1 so that a missing install fails there instead of skipping."""
    if not os.environ.get("ALIGNER_TEST_RAY"):
        pytest.importorskip("ray.data", reason="the Ray engine's tests need the [ray] extra: pip install -e '.[ray]'")
    import ray
    import ray.data  # noqa: F401

    return ray


@contextmanager
def ray_running(start: Callable[[], object], stop: Callable[[], object]) -> Iterator[list]:
    """A Ray started by a test, yielding the processes it started (psutil). After ``stop`` each
    one is waited for and, if ``ray.shutdown`` left it, killed by its PID."""
    import psutil

    processes: list = []
    try:
        start()
        processes = psutil.Process().children(recursive=True)
        yield processes
    finally:
        try:
            stop()
        finally:
            _, alive = psutil.wait_procs(processes, timeout=15)
            for process in alive:
                process.kill()
            psutil.wait_procs(alive, timeout=10)
