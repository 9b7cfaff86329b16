"""Editions: whether a question names another edition of a document, or a fiscal year, than the passages report.

知的財産推進計画2023 asked of a text that says 2024 everywhere, 「2025年度の相談件数」 of a report with 2024年度's, "the
FY2026 call" of 令和7年度's: however close the passages, they are about something else. General properties of how
Japanese and English name editions and years; used as an answerability feature (service/reader.py).
"""

from __future__ import annotations

import re
import unicodedata

from core.text import western_years
from retriever.tokenize import EN_STOPWORDS

# An edition is a name directly followed by its number (知的財産推進計画2023, "Program 2025"), not a quantity (500万円,
# "50 trillion yen") nor a year after a function word ("in 2022").
_VERSIONED = re.compile(
    r"([一-龥ァ-ヴーA-Za-z]{2,})\s?(\d{2,4})(?![\d.,])(?!\s?(?:[%％万億兆千円件人名社年月日歳倍割点回個]|"
    r"(?:trillion|billion|million|thousand|yen|percent|people|companies|cases|times)\b))", re.I)


# A Japanese era year names a fiscal year's edition of a call or report (令和8年度の募集).
_ERA = re.compile(r"(令和|平成)\s?(\d{1,2}|元)\s?年")


def _editions(text: str) -> list[tuple[str, str]]:
    named = [(name, num) for name, num in _VERSIONED.findall(text)
             if not (name.isascii() and (name.lower() in EN_STOPWORDS or (len(name) < 3 and not name.isupper())))]
    return named + _ERA.findall(text)


# A fiscal year, in any of its spellings: 2025年度, 令和7年度 (as its Western year), FY2025, "fiscal (year) 2025".
_FISCAL = re.compile(r"(\d{4})\s?年度|\bFY\s?(\d{4})\b|\bfiscal (?:year )?(\d{4})\b", re.I)


def fiscal_years(text: str) -> set[int]:
    return {int(next(y for y in m if y)) for m in _FISCAL.findall(western_years(unicodedata.normalize("NFKC", text)))}


def version_mismatch(question: str, evidence: str) -> bool:
    """The question names an edition (知的財産推進計画2023, "Program 2025", a fiscal year: 2025年度の相談件数, "in
    FY2025") and the evidence has that name only with another number: a different edition of the document, or a
    year it does not report, however close the passages are."""
    q, ev = unicodedata.normalize("NFKC", question), unicodedata.normalize("NFKC", evidence)
    found = _editions(ev)
    for name, num in _editions(q):
        stem = name[-2:].lower()
        editions = {n for other, n in found if other[-2:].lower() == stem}
        if editions and num not in editions:
            return True
    asked, reported = fiscal_years(q), fiscal_years(ev)
    return bool(asked and reported and not asked & reported)
