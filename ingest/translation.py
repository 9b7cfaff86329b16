"""Aligned reference translations (``<doc>.en.jsonl`` sidecars).

Each line aligns one sentence of the normalized Japanese document to an English rendering::

    {"ja": "<the sentence exactly as in the normalized text>", "en": "<English>"}

Lines are matched by :func:`ingest.normalize.canon` of ``ja``, so whitespace and full-width forms do not matter.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.contracts import Chunk
from core.text import canon, split_sentences


def load_sidecar(path: Path) -> dict[str, str]:
    """``canon(ja) -> en``. Raises ``ValueError`` naming the line for malformed input."""
    table: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            ja, en = row["ja"], row["en"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: expected {{\"ja\": ..., \"en\": ...}} ({exc})") from exc
        if not isinstance(ja, str) or not isinstance(en, str) or not ja.strip() or not en.strip():
            raise ValueError(f"{path}:{n}: 'ja' and 'en' must be non-empty strings")
        table[canon(ja)] = en.strip()
    return table


def attach_translations(chunks: list[Chunk], doc_text: str, sidecar: Path) -> int:
    """Fill ``text_en`` and ``en_sentences`` of ``chunks`` from the sidecar; returns the number of aligned sentences."""
    table = load_sidecar(sidecar)
    aligned = 0
    for chunk in chunks:
        rows: list[tuple[int, int, str]] = []
        for sp in split_sentences(doc_text, chunk.start, chunk.end):
            en = table.get(canon(doc_text[sp.start : sp.end]))
            if en is not None:
                rows.append((sp.start, sp.end, en))
        if rows:
            chunk.en_sentences = rows
            chunk.text_en = " ".join(r[2] for r in rows)
            aligned += len(rows)
    return aligned


def own_english(chunks: list[Chunk], doc_text: str) -> int:
    """An English passage (a user's English document) is its own English text: fill ``text_en`` and ``en_sentences``
    of each untranslated English chunk with itself, so that English questions read it as they read a translated
    passage (its words in the English BM25, its sentences compared and quoted as English) instead of as Japanese
    text to be reached through the bilingual dictionary. Returns the number of chunks marked."""
    marked = 0
    for chunk in chunks:
        if chunk.text_en or chunk.lang != "en":
            continue
        chunk.en_sentences = [(sp.start, sp.end, doc_text[sp.start : sp.end])
                              for sp in split_sentences(doc_text, chunk.start, chunk.end)]
        chunk.text_en = chunk.text
        marked += 1
    return marked
