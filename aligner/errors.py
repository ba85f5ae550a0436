"""The one exception type for a user's mistake: the CLI prints it on one line and exits 2."""

from __future__ import annotations


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
        super().__init__(f"{where}: {message}" if where else message)
