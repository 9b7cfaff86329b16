"""Sentence vectors for the reader: each sentence of the corpus is embedded once per process (an LRU cache)."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from core.embedders import IpqaEmbeddings


class SentenceVectors:
    def __init__(self, embedder: IpqaEmbeddings, capacity: int = 50_000) -> None:
        self._emb = embedder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cap = capacity
        self._lock = threading.Lock()

    def get(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vecs = self._emb.encode(missing, is_query=False)
            with self._lock:
                for t, v in zip(missing, vecs, strict=True):
                    self._cache[t] = v
                while len(self._cache) > self._cap:
                    self._cache.popitem(last=False)
        with self._lock:
            for t in texts:
                self._cache.move_to_end(t)
            return np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, self._emb.dim), np.float32)
