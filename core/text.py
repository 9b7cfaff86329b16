"""Text utilities every layer shares: sentence spans, language detection and the canonical form quotes are matched in.

They live in the core because ingest (chunking), the retriever (query language), the service (reader candidates,
citation checks) and eval (metrics) must agree on them exactly: a sentence the reader quotes is a sentence ingest
embedded."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A sentence ends at 。！？ (NFKC turns ！？ into !?), optionally followed by closing brackets, or at a line end. A
# bracketed aside is part of its sentence, full stop and all: rules write 「実施料収入（消費税を除く。）の10％に相当する
# 額とする。」 as one sentence. An unclosed bracket is an ordinary character. A table row (「| 広告 | 33,000円 | 1媒体に
# つき。3か月以内。 |」) is one record whatever its cells hold: cut at a full stop, a cell's figure loses its row's name.
_SENTENCE = re.compile(r"(?m:^)[ \t]*\|[^\n]*(?:\n|$)|(?:\([^()\n]{0,200}\)|[^\n。!?])*(?:[。!?]+[」』)\]]*|\n|$)")
_EN_SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9)][.])\s+(?=[A-Z])")
# The number of a list item or a numbered heading at a line start (「2. AOBA-IPナビに…」, "3.1 Scope") is not the end of
# a sentence, whatever letter follows it.
_LINE_NUMBER = re.compile(r"(?:^|\n)[ \t]*\d+(?:\.\d+)*\.$")
_JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]``, whitespace-trimmed, in order."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    for m in _SENTENCE.finditer(text, start, end):
        piece_start, piece_end = m.start(), m.end()
        if piece_start == piece_end:
            continue
        # English prose inside a line ends sentences at ". X".
        breaks = [b for b in _EN_SENTENCE_BREAK.finditer(text, piece_start, piece_end)
                  if not _LINE_NUMBER.search(text, max(0, text.rfind("\n", 0, b.start())), b.start())]
        cuts = [piece_start] + [b.end() for b in breaks] + [piece_end]
        for a, b in zip(cuts, cuts[1:], strict=False):
            s, e = a, b
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if s < e:
                spans.append(Span(s, e))
    return spans


def detect_lang(text: str) -> str:
    ja = len(_JA_CHAR.findall(text))
    return "ja" if ja >= max(1, 0.1 * len(text.replace(" ", ""))) else "en"


# Markdown emphasis markers, dropped by normalization and by the quote key alike.
EMPHASIS = re.compile(r"\*\*|__")


def canon(text: str) -> str:
    """Matching key for quotes: NFKC, no Markdown emphasis, no whitespace. Used wherever a quote is looked up."""
    return re.sub(r"\s+", "", EMPHASIS.sub("", unicodedata.normalize("NFKC", text)))


# The Western year before each era's first (令和元年 = 2019). Japanese documents date by era (令和6年度, R6年度), English
# readers and many questions by the Western calendar: figures and years are compared in both.
_ERA_START = {"令和": 2018, "平成": 1988, "昭和": 1925, "reiwa": 2018, "heisei": 1988, "showa": 1925, "r": 2018, "h": 1988}
_ERA_YEAR = re.compile(r"(令和|平成|昭和)\s?(元|\d{1,2})(?=\s?年)|\b(Reiwa|Heisei|Showa)\s+(\d{1,2})\b|"
                       r"(?<![A-Za-z])([RH])\s?(\d{1,2})(?=\s?年)", re.I)


def _western(m: re.Match[str]) -> str:
    era, num = next((m.group(i), m.group(i + 1)) for i in (1, 3, 5) if m.group(i))
    return str(_ERA_START[era.lower()] + (1 if num == "元" else int(num)))


def western_years(text: str) -> str:
    """``text`` with each era year written as its Western year: 令和6年度 → 2024年度, R7年4月 → 2025年4月, "Reiwa 6" → 2024."""
    return _ERA_YEAR.sub(_western, text)
