"""Settings check themselves on construction, and a bad option is one line before anything is embedded."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES, one_line_error

from aligner.errors import InputError
from aligner.settings import Settings


@pytest.mark.parametrize("settings,message", [
    (dict(mode="some"), "mode must be one of"), (dict(scope="corpse"), "scope must be one of"),
    (dict(k=0), "k must be"), (dict(threshold=float("nan")), "threshold must be a finite"),
    (dict(threshold=float("inf")), "threshold must be a finite"), (dict(fdr=0), "fdr must be"),
    (dict(window_days=-1), "window must be"), (dict(min_precision=1.5), "min precision")])
def test_settings_check_themselves_on_construction(settings, message):
    with pytest.raises(InputError, match=message):
        Settings(**settings)


def test_bad_options_are_one_line_before_embedding():
    assert "--index 'Flat2': could not parse index string" in one_line_error(
        ["align", str(EXAMPLES), "--index", "Flat2", "-o", "-"])
    assert "4096 lists need at least as many rows" in one_line_error(
        ["align", str(EXAMPLES), "--index", "IVF4096,Flat", "-o", "-"])
    assert "threshold must be a finite" in one_line_error(["align", str(EXAMPLES), "--threshold", "nan"])
    assert "read once" in one_line_error(["align", "--greek", "-", "--english", "-"])
