"""Models and vectors: texts in, L2-normalised float32 matrices out. Knows nothing about tweets."""

from embeddings.default_model import DEFAULT_MODEL_NAME, prepare_default_model
from embeddings.encoder import Encoder, ModelLoadError, describe_model, resolve_model

__all__ = ["DEFAULT_MODEL_NAME", "Encoder", "ModelLoadError", "describe_model", "prepare_default_model",
           "resolve_model"]
