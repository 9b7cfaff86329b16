"""English words → the Japanese words of an index that a bilingual dictionary glosses with them.

An English question over a passage with no reference translation has no words in common with it, so coverage, focus
and "what the passages never mention" were blind there and only embedding similarity was left. This is dictionary-based
query translation (the classic cross-language retrieval technique): each English stem of the question maps to the
index's Japanese terms whose JMdict glosses contain it (「締め切り」 ← deadline, 「上限」 ← upper, limit). The lexicon is
data (``retriever/data/ja_en_lexicon.tsv.gz``, built by ``bench/build_lexicon.py`` from JMdict, CC BY-SA 4.0);
nothing in it comes from a question set.
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

LEXICON_PATH = Path(__file__).parent / "data" / "ja_en_lexicon.tsv.gz"
KNOWN_STEMS = "#stems"  # the key of the file's first line: every English stem the dictionary knows
# A compound the dictionary lacks (海外展開規模) is glossed by its short-unit parts (海外, 展開, 規模).
_KANJI = re.compile(r"[\u3400-\u9fff]")


def read_lexicon(path: Path, wanted: set[str]) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    """The entries of ``wanted`` forms and the set of known stems. Only the wanted lines are split: the whole
    dictionary (383k forms) would cost seconds and ~150 MB per process; one index's vocabulary costs a fraction."""
    if not path.exists():
        return {}, frozenset()
    out: dict[str, tuple[str, ...]] = {}
    known: frozenset[str] = frozenset()
    # One read and one split in C, then a membership test per line: ~0.4 s, where iterating the gzip stream line by
    # line took 1.3 s.
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    for line in lines:
        form, _, stems = line.partition("\t")
        if form in wanted:
            out[form] = tuple(stems.split())
        elif form == KNOWN_STEMS:
            known = frozenset(stems.split(" "))
    return out, known


@lru_cache(maxsize=1)
def _short_unit_tokenizer() -> Callable[[str], list[str]]:
    from retriever.tokenize import SudachiTokenizer

    return SudachiTokenizer("A")


class CrossLexicon:
    """English stem → frozenset of the index's Japanese terms glossed with it, restricted to the index vocabulary
    (so a lookup is one dict access and the map stays the size of the index, not of the dictionary)."""

    def __init__(self, vocab: Iterable[str], path: Path = LEXICON_PATH) -> None:
        terms = set(vocab)
        split = _short_unit_tokenizer() if path.exists() else None
        parts: dict[str, list[str]] = {}
        for term in terms:
            if split is not None and len(term) >= 3 and _KANJI.search(term):
                parts[term] = [p for p in split(term) if p != term]  # the tokenizer serialises its own calls
        wanted = terms | {p for ps in parts.values() for p in ps}
        lex, self.known = read_lexicon(path, wanted)
        rev: dict[str, set[str]] = defaultdict(set)
        for term in terms:
            stems = lex.get(term)
            if stems is None:
                stems = tuple(s for p in parts.get(term, ()) for s in lex.get(p, ()))
            for s in stems:
                rev[s].add(term)
        self._rev = {s: frozenset(ts) for s, ts in rev.items()}

    def translations(self, stem: str) -> frozenset[str]:
        return self._rev.get(stem, frozenset())

    def knows(self, stem: str) -> bool:
        """Whether the dictionary glosses anything with ``stem``: one it knows that has no term in this index names
        something the index lacks; a word it does not know (a name, a typo) says nothing either way."""
        return stem in self.known
