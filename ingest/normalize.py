"""Text normalization that keeps an exact map back to the loaded text.

Steps: NFKC, newline and whitespace cleanup, Markdown emphasis removal, and page-break repair (a sentence or word cut by
blank lines, e.g. 「アフ」/「ターコロナ」, is re-joined; a line ending in 。 or a heading is never joined).
``NormalizedText.src[i]`` is the offset in the loaded text of normalized character ``i``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

NORMALIZER_VERSION = "1"

_SENTENCE_END = set("。．！？!?")
# Lines that start with these are structure (headings, list items, figures), never the tail of a cut sentence.
_STRUCTURAL_START = re.compile(r"^(#|[-*+] |[・●◆■□▪︎○◎※>|]|\(?\d+[).]|\d+\s|第.{1,4}[章節]|図\d|表\d)")
_GAP = re.compile(r"\n(?:[ \t]*\n)*")


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
    if prev[-1] in _SENTENCE_END or _STRUCTURAL_START.match(prev) or _STRUCTURAL_START.match(nxt):
        return None
    if not (_is_japanese(prev[-1]) and _is_japanese(nxt[0])) or nxt[0] == "(":
        return None
    return ""


_SPACES = re.compile(r"[ \t\u00a0\u200b\ufeff]+")
_TRAILING = re.compile(r"[ \t]+(?=\n)|(?<=\n)[ \t]+")
_EMPHASIS = re.compile(r"\*\*|__")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalize(raw: str) -> NormalizedText:
    b = _nfkc(raw)
    b.sub(re.compile(r"\r\n?"), lambda m: "\n")
    b.sub(_EMPHASIS, lambda m: "")
    b.sub(_SPACES, lambda m: " " if m.group() != " " else None)
    b.sub(_TRAILING, lambda m: "")
    b.sub(_GAP, _page_break_join)
    b.sub(_MANY_NEWLINES, lambda m: "\n\n")
    text, src = b.text, b.src
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    return NormalizedText(text[lead:trail], src[lead:trail] + [src[trail]])


def canon(text: str) -> str:
    """Matching key for quotes: NFKC, no Markdown emphasis, no whitespace. Used wherever a quote is looked up."""
    return re.sub(r"\s+", "", _EMPHASIS.sub("", unicodedata.normalize("NFKC", text)))
