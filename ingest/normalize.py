"""Text normalization that keeps an exact map back to the loaded text.

Steps: NFKC, newline and whitespace cleanup, Markdown emphasis removal, for text extracted from a PDF the removal of
the spaces the extraction puts between Japanese and ASCII (「2025 年 5 月」 → 「2025年5月」), and page-break repair (a
sentence or word cut by blank lines, e.g. 「アフ」/「ターコロナ」, is re-joined; a line ending in 。 or a heading is never
joined). ``NormalizedText.src[i]`` is the offset in the loaded text of normalized character ``i``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from core.text import EMPHASIS as _EMPHASIS
from ingest.sections import heading_level, plain_heading

# The version of the whole text path, loaders included: the manifest keeps one for all formats, and a document is
# re-read when it changes. 2: PDF text loses the spaces between Japanese and ASCII; 3: HTML list items keep their
# mark, inline tags add no spaces; 4: ordered HTML items are not read as headings; 5: nor a run of numbered or
# bulleted plain lines (.txt, PDF) with no body between them (ingest/sections.py); 6: a list number at a line start
# before a capital letter (「2. AOBA-IPナビに…」) no longer ends a sentence (core/text.py); 7: nor does a full stop
# inside brackets (「（消費税を除く。）」); 8: a Markdown title heading that differs from the loaded title only in
# width (「（2025年）」 vs 「(2025年)」) leaves the section paths (ingest/sections.py); 9: an article of a rule book
# under its caption (「（目的）」 then 「第1条 …」) is a section; 10: a table row is one sentence, whatever full stops
# its cells hold (core/text.py); 11: an English passage is its own English text (ingest/translation.own_english);
# 12: a line wrapped at a fixed width into a figure (「上限は」 / 「20万円です。」) or within English prose is joined;
# 13: nor is a line that opens a numbered unit (「第2回 …」) joined to the record before it.
NORMALIZER_VERSION = "13"

_SENTENCE_END = set("。．！？!?")
# Lines that start with these are structure (headings, list items, figures), never the tail of a cut sentence.
_STRUCTURAL_START = re.compile(r"^(#|[-*+] |[・●◆■□▪︎○◎※>|]|\(?\d+[).]|\d+\s|第.{1,4}[章節]|図\d|表\d)")
_GAP = re.compile(r"\n(?:[ \t]*\n)*")
# A line that opens a numbered unit (「第2回 令和7年10月8日…」, 「第3条 …」) starts a new record, though the line
# before it, a record of its own, does not end in 。; a unit's own first line may still run on into the next.
_UNIT_START = re.compile(r"^第\s*[\d一二三四五六七八九十]{1,3}\s*[条回項号]")


def _is_japanese(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # kana
        or 0x3400 <= o <= 0x9FFF  # CJK ideographs
        or 0xF900 <= o <= 0xFAFF
        or ch in "々〆ー・、「」『』()"
    )


@dataclass(frozen=True)
class NormalizedText:
    text: str
    src: list[int]  # len(text) + 1; the last entry is the loaded text's length

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return self.src[start], self.src[end]


class _Builder:
    """Regex substitutions that carry the offset map along."""

    def __init__(self, text: str, src: list[int]) -> None:
        self.text, self.src = text, src

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]) -> None:
        parts: list[str] = []
        src: list[int] = []
        pos = 0
        for m in pattern.finditer(self.text):
            new = repl(m)
            if new is None:
                continue
            parts.append(self.text[pos : m.start()])
            src.extend(self.src[pos : m.start()])
            parts.append(new)
            # Replacement characters all map to where the match began.
            src.extend([self.src[m.start()]] * len(new))
            pos = m.end()
        parts.append(self.text[pos:])
        src.extend(self.src[pos:])
        self.text = "".join(parts)
        self.src = src


def _nfkc(raw: str) -> _Builder:
    if raw.isascii():
        return _Builder(raw, list(range(len(raw) + 1)))
    parts: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(raw):
        n = ch if ch.isascii() else unicodedata.normalize("NFKC", ch)
        parts.append(n)
        src.extend([i] * len(n))
    src.append(len(raw))
    return _Builder("".join(parts), src)


def _line_before(text: str, pos: int) -> str:
    return text[text.rfind("\n", 0, pos) + 1 : pos]


def _line_after(text: str, pos: int) -> str:
    end = text.find("\n", pos)
    return text[pos : end if end >= 0 else len(text)]


def _page_break_join(m: re.Match[str]) -> str | None:
    """Join when the line before is running prose cut mid-sentence and the line after continues it."""
    text = m.string
    prev, nxt = _line_before(text, m.start()), _line_after(text, m.end())
    if not prev or not nxt or len(prev) < 20:
        return None
    if prev[-1] in _SENTENCE_END or _STRUCTURAL_START.match(prev) or _STRUCTURAL_START.match(nxt) or _UNIT_START.match(nxt):
        return None
    if _is_japanese(prev[-1]) and _is_japanese(nxt[0]) and nxt[0] != "(":
        return ""
    # Text wrapped at a fixed width (a .txt or .md file) within one paragraph: a Japanese line that runs on into a
    # figure (「…上限は」 / 「20万円です。」), and English prose that continues in lower case ("with 300 or fewer" /
    # "employees can apply"), which is joined with a space.
    if m.group() == "\n" and _is_japanese(prev[-1]) and nxt[0].isdigit():
        return ""
    if m.group() == "\n" and (prev[-1].islower() or prev[-1] in ",;") and nxt[0].islower() and prev[-1].isascii():
        return " "
    return None


# PDF text extraction (pypdf) writes a space wherever the font changes, and Japanese text set in a Latin-first font
# stack switches fonts at every run of digits or Latin letters: 「知的財産推進計画 2025 の概要」, 「プログラム (IPAS) を」,
# 「約 30% の企業」, 「AI ・ IoT」. Between two Japanese characters (also across bold, size or Mincho/Gothic changes) it
# writes none, so only Japanese|ASCII boundaries are repaired. Japanese here: CJK punctuation 、。「」〜, kana (with ・ ー),
# ideographs, full-width forms; ASCII: letters, digits and the ( ) % that NFKC makes of （ ） ％.
_CJK = "\u3001-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uffef"
_ASCII_WORD = "0-9A-Za-z%()"
_PDF_CJK_ASCII_GAP = re.compile(f"(?<=[{_CJK}]) +(?=[{_ASCII_WORD}])|(?<=[{_ASCII_WORD}]) +(?=[{_CJK}])")
_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)*")


def _pdf_gap(m: re.Match[str]) -> str | None:
    """Drop the space, except after the number of a numbered heading (「1 はじめに」, 「3.2 概要」): section detection
    needs it there. 「2025 年…」 or a wrapped 「120 社に達した。」 at a line start are not headings and lose it."""
    text = m.string
    line_start = text.rfind("\n", 0, m.start()) + 1
    if _SECTION_NUMBER.fullmatch(text, line_start, m.start()):
        line = _line_after(text, line_start).strip()
        if plain_heading(line) and heading_level(line, None, True) is not None:
            return None
    return ""


_SPACES = re.compile(r"[ \t\u00a0\u200b\ufeff]+")
_TRAILING = re.compile(r"[ \t]+(?=\n)|(?<=\n)[ \t]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalize(raw: str, *, pdf: bool = False) -> NormalizedText:
    """``pdf``: the text was extracted from a PDF (``Document.metadata["format"] == "pdf"``); also removes the spaces
    between Japanese and ASCII that extraction inserts. Never for Markdown, text or HTML, whose spaces are the author's."""
    b = _nfkc(raw)
    b.sub(re.compile(r"\r\n?"), lambda m: "\n")
    b.sub(_EMPHASIS, lambda m: "")
    b.sub(_SPACES, lambda m: " " if m.group() != " " else None)
    b.sub(_TRAILING, lambda m: "")
    if pdf:
        b.sub(_PDF_CJK_ASCII_GAP, _pdf_gap)
    b.sub(_GAP, _page_break_join)
    b.sub(_MANY_NEWLINES, lambda m: "\n\n")
    text, src = b.text, b.src
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    return NormalizedText(text[lead:trail], src[lead:trail] + [src[trail]])
