"""The `aligner` command: a thin Typer layer over the Python API. Data on stdout, talk on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

import typer

from aligner import __version__
from aligner.errors import InputError
from embeddings.encoder import ModelLoadError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Align Greek news-wire statements with the English tweets about the same events.")

model_app = typer.Typer(no_args_is_help=True, help="The embedding model: which one, and its offline cache.")
app.add_typer(model_app, name="model")

MODEL_OPTION = typer.Option(None, "--model", "-m", envvar="ALIGNER_MODEL",
                            help="Sentence-transformers model name or folder [default: the bundled "
                                 "multilingual-e5-small-q4].")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn a user's mistake into one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except (InputError, ModelLoadError) as exc:
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


@model_app.command("info")
def model_info(model: Optional[str] = MODEL_OPTION,
               as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout.")) -> None:
    """Show the resolved model: name, folder, dimension and fingerprint."""
    from embeddings import describe_model

    with friendly_errors():
        info = describe_model(model)
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False))
    else:
        for key, value in info.items():
            typer.echo(f"{key:<12}{value}")


@model_app.command("prepare")
def model_prepare() -> None:
    """Build the bundled default model's folder in the cache now (it is otherwise built on first use)."""
    from embeddings import prepare_default_model

    with friendly_errors():
        folder = prepare_default_model()
    typer.echo(f"default model ready: {folder}", err=True)


# ---- inspect: what the readers made of the input ---------------------------------------------

from aligner.inspect import run_inspect  # noqa: E402  (kept beside the command it serves)


@app.command("inspect")
def inspect(
    files: Optional[list[str]] = typer.Argument(
        None, help="Articles in the seed's format: .txt files, JSONL/CSV corpora, directories, globs, '-'."),
    jsonl: bool = typer.Option(False, "--jsonl", help="One JSON object per statement or tweet."),
    greek: Optional[list[str]] = typer.Option(None, "--greek", help="A stream of Greek statements (.txt/.jsonl/.csv)."),
    english: Optional[list[str]] = typer.Option(None, "--english", help="A stream of tweets (.txt/.jsonl/.csv)."),
    include_non_english: bool = typer.Option(False, "--include-non-english",
                                             help="Also show tweets not guessed to be English."),
    encoding_errors: str = typer.Option("strict", "--encoding-errors",
                                        help="'strict': stop at bytes that are not UTF-8; 'replace': replace and count them."),
    skip_bad_lines: bool = typer.Option(False, "--skip-bad-lines", help="Skip (and count) malformed JSONL/CSV lines."),
) -> None:
    """Show the statements and tweets parsed from the input (summary and warnings on stderr)."""
    with friendly_errors():
        report = run_inspect(files or [], greek or [], english or [], write=typer.echo, as_jsonl=jsonl,
                             errors=encoding_errors, skip_bad_lines=skip_bad_lines,  # type: ignore[arg-type]
                             include_non_english=include_non_english)
        for warning in report.warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(report.summary(), err=True)
        if report.non_english_tweets and not include_non_english:
            typer.echo(f"{report.non_english_tweets} non-English tweet(s) left out "
                       "(--include-non-english shows them)", err=True)
