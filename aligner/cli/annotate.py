"""The annotation loop: evaluate pairs against annotations, calibrate scores to probabilities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from aligner.cli.app import (
    GOLD_OPTION,
    PAIRS_ARGUMENT,
    app,
    friendly_errors,
)
from aligner.errors import InputError


@app.command("evaluate")
def evaluate_command(
    pairs: str = PAIRS_ARGUMENT,
    gold: str = GOLD_OPTION,
    as_json: bool = typer.Option(False, "--json", help="The full evaluation as one JSON object on stdout."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Draw the precision-recall curves to this PNG."),
) -> None:
    """Precision, recall and F1 of the pairs against annotations; PR curves; the best threshold."""
    from aligner.annotation.evaluate import evaluate
    from aligner.annotation.evaluate import plot as draw
    from aligner.annotation.export import read_records
    from aligner.annotation.gold import read_gold
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
    from aligner.annotation.calibrate import check_precision, fit_records
    from aligner.annotation.export import read_records
    from aligner.annotation.gold import read_gold
    from aligner.output.files import check_output

    with friendly_errors():
        check_output(output, [pairs, gold])
        records, annotations = list(read_records(pairs)), read_gold(gold)
        calibration = fit_records(records, annotations)
        calibration.save(output)
    check = check_precision(calibration, records, annotations)
    typer.echo(f"fitted on {calibration.trained_on['pairs']} labelled pairs "
               f"({calibration.trained_on['positives']} same_event); wrote {output}", err=True)
    typer.echo(f"  --min-precision P accepts the {check.mode!r}-mode candidates whose mean probability is P; on "
               f"these annotations ({check.pairs} such pairs):", err=True)
    for wanted, cut, measured in check.rows:
        typer.echo(f"  --min-precision {wanted}: accept probability >= {cut:.3f}; measured precision "
                   f"{'nothing accepted' if measured is None else f'{measured:.3f}'}", err=True)


