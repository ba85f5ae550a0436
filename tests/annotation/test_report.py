"""The HTML report and the terminal view: what they show, that input text stays inert, and the
page as a person sees it in a real browser (headless Chromium)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest
from conftest import ROOT

from aligner.annotation.report import PAGE_SIZE, html, summary, terminal_lines
from aligner.api import align
from aligner.settings import Settings

HOSTILE = ('<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> Wildfire near Penteli: '
           'residents of Dionysos told to evacuate as water-bombing planes fight the flames')


@pytest.fixture(scope="module")
def records(encoder):
    result = align([ROOT / "examples"], settings=Settings(include_rejected=True), encoder=encoder)
    return result.records()


@pytest.fixture(scope="module")
def hostile(encoder):
    """The wildfire example with a tweet full of markup and a javascript: link."""
    from aligner.readers import read_articles

    document = next(d for d in read_articles([str(ROOT / "examples" / "wildfire_attica.txt")]))
    tweet = replace(document.tweets[0], id=f"{document.id}:evil", text=HOSTILE, handle="evil\u001b[31m",
                    urls=("javascript:window.pwned=3",))
    result = align([replace(document, tweets=document.tweets + (tweet,))],
                   settings=Settings(include_rejected=True), encoder=encoder)
    return result.records()


def test_the_page_holds_every_event_and_nothing_runs_from_the_inputs(records, hostile):
    page = html(records)
    accepted_events = {r["event"] for r in records if r["accepted"]}
    assert f'<span id="event-count">{len(accepted_events)}</span>' in page
    assert summary(records)["events"] == len(accepted_events)
    data = json.loads(page.split('<script type="application/json" id="data">')[1].split("</script>")[0])
    assert {c["event"] for c in data["cards"] if c["accepted"]} == accepted_events
    assert sum(len(c["pairs"]) for c in data["cards"]) == len(records)  # every pair, accepted or not, once
    evil = html(hostile)
    assert "<script>window.pwned" not in evil and "<img src=x" not in evil and "\\u003cscript>" in evil
    assert "javascript:" not in evil.split('id="data">')[1].split("</script>")[0].replace(HOSTILE, "")
    assert "http" not in evil.split("<style>")[0].replace('http-equiv', '')  # nothing fetched from anywhere


def test_terminal_view_is_plain_and_escaped(records, hostile):
    lines = terminal_lines(records)
    assert lines[0].startswith("== event ev-") and any(line.startswith("   el  ") for line in lines)
    assert sum(line.startswith("== event") for line in lines) == summary(records)["events"]
    shown = "\n".join(terminal_lines(hostile))
    assert "\x1b" not in shown and "\\x1b" in shown


def test_cli_report_and_show(tmp_path, records):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    run = [sys.executable, "-m", "aligner"]
    done = subprocess.run([*run, "report", str(pairs), "-o", str(tmp_path / "report.html")], capture_output=True,
                          text=True)
    assert done.returncode == 0 and done.stdout == "" and (tmp_path / "report.html").stat().st_size > 10_000
    shown = subprocess.run([*run, "show", str(pairs)], capture_output=True, text=True)
    assert shown.returncode == 0 and shown.stdout.startswith("== event ") and "\x1b" not in shown.stdout
    for bad in (["report", str(pairs), "-o", str(pairs)], ["report", str(tmp_path / "missing.jsonl"), "-o", "-"],
                ["show", str(tmp_path / "report.html")]):
        failed = subprocess.run([*run, *bad], capture_output=True, text=True)
        assert failed.returncode == 2 and len(failed.stderr.strip().splitlines()) == 1, (bad, failed.stderr)
    assert pairs.read_text(encoding="utf-8").startswith("{")  # never overwritten


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def browser():
    """Playwright driving the system's Chromium, or skip with the reason (fail where CI sets
    ALIGNER_TEST_BROWSER: it installs both)."""
    if os.environ.get("ALIGNER_TEST_BROWSER"):
        from playwright import sync_api as sync

        assert CHROMIUM, "ALIGNER_TEST_BROWSER is set but chromium is not on PATH"
    else:
        sync = pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright (the [test] extra)")
        if not CHROMIUM:
            pytest.skip("no chromium on PATH (Debian: apt-get install chromium; .ci/run installs it)")
    return sync.sync_playwright()


def test_the_report_in_a_real_browser(tmp_path, records, hostile):
    import matplotlib.image

    page_file = tmp_path / "report.html"
    page_file.write_text(html(records + hostile), encoding="utf-8")
    with browser() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = chromium.new_page(viewport={"width": 1200, "height": 900})
        errors, requests, dialogs = [], [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.route("**/*", lambda route: (requests.append(route.request.url), route.abort())
                   if not route.request.url.startswith("file:") else route.continue_())
        page.goto(page_file.as_uri())
        events = {r["event"] for r in records + hostile if r["accepted"]}
        assert page.locator("#event-count").inner_text() == str(len(events))
        cards = page.locator("article.card")
        total = min(cards.count(), PAGE_SIZE)
        assert total > len(events) - 1
        page.fill("#search", "ierapetra")
        assert 0 < cards.count() < total and all("ierapetra" in t.lower() for t in cards.all_inner_texts())
        page.fill("#search", "")
        page.uncheck("#show-rejected")
        assert cards.count() == len(events)
        page.check("#show-rejected")
        page.fill("#search", "pwned")
        assert "<script>window.pwned = 1</script>" in page.locator("article.card").first.inner_text()
        assert page.evaluate("window.pwned") is None and not dialogs
        assert page.locator("a[href^='javascript']").count() == 0
        assert page.locator("mark").count() > 0  # shared names highlighted
        shot = page.screenshot(full_page=False)
        chromium.close()
    assert not errors, errors
    assert not requests, requests  # nothing fetched: the page is whole
    pixels = matplotlib.image.imread(io.BytesIO(shot), format="png")
    assert pixels.std() > 0.05  # not blank


def test_gold_marks_each_pair_and_draws_the_curve(tmp_path, records):
    from aligner.annotation.gold import Gold

    labels = json.loads((ROOT / "examples" / "same_event.json").read_text())["same_event"]
    gold = Gold({r["pair_id"]: "same_event" if r["greek"]["id"] in labels.get(r["english"]["id"], ()) else "unrelated"
                 for r in records}, source="examples/same_event.json")
    page = html(records, gold)
    assert 'id="curve"' in page and "best F1" in page and "annotated pairs" in page
    data = json.loads(page.split('<script type="application/json" id="data">')[1].split("</script>")[0])
    marks = [(c["accepted"], p["correct"]) for c in data["cards"] for p in c["pairs"]]  # a card's pairs share its decision
    assert len(marks) == len(records)
    assert all(correct for accepted, correct in marks if accepted)  # every accepted example pair is right
    assert not all(correct for _, correct in marks)  # a tweet's second statement of its event: rejected, yet true
    # through the command line, with the annotations as native JSONL
    pairs, answers = tmp_path / "pairs.jsonl", tmp_path / "gold.jsonl"
    pairs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    answers.write_text("".join(json.dumps({"pair_id": k, "label": v}) + "\n" for k, v in gold.labels.items()))
    done = subprocess.run([sys.executable, "-m", "aligner", "report", str(pairs), "--gold", str(answers), "-o", "-"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and 'id="curve"' in done.stdout
