"""The one error a user's mistake with models, vectors or their cache becomes (one line, exit 2)."""


class ModelLoadError(Exception):
    """The model named by the user cannot be found or loaded, gives unusable vectors, or its cache
    folder cannot be used."""
