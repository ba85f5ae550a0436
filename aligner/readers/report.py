"""What a run read: counts and warnings that readers fill in and the caller prints."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class IngestReport:
    """Counts of what the readers saw, skipped or repaired, plus human-readable warnings.

    Readers only add to it; printing it (``summary()``) is the caller's job.
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
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        """Record a warning (kept in order; the caller decides where it goes)."""
        self.warnings.append(message)

    def counts(self) -> dict[str, int]:
        """Every count by name, for JSON summaries."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "warnings"}

    def summary(self) -> str:
        """One line: the non-zero counts, e.g. ``read 1 file, 1 document, 14 statements, ...``."""
        labels = {
            "files": "file(s)", "documents": "document(s)", "statements": "statement(s)",
            "tweets": "tweet(s)", "empty_files": "empty file(s) skipped",
            "bad_lines": "bad line(s) skipped", "replaced_bytes": "undecodable byte(s) replaced",
            "docs_without_greek": "document(s) without Greek text",
            "docs_without_tweets": "document(s) without tweets",
            "non_english_tweets": "non-English tweet(s)",
            "empty_tweets": "tweet(s) with no text but the attribution skipped",
            "other_paragraphs": "paragraph(s) neither Greek nor a tweet",
        }
        parts = [f"{v} {labels[k]}" for k, v in self.counts().items()
                 if v or k in ("files", "documents", "statements", "tweets")]
        return "read " + ", ".join(parts)
