"""The CLI is a thin layer: its options take their defaults and choices from `aligner.settings`."""

from __future__ import annotations

import dataclasses

import typer.main

from aligner.cli import app
from aligner.engines import ENGINES
from aligner.settings import ENCODING_ERRORS, MODES, SCOPES, Settings
from embeddings import BACKENDS, PRECISIONS

# CLI parameter -> Settings field, where the names differ
FIELD = {"window": "window_days", "encoding_errors": "errors"}
INVERTED = {"no_cache": "cache"}  # a flag that turns a default-on setting off


def _align_params() -> dict:
    command = typer.main.get_command(app).commands["align"]  # type: ignore[attr-defined]
    return {param.name: param for param in command.params}


def test_every_align_option_that_is_a_setting_defaults_to_the_settings_default():
    defaults = Settings()
    fields = {f.name for f in dataclasses.fields(Settings)}
    params = _align_params()
    checked = 0
    for name, param in params.items():
        if name in INVERTED:
            assert param.default is (not getattr(defaults, INVERTED[name])), name
            checked += 1
        elif FIELD.get(name, name) in fields:
            assert param.default == getattr(defaults, FIELD.get(name, name)), name
            checked += 1
    # every setting but the in-memory ones (none) is an option of `aligner align`
    covered = {FIELD.get(n, INVERTED.get(n, n)) for n in params} & fields
    assert covered == fields
    assert checked == len(fields)


def test_choices_in_the_help_are_the_settings_choices():
    params = _align_params()
    for name, choices in (("mode", MODES), ("scope", SCOPES), ("encoding_errors", ENCODING_ERRORS),
                          ("backend", BACKENDS), ("precision", PRECISIONS), ("engine", ENGINES)):
        for choice in choices:
            assert choice in params[name].help, (name, choice)


def test_export_options_default_to_the_export_options_defaults():
    from aligner.annotation.tasks import ExportOptions

    defaults = ExportOptions()
    for command in ("align", "export"):
        params = {p.name: p for p in typer.main.get_command(app).commands[command].params}  # type: ignore[attr-defined]
        for name, field in (("raw_csv", "raw_csv"), ("excel", "excel"), ("predictions", "predictions"),
                            ("show_scores", "scores")):
            assert params[name].default == getattr(defaults, field), (command, name)
