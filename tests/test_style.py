"""The code's own checks, run with the tests so that CI fails on them: ruff (lint, import order)
and mypy (types of aligner/ and embeddings/). Settings are in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    if shutil.which(tool) is None and not (Path(sys.executable).parent / tool).exists():
        pytest.skip(f"{tool} is not installed (pip install -e '.[test]' brings it)")
    return subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff():
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy():
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
