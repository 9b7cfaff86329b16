"""Checks a reference-translation sidecar against its Japanese document.

Three kinds of issue:

* ``missing`` - a Japanese body sentence (one containing kana or kanji) has no sidecar line;
* ``number_mismatch`` - a line's Japanese and English do not state the same quantities (compared as a multiset);
* ``unknown_sentence`` - a sidecar line whose ``ja`` is not a body sentence of the document (stale or mistyped).

Quantities are compared as plain :class:`~decimal.Decimal` values, so ``約2兆円`` and ``about 2 trillion yen`` both
give ``2000000000000``, ``3～4割`` and ``30–40%`` both give ``30, 40``, and ``2024年6月4日`` and ``June 4, 2024`` both
give ``2024, 6, 4``. The rules, and what is deliberately ignored, are listed in ``docs/translation.md``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from core.text import canon, split_sentences, western_years
from ingest.loaders import is_pdf, load_document
from ingest.normalize import normalize
from ingest.sections import detect_sections
from ingest.translation import load_sidecar

IssueKind = Literal["missing", "number_mismatch", "unknown_sentence"]

_JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class TranslationIssue:
    kind: IssueKind
    ja: str
    en: str | None
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail} | ja={self.ja!r} | en={self.en!r}"


def has_japanese(text: str) -> bool:
    return bool(_JA_CHAR.search(text))


# --- shared pre-processing ---------------------------------------------------------------------------------------

# Digits inside addresses, versions and identifiers are not quantities a translation could get wrong, and an
# English rendering may legitimately spell them differently (e.g. "Ver1.0" vs "version 1.0"), so both sides drop them.
_URL = re.compile(r"<?(?:https?://|www\.)[^\s<>]+>?", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
_VERSION = re.compile(r"\b(?:ver(?:sion)?\.?\s*|v)\d+(?:\.\d+)*", re.IGNORECASE)
# A letter-first ASCII token holding a digit (G7, PF2, H2O): a name, not an amount. Digit-first tokens (5G, 2020s,
# 100km) keep their leading number because translations usually keep it as a number too.
_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9_]*\d[A-Za-z0-9_.]*")
# "FY2026" would otherwise be an identifier; it is the year 2026.
_FISCAL_YEAR = re.compile(r"\bFY\s?(?=\d)", re.IGNORECASE)


def _strip_non_quantities(text: str) -> str:
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _VERSION.sub(" ", text)
    text = _FISCAL_YEAR.sub("fiscal ", text)
    return _IDENTIFIER.sub(" ", text)


def _to_decimal(digits: str) -> Decimal:
    try:
        return Decimal(digits.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the patterns only admit well-formed numbers
        raise ValueError(f"not a number: {digits!r}") from exc


def _finish(values: list[Decimal]) -> list[Decimal]:
    # 1 is left out on both sides: English uses "one"/"a"/"first" as pronoun, article and idiom ("one of", "for the
    # first time") far more often than as a count, and a genuine 1 that changed would show up as the new number.
    return [v.normalize() for v in values if v != 1]


# --- Japanese ----------------------------------------------------------------------------------------------------

_KANJI_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_JA_BIG = {"兆": Decimal(10) ** 12, "億": Decimal(10) ** 8, "万": Decimal(10) ** 4}
_JA_SMALL = {"千": Decimal(1000), "百": Decimal(100)}
# Kanji numerals are only read before the counter つ (二つ, 四つ目): elsewhere they are mostly parts of words
# (一体, 唯一, 第三者) whose translations carry no number.
_JA_QUANTITY = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[一二三四五六七八九十](?=つ))"
    r"(?P<small>[千百])?(?P<big>[兆億万])?(?P<wari>割)?"
)
_RANGE_SEP = re.compile(r"\s*(?:[~〜～\-–—−]|to)\s*")


@dataclass
class _Term:
    start: int
    end: int
    value: Decimal
    scale: Decimal  # the multiplier that came with the number (兆, 割, "million"...); 1 when none
    big: Decimal  # the 兆/億/万 unit, for joining 1兆2000億 into one amount


def _join_terms(text: str, terms: list[_Term], compound: bool) -> list[Decimal]:
    out: list[_Term] = []
    for term in terms:
        prev = out[-1] if out else None
        if prev is not None and compound and prev.end == term.start and prev.big > term.big:
            # 1兆2000億円: one amount written in several places of its units.
            prev.value += term.value
            prev.end, prev.big = term.end, term.big
            continue
        if (
            prev is not None
            and prev.scale == 1
            and term.scale != 1
            and _RANGE_SEP.fullmatch(text[prev.end : term.start])
        ):
            # 3～4割 / 2-3 trillion: the unit written once applies to both ends of the range.
            prev.value *= term.scale
            prev.scale = term.scale
        out.append(term)
    return [t.value for t in out]


def extract_quantities_ja(text: str) -> list[Decimal]:
    """Quantities stated in a Japanese sentence, in order (see the module docstring)."""
    text = _strip_non_quantities(unicodedata.normalize("NFKC", text))
    text = western_years(text)  # an English rendering usually states era years as Western years
    terms: list[_Term] = []
    for m in _JA_QUANTITY.finditer(text):
        raw = m.group("num")
        value = Decimal(_KANJI_DIGIT[raw]) if raw in _KANJI_DIGIT else _to_decimal(raw)
        scale = Decimal(1)
        if m.group("small"):
            scale *= _JA_SMALL[m.group("small")]
        big = _JA_BIG[m.group("big")] if m.group("big") else Decimal(1)
        scale *= big
        if m.group("wari"):
            # 割 is tenths; the English side states percent.
            scale *= 10
        terms.append(_Term(m.start(), m.end(), value * scale, scale, big))
    return _finish(_join_terms(text, terms, compound=True))


# --- English -----------------------------------------------------------------------------------------------------

_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12,
}
_EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}
_EN_SCALE = {
    "trillion": Decimal(10) ** 12, "billion": Decimal(10) ** 9, "million": Decimal(10) ** 6,
    "thousand": Decimal(1000), "hundred": Decimal(100),
}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
         "november", "december"],
        1,
    )
}
_NUM_WORD = "|".join(sorted(_EN_WORDS, key=len, reverse=True))
_ORD_WORD = "|".join(sorted(_EN_ORDINALS, key=len, reverse=True))
_MONTH_WORD = "|".join(_MONTHS)
_SCALE_WORD = "|".join(_EN_SCALE)
_EN_QUANTITY = re.compile(
    # A month name counts only next to a number ("June 4", "March 2023", "4 June"), so "may" the verb does not.
    rf"(?P<month>\b(?:{_MONTH_WORD})\b(?=\s+\d)|(?<=\d\s)(?:{_MONTH_WORD})\b)"
    rf"|(?P<ordinal>\b(?:{_ORD_WORD})\b|(?<![\d.])\d+(?:st|nd|rd|th)\b)"
    r"|(?P<twice>\btwice\b)"
    rf"|(?P<fold>\b(?:{_NUM_WORD}|\d+)-?fold\b)"
    rf"|(?P<num>(?<![\d.,])(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)|\b(?:{_NUM_WORD})\b|\b(?:a|an|per)\b)"
    rf"(?P<scale>(?:[\s-]+(?:{_SCALE_WORD})\b)*)",
    re.IGNORECASE,
)
# "third party/parties" is 第三者, an idiom, not an ordinal.
_THIRD_PARTY = re.compile(r"\bthird[\s-]+part(?:y|ies)\b", re.IGNORECASE)


def _en_number(token: str) -> Decimal:
    token = token.lower()
    if token in _EN_WORDS:
        return Decimal(_EN_WORDS[token])
    if token in ("a", "an", "per"):
        return Decimal(1)
    return _to_decimal(token)


def extract_quantities_en(text: str) -> list[Decimal]:
    """Quantities stated in an English sentence, in order (see the module docstring)."""
    text = _strip_non_quantities(unicodedata.normalize("NFKC", text))
    text = _THIRD_PARTY.sub(" ", text)
    text = western_years(text)
    terms: list[_Term] = []
    for m in _EN_QUANTITY.finditer(text):
        one = Decimal(1)
        if m.group("month"):
            value = Decimal(_MONTHS[m.group("month").lower()])
            terms.append(_Term(m.start(), m.end(), value, one, one))
        elif m.group("ordinal"):
            word = m.group("ordinal").lower()
            value = Decimal(_EN_ORDINALS[word]) if word in _EN_ORDINALS else _to_decimal(re.sub(r"\D", "", word))
            terms.append(_Term(m.start(), m.end(), value, one, one))
        elif m.group("twice"):
            terms.append(_Term(m.start(), m.end(), Decimal(2), one, one))
        elif m.group("fold"):
            word = re.sub(r"-?fold$", "", m.group("fold"), flags=re.IGNORECASE)
            terms.append(_Term(m.start(), m.end(), _en_number(word), one, one))
        else:
            token = m.group("num")
            scales = re.findall(_SCALE_WORD, m.group("scale") or "", flags=re.IGNORECASE)
            if token.lower() in ("a", "an", "per") and not scales:
                continue  # an article, not "a million"
            scale = one
            for word in scales:
                scale *= _EN_SCALE[word.lower()]
            terms.append(_Term(m.start(), m.end(), _en_number(token) * scale, scale, one))
    return _finish(_join_terms(text, terms, compound=False))


# --- the check ---------------------------------------------------------------------------------------------------


def body_sentences(doc_text: str) -> list[str]:
    """The sentences of a normalized document that carry text, in order (headings are not body; see sections.py)."""
    return [
        doc_text[sp.start : sp.end]
        for section in detect_sections(doc_text)
        for sp in split_sentences(doc_text, section.start, section.end)
    ]


def _quantities_of_source(ja: str) -> list[Decimal]:
    # A source "sentence" with no Japanese in it (an English subtitle) is read with the English rules.
    return extract_quantities_ja(ja) if has_japanese(ja) else extract_quantities_en(ja)


def _fmt(values: Counter[Decimal]) -> str:
    return "[" + ", ".join(f"{v:f}" for v in sorted(values.elements())) + "]"


def compare_quantities(ja: str, en: str) -> str | None:
    """``None`` when both sides state the same quantities, else a human-readable difference."""
    want, got = Counter(_quantities_of_source(ja)), Counter(extract_quantities_en(en))
    if want == got:
        return None
    return f"Japanese states {_fmt(want)}, English states {_fmt(got)}"


def _sidecar_rows(sidecar: Path) -> list[tuple[str, str]]:
    load_sidecar(sidecar)  # raises ValueError naming the line for malformed input
    rows: list[tuple[str, str]] = []
    for line in sidecar.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append((row["ja"], row["en"].strip()))
    return rows


def check_translation(doc_text: str, sidecar: Path, sentences: list[str] | None = None) -> list[TranslationIssue]:
    """Issues of ``sidecar`` against the normalized ``doc_text`` (or ``sentences``, when given); ``[]`` is a pass.

    Raises ``ValueError`` for a malformed sidecar, like :func:`ingest.translation.load_sidecar`.
    """
    if sentences is None:
        sentences = body_sentences(doc_text)
    rows = _sidecar_rows(sidecar)
    table = {canon(ja): en for ja, en in rows}
    known = {canon(s) for s in sentences}
    issues: list[TranslationIssue] = []
    reported: set[str] = set()
    for sentence in sentences:
        key = canon(sentence)
        if key in reported or not has_japanese(sentence) or key in table:
            continue
        reported.add(key)
        issues.append(TranslationIssue("missing", sentence, None, "no sidecar line for this sentence"))
    for ja, en in rows:
        if canon(ja) not in known:
            issues.append(TranslationIssue("unknown_sentence", ja, en, "not a body sentence of the document"))
            continue
        diff = compare_quantities(ja, en)
        if diff is not None:
            issues.append(TranslationIssue("number_mismatch", ja, en, diff))
    return issues


def document_sentences(doc_path: Path) -> tuple[str, list[str]]:
    """The normalized text of a document file and its body sentences, loaded and split the way ingestion does it."""
    doc = load_document(doc_path)
    text = normalize(doc.page_content, pdf=is_pdf(doc)).text
    sentences = [
        text[sp.start : sp.end]
        for section in detect_sections(text, doc.metadata["title"])
        for sp in split_sentences(text, section.start, section.end)
    ]
    return text, sentences


def check_file(doc_path: Path, sidecar: Path) -> list[TranslationIssue]:
    """:func:`check_translation` for a document file."""
    text, sentences = document_sentences(doc_path)
    return check_translation(text, sidecar, sentences)
