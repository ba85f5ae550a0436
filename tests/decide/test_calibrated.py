"""The calibrated rule: records say how the run decided, and a calibration must fit the run's model and k."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES

from aligner.api import align
from aligner.errors import InputError
from aligner.settings import Settings


def test_records_say_how_the_run_decided_and_calibrations_check_it(tmp_path):
    result = align([EXAMPLES], settings=Settings(include_rejected=True))
    records = result.records()
    assert {json.dumps(r["decision"], sort_keys=True) for r in records} == {json.dumps(result.decision, sort_keys=True)}
    assert result.decision["threshold"] == round(result.stats.threshold.value, 6) and result.decision["k"] == 4
    from aligner.annotation.calibrate import fit_records
    from aligner.annotation.gold import Gold

    labels = {r["pair_id"]: "same_event" if r["accepted"] else "unrelated" for r in records}
    fit_records(records, Gold(labels)).save(str(tmp_path / "c.json"))
    with pytest.raises(InputError, match="k=4, this run uses k=8"):
        align([EXAMPLES], settings=Settings(k=8, calibration=str(tmp_path / "c.json"), min_precision=0.9))
