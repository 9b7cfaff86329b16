"""Sentence vectors for the reader: looked up in the index's sentence table (built at ingest), and only for texts
it does not hold (an LLM's answer sentence, a build from before sentence tables) embedded here, once per process."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from core.embedders import IpqaEmbeddings
from ingest import SentenceTable


class SentenceVectors:
    def __init__(self, embedder: IpqaEmbeddings, table: SentenceTable | None = None, capacity: int = 50_000) -> None:
        self._emb = embedder
        self._table = table
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cap = capacity
        self._lock = threading.Lock()
        self.misses = 0  # texts embedded here: zero for extractive answers over an index with a sentence table

    def get(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._emb.dim), np.float32)
        table = self._table
        rows = [table.row(t) for t in texts] if table is not None else [None] * len(texts)
        out = np.empty((len(texts), self._emb.dim), np.float32)
        found = [(i, r) for i, r in enumerate(rows) if r is not None]
        if found and table is not None:
            out[[i for i, _ in found]] = table.vectors[[r for _, r in found]]
        if len(found) < len(texts):
            rest = [i for i, r in enumerate(rows) if r is None]
            cached = self._cached([texts[i] for i in rest])
            for i, v in zip(rest, cached, strict=True):
                out[i] = v
        return out

    def _cached(self, texts: list[str]) -> list[np.ndarray]:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vecs = self._emb.encode(missing, is_query=False)
            with self._lock:
                self.misses += len(missing)
                for t, v in zip(missing, vecs, strict=True):
                    self._cache[t] = v
                while len(self._cache) > self._cap:
                    self._cache.popitem(last=False)
        with self._lock:
            for t in texts:
                self._cache.move_to_end(t)
            return [self._cache[t] for t in texts]
