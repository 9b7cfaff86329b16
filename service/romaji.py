"""Katakana readings → Hepburn romanization, normalized so that an English spelling of a Japanese name meets it.

An English question names places, organisations and people in romaji (Nagoya, Aoba Seiki, Kagamigako); a Japanese
document writes them in kanji or kana. Sudachi gives the reading (名古屋 → ナゴヤ), and both sides are brought to one
spelling: long vowels and the ei/ou digraphs are folded (Tōkyō, Tokyo, Toukyou → tokyo; Seiki → seki), since English
texts rarely mark them. Loanwords (オーストラリア) do not meet their English spelling this way, which is why
``names_unseen`` also compares consonant skeletons (Hague, ハーグ → hg) and looks each name up in the bilingual
dictionary (retriever/lexicon.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from retriever.tokenize import SudachiTokenizer, english_tokens, get_tokenizer

_ROWS = (
    ("アイウエオ", ("a", "i", "u", "e", "o")),
    ("カキクケコ", ("ka", "ki", "ku", "ke", "ko")),
    ("ガギグゲゴ", ("ga", "gi", "gu", "ge", "go")),
    ("サシスセソ", ("sa", "shi", "su", "se", "so")),
    ("ザジズゼゾ", ("za", "ji", "zu", "ze", "zo")),
    ("タチツテト", ("ta", "chi", "tsu", "te", "to")),
    ("ダヂヅデド", ("da", "ji", "zu", "de", "do")),
    ("ナニヌネノ", ("na", "ni", "nu", "ne", "no")),
    ("ハヒフヘホ", ("ha", "hi", "fu", "he", "ho")),
    ("バビブベボ", ("ba", "bi", "bu", "be", "bo")),
    ("パピプペポ", ("pa", "pi", "pu", "pe", "po")),
    ("マミムメモ", ("ma", "mi", "mu", "me", "mo")),
    ("ヤユヨ", ("ya", "yu", "yo")),
    ("ラリルレロ", ("ra", "ri", "ru", "re", "ro")),
    ("ワヲン", ("wa", "o", "n")),
    ("ァィゥェォヴ", ("a", "i", "u", "e", "o", "vu")),
)
_KANA = {k: r for kana, roman in _ROWS for k, r in zip(kana, roman, strict=True)}
_YOON = {"ャ": "a", "ュ": "u", "ョ": "o"}
_FOLD = ((re.compile(r"ou|oo"), "o"), (re.compile(r"uu"), "u"), (re.compile(r"ei"), "e"), (re.compile(r"aa"), "a"),
         (re.compile(r"ii"), "i"))


def fold(roman: str) -> str:
    """Lowercase ASCII letters only, long vowels folded (see the module docstring)."""
    ascii_ = unicodedata.normalize("NFKD", roman.lower()).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z]", "", ascii_)
    for pattern, repl in _FOLD:
        out = pattern.sub(repl, out)
    return out


@lru_cache(maxsize=50_000)
def romanize(katakana: str) -> str:
    """Hepburn romaji of a katakana reading (キョウト → kyoto after folding; ッ doubles the next consonant; ー and
    characters that are not katakana are dropped)."""
    text = unicodedata.normalize("NFKC", katakana)
    parts: list[str] = []
    double = False
    for ch in text:
        if ch == "ッ":
            double = True
            continue
        if ch in _YOON and parts:
            prev = parts.pop()
            # キ+ョ → kyo; シ+ョ → sho, チ+ョ → cho, ジ+ョ → jo (the i of shi/chi/ji is dropped, not replaced by y)
            stem = prev[:-1] if prev.endswith("i") else prev
            parts.append(stem + ("" if stem.endswith(("sh", "ch", "j")) else "y") + _YOON[ch])
            continue
        roman = _KANA.get(ch)
        if roman is None:
            continue
        if double:
            roman = ("t" if roman.startswith("ch") else roman[0]) + roman
            double = False
        parts.append(roman)
    return fold("".join(parts))


@lru_cache(maxsize=20_000)
def text_romaji(text: str) -> str:
    """The folded romanization of the Japanese runs of ``text``, concatenated (a passage, cached: the same passages
    come back question after question)."""
    tok = get_tokenizer("sudachi")
    assert isinstance(tok, SudachiTokenizer)
    return "".join(romanize(r) for r in tok.readings(text))


# English spelling → the consonants a katakana transcription keeps (ph → f, soft c → s, v → b, g and j alike). Vowels,
# l and r (kept or dropped unpredictably: ベルリン for Berlin, ポーター for Porter), w, y, an h inside a word and doubled
# letters are left out.
_LOAN_RULES = ((re.compile(r"ph"), "f"), (re.compile(r"th"), "s"), (re.compile(r"ck|qu?|c(?![eiyh])"), "k"),
               (re.compile(r"c(?=[eiy])"), "s"), (re.compile(r"x"), "ks"), (re.compile(r"ts"), "t"), (re.compile(r"sh"), "s"),
               (re.compile(r"dg|j"), "g"), (re.compile(r"z"), "s"), (re.compile(r"v"), "b"), (re.compile(r"[lrwyaeiou]"), ""),
               (re.compile(r"(?<=[^h])h"), ""), (re.compile(r"(.)\1+"), r"\1"))
_KATAKANA_WORD = re.compile(r"[ァ-ヴ][ァ-ヴー]+")


def loan_key(roman: str) -> str:
    """The consonant skeleton an English word and its katakana loan share (Hague, ハーグ → hg; Geneva, ジュネーブ → gnb):
    how a foreign name written in katakana is recognised, where the Hepburn reading (haagu) differs in its vowels."""
    out = re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", roman.lower()).encode("ascii", "ignore").decode())
    for pattern, repl in _LOAN_RULES:
        out = pattern.sub(repl, out)
    return out


def _loan_id(roman: str) -> str:
    # A two-consonant key alone matches unrelated words by chance (Madrid, モデル → md): short ones also need the same
    # opening syllable (Hague, ハーグ → ha).
    key = loan_key(roman)
    return key if len(key) >= 3 else f"{key}:{fold(roman)[:2]}" if len(key) == 2 else ""


def katakana_keys(text: str) -> frozenset[str]:
    """The loan keys of the katakana words in ``text`` (see ``_loan_id``)."""
    return frozenset(_loan_id(romanize(w)) for w in _KATAKANA_WORD.findall(text)) - {""}


def names_unseen(names: Iterable[str], translations: Callable[[str], frozenset[str]], raw: str, terms: frozenset[str],
                 romaji: str) -> float:
    """An English question over Japanese text: the share of its ``names`` (figures aside) that the evidence writes
    neither as is (``raw``), nor in romaji (``romaji``, the evidence's folded reading: Nagoya ← 名古屋), nor as a
    dictionary translation among its ``terms`` (Japan → 日本). Short words skip the reading, where they would
    match by chance."""
    kept = [n for n in names if not any(ch.isdigit() for ch in n)]
    low = raw.lower()
    loans = katakana_keys(raw) if kept else frozenset()

    def seen(word: str) -> bool:
        if word in low:
            return True
        spoken = fold(word)
        if len(spoken) >= 4 and spoken in romaji:
            return True
        if _loan_id(word) in loans:  # a foreign name in katakana (Hague → ハーグ)
            return True
        stem = english_tokens(word)  # the dictionary last: most names are found as written or by their reading
        return bool(stem and translations(stem[0]) & terms)

    unseen = [n for n in kept if not all(seen(w) for w in re.split(r"[\s-]+", n.lower()) if w)]
    return len(unseen) / len(kept) if kept else 0.0
