"""See the events: pairs JSONL as one self-contained HTML page, or as a table in the terminal.

The page needs no network and no server: CSS, SVG and a small script are inline, and the pairs
travel as JSON inside the page. The script builds every card with ``textContent``, so a tweet
holding ``<script>`` shows as text and never runs; cards are drawn a page at a time
(`PAGE_SIZE`), so a 10k-pair report opens as fast as a small one.

    html(records)            # the page as a string (Jupyter: IPython.display.HTML(html(records)))
    terminal_lines(records)  # events as plain lines for `aligner show`
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from html import escape
from string import Template
from typing import Any

import numpy as np

from aligner.annotation.evaluate import evaluate
from aligner.annotation.gold import Gold
from aligner.annotation.tasks import evidence_summary
from aligner.errors import printable
from aligner.output.labels import POSITIVE_STRICT
from aligner.output.record import EnglishSide, EvidenceBlock, Record

PAGE_SIZE = 50  # cards drawn at once


def cards(records: Sequence[Record], gold: Gold | None = None) -> list[dict[str, Any]]:
    """One card per event (its accepted pairs) and one per tweet with only rejected candidates
    (its near-misses), events first, each group by its best event score."""
    by_key: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in records:
        event = record["event"] if record["accepted"] else None
        key = ("event", event) if event else ("tweet", record["english"]["id"])
        by_key[key].append(record)
    out = []
    for (kind, name), group in by_key.items():
        statements = list({r["greek"]["id"]: r["greek"] for r in group}.values())
        tweets = list({r["english"]["id"]: r["english"] for r in group}.values())
        s_index = {s["id"]: i for i, s in enumerate(statements)}
        t_index = {t["id"]: i for i, t in enumerate(tweets)}
        pairs = [_pair(r, s_index[r["greek"]["id"]], t_index[r["english"]["id"]], gold) for r in group]
        out.append({
            "event": name if kind == "event" else "", "accepted": kind == "event",
            "best": max(p["score"] for p in pairs),
            "statements": [{"id": s["id"], "doc": s["doc_id"], "text": s["text"]} for s in statements],
            "tweets": [_present({"id": t["id"], "text": t["text"], "handle": t["handle"], "author": t["author"],
                                 "date": t["date"], "url": _link(t) or None}) for t in tweets],
            "pairs": sorted(pairs, key=lambda p: -p["score"]),
        })
    return sorted(out, key=lambda c: (not c["accepted"], -c["best"], c["event"], c["tweets"][0]["id"]))


def _pair(record: Record, statement: int, tweet: int, gold: Gold | None) -> dict[str, Any]:
    scores, evidence = record["scores"], record.get("evidence")
    null = scores.get("null_probability")
    pair = _present({
        "s": statement, "t": tweet, "rank": scores["rank"],
        "score": round(scores.get("event_score", scores.get("event_margin", scores["margin"])), 4),
        "cosine": round(scores["cosine"], 3), "null": None if null is None else round(null, 3),
        "marks": _marks(evidence), "why": evidence_summary(record, mentions=False) or None})
    label = gold.labels.get(record["pair_id"]) if gold else None
    if label is not None:
        pair["correct"] = record["accepted"] == (label in POSITIVE_STRICT)
    return pair


def _marks(evidence: EvidenceBlock | None) -> list[list[str]]:
    """The names and numbers both texts mention, [tweet's, statement's]: highlighted on the card."""
    return [*evidence["names"], *evidence["numbers"]] if evidence else []


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """Without the empty fields (none, false, no items): a 10k-pair page is a third lighter."""
    return {key: value for key, value in fields.items() if value is not None and value is not False and value != []}


def _link(tweet: EnglishSide) -> str:
    """The tweet's address: its status id when the id carries one, else its first link."""
    marker = "status/"
    if marker in tweet["id"] and tweet["id"].rsplit(marker, 1)[1].isdigit():
        return f"https://twitter.com/i/status/{tweet['id'].rsplit(marker, 1)[1]}"
    urls = [u for u in tweet.get("urls") or () if u.startswith(("https://", "http://"))]
    return urls[0] if urls else ""


def summary(records: Sequence[Record]) -> dict[str, Any]:
    first = records[0] if records else None
    accepted = [r for r in records if r["accepted"]]
    return {
        "pairs": len(records), "accepted": len(accepted),
        "events": len({r["event"] for r in accepted}),
        "tweets": len({r["english"]["id"] for r in records}),
        "statements": len({r["greek"]["id"] for r in records}),
        "documents": len({r["greek"]["doc_id"] for r in records} | {r["english"]["doc_id"] for r in records}),
        "model": first["model"] if first else {}, "decision": first["decision"] if first else {},
        "schema": first["schema_version"] if first else "",
    }


def html(records: Sequence[Record], gold: Gold | None = None, title: str = "Aligned events") -> str:
    """The whole report as one HTML string."""
    records = list(records)
    about = summary(records)
    data = {"cards": cards(records, gold), "pageSize": PAGE_SIZE}
    # "<" as \u003c: nothing in the data can close the script element it travels in
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    figures = distribution_svg(records)
    if gold is not None:
        figures += curve_svg(records, gold)
    return _PAGE.substitute(title=escape(title), summary=_summary_html(about, gold), figures=figures,
                            style=_STYLE, script=_SCRIPT, data=payload)


def _summary_html(about: dict[str, Any], gold: Gold | None) -> str:
    decision, model = about["decision"], about["model"]
    rule = decision.get("rule")
    threshold = decision.get("threshold")
    how = {"fdr": f"estimated FDR {decision.get('fdr')}: accepted up to a probability of no partner of {threshold}",
           "fallback": f"the fixed fallback: event score at least {threshold}",
           "manual": f"--threshold: event score at least {threshold}",
           "min_precision": f"calibrated probability at least {threshold} (min precision "
                            f"{decision.get('min_precision')})",
           "model_check": "nothing accepted: the model failed the probe translations"}.get(rule or "", "unknown")
    rows = [("events", f'<span id="event-count">{about["events"]}</span>'),
            ("accepted pairs", f"{about['accepted']} of {about['pairs']} pairs in the file"),
            ("texts", f"{about['tweets']} tweets, {about['statements']} statements, {about['documents']} documents"),
            ("model", f"{model.get('name', '?')} ({model.get('backend', '?')}, {model.get('precision', '?')}); "
                      f"{model.get('fingerprint', '')}"),
            ("settings", f"scope {decision.get('scope')}, k {decision.get('k')}, mode {decision.get('mode')}"),
            ("decided by", f"{rule}: {how}")]
    if gold is not None:
        rows.append(("gold", f"{len(gold.labels)} annotated pairs ({gold.source or 'gold'})"))
    return "".join(f"<dt>{escape(name)}</dt><dd>{value if name == 'events' else escape(value)}</dd>"
                   for name, value in rows)


def distribution_svg(records: Sequence[Record], width: int = 640, height: int = 180) -> str:
    """A histogram of each tweet's best event margin, with the run's mixture and threshold."""
    best: dict[str, float] = {}
    for r in records:
        margin = r["scores"].get("event_margin", r["scores"]["margin"])
        best[r["english"]["id"]] = max(margin, best.get(r["english"]["id"], -np.inf))
    if not best:
        return ""
    values = np.array(sorted(best.values()))
    low, high = float(values.min()), float(values.max())
    high = high if high > low else low + 1e-3
    counts, edges = np.histogram(values, bins=40, range=(low, high))
    x = lambda v: 40 + (v - low) / (high - low) * (width - 60)  # noqa: E731 - a scale, read as one
    y = lambda c: height - 25 - c / max(counts.max(), 1) * (height - 45)  # noqa: E731
    bars = "".join(f'<rect x="{x(a):.1f}" y="{y(c):.1f}" width="{max(x(b) - x(a) - 1, 1):.1f}" '
                   f'height="{height - 25 - y(c):.1f}" class="bar"/>' for a, b, c in zip(edges, edges[1:], counts))
    decision = records[0]["decision"]
    extra = ""
    mixture = decision.get("mixture")
    if mixture:
        grid = np.linspace(low, high, 200)
        scale = len(values) * (edges[1] - edges[0])
        for part, name in ((0, "without a partner"), (1, "with a partner")):
            density = mixture["weight"][part] * scale * np.exp(-0.5 * ((grid - mixture["mean"][part]) /
                                                                        mixture["sd"][part]) ** 2) / (
                mixture["sd"][part] * np.sqrt(2 * np.pi))
            points = " ".join(f"{x(g):.1f},{max(y(d), 5):.1f}" for g, d in zip(grid, density))
            extra += f'<polyline points="{points}" class="mix{part}"><title>{name}</title></polyline>'
        accepted = [best[r["english"]["id"]] for r in records if r["accepted"]]
        line, label = (min(accepted), "lowest accepted") if accepted else (None, "")
    else:
        threshold = decision.get("threshold")
        line, label = (threshold, "threshold (event score)") if isinstance(threshold, float) else (None, "")
    if line is not None and low <= line <= high:
        extra += (f'<line x1="{x(line):.1f}" x2="{x(line):.1f}" y1="10" y2="{height - 25}" class="cut"/>'
                  f'<text x="{x(line) + 4:.1f}" y="20">{escape(label)} {line:.4f}</text>')
    axis = (f'<text x="40" y="{height - 8}">{low:.3f}</text><text x="{width - 20}" y="{height - 8}" '
            f'text-anchor="end">{high:.3f}</text><text x="{width / 2}" y="{height - 8}" text-anchor="middle">'
            f"each tweet's best event margin ({len(values)} tweets)</text>")
    return (f'<figure><svg id="distribution" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="best event margins">{bars}{extra}{axis}</svg></figure>')


def curve_svg(records: Sequence[Record], gold: Gold, size: int = 240) -> str:
    """The precision-recall curve of the event score (or event margin) against the annotations."""
    curves = evaluate(records, gold).curves
    curve = curves.get("event_score") or curves.get("event_margin") or next(iter(curves.values()), None)
    if curve is None:
        return ""
    points = " ".join(f"{30 + r * (size - 40):.1f},{size - 30 - p * (size - 40):.1f}"
                      for r, p in zip(curve.recall, curve.precision))
    best = curve.best
    return (f'<figure><svg id="curve" width="{size}" height="{size}" viewBox="0 0 {size} {size}" role="img" '
            f'aria-label="precision-recall curve">'
            f'<polyline points="{points}" class="mix1"/><line x1="30" y1="{size - 30}" x2="{size - 10}" '
            f'y2="{size - 30}" class="axis"/><line x1="30" y1="10" x2="30" y2="{size - 30}" class="axis"/>'
            f'<text x="{size / 2}" y="{size - 12}" text-anchor="middle">recall</text>'
            f'<text x="12" y="{size / 2}" transform="rotate(-90 12 {size / 2})" text-anchor="middle">precision</text>'
            f'</svg><figcaption>{escape(curve.score)}: best F1 {best["f1"]:.3f} at {best["threshold"]:.4f}'
            f"</figcaption></figure>")


def terminal_lines(records: Iterable[Record], width: int = 100) -> list[str]:
    """Each event (and each tweet's near-misses) as plain lines: the statements, then the tweets
    with their scores. Control characters are shown escaped, as `aligner inspect` does."""
    lines = []
    for card in cards(list(records)):
        head = f"event {card['event']}" if card["accepted"] else "rejected"
        lines.append(printable(f"== {head} (best score {card['best']:.4f})"))
        for statement in card["statements"]:
            lines += [printable(f"   el  {part}") for part in _wrap(statement["text"], width - 6)]
        for pair in card["pairs"]:
            tweet = card["tweets"][pair["t"]]
            handle = f"@{tweet['handle']}" if tweet.get("handle") else ""
            who = " ".join(x for x in (handle, tweet.get("date", "")) if x)
            text = f"[{who}] {tweet['text']}" if who else tweet["text"]
            lines += [printable(f"   en  {part}") for part in _wrap(text, width - 6)]
            mark = "accepted" if card["accepted"] else "rejected"
            lines.append(printable(f"       {mark}, score {pair['score']:.4f}, rank {pair['rank']}"))
    return lines


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = " ".join(text.split()).split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


_STYLE = """
body { font: 15px/1.45 system-ui, "Noto Sans", "DejaVu Sans", sans-serif; margin: 1.5em auto; max-width: 72em;
       padding: 0 1em; color: #1d1d1f; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dt { font-weight: 600; } dd { margin: 0; }
figure { display: inline-block; margin: .5em 1em .5em 0; } svg { max-width: 100%; background: #fafafa; }
svg text { font-size: 11px; fill: #444; } .bar { fill: #9bb7d4; } .cut { stroke: #c0392b; stroke-width: 1.5; }
.mix0, .mix1 { fill: none; stroke-width: 1.5; } .mix0 { stroke: #7f8c8d; } .mix1 { stroke: #27ae60; }
.axis { stroke: #999; }
#controls { position: sticky; top: 0; background: #fff; padding: .5em 0; border-bottom: 1px solid #ddd;
            display: flex; gap: 1em; align-items: center; flex-wrap: wrap; }
#search { flex: 1; min-width: 14em; padding: .3em; }
.card { border: 1px solid #ddd; border-left: 4px solid #27ae60; border-radius: 4px; margin: .8em 0;
        padding: .6em .9em; }
.card.rejected { border-left-color: #bbb; background: #fcfcfc; }
.card h3 { margin: 0 0 .4em; font-size: .9em; color: #555; }
.greek { margin: .2em 0; } .tweet { margin: .4em 0 .4em 1.5em; }
.who { color: #555; font-size: .9em; } .scores { color: #666; font-size: .85em; }
mark { background: #fde68a; padding: 0 .1em; } .correct { color: #27ae60; } .wrong { color: #c0392b; }
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  data.cards.forEach(function (c) {
    c.haystack = [c.event].concat(c.statements.map(function (s) { return s.text; }),
      c.tweets.map(function (t) { return [t.text, t.handle && "@" + t.handle, t.author].join(" "); }))
      .join(" ").toLowerCase();
  });
  var state = { page: 0, shown: data.cards };
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  // text with each of `marks` wrapped in <mark>, built from text nodes only
  function marked(text, marks) {
    var out = el("span"), rest = text;
    marks = marks.filter(function (m) { return m && m.length; });
    while (rest.length) {
      var at = -1, which = "";
      marks.forEach(function (m) {
        var i = rest.indexOf(m);
        if (i >= 0 && (at < 0 || i < at)) { at = i; which = m; }
      });
      if (at < 0) { out.appendChild(document.createTextNode(rest)); break; }
      out.appendChild(document.createTextNode(rest.slice(0, at)));
      out.appendChild(el("mark", "", which));
      rest = rest.slice(at + which.length);
    }
    return out;
  }
  function side(card, index, which) {
    var marks = [];
    card.pairs.forEach(function (p) {
      if ((which === 1 ? p.s : p.t) !== index) return;
      (p.marks || []).forEach(function (m) { marks.push(m[which]); });
    });
    return marks;
  }
  function render(card) {
    var node = el("article", card.accepted ? "card" : "card rejected");
    node.appendChild(el("h3", "", card.accepted ? "event " + card.event : "rejected: best candidates of a tweet"));
    card.statements.forEach(function (s, i) {
      var p = el("p", "greek");
      p.lang = "el";
      p.appendChild(marked(s.text, side(card, i, 1)));
      p.appendChild(el("span", "who", " (" + s.doc + ")"));
      node.appendChild(p);
    });
    card.pairs.forEach(function (pair) {
      var t = card.tweets[pair.t], box = el("div", "tweet");
      var who = el("div", "who", [t.author, t.handle ? "@" + t.handle : "", t.date].filter(Boolean).join(" · "));
      if (t.url && /^https?:\\/\\//.test(t.url)) {
        var a = el("a", "", " link");
        a.href = t.url; a.rel = "noopener noreferrer"; a.target = "_blank";
        who.appendChild(a);
      }
      var text = el("p", "");
      text.lang = "en";
      text.appendChild(marked(t.text, side(card, pair.t, 0)));
      var line = (card.accepted ? "accepted" : "rejected") + " · score " + pair.score.toFixed(4) + " · rank " +
        pair.rank + " · cosine " + pair.cosine.toFixed(3);
      if (pair.null !== undefined) line += " · P(no partner) " + pair.null.toFixed(3);
      var scores = el("div", "scores", line);
      if (pair.correct !== undefined) scores.appendChild(el("span", pair.correct ? "correct" : "wrong",
        pair.correct ? " ✓ agrees with the gold" : " ✗ disagrees with the gold"));
      var evidence = pair.why;
      box.appendChild(who); box.appendChild(text); box.appendChild(scores);
      if (evidence) box.appendChild(el("div", "scores", "evidence: " + evidence));
      node.appendChild(box);
    });
    return node;
  }
  function draw() {
    var list = document.getElementById("cards");
    list.textContent = "";
    var start = state.page * data.pageSize;
    state.shown.slice(start, start + data.pageSize).forEach(function (card) { list.appendChild(render(card)); });
    var pages = Math.max(1, Math.ceil(state.shown.length / data.pageSize));
    document.getElementById("count").textContent = state.shown.length + " cards · page " + (state.page + 1) +
      " of " + pages;
  }
  function filter() {
    var words = document.getElementById("search").value.toLowerCase().split(/\\s+/).filter(Boolean);
    var accepted = document.getElementById("show-accepted").checked;
    var rejected = document.getElementById("show-rejected").checked;
    state.shown = data.cards.filter(function (c) {
      return (c.accepted ? accepted : rejected) && words.every(function (w) { return c.haystack.indexOf(w) >= 0; });
    });
    state.page = 0;
    draw();
  }
  document.getElementById("search").addEventListener("input", filter);
  document.getElementById("show-accepted").addEventListener("change", filter);
  document.getElementById("show-rejected").addEventListener("change", filter);
  document.getElementById("prev").addEventListener("click", function () {
    if (state.page > 0) { state.page -= 1; draw(); }
  });
  document.getElementById("next").addEventListener("click", function () {
    if ((state.page + 1) * data.pageSize < state.shown.length) { state.page += 1; draw(); }
  });
  filter();
})();
"""

_PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; img-src data:">
<title>$title</title>
<style>$style</style>
</head>
<body>
<h1>$title</h1>
<dl id="summary">$summary</dl>
<section id="figures">$figures</section>
<section id="controls">
<input id="search" type="search" placeholder="Search text, handle, author or event" aria-label="search">
<label><input id="show-accepted" type="checkbox" checked> events</label>
<label><input id="show-rejected" type="checkbox" checked> rejected candidates</label>
<button id="prev" type="button">previous</button><button id="next" type="button">next</button>
<span id="count"></span>
</section>
<section id="cards"></section>
<script type="application/json" id="data">$data</script>
<script>$script</script>
</body>
</html>
""")
