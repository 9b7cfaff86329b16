"""Term statistics of an index: document frequencies of Japanese content words and English reference-text words,
for IDF-weighted coverage (how much of what a question names does a sentence or passage mention)."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable

from retriever.kana import KanaIndex
from retriever.lexicon import CrossLexicon
from retriever.tokenize import SudachiTokenizer, get_tokenizer


class TermStats:
    def __init__(self, docs_ja: Iterable[Iterable[str]], docs_en: Iterable[Iterable[str]]) -> None:
        self.df_ja: Counter[str] = Counter()
        self.df_en: Counter[str] = Counter()
        self.n = 0
        for toks in docs_ja:
            self.n += 1
            self.df_ja.update(set(toks))
        for toks in docs_en:
            self.df_en.update(set(toks))
        # A term no passage contains gets the largest weight: it is what the question is about that the index lacks.
        self.max_idf = math.log((self.n + 1) / 0.5)
        self._cross: CrossLexicon | None = None
        self._kana: KanaIndex | None = None
        self._lock = threading.Lock()

    @property
    def cross(self) -> CrossLexicon:
        """English stems → this index's Japanese terms (retriever/lexicon.py); built on first use (0.3 s for the
        plan's index; a server does it while starting), since only English questions need it."""
        with self._lock:
            if self._cross is None:
                self._cross = CrossLexicon(self.df_ja)
            return self._cross

    @property
    def kana(self) -> KanaIndex:
        """Readings → this index's nouns, for words a question spells in kana (retriever/kana.py); built on first
        use (a few ms for the plan's vocabulary)."""
        with self._lock:
            if self._kana is None:
                tok = get_tokenizer("sudachi")
                assert isinstance(tok, SudachiTokenizer)
                self._kana = KanaIndex(self.df_ja, tok.reading)
            return self._kana

    def idf(self, term: str, lang: str = "ja") -> float:
        df = (self.df_en if lang == "en" else self.df_ja).get(term, 0)
        return max(0.05, math.log((self.n + 1) / (df + 0.5)))

    def coverage(self, q_terms: Iterable[str], found: set[str], lang: str = "ja") -> float:
        """IDF-weighted share of ``q_terms`` present in ``found`` (0 when the question has no terms)."""
        terms = set(q_terms)
        total = sum(self.idf(t, lang) for t in terms)
        if total <= 0:
            return 0.0
        return sum(self.idf(t, lang) for t in terms if t in found) / total
