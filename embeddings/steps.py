"""The steps sentence-transformers takes around the transformer, for a backend that runs the
transformer alone: token ids as sentence-transformers gives them (prompt, case, truncation,
special tokens), and pooled unit vectors from the last layer."""

from __future__ import annotations

import numpy as np

from embeddings.model_files import Pipeline


def token_ids(tokenizer, pipeline: Pipeline, texts: list[str], prompt: str) -> list[list[int]]:
    """Each text's ids, prompt first, truncated to ``pipeline.max_length`` with the special tokens."""
    texts = [prompt + text for text in texts]
    if pipeline.lower_case:
        texts = [text.lower() for text in texts]
    encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
    room = pipeline.max_length - tokenizer.num_special_tokens_to_add(False)  # for the text's tokens
    for encoding in encodings:  # truncated as transformers does: the text, then <s> and </s> around it
        encoding.truncate(room)
    return [tokenizer.post_process(encoding).ids for encoding in encodings]


def pool(hidden: np.ndarray, ids: list[list[int]], pooling: str) -> np.ndarray:
    """Mean (over each row's own tokens) or CLS pooling of padded last-layer states, L2-normalised."""
    lengths = np.array([len(row) for row in ids])
    if pooling == "cls":
        pooled = hidden[:, 0]
    else:
        mask = np.arange(hidden.shape[1])[None, :] < lengths[:, None]
        pooled = np.einsum("bt,btd->bd", mask.astype(np.float32), hidden) / lengths[:, None]
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
