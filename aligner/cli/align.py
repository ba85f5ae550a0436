"""The main job and what it reads and writes: inspect, align, export, report, show."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from aligner.cli.app import (
    DEFAULTS,
    ENCODING_OPTION,
    ENGLISH_OPTION,
    EXCEL_OPTION,
    FILES_ARGUMENT,
    GREEK_OPTION,
    MODEL_OPTION,
    NON_ENGLISH_OPTION,
    PREDICTIONS_OPTION,
    RAW_CSV_OPTION,
    SHOW_SCORES_OPTION,
    SKIP_OPTION,
    app,
    friendly_errors,
)
from aligner.engines import ENGINES
from aligner.engines.ray import RayEngine
from aligner.errors import InputError
from aligner.inspect import run_inspect
from aligner.settings import MODES, SCOPES, Settings
from embeddings.backends import BACKENDS, PRECISIONS


@app.command("inspect")
def inspect(
    files: Optional[list[str]] = FILES_ARGUMENT,
    jsonl: bool = typer.Option(False, "--jsonl", help="One JSON object per statement or tweet."),
    greek: Optional[list[str]] = GREEK_OPTION,
    english: Optional[list[str]] = ENGLISH_OPTION,
    include_non_english: bool = NON_ENGLISH_OPTION,
    encoding_errors: str = ENCODING_OPTION,
    skip_bad_lines: bool = SKIP_OPTION,
) -> None:
    """Show the statements and tweets parsed from the input (summary and warnings on stderr)."""
    with friendly_errors():
        report = run_inspect(files or [], greek or [], english or [], write=typer.echo, as_jsonl=jsonl,
                             errors=encoding_errors, skip_bad_lines=skip_bad_lines,  # type: ignore[arg-type]
                             include_non_english=include_non_english)
        _report_reading(report, quiet=False)
        if report.non_english_tweets and not include_non_english:
            typer.echo(f"{report.non_english_tweets} non-English tweet(s) left out "
                       "(--include-non-english shows them)", err=True)


# ---- align: the main job ----------------------------------------------------------------------

def _report_written(written: list, fmt: str, quiet: bool) -> None:
    if quiet:
        return
    for path in written:
        typer.echo(f"wrote {path}", err=True)
    if fmt == "labelstudio" and len(written) < 2:
        typer.echo("warning: the Label Studio labeling config was not written (the output is not a file); "
                   "`aligner export -f labelstudio -o FILE` writes it beside the tasks", err=True)


def _report_reading(report, quiet: bool) -> None:
    if quiet:
        return
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(report.summary(), err=True)


@app.command("align")
def align_command(
    files: Optional[list[str]] = FILES_ARGUMENT,
    greek: Optional[list[str]] = GREEK_OPTION,
    english: Optional[list[str]] = ENGLISH_OPTION,
    output: str = typer.Option("-", "--output", "-o", help="Output file, or '-' for stdout."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, labelstudio, prodigy or csv."),
    model: Optional[str] = MODEL_OPTION,
    scope: Optional[str] = typer.Option(DEFAULTS.scope, "--scope", help=f"{' or '.join(SCOPES)} [default: "
                                        "document for articles, pairing within each article; corpus for "
                                        "streams, all against all]."),
    k: int = typer.Option(DEFAULTS.k, "--k", min=1, help="Neighbours in the margins' means."),
    show: int = typer.Option(DEFAULTS.show, "--show", min=0, help="With --include-rejected: each tweet's best "
                             "candidates written (in corpus scope at most those its k nearest give)."),
    fdr: float = typer.Option(DEFAULTS.fdr, "--fdr", help="Choose the threshold per run so that about this "
                              "share of accepted tweets has no true partner (estimated without labels)."),
    threshold: Optional[float] = typer.Option(DEFAULTS.threshold, "--threshold", help="A fixed minimum event score "
                                              "(the event margin moved by the evidence) instead (replaces "
                                              "--fdr)."),
    mode: str = typer.Option(DEFAULTS.mode, "--mode", help=f"{', '.join(MODES)}: a tweet's single best statement, "
                             "the best both ways, or every candidate over the threshold."),
    window: Optional[float] = typer.Option(DEFAULTS.window_days, "--window", min=0,
                                           help="Keep pairs at most this many days apart (when both dates are known)."),
    include_rejected: bool = typer.Option(DEFAULTS.include_rejected, "--include-rejected",
                                          help="Also write each tweet's best rejected candidates (see --show)."),
    index: Optional[str] = typer.Option(DEFAULTS.index, "--index", help="FAISS index_factory string (experts)."),
    include_non_english: bool = NON_ENGLISH_OPTION,
    encoding_errors: str = ENCODING_OPTION,
    skip_bad_lines: bool = SKIP_OPTION,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary or progress on stderr."),
    calibration: Optional[str] = typer.Option(DEFAULTS.calibration, "--calibration",
                                              help="Calibration JSON from `aligner calibrate`: adds "
                                                   "scores.probability."),
    min_precision: Optional[float] = typer.Option(
        DEFAULTS.min_precision, "--min-precision", help="With --calibration: accept the candidates the mode lets "
        "compete whose mean calibrated probability is this (replaces the threshold; `aligner calibrate` prints "
        "what it means on your annotations)."),
    no_cache: bool = typer.Option(not DEFAULTS.cache, "--no-cache", help="Embed every text again; neither read nor "
                                  "write the embedding cache."),
    backend: Optional[str] = typer.Option(DEFAULTS.backend, "--backend", help=f"What runs the model: "
                                          f"{' or '.join(BACKENDS)} [default: torch on a GPU it can use, else "
                                          "ctranslate2 where it reproduces the model]."),
    precision: Optional[str] = typer.Option(DEFAULTS.precision, "--precision", help=f"{' or '.join(PRECISIONS)} "
                                            "[default: int8 on ctranslate2 (as accurate, 2x faster), fp32 on "
                                            "torch]."),
    raw_csv: bool = RAW_CSV_OPTION,
    excel: bool = EXCEL_OPTION,
    predictions: bool = PREDICTIONS_OPTION,
    show_scores: bool = SHOW_SCORES_OPTION,
    engine: str = typer.Option(ENGINES[0], "--engine", help=f"{' or '.join(ENGINES)}: this process, or embed "
                               "and search on a Ray cluster (same output; needs the [ray] extra, docs/scale.md)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="With --engine ray: the cluster "
                                              "to join [default: $RAY_ADDRESS, else a Ray started on this "
                                              "machine for the run]."),
    actors: Optional[int] = typer.Option(None, "--actors", min=1, help="With --engine ray: encoder actors "
                                         "[default: one per CPU of the cluster, or per GPU share]."),
    num_gpus: float = typer.Option(0.0, "--num-gpus", min=0, help="With --engine ray: GPUs per encoder actor "
                                   "(0.5: two actors share one)."),
) -> None:
    """Align Greek statements with English tweets and write the pairs."""
    from aligner.annotation.export import outputs, write
    from aligner.annotation.tasks import ExportOptions
    from aligner.api import align
    from aligner.output.files import check_outputs

    with friendly_errors():
        if not files and not (greek or english):
            raise InputError("give article files, or --greek and --english streams")
        if bool(greek) != bool(english):
            raise InputError("--greek and --english go together")
        check_outputs(outputs(output, fmt), [*(files or []), *(greek or []), *(english or []), calibration or ""])
        settings = Settings(model=model, scope=scope, k=k, threshold=threshold, fdr=fdr, mode=mode,  # type: ignore[arg-type]
                            window_days=window, include_rejected=include_rejected, show=show,
                            include_non_english=include_non_english, index=index,
                            errors=encoding_errors, skip_bad_lines=skip_bad_lines,  # type: ignore[arg-type]
                            calibration=calibration, min_precision=min_precision,
                            cache=not no_cache, precision=precision, backend=backend)
        if engine != "ray" and (ray_address or actors or num_gpus):
            raise InputError("--ray-address, --actors and --num-gpus go with --engine ray")
        result = align(files or [], greek=greek or [], english=english or [], settings=settings,
                       progress=not quiet and sys.stderr.isatty(),
                       engine=RayEngine(ray_address, actors, num_gpus) if engine == "ray" else engine)
        written = write(result.records(), output, fmt, ExportOptions(predictions, show_scores, raw_csv, excel))
    _report_reading(result.report, quiet)
    if not quiet:
        typer.echo(f"aligned {result.stats.summary()}", err=True)
        if result.stats.candidates and not result.stats.accepted:
            typer.echo("warning: no pair was accepted; the line above says which threshold the run used "
                       "(--threshold, --fdr or --min-precision change it)", err=True)
    _report_written(written, fmt, quiet)


@app.command("export")
def export_command(
    pairs: str = typer.Argument(..., help="Native JSONL from `aligner align` ('-' for stdin)."),
    fmt: str = typer.Option(..., "--format", "-f", help="labelstudio, prodigy, csv or jsonl."),
    output: str = typer.Option("-", "--output", "-o", help="Output file, or '-' for stdout."),
    raw_csv: bool = RAW_CSV_OPTION,
    excel: bool = EXCEL_OPTION,
    predictions: bool = PREDICTIONS_OPTION,
    show_scores: bool = SHOW_SCORES_OPTION,
) -> None:
    """Convert an existing pairs file for an annotation tool."""
    from aligner.annotation.export import outputs, read_records, write
    from aligner.annotation.tasks import ExportOptions
    from aligner.output.files import check_outputs

    with friendly_errors():
        check_outputs(outputs(output, fmt), [pairs])
        written = write(list(read_records(pairs)), output, fmt, ExportOptions(predictions, show_scores, raw_csv, excel))
    _report_written(written, fmt, False)


@app.command("report")
def report_command(
    pairs: str = typer.Argument(..., help="Native JSONL from `aligner align` ('-' for stdin); with "
                                          "--include-rejected the report shows the near-misses too."),
    output: str = typer.Option(..., "--output", "-o", help="The HTML file to write, or '-' for stdout."),
    gold: Optional[str] = typer.Option(None, "--gold", help="Annotations (as `aligner evaluate` reads them): "
                                                            "marks each pair right or wrong and draws the PR curve."),
    title: str = typer.Option("Aligned events", "--title", help="The page's title."),
) -> None:
    """One self-contained HTML page of the events: cards, evidence, score distribution, search."""
    from aligner.annotation.export import read_records
    from aligner.annotation.gold import read_gold
    from aligner.annotation.report import html
    from aligner.output.files import atomic_write, check_output

    with friendly_errors():
        check_output(output, [pairs, *([gold] if gold else [])])
        page = html(list(read_records(pairs)), read_gold(gold) if gold else None, title=title)
        if output == "-":
            sys.stdout.write(page)
        else:
            atomic_write(Path(output), [page])
    if output != "-":
        typer.echo(f"wrote {output}", err=True)


@app.command("show")
def show_command(
    pairs: str = typer.Argument(..., help="Native JSONL from `aligner align` ('-' for stdin)."),
    width: int = typer.Option(100, "--width", min=40, help="Characters per line."),
) -> None:
    """The events as text: each statement with the tweets that report it, and their scores."""
    from aligner.annotation.export import read_records
    from aligner.annotation.report import terminal_lines

    with friendly_errors():
        lines = terminal_lines(read_records(pairs), width=width)
    for line in lines:
        typer.echo(line)


