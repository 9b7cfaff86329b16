"""Katakana readings → Hepburn romanization, normalized so that an English spelling of a Japanese name meets it.

An English question names places, organisations and people in romaji (Nagoya, Aoba Seiki, Kagamigako); a Japanese
document writes them in kanji or kana. Sudachi gives the reading (名古屋 → ナゴヤ), and both sides are brought to one
spelling: long vowels and the ei/ou digraphs are folded (Tōkyō, Tokyo, Toukyou → tokyo; Seiki → seki), since English
texts rarely mark them. Loanwords (オーストラリア) do not meet their English spelling this way, which is why
``names_unseen`` also looks each name up in the bilingual dictionary (retriever/lexicon.py).
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


def names_unseen(names: Iterable[str], translations: Callable[[str], frozenset[str]], raw: str, terms: frozenset[str],
                 romaji: str) -> float:
    """An English question over Japanese text: the share of its ``names`` (figures aside) that the evidence writes
    neither as is (``raw``), nor in romaji (``romaji``, the evidence's folded reading: Nagoya ← 名古屋), nor as a
    dictionary translation among its ``terms`` (Japan → 日本). Short words skip the reading, where they would
    match by chance."""
    kept = [n for n in names if not any(ch.isdigit() for ch in n)]
    low = raw.lower()

    def seen(word: str) -> bool:
        if word in low:
            return True
        spoken = fold(word)
        if len(spoken) >= 4 and spoken in romaji:
            return True
        stem = english_tokens(word)  # the dictionary last: most names are found as written or by their reading
        return bool(stem and translations(stem[0]) & terms)

    unseen = [n for n in kept if not all(seen(w) for w in re.split(r"[\s-]+", n.lower()) if w)]
    return len(unseen) / len(kept) if kept else 0.0
