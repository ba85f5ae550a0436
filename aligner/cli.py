"""The `aligner` command: a thin Typer layer over the Python API. Data on stdout, talk on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer

from aligner import __version__
from aligner.engines.ray import EngineError, RayEngine
from aligner.errors import InputError
from aligner.settings import DEFAULT_FDR, DEFAULT_K, DEFAULT_MODE, Settings
from embeddings.encoder import ModelLoadError

# -h as well as --help; help texts printed as written (rich markup would eat "[default: ...]")
CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, rich_markup_mode=None,
                  help="Align Greek news-wire statements with the English tweets about the same events.")

model_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, rich_markup_mode=None,
                        help="The embedding model: which one, and its offline cache.")
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
    """Build the bundled default model's folder, and its CTranslate2 conversion where that is the
    backend, in the cache now (they are otherwise built on first use)."""
    from embeddings import Encoder

    with friendly_errors():
        encoder = Encoder()
        encoder.model  # noqa: B018 - loading builds what is missing
    typer.echo(f"default model ready: {encoder.path} ({encoder.backend}, {encoder.precision})", err=True)


# ---- inspect: what the readers made of the input ---------------------------------------------

from aligner.inspect import run_inspect  # noqa: E402  (kept beside the command it serves)

FILES_ARGUMENT = typer.Argument(
    None, help="Articles: seed-format .txt, JSONL/JSON/CSV corpora, .html pages, .warc archives (also "
               ".gz/.bz2/.xz/.zst), directories, globs, '-'.")
GREEK_OPTION = typer.Option(None, "--greek", help="Greek statements (.txt/.jsonl/.json/.csv, the text of .html "
                                                  "pages and .warc archives; compressed too; '-').")
ENGLISH_OPTION = typer.Option(None, "--english", help="Tweets (.txt/.jsonl/.json/.csv, a Twitter archive's "
                                                      "tweets.js, tweets embedded in .html/.warc; compressed "
                                                      "too; '-').")
NON_ENGLISH_OPTION = typer.Option(False, "--include-non-english",
                                  help="Also use tweets not guessed to be English.")
ENCODING_OPTION = typer.Option("strict", "--encoding-errors",
                               help="'strict': stop at bytes that are not UTF-8; 'replace': replace and count them.")
SKIP_OPTION = typer.Option(False, "--skip-bad-lines", help="Skip (and count) malformed JSONL/CSV lines, "
                           "unreadable pages and WARC records, and damaged compressed data.")
RAW_CSV_OPTION = typer.Option(False, "--raw-csv", help="CSV: write cells as they are (by default a cell "
                              "that a spreadsheet would run as a formula, starting with = + - @, gets a leading ').")
EXCEL_OPTION = typer.Option(False, "--excel", help="CSV: start with a byte-order mark, so that Excel reads "
                            "the Greek as UTF-8.")
PREDICTIONS_OPTION = typer.Option(False, "--predictions", help="Label Studio: add the model's answer as a "
                                  "prediction (the editor opens with it selected; its score is the calibrated "
                                  "probability when there is one).")
SHOW_SCORES_OPTION = typer.Option(False, "--show-scores", help="Label Studio and Prodigy: show the scores "
                                  "to annotators (by default they see the two texts only).")


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
        for warning in report.warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(report.summary(), err=True)
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
    scope: Optional[str] = typer.Option(None, "--scope", help="document (default for articles: pair "
                                        "within each article) or corpus (default for streams: all against all)."),
    k: int = typer.Option(DEFAULT_K, "--k", min=1, help="Neighbours in the margins' means."),
    show: int = typer.Option(DEFAULT_K, "--show", min=0, help="With --include-rejected: each tweet's best "
                             "candidates written (in corpus scope at most those its k nearest give)."),
    fdr: float = typer.Option(DEFAULT_FDR, "--fdr", help="Choose the threshold per run so that about this "
                              "share of accepted tweets has no true partner (estimated without labels)."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="A fixed minimum event score "
                                              "(the event margin moved by the evidence) instead (replaces "
                                              "--fdr)."),
    mode: str = typer.Option(DEFAULT_MODE, "--mode", help="best (a tweet's single best statement), mutual "
                             "(best both ways) or all (every candidate over the threshold)."),
    window: Optional[float] = typer.Option(None, "--window", min=0,
                                           help="Keep pairs at most this many days apart (when both dates are known)."),
    include_rejected: bool = typer.Option(False, "--include-rejected",
                                          help="Also write each tweet's best rejected candidates (see --show)."),
    index: Optional[str] = typer.Option(None, "--index", help="FAISS index_factory string (experts)."),
    include_non_english: bool = NON_ENGLISH_OPTION,
    encoding_errors: str = ENCODING_OPTION,
    skip_bad_lines: bool = SKIP_OPTION,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary or progress on stderr."),
    calibration: Optional[str] = typer.Option(None, "--calibration",
                                              help="Calibration JSON from `aligner calibrate`: adds "
                                                   "scores.probability."),
    min_precision: Optional[float] = typer.Option(None, "--min-precision", help="With --calibration: accept "
                                                  "the candidates the mode lets compete whose mean calibrated "
                                                  "probability is this (replaces the threshold; `aligner "
                                                  "calibrate` prints what it means on your annotations)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Embed every text again; neither read nor "
                                  "write the embedding cache."),
    backend: Optional[str] = typer.Option(None, "--backend", help="What runs the model: ctranslate2 (CPU) "
                                          "or torch [default: ctranslate2 on a CPU where it reproduces the "
                                          "model, else torch]."),
    precision: Optional[str] = typer.Option(None, "--precision", help="fp32 or int8 [default: int8 on "
                                            "ctranslate2 (as accurate, 2x faster), fp32 on torch]."),
    raw_csv: bool = RAW_CSV_OPTION,
    excel: bool = EXCEL_OPTION,
    predictions: bool = PREDICTIONS_OPTION,
    show_scores: bool = SHOW_SCORES_OPTION,
    engine: str = typer.Option("local", "--engine", help="local (this process) or ray (embed and search on "
                               "a Ray cluster; same output; needs the [ray] extra, docs/scale.md)."),
    ray_address: Optional[str] = typer.Option(None, "--ray-address", help="With --engine ray: the cluster "
                                              "to join [default: $RAY_ADDRESS, else a Ray started on this "
                                              "machine for the run]."),
    actors: Optional[int] = typer.Option(None, "--actors", min=1, help="With --engine ray: encoder actors "
                                         "[default: one per CPU of the cluster, or per GPU share]."),
    num_gpus: float = typer.Option(0.0, "--num-gpus", min=0, help="With --engine ray: GPUs per encoder actor "
                                   "(0.5: two actors share one)."),
) -> None:
    """Align Greek statements with English tweets and write the pairs."""
    from aligner.annotation.export import FORMATS, ExportOptions, outputs, write
    from aligner.api import align
    from aligner.output.files import check_outputs

    with friendly_errors():
        if not files and not (greek or english):
            raise InputError("give article files, or --greek and --english streams")
        if bool(greek) != bool(english):
            raise InputError("--greek and --english go together")
        if fmt not in FORMATS:
            raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
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
    from aligner.annotation.export import FORMATS, ExportOptions, outputs, read_records, write
    from aligner.output.files import check_outputs

    with friendly_errors():
        if fmt not in FORMATS:
            raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
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
    from aligner.annotation.evaluate import read_gold
    from aligner.annotation.export import read_records
    from aligner.output.files import atomic_write, check_output
    from aligner.output.report import html

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
    from aligner.output.report import terminal_lines

    with friendly_errors():
        lines = terminal_lines(read_records(pairs), width=width)
    for line in lines:
        typer.echo(line)


# ---- evaluate and calibrate: the annotation loop -----------------------------------------------

PAIRS_ARGUMENT = typer.Argument(..., help="Native JSONL from `aligner align` (best with --include-rejected).")
GOLD_OPTION = typer.Option(..., "--gold", help="Annotations: a Label Studio export (JSON, JSON-MIN or CSV), "
                           "Prodigy db-out JSONL, or native JSONL with a 'label' field; a pair annotated "
                           "more than once takes its latest annotation.")


@app.command("evaluate")
def evaluate_command(
    pairs: str = PAIRS_ARGUMENT,
    gold: str = GOLD_OPTION,
    as_json: bool = typer.Option(False, "--json", help="The full evaluation as one JSON object on stdout."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Draw the precision-recall curves to this PNG."),
) -> None:
    """Precision, recall and F1 of the pairs against annotations; PR curves; the best threshold."""
    from aligner.annotation.evaluate import evaluate, read_gold
    from aligner.annotation.evaluate import plot as draw
    from aligner.annotation.export import read_records
    from aligner.output.files import check_output

    with friendly_errors():
        if plot:
            if not plot.lower().endswith(".png") and not Path(plot).is_char_device():
                raise InputError(f"--plot writes a PNG: give a file name ending in .png, not {plot}")
            check_output(plot, [pairs, gold])
        result = evaluate(list(read_records(pairs)), read_gold(gold))
        if plot:
            draw(result, plot)
    typer.echo(json.dumps(result.to_dict()) if as_json else result.summary())
    if plot:
        typer.echo(f"wrote {plot}", err=True)


@app.command("calibrate")
def calibrate_command(
    pairs: str = PAIRS_ARGUMENT,
    gold: str = GOLD_OPTION,
    output: str = typer.Option(..., "--output", "-o", help="Where to write the calibration JSON."),
) -> None:
    """Fit P(same_event) from the scores of annotated pairs (logistic regression, plain JSON)."""
    import numpy as np

    from aligner.annotation.calibrate import fit_records, scores_of, threshold_for_precision
    from aligner.annotation.evaluate import read_gold
    from aligner.annotation.export import read_records
    from aligner.annotation.labels import POSITIVE_STRICT
    from aligner.output.files import check_output

    with friendly_errors():
        check_output(output, [pairs, gold])
        records, annotations = list(read_records(pairs)), read_gold(gold)
        calibration = fit_records(records, annotations)
        calibration.save(output)
    labelled = [r for r in records if r["pair_id"] in annotations.labels]
    # the pairs the run's mode lets compete (a tweet's best for best/mutual): what --min-precision sees
    mode = (labelled[0].get("decision") or {}).get("mode", "best") if labelled else "best"
    competing = [r for r in labelled if mode == "all" or r["scores"]["rank"] == 1]
    probability = calibration.predict(scores_of(competing)) if competing else np.zeros(0)
    truth = np.array([annotations.labels[r["pair_id"]] in POSITIVE_STRICT for r in competing], dtype=bool)
    typer.echo(f"fitted on {calibration.trained_on['pairs']} labelled pairs "
               f"({calibration.trained_on['positives']} same_event); wrote {output}", err=True)
    typer.echo(f"  --min-precision P accepts the {mode!r}-mode candidates whose mean probability is P; on "
               f"these annotations ({len(competing)} such pairs):", err=True)
    for wanted in (0.8, 0.9, 0.95):
        cut = threshold_for_precision(probability, wanted)
        kept = probability >= cut
        measured = f"{truth[kept].mean():.3f}" if kept.any() else "nothing accepted"
        typer.echo(f"  --min-precision {wanted}: accept probability >= {cut:.3f}; measured precision {measured}",
                   err=True)


# ---- benchmark: check a model on a language pair -----------------------------------------------

benchmark_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, rich_markup_mode=None,
                            help="Measure the model and the matcher.")
app.add_typer(benchmark_app, name="benchmark")


@benchmark_app.command("bitext")
def benchmark_bitext_command(
    src: str = typer.Argument(..., help="Source side: one sentence per line."),
    tgt: str = typer.Argument(..., help="Target side: line i translates line i of SRC."),
    k: int = typer.Option(DEFAULT_K, "--k", min=1, help="Neighbours for the margin."),
    model: Optional[str] = MODEL_OPTION,
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Top-1 retrieval accuracy both ways, by plain cosine, ratio margin and event margin."""
    from aligner.scoring.bitext import benchmark_bitext

    with friendly_errors():
        result = benchmark_bitext(src, tgt, k=k, model=model)
    if as_json:
        typer.echo(json.dumps({"pairs": result.pairs, "k": result.k, "model": result.model, **result.accuracy}))
    else:
        typer.echo(result.summary())
    typer.echo(f"{result.pairs} line pairs, k={result.k}, model {result.model['fingerprint']}", err=True)


# ---- cache: the persistent embedding cache -----------------------------------------------------

cache_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, rich_markup_mode=None,
                        help="The embedding cache: vectors of texts already embedded.")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info_command(as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout.")) -> None:
    """Show the cache's path, entries, size on disk and entries per model."""
    from embeddings.cache import VectorCache

    cache = VectorCache()
    info = {**cache.info(), "mode": cache.mode}
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False))
        return
    typer.echo(f"{'path':<10}{info['path']}")
    typer.echo(f"{'entries':<10}{info['entries']}")
    typer.echo(f"{'size':<10}{info['bytes'] / 2**20:.1f} MiB")
    for key, count in info["models"].items():
        typer.echo(f"{'model':<10}{key}  {count}")


@cache_app.command("clear")
def cache_clear_command() -> None:
    """Delete every cached vector."""
    from embeddings.cache import VectorCache

    cache = VectorCache()
    removed = cache.clear()
    if cache.mode != "rw":
        typer.echo(f"nothing removed: the cache at {cache.path} cannot be written", err=True)
        raise typer.Exit(1)
    typer.echo(f"removed {removed} cached vectors from {cache.path}", err=True)
