"""Extractive answers: the reader's chosen sentences, each cited to its passage.

No LLM, so nothing is invented: every answer sentence is a sentence of a document (Japanese questions) or its aligned
reference translation (English questions), and every figure in it is in the cited passage by construction. Which
sentences to use is the reader's decision (service/reader.py, service/lists.py).
"""

from __future__ import annotations

import re

from core.contracts import Citation
from service.announced import announces
from service.reader import Candidate
from service.verifier import EN_LEAD, EN_LEAD_JA_ONLY, EN_LEAD_SOURCE, NUMBERED_ITEM

_BULLET = re.compile(r"^(?:[-*+]\s*)?[・●○]\s*|^[-*+]\s+")


def display_text(sentence: str) -> str:
    return _BULLET.sub("", sentence).strip()


def compose(chosen: list[Candidate], lang: str, as_list: bool = False) -> tuple[str, list[Citation]]:
    """The answer text with [n] markers and one citation per cited passage (quote = its selected span).
    ``as_list``: one item per line, each with its own marker."""
    citations: dict[str, Citation] = {}
    lines: list[str] = []
    for c in chosen:
        cit = citations.get(c.hit.chunk_id)
        if cit is None:
            cit = Citation(
                n=len(citations) + 1, chunk_id=c.hit.chunk_id, doc_id=c.hit.doc_id, section_path=c.hit.section_path,
                quote=c.text, start=c.start, end=c.end, text=c.hit.text, text_en=c.hit.translation,
                quote_en=c.en if c.hit.translation else None,
            )
            citations[c.hit.chunk_id] = cit
        else:
            # Widen the quote to a contiguous span of the passage covering every selected sentence.
            start, end = min(cit.start, c.start), max(cit.end, c.end)
            rel = c.hit.start
            cit.start, cit.end = start, end
            cit.quote = c.hit.text[start - rel : end - rel]
            cit.quote_en = (" ".join(x for x in (cit.quote_en, c.en) if x) or None) if cit.text_en else None
        if lang == "en":
            # A Japanese heading in an English answer is a name: in double quotes.
            label = f"\"{display_text(c.label)}\": " if c.label else ""
            lines.append(f"{label}{display_text(c.en)} [{cit.n}]" if c.en else f"{label}「{display_text(c.text)}」 [{cit.n}]")
        else:
            label = f"{display_text(c.label)}: " if c.label else ""
            lines.append(f"{label}{display_text(c.text)}[{cit.n}]")
    if as_list:
        bullet = "- " if lang == "en" else "・"
        # A sentence announcing the list (「…は次のとおりです。」) introduces it rather than being one of its items.
        intro = 1 if chosen and announces(chosen[0].text) else 0
        lines = lines[:intro] + [line if NUMBERED_ITEM.match(line) else bullet + line for line in lines[intro:]]
    if lang == "en":
        translated = all(c.en for c in chosen)
        original = translated and all(c.hit.translation is None for c in chosen)  # an English document's own words
        lead = EN_LEAD_SOURCE if original else EN_LEAD if translated else EN_LEAD_JA_ONLY
        return lead + "\n" + ("\n" if as_list else " ").join(lines), list(citations.values())
    return ("\n" if as_list else "").join(lines), list(citations.values())
