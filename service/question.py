"""What a question asks and names, and the term sets of the evidence it is compared with: focus nouns, proper
names, editions, answer types over proper nouns, IDF-weighted coverage. General properties of Japanese and English
questions (interrogatives, particles, parts of speech), not word lists of any question set; used as reader features
(service/reader.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.text import split_sentences
from retriever.kana import spelled_interrogatives
from retriever.terms import TermStats
from retriever.tokenize import EN_STOPWORDS, SudachiTokenizer, char_ngram_tokens, english_tokens, get_tokenizer
from service.answer_types import ELIGIBILITY, INTERROGATIVE, expected_types, states_any
from service.facts import asked_figures, english_names, named_terms, numbers

_ASCII = re.compile(r"[A-Za-z0-9]+")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")

# English function words and question frame words: general English, kept out of "what the question names".
_EN_FRAME = frozenset(
    "am been being did doing done had having here just many more most much no nor not now off once only other own "
    "same should some such too very whats what's whos who's hows how's wheres where's whens when's please exactly "
    "mention mentioned mentions say says said state stated states describe described document article plan text "
    "know want need like tell explain show find also there's theres does did is are was were be pls plz thanks "
    "thank go get make".split()
)
# Closed classes a dictionary glosses but no passage words (modals, subordinators, pronouns, contractions): left out of
# the question's English terms, as the frame words are; compared as stems, as those terms are ("many" is "mani").
_EN_CLOSED = frozenset(english_tokens(" ".join(_EN_FRAME) + (
    " must may might shall if whether unless although though because while each every either neither both even ever "
    "never yet us he him his she her i'm im i'd i've we're we've we'd they're you're it's that's don't doesn't didn't "
    "isn't aren't wasn't haven't hasn't can't cannot won't wouldn't shouldn't couldn't")))
_JA_WH = frozenset("何 誰 どこ いつ どれ どちら 幾ら 幾つ どの どんな どのような どう なぜ 如何 どういう 何故".split())
_EN_WH = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how(?: many| much| long| often)?)\b", re.I)
_JA_DEGREE = frozenset("くらい ぐらい 位 程度 程 の".split())
_EN_LEAD_IN = re.compile(r"^\s*(?:(?:is|are|was|were|do|does|did|will|would|can|could|should|has|have|be|the|a|an|"
                         r"kind of|kinds of|type of|types of|exactly|specific|specifically)\s+)*")
# "List them", "Please summarize …": the request for a list names nothing the passages must (list → 一覧).
_EN_REQUEST = re.compile(r"(?:^|[.?!;:,]\s*)(?:please\s+|(?:can|could) you\s+)?(?:list|enumerate|summari[sz]e|outline)\b", re.I)
_EN_STOP_AFTER = re.compile(r"\b(of|for|in|on|at|to|by|with|from|about|does|do|did|is|are|was|were|will|can|should|"
                            r"be|has|have|that|which|who)\b")

# General cues of a request for an enumeration or a summary, in either language.
_LIST_ASK = re.compile(
    r"すべて|全て|全部|挙げ|列挙|一覧|主な|主要な|どんな.{0,12}(?:が|は)(?:あ|何)|どのような.{0,12}(?:が|は)あ|"
    r"何が(?:ある|あり|含まれ)|それぞれ|(?<!取り)(?<!とり)まとめて|要約|概要|いくつか|順番に|順を追って|手順(?:を|は)|流れ(?:を|は)|"
    r"\blist\b|\ball (?:the|of the)\b|\bwhat are (?:the|its|their)\b|\bwhich .{0,20}\bare (?:there|planned|listed)\b|"
    r"\bsummar(?:y|ize|ise)\b|\boverview\b|\bstep[- ]by[- ]step\b|\bin order\b(?!\s+(?:to|for|that)\b)|"
    r"\bmain (?:measures|points|policies|pillars|items)\b|\b(?:what|which) (?:kinds?|types?|sorts?) of\b|\bbreak(?:down| down)\b|"
    # "Which expenses are…", "What support programs does…": a plural asked for is several things; a number counts
    # them after a determiner ("the three pillars"), while "for 3 yrs" is a length of time.
    r"\b(?:what|which)\s+(?:(?!of\b)[a-z-]+\s+){0,2}[a-z]{2,}(?<![su])s\s+(?:are|were|do|does|did|have|has|can|could|must|"
    r"should|will|would|count|qualify|apply)\b|"
    r"\b(?:the|what|which|its|their|these|those|all)\s+(?:two|three|four|five|six|seven|\d+) (?:main |key |basic )?[a-z]+s\b|"
    r"(?:\d+|[二三四五六七八九十])\s*(?:つ|項目|点|本柱|分野)の",
    re.I,
)


def interrogative_word(term: str) -> bool:
    """幾ら, 誰, 何人, 何件…: Sudachi tags them as nouns, but a passage answers them without ever using them, so they
    are not terms the evidence should mention (every 「いくらですか」 looked like a question about something unseen)."""
    return term in _JA_WH or term.startswith("何")


def asks_for_list(question: str) -> bool:
    q = unicodedata.normalize("NFKC", question)
    return bool(_LIST_ASK.search(q) or ELIGIBILITY.search(q))


def focus_terms(question: str) -> set[str]:
    """The nouns a question asks *about the value of*: those right before its interrogative (「受講料はいくら」 →
    受講料, 「締切はいつ」 → 締め切り), or right after the English wh-phrase ("what is the application fee for" →
    application, fee); for a keyword query or a question without an interrogative, its last nouns."""
    tok = get_tokenizer("sudachi")
    assert isinstance(tok, SudachiTokenizer)
    morphs = tok.morphemes(question)
    if any(pos != "ascii" for _, pos, _ in morphs):
        wh = next((i for i, (form, pos, sub) in enumerate(morphs)
                   if form in _JA_WH or (form.startswith("何") and pos == "名詞")), len(morphs))
        # 「どのくらいの予算」「どんな支援」: a degree or adnominal interrogative asks about the nouns after it.
        following: list[str] = []
        for form, pos, _sub in morphs[wh + 1 :]:
            if pos == "助詞" or form in _JA_DEGREE:
                continue
            if pos != "名詞":
                break
            following.append(form)
        nxt = morphs[wh + 1][0] if wh + 1 < len(morphs) else ""
        adnominal = wh < len(morphs) and (morphs[wh][1] == "連体詞" or nxt in _JA_DEGREE)
        if adnominal and following:
            return set(following[:2])
        nouns = [form for form, pos, sub in morphs[:wh] if (pos == "名詞" and sub != "数詞")
                 or (pos == "ascii" and form not in EN_STOPWORDS)]
        out = {t for t in nouns[-2:] if t.lower() not in _EN_FRAME}
        if out:
            return out
    words = re.findall(r"[a-z0-9][a-z0-9'\-]*", unicodedata.normalize("NFKC", question).lower())
    m = _EN_WH.search(question.lower())
    tail = _EN_LEAD_IN.sub("", question.lower()[m.end():]) if m else ""
    cut = _EN_STOP_AFTER.search(tail) if tail else None
    phrase = re.findall(r"[a-z0-9][a-z0-9'\-]*", tail[: cut.start()] if cut else tail)
    picked = [w for w in phrase if w not in EN_STOPWORDS and w not in _EN_FRAME][-2:]
    return set(picked or [w for w in words if w not in EN_STOPWORDS and w not in _EN_FRAME][-2:])


_QUESTION_MARK = re.compile(r"[?？]\s*$")


def asked_part(question: str) -> str:
    """The sentences that ask, without the asker's situation before them: in 「社員12人のスタートアップを経営しています。
    まずどれから取り組めばよいですか？」 or "I run a 15-person startup. How many consultations can we get?", 12人 and 15
    describe the asker, not something the documents must mention."""
    spans = split_sentences(question)
    texts = [question[sp.start : sp.end] for sp in spans]
    first = next((i for i, t in enumerate(texts) if _QUESTION_MARK.search(t) or INTERROGATIVE.search(t)),
                 len(texts) - 1)
    return " ".join(texts[max(first, 0) :]) or question


def question_names(question: str) -> set[str]:
    """Proper nouns and figures the question names (Sudachi 固有名詞, capitalised English words not at the start,
    acronyms, numbers of two digits or more). Evidence that never mentions one of them is about something else."""
    tok = get_tokenizer("sudachi")
    assert isinstance(tok, SudachiTokenizer)
    q = unicodedata.normalize("NFKC", question)
    names = {form for form, pos, sub in tok.morphemes(q) if pos == "名詞" and sub == "固有名詞"}
    names |= english_names(q)
    names |= {str(n) for n in asked_figures(q) if n >= 10}
    return {n for n in names if n.lower() not in _EN_FRAME and n.lower() not in EN_STOPWORDS}


@lru_cache(maxsize=200_000)
def ja_set(text: str) -> frozenset[str]:
    """Content words (Sudachi, dictionary-normalized; they hold every noun, so one pass) and lowercased ASCII words of
    ``text``; cached, since the same corpus sentences come back question after question."""
    tok = get_tokenizer("sudachi")
    assert isinstance(tok, SudachiTokenizer)
    return frozenset(tok(text)) | frozenset(w.lower() for w in _ASCII.findall(text))


@lru_cache(maxsize=200_000)
def proper_kinds(text: str) -> frozenset[str]:
    """Kinds of proper noun in ``text`` (Sudachi's 人名 / 地名 / 一般): a named person, place or organisation."""
    tok = get_tokenizer("sudachi")
    assert isinstance(tok, SudachiTokenizer)
    return frozenset(sub2 for _, pos, sub, sub2 in tok.analyze(text) if pos == "名詞" and sub == "固有名詞")


# Which proper-noun kinds state a fact of an answer type, beyond the patterns of service/answer_types.py.
_PROPER_STATES = {"place": {"地名"}, "who": {"人名", "一般"}, "person": {"人名"}}


def states_type(text: str, kinds: set[str]) -> bool:
    """Whether ``text`` states a fact of one of the asked ``kinds`` (patterns, or a named person/place/organisation)."""
    if not kinds or states_any(text, kinds):
        return bool(kinds)
    wanted = set().union(*(_PROPER_STATES.get(k, set()) for k in kinds))
    return bool(wanted and wanted & proper_kinds(text))


@lru_cache(maxsize=200_000)
def en_set(text: str) -> frozenset[str]:
    return frozenset(english_tokens(text))


@lru_cache(maxsize=200_000)
def bigram_set(text: str) -> frozenset[str]:
    return frozenset(char_ngram_tokens(text))


@dataclass(frozen=True)
class Evidence:
    """The term sets of a piece of evidence (a sentence, its context, a passage) in both languages."""

    ja: frozenset[str]
    en: frozenset[str]
    raw: str

    @classmethod
    def of(cls, ja_parts: Sequence[str], en_parts: Sequence[str | None] = ()) -> Evidence:
        ja: frozenset[str] = frozenset().union(*(ja_set(t) for t in ja_parts if t))
        en: frozenset[str] = frozenset().union(*(en_set(t) for t in en_parts if t))
        return cls(ja, en, "\n".join(t for t in ja_parts if t))

    def mentions(self, term: str) -> bool:
        """A term among the words, or a Japanese term written inside a compound of the text (「ウェブ」 in 「ウェブサイト」)."""
        return term in self.ja or (not term.isascii() and term in self.raw)


class QuestionTerms:
    """What a question names, in the forms the index's term statistics count."""

    def __init__(self, question: str, stats: TermStats) -> None:
        tok = get_tokenizer("sudachi")
        assert isinstance(tok, SudachiTokenizer)
        question = spelled_interrogatives(question)  # 「なんけん」 is 何件, not など + a name けん
        # Words spelled in kana (「じょせいきん」) are the index's nouns they read as (retriever/kana.py).
        spelled = set(stats.kana.recover(question))
        self.ja = {t for t in tok(question) if t not in _EN_FRAME and not interrogative_word(t)} | spelled
        self.nouns = {t for t in tok.nouns(question) if t not in _EN_FRAME and not interrogative_word(t)} | spelled
        # A closed-class word is no term unless written as a name: "May" the month and "US" the country.
        named = set(english_tokens(" ".join(english_names(unicodedata.normalize("NFKC", question)))))
        self.en = {t for t in english_tokens(_EN_REQUEST.sub(" ", question)) if t not in _EN_CLOSED or t in named}
        self.focus = focus_terms(question)
        self.facts = {str(n) for n in numbers(question)} | {t.upper() for t in named_terms(question)}
        asked = asked_part(question)
        self.figures = {n for n in asked_figures(asked) if n >= 10}
        self.bigrams = set(char_ngram_tokens(question))
        self.question = question
        self.types = expected_types(question)
        self.names = question_names(asked)
        self.asks_list = asks_for_list(question)
        self.stats = stats
        # An English question against Japanese text without a reference translation: its stems' dictionary
        # translations among the index's terms (retriever/lexicon.py). Built lazily: most evidence has English.
        self._cross: dict[str, tuple[frozenset[str], float]] | None = None
        self.english_only = bool(self.en) and not _JAPANESE.search(question)

    def cross_terms(self) -> dict[str, tuple[frozenset[str], float]]:
        """English stem → (the Japanese terms that translate it, with the stem itself where the Japanese text uses it
        as is: IPAS, AI; its weight). The weight is the IDF of the most common translation (how rare a passage
        mentioning the concept is); a stem the dictionary knows but this index never uses gets the largest weight,
        as an unseen Japanese term does; a stem it does not know (a name, a typo) counts only where it appears as is."""
        if self._cross is None:
            self._cross = self._translate() if self.english_only else {}
        return self._cross

    def _translate(self) -> dict[str, tuple[frozenset[str], float]]:
        out: dict[str, tuple[frozenset[str], float]] = {}
        cross = self.stats.cross
        # Japanese text keeps ASCII words unstemmed (IPAS): the question's own spellings of each stem, too.
        spelled: dict[str, set[str]] = {}
        for word in _ASCII.findall(unicodedata.normalize("NFKC", self.question).lower()):
            for stem in english_tokens(word):
                spelled.setdefault(stem, set()).update({word, stem})
        for stem in self.en:
            forms = cross.translations(stem) | {w for w in spelled.get(stem, {stem}) if w in self.stats.df_ja}
            if forms:
                out[stem] = (frozenset(forms), min(self.stats.idf(f, "ja") for f in forms))
            elif cross.knows(stem):
                out[stem] = (frozenset(), self.stats.max_idf)
        return out

    def cross_coverage(self, ev: Evidence) -> float:
        """IDF-weighted share of the English question's translatable stems whose translations ``ev`` mentions."""
        terms = self.cross_terms()
        total = sum(w for _, w in terms.values())
        if total <= 0:
            return 0.0
        return sum(w for forms, w in terms.values() if forms & ev.ja) / total

    def coverage(self, ev: Evidence) -> float:
        cov = self.stats.coverage(self.ja, {t for t in self.ja if ev.mentions(t)}, "ja")
        if ev.en:
            cov = max(cov, self.stats.coverage(self.en, set(ev.en), "en"))
        elif self.english_only and ev.ja:
            cov = max(cov, self.cross_coverage(ev))
        return cov

    def _found(self, term: str, ev: Evidence) -> bool:
        if ev.mentions(term):
            return True
        stem = english_tokens(term)
        if not stem:
            return False
        if stem[0] in ev.en:
            return True
        forms = self.cross_terms().get(stem[0]) if self.english_only and not ev.en else None
        return bool(forms and forms[0] & ev.ja)

    def focus_found(self, ev: Evidence) -> float:
        """Share of the focus terms present in the evidence (1 when the question has none)."""
        if not self.focus:
            return 1.0
        return sum(self._found(t, ev) for t in self.focus) / len(self.focus)

    def names_missing(self, ev: Evidence, figures: set[str]) -> float:
        """Share of the question's names absent from the evidence (0 when it names none)."""
        if not self.names:
            return 0.0
        low = ev.raw.lower()
        missing = [n for n in self.names if not (n in figures or self._found(n, ev) or n.lower() in low
                                                 or any(w in ev.en for w in english_tokens(n)))]
        return len(missing) / len(self.names)

    def unmatched(self, ev: Evidence) -> tuple[float, float]:
        """IDF-weighted share of the question's nouns found nowhere in the evidence, and the largest IDF among them
        relative to the largest possible (a rare name the passages never mention weighs most)."""
        idf = {t: self.stats.idf(t, "ja") for t in self.nouns}
        total = sum(idf.values())
        missing = [w for t, w in idf.items() if not self._found(t, ev)]
        if total <= 0:
            return 0.0, 0.0
        return sum(missing) / total, (max(missing) / self.stats.max_idf if missing else 0.0)
