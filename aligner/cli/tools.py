"""The model, the embedding cache, and a check of a model on a language pair."""

from __future__ import annotations

import json
from typing import Optional

import typer

from aligner.cli.app import (
    CONTEXT,
    DEFAULTS,
    MODEL_OPTION,
    app,
    friendly_errors,
)

model_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, rich_markup_mode=None,
                        help="The embedding model: which one, and its offline cache.")
app.add_typer(model_app, name="model")


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


# ---- benchmark: check a model on a language pair -----------------------------------------------

benchmark_app = typer.Typer(no_args_is_help=True, context_settings=CONTEXT, rich_markup_mode=None,
                            help="Measure the model and the matcher.")
app.add_typer(benchmark_app, name="benchmark")


@benchmark_app.command("bitext")
def benchmark_bitext_command(
    src: str = typer.Argument(..., help="Source side: one sentence per line."),
    tgt: str = typer.Argument(..., help="Target side: line i translates line i of SRC."),
    k: int = typer.Option(DEFAULTS.k, "--k", min=1, help="Neighbours for the margin."),
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

