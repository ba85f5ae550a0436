"""The one error a user's mistake with models, vectors or their cache becomes (one line, exit 2)."""


class ModelLoadError(Exception):
    """The model named by the user cannot be found or loaded, gives unusable vectors, or its cache
    folder cannot be used."""


def first_line(exc: Exception) -> str:
    """A library's error as one line of ours: its first line, else its type."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
