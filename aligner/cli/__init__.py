"""The `aligner` command: a thin Typer layer over the Python API (`aligner.api`).

`app` is the root (`aligner.cli.app`); each module registers its commands on it, in the order
`aligner -h` lists them.
"""

from aligner.cli import align, annotate, tools  # noqa: F401 - registers the commands
from aligner.cli.app import app, main

__all__ = ["app", "main"]
