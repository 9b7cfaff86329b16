"""The answer service: rewrite follow-ups → retrieve → compose (extractive or LLM) → verify → answer or abstain."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from core.contracts import Answer, Citation, Hit
from core.logging import get_logger
from retriever.hybrid import HybridRetriever, SearchResult
from retriever.query import QueryError, clean_query, query_lang
from service import lists
from service.composer import compose
from service.engine import Engine
from service.followup import rewrite_heuristic
from service.llm import LLMClient, LLMUnavailable
from service.question import QuestionTerms
from service.quote import select
from service.reader import (
    Candidate,
    candidates,
    decide,
    featurize,
    pool_features,
    score,
)
from service.reader_model import ReaderModel
from service.schemas import AskRequest
from service.vectors import SentenceVectors
from service.verifier import verify

log = get_logger("ipqa.answer")

# What a caller of the service catches for a question it must refuse (the UI imports it from here, not the retriever).
__all__ = ["AnswerService", "Event", "QueryError", "abstain_text", "is_refusal"]

Event = tuple[Literal["token", "answer"], object]

# A model told to "say when the passages do not answer" says it in many ways; such an answer is an abstention.
_REFUSAL = re.compile(
    r"(記載|情報|言及|説明)(は|が)?(ありません|ない|見当たりません|されていません|含まれていません)|回答できません|分かりません"
    r"|わかりません|do(?:es)? not (?:answer|contain|cover|mention|say|state|provide)|no information|cannot (?:answer|find)"
    r"|not (?:mentioned|covered|stated|answered) in",
    re.I,
)


def is_refusal(text: str) -> bool:
    plain = re.sub(r"\[\d+\]", "", text).strip()
    return len(plain) < 200 and bool(_REFUSAL.search(plain))


@dataclass
class _Context:
    question: str
    lang: str
    rewritten: str | None
    result: SearchResult
    timings: dict[str, float]


def abstain_text(lang: str, sections: list[list[str]], titles: list[str] | None = None) -> str:
    """The refusal, naming the indexed documents (whatever they are) and the sections that came closest."""
    names = [" > ".join(p) for p in sections if p]
    shown = list(dict.fromkeys(t for t in titles or [] if t))
    if lang == "ja":
        docs = "検索対象の文書" + (f"({'、'.join(shown[:3])}{' ほか' if len(shown) > 3 else ''})" if shown else "")
        text = f"ご質問の内容は、{docs}には記載が見当たりません。"
        if names:
            text += "関連する可能性のある箇所: " + " / ".join(f"「{n}」" for n in names)
        return text
    # Titles in double quotes: a Japanese title is a name here, not a switch of the answer's language.
    quoted = [f'"{t}"' for t in shown[:3]]
    docs = "The indexed documents" + (f" ({'; '.join(quoted)}{' and others' if len(shown) > 3 else ''})"
                                      if shown else "")
    text = f"{docs} do not cover this question."
    if names:
        text += " Closest sections: " + " / ".join(f"\"{n}\"" for n in names)
    return text


class AnswerService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._llm: LLMClient | None = None
        self._llm_error: str | None = None
        self._reader: ReaderModel | None = None
        if engine.settings.llm_configured:
            try:
                self._llm = LLMClient(engine.settings)
            except LLMUnavailable as exc:
                self._llm_error = str(exc)

    @property
    def reader(self) -> ReaderModel:
        if self._reader is None:
            path = self.engine.settings.reader_model
            self._reader = ReaderModel.load(path) if path else ReaderModel.load()
        return self._reader

    @property
    def llm_available(self) -> bool:
        return self._llm is not None

    @property
    def vectors(self) -> SentenceVectors:
        """The loaded index's sentence vectors (a lookup table built at ingest; nothing to warm up)."""
        return self.engine.current.vectors

    def _prepare(self, req: AskRequest, mode: str) -> _Context:
        settings = self.engine.settings
        timings: dict[str, float] = {}
        question = clean_query(req.question, settings.max_query_chars)
        lang = req.lang if req.lang != "auto" else query_lang(question)
        rewritten: str | None = None
        t = time.perf_counter()
        if req.history:
            if mode == "llm" and self._llm is not None:
                try:
                    rewritten = self._llm.rewrite(question, req.history)
                except LLMUnavailable:
                    rewritten = rewrite_heuristic(question, req.history, lang)
            else:
                rewritten = rewrite_heuristic(question, req.history, lang)
        timings["rewrite"] = (time.perf_counter() - t) * 1000
        retriever = self.engine.current.retriever
        result = retriever.search(rewritten or question, req.k)
        timings["retrieve"] = result.timings_ms.get("total", 0.0)
        return _Context(question, lang, rewritten, result, timings)

    def _similarity(self, a: str, b: str) -> float:
        v = self.vectors.get([a, b])
        return float(v[0] @ v[1])

    def _abstain(self, ctx: _Context, mode: str, notes: list[str]) -> Answer:
        sections = [h.section_path for h in ctx.result.hits[:3]]
        titles = [d.title for d in self.engine.current.index.documents.values()]
        return Answer(
            answer=abstain_text(ctx.lang, sections, titles), lang=ctx.lang,  # type: ignore[arg-type]
            abstained=True, grounded=True, mode=mode, citations=[], rewritten_query=ctx.rewritten,
            suggested_sections=sections, notes=notes, timings_ms=ctx.timings,
        )

    def read(self, ctx: _Context, retriever: HybridRetriever | None = None,
             scored: bool = True) -> tuple[list[Candidate], QuestionTerms]:
        """Candidate sentences of the top passages, featurized and (``scored``) scored by the reader model.
        ``retriever``: the one whose hits ``ctx`` holds, if not the engine's (bench/train_reader.py)."""
        retriever = retriever or self.engine.current.retriever
        alignment = {}
        for h in ctx.result.hits:
            chunk = retriever.chunk(h.chunk_id)
            if chunk is not None and chunk.en_sentences:
                alignment[h.chunk_id] = chunk.en_sentences
        cands = candidates(ctx.result.hits, alignment)
        qvec = ctx.result.query_vector
        if qvec is None:
            qvec = self.engine.embedder.encode([ctx.rewritten or ctx.question], is_query=True)[0]
        # The follow-up's own words say what is asked; the conversation only steered retrieval (qvec).
        terms = QuestionTerms(ctx.question, retriever.term_stats)
        featurize(ctx.lang, qvec, cands, self.vectors, terms, self.reader.interaction, self.engine.embedder.id)
        if scored:
            score(self.reader, cands)
        return cands, terms

    def _select(self, ctx: _Context) -> tuple[list[Candidate], str | None, bool]:
        """The sentences an answer would rest on (or why there are none) and whether they form a list. Both modes
        gate on this, so extractive and LLM answers abstain on the same questions."""
        if not ctx.result.hits:
            return [], None, False
        cands, terms = self.read(ctx)
        if not cands:
            return [], "not answered: the passages found hold no statement sentence", False
        feats = pool_features(cands, ctx.result.hits, ctx.lang, ctx.result.evidence, ctx.result.dense_scores, terms)
        verdict = decide(self.reader, feats, terms)
        if not verdict.answerable:
            return [], f"not answered: {verdict.reason}", False
        anchor = max(cands, key=lambda c: c.rank_score)
        chosen = select(self.reader, cands, terms)
        items = lists.list_answer(terms, ctx.question, anchor, chosen, cands, self.engine.current.index.chunks,
                                  ctx.result.hits)
        if items:
            return items, None, True
        return chosen, None, False

    def _extractive(self, ctx: _Context, notes: list[str]) -> Answer:
        t = time.perf_counter()
        chosen, reason, as_list = self._select(ctx)
        if not chosen:
            ctx.timings["compose"] = (time.perf_counter() - t) * 1000
            return self._abstain(ctx, "extractive", notes + ([reason] if reason else []))
        text, citations = compose(chosen, ctx.lang, as_list)
        ctx.timings["compose"] = (time.perf_counter() - t) * 1000
        return self._finish(ctx, "extractive", text, citations, notes)

    def _finish(self, ctx: _Context, mode: str, text: str, citations: list[Citation], notes: list[str]) -> Answer:
        t = time.perf_counter()
        checked = verify(text, citations, self._similarity)
        ctx.timings["verify"] = (time.perf_counter() - t) * 1000
        if not any(c.supported for c in checked.claims):
            return self._abstain(ctx, mode, notes + ["no answer sentence survived citation checks"])
        used = {n for c in checked.claims for n in c.ns}
        if checked.removed:
            notes = notes + [f"{len(checked.removed)} unsupported sentence(s) removed"]
        return Answer(
            answer=checked.render(), lang=ctx.lang,  # type: ignore[arg-type]
            abstained=False, grounded=checked.grounded, mode=mode,
            citations=[c for c in citations if c.n in used], rewritten_query=ctx.rewritten, notes=notes,
            timings_ms={k: round(v, 2) for k, v in ctx.timings.items()},
        )

    def _llm_citations(self, hits: list[Hit], text: str) -> list[Citation]:
        """One citation per passage shown to the model; the quote is the passage sentence closest to the answer."""
        from core.text import split_sentences

        out: list[Citation] = []
        for i, h in enumerate(hits, 1):
            spans = split_sentences(h.text) or []
            quote_start, quote_end = 0, len(h.text)
            if spans:
                sims = self.vectors.get([h.text[s.start : s.end] for s in spans]) @ self.vectors.get([text])[0]
                best = spans[int(np.argmax(sims))]
                quote_start, quote_end = best.start, best.end
            out.append(Citation(
                n=i, chunk_id=h.chunk_id, doc_id=h.doc_id, section_path=h.section_path,
                quote=h.text[quote_start:quote_end], start=h.start + quote_start, end=h.start + quote_end,
                text=h.text, text_en=h.translation,
            ))
        return out

    # --- public -----------------------------------------------------------------------------------------------------
    def ask(self, req: AskRequest) -> Answer:
        final: Answer | None = None
        for kind, payload in self.ask_stream(req):
            if kind == "answer":
                assert isinstance(payload, Answer)
                final = payload
        assert final is not None
        return final

    def ask_stream(self, req: AskRequest) -> Iterator[Event]:
        """``token`` events while the answer is produced, then exactly one ``answer`` event (the verified answer)."""
        t0 = time.perf_counter()
        mode = req.mode or self.engine.settings.answer_mode
        notes: list[str] = []
        if mode == "llm" and self._llm is None:
            notes.append(f"LLM mode unavailable ({self._llm_error or 'no LLM configured'}); extractive answer shown")
            mode = "extractive"
        ctx = self._prepare(req, mode)
        answer: Answer | None = None
        if mode == "llm" and self._llm is not None:
            gate, reason, _ = self._select(ctx)
            if not gate:
                answer = self._abstain(ctx, "llm", notes + ([reason] if reason else []))
            else:
                parts: list[str] = []
                t = time.perf_counter()
                try:
                    for token in self._llm.stream_answer(ctx.question, ctx.lang, ctx.result.hits):
                        parts.append(token)
                        yield ("token", token)
                    ctx.timings["generate"] = (time.perf_counter() - t) * 1000
                    text = "".join(parts)
                    if is_refusal(text):
                        answer = self._abstain(ctx, "llm", notes + ["the model found no answer in the passages"])
                    else:
                        answer = self._finish(ctx, "llm", text, self._llm_citations(ctx.result.hits, text), notes)
                except LLMUnavailable as exc:
                    log.warning("llm_fallback", reason=str(exc))
                    notes.append(f"LLM unavailable ({exc}); extractive answer shown")
                    if parts:
                        yield ("token", "\n\n")
        if answer is None:
            answer = self._extractive(ctx, notes)
            for piece in _pieces(answer.answer):
                yield ("token", piece)
        answer.timings_ms["total"] = round((time.perf_counter() - t0) * 1000, 2)
        yield ("answer", answer)


def _pieces(text: str, size: int = 12) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]
