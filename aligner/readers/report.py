"""What a run read: counts and warnings that readers fill in and the caller prints."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class IngestReport:
    """Counts of what the readers saw, skipped or repaired, plus human-readable warnings.

    Readers only add to it; printing it (``summary()``) is the caller's job. One report is shared
    by every reader of a run, so it also keeps the item ids handed out so far (``claim_id``).
    """

    files: int = 0
    documents: int = 0
    statements: int = 0
    tweets: int = 0
    empty_files: int = 0
    bad_lines: int = 0
    replaced_bytes: int = 0
    docs_without_greek: int = 0
    docs_without_tweets: int = 0
    non_english_tweets: int = 0
    empty_tweets: int = 0
    other_paragraphs: int = 0
    bad_dates: int = 0
    duplicate_ids: int = 0
    duplicate_tweets: int = 0
    other_records: int = 0
    bad_records: int = 0
    deep_pages: int = 0
    warnings: list[str] = field(default_factory=list)
    # Not counts: ids claimed so far per namespace (id -> last suffix used), topics warned about.
    _ids: dict[str, dict[str, int]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _topics: set[str] = field(default_factory=set, init=False, repr=False, compare=False)
    _tweet_ids: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    def warn(self, message: str) -> None:
        """Record a warning (kept in order; the caller decides where it goes)."""
        self.warnings.append(message)

    def warn_once(self, topic: str, message: str) -> None:
        """Record a warning unless one on ``topic`` came before: a file with 10,000 odd dates
        gets one line, and its count says how many."""
        if topic not in self._topics:
            self._topics.add(topic)
            self.warn(message)

    def claim_id(self, namespace: str, wanted: str) -> str:
        """``wanted`` if no item of ``namespace`` has claimed it in this run, else the first free
        of ``wanted#2``, ``wanted#3``, ... (same inputs in the same order give the same ids)."""
        used = self._ids.setdefault(namespace, {})
        if wanted not in used:
            used[wanted] = 1
            return wanted
        n = used[wanted]
        while True:  # an explicit "1#2" among the inputs is skipped over
            n += 1
            candidate = f"{wanted}#{n}"
            if candidate not in used:
                break
        used[wanted] = n
        used[candidate] = 1
        return candidate

    def first_reading(self, tweet_id: str) -> bool:
        """True the first time a run reads the tweet with this Twitter id (a retweet's original
        is in every retweet, a quoted tweet in every quote, pages of a search overlap), False
        after: the caller leaves the repeat out and counts it."""
        if tweet_id in self._tweet_ids:
            return False
        self._tweet_ids.add(tweet_id)
        return True

    def counts(self) -> dict[str, int]:
        """Every count by name, for JSON summaries."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init and f.name != "warnings"}

    def summary(self) -> str:
        """One line: the non-zero counts, e.g. ``read 1 file, 1 document, 14 statements, ...``."""
        labels = {
            "files": "file(s)", "documents": "document(s)", "statements": "statement(s)",
            "tweets": "tweet(s)", "empty_files": "empty file(s) skipped",
            "bad_lines": "bad line(s) skipped", "replaced_bytes": "undecodable byte(s) replaced",
            "docs_without_greek": "document(s) without Greek text",
            "docs_without_tweets": "document(s) without tweets",
            "non_english_tweets": "non-English tweet(s)",
            "empty_tweets": "tweet(s) without text (blank, or only an attribution) skipped",
            "other_paragraphs": "paragraph(s) neither Greek nor a tweet",
            "bad_dates": "unreadable date(s) left out",
            "duplicate_ids": "duplicate id(s) made unique (#2, #3, ...)",
            "duplicate_tweets": "tweet(s) read before (same tweet id) left out",
            "other_records": "WARC record(s) other than HTML pages skipped",
            "bad_records": "unreadable WARC record(s) or damaged compressed data skipped (see the warnings)",
            "deep_pages": "page(s) nested past 255 levels, parsed again whole",
        }
        parts = [f"{v} {labels[k]}" for k, v in self.counts().items()
                 if v or k in ("files", "documents", "statements", "tweets")]
        return "read " + ", ".join(parts)
