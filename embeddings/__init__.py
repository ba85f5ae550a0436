"""Models and vectors: texts in, L2-normalised float32 matrices out. Knows nothing about tweets."""

from embeddings.backends import BACKENDS, PRECISIONS, Backend, choose_backend_and_device
from embeddings.default_model import DEFAULT_MODEL_NAME, prepare_default_model
from embeddings.encoder import Encoder, describe_model
from embeddings.errors import ModelLoadError
from embeddings.model_files import resolve_model

__all__ = ["BACKENDS", "DEFAULT_MODEL_NAME", "PRECISIONS", "Backend", "Encoder", "ModelLoadError",
           "choose_backend_and_device", "describe_model", "prepare_default_model", "resolve_model"]
