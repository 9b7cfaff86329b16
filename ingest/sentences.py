"""The index's sentence table: every sentence the reader can quote or compare, embedded once at ingest.

The reader scores each sentence of the top passages (and its neighbours, and its reference translation) by embedding
similarity. Embedding those at question time cost 0.8–1.0 s on a cold server, and a start-up warm-up did not scale
past a few thousand chunks; computed here, they are lookups. Texts are content-addressed: a sentence already in the
previous build keeps its vector, whatever document or chunk it came from, so re-ingest embeds only new text."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from core.contracts import Chunk
from core.embedders import IpqaEmbeddings
from core.text import split_sentences
from ingest.store import SentenceTable

Progress = Callable[[int, int], None]
Known = Callable[[str], "np.ndarray | None"]


def sentence_texts(chunks: Iterable[Chunk]) -> list[str]:
    """Distinct sentence texts, in first-seen order: the chunk sentences exactly as ``core.text.split_sentences``
    cuts them (the reader's candidates and their context), then each aligned English sentence."""
    seen: dict[str, None] = {}
    for c in chunks:
        for sp in split_sentences(c.text):
            seen.setdefault(c.text[sp.start : sp.end])
        for _, _, en in c.en_sentences or []:
            if en:
                seen.setdefault(en)
    return list(seen)


def build_sentence_table(
    texts: list[str], emb: IpqaEmbeddings, previous: SentenceTable | None = None, batch: int = 64,
    progress: Progress | None = None, known: Known | None = None,
) -> tuple[SentenceTable, int]:
    """The table for ``texts``, taking each vector from ``known`` (the ingest's own lookup: ingest/vectors.py, which
    already embedded every new document's sentences) or ``previous`` rows by exact text, and embedding the rest.
    Returns (table, sentences embedded here)."""
    out = np.zeros((len(texts), emb.dim), np.float32)
    todo: list[int] = []
    for i, t in enumerate(texts):
        vec = known(t) if known is not None else None
        if vec is not None:
            out[i] = vec
            continue
        row = previous.row(t) if previous is not None else None
        if row is None:
            todo.append(i)
        else:
            out[i] = previous.vectors[row]  # type: ignore[union-attr]
    # Similar lengths in one batch waste less of the engine's padding to the longest member.
    todo.sort(key=lambda i: len(texts[i]))
    for done in range(0, len(todo), batch):
        part = todo[done : done + batch]
        out[part] = emb.encode([texts[i] for i in part], is_query=False)
        if progress:
            progress(min(done + batch, len(todo)), len(todo))
    return SentenceTable(texts, out), len(todo)
