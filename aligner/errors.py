"""The one exception type for a user's mistake: the CLI prints it on one line and exits 2."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` safe for one line of a message or a terminal: control and other unprintable
    characters escaped (``\\x1b``), so input can neither break the line nor drive the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class InputError(Exception):
    """Bad input or options from the user, located as precisely as we can (file, line, byte)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 offset: int | None = None) -> None:
        self.path, self.line, self.offset = path, line, offset
        where = path or ""
        if path and line is not None:
            where = f"{path}:{line}"
        elif path and offset is not None:
            where = f"{path} (byte {offset})"
        # one line whatever a path or a value in the message holds
        super().__init__(printable(f"{where}: {message}" if where else message))
