"""The annotation loop through a real Label Studio server: tasks from `aligner export -f
labelstudio` imported with our labeling config, annotated through its API, exported as JSON,
JSON-MIN and CSV, and graded by `aligner evaluate` and `aligner calibrate` with the same figures
from all three, equal to a hand count.

Label Studio pins many packages (Django, numpy, ...), so it lives in a virtual environment of its
own, never in the project's: ``$LABEL_STUDIO_BIN`` or ``.ci/label-studio-venv/bin/label-studio``
(`.ci/run` makes it). Without it the test skips; with ``$LABEL_STUDIO_BIN`` set but missing it fails,
so CI cannot skip it by accident. The server's first start (database migrations) takes about a minute.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT
from typer.testing import CliRunner

from aligner.annotation.gold import read_gold
from aligner.annotation.labelstudio import labelstudio_config
from aligner.cli import app

DEFAULT_BIN = ROOT / ".ci" / "label-studio-venv" / "bin" / "label-studio"
START_TIMEOUT_S = 300  # a fresh database runs every migration: about 70 s here, slower CI machines
SAME_EVENT = json.loads((EXAMPLES / "same_event.json").read_text())["same_event"]

pytestmark = pytest.mark.slow  # a real server: about a minute


def truth(record: dict[str, Any]) -> str:
    """A person's reading of the examples (as in test_evaluate): same event, same story, unrelated."""
    tweet, statement = record["english"]["id"], record["greek"]["id"]
    if statement in SAME_EVENT.get(tweet, ()):
        return "same_event"
    return "related" if tweet in SAME_EVENT else "unrelated"


def label_studio_bin() -> Path:
    configured = os.environ.get("LABEL_STUDIO_BIN")
    if configured:  # asked for explicitly (CI): missing is a failure, not a skip
        assert Path(configured).is_file(), f"LABEL_STUDIO_BIN={configured} does not exist"
        return Path(configured)
    if not DEFAULT_BIN.is_file():
        pytest.skip(f"Label Studio is not installed ({DEFAULT_BIN} is absent; make it with "
                    "`python3 -m venv .ci/label-studio-venv && .ci/label-studio-venv/bin/pip install "
                    "'label-studio==1.23.*'`, or set LABEL_STUDIO_BIN)")
    return DEFAULT_BIN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Label Studio server's base URL and token, and its REST API with JSON bodies."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def call(self, method: str, path: str, body: Any = None) -> bytes:
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.read()
        except urllib.error.HTTPError as exc:  # say what the server answered, not just the status
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:2000]!r}") from None

    def json(self, method: str, path: str, body: Any = None) -> Any:
        return json.loads(self.call(method, path, body) or b"null")


@pytest.fixture(scope="module")
def label_studio(tmp_path_factory) -> Iterator[Server]:
    """Label Studio on 127.0.0.1 and a free port, with a throwaway data folder and a user and API
    token made on the command line; stopped (its whole process group) afterwards."""
    executable = label_studio_bin()
    data = tmp_path_factory.mktemp("label-studio")
    port, token = free_port(), secrets.token_hex(20)
    env = {k: v for k, v in os.environ.items()  # nothing of ours or of another Label Studio leaks in
           if not k.startswith(("LABEL_STUDIO_", "HEARTEX_", "PYTHON", "VIRTUAL_ENV", "XDG_"))
           and k not in ("HOST", "PORT", "USERNAME", "PASSWORD")}
    env.update(HOME=str(data),  # it also keeps a user id in ~/.config/label-studio
               LABEL_STUDIO_BASE_DATA_DIR=str(data), LABEL_STUDIO_LATEST_VERSION_CHECK="false",
               LABEL_STUDIO_COLLECT_ANALYTICS="false")  # no calls to pypi.org or analytics
    log = (data / "server.log").open("wb")
    server = subprocess.Popen(
        [str(executable), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data), "--username", "annotator@example.com", "--password", secrets.token_hex(12),
         "--user-token", token, "--enable-legacy-api-token"],  # the token works as "Authorization: Token"
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=data,
        start_new_session=True)  # its own process group, to stop everything it starts
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            tail = (data / "server.log").read_text(errors="replace")[-3000:]
            assert server.poll() is None, f"Label Studio exited with {server.returncode}:\n{tail}"
            assert time.monotonic() < deadline, f"Label Studio not up after {START_TIMEOUT_S} s:\n{tail}"
            time.sleep(1)
        yield Server(url, token)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_round_trip_json_json_min_csv(label_studio: Server, tmp_path):
    runner = CliRunner()
    # the annotation loop as the README gives it: candidates, tasks, a project with our config
    pairs, tasks_file = tmp_path / "candidates.jsonl", tmp_path / "tasks.json"
    out = runner.invoke(app, ["align", str(EXAMPLES), "--include-rejected", "-o", str(pairs), "-q"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["export", str(pairs), "-f", "labelstudio", "-o", str(tasks_file)])
    assert out.exit_code == 0, out.output
    records = {r["pair_id"]: r for r in map(json.loads, pairs.read_text().splitlines())}
    tasks = json.loads(tasks_file.read_text())
    assert len(tasks) == len(records) and not any("predictions" in t for t in tasks)

    project = label_studio.json("POST", "/api/projects", {"title": "aligner round trip",
                                                          "label_config": labelstudio_config()})
    assert "selected" not in project["label_config"]  # no choice ticked in the config either
    imported = label_studio.json("POST", f"/api/projects/{project['id']}/import", tasks)
    assert (imported["task_count"], imported["prediction_count"]) == (len(tasks), 0)
    listed = label_studio.json("GET", f"/api/tasks?project={project['id']}&page_size={len(tasks) + 10}")["tasks"]
    assert len(listed) == len(tasks) and all(t["total_predictions"] == 0 for t in listed)
    assert label_studio.json("GET", f"/api/predictions/?project={project['id']}") == []  # nothing pre-selected

    def annotate(task: dict[str, Any], label: str | None) -> dict[str, Any]:
        result = [] if label is None else [{"from_name": "label", "to_name": "english", "type": "choices",
                                            "value": {"choices": [label]}}]
        time.sleep(0.01)  # distinct time stamps however fast the server answers
        return label_studio.json("POST", f"/api/tasks/{task['id']}/annotations/",
                                 {"result": result, "was_cancelled": label is None, "lead_time": 2.5})

    def wrong(label: str) -> str:  # a mistake that moves the same_event figures if it were taken
        return "unrelated" if label == "same_event" else "same_event"

    # A known mix: each task labelled as a person reads the examples (same_event, related and
    # unrelated), but one corrected, one edited after a second annotator's mistake, one skipped
    # and two left alone
    expected: dict[str, str] = {}
    corrected, edited, skipped, untouched = listed[0], listed[1], listed[2], listed[-2:]
    for task in listed:
        if task is skipped or task in untouched:
            continue
        label = truth(records[task["data"]["pair_id"]])
        expected[task["data"]["pair_id"]] = label
        if task is corrected:  # a mistake, then a second annotation that corrects it
            annotate(task, wrong(label))
            annotate(task, label)
        elif task is edited:  # annotated right, then someone else's mistake, then the first one edited:
            first = annotate(task, label)  # the latest by time is the edited first one, which is neither
            annotate(task, wrong(label))  # the last in the JSON export nor the first row of JSON-MIN
            time.sleep(0.01)
            label_studio.json("PATCH", f"/api/annotations/{first['id']}/",
                              {"result": first["result"], "lead_time": 4.0})
        else:
            annotate(task, label)
    annotate(skipped, None)  # the annotator pressed Skip
    assert len(expected) == len(tasks) - 3 and set(expected.values()) == {"same_event", "related", "unrelated"}

    # Label Studio's export API, as its Export dialog calls it, and with the unannotated tasks
    figures: dict[tuple[str, str], tuple[dict[str, Any], list[Any]]] = {}
    for fmt in ("JSON", "JSON_MIN", "CSV"):
        for everything in ("false", "true"):
            gold = tmp_path / f"export-{fmt}-{everything}.{'csv' if fmt == 'CSV' else 'json'}"
            gold.write_bytes(label_studio.call(
                "GET", f"/api/projects/{project['id']}/export?exportType={fmt}&download_all_tasks={everything}"))
            assert read_gold(str(gold)).labels == expected, fmt
            out = runner.invoke(app, ["evaluate", str(pairs), "--gold", str(gold), "--json"])
            assert out.exit_code == 0, out.output
            grades = json.loads(out.stdout)
            # Label Studio leaves skipped annotations out of JSON-MIN and CSV: only JSON sees one
            assert grades.pop("gold_skipped") == (1 if fmt == "JSON" else 0), fmt
            out = runner.invoke(app, ["calibrate", str(pairs), "--gold", str(gold), "-o", str(gold) + ".cal"])
            assert out.exit_code == 0, out.output
            calibration = json.loads(Path(str(gold) + ".cal").read_text())
            figures[fmt, everything] = grades, [calibration[k] for k in ("mean", "scale", "coefficients", "intercept")]
    reference = figures["JSON", "false"]
    assert all(f == reference for f in figures.values()), {k: v[0]["same_event"] for k, v in figures.items()}

    # and the same as counting by hand
    grades = reference[0]
    tp = sum(records[p]["accepted"] and label == "same_event" for p, label in expected.items())
    fp = sum(records[p]["accepted"] and label != "same_event" for p, label in expected.items())
    fn = sum(not records[p]["accepted"] and label == "same_event" for p, label in expected.items())
    assert (grades["same_event"]["tp"], grades["same_event"]["fp"], grades["same_event"]["fn"]) == (tp, fp, fn)
    assert grades["labels"] == {label: list(expected.values()).count(label) for label in set(expected.values())}
    assert (grades["labelled"], grades["unlabelled"], grades["gold_missing"]) == (len(expected), 3, 0)
    assert tp > 0 and fp + fn > 0  # a grading that can tell the labels apart
