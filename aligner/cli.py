"""The `aligner` command: a thin Typer layer over the Python API. Data on stdout, talk on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

import typer

from aligner import __version__
from aligner.errors import InputError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Align Greek news-wire statements with the English tweets about the same events.")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn a user's mistake into one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aligner {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")) -> None:
    """Greek-English cross-lingual event aligner."""

