"""The sentence channel: a passage scored by its best single sentence's dense cosine with the query.

A passage vector averages everything the passage says; a question usually asks about one of its sentences, and that
sentence's own vector is already in the index (the sentence table the reader quotes from, ingest/sentences.py). So the
channel re-scores the passages the other channels found, by the best of their sentences: no new vectors, one small
matrix product per query, and it scales with the candidates, not the index. Its weight was chosen on the training
documents and checked on dev (bench/tune_sentence_channel.py, docs/retrieval.md)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from core.contracts import Chunk
from core.text import split_sentences
from ingest import SentenceTable
from retriever.fusion import RankedList
from retriever.offset import LanguageOffset


class SentenceChannel:
    def __init__(self, chunks: list[Chunk], table: SentenceTable | None, offset: LanguageOffset | None = None) -> None:
        self._chunks = chunks
        self._table = table
        self.offset = offset  # for English queries against Japanese sentences (retriever/offset.py)
        # Sentence rows (Japanese, English) per chunk position, filled on first use: splitting every chunk of a large
        # index at start-up would cost seconds, while a query touches at most a hundred chunks. One tuple per entry,
        # so a concurrent request never sees half of one.
        self._rows_of: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def available(self) -> bool:
        return self._table is not None and len(self._table) > 0

    def _rows(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self._rows_of.get(pos)
        if rows is None:
            assert self._table is not None
            c = self._chunks[pos]
            ja = (self._table.row(c.text[sp.start : sp.end]) for sp in split_sentences(c.text))
            en = (self._table.row(t) for _, _, t in c.en_sentences or [] if t)
            rows = (np.array([r for r in ja if r is not None], dtype=np.int64),
                    np.array([r for r in en if r is not None], dtype=np.int64))
            self._rows_of[pos] = rows
        return rows

    def search(self, qvec: np.ndarray, lang: str, candidates: Iterable[int], depth: int) -> RankedList:
        """The candidate passages ranked by their best sentence. For an English query a passage with a reference
        translation is scored by its best English sentence; one without, by its best Japanese sentence lifted by
        this query's median English-over-Japanese gap among the translated candidates (English-to-English cosines
        run higher than cross-lingual ones of the same meaning; the dense_en channel does the same for passages). An
        English query meets the Japanese sentences moved by the language offset, when the embedder has one."""
        if not self.available:
            return []
        assert self._table is not None
        pos = sorted(set(candidates))
        rows = [self._rows(p) for p in pos]
        ja_query = self.offset.toward_ja(qvec) if lang == "en" and self.offset is not None else qvec
        ja = self._best(ja_query, [r[0] for r in rows])
        scores = ja
        if lang == "en":
            en = self._best(qvec, [r[1] for r in rows])
            has_en = ~np.isnan(en)
            both = has_en & ~np.isnan(ja)
            gap = float(np.median(en[both] - ja[both])) if both.any() else 0.0
            scores = np.where(has_en, en, ja + max(0.0, gap))
        ranked = sorted(((p, float(s)) for p, s in zip(pos, scores, strict=True) if not np.isnan(s)),
                        key=lambda ps: (-ps[1], ps[0]))
        return ranked[:depth]

    def _best(self, qvec: np.ndarray, row_sets: list[np.ndarray]) -> np.ndarray:
        """Each row set's best cosine with the query (NaN for an empty set), from one product over their union."""
        assert self._table is not None
        out = np.full(len(row_sets), np.nan)
        flat = np.concatenate(row_sets) if row_sets else np.zeros(0, np.int64)
        if not len(flat):
            return out
        sims = self._table.vectors[flat] @ qvec
        at = 0
        for i, rs in enumerate(row_sets):
            if len(rs):
                out[i] = float(sims[at : at + len(rs)].max())
            at += len(rs)
        return out
