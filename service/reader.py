"""The extractive reader: candidate sentences of the top passages, scored by a logistic model over general signals,
and the answerability model that decides from the whole candidate pool whether the documents answer at all.

Features are properties any document and question have (retrieval score and rank, embedding similarity, IDF-weighted
coverage of the question's terms, through a bilingual dictionary for English over untranslated text, answer types,
heading match); weights learned by ``bench/train_reader.py`` on training data only (service/models/reader.json).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.contracts import Hit
from core.text import split_sentences
from retriever.offset import offset_for
from service.answer_types import states_any
from service.editions import version_mismatch
from service.facts import bounded, named_terms, numbers
from service.question import Evidence, QuestionTerms, bigram_set, en_set, states_type
from service.reader_model import Interaction, ReaderModel, interaction_features
from service.reasons import abstain_reason
from service.romaji import names_unseen, text_romaji
from service.statements import is_item, is_statement
from service.vectors import SentenceVectors

# Sentences of the first five passages (the default k): deeper hits are rarely the answer and cost embedding time.
CANDIDATE_HITS = 5

READER_FEATURES: tuple[str, ...] = (
    "sem", "sem_rel", "ctx_sem", "cov", "cov_rel", "cov_ctx", "cov_before", "bigram", "bigram_rel", "heading", "ret_rel",
    "inv_rank", "first", "type_match", "type_miss", "type_ctx", "focus", "focus_ctx", "facts", "item", "log_len",
    "xling", "sem_w", "sem_w_rel",
)
POOL_FEATURES: tuple[str, ...] = (
    "p_max", "p_logit", "p_type", "share", "evidence", "evidence_gap", "evidence_lead", "evidence_z", "cov_best",
    "unmatched", "unmatched_max", "unmatched_top", "numbers_missing", "names_missing", "edition_mismatch", "type_pool_miss",
    "type_best_miss", "type_focus", "focus_best", "focus_near", "focus_pool", "xling", "xling_evidence", "xling_p",
    "xling_unmatched", "xling_focus", "xling_names", "list_heading", "ans_w",
)

@dataclass
class Candidate:
    hit: Hit
    start: int  # offsets into the normalized document
    end: int
    text: str
    en: str | None
    prev: str = ""
    next: str = ""
    # The sentences before ``prev`` in the passage: where an enumeration names the topic this sentence elaborates
    # (「2つ目は、クールジャパン情勢である。」 → the sentences after it).
    before: tuple[str, ...] = ()
    features: dict[str, float] = field(default_factory=dict)
    prob: float = 0.0  # calibrated: P(this sentence carries the answer), pointwise model
    rank_score: float = 0.0  # listwise model: comparable only among one question's candidates
    label: str | None = None  # a list item's name (a sub-section heading), shown before the sentence


@dataclass(frozen=True)
class PoolDecision:
    answerable: bool
    prob: float
    features: dict[str, float]
    reason: str | None = None


def candidates(hits: Sequence[Hit], en_alignment: dict[str, list[tuple[int, int, str]]],
               depth: int = CANDIDATE_HITS) -> list[Candidate]:
    """Every sentence of the first ``depth`` passages, with its neighbours in the passage as context."""
    out: list[Candidate] = []
    for hit in hits[:depth]:
        aligned = {(s, e): en for s, e, en in en_alignment.get(hit.chunk_id, [])}
        spans = split_sentences(hit.text)
        texts = [hit.text[sp.start : sp.end] for sp in spans]
        for i, sp in enumerate(spans):
            if not is_statement(texts[i]):
                continue  # titles, bylines, captions: context for their neighbours, never an answer
            start, end = hit.start + sp.start, hit.start + sp.end
            out.append(Candidate(
                hit, start, end, texts[i], aligned.get((start, end)),
                prev=texts[i - 1] if i > 0 else "", next=texts[i + 1] if i + 1 < len(texts) else "",
                before=tuple(texts[max(0, i - 3) : max(0, i - 1)]),
            ))
    return out


def featurize(lang: str, qvec: np.ndarray, cands: list[Candidate], vectors: SentenceVectors,
              terms: QuestionTerms, interaction: Interaction | None = None, embedder: str = "") -> None:
    """Fill ``features`` of every candidate. Relative features (``sem_rel``, ``cov_rel``, ``ret_rel``) compare a
    sentence with the best of its pool, which carries across documents whose absolute scores sit elsewhere."""
    if not cands:
        return
    texts = [c.text for c in cands]
    ctx = [c.prev for c in cands] + [c.next for c in cands]
    allv = vectors.get(texts + [t for t in ctx if t])
    dim = allv.shape[1]
    lookup = dict(zip(texts + [t for t in ctx if t], allv, strict=True))
    # An English question meets Japanese sentences moved by the language offset, as the retriever's sentence channel
    # does (retriever/offset.py): the move re-orders sentences by meaning rather than by their language term.
    offset = offset_for(embedder) if lang == "en" else None
    q_ja = offset.toward_ja(qvec) if offset is not None else qvec
    sem = allv[: len(cands)] @ q_ja
    avecs = answer_vectors(lang, cands, vectors, allv[: len(cands)])  # the translations' one lookup
    if lang == "en":
        with_en = [i for i, c in enumerate(cands) if c.en]
        if with_en:
            sem_en = avecs[with_en].astype(np.float32) @ qvec  # the table's float32 vectors, exactly
            # English-to-English cosines run higher than English-to-Japanese ones of the same meaning; untranslated
            # sentences get this question's median gap, so a mixed pool compares meaning (as the retriever does).
            gap = float(np.median(sem_en - sem[with_en]))
            for i, c in enumerate(cands):
                if not c.en:
                    sem[i] += max(0.0, gap)
            for j, i in enumerate(with_en):
                sem[i] = max(sem[i], sem_en[j])
    en_of = (lambda c: c.en) if lang == "en" else (lambda c: None)
    sent_ev = [Evidence.of([c.text], [en_of(c)]) for c in cands]
    covs = [terms.coverage(ev) for ev in sent_ev]
    bigrams = [_share(terms.bigrams, bigram_set(c.text) | bigram_set(c.en or "")) for c in cands]
    best_sem, best_cov, best_bi = float(sem.max()), max(covs), max(bigrams)
    sem_w, sem_w_rel = interaction_features(interaction, qvec, allv[: len(cands)], embedder)
    ans_w = interaction.answerability(qvec, avecs, embedder) if interaction else 0.0  # one per question
    top_score = cands[0].hit.score if cands else 0.0
    for i, c in enumerate(cands):
        v = lookup[c.text] + sum((lookup[t] for t in (c.prev, c.next) if t), np.zeros(dim, np.float32))
        norm = float(np.linalg.norm(v)) or 1.0
        heading = " ".join(c.hit.section_path)
        ctx_ev = Evidence.of([c.prev, c.text, c.next, heading], [en_of(c)])
        typed = bool(terms.types)
        match = typed and (states_type(c.text, terms.types) or bool(c.en and states_any(c.en, terms.types)))
        sent_facts = {str(n) for n in numbers(c.text)} | {t.upper() for t in named_terms(c.text + " " + (c.en or ""))}
        c.features = {
            "sem": float(sem[i]),
            "sem_rel": float(sem[i]) - best_sem,
            "ctx_sem": float(v @ q_ja) / norm,
            "cov": covs[i],
            "cov_rel": covs[i] - best_cov,
            "cov_ctx": terms.coverage(ctx_ev),
            "cov_before": terms.coverage(Evidence.of([c.prev, *c.before], [])) if c.prev else 0.0,
            "bigram": bigrams[i],
            "bigram_rel": bigrams[i] - best_bi,
            "heading": terms.coverage(Evidence.of([heading])),
            "first": float(not c.prev),
            "ret_rel": c.hit.score - top_score,
            "inv_rank": 1.0 / c.hit.rank,
            "type_match": float(match),
            "type_miss": float(typed and not match),
            "type_ctx": float(typed and not match and any(states_type(t, terms.types) for t in (c.prev, c.next) if t)),
            "focus": terms.focus_found(sent_ev[i]),
            "focus_ctx": terms.focus_found(ctx_ev),
            "facts": len(terms.facts & sent_facts) / len(terms.facts) if terms.facts else 0.0,
            "item": float(is_item(c.text)),
            "log_len": math.log1p(len(c.text)) / 6.0,
            "xling": float(lang == "en" and not c.en),
            "sem_w": float(sem_w[i]), "sem_w_rel": float(sem_w_rel[i]), "ans_w": ans_w,  # service/reader_model.py
        }


def answer_vectors(lang: str, cands: list[Candidate], vectors: SentenceVectors,
                   ja: np.ndarray | None = None) -> np.ndarray:
    """The candidates' vectors in the question's language where translated, as ``sem`` reads them (``ans_w`` read the
    cross-lingual gap as "not answered"); ``ja``: the candidates' own vectors, when the caller has them."""
    out = np.array(vectors.get([c.text for c in cands]) if ja is None else ja, dtype=np.float64)
    if with_en := [i for i, c in enumerate(cands) if c.en and lang == "en"]:
        out[with_en] = vectors.get([cands[i].en or "" for i in with_en])
    return out


def _share(q: set[str], s: frozenset[str]) -> float:
    return len(q & s) / len(q) if q else 0.0


def score(model: ReaderModel, cands: list[Candidate]) -> None:
    for c in cands:
        c.prob = model.sentence.prob(c.features)
        c.rank_score = model.ranker.logit(c.features)


def top_share(cands: Sequence[Candidate]) -> float:
    """The listwise model's softmax probability of its best sentence: how clearly one sentence stands out."""
    if not cands:
        return 0.0
    s = np.array([c.rank_score for c in cands])
    e = np.exp(s - s.max())
    return float(e.max() / e.sum())


def pool_features(cands: list[Candidate], hits: Sequence[Hit], lang: str, evidence: float, dense_scores: list[float],
                  terms: QuestionTerms, depth: int = CANDIDATE_HITS) -> dict[str, float]:
    """Question-level signals over everything that was found, not only over the sentences an answer would use."""
    top = list(hits[:depth])
    best = max(cands, key=lambda c: c.rank_score, default=None)
    p_max = best.prob if best is not None else 0.0
    use_en = lang == "en"
    pool_ev = Evidence.of([" ".join(h.section_path) + " " + h.text for h in top],
                          [h.text_en for h in top] if use_en else [])
    top_ev = Evidence.of([" ".join(top[0].section_path) + " " + top[0].text] if top else [],
                         [top[0].text_en] if use_en and top else [])
    xling = use_en and not any(h.text_en for h in top)
    unmatched, unmatched_max = (0.0, 0.0) if xling else terms.unmatched(pool_ev)
    unmatched_top = 0.0 if xling or not top else terms.unmatched(top_ev)[0]
    en_text = "\n".join(h.text_en or "" for h in top)
    typed = bool(terms.types)
    present = typed and (any(states_type(h.text, terms.types) for h in top) or states_any(en_text, terms.types))
    typed_probs = [c.prob for c in cands if c.features.get("type_match")]
    p_type = (max(typed_probs, default=0.0)) if typed else p_max
    best_miss = typed and best is not None and not best.features.get("type_match")
    both = pool_ev.raw + "\n" + en_text
    pool_numbers = numbers(both)
    # A figure inside a stated bound is found (15 employees in 「20人以下」): the passages need not repeat it.
    unstated = terms.figures - pool_numbers
    figures_missing = bool(unstated and unstated - bounded(both, unstated, terms.question))
    # Another edition or year in the passages, or in the very sentence an answer would quote (「2024年度の相談件数は」
    # for 「2025年度の相談件数は」, where other passages mention 2025年度 about something else).
    edition = version_mismatch(terms.question, both) or (
        best is not None and version_mismatch(terms.question, best.text + "\n" + (best.en or "")))
    en_raw = en_text.lower()
    names_ev = Evidence(pool_ev.ja, pool_ev.en | en_set(en_raw), pool_ev.raw + "\n" + en_raw)
    names_missing = terms.names_missing(names_ev, {str(n) for n in pool_numbers})
    near = [c for c in cands if c.hit.rank <= 3]
    # Does one sentence both state a fact of the asked type and, with its neighbours, name what the question is
    # about? (「締切はいつ」 needs a date next to 締切, not any date in the passages.)
    focus_near = max((c.features.get("focus_ctx", 0.0) for c in near), default=0.0)
    type_focus = max((c.features.get("focus_ctx", 0.0) for c in near if c.features.get("type_match")), default=0.0)
    focus_best = best.features.get("focus_ctx", 0.0) if best is not None else 0.0
    gap = evidence - (sum(dense_scores[1:5]) / len(dense_scores[1:5]) if len(dense_scores) > 1 else evidence)
    # Short or English queries have lower cosines to everything; the top's lead over the query's background
    # similarity (the rest of the depth) is comparable across queries, languages and documents.
    background = dense_scores[5:] or dense_scores[1:]
    lead = evidence - (sum(background) / len(background) if background else evidence)
    spread = float(np.std(dense_scores)) if len(dense_scores) > 2 else 0.0
    # A list is backed by a section, not one sentence: how well the best heading above the top passages names the ask.
    list_heading = max((terms.coverage(Evidence.of([h.section_path[d]])) for h in top[:3]
                        for d in range(len(h.section_path))), default=0.0) if terms.asks_list else 0.0
    return {
        "p_max": p_max,
        "p_logit": math.log(max(p_max, 1e-6) / max(1 - p_max, 1e-6)) / 10.0,
        "p_type": p_type,
        "share": top_share(cands),
        "evidence": evidence,
        "evidence_gap": gap,
        "evidence_lead": lead,
        "evidence_z": lead / spread if spread > 1e-6 else 0.0,
        "cov_best": max((c.features.get("cov", 0.0) for c in cands), default=0.0),
        "unmatched": unmatched,
        "unmatched_max": unmatched_max,
        "unmatched_top": unmatched_top,
        "numbers_missing": float(figures_missing),
        "names_missing": 0.0 if xling else names_missing,
        "edition_mismatch": float(edition),
        "type_pool_miss": float(typed and not present),
        "type_best_miss": float(best_miss),
        "type_focus": type_focus if typed else 0.0,
        "focus_best": 0.0 if xling else focus_best,
        "focus_near": 0.0 if xling else focus_near,
        "focus_pool": 0.0 if xling else terms.focus_found(pool_ev),
        "xling": float(xling),
        # The cross-lingual case shares no words with its evidence; its own slopes on what it does have.
        "xling_evidence": evidence if xling else 0.0,
        "xling_p": p_max if xling else 0.0,
        # Through the bilingual lexicon, with weights of their own (a dictionary misses more than shared words do).
        "xling_unmatched": 1.0 - terms.cross_coverage(pool_ev) if xling and terms.cross_terms() else 0.0,
        "xling_focus": focus_near if xling else 0.0,
        # Names written in romaji (Nagoya, Aoba Seiki) against the passages' readings: the names check of the
        # cross-lingual case, where the one above (names_missing) cannot compare scripts.
        "xling_names": names_unseen(terms.names, terms.stats.cross.translations, pool_ev.raw, pool_ev.ja,
                                    "".join(text_romaji(h.text) for h in top)) if xling else 0.0,
        "list_heading": list_heading,
        "ans_w": cands[0].features.get("ans_w", 0.0) if cands else 0.0,
    }


def decide(model: ReaderModel, feats: dict[str, float], terms: QuestionTerms) -> PoolDecision:
    """Answer or abstain; an abstention names the strongest missing signal, for staff reading the notes."""
    p = model.pool.prob(feats)
    # Another edition's or year's figures are never this document's, however close its passages (12 of the 13
    # training questions that name one are unanswerable); an additive model can outvote the signal, so it vetoes.
    if p >= model.threshold and not feats.get("edition_mismatch"):
        return PoolDecision(True, p, feats)
    return PoolDecision(False, p, feats, abstain_reason(feats, terms))
