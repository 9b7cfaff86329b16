"""Metric functions: small, pure, and written for mixed Japanese/English text.

Generic RAG metric code tokenizes with ``str.split`` or an ASCII regex, so a Japanese sentence becomes one token or
none at all. Everything here keeps every non-ASCII character: Japanese runs are cut into characters (F1) or
Sudachi morphemes (ROUGE-L), ASCII runs into words. Definitions are in docs/evaluation.md.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from core.contracts import Citation
from core.text import canon, detect_lang
from retriever.tokenize import get_tokenizer
from service.facts import named_terms, numbers
from service.verifier import Similarity, parse_claims, supports

_MARKER = re.compile(r"\[(\d+)\]")
_URL = re.compile(r"<?https?://[^\s>]+>?")
# Names and section titles an English answer may legitimately give in Japanese are in double quotes; 「」 is how the
# service quotes the Japanese source itself, which an English reader cannot read, so that stays counted.
_NAME_QUOTE = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”")
_JA = "\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ー"
_WORD_CHAR = rf"(?:(?![{_JA}])[^\W_])"
# One piece per Japanese run (kana/kanji), or per word of any other script ("ipas", "2024", "3.5", "café").
_PIECE = re.compile(rf"[{_JA}]+|{_WORD_CHAR}+(?:[.\-']{_WORD_CHAR}+)*")


def _is_ja(ch: str) -> bool:
    return bool(re.match(f"[{_JA}]", ch))


# --- text preparation ----------------------------------------------------------------------------------------------
def strip_markers(text: str) -> str:
    """Answer text without its ``[n]`` citation markers."""
    return _MARKER.sub("", text)


def _prep(text: str) -> str:
    return unicodedata.normalize("NFKC", strip_markers(text)).lower()


def mixed_tokens(text: str) -> list[str]:
    """Character-level units: every kana/kanji is one token; words of other scripts are one token each.

    Punctuation, symbols and whitespace are dropped; nothing else is. (The usual CJK "mixed segmentation": scoring
    English letter by letter would make any two English sentences look alike.)"""
    out: list[str] = []
    for m in _PIECE.finditer(_prep(text)):
        piece = m.group()
        out.extend(piece if _is_ja(piece[0]) else [piece])
    return out


def rouge_tokens(text: str) -> list[str]:
    """ROUGE-L units: Sudachi content words (dictionary-normalized) for Japanese runs, ASCII words without English
    function words, and any other letter as its own token. Particles and function words on both sides are left out
    so that の/に/を or "the/of" do not make unrelated sentences share a long subsequence."""
    morph = get_tokenizer("sudachi")
    out: list[str] = []
    for m in _PIECE.finditer(_prep(text)):
        piece = m.group()
        # The Sudachi wrapper understands Japanese runs and ASCII words; it would drop "café" or "한국", kept here.
        out.extend(morph(piece) if piece.isascii() or _is_ja(piece[0]) else [piece])
    return out


# --- answer correctness --------------------------------------------------------------------------------------------
def f1_counts(pred: Sequence[str], ref: Sequence[str]) -> float:
    """F1 of two token multisets (0 when either is empty)."""
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or common == 0:
        return 0.0
    p, r = common / len(pred), common / len(ref)
    return 2 * p * r / (p + r)


def char_f1(answer: str, reference: str) -> float:
    return f1_counts(mixed_tokens(answer), mixed_tokens(reference))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Longest common subsequence, by dynamic programming over two rows (O(len(a)·len(b)) time, O(len(b)) memory)."""
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            cur[j] = prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1]


def rouge_l(pred: Sequence[str], ref: Sequence[str]) -> float:
    """ROUGE-L F1 (β = 1) of two token sequences."""
    lcs = lcs_length(pred, ref)
    if lcs == 0:
        return 0.0
    p, r = lcs / len(pred), lcs / len(ref)
    return 2 * p * r / (p + r)


def rouge_l_text(answer: str, reference: str) -> float:
    return rouge_l(rouge_tokens(answer), rouge_tokens(reference))


def number_text(n: Decimal) -> str:
    """2E+12 → "2000000000000", 3E+1 → "30": values as people write them."""
    return format(n, "f")


def key_facts(text: str) -> tuple[frozenset[Decimal], frozenset[str]]:
    """Numbers (dates, amounts, counts, as values) and named terms (acronyms, long katakana words) of a text."""
    t = strip_markers(text)
    return numbers(t), named_terms(t)


def key_fact_coverage(answer: str, reference: str) -> tuple[float | None, list[str]]:
    """Share of the reference's key facts found in the answer, and the missing ones. None: the reference has none.

    Numbers compare as values in either notation (2兆円 = 2 trillion, 4割 = 40%); a term counts when it occurs in the
    answer (case-insensitive), so 「IPAS」 is found in "the IP Acceleration Program (IPAS)"."""
    ref_nums, ref_terms = key_facts(reference)
    if not ref_nums and not ref_terms:
        return None, []
    ans = strip_markers(answer)
    ans_nums = numbers(ans)
    ans_upper = unicodedata.normalize("NFKC", ans).upper()
    missing = [number_text(n) for n in sorted(ref_nums) if n not in ans_nums]
    missing += sorted(t for t in ref_terms if t.upper() not in ans_upper)
    total = len(ref_nums) + len(ref_terms)
    return (total - len(missing)) / total, missing


# --- language ------------------------------------------------------------------------------------------------------
def answer_lang(text: str) -> str:
    """The language an answer is written in, by the same rule the service applies to questions (≥ 10 % kana/kanji
    → ja), after removing citation markers, URLs and double-quoted names."""
    t = _NAME_QUOTE.sub(" ", _URL.sub(" ", strip_markers(text)))
    return detect_lang(t)


def language_match(answer: str, lang: str) -> bool:
    return answer_lang(answer) == lang


# --- retrieval -----------------------------------------------------------------------------------------------------
def contains_quote(passage: str, quote: str) -> bool:
    """DESIGN.md: a passage is correct when it contains a gold quote, NFKC (and whitespace-insensitive) on both sides."""
    q = canon(quote)
    return bool(q) and q in canon(passage)


def relevance(passages: Sequence[str], gold_quotes: Sequence[str]) -> list[bool]:
    return [any(contains_quote(p, q) for q in gold_quotes) for p in passages]


def first_relevant_rank(rels: Sequence[bool], k: int | None = None) -> int | None:
    for i, r in enumerate(rels[:k] if k else rels, 1):
        if r:
            return i
    return None


def recall_at_k(rels: Sequence[bool], k: int) -> float:
    """1 when a relevant passage is among the first k (answer recall / success@k), else 0."""
    return 1.0 if any(rels[:k]) else 0.0


def mrr_at_k(rels: Sequence[bool], k: int) -> float:
    rank = first_relevant_rank(rels, k)
    return 1.0 / rank if rank else 0.0


def dcg(rels: Sequence[bool]) -> float:
    return sum(1.0 / math.log2(i + 1) for i, r in enumerate(rels, 1) if r)


def ndcg_at_k(rels: Sequence[bool], n_relevant: int, k: int) -> float:
    """Binary-gain nDCG@k. ``n_relevant`` is how many relevant passages exist (the ideal ranking puts
    min(n_relevant, k) of them first); the runner takes it from the judged pool (docs/evaluation.md)."""
    ideal = dcg([True] * min(n_relevant, k))
    return dcg(rels[:k]) / ideal if ideal else 0.0


def quote_recall_at_k(passages: Sequence[str], gold_quotes: Sequence[str], k: int) -> float:
    """Share of the gold quotes contained in at least one of the first k passages."""
    if not gold_quotes:
        return 0.0
    top = passages[:k]
    return sum(any(contains_quote(p, q) for p in top) for q in gold_quotes) / len(gold_quotes)


# --- lists ---------------------------------------------------------------------------------------------------------
def list_items_found(list_items: Sequence[str], answer: str, citations: Sequence[Citation]) -> list[bool]:
    """Per enumerated item: contained (``contains_quote``: NFKC, whitespace-insensitive) in the concatenated quotes
    of the citations or in the answer text (without its ``[n]`` markers)."""
    quoted = "\n".join(c.quote for c in citations)
    text = strip_markers(answer)
    return [contains_quote(quoted, item) or contains_quote(text, item) for item in list_items]


def list_coverage(list_items: Sequence[str], answer: str, citations: Sequence[Citation], abstained: bool) -> float | None:
    """Share of a list question's items the answer gives (in its text or its cited quotes); 0 when it abstained.
    None: the question has no list items."""
    if not list_items:
        return None
    if abstained:
        return 0.0
    found = list_items_found(list_items, answer, citations)
    return sum(found) / len(found)


# --- citations -----------------------------------------------------------------------------------------------------
def covers(citation: Citation, quote: str) -> bool:
    """A cited passage covers a gold quote when it contains it or our verifier's lexical rules say it supports it
    (no embedding: gold quotes are exact source text, so a passage holding that evidence shares its wording)."""
    return contains_quote(citation.text, quote) or supports(quote, citation, None)


def citation_recall(gold_quotes: Sequence[str], citations: Sequence[Citation]) -> float:
    """Share of gold quotes covered by at least one cited passage (0 when nothing is cited)."""
    if not gold_quotes:
        return 0.0
    return sum(any(covers(c, q) for c in citations) for q in gold_quotes) / len(gold_quotes)


def useful_citations(
    answer: str, citations: Sequence[Citation], gold_quotes: Sequence[str], similarity: Similarity | None
) -> list[bool]:
    """Per citation (ALCE-style precision): relevant (covers a gold quote) or supporting at least one answer
    sentence that cites it, by the service's verifier."""
    claims = parse_claims(answer)
    out: list[bool] = []
    for c in citations:
        relevant = any(covers(c, q) for q in gold_quotes)
        supporting = any(c.n in cl.ns and supports(cl.text, c, similarity) for cl in claims)
        out.append(relevant or supporting)
    return out


def lead_citation(gold_quotes: Sequence[str], answer: str, citations: Sequence[Citation]) -> float:
    """1 when the passage the answer cites first covers a gold quote: staff read an answer from its top, so the
    sentence that leads should be the one that answers (citation recall counts a right passage wherever it stands)."""
    m = _MARKER.search(answer)
    first = next((c for c in citations if m and c.n == int(m.group(1))), None)
    return 1.0 if first is not None and any(covers(first, q) for q in gold_quotes) else 0.0


def citation_precision(
    answer: str, citations: Sequence[Citation], gold_quotes: Sequence[str], similarity: Similarity | None
) -> float | None:
    """Share of citations that are relevant or support a sentence citing them. None: nothing cited."""
    if not citations:
        return None
    flags = useful_citations(answer, citations, gold_quotes, similarity)
    return sum(flags) / len(flags)


def citation_precision_gold(citations: Sequence[Citation], gold_quotes: Sequence[str]) -> float | None:
    """Stricter precision: share of citations that cover a gold quote. None: nothing cited."""
    if not citations:
        return None
    return sum(any(covers(c, q) for q in gold_quotes) for c in citations) / len(citations)


def unsupported_answer_numbers(answer: str, citations: Sequence[Citation]) -> frozenset[Decimal] | None:
    """Numbers the answer states that no cited passage (or its reference translation) states; None when the answer
    states no number at all."""
    stated = numbers(strip_markers(answer))
    if not stated:
        return None
    evidence = "\n".join(c.text + "\n" + (c.text_en or "") for c in citations)
    return stated - numbers(evidence)


# --- abstention and latency ----------------------------------------------------------------------------------------
def abstention_precision_recall(pairs: Sequence[tuple[bool, bool]]) -> tuple[float | None, float | None]:
    """``pairs`` of (should abstain, did abstain). The positive class is "abstain"; None where undefined."""
    tp = sum(1 for should, did in pairs if should and did)
    did = sum(1 for _, d in pairs if d)
    should = sum(1 for s, _ in pairs if s)
    return (tp / did if did else None), (tp / should if should else None)


def false_abstention_rate(answerable: Sequence[bool], abstained: Sequence[bool]) -> float | None:
    """Share of the answerable questions that were abstained on (lower is better). None: no answerable question."""
    flags = [did for can, did in zip(answerable, abstained, strict=True) if can]
    return sum(flags) / len(flags) if flags else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def mean(values: Sequence[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return sum(got) / len(got) if got else None
