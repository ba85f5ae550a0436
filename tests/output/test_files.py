"""No command writes over what it reads, and a user's mistake with a file is one line and exit 2:
every output (side files too) against every input, by inode, globs expanded."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, one_line_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aligner.annotation.export import write
from aligner.cli import app
from aligner.errors import InputError

BINARY = bytes(range(256)) * 4


def aligner(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aligner", *args], capture_output=True, text=True, cwd=cwd)


def refused(done: subprocess.CompletedProcess, *words: str) -> bool:
    line = done.stderr.strip()
    return done.returncode == 2 and len(line.splitlines()) == 1 and all(w in line for w in words)


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """Pairs of the examples with their rejected candidates, and annotations of them."""
    folder = tmp_path_factory.mktemp("loop")
    assert aligner("align", str(ROOT / "examples"), "--include-rejected", "-o", str(folder / "pairs.jsonl"),
                   "--quiet").returncode == 0
    labels = json.loads((ROOT / "examples" / "same_event.json").read_text())["same_event"]
    records = [json.loads(line) for line in (folder / "pairs.jsonl").read_text().splitlines()]
    (folder / "gold.jsonl").write_text("".join(json.dumps(
        {"pair_id": r["pair_id"], "label": "same_event" if r["greek"]["id"] in labels.get(r["english"]["id"], ())
         else "unrelated"}) + "\n" for r in records))
    return folder


def test_a_glob_or_a_bracketed_name_never_names_the_output(tmp_path):
    folder = tmp_path / "g"
    shutil.copytree(ROOT / "examples", folder, ignore=shutil.ignore_patterns("*.json"))
    before = (folder / "storm_thessaly.txt").read_bytes()
    assert refused(aligner("align", f"{folder}/*.txt", "-o", str(folder / "storm_thessaly.txt")), "is the input")
    bracketed = tmp_path / "br[1].txt"
    shutil.copy(ROOT / "examples" / "storm_thessaly.txt", bracketed)
    assert refused(aligner("align", str(bracketed), "-o", str(bracketed)), "is the input")
    assert (folder / "storm_thessaly.txt").read_bytes() == before == bracketed.read_bytes()


def test_the_annotation_loop_never_writes_over_its_inputs(loop, tmp_path):
    pairs, gold = loop / "pairs.jsonl", loop / "gold.jsonl"
    kept = pairs.read_bytes(), gold.read_bytes()
    assert refused(aligner("calibrate", str(pairs), "--gold", str(gold), "-o", str(gold)), "is the input")
    assert refused(aligner("calibrate", str(pairs), "--gold", str(gold), "-o", str(pairs)), "is the input")
    assert refused(aligner("evaluate", str(pairs), "--gold", str(gold), "--plot", str(gold)), "--plot")
    calibration = tmp_path / "cal.json"
    assert aligner("calibrate", str(pairs), "--gold", str(gold), "-o", str(calibration)).returncode == 0
    text = calibration.read_bytes()
    assert refused(aligner("align", str(ROOT / "examples"), "--calibration", str(calibration), "-o",
                           str(calibration)), "is the input")
    # export's labeling config, written beside the tasks, is an output too
    config_named = tmp_path / "tasks.labelconfig.xml"
    shutil.copy(pairs, config_named)
    assert refused(aligner("export", str(config_named), "--format", "labelstudio", "-o", str(tmp_path / "tasks.json")),
                   "tasks.labelconfig.xml", "is the input")
    assert (pairs.read_bytes(), gold.read_bytes()) == kept and calibration.read_bytes() == text


def test_binary_files_and_bad_plots_are_one_line(loop, tmp_path):
    pairs, gold = loop / "pairs.jsonl", loop / "gold.jsonl"
    binary = tmp_path / "binary.bin"
    binary.write_bytes(BINARY)
    assert refused(aligner("align", str(ROOT / "examples"), "--calibration", str(binary), "-o", "-"), "binary.bin")
    assert refused(aligner("export", str(binary), "--format", "prodigy", "-o", "-"), "binary.bin", "UTF-8")
    assert refused(aligner("evaluate", str(pairs), "--gold", str(binary)), "binary.bin", "UTF-8")
    assert refused(aligner("evaluate", str(pairs), "--gold", str(gold), "--plot", str(tmp_path / "x.jsonl")), ".png")
    assert refused(aligner("evaluate", str(pairs), "--gold", str(gold), "--plot",
                           str(tmp_path / "missing" / "pr.png")), "does not exist")
    if Path("/dev/full").exists():
        assert refused(aligner("evaluate", str(pairs), "--gold", str(gold), "--plot", "/dev/full"), "/dev/full")
    done = aligner("evaluate", str(pairs), "--gold", str(gold), "--plot", str(tmp_path / "pr.png"))
    assert done.returncode == 0 and (tmp_path / "pr.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("args", [["--k", "0"], ["--window", "nan"], ["--bogus"], ["--mode", "some"]])
def test_option_mistakes_are_one_line(args):
    assert refused(aligner("align", str(ROOT / "examples"), *args, "-o", "-"))


def test_a_cache_folder_that_is_a_file_is_one_line(tmp_path):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("x")
    done = subprocess.run([sys.executable, "-m", "aligner", "align", str(ROOT / "examples"), "-o", "-"],
                          capture_output=True, text=True, env={**os.environ, "ALIGNER_CACHE_DIR": str(not_a_folder)})
    assert refused(done, "is a file")


def test_a_build_says_so_once_and_clears_what_a_killed_build_left(tmp_path, capsys):
    from embeddings.default_model import build_once

    target = tmp_path / "models" / "model-v1"
    stale = tmp_path / "models" / ".model-v1-killed"
    stale.mkdir(parents=True)
    (stale / "half.bin").write_bytes(b"\0" * 10)
    build_once(target, lambda t: (t / "done").is_file(), lambda folder: (folder / "done").write_text("ok"))
    assert (target / "done").is_file() and not stale.exists()
    assert "preparing the model once" in capsys.readouterr().err
    build_once(target, lambda t: (t / "done").is_file(), lambda folder: pytest.fail("built twice"))
    assert capsys.readouterr().err == ""


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    from aligner.output.files import atomic_write

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f".pairs.jsonl.{dead.stdout.strip()}.abc123.tmp"
    left.write_text("half a file")
    live = tmp_path / f".pairs.jsonl.{os.getpid()}.def456.tmp"  # a writer still at work
    live.write_text("being written")
    atomic_write(tmp_path / "pairs.jsonl", ["{}\n"])
    assert not left.exists() and live.exists() and (tmp_path / "pairs.jsonl").read_text() == "{}\n"


def test_k_past_the_pool_is_one_line():
    assert refused(aligner("align", str(ROOT / "examples"), "--k", "100000", "-o", "-"), "--k 100000")


def test_a_folder_that_is_no_model_is_refused_before_any_hashing():
    assert refused(aligner("align", str(ROOT / "examples"), "--model", "/usr", "-o", "-"), "modules.json")


def test_a_cache_that_cannot_be_made_is_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "aligner", "align", str(ROOT / "examples"), "-o", "-"],
                          capture_output=True, text=True,
                          env={**os.environ, "ALIGNER_CACHE_DIR": "/proc/no-such-cache"})
    assert refused(done, "ALIGNER_CACHE_DIR")


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".jsonl", ".json", ".csv", ".html", ".gz", ""]))
def test_random_bytes_in_any_file_argument_are_one_line_or_fine(tmp_path, loop, data, suffix):
    """Every command that reads a file, given random bytes under a common suffix: exit 0, or 2
    with one line on stderr; never a traceback."""


    junk = tmp_path / f"junk{suffix}"
    junk.write_bytes(data)
    pairs, gold = str(loop / "pairs.jsonl"), str(loop / "gold.jsonl")
    out = str(tmp_path / "out.txt")
    for args in (["inspect", str(junk)], ["export", str(junk), "--format", "csv", "-o", out],
                 ["evaluate", str(junk), "--gold", gold], ["evaluate", pairs, "--gold", str(junk)],
                 ["calibrate", pairs, "--gold", str(junk), "-o", out], ["report", str(junk), "-o", out],
                 ["show", str(junk)], ["align", str(ROOT / "examples" / "storm_thessaly.txt"), "--calibration",
                                       str(junk), "-o", out]):
        done = CliRunner().invoke(app, args)
        assert done.exit_code in (0, 2), (args, done.exception, done.output[-500:])
        if done.exit_code == 2:
            assert done.output.strip().splitlines()[-1].startswith("error: "), (args, done.output[-500:])


@pytest.fixture()
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("earthquake_crete.txt", "wildfire_attica.txt"):
        (folder / name).write_bytes((EXAMPLES / name).read_bytes())
    return folder


def test_outputs_that_would_destroy_or_feed_back_are_refused_before_reading(articles, tmp_path):
    article = articles / "earthquake_crete.txt"
    before = article.read_bytes()
    assert "is the input" in one_line_error(["align", str(article), "-o", str(article)])
    assert "inside the input folder" in one_line_error(["align", str(articles), "-o", str(articles / "p.jsonl")])
    assert "is a directory" in one_line_error(["align", str(article), "-o", str(tmp_path)])
    assert "does not exist" in one_line_error(["align", str(article), "-o", str(tmp_path / "no" / "p.jsonl")])
    # checked before any input is read: the missing input is not what is reported
    assert "does not exist" in one_line_error(["align", str(tmp_path / "missing.txt"), "-o",
                                               str(tmp_path / "no" / "p.jsonl")])
    pairs = tmp_path / "p.jsonl"
    pairs.write_text("{}\n")
    assert "is the input" in one_line_error(["export", str(pairs), "-f", "csv", "-o", str(pairs)])
    assert article.read_bytes() == before and pairs.read_text() == "{}\n"


def test_devices_and_pipes_are_written_through_not_replaced(tmp_path):
    records = [{"pair_id": "x"}]
    write(records, "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if os.path.exists("/dev/full"):
        with pytest.raises(InputError, match="No space left"):
            write(records, "/dev/full")
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write(records, str(fifo))
        assert os.read(reader, 1000) == b'{"pair_id": "x"}\n'
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_modes_symlinks_and_umask(tmp_path):
    records = [{"pair_id": "x"}]
    kept = tmp_path / "kept.jsonl"
    kept.write_text("old\n")
    kept.chmod(0o640)
    write(records, str(kept))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_text() == '{"pair_id": "x"}\n'
    link = tmp_path / "link.jsonl"
    link.symlink_to(kept)
    write([{"pair_id": "y"}], str(link))
    assert link.is_symlink() and kept.read_text() == '{"pair_id": "y"}\n'
    old = os.umask(0o022)
    try:
        write(records, str(tmp_path / "new.jsonl"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.jsonl").stat().st_mode) == 0o644
