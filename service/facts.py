"""Checkable facts in a sentence: numbers (with 兆/億/万/割 and full-width digits understood), years and named terms.

The verifier and the evaluation use these to decide whether a sentence says something its cited passage does not.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from core.text import western_years

_JA_UNITS = {"兆": Decimal(10) ** 12, "億": Decimal(10) ** 8, "万": Decimal(10) ** 4, "千": Decimal(1000)}
_EN_UNITS = {"trillion": Decimal(10) ** 12, "billion": Decimal(10) ** 9, "million": Decimal(10) ** 6,
             "thousand": Decimal(1000)}
_EN_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}

_NUMBER = r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(兆|億|万|千)?"  # a figure and its Japanese unit
_NUM = re.compile(_NUMBER + r"(割|%|パーセント)?")
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
    """Every figure ``text`` states; an era year also as its Western year (令和6年度 states 6 and 2024), since a question
    or an answer may write either."""
    found = numbers_ja(text) | numbers_en(text)
    t = unicodedata.normalize("NFKC", text)
    western = western_years(t)
    if western != t:
        found |= numbers_ja(western) | numbers_en(western)
    return frozenset(found)


# A condition the asker sets (「5000個作る場合の料金は」, 「10件出したら」, "if we print 20,000 copies"): its figures are
# the asker's case, which the documents' rules do not repeat, as the situation before a question is (asked_part).
_CONDITION = re.compile(r"[^、,。？?]*?(?:場合|とき|なら(?![なずぬ])|たら)|\bif\b.*?(?=,\s|[?？]|$)", re.I)


def asked_figures(question: str) -> frozenset[Decimal]:
    """The numbers a question names outside the conditions it sets: the ones the evidence must state."""
    return numbers(_CONDITION.sub(" ", unicodedata.normalize("NFKC", question)))


# A stated bound (「20人以下」, 「300万円未満」, "up to 20 employees", "50 or more"): the figures it admits. Bounds of
# time (「2030年まで」, 「5年以内」) are left out: a year the question names is the edition check's business.
_EN_SPAN = r"(?:years?|months?|days?)\b"
_BOUND_JA = re.compile(_NUMBER + r"\s*([^\d\s、。,()（）]{0,4}?)\s*(以下|以内|未満|まで|以上|超|を超え)")
_BOUND_EN = re.compile(r"\b(up to|at most|no more than|fewer than|less than|under|below|at least|more than|over|above)\s+"
                       + _NUMBER + rf"(?!\s*{_EN_SPAN})|" + _NUMBER + r"\s+(\w+\s+)?or (fewer|less|more)\b", re.I)
_BELOW = {"以下", "以内", "まで", "未満", "up to", "at most", "no more than", "fewer than", "less than", "under", "below",
          "fewer", "less"}
_STRICT = {"未満", "超", "を超え", "fewer than", "less than", "under", "below", "more than", "over", "above"}


def _value(digits: str, unit: str | None) -> Decimal:
    return Decimal(digits.replace(",", "")) * (_JA_UNITS[unit] if unit else 1)


def _bounds(text: str) -> list[tuple[Decimal, str]]:
    t = unicodedata.normalize("NFKC", text)
    out = [(_value(m.group(1), m.group(2)), m.group(4)) for m in _BOUND_JA.finditer(t) if not re.search(r"[年月日]", m.group(3))]
    for m in _BOUND_EN.finditer(t):
        if m.group(1):
            out.append((_value(m.group(2), m.group(3)), m.group(1).lower()))
        elif not re.match(_EN_SPAN, m.group(6) or ""):
            out.append((_value(m.group(4), m.group(5)), m.group(7).lower()))
    return out


def bounded(text: str, figures: set[Decimal], question: str = "") -> set[Decimal]:
    """Those of ``figures`` that a bound stated in ``text`` admits: 「従業員が20人以下の場合」 covers a question about
    15 employees, which the text never writes. A figure that is itself a bound in the ``question`` (「301人以上の企業」
    asks about a band the text must name) and a year (the 2016 survey) are checked as written."""
    own = {limit for limit, _ in _bounds(question)}
    eligible = {f for f in figures if f not in own and not (1900 <= f <= 2100 and f == f.to_integral_value())}
    out: set[Decimal] = set()
    for limit, word in _bounds(text):
        strict = word in _STRICT
        out |= {f for f in eligible if f == limit and not strict or (f < limit if word in _BELOW else f > limit)}
    return out


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
