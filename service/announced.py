"""Lists a sentence announces (「主な契約形態は次のとおりです。」, "as follows:") and the document's sentences the list
rules read: the items or table rows right after an announcement, within its section, each a candidate to cite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.contracts import Chunk, Hit
from core.text import split_sentences
from service.reader import Candidate
from service.statements import has_content, is_item

MAX_ITEMS = 8


@dataclass
class Sentence:
    chunk: Chunk
    start: int
    end: int
    text: str
    en: str | None


def doc_sentences(chunks: list[Chunk]) -> list[Sentence]:
    """The sentences of ``chunks`` in document order, each once (chunks may overlap by a sentence)."""
    seen: set[tuple[str, int]] = set()
    out: list[Sentence] = []
    for c in sorted(chunks, key=lambda c: c.start):
        aligned = {(s, e): en for s, e, en in c.en_sentences or []}
        for sp in split_sentences(c.text):
            start, end = c.start + sp.start, c.start + sp.end
            if (c.doc_id, start) in seen or not has_content(c.text[sp.start : sp.end]):
                continue  # seen in the previous chunk; or a table's rule row, which would end a run of rows
            seen.add((c.doc_id, start))
            out.append(Sentence(c, start, end, c.text[sp.start : sp.end], aligned.get((start, end))))
    return out


def as_candidate(s: Sentence, hit_for: dict[str, Hit], rank: int) -> Candidate:
    c = s.chunk
    hit = hit_for.get(c.chunk_id) or Hit(
        rank=rank, score=0.0, chunk_id=c.chunk_id, doc_id=c.doc_id, doc_title=c.doc_title,
        section_path=c.section_path, text=c.text, start=c.start, end=c.end, text_en=c.text_en,
    )
    return Candidate(hit, s.start, s.end, s.text, s.en)


# A sentence that hands over to what follows (「主な契約形態は次のとおりです。」, "as follows:") states nothing itself.
# Broad on purpose (「次の書類を添付してください」, 「次の5つの領域について尋ねた」): a sentence counts only when list items
# follow it, so "the next …" in running prose answers nothing.
_ANNOUNCES = re.compile(r"(?:次|以下|下記)の|以下に|[:：]\s*$|\bas follows\b|\bthe following\b|\bbelow\s*[.:]?\s*$", re.I)
# A remark may sit between the announcement and its list (「…次の5つの領域について尋ねた。回答時間は平均25分であった。」).
_MAX_GAP = 1


def announces(sentence: str) -> bool:
    return bool(_ANNOUNCES.search(sentence)) and not is_item(sentence)


def announced_items(anchor: Candidate, chunks: list[Chunk], hits: list[Hit]) -> list[Candidate]:
    """The list or table rows right after a sentence that announces them (「…は次のとおりです。」), in document order,
    within the anchor's section; empty when the anchor announces nothing or nothing item-like follows it."""
    if not announces(anchor.text):
        return []
    after = [s for s in doc_sentences(_section(anchor, chunks)) if s.start >= anchor.end]
    hit_for = {h.chunk_id: h for h in hits}
    items: list[Candidate] = []
    gap = 0
    last: Sentence | None = None
    for s in after:
        if not is_item(s.text) and last is not None and same_line(last, s):
            continue  # the item's own further sentence (「・個人は出願できません。個人の生産者は…」)
        if not is_item(s.text):
            gap += 1
            if items or gap > _MAX_GAP:
                break
            continue
        items.append(as_candidate(s, hit_for, len(hits) + 1))
        last = s
        if len(items) == MAX_ITEMS:
            break
    return items


def lead_of(anchor: Candidate, chunks: list[Chunk], hits: list[Hit]) -> Candidate | None:
    """The last sentence before ``anchor`` in its section that announces a list (whether it is the anchor's list,
    announced_items decides)."""
    before = [s for s in doc_sentences(_section(anchor, chunks)) if s.end <= anchor.start and announces(s.text)]
    return as_candidate(before[-1], {h.chunk_id: h for h in hits}, len(hits) + 1) if before else None


def _section(anchor: Candidate, chunks: list[Chunk]) -> list[Chunk]:
    """The chunks of the anchor's own section (its document, its heading path)."""
    return [c for c in chunks if c.doc_id == anchor.hit.doc_id and c.section_path == anchor.hit.section_path]


def same_line(a: Sentence, b: Sentence) -> bool:
    """Whether ``b`` follows ``a`` on the same line of the same chunk."""
    c = a.chunk
    return b.chunk is c and a.end <= b.start and "\n" not in c.text[a.end - c.start : b.start - c.start]
