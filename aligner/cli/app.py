"""The `aligner` command's root: the Typer app, its error handling, and the options that several
commands share. Data on stdout, talk on stderr; every default is the settings' own."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

import typer

from aligner import __version__
from aligner.annotation.tasks import ExportOptions
from aligner.engines.ray import EngineError
from aligner.errors import InputError
from aligner.settings import ENCODING_ERRORS, Settings
from embeddings.encoder import ModelLoadError

# -h as well as --help; help texts printed as written (rich markup would eat "[default: ...]")
CONTEXT = {"help_option_names": ["-h", "--help"]}
DEFAULTS = Settings()  # every option's default is the settings' own (tests/test_cli.py checks)
TASKS = ExportOptions()  # ... and every export option's, the export options' own
app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, rich_markup_mode=None,
                  help="Align Greek news-wire statements with the English tweets about the same events.")

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
    except EngineError as exc:  # not the user's mistake: the cluster's
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    """The `aligner` command: Click's usage errors (a bad option value, an unknown option) as one
    line and exit 2, like every other mistake, instead of a usage block."""
    import click

    # Typer 0.29 vendors Click and raises its own copies of Click's exceptions; older Typers, Click's
    usage_errors = tuple(kind for kind in (getattr(typer, "TyperException", None), click.ClickException) if kind)
    try:
        code = app(prog_name="aligner", standalone_mode=False)
    except typer.Abort:
        typer.echo("aborted", err=True)
        code = 1
    except usage_errors as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `aligner` alone: the help is the answer
            exc.show()  # type: ignore[attr-defined]
        else:
            context = getattr(exc, "ctx", None)
            where = f" (see {context.command_path} -h)" if context else ""
            typer.echo(f"error: {exc.format_message()}{where}", err=True)  # type: ignore[attr-defined]
        code = getattr(exc, "exit_code", 2)
    sys.exit(code if isinstance(code, int) else 0)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aligner {__version__}")
        raise typer.Exit()


@app.callback()
def root(version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                                help="Show the version and exit.")) -> None:
    """Greek-English cross-lingual event aligner."""


# ---- options that several commands share ------------------------------------------------------

FILES_ARGUMENT = typer.Argument(
    None, help="Articles: seed-format .txt, JSONL/JSON/CSV corpora, .html pages, .warc archives (also "
               ".gz/.bz2/.xz/.zst), directories, globs, '-'.")
GREEK_OPTION = typer.Option(None, "--greek", help="Greek statements (.txt/.jsonl/.json/.csv, the text of .html "
                                                  "pages and .warc archives; compressed too; '-').")
ENGLISH_OPTION = typer.Option(None, "--english", help="Tweets (.txt/.jsonl/.json/.csv, a Twitter archive's "
                                                      "tweets.js, tweets embedded in .html/.warc; compressed "
                                                      "too; '-').")
NON_ENGLISH_OPTION = typer.Option(DEFAULTS.include_non_english, "--include-non-english",
                                  help="Also use tweets not guessed to be English.")
ENCODING_OPTION = typer.Option(DEFAULTS.errors, "--encoding-errors",
                               help=f"{' or '.join(ENCODING_ERRORS)}: stop at bytes that are not UTF-8, or "
                                    "replace and count them.")
SKIP_OPTION = typer.Option(DEFAULTS.skip_bad_lines, "--skip-bad-lines",
                           help="Skip (and count) malformed JSONL/CSV lines, unreadable pages and WARC records, "
                                "and damaged compressed data.")
RAW_CSV_OPTION = typer.Option(TASKS.raw_csv, "--raw-csv", help="CSV: write cells as they are (by default a cell "
                              "that a spreadsheet would run as a formula, starting with = + - @, gets a leading ').")
EXCEL_OPTION = typer.Option(TASKS.excel, "--excel", help="CSV: start with a byte-order mark, so that Excel reads "
                            "the Greek as UTF-8.")
PREDICTIONS_OPTION = typer.Option(TASKS.predictions, "--predictions", help="Label Studio: add the model's answer as a "
                                  "prediction (the editor opens with it selected; its score is the calibrated "
                                  "probability when there is one).")
SHOW_SCORES_OPTION = typer.Option(TASKS.scores, "--show-scores", help="Label Studio and Prodigy: show the scores "
                                  "to annotators (by default they see the two texts only).")

PAIRS_ARGUMENT = typer.Argument(..., help="Native JSONL from `aligner align` (best with --include-rejected).")
GOLD_OPTION = typer.Option(..., "--gold", help="Annotations: a Label Studio export (JSON, JSON-MIN or CSV), "
                           "Prodigy db-out JSONL, or native JSONL with a 'label' field; a pair annotated "
                           "more than once takes its latest annotation.")


