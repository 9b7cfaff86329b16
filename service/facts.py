"""Checkable facts in a sentence: numbers (with 兆/億/万/割 and full-width digits understood), years and named terms.

The verifier and the evaluation use these to decide whether a sentence says something its cited passage does not.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_JA_UNITS = {"兆": Decimal(10) ** 12, "億": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(1000)}
_EN_UNITS = {"trillion": Decimal(10) ** 12, "billion": Decimal(10) ** 9, "million": Decimal(10) ** 6,
             "thousand": Decimal(1000)}
_EN_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}

_NUM = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(兆|億|万|千)?(割|%|パーセント)?")
_EN_NUM = re.compile(
    r"\b(\d+(?:,\d{3})*(?:\.\d+)?|" + "|".join(_EN_WORDS) + r")\b(?:\s*(trillion|billion|million|thousand))?(\s*%| percent)?",
    re.I,
)
_IGNORED = re.compile(r"https?://\S+|<[^>]+>|[\w.+-]+@[\w.-]+|ver\s*\d+(?:\.\d+)*|\[\d+\]", re.I)
_ASCII_TERM = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*(?![A-Za-z0-9])")  # IPAS, WIPO, G7, DX, AI
_KATAKANA = re.compile(r"[\u30a0-\u30ffー]{3,}")


def _dec(s: str) -> Decimal | None:
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:
        return None


def numbers_ja(text: str) -> set[Decimal]:
    """Numbers as values: 約2兆円 → 2e12, 3~4割 → {30, 40} (as percent), 2024年 → 2024."""
    t = _IGNORED.sub(" ", unicodedata.normalize("NFKC", text))
    out: set[Decimal] = set()
    for m in _NUM.finditer(t):
        v = _dec(m.group(1))
        if v is None:
            continue
        if m.group(2):
            v *= _JA_UNITS[m.group(2)]
        if m.group(3) == "割":
            v *= 10
        out.add(v.normalize())
    # 3~4割: the first number of a range takes the unit of the second.
    for m in re.finditer(r"(\d+)\s*[~〜-]\s*(\d+)\s*(割|兆|億|万)", t):
        a = Decimal(m.group(1))
        unit = m.group(3)
        out.discard(a.normalize())
        out.add((a * 10 if unit == "割" else a * _JA_UNITS[unit]).normalize())
    return out


def numbers_en(text: str) -> set[Decimal]:
    t = _IGNORED.sub(" ", unicodedata.normalize("NFKC", text))
    out: set[Decimal] = set()
    for m in _EN_NUM.finditer(t):
        word = m.group(1).lower()
        v = Decimal(_EN_WORDS[word]) if word in _EN_WORDS else _dec(word)
        if v is None:
            continue
        if word in _EN_WORDS and not m.group(2) and v <= 1:
            continue  # "one of the", "zero" in prose: not a figure
        if m.group(2):
            v *= _EN_UNITS[m.group(2).lower()]
        out.add(v.normalize())
    for name, month in _MONTHS.items():
        # Month names are capitalised; matching case-insensitively would read the verb "may" as May (5).
        if re.search(rf"\b{name.capitalize()}\b", t):
            out.add(Decimal(month))
    return out


# Cached: the reader and the verifier ask again and again about the same index sentences, for every question.
@lru_cache(maxsize=4096)
def numbers(text: str) -> frozenset[Decimal]:
    return frozenset(numbers_ja(text) | numbers_en(text))


# A condition the asker sets (「5000個作る場合の料金は」, 「10件出したら」, "if we print 20,000 copies"): its figures are
# the asker's case, which the documents' rules do not repeat, as the situation before a question is (asked_part).
_CONDITION = re.compile(r"[^、,。？?]*?(?:場合|とき|なら(?![なずぬ])|たら)|\bif\b.*?(?=,\s|[?？]|$)", re.I)


def asked_figures(question: str) -> frozenset[Decimal]:
    """The numbers a question names outside the conditions it sets: the ones the evidence must state."""
    return numbers(_CONDITION.sub(" ", unicodedata.normalize("NFKC", question)))


_EN_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-zA-Z]+(?:[ -][A-Z][a-zA-Z]+)*|[A-Z]{2,})\b")
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9]+(?![A-Za-z])")


def english_names(q: str) -> set[str]:
    """Capitalised English words not at the start and acronyms, lowercased: what the question writes as a name."""
    return {m.lower() for m in _EN_NAME.findall(q.strip())} | {m.lower() for m in _ACRONYM.findall(q)}


@lru_cache(maxsize=4096)
def named_terms(text: str) -> frozenset[str]:
    """Acronyms and long katakana words: the names a wrong answer would get wrong."""
    t = unicodedata.normalize("NFKC", text)
    return frozenset({m.upper() for m in _ASCII_TERM.findall(_IGNORED.sub(" ", t))} | set(_KATAKANA.findall(t)))


def unsupported_numbers(claim: str, evidence: str) -> frozenset[Decimal]:
    """Numbers in ``claim`` that the evidence does not state (either language's notation)."""
    return numbers(claim) - numbers(evidence)
