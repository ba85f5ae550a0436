"""The notebooks run top to bottom (offline, bundled model). Sources are jupytext percent files."""

from __future__ import annotations

import pytest
from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    notebook = jupytext.read(path)
    # generous: the first run converts the bundled model, and CI has two slow cores
    client = nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()


def test_both_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == ["01_quickstart", "02_calibration"]
