"""Sentence-aware chunking inside sections, with exact offsets into the normalized text."""

from __future__ import annotations

import hashlib
import re

from core.contracts import Chunk
from core.text import Span, detect_lang, split_sentences
from ingest.sections import Section, detect_sections

_SOFT_BREAK = re.compile(r"[、,;；]")


def _split_oversize(text: str, span: Span, max_chars: int) -> list[Span]:
    """The one case where a sentence is cut: prefer a comma, else a hard cut."""
    out: list[Span] = []
    s = span.start
    while span.end - s > max_chars:
        window = text[s : s + max_chars]
        commas = [m.end() for m in _SOFT_BREAK.finditer(window)]
        cut = s + (commas[-1] if commas and commas[-1] > max_chars // 3 else max_chars)
        out.append(Span(s, cut))
        s = cut
    out.append(Span(s, span.end))
    return out


def section_key(path: tuple[str, ...]) -> str:
    return hashlib.sha1("\x1f".join(path).encode("utf-8")).hexdigest()[:8]


def pack_sentences(
    text: str, section: Section, target_chars: int, max_chars: int, overlap: int = 0
) -> list[Span]:
    sentences: list[Span] = []
    for sp in split_sentences(text, section.start, section.end):
        sentences.extend(_split_oversize(text, sp, max_chars) if sp.end - sp.start > max_chars else [sp])
    chunks: list[Span] = []
    group: list[Span] = []
    for sp in sentences:
        if group:
            length = sp.end - group[0].start
            if length > max_chars or (group[-1].end - group[0].start) >= target_chars:
                chunks.append(Span(group[0].start, group[-1].end))
                group = group[-overlap:] if overlap else []
                # Overlap must not make a chunk exceed the maximum.
                while group and sp.end - group[0].start > max_chars:
                    group.pop(0)
        group.append(sp)
    if group:
        chunks.append(Span(group[0].start, group[-1].end))
    return chunks


def chunk_document(
    doc_id: str,
    doc_title: str,
    text: str,
    target_chars: int = 300,
    max_chars: int = 400,
    overlap: int = 0,
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in detect_sections(text, doc_title):
        key = section_key(section.path)
        for ordinal, span in enumerate(pack_sentences(text, section, target_chars, max_chars, overlap)):
            body = text[span.start : span.end]
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}#{key}-{ordinal}",
                    doc_id=doc_id,
                    doc_title=doc_title,
                    section_path=list(section.path),
                    text=body,
                    start=span.start,
                    end=span.end,
                    lang=detect_lang(body),
                )
            )
    return chunks
