"""Words a user spells in kana (「じょせいきん」, 「もちだし」, 「がくせい」) found among an index's terms by their reading.

A question typed in a hurry often leaves a word in hiragana. The morphological analyzer then cuts it into pieces that
name nothing (じょせいきん → じょする + 息む), so neither the lexical channel nor the reader's coverage sees 助成金.
Every noun of the index's vocabulary is read once (Sudachi's reading, in katakana); the hiragana runs of a question
are then scanned for the longest readings they contain. Only nouns read with four kana or more are kept: shorter
readings meet by chance inside any hiragana (くらい → 位, どういう → 同意). A katakana noun is its own reading, so a
loanword typed in hiragana is found the same way (「せみなー」 → セミナー).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

MIN_READING = 4
_KANJI = re.compile(r"[\u3400-\u9fff]")
_KATAKANA_WORD = re.compile(r"[\u30a1-\u30f6ー]+")
_HIRAGANA_RUN = re.compile(rf"[\u3041-\u3096ー]{{{MIN_READING},}}")

# (reading in katakana, part of speech of the word's last morpheme: 名詞, 普通名詞, 副詞可能 …)
Reader = Callable[[str], tuple[str, tuple[str, ...]]]


def katakana(text: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in text)


class KanaIndex:
    """Reading → the index's nouns read so, for the nouns that can be recovered from kana."""

    def __init__(self, vocab: Iterable[str], read: Reader) -> None:
        self._terms: dict[str, set[str]] = {}
        for term in vocab:
            if not _KANJI.search(term) and not _KATAKANA_WORD.fullmatch(term):
                continue
            reading, pos = read(term)
            # A noun that is also an adverb (殆ど, 其々) is spelled in kana as a matter of course: it names nothing.
            if len(reading) < MIN_READING or not pos or pos[0] != "名詞" or "副詞可能" in pos[1:]:
                continue
            self._terms.setdefault(reading, set()).add(term)
        self._longest = max(map(len, self._terms), default=0)

    def recover(self, text: str) -> list[str]:
        """The index terms whose readings the hiragana of ``text`` spells, longest match first, in order."""
        out: list[str] = []
        if not self._terms:
            return out
        for run in _HIRAGANA_RUN.findall(unicodedata.normalize("NFKC", text)):
            spoken, i = katakana(run), 0
            while i <= len(spoken) - MIN_READING:
                for n in range(min(self._longest, len(spoken) - i), MIN_READING - 1, -1):
                    found = self._terms.get(spoken[i : i + n])
                    if found:
                        out += sorted(found)
                        i += n
                        break
                else:
                    i += 1
        return out


# 「なんけん」「なんにち」: an interrogative with its counter typed in hiragana asks what 何件, 何日 asks. The counter must
# end at a particle or at the end of the kana run, so 「なんかいい方法」 (something good) is not 何回.
_COUNTER_READINGS = {
    "けん": "件", "にん": "人", "めい": "名", "しゃ": "社", "こ": "個", "かい": "回", "まい": "枚", "さつ": "冊",
    "ほん": "本", "ぼん": "本", "ぽん": "本", "だい": "台", "しゅるい": "種類", "かこく": "か国", "ねんかん": "年間",
    "ねん": "年", "かげつ": "か月", "がつ": "月", "しゅうかん": "週間", "にちかん": "日間", "にち": "日",
    "じかん": "時間", "じ": "時", "ぷん": "分", "ふん": "分", "ようび": "曜日", "わり": "割", "えん": "円",
}
_SPELLED_WH = re.compile(
    r"なん(" + "|".join(sorted(_COUNTER_READINGS, key=len, reverse=True)) + r")"
    r"(?=まで|くらい|ぐらい|ほど|程度|も|か|で|の|を|が|は|に|と|って|[^\u3041-\u3096]|$)"
)


def spelled_interrogatives(text: str) -> str:
    """``text`` with its hiragana interrogative counters in kanji (「さいだいなんけんまで」 → 「さいだい何件まで」)."""
    return _SPELLED_WH.sub(lambda m: "何" + _COUNTER_READINGS[m.group(1)], text)
