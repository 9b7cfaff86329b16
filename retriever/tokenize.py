"""Tokenizers for the lexical channel. Whitespace splitting and English stemmers see a Japanese sentence as one token,
so every tokenizer here cuts Japanese properly and keeps ASCII terms (IPAS, WIPO, 2024) as whole lowercase tokens."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[.\-'][a-z0-9]+)*")
_JA_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ー]+")
_SCRIPT_SPLIT = re.compile(r"([a-z0-9]+(?:[.\-'][a-z0-9]+)*|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ー]+)")

# Function words that would match every English query against English text; Japanese text has none of them.
EN_STOPWORDS = frozenset(
    "a an and are as at be by can could do does for from get got has have how i in into is it its me my of on or our "
    "so than that the their them there these they this to under was we what when where which who why will with "
    "would you your about any give tell".split()
)

Tokenizer = Callable[[str], list[str]]


def _prep(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _ascii_tokens(text: str) -> list[str]:
    return [w for w in _ASCII_WORD.findall(text) if w not in EN_STOPWORDS]


@lru_cache(maxsize=1)
def _snowball() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=100_000)
def _en_stem(word: str) -> str:
    """English stems (Snowball/Porter2): "selected" and "selection", "eligible" and "eligibility" meet, which a
    plural-only stemmer misses when a question and a dictionary gloss word the same idea differently."""
    return str(_snowball().stemWord(word))


def english_tokens(text: str) -> list[str]:
    return [_en_stem(w) for w in _ascii_tokens(_prep(text))]


def char_ngram_tokens(text: str, n: int = 2, with_unigrams: bool = False) -> list[str]:
    """Japanese runs → character n-grams (a run shorter than n is kept whole); ASCII words → whole tokens."""
    t = _prep(text)
    tokens = _ascii_tokens(t)
    for run in _JA_RUN.findall(t):
        if len(run) < n:
            tokens.append(run)
            continue
        tokens.extend(run[i : i + n] for i in range(len(run) - n + 1))
        if with_unigrams:
            tokens.extend(ch for ch in run if "\u3400" <= ch <= "\u9fff")
    return tokens


_CONTENT_SKIP_POS = ("助詞", "助動詞", "補助記号", "空白", "記号")


class _MorphTokenizer:
    """ASCII runs become whole words; Japanese runs go to a morphological analyzer, one call at a time (neither
    analyzer object is safe to share between threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def _japanese(self, run: str) -> list[str]:
        raise NotImplementedError

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for piece in _SCRIPT_SPLIT.findall(_prep(text)):
            if piece.isascii():
                out.extend(_ascii_tokens(piece))
                continue
            with self._lock:
                out.extend(self._japanese(piece))
        return out


class SudachiTokenizer(_MorphTokenizer):
    """SudachiPy (core dictionary) content words, dictionary-normalized (e.g. 取り組み → 取組)."""

    def __init__(self, mode: str = "C") -> None:
        from sudachipy import Dictionary, SplitMode

        super().__init__()
        self._mode = {"A": SplitMode.A, "B": SplitMode.B, "C": SplitMode.C}[mode]
        self._tok = Dictionary(dict="core").tokenizer(self._mode)

    def _japanese(self, run: str) -> list[str]:
        morphs = self._tok.tokenize(run)
        return [m.normalized_form() for m in morphs if m.part_of_speech()[0] not in _CONTENT_SKIP_POS]

    def analyze(self, text: str) -> list[tuple[str, str, str, str]]:
        """(normalized form, part of speech, sub-part, third level — e.g. 名詞/固有名詞/地名) of every morpheme of the
        Japanese runs; ASCII words come through as ("word", "ascii", "", "")."""
        out: list[tuple[str, str, str, str]] = []
        for piece in _SCRIPT_SPLIT.findall(_prep(text)):
            if piece.isascii():
                out.extend((w, "ascii", "", "") for w in _ASCII_WORD.findall(piece))
                continue
            with self._lock:
                out.extend((m.normalized_form(), *m.part_of_speech()[:3]) for m in self._tok.tokenize(piece))
        return out

    def readings(self, text: str) -> list[str]:
        """The katakana reading of each Japanese run of ``text`` (「名古屋市の窓口」 → ナゴヤシノマドグチ), for matching the
        romanized names of an English question (service/romaji.py)."""
        return [self.reading(piece)[0] for piece in _SCRIPT_SPLIT.findall(_prep(text)) if not piece.isascii()]

    def reading(self, word: str) -> tuple[str, tuple[str, ...]]:
        """The katakana reading of ``word`` and its last morpheme's part of speech (retriever/kana.py)."""
        with self._lock:
            morphs = list(self._tok.tokenize(word))
        pos = tuple(morphs[-1].part_of_speech()[:3]) if morphs else ()
        return "".join(m.reading_form() for m in morphs), pos

    def morphemes(self, text: str) -> list[tuple[str, str, str]]:
        return [(form, pos, sub) for form, pos, sub, _ in self.analyze(text)]

    def nouns(self, text: str) -> list[str]:
        """Nouns (dictionary-normalized) and ASCII words: the terms that name what a question is about. Verbs and
        adjectives of the question's frame (教える, 詳しい) are left out; pronouns (誰, 何) are interrogatives."""
        return [form for form, pos, sub, _ in self.analyze(text)
                if (pos == "ascii" and form not in EN_STOPWORDS) or (pos == "名詞" and sub != "数詞")]


class FugashiTokenizer(_MorphTokenizer):
    """MeCab via fugashi with unidic-lite; lemmas of content words."""

    def __init__(self) -> None:
        import fugashi

        super().__init__()
        self._tagger = fugashi.Tagger()

    def _japanese(self, run: str) -> list[str]:
        return [
            str(getattr(w.feature, "lemma", None) or w.surface).split("-")[0]
            for w in self._tagger(run)
            if w.feature.pos1 not in _CONTENT_SKIP_POS
        ]


TOKENIZERS = ("bigram", "uni+bigram", "trigram", "sudachi", "fugashi")


@lru_cache(maxsize=8)
def get_tokenizer(name: str) -> Tokenizer:
    if name == "bigram":
        return char_ngram_tokens
    if name == "uni+bigram":
        return lambda t: char_ngram_tokens(t, 2, with_unigrams=True)
    if name == "trigram":
        return lambda t: char_ngram_tokens(t, 3)
    if name == "sudachi":
        return SudachiTokenizer()
    if name == "fugashi":
        return FugashiTokenizer()
    raise ValueError(f"unknown tokenizer '{name}' (choose from {', '.join(TOKENIZERS)})")
