"""The language offset: an English query moved toward Japanese before it is compared with Japanese sentences.

A multilingual encoder places a sentence and its translation near each other, but not on top of each other: each
language's vectors sit around a mean of their own (Libovický et al., 2020, "On the Language Neutrality of Pre-trained
Multilingual Representations", found that removing the language means improves cross-lingual retrieval). For an
English question over a passage with no reference translation, the Japanese sentences' cosines with the question then
carry a language term beside the meaning. The offset is the mean Japanese sentence vector minus the mean English one,
measured on parallel text (the bundled plan and its reference translation: data, not questions), and the sentence
channel (retriever/sentences.py) compares an English query moved by ``alpha`` of it with Japanese sentences.

Both numbers are per embedder and are written by ``bench/tune_language_offset.py`` to
``retriever/data/language_offset.json``: the offset from the parallel sentences, ``alpha`` chosen on the training
documents' English questions. An embedder without an entry gets no offset (the channel as before).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from core.contracts import Chunk
from core.text import split_sentences
from ingest import SentenceTable

OFFSET_PATH = Path(__file__).parent / "data" / "language_offset.json"


@dataclass(frozen=True)
class LanguageOffset:
    embedder: str
    delta: np.ndarray  # mean Japanese sentence vector minus mean English one
    alpha: float
    pairs: int = 0  # translated sentences it was measured on

    def toward_ja(self, qvec: np.ndarray) -> np.ndarray:
        q = np.asarray(qvec, dtype=np.float64) + self.alpha * self.delta
        norm = float(np.linalg.norm(q))
        return (q / norm if norm > 0 else q).astype(np.float32)

    def to_json(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "pairs": self.pairs, "delta": [round(float(x), 7) for x in self.delta]}

    @classmethod
    def from_json(cls, embedder: str, d: dict[str, Any]) -> LanguageOffset:
        return cls(embedder, np.asarray(d["delta"], dtype=np.float64), float(d["alpha"]), int(d.get("pairs", 0)))


def load_offsets(path: Path = OFFSET_PATH) -> dict[str, LanguageOffset]:
    """Every embedder's offset in the file (none when it does not exist)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {emb: LanguageOffset.from_json(emb, d) for emb, d in data.items()}


@lru_cache(maxsize=8)
def offset_for(embedder: str, path: Path = OFFSET_PATH) -> LanguageOffset | None:
    """The shipped offset of ``embedder``, if it has one whose alpha is not zero."""
    off = load_offsets(path).get(embedder)
    return off if off is not None and off.alpha != 0.0 else None


def parallel_offset(chunks: list[Chunk], table: SentenceTable) -> tuple[np.ndarray, int]:
    """The mean Japanese sentence vector minus the mean English one over the chunks that have a sentence-aligned
    reference translation, and how many English sentences that was. Means of the two sides, not of pairs: the
    alignment may join or split sentences, and only the languages' centres matter."""
    ja: set[int] = set()
    en: set[int] = set()
    for c in chunks:
        if not c.en_sentences:
            continue
        en.update(r for _, _, t in c.en_sentences if t and (r := table.row(t)) is not None)
        ja.update(r for sp in split_sentences(c.text) if (r := table.row(c.text[sp.start : sp.end])) is not None)
    if not ja or not en:
        raise ValueError("no sentence-aligned reference translation in these chunks")
    vecs = np.asarray(table.vectors, dtype=np.float64)
    return vecs[sorted(ja)].mean(0) - vecs[sorted(en)].mean(0), len(en)
