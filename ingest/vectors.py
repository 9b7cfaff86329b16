"""Every passage vector one ingest needs, each distinct text embedded at most once.

A document's chunk texts (heading path + text), its English reference texts and its sentences overlap (a
one-sentence chunk without a heading is its own sentence; aligned English sentences repeat chunk translations), and
documents repeat each other's sentences. So a document's texts are looked up, in order, in this run's vectors, the
previous build (its chunk, English and sentence vectors, by exact text) and the resume cache (ingest/embed_cache.py);
only the rest goes to the engine, longest-last in slices, each slice fsynced to the cache before the next starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.embedders import IpqaEmbeddings
from ingest.embed_cache import EmbedCache, text_key
from ingest.store import LoadedIndex, SentenceTable

SliceDone = Callable[[int, int], None]


@dataclass
class VectorCounts:
    embedded: int = 0  # texts the engine ran on in this run
    cached: int = 0  # texts found in the resume cache (computed by an interrupted run)
    reused: int = 0  # texts found in the previous build


class PassageVectors:
    def __init__(self, engine: IpqaEmbeddings, cache: EmbedCache | None, previous: LoadedIndex | None,
                 prev_sentences: SentenceTable | None, slice_texts: int = 64) -> None:
        self.engine, self.cache, self.slice_texts = engine, cache, slice_texts
        self.counts = VectorCounts()
        self.embedded_texts: set[str] = set()
        self._memo: dict[str, np.ndarray] = {}
        self._prev: dict[str, np.ndarray] = {}
        if prev_sentences is not None:
            self._prev.update(zip(prev_sentences.texts, prev_sentences.vectors, strict=True))
        if previous is not None and previous.chunks:
            vecs = previous.vectors()
            self._prev.update((c.embed_text(), vecs[i]) for i, c in enumerate(previous.chunks))
            if previous.en_vectors is not None:
                self._prev.update((c.text_en, previous.en_vectors[i]) for i, c in enumerate(previous.chunks)
                                  if c.text_en)

    def _key(self, text: str) -> bytes:
        return text_key(self.engine.id, False, text)

    def known(self, text: str) -> np.ndarray | None:
        return self._memo.get(text)

    def ensure(self, texts: list[str], on_slice: SliceDone | None = None) -> None:
        """Make every text's vector known, embedding those found nowhere; ``on_slice(done, todo)`` after each slice."""
        todo: list[str] = []
        for t in dict.fromkeys(texts):
            if t in self._memo:
                continue
            vec = self._prev.get(t)
            if vec is not None:
                self.counts.reused += 1
            elif self.cache is not None and (vec := self.cache.get(self._key(t))) is not None:
                self.counts.cached += 1
            else:
                todo.append(t)
                continue
            self._memo[t] = vec
        # Sorted by length, a slice holds texts of similar length: the engine pads less, and the cache gets whole
        # slices, so a kill loses at most the one slice in flight.
        todo.sort(key=len)
        for start in range(0, len(todo), self.slice_texts):
            part = todo[start : start + self.slice_texts]
            vecs = self.engine.encode(part, is_query=False)
            if self.cache is not None:
                self.cache.add([self._key(t) for t in part], vecs)
            self._memo.update(zip(part, vecs, strict=True))
            self.embedded_texts.update(part)
            self.counts.embedded += len(part)
            if on_slice:
                on_slice(start + len(part), len(todo))

    def matrix(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.engine.dim), np.float32)
        for i, t in enumerate(texts):
            out[i] = self._memo[t]
        return out
