"""Which sentences an extractive answer quotes: the reader's best, those that come close to it, and the sentences that
complete them as staff read the quote back (the statement between two chosen ones, the sentence a bare reply needs,
the opening of an FAQ reply).
"""

from __future__ import annotations

import math

from service.question import Evidence, QuestionTerms, ja_set
from service.reader import Candidate
from service.reader_model import ReaderModel
from service.statements import bare_reply, opens_reply


def select(model: ReaderModel, cands: list[Candidate], terms: QuestionTerms) -> list[Candidate]:
    """The best sentence, and up to ``max_sentences - 1`` more that come close to it: the best one's passage first,
    each passage in reading order."""
    if not cands:
        return []
    order = sorted(range(len(cands)), key=lambda i: -cands[i].rank_score)
    best = order[0]
    # A question that asks for a date, an amount, a who… is answered by the sentences that state one; when the best
    # does, further sentences that state none would only pad the answer.
    typed = bool(cands[best].features.get("type_match"))
    extra = [i for i in order[1:] if within(cands[i], cands[best], model.extra_ratio)
             and (not typed or cands[i].features.get("type_match")) and not answers_another(terms, cands[i], cands[best])]
    at = {best, *extra[: model.max_sentences - 1]}
    # A bare reply (「A. いいえ、できません。」) takes the next sentence of its passage; a statement between two chosen
    # sentences of one passage joins them (staff read the quote back: a rule's (1), (2), (4) reads as if there were no (3)).
    at |= {i + 1 for i in at if bare_reply(cands[i].text) and i + 1 < len(cands) and cands[i + 1].hit is cands[i].hit}
    at |= {a + 1 for a in at if a + 2 in at and cands[a].hit is cands[a + 2].hit}
    # The best sentence inside an FAQ's reply is read from the reply's opening (「A. はい、3回まで無料です。」 before
    # 「4回目以降は…5,500円」): the opening answers the question the rest qualifies, when that is the user's question
    # too. The FAQ's question must name the user's at least as fully as the best sentence does; otherwise its 「はい」
    # answers another question (「加工品は対象ですか」 for 「酒類は申請できますか」).
    opening = reply_opening(cands, best)
    if opening < best and asks_as_much(terms, cands[opening].prev, cands[best].text):
        at |= set(range(opening, best))
    # The best sentence's passage leads, each passage in reading order: staff read an answer from its top, and a
    # higher-ranked passage's lesser sentence (a contact section's 「お問い合わせください」) would open it otherwise.
    lead = cands[best].hit
    return sorted((cands[i] for i in at), key=lambda c: (c.hit is not lead, c.hit.rank, c.start))


def reply_opening(cands: list[Candidate], i: int) -> int:
    """The index of the sentence opening the FAQ reply that ``cands[i]`` continues, in one run of its passage's
    sentences; ``i`` itself when it continues none."""
    j = i
    while j > 0 and cands[j - 1].hit is cands[i].hit and cands[j].prev == cands[j - 1].text and i - j < 3:
        j -= 1
        if opens_reply(cands[j].text, cands[j].prev):
            return j
    return i


def answers_another(terms: QuestionTerms, c: Candidate, best: Candidate) -> bool:
    """Whether ``c`` opens the reply to another FAQ's question than the user's (「A. いいえ、できません。」 to
    「個人でも申請できますか」): it answers that question, not the one asked."""
    return opens_reply(c.text, c.prev) and not asks_as_much(terms, c.prev, best.text)


def asks_as_much(terms: QuestionTerms, faq_question: str, sentence: str) -> bool:
    """Whether an FAQ's question covers the user's question's terms (IDF-weighted) at least as fully as ``sentence``,
    word for word: a term inside another word (人 of 「4人」 in 個人) does not make it the user's question."""
    def covered(text: str) -> float:
        return terms.coverage(Evidence(ja_set(text), frozenset(), ""))
    asked = covered(faq_question)
    return asked > 0 and asked >= covered(sentence)


def within(c: Candidate, best: Candidate, ratio: float) -> bool:
    """Whether ``c`` is at least ``ratio`` times as likely as ``best`` to be the answer (listwise odds)."""
    return math.exp(min(0.0, c.rank_score - best.rank_score)) >= ratio
